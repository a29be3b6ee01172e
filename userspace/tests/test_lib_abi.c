// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of libm2mvault.so's exported ABI: the symbol versions a
 * program linked against an older library relies on are all still there,
 * m2mv_status keeps its 1.0 version (the 1.0 struct m2mv_store_info)
 * next to the default 1.1 one, and the 1.1 functions exist. The shared
 * library is found next to this program's build directory.
 */
#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/m2mvault.h"

/* build/tests/test_lib_abi -> build/userspace/libm2mvault.so.1 */
static void *open_lib(void)
{
	char exe[PATH_MAX], so[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	void *h;

	assert_true(n > 0);
	exe[n] = '\0';
	snprintf(so, sizeof(so), "%s/../userspace/libm2mvault.so.1",
		 dirname(exe));
	h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		fail_msg("dlopen %s: %s", so, dlerror());
	return h;
}

static void test_versions(void **state)
{
	static const char *const v1_0[] = {
		"m2mv_abi_version", "m2mv_attach", "m2mv_batch", "m2mv_compact",
		"m2mv_counter_name", "m2mv_ctl_close", "m2mv_ctl_last_error",
		"m2mv_ctl_open", "m2mv_ctl_supports", "m2mv_delete",
		"m2mv_detach", "m2mv_event_name", "m2mv_events_dispatch",
		"m2mv_events_fd", "m2mv_events_subscribe",
		"m2mv_events_unsubscribe", "m2mv_export", "m2mv_get",
		"m2mv_get_buf", "m2mv_lib_version", "m2mv_list_close",
		"m2mv_list_next", "m2mv_list_open", "m2mv_list_pages",
		"m2mv_mode_name", "m2mv_mode_parse", "m2mv_policy_del",
		"m2mv_policy_list", "m2mv_policy_set", "m2mv_put", "m2mv_stat",
		"m2mv_state_name", "m2mv_status", "m2mv_store_close",
		"m2mv_store_fd", "m2mv_store_name", "m2mv_store_open",
		"m2mv_strerror", "m2mv_verify", "m2mv_verify_info_free",
	};
	static const char *const v1_1[] = {
		"m2mv_attach_with", "m2mv_key_bind", "m2mv_status",
	};
	static const char *const v1_2[] = {
		"m2mv_anchor_format", "m2mv_anchor_get", "m2mv_anchor_parse",
		"m2mv_attach_anchored", "m2mv_policy_list_rcpt",
		"m2mv_policy_set_rcpt",
	};
	void *h = open_lib(), *old, *cur, *def;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v1_0) / sizeof(v1_0[0]); i++)
		if (!dlvsym(h, v1_0[i], "M2MV_1.0"))
			fail_msg("%s@M2MV_1.0 is missing", v1_0[i]);
	for (i = 0; i < sizeof(v1_1) / sizeof(v1_1[0]); i++)
		if (!dlvsym(h, v1_1[i], "M2MV_1.1"))
			fail_msg("%s@M2MV_1.1 is missing", v1_1[i]);
	for (i = 0; i < sizeof(v1_2) / sizeof(v1_2[0]); i++)
		if (!dlvsym(h, v1_2[i], "M2MV_1.2"))
			fail_msg("%s@M2MV_1.2 is missing", v1_2[i]);
	/* Two m2mv_status: the 1.0 layout and the default, the 1.1 one. */
	old = dlvsym(h, "m2mv_status", "M2MV_1.0");
	cur = dlvsym(h, "m2mv_status", "M2MV_1.1");
	def = dlsym(h, "m2mv_status");
	assert_non_null(old);
	assert_non_null(cur);
	assert_ptr_not_equal(old, cur);
	assert_ptr_equal(def, cur);
	/* Internals stay internal. */
	assert_null(dlsym(h, "m2mv__status_1_0"));
	assert_null(dlsym(h, "m2mv__parse_store"));
	dlclose(h);
}

static void test_store_info_layout(void **state)
{
	(void)state;
	/* Counters beyond today's fit without a layout change. */
	assert_true(__M2MV_CTR_MAX <= M2MV_STORE_COUNTERS);
	assert_int_equal(offsetof(struct m2mv_store_info, counters) % 8, 0);
	assert_int_equal(sizeof(((struct m2mv_store_info *)0)->counters),
			 M2MV_STORE_COUNTERS * 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_store_info_layout),
	};

	return cmocka_run_group_tests_name("lib_abi", tests, NULL, NULL);
}
