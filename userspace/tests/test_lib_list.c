// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests: walking the packed entries of an M2MV_IOC_LIST buffer,
 * well-formed and malformed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lib/internal.h"

/* Lay out entries as the kernel does; return the bytes used. */
static size_t put_ent(unsigned char *buf, size_t off, const char *path,
		      uint64_t version, uint32_t len, uint8_t mode,
		      uint8_t flags)
{
	struct m2mv_list_ent ent;
	size_t plen = strlen(path);
	size_t reclen = (sizeof(ent) + plen + 7) & ~(size_t)7;

	memset(&ent, 0, sizeof(ent));
	ent.version = version;
	ent.data_len = len;
	ent.reclen = (uint16_t)reclen;
	ent.path_len = (uint16_t)plen;
	ent.mode = mode;
	ent.rec_flags = flags;
	memset(buf + off, 0, reclen);
	memcpy(buf + off, &ent, sizeof(ent));
	memcpy(buf + off + sizeof(ent), path, plen);
	return off + reclen;
}

static void test_walk_entries(void **state)
{
	unsigned char buf[512];
	char path[M2MV_PATH_MAX + 1];
	struct m2mv__list_page pg = { .buf = buf, .size = sizeof(buf) };
	struct m2mv_list_item it;
	size_t off = 0;

	(void)state;
	off = put_ent(buf, off, "a", 1, 10, M2MV_MODE_WRAP, 0);
	/* 24 + 8 = 32: exactly aligned, no padding. */
	off = put_ent(buf, off, "cse/ae/x", 3, 0, M2MV_MODE_DIR,
		      M2MV_STAT_F_INSTANCE);
	off = put_ent(buf, off, "cse/ae/y~1", 7, 4096, M2MV_MODE_MIC,
		      M2MV_STAT_F_BAD);
	assert_int_equal(off, 32 + 32 + 40);
	pg.count = 3;

	assert_int_equal(m2mv__list_walk(&pg, &it, path), 1);
	assert_string_equal(it.path, "a");
	assert_ptr_equal(it.path, path);
	assert_int_equal(it.path_len, 1);
	assert_int_equal(it.version, 1);
	assert_int_equal(it.data_len, 10);
	assert_int_equal(it.mode, M2MV_MODE_WRAP);
	assert_int_equal(it.flags, 0);

	assert_int_equal(m2mv__list_walk(&pg, &it, path), 1);
	assert_string_equal(it.path, "cse/ae/x");
	assert_int_equal(it.version, 3);
	assert_int_equal(it.data_len, 0);
	assert_int_equal(it.flags, M2MV_STAT_F_INSTANCE);

	assert_int_equal(m2mv__list_walk(&pg, &it, path), 1);
	assert_string_equal(it.path, "cse/ae/y~1");
	assert_int_equal(it.mode, M2MV_MODE_MIC);
	assert_int_equal(it.flags, M2MV_STAT_F_BAD);
	assert_int_equal(it.data_len, 4096);

	/* The count, not the bytes left, ends the page. */
	assert_int_equal(m2mv__list_walk(&pg, &it, path), 0);
	assert_int_equal(m2mv__list_walk(&pg, &it, path), 0);
}

static void test_walk_empty_page(void **state)
{
	unsigned char buf[64] = { 0 };
	char path[M2MV_PATH_MAX + 1];
	struct m2mv__list_page pg = { .buf = buf, .size = sizeof(buf) };
	struct m2mv_list_item it;

	(void)state;
	assert_int_equal(m2mv__list_walk(&pg, &it, path), 0);
}

static void test_walk_longest_path(void **state)
{
	static unsigned char buf[1024];
	char longp[M2MV_PATH_MAX + 1], path[M2MV_PATH_MAX + 1];
	struct m2mv__list_page pg = { .buf = buf, .size = sizeof(buf) };
	struct m2mv_list_item it;

	(void)state;
	memset(longp, 'p', M2MV_PATH_MAX);
	longp[M2MV_PATH_MAX] = '\0';
	assert_int_equal(put_ent(buf, 0, longp, 1, 1, 1, 0), 536);
	pg.count = 1;
	assert_int_equal(m2mv__list_walk(&pg, &it, path), 1);
	assert_int_equal(it.path_len, M2MV_PATH_MAX);
	assert_string_equal(it.path, longp);
}

/* Corrupt one field of a single-entry page and expect -EPROTO. */
static void expect_bad(unsigned char *buf, size_t size, uint32_t count)
{
	char path[M2MV_PATH_MAX + 1];
	struct m2mv__list_page pg = {
		.buf = buf, .size = size, .count = count,
	};
	struct m2mv_list_item it;

	assert_int_equal(m2mv__list_walk(&pg, &it, path), -EPROTO);
}

static void test_walk_malformed(void **state)
{
	unsigned char buf[256];
	struct m2mv_list_ent ent;

	(void)state;
	/* reclen not a multiple of 8 */
	put_ent(buf, 0, "abc", 1, 1, 1, 0);
	memcpy(&ent, buf, sizeof(ent));
	ent.reclen = 28;
	memcpy(buf, &ent, sizeof(ent));
	expect_bad(buf, sizeof(buf), 1);

	/* reclen too small for the path */
	ent.reclen = 24;
	memcpy(buf, &ent, sizeof(ent));
	expect_bad(buf, sizeof(buf), 1);

	/* reclen beyond the buffer */
	ent.reclen = 32;
	memcpy(buf, &ent, sizeof(ent));
	expect_bad(buf, 31, 1);

	/* empty path */
	ent.path_len = 0;
	memcpy(buf, &ent, sizeof(ent));
	expect_bad(buf, sizeof(buf), 1);

	/* over-long path */
	ent.path_len = M2MV_PATH_MAX + 1;
	ent.reclen = 8 * 80;
	memcpy(buf, &ent, sizeof(ent));
	expect_bad(buf, sizeof(buf), 1);

	/* more entries claimed than the buffer holds */
	put_ent(buf, 0, "abc", 1, 1, 1, 0);
	expect_bad(buf + 32, 16, 1);
}

static void test_walk_count_beyond_buffer(void **state)
{
	unsigned char buf[64];
	char path[M2MV_PATH_MAX + 1];
	struct m2mv__list_page pg = { .buf = buf, .size = 32, .count = 2 };
	struct m2mv_list_item it;

	(void)state;
	put_ent(buf, 0, "abcdefgh", 1, 1, 1, 0);
	assert_int_equal(m2mv__list_walk(&pg, &it, path), 1);
	/* The second entry would start at the end of the buffer. */
	assert_int_equal(m2mv__list_walk(&pg, &it, path), -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk_entries),
		cmocka_unit_test(test_walk_empty_page),
		cmocka_unit_test(test_walk_longest_path),
		cmocka_unit_test(test_walk_malformed),
		cmocka_unit_test(test_walk_count_beyond_buffer),
	};

	return cmocka_run_group_tests_name("lib_list", tests, NULL, NULL);
}
