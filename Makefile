# logvault — one GNU Makefile. Dependencies through pkg-config; objects and
# dependency files under build/. See README.md for the two commands a new
# machine needs.
#
#   make              build/logvault (release, -O2)
#   make test         sanitizer build (ASan + UBSan), unit tests, the
#                     integration suite on sqlite and on PostgreSQL (a
#                     throwaway cluster, tests/pg/cluster), the fuzzers
#   make integration  the integration suite on sqlite (LV_TESTS: a glob)
#   make integration-pg  the same on PostgreSQL (a throwaway cluster)
#   make integration-both  both, in one pool
#   make run          build and serve on 127.0.0.1:4566 with ./logvault-data
#   make gen          regenerate src/model/gen/ and src/util/gen/ from
#                     data/aws-models
#   make fuzz         build the libFuzzer targets in tests/fuzz (clang)
#   make fuzz-smoke   run each of them for FUZZ_SECONDS (part of make test)
#   make bench        run the benchmarks in bench/

VERSION := 0.1.0
PKGS := libmicrohttpd jansson libcrypto libzstd libpcre2-8 sqlite3 libcurl \
        simdjson libpq
# p11-kit only for its header <p11-kit/pkcs11.h> (kms/p11.c loads a
# PKCS#11 module with dlopen; nothing is linked).
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) p11-kit-1)
PKG_LIBS := $(shell pkg-config --libs $(PKGS))

CC ?= cc
CXX ?= c++
WARN := -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes -Wvla \
        -Wwrite-strings -Wno-missing-field-initializers -Werror
CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -Isrc -include src/util/banned.h \
        -DLV_VERSION='"$(VERSION)"' $(WARN) $(PKG_CFLAGS) -MMD -MP -pthread
# The one C++ file (src/logs/fastjson.cc, simdjson; DESIGN.md "Hot paths"):
# the same flags but C++17 and without the C-only warnings, and the C++
# runtime on every link line (LDLIBS).
WARN_CXX := $(filter-out -Wstrict-prototypes -Wmissing-prototypes,$(WARN))
CXXFLAGS_BASE := -std=c++17 -D_GNU_SOURCE -Isrc -DLV_VERSION='"$(VERSION)"' \
        $(WARN_CXX) $(PKG_CFLAGS) -MMD -MP -pthread
LDLIBS := $(PKG_LIBS) -lstdc++ -pthread -lm

SANITIZE ?=
ifeq ($(SANITIZE),)
  OUT := build
  OPT := -O2 -g
else ifeq ($(SANITIZE),fuzz)
  OUT ?= build/fuzz
else
  # The test build (address,undefined) in build/san; any other sanitizer
  # (thread) in a tree of its own, never mixed into it.
  comma := ,
  OUT := $(if $(filter address$(comma)undefined,$(SANITIZE)),build/san,build/san-$(subst $(comma),-,$(SANITIZE)))
  # The test build alone can inject store faults (LOGVAULT_STORE_FAULT,
  # src/store/fault/fault.h); the release build has no code for it. It
  # also builds every audit record tail the recorder reuses and stops at a
  # difference (LV_AUDIT_MEMO_CHECK, src/audit/event.h).
  OPT := -O1 -g -fno-omit-frame-pointer -fsanitize=$(SANITIZE) \
         -fno-sanitize-recover=all -DLV_STORE_FAULT_INJECTION \
         -DLV_AUDIT_MEMO_CHECK
endif

SRCS := $(shell find src -name '*.c' | sort)
LIB_SRCS := $(filter-out src/main.c,$(SRCS))
CXX_SRCS := $(shell find src -name '*.cc' | sort)
# The web console (console/**, src/http/console.h): its files become one
# generated C file under $(OUT)/gen, compiled into the library.
CONSOLE_FILES := $(shell find console -type f ! -name '.*' | LC_ALL=C sort)
CONSOLE_OBJ := $(OUT)/obj/gen/console_assets.o
LIB_OBJS := $(LIB_SRCS:%.c=$(OUT)/obj/%.o) $(CXX_SRCS:%.cc=$(OUT)/obj/%.o) \
        $(CONSOLE_OBJ)
MAIN_OBJ := $(OUT)/obj/src/main.o
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(OUT)/tests/%)
HELPER_SRCS := $(sort $(wildcard tests/helpers/*.c))
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=$(OUT)/tests/%)

.PHONY: all test test-bins unit integration integration-pg integration-both \
        run gen gen-check fuzz fuzz-smoke bench clean FORCE
all: $(OUT)/logvault

# `make V=1` shows the full commands.
ifeq ($(V),1)
  Q :=
  say = @true
else
  Q := @
  say = @echo "  $(1) $(2)"
endif

$(OUT)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(CFLAGS_BASE) $(OPT) $(CFLAGS) -c -o $@ $<

$(OUT)/obj/%.o: %.cc
	@mkdir -p $(dir $@)
	$(call say,CXX,$<)
	$(Q)$(CXX) $(CXXFLAGS_BASE) $(OPT) $(CXXFLAGS) -c -o $@ $<

# The console: tools/embed_assets (built with the host compiler, nothing
# but the C library) writes every file of console/ into one C table. The
# list of names is a file rewritten only when it changes, so that adding
# or removing a file regenerates the table as editing one does.
HOSTCC ?= cc
$(OUT)/tools/embed_assets: tools/embed_assets.c
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(HOSTCC) -std=c11 -O1 -Wall -Wextra -Werror -o $@ $<

$(OUT)/gen/console.list: FORCE
	@mkdir -p $(dir $@)
	@echo '$(CONSOLE_FILES)' | cmp -s - $@ || echo '$(CONSOLE_FILES)' >$@

$(OUT)/gen/console_assets.c: $(OUT)/tools/embed_assets $(OUT)/gen/console.list \
        $(CONSOLE_FILES)
	$(call say,EMBED,$@)
	$(Q)$(OUT)/tools/embed_assets $@ console $(CONSOLE_FILES)

$(CONSOLE_OBJ): $(OUT)/gen/console_assets.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(CFLAGS_BASE) $(OPT) $(CFLAGS) -c -o $@ $<

$(OUT)/liblogvault.a: $(LIB_OBJS)
	@rm -f $@
	$(call say,AR,$@)
	$(Q)ar rcs $@ $^

$(OUT)/logvault: $(MAIN_OBJ) $(OUT)/liblogvault.a
	$(call say,LINK,$@)
	$(Q)$(CC) $(OPT) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OUT)/tests/test_%: tests/unit/test_%.c $(OUT)/liblogvault.a
	@mkdir -p $(dir $@)
	$(call say,TEST,$@)
	$(Q)$(CC) $(CFLAGS_BASE) -Wno-missing-prototypes -Itests $(OPT) \
	    $(CFLAGS) -o $@ $< $(OUT)/liblogvault.a $(LDLIBS) -lcmocka

$(OUT)/tests/%: tests/helpers/%.c $(OUT)/liblogvault.a
	@mkdir -p $(dir $@)
	$(call say,TOOL,$@)
	$(Q)$(CC) $(CFLAGS_BASE) -Itests $(OPT) $(CFLAGS) \
	    -o $@ $< $(OUT)/liblogvault.a $(LDLIBS)

# libFuzzer targets (clang, from Debian's clang package): every parser.
# Built against a clang-compiled copy of the library under build/fuzz/.
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -g -O1
fuzz:
	$(MAKE) CC=clang CXX=clang++ OUT=build/fuzz OPT="$(FUZZ_FLAGS)" \
	    SANITIZE=fuzz build/fuzz/liblogvault.a
	$(MAKE) CC=clang CXX=clang++ $(FUZZ_BINS)

# A short run of every fuzzer (FUZZ_SECONDS each), part of `make test`:
# a crash, leak or sanitizer report fails it.
FUZZ_SECONDS ?= 10
fuzz-smoke: fuzz
	@tests/run-fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c build/fuzz/liblogvault.a
	$(call say,FUZZ,$@)
	$(Q)clang $(CFLAGS_BASE) -Wno-missing-prototypes \
	    -fsanitize=fuzzer,address,undefined -fsanitize-link-c++-runtime \
	    -g -O1 -o $@ $< build/fuzz/liblogvault.a $(LDLIBS)

# The test build: ASan + UBSan, unit tests first, then the integration
# tests that drive build/san/logvault with the real AWS CLI and boto3, on
# sqlite and on PostgreSQL in one pool (the tests mostly wait on their
# server and client, so the two runs overlap well), then the fuzzers.
# One throwaway PostgreSQL cluster (tests/pg/with-cluster) serves the unit
# tests (test_store_pg*) and the PostgreSQL run, and is stopped and removed
# at the end, failures included.
# Builds run on every core (JOBS); the tests themselves pace their own
# parallelism (tests/integration/run.sh, tests/run-fuzz.sh).
# The release build comes first: `make run` and the bench use it, and -O2
# sees warnings (-Werror) that the test build's -O1 does not.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
test:
	$(MAKE) -j$(JOBS) build/logvault
	$(MAKE) -j$(JOBS) SANITIZE=address,undefined test-bins
	tests/pg/with-cluster $(MAKE) SANITIZE=address,undefined unit \
	    integration-both
	$(MAKE) -j$(JOBS) fuzz
	$(MAKE) fuzz-smoke

test-bins: $(OUT)/logvault $(UNIT_BINS) $(HELPER_BINS)

# Unit tests: with a PostgreSQL cluster up (the caller's, when
# LV_PG_ADMIN_URI is set), so that test_store_pg* run rather than skip.
unit: $(UNIT_BINS)
	@tests/pg/with-cluster tests/run-unit.sh $(UNIT_BINS)

# The integration suite (LV_TESTS: a glob over tests/integration): on
# sqlite, on PostgreSQL (a throwaway cluster, or the caller's when
# LV_PG_ADMIN_URI is set), or both in one pool.
INTEGRATION = @LOGVAULT_BIN=$(abspath $(OUT)/logvault) \
	 LV_TEST_TOOLS=$(abspath $(OUT)/tests) LV_STORE_KINDS="$(1)" \
	 tests/integration/run.sh
integration: $(OUT)/logvault $(HELPER_BINS)
	$(call INTEGRATION,sqlite)

integration-pg: $(OUT)/logvault $(HELPER_BINS)
	$(call INTEGRATION,postgresql)

integration-both: $(OUT)/logvault $(HELPER_BINS)
	$(call INTEGRATION,sqlite postgresql)

run: $(OUT)/logvault
	$(OUT)/logvault serve

gen:
	python3 tools/genmodel.py

gen-check:
	python3 tools/genmodel.py --check

# The load generator and the ceiling, linked against the release library
# (SigV4 signing, AES-GCM, zstd).
BENCH_BINS := build/bench/loadgen build/bench/ceiling build/bench/auditrec
bench: build/logvault $(BENCH_BINS)
	bench/run.sh

build/bench/%: bench/%.c bench/gen.c bench/gen.h build/liblogvault.a
	@mkdir -p $(dir $@)
	$(call say,BENCH,$@)
	$(Q)$(CC) $(CFLAGS_BASE) -Ibench -O2 -g $(CFLAGS) -o $@ $< bench/gen.c \
	    build/liblogvault.a $(LDLIBS)

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
