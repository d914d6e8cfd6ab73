-- The address (IPv4, or the IPv6 /64) a password-less sign-in ceremony was
-- started from: each address may hold only so many open at once, so one
-- client cannot use up the server-wide ceiling. Empty for the ceremonies of a
-- signed-in account.
ALTER TABLE webauthn_ceremonies ADD COLUMN address TEXT NOT NULL DEFAULT '';
CREATE INDEX webauthn_ceremonies_address_idx ON webauthn_ceremonies (address, expires_at);
