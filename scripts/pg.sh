#!/usr/bin/env bash
# pg.sh — a throwaway PostgreSQL server on loopback for the tests.
#   scripts/pg.sh start   prints the URL of a running server (starts one if needed)
#   scripts/pg.sh stop
# Data lives in ${XZ_PG_DIR:-/tmp/xiezhi-pg}; port ${XZ_PG_PORT:-55432}.
set -euo pipefail
dir=${XZ_PG_DIR:-/tmp/xiezhi-pg}
port=${XZ_PG_PORT:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
[ -n "$bin" ] || { echo "pg.sh: PostgreSQL server not installed (scripts/deps.sh test)" >&2; exit 1; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
url="postgresql://postgres@127.0.0.1:$port/postgres"
case "${1:-start}" in
start)
  if as_pg "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then echo "$url"; exit 0; fi
  if [ ! -f "$dir/PG_VERSION" ]; then
    rm -rf "$dir"; mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
    as_pg "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  as_pg "$bin/pg_ctl" -D "$dir" -w -l "$dir/server.log" \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c fsync=on -c max_connections=300" start >/dev/null
  echo "$url";;
stop)
  as_pg "$bin/pg_ctl" -D "$dir" -m fast stop >/dev/null 2>&1 || true;;
esac
