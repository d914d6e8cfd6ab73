-- A deleted account's username and email address stay reserved for 30 days,
-- so nobody takes them over at once (as GitHub does). Values are lowercase.
CREATE TABLE reserved_names (
    kind  TEXT NOT NULL CHECK (kind IN ('username', 'email')),
    value TEXT NOT NULL,
    until BIGINT NOT NULL,
    PRIMARY KEY (kind, value)
);
