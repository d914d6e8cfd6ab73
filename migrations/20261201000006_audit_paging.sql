-- A person's security log pages through their rows newest first (by the
-- time-ordered id): one index walk per page.
CREATE INDEX audit_log_target_page_idx ON audit_log (target_id, id);
