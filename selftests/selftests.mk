# SPDX-License-Identifier: GPL-2.0
# kselftest-harness tests, run inside the test VM by selftests/run-suite.
# The harness headers come from Debian's linux-source-6.1 at build time and
# are never committed.

KSFT_INC := $(B)/include/ksft
KSFT_HDRS := $(KSFT_INC)/kselftest_harness.h $(KSFT_INC)/kselftest.h

$(KSFT_HDRS):
	@mkdir -p $(KSFT_INC)
	@src=$$($(TOP)/tools/kernel-source) && \
	  cp $$src/tools/testing/selftests/$(notdir $@) $@

# The harness macros trip -Wunused-parameter and -Wsign-compare by design.
SELFTEST_CFLAGS = -std=gnu11 -D_GNU_SOURCE $(WARN) -Wno-unused-parameter \
	-Wno-sign-compare $(CFLAGS) -pthread \
	-I$(KSFT_INC) -I$(TOP)/uapi -I$(TOP)/selftests \
	$(shell pkg-config --cflags libnl-genl-3.0)
SELFTEST_LIBS = -lkeyutils $(shell pkg-config --libs libnl-genl-3.0)

SELFTEST_SRCS := $(wildcard selftests/*_test.c)
SELFTESTS := $(patsubst selftests/%.c,$(B)/selftests/%,$(SELFTEST_SRCS))

$(B)/selftests/%: selftests/%.c $(wildcard selftests/*.h) uapi/linux/m2mvault.h $(KSFT_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(SELFTEST_CFLAGS) $< -o $@ $(SELFTEST_LIBS)

# lib_test has its own rule (lib.mk) and shares the helper headers.
$(B)/selftests/lib_test: $(wildcard selftests/*.h)

selftests: $(SELFTESTS)
include selftests/tools.mk
