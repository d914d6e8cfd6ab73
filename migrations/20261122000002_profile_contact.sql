-- Profile fields beyond the names: optional contact person and phone (E.164),
-- and the IANA time zone in which times are shown to the user.
ALTER TABLE users ADD COLUMN contact_person TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
