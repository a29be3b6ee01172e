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
	jansson libsystemd tss2-esys tss2-tctildr tss2-rc

$(AGENT_OBJS): USER_CFLAGS += $(shell pkg-config --cflags $(AGENT_PKGS))

$(AGENT_A): $(AGENT_LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# Linked against the shared libm2mvault twice, like the CLI (userspace.mk):
# build/bin/m2mvaultd with a runpath into the build tree, build/dist/
# m2mvaultd without one, for 'make install'.
AGENT_LINK = $(UOBJ)/agent/main.o $(AGENT_A) $(COMMON_LIB) $(LIB_LINK) \
	$(shell pkg-config --libs $(AGENT_PKGS))

$(AGENT): $(UOBJ)/agent/main.o $(AGENT_A) $(LIB_SO) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(AGENT_LINK) $(BUILD_RUNPATH)

$(DIST)/m2mvaultd: $(UOBJ)/agent/main.o $(AGENT_A) $(LIB_SO) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(AGENT_LINK)

# The agent's host tests link its archive and inih; this rule's shorter
# stem wins over the generic one in userspace.mk.
$(B)/tests/test_agent%: userspace/tests/test_agent%.c $(AGENT_A) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) $(shell pkg-config --cflags $(AGENT_PKGS)) $< -o $@ \
		$(AGENT_A) $(COMMON_LIB) -lcmocka \
		$(shell pkg-config --libs $(AGENT_PKGS) $(PKGS))

userspace: $(AGENT)
