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
# The driver, the phases, and one file per kind of store (bench.h).
BENCH_SRCS := $(wildcard tools/bench/*.c)

$(BENCH_BIN): $(BENCH_SRCS) tools/bench/bench.h $(LIB_SO) \
		userspace/lib/m2mvault.h uapi/linux/m2mvault.h
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -pthread $(BENCH_SRCS) -o $@ -L$(UOBJ) \
		-Wl,-rpath,$(UOBJ) -lm2mvault -lkeyutils -lsqlite3 \
		$(shell pkg-config --libs libcrypto libnl-genl-3.0)

.PHONY: bench bench-quick bench-build bench-profile

bench-build: module $(BENCH_BIN) $(LIB_SO)

bench: deps
	@$(MAKE) -s bench-build
	@$(TOP)/tools/bench/run --out $(TOP)/tools/bench/results

bench-quick: bench-build
	@$(TOP)/tools/bench/run --quick --out $(B)/bench/quick

bench-profile: bench-build
	@$(TOP)/tools/bench/profile
