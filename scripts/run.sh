#!/usr/bin/env bash
# run.sh DB LISTEN — create the demo database if there is none, print the
# address and the demo logins, and serve.
set -euo pipefail
cd "$(dirname "$0")/.."
db=$1; listen=$2
if [ "${db#postgres}" = "$db" ] && [ ! -f "$db" ]; then
  build/xiezhi --db "$db" demo
fi
cat <<MSG

  獬豸 Xiezhi — 乡镇（街道）综合执法平台
  open  http://$listen/
  demo logins (password Xiezhi-demo-2026):
    office   执法办公室 (碧湖镇)        leader   领导小组组长 (碧湖镇)
    contact  派驻机构负责人 (执法中队)   staff    派驻人员 (执法中队)
    grid     网格员 (碧湖镇)            dept     主管部门 (区综合行政执法局)
    admin    系统管理员 (莲都区)        secadmin 安全管理员 (莲都区)
    auditor  审计管理员 (莲都区)
    police   派出所负责人 (碧湖镇)      market   市场监管所负责人 (碧湖镇)

MSG
exec build/xiezhi --db "$db" --listen "$listen" serve
