#!/usr/bin/env bash
# bench/fill.sh DB ROWS — fill a demo SQLite database up to ROWS problems
# (bench/fill.sql's rows), the way a bulk load is done: the indexes and
# triggers of `problems` are set aside (their DDL read back from
# sqlite_master, so they are the migrations' own), the rows go in against
# the primary key alone, the indexes are built again by sorting, and what
# the triggers would have kept row by row is recomputed in one statement
# each: the trigram index (FTS5 'rebuild', which indexes every row: its
# mark, migration 025, goes to the last id) and the daily sums
# (figures_daily from the figures_facts view, the triggers' own source).
# One row at a time through 16 indexes and 7 triggers took 14 minutes for
# 1M on a loaded machine; 10M was out of reach.
set -euo pipefail
db=$1; rows=$2
here=$(cd "$(dirname "$0")" && pwd)
ddl=$(mktemp); trap 'rm -f "$ddl"' EXIT
q() { sqlite3 -batch -bail "$db" "$@"; }
q "SELECT sql || ';' FROM sqlite_master WHERE tbl_name = 'problems' AND type = 'index' AND sql IS NOT NULL" >"$ddl"
q "SELECT sql || ';' FROM sqlite_master WHERE tbl_name = 'problems' AND type = 'trigger'" >>"$ddl"
drop=$(q "SELECT 'DROP ' || type || ' ' || name || ';' FROM sqlite_master WHERE tbl_name = 'problems' AND type IN ('index', 'trigger') AND sql IS NOT NULL")
cols="kind, township_id, day, county_id, unit_id, department_id, category, channel, cell_id, reporter_id, state, flags, due_day"
{
  echo 'PRAGMA journal_mode = DELETE; PRAGMA synchronous = OFF; PRAGMA cache_size = -2000000; PRAGMA temp_store = FILE;'
  echo 'BEGIN;'
  echo "$drop"
  sed "s/XZ_ROWS/$rows/" "$here/fill.sql"
  cat "$ddl"
  echo "INSERT INTO problems_fts (problems_fts) VALUES ('rebuild');"
  echo "UPDATE problems_fts_mark SET last_id = (SELECT COALESCE(MAX(id), 0) FROM problems);"
  echo "DELETE FROM figures_daily;"
  echo "INSERT INTO figures_daily ($cols, n, hours) SELECT $cols, SUM(n), SUM(hours) FROM figures_facts GROUP BY $cols;"
  echo "UPDATE figures_version SET v = v + 1;"
  echo 'COMMIT;'
  echo 'PRAGMA journal_mode = WAL;'
} | q >/dev/null
