-- The admin's user list: when each account last signed in, and an index for
-- each way the list is sorted (keyset paging walks it).
ALTER TABLE users ADD COLUMN last_sign_in_at BIGINT;
CREATE INDEX users_created_page_idx ON users (created_at, id);
CREATE INDEX users_sign_in_page_idx ON users (last_sign_in_at, id);
