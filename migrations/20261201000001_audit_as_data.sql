-- Audit entries as data: the account an action concerned (an administrator's
-- action on someone else names them here), so a user's own security log and the
-- admin audit view can filter by it. Old rows' packed actions ("2fa.reset:ada")
-- are split by db::audit::migrate_packed_actions at start.
ALTER TABLE audit_log ADD COLUMN target_id TEXT;
CREATE INDEX audit_log_target_idx ON audit_log (target_id);
UPDATE audit_log SET target_id = actor_id WHERE target_id IS NULL AND action NOT LIKE '%:%';
UPDATE audit_log SET detail = '{}' WHERE detail = '';
