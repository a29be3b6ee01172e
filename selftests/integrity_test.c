// SPDX-License-Identifier: GPL-2.0
/*
 * Integrity of the store file: damage done to the backing file while the
 * store is detached (torn tails, bit flips, copied, swapped, removed and
 * re-inserted records) must be found at attach or at the latest when the
 * record is read, and never turn into wrong plaintext.
 *
 * Records are located by parsing the file as uapi/linux/m2mvault.h lays it
 * out: two superblock copies, then from M2MV_LOG_START struct m2mv_disk_rec
 * heads, each followed by path, wrapped key, IV, payload, tag, protected
 * header and padding. The store key is known to the test,
 * so it can also recompute CRCs and the structure chain: that shows the
 * format is what the ABI says, and lets the test play an attacker who
 * holds the store key but no data key.
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <stdbool.h>
#include <stddef.h>

#include "kselftest_harness.h"
#include "fixture.h"

/* ------------------------------------------------- CRC32C, SHA-256, HMAC */

static uint32_t crc32c_update(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78U & -(crc & 1));
	}
	return crc;
}

struct sha256 {
	uint32_t h[8];
	uint8_t buf[64];
	uint64_t len;
};

static const uint32_t sha256_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(struct sha256 *c, const uint8_t *b)
{
	uint32_t w[64], s[8], t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 |
		       (uint32_t)b[4 * i + 2] << 8 | b[4 * i + 3];
	for (; i < 64; i++)
		w[i] = w[i - 16] + (ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^
				    (w[i - 15] >> 3)) + w[i - 7] +
		       (ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10));
	memcpy(s, c->h, sizeof(s));
	for (i = 0; i < 64; i++) {
		t1 = s[7] + (ROR(s[4], 6) ^ ROR(s[4], 11) ^ ROR(s[4], 25)) +
		     ((s[4] & s[5]) ^ (~s[4] & s[6])) + sha256_k[i] + w[i];
		t2 = (ROR(s[0], 2) ^ ROR(s[0], 13) ^ ROR(s[0], 22)) +
		     ((s[0] & s[1]) ^ (s[0] & s[2]) ^ (s[1] & s[2]));
		memmove(s + 1, s, 7 * sizeof(s[0]));
		s[4] += t1;
		s[0] = t1 + t2;
	}
	for (i = 0; i < 8; i++)
		c->h[i] += s[i];
}

static void sha256_init(struct sha256 *c)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(c->h, iv, sizeof(iv));
	c->len = 0;
}

static void sha256_update(struct sha256 *c, const void *data, size_t n)
{
	const uint8_t *p = data;

	while (n) {
		size_t used = c->len % 64, take = 64 - used;

		if (take > n)
			take = n;
		memcpy(c->buf + used, p, take);
		c->len += take;
		p += take;
		n -= take;
		if (c->len % 64 == 0)
			sha256_block(c, c->buf);
	}
}

static void sha256_final(struct sha256 *c, uint8_t out[32])
{
	uint64_t bits = c->len * 8;
	uint8_t pad = 0x80, zero = 0, len[8];

	sha256_update(c, &pad, 1);
	while (c->len % 64 != 56)
		sha256_update(c, &zero, 1);
	for (int i = 0; i < 8; i++)
		len[i] = bits >> (56 - 8 * i);
	sha256_update(c, len, 8);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = c->h[i] >> 24;
		out[4 * i + 1] = c->h[i] >> 16;
		out[4 * i + 2] = c->h[i] >> 8;
		out[4 * i + 3] = c->h[i];
	}
}

struct hmac {
	struct sha256 inner, outer;
};

static void hmac_init(struct hmac *h, const uint8_t key[32])
{
	uint8_t ipad[64], opad[64];

	memset(ipad, 0x36, sizeof(ipad));
	memset(opad, 0x5c, sizeof(opad));
	for (int i = 0; i < 32; i++) {
		ipad[i] ^= key[i];
		opad[i] ^= key[i];
	}
	sha256_init(&h->inner);
	sha256_update(&h->inner, ipad, 64);
	sha256_init(&h->outer);
	sha256_update(&h->outer, opad, 64);
}

static void hmac_final(struct hmac *h, uint8_t out[32])
{
	uint8_t in[32];

	sha256_final(&h->inner, in);
	sha256_update(&h->outer, in, 32);
	sha256_final(&h->outer, out);
}

/* --------------------------------------------------------- the file */

struct rec {
	off_t off;
	struct m2mv_disk_rec h;
	char path[M2MV_PATH_MAX + 1];
};

#define MAX_RECS 64
#define ALIGN8(x) (((x) + 7) & ~(off_t)7)

static off_t payload_off(const struct rec *r)
{
	return r->off + sizeof(r->h) + r->h.path_len + r->h.ekey_len +
	       r->h.iv_len;
}

static off_t hdr_off(const struct rec *r)
{
	return payload_off(r) + r->h.payload_len + r->h.tag_len;
}

/* Parse every complete record after the superblock. Return: the count. */
static int scan_file(int fd, struct rec *recs, int max)
{
	struct stat st;
	off_t off = M2MV_LOG_START;
	int n = 0;

	if (fstat(fd, &st))
		return -1;
	while (n < max && off + (off_t)sizeof(struct m2mv_disk_rec) <= st.st_size) {
		struct rec *r = &recs[n];

		if (pread(fd, &r->h, sizeof(r->h), off) != sizeof(r->h))
			break;
		if (r->h.magic != M2MV_REC_MAGIC || r->h.len < sizeof(r->h) ||
		    r->h.len % 8 || off + r->h.len > st.st_size ||
		    r->h.path_len > M2MV_PATH_MAX)
			break;
		r->off = off;
		if (pread(fd, r->path, r->h.path_len, off + sizeof(r->h)) !=
		    r->h.path_len)
			break;
		r->path[r->h.path_len] = '\0';
		off += r->h.len;
		n++;
	}
	return n;
}

static int find_rec(const struct rec *recs, int n, const char *path,
		    uint64_t version)
{
	for (int i = 0; i < n; i++)
		if (recs[i].h.type != M2MV_REC_CKPT &&
		    !strcmp(recs[i].path, path) && recs[i].h.version == version)
			return i;
	return -1;
}

static uint8_t *read_at(int fd, off_t off, size_t len)
{
	uint8_t *p = malloc(len ? len : 1);

	if (p && pread(fd, p, len, off) != (ssize_t)len) {
		free(p);
		p = NULL;
	}
	return p;
}

static int flip_bit(int fd, off_t off, int bit)
{
	uint8_t b;

	if (pread(fd, &b, 1, off) != 1)
		return -1;
	b ^= 1U << bit;
	return pwrite(fd, &b, 1, off) == 1 ? 0 : -1;
}

static uint32_t rec_crc(const uint8_t *buf, size_t len)
{
	static const uint8_t zero[4];
	size_t at = offsetof(struct m2mv_disk_rec, crc);
	uint32_t c;

	c = crc32c_update(~0U, buf, at);
	c = crc32c_update(c, zero, 4);
	c = crc32c_update(c, buf + at + 4, len - at - 4);
	return ~c;
}

/* The chain value of the record in @buf after @prev (uapi: @chain). */
static void rec_chain(const uint8_t key[32], const uint8_t prev[32],
		      const uint8_t *buf, uint8_t out[32])
{
	struct m2mv_disk_rec h;
	size_t hs = sizeof(h), pay, skip = 0;
	struct hmac m;

	memcpy(&h, buf, hs);
	pay = hs + h.path_len + h.ekey_len + h.iv_len;
	if (h.type == M2MV_REC_PUT)
		skip = h.payload_len;
	h.crc = 0;
	memset(h.chain, 0, sizeof(h.chain));
	hmac_init(&m, key);
	sha256_update(&m.inner, prev, 32);
	sha256_update(&m.inner, &h, hs);
	sha256_update(&m.inner, buf + hs, pay - hs);
	sha256_update(&m.inner, buf + pay + skip, h.len - pay - skip);
	hmac_final(&m, out);
}

/* ------------------------------------------------------------- fixture */

FIXTURE(store) {
	MVT_VAULT_IN_FIXTURE;
	struct rec recs[MAX_RECS];
	int nrecs;
};

/* Detach and parse the file (self->recs). */
static int do_detach(FIXTURE_DATA(store) *self)
{
	int ret = mvt_vault_detach(&self->v);

	if (ret)
		return ret;
	self->nrecs = scan_file(self->sfd, self->recs, MAX_RECS);
	return self->nrecs < 0 ? -EIO : 0;
}

FIXTURE_SETUP(store)
{
	const struct mvt_vault_spec spec = { .tag = "integ" };

	mvt_vault_setup(_metadata, &self->v, &spec);
}

FIXTURE_TEARDOWN(store)
{
	mvt_vault_teardown(_metadata, &self->v);
}

/* The content a test writes to @path at version @v: @len bytes. */
static void content(uint8_t *buf, size_t len, const char *path, uint64_t v)
{
	uint64_t x = v * 0x9e3779b97f4a7c15ULL;
	int n;

	for (const char *p = path; *p; p++)
		x = (x ^ (uint8_t)*p) * 0x100000001b3ULL;
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (uint8_t)x;
	}
	n = snprintf(NULL, 0, "%s v%llu|", path, (unsigned long long)v);
	if ((size_t)n < len) {
		char tmp[M2MV_PATH_MAX + 32];

		snprintf(tmp, sizeof(tmp), "%s v%llu|", path,
			 (unsigned long long)v);
		memcpy(buf, tmp, n);
	}
}

static int put_v(int fd, const char *path, size_t len, uint64_t *ver)
{
	uint8_t *buf = malloc(len ? len : 1);
	struct m2mv_stat st;
	uint64_t next = 1;
	int ret;

	if (!buf)
		return -ENOMEM;
	ret = mvt_stat(fd, path, &st);
	if (!ret)
		next = st.version + 1;
	/* A deleted path continues after its tombstone: ask PUT. */
	content(buf, len, path, next);
	ret = mvt_put(fd, path, buf, len, 0, ver);
	if (!ret && *ver != next) {
		/* Version differs from the guess: rewrite with the real one. */
		content(buf, len, path, *ver + 1);
		ret = mvt_put(fd, path, buf, len, 0, ver);
	}
	free(buf);
	return ret;
}

/*
 * GET @path: 0 if it reads back as content(path, version) with the
 * version returned, -EILSEQ if it returns anything else, or the error.
 */
static int get_check(int fd, const char *path, size_t len, uint64_t *ver)
{
	uint8_t *want, *got = NULL;
	uint64_t v = 0;
	size_t n;
	int ret;

	ret = mvt_get_alloc(fd, path, (void **)&got, &n, &v);
	if (ret)
		return ret;
	want = malloc(n ? n : 1);
	content(want, n, path, v);
	ret = (n == len && !memcmp(want, got, n)) ? 0 : -EILSEQ;
	free(want);
	free(got);
	if (ver)
		*ver = v;
	return ret;
}

#define LEN(path) (64 + strlen(path) * 7)

/* Write @paths (one version each, lengths LEN(path)). */
static int populate(int fd, const char *const *paths, int n)
{
	uint64_t v;
	int ret;

	for (int i = 0; i < n; i++) {
		ret = put_v(fd, paths[i], LEN(paths[i]), &v);
		if (ret)
			return ret;
	}
	return 0;
}

/* ------------------------------------------------------------- tests */

static const char *const paths6[] = {
	"/w/a", "/d/c/b", "/m/c", "/i/c/d", "/w/e", "/m/f",
};

TEST_F(store, file_format_matches_uapi)
{
	struct m2mv_disk_super sb;
	uint8_t kc[32], prev[32];
	struct hmac m;
	uint64_t v;

	ASSERT_EQ(0, populate(self->fd, paths6, 6));
	ASSERT_EQ(0, put_v(self->fd, "/w/a", 10, &v));
	ASSERT_EQ(0, mvt_del(self->fd, "/m/c", 0, &v));
	ASSERT_EQ(0, do_detach(self));

	/* Superblock: magic, version, CRC, key check. */
	ASSERT_EQ(sizeof(sb), pread(self->sfd, &sb, sizeof(sb), 0));
	EXPECT_EQ(M2MV_SUPER_MAGIC, sb.magic);
	EXPECT_EQ(M2MV_FORMAT_VERSION, sb.version);
	EXPECT_EQ(0, sb.flags);
	EXPECT_EQ(~crc32c_update(~0U, &sb, offsetof(struct m2mv_disk_super, crc)),
		  sb.crc);
	hmac_init(&m, self->store_key);
	sha256_update(&m.inner, "m2mvault store", 14);
	sha256_update(&m.inner, sb.store_id, sizeof(sb.store_id));
	hmac_final(&m, kc);
	EXPECT_EQ(0, memcmp(kc, sb.key_check, 32));

	/* 8 records and the checkpoint detach writes. */
	ASSERT_EQ(9, self->nrecs);
	memcpy(prev, sb.key_check, 32);
	for (int i = 0; i < self->nrecs; i++) {
		struct rec *r = &self->recs[i];
		uint8_t *buf = read_at(self->sfd, r->off, r->h.len);
		uint8_t chain[32];

		ASSERT_NE(NULL, buf);
		EXPECT_EQ(i + 1, r->h.seq);
		EXPECT_EQ(rec_crc(buf, r->h.len), r->h.crc) TH_LOG("record %d", i);
		rec_chain(self->store_key, prev, buf, chain);
		EXPECT_EQ(0, memcmp(chain, r->h.chain, 32)) TH_LOG("record %d", i);
		memcpy(prev, r->h.chain, 32);
		EXPECT_EQ(r->h.len, ALIGN8(hdr_off(r) + r->h.hdr_len - r->off));
		free(buf);
	}
	/* Types and modes as written. */
	EXPECT_EQ(M2MV_REC_PUT, self->recs[0].h.type);
	EXPECT_EQ(M2MV_MODE_WRAP, self->recs[0].h.mode);
	EXPECT_EQ(M2MV_WRAPPED_KEY_SIZE, self->recs[0].h.ekey_len);
	EXPECT_EQ(M2MV_IV_SIZE, self->recs[0].h.iv_len);
	EXPECT_EQ(M2MV_GCM_TAG_SIZE, self->recs[0].h.tag_len);
	EXPECT_EQ(M2MV_MODE_DIR, self->recs[1].h.mode);
	EXPECT_EQ(0, self->recs[1].h.ekey_len);
	EXPECT_EQ(M2MV_RECF_CRIT, self->recs[1].h.flags);
	EXPECT_EQ(M2MV_MODE_MIC, self->recs[2].h.mode);
	EXPECT_EQ(M2MV_HS256_TAG_SIZE, self->recs[2].h.tag_len);
	EXPECT_EQ(M2MV_RECF_INSTANCE | M2MV_RECF_CRIT, self->recs[3].h.flags);
	EXPECT_EQ(0, self->recs[0].h.flags);
	EXPECT_EQ(0, self->recs[2].h.flags);
	EXPECT_EQ(2, self->recs[6].h.version);
	EXPECT_EQ(M2MV_REC_DEL, self->recs[7].h.type);
	EXPECT_EQ(2, self->recs[7].h.version);
	ASSERT_EQ(M2MV_REC_CKPT, self->recs[8].h.type);
	struct m2mv_disk_ckpt ck;

	ASSERT_EQ(sizeof(ck), pread(self->sfd, &ck, sizeof(ck),
				    payload_off(&self->recs[8])));
	EXPECT_EQ(8, ck.records);
	EXPECT_EQ(5, ck.live);
	/* The mic payload is the plaintext itself. */
	uint8_t *pl = read_at(self->sfd, payload_off(&self->recs[2]),
			      self->recs[2].h.payload_len);
	uint8_t want[256];

	ASSERT_NE(NULL, pl);
	ASSERT_EQ(LEN("/m/c"), self->recs[2].h.payload_len);
	content(want, LEN("/m/c"), "/m/c", 1);
	EXPECT_EQ(0, memcmp(pl, want, LEN("/m/c")));
	free(pl);
}

/* Every path of @paths except @skip reads back intact. */
static void all_readable(struct __test_metadata *_metadata, int fd,
			 const char *const *paths, int n, const char *skip)
{
	for (int i = 0; i < n; i++) {
		if (skip && !strcmp(paths[i], skip))
			continue;
		EXPECT_EQ(0, get_check(fd, paths[i], LEN(paths[i]), NULL))
			TH_LOG("%s", paths[i]);
	}
}

static void torn_tail(struct __test_metadata *_metadata,
		      FIXTURE_DATA(store) *self, const char *last,
		      uint64_t last_version, size_t keep)
{
	struct mvt_nl_reply rep;
	struct stat st;
	uint64_t v;
	int i, intact = 0;
	off_t cut;

	ASSERT_EQ(0, do_detach(self));
	i = find_rec(self->recs, self->nrecs, last, last_version);
	ASSERT_GE(i, 0);
	cut = self->recs[i].off + keep;
	ASSERT_LT(keep, self->recs[i].h.len);
	for (int k = 0; k < i; k++)
		intact += self->recs[k].h.type != M2MV_REC_CKPT;
	ASSERT_EQ(0, ftruncate(self->sfd, cut));

	ASSERT_EQ(0, mvt_vault_attach(&self->v, &rep));
	EXPECT_EQ(keep, rep.truncated);
	EXPECT_EQ(0, rep.integrity_errors);
	EXPECT_LE(intact, rep.records);
	EXPECT_GE(i, rep.records);
	/* The torn bytes are gone from the file. */
	ASSERT_EQ(0, fstat(self->sfd, &st));
	EXPECT_EQ(self->recs[i].off, st.st_size);

	/* New writes work, and survive another attach with no complaint. */
	ASSERT_EQ(0, put_v(self->fd, last, LEN(last), &v));
	EXPECT_EQ(last_version, v);
	ASSERT_EQ(0, do_detach(self));
	ASSERT_EQ(0, mvt_vault_attach(&self->v, &rep));
	EXPECT_EQ(0, rep.truncated);
	EXPECT_EQ(0, rep.integrity_errors);
	EXPECT_EQ(0, get_check(self->fd, last, LEN(last), &v));
	EXPECT_EQ(last_version, v);
}

TEST_F(store, torn_tail_inside_record_keeps_previous_version)
{
	struct mvt_nl_reply rep;
	uint64_t v;
	int i;

	ASSERT_EQ(0, populate(self->fd, paths6, 6));
	ASSERT_EQ(0, put_v(self->fd, "/w/e", LEN("/w/e"), &v));
	ASSERT_EQ(2, v);
	ASSERT_EQ(0, do_detach(self));
	/* Cut inside the last PUT, 5 bytes short of its end. */
	i = find_rec(self->recs, self->nrecs, "/w/e", 2);
	ASSERT_GE(i, 0);
	ASSERT_EQ(0, ftruncate(self->sfd, self->recs[i].off +
					  self->recs[i].h.len - 5));
	ASSERT_EQ(0, mvt_vault_attach(&self->v, &rep));
	EXPECT_EQ(self->recs[i].h.len - 5, rep.truncated);
	EXPECT_EQ(0, rep.integrity_errors);
	EXPECT_EQ(6, rep.records);
	EXPECT_EQ(6, rep.live);
	all_readable(_metadata, self->fd, paths6, 6, "/w/e");
	EXPECT_EQ(0, get_check(self->fd, "/w/e", LEN("/w/e"), &v));
	EXPECT_EQ(1, v) TH_LOG("the previous version is the newest again");
	ASSERT_EQ(0, put_v(self->fd, "/w/e", LEN("/w/e"), &v));
	EXPECT_EQ(2, v);
	EXPECT_EQ(0, get_check(self->fd, "/w/e", LEN("/w/e"), &v));
	EXPECT_EQ(2, v);
	ASSERT_EQ(0, do_detach(self));
	ASSERT_EQ(0, mvt_vault_attach(&self->v, &rep));
	EXPECT_EQ(0, rep.truncated);
	EXPECT_EQ(0, rep.integrity_errors);
	all_readable(_metadata, self->fd, paths6, 6, NULL);
}

TEST_F(store, torn_tail_inside_head_new_path)
{
	ASSERT_EQ(0, populate(self->fd, paths6, 6));
	ASSERT_EQ(0, put_v(self->fd, "/w/new", LEN("/w/new"), &(uint64_t){0}));
	torn_tail(_metadata, self, "/w/new", 1, 20);
	all_readable(_metadata, self->fd, paths6, 6, NULL);
}

TEST_F(store, torn_tail_new_path_is_enoent)
{
	struct mvt_nl_reply rep;
	uint8_t out[8];
	size_t n = sizeof(out);
	int i;

	ASSERT_EQ(0, populate(self->fd, paths6, 6));
	ASSERT_EQ(0, put_v(self->fd, "/m/new", LEN("/m/new"), &(uint64_t){0}));
	ASSERT_EQ(0, do_detach(self));
	i = find_rec(self->recs, self->nrecs, "/m/new", 1);
	ASSERT_GE(i, 0);
	ASSERT_EQ(0, ftruncate(self->sfd, self->recs[i].off + 100));
	ASSERT_EQ(0, mvt_vault_attach(&self->v, &rep));
	EXPECT_EQ(100, rep.truncated);
	EXPECT_EQ(0, rep.integrity_errors);
	EXPECT_EQ(6, rep.records);
	EXPECT_EQ(6, rep.live);
	EXPECT_EQ(-ENOENT, mvt_get(self->fd, "/m/new", out, &n, NULL));
	all_readable(_metadata, self->fd, paths6, 6, NULL);
}

TEST_F(store, zero_filled_tail_is_cut)
{
	static const uint8_t zeros[4096];
	struct mvt_nl_reply rep;
	struct stat st;

	ASSERT_EQ(0, populate(self->fd, paths6, 6));
	ASSERT_EQ(0, do_detach(self));
	ASSERT_EQ(0, fstat(self->sfd, &st));
	ASSERT_EQ(sizeof(zeros), pwrite(self->sfd, zeros, sizeof(zeros),
					st.st_size));
	ASSERT_EQ(0, mvt_vault_attach(&self->v, &rep));
	EXPECT_EQ(sizeof(zeros), rep.truncated);
	EXPECT_EQ(0, rep.integrity_errors);
	EXPECT_EQ(6, rep.live);
	all_readable(_metadata, self->fd, paths6, 6, NULL);
}

/* Paths for the mid-log tamper tests: three per mode, middle one hit. */
static const char *const paths12[] = {
	"/w/p1", "/d/c/p1", "/m/p1", "/i/c/p1",
	"/w/p2", "/d/c/p2", "/m/p2", "/i/c/p2",
	"/w/p3", "/d/c/p3", "/m/p3", "/i/c/p3",
};
static const char *const victims[] = { "/w/p2", "/d/c/p2", "/m/p2", "/i/c/p2" };

static void fix_crc(struct __test_metadata *_metadata, int fd,
		    const struct rec *r)
{
	uint8_t *buf = read_at(fd, r->off, r->h.len);
	uint32_t crc;

	ASSERT_NE(NULL, buf);
	crc = rec_crc(buf, r->h.len);
	ASSERT_EQ(4, pwrite(fd, &crc, 4, r->off + offsetof(struct m2mv_disk_rec,
							     crc)));
	free(buf);
}

/* Recompute chain and CRC of records @from.. as the store key holder can. */
static void rechain(struct __test_metadata *_metadata,
		    FIXTURE_DATA(store) *self, int from)
{
	uint8_t prev[32];

	self->nrecs = scan_file(self->sfd, self->recs, MAX_RECS);
	if (from == 0) {
		struct m2mv_disk_super sb;

		ASSERT_EQ(sizeof(sb), pread(self->sfd, &sb, sizeof(sb), 0));
		memcpy(prev, sb.key_check, 32);
	} else {
		memcpy(prev, self->recs[from - 1].h.chain, 32);
	}
	for (int i = from; i < self->nrecs; i++) {
		struct rec *r = &self->recs[i];
		uint8_t *buf = read_at(self->sfd, r->off, r->h.len);
		size_t co = offsetof(struct m2mv_disk_rec, chain);
		uint32_t crc;

		ASSERT_NE(NULL, buf);
		rec_chain(self->store_key, prev, buf, buf + co);
		crc = rec_crc(buf, r->h.len);
		memcpy(buf + offsetof(struct m2mv_disk_rec, crc), &crc, 4);
		ASSERT_EQ(r->h.len, pwrite(self->sfd, buf, r->h.len, r->off));
		memcpy(prev, buf + co, 32);
		memcpy(&r->h, buf, sizeof(r->h));
		free(buf);
	}
}

TEST_F(store, payload_bit_flip_fails_the_tag)
{
	struct mvt_nl_reply rep;

	ASSERT_EQ(0, populate(self->fd, paths12, 12));
	ASSERT_EQ(0, do_detach(self));
	for (int v = 0; v < 4; v++) {
		int i = find_rec(self->recs, self->nrecs, victims[v], 1);

		ASSERT_GE(i, 0);
		ASSERT_EQ(0, flip_bit(self->sfd, payload_off(&self->recs[i]) +
				      self->recs[i].h.payload_len / 2, v));
		/* The CRC made good again: only the AEAD tag / HMAC tells. */
		fix_crc(_metadata, self->sfd, &self->recs[i]);
	}
	ASSERT_EQ(0, mvt_vault_attach(&self->v, &rep));
	/* The chain leaves the payload to the tag: nothing to see yet. */
	EXPECT_EQ(0, rep.integrity_errors);
	EXPECT_EQ(0, rep.truncated);
	EXPECT_EQ(12, rep.live);
	for (int v = 0; v < 4; v++) {
		EXPECT_EQ(-EBADMSG, get_check(self->fd, victims[v],
					      LEN(victims[v]), NULL))
			TH_LOG("%s", victims[v]);
		/* Also inside a batch, and again. */
		uint8_t out[256];
		struct m2mv_batch_op op = {
			.op = M2MV_BATCH_GET, .path = mvt_ptr(victims[v]),
			.path_len = strlen(victims[v]), .data = mvt_ptr(out),
			.data_len = sizeof(out),
		};

		ASSERT_EQ(0, mvt_batch(self->fd, &op, 1, NULL));
		EXPECT_EQ(-EBADMSG, op.result) TH_LOG("%s", victims[v]);
	}
	for (int k = 0; k < 12; k++) {
		bool victim = false;

		for (int v = 0; v < 4; v++)
			victim |= !strcmp(paths12[k], victims[v]);
		if (!victim) {
			EXPECT_EQ(0, get_check(self->fd, paths12[k],
					       LEN(paths12[k]), NULL))
				TH_LOG("%s", paths12[k]);
		}
	}
	/* Overwriting a damaged path works. */
	uint64_t v;

	ASSERT_EQ(0, put_v(self->fd, "/w/p2", LEN("/w/p2"), &v));
	EXPECT_EQ(2, v);
	EXPECT_EQ(0, get_check(self->fd, "/w/p2", LEN("/w/p2"), NULL));
}

TEST_F(store, payload_bit_flip_fails_the_crc)
{
	struct mvt_nl_reply rep;
	struct m2mv_stat st;

	ASSERT_EQ(0, populate(self->fd, paths12, 12));
	ASSERT_EQ(0, do_detach(self));
	for (int v = 0; v < 4; v++) {
		int i = find_rec(self->recs, self->nrecs, victims[v], 1);

		ASSERT_GE(i, 0);
		ASSERT_EQ(0, flip_bit(self->sfd, payload_off(&self->recs[i]) + 3,
				      7 - v));
	}
	ASSERT_EQ(0, mvt_vault_attach(&self->v, &rep));
	/* Damage in the middle of the log is reported, not cut. */
	EXPECT_EQ(4, rep.integrity_errors);
	EXPECT_EQ(0, rep.truncated);
	for (int v = 0; v < 4; v++) {
		EXPECT_EQ(-EBADMSG, get_check(self->fd, victims[v],
					      LEN(victims[v]), NULL))
			TH_LOG("%s", victims[v]);
		ASSERT_EQ(0, mvt_stat(self->fd, victims[v], &st));
		EXPECT_EQ(M2MV_STAT_F_BAD, st.rec_flags & M2MV_STAT_F_BAD);
	}
	/* Everything after the damage is still there. */
	for (int k = 8; k < 12; k++) {
		EXPECT_EQ(0, get_check(self->fd, paths12[k], LEN(paths12[k]),
				       NULL))
			TH_LOG("%s", paths12[k]);
	}
	for (int k = 0; k < 4; k++) {
		EXPECT_EQ(0, get_check(self->fd, paths12[k], LEN(paths12[k]),
				       NULL))
			TH_LOG("%s", paths12[k]);
	}
}

TEST_F(store, header_bit_flip)
{
	struct mvt_nl_reply rep;

	ASSERT_EQ(0, populate(self->fd, paths12, 12));
	ASSERT_EQ(0, do_detach(self));
	for (int v = 0; v < 4; v++) {
		int i = find_rec(self->recs, self->nrecs, victims[v], 1);
		struct rec *r = &self->recs[i];

		ASSERT_GE(i, 0);
		ASSERT_GT(r->h.hdr_len, 20);
		/* Inside the protected header (JOSE AAD), CRC made good. */
		ASSERT_EQ(0, flip_bit(self->sfd, hdr_off(r) + 10 + v, 1));
		fix_crc(_metadata, self->sfd, r);
	}
	ASSERT_EQ(0, mvt_vault_attach(&self->v, &rep));
	EXPECT_LE(4, rep.integrity_errors);
	EXPECT_EQ(0, rep.truncated);
	for (int v = 0; v < 4; v++) {
		EXPECT_EQ(-EBADMSG, get_check(self->fd, victims[v],
					      LEN(victims[v]), NULL))
			TH_LOG("%s", victims[v]);
	}
	for (int k = 0; k < 12; k++) {
		if (k >= 4 && k < 8)
			continue;
		EXPECT_EQ(0, get_check(self->fd, paths12[k], LEN(paths12[k]),
				       NULL))
			TH_LOG("%s", paths12[k]);
	}
}

TEST_F(store, head_field_flips)
{
	/* Fields of the head the JOSE header does not carry. */
	static const size_t fields[] = {
		offsetof(struct m2mv_disk_rec, time_ns),
		offsetof(struct m2mv_disk_rec, seq),
		offsetof(struct m2mv_disk_rec, version),
		offsetof(struct m2mv_disk_rec, flags),
	};
	struct mvt_nl_reply rep;

	ASSERT_EQ(0, populate(self->fd, paths12, 12));
	ASSERT_EQ(0, do_detach(self));
	for (int v = 0; v < 4; v++) {
		int i = find_rec(self->recs, self->nrecs, victims[v], 1);

		ASSERT_GE(i, 0);
		ASSERT_EQ(0, flip_bit(self->sfd, self->recs[i].off + fields[v] +
				      (fields[v] == offsetof(struct m2mv_disk_rec,
							     flags) ? 0 : 1), 2));
		fix_crc(_metadata, self->sfd, &self->recs[i]);
	}
	ASSERT_EQ(0, mvt_vault_attach(&self->v, &rep));
	EXPECT_LE(4, rep.integrity_errors);
	EXPECT_EQ(0, rep.truncated);
	for (int v = 0; v < 4; v++) {
		int ret = get_check(self->fd, victims[v], LEN(victims[v]), NULL);

		/* Never the wrong bytes; damaged records are refused. */
		EXPECT_EQ(-EBADMSG, ret) TH_LOG("%s: %s", victims[v],
						strerror(-ret));
	}
	for (int k = 0; k < 12; k++) {
		if (k >= 4 && k < 8)
			continue;
		EXPECT_EQ(0, get_check(self->fd, paths12[k], LEN(paths12[k]),
				       NULL))
			TH_LOG("%s", paths12[k]);
	}
}

/* A GET of @path gives its own content (when intact) or fails. */
static void never_wrong(struct __test_metadata *_metadata, int fd,
			const char *path, const int *allowed, int nallowed)
{
	int ret = get_check(fd, path, LEN(path), NULL);
	bool ok = false;

	for (int i = 0; i < nallowed; i++)
		ok |= ret == allowed[i];
	EXPECT_TRUE(ok) TH_LOG("%s: %d (%s)", path, ret, strerror(-ret));
	EXPECT_NE(-EILSEQ, ret) TH_LOG("%s returned wrong plaintext", path);
}

static const int ok_or_bad[] = { 0, -EBADMSG };
static const int gone_or_bad[] = { -ENOENT, -EBADMSG };

TEST_F(store, record_copied_over_another)
{
	/* Same path length and data length: same record length. */
	static const char *const p[] = { "/w/x1", "/w/x2", "/w/x3", "/w/x4" };
	struct mvt_nl_reply rep;
	uint8_t *b;
	int a, c;

	ASSERT_EQ(0, populate(self->fd, p, 4));
	ASSERT_EQ(0, do_detach(self));
	a = find_rec(self->recs, self->nrecs, "/w/x2", 1);
	c = find_rec(self->recs, self->nrecs, "/w/x3", 1);
	ASSERT_GE(a, 0);
	ASSERT_GE(c, 0);
	ASSERT_EQ(self->recs[a].h.len, self->recs[c].h.len);
	b = read_at(self->sfd, self->recs[c].off, self->recs[c].h.len);
	ASSERT_NE(NULL, b);
	ASSERT_EQ(self->recs[c].h.len, pwrite(self->sfd, b, self->recs[c].h.len,
					      self->recs[a].off));
	free(b);
	ASSERT_EQ(0, mvt_vault_attach(&self->v, &rep));
	EXPECT_LT(0, rep.integrity_errors);
	never_wrong(_metadata, self->fd, "/w/x2", gone_or_bad, 2);
	never_wrong(_metadata, self->fd, "/w/x3", ok_or_bad, 2);
	never_wrong(_metadata, self->fd, "/w/x1", ok_or_bad, 1);
	never_wrong(_metadata, self->fd, "/w/x4", ok_or_bad, 2);
}

TEST_F(store, records_swapped)
{
	struct mvt_nl_reply rep;
	uint8_t *b1, *b2;
	struct rec *r1, *r2;
	int i;

	ASSERT_EQ(0, populate(self->fd, paths12, 12));
	ASSERT_EQ(0, do_detach(self));
	i = find_rec(self->recs, self->nrecs, "/w/p2", 1);
	ASSERT_GE(i, 0);
	r1 = &self->recs[i];
	r2 = &self->recs[i + 1];
	b1 = read_at(self->sfd, r1->off, r1->h.len);
	b2 = read_at(self->sfd, r2->off, r2->h.len);
	ASSERT_NE(NULL, b1);
	ASSERT_NE(NULL, b2);
	ASSERT_EQ(r2->h.len, pwrite(self->sfd, b2, r2->h.len, r1->off));
	ASSERT_EQ(r1->h.len, pwrite(self->sfd, b1, r1->h.len,
				    r1->off + r2->h.len));
	free(b1);
	free(b2);
	ASSERT_EQ(0, mvt_vault_attach(&self->v, &rep));
	EXPECT_LT(0, rep.integrity_errors);
	EXPECT_EQ(0, rep.truncated);
	for (int k = 0; k < 12; k++)
		never_wrong(_metadata, self->fd, paths12[k], ok_or_bad, 2);
	/* The first records are untouched. */
	for (int k = 0; k < 4; k++) {
		EXPECT_EQ(0, get_check(self->fd, paths12[k], LEN(paths12[k]),
				       NULL));
	}
}

TEST_F(store, record_cut_out)
{
	struct mvt_nl_reply rep;
	struct stat st;
	uint8_t *rest;
	size_t rest_len;
	struct rec *r;
	int i;

	ASSERT_EQ(0, populate(self->fd, paths12, 12));
	ASSERT_EQ(0, do_detach(self));
	i = find_rec(self->recs, self->nrecs, "/m/p2", 1);
	ASSERT_GE(i, 0);
	r = &self->recs[i];
	ASSERT_EQ(0, fstat(self->sfd, &st));
	rest_len = st.st_size - (r->off + r->h.len);
	rest = read_at(self->sfd, r->off + r->h.len, rest_len);
	ASSERT_NE(NULL, rest);
	ASSERT_EQ(rest_len, pwrite(self->sfd, rest, rest_len, r->off));
	ASSERT_EQ(0, ftruncate(self->sfd, st.st_size - r->h.len));
	free(rest);
	ASSERT_EQ(0, mvt_vault_attach(&self->v, &rep));
	EXPECT_LT(0, rep.integrity_errors);
	EXPECT_EQ(0, rep.truncated);
	never_wrong(_metadata, self->fd, "/m/p2", gone_or_bad, 2);
	for (int k = 0; k < 12; k++) {
		if (strcmp(paths12[k], "/m/p2"))
			never_wrong(_metadata, self->fd, paths12[k], ok_or_bad, 2);
	}
}

TEST_F(store, old_version_reinserted)
{
	struct mvt_nl_reply rep;
	struct stat st;
	uint64_t v;
	uint8_t *b;
	int i;

	ASSERT_EQ(0, populate(self->fd, paths6, 6));
	ASSERT_EQ(0, put_v(self->fd, "/w/a", LEN("/w/a"), &v));
	ASSERT_EQ(2, v);
	ASSERT_EQ(0, do_detach(self));
	/* Append a copy of version 1 after everything: a rollback. */
	i = find_rec(self->recs, self->nrecs, "/w/a", 1);
	ASSERT_GE(i, 0);
	b = read_at(self->sfd, self->recs[i].off, self->recs[i].h.len);
	ASSERT_NE(NULL, b);
	ASSERT_EQ(0, fstat(self->sfd, &st));
	ASSERT_EQ(self->recs[i].h.len, pwrite(self->sfd, b, self->recs[i].h.len,
					      st.st_size));
	free(b);
	ASSERT_EQ(0, mvt_vault_attach(&self->v, &rep));
	EXPECT_LT(0, rep.integrity_errors);
	/* Never version 1 again. */
	int ret = get_check(self->fd, "/w/a", LEN("/w/a"), &v);

	EXPECT_TRUE(ret == -EBADMSG || (ret == 0 && v == 2))
		TH_LOG("ret %d version %llu", ret, (unsigned long long)v);
}

TEST_F(store, tamper_while_attached)
{
	int i;

	ASSERT_EQ(0, populate(self->fd, paths12, 12));
	/* Parse the live file (no checkpoint yet). */
	self->nrecs = scan_file(self->sfd, self->recs, MAX_RECS);
	for (int v = 0; v < 4; v++) {
		i = find_rec(self->recs, self->nrecs, victims[v], 1);
		ASSERT_GE(i, 0);
		ASSERT_EQ(0, flip_bit(self->sfd, payload_off(&self->recs[i]), 0));
		if (v % 2)
			fix_crc(_metadata, self->sfd, &self->recs[i]);
	}
	for (int v = 0; v < 4; v++) {
		EXPECT_EQ(-EBADMSG, get_check(self->fd, victims[v],
					      LEN(victims[v]), NULL))
			TH_LOG("%s", victims[v]);
	}
	EXPECT_EQ(0, get_check(self->fd, "/w/p1", LEN("/w/p1"), NULL));
	EXPECT_EQ(0, get_check(self->fd, "/i/c/p3", LEN("/i/c/p3"), NULL));
}

/* ------------------------------------------ an attacker with the store key */

TEST_F(store, rechained_file_still_attaches_clean)
{
	/* Sanity for the forgery tests: rechaining alone changes nothing. */
	struct mvt_nl_reply rep;

	ASSERT_EQ(0, populate(self->fd, paths6, 6));
	ASSERT_EQ(0, do_detach(self));
	rechain(_metadata, self, 0);
	ASSERT_EQ(0, mvt_vault_attach(&self->v, &rep));
	EXPECT_EQ(0, rep.integrity_errors);
	EXPECT_EQ(0, rep.truncated);
	all_readable(_metadata, self->fd, paths6, 6, NULL);
}

/* Replace @from by @to (same length) in record @i, then rechain from it. */
static void forge(struct __test_metadata *_metadata, FIXTURE_DATA(store) *self,
		  int i, off_t start, size_t len, const char *from,
		  const char *to)
{
	size_t n = strlen(from);
	uint8_t *b = read_at(self->sfd, start, len);
	uint8_t *p;

	ASSERT_EQ(n, strlen(to));
	ASSERT_NE(NULL, b);
	p = memmem(b, len, from, n);
	ASSERT_NE(NULL, p) TH_LOG("%s not found", from);
	memcpy(p, to, n);
	ASSERT_EQ(len, pwrite(self->sfd, b, len, start));
	free(b);
	rechain(_metadata, self, i);
}

TEST_F(store, forged_kid_type_is_ekeyrejected)
{
	struct mvt_nl_reply rep;
	uint8_t out[256];
	size_t n;
	int i;

	ASSERT_EQ(0, populate(self->fd, paths6, 6));
	ASSERT_EQ(0, do_detach(self));
	/* wrap record /w/a: kid 15-wrap -> 14-wrap, in the header. */
	i = find_rec(self->recs, self->nrecs, "/w/a", 1);
	ASSERT_GE(i, 0);
	forge(_metadata, self, i, hdr_off(&self->recs[i]),
	      self->recs[i].h.hdr_len, "\"kid\":\"15-", "\"kid\":\"14-");
	/* mic record /m/c: 16-mic -> 15-mic. */
	i = find_rec(self->recs, self->nrecs, "/m/c", 1);
	ASSERT_GE(i, 0);
	forge(_metadata, self, i, hdr_off(&self->recs[i]),
	      self->recs[i].h.hdr_len, "\"kid\":\"16-", "\"kid\":\"15-");
	/* dir record /d/c/b: 14-dir -> 16-dir. */
	i = find_rec(self->recs, self->nrecs, "/d/c/b", 1);
	ASSERT_GE(i, 0);
	forge(_metadata, self, i, hdr_off(&self->recs[i]),
	      self->recs[i].h.hdr_len, "\"kid\":\"14-", "\"kid\":\"16-");
	/* The keys those kids name exist: only the type is wrong. */
	ASSERT_GT(mvt_key_add("14-wrap@m2mv.test", NULL, self->ring, NULL), 0);
	ASSERT_GT(mvt_key_add("15-mic@m2mv.test", NULL, self->ring, NULL), 0);
	ASSERT_GT(mvt_key_add("16-dir@m2mv.test", NULL, self->ring, NULL), 0);

	ASSERT_EQ(0, mvt_vault_attach(&self->v, &rep));
	EXPECT_EQ(0, rep.integrity_errors);
	n = sizeof(out);
	EXPECT_EQ(-EKEYREJECTED, mvt_get(self->fd, "/w/a", out, &n, NULL));
	n = sizeof(out);
	EXPECT_EQ(-EKEYREJECTED, mvt_get(self->fd, "/m/c", out, &n, NULL));
	n = sizeof(out);
	EXPECT_EQ(-EKEYREJECTED, mvt_get(self->fd, "/d/c/b", out, &n, NULL));
	all_readable(_metadata, self->fd, paths6 + 3, 3, "/m/c");
}

TEST_F(store, forged_path_or_version_fails_the_tag)
{
	static const char *const p[] = { "/w/f1", "/d/c/f1", "/m/f1", "/i/c/f1" };
	static const char *const moved[] = { "/w/f7", "/d/c/f7", "/m/f7",
					     "/i/c/f7" };
	struct mvt_nl_reply rep;
	uint64_t v;
	int i;

	ASSERT_EQ(0, populate(self->fd, p, 4));
	for (int k = 0; k < 4; k++) {
		char q[16];

		snprintf(q, sizeof(q), "%.*s2", (int)strlen(p[k]) - 1, p[k]);
		ASSERT_EQ(0, put_v(self->fd, q, LEN(q), &v));
	}
	ASSERT_EQ(0, do_detach(self));
	/*
	 * Move each f1 record to f7: the path in the head and in the header,
	 * with a valid chain. Only the AEAD/HMAC binding can tell.
	 */
	for (int k = 0; k < 4; k++) {
		i = find_rec(self->recs, self->nrecs, p[k], 1);
		ASSERT_GE(i, 0);
		forge(_metadata, self, i,
		      self->recs[i].off + sizeof(struct m2mv_disk_rec),
		      self->recs[i].h.path_len, p[k], moved[k]);
		forge(_metadata, self, i, hdr_off(&self->recs[i]),
		      self->recs[i].h.hdr_len, p[k], moved[k]);
	}
	/* Bump the f2 records to version 3 (head and header). */
	for (int k = 0; k < 4; k++) {
		char q[16];
		struct m2mv_disk_rec h;

		snprintf(q, sizeof(q), "%.*s2", (int)strlen(p[k]) - 1, p[k]);
		i = find_rec(self->recs, self->nrecs, q, 1);
		ASSERT_GE(i, 0);
		ASSERT_EQ(sizeof(h), pread(self->sfd, &h, sizeof(h),
					   self->recs[i].off));
		h.version = 3;
		ASSERT_EQ(sizeof(h), pwrite(self->sfd, &h, sizeof(h),
					    self->recs[i].off));
		forge(_metadata, self, i, hdr_off(&self->recs[i]),
		      self->recs[i].h.hdr_len, "\"m2mv_ver\":1,",
		      "\"m2mv_ver\":3,");
	}
	/*
	 * The chain holds, but the final checkpoint still vouches for each
	 * f1 at version 1, and the records after the forged ones name what
	 * was written before them: the four paths whose record moved away
	 * read as damaged, not as absent, and so do the bumped ones.
	 */
	ASSERT_EQ(0, mvt_vault_attach(&self->v, &rep));
	EXPECT_LE(4, rep.integrity_errors);
	for (int k = 0; k < 4; k++) {
		uint8_t out[256];
		size_t n = sizeof(out);
		char q[16];
		int ret;

		ret = mvt_get(self->fd, moved[k], out, &n, NULL);
		EXPECT_EQ(-EBADMSG, ret) TH_LOG("%s: %s", moved[k], strerror(-ret));
		n = sizeof(out);
		ret = mvt_get(self->fd, p[k], out, &n, NULL);
		EXPECT_EQ(-EBADMSG, ret) TH_LOG("%s: %s", p[k], strerror(-ret));
		snprintf(q, sizeof(q), "%.*s2", (int)strlen(p[k]) - 1, p[k]);
		n = sizeof(out);
		ret = mvt_get(self->fd, q, out, &n, NULL);
		EXPECT_EQ(-EBADMSG, ret) TH_LOG("%s: %s", q, strerror(-ret));
	}
}

/* ------------------------------------ damage that must not read as older */

/* Take @len bytes at @off out of the file, moving what follows up. */
static int cut_out(int fd, off_t off, size_t len)
{
	struct stat st;
	uint8_t *rest;
	size_t n;
	int ret = -1;

	if (fstat(fd, &st))
		return -1;
	n = st.st_size - off - len;
	rest = read_at(fd, off + len, n);
	if (rest && pwrite(fd, rest, n, off) == (ssize_t)n &&
	    !ftruncate(fd, st.st_size - len))
		ret = 0;
	free(rest);
	return ret;
}

/*
 * paths12, then a second version of each victim, then a third round of
 * other paths, so that every victim's newest record is in the middle of
 * the log; detached (a checkpoint vouches for all of it).
 */
static void victims_mid_log(struct __test_metadata *_metadata,
			    FIXTURE_DATA(store) *self)
{
	static const char *const after[] = { "/w/q1", "/d/c/q1", "/m/q1" };
	uint64_t v;

	ASSERT_EQ(0, populate(self->fd, paths12, 12));
	for (int k = 0; k < 4; k++) {
		ASSERT_EQ(0, put_v(self->fd, victims[k], LEN(victims[k]), &v));
		ASSERT_EQ(2, v);
	}
	ASSERT_EQ(0, populate(self->fd, after, 3));
	ASSERT_EQ(0, do_detach(self));
}

/* Every victim reads as damaged, never as its first version. */
static void victims_bad(struct __test_metadata *_metadata, int fd)
{
	for (int k = 0; k < 4; k++) {
		EXPECT_EQ(-EBADMSG, get_check(fd, victims[k], LEN(victims[k]),
					      NULL))
			TH_LOG("%s", victims[k]);
	}
}

TEST_F(store, damaged_magic_is_attributed_to_its_path)
{
	struct mvt_nl_reply rep;

	victims_mid_log(_metadata, self);
	for (int k = 0; k < 4; k++) {
		int i = find_rec(self->recs, self->nrecs, victims[k], 2);

		ASSERT_GE(i, 0);
		ASSERT_EQ(0, flip_bit(self->sfd, self->recs[i].off + 1, k));
	}
	ASSERT_EQ(0, mvt_vault_attach(&self->v, &rep));
	EXPECT_LE(4, rep.integrity_errors);
	EXPECT_EQ(0, rep.truncated);
	victims_bad(_metadata, self->fd);
}

TEST_F(store, damaged_version_reads_as_damaged)
{
	struct mvt_nl_reply rep;

	victims_mid_log(_metadata, self);
	for (int k = 0; k < 4; k++) {
		int i = find_rec(self->recs, self->nrecs, victims[k], 2);

		ASSERT_GE(i, 0);
		/* 2 becomes 0 or 3: lower, or one the index never saw. */
		ASSERT_EQ(0, flip_bit(self->sfd, self->recs[i].off +
				      offsetof(struct m2mv_disk_rec, version),
				      k % 2));
	}
	ASSERT_EQ(0, mvt_vault_attach(&self->v, &rep));
	EXPECT_LE(4, rep.integrity_errors);
	victims_bad(_metadata, self->fd);
}

TEST_F(store, dropped_record_is_vouched_for_by_the_checkpoint)
{
	struct mvt_nl_reply rep;

	victims_mid_log(_metadata, self);
	/* From the end backwards, so that earlier offsets stay valid. */
	for (int k = 3; k >= 0; k--) {
		int i = find_rec(self->recs, self->nrecs, victims[k], 2);

		ASSERT_GE(i, 0);
		ASSERT_EQ(0, cut_out(self->sfd, self->recs[i].off,
				     self->recs[i].h.len));
	}
	ASSERT_EQ(0, mvt_vault_attach(&self->v, &rep));
	EXPECT_LE(4, rep.integrity_errors);
	victims_bad(_metadata, self->fd);
}

TEST_F(store, damaged_tombstone_does_not_resurrect)
{
	static const char *const after[] = { "/w/q1", "/d/c/q1", "/m/q1" };
	struct mvt_nl_reply rep;
	uint8_t out[256];
	uint64_t v;

	ASSERT_EQ(0, populate(self->fd, paths12, 12));
	for (int k = 0; k < 4; k++)
		ASSERT_EQ(0, mvt_del(self->fd, victims[k], 0, &v));
	ASSERT_EQ(0, populate(self->fd, after, 3));
	ASSERT_EQ(0, do_detach(self));
	for (int k = 0; k < 4; k++) {
		int i = find_rec(self->recs, self->nrecs, victims[k], 2);

		ASSERT_GE(i, 0);
		ASSERT_EQ(M2MV_REC_DEL, self->recs[i].h.type);
		/* Two by their magic, two by their type. */
		ASSERT_EQ(0, flip_bit(self->sfd, self->recs[i].off +
				      (k < 2 ? 0 : offsetof(struct m2mv_disk_rec,
							    type)), 1));
	}
	ASSERT_EQ(0, mvt_vault_attach(&self->v, &rep));
	EXPECT_LE(4, rep.integrity_errors);
	for (int k = 0; k < 4; k++) {
		size_t n = sizeof(out);

		EXPECT_EQ(-EBADMSG, mvt_get(self->fd, victims[k], out, &n, NULL))
			TH_LOG("%s", victims[k]);
	}
}

/* Cut the detach's checkpoint: the log ends as a power cut leaves it. */
static int last_put(struct __test_metadata *_metadata,
		    FIXTURE_DATA(store) *self, const char *path, size_t len)
{
	uint64_t v;
	int i;

	if (put_v(self->fd, path, len, &v) || do_detach(self))
		return -1;
	i = find_rec(self->recs, self->nrecs, path, v);
	if (i < 0 || i + 2 != self->nrecs ||
	    self->recs[i + 1].h.type != M2MV_REC_CKPT ||
	    ftruncate(self->sfd, self->recs[i + 1].off))
		return -1;
	return i;
}

TEST_F(store, damaged_last_record_is_reported_not_cut)
{
	struct mvt_nl_reply rep;
	struct stat before, after;
	int i;

	ASSERT_EQ(0, populate(self->fd, paths6, 6));
	i = last_put(_metadata, self, "/w/e", LEN("/w/e"));
	ASSERT_GE(i, 0);
	ASSERT_EQ(0, flip_bit(self->sfd, payload_off(&self->recs[i]) + 3, 5));
	ASSERT_EQ(0, fstat(self->sfd, &before));
	ASSERT_EQ(0, mvt_vault_attach(&self->v, &rep));
	EXPECT_EQ(0, rep.truncated);
	EXPECT_EQ(1, rep.integrity_errors);
	ASSERT_EQ(0, fstat(self->sfd, &after));
	EXPECT_EQ(before.st_size, after.st_size);
	EXPECT_EQ(-EBADMSG, get_check(self->fd, "/w/e", LEN("/w/e"), NULL));
	all_readable(_metadata, self->fd, paths6, 6, "/w/e");
	/* Appends go on after it, and the next attach agrees. */
	EXPECT_EQ(0, put_v(self->fd, "/w/e", LEN("/w/e"), &(uint64_t){0}));
	EXPECT_EQ(0, get_check(self->fd, "/w/e", LEN("/w/e"), NULL));
	ASSERT_EQ(0, mvt_vault_reattach(&self->v, &rep));
	EXPECT_EQ(0, rep.truncated);
	EXPECT_EQ(1, rep.integrity_errors);
	EXPECT_EQ(0, get_check(self->fd, "/w/e", LEN("/w/e"), NULL));
}

TEST_F(store, last_record_with_absent_sector_is_torn)
{
	static const uint8_t zeros[512];
	struct mvt_nl_reply rep;
	uint8_t out[8];
	size_t n = sizeof(out);
	off_t sector;
	int i;

	ASSERT_EQ(0, populate(self->fd, paths6, 6));
	i = last_put(_metadata, self, "/w/big", 3000);
	ASSERT_GE(i, 0);
	/* The second whole sector of the record never reached the disk. */
	sector = (self->recs[i].off + 1023) / 512 * 512;
	ASSERT_LE(sector + 512, self->recs[i].off + self->recs[i].h.len);
	ASSERT_EQ(512, pwrite(self->sfd, zeros, 512, sector));
	ASSERT_EQ(0, mvt_vault_attach(&self->v, &rep));
	EXPECT_EQ(self->recs[i].h.len, rep.truncated);
	EXPECT_EQ(0, rep.integrity_errors);
	EXPECT_EQ(-ENOENT, mvt_get(self->fd, "/w/big", out, &n, NULL));
	all_readable(_metadata, self->fd, paths6, 6, NULL);
}

TEST_F(store, damaged_superblock_copy_is_mended)
{
	struct m2mv_disk_super a, b;
	struct mvt_nl_reply rep;

	ASSERT_EQ(0, populate(self->fd, paths6, 6));
	ASSERT_EQ(0, do_detach(self));
	for (int copy = 0; copy < 2; copy++) {
		off_t at = copy ? M2MV_SUPER_BACKUP : 0;

		ASSERT_EQ(0, flip_bit(self->sfd, at + 9 + copy * 20, 3));
		ASSERT_EQ(0, mvt_vault_attach(&self->v, &rep)) TH_LOG("copy %d", copy);
		EXPECT_EQ(1, rep.integrity_errors);
		all_readable(_metadata, self->fd, paths6, 6, NULL);
		ASSERT_EQ(0, mvt_vault_detach(&self->v));
		ASSERT_EQ(sizeof(a), pread(self->sfd, &a, sizeof(a), 0));
		ASSERT_EQ(sizeof(b), pread(self->sfd, &b, sizeof(b),
					   M2MV_SUPER_BACKUP));
		EXPECT_EQ(0, memcmp(&a, &b, sizeof(a))) TH_LOG("copy %d", copy);
		EXPECT_EQ(M2MV_FORMAT_VERSION, a.version);
	}
	ASSERT_EQ(0, mvt_vault_attach(&self->v, &rep));
	EXPECT_EQ(0, rep.integrity_errors);
	ASSERT_EQ(0, mvt_vault_detach(&self->v));

	/* Both copies: refused, and the message says what is damaged. */
	ASSERT_EQ(0, flip_bit(self->sfd, 30, 0));
	ASSERT_EQ(0, flip_bit(self->sfd, M2MV_SUPER_BACKUP + 40, 0));
	EXPECT_EQ(-EBADMSG, mvt_vault_attach(&self->v, &rep));
	EXPECT_NE(NULL, strstr(rep.msg, "superblock is damaged")) TH_LOG("%s", rep.msg);
}

/*
 * Rewrite the detached version-2 store as format version 1 would have
 * written it (one superblock, the log from 4096, no checkpoints), with the
 * store key the test holds: a store of an older module.
 */
static void make_version1(struct __test_metadata *_metadata,
			  FIXTURE_DATA(store) *self)
{
	static uint8_t page[M2MV_SUPER_SIZE];
	struct m2mv_disk_super sb;
	uint8_t prev[32];
	off_t to = M2MV_LOG_START_V1;
	uint64_t seq = 0;
	int n = self->nrecs;
	struct rec recs[MAX_RECS];

	memcpy(recs, self->recs, sizeof(recs));
	ASSERT_EQ(sizeof(sb), pread(self->sfd, &sb, sizeof(sb), 0));
	sb.version = M2MV_FORMAT_VERSION_V1;
	sb.crc = ~crc32c_update(~0U, &sb, offsetof(struct m2mv_disk_super, crc));
	memcpy(prev, sb.key_check, 32);
	memset(page, 0, sizeof(page));
	memcpy(page, &sb, sizeof(sb));
	/* Read every record before the file is rewritten in place. */
	uint8_t *bufs[MAX_RECS];

	for (int i = 0; i < n; i++) {
		bufs[i] = read_at(self->sfd, recs[i].off, recs[i].h.len);
		ASSERT_NE(NULL, bufs[i]);
	}
	ASSERT_EQ(0, ftruncate(self->sfd, 0));
	ASSERT_EQ(sizeof(page), pwrite(self->sfd, page, sizeof(page), 0));
	for (int i = 0; i < n; i++) {
		struct m2mv_disk_rec *h = (void *)bufs[i];
		uint32_t crc;

		if (h->type != M2MV_REC_CKPT) {
			h->seq = ++seq;
			rec_chain(self->store_key, prev, bufs[i], h->chain);
			memcpy(prev, h->chain, 32);
			crc = rec_crc(bufs[i], h->len);
			h->crc = crc;
			ASSERT_EQ(h->len, pwrite(self->sfd, bufs[i], h->len, to));
			to += h->len;
		}
		free(bufs[i]);
	}
}

TEST_F(store, version1_store_attaches_and_compaction_upgrades_it)
{
	struct m2mv_disk_super a, b;
	struct mvt_nl_reply rep;
	char nfile[256];
	int nfd;

	ASSERT_EQ(0, populate(self->fd, paths6, 6));
	ASSERT_EQ(0, do_detach(self));
	make_version1(_metadata, self);

	ASSERT_EQ(0, mvt_vault_attach(&self->v, &rep));
	EXPECT_EQ(0, rep.integrity_errors);
	EXPECT_EQ(0, rep.truncated);
	EXPECT_EQ(6, rep.records);
	all_readable(_metadata, self->fd, paths6, 6, NULL);
	/* Written to as version 1: the next attach still finds it clean. */
	EXPECT_EQ(0, put_v(self->fd, "/w/a", LEN("/w/a"), &(uint64_t){0}));
	ASSERT_EQ(0, mvt_vault_reattach(&self->v, &rep));
	EXPECT_EQ(0, rep.integrity_errors);
	ASSERT_EQ(sizeof(a), pread(self->sfd, &a, sizeof(a), 0));
	EXPECT_EQ(M2MV_FORMAT_VERSION_V1, a.version);

	/* A compaction writes format version 2, both copies. */
	nfd = mvt_store_file(nfile, sizeof(nfile), NULL, "v1up");
	ASSERT_GE(nfd, 0);
	struct mvt_nl_args c = { .name = self->name, .has_fd = true, .fd = nfd };

	ASSERT_EQ(0, mvt_nl(M2MV_CMD_STORE_COMPACT, &c, &rep)) TH_LOG("%s", rep.msg);
	all_readable(_metadata, self->fd, paths6, 6, NULL);
	ASSERT_EQ(sizeof(a), pread(nfd, &a, sizeof(a), 0));
	ASSERT_EQ(sizeof(b), pread(nfd, &b, sizeof(b), M2MV_SUPER_BACKUP));
	EXPECT_EQ(M2MV_FORMAT_VERSION, a.version);
	EXPECT_EQ(0, memcmp(&a, &b, sizeof(a)));
	/* The store goes on in the new file, as version 2. */
	EXPECT_EQ(0, put_v(self->fd, "/w/e", LEN("/w/e"), &(uint64_t){0}));
	ASSERT_EQ(0, mvt_vault_detach(&self->v));
	close(self->sfd);
	self->sfd = nfd;
	ASSERT_EQ(0, mvt_vault_attach(&self->v, &rep));
	EXPECT_EQ(0, rep.integrity_errors);
	all_readable(_metadata, self->fd, paths6, 6, NULL);
	unlink(nfile);
}

/* ---------------------------------------------------- EXPORT, no keys */

static int export_child(FIXTURE_DATA(store) *self, int wfd)
{
	static char buf[2][16384];
	size_t n[2];
	uint8_t out[256];
	size_t on = sizeof(out);

	if (keyctl_join_session_keyring(NULL) < 0)
		return 1;
	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 2;
	for (int k = 0; k < 6; k++) {
		n[0] = n[1] = sizeof(buf[0]);
		if (mvt_export(self->fd, paths6[k], 0, buf[0], &n[0], NULL) ||
		    mvt_export(self->fd, paths6[k], M2MV_EXPORT_F_JSON, buf[1],
			       &n[1], NULL))
			return 10 + k;
		if (write(wfd, n, sizeof(n)) != sizeof(n) ||
		    write(wfd, buf[0], n[0]) != (ssize_t)n[0] ||
		    write(wfd, buf[1], n[1]) != (ssize_t)n[1])
			return 3;
		on = sizeof(out);
		if (mvt_get(self->fd, paths6[k], out, &on, NULL) != -ENOKEY)
			return 20 + k;
	}
	return 0;
}

static int read_full(int fd, void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n) {
		ssize_t r = read(fd, p, n);

		if (r <= 0)
			return -1;
		p += r;
		n -= r;
	}
	return 0;
}

TEST_F(store, export_needs_no_key)
{
	static char mine[16384], theirs[16384];
	int pfd[2], status;
	pid_t pid;

	/* The grant lets others read: EXPORT needs that, and no key. */
	self->v.perm = 0604;
	ASSERT_EQ(0, mvt_vault_reattach(&self->v, NULL));
	ASSERT_EQ(0, populate(self->fd, paths6, 6));
	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		close(pfd[0]);
		_exit(export_child(self, pfd[1]));
	}
	close(pfd[1]);
	for (int k = 0; k < 6; k++) {
		size_t n[2];

		ASSERT_EQ(0, read_full(pfd[0], n, sizeof(n)));
		for (int j = 0; j < 2; j++) {
			size_t mn = sizeof(mine);

			ASSERT_LT(n[j], sizeof(theirs));
			ASSERT_EQ(0, read_full(pfd[0], theirs, n[j]));
			ASSERT_EQ(0, mvt_export(self->fd, paths6[k],
						j ? M2MV_EXPORT_F_JSON : 0,
						mine, &mn, NULL));
			EXPECT_EQ(mn, n[j]);
			EXPECT_EQ(0, memcmp(mine, theirs, mn)) TH_LOG("%s", paths6[k]);
		}
	}
	close(pfd[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
