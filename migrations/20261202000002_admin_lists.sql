-- The admin lists (users, audit log) build their conditions from the filters
-- given (src/server/db/select.rs) and page by keyset; these are the indexes
-- they seek. `make bench` measures them at 100,000 users and 1,000,000 rows.

-- The name sort walks this one: a substring search over these columns reads
-- the index alone and fetches only the rows that match.
CREATE INDEX users_search_idx ON users (lower(username), lower(email), lower(display_name), lower(first_name || ' ' || last_name));
-- Most recent sign-in first, never signed in last (as 0).
CREATE INDEX users_sign_in_key_idx ON users ((COALESCE(last_sign_in_at, 0)), id);
DROP INDEX users_sign_in_page_idx;

CREATE INDEX audit_log_actor_page_idx ON audit_log (actor_name, id);
CREATE INDEX audit_log_action_page_idx ON audit_log (action, id);
CREATE INDEX audit_log_outcome_page_idx ON audit_log (outcome, id);
-- Prefixes of the indexes above and of (target_id, id).
DROP INDEX audit_log_action_idx;
DROP INDEX audit_log_target_idx;

-- Admin › Tokens: every user's tokens and app passwords, newest first.
CREATE INDEX api_tokens_created_page_idx ON api_tokens (created_at, id);
CREATE INDEX app_passwords_created_page_idx ON app_passwords (created_at, id);
