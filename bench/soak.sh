#!/usr/bin/env bash
# bench/soak.sh — a mixed load (bench/mixed.lua: reports, the office queue,
# /me, locates) against one server for XZ_SOAK_SECONDS (600), printing at
# the end of every XZ_SOAK_STEP seconds (60) the requests, the errors
# (non-2xx answers and socket errors) and the server's resident memory.
# Fails when there was any error or the RSS of the last step is more than
# 10% above the second's (beside it, from /metrics: what SQLite holds, the
# statements the connections keep, and malloc's bytes in use and free, to
# tell a cache filling from a leak) (XZ_SOAK_RSS=0: errors only, for the short run
# that is part of `make test`). `make soak` runs the ten minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk missing: scripts/deps.sh test"; exit 1; }
total=${XZ_SOAK_SECONDS:-600}; step=${XZ_SOAK_STEP:-60}
dir=$(mktemp -d -p "${XZ_BENCH_DIR:-$PWD/build}"); pid=
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
port=${XZ_SOAK_PORT:-$((18300 + RANDOM % 500))}
bin=${XZ_BIN:-build/xiezhi}
$bin --db "$dir/soak.db" demo >/dev/null 2>&1
$bin --db "$dir/soak.db" --listen 127.0.0.1:$port serve 2>"$dir/serve.log" & pid=$!
for i in $(seq 200); do curl -sf http://127.0.0.1:$port/api/v1/health >/dev/null && break; sleep 0.05; done
login() { curl -s -X POST http://127.0.0.1:$port/api/v1/auth/login -d "{\"username\":\"$1\",\"password\":\"Xiezhi-demo-2026\"}" | sed -E 's/.*"token":"([^"]+)".*/\1/'; }
tok=$(login office); adm=$(login admin)
metric() { curl -s -H "Authorization: Bearer $adm" http://127.0.0.1:$port/api/v1/metrics | awk -v k="$1" '$1 == k {printf "%d", $2 / 1024}'; }
printf '%-8s %10s %8s %10s %12s %6s %12s %12s\n' 'at (s)' requests errors 'rss (kB)' 'sqlite (kB)' stmts 'heap (kB)' 'free (kB)'
errors=0; rss2=; rss=; i=0
while [ $((i * step)) -lt "$total" ]; do
  i=$((i + 1))
  out=$(wrk -t2 -c16 -d${step}s -H "Authorization: Bearer $tok" -s bench/mixed.lua "http://127.0.0.1:$port/")
  req=$(echo "$out" | awk '/requests in/ {print $1}')
  bad=$(echo "$out" | awk '/Non-2xx/ {n += $5} /Socket errors/ {gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}')
  rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
  [ $i -eq 2 ] && rss2=$rss
  errors=$((errors + bad))
  printf '%-8s %10s %8s %10s %12s %6s %12s %12s\n' $((i * step)) "$req" "$bad" "$rss" "$(metric xiezhi_db_sqlite_memory_bytes)" \
    "$(curl -s -H "Authorization: Bearer $adm" http://127.0.0.1:$port/api/v1/metrics | awk '$1 == "xiezhi_db_statements_cached" {print $2}')" \
    "$(metric process_heap_in_use_bytes)" "$(metric process_heap_free_bytes)"
done
kill -0 $pid || { echo "server died"; exit 1; }
grow=$(awk -v a="$rss" -v b="${rss2:-$rss}" 'BEGIN {printf "%.1f", (a - b) * 100 / b}')
echo "soak: $errors errors, RSS ${rss2:-$rss} kB after step 2 and $rss kB at the end (${grow}%)"
if [ "$errors" -eq 0 ] && { [ "${XZ_SOAK_RSS:-1}" = 0 ] || awk -v g="$grow" 'BEGIN {exit !(g <= 10)}'; }; then
  echo "1 passed, 0 failed"
else
  echo "0 passed, 1 failed"; exit 1
fi
