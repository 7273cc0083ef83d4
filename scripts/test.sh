#!/usr/bin/env bash
# test.sh — run every test: C unit tests (plain and ASan/UBSan builds), the
# API suite against SQLite and PostgreSQL with the plain binary and against
# both engines with the sanitizer binary, then the browser suite (and the
# role-flow browser files of E2E_PG on PostgreSQL). Prints a "== suite" line
# and "ok" or "FAILED" per suite, and one closing line "N passed, N failed".
#
# Each API and browser suite first makes the demo county once with its own
# binary on its own engine (tests/api/template.mjs) and every test file
# clones it instead of running `xiezhi demo` (tests/api/lib.mjs); files
# that need an empty or special database still make it themselves.
# Suites that do not compete for the same thing run side by side (the C
# unit tests and the fuzz smoke beside the SQLite API suite, which waits on
# fsync); each keeps its own log, and the lines are printed in the same
# order as ever once the suite is done. Durations: build/test-logs/times.txt.
#   API_CONCURRENCY  node --test files at once in an API suite (default 3)
#   API_FIRST        API files started first, the longest (tests/api/NAME.test.mjs)
#   E2E_PG           browser files (tests/e2e/NAME.test.mjs) also run on
#                    PostgreSQL, as the suite e2e-pg; those missing are skipped
set -uo pipefail
cd "$(dirname "$0")/.."
pass=0; fail=0; failed_suites=()
log=build/test-logs; mkdir -p "$log"; : > "$log/times.txt"
API_CONCURRENCY=${API_CONCURRENCY:-3}
API_FIRST=${API_FIRST-"joint joint_loop cli ops ops_deploy auth auth_lockout authz twoservers assessment"}
E2E_PG=${E2E_PG-"linkage linkage_loop inbox accounts orgadmin patrol"}

count_unit() { # parses "N passed, N failed"
  local line; line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n1)
  [ -n "$line" ] || { fail=$((fail+1)); return; }
  pass=$((pass + $(echo "$line" | awk '{print $1}'))); fail=$((fail + $(echo "$line" | awk '{print $3}')))
}
count_node() { # parses node --test's "# pass N" / "# fail N"
  local p f; p=$(grep -E '^# pass [0-9]+' "$1" | tail -n1 | awk '{print $3}'); f=$(grep -E '^# fail [0-9]+' "$1" | tail -n1 | awk '{print $3}')
  [ -n "$p" ] || { fail=$((fail+1)); return; }
  pass=$((pass + p)); fail=$((fail + ${f:-0}))
}
run() { # run NAME COMMAND...: the command with its log, its status and duration beside it
  local name=$1 t0=$SECONDS rc=0; shift
  "$@" > "$log/$name.log" 2>&1 || rc=$?
  echo "$rc" > "$log/$name.rc"
  printf '%-28s %4d s\n' "$name" $((SECONDS - t0)) >> "$log/times.txt"
  return $rc
}
failures() { # failures LOG: each failed or cancelled test with its diagnostics (the YAML block node prints after "not ok"), then the tail
  awk '/^ *not ok /{on=1; n=0} on{print; if (++n > 80 || /^ *\.\.\.$/) on=0}' "$1" | head -n 400
  echo "   -- the end of $1:"; tail -n 25 "$1"
}
verdict() { # verdict NAME KIND: "ok" or "FAILED" and the counts of a suite that has run
  local name=$1 kind=$2
  if [ "$(cat "$log/$name.rc" 2>/dev/null)" = 0 ]; then echo "   ok"; else echo "   FAILED (see $log/$name.log)"; failed_suites+=("$name"); failures "$log/$name.log"; fi
  rm -f "$log/$name.rc"
  if [ "$kind" = unit ]; then count_unit "$log/$name.log"; else count_node "$log/$name.log"; fi
}
report() { echo "== $1"; verdict "$1" "$2"; } # report NAME KIND: a suite run in the background
suite() { # suite NAME KIND COMMAND...: run it now
  local name=$1 kind=$2; shift 2
  echo "== $name"
  run "$name" "$@"
  verdict "$name" "$kind"
}
# with_demo ENGINE BIN COMMAND...: the command with XZ_ENGINE, XZ_BIN and a
# demo county made for them (XZ_DEMO_TEMPLATE), removed afterwards. When the
# demo cannot be made, the files make their own (and fail the same way).
with_demo() {
  local engine=$1 bin=$2 tpl rc=0; shift 2
  tpl=$(mktemp -p "$demos" XXXXXX.json)
  XZ_ENGINE=$engine XZ_BIN=$bin node tests/api/template.mjs make "$tpl" || echo "(no demo template: every file makes its own)"
  XZ_ENGINE=$engine XZ_BIN=$bin XZ_DEMO_TEMPLATE=$tpl "$@" || rc=$?
  XZ_ENGINE=$engine node tests/api/template.mjs drop "$tpl"
  return $rc
}
api() { # api ENGINE BIN: the API suite, the longest files first (API_FIRST)
  local f files=()
  for f in $API_FIRST; do [ -f "tests/api/$f.test.mjs" ] && files+=("tests/api/$f.test.mjs"); done
  for f in tests/api/*.test.mjs; do [[ " ${files[*]} " == *" $f "* ]] || files+=("$f"); done
  with_demo "$1" "$2" node tests/run.mjs "$API_CONCURRENCY" "${files[@]}"
}
units() { # units DIR PREFIX: every unit test binary under DIR, one after the other
  local t
  for t in $(find "$1" -type f -perm -u+x 2>/dev/null | sort); do run "$2$(basename "$t")" "$t"; done
}
unit_names() { local t; for t in $(find "$1" -type f -perm -u+x 2>/dev/null | sort); do echo "$2$(basename "$t")"; done; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}

pg_url=$(scripts/pg.sh start) || { echo "cannot start PostgreSQL"; exit 1; }
export XZ_PG_URL=$pg_url
# the demo templates of this run, removed however it ends
demos=$(mktemp -d -p "$PWD/build" demo-templates-XXXXXX)
trap 'for f in "$demos"/*.json; do [ -f "$f" ] && node tests/api/template.mjs drop "$f"; done; rm -rf "$demos"' EXIT

# the unit tests (plain, then ASan) and the libFuzzer smoke (make fuzz-build)
# in the background, while the SQLite API suite runs
t0=$SECONDS
{ units build/tests unit-; units build/asan/tests unit-asan-
  if ls build/fuzz/fuzz_* >/dev/null 2>&1; then run fuzz-smoke scripts/fuzz.sh "${FUZZ_SMOKE_SECONDS:-5}"; fi; } &
side=$!
run api-sqlite api sqlite build/xiezhi
wait $side
for n in $(unit_names build/tests unit-) $(unit_names build/asan/tests unit-asan-); do report "$n" unit; done
if ls build/fuzz/fuzz_* >/dev/null 2>&1; then report fuzz-smoke unit; fi
report api-sqlite node
suite api-pg node api pg build/xiezhi
suite api-asan-sqlite node api sqlite build/asan/xiezhi
suite api-asan-pg node api pg build/asan/xiezhi
suite soak-smoke unit env XZ_SOAK_SECONDS=6 XZ_SOAK_STEP=2 XZ_SOAK_RSS=0 bench/soak.sh
make -s web
if ls tests/e2e/*.test.mjs >/dev/null 2>&1; then
  # every package of package.json present (a checkout made before one was added has node_modules without it)
  node -e 'const p = require("./package.json"); for (const d of Object.keys({ ...p.dependencies, ...p.devDependencies })) require.resolve(d + "/package.json")' 2>/dev/null \
    || npm install --no-audit --no-fund >/dev/null 2>&1
  suite e2e node with_demo sqlite build/xiezhi node --test --test-concurrency=1 tests/e2e/
  e2e_pg=$(for f in $E2E_PG; do [ -f "tests/e2e/$f.test.mjs" ] && echo "tests/e2e/$f.test.mjs"; done)
  if [ -n "$e2e_pg" ]; then
    # shellcheck disable=SC2086
    suite e2e-pg node with_demo pg build/xiezhi node --test --test-concurrency=1 $e2e_pg
  fi
fi
printf '%-28s %4d s\n' total $((SECONDS - t0)) >> "$log/times.txt"

if [ ${#failed_suites[@]} -gt 0 ]; then echo "failed suites: ${failed_suites[*]}"; fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ ${#failed_suites[@]} -eq 0 ]
