// SPDX-License-Identifier: GPL-2.0
/* Host unit tests: the text form of a freshness anchor, "SEQ:HEX". */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/m2mvault.h"

static void fill(struct m2mv_anchor *a, uint64_t seq)
{
	a->seq = seq;
	for (size_t i = 0; i < sizeof(a->chain); i++)
		a->chain[i] = (uint8_t)(i * 37 + 5);
}

static void test_anchor_round_trip(void **state)
{
	char text[M2MV_ANCHOR_STR_MAX];
	struct m2mv_anchor a, b;

	(void)state;
	fill(&a, UINT64_MAX);
	assert_int_equal(0, m2mv_anchor_format(&a, text, sizeof(text)));
	assert_int_equal(M2MV_ANCHOR_STR_MAX - 1, strlen(text));
	assert_memory_equal("18446744073709551615:052a4f7499be", text, 33);
	assert_int_equal(0, m2mv_anchor_parse(text, &b));
	assert_memory_equal(&a, &b, sizeof(a));

	fill(&a, 0);
	assert_int_equal(0, m2mv_anchor_format(&a, text, sizeof(text)));
	assert_memory_equal("0:052a", text, 6);
	assert_int_equal(0, m2mv_anchor_parse(text, &b));
	assert_memory_equal(&a, &b, sizeof(a));
	/* Upper-case hex is read too. */
	text[2] = 'A';
	assert_int_equal(0, m2mv_anchor_parse(text, &b));
	assert_int_equal(0xa5, b.chain[0]);
}

static void test_anchor_format_needs_room(void **state)
{
	char text[M2MV_ANCHOR_STR_MAX];
	struct m2mv_anchor a;

	(void)state;
	fill(&a, 12345);
	assert_int_equal(-ENOSPC, m2mv_anchor_format(&a, text, 6 + 64));
	assert_int_equal(0, m2mv_anchor_format(&a, text, 6 + 64 + 1));
}

static void test_anchor_parse_refuses(void **state)
{
	static const char hex64[] =
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
	char text[200];
	struct m2mv_anchor a = { .seq = 7 };

	(void)state;
	assert_int_equal(-EINVAL, m2mv_anchor_parse(NULL, &a));
	assert_int_equal(-EINVAL, m2mv_anchor_parse("", &a));
	assert_int_equal(-EINVAL, m2mv_anchor_parse(hex64, &a));
	snprintf(text, sizeof(text), "-1:%s", hex64);
	assert_int_equal(-EINVAL, m2mv_anchor_parse(text, &a));
	snprintf(text, sizeof(text), "1 :%s", hex64);
	assert_int_equal(-EINVAL, m2mv_anchor_parse(text, &a));
	snprintf(text, sizeof(text), "18446744073709551616:%s", hex64);
	assert_int_equal(-EINVAL, m2mv_anchor_parse(text, &a));
	snprintf(text, sizeof(text), "5:%.62s", hex64);
	assert_int_equal(-EINVAL, m2mv_anchor_parse(text, &a));
	snprintf(text, sizeof(text), "5:%s00", hex64);
	assert_int_equal(-EINVAL, m2mv_anchor_parse(text, &a));
	snprintf(text, sizeof(text), "5:%.63sg", hex64);
	assert_int_equal(-EINVAL, m2mv_anchor_parse(text, &a));
	/* A refusal leaves the output alone. */
	assert_int_equal(7, a.seq);
	snprintf(text, sizeof(text), "5:%s", hex64);
	assert_int_equal(0, m2mv_anchor_parse(text, &a));
	assert_int_equal(5, a.seq);
	assert_int_equal(0xff, a.chain[31]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_anchor_round_trip),
		cmocka_unit_test(test_anchor_format_needs_room),
		cmocka_unit_test(test_anchor_parse_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
