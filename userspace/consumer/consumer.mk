# SPDX-License-Identifier: GPL-2.0
# m2m-consume, the consumer (AE2). Included from userspace/userspace.mk.

CONSUMER_OBJS := $(UOBJ)/consumer/consume.o
CONSUMER := $(B)/bin/m2m-consume
CONSUMER_PKGS := jose libcoap-3-openssl jansson openssl

$(CONSUMER_OBJS): USER_CFLAGS += $(shell pkg-config --cflags $(CONSUMER_PKGS))

$(CONSUMER): $(CONSUMER_OBJS) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(shell pkg-config --libs $(CONSUMER_PKGS))

userspace: $(CONSUMER)
