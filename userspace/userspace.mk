# SPDX-License-Identifier: GPL-2.0
# Userspace: shared code, library, CLI, agent, TEF, and host unit tests.

UOBJ := $(B)/userspace

COMMON_SRCS := $(wildcard userspace/common/*.c)
COMMON_OBJS := $(patsubst userspace/%.c,$(UOBJ)/%.o,$(COMMON_SRCS))
COMMON_LIB := $(UOBJ)/libm2mvcommon.a

$(UOBJ)/%.o: userspace/%.c $(wildcard userspace/*/*.h) uapi/linux/m2mvault.h
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -fPIC -c $< -o $@

$(COMMON_LIB): $(COMMON_OBJS)
	$(AR) rcs $@ $^

# Host unit tests (cmocka), one program per userspace/tests/test_*.c.
HOST_TEST_SRCS := $(wildcard userspace/tests/test_*.c)
HOST_TESTS := $(patsubst userspace/tests/%.c,$(B)/tests/%,$(HOST_TEST_SRCS))

$(B)/tests/%: userspace/tests/%.c $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) $< -o $@ $(COMMON_LIB) -lcmocka \
		$(shell pkg-config --libs $(PKGS))

userspace: $(COMMON_LIB) $(HOST_TESTS)
