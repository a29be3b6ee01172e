# SPDX-License-Identifier: GPL-2.0
# make install / make uninstall. Included from the top-level Makefile.
#
#   make install [DESTDIR=...] [prefix=/usr/local] [libdir=...] ...
#       install-module     m2mvault.ko through kbuild's modules_install
#                          (INSTALL_MOD_PATH=$(DESTDIR), into extra/), then
#                          depmod when DESTDIR is empty
#       install-userspace  everything else: the library (shared with its
#                          soname, static, headers, pkg-config), m2mvault,
#                          m2m-consume, m2mvaultd, m2m-tefd, the manual
#                          pages, the systemd units, the udev rule, the
#                          sysusers.d and modules-load.d files, the example
#                          configuration and the TEF's settings
#   make uninstall         removes what those installed (the same variables)
#
# The Debian packages (debian/rules) use install-userspace and leave the
# module to DKMS (dkms.conf). Directories follow the GNU names; the system
# integration files go where systemd and udev look for them under the
# prefix (systemd 252 searches /usr/local/lib/... too). Two exceptions:
# sysconfdir is /etc whatever the prefix, since m2mvaultd reads
# /etc/m2mvault/m2mvaultd.conf by default; and a TEF settings file already
# there is kept.

prefix ?= /usr/local
exec_prefix ?= $(prefix)
bindir ?= $(exec_prefix)/bin
sbindir ?= $(exec_prefix)/sbin
libdir ?= $(exec_prefix)/lib
includedir ?= $(prefix)/include
datarootdir ?= $(prefix)/share
mandir ?= $(datarootdir)/man
docdir ?= $(datarootdir)/doc/m2mvault
sysconfdir ?= /etc
systemdunitdir ?= $(prefix)/lib/systemd/system
udevrulesdir ?= $(prefix)/lib/udev/rules.d
sysusersdir ?= $(prefix)/lib/sysusers.d
modulesloaddir ?= $(prefix)/lib/modules-load.d

INSTALL ?= install
INSTALL_MOD_DIR ?= extra

# Files whose contents depend on the directories (m2mvault.pc, the units)
# depend on this stamp, rewritten only when one of them changes.
INSTALL_DIRS_TEXT = prefix=$(prefix) libdir=$(libdir) includedir=$(includedir) \
	sbindir=$(sbindir) sysconfdir=$(sysconfdir)
.PHONY: FORCE
$(B)/install-dirs: FORCE
	@mkdir -p $(dir $@)
	@echo '$(INSTALL_DIRS_TEXT)' | cmp -s - $@ 2>/dev/null || \
		echo '$(INSTALL_DIRS_TEXT)' >$@

PKG_OUT := $(B)/packaging
UNITS := $(PKG_OUT)/m2mvaultd.service $(PKG_OUT)/m2m-tefd.service

$(PKG_OUT)/m2mvaultd.service: userspace/agent/m2mvaultd.service.in $(B)/install-dirs
$(PKG_OUT)/m2m-tefd.service: userspace/tef/m2m-tefd.service.in $(B)/install-dirs
$(UNITS):
	@mkdir -p $(dir $@)
	sed -e 's|@SBINDIR@|$(sbindir)|g' -e 's|@SYSCONFDIR@|$(sysconfdir)|g' $< >$@

.PHONY: units install install-module install-userspace uninstall \
	uninstall-module uninstall-userspace
units: $(UNITS)

install: install-module install-userspace
uninstall: uninstall-module uninstall-userspace

# The module for the kernel KDIR belongs to; DESTDIR stages it.
MOD_KVER = $(shell $(MAKE) -s -C $(KDIR) kernelrelease 2>/dev/null)
install-module: module
	$(MAKE) -C $(KDIR) M=$(B)/debian INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) modules_install
	@if [ -z "$(DESTDIR)" ]; then echo "depmod $(MOD_KVER)"; depmod -a $(MOD_KVER); fi

uninstall-module:
	rm -f $(DESTDIR)/lib/modules/$(MOD_KVER)/$(INSTALL_MOD_DIR)/m2mvault.ko*
	@if [ -z "$(DESTDIR)" ]; then echo "depmod $(MOD_KVER)"; depmod -a $(MOD_KVER); fi

D = $(DESTDIR)

# Everything install-userspace installs, built (debian/rules builds this).
.PHONY: dist
dist: $(LIB_A) $(LIB_SO) $(UOBJ)/m2mvault.pc $(DIST)/m2mvault \
	$(DIST)/m2mvaultd $(TEFD) $(CONSUMER) $(MANS) $(UNITS)

install-userspace: dist
	$(INSTALL) -d $(D)$(libdir)/pkgconfig $(D)$(includedir)/linux \
		$(D)$(bindir) $(D)$(sbindir) $(D)$(mandir)/man1 $(D)$(mandir)/man5 \
		$(D)$(mandir)/man8 $(D)$(systemdunitdir) $(D)$(udevrulesdir) \
		$(D)$(sysusersdir) $(D)$(modulesloaddir) $(D)$(docdir)/examples \
		$(D)$(sysconfdir)/default
	$(INSTALL) -m 644 $(LIB_A) $(D)$(libdir)/
	$(INSTALL) -m 644 $(LIB_SO) $(D)$(libdir)/
	ln -sf $(notdir $(LIB_SO)) $(D)$(libdir)/$(LIB_SONAME)
	ln -sf $(LIB_SONAME) $(D)$(libdir)/libm2mvault.so
	$(INSTALL) -m 644 $(UOBJ)/m2mvault.pc $(D)$(libdir)/pkgconfig/
	$(INSTALL) -m 644 userspace/lib/m2mvault.h $(D)$(includedir)/
	$(INSTALL) -m 644 uapi/linux/m2mvault.h $(D)$(includedir)/linux/
	$(INSTALL) -m 755 $(DIST)/m2mvault $(CONSUMER) $(D)$(bindir)/
	$(INSTALL) -m 755 $(DIST)/m2mvaultd $(TEFD) $(D)$(sbindir)/
	$(INSTALL) -m 644 $(filter %.1,$(MANS)) $(D)$(mandir)/man1/
	$(INSTALL) -m 644 $(filter %.5,$(MANS)) $(D)$(mandir)/man5/
	$(INSTALL) -m 644 $(filter %.8,$(MANS)) $(D)$(mandir)/man8/
	$(INSTALL) -m 644 $(UNITS) $(D)$(systemdunitdir)/
	$(INSTALL) -m 644 packaging/60-m2mvault.rules $(D)$(udevrulesdir)/
	$(INSTALL) -m 644 packaging/m2mvault.sysusers $(D)$(sysusersdir)/m2mvault.conf
	$(INSTALL) -m 644 userspace/tef/m2m-tefd.sysusers $(D)$(sysusersdir)/m2m-tefd.conf
	$(INSTALL) -m 644 packaging/m2mvault.modules-load $(D)$(modulesloaddir)/m2mvault.conf
	$(INSTALL) -m 644 userspace/agent/m2mvaultd.conf $(D)$(docdir)/examples/
	[ -e $(D)$(sysconfdir)/default/m2m-tefd ] || \
		$(INSTALL) -m 644 userspace/tef/m2m-tefd.default $(D)$(sysconfdir)/default/m2m-tefd

# The TEF's settings stay: they may have been edited.
uninstall-userspace:
	rm -f $(D)$(libdir)/libm2mvault.a $(D)$(libdir)/$(notdir $(LIB_SO)) \
		$(D)$(libdir)/$(LIB_SONAME) $(D)$(libdir)/libm2mvault.so \
		$(D)$(libdir)/pkgconfig/m2mvault.pc \
		$(D)$(includedir)/m2mvault.h $(D)$(includedir)/linux/m2mvault.h \
		$(D)$(bindir)/m2mvault $(D)$(bindir)/m2m-consume \
		$(D)$(sbindir)/m2mvaultd $(D)$(sbindir)/m2m-tefd \
		$(addprefix $(D)$(mandir)/man1/,$(filter %.1,$(MAN_PAGES))) \
		$(addprefix $(D)$(mandir)/man5/,$(filter %.5,$(MAN_PAGES))) \
		$(addprefix $(D)$(mandir)/man8/,$(filter %.8,$(MAN_PAGES))) \
		$(D)$(systemdunitdir)/m2mvaultd.service \
		$(D)$(systemdunitdir)/m2m-tefd.service \
		$(D)$(udevrulesdir)/60-m2mvault.rules \
		$(D)$(sysusersdir)/m2mvault.conf $(D)$(sysusersdir)/m2m-tefd.conf \
		$(D)$(modulesloaddir)/m2mvault.conf \
		$(D)$(docdir)/examples/m2mvaultd.conf
	-rmdir $(D)$(docdir)/examples $(D)$(docdir) 2>/dev/null
