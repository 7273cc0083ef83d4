# Xiezhi — build, run and test. `make run` and `make test` install what is
# missing first (scripts/deps.sh), so both work on a fresh Debian 12 machine.

CC ?= gcc
PKGS := libmicrohttpd jansson sqlite3 libpq libsodium libcurl pangocairo xlsxwriter libzip expat libmagic libxml-2.0
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

.PHONY: all deps deps-test run test test-unit test-api test-e2e bench web clean lint check-banned pg-test asan soak

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

check-banned:
	@! grep -nE '\b(sprintf|strcpy|strcat|atoi|gets|system)\s*\(' $(SRC) $$(find src -name '*.h') \
		|| (echo "banned function used (see STYLE.md)"; exit 1)

lint: check-banned
	clang-format --dry-run --Werror $(SRC) $$(find src -name '*.h')

test: deps-test
	@$(MAKE) --no-print-directory check-banned all asan $(UNIT_BIN) $(UNIT_SRC:tests/%.c=build/asan/tests/%)
	@scripts/test.sh

bench: deps-test all
	@bench/run.sh

soak: deps-test all
	@bench/soak.sh

clean:
	rm -rf build
