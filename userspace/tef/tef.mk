# SPDX-License-Identifier: GPL-2.0
# m2m-tefd, the reference TEF, and its test driver. Included from
# userspace/userspace.mk.

TEF_SRCS := $(wildcard userspace/tef/*.c)
TEF_OBJS := $(patsubst userspace/%.c,$(UOBJ)/%.o,$(TEF_SRCS))
TEF_LIB_OBJS := $(filter-out $(UOBJ)/tef/main.o,$(TEF_OBJS))
TEFD := $(B)/bin/m2m-tefd
TEFCLI := $(B)/selftests/tefcli
TEF_PKGS := libcoap-3-openssl sqlite3 jansson openssl

$(TEF_OBJS): USER_CFLAGS += $(shell pkg-config --cflags $(TEF_PKGS))

$(TEFD): $(TEF_OBJS) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(shell pkg-config --libs $(TEF_PKGS))

# Host tests of the TEF's bodies, database and operations link its objects;
# test_tef_proto also runs the real server against the client library.
$(B)/tests/test_tef%: userspace/tests/test_tef%.c $(TEF_LIB_OBJS) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -DTEFD_PATH='"$(TEFD)"' $< -o $@ $(TEF_LIB_OBJS) \
		$(COMMON_LIB) -lcmocka $(shell pkg-config --libs $(TEF_PKGS) $(PKGS))

$(B)/tests/test_tef_proto: $(TEFD)

# The selftest's driver of the client library (selftests/tef_test.sh).
$(TEFCLI): selftests/tefcli.c $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) $(shell pkg-config --cflags $(TEF_PKGS)) $< -o $@ \
		$(COMMON_LIB) $(shell pkg-config --libs $(TEF_PKGS))

userspace: $(TEFD)
selftests: $(TEFCLI)
