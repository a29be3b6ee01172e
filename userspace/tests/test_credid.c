// SPDX-License-Identifier: GPL-2.0
/* Host unit tests for Credential-ID validation and construction. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/credid.h"

static void test_parse_good(void **state)
{
	unsigned int t = 0;

	(void)state;
	assert_int_equal(m2mv_credid_parse("15-abc@tef.example", &t), 0);
	assert_int_equal(t, 15);
	assert_int_equal(m2mv_credid_parse("14-a", &t), 0);
	assert_int_equal(t, 14);
	assert_int_equal(m2mv_credid_parse("16-3f9a.0c_d-e@tef.example.com", &t), 0);
	assert_int_equal(t, 16);
	assert_int_equal(m2mv_credid_parse("15--", NULL), 0);
}

static void test_parse_bad(void **state)
{
	static const char *const bad[] = {
		"", "15", "15-", "-a", "a", "15a", "015-a", "1500-a", "13-a",
		"17-a", "15-a b", "15-a/b", "15-\xc3\xa9", "15-a\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(m2mv_credid_parse(bad[i], NULL), -EINVAL);
	assert_int_equal(m2mv_credid_parse(NULL, NULL), -EINVAL);
}

static void test_parse_length_limit(void **state)
{
	char id[M2MV_CREDID_MAX + 2];

	(void)state;
	memset(id, 'v', sizeof(id));
	memcpy(id, "15-", 3);
	id[M2MV_CREDID_MAX] = '\0';
	assert_int_equal(m2mv_credid_parse(id, NULL), 0);
	id[M2MV_CREDID_MAX] = 'v';
	id[M2MV_CREDID_MAX + 1] = '\0';
	assert_int_equal(m2mv_credid_parse(id, NULL), -EINVAL);
}

static void test_format(void **state)
{
	char buf[M2MV_CREDID_BUFSZ];
	char small[8];

	(void)state;
	assert_int_equal(m2mv_credid_format(buf, sizeof(buf), 15,
					    "3f9a@tef.example.com"), 0);
	assert_string_equal(buf, "15-3f9a@tef.example.com");
	assert_int_equal(m2mv_credid_parse(buf, NULL), 0);
	assert_int_equal(m2mv_credid_format(buf, sizeof(buf), 12, "x"), -EINVAL);
	assert_int_equal(m2mv_credid_format(buf, sizeof(buf), 15, "a b"), -EINVAL);
	assert_int_equal(m2mv_credid_format(buf, sizeof(buf), 15, ""), -EINVAL);
	assert_int_equal(m2mv_credid_format(small, sizeof(small), 15,
					    "too-long"), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_length_limit),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests_name("credid", tests, NULL, NULL);
}
