# Xiezhi — build, run and test. `make run` and `make test` install what is
# missing first (scripts/deps.sh), so both work on a fresh Debian 12 machine.

CC ?= gcc
PKGS := libmicrohttpd jansson sqlite3 libpq libsodium libcurl pangocairo xlsxwriter libzip expat libmagic libxml-2.0
PKGS += zlib
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lpthread -lm
WARN := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wformat=2 -Wvla
CFLAGS ?= -O2 -g
XZ_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) -Isrc -Ibuild/gen $(PKG_CFLAGS)
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

SRC := $(shell find src -name '*.c' | sort)
MAIN_SRC := src/cli/main.c
LIB_SRC := $(filter-out $(MAIN_SRC),$(SRC))
EMBED := $(sort $(wildcard migrations/*.sql migrations/sqlite/*.sql migrations/pg/*.sql data/*.txt data/*.json))
UNIT_SRC := $(shell find tests -name 'test_*.c' | sort)

OBJ := $(LIB_SRC:%.c=build/obj/%.o)
ASAN_OBJ := $(LIB_SRC:%.c=build/asan/obj/%.o)
UNIT_BIN := $(UNIT_SRC:tests/%.c=build/tests/%)

DB ?= data/xiezhi.db
LISTEN ?= 127.0.0.1:8080

.PHONY: all deps deps-test run test test-unit test-api test-e2e bench web clean lint check-banned pg-test asan format-report fuzz fuzz-build soak

all: build/xiezhi web

deps:
	@scripts/deps.sh build

deps-test:
	@scripts/deps.sh test

build/embed: scripts/embed.c
	@mkdir -p build
	$(CC) -O1 -o $@ $<

build/gen/embedded.c: build/embed $(EMBED)
	@mkdir -p build/gen
	build/embed $@ $(EMBED)

build/obj/%.o: %.c $(wildcard src/*/*.h)
	@mkdir -p $(dir $@)
	@echo "CC $<"; $(CC) $(CFLAGS) $(XZ_CFLAGS) -c -o $@ $<

build/asan/obj/%.o: %.c $(wildcard src/*/*.h)
	@mkdir -p $(dir $@)
	@echo "CC[asan] $<"; $(CC) -O1 -g $(SAN) $(XZ_CFLAGS) -c -o $@ $<

build/obj/gen/embedded.o: build/gen/embedded.c
	@mkdir -p $(dir $@)
	@echo "CC $<"; $(CC) $(CFLAGS) $(XZ_CFLAGS) -c -o $@ $<

build/asan/obj/gen/embedded.o: build/gen/embedded.c
	@mkdir -p $(dir $@)
	@echo "CC[asan] $<"; $(CC) -O1 -g $(SAN) $(XZ_CFLAGS) -c -o $@ $<

build/libxz.a: $(OBJ) build/obj/gen/embedded.o
	ar rcs $@ $^

build/asan/libxz.a: $(ASAN_OBJ) build/asan/obj/gen/embedded.o
	ar rcs $@ $^

build/xiezhi: build/obj/src/cli/main.o build/libxz.a
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

build/asan/xiezhi: build/asan/obj/src/cli/main.o build/asan/libxz.a
	$(CC) -g $(SAN) -o $@ $^ $(PKG_LIBS)

asan: build/asan/xiezhi

build/tests/%: tests/%.c tests/unit.h build/libxz.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(XZ_CFLAGS) -Itests -o $@ $< build/libxz.a $(PKG_LIBS)

build/asan/tests/%: tests/%.c tests/unit.h build/asan/libxz.a
	@mkdir -p $(dir $@)
	$(CC) -O1 -g $(SAN) $(XZ_CFLAGS) -Itests -o $@ $< build/asan/libxz.a $(PKG_LIBS)

web:
	@scripts/web.sh

run:
	@scripts/deps.sh run
	@$(MAKE) --no-print-directory all
	@scripts/run.sh "$(DB)" "$(LISTEN)"

# check-banned looks at code, not comments ("the system (CLI)" is prose):
# each file with its comments stripped by the preprocessor, macros untouched.
check-banned:
	@bad=0; for f in $(SRC) $$(find src -name '*.h' | sort); do \
		if $(CC) -fpreprocessed -dD -E -P $$f 2>/dev/null | \
			grep -qE '\b(sprintf|strcpy|strcat|atoi|gets|system)\s*\('; then \
			echo "$$f: banned function used"; bad=1; fi; done; \
	[ $$bad = 0 ] || (echo "banned function used (see STYLE.md)"; exit 1)

# lint is what the test run enforces: the banned functions. The clang-format
# check left it (issue 9): Debian 12's clang-format 14 disagrees with the tree
# on CJK column widths and braced lists in most files, and a tree-wide
# reformat must wait for the parallel branches to merge. format-report lists
# the files it would change, without failing; run clang-format -i on new files.
lint: check-banned

format-report:
	@for f in $(SRC) $$(find src -name '*.h' | sort); do \
		clang-format --dry-run --Werror $$f >/dev/null 2>&1 || echo "$$f"; done

test: deps-test
	@$(MAKE) --no-print-directory lint all asan $(UNIT_BIN) $(UNIT_SRC:tests/%.c=build/asan/tests/%) fuzz-build
	@scripts/test.sh

# libFuzzer harnesses (tests/fuzz/fuzz_*.c), one per parser, built with clang
# under ASan/UBSan against the library compiled the same way. `make fuzz` runs
# each for FUZZ_SECONDS on its corpus (tests/fuzz/corpus/<harness>); `make
# test` runs each for a short smoke (scripts/fuzz.sh).
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_BIN := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_OBJ := $(LIB_SRC:%.c=build/fuzz/obj/%.o)

build/fuzz/obj/%.o: %.c $(wildcard src/*/*.h)
	@mkdir -p $(dir $@)
	@echo "CC[fuzz] $<"; $(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(XZ_CFLAGS) -Wno-error -c -o $@ $<

build/fuzz/obj/gen/embedded.o: build/gen/embedded.c
	@mkdir -p $(dir $@)
	@echo "CC[fuzz] $<"; $(FUZZ_CC) $(FUZZ_FLAGS) $(XZ_CFLAGS) -Wno-error -c -o $@ $<

build/fuzz/libxz.a: $(FUZZ_OBJ) build/fuzz/obj/gen/embedded.o
	ar rcs $@ $^

build/fuzz/%: tests/fuzz/%.c build/fuzz/libxz.a
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer $(XZ_CFLAGS) -Wno-error -o $@ $< build/fuzz/libxz.a $(PKG_LIBS)

fuzz-build: $(FUZZ_BIN)

fuzz: deps-test fuzz-build
	@scripts/fuzz.sh $(FUZZ_SECONDS)

# the long drills: a 10-minute mixed load printing errors and RSS each
# minute (bench/soak.sh), then 100 kill -9 cycles under load on both engines
soak: deps-test all
	@bench/soak.sh
	XZ_CRASH_CYCLES=100 XZ_ENGINE=sqlite node --test tests/api/security_crash.test.mjs
	XZ_CRASH_CYCLES=100 XZ_ENGINE=pg XZ_PG_URL=$$(scripts/pg.sh start) node --test tests/api/security_crash.test.mjs

bench: deps-test all
	@bench/run.sh

clean:
	rm -rf build
