#!/usr/bin/env bash
# bench/pgwait.sh URL — while a benchmark runs on PostgreSQL: the share of
# the CPU left idle over 8 s (/proc/stat) and what the active client
# backends were doing, sampled every 0.25 s from pg_stat_activity (on CPU,
# or the wait event: Lock:transactionid = waiting for another
# transaction's row lock, IO:WALSync = the commit's flush). It tells a
# server short of CPU from one whose requests wait on each other.
set -euo pipefail
url=$1
read -r _ u n s i w _ < /proc/stat; t0=$((u+n+s+i+w)); i0=$i
declare -A W
for k in $(seq 32); do
  while IFS='|' read -r ev c; do W[$ev]=$(( ${W[$ev]:-0} + c )); done < <(psql -qAt "$url" -c "SELECT COALESCE(wait_event_type||':'||wait_event,'cpu'), count(*) FROM pg_stat_activity WHERE backend_type='client backend' AND state='active' AND pid<>pg_backend_pid() GROUP BY 1")
  sleep 0.25
done
read -r _ u n s i w _ < /proc/stat; t1=$((u+n+s+i+w))
echo "idle: $(( (i - i0) * 100 / (t1 - t0) ))%"
for k in "${!W[@]}"; do echo "  $k ${W[$k]}"; done | sort -k2 -n -r | head -8 || true
