#!/usr/bin/env bash
# The reliability battery (#18) against a real server on loopback:
#   1. load      — end2end/battery/load.mjs (clients, seconds)
#   2. crash     — end2end/battery/crash.mjs (rounds of kill -9)
#   3. malformed — schemathesis against the OpenAPI description, with a token
#                  (the hand-written set for every server function is the
#                  integration test `malformed`, part of `cargo test`)
# then scans each server log for panics. Prints a table of figures and fails
# when a goal is missed. Uses TESSERA_DATABASE_URL when set (PostgreSQL).
# Usage: end2end/battery/run.sh BIN [--slice]
#   --slice: the short version `make test` runs (load 20 clients × 20 s,
#            5 crash rounds, no schemathesis). It checks what is a fact —
#            errors, panics, lost writes, corruption, deliveries — but not the
#            latency and memory goals: timings are measurements, not tests.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(realpath "${1:?path to the tessera binary}")
slice=${2:-}
if [ "$slice" = --slice ]; then
  clients=20 seconds=20 rounds=5 timing=--no-timing-goals
else
  clients=200 seconds=60 rounds=100 timing=
fi
results=$(mktemp -t tessera-battery.XXXXXX)
trap 'rm -f "$results"' EXIT
status=0

echo "== load: $clients clients, $seconds s (after a reference phase without sign-ins)"
(
  source end2end/serve.sh
  SERVER_PID=$server node end2end/battery/load.mjs "$clients" "$seconds" $timing | tee -a "$results" || { keep=1; exit 1; }
  check_no_panics "under load" || exit 1
) || status=1

echo "== crash: $rounds rounds of kill -9"
node end2end/battery/crash.mjs "$bin" "$rounds" | tee -a "$results" || status=1

if [ "$slice" != --slice ]; then
  echo "== malformed: schemathesis against /api/v1/openapi.json"
  venv=target/battery-venv
  if [ ! -x "$venv/bin/schemathesis" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "schemathesis==4.32.5"
  fi
  (
    source end2end/serve.sh
    token=$(TESSERA_BIN=$bin node end2end/battery/token.mjs)
    # The coverage phase is left out: schemathesis 4.32 fails inside itself on
    # one of our schemas (a Python AST recursion error), not on our answer.
    if ! "$venv/bin/schemathesis" run "$BASE_URL/api/v1/openapi.json" \
      --header "Authorization: Bearer $token" --header "Origin: $BASE_URL" \
      --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
      --phases examples,fuzzing --max-examples 200 --seed 18 \
      --exclude-path-regex 'admin/users/\{id\}$' --exclude-method DELETE \
      --workers 2 > "$data/schemathesis.log" 2>&1; then
      keep=1
      tail -n 60 "$data/schemathesis.log"
      exit 1
    fi
    grep -a -E "test cases|passed|generated" "$data/schemathesis.log" | tail -n 3
    # A warning (say, operations refusing most of what their schema allows: the
    # description does not state a rule the server checks) fails too.
    if grep -a -q "= WARNINGS =" "$data/schemathesis.log"; then
      keep=1
      sed -n '/= WARNINGS =/,/= SUMMARY =/p' "$data/schemathesis.log"
      echo "schemathesis warned: the OpenAPI description and the server disagree"
      exit 1
    fi
    check_no_panics "on malformed input" || exit 1
    cases=$(grep -a -oE "[0-9]+ generated" "$data/schemathesis.log" | head -n 1 | cut -d" " -f1)
    echo "{\"malformed\":\"schemathesis: ${cases:-?} cases, 0 server errors, 0 undocumented answers\"}" >> "$results"
  ) || status=1
fi

echo
echo "== figures"
node end2end/battery/table.mjs < "$results"
exit "$status"
