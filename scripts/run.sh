#!/usr/bin/env bash
# run.sh DB LISTEN — create the demo county when the database is empty
# (SQLite file or PostgreSQL alike; `xiezhi demo` leaves a database holding
# data alone and says so), start the server, and print the address and the
# demo logins only once it is listening (a busy port shows the server's own
# message, no banner).
set -euo pipefail
cd "$(dirname "$0")/.."
db=$1; listen=$2
bin=${XZ_BIN:-build/xiezhi}

out=$("$bin" --db "$db" --log-level warn demo) || { echo "$out"; exit 1; }
shown=$(printf '%s' "$db" | sed -E 's#(://[^:/@]+):[^@]*@#\1:***@#')
case $out in
  *"demo county created"*) demo="created the demo county in $shown" ;;
  *) demo="$shown already holds data; demo not created (the logins below exist only in the demo)" ;;
esac

"$bin" --db "$db" --listen "$listen" serve &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true' INT TERM
for _ in $(seq 1 200); do
  if ! kill -0 "$pid" 2>/dev/null; then
    set +e; wait "$pid"; rc=$?; exit "$rc"
  fi
  h=${listen%:*}; h=${h#[}; h=${h%]}; [ "$h" = "0.0.0.0" ] || [ "$h" = "::" ] && h=127.0.0.1
  if (exec 3<>"/dev/tcp/$h/${listen##*:}") 2>/dev/null; then break; fi
  sleep 0.1
done
cat <<MSG

  獬豸 Xiezhi — 乡镇（街道）综合执法平台
  $demo
  open  http://$listen/
  demo logins (password Xiezhi-demo-2026):
    office   执法办公室 (碧湖镇)        leader   领导小组组长 (碧湖镇)
    contact  派驻机构负责人 (执法中队)   staff    派驻人员 (执法中队)
    grid     网格员 (碧湖镇)            dept     主管部门 (区综合行政执法局)
    admin    系统管理员 (莲都区)        secadmin 安全管理员 (莲都区)
    auditor  审计管理员 (莲都区)
    police   派出所负责人 (碧湖镇)      market   市场监管所负责人 (碧湖镇)

MSG
set +e
wait "$pid"; rc=$?
# a second wait after a trapped signal collects the server's own status
if kill -0 "$pid" 2>/dev/null; then wait "$pid"; rc=$?; fi
exit "$rc"
