# SPDX-License-Identifier: GPL-2.0
# Helper programs of the shell selftests (not tests themselves, so not
# *_test.c): build/selftests/mvio drives the ioctls for interop_test.sh and
# persist.sh; logreplay (a dm-log-writes log replayer) and ackcheck (one
# crash state's store checked against what was acknowledged) serve
# crash_replay.sh. Included from selftests/selftests.mk, after
# SELFTEST_CFLAGS.

SELFTEST_TOOLS := $(B)/selftests/mvio $(B)/selftests/logreplay \
	$(B)/selftests/ackcheck

$(B)/selftests/mvio $(B)/selftests/ackcheck: $(B)/selftests/%: selftests/%.c \
		selftests/m2mv.h selftests/m2mv_nl.h uapi/linux/m2mvault.h
	@mkdir -p $(dir $@)
	$(CC) $(SELFTEST_CFLAGS) $< -o $@ $(SELFTEST_LIBS)

# Plain C11 and the full warnings: it needs nothing of the module's.
$(B)/selftests/logreplay: selftests/logreplay.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(CFLAGS) $< -o $@

selftests: $(SELFTEST_TOOLS)
