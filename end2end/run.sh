#!/usr/bin/env bash
# Runs the Playwright suite against a real Tessera server: a fresh data directory,
# a free port, a known admin password; the server is stopped afterwards.
# Usage: end2end/run.sh target/debug/tessera [playwright args…]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:?path to the tessera binary}")
shift

# Every run is also the check that no secret reaches the log (#18): the server
# logs at debug level, and the log is scanned once the suite has passed.
# (Only the server: the CLI the specs call stays quiet.)
server_log_level=debug
source end2end/serve.sh

cd end2end
if ! npx playwright test "$@" 2>&1 | tee "$data/playwright.log"; then
  keep=1
  echo "--- server log (last 50 lines) ---"
  tail -n 50 "$data/server.log"
  # Again at the very end, where a CI log's tail shows it: what failed and why.
  echo "--- Playwright's report (last 80 lines) ---"
  tail -n 80 "$data/playwright.log"
  exit 1
fi
cd ..
if ! node end2end/battery/secrets.mjs "$data/server.log"; then
  keep=1
  echo "a secret reached the server log (the lines above; the log is kept)"
  exit 1
fi
# Nor may the server have panicked anywhere.
check_no_panics "during the suite" || exit 1
