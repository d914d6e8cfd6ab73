-- The interface language a user chose ("en", "de"); empty: the workspace default
-- (the `default_language` setting).
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT '';
