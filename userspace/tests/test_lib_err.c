// SPDX-License-Identifier: GPL-2.0
/* Host unit tests: m2mv_strerror() and the names of the ABI's enums. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/m2mvault.h"

static void test_strerror_m2mvault_meanings(void **state)
{
	(void)state;
	assert_string_equal(m2mv_strerror(-EBADMSG),
			    "record failed integrity check");
	assert_string_equal(m2mv_strerror(-ENOKEY),
			    "credential key not in the caller's keyrings");
	assert_string_equal(m2mv_strerror(-EACCES),
			    "Permission denied (the store's owner, group and mode do not grant it), or no policy covers this path");
	assert_non_null(strstr(m2mv_strerror(-EKEYREVOKED), "revoked"));
	assert_non_null(strstr(m2mv_strerror(-EKEYEXPIRED), "expired"));
	assert_non_null(strstr(m2mv_strerror(-EDQUOT), "rotate"));
	assert_non_null(strstr(m2mv_strerror(-EKEYREJECTED), "type"));
	/* A forged key of the right name: "key rejected", the bound one. */
	assert_non_null(strstr(m2mv_strerror(-EKEYREJECTED), "key rejected"));
	assert_non_null(strstr(m2mv_strerror(-EKEYREJECTED), "bound"));
	assert_non_null(strstr(m2mv_strerror(-EOPNOTSUPP), "not supported"));
	assert_non_null(strstr(m2mv_strerror(-EROFS), "read-only"));
	/* Attach: both causes of EEXIST, and the empty file. */
	assert_non_null(strstr(m2mv_strerror(-EEXIST), "already attached"));
	assert_non_null(strstr(m2mv_strerror(-EEXIST), "not empty"));
	assert_non_null(strstr(m2mv_strerror(-ENODATA), "empty"));
}

static void test_strerror_sign_and_fallback(void **state)
{
	(void)state;
	/* Positive and negative values mean the same. */
	assert_string_equal(m2mv_strerror(EBADMSG), m2mv_strerror(-EBADMSG));
	assert_string_equal(m2mv_strerror(0), "success");
	/* Errors without a special meaning get the C library's text. */
	assert_string_equal(m2mv_strerror(-EIO), strerrordesc_np(EIO));
	assert_string_equal(m2mv_strerror(-ENOMEM), strerrordesc_np(ENOMEM));
	assert_string_equal(m2mv_strerror(-99999), "unknown error");
	assert_string_equal(m2mv_strerror(-2147483647), "unknown error");
}

static void test_mode_names(void **state)
{
	enum m2mv_mode m = M2MV_MODE_NONE;

	(void)state;
	assert_string_equal(m2mv_mode_name(M2MV_MODE_WRAP), "wrap");
	assert_string_equal(m2mv_mode_name(M2MV_MODE_DIR), "dir");
	assert_string_equal(m2mv_mode_name(M2MV_MODE_MIC), "mic");
	assert_string_equal(m2mv_mode_name(M2MV_MODE_NONE), "none");
	assert_string_equal(m2mv_mode_name(42), "unknown");

	assert_int_equal(m2mv_mode_parse("wrap", &m), 0);
	assert_int_equal(m, M2MV_MODE_WRAP);
	assert_int_equal(m2mv_mode_parse("dir", &m), 0);
	assert_int_equal(m, M2MV_MODE_DIR);
	assert_int_equal(m2mv_mode_parse("mic", &m), 0);
	assert_int_equal(m, M2MV_MODE_MIC);
	assert_int_equal(m2mv_mode_parse("none", &m), -EINVAL);
	assert_int_equal(m2mv_mode_parse("WRAP", &m), -EINVAL);
	assert_int_equal(m2mv_mode_parse("", &m), -EINVAL);
	assert_int_equal(m2mv_mode_parse(NULL, &m), -EINVAL);
}

static void test_other_names(void **state)
{
	(void)state;
	assert_string_equal(m2mv_state_name(M2MV_STATE_OK), "ok");
	assert_string_equal(m2mv_state_name(M2MV_STATE_DEGRADED), "degraded");
	assert_string_equal(m2mv_state_name(M2MV_STATE_READONLY), "readonly");
	assert_string_equal(m2mv_state_name(9), "unknown");

	assert_string_equal(m2mv_event_name(M2MV_EVENT_INTEGRITY), "integrity");
	assert_string_equal(m2mv_event_name(M2MV_EVENT_KEY_REFUSED),
			    "key-refused");
	assert_string_equal(m2mv_event_name(M2MV_EVENT_SCRUB_PROGRESS),
			    "scrub-progress");
	assert_string_equal(m2mv_event_name(M2MV_EVENT_SCRUB_DONE),
			    "scrub-done");
	assert_string_equal(m2mv_event_name(M2MV_EVENT_COMPACT_PROGRESS),
			    "compact-progress");
	assert_string_equal(m2mv_event_name(M2MV_EVENT_UNSPEC), "unknown");

	assert_string_equal(m2mv_counter_name(M2MV_CTR_PUTS), "puts");
	assert_string_equal(m2mv_counter_name(M2MV_CTR_KEY_REFUSALS),
			    "key_refusals");
	assert_null(m2mv_counter_name(M2MV_CTR_UNSPEC));
	assert_string_equal(m2mv_counter_name(M2MV_CTR_ACCESS_REFUSALS),
			    "access_refusals");
	assert_null(m2mv_counter_name(M2MV_CTR_PAD));
	assert_null(m2mv_counter_name(__M2MV_CTR_MAX));
}

static void test_version(void **state)
{
	(void)state;
	assert_string_equal(m2mv_lib_version(), M2MV_LIB_VERSION);
}

/* Arguments refused before the device is touched (none on the host). */
static void test_store_open_bad_names(void **state)
{
	char longname[M2MV_NAME_MAX + 1];
	struct m2mv_store *s = (struct m2mv_store *)&s;

	(void)state;
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(m2mv_store_open(NULL, &s), -EINVAL);
	assert_null(s);
	assert_int_equal(m2mv_store_open("", &s), -EINVAL);
	/* 32 characters do not fit the 32-byte array with the terminator. */
	assert_int_equal(m2mv_store_open(longname, &s), -EINVAL);
	m2mv_store_close(NULL);
	m2mv_ctl_close(NULL);
	m2mv_list_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strerror_m2mvault_meanings),
		cmocka_unit_test(test_strerror_sign_and_fallback),
		cmocka_unit_test(test_mode_names),
		cmocka_unit_test(test_other_names),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_store_open_bad_names),
	};

	return cmocka_run_group_tests_name("lib_err", tests, NULL, NULL);
}
