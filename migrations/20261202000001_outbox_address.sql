-- Deleting an account finds the mail queued for its address (also mail sent
-- before the address was the account's: a change link) by the address,
-- case-insensitively: without this index that is a scan of the whole queue
-- inside the deleting transaction.
CREATE INDEX outbox_to_addr_idx ON outbox (lower(to_addr));
