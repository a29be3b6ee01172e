# SPDX-License-Identifier: GPL-2.0
#
# m2mvault top-level build.
#
#   make            module (against Debian's kernel), userspace, tests
#   make deps       install the Debian packages everything needs (idempotent)
#   make check      deps, build, host unit tests, VM suite on Debian's kernel
#                   and on the debug kernel; ends with "N passed, N failed"
#   make demo       the end-to-end demonstration in the test VM
#   make style      checkpatch --strict and sparse over kmod/ and uapi/
#   make install    module, library, programs, manual pages, units, udev
#                   rule, sysusers.d, modules-load.d (DESTDIR=, prefix=;
#                   packaging/install.mk); make uninstall removes them
#   make deb        the Debian packages, into build/deb/ (tools/build-debs)
#
# The kernel module cannot load on the build host: it runs in QEMU only
# (tools/vmtest). KDIR= overrides the kernel build tree.

SHELL := /bin/bash
TOP := $(CURDIR)
B := $(TOP)/build

# The newest installed Debian kernel that has both headers and an image.
DEBIAN_KVER ?= $(shell $(TOP)/tools/debian-kernel)
KDIR ?= /lib/modules/$(DEBIAN_KVER)/build

CC ?= gcc
CSTD := -std=c11 -D_GNU_SOURCE
WARN := -Wall -Wextra -Werror
CFLAGS ?= -O2 -g
USER_CFLAGS = $(CSTD) $(WARN) $(CPPFLAGS) $(CFLAGS) -I$(TOP)/uapi -I$(TOP)/userspace
PKGS := libkeyutils libnl-genl-3.0 openssl jansson libcoap-3-openssl

MOD_SRCS := Kbuild $(wildcard kmod/*.c kmod/*.h) uapi/linux/m2mvault.h

.PHONY: all module module-debug userspace selftests deps check check-host \
	check-vm check-vm-debug demo bench style clean

all: module userspace selftests

# ---------------------------------------------------------------- module
#
# Each kernel gets its own copy of the sources so that objects built for
# one never mix with the other's.
define build_module
	@mkdir -p $(1)
	@cp -a --parents $(MOD_SRCS) $(1)/
	$(MAKE) -C $(2) M=$(1) modules
endef

module: $(B)/debian/m2mvault.ko
$(B)/debian/m2mvault.ko: $(MOD_SRCS)
	$(call build_module,$(B)/debian,$(KDIR))

module-debug:
	$(call build_module,$(B)/debug,$$($(TOP)/tools/debug-kernel))

# ------------------------------------------------------------- userspace
include userspace/userspace.mk
include selftests/selftests.mk
include packaging/install.mk

# -------------------------------------------------------------- packages
#
# dpkg-buildpackage in a copy of the tree under build/deb/, so the work
# tree stays clean; the .debs land in build/deb/.
.PHONY: deb
deb:
	@$(TOP)/tools/build-debs

# ------------------------------------------------------------------ deps
deps:
	@$(TOP)/tools/deps

# ----------------------------------------------------------------- tests
#
# Nothing here may query a package when the Makefiles are read: on a fresh
# machine 'make demo' or 'make check' parses them before 'make deps' has
# installed anything. Package flags are recursive variables (expanded in
# recipes only) and the top-level targets run deps, then a sub-make.
# tools/parse-check proves it; tools/check runs it first.
check: deps
	@$(TOP)/tools/check

check-host: $(HOST_TESTS)
	@$(TOP)/tools/run-host-tests $(HOST_TESTS)

check-vm: module selftests
	@$(TOP)/tools/vmtest --kernel debian -- selftests/run-suite

check-vm-debug: module-debug selftests
	@$(TOP)/tools/vmtest --kernel debug -- selftests/run-suite

# deps first, then a sub-make: this make read the Makefiles before the
# packages were there, so it must not build anything itself.
demo: deps
	@$(MAKE) -s all
	@$(TOP)/tools/vmtest --kernel debian --timeout 600 -- tools/demo

# ------------------------------------------------------------ benchmarks
# Run inside the test VM on Debian's kernel; see Documentation/benchmarks.rst.
-include tools/bench/bench.mk

# ----------------------------------------------------------------- style
style:
	@$(TOP)/tools/style

clean:
	rm -rf $(B)
