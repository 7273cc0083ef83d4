#!/usr/bin/env bash
# bench/run.sh — load benchmarks on loopback with wrk: GET /api/v1/health
# (the ceiling of the HTTP layer), GET /api/v1/me and list endpoints
# (authenticated, one database read each), locating random points in the
# grid, routing, reporting a problem, and listing problems with filters.
# With XZ_BENCH_1M=1 the SQLite database is first filled to a million
# problems (bench/problems_1m.sql). Prints requests/s, p50 and p99.
# Engine: XZ_BENCH_DB (default: a fresh SQLite file). Bounded: 10 s each.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk missing: scripts/deps.sh test"; exit 1; }
dir=$(mktemp -d); trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
db=${XZ_BENCH_DB:-$dir/bench.db}
port=${XZ_BENCH_PORT:-18089}
build/xiezhi --db "$db" demo >/dev/null
if [ "${XZ_BENCH_1M:-0}" = 1 ]; then
  t0=$(date +%s); sqlite3 "$db" < bench/problems_1m.sql
  echo "filled to $(sqlite3 "$db" 'SELECT COUNT(*) FROM problems') problems in $(( $(date +%s) - t0 )) s"
fi
build/xiezhi --db "$db" --listen 127.0.0.1:$port serve 2>"$dir/serve.log" & pid=$!
for i in $(seq 100); do curl -sf http://127.0.0.1:$port/api/v1/health >/dev/null && break; sleep 0.05; done
login() { curl -s -X POST http://127.0.0.1:$port/api/v1/auth/login -d "{\"username\":\"$1\",\"password\":\"Xiezhi-demo-2026\"}" | sed -E 's/.*"token":"([^"]+)".*/\1/'; }
token=$(login admin); office=$(login office); grid=$(login grid)
town=$(curl -s -H "Authorization: Bearer $office" http://127.0.0.1:$port/api/v1/me | sed -E 's/.*"township_id":([0-9]+).*/\1/')
dur=${XZ_BENCH_SECONDS:-10}
printf '%-34s %12s %10s %10s\n' endpoint 'requests/s' 'p50' 'p99'
run() { # run LABEL TOKEN PATH [LUA]
  local out rps p50 p99
  out=$(wrk -t2 -c32 -d${dur}s --latency -H "Authorization: Bearer $2" ${4:+-s $4} "http://127.0.0.1:$port$3")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  bad=$(echo "$out" | awk '/Non-2xx/ {print $5}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  printf '%-34s %12s %10s %10s %s\n' "$1" "$rps" "$p50" "$p99" "${bad:+($bad non-2xx)}"
}
for ep in /api/v1/health /api/v1/me "/api/v1/units?limit=50" "/api/v1/people?limit=50"; do
  run "$ep" "$token" "$ep"
done
run "grid/locate (random points)" "$grid" /api/v1/grid/locate bench/locate.lua
run "routing?category&township" "$office" "/api/v1/routing?category=CS01&township=$town"
run "problems (office queue, 50)" "$office" "/api/v1/problems?limit=50"
run "problems?state=in_hand" "$office" "/api/v1/problems?state=in_hand&limit=50"
run "problems?overdue=1" "$office" "/api/v1/problems?overdue=1&limit=50"
run "problems?category=SR&q=垃圾" "$office" "/api/v1/problems?category=SR&q=%E5%9E%83%E5%9C%BE&limit=50"
run "stats/problems" "$office" "/api/v1/stats/problems"
run "POST problems (report)" "$grid" /api/v1/problems bench/report.lua
echo "engine: $( [ "${db#postgres}" = "$db" ] && echo sqlite || echo postgresql ), 2 wrk threads, 32 connections, ${dur}s each, $(nproc) cores"
