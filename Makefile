# pg_solana: PGXS build plus the pure core's unit, sanitizer and fuzz
# builds.  `make && make install` builds the extension; `make test` runs
# every suite (scripts/test.sh); see README.md.

EXTENSION = pg_solana
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(EXTENSION).control)

MODULE_big = pg_solana
CORE_SRCS = $(sort $(wildcard src/core/*.c))
CORE_HDRS = $(sort $(wildcard src/core/*.h))
PG_SRCS = $(sort $(wildcard src/pg/*.c))
OBJS = $(CORE_SRCS:.c=.o) $(PG_SRCS:.c=.o)

# The install script is assembled from sql/install/*.sql in name order,
# one piece per area, so that areas can evolve independently.
INSTALL_PIECES = $(sort $(wildcard sql/install/*.sql))
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*.sql))

# pg_regress: every sql/<feature>.sql except the install scripts
REGRESS = $(sort $(filter-out $(EXTENSION)%,$(basename $(notdir $(wildcard sql/*.sql)))))
REGRESS_OPTS = --inputdir=. --outputdir=build/regress

PG_CPPFLAGS = -Isrc/core -Isrc/pg
PG_CFLAGS = -Wno-declaration-after-statement
SHLIB_LINK = -lsodium -ljansson -lcurl -lwebsockets
EXTRA_CLEAN = build

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

sql/$(EXTENSION)--$(EXTVERSION).sql: $(INSTALL_PIECES) $(EXTENSION).control
	cat $(INSTALL_PIECES) > $@

$(OBJS): $(CORE_HDRS) $(wildcard src/pg/*.h)

installcheck: | build/regress
build/regress:
	mkdir -p $@

# ---------------------------------------------------------------------
# Pure core: unit tests (plain and sanitized) and fuzz targets.  These
# builds compile src/core without PostgreSQL's include path, so a stray
# postgres.h include fails at once.
# ---------------------------------------------------------------------
BUILD ?= build
FIXTURES ?= $(abspath ../shared/fixtures)
CORE_CC ?= gcc
CORE_STD = -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -Isrc/core
CORE_LIBS = -lsodium -ljansson -lm
SAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

UNIT_SRCS = $(sort $(wildcard test/unit/test_*.c))
UNIT_NAMES = $(basename $(notdir $(UNIT_SRCS)))
UNIT_HELPERS = test/unit/ps_test.c
FUZZ_SRCS = $(sort $(wildcard test/fuzz/fuzz_*.c))
FUZZ_NAMES = $(basename $(notdir $(FUZZ_SRCS)))

# variant -> compiler flags
FLAGS_unit = -O2 -g
FLAGS_asan = -O1 -g $(SAN_FLAGS)
FLAGS_fuzz = -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FLAGS_replay = -O1 -g $(SAN_FLAGS)

define core_variant
$(BUILD)/$(1)/core/%.o: src/core/%.c $(CORE_HDRS)
	@mkdir -p $$(@D)
	$(2) $(CORE_STD) $(FLAGS_$(1)) -c -o $$@ $$<
$(BUILD)/$(1)/libpscore.a: $(patsubst src/core/%.c,$(BUILD)/$(1)/core/%.o,$(CORE_SRCS))
	rm -f $$@ && ar rcs $$@ $$^
endef
$(eval $(call core_variant,unit,$(CORE_CC)))
$(eval $(call core_variant,asan,$(CORE_CC)))
$(eval $(call core_variant,fuzz,clang))
$(eval $(call core_variant,replay,$(CORE_CC)))

$(BUILD)/unit/test_%: test/unit/test_%.c $(UNIT_HELPERS) test/unit/ps_test.h $(BUILD)/unit/libpscore.a
	$(CORE_CC) $(CORE_STD) -Itest/unit $(FLAGS_unit) -o $@ $< $(UNIT_HELPERS) $(BUILD)/unit/libpscore.a $(CORE_LIBS)
$(BUILD)/asan/test_%: test/unit/test_%.c $(UNIT_HELPERS) test/unit/ps_test.h $(BUILD)/asan/libpscore.a
	$(CORE_CC) $(CORE_STD) -Itest/unit $(FLAGS_asan) -o $@ $< $(UNIT_HELPERS) $(BUILD)/asan/libpscore.a $(CORE_LIBS)
$(BUILD)/fuzz/fuzz_%: test/fuzz/fuzz_%.c $(wildcard test/fuzz/*.h) $(BUILD)/fuzz/libpscore.a
	clang $(CORE_STD) -Itest/fuzz -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -o $@ $< $(BUILD)/fuzz/libpscore.a $(CORE_LIBS)
$(BUILD)/replay/fuzz_%: test/fuzz/fuzz_%.c test/fuzz/replay_main.c $(wildcard test/fuzz/*.h) $(BUILD)/replay/libpscore.a
	$(CORE_CC) $(CORE_STD) -Itest/fuzz $(FLAGS_replay) -o $@ $< test/fuzz/replay_main.c $(BUILD)/replay/libpscore.a $(CORE_LIBS)

UNIT_BINS = $(addprefix $(BUILD)/unit/,$(UNIT_NAMES))
ASAN_BINS = $(addprefix $(BUILD)/asan/,$(UNIT_NAMES))
FUZZ_BINS = $(addprefix $(BUILD)/fuzz/,$(FUZZ_NAMES))
REPLAY_BINS = $(addprefix $(BUILD)/replay/,$(FUZZ_NAMES))

.PHONY: unit unit-asan fuzz-build fuzz-smoke fuzz fuzz-replay bench test demo
unit: $(UNIT_BINS)
	PS_FIXTURES=$(FIXTURES) prove --exec '' $(UNIT_BINS)
unit-asan: $(ASAN_BINS)
	PS_FIXTURES=$(FIXTURES) ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 prove --exec '' $(ASAN_BINS)

fuzz-build: $(FUZZ_BINS)
# FUZZ_SECONDS per target; the corpus starts from test/fuzz/corpus/<target>
FUZZ_SECONDS ?= 10
fuzz-smoke: $(FUZZ_BINS)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) PS_FIXTURES=$(FIXTURES) scripts/fuzz.sh $(FUZZ_BINS)
fuzz: $(FUZZ_BINS)
	@FUZZ_SECONDS=300 PS_FIXTURES=$(FIXTURES) scripts/fuzz.sh $(FUZZ_BINS)
# gcc build replaying the committed corpora (no clang needed)
fuzz-replay: $(REPLAY_BINS)
	@for t in $(FUZZ_NAMES); do \
		PS_FIXTURES=$(FIXTURES) $(BUILD)/replay/$$t test/fuzz/corpus/$$t || exit 1; done

bench:
	bash bench/run.sh

test:
	bash scripts/test.sh

demo:
	bash scripts/demo.sh
