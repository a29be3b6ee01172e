// SPDX-License-Identifier: GPL-2.0
/* Host unit tests of the mode <-> Credential-ID type map (common/mode.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/mode.h"

static void test_mode_to_type(void **state)
{
	(void)state;
	assert_int_equal(m2mv_mode_cred_type(M2MV_MODE_WRAP), 15);
	assert_int_equal(m2mv_mode_cred_type(M2MV_MODE_DIR), 14);
	assert_int_equal(m2mv_mode_cred_type(M2MV_MODE_MIC), 16);
	assert_int_equal(m2mv_mode_cred_type(M2MV_MODE_NONE), 0);
	assert_int_equal(m2mv_mode_cred_type(M2MV_MODE_MIC + 1), 0);
	assert_int_equal(m2mv_mode_cred_type(~0U), 0);
}

static void test_type_to_mode(void **state)
{
	(void)state;
	assert_int_equal(m2mv_cred_type_mode(15), M2MV_MODE_WRAP);
	assert_int_equal(m2mv_cred_type_mode(14), M2MV_MODE_DIR);
	assert_int_equal(m2mv_cred_type_mode(16), M2MV_MODE_MIC);
	assert_int_equal(m2mv_cred_type_mode(0), M2MV_MODE_NONE);
	assert_int_equal(m2mv_cred_type_mode(13), M2MV_MODE_NONE);
	assert_int_equal(m2mv_cred_type_mode(17), M2MV_MODE_NONE);
}

/* Each way undoes the other for every mode a policy can have. */
static void test_round_trip(void **state)
{
	unsigned int m;

	(void)state;
	for (m = M2MV_MODE_WRAP; m <= M2MV_MODE_MIC; m++)
		assert_int_equal(m2mv_cred_type_mode(m2mv_mode_cred_type(m)), m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode_to_type),
		cmocka_unit_test(test_type_to_mode),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests_name("mode", tests, NULL, NULL);
}
