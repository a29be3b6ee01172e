// SPDX-License-Identifier: GPL-2.0
/*
 * The data plane of /dev/m2mvault against the ABI in uapi/linux/m2mvault.h:
 * round trips in every mode, versions, STAT, LIST paging, EXPORT shapes,
 * BATCH, re-attach, and every documented error (argument checking, key
 * possession, policies, module parameters).
 *
 * Each test runs in its own process with a fresh session keyring, its own
 * store file in /tmp and its own store name.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <stdbool.h>
#include <time.h>

#include "kselftest_harness.h"
#include "fixture.h"

/* Deterministic, seed-dependent bytes: mix-ups between blobs show. */
static void pattern(void *buf, size_t len, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 0x2545f4914f6cdd1dULL;
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (uint8_t)x;
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

FIXTURE(vault) {
	MVT_VAULT_IN_FIXTURE;
	char saved_max_blob[32];
	char saved_dir_limit[32];
};

FIXTURE_SETUP(vault)
{
	const struct mvt_vault_spec spec = { .tag = "data" };

	mvt_vault_setup(_metadata, &self->v, &spec);
}

FIXTURE_TEARDOWN(vault)
{
	if (self->saved_max_blob[0])
		mvt_param_write("max_blob", self->saved_max_blob);
	if (self->saved_dir_limit[0])
		mvt_param_write("dir_key_limit", self->saved_dir_limit);
	mvt_vault_teardown(_metadata, &self->v);
}

/* PUT @len pattern bytes, GET them back, compare. 0 or a step number. */
static int round_trip(struct __test_metadata *_metadata, int fd,
		      const char *path, size_t len, uint64_t seed,
		      uint64_t want_version)
{
	uint8_t *in = malloc(len + 1), *out = malloc(len + 16);
	uint64_t v = 0, gv = 0;
	size_t n = len + 16;
	int ret;

	ASSERT_NE(NULL, in);
	ASSERT_NE(NULL, out);
	pattern(in, len, seed);
	memset(out, 0xee, len + 16);
	ret = mvt_put(fd, path, in, len, 0, &v);
	EXPECT_EQ(0, ret) TH_LOG("put %s (%zu bytes): %s", path, len,
				 strerror(-ret));
	EXPECT_EQ(want_version, v) TH_LOG("put %s version", path);
	ret = mvt_get(fd, path, out, &n, &gv);
	EXPECT_EQ(0, ret) TH_LOG("get %s (%zu bytes): %s", path, len,
				 strerror(-ret));
	EXPECT_EQ(len, n) TH_LOG("get %s length", path);
	EXPECT_EQ(want_version, gv) TH_LOG("get %s version", path);
	EXPECT_EQ(0, memcmp(in, out, len)) TH_LOG("get %s content", path);
	/* Nothing written past the plaintext. */
	EXPECT_EQ(0xee, out[len]) TH_LOG("get %s wrote past its length", path);
	free(in);
	free(out);
	return 0;
}

TEST_F(vault, round_trip_small_all_modes)
{
	static const size_t sizes[] = { 0, 1, 4096 };
	char path[64];

	for (size_t m = 0; m < MVT_NMODES; m++) {
		for (size_t s = 0; s < 3; s++) {
			snprintf(path, sizeof(path), "%s%zu", mvt_modes[m].path,
				 sizes[s]);
			round_trip(_metadata, self->fd, path, sizes[s],
				   m * 10 + s, 1);
		}
	}
}

TEST_F_TIMEOUT(vault, round_trip_16mib_all_modes, 600)
{
	size_t len = M2MV_BLOB_MAX_DEFAULT;
	char buf[32];

	/* The default limit: exactly 16 MiB fits. */
	if (!mvt_param_read("max_blob", buf, sizeof(buf))) {
		ASSERT_EQ(len, strtoul(buf, NULL, 0));
	}
	for (size_t m = 0; m < MVT_NMODES; m++)
		round_trip(_metadata, self->fd, mvt_modes[m].path, len, 100 + m, 1);
}

TEST_F(vault, overwrite_increments_version)
{
	for (size_t m = 0; m < MVT_NMODES; m++) {
		struct m2mv_stat st;
		uint8_t data[300], out[300];
		uint64_t v = 0;
		size_t n;

		for (uint64_t i = 1; i <= 4; i++) {
			pattern(data, sizeof(data) - i, m * 100 + i);
			ASSERT_EQ(0, mvt_put(self->fd, mvt_modes[m].path, data,
					     sizeof(data) - i, 0, &v));
			EXPECT_EQ(i, v);
		}
		n = sizeof(out);
		ASSERT_EQ(0, mvt_get(self->fd, mvt_modes[m].path, out, &n, &v));
		EXPECT_EQ(4, v);
		EXPECT_EQ(sizeof(data) - 4, n);
		pattern(data, sizeof(data) - 4, m * 100 + 4);
		EXPECT_EQ(0, memcmp(data, out, n));
		ASSERT_EQ(0, mvt_stat(self->fd, mvt_modes[m].path, &st));
		EXPECT_EQ(4, st.version);
		EXPECT_EQ(sizeof(data) - 4, st.data_len);
	}
}

TEST_F(vault, delete_then_put_continues_versions)
{
	for (size_t m = 0; m < MVT_NMODES; m++) {
		const char *p = mvt_modes[m].path;
		struct m2mv_stat st;
		uint8_t out[16];
		uint64_t v = 0;
		size_t n = sizeof(out);

		ASSERT_EQ(0, mvt_put(self->fd, p, "one", 3, 0, &v));
		ASSERT_EQ(0, mvt_put(self->fd, p, "two", 3, 0, &v));
		EXPECT_EQ(2, v);
		ASSERT_EQ(0, mvt_del(self->fd, p, 0, &v));
		EXPECT_EQ(3, v) TH_LOG("%s: the tombstone is the next version", p);
		EXPECT_EQ(-ENOENT, mvt_get(self->fd, p, out, &n, NULL));
		EXPECT_EQ(-ENOENT, mvt_stat(self->fd, p, &st));
		n = sizeof(out);
		EXPECT_EQ(-ENOENT, mvt_export(self->fd, p, 0, out, &n, NULL));
		/* Nothing left to delete. */
		EXPECT_EQ(-ENOENT, mvt_del(self->fd, p, 0, &v));
		ASSERT_EQ(0, mvt_put(self->fd, p, "three", 5, 0, &v));
		EXPECT_EQ(4, v);
		n = sizeof(out);
		ASSERT_EQ(0, mvt_get(self->fd, p, out, &n, &v));
		EXPECT_EQ(4, v);
		EXPECT_EQ(5, n);
		EXPECT_EQ(0, memcmp(out, "three", 5));
	}
	/* Deleting a path never written. */
	EXPECT_EQ(-ENOENT, mvt_del(self->fd, "/w/never", 0, NULL));
}

TEST_F(vault, stat_fields)
{
	uint64_t last_seq = 0;

	for (size_t m = 0; m < MVT_NMODES; m++) {
		struct m2mv_stat st;
		uint8_t data[777];
		uint64_t t0, t1, v;

		pattern(data, sizeof(data), m);
		t0 = now_ns();
		ASSERT_EQ(0, mvt_put(self->fd, mvt_modes[m].path, data, 100, 0, &v));
		ASSERT_EQ(0, mvt_put(self->fd, mvt_modes[m].path, data,
				     sizeof(data), 0, &v));
		t1 = now_ns();
		ASSERT_EQ(0, mvt_stat(self->fd, mvt_modes[m].path, &st));
		EXPECT_EQ(2, st.version);
		EXPECT_EQ(sizeof(data), st.data_len);
		EXPECT_EQ(mvt_modes[m].mode, st.mode);
		EXPECT_STREQ(mvt_modes[m].credid, st.credid);
		EXPECT_NE(0, st.mtime_ns);
		EXPECT_LE(t0, st.mtime_ns);
		EXPECT_GE(t1, st.mtime_ns);
		EXPECT_GT(st.seq, last_seq) TH_LOG("sequence numbers increase");
		last_seq = st.seq;
		EXPECT_EQ(0, st.record_len % 8);
		EXPECT_LE(sizeof(struct m2mv_disk_rec) + sizeof(data) +
			  strlen(mvt_modes[m].path), st.record_len);
		EXPECT_EQ((mvt_modes[m].flags & M2MV_POLICY_F_INSTANCE) ? M2MV_STAT_F_INSTANCE : 0,
			  st.rec_flags);
	}
}

TEST_F(vault, put_reports_seq)
{
	uint64_t s1, s2;
	struct m2mv_put p = { 0 };
	const char *path = "/w/seq";

	p.path = mvt_ptr(path);
	p.path_len = strlen(path);
	p.data = mvt_ptr("x");
	p.data_len = 1;
	ASSERT_EQ(0, mvt_ioc(self->fd, M2MV_IOC_PUT, &p));
	s1 = p.seq;
	EXPECT_EQ(1, p.version);
	memset(&p, 0, sizeof(p));
	p.path = mvt_ptr(path);
	p.path_len = strlen(path);
	p.data = mvt_ptr("y");
	p.data_len = 1;
	ASSERT_EQ(0, mvt_ioc(self->fd, M2MV_IOC_PUT, &p));
	s2 = p.seq;
	EXPECT_EQ(2, p.version);
	EXPECT_LT(0, s1);
	EXPECT_LT(s1, s2);
}

/* Parse a LIST buffer into callback-free checks; returns entries seen. */
struct seen_list {
	char path[64][32];
	uint64_t version[64];
	uint32_t data_len[64];
	int n;
};

static int parse_list(struct __test_metadata *_metadata, const uint8_t *buf,
		      size_t buf_len, uint32_t count, struct seen_list *s)
{
	size_t off = 0;

	for (uint32_t i = 0; i < count; i++) {
		const struct m2mv_list_ent *e = (const void *)(buf + off);

		EXPECT_EQ(0, off % 8);
		EXPECT_GE(buf_len, off + sizeof(*e) + e->path_len);
		EXPECT_EQ(0, e->reclen % 8);
		EXPECT_LE(sizeof(*e) + e->path_len, e->reclen);
		if (off + sizeof(*e) + e->path_len > buf_len || !e->reclen ||
		    e->path_len >= sizeof(s->path[0]) || s->n >= 64)
			return -1;
		memcpy(s->path[s->n], e->path, e->path_len);
		s->path[s->n][e->path_len] = '\0';
		s->version[s->n] = e->version;
		s->data_len[s->n] = e->data_len;
		EXPECT_EQ(M2MV_MODE_WRAP, e->mode);
		EXPECT_EQ(0, e->rec_flags);
		s->n++;
		off += e->reclen;
	}
	return 0;
}

TEST_F(vault, list_paging_with_cursor)
{
	/* Entries of these paths take 40 bytes: 7 fit in 300. */
	uint8_t buf[300];
	static char data[64];
	char path[32], after[32] = "";
	struct seen_list *s = calloc(1, sizeof(*s));
	uint32_t count, flags;
	int pages = 0, i;

	ASSERT_NE(NULL, s);
	for (i = 0; i < 52; i++) {
		snprintf(path, sizeof(path), "/w/ls/p%03d", i);
		pattern(data, i, i);
		ASSERT_EQ(0, mvt_put(self->fd, path, data, i, 0, NULL));
	}
	/* Versions show in the listing; deleted paths do not. */
	ASSERT_EQ(0, mvt_put(self->fd, "/w/ls/p007", "again", 5, 0, NULL));
	ASSERT_EQ(0, mvt_del(self->fd, "/w/ls/p050", 0, NULL));
	ASSERT_EQ(0, mvt_del(self->fd, "/w/ls/p051", 0, NULL));
	/* Neighbours outside the prefix. */
	ASSERT_EQ(0, mvt_put(self->fd, "/w/ls", "x", 1, 0, NULL));
	ASSERT_EQ(0, mvt_put(self->fd, "/w/lt/p000", "x", 1, 0, NULL));
	ASSERT_EQ(0, mvt_put(self->fd, "/w/l", "x", 1, 0, NULL));
	ASSERT_EQ(0, mvt_put(self->fd, "/m/ls/p000", "x", 1, 0, NULL));

	for (;;) {
		int before = s->n;

		ASSERT_LT(pages, 20);
		ASSERT_EQ(0, mvt_list(self->fd, "/w/ls/", pages ? after : NULL,
				      strlen(after), buf, sizeof(buf), &count,
				      &flags));
		pages++;
		ASSERT_EQ(0, parse_list(_metadata, buf, sizeof(buf), count, s));
		/* Greedy fill: a full page unless it is the last one. */
		EXPECT_EQ(50 - before < 7 ? 50 - before : 7, count);
		if (!(flags & M2MV_LIST_F_MORE))
			break;
		EXPECT_EQ(M2MV_LIST_F_MORE, flags);
		ASSERT_GT(count, 0);
		snprintf(after, sizeof(after), "%s", s->path[s->n - 1]);
	}
	EXPECT_EQ(8, pages);
	ASSERT_EQ(50, s->n);
	for (i = 0; i < 50; i++) {
		snprintf(path, sizeof(path), "/w/ls/p%03d", i);
		EXPECT_STREQ(path, s->path[i]);
		EXPECT_EQ(i == 7 ? 2 : 1, s->version[i]) TH_LOG("%s", path);
		EXPECT_EQ(i == 7 ? 5 : i, s->data_len[i]) TH_LOG("%s", path);
	}

	/* A cursor need not be a live path: strictly after it. */
	memset(s, 0, sizeof(*s));
	ASSERT_EQ(0, mvt_list(self->fd, "/w/ls/", "/w/ls/p0455", 11, buf,
			      sizeof(buf), &count, &flags));
	ASSERT_EQ(0, parse_list(_metadata, buf, sizeof(buf), count, s));
	ASSERT_EQ(4, count);
	EXPECT_STREQ("/w/ls/p046", s->path[0]);
	EXPECT_STREQ("/w/ls/p049", s->path[3]);
	EXPECT_EQ(0, flags);

	/* The cursor itself is excluded. */
	memset(s, 0, sizeof(*s));
	ASSERT_EQ(0, mvt_list(self->fd, "/w/ls/", "/w/ls/p048", 10, buf,
			      sizeof(buf), &count, &flags));
	ASSERT_EQ(0, parse_list(_metadata, buf, sizeof(buf), count, s));
	ASSERT_EQ(1, count);
	EXPECT_STREQ("/w/ls/p049", s->path[0]);

	/* Too small for a single entry. */
	EXPECT_EQ(-EOVERFLOW, mvt_list(self->fd, "/w/ls/", NULL, 0, buf, 32,
				       &count, &flags));
	EXPECT_EQ(-EOVERFLOW, mvt_list(self->fd, "/w/ls/", NULL, 0, buf, 0,
				       &count, &flags));
	/* A prefix with nothing under it. */
	ASSERT_EQ(0, mvt_list(self->fd, "/w/nothing/", NULL, 0, buf,
			      sizeof(buf), &count, &flags));
	EXPECT_EQ(0, count);
	EXPECT_EQ(0, flags);
	free(s);
}

TEST_F(vault, list_empty_prefix_lists_everything)
{
	static const char *const paths[] = {
		"/d/c1/a", "/i/c1/b", "/m/c", "/w/d", "/w/e/f",
	};
	static char buf[64 << 10];
	uint32_t count, flags;
	size_t off = 0;

	for (size_t i = 0; i < 5; i++) {
		ASSERT_EQ(0, mvt_put(self->fd, paths[i], "v", 1, 0, NULL));
	}
	ASSERT_EQ(0, mvt_list(self->fd, NULL, NULL, 0, buf, sizeof(buf),
			      &count, &flags));
	ASSERT_EQ(5, count);
	EXPECT_EQ(0, flags);
	for (size_t i = 0; i < count; i++) {
		const struct m2mv_list_ent *e = (const void *)(buf + off);

		ASSERT_EQ(strlen(paths[i]), e->path_len);
		EXPECT_EQ(0, memcmp(paths[i], e->path, e->path_len));
		EXPECT_EQ(i == 0 || i == 1 ? M2MV_MODE_DIR :
			  i == 2 ? M2MV_MODE_MIC : M2MV_MODE_WRAP, e->mode);
		EXPECT_EQ(i == 1 ? M2MV_STAT_F_INSTANCE : 0, e->rec_flags);
		off += e->reclen;
	}
}

/* The store id as the protected header carries it: lowercase hex. */
static void store_id_hex(struct __test_metadata *_metadata, int sfd,
			 char hex[2 * M2MV_STORE_ID_SIZE + 1])
{
	struct m2mv_disk_super sb;

	ASSERT_EQ(sizeof(sb), pread(sfd, &sb, sizeof(sb), 0));
	ASSERT_EQ(M2MV_SUPER_MAGIC, sb.magic);
	for (int i = 0; i < M2MV_STORE_ID_SIZE; i++)
		sprintf(hex + 2 * i, "%02x", sb.store_id[i]);
}

/* Extract the string value of "@field" from a JSON text (no escapes). */
static int json_str(const char *json, const char *field, char *out,
		    size_t size)
{
	char key[64];
	const char *p, *q;

	snprintf(key, sizeof(key), "\"%s\":\"", field);
	p = strstr(json, key);
	if (!p)
		return -1;
	p += strlen(key);
	q = strchr(p, '"');
	if (!q || (size_t)(q - p) >= size)
		return -1;
	memcpy(out, p, q - p);
	out[q - p] = '\0';
	return 0;
}

static size_t b64len(size_t n)
{
	return (n * 4 + 2) / 3;
}

TEST_F(vault, export_compact_shapes)
{
	char store[2 * M2MV_STORE_ID_SIZE + 1];
	static char buf[64 << 10];
	uint8_t data[1000];

	store_id_hex(_metadata, self->sfd, store);
	for (size_t m = 0; m < MVT_NMODES; m++) {
		const char *path = mvt_modes[m].path;
		const char *part[8];
		size_t plen[8], n = sizeof(buf) - 1;
		uint8_t hdr[2048];
		char want[2048], nonce[64];
		uint64_t v = 0;
		ssize_t hl;
		int k;

		pattern(data, sizeof(data), m);
		ASSERT_EQ(0, mvt_put(self->fd, path, data, 10, 0, NULL));
		ASSERT_EQ(0, mvt_put(self->fd, path, data, sizeof(data), 0,
				     NULL));
		memset(buf, 0x7f, sizeof(buf));
		ASSERT_EQ(0, mvt_export(self->fd, path, M2MV_EXPORT_F_COMPACT,
					buf, &n, &v));
		EXPECT_EQ(2, v);
		ASSERT_LT(n, sizeof(buf) - 1);
		/* Not NUL-terminated, nothing written past the length. */
		EXPECT_EQ(0x7f, buf[n]);
		buf[n] = '\0';
		EXPECT_EQ(n, strlen(buf));
		k = mvt_split_dots(buf, n, part, plen, 8);
		if (mvt_modes[m].mode == M2MV_MODE_MIC) {
			uint8_t pl[sizeof(data) + 8];

			ASSERT_EQ(3, k);
			/* mic: the payload is the plaintext. */
			ASSERT_EQ(b64len(sizeof(data)), plen[1]);
			EXPECT_EQ(sizeof(data),
				  mvt_b64url_decode(pl, part[1], plen[1]));
			EXPECT_EQ(0, memcmp(pl, data, sizeof(data)));
			EXPECT_EQ(b64len(M2MV_HS256_TAG_SIZE), plen[2]);
		} else {
			ASSERT_EQ(5, k);
			if (mvt_modes[m].mode == M2MV_MODE_WRAP) {
				EXPECT_EQ(b64len(M2MV_WRAPPED_KEY_SIZE), plen[1]);
			} else {
				EXPECT_EQ(0, plen[1]);
			}
			EXPECT_EQ(b64len(M2MV_IV_SIZE), plen[2]);
			EXPECT_EQ(b64len(sizeof(data)), plen[3]);
			EXPECT_EQ(b64len(M2MV_GCM_TAG_SIZE), plen[4]);
		}

		/* The protected header, byte for byte (kmod/jose.h). */
		hl = mvt_b64url_decode(hdr, part[0], plen[0]);
		ASSERT_GT(hl, 0);
		ASSERT_LT(hl, sizeof(hdr));
		hdr[hl] = '\0';
		switch (mvt_modes[m].mode) {
		case M2MV_MODE_WRAP:
			snprintf(want, sizeof(want),
				 "{\"alg\":\"A256KW\",\"enc\":\"A256GCM\",\"kid\":\"%s\",\"m2mv_path\":\"%s\",\"m2mv_ver\":2,\"m2mv_store\":\"%s\"}",
				 mvt_modes[m].credid, path, store);
			break;
		case M2MV_MODE_MIC:
			snprintf(want, sizeof(want),
				 "{\"alg\":\"HS256\",\"kid\":\"%s\",\"m2mv_path\":\"%s\",\"m2mv_ver\":2,\"m2mv_store\":\"%s\"}",
				 mvt_modes[m].credid, path, store);
			break;
		default:
			/*
			 * The nonce is random: take it, check its shape. The
			 * derivation id is not stated: it follows from
			 * m2mv_path and m2mv_kdf (kmod/jose.h).
			 */
			ASSERT_EQ(0, json_str((char *)hdr, "m2mv_nonce", nonce,
					      sizeof(nonce)));
			EXPECT_EQ(b64len(M2MV_NONCE_SIZE), strlen(nonce));
			snprintf(want, sizeof(want),
				 "{\"alg\":\"dir\",\"enc\":\"A256GCM\",\"kid\":\"%s\",\"m2mv_path\":\"%s\",\"m2mv_ver\":2,\"m2mv_store\":\"%s\",\"m2mv_kdf\":\"%s\",\"m2mv_nonce\":\"%s\",\"crit\":[\"m2mv_kdf\",\"m2mv_nonce\"]}",
				 mvt_modes[m].credid, path, store,
				 (mvt_modes[m].flags & M2MV_POLICY_F_INSTANCE) ? "instance" : "container",
				 nonce);
			break;
		}
		EXPECT_STREQ(want, (char *)hdr);
	}
}

TEST_F(vault, export_json_object)
{
	static char cbuf[16 << 10], jbuf[16 << 10];
	uint8_t data[333];

	for (size_t m = 0; m < MVT_NMODES; m++) {
		const char *path = mvt_modes[m].path;
		const char *part[8];
		size_t plen[8], cn = sizeof(cbuf) - 1, jn = sizeof(jbuf) - 1;
		char want[4096];
		bool jwe = mvt_modes[m].mode != M2MV_MODE_MIC;
		int k;

		pattern(data, sizeof(data), 7 + m);
		ASSERT_EQ(0, mvt_put(self->fd, path, data, sizeof(data), 0,
				     NULL));
		ASSERT_EQ(0, mvt_export(self->fd, path, 0, cbuf, &cn, NULL));
		memset(jbuf, 0x7f, sizeof(jbuf));
		ASSERT_EQ(0, mvt_export(self->fd, path, M2MV_EXPORT_F_JSON,
					jbuf, &jn, NULL));
		EXPECT_EQ(0x7f, jbuf[jn]);
		cbuf[cn] = jbuf[jn] = '\0';
		EXPECT_EQ(jn, strlen(jbuf));
		ASSERT_GT(jn, 2);
		EXPECT_EQ('{', jbuf[0]);
		EXPECT_EQ('}', jbuf[jn - 1]);
		k = mvt_split_dots(cbuf, cn, part, plen, 8);
		ASSERT_EQ(jwe ? 5 : 3, k);

		/* The same members as the compact form. */
#define MEMBER(name, i) do { \
		snprintf(want, sizeof(want), "\"%s\":\"%.*s\"", name, \
			 (int)plen[i], part[i]); \
		EXPECT_NE(NULL, strstr(jbuf, want)) TH_LOG("%s: %s in %s", \
			  path, want, jbuf); \
	} while (0)
		MEMBER("protected", 0);
		if (jwe) {
			MEMBER("iv", 2);
			MEMBER("ciphertext", 3);
			MEMBER("tag", 4);
			if (mvt_modes[m].mode == M2MV_MODE_WRAP) {
				MEMBER("encrypted_key", 1);
			} else {
				/* RFC 7516 7.2.1: omitted when empty. */
				EXPECT_EQ(NULL, strstr(jbuf, "encrypted_key"));
			}
			EXPECT_EQ(NULL, strstr(jbuf, "\"payload\""));
		} else {
			MEMBER("payload", 1);
			MEMBER("signature", 2);
			EXPECT_EQ(NULL, strstr(jbuf, "\"ciphertext\""));
		}
#undef MEMBER
	}
	/* Unknown export flags. */
	size_t n = sizeof(cbuf);

	EXPECT_EQ(-EINVAL, mvt_export(self->fd, "/w/obj", 2, cbuf, &n, NULL));
}

TEST_F(vault, eoverflow_reports_needed_length)
{
	uint8_t data[100], out[100];
	static char buf[8192];

	for (size_t m = 0; m < MVT_NMODES; m++) {
		const char *path = mvt_modes[m].path;
		size_t n = 10, need;
		uint64_t v = 0;

		pattern(data, sizeof(data), m);
		ASSERT_EQ(0, mvt_put(self->fd, path, data, sizeof(data), 0,
				     NULL));
		memset(out, 0xee, sizeof(out));
		EXPECT_EQ(-EOVERFLOW, mvt_get(self->fd, path, out, &n, &v));
		EXPECT_EQ(sizeof(data), n);
		/* No byte of the plaintext went out. */
		for (size_t i = 0; i < sizeof(out); i++)
			if (out[i] != 0xee) {
				EXPECT_EQ(0xee, out[i]);
				break;
			}
		n = sizeof(data) - 1;
		EXPECT_EQ(-EOVERFLOW, mvt_get(self->fd, path, out, &n, &v));
		EXPECT_EQ(sizeof(data), n);
		n = sizeof(data);
		EXPECT_EQ(0, mvt_get(self->fd, path, out, &n, &v));
		EXPECT_EQ(0, memcmp(out, data, sizeof(data)));

		n = 10;
		EXPECT_EQ(-EOVERFLOW, mvt_export(self->fd, path, 0, buf, &n,
						 NULL));
		need = n;
		EXPECT_LT(100, need);
		n = need - 1;
		EXPECT_EQ(-EOVERFLOW, mvt_export(self->fd, path, 0, buf, &n,
						 NULL));
		EXPECT_EQ(need, n);
		n = need;
		EXPECT_EQ(0, mvt_export(self->fd, path, 0, buf, &n, NULL));
		EXPECT_EQ(need, n);
		n = 0;
		EXPECT_EQ(-EOVERFLOW, mvt_export(self->fd, path,
						 M2MV_EXPORT_F_JSON, buf, &n,
						 NULL));
		need = n;
		EXPECT_LT(100, need);
		n = need;
		EXPECT_EQ(0, mvt_export(self->fd, path, M2MV_EXPORT_F_JSON,
					buf, &n, NULL));
		EXPECT_EQ(need, n);
	}
}

TEST_F(vault, reattach_keeps_everything)
{
	struct mvt_nl_reply rep;
	struct m2mv_stat st;
	uint8_t data[2000], out[2000];
	char path[64];
	uint64_t v = 0;
	size_t n;
	int old;

	for (size_t m = 0; m < MVT_NMODES; m++) {
		for (int i = 1; i <= 3; i++) {
			snprintf(path, sizeof(path), "%s%d", mvt_modes[m].path, i);
			for (int j = 0; j < i; j++) {
				pattern(data, 100 * i + j, m * 1000 + i * 10 + j);
				ASSERT_EQ(0, mvt_put(self->fd, path, data,
						     100 * i + j, 0, NULL));
			}
		}
		/* x2 deleted: tombstone at version 3. */
		snprintf(path, sizeof(path), "%s2", mvt_modes[m].path);
		ASSERT_EQ(0, mvt_del(self->fd, path, 0, &v));
		EXPECT_EQ(3, v);
	}

	old = dup(self->fd);
	ASSERT_EQ(0, mvt_vault_reattach(&self->v, &rep));
	/* A file bound to the detached store stays useless. */
	n = sizeof(out);
	EXPECT_EQ(-ENODEV, mvt_get(old, "/w/obj1", out, &n, NULL));
	EXPECT_EQ(-ENODEV, mvt_put(old, "/w/obj1", "x", 1, 0, NULL));
	close(old);

	/* 6 PUTs and 1 DELETE per mode, plus whatever checkpoints. */
	EXPECT_LE(MVT_NMODES * 7, rep.records);
	EXPECT_EQ(MVT_NMODES * 2, rep.live);
	EXPECT_EQ(0, rep.integrity_errors);
	EXPECT_EQ(0, rep.truncated);

	for (size_t m = 0; m < MVT_NMODES; m++) {
		for (int i = 1; i <= 3; i++) {
			snprintf(path, sizeof(path), "%s%d", mvt_modes[m].path, i);
			n = sizeof(out);
			if (i == 2) {
				EXPECT_EQ(-ENOENT, mvt_get(self->fd, path, out,
							   &n, &v));
				ASSERT_EQ(0, mvt_put(self->fd, path, "back", 4,
						     0, &v));
				EXPECT_EQ(4, v) TH_LOG("%s", path);
				continue;
			}
			ASSERT_EQ(0, mvt_get(self->fd, path, out, &n, &v))
				TH_LOG("%s", path);
			EXPECT_EQ(i, v);
			pattern(data, 100 * i + i - 1, m * 1000 + i * 10 + i - 1);
			EXPECT_EQ(100 * i + i - 1, n);
			EXPECT_EQ(0, memcmp(data, out, n)) TH_LOG("%s", path);
			ASSERT_EQ(0, mvt_stat(self->fd, path, &st));
			EXPECT_EQ(i, st.version);
			EXPECT_STREQ(mvt_modes[m].credid, st.credid);
			/* Versions continue across the re-attach. */
			ASSERT_EQ(0, mvt_put(self->fd, path, "next", 4, 0, &v));
			EXPECT_EQ(i + 1, v) TH_LOG("%s", path);
		}
	}

	/* And once more, with the writes made after the first re-attach. */
	ASSERT_EQ(0, mvt_vault_reattach(&self->v, &rep));
	EXPECT_EQ(MVT_NMODES * 3, rep.live);
	EXPECT_EQ(0, rep.integrity_errors);
	EXPECT_EQ(0, rep.truncated);
	for (size_t m = 0; m < MVT_NMODES; m++) {
		snprintf(path, sizeof(path), "%s3", mvt_modes[m].path);
		n = sizeof(out);
		ASSERT_EQ(0, mvt_get(self->fd, path, out, &n, &v));
		EXPECT_EQ(4, v);
		EXPECT_EQ(4, n);
		EXPECT_EQ(0, memcmp(out, "next", 4));
	}
}

TEST_F(vault, policies_do_not_survive_detach)
{
	struct mvt_nl_reply rep;

	ASSERT_EQ(0, mvt_put(self->fd, "/w/p", "x", 1, 0, NULL));
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, mvt_detach(self->name));
	self->attached = false;
	/* No store of that name any more. */
	EXPECT_EQ(-ENOENT, mvt_policy(self->name, "/w/", MVT_K_WRAP,
				      M2MV_MODE_WRAP, 0));
	EXPECT_EQ(-ENOENT, mvt_detach(self->name));
	self->fd = mvt_open_dev();
	ASSERT_GE(self->fd, 0);
	EXPECT_EQ(-ENOENT, mvt_bind(self->fd, self->name));
	ASSERT_EQ(0, mvt_attach(self->name, self->sfd, MVT_K_STORE, 0,
				&rep));
	self->attached = true;
	ASSERT_EQ(0, mvt_bind(self->fd, self->name));
	/*
	 * Writes need a policy again; reads go by the record's kid, whose
	 * key binding went with the old store until an administrator binds
	 * it again.
	 */
	char out[4];
	size_t n = sizeof(out);

	EXPECT_EQ(-EKEYREJECTED, mvt_get(self->fd, "/w/p", out, &n, NULL));
	EXPECT_EQ(-EACCES, mvt_put(self->fd, "/w/p", "y", 1, 0, NULL));
	EXPECT_EQ(-EACCES, mvt_del(self->fd, "/w/p", 0, NULL));
	ASSERT_EQ(0, mvt_key_bind(self->name, MVT_K_WRAP));
	n = sizeof(out);
	EXPECT_EQ(0, mvt_get(self->fd, "/w/p", out, &n, NULL));
	EXPECT_EQ(-EACCES, mvt_put(self->fd, "/w/p", "y", 1, 0, NULL));
}

TEST_F(vault, sync_put_and_delete)
{
	uint8_t out[8];
	uint64_t v = 0;
	size_t n;

	for (size_t m = 0; m < MVT_NMODES; m++) {
		ASSERT_EQ(0, mvt_put(self->fd, mvt_modes[m].path, "sync1", 5,
				     M2MV_F_SYNC, &v));
		EXPECT_EQ(1, v);
		n = sizeof(out);
		ASSERT_EQ(0, mvt_get(self->fd, mvt_modes[m].path, out, &n, &v));
		EXPECT_EQ(5, n);
		EXPECT_EQ(0, memcmp(out, "sync1", 5));
		ASSERT_EQ(0, mvt_del(self->fd, mvt_modes[m].path, M2MV_F_SYNC, &v));
		EXPECT_EQ(2, v);
	}
}

static struct m2mv_batch_op bop(uint32_t op, uint32_t flags, const char *path,
				const void *data, uint32_t len)
{
	struct m2mv_batch_op o;

	memset(&o, 0, sizeof(o));
	o.op = op;
	o.flags = flags;
	o.path = mvt_ptr(path);
	o.path_len = path ? strlen(path) : 0;
	o.data = mvt_ptr(data);
	o.data_len = len;
	return o;
}

TEST_F(vault, bound_fd_after_detach_is_enodev)
{
	struct m2mv_batch_op op = bop(M2MV_BATCH_PUT, 0, "/w/x", "x", 1);
	static char buf[4096];
	struct m2mv_stat st;
	size_t n;

	ASSERT_EQ(0, mvt_put(self->fd, "/w/x", "x", 1, 0, NULL));
	ASSERT_EQ(0, mvt_detach(self->name));
	self->attached = false;
	/* Every data operation, before anything else, says ENODEV. */
	EXPECT_EQ(-ENODEV, mvt_put(self->fd, "/w/x", "y", 1, 0, NULL));
	EXPECT_EQ(-ENODEV, mvt_put(self->fd, "/x/nopolicy", "y", 1, 0, NULL));
	EXPECT_EQ(-ENODEV, mvt_del(self->fd, "/w/x", 0, NULL));
	n = sizeof(buf);
	EXPECT_EQ(-ENODEV, mvt_get(self->fd, "/w/x", buf, &n, NULL));
	EXPECT_EQ(-ENODEV, mvt_stat(self->fd, "/w/x", &st));
	n = sizeof(buf);
	EXPECT_EQ(-ENODEV, mvt_export(self->fd, "/w/x", 0, buf, &n, NULL));
	EXPECT_EQ(-ENODEV, mvt_list(self->fd, NULL, NULL, 0, buf, sizeof(buf),
				    NULL, NULL));
	/* A batch too, as a call (uapi.rst), running none of its operations. */
	EXPECT_EQ(-ENODEV, mvt_batch(self->fd, &op, 1, NULL));
	EXPECT_EQ(0, op.result);
}

TEST_F(vault, batch_mixed)
{
	char g1[64], g2[64], g3[8], g4[64], g5[64];
	struct m2mv_batch_op ops[10];
	uint32_t done = 0;
	uint8_t out[64];
	size_t n;
	uint64_t v = 0;

	ASSERT_EQ(0, mvt_put(self->fd, "/w/b0", "zero", 4, 0, NULL));
	ASSERT_EQ(0, mvt_put(self->fd, "/m/b9", "nine", 4, 0, NULL));
	ops[0] = bop(M2MV_BATCH_PUT, 0, "/w/b1", "first", 5);
	ops[1] = bop(M2MV_BATCH_PUT, M2MV_F_SYNC, "/d/c/b2", "second", 6);
	ops[2] = bop(M2MV_BATCH_GET, 0, "/w/b1", g1, sizeof(g1));
	ops[3] = bop(M2MV_BATCH_PUT, 0, "/w/b 3", "bad", 3);
	ops[4] = bop(M2MV_BATCH_DELETE, M2MV_F_SYNC, "/w/b0", NULL, 0);
	ops[5] = bop(M2MV_BATCH_GET, 0, "/w/b0", g2, sizeof(g2));
	ops[6] = bop(M2MV_BATCH_GET, 0, "/m/b9", g3, 2);
	ops[7] = bop(M2MV_BATCH_GET, 0, "/m/b9", g4, sizeof(g4));
	ops[8] = bop(M2MV_BATCH_PUT, 0, "/x/nopolicy", "x", 1);
	ops[9] = bop(M2MV_BATCH_GET, 0, "/d/c/b2", g5, sizeof(g5));
	ASSERT_EQ(0, mvt_batch(self->fd, ops, 10, &done));
	EXPECT_EQ(10, done);

	EXPECT_EQ(0, ops[0].result);
	EXPECT_EQ(1, ops[0].version);
	EXPECT_EQ(0, ops[1].result);
	EXPECT_EQ(1, ops[1].version);
	/* Operations run in order: the GET sees the PUT before it. */
	EXPECT_EQ(0, ops[2].result);
	EXPECT_EQ(5, ops[2].data_len);
	EXPECT_EQ(1, ops[2].version);
	EXPECT_EQ(0, memcmp(g1, "first", 5));
	EXPECT_EQ(-EINVAL, ops[3].result);
	EXPECT_EQ(0, ops[4].result);
	EXPECT_EQ(2, ops[4].version);
	EXPECT_EQ(-ENOENT, ops[5].result);
	EXPECT_EQ(-EOVERFLOW, ops[6].result);
	EXPECT_EQ(4, ops[6].data_len);
	EXPECT_EQ(0, ops[7].result);
	EXPECT_EQ(4, ops[7].data_len);
	EXPECT_EQ(0, memcmp(g4, "nine", 4));
	EXPECT_EQ(-EACCES, ops[8].result);
	EXPECT_EQ(0, ops[9].result);
	EXPECT_EQ(0, memcmp(g5, "second", 6));

	/* The effects are visible to single calls. */
	n = sizeof(out);
	EXPECT_EQ(0, mvt_get(self->fd, "/d/c/b2", out, &n, &v));
	EXPECT_EQ(6, n);
	EXPECT_EQ(-ENOENT, mvt_get(self->fd, "/w/b0", out, &n, &v));
	n = sizeof(out);
	EXPECT_EQ(-ENOENT, mvt_get(self->fd, "/x/nopolicy", out, &n, &v));
}

TEST_F(vault, batch_malformed_runs_nothing)
{
	struct m2mv_batch_op ops[3];
	struct m2mv_batch b;
	uint8_t out[8];
	size_t n = sizeof(out);

#define RESET() do { \
		ops[0] = bop(M2MV_BATCH_PUT, 0, "/w/m0", "a", 1); \
		ops[1] = bop(M2MV_BATCH_PUT, 0, "/w/m1", "b", 1); \
		ops[2] = bop(M2MV_BATCH_PUT, 0, "/w/m2", "c", 1); \
	} while (0)
#define REFUSED(what) do { \
		EXPECT_EQ(-EINVAL, mvt_batch(self->fd, ops, 3, NULL)) \
			TH_LOG("%s", what); \
		RESET(); \
	} while (0)

	/* Reserved fields and flags: abi_test. */
	RESET();
	ops[1].op = 99;
	REFUSED("unknown op");
	ops[2].op = 0;
	REFUSED("op 0");

	memset(&b, 0, sizeof(b));
	b.ops = mvt_ptr(ops);
	b.count = 0;
	EXPECT_EQ(-EINVAL, mvt_ioc(self->fd, M2MV_IOC_BATCH, &b));
	b.count = M2MV_BATCH_MAX + 1;
	EXPECT_EQ(-EINVAL, mvt_ioc(self->fd, M2MV_IOC_BATCH, &b));
	b.count = 3;
	b.ops = 8;
	EXPECT_EQ(-EFAULT, mvt_ioc(self->fd, M2MV_IOC_BATCH, &b));

	/* None of the PUTs ran. */
	for (int i = 0; i < 3; i++) {
		char p[8];

		snprintf(p, sizeof(p), "/w/m%d", i);
		n = sizeof(out);
		EXPECT_EQ(-ENOENT, mvt_get(self->fd, p, out, &n, NULL));
	}
	/* And the well-formed batch does run. */
	ASSERT_EQ(0, mvt_batch(self->fd, ops, 3, NULL));
	EXPECT_EQ(0, ops[0].result);
	EXPECT_EQ(0, ops[2].result);
#undef RESET
#undef REFUSED
}

TEST_F(vault, batch_bad_path_pointer_is_per_op)
{
	struct m2mv_batch_op ops[2];

	ops[0] = bop(M2MV_BATCH_PUT, 0, "/w/ok", "a", 1);
	ops[1] = bop(M2MV_BATCH_PUT, 0, NULL, "b", 1);
	ops[1].path = 8;
	ops[1].path_len = 4;
	ASSERT_EQ(0, mvt_batch(self->fd, ops, 2, NULL));
	EXPECT_EQ(0, ops[0].result);
	EXPECT_EQ(-EFAULT, ops[1].result);
	ops[0] = bop(M2MV_BATCH_PUT, 0, "/w/ok2", NULL, 16);
	ops[0].data = 8;
	ASSERT_EQ(0, mvt_batch(self->fd, ops, 1, NULL));
	EXPECT_EQ(-EFAULT, ops[0].result);
}

/* ------------------------------------------------------------- errors */

TEST_F(vault, unbound_fd_is_enxio)
{
	int fd = mvt_open_dev();
	struct m2mv_batch_op op = bop(M2MV_BATCH_GET, 0, "/w/x", NULL, 0);
	struct m2mv_stat st;
	uint8_t buf[256];
	size_t n = sizeof(buf);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(-ENXIO, mvt_put(fd, "/w/x", "x", 1, 0, NULL));
	EXPECT_EQ(-ENXIO, mvt_get(fd, "/w/x", buf, &n, NULL));
	EXPECT_EQ(-ENXIO, mvt_del(fd, "/w/x", 0, NULL));
	EXPECT_EQ(-ENXIO, mvt_stat(fd, "/w/x", &st));
	EXPECT_EQ(-ENXIO, mvt_list(fd, NULL, NULL, 0, buf, sizeof(buf), NULL,
				   NULL));
	n = sizeof(buf);
	EXPECT_EQ(-ENXIO, mvt_export(fd, "/w/x", 0, buf, &n, NULL));
	EXPECT_EQ(-ENXIO, mvt_batch(fd, &op, 1, NULL));
	/* Binding to a store that does not exist leaves it unbound. */
	EXPECT_EQ(-ENOENT, mvt_bind(fd, "no-such-store"));
	EXPECT_EQ(-ENXIO, mvt_put(fd, "/w/x", "x", 1, 0, NULL));
	EXPECT_EQ(-EINVAL, mvt_bind(fd, ""));
	EXPECT_EQ(-EINVAL, mvt_bind(fd, "bad name"));
	/* Store names are ASCII: [A-Za-z0-9._-] only. */
	EXPECT_EQ(-EINVAL, mvt_bind(fd, "st\xe9"));
	EXPECT_EQ(-EINVAL, mvt_bind(fd, "\xff"));
	close(fd);
}

TEST_F(vault, bad_pointers_are_efault)
{
	static const unsigned long cmds[] = {
		M2MV_IOC_PUT, M2MV_IOC_GET, M2MV_IOC_DELETE, M2MV_IOC_STAT,
		M2MV_IOC_LIST, M2MV_IOC_EXPORT, M2MV_IOC_BATCH, M2MV_IOC_BIND,
	};
	long page = sysconf(_SC_PAGESIZE);
	void *none = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	uint64_t bad[] = { 8, mvt_ptr(none) };
	struct m2mv_stat st;
	uint8_t buf[256];
	uint64_t v = 0;
	size_t n;

	ASSERT_NE(MAP_FAILED, none);
	ASSERT_EQ(0, mvt_put(self->fd, "/w/e", "exists", 6, 0, NULL));

	for (size_t b = 0; b < 2; b++) {
		void *arg = (void *)(uintptr_t)bad[b];

		for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
			EXPECT_EQ(-EFAULT, mvt_ioc(self->fd, cmds[i], arg))
				TH_LOG("cmd %#lx arg %p", cmds[i], arg);
		}
	}

	for (size_t b = 0; b < 2; b++) {
		struct m2mv_put p = { .path = bad[b], .path_len = 4,
				      .data = mvt_ptr("x"), .data_len = 1 };
		struct m2mv_get g = { .path = bad[b], .path_len = 4,
				      .data = mvt_ptr(buf),
				      .data_len = sizeof(buf) };
		struct m2mv_del d = { .path = bad[b], .path_len = 4 };
		struct m2mv_stat s = { .path = bad[b], .path_len = 4 };
		struct m2mv_export e = { .path = bad[b], .path_len = 4,
					 .buf = mvt_ptr(buf),
					 .buf_len = sizeof(buf) };
		struct m2mv_list l = { .prefix = bad[b], .prefix_len = 3,
				       .buf = mvt_ptr(buf),
				       .buf_len = sizeof(buf) };

		EXPECT_EQ(-EFAULT, mvt_ioc(self->fd, M2MV_IOC_PUT, &p));
		EXPECT_EQ(-EFAULT, mvt_ioc(self->fd, M2MV_IOC_GET, &g));
		EXPECT_EQ(-EFAULT, mvt_ioc(self->fd, M2MV_IOC_DELETE, &d));
		EXPECT_EQ(-EFAULT, mvt_ioc(self->fd, M2MV_IOC_STAT, &s));
		EXPECT_EQ(-EFAULT, mvt_ioc(self->fd, M2MV_IOC_EXPORT, &e));
		EXPECT_EQ(-EFAULT, mvt_ioc(self->fd, M2MV_IOC_LIST, &l));
		l.prefix = 0;
		l.prefix_len = 0;
		l.after = bad[b];
		l.after_len = 3;
		EXPECT_EQ(-EFAULT, mvt_ioc(self->fd, M2MV_IOC_LIST, &l));
		l.after = 0;
		l.after_len = 0;
		l.buf = bad[b];
		EXPECT_EQ(-EFAULT, mvt_ioc(self->fd, M2MV_IOC_LIST, &l));

		/* Plaintext from a bad pointer: nothing is written. */
		p.path = mvt_ptr("/w/f");
		p.data = bad[b];
		p.data_len = 100;
		EXPECT_EQ(-EFAULT, mvt_ioc(self->fd, M2MV_IOC_PUT, &p));
		/* Output to a bad pointer. */
		g.path = mvt_ptr("/w/e");
		g.data = bad[b];
		EXPECT_EQ(-EFAULT, mvt_ioc(self->fd, M2MV_IOC_GET, &g));
		e.path = mvt_ptr("/w/e");
		e.buf = bad[b];
		e.buf_len = 4096;
		EXPECT_EQ(-EFAULT, mvt_ioc(self->fd, M2MV_IOC_EXPORT, &e));
	}
	n = sizeof(buf);
	EXPECT_EQ(-ENOENT, mvt_get(self->fd, "/w/f", buf, &n, NULL));
	EXPECT_EQ(-ENOENT, mvt_stat(self->fd, "/w/f", &st));
	/* The failed PUTs did not use up a version. */
	ASSERT_EQ(0, mvt_put(self->fd, "/w/f", "ok", 2, 0, &v));
	EXPECT_EQ(1, v);
	munmap(none, page);
}

TEST_F(vault, oversize_blob_is_emsgsize)
{
	char buf[32];
	uint8_t small[8] = { 0 };
	uint8_t *big;
	uint64_t v = 0;
	size_t n;
	int ret;

	/* The size check comes before the copy: a tiny buffer will do. */
	ASSERT_EQ(-EMSGSIZE, mvt_put(self->fd, "/w/big", small,
				     M2MV_BLOB_MAX_DEFAULT + 1, 0, NULL));
	ASSERT_EQ(-EMSGSIZE, mvt_put(self->fd, "/m/big", small, UINT32_MAX,
				     0, NULL));

	ret = mvt_param_read("max_blob", self->saved_max_blob,
			     sizeof(self->saved_max_blob));
	if (ret)
		SKIP(return, "no max_blob parameter: %s", strerror(-ret));
	ASSERT_EQ(0, mvt_param_write("max_blob", "4096"));
	big = calloc(1, 4097);
	ASSERT_NE(NULL, big);
	for (size_t m = 0; m < MVT_NMODES; m++) {
		EXPECT_EQ(0, mvt_put(self->fd, mvt_modes[m].path, big, 4096, 0,
				     &v));
		EXPECT_EQ(-EMSGSIZE, mvt_put(self->fd, mvt_modes[m].path, big,
					     4097, 0, NULL));
		n = 4097;
		EXPECT_EQ(0, mvt_get(self->fd, mvt_modes[m].path, big, &n, &v));
		EXPECT_EQ(1, v) TH_LOG("the refused PUT changed nothing");
	}
	/* Also inside a batch. */
	struct m2mv_batch_op op = bop(M2MV_BATCH_PUT, 0, "/w/b", big, 4097);

	ASSERT_EQ(0, mvt_batch(self->fd, &op, 1, NULL));
	EXPECT_EQ(-EMSGSIZE, op.result);
	free(big);
	/* The teardown restores the parameter; check that it can. */
	EXPECT_EQ(0, mvt_param_write("max_blob", self->saved_max_blob));
	ASSERT_EQ(0, mvt_param_read("max_blob", buf, sizeof(buf)));
	EXPECT_STREQ(self->saved_max_blob, buf);
}

/* Call every path-taking ioctl with @path/@len; each must fail with @err. */
static void all_refuse_path(struct __test_metadata *_metadata,
			    FIXTURE_DATA(vault) *self, const char *path,
			    uint32_t len, int err)
{
	uint8_t buf[512];
	struct m2mv_put p = { .path = mvt_ptr(path), .path_len = len,
			      .data = mvt_ptr("x"), .data_len = 1 };
	struct m2mv_get g = { .path = mvt_ptr(path), .path_len = len,
			      .data = mvt_ptr(buf), .data_len = sizeof(buf) };
	struct m2mv_del d = { .path = mvt_ptr(path), .path_len = len };
	struct m2mv_stat s = { .path = mvt_ptr(path), .path_len = len };
	struct m2mv_export e = { .path = mvt_ptr(path), .path_len = len,
				 .buf = mvt_ptr(buf), .buf_len = sizeof(buf) };
	struct m2mv_list l = { .prefix = mvt_ptr(path), .prefix_len = len,
			       .buf = mvt_ptr(buf), .buf_len = sizeof(buf) };
	struct m2mv_batch_op op = bop(M2MV_BATCH_PUT, 0, NULL, "x", 1);

	EXPECT_EQ(-err, mvt_ioc(self->fd, M2MV_IOC_PUT, &p))
		TH_LOG("PUT %.*s (%u)", (int)(len > 40 ? 40 : len), path, len);
	EXPECT_EQ(-err, mvt_ioc(self->fd, M2MV_IOC_GET, &g))
		TH_LOG("GET %.*s (%u)", (int)(len > 40 ? 40 : len), path, len);
	EXPECT_EQ(-err, mvt_ioc(self->fd, M2MV_IOC_DELETE, &d))
		TH_LOG("DELETE %.*s (%u)", (int)(len > 40 ? 40 : len), path, len);
	EXPECT_EQ(-err, mvt_ioc(self->fd, M2MV_IOC_STAT, &s))
		TH_LOG("STAT %.*s (%u)", (int)(len > 40 ? 40 : len), path, len);
	EXPECT_EQ(-err, mvt_ioc(self->fd, M2MV_IOC_EXPORT, &e))
		TH_LOG("EXPORT %.*s (%u)", (int)(len > 40 ? 40 : len), path, len);
	if (len) {
		/* An empty prefix is valid for LIST and POLICY. */
		EXPECT_EQ(-err, mvt_ioc(self->fd, M2MV_IOC_LIST, &l))
			TH_LOG("LIST prefix %.*s (%u)",
			       (int)(len > 40 ? 40 : len), path, len);
		l.prefix = 0;
		l.prefix_len = 0;
		l.after = mvt_ptr(path);
		l.after_len = len;
		EXPECT_EQ(-err, mvt_ioc(self->fd, M2MV_IOC_LIST, &l))
			TH_LOG("LIST after %.*s (%u)",
			       (int)(len > 40 ? 40 : len), path, len);
		/* The netlink POLICY_SET applies the same path rules. */
		if (err == EINVAL && !memchr(path, 0, len)) {
			char *prefix = strndup(path, len);

			ASSERT_NE(NULL, prefix);
			EXPECT_EQ(-err, mvt_policy(self->name, prefix, MVT_K_WRAP,
						   M2MV_MODE_WRAP, 0))
				TH_LOG("POLICY %.*s (%u)",
				       (int)(len > 40 ? 40 : len), path, len);
			free(prefix);
		}
	}
	op.path = mvt_ptr(path);
	op.path_len = len;
	EXPECT_EQ(0, mvt_batch(self->fd, &op, 1, NULL));
	EXPECT_EQ(-err, op.result);
}

TEST_F(vault, path_length_limits)
{
	static char path[M2MV_PATH_MAX + 2];
	uint8_t out[4];
	size_t n = sizeof(out);
	uint64_t v = 0;

	memset(path, 'a', sizeof(path) - 1);
	memcpy(path, "/w/", 3);
	path[M2MV_PATH_MAX + 1] = '\0';
	all_refuse_path(_metadata, self, path, M2MV_PATH_MAX + 1, ENAMETOOLONG);
	all_refuse_path(_metadata, self, path, UINT32_MAX, ENAMETOOLONG);
	all_refuse_path(_metadata, self, path, 1U << 16, ENAMETOOLONG);
	/* Exactly M2MV_PATH_MAX is fine. */
	path[M2MV_PATH_MAX] = '\0';
	ASSERT_EQ(0, mvt_put(self->fd, path, "abc", 3, 0, &v));
	EXPECT_EQ(1, v);
	ASSERT_EQ(0, mvt_get(self->fd, path, out, &n, &v));
	EXPECT_EQ(3, n);
	EXPECT_EQ(0, memcmp(out, "abc", 3));
	n = sizeof(out);
	EXPECT_EQ(-ENOENT, mvt_get(self->fd, "/w/a", out, &n, &v));
}

TEST_F(vault, bad_path_characters)
{
	static const struct { const char *p; uint32_t len; } bad[] = {
		{ "/w/a b", 6 }, { "/w/a\0b", 6 }, { "/w/\xc3\xa9", 5 },
		{ "/w/a?b", 6 }, { "/w/a\"b", 6 }, { "/w/a\\b", 6 },
		{ "/w/a\nb", 6 }, { "/w/a%b", 6 }, { "/w/a:b", 6 },
		{ "/w/a\x7f", 5 }, { "/w/a\xff", 5 }, { "/w/a#", 5 },
	};
	uint8_t out[4];
	size_t n;

	all_refuse_path(_metadata, self, "/w/x", 0, EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		all_refuse_path(_metadata, self, bad[i].p, bad[i].len, EINVAL);
	/* Every byte outside [A-Za-z0-9._~/-], for PUT and GET. */
	char accepted[3 * 256 + 1] = "";
	int naccepted = 0;

	for (int c = 0; c < 256; c++) {
		char p[6] = { '/', 'w', '/', 'a', (char)c, 'b' };
		struct m2mv_get g = { .path = mvt_ptr(p), .path_len = 6,
				      .data = mvt_ptr(out),
				      .data_len = sizeof(out) };
		struct m2mv_put pu = { .path = mvt_ptr(p), .path_len = 6,
				       .data = mvt_ptr("x"), .data_len = 1 };
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '_' ||
			  c == '~' || c == '/' || c == '-';

		if (ok)
			continue;
		if (mvt_ioc(self->fd, M2MV_IOC_GET, &g) != -EINVAL ||
		    mvt_ioc(self->fd, M2MV_IOC_PUT, &pu) != -EINVAL) {
			sprintf(accepted + strlen(accepted), "%02x ", c);
			naccepted++;
		}
	}
	EXPECT_EQ(0, naccepted) TH_LOG("bytes not refused with EINVAL: %s",
				       accepted);
	/* Every allowed character. */
	const char *good = "/w/AZaz09._~-/x";

	ASSERT_EQ(0, mvt_put(self->fd, good, "ok", 2, 0, NULL));
	n = sizeof(out);
	EXPECT_EQ(0, mvt_get(self->fd, good, out, &n, NULL));
	/* Nothing was written for any of the refused paths. */
	n = sizeof(out);
	EXPECT_EQ(-ENOENT, mvt_get(self->fd, "/w/a", out, &n, NULL));
}

/*
 * Attach, detach and policies are netlink commands only (genl_test covers
 * their argument checks); the interim ioctl numbers 0x40-0x42 of early
 * development are unknown to the device.
 */
TEST_F(vault, control_is_not_an_ioctl)
{
	for (unsigned int nr = 0x40; nr <= 0x42; nr++) {
		EXPECT_EQ(-ENOTTY, mvt_ioc(self->ctl, _IO(M2MV_IOC_MAGIC, nr),
					   NULL));
		EXPECT_EQ(-ENOTTY, mvt_ioc(self->fd,
					   _IOWR(M2MV_IOC_MAGIC, nr,
						 struct m2mv_batch), NULL));
	}
	/* The store is still attached and serving. */
	EXPECT_EQ(0, mvt_put(self->fd, "/w/still", "x", 1, 0, NULL));
}

TEST_F(vault, attach_bad_files)
{
	char file[256], name[M2MV_NAME_MAX];
	uint8_t junk[8192];
	int rfd, sfd, dfd;

	mvt_store_name(name, "bad");
	EXPECT_EQ(-EBADF, mvt_attach(name, -1, MVT_K_STORE, 0, NULL));
	EXPECT_EQ(-EBADF, mvt_attach(name, 1000000, MVT_K_STORE, 0,
				     NULL));
	dfd = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_GE(dfd, 0);
	EXPECT_EQ(-EINVAL, mvt_attach(name, dfd, MVT_K_STORE,
				      M2MV_ATTACH_F_RDONLY, NULL));
	close(dfd);

	sfd = mvt_store_file(file, sizeof(file), NULL, "bad");
	ASSERT_GE(sfd, 0);
	/* Read-only fd without M2MV_ATTACH_F_RDONLY. */
	rfd = open(file, O_RDONLY | O_CLOEXEC);
	ASSERT_GE(rfd, 0);
	EXPECT_EQ(-EBADF, mvt_attach(name, rfd, MVT_K_STORE, 0, NULL));
	close(rfd);
	/* Not a store. */
	pattern(junk, sizeof(junk), 42);
	ASSERT_EQ(sizeof(junk), pwrite(sfd, junk, sizeof(junk), 0));
	EXPECT_EQ(-EBADMSG, mvt_attach(name, sfd, MVT_K_STORE, 0, NULL));
	EXPECT_EQ(-ENOENT, mvt_detach(name));
	close(sfd);
	unlink(file);
}

/* The whole of @fd, for comparing before and after (caller frees). */
static uint8_t *file_bytes(int fd, off_t *size)
{
	struct stat st;
	uint8_t *buf;

	if (fstat(fd, &st))
		return NULL;
	buf = malloc(st.st_size ? st.st_size : 1);
	if (buf && pread(fd, buf, st.st_size, 0) != st.st_size) {
		free(buf);
		return NULL;
	}
	*size = st.st_size;
	return buf;
}

/* Is the file of @fd exactly @size bytes of @want? */
static bool file_is(int fd, const uint8_t *want, off_t size)
{
	off_t now_size;
	uint8_t *now = file_bytes(fd, &now_size);
	bool same = now && now_size == size && !memcmp(now, want, size);

	free(now);
	return same;
}

/*
 * Attach formats only when asked (M2MV_ATTACH_F_CREATE), and only an empty
 * file: an empty file without the flag is ENODATA, the flag on anything
 * else EEXIST, the flag with read-only EINVAL; each refusal leaves the file
 * as it was, byte for byte, and attaches nothing.
 */
TEST_F(vault, attach_formats_only_when_asked)
{
	char file[256], name[M2MV_NAME_MAX], out[8];
	struct mvt_nl_reply rep;
	uint8_t junk[6000], *before;
	off_t size;
	size_t n;
	int efd, rfd;

	pattern(junk, sizeof(junk), 7);
	mvt_store_name(name, "fmt");
	efd = mvt_store_file(file, sizeof(file), NULL, "fmt");
	ASSERT_GE(efd, 0);
	rfd = open(file, O_RDONLY | O_CLOEXEC);
	ASSERT_GE(rfd, 0);

	/* An empty file is no store: ENODATA, writable or read-only. */
	EXPECT_EQ(-ENODATA, mvt_attach(name, efd, MVT_K_STORE, 0, &rep));
	EXPECT_NE(NULL, strstr(rep.msg, "empty")) TH_LOG("'%s'", rep.msg);
	EXPECT_EQ(-ENODATA, mvt_attach(name, rfd, MVT_K_STORE,
				       M2MV_ATTACH_F_RDONLY, &rep));
	/* A new store cannot be read-only, whatever the fd allows. */
	EXPECT_EQ(-EINVAL, mvt_attach(name, efd, MVT_K_STORE,
				      M2MV_ATTACH_F_CREATE |
				      M2MV_ATTACH_F_RDONLY, &rep));
	EXPECT_NE(NULL, strstr(rep.msg, "read-only")) TH_LOG("'%s'", rep.msg);
	EXPECT_EQ(-EINVAL, mvt_attach(name, rfd, MVT_K_STORE,
				      M2MV_ATTACH_F_CREATE |
				      M2MV_ATTACH_F_RDONLY, NULL));
	/* Nor be made through a read-only fd. */
	EXPECT_EQ(-EBADF, mvt_attach(name, rfd, MVT_K_STORE,
				     M2MV_ATTACH_F_CREATE, NULL));
	EXPECT_TRUE(file_is(efd, junk, 0));
	EXPECT_EQ(-ENOENT, mvt_detach(name));

	/* Something that is not a store, long or short: never formatted. */
	ASSERT_EQ(sizeof(junk), pwrite(efd, junk, sizeof(junk), 0));
	EXPECT_EQ(-EEXIST, mvt_attach(name, efd, MVT_K_STORE,
				      M2MV_ATTACH_F_CREATE, &rep));
	EXPECT_NE(NULL, strstr(rep.msg, "not empty")) TH_LOG("'%s'", rep.msg);
	EXPECT_TRUE(file_is(efd, junk, sizeof(junk)));
	EXPECT_EQ(-EBADMSG, mvt_attach(name, efd, MVT_K_STORE, 0, NULL));
	ASSERT_EQ(0, ftruncate(efd, 100));
	EXPECT_EQ(-EEXIST, mvt_attach(name, efd, MVT_K_STORE,
				      M2MV_ATTACH_F_CREATE, NULL));
	EXPECT_TRUE(file_is(efd, junk, 100));
	EXPECT_EQ(-EBADMSG, mvt_attach(name, efd, MVT_K_STORE, 0, NULL));
	EXPECT_EQ(-ENOENT, mvt_detach(name));
	close(rfd);
	close(efd);
	unlink(file);

	/* A store with records, detached: a create of it is refused. */
	ASSERT_EQ(0, mvt_put(self->fd, "/w/keep", "kept", 4, M2MV_F_SYNC,
			     NULL));
	ASSERT_EQ(0, mvt_vault_detach(&self->v));
	before = file_bytes(self->sfd, &size);
	ASSERT_NE(NULL, before);
	ASSERT_LT(M2MV_SUPER_SIZE, size);
	EXPECT_EQ(-EEXIST, mvt_attach(self->name, self->sfd, MVT_K_STORE,
				      M2MV_ATTACH_F_CREATE, &rep));
	EXPECT_NE(NULL, strstr(rep.msg, "not empty")) TH_LOG("'%s'", rep.msg);
	EXPECT_TRUE(file_is(self->sfd, before, size));
	free(before);
	/* ... and left it whole: it attaches and reads as before. */
	ASSERT_EQ(0, mvt_vault_attach(&self->v, &rep));
	EXPECT_EQ(1, rep.live);
	EXPECT_EQ(0, rep.integrity_errors);
	EXPECT_EQ(0, rep.truncated);
	n = sizeof(out);
	ASSERT_EQ(0, mvt_get(self->fd, "/w/keep", out, &n, NULL));
	EXPECT_EQ(4, n);
	EXPECT_EQ(0, memcmp(out, "kept", 4));
}

TEST_F(vault, policy_rejects_bad_modes_and_names)
{
	/* A mode out of range: ERANGE (unknown flag bits: abi_test). */
	EXPECT_EQ(-ERANGE, mvt_policy(self->name, "/p/", MVT_K_WRAP,
				      M2MV_MODE_NONE, 0));
	EXPECT_EQ(-ERANGE, mvt_policy(self->name, "/p/", MVT_K_WRAP,
				      __M2MV_MODE_MAX, 0));
	EXPECT_EQ(-EINVAL, mvt_policy(self->name, "/p/", MVT_K_WRAP,
				      M2MV_MODE_WRAP, M2MV_POLICY_F_INSTANCE));
	EXPECT_EQ(-EINVAL, mvt_policy("", "/p/", MVT_K_WRAP, M2MV_MODE_WRAP, 0));
	EXPECT_EQ(-EINVAL, mvt_detach(""));
	/* The store is still attached, and no policy was set for /p/. */
	EXPECT_EQ(0, mvt_put(self->fd, "/w/still", "x", 1, 0, NULL));
	EXPECT_EQ(-EACCES, mvt_put(self->fd, "/p/x", "x", 1, 0, NULL));
	EXPECT_EQ(0, mvt_policy(self->name, "/p/", MVT_K_WRAP, M2MV_MODE_WRAP, 0));
	EXPECT_EQ(0, mvt_put(self->fd, "/p/x", "x", 1, 0, NULL));
}

TEST_F(vault, no_policy_is_eacces)
{
	uint8_t out[8];
	size_t n = sizeof(out);
	uint64_t v = 0;

	EXPECT_EQ(-EACCES, mvt_put(self->fd, "/x/none", "x", 1, 0, NULL));
	EXPECT_EQ(-EACCES, mvt_del(self->fd, "/x/none", 0, NULL));
	/* A prefix is a byte prefix, not a path component. */
	EXPECT_EQ(-EACCES, mvt_put(self->fd, "/w", "x", 1, 0, NULL));

	ASSERT_EQ(0, mvt_put(self->fd, "/w/keep", "kept", 4, 0, NULL));
	ASSERT_EQ(0, mvt_policy_del(self->name, "/w/"));
	EXPECT_EQ(-ENOENT, mvt_policy_del(self->name, "/w/"));
	EXPECT_EQ(-EACCES, mvt_put(self->fd, "/w/keep", "x", 1, 0, NULL));
	EXPECT_EQ(-EACCES, mvt_del(self->fd, "/w/keep", 0, NULL));
	/* Reads go by the record's kid, not the policy. */
	EXPECT_EQ(0, mvt_get(self->fd, "/w/keep", out, &n, &v));
	EXPECT_EQ(4, n);

	/* The empty prefix covers everything; the longest prefix wins. */
	ASSERT_EQ(0, mvt_policy(self->name, "", MVT_K_MIC,
				M2MV_MODE_MIC, 0));
	ASSERT_EQ(0, mvt_put(self->fd, "/x/any", "x", 1, 0, NULL));
	ASSERT_EQ(0, mvt_put(self->fd, "/d/c2/y", "y", 1, 0, NULL));
	struct m2mv_stat st;

	ASSERT_EQ(0, mvt_stat(self->fd, "/x/any", &st));
	EXPECT_EQ(M2MV_MODE_MIC, st.mode);
	ASSERT_EQ(0, mvt_stat(self->fd, "/d/c2/y", &st));
	EXPECT_EQ(M2MV_MODE_DIR, st.mode);
	/* Replacing a policy takes effect for the next PUT. */
	ASSERT_EQ(0, mvt_policy(self->name, "/d/", MVT_K_WRAP,
				M2MV_MODE_WRAP, 0));
	ASSERT_EQ(0, mvt_put(self->fd, "/d/c2/y", "z", 1, 0, &v));
	EXPECT_EQ(2, v);
	ASSERT_EQ(0, mvt_stat(self->fd, "/d/c2/y", &st));
	EXPECT_EQ(M2MV_MODE_WRAP, st.mode);
	EXPECT_STREQ(MVT_K_WRAP, st.credid);
	/* Unknown store. */
	EXPECT_EQ(-ENOENT, mvt_policy("no-such-store", "/w/",
				      MVT_K_WRAP, M2MV_MODE_WRAP, 0));
}

/*
 * Many policies over nested and sibling prefixes of ten lengths under "/z"
 * (of "ab/"), wrap and mic at random, some replaced, some deleted and set
 * again:
 * the dump (several messages, each resuming the walk where the last one
 * stopped) lists them in the order they were first set, and each PUT is
 * sealed under the policy whose prefix is the longest byte prefix of its
 * path, as a brute force over the same set finds, or refused (paths of
 * "ab/c": a 'c' is in no prefix).
 */
#define LPM_PREFIX	16
#define LPM_MAX		700

struct lpm {
	int n;
	char prefix[LPM_MAX][LPM_PREFIX];
	uint32_t mode[LPM_MAX];
	uint32_t rnd;
	/* what the dump listed under "/z" */
	const char *store;
	int seen;
	bool bad;
};

static uint32_t lpm_rand(struct lpm *t)
{
	t->rnd ^= t->rnd << 13;
	t->rnd ^= t->rnd >> 17;
	t->rnd ^= t->rnd << 5;
	return t->rnd;
}

/* "/z" and from @min to @max bytes of @abc at @out. */
static void lpm_prefix(struct lpm *t, char *out, int min, int max,
		       const char *abc)
{
	int len = min + lpm_rand(t) % (max - min + 1), i;

	out[0] = '/';
	out[1] = 'z';
	for (i = 0; i < len; i++)
		out[2 + i] = abc[lpm_rand(t) % strlen(abc)];
	out[2 + len] = '\0';
}

static int lpm_find(const struct lpm *t, const char *prefix)
{
	for (int i = 0; i < t->n; i++)
		if (!strcmp(t->prefix[i], prefix))
			return i;
	return -1;
}

static const char *lpm_credid(uint32_t mode)
{
	return mode == M2MV_MODE_WRAP ? MVT_K_WRAP : MVT_K_MIC;
}

/* Set @prefix to a random mode, in the store and in the model. */
static int lpm_set(struct lpm *t, const char *store, const char *prefix)
{
	uint32_t mode = lpm_rand(t) % 2 ? M2MV_MODE_WRAP : M2MV_MODE_MIC;
	int i = lpm_find(t, prefix), ret;

	if (i < 0 && t->n == LPM_MAX)
		return 0;
	ret = mvt_policy(store, prefix, lpm_credid(mode), mode, 0);
	if (ret)
		return ret;
	if (i < 0) {
		i = t->n++;
		snprintf(t->prefix[i], LPM_PREFIX, "%s", prefix);
	}
	t->mode[i] = mode;
	return 0;
}

static int lpm_del(struct lpm *t, const char *store, int i)
{
	int ret = mvt_policy_del(store, t->prefix[i]);

	if (ret)
		return ret;
	t->n--;
	memmove(t->prefix[i], t->prefix[i + 1], (t->n - i) * LPM_PREFIX);
	memmove(&t->mode[i], &t->mode[i + 1], (t->n - i) * sizeof(t->mode[0]));
	return 0;
}

static void lpm_on_policy(struct nlattr **tb, void *arg)
{
	struct lpm *t = arg;
	int len;

	if (!tb[M2MV_A_NAME] || !tb[M2MV_A_PREFIX] || !tb[M2MV_A_MODE] ||
	    strcmp(nla_data(tb[M2MV_A_NAME]), t->store))
		return;
	len = nla_len(tb[M2MV_A_PREFIX]);
	if (len < 2 || memcmp(nla_data(tb[M2MV_A_PREFIX]), "/z", 2))
		return;
	if (t->seen >= t->n || len != (int)strlen(t->prefix[t->seen]) ||
	    memcmp(nla_data(tb[M2MV_A_PREFIX]), t->prefix[t->seen], len) ||
	    nla_get_u32(tb[M2MV_A_MODE]) != t->mode[t->seen])
		t->bad = true;
	t->seen++;
}

TEST_F(vault, longest_prefix_among_many_policies)
{
	struct lpm *t = calloc(1, sizeof(*t));
	char prefix[LPM_PREFIX], path[LPM_PREFIX + 8];
	int i, round, hits = 0, misses = 0;

	ASSERT_NE(NULL, t);
	t->rnd = 0x6c706d31;
	t->store = self->name;
	for (round = 0; round < 3; round++) {
		/* sets (new prefixes and replacements), then deletes */
		for (i = 0; i < 300; i++) {
			lpm_prefix(t, prefix, 1, 10, "ab/");
			ASSERT_EQ(0, lpm_set(t, self->name, prefix))
				TH_LOG("set %s", prefix);
		}
		for (i = 0; i < 80 && t->n; i++) {
			int k = lpm_rand(t) % t->n;

			ASSERT_EQ(0, lpm_del(t, self->name, k));
		}
		EXPECT_EQ(-ENOENT, mvt_policy_del(self->name, "/zzz"));

		t->seen = 0;
		t->bad = false;
		ASSERT_EQ(0, mvt_nl_dump(M2MV_CMD_POLICY_GET, lpm_on_policy, t));
		EXPECT_EQ(t->n, t->seen);
		EXPECT_FALSE(t->bad) TH_LOG("the dump's order or modes");

		for (i = 0; i < 150; i++) {
			int best = -1, len, ret;
			struct m2mv_stat st;

			if (i % 2 && t->n) {
				/* one of the prefixes and up to 3 bytes more */
				int k = lpm_rand(t) % t->n;

				snprintf(path, sizeof(path), "%s", t->prefix[k]);
				lpm_prefix(t, prefix, 0, 3, "ab/c");
				strcat(path, prefix + 2);
			} else {
				lpm_prefix(t, path, 0, 12, "ab/c");
			}
			len = strlen(path);
			for (int k = 0; k < t->n; k++) {
				int pl = strlen(t->prefix[k]);

				if (pl <= len && !memcmp(t->prefix[k], path, pl) &&
				    (best < 0 || pl > (int)strlen(t->prefix[best])))
					best = k;
			}
			ret = mvt_put(self->fd, path, "x", 1, 0, NULL);
			if (best < 0) {
				EXPECT_EQ(-EACCES, ret) TH_LOG("put %s", path);
				misses++;
				continue;
			}
			hits++;
			ASSERT_EQ(0, ret) TH_LOG("put %s: %s", path, strerror(-ret));
			ASSERT_EQ(0, mvt_stat(self->fd, path, &st));
			EXPECT_EQ(t->mode[best], st.mode)
				TH_LOG("%s under %s", path, t->prefix[best]);
			EXPECT_STREQ(lpm_credid(t->mode[best]), st.credid);
		}
	}
	/* Both outcomes were tried, with enough policies to span messages. */
	EXPECT_LT(100, t->n);
	EXPECT_LT(0, misses);
	EXPECT_LT(200, hits);
	free(t);
}

TEST_F(vault, policy_key_type_must_fit_mode)
{
	static const struct {
		const char *credid;
		uint32_t mode, flags;
		int err;
	} bad[] = {
		{ MVT_K_WRAP, M2MV_MODE_MIC, 0, EINVAL },
		{ MVT_K_WRAP, M2MV_MODE_DIR, 0, EINVAL },
		{ MVT_K_DIR, M2MV_MODE_WRAP, 0, EINVAL },
		{ MVT_K_DIR, M2MV_MODE_MIC, 0, EINVAL },
		{ MVT_K_MIC, M2MV_MODE_DIR, 0, EINVAL },
		{ MVT_K_MIC, M2MV_MODE_WRAP, 0, EINVAL },
		{ MVT_K_WRAP, M2MV_MODE_WRAP, M2MV_POLICY_F_INSTANCE, EINVAL },
		{ MVT_K_MIC, M2MV_MODE_MIC, M2MV_POLICY_F_INSTANCE, EINVAL },
		/* Out of the attribute's range. */
		{ MVT_K_WRAP, M2MV_MODE_NONE, 0, ERANGE },
		{ MVT_K_WRAP, __M2MV_MODE_MAX, 0, ERANGE },
		{ MVT_K_WRAP, 1000, 0, ERANGE },
		{ "wrap", M2MV_MODE_WRAP, 0, EINVAL },
		{ "15-", M2MV_MODE_WRAP, 0, EINVAL },
		{ "15-a b", M2MV_MODE_WRAP, 0, EINVAL },
		{ "15-\xe9", M2MV_MODE_WRAP, 0, EINVAL },
		{ "15-a\xff", M2MV_MODE_WRAP, 0, EINVAL },
		{ "", M2MV_MODE_WRAP, 0, EINVAL },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-bad[i].err,
			  mvt_policy(self->name, "/t/", bad[i].credid,
				     bad[i].mode, bad[i].flags))
			TH_LOG("%s mode %u flags %u", bad[i].credid, bad[i].mode,
			       bad[i].flags);
	}
	EXPECT_EQ(-EACCES, mvt_put(self->fd, "/t/x", "x", 1, 0, NULL));
	/* The key type refuses such Credential-IDs too. */
	EXPECT_EQ(-EINVAL, mvt_key_add("15-\xe9", NULL, self->ring, NULL));
	/* A policy binds the key, so the administrator must possess it. */
	EXPECT_EQ(-ENOKEY, mvt_policy(self->name, "/t/", "15-later",
				      M2MV_MODE_WRAP, 0));
	EXPECT_EQ(-EACCES, mvt_put(self->fd, "/t/x", "x", 1, 0, NULL));
	ASSERT_GT(mvt_key_add("15-later", NULL, self->ring, NULL), 0);
	EXPECT_EQ(0, mvt_policy(self->name, "/t/", "15-later",
				M2MV_MODE_WRAP, 0));
	EXPECT_EQ(0, mvt_put(self->fd, "/t/x", "x", 1, 0, NULL));
}

TEST_F(vault, wrong_store_key_is_ekeyrejected)
{
	struct mvt_nl_reply rep;
	char out[4];
	size_t n = sizeof(out);

	ASSERT_EQ(0, mvt_put(self->fd, "/w/a", "a", 1, 0, NULL));
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, mvt_detach(self->name));
	self->attached = false;

	ASSERT_GT(mvt_key_add("16-other", NULL, self->ring, NULL), 0);
	ASSERT_GT(mvt_key_add("15-store", NULL, self->ring, NULL), 0);
	EXPECT_EQ(-EKEYREJECTED, mvt_attach(self->name, self->sfd,
					    "16-other", 0, NULL));
	/* The store key must be a type-16 key. */
	EXPECT_EQ(-EKEYREJECTED, mvt_attach(self->name, self->sfd,
					    "15-store", 0, NULL));
	EXPECT_EQ(-ENOKEY, mvt_attach(self->name, self->sfd,
				      "16-missing", 0, NULL));
	/* Same Credential-ID, different bytes. */
	ASSERT_EQ(0, keyctl_unlink(self->kstore, self->ring));
	ASSERT_GT(mvt_key_add(MVT_K_STORE, NULL, self->ring, NULL), 0);
	EXPECT_EQ(-EKEYREJECTED, mvt_attach(self->name, self->sfd,
					    MVT_K_STORE, 0, NULL));
	/* A rejected attach left nothing attached. */
	self->fd = mvt_open_dev();
	ASSERT_GE(self->fd, 0);
	EXPECT_EQ(-ENOENT, mvt_bind(self->fd, self->name));
	/* The store key did not change the file: a new key cannot open it,
	 * but a fresh store formatted with it can be attached. */
	char file[256];
	int sfd = mvt_store_file(file, sizeof(file), NULL, "k2");

	ASSERT_GE(sfd, 0);
	EXPECT_EQ(0, mvt_attach(self->name, sfd, MVT_K_STORE,
				M2MV_ATTACH_F_CREATE, &rep));
	self->attached = true;
	ASSERT_EQ(0, mvt_bind(self->fd, self->name));
	EXPECT_EQ(-ENOENT, mvt_get(self->fd, "/w/a", out, &n, NULL));
	close(sfd);
	unlink(file);
}

TEST_F(vault, attach_name_taken_is_eexist)
{
	char file[256], other[M2MV_NAME_MAX];
	int sfd = mvt_store_file(file, sizeof(file), NULL, "dup");
	struct mvt_nl_reply rep;
	struct stat st;

	ASSERT_GE(sfd, 0);
	EXPECT_EQ(-EEXIST, mvt_attach(self->name, sfd, MVT_K_STORE,
				      M2MV_ATTACH_F_CREATE, &rep));
	/* The name is checked first, and the message says it is the name. */
	EXPECT_NE(NULL, strstr(rep.msg, "already attached"))
		TH_LOG("extack: '%s'", rep.msg);
	/* The refused file was not formatted. */
	ASSERT_EQ(0, fstat(sfd, &st));
	EXPECT_EQ(0, st.st_size);
	/* Two stores side by side, with separate contents. */
	mvt_store_name(other, "dup");
	ASSERT_EQ(0, mvt_attach(other, sfd, MVT_K_STORE, M2MV_ATTACH_F_CREATE,
				NULL));
	ASSERT_EQ(0, mvt_policy(other, "/w/", MVT_K_WRAP,
				M2MV_MODE_WRAP, 0));
	int fd2 = mvt_open_bound(other);
	char out[8];
	size_t n = sizeof(out);

	ASSERT_GE(fd2, 0);
	ASSERT_EQ(0, mvt_put(self->fd, "/w/same", "first", 5, 0, NULL));
	ASSERT_EQ(0, mvt_put(fd2, "/w/same", "second", 6, 0, NULL));
	ASSERT_EQ(0, mvt_get(self->fd, "/w/same", out, &n, NULL));
	EXPECT_EQ(0, memcmp(out, "first", 5));
	n = sizeof(out);
	ASSERT_EQ(0, mvt_get(fd2, "/w/same", out, &n, NULL));
	EXPECT_EQ(0, memcmp(out, "second", 6));
	close(fd2);
	EXPECT_EQ(0, mvt_detach(other));
	close(sfd);
	unlink(file);
}

/*
 * Run @fn in a child that dropped to uid/gid 65534 (no capabilities) and,
 * with @new_session, joined a fresh session keyring. The child's exit
 * status is fn's return: 0 for success or the number of the failed step.
 */
static int as_nobody(int (*fn)(FIXTURE_DATA(vault) *self),
		     FIXTURE_DATA(vault) *self, bool new_session)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(100);
		if (new_session && keyctl_join_session_keyring(NULL) < 0)
			_exit(101);
		_exit(fn(self));
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	if (!WIFEXITED(status))
		return 200;
	return WEXITSTATUS(status);
}

#define CHILD_EXPECT(step, want, expr) do { \
		int __r = (expr); \
		if (__r != (want)) { \
			fprintf(stderr, "# child step %d: %s = %d (%s), want %d\n", \
				step, #expr, __r, strerror(__r < 0 ? -__r : __r), \
				want); \
			return step; \
		} \
	} while (0)

static int nobody_control(FIXTURE_DATA(vault) *self)
{
	char file[256], name[M2MV_NAME_MAX];
	int sfd;

	/* The node is root's (0600 without the packaged udev rule). */
	CHILD_EXPECT(1, -EACCES, mvt_open_dev());
	sfd = mvt_store_file(file, sizeof(file), NULL, "nobody");
	CHILD_EXPECT(2, 1, sfd >= 0);
	mvt_store_name(name, "nobody");
	CHILD_EXPECT(3, -EPERM, mvt_attach(name, sfd, MVT_K_STORE,
					   M2MV_ATTACH_F_CREATE, NULL));
	CHILD_EXPECT(4, -EPERM, mvt_detach(self->name));
	CHILD_EXPECT(5, -EPERM, mvt_policy(self->name, "/n/", MVT_K_WRAP,
					   M2MV_MODE_WRAP, 0));
	CHILD_EXPECT(6, -EPERM, mvt_policy_del(self->name, "/w/"));
	CHILD_EXPECT(7, -EPERM, mvt_key_bind(self->name, MVT_K_WRAP));
	/* Binding needs the store's grant: root's, 0600. */
	CHILD_EXPECT(8, -EACCES, mvt_bind(self->fd, self->name));
	unlink(file);
	return 0;
}

TEST_F(vault, control_needs_cap_net_admin)
{
	uint8_t out[4];
	size_t n = sizeof(out);

	ASSERT_EQ(0, as_nobody(nobody_control, self, false));
	/* The store is still attached, the policies in place. */
	EXPECT_EQ(0, mvt_put(self->fd, "/w/x", "x", 1, 0, NULL));
	EXPECT_EQ(0, mvt_get(self->fd, "/w/x", out, &n, NULL));
	EXPECT_EQ(-EACCES, mvt_put(self->fd, "/n/x", "x", 1, 0, NULL));
}

/* ----------------------------------------------------------------- keys */

TEST_F(vault, revoked_key)
{
	uint8_t out[16];
	struct m2mv_stat st;
	size_t n = sizeof(out);

	ASSERT_EQ(0, mvt_put(self->fd, "/w/k1", "wrapped", 7, 0, NULL));
	ASSERT_EQ(0, mvt_put(self->fd, "/m/k1", "mic", 3, 0, NULL));
	ASSERT_EQ(0, keyctl_revoke(mvt_vault_key(&self->v, MVT_K_WRAP)));
	EXPECT_EQ(-EKEYREVOKED, mvt_put(self->fd, "/w/k2", "x", 1, 0, NULL));
	EXPECT_EQ(-EKEYREVOKED, mvt_put(self->fd, "/w/k1", "x", 1, 0, NULL));
	EXPECT_EQ(-EKEYREVOKED, mvt_get(self->fd, "/w/k1", out, &n, NULL));
	EXPECT_EQ(-EKEYREVOKED, mvt_del(self->fd, "/w/k1", 0, NULL));
	/* Metadata and sealed bytes need no key. */
	EXPECT_EQ(0, mvt_stat(self->fd, "/w/k1", &st));
	EXPECT_EQ(1, st.version);
	static char ebuf[4096];
	size_t en = sizeof(ebuf);

	EXPECT_EQ(0, mvt_export(self->fd, "/w/k1", 0, ebuf, &en, NULL));
	/* Other keys are unaffected. */
	n = sizeof(out);
	EXPECT_EQ(0, mvt_get(self->fd, "/m/k1", out, &n, NULL));
	EXPECT_EQ(3, n);
	/* In a batch too. */
	struct m2mv_batch_op ops[2] = {
		bop(M2MV_BATCH_GET, 0, "/w/k1", out, sizeof(out)),
		bop(M2MV_BATCH_GET, 0, "/m/k1", out, sizeof(out)),
	};

	ASSERT_EQ(0, mvt_batch(self->fd, ops, 2, NULL));
	EXPECT_EQ(-EKEYREVOKED, ops[0].result);
	EXPECT_EQ(0, ops[1].result);
}

TEST_F(vault, expired_key)
{
	uint8_t out[16];
	size_t n = sizeof(out);

	ASSERT_EQ(0, mvt_put(self->fd, "/m/k1", "mic", 3, 0, NULL));
	ASSERT_EQ(0, mvt_put(self->fd, "/d/c/k1", "dir", 3, 0, NULL));
	ASSERT_EQ(0, keyctl_set_timeout(mvt_vault_key(&self->v, MVT_K_MIC), 1));
	sleep(2);
	EXPECT_EQ(-EKEYEXPIRED, mvt_put(self->fd, "/m/k2", "x", 1, 0, NULL));
	EXPECT_EQ(-EKEYEXPIRED, mvt_get(self->fd, "/m/k1", out, &n, NULL));
	EXPECT_EQ(-EKEYEXPIRED, mvt_del(self->fd, "/m/k1", 0, NULL));
	n = sizeof(out);
	EXPECT_EQ(0, mvt_get(self->fd, "/d/c/k1", out, &n, NULL));
}

TEST_F(vault, unlinked_key)
{
	uint8_t out[16];
	size_t n = sizeof(out);

	ASSERT_EQ(0, mvt_put(self->fd, "/d/c/k1", "dir", 3, 0, NULL));
	ASSERT_EQ(0, mvt_put(self->fd, "/i/c/k1", "inst", 4, 0, NULL));
	ASSERT_EQ(0, keyctl_unlink(mvt_vault_key(&self->v, MVT_K_DIR), self->ring));
	EXPECT_EQ(-ENOKEY, mvt_put(self->fd, "/d/c/k2", "x", 1, 0, NULL));
	EXPECT_EQ(-ENOKEY, mvt_get(self->fd, "/d/c/k1", out, &n, NULL));
	EXPECT_EQ(-ENOKEY, mvt_get(self->fd, "/i/c/k1", out, &n, NULL));
	EXPECT_EQ(-ENOKEY, mvt_del(self->fd, "/d/c/k1", 0, NULL));
	/* Linking a key with the same Credential-ID but other bytes back
	 * does not open the old records: it is not the bound key, and the
	 * records are not taken for damaged. */
	ASSERT_GT(mvt_key_add(MVT_K_DIR, NULL, self->ring, NULL), 0);
	n = sizeof(out);
	EXPECT_EQ(-EKEYREJECTED, mvt_get(self->fd, "/d/c/k1", out, &n, NULL));
}

static int nobody_no_keys(FIXTURE_DATA(vault) *self)
{
	static char buf[8192];
	struct m2mv_stat st;
	uint32_t count, flags;
	size_t n;
	int step = 10;

	for (size_t m = 0; m < MVT_NMODES; m++, step += 10) {
		n = sizeof(buf);
		CHILD_EXPECT(step + 1, -ENOKEY,
			     mvt_get(self->fd, mvt_modes[m].path, buf, &n, NULL));
		CHILD_EXPECT(step + 2, 0, mvt_stat(self->fd, mvt_modes[m].path, &st));
		CHILD_EXPECT(step + 3, 1, (int)st.version);
		CHILD_EXPECT(step + 4, 0, strcmp(st.credid, mvt_modes[m].credid));
		n = sizeof(buf);
		CHILD_EXPECT(step + 5, 0, mvt_export(self->fd, mvt_modes[m].path, 0,
						     buf, &n, NULL));
		n = sizeof(buf);
		CHILD_EXPECT(step + 6, 0, mvt_export(self->fd, mvt_modes[m].path,
						     M2MV_EXPORT_F_JSON, buf,
						     &n, NULL));
		CHILD_EXPECT(step + 7, -ENOKEY,
			     mvt_put(self->fd, mvt_modes[m].path, "x", 1, 0, NULL));
		CHILD_EXPECT(step + 8, -ENOKEY,
			     mvt_del(self->fd, mvt_modes[m].path, 0, NULL));
	}
	CHILD_EXPECT(1, 0, mvt_list(self->fd, NULL, NULL, 0, buf, sizeof(buf),
				    &count, &flags));
	CHILD_EXPECT(2, (int)MVT_NMODES, (int)count);
	return 0;
}

/* Without the store's grant, another user sees nothing at all. */
static int nobody_no_grant(FIXTURE_DATA(vault) *self)
{
	static char buf[8192];
	struct m2mv_stat st;
	uint32_t count, flags;
	size_t n = sizeof(buf);

	CHILD_EXPECT(1, -EACCES, mvt_get(self->fd, mvt_modes[0].path, buf, &n,
					 NULL));
	CHILD_EXPECT(2, -EACCES, mvt_stat(self->fd, mvt_modes[0].path, &st));
	CHILD_EXPECT(3, -EACCES, mvt_export(self->fd, mvt_modes[0].path, 0,
					    buf, &n, NULL));
	CHILD_EXPECT(4, -EACCES, mvt_list(self->fd, NULL, NULL, 0, buf,
					  sizeof(buf), &count, &flags));
	CHILD_EXPECT(5, -EACCES, mvt_put(self->fd, mvt_modes[0].path, "x", 1,
					 0, NULL));
	return 0;
}

TEST_F(vault, other_user_without_keys)
{
	for (size_t m = 0; m < MVT_NMODES; m++) {
		ASSERT_EQ(0, mvt_put(self->fd, mvt_modes[m].path, "secret", 6, 0,
				     NULL));
	}
	/* The default grant is root's only. */
	EXPECT_EQ(0, as_nobody(nobody_no_grant, self, true));
	/* Open to everybody, the keys still stand in the way. */
	self->v.perm = 0666;
	ASSERT_EQ(0, mvt_vault_reattach(&self->v, NULL));
	EXPECT_EQ(0, as_nobody(nobody_no_keys, self, true));
	/* The records are untouched. */
	for (size_t m = 0; m < MVT_NMODES; m++) {
		char out[8];
		size_t n = sizeof(out);
		uint64_t v = 0;

		EXPECT_EQ(0, mvt_get(self->fd, mvt_modes[m].path, out, &n, &v));
		EXPECT_EQ(1, v);
	}
}

TEST_F(vault, same_session_other_process_has_keys)
{
	/* Possession goes with the session keyring, not the process. */
	pid_t pid;
	int status;

	ASSERT_EQ(0, mvt_put(self->fd, "/w/shared", "s", 1, 0, NULL));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		char out[4];
		size_t n = sizeof(out);

		_exit(mvt_get(self->fd, "/w/shared", out, &n, NULL) ? 1 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(vault, dir_key_limit)
{
	char nonce1[64], nonce2[64], hdr[1024], val[32];
	static char buf[8192];
	const char *part[8];
	size_t plen[8], n;
	uint8_t out[8];
	ssize_t hl;
	int ret;

	ret = mvt_param_read("dir_key_limit", self->saved_dir_limit,
			     sizeof(self->saved_dir_limit));
	if (ret) {
		self->saved_dir_limit[0] = '\0';
		SKIP(return, "no dir_key_limit parameter: %s", strerror(-ret));
	}
	ASSERT_EQ(0, mvt_param_write("dir_key_limit", "3"));
	ASSERT_EQ(0, mvt_param_read("dir_key_limit", val, sizeof(val)));
	ASSERT_STREQ("3", val);

	ASSERT_EQ(0, mvt_put(self->fd, "/d/lim/a", "a", 1, 0, NULL));
	ASSERT_EQ(0, mvt_put(self->fd, "/d/lim/b", "b", 1, 0, NULL));
	ASSERT_EQ(0, mvt_put(self->fd, "/d/lim/a", "A", 1, 0, NULL));
	EXPECT_EQ(-EDQUOT, mvt_put(self->fd, "/d/lim/c", "c", 1, 0, NULL));
	EXPECT_EQ(-EDQUOT, mvt_put(self->fd, "/d/lim/a", "x", 1, 0, NULL));
	/* The refused PUTs wrote nothing. */
	n = sizeof(out);
	EXPECT_EQ(-ENOENT, mvt_get(self->fd, "/d/lim/c", out, &n, NULL));
	n = sizeof(out);
	EXPECT_EQ(0, mvt_get(self->fd, "/d/lim/a", out, &n, NULL));
	EXPECT_EQ('A', out[0]);
	/* Another container has its own key. */
	EXPECT_EQ(0, mvt_put(self->fd, "/d/lim2/a", "a", 1, 0, NULL));
	/* Other modes are not limited. */
	for (int i = 0; i < 5; i++) {
		EXPECT_EQ(0, mvt_put(self->fd, "/w/lim/a", "a", 1, 0, NULL));
	}
	/* A batch reports it per operation. */
	struct m2mv_batch_op ops[2] = {
		bop(M2MV_BATCH_PUT, 0, "/d/lim/d", "d", 1),
		bop(M2MV_BATCH_PUT, 0, "/d/lim3/a", "a", 1),
	};

	ASSERT_EQ(0, mvt_batch(self->fd, ops, 2, NULL));
	EXPECT_EQ(-EDQUOT, ops[0].result);
	EXPECT_EQ(0, ops[1].result);

	/*
	 * After a re-attach the exhausted key must never be used again: a PUT
	 * is either still refused or sealed under a new nonce (a new key).
	 */
	n = sizeof(buf);
	ASSERT_EQ(0, mvt_export(self->fd, "/d/lim/a", 0, buf, &n, NULL));
	ASSERT_EQ(5, mvt_split_dots(buf, n, part, plen, 8));
	hl = mvt_b64url_decode((uint8_t *)hdr, part[0], plen[0]);
	ASSERT_GT(hl, 0);
	hdr[hl] = '\0';
	ASSERT_EQ(0, json_str(hdr, "m2mv_nonce", nonce1, sizeof(nonce1)));
	struct mvt_nl_reply rep;

	ASSERT_EQ(0, mvt_vault_reattach(&self->v, &rep));
	ASSERT_EQ(0, rep.integrity_errors);
	ret = mvt_put(self->fd, "/d/lim/e", "e", 1, 0, NULL);
	if (ret == 0) {
		n = sizeof(buf);
		ASSERT_EQ(0, mvt_export(self->fd, "/d/lim/e", 0, buf, &n, NULL));
		ASSERT_EQ(5, mvt_split_dots(buf, n, part, plen, 8));
		hl = mvt_b64url_decode((uint8_t *)hdr, part[0], plen[0]);
		ASSERT_GT(hl, 0);
		hdr[hl] = '\0';
		ASSERT_EQ(0, json_str(hdr, "m2mv_nonce", nonce2, sizeof(nonce2)));
		EXPECT_STRNE(nonce1, nonce2) TH_LOG("exhausted key reused");
	} else {
		EXPECT_EQ(-EDQUOT, ret);
	}
	n = sizeof(out);
	EXPECT_EQ(0, mvt_get(self->fd, "/d/lim/b", out, &n, NULL));
}

/* Decode the protected header of the compact export of @path into @hdr. */
static int export_hdr(int fd, const char *path, char *hdr, size_t size)
{
	static char buf[8192];
	const char *part[8];
	size_t plen[8], n = sizeof(buf);
	ssize_t hl;

	if (mvt_export(fd, path, 0, buf, &n, NULL) ||
	    mvt_split_dots(buf, n, part, plen, 8) != 5 ||
	    (plen[0] + 3) / 4 * 3 >= size)
		return -1;
	hl = mvt_b64url_decode((uint8_t *)hdr, part[0], plen[0]);
	if (hl <= 0)
		return -1;
	hdr[hl] = '\0';
	return 0;
}

#define DIR_PFX "{\"alg\":\"dir\",\"enc\":\"A256GCM\",\"kid\":\""

/* Set the ts0003 policy of /t/ (again, after a re-attach). */
static int ts0003_policy(const char *name)
{
	return mvt_policy(name, "/t/", MVT_K_DIR, M2MV_MODE_DIR,
			  M2MV_POLICY_F_TS0003);
}

/*
 * The ts0003 profile: the type-14 key itself seals every container's
 * records, so they are counted together against dir_key_limit; the count
 * holds across a re-attach, and across a compaction that leaves out the
 * records which carried the highest counts.
 */
TEST_F(vault, ts0003_key_limit)
{
	char hdr[1200], val[32], nfile[256];
	struct mvt_nl_reply rep;
	uint8_t out[8];
	size_t n;
	int ret, nfd;

	ret = mvt_param_read("dir_key_limit", self->saved_dir_limit,
			     sizeof(self->saved_dir_limit));
	if (ret) {
		self->saved_dir_limit[0] = '\0';
		SKIP(return, "no dir_key_limit parameter: %s", strerror(-ret));
	}
	ASSERT_EQ(0, mvt_param_write("dir_key_limit", "4"));
	ASSERT_EQ(0, mvt_param_read("dir_key_limit", val, sizeof(val)));
	ASSERT_STREQ("4", val);

	/* Per-instance keys are the seed profile's; unknown flags refused. */
	EXPECT_EQ(-EINVAL, mvt_policy(self->name, "/t/", MVT_K_DIR,
				      M2MV_MODE_DIR, M2MV_POLICY_F_TS0003 |
				      M2MV_POLICY_F_INSTANCE));
	EXPECT_EQ(-EOPNOTSUPP, mvt_policy(self->name, "/t/", MVT_K_DIR,
					  M2MV_MODE_DIR, 1U << 7));
	ASSERT_EQ(0, ts0003_policy(self->name));

	/* Three containers, one key. */
	ASSERT_EQ(0, mvt_put(self->fd, "/t/a/x", "x", 1, 0, NULL));
	ASSERT_EQ(0, mvt_put(self->fd, "/t/b/y", "y", 1, 0, NULL));
	ASSERT_EQ(0, mvt_put(self->fd, "/t/c/z", "z", 1, 0, NULL));
	ASSERT_EQ(0, export_hdr(self->fd, "/t/a/x", hdr, sizeof(hdr)));
	EXPECT_EQ(NULL, strstr(hdr, "m2mv_kdf")) TH_LOG("%s", hdr);
	EXPECT_EQ(NULL, strstr(hdr, "m2mv_nonce")) TH_LOG("%s", hdr);
	EXPECT_EQ(NULL, strstr(hdr, "crit")) TH_LOG("%s", hdr);
	EXPECT_EQ(0, strncmp(hdr, DIR_PFX, strlen(DIR_PFX))) TH_LOG("%s", hdr);
	/* The seed key of the same credential is another key: not counted. */
	ASSERT_EQ(0, mvt_put(self->fd, "/d/lim/a", "a", 1, 0, NULL));
	ASSERT_EQ(0, export_hdr(self->fd, "/d/lim/a", hdr, sizeof(hdr)));
	EXPECT_NE(NULL, strstr(hdr, ",\"crit\":[\"m2mv_kdf\",\"m2mv_nonce\"]}"))
		TH_LOG("%s", hdr);
	ASSERT_EQ(0, mvt_del(self->fd, "/t/b/y", 0, NULL));
	ASSERT_EQ(0, mvt_del(self->fd, "/t/c/z", 0, NULL));

	/* Re-attached, the key has sealed 3: one more, then EDQUOT. */
	ASSERT_EQ(0, mvt_vault_reattach(&self->v, &rep));
	ASSERT_EQ(0, rep.integrity_errors);
	ASSERT_EQ(0, ts0003_policy(self->name));
	EXPECT_EQ(0, mvt_put(self->fd, "/t/d/w", "w", 1, 0, NULL));
	EXPECT_EQ(-EDQUOT, mvt_put(self->fd, "/t/e/v", "v", 1, 0, NULL));
	EXPECT_EQ(-EDQUOT, mvt_put(self->fd, "/t/a/x", "X", 1, 0, NULL));

	/*
	 * Compacted without /t/d/w, the one record that said 4: the record
	 * left (which said 1) must now say 4.
	 */
	ASSERT_EQ(0, mvt_del(self->fd, "/t/d/w", 0, NULL));
	nfd = mvt_store_file(nfile, sizeof(nfile), NULL, "ts0003");
	ASSERT_GE(nfd, 0);
	struct mvt_nl_args c = { .name = self->name, .has_fd = true, .fd = nfd };

	ASSERT_EQ(0, mvt_nl(M2MV_CMD_STORE_COMPACT, &c, &rep)) TH_LOG("%s", rep.msg);
	EXPECT_EQ(-EDQUOT, mvt_put(self->fd, "/t/f/u", "u", 1, 0, NULL));
	ASSERT_EQ(0, mvt_vault_detach(&self->v));
	close(self->sfd);
	self->sfd = nfd;
	ASSERT_EQ(0, mvt_vault_attach(&self->v, &rep));
	EXPECT_EQ(0, rep.integrity_errors);
	ASSERT_EQ(0, ts0003_policy(self->name));
	EXPECT_EQ(-EDQUOT, mvt_put(self->fd, "/t/f/u", "u", 1, 0, NULL))
		TH_LOG("the compaction made the key younger than it is");
	n = sizeof(out);
	EXPECT_EQ(0, mvt_get(self->fd, "/t/a/x", out, &n, NULL));
	EXPECT_EQ(1, n);
	EXPECT_EQ('x', out[0]);
	/* A new credential is a new key: rotation is the way out. */
	unlink(nfile);
}

/* The ts0003 record of /t/a/x seen by uid 65534 in a fresh keyring. */
static int nobody_ts0003(FIXTURE_DATA(vault) *self)
{
	static char buf[8192];
	size_t n = sizeof(buf);

	CHILD_EXPECT(1, -ENOKEY, mvt_get(self->fd, "/t/a/x", buf, &n, NULL));
	CHILD_EXPECT(2, -ENOKEY, mvt_put(self->fd, "/t/a/x", "y", 1, 0, NULL));
	CHILD_EXPECT(3, -ENOKEY, mvt_del(self->fd, "/t/a/x", 0, NULL));
	n = sizeof(buf);
	CHILD_EXPECT(4, 0, mvt_export(self->fd, "/t/a/x", 0, buf, &n, NULL));
	/* A key of its own under the Credential-ID is not the bound one. */
	CHILD_EXPECT(5, 1, mvt_key_add(MVT_K_DIR, NULL, 0, NULL) > 0);
	n = sizeof(buf);
	CHILD_EXPECT(6, -EKEYREJECTED, mvt_get(self->fd, "/t/a/x", buf, &n,
					       NULL));
	CHILD_EXPECT(7, -EKEYREJECTED, mvt_put(self->fd, "/t/a/x", "y", 1, 0,
					       NULL));
	return 0;
}

static int nobody_ts0003_no_grant(FIXTURE_DATA(vault) *self)
{
	static char buf[64];
	size_t n = sizeof(buf);

	CHILD_EXPECT(1, -EACCES, mvt_get(self->fd, "/t/a/x", buf, &n, NULL));
	CHILD_EXPECT(2, -EACCES, mvt_put(self->fd, "/t/a/x", "y", 1, 0, NULL));
	return 0;
}

/*
 * A ts0003 record is sealed with the credential's key itself: another
 * user without the grant, without the key, or with a key of its own under
 * the same Credential-ID gets nothing, and the record stays readable.
 */
TEST_F(vault, ts0003_other_user)
{
	char out[8];
	size_t n = sizeof(out);

	ASSERT_EQ(0, ts0003_policy(self->name));
	ASSERT_EQ(0, mvt_put(self->fd, "/t/a/x", "x", 1, 0, NULL));
	EXPECT_EQ(0, as_nobody(nobody_ts0003_no_grant, self, true));
	self->v.perm = 0666;
	ASSERT_EQ(0, mvt_vault_reattach(&self->v, NULL));
	ASSERT_EQ(0, ts0003_policy(self->name));
	EXPECT_EQ(0, as_nobody(nobody_ts0003, self, true));
	EXPECT_EQ(0, mvt_get(self->fd, "/t/a/x", out, &n, NULL));
	EXPECT_EQ(1, n);
	EXPECT_EQ('x', out[0]);
}

/* The header names the derivation scope each policy asks for. */
TEST_F(vault, dir_keys_per_container_and_instance)
{
	static char buf[8192];
	static const struct { const char *path, *kdf; } want[] = {
		{ "/d/cA/x", "container" }, { "/d/cA/y", "container" },
		{ "/d/x", "container" }, { "/i/cA/x", "instance" },
		{ "/i/y", "instance" },
	};
	char hdr[1024], val[64];
	const char *part[8];
	size_t plen[8], n;
	ssize_t hl;

	for (int i = 0; i < 5; i++) {
		ASSERT_EQ(0, mvt_put(self->fd, want[i].path, "v", 1, 0, NULL));
		n = sizeof(buf);
		ASSERT_EQ(0, mvt_export(self->fd, want[i].path, 0, buf, &n,
					NULL));
		ASSERT_EQ(5, mvt_split_dots(buf, n, part, plen, 8));
		hl = mvt_b64url_decode((uint8_t *)hdr, part[0], plen[0]);
		ASSERT_GT(hl, 0);
		hdr[hl] = '\0';
		ASSERT_EQ(0, json_str(hdr, "m2mv_kdf", val, sizeof(val)));
		EXPECT_STREQ(want[i].kdf, val);
		ASSERT_EQ(0, json_str(hdr, "m2mv_path", val, sizeof(val)));
		EXPECT_STREQ(want[i].path, val);
		ASSERT_EQ(0, json_str(hdr, "m2mv_nonce", val, sizeof(val)));
		EXPECT_EQ(b64len(M2MV_NONCE_SIZE), strlen(val));
	}
}

/*
 * A process holding a key with the right Credential-ID but other bytes is
 * refused (EKEYREJECTED: it is not the bound key) before the record is
 * opened, and that must not make the record unreadable for the holder of
 * the real key.
 */
static int wrong_key_get(FIXTURE_DATA(vault) *self)
{
	char out[16];
	size_t n;

	CHILD_EXPECT(1, 1, keyctl_join_session_keyring(NULL) > 0);
	for (size_t m = 0; m < MVT_NMODES; m++) {
		if (mvt_key_add(mvt_modes[m].credid, NULL, 0, NULL) < 0 &&
		    errno != EEXIST)
			return 2;
		n = sizeof(out);
		CHILD_EXPECT(10 + (int)m, -EKEYREJECTED,
			     mvt_get(self->fd, mvt_modes[m].path, out, &n, NULL));
	}
	return 0;
}

TEST_F(vault, wrong_key_bytes_do_not_poison_record)
{
	struct m2mv_stat st;
	pid_t pid;
	int status;

	for (size_t m = 0; m < MVT_NMODES; m++) {
		ASSERT_EQ(0, mvt_put(self->fd, mvt_modes[m].path, "genuine", 7, 0,
				     NULL));
	}
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(wrong_key_get(self));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	for (size_t m = 0; m < MVT_NMODES; m++) {
		char out[16];
		size_t n = sizeof(out);

		EXPECT_EQ(0, mvt_get(self->fd, mvt_modes[m].path, out, &n, NULL))
			TH_LOG("%s", mvt_modes[m].path);
		EXPECT_EQ(7, n);
		EXPECT_EQ(0, mvt_stat(self->fd, mvt_modes[m].path, &st));
		EXPECT_EQ(0, st.rec_flags & M2MV_STAT_F_BAD);
	}
}

TEST_HARNESS_MAIN
