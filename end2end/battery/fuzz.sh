#!/usr/bin/env bash
# Coverage-guided fuzzing (#18 item 4) of every parser that reads untrusted
# bytes: cargo-fuzz's libFuzzer targets in fuzz/fuzz_targets/, each run for
# SECONDS from the seeds in fuzz/seeds/<target>/ (copied: the seeds in git are
# never rewritten). Built on stable with `-s none` and debug assertions, so
# overflow checks and the targets' own asserts are what finds bugs.
# Prints a table (runs per target, crashes) and fails on a crash or on a target
# that ran fewer than MIN_RUNS_PER_SECOND (100) inputs a second; a crash leaves
# the input under fuzz/artifacts/<target>/ — make it a regression test.
# Usage: end2end/battery/fuzz.sh SECONDS [TARGET…]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:?seconds per target}
shift
export LEPTOS_OUTPUT_NAME=tessera
# Its own target directory: the fuzz build's flags (coverage instrumentation)
# would otherwise rebuild the app's dependencies on every switch.
opts=(--sanitizer none --debug-assertions --target-dir target/fuzz)
# No debug information: cargo-fuzz asks for line tables, which made each of the
# seven binaries 750 MB (560 MB of it .debug_str) — 5 GB written by the linker,
# which failed for it in CI. Panics still name their file and line, backtraces
# their functions, and a crash leaves its input to replay.
export RUSTFLAGS="${RUSTFLAGS:-} -Cdebuginfo=0"
MIN_RUNS_PER_SECOND=${MIN_RUNS_PER_SECOND:-100}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo fuzz list)

echo "== fuzz: building ${#targets[@]} targets"
if ! cargo fuzz build "${opts[@]}" >target/fuzz-build.log 2>&1; then
  # The cause of a failed link comes long before its last lines.
  grep -n -E "^error|error:|ld: |No space|Killed|signal: |SIGKILL|SIGSEGV" target/fuzz-build.log | head -n 40 || true
  tail -n 40 target/fuzz-build.log
  df -h target
  exit 1
fi

results=$(mktemp -t tessera-fuzz.XXXXXX)
corpus=$(mktemp -d -t tessera-fuzz-corpus.XXXXXX)
trap 'rm -rf "$results" "$corpus"' EXIT
status=0
for t in "${targets[@]}"; do
  mkdir -p "$corpus/$t" "fuzz/artifacts/$t"
  cp -r "fuzz/seeds/$t/." "$corpus/$t/" 2>/dev/null || true
  log="$corpus/$t.log"
  # -timeout: one input may take at most 10 s; -rss_limit_mb: and 1 GiB
  # (the avatar decoder's bound). Either counts as a crash.
  if cargo fuzz run "${opts[@]}" "$t" "$corpus/$t" -- -max_total_time="$seconds" \
    -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 >"$log" 2>&1; then
    crashes=0
  else
    crashes=1
    status=1
    echo "-- $t failed:"
    grep -v "^#" "$log" | tail -n 40
  fi
  runs=$(grep -oE "^stat::number_of_executed_units: *[0-9]+" "$log" | grep -oE "[0-9]+$" || echo 0)
  cov=$(grep -oE "cov: [0-9]+" "$log" | tail -n 1 | grep -oE "[0-9]+" || echo 0)
  # A floor: a target that ran almost nothing (it returns at once, or its set-up
  # is slow) tested nothing, and passing it would hide that. The slowest target
  # (avatar) runs about 500 inputs a second here.
  if [ "$crashes" = 0 ] && [ "$runs" -lt $((MIN_RUNS_PER_SECOND * seconds)) ]; then
    echo "-- $t ran only $runs inputs in ${seconds} s (floor: $((MIN_RUNS_PER_SECOND * seconds)))"
    status=1
  fi
  echo "{\"fuzz\":{\"target\":\"$t\",\"seconds\":$seconds,\"runs\":$runs,\"coverage\":$cov,\"crashes\":$crashes}}" | tee -a "$results"
done

echo
echo "== figures"
node end2end/battery/table.mjs <"$results"
exit "$status"
