#!/usr/bin/env bash
# The idle-memory budget (README, "Performance budgets"): the release server's
# resident memory after start, and again after a burst of sign-ins (each Argon2
# hash takes 19 MiB for a moment), must come back to at most 30 MB.
# Usage: end2end/memory.sh target/release/tessera   (part of `make bench`)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:?path to the tessera binary}")
budget_kb=$((30 * 1024))
source end2end/serve.sh

rss() {
  if ! kill -0 "$server" 2>/dev/null; then
    keep=1
    echo "the server stopped:"; tail -n 20 "$data/server.log"
    exit 1
  fi
  awk '/^VmRSS:/ {print $2}' "/proc/$server/status"
}
sleep 2
idle=$(rss)
# 12 sign-ins, 6 at a time, as browsers send them.
for _ in 1 2; do
  pids=()
  for _ in $(seq 1 6); do
    curl -fsS --max-time 60 -o /dev/null -X POST "$BASE_URL/api/login" \
      -H "Origin: $BASE_URL" -H "Content-Type: application/x-www-form-urlencoded" \
      --data "login=admin&password=$TESSERA_ADMIN_PASSWORD" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
done
peak=$(awk '/^VmHWM:/ {print $2}' "/proc/$server/status")
sleep 3
after=$(rss)
printf 'memory: idle %d KB, peak %d KB during 12 sign-ins, %d KB 3 s after (budget %d KB)\n' \
  "$idle" "$peak" "$after" "$budget_kb"
# Each sign-in hashed (19 MiB each, two at a time): else nothing was measured.
if [ "$peak" -lt $((idle + 19 * 1024)) ]; then
  echo "the sign-ins did not run their password hashes"
  exit 1
fi
if [ "$idle" -gt "$budget_kb" ] || [ "$after" -gt "$budget_kb" ]; then
  echo "the server's idle memory is over budget"
  exit 1
fi
