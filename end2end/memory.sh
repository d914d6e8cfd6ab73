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

rss() { awk '/^VmRSS:/ {print $2}' "/proc/$server/status"; }
sleep 2
idle=$(rss)
# 12 sign-ins, 6 at a time, as a browser sends them.
for _ in 1 2; do
  pids=()
  for _ in $(seq 1 6); do
    curl -fsS -o /dev/null -X POST "$BASE_URL/api/login" \
      -H "Origin: $BASE_URL" -H "Content-Type: application/x-www-form-urlencoded" \
      --data "login=admin&password=$TESSERA_ADMIN_PASSWORD" &
    pids+=($!)
  done
  wait "${pids[@]}"
done
peak=$(awk '/^VmHWM:/ {print $2}' "/proc/$server/status")
sleep 3
after=$(rss)
printf 'memory: idle %d KB, peak %d KB during 12 sign-ins, %d KB 3 s after (budget %d KB)\n' \
  "$idle" "$peak" "$after" "$budget_kb"
if [ "$idle" -gt "$budget_kb" ] || [ "$after" -gt "$budget_kb" ]; then
  echo "the server's idle memory is over budget"
  exit 1
fi
