# SPDX-License-Identifier: GPL-2.0
# Helper programs of the shell selftests (not tests themselves, so not
# *_test.c): build/selftests/mvio drives the ioctls for interop_test.sh and
# persist.sh; logreplay replays a dm-log-writes log. Included from
# selftests/selftests.mk, after SELFTEST_CFLAGS.

SELFTEST_TOOLS := $(B)/selftests/mvio $(B)/selftests/logreplay

$(B)/selftests/mvio: selftests/mvio.c selftests/m2mv.h uapi/linux/m2mvault.h
	@mkdir -p $(dir $@)
	$(CC) $(SELFTEST_CFLAGS) $< -o $@ $(SELFTEST_LIBS)

# Plain C11 and the full warnings: it needs nothing of the module's.
$(B)/selftests/logreplay: selftests/logreplay.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(CFLAGS) $< -o $@

selftests: $(SELFTEST_TOOLS)
