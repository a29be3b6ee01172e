# SPDX-License-Identifier: GPL-2.0
# m2m-consume, the consumer (AE2). Included from userspace/userspace.mk.
#
# Everything but consume.c (main, options, the TEF) goes into an archive
# that the host tests userspace/tests/test_consume*.c link too.

CONSUMER_SRCS := $(filter-out userspace/consumer/consume.c,\
		   $(wildcard userspace/consumer/*.c))
CONSUMER_OBJS := $(patsubst userspace/%.c,$(UOBJ)/%.o,$(CONSUMER_SRCS))
CONSUMER_A := $(UOBJ)/libm2mvconsume.a
CONSUMER := $(B)/bin/m2m-consume
CONSUMER_PKGS := jose libcoap-3-openssl jansson openssl

$(CONSUMER_OBJS) $(UOBJ)/consumer/consume.o: \
	USER_CFLAGS += $(shell pkg-config --cflags $(CONSUMER_PKGS))

$(CONSUMER_A): $(CONSUMER_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(CONSUMER): $(UOBJ)/consumer/consume.o $(CONSUMER_A) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(shell pkg-config --libs $(CONSUMER_PKGS))

# test_consume_record also runs the program (its options, exit status and
# output with --key-file), which it finds at CONSUME_BIN.
$(B)/tests/test_consume_record: $(CONSUMER)
$(B)/tests/test_consume_record: CONSUME_TEST_DEFS = -DCONSUME_BIN='"$(CONSUMER)"'

# This rule's shorter stem wins over the generic one in userspace.mk.
$(B)/tests/test_consume%: userspace/tests/test_consume%.c $(CONSUMER_A) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) $(shell pkg-config --cflags $(CONSUMER_PKGS)) \
		$(CONSUME_TEST_DEFS) \
		$< -o $@ $(CONSUMER_A) $(COMMON_LIB) -lcmocka \
		$(shell pkg-config --libs $(CONSUMER_PKGS))

userspace: $(CONSUMER)
