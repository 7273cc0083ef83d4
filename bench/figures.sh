#!/usr/bin/env bash
# bench/figures.sh — the figures at scale (issue 10 item 3): fills a demo
# SQLite database to XZ_BENCH_ROWS problems (default 100000; the rows are
# copies of the demo's spread over two years, as bench/problems_1m.sql
# does, so the triggers of migration 007 keep the day sums as they go),
# then measures with wrk
#   GET /api/v1/health             the ceiling of the HTTP layer
#   GET /api/v1/stats/problems     the dashboard (office: its township)
#   GET /api/v1/stats/problems     the dashboard (admin: the county)
# and times composing a whole county's yearly figures and bulletin (a
# department's line over the county; the county administrator's values).
# Prints requests/s, the ratio to health, and the composition times.
# Bounded: XZ_BENCH_SECONDS (default 8) per wrk run.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "wrk missing: scripts/deps.sh test"; exit 1; }
rows=${XZ_BENCH_ROWS:-100000}
dur=${XZ_BENCH_SECONDS:-8}
port=${XZ_BENCH_PORT:-18097}
dir=$(mktemp -d); pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
db=${XZ_BENCH_DB:-$dir/bench.db}
if [ -z "${XZ_BENCH_DB:-}" ]; then # XZ_BENCH_DB: reuse a database filled before
  build/xiezhi --db "$db" demo >/dev/null 2>&1
  t0=$(date +%s)
  sed "s/1000000 - (SELECT COUNT(\*) FROM problems)/$rows - (SELECT COUNT(*) FROM problems)/" bench/problems_1m.sql | sqlite3 "$db"
  echo "filled to $(sqlite3 "$db" 'SELECT COUNT(*) FROM problems') problems in $(( $(date +%s) - t0 )) s"
fi
echo "day sums: $(sqlite3 "$db" 'SELECT COUNT(*) FROM figures_daily') rows"
build/xiezhi --db "$db" --listen 127.0.0.1:$port serve 2>"$dir/serve.log" & pid=$!
for i in $(seq 100); do curl -sf http://127.0.0.1:$port/api/v1/health >/dev/null && break; sleep 0.05; done
login() { curl -s -X POST http://127.0.0.1:$port/api/v1/auth/login -d "{\"username\":\"$1\",\"password\":\"Xiezhi-demo-2026\"}" | sed -E 's/.*"token":"([^"]+)".*/\1/'; }
office=$(login office); admin=$(login admin); dept=$(login dept)
rps() { # rps TOKEN PATH → requests/s
  wrk -t2 -c16 -d${dur}s -H "Authorization: Bearer $1" "http://127.0.0.1:$port$2" |
    awk '/Non-2xx/ {bad=$5} /Requests\/sec/ {r=$2} END {print r (bad ? " (" bad " non-2xx)" : "")}'
}
health=$(rps "$office" /api/v1/health)
dash=$(rps "$office" /api/v1/stats/problems)
dash_county=$(rps "$admin" /api/v1/stats/problems)
ratio() { awk -v a="${1%% *}" -v b="${2%% *}" 'BEGIN {printf "%.3f", a / b}'; }
printf '%-44s %12s %8s\n' endpoint 'requests/s' 'ratio'
printf '%-44s %12s %8s\n' "GET /api/v1/health" "$health" 1
printf '%-44s %12s %8s\n' "GET /api/v1/stats/problems (township)" "$dash" "$(ratio "$dash" "$health")"
printf '%-44s %12s %8s\n' "GET /api/v1/stats/problems (county)" "$dash_county" "$(ratio "$dash_county" "$health")"
year_from=$(date -d "$(date +%Y)-01-01" +%Y-%m-%d); year_to=$(date -d "$(date +%Y)-12-31" +%Y-%m-%d)
codes=$(curl -s -H "Authorization: Bearer $admin" http://127.0.0.1:$port/api/v1/indicators | grep -o '"code":"[a-z_]*"' | cut -d'"' -f4 | paste -sd,)
timeit() { # timeit LABEL curl-args… → seconds of the request
  local s
  s=$(curl -s -o "$dir/out" -w '%{http_code} %{time_total}' "${@:2}")
  printf '%-44s %12s s  (HTTP %s)\n' "$1" "${s#* }" "${s%% *}"
}
timeit "county year: all indicators by township" -H "Authorization: Bearer $admin" \
  "http://127.0.0.1:$port/api/v1/indicators/values?codes=$codes&from=$year_from&to=$year_to&group_by=township"
loop_codes=$(echo "$codes" | tr , '\n' | grep -v -E '^(joint_|special_|notice_)' | paste -sd,) # joint ones group by township only
timeit "county year: closed-loop indicators by unit" -H "Authorization: Bearer $admin" \
  "http://127.0.0.1:$port/api/v1/indicators/values?codes=$loop_codes&from=$year_from&to=$year_to&group_by=unit"
timeit "county year bulletin (department's line)" -H "Authorization: Bearer $dept" \
  -H 'Content-Type: application/json' -X POST http://127.0.0.1:$port/api/v1/bulletins \
  -d "{\"period_start\":\"$year_from\",\"period_end\":\"$year_to\",\"kind\":\"year\"}"
timeit "township year bulletin (office)" -H "Authorization: Bearer $office" \
  -H 'Content-Type: application/json' -X POST http://127.0.0.1:$port/api/v1/bulletins \
  -d "{\"period_start\":\"$year_from\",\"period_end\":\"$year_to\",\"kind\":\"year\"}"
echo "engine: sqlite, $(sqlite3 "$db" 'SELECT COUNT(*) FROM problems') problems, wrk 2 threads 16 connections ${dur}s, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
