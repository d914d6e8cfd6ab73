-- Who holds an outbox item while it is being delivered: every update of a
-- delivery's result names the lease, so a worker whose lease ran out (and
-- whose item another worker took over) cannot overwrite that worker's result.
ALTER TABLE outbox ADD COLUMN lease TEXT NOT NULL DEFAULT '';
