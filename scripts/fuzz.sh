#!/usr/bin/env bash
# fuzz.sh [SECONDS] — run every libFuzzer harness (build/fuzz/fuzz_*, made by
# `make fuzz-build`) for SECONDS each (default 60) on its corpus: the seeds
# in tests/fuzz/corpus/<harness> plus what earlier runs found in
# build/fuzz/work/<harness>. A crash, leak, timeout or sanitizer report fails
# the harness; its input is kept under build/fuzz/crashes/. Prints a line per
# harness (executions, CPU seconds, new corpus entries) and the closing
# "N passed, N failed" the test runner counts.
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
pass=0; fail=0
mkdir -p build/fuzz/crashes build/fuzz/logs
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}
for h in build/fuzz/fuzz_*; do
  [ -x "$h" ] && [ -f "$h" ] || continue
  name=$(basename "$h")
  mkdir -p "build/fuzz/work/$name" "tests/fuzz/corpus/$name"
  log=build/fuzz/logs/$name.log
  TIMEFORMAT='%U %R'
  { time "$h" -max_total_time="$secs" -timeout=20 -rss_limit_mb=4096 -max_len=65536 \
      -artifact_prefix="build/fuzz/crashes/$name-" -print_final_stats=1 \
      "build/fuzz/work/$name" "tests/fuzz/corpus/$name" > "$log" 2>&1 ; echo "rc $?" >> "$log"; } 2> "$log.time"
  if grep -q '^rc 0$' "$log"; then
    pass=$((pass+1)); verdict=ok
  else
    fail=$((fail+1)); verdict=FAILED; tail -n 30 "$log"
  fi
  read -r cpu wall < "$log.time"
  runs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
  echo "$name: $verdict, ${runs:-?} runs, ${cpu}s CPU (${wall}s wall), corpus $(ls "build/fuzz/work/$name" | wc -l) found + $(ls "tests/fuzz/corpus/$name" | wc -l) seeds"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
