# SPDX-License-Identifier: GPL-2.0
# Userspace: shared code, library, CLI, agent, TEF, and host unit tests.

UOBJ := $(B)/userspace

COMMON_SRCS := $(wildcard userspace/common/*.c)
COMMON_OBJS := $(patsubst userspace/%.c,$(UOBJ)/%.o,$(COMMON_SRCS))
COMMON_LIB := $(UOBJ)/libm2mvcommon.a

# The TEF client (tefclient.c) is CoAP and JSON.
$(COMMON_OBJS): USER_CFLAGS += $(shell pkg-config --cflags libcoap-3-openssl jansson)

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

# ------------------------------------------------------------ libm2mvault
#
# One public header (userspace/lib/m2mvault.h), a shared library with a
# soname and a version script, a static archive, and m2mvault.pc (for the
# installed tree; m2mvault-uninstalled.pc points into the build tree and is
# what pkg-config picks with PKG_CONFIG_PATH=build/userspace).

# Installation directories (prefix, libdir, ...) are in packaging/install.mk.

LIB_VERSION := $(shell sed -n 's/^\#define M2MV_LIB_VERSION "\(.*\)"/\1/p' \
		 userspace/lib/m2mvault.h)
LIB_MAJOR := $(firstword $(subst ., ,$(LIB_VERSION)))
NL_CFLAGS = $(shell pkg-config --cflags libnl-genl-3.0)
NL_LIBS = $(shell pkg-config --libs libnl-genl-3.0)
JSON_CFLAGS = $(shell pkg-config --cflags jansson)
JSON_LIBS = $(shell pkg-config --libs jansson)

LIB_SRCS := $(wildcard userspace/lib/*.c)
LIB_OBJS := $(patsubst userspace/%.c,$(UOBJ)/%.o,$(LIB_SRCS))
LIB_MAP := userspace/lib/libm2mvault.map
LIB_A := $(UOBJ)/libm2mvault.a
LIB_SONAME := libm2mvault.so.$(LIB_MAJOR)
LIB_SO := $(UOBJ)/libm2mvault.so.$(LIB_VERSION)
LIB_PC := $(UOBJ)/m2mvault.pc $(UOBJ)/m2mvault-uninstalled.pc

$(LIB_OBJS): USER_CFLAGS += $(NL_CFLAGS)

$(LIB_A): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(LIB_SO): $(LIB_OBJS) $(LIB_MAP)
	$(CC) -shared -Wl,-soname,$(LIB_SONAME) \
		-Wl,--version-script=$(LIB_MAP) -Wl,--no-undefined \
		-Wl,-z,relro -Wl,-z,now $(LDFLAGS) -o $@ $(LIB_OBJS) $(NL_LIBS)
	ln -sf $(notdir $@) $(UOBJ)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(UOBJ)/libm2mvault.so

# Written anew whenever the installation directories change.
$(UOBJ)/m2mvault.pc: userspace/lib/m2mvault.pc.in userspace/lib/m2mvault.h \
		$(B)/install-dirs
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(prefix)|' -e 's|@LIBDIR@|$(libdir)|' \
	    -e 's|@INCLUDEDIR@|$(includedir)|' -e 's|@VERSION@|$(LIB_VERSION)|' \
	    $< >$@

$(UOBJ)/m2mvault-uninstalled.pc: userspace/lib/m2mvault.pc.in userspace/lib/m2mvault.h
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(TOP)|' -e 's|@LIBDIR@|$(UOBJ)|' \
	    -e 's|@INCLUDEDIR@|$(TOP)/userspace/lib|' -e 's|@VERSION@|$(LIB_VERSION)|' \
	    -e 's|^Cflags:.*|Cflags: -I$${includedir} -I$(TOP)/uapi|' \
	    $< >$@

# ------------------------------------------------------------ m2mvault CLI
#
# Everything but main.c goes into an archive that the host tests link too.

CLI_SRCS := $(filter-out userspace/cli/main.c,$(wildcard userspace/cli/*.c))
CLI_OBJS := $(patsubst userspace/%.c,$(UOBJ)/%.o,$(CLI_SRCS))
CLI_A := $(UOBJ)/libm2mvcli.a
CLI := $(B)/bin/m2mvault

$(CLI_OBJS) $(UOBJ)/cli/main.o: USER_CFLAGS += $(JSON_CFLAGS)

$(CLI_A): $(CLI_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# The CLI and the agent link the shared library. Each is linked twice:
# build/bin/PROG finds libm2mvault.so.1 in the build tree through a
# relative runpath ($ORIGIN/../userspace), so it runs from the work tree and
# in the test VM without a library path; build/dist/PROG has no runpath and
# is what 'make install' installs, to find the library where the system's
# dynamic linker looks. Programs that do not use the library (m2m-tefd,
# m2m-consume) are linked once.
LIB_LINK = -L$(UOBJ) -lm2mvault
BUILD_RUNPATH = -Wl,-rpath,'$$ORIGIN/../userspace'
DIST := $(B)/dist
CLI_LINK = $(UOBJ)/cli/main.o $(CLI_A) $(COMMON_LIB) $(LIB_LINK) $(JSON_LIBS)

$(CLI): $(UOBJ)/cli/main.o $(CLI_A) $(LIB_SO) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(CLI_LINK) $(BUILD_RUNPATH)

$(DIST)/m2mvault: $(UOBJ)/cli/main.o $(CLI_A) $(LIB_SO) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(CLI_LINK)

# Host tests of the library and the CLI link both archives; this rule's
# shorter stem wins over the generic one above. test_lib_data puts a fake
# kernel behind the library's open() and ioctl().
$(B)/tests/test_lib_data: TEST_WRAP := -Wl,--wrap=open,--wrap=ioctl
# test_lib_abi looks at the symbol versions of the shared library itself.
$(B)/tests/test_lib_abi: $(LIB_SO)

$(B)/tests/test_lib%: userspace/tests/test_lib%.c $(CLI_A) $(LIB_A) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) $(NL_CFLAGS) $(JSON_CFLAGS) $< -o $@ $(TEST_WRAP) \
		$(CLI_A) $(LIB_A) $(COMMON_LIB) -lcmocka $(NL_LIBS) $(JSON_LIBS)

# Manual pages, from Documentation/NAME.SECTION.rst with docutils' rst2man
# (python3-docutils; 'make man', and 'make install'; not part of 'all').
# Recursive: looked up when a page is built, never when this is read.
RST2MAN = $(firstword $(shell command -v rst2man rst2man.py 2>/dev/null))
MAN_PAGES := m2mvault.8 m2mvaultd.8 m2m-tefd.8 m2m-consume.1 m2mvaultd.conf.5
MANS := $(addprefix $(B)/man/,$(MAN_PAGES))

.PHONY: man
man: $(MANS)
$(B)/man/%: Documentation/%.rst
	@mkdir -p $(dir $@)
	@test -n "$(RST2MAN)" || { echo "man: rst2man not found (python3-docutils)" >&2; exit 1; }
	$(RST2MAN) --halt=warning --no-datestamp $< $@

userspace: $(LIB_A) $(LIB_SO) $(LIB_PC) $(CLI)

# The reference TEF, the agent and the consumer bring their own rules.
include $(wildcard userspace/tef/tef.mk userspace/agent/agent.mk \
		   userspace/consumer/consumer.mk)

# The in-VM test of the library links it; see the file.
include selftests/lib.mk
