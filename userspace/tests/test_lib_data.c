// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the data plane against a fake kernel: the test is
 * linked with --wrap=open,--wrap=ioctl, so the library's open() of
 * /dev/m2mvault gets /dev/null and its ioctls land here, where a small
 * in-memory store answers them the way Documentation/uapi.rst says the
 * module does. That exercises what depends on the kernel's answers:
 * EOVERFLOW auto-sizing, LIST paging with the cursor, buffer growth,
 * batch chunking and per-operation results.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <netlink/socket.h>

#include "lib/internal.h"

#define FAKE_MAX 2600

struct fake_ent {
	char *path;
	unsigned char *data;
	uint32_t len;
	uint64_t version;
};

static struct {
	struct fake_ent e[FAKE_MAX];
	size_t n;
	uint64_t seq;
	unsigned int calls[0x50];	/* by ioctl number */
	unsigned int batch_sizes[8];
	int fail_batch_call;		/* 1-based BATCH call to fail, 0: none */
	int list_more_empty;		/* answer MORE with no entries */
	int grow_on_get;		/* grow the blob between GET calls */
} fk;

static void fake_reset(void)
{
	size_t i;

	for (i = 0; i < fk.n; i++) {
		free(fk.e[i].path);
		free(fk.e[i].data);
	}
	memset(&fk, 0, sizeof(fk));
}

static struct fake_ent *fake_find(const char *p, uint32_t len)
{
	size_t i;

	for (i = 0; i < fk.n; i++)
		if (strlen(fk.e[i].path) == len && !memcmp(fk.e[i].path, p, len))
			return &fk.e[i];
	return NULL;
}

static int fake_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fake_ent *)a)->path,
		      ((const struct fake_ent *)b)->path);
}

static int fake_put(const char *p, uint32_t plen, const void *data,
		    uint32_t len, __u64 *version)
{
	struct fake_ent *e = fake_find(p, plen);

	if (!plen || plen > M2MV_PATH_MAX)
		return -EINVAL;
	if (!e) {
		if (fk.n == FAKE_MAX)
			return -ENOSPC;
		e = &fk.e[fk.n++];
		e->path = strndup(p, plen);
		e->version = 0;
		e->data = NULL;
	}
	free(e->data);
	e->data = malloc(len ? len : 1);
	memcpy(e->data, data, len);
	e->len = len;
	*version = ++e->version;
	fk.seq++;
	qsort(fk.e, fk.n, sizeof(fk.e[0]), fake_cmp);
	return 0;
}

static int fake_get(const char *p, uint32_t plen, void *buf, uint32_t *len,
		    __u64 *version)
{
	struct fake_ent *e = fake_find(p, plen);

	if (!e)
		return -ENOENT;
	if (fk.grow_on_get) {
		/* Someone writes a bigger version between the calls. */
		unsigned char *d = calloc(1, (size_t)e->len * 2 + 1);

		memcpy(d, e->data, e->len);
		free(e->data);
		e->data = d;
		e->len = e->len * 2 + 1;
	}
	if (e->len > *len) {
		*len = e->len;
		return -EOVERFLOW;
	}
	memcpy(buf, e->data, e->len);
	*len = e->len;
	*version = e->version;
	return 0;
}

static int fake_del(const char *p, uint32_t plen, __u64 *version)
{
	struct fake_ent *e = fake_find(p, plen);

	if (!e)
		return -ENOENT;
	*version = e->version + 1;
	free(e->path);
	free(e->data);
	*e = fk.e[--fk.n];
	qsort(fk.e, fk.n, sizeof(fk.e[0]), fake_cmp);
	return 0;
}

static int fake_list(struct m2mv_list *a)
{
	const char *prefix = (const char *)(uintptr_t)a->prefix;
	const char *after = (const char *)(uintptr_t)a->after;
	unsigned char *buf = (unsigned char *)(uintptr_t)a->buf;
	uint32_t size = a->buf_len < (256U << 10) ? a->buf_len : (256U << 10);
	uint32_t used = 0, count = 0;
	size_t i;
	int more = 0;

	if (a->flags || a->count)
		return -EINVAL;
	if (size < sizeof(struct m2mv_list_ent) + 8)
		return -EOVERFLOW;
	if (fk.list_more_empty) {
		a->flags = M2MV_LIST_F_MORE;
		return 0;
	}
	for (i = 0; i < fk.n; i++) {
		const char *p = fk.e[i].path;
		size_t plen = strlen(p), rl;
		struct m2mv_list_ent ent;
		int c;

		if (plen < a->prefix_len || memcmp(p, prefix, a->prefix_len))
			continue;
		if (a->after_len) {
			c = memcmp(p, after, plen < a->after_len ?
				   plen : a->after_len);
			if (c < 0 || (c == 0 && plen <= a->after_len))
				continue;
		}
		rl = (sizeof(ent) + plen + 7) & ~(size_t)7;
		if (size - used < rl) {
			more = 1;
			break;
		}
		memset(&ent, 0, sizeof(ent));
		ent.version = fk.e[i].version;
		ent.data_len = fk.e[i].len;
		ent.reclen = (uint16_t)rl;
		ent.path_len = (uint16_t)plen;
		ent.mode = M2MV_MODE_WRAP;
		memset(buf + used, 0, rl);
		memcpy(buf + used, &ent, sizeof(ent));
		memcpy(buf + used + sizeof(ent), p, plen);
		used += (uint32_t)rl;
		count++;
	}
	if (more && !count)
		return -EOVERFLOW;
	a->count = count;
	a->flags = more ? M2MV_LIST_F_MORE : 0;
	return 0;
}

/* The export of a record: five dot-separated parts, 2 bytes per byte. */
static size_t fake_export_len(const struct fake_ent *e)
{
	return 4 + 4 + (size_t)e->len * 2;
}

static int fake_export(struct m2mv_export *a)
{
	struct fake_ent *e = fake_find((const char *)(uintptr_t)a->path,
				       a->path_len);
	char *out = (char *)(uintptr_t)a->buf;
	size_t n, i;

	if (!e)
		return -ENOENT;
	n = fake_export_len(e);
	if (n > a->buf_len) {
		a->buf_len = (uint32_t)n;
		return -EOVERFLOW;
	}
	memcpy(out, "h.k.i.", 6);
	for (i = 0; i < (size_t)e->len * 2; i++)
		out[6 + i] = 'c';
	memcpy(out + 6 + (size_t)e->len * 2, ".t", 2);
	a->buf_len = (uint32_t)n;
	a->version = e->version;
	return 0;
}

static int fake_batch(struct m2mv_batch *a)
{
	struct m2mv_batch_op *ops = (struct m2mv_batch_op *)(uintptr_t)a->ops;
	int call;
	uint32_t i;

	if (!a->count || a->count > M2MV_BATCH_MAX || a->flags || a->done)
		return -EINVAL;
	call = fk.calls[_IOC_NR(M2MV_IOC_BATCH)];
	if (call - 1 < 8)
		fk.batch_sizes[call - 1] = a->count;
	if (fk.fail_batch_call == call)
		return -ENOMEM;
	for (i = 0; i < a->count; i++) {
		struct m2mv_batch_op *o = &ops[i];
		const char *p = (const char *)(uintptr_t)o->path;

		if (o->result || o->version || o->reserved0 || o->reserved)
			return -EINVAL;
		switch (o->op) {
		case M2MV_BATCH_PUT:
			o->result = fake_put(p, o->path_len,
					     (const void *)(uintptr_t)o->data,
					     o->data_len, &o->version);
			break;
		case M2MV_BATCH_GET:
			o->result = fake_get(p, o->path_len,
					     (void *)(uintptr_t)o->data,
					     &o->data_len, &o->version);
			break;
		case M2MV_BATCH_DELETE:
			o->result = fake_del(p, o->path_len, &o->version);
			break;
		default:
			return -EINVAL;
		}
	}
	a->done = a->count;
	return 0;
}

static int fake_ioctl(unsigned long req, void *arg)
{
	if (_IOC_TYPE(req) != M2MV_IOC_MAGIC)
		return -ENOTTY;
	fk.calls[_IOC_NR(req)]++;
	switch (req) {
	case M2MV_IOC_VERSION:
		((struct m2mv_version *)arg)->abi = M2MV_ABI_VERSION;
		return 0;
	case M2MV_IOC_BIND:
		return strcmp(((struct m2mv_bind *)arg)->name, "gw1") ?
		       -ENOENT : 0;
	case M2MV_IOC_PUT: {
		struct m2mv_put *a = arg;

		a->seq = fk.seq + 1;
		return fake_put((const char *)(uintptr_t)a->path, a->path_len,
				(const void *)(uintptr_t)a->data, a->data_len,
				&a->version);
	}
	case M2MV_IOC_GET: {
		struct m2mv_get *a = arg;

		return fake_get((const char *)(uintptr_t)a->path, a->path_len,
				(void *)(uintptr_t)a->data, &a->data_len,
				&a->version);
	}
	case M2MV_IOC_DELETE: {
		struct m2mv_del *a = arg;

		return fake_del((const char *)(uintptr_t)a->path, a->path_len,
				&a->version);
	}
	case M2MV_IOC_STAT: {
		struct m2mv_stat *a = arg;
		struct fake_ent *e = fake_find((const char *)(uintptr_t)a->path,
					       a->path_len);

		if (!e)
			return -ENOENT;
		a->version = e->version;
		a->data_len = e->len;
		a->mode = M2MV_MODE_MIC;
		/* Not terminated: the library must not rely on it. */
		memset(a->credid, 'x', sizeof(a->credid));
		return 0;
	}
	case M2MV_IOC_LIST:
		return fake_list(arg);
	case M2MV_IOC_EXPORT:
		return fake_export(arg);
	case M2MV_IOC_BATCH:
		return fake_batch(arg);
	default:
		return -ENOTTY;
	}
}

int __real_open(const char *path, int flags, ...);

int __wrap_open(const char *path, int flags, ...)
{
	va_list ap;
	int mode = 0;

	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = va_arg(ap, int);
		va_end(ap);
	}
	if (!strcmp(path, M2MV_DEVICE_PATH))
		return __real_open("/dev/null", O_RDWR | O_CLOEXEC);
	return __real_open(path, flags, mode);
}

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;
	int ret;

	(void)fd;
	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	ret = fake_ioctl(req, arg);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return 0;
}

static int setup(void **state)
{
	struct m2mv_store *s;

	fake_reset();
	if (m2mv_store_open("gw1", &s))
		return -1;
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	m2mv_store_close(*state);
	fake_reset();
	return 0;
}

static void fill(unsigned char *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(seed * 131 + i * 7 + (i >> 8));
}

static void test_bind(void **state)
{
	struct m2mv_store *s = *state, *t;
	unsigned int abi = 0;

	assert_string_equal(m2mv_store_name(s), "gw1");
	assert_true(m2mv_store_fd(s) >= 0);
	assert_int_equal(m2mv_store_open("nope", &t), -ENOENT);
	assert_null(t);
	assert_int_equal(m2mv_abi_version(&abi), 0);
	assert_int_equal(abi, M2MV_ABI_VERSION);
}

static void test_put_get_small(void **state)
{
	struct m2mv_store *s = *state;
	uint64_t ver = 0, seq = 0;
	void *out;
	size_t len;

	assert_int_equal(m2mv_put(s, "a/b", "hello", 5, 0, &ver, &seq), 0);
	assert_int_equal(ver, 1);
	assert_int_equal(seq, 1);
	assert_int_equal(m2mv_put(s, "a/b", "hello!", 6, M2MV_F_SYNC, &ver,
				  NULL), 0);
	assert_int_equal(ver, 2);
	fk.calls[_IOC_NR(M2MV_IOC_GET)] = 0;
	assert_int_equal(m2mv_get(s, "a/b", &out, &len, &ver), 0);
	assert_int_equal(len, 6);
	assert_int_equal(ver, 2);
	assert_memory_equal(out, "hello!", 6);
	free(out);
	/* Fits the first guess: one call. */
	assert_int_equal(fk.calls[_IOC_NR(M2MV_IOC_GET)], 1);
}

static void test_get_autosize(void **state)
{
	struct m2mv_store *s = *state;
	size_t n = 1 << 20, len = 0;
	unsigned char *blob = malloc(n);
	void *out = NULL;

	fill(blob, n, 3);
	assert_int_equal(m2mv_put(s, "big", blob, n, 0, NULL, NULL), 0);
	fk.calls[_IOC_NR(M2MV_IOC_GET)] = 0;
	assert_int_equal(m2mv_get(s, "big", &out, &len, NULL), 0);
	assert_int_equal(len, n);
	assert_memory_equal(out, blob, n);
	/* Too small, then exactly the length the kernel said. */
	assert_int_equal(fk.calls[_IOC_NR(M2MV_IOC_GET)], 2);
	free(out);
	free(blob);
}

static void test_get_empty_blob(void **state)
{
	struct m2mv_store *s = *state;
	void *out = NULL;
	size_t len = 99;

	assert_int_equal(m2mv_put(s, "empty", NULL, 0, 0, NULL, NULL), 0);
	assert_int_equal(m2mv_get(s, "empty", &out, &len, NULL), 0);
	assert_int_equal(len, 0);
	assert_non_null(out);
	free(out);
}

static void test_get_errors(void **state)
{
	struct m2mv_store *s = *state;
	char buf[4], longp[M2MV_PATH_MAX + 2];
	void *out = (void *)1;
	size_t len;

	assert_int_equal(m2mv_get(s, "missing", &out, &len, NULL), -ENOENT);
	assert_null(out);

	assert_int_equal(m2mv_put(s, "p", "123456", 6, 0, NULL, NULL), 0);
	len = sizeof(buf);
	assert_int_equal(m2mv_get_buf(s, "p", buf, &len, NULL), -EOVERFLOW);
	assert_int_equal(len, 6);

	memset(longp, 'x', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(m2mv_get(s, longp, &out, &len, NULL), -ENAMETOOLONG);
	assert_int_equal(m2mv_put(s, NULL, "", 0, 0, NULL, NULL), -EINVAL);
}

static void test_get_growing_blob(void **state)
{
	struct m2mv_store *s = *state;
	unsigned char blob[8000];
	void *out = (void *)1;
	size_t len;

	fill(blob, sizeof(blob), 1);
	assert_int_equal(m2mv_put(s, "g", blob, sizeof(blob), 0, NULL, NULL), 0);
	fk.grow_on_get = 1;
	assert_int_equal(m2mv_get(s, "g", &out, &len, NULL), -EAGAIN);
	assert_null(out);
}

static void test_delete_stat(void **state)
{
	struct m2mv_store *s = *state;
	struct m2mv_record_info ri;
	uint64_t ver = 0;

	assert_int_equal(m2mv_put(s, "d", "x", 1, 0, NULL, NULL), 0);
	assert_int_equal(m2mv_stat(s, "d", &ri), 0);
	assert_int_equal(ri.version, 1);
	assert_int_equal(ri.data_len, 1);
	assert_int_equal(ri.mode, M2MV_MODE_MIC);
	/* An unterminated credid from the kernel is cut, not overrun. */
	assert_int_equal(strlen(ri.credid), M2MV_CREDID_MAX);
	assert_int_equal(m2mv_delete(s, "d", M2MV_F_SYNC, &ver), 0);
	assert_int_equal(ver, 2);
	assert_int_equal(m2mv_stat(s, "d", &ri), -ENOENT);
	assert_int_equal(m2mv_delete(s, "d", 0, NULL), -ENOENT);
}

static void test_export_autosize(void **state)
{
	struct m2mv_store *s = *state;
	unsigned char blob[5000];
	char *out = NULL;
	size_t len = 0, dots = 0, i;
	uint64_t ver = 0;

	fill(blob, sizeof(blob), 2);
	assert_int_equal(m2mv_put(s, "e", blob, sizeof(blob), 0, NULL, NULL), 0);
	fk.calls[_IOC_NR(M2MV_IOC_EXPORT)] = 0;
	assert_int_equal(m2mv_export(s, "e", M2MV_EXPORT_F_COMPACT, &out, &len,
				     &ver), 0);
	assert_int_equal(fk.calls[_IOC_NR(M2MV_IOC_EXPORT)], 2);
	assert_int_equal(len, 8 + 2 * sizeof(blob));
	assert_int_equal(strlen(out), len);
	assert_int_equal(ver, 1);
	for (i = 0; i < len; i++)
		dots += out[i] == '.';
	assert_int_equal(dots, 4);
	free(out);
	assert_int_equal(m2mv_export(s, "nope", 0, &out, NULL, NULL), -ENOENT);
	assert_null(out);
}

/* 100 paths in a small page: every one once, in order, over many calls. */
static void test_list_paging(void **state)
{
	struct m2mv_store *s = *state;
	struct m2mv_list_item it;
	struct m2mv_list_iter *li;
	char path[64], prev[64] = "";
	unsigned int i, n = 0;
	int ret;

	for (i = 0; i < 100; i++) {
		snprintf(path, sizeof(path), "cse/ae%u/cnt/cin%03u", i % 3, i);
		assert_int_equal(m2mv_put(s, path, &i, sizeof(i), 0, NULL,
					  NULL), 0);
	}
	assert_int_equal(m2mv_put(s, "other", "x", 1, 0, NULL, NULL), 0);

	/* 100 bytes hold two 48-byte entries per call. */
	assert_int_equal(m2mv_list_open(s, "cse/", 100, &li), 0);
	while ((ret = m2mv_list_next(li, &it)) > 0) {
		assert_true(strcmp(prev, it.path) < 0);
		assert_int_equal(strncmp(it.path, "cse/", 4), 0);
		assert_int_equal(it.data_len, sizeof(i));
		snprintf(prev, sizeof(prev), "%s", it.path);
		n++;
	}
	assert_int_equal(ret, 0);
	assert_int_equal(n, 100);
	assert_int_equal(m2mv_list_pages(li), 50);
	/* At the end it stays at the end. */
	assert_int_equal(m2mv_list_next(li, &it), 0);
	m2mv_list_close(li);

	/* A prefix that is also a path's beginning; the default page. */
	n = 0;
	assert_int_equal(m2mv_list_open(s, "cse/ae1", 0, &li), 0);
	while (m2mv_list_next(li, &it) > 0)
		n++;
	assert_int_equal(n, 33);
	assert_int_equal(m2mv_list_pages(li), 1);
	m2mv_list_close(li);

	/* NULL and "" both list everything. */
	n = 0;
	assert_int_equal(m2mv_list_open(s, NULL, 0, &li), 0);
	while (m2mv_list_next(li, &it) > 0)
		n++;
	assert_int_equal(n, 101);
	m2mv_list_close(li);
}

static void test_list_grows_for_long_path(void **state)
{
	struct m2mv_store *s = *state;
	char longp[M2MV_PATH_MAX + 1];
	struct m2mv_list_item it;
	struct m2mv_list_iter *li;

	memset(longp, 'q', M2MV_PATH_MAX);
	longp[M2MV_PATH_MAX] = '\0';
	assert_int_equal(m2mv_put(s, "a", "1", 1, 0, NULL, NULL), 0);
	assert_int_equal(m2mv_put(s, longp, "2", 1, 0, NULL, NULL), 0);
	/* 40 bytes hold "a" but not the 536-byte entry: the buffer grows. */
	assert_int_equal(m2mv_list_open(s, NULL, 40, &li), 0);
	assert_int_equal(m2mv_list_next(li, &it), 1);
	assert_string_equal(it.path, "a");
	assert_int_equal(m2mv_list_next(li, &it), 1);
	assert_int_equal(it.path_len, M2MV_PATH_MAX);
	assert_int_equal(m2mv_list_next(li, &it), 0);
	m2mv_list_close(li);

	/* Even a 1-byte page works. */
	assert_int_equal(m2mv_list_open(s, NULL, 1, &li), 0);
	assert_int_equal(m2mv_list_next(li, &it), 1);
	m2mv_list_close(li);
}

static void test_list_errors(void **state)
{
	struct m2mv_store *s = *state;
	char longp[M2MV_PATH_MAX + 2];
	struct m2mv_list_item it;
	struct m2mv_list_iter *li;

	memset(longp, 'x', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(m2mv_list_open(s, longp, 0, &li), -EINVAL);
	assert_null(li);

	/* MORE without entries would never end: refused, and sticky. */
	fk.list_more_empty = 1;
	assert_int_equal(m2mv_list_open(s, NULL, 0, &li), 0);
	assert_int_equal(m2mv_list_next(li, &it), -EPROTO);
	fk.list_more_empty = 0;
	assert_int_equal(m2mv_list_next(li, &it), -EPROTO);
	m2mv_list_close(li);
}

static void test_batch(void **state)
{
	struct m2mv_store *s = *state;
	char small[2], big[16];
	struct m2mv_batch_item it[5] = {
		{ .op = M2MV_BATCH_PUT, .path = "b/1", .data = "one", .len = 3 },
		{ .op = M2MV_BATCH_GET, .path = "b/1", .buf = big,
		  .len = sizeof(big) },
		{ .op = M2MV_BATCH_GET, .path = "b/1", .buf = small,
		  .len = sizeof(small) },
		{ .op = M2MV_BATCH_DELETE, .path = "b/2", .flags = M2MV_F_SYNC },
		{ .op = M2MV_BATCH_DELETE, .path = "b/1" },
	};

	assert_int_equal(m2mv_batch(s, it, 5), 0);
	assert_int_equal(fk.calls[_IOC_NR(M2MV_IOC_BATCH)], 1);
	assert_int_equal(it[0].result, 0);
	assert_int_equal(it[0].version, 1);
	assert_int_equal(it[1].result, 0);
	assert_int_equal(it[1].len, 3);
	assert_memory_equal(big, "one", 3);
	assert_int_equal(it[2].result, -EOVERFLOW);
	assert_int_equal(it[2].len, 3);
	assert_int_equal(it[3].result, -ENOENT);
	assert_int_equal(it[4].result, 0);
	assert_int_equal(it[4].version, 2);
	assert_int_equal(m2mv_batch(s, it, 0), 0);
}

static void test_batch_chunks(void **state)
{
	struct m2mv_store *s = *state;
	size_t n = 2500, i;
	struct m2mv_batch_item *it = calloc(n, sizeof(*it));
	char (*paths)[16] = calloc(n, sizeof(*paths));

	for (i = 0; i < n; i++) {
		snprintf(paths[i], sizeof(paths[i]), "c/%zu", i);
		it[i].op = M2MV_BATCH_PUT;
		it[i].path = paths[i];
		it[i].data = &i;
		it[i].len = sizeof(i);
		it[i].result = 1;
	}
	assert_int_equal(m2mv_batch(s, it, n), 0);
	assert_int_equal(fk.calls[_IOC_NR(M2MV_IOC_BATCH)], 3);
	assert_int_equal(fk.batch_sizes[0], M2MV_BATCH_MAX);
	assert_int_equal(fk.batch_sizes[1], M2MV_BATCH_MAX);
	assert_int_equal(fk.batch_sizes[2], n - 2 * M2MV_BATCH_MAX);
	for (i = 0; i < n; i++)
		assert_int_equal(it[i].result, 0);

	/* The second call fails as a whole: it and later ones did not run. */
	fake_reset();
	for (i = 0; i < n; i++)
		it[i].result = 1;
	fk.fail_batch_call = 2;
	assert_int_equal(m2mv_batch(s, it, n), -ENOMEM);
	for (i = 0; i < n; i++)
		assert_int_equal(it[i].result,
				 i < M2MV_BATCH_MAX ? 0 : -ECANCELED);
	free(paths);
	free(it);
}

static void test_batch_malformed_runs_nothing(void **state)
{
	struct m2mv_store *s = *state;
	struct m2mv_batch_item it[2] = {
		{ .op = M2MV_BATCH_PUT, .path = "x", .data = "1", .len = 1 },
		{ .op = 9, .path = "y" },
	};

	assert_int_equal(m2mv_batch(s, it, 2), -EINVAL);
	assert_int_equal(fk.calls[_IOC_NR(M2MV_IOC_BATCH)], 0);
	assert_int_equal(it[0].result, -ECANCELED);
	assert_int_equal(it[1].result, -ECANCELED);
	it[1].op = M2MV_BATCH_GET;
	it[1].path = NULL;
	assert_int_equal(m2mv_batch(s, it, 2), -EINVAL);
	assert_int_equal(fk.calls[_IOC_NR(M2MV_IOC_BATCH)], 0);
}

/*
 * A control handle whose module advertises no netlink command: every
 * control call says which command is missing and never falls back to an
 * ioctl; arguments are checked before that.
 */
static struct m2mv_ctl *fake_ctl(void)
{
	struct m2mv_ctl *ctl = calloc(1, sizeof(*ctl));

	assert_non_null(ctl);
	ctl->sk = nl_socket_alloc();
	ctl->fam.id = 0x2a;
	return ctl;
}

static void test_ctl_without_commands(void **state)
{
	struct m2mv_ctl *ctl = fake_ctl();
	struct m2mv_attach_info info;
	struct m2mv_store_info *si;
	unsigned int i;
	size_t n;

	(void)state;
	fake_reset();
	memset(&info, 0xff, sizeof(info));
	assert_int_equal(m2mv_attach(ctl, "gw2", 7, "16-store@x",
				     M2MV_ATTACH_F_RDONLY, &info), -EOPNOTSUPP);
	assert_int_equal(info.records, 0);
	assert_non_null(strstr(m2mv_ctl_last_error(ctl),
			       "lacks netlink command STORE_ATTACH"));

	/* Refused before the module is asked. */
	assert_int_equal(m2mv_attach(ctl, "gw2", -1, "16-s", 0, NULL), -EBADF);
	assert_int_equal(m2mv_attach(ctl, "a-name-much-longer-than-31-chars",
				     7, "16-s", 0, NULL), -EINVAL);
	assert_int_equal(m2mv_attach(ctl, "gw2", 7, NULL, 0, NULL), -EINVAL);
	assert_string_equal(m2mv_ctl_last_error(ctl), "");

	assert_int_equal(m2mv_policy_set(ctl, "gw2", "cse/ae1/", "14-d@x",
					 M2MV_MODE_DIR, M2MV_POLICY_F_INSTANCE),
			 -EOPNOTSUPP);
	assert_non_null(strstr(m2mv_ctl_last_error(ctl),
			       "lacks netlink command POLICY_SET"));
	assert_int_equal(m2mv_policy_set(ctl, "gw2", "x", NULL,
					 M2MV_MODE_WRAP, 0), -EINVAL);
	assert_int_equal(m2mv_policy_del(ctl, "gw2", "cse/ae1/"), -EOPNOTSUPP);
	assert_non_null(strstr(m2mv_ctl_last_error(ctl),
			       "lacks netlink command POLICY_DEL"));
	assert_int_equal(m2mv_detach(ctl, "gw2"), -EOPNOTSUPP);
	assert_non_null(strstr(m2mv_ctl_last_error(ctl),
			       "lacks netlink command STORE_DETACH"));
	assert_int_equal(m2mv_status(ctl, NULL, &si, &n), -EOPNOTSUPP);
	assert_null(si);
	assert_non_null(strstr(m2mv_ctl_last_error(ctl),
			       "lacks netlink command STORE_GET"));
	assert_int_equal(m2mv_events_fd(ctl), -EINVAL);
	assert_int_equal(m2mv_events_dispatch(ctl, 0), -EINVAL);

	/* No ioctl of any kind was made. */
	for (i = 0; i < sizeof(fk.calls) / sizeof(fk.calls[0]); i++)
		assert_int_equal(fk.calls[i], 0);
	m2mv_ctl_close(ctl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_get_small, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_get_autosize, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_get_empty_blob, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_get_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_get_growing_blob, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_delete_stat, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_export_autosize, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_list_paging, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_list_grows_for_long_path,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_chunks, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_batch_malformed_runs_nothing,
						setup, teardown),
		cmocka_unit_test(test_ctl_without_commands),
	};

	return cmocka_run_group_tests_name("lib_data", tests, NULL, NULL);
}
