#!/usr/bin/env bash
# bench/profile.sh — instructions and system calls per request, figures
# that do not move with the machine's load (unlike bench/run.sh's rates).
# Starts the server under callgrind on a copy of XZ_PROFILE_DB (default: a
# fresh demo database; bench/run.sh's fill makes a large one), warms each
# request up, zeroes the counters, sends XZ_PROFILE_N (100) of it one after
# another and prints the inclusive instruction count per request of the
# server's request function (on_access: the handler, its database work and
# the answer) and, for a report, of the part inside its transaction (what
# holds the SQLite writer, its commit included) and of the commit alone. Then the same requests under strace -f -c: system calls per
# request, by name. Needs valgrind and strace. Requests: report, me, queue
# (the office's first 50), overdue (overdue=1, 50); XZ_PROFILE_ONLY="me
# queue" picks some; XZ_PROFILE_KEEP=prefix keeps each callgrind file as
# prefix.<request>.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${XZ_PROFILE_N:-100}
bin=$(realpath "${XZ_BIN:-build/xiezhi}")
port=${XZ_PROFILE_PORT:-$((18900 + RANDOM % 90))}
dir=$(mktemp -d -p "${XZ_BENCH_DIR:-$PWD/build}"); pid=
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
if [ -n "${XZ_PROFILE_DB:-}" ]; then
  sqlite3 "$XZ_PROFILE_DB" ".backup '$dir/p.db'"
  # migrated here, not under callgrind (rebuilding an index of a 1M fill
  # there outlasts the wait for the server)
  $bin --db "$dir/p.db" migrate >/dev/null 2>&1
else
  $bin --db "$dir/p.db" demo >/dev/null 2>&1
fi
url=http://127.0.0.1:$port
wait_up() { for i in $(seq 600); do curl -sf $url/api/v1/health >/dev/null && return; sleep 0.1; done; echo "server did not start"; exit 1; }
login() { curl -s -X POST $url/api/v1/auth/login -d "{\"username\":\"$1\",\"password\":\"Xiezhi-demo-2026\"}" | sed -E 's/.*"token":"([^"]+)".*/\1/'; }
report() { # report I: one patrol report at a point that moves with I
  curl -s -o /dev/null -w '%{http_code}\n' -X POST -H "Authorization: Bearer $grid" -H 'Content-Type: application/json' \
    -d "{\"channel\":\"patrol\",\"category\":\"CS01\",\"description\":\"剖析上报\",\"lon\":$(awk -v i=$1 'BEGIN {printf "%.6f", 119.841 + (i % 97) * 0.0006}'),\"lat\":$(awk -v i=$1 'BEGIN {printf "%.6f", 28.401 + (i % 89) * 0.0005}')}" $url/api/v1/problems
}
get() { curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $2" "$url$1"; }
send() { # send WHAT COUNT
  local i
  for i in $(seq "$2"); do
    case $1 in
      report) report "$i" ;;
      me) get /api/v1/me "$office" ;;
      queue) get "/api/v1/problems?limit=50" "$office" ;;
      overdue) get "/api/v1/problems?overdue=1&limit=50" "$office" ;;
    esac
  done | sort | uniq -c | awk '{printf "%s×%s ", $1, $2}'
}

(cd "$dir" && exec valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out" \
  "$bin" --db "$dir/p.db" --listen 127.0.0.1:$port serve 2>"$dir/cg.log") & pid=$!
wait_up
grid=$(login grid); office=$(login office)
printf '%-10s %14s %14s %14s  %s\n' request 'instr/request' 'in the tx' 'commit' statuses
for what in ${XZ_PROFILE_ONLY:-report me queue overdue}; do
  send $what 5 >/dev/null
  callgrind_control -z $pid >/dev/null
  codes=$(send $what "$n")
  callgrind_control -d $pid >/dev/null
  out=$(ls -t "$dir"/cg.out.* | head -1)
  callgrind_annotate --inclusive=yes "$out" >"$dir/ann.txt" 2>"$dir/ann.err" || { cat "$dir/ann.err"; exit 1; }
  incl() { awk -v f="$1" '$0 ~ f {gsub(",", "", $1); print $1; exit}' "$dir/ann.txt"; }
  printf '%-10s %14s %14s %14s  %s\n' $what \
    "$(( $(incl ':on_access ') / n ))" \
    "$( [ $what = report ] && echo $(( $(incl ':xz_ctx_tx ') / n )) || echo -)" \
    "$( [ $what = report ] && echo $(( $(incl ':xz_db_commit ') / n )) || echo -)" "$codes"
  [ -n "${XZ_PROFILE_KEEP:-}" ] && cp "$out" "$XZ_PROFILE_KEEP.$what"; rm -f "$dir"/cg.out*
done
kill $pid; wait $pid 2>/dev/null || true; pid=

# system calls per report (strace counts every thread's), when reports were asked for
case " ${XZ_PROFILE_ONLY:-report} " in *" report "*) ;; *) exit 0 ;; esac
strace -f -c -o "$dir/st.txt" $bin --db "$dir/p.db" --listen 127.0.0.1:$port serve 2>/dev/null & pid=$!
wait_up; grid=$(login grid); send report 5 >/dev/null
strace_before=$(mktemp -p "$dir")
kill -TERM $(pgrep -P $pid) 2>/dev/null || true; wait $pid 2>/dev/null || true
cp "$dir/st.txt" "$strace_before"
strace -f -c -o "$dir/st.txt" $bin --db "$dir/p.db" --listen 127.0.0.1:$port serve 2>/dev/null & pid=$!
wait_up; grid=$(login grid); send report 5 >/dev/null; send report "$n" >/dev/null
kill -TERM $(pgrep -P $pid) 2>/dev/null || true; wait $pid 2>/dev/null || true; pid=
# the difference of the two runs is what N reports cost
awk -v n="$n" 'FNR == NR && $4 ~ /^[0-9]+$/ && $NF != "total" {a[$NF] = $4; next}
  $4 ~ /^[0-9]+$/ && $NF != "total" {d = ($4 - a[$NF]) / n; if (d >= 0.5) {t += d; printf "  %-16s %6.1f\n", $NF, d}}
  END {printf "system calls per report: %.1f\n", t}' "$strace_before" "$dir/st.txt" | sort -k2 -rn
