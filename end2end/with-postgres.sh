#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL cluster (Debian's pg_virtualenv,
# from the postgresql-common package): a fresh cluster on a free port, removed
# afterwards. TESSERA_DATABASE_URL names its database for the command.
# Usage: end2end/with-postgres.sh COMMAND [ARGS…]
set -euo pipefail
if ! command -v pg_virtualenv > /dev/null; then
  echo "pg_virtualenv is missing: 'make postgres' installs Debian's postgresql" >&2
  exit 1
fi
# Every integration test opens a pool on a database of its own, and pools close
# lazily: allow more connections than the default 100.
exec pg_virtualenv -o max_connections=400 -o fsync=off bash -c '
  export TESSERA_DATABASE_URL="postgres://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$PGDATABASE"
  exec "$@"' with-postgres "$@"
