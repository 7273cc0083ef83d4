#!/usr/bin/env bash
# test.sh — run every test: C unit tests (plain and ASan/UBSan builds), the
# API suite against SQLite and PostgreSQL with the plain binary and against
# both engines with the sanitizer binary, then the browser suite. Prints one
# closing line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
pass=0; fail=0; failed_suites=()
log=build/test-logs; mkdir -p "$log"

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
suite() { # suite NAME KIND COMMAND...
  local name=$1 kind=$2; shift 2
  echo "== $name"
  if "$@" > "$log/$name.log" 2>&1; then echo "   ok"; else echo "   FAILED (see $log/$name.log)"; failed_suites+=("$name"); tail -n 40 "$log/$name.log"; fi
  if [ "$kind" = unit ]; then count_unit "$log/$name.log"; else count_node "$log/$name.log"; fi
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}

for t in $(find build/tests -type f -perm -u+x 2>/dev/null | sort); do
  suite "unit-$(basename "$t")" unit "$t"
done
for t in $(find build/asan/tests -type f -perm -u+x 2>/dev/null | sort); do
  suite "unit-asan-$(basename "$t")" unit "$t"
done

# libFuzzer harnesses (make fuzz-build): a short smoke on each corpus
if ls build/fuzz/fuzz_* >/dev/null 2>&1; then
  suite fuzz-smoke unit scripts/fuzz.sh "${FUZZ_SMOKE_SECONDS:-5}"
fi

pg_url=$(scripts/pg.sh start) || { echo "cannot start PostgreSQL"; exit 1; }
export XZ_PG_URL=$pg_url
api=$(ls tests/api/*.test.mjs)
suite api-sqlite node env XZ_ENGINE=sqlite XZ_BIN=build/xiezhi node --test --test-concurrency=2 $api
suite api-pg node env XZ_ENGINE=pg XZ_BIN=build/xiezhi node --test --test-concurrency=2 $api
suite api-asan-sqlite node env XZ_ENGINE=sqlite XZ_BIN=build/asan/xiezhi node --test --test-concurrency=2 $api
suite api-asan-pg node env XZ_ENGINE=pg XZ_BIN=build/asan/xiezhi node --test --test-concurrency=2 $api
suite soak-smoke unit env XZ_SOAK_SECONDS=6 XZ_SOAK_STEP=2 XZ_SOAK_RSS=0 bench/soak.sh
make -s web
if ls tests/e2e/*.test.mjs >/dev/null 2>&1; then
  # every package of package.json present (a checkout made before one was added has node_modules without it)
  node -e 'const p = require("./package.json"); for (const d of Object.keys({ ...p.dependencies, ...p.devDependencies })) require.resolve(d + "/package.json")' 2>/dev/null \
    || npm install --no-audit --no-fund >/dev/null 2>&1
  suite e2e node node --test --test-concurrency=1 tests/e2e/
fi

if [ ${#failed_suites[@]} -gt 0 ]; then echo "failed suites: ${failed_suites[*]}"; fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ ${#failed_suites[@]} -eq 0 ]
