// SPDX-License-Identifier: GPL-2.0
/* Host tests of common/b64url.c and common/hexkey.c. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/b64url.h"
#include "common/hexkey.h"

static void test_b64url(void **state)
{
	/* RFC 4648 section 10 vectors, URL alphabet, no padding. */
	static const char *const enc[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg",
					   "Zm9vYmE", "Zm9vYmFy" };
	uint8_t out[16], all[3] = { 0xfb, 0xff, 0xfe };
	char buf[16];
	size_t i;

	(void)state;
	for (i = 0; i < 7; i++) {
		assert_int_equal(m2mv_b64url_encode(buf, sizeof(buf),
				 (const uint8_t *)"foobar", i), 0);
		assert_string_equal(buf, enc[i]);
		assert_int_equal(m2mv_b64url_decode(out, sizeof(out), enc[i]),
				 (long)i);
		assert_memory_equal(out, "foobar", i);
	}
	assert_int_equal(m2mv_b64url_encode(buf, sizeof(buf), all, 3), 0);
	assert_string_equal(buf, "-__-");
	assert_int_equal(m2mv_b64url_decode(out, sizeof(out), "-__-"), 3);
	assert_memory_equal(out, all, 3);
	assert_int_equal(m2mv_b64url_decode(out, sizeof(out), "+//+"), -EINVAL);
	assert_int_equal(m2mv_b64url_decode(out, sizeof(out), "Zg=="), -EINVAL);
	assert_int_equal(m2mv_b64url_decode(out, sizeof(out), "Z"), -EINVAL);
	assert_int_equal(m2mv_b64url_decode(out, 2, "Zm9v"), -ENOSPC);
	assert_int_equal(m2mv_b64url_encode(buf, 4, all, 3), -ENOSPC);
}

static void test_hexkey(void **state)
{
	char path[] = "/tmp/m2mv-hexkey-XXXXXX";
	uint8_t key[M2MV_PSK_MAX];
	size_t len;
	FILE *f;
	int fd;

	(void)state;
	assert_int_equal(m2mv_hexkey_parse("00112233 44556677\n8899aabb ccddEEFF\n",
					   key, &len), 0);
	assert_int_equal(len, 16);
	assert_int_equal(key[15], 0xff);
	assert_int_equal(m2mv_hexkey_parse("0011", key, &len), -EINVAL);
	assert_int_equal(m2mv_hexkey_parse("00112233445566778899aabbccddeef", key,
					   &len), -EINVAL);
	assert_int_equal(m2mv_hexkey_parse("00112233445566778899aabbccddeefg",
					   key, &len), -EINVAL);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fprintf(f, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n");
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(m2mv_hexkey_read(path, key, &len), 0);
	assert_int_equal(len, 32);
	assert_int_equal(key[31], 0x1f);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(m2mv_hexkey_read(path, key, &len), -EACCES);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(m2mv_hexkey_read(path, key, &len), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64url),
		cmocka_unit_test(test_hexkey),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
