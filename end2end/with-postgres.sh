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
# -t keeps the cluster in a temporary directory even as root: as root it would
# otherwise live under /etc/postgresql as "regress", and a run that was killed
# leaves that behind, refusing every later run ("Cluster 15/regress exists").
# Every integration test opens a pool on a database of its own, and pools close
# lazily: allow more connections than the default 100.
# On failure pg_virtualenv prints the server's log last; the command's own
# output is kept and its tail printed after that, so the end of a CI log
# says what failed.
TESSERA_RUN_LOG=$(mktemp -t tessera-pg-run.XXXXXX)
export TESSERA_RUN_LOG
trap 'rm -f "$TESSERA_RUN_LOG"' EXIT
set +e
pg_virtualenv -t -o max_connections=400 -o fsync=off bash -c '
  set -o pipefail
  export TESSERA_DATABASE_URL="postgres://$PGUSER:$PGPASSWORD@$PGHOST:$PGPORT/$PGDATABASE"
  "$@" 2>&1 | tee "$TESSERA_RUN_LOG"' with-postgres "$@"
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
  echo "--- the command failed (exit $rc): its last 150 lines, after PostgreSQL's log ---"
  tail -n 150 "$TESSERA_RUN_LOG"
fi
exit "$rc"
