# SPDX-License-Identifier: GPL-2.0
# lib_test links libm2mvault (the shared library, found through its rpath
# in the build tree). This explicit rule takes precedence over the pattern
# rule in selftests.mk that builds the other *_test.c files. Included from
# userspace/userspace.mk, which defines LIB_SO and UOBJ; safe to include
# twice.

ifndef M2MV_SELFTESTS_LIB_MK
M2MV_SELFTESTS_LIB_MK := 1

$(B)/selftests/lib_test: selftests/lib_test.c $(LIB_SO) userspace/lib/m2mvault.h \
		uapi/linux/m2mvault.h $(B)/include/ksft/kselftest_harness.h \
		$(B)/include/ksft/kselftest.h
	@mkdir -p $(dir $@)
	$(CC) $(SELFTEST_CFLAGS) -I$(TOP)/userspace/lib $< -o $@ \
		-L$(UOBJ) -Wl,-rpath,$(UOBJ) -lm2mvault $(SELFTEST_LIBS)

endif
