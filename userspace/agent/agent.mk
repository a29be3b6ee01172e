# SPDX-License-Identifier: GPL-2.0
# m2mvaultd, the agent. Included from userspace/userspace.mk.
#
# Everything but main.c goes into an archive that the host tests
# (userspace/tests/test_agent*.c) link too.

AGENT_SRCS := $(wildcard userspace/agent/*.c)
AGENT_OBJS := $(patsubst userspace/%.c,$(UOBJ)/%.o,$(AGENT_SRCS))
AGENT_LIB_OBJS := $(filter-out $(UOBJ)/agent/main.o,$(AGENT_OBJS))
AGENT_A := $(UOBJ)/libm2mvagent.a
AGENT := $(B)/bin/m2mvaultd
AGENT_PKGS := inih libkeyutils libnl-genl-3.0 libcoap-3-openssl openssl \
	jansson libsystemd

$(AGENT_OBJS): USER_CFLAGS += $(shell pkg-config --cflags $(AGENT_PKGS))

$(AGENT_A): $(AGENT_LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# Static libm2mvault, like the CLI: runs from the build tree and in the VM.
$(AGENT): $(UOBJ)/agent/main.o $(AGENT_A) $(LIB_A) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(shell pkg-config --libs $(AGENT_PKGS))

# The agent's host tests link its archive and inih; this rule's shorter
# stem wins over the generic one in userspace.mk.
$(B)/tests/test_agent%: userspace/tests/test_agent%.c $(AGENT_A) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) $(shell pkg-config --cflags $(AGENT_PKGS)) $< -o $@ \
		$(AGENT_A) $(COMMON_LIB) -lcmocka \
		$(shell pkg-config --libs $(AGENT_PKGS) $(PKGS))

userspace: $(AGENT)
