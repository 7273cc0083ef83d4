#!/usr/bin/env bash
# bench/run.sh — load benchmarks on loopback with wrk, each figure printed
# beside two ceilings measured in the same run:
#   - the HTTP ceiling: GET of an unknown /api/v1 path without a session
#     (the router's 404: no session, no database; /api/v1/health now reads
#     the schema's checksums and the calendar, so it is a row of its own);
#   - the storage ceiling: one-row INSERTs, one transaction each, into a
#     SQLite file on the same disk with WAL and synchronous=FULL (rows/s).
# Endpoints: /me and list endpoints (authenticated reads), locating random
# points, routing, the office queue, overdue=1, reporting a problem.
# XZ_BENCH_ROWS=N first fills the SQLite database to N problems
# (bench/fill.sh: a bulk load of bench/fill.sql; 100000, 1000000,
# 10000000) with their lights computed.
# Engine: XZ_BENCH_DB (default: a fresh SQLite file; a postgresql:// URL:
# a fresh database is made beside the one named, and dropped at the end).
# XZ_BENCH_SERVERS=2 (PostgreSQL): two servers on the one database, wrk's
# connections split between them (two wrk of 16 connections, rates added,
# p50 and p99 the worse of the two). XZ_BENCH_ONLY: a regular expression
# choosing the rows (the health row always runs). Bounded:
# XZ_BENCH_SECONDS (10) per row of the table. XZ_BIN: the binary (build/xiezhi).
# After the report row, the SQLite writer's counters from /metrics: its
# transactions and group commits per second (transactions per commit is
# the mean batch) and the share of the time it was held.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk missing: scripts/deps.sh test"; exit 1; }
dir=$(mktemp -d -p "${XZ_BENCH_DIR:-$PWD/build}")
pid=; pid2=; pgdb=
cleanup() {
  kill $pid $pid2 2>/dev/null || true; wait $pid $pid2 2>/dev/null || true
  [ -z "$pgdb" ] || psql -q "$XZ_BENCH_DB" -c "DROP DATABASE IF EXISTS $pgdb" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
db=${XZ_BENCH_DB:-$dir/bench.db}
port=${XZ_BENCH_PORT:-18089}
rows=${XZ_BENCH_ROWS:-0}
dur=${XZ_BENCH_SECONDS:-10}
servers=${XZ_BENCH_SERVERS:-1}
only=${XZ_BENCH_ONLY:-.}
bin=${XZ_BIN:-build/xiezhi}
if [ "${db#postgres}" != "$db" ]; then
  pgdb=xz_bench_$$; psql -q "$db" -c "CREATE DATABASE $pgdb" >/dev/null; db=${db%/*}/$pgdb
elif [ "$servers" != 1 ]; then
  echo "XZ_BENCH_SERVERS: several servers share a PostgreSQL database only"; exit 1
fi
# a SQLite file named by XZ_BENCH_DB that already holds a database is kept
# (and filled further only if it has fewer than XZ_BENCH_ROWS problems), so
# a 10M fill serves several runs; each run serves a copy of it
[ "${db#postgres}" = "$db" ] && [ -s "$db" ] || $bin --db "$db" demo >/dev/null 2>&1
if [ "$rows" -gt 0 ] && [ "${db#postgres}" = "$db" ] && [ "$(sqlite3 "$db" 'SELECT COUNT(*) FROM problems')" -lt "$rows" ]; then
  t0=$(date +%s); bash bench/fill.sh "$db" "$rows"
  echo "filled to $(sqlite3 "$db" 'SELECT MAX(id) FROM problems') problems in $(( $(date +%s) - t0 )) s"
fi
# a kept file is served from a copy: the reports of one run (ten thousand
# open problems at the top of every list) must not weigh on the next
if [ -n "${XZ_BENCH_DB:-}" ] && [ "${db#postgres}" = "$db" ]; then
  sqlite3 "$db" ".backup '$dir/run.db'"; db=$dir/run.db
fi

# The storage ceiling: single-row FULL commits on the same disk, for ~3 s.
ceil_db=$dir/ceiling.db
sqlite3 "$ceil_db" 'PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)' >/dev/null
n=500; t0=$(date +%s%N)
{ echo 'PRAGMA synchronous=FULL;'; for i in $(seq $n); do echo "INSERT INTO t (v) VALUES ('row $i');"; done; } | sqlite3 "$ceil_db"
disk_rps=$(( n * 1000000000 / ($(date +%s%N) - t0) ))

$bin --db "$db" --listen 127.0.0.1:$port serve 2>"$dir/serve.log" & pid=$!
for i in $(seq 600); do curl -sf http://127.0.0.1:$port/api/v1/health >/dev/null && break; sleep 0.1; done
if [ "$servers" = 2 ]; then
  $bin --db "$db" --listen 127.0.0.1:$((port + 1)) serve 2>"$dir/serve2.log" & pid2=$!
  for i in $(seq 600); do curl -sf http://127.0.0.1:$((port + 1))/api/v1/health >/dev/null && break; sleep 0.1; done
fi
login() { curl -s -X POST http://127.0.0.1:$port/api/v1/auth/login -d "{\"username\":\"$1\",\"password\":\"Xiezhi-demo-2026\"}" | sed -E 's/.*"token":"([^"]+)".*/\1/'; }
token=$(login admin); office=$(login office); grid=$(login grid)
town=$(curl -s -H "Authorization: Bearer $office" http://127.0.0.1:$port/api/v1/me | sed -E 's/.*"township_id":([0-9]+).*/\1/')

http_rps=
printf '%-30s %10s %9s %9s %8s %8s\n' endpoint 'req/s' 'p50' 'p99' '/http' '/disk'
ms() { awk '{v = $1 + 0; if ($1 ~ /us$/) v /= 1000; else if ($1 ~ /[0-9]s$/ && $1 !~ /ms$/) v *= 1000; printf "%.2fms\n", v}'; }
run() { # run LABEL TOKEN PATH [LUA]; TOKEN "-" sends no session
  local out rps p50 p99 bad hdr=() k w=()
  [ -z "$http_rps" ] || echo "$1" | grep -Eq "$only" || return 0
  [ "$2" = - ] || hdr=(-H "Authorization: Bearer $2")
  if [ "$servers" = 2 ]; then
    for k in 0 1; do
      wrk -t1 -c16 -d${dur}s --latency "${hdr[@]}" ${4:+-s $4} "http://127.0.0.1:$((port + k))$3" >"$dir/wrk$k" & w+=($!)
    done
    wait "${w[@]}"
    out=$(cat "$dir/wrk0" "$dir/wrk1")
    rps=$(echo "$out" | awk '/Requests\/sec/ {n += $2} END {printf "%.2f", n}')
  else
    out=$(wrk -t2 -c32 -d${dur}s --latency "${hdr[@]}" ${4:+-s $4} "http://127.0.0.1:$port$3")
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  fi
  bad=$(echo "$out" | awk '/Non-2xx/ {n += $5} END {if (n) print n}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}' | ms | sort -n | tail -1)
  p99=$(echo "$out" | awk '$1=="99%" {print $2}' | ms | sort -n | tail -1)
  [ -n "$http_rps" ] || http_rps=$rps
  printf '%-30s %10s %9s %9s %8s %8s %s\n' "$1" "$rps" "$p50" "$p99" \
    "$(awk -v a="$rps" -v b="$http_rps" 'BEGIN {printf "%.3f", a / b}')" \
    "$(awk -v a="$rps" -v b="$disk_rps" 'BEGIN {printf "%.2f", a / b}')" "$([ "$3" = /api/v1/ceiling ] || echo "${bad:+($bad non-2xx)}")"
}
run "http ceiling (404, no db)" - /api/v1/ceiling
run "health (no session)" - /api/v1/health
run "/me" "$token" /api/v1/me
run "units?limit=50" "$token" "/api/v1/units?limit=50"
run "grid/locate (random points)" "$grid" /api/v1/grid/locate bench/locate.lua
run "routing?category&township" "$office" "/api/v1/routing?category=CS01&township=$town"
run "problems (office queue, 50)" "$office" "/api/v1/problems?limit=50"
run "problems?overdue=1" "$office" "/api/v1/problems?overdue=1&limit=50"
run "problems?category=SR&q=垃圾" "$office" "/api/v1/problems?category=SR&q=%E5%9E%83%E5%9C%BE&limit=50"
metric() { curl -s -H "Authorization: Bearer $token" http://127.0.0.1:$port/api/v1/metrics | awk -v k="$1" '$1 == k {print $2}'; }
w0=$(metric xiezhi_db_writer_transactions_total); c0=$(metric xiezhi_db_writer_commits_total)
h0=$(metric xiezhi_db_writer_held_seconds_total); t0=$(date +%s%N)
run "POST problems (report)" "$grid" /api/v1/problems bench/report.lua
if [ "${db#postgres}" = "$db" ] && echo "POST problems (report)" | grep -Eq "$only"; then
  el=$(( $(date +%s%N) - t0 ))
  awk -v w="$(( $(metric xiezhi_db_writer_transactions_total) - w0 ))" -v c="$(( $(metric xiezhi_db_writer_commits_total) - c0 ))" \
    -v h="$(metric xiezhi_db_writer_held_seconds_total)" -v h0="$h0" -v el="$el" 'BEGIN {
    s = el / 1e9; printf "writer during the report row: %.0f transactions/s in %.0f group commits/s (%.1f per commit), held %.0f%% of the time\n", w / s, c / s, c ? w / c : 0, (h - h0) * 100 / s }'
fi
echo "storage ceiling: $disk_rps one-row FULL commits/s on $(df --output=source "$dir" | tail -1)"
echo "engine: $( [ "${db#postgres}" = "$db" ] && echo sqlite || echo postgresql ), servers: $servers, fill: ${rows} problems, 2 wrk threads, 32 connections, ${dur}s each, $(nproc) cores, load average $(cut -d" " -f1 /proc/loadavg)"
# what the server warned of during the run (a checkpoint or a text-index
# batch that held the writer long, a slow scheduler pass): where a p99 came from
warn=$(grep -hE " (WARN|ERROR) " "$dir"/serve*.log | grep -v "cannot listen" | tail -n 8 || true)
[ -z "$warn" ] || printf 'server warnings (the last 8):\n%s\n' "$warn"
