// SPDX-License-Identifier: GPL-2.0
/*
 * Scrub (M2MV_CMD_STORE_VERIFY) and compaction (M2MV_CMD_STORE_COMPACT,
 * with and without re-sealing under a new credential) of an attached store.
 * Data goes through the ioctls (m2mv.h); the two control commands through
 * raw generic netlink (m2mv_nl.h).
 */
#include <sys/stat.h>
#include <stdbool.h>
#include <stddef.h>

#include "kselftest_harness.h"
#include "fixture.h"

#define K_WRAP2	"15-wrap2@m2mv.test"
#define NPATHS	20

/* ------------------------------------------------------------- netlink */

/* Send @cmd for store @name (with @fd >= 0 and @credid if given). */
static int nl_cmd(uint8_t cmd, const char *name, int fd, const char *credid,
		  struct mvt_nl_reply *r)
{
	struct mvt_nl_args a = {
		.name = name, .has_fd = fd >= 0, .fd = fd, .credid = credid,
	};

	return mvt_nl(cmd, &a, r);
}

/* ------------------------------------------------------------- fixture */

/* Everything in one wrap policy, so that a compaction can re-seal it all. */
static const struct mvt_policy scrub_policies[] = {
	{ "", NULL, M2MV_MODE_WRAP, MVT_K_WRAP, 0 },
};

FIXTURE(scrub) {
	MVT_VAULT_IN_FIXTURE;
	int nfd;		/* an empty file to compact into */
	char nfile[256];
};

FIXTURE_SETUP(scrub)
{
	static const char *const credids[] = { MVT_K_WRAP, NULL };
	const struct mvt_vault_spec spec = {
		.tag = "scrub", .credids = credids,
		.policies = scrub_policies, .npolicies = 1,
	};

	self->nfd = -1;
	mvt_vault_setup(_metadata, &self->v, &spec);
	self->nfd = mvt_store_file(self->nfile, sizeof(self->nfile), NULL,
				   "compacted");
	ASSERT_GE(self->nfd, 0);
}

FIXTURE_TEARDOWN(scrub)
{
	mvt_vault_teardown(_metadata, &self->v);
	if (self->nfd >= 0)
		close(self->nfd);
	if (self->nfile[0])
		unlink(self->nfile);
}

/* The content of @path at @gen: a few dozen bytes that differ by both. */
static size_t content(char *buf, size_t size, const char *path, int gen)
{
	return snprintf(buf, size, "%s generation %d %0*d", path, gen,
			gen * 7 + 3, gen);
}

static void path_of(char *buf, size_t size, int i)
{
	snprintf(buf, size, "CSEBase/ae%d/cnt/cin%02d", i % 3, i);
}

/* 0 if @path reads back as generation @gen, else -errno or -EILSEQ. */
static int check(int fd, const char *path, int gen)
{
	char want[256], got[256];
	size_t wlen = content(want, sizeof(want), path, gen);
	size_t len = sizeof(got);
	int ret = mvt_get(fd, path, got, &len, NULL);

	if (ret)
		return ret;
	return len == wlen && !memcmp(want, got, len) ? 0 : -EILSEQ;
}

static int put_gen(int fd, const char *path, int gen)
{
	char buf[256];
	size_t len = content(buf, sizeof(buf), path, gen);

	return mvt_put(fd, path, buf, len, 0, NULL);
}

/* Offset of the newest record of @path in the store file, or -1. */
static off_t find_record(int sfd, const char *path, struct m2mv_disk_rec *out)
{
	size_t plen = strlen(path);
	off_t off = M2MV_LOG_START, found = -1;
	struct m2mv_disk_rec h;
	char p[M2MV_PATH_MAX];

	while (pread(sfd, &h, sizeof(h), off) == sizeof(h) &&
	       h.magic == M2MV_REC_MAGIC && h.len >= sizeof(h)) {
		if (h.type == M2MV_REC_PUT && h.path_len == plen &&
		    pread(sfd, p, plen, off + sizeof(h)) == (ssize_t)plen &&
		    !memcmp(p, path, plen)) {
			found = off;
			*out = h;
		}
		off += h.len;
	}
	return found;
}

/* ---------------------------------------------------------------- tests */

TEST_F(scrub, clean)
{
	char path[64];
	struct mvt_nl_reply r;

	for (int i = 0; i < 10; i++) {
		path_of(path, sizeof(path), i);
		ASSERT_EQ(0, put_gen(self->fd, path, 1));
	}
	ASSERT_EQ(0, nl_cmd(M2MV_CMD_STORE_VERIFY, self->name, -1, NULL, &r));
	EXPECT_EQ(10, r.records);
	EXPECT_EQ(0, r.integrity_errors);
	EXPECT_EQ(0, r.nbad);
}

TEST_F(scrub, bitflip)
{
	struct m2mv_disk_rec h;
	char path[64], victim[64];
	struct mvt_nl_reply r;
	uint8_t b;
	off_t off;

	for (int i = 0; i < 6; i++) {
		path_of(path, sizeof(path), i);
		ASSERT_EQ(0, put_gen(self->fd, path, 1));
	}
	path_of(victim, sizeof(victim), 3);
	off = find_record(self->sfd, victim, &h);
	ASSERT_GT(off, 0);
	/* The last payload byte: head, path, wrapped key, IV, payload. */
	off += sizeof(h) + h.path_len + h.ekey_len + h.iv_len +
	       h.payload_len - 1;
	ASSERT_EQ(1, pread(self->sfd, &b, 1, off));
	b ^= 0x10;
	ASSERT_EQ(1, pwrite(self->sfd, &b, 1, off));

	ASSERT_EQ(0, nl_cmd(M2MV_CMD_STORE_VERIFY, self->name, -1, NULL, &r));
	EXPECT_EQ(6, r.records);
	EXPECT_EQ(1, r.integrity_errors);
	ASSERT_EQ(1, r.nbad);
	EXPECT_STREQ(victim, r.bad[0]);
	EXPECT_EQ(EBADMSG, r.reason[0]);

	for (int i = 0; i < 6; i++) {
		path_of(path, sizeof(path), i);
		EXPECT_EQ(i == 3 ? -EBADMSG : 0, check(self->fd, path, 1));
	}
	/* A damaged live path stops a compaction. */
	EXPECT_EQ(-EBADMSG, nl_cmd(M2MV_CMD_STORE_COMPACT, self->name,
				   self->nfd, NULL, &r));
	/* Overwriting it heals the path; then compaction goes ahead. */
	EXPECT_EQ(0, put_gen(self->fd, victim, 2));
	EXPECT_EQ(0, check(self->fd, victim, 2));
	EXPECT_EQ(0, nl_cmd(M2MV_CMD_STORE_COMPACT, self->name, self->nfd,
			    NULL, &r));
}

static void fill(struct __test_metadata *_metadata, int fd)
{
	char path[64];

	for (int i = 0; i < NPATHS; i++) {
		path_of(path, sizeof(path), i);
		ASSERT_EQ(0, put_gen(fd, path, 1));
	}
	for (int i = 0; i < 10; i++) {
		path_of(path, sizeof(path), i);
		ASSERT_EQ(0, put_gen(fd, path, 2));
	}
	for (int i = 10; i < 15; i++) {
		path_of(path, sizeof(path), i);
		ASSERT_EQ(0, mvt_del(fd, path, 0, NULL));
	}
}

static void expect_all(struct __test_metadata *_metadata, int fd)
{
	char path[64];

	for (int i = 0; i < NPATHS; i++) {
		path_of(path, sizeof(path), i);
		if (i < 10) {
			EXPECT_EQ(0, check(fd, path, 2));
		} else if (i < 15) {
			EXPECT_EQ(-ENOENT, check(fd, path, 1));
		} else {
			EXPECT_EQ(0, check(fd, path, 1));
		}
	}
}

/* Detach, attach the compacted file under the same name, check again. */
static void reattach(struct __test_metadata *_metadata,
		     FIXTURE_DATA(scrub) *self, uint64_t records,
		     const char *credid)
{
	struct mvt_nl_reply rep;

	ASSERT_EQ(0, mvt_vault_detach(&self->v));
	ASSERT_EQ(0, mvt_attach(self->name, self->nfd, MVT_K_STORE, 0,
				&rep));
	self->attached = true;
	EXPECT_EQ(0, rep.integrity_errors);
	EXPECT_EQ(0, rep.truncated);
	EXPECT_GE(rep.records, records);
	ASSERT_EQ(0, mvt_policy(self->name, "", credid,
				M2MV_MODE_WRAP, 0));
	self->fd = mvt_open_bound(self->name);
	ASSERT_GE(self->fd, 0);
}

TEST_F(scrub, compact)
{
	struct stat before, after;
	struct mvt_nl_reply r, v;
	char path[64];

	fill(_metadata, self->fd);
	ASSERT_EQ(0, fstat(self->sfd, &before));
	ASSERT_EQ(0, nl_cmd(M2MV_CMD_STORE_COMPACT, self->name, self->nfd,
			    NULL, &r));
	ASSERT_EQ(0, fstat(self->nfd, &after));
	EXPECT_EQ(NPATHS - 5 + 1, r.records);	/* live PUTs, checkpoint */
	EXPECT_EQ(after.st_size, r.bytes);
	EXPECT_LT(after.st_size, before.st_size);
	expect_all(_metadata, self->fd);

	/* The store continues on the new file. */
	ASSERT_EQ(0, nl_cmd(M2MV_CMD_STORE_VERIFY, self->name, -1, NULL, &v));
	EXPECT_EQ(r.records, v.records);
	EXPECT_EQ(0, v.integrity_errors);
	path_of(path, sizeof(path), 12);
	ASSERT_EQ(0, put_gen(self->fd, path, 3));
	EXPECT_EQ(0, check(self->fd, path, 3));
	ASSERT_EQ(0, fstat(self->nfd, &after));
	EXPECT_GT(after.st_size, r.bytes);

	/* A file that is not empty is refused. */
	EXPECT_EQ(-EINVAL, nl_cmd(M2MV_CMD_STORE_COMPACT, self->name,
				  self->sfd, NULL, &v));

	reattach(_metadata, self, r.records + 1, MVT_K_WRAP);
	for (int i = 0; i < NPATHS; i++) {
		path_of(path, sizeof(path), i);
		if (i == 12) {
			EXPECT_EQ(0, check(self->fd, path, 3));
		} else if (i < 10) {
			EXPECT_EQ(0, check(self->fd, path, 2));
		} else if (i < 15) {
			EXPECT_EQ(-ENOENT, check(self->fd, path, 1));
		} else {
			EXPECT_EQ(0, check(self->fd, path, 1));
		}
	}
}

TEST_F(scrub, rotate)
{
	struct mvt_nl_reply r, v;
	struct m2mv_disk_rec h;
	char path[64];

	fill(_metadata, self->fd);
	ASSERT_GT(mvt_key_add(K_WRAP2, NULL, self->ring, NULL), 0);
	ASSERT_EQ(0, nl_cmd(M2MV_CMD_STORE_COMPACT, self->name, self->nfd,
			    K_WRAP2, &r));
	EXPECT_EQ(NPATHS - 5 + 1, r.records);

	/* The old file is left as it was. */
	path_of(path, sizeof(path), 0);
	EXPECT_GT(find_record(self->sfd, path, &h), 0);

	/* Without the old key, every live path still reads back. */
	ASSERT_EQ(0, keyctl_revoke(mvt_vault_key(&self->v, MVT_K_WRAP)));
	expect_all(_metadata, self->fd);
	ASSERT_EQ(0, nl_cmd(M2MV_CMD_STORE_VERIFY, self->name, -1, NULL, &v));
	EXPECT_EQ(0, v.integrity_errors);
	EXPECT_EQ(r.records, v.records);

	reattach(_metadata, self, r.records, K_WRAP2);
	expect_all(_metadata, self->fd);
}

TEST_HARNESS_MAIN
