# SPDX-License-Identifier: GPL-2.0
# m2mvaultd, the agent. Included from userspace/userspace.mk.

AGENT_SRCS := $(wildcard userspace/agent/*.c)
AGENT_OBJS := $(patsubst userspace/%.c,$(UOBJ)/%.o,$(AGENT_SRCS))
AGENT := $(B)/bin/m2mvaultd
AGENT_PKGS := inih libsystemd libkeyutils libcoap-3-openssl jansson openssl

$(AGENT_OBJS): USER_CFLAGS += $(shell pkg-config --cflags $(AGENT_PKGS)) $(NL_CFLAGS)

$(AGENT): $(AGENT_OBJS) $(LIB_A) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(NL_LIBS) $(shell pkg-config --libs $(AGENT_PKGS))

# The configuration parser's host test links it with inih.
$(B)/tests/test_agent%: userspace/tests/test_agent%.c $(UOBJ)/agent/config.o $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) $< -o $@ $(UOBJ)/agent/config.o $(COMMON_LIB) \
		-lcmocka $(shell pkg-config --libs inih $(PKGS))

userspace: $(AGENT)
