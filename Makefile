# SPDX-License-Identifier: GPL-2.0
#
# m2mvault top-level build.
#
#   make            the module for every Debian kernel, userspace, tests
#   make module     the module for the default Debian kernel (build/debian-6.1/)
#   make module-debian-6.12   the module for one kernel of tools/kernels
#   make dkms-source DEST=DIR the DKMS source tree (dkms.conf, Kbuild, VERSION,
#                   kmod/, uapi/) into DIR
#   make deps       install the Debian packages everything needs (idempotent)
#   make check      deps, build, host unit tests, VM suite on both Debian
#                   kernels and on the debug kernel, the DKMS test; ends with
#                   "N passed, N failed"
#   make demo       the end-to-end demonstration in the test VM
#   make style      checkpatch --strict and sparse over kmod/ and uapi/
#   make install    module, library, programs, manual pages, units, udev
#                   rule, sysusers.d, modules-load.d (DESTDIR=, prefix=;
#                   packaging/install.mk); make uninstall removes them
#   make deb        the Debian packages, into build/deb/ (tools/build-debs)
#
# The kernel module cannot load on the build host: it runs in QEMU only
# (tools/vmtest). KDIR= overrides the default kernel's build tree.

SHELL := /bin/bash
TOP := $(CURDIR)
B := $(TOP)/build

# The Debian kernels are named in tools/kernels, the first being the
# default; tools/debian-kernel NAME resolves a name to the installed release
# (it asks dpkg: recursive variables, expanded in recipes only). Reading
# the list itself is no package query.
VERSION = $(strip $(file <$(TOP)/VERSION))
DEBIAN_KERNELS := $(shell awk '!/^[[:space:]]*(\#|$$)/ { print $$1 }' $(TOP)/tools/kernels)
DEBIAN_DEFAULT := $(firstword $(DEBIAN_KERNELS))
DEBIAN_KVER ?= $(shell $(TOP)/tools/debian-kernel $(DEBIAN_DEFAULT))
KDIR ?= /lib/modules/$(DEBIAN_KVER)/build
kdir_of = $(if $(filter $(1),$(DEBIAN_DEFAULT)),$(KDIR),/lib/modules/$$($(TOP)/tools/debian-kernel $(1))/build)

CC ?= gcc
CSTD := -std=c11 -D_GNU_SOURCE
WARN := -Wall -Wextra -Werror
CFLAGS ?= -O2 -g
USER_CFLAGS = $(CSTD) $(WARN) $(CPPFLAGS) $(CFLAGS) -I$(TOP)/uapi -I$(TOP)/userspace
PKGS := libkeyutils libnl-genl-3.0 openssl jansson libcoap-3-openssl

# What the module is built from, and all a DKMS source tree holds (with
# dkms.conf): tools/dkms-check and the m2mvault-dkms package use it.
MOD_SRCS := Kbuild VERSION $(wildcard kmod/*.c kmod/*.h kmod/selftest/*.c) \
	uapi/linux/m2mvault.h
DKMS_SRCS := dkms.conf $(MOD_SRCS)

.PHONY: all module modules module-debug userspace selftests deps check \
	check-host check-vm check-vm-debug dkms-source demo bench style clean \
	$(addprefix module-,$(DEBIAN_KERNELS)) $(addprefix check-vm-,$(DEBIAN_KERNELS))

all: modules userspace selftests

# ---------------------------------------------------------------- module
#
# Each kernel gets its own copy of the sources (build/debian-6.1/,
# build/debian-6.12/, build/debug/) so that objects built for one never mix
# with another's. Kbuild always runs: it is incremental, and it rebuilds
# when the kernel behind a name moves to a new release. build/debian is the
# default kernel's directory (a symbolic link), for the tools that use it.
define build_module
	@mkdir -p $(1)
	@cp -a --parents $(MOD_SRCS) $(1)/
	$(MAKE) -C $(2) M=$(1) modules
endef

module: module-$(DEBIAN_DEFAULT)
	@if [ -d $(B)/debian ] && [ ! -L $(B)/debian ]; then rm -rf $(B)/debian; fi
	@ln -sfn $(DEBIAN_DEFAULT) $(B)/debian

modules: module $(addprefix module-,$(DEBIAN_KERNELS))

$(addprefix module-,$(DEBIAN_KERNELS)): module-%:
	$(call build_module,$(B)/$*,$(call kdir_of,$*))

module-debug:
	$(call build_module,$(B)/debug,$$($(TOP)/tools/debug-kernel))

# The DKMS source tree (what /usr/src/m2mvault-$(VERSION)/ holds) into DEST.
dkms-source:
	@test -n "$(DEST)" || { echo "usage: make dkms-source DEST=DIR" >&2; exit 1; }
	@mkdir -p $(DEST)
	@cp -a --parents $(DKMS_SRCS) $(DEST)/

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

$(addprefix check-vm-,$(DEBIAN_KERNELS)): check-vm-%: module-% selftests
	@$(TOP)/tools/vmtest --kernel $* --timeout 1800 -- selftests/run-suite

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
