#!/usr/bin/env bash
# bench/run.sh — load benchmarks on loopback with wrk: GET /api/v1/health
# (the ceiling of the HTTP layer), GET /api/v1/me and a list endpoint
# (authenticated, one database read each). Prints requests/s and p99.
# Engine: XZ_BENCH_DB (default: a fresh SQLite file). Bounded: 10 s each.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk missing: scripts/deps.sh test"; exit 1; }
dir=$(mktemp -d); trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
db=${XZ_BENCH_DB:-$dir/bench.db}
port=${XZ_BENCH_PORT:-18089}
build/xiezhi --db "$db" demo >/dev/null
build/xiezhi --db "$db" --listen 127.0.0.1:$port serve 2>"$dir/serve.log" & pid=$!
for i in $(seq 100); do curl -sf http://127.0.0.1:$port/api/v1/health >/dev/null && break; sleep 0.05; done
token=$(curl -s -X POST http://127.0.0.1:$port/api/v1/auth/login -d '{"username":"admin","password":"Xiezhi-demo-2026"}' | sed -E 's/.*"token":"([^"]+)".*/\1/')
dur=${XZ_BENCH_SECONDS:-10}
printf '%-34s %12s %10s %10s\n' endpoint 'requests/s' 'p50' 'p99'
for ep in /api/v1/health /api/v1/me "/api/v1/units?limit=50" "/api/v1/people?limit=50"; do
  out=$(wrk -t2 -c32 -d${dur}s --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$port$ep")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  printf '%-34s %12s %10s %10s\n' "$ep" "$rps" "$p50" "$p99"
done
echo "engine: $( [ "${db#postgres}" = "$db" ] && echo sqlite || echo postgresql ), 2 wrk threads, 32 connections, ${dur}s each, $(nproc) cores"
