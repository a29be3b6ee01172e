# SPDX-License-Identifier: GPL-2.0
# Benchmarks (issues #6 and #14, Documentation/benchmarks.rst). Included by the top
# Makefile.
#
#   make bench        deps, build, the full run in the test VM on Debian's
#                     kernel (under 30 minutes); results and chart in
#                     tools/bench/results/
#   make bench-quick  every store and phase with tiny counts (under 3
#                     minutes); results in build/bench/quick/. Fails only
#                     if a benchmark program fails, never on a timing.
#   make bench-profile  perf profiles of the phases whose goals are hard
#                     (tools/bench/results/profiles/)

BENCH_BIN := $(B)/bench/m2mvbench
# The same program against SQLCipher instead of SQLite: both libraries
# export the sqlite3_* symbols and install a sqlite3.h, so one binary can
# link only one of them. Its store_sqlite.c is --store sqlcipher.
BENCH_SQLCIPHER_BIN := $(B)/bench/m2mvbench-sqlcipher
# The driver, the phases, and one file per kind of store (bench.h).
BENCH_SRCS := $(wildcard tools/bench/*.c)
BENCH_DEPS := $(BENCH_SRCS) tools/bench/bench.h $(LIB_SO) \
	userspace/lib/m2mvault.h uapi/linux/m2mvault.h
# pkg-config runs in the recipes only (tools/parse-check).
BENCH_LIBS = -L$(UOBJ) -Wl,-rpath,$(UOBJ) -lm2mvault -lkeyutils \
	$$(pkg-config --libs libcrypto libnl-genl-3.0)

$(BENCH_BIN): $(BENCH_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -pthread $(BENCH_SRCS) -o $@ $(BENCH_LIBS) -lsqlite3

$(BENCH_SQLCIPHER_BIN): $(BENCH_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -DBENCH_SQLCIPHER -DSQLITE_HAS_CODEC \
		$$(pkg-config --cflags sqlcipher) -pthread $(BENCH_SRCS) -o $@ \
		$(BENCH_LIBS) $$(pkg-config --libs sqlcipher)

.PHONY: bench bench-quick bench-build bench-profile

bench-build: module $(BENCH_BIN) $(BENCH_SQLCIPHER_BIN) $(LIB_SO)

bench: deps
	@$(MAKE) -s bench-build
	@$(TOP)/tools/bench/run --out $(TOP)/tools/bench/results

bench-quick: bench-build
	@$(TOP)/tools/bench/run --quick --out $(B)/bench/quick

bench-profile: bench-build
	@$(TOP)/tools/bench/profile
