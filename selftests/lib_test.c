// SPDX-License-Identifier: GPL-2.0
/*
 * libm2mvault against the real module: the data plane (auto-sized GET of a
 * 1 MiB blob, every mode, LIST paging with a small page, BATCH results,
 * key errors, a detached store), the control plane (attach errors,
 * policies, status, verify with progress, compact, events, extended-ack
 * messages) and m2mv_strerror().
 *
 * Control-plane calls that need the module's netlink commands skip when
 * the loaded module does not implement them (m2mv_ctl_supports()).
 *
 * Each test runs in its own process with a fresh session keyring, its own
 * store file in /tmp and its own store name.
 */
#include <fcntl.h>
#include <keyutils.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include <m2mvault.h>

#define K_STORE	"16-store@libtest.example"
#define K_WRAP	"15-wrap@libtest.example"
#define K_DIR	"14-dir@libtest.example"
#define K_MIC	"16-mic@libtest.example"

static int count_char(const char *s, char c)
{
	int n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

FIXTURE(store) {
	struct mvt_vault v;		/* keys and store file only */
	struct m2mv_ctl *ctl;
	struct m2mv_store *s;
	bool attached;
};

FIXTURE_SETUP(store)
{
	static const char *const credids[] = { K_WRAP, K_DIR, K_MIC, NULL };
	const struct mvt_vault_spec spec = {
		.tag = "lib", .store_credid = K_STORE, .credids = credids,
		.no_attach = true,
	};
	struct m2mv_attach_info info;
	int ret;

	mvt_vault_setup(_metadata, &self->v, &spec);
	ret = m2mv_ctl_open(&self->ctl);
	ASSERT_EQ(0, ret) TH_LOG("ctl_open: %s", m2mv_strerror(ret));
	ret = m2mv_attach(self->ctl, self->v.name, self->v.sfd, K_STORE,
			  M2MV_ATTACH_F_CREATE, &info);
	ASSERT_EQ(0, ret) TH_LOG("attach: %s (%s)", m2mv_strerror(ret),
				 m2mv_ctl_last_error(self->ctl));
	self->attached = true;
	EXPECT_EQ(0, info.records);
	EXPECT_EQ(0, info.integrity_errors);

	ASSERT_EQ(0, m2mv_policy_set(self->ctl, self->v.name, "", K_WRAP,
				     M2MV_MODE_WRAP, 0));
	ASSERT_EQ(0, m2mv_policy_set(self->ctl, self->v.name, "d/", K_DIR,
				     M2MV_MODE_DIR, 0));
	ASSERT_EQ(0, m2mv_policy_set(self->ctl, self->v.name, "i/", K_DIR,
				     M2MV_MODE_DIR, M2MV_POLICY_F_INSTANCE));
	ASSERT_EQ(0, m2mv_policy_set(self->ctl, self->v.name, "m/", K_MIC,
				     M2MV_MODE_MIC, 0));
	ret = m2mv_store_open(self->v.name, &self->s);
	ASSERT_EQ(0, ret) TH_LOG("store_open: %s", m2mv_strerror(ret));
}

FIXTURE_TEARDOWN(store)
{
	m2mv_store_close(self->s);
	if (self->attached)
		m2mv_detach(self->ctl, self->v.name);
	m2mv_ctl_close(self->ctl);
	mvt_vault_teardown(_metadata, &self->v);
}

TEST(strerror_explains)
{
	EXPECT_STREQ("record failed integrity check", m2mv_strerror(-EBADMSG));
	EXPECT_STREQ("credential key not in the caller's keyrings",
		     m2mv_strerror(-ENOKEY));
	EXPECT_STREQ("Permission denied (the store's owner, group and mode do not grant it), or no policy covers this path",
		     m2mv_strerror(-EACCES));
	EXPECT_NE(NULL, strstr(m2mv_strerror(-EKEYREVOKED), "revoked"));
	EXPECT_NE(NULL, strstr(m2mv_strerror(-EDQUOT), "rotate"));
	EXPECT_STREQ(m2mv_strerror(EIO), m2mv_strerror(-EIO));
}

TEST(abi_version)
{
	unsigned int abi = 0;

	ASSERT_EQ(0, m2mv_abi_version(&abi));
	EXPECT_EQ(M2MV_ABI_VERSION, abi);
}

TEST(open_missing_store)
{
	struct m2mv_store *s;

	EXPECT_EQ(-ENOENT, m2mv_store_open("no-such-store", &s));
	EXPECT_EQ(NULL, s);
	EXPECT_EQ(-EINVAL, m2mv_store_open("bad/name", &s));
}

TEST_F(store, get_autosize_1mib)
{
	size_t n = 1 << 20, len = 0;
	unsigned char *blob = malloc(n);
	uint64_t ver = 0, seq = 0;
	void *out = NULL;
	char small[16];

	ASSERT_NE(NULL, blob);
	ASSERT_EQ(0, mvt_random(blob, n));
	ASSERT_EQ(0, m2mv_put(self->s, "big/blob", blob, n, M2MV_F_SYNC, &ver,
			      &seq));
	EXPECT_EQ(1, ver);
	EXPECT_LT(0, seq);

	ASSERT_EQ(0, m2mv_get(self->s, "big/blob", &out, &len, &ver));
	ASSERT_EQ(n, len);
	EXPECT_EQ(0, memcmp(out, blob, n));
	EXPECT_EQ(1, ver);
	free(out);

	/* The fixed-buffer variant says how much it needs. */
	len = sizeof(small);
	EXPECT_EQ(-EOVERFLOW, m2mv_get_buf(self->s, "big/blob", small, &len,
					   NULL));
	EXPECT_EQ(n, len);
	free(blob);
}

TEST_F(store, every_mode_round_trip_and_export)
{
	static const struct {
		const char *path;
		unsigned int mode;
		const char *credid;
		int dots;
	} c[] = {
		{ "w/obj", M2MV_MODE_WRAP, K_WRAP, 4 },
		{ "d/cnt/obj", M2MV_MODE_DIR, K_DIR, 4 },
		{ "i/cnt/obj", M2MV_MODE_DIR, K_DIR, 4 },
		{ "m/obj", M2MV_MODE_MIC, K_MIC, 2 },
	};
	struct m2mv_record_info ri;
	unsigned char blob[3000];
	char *jose;
	void *out;
	size_t len, i;
	uint64_t ver;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		ASSERT_EQ(0, mvt_random(blob, sizeof(blob)));
		ASSERT_EQ(0, m2mv_put(self->s, c[i].path, blob, sizeof(blob), 0,
				      NULL, NULL)) TH_LOG("%s", c[i].path);
		ASSERT_EQ(0, m2mv_put(self->s, c[i].path, blob, sizeof(blob), 0,
				      &ver, NULL));
		EXPECT_EQ(2, ver);
		ASSERT_EQ(0, m2mv_get(self->s, c[i].path, &out, &len, NULL));
		ASSERT_EQ(sizeof(blob), len);
		EXPECT_EQ(0, memcmp(out, blob, len));
		free(out);

		ASSERT_EQ(0, m2mv_stat(self->s, c[i].path, &ri));
		EXPECT_EQ(2, ri.version);
		EXPECT_EQ(sizeof(blob), ri.data_len);
		EXPECT_EQ(c[i].mode, ri.mode);
		EXPECT_STREQ(c[i].credid, ri.credid);
		EXPECT_EQ(i == 2, !!(ri.flags & M2MV_STAT_F_INSTANCE));
		EXPECT_LT(0, ri.mtime_ns);

		ASSERT_EQ(0, m2mv_export(self->s, c[i].path,
					 M2MV_EXPORT_F_COMPACT, &jose, &len,
					 &ver));
		EXPECT_EQ(strlen(jose), len);
		EXPECT_EQ(c[i].dots, count_char(jose, '.')) TH_LOG("%s", c[i].path);
		EXPECT_EQ(2, ver);
		free(jose);
		ASSERT_EQ(0, m2mv_export(self->s, c[i].path, M2MV_EXPORT_F_JSON,
					 &jose, &len, NULL));
		EXPECT_EQ('{', jose[0]);
		EXPECT_EQ('}', jose[len - 1]);
		free(jose);
	}
}

TEST_F(store, list_iterator_100_paths_small_page)
{
	struct m2mv_list_iter *it;
	struct m2mv_list_item item;
	char path[64], prev[64] = "";
	unsigned int i, n = 0;
	int ret;

	for (i = 0; i < 100; i++) {
		snprintf(path, sizeof(path), "l/ae%u/cin%03u", i % 7, i);
		ASSERT_EQ(0, m2mv_put(self->s, path, path, strlen(path), 0,
				      NULL, NULL));
	}
	ASSERT_EQ(0, m2mv_put(self->s, "la", "x", 1, 0, NULL, NULL));
	ASSERT_EQ(0, m2mv_put(self->s, "k", "x", 1, 0, NULL, NULL));

	/* 128 bytes: three 40-byte entries a page. */
	ASSERT_EQ(0, m2mv_list_open(self->s, "l/", 128, &it));
	while ((ret = m2mv_list_next(it, &item)) > 0) {
		EXPECT_LT(0, strcmp(item.path, prev)) TH_LOG("%s after %s",
							    item.path, prev);
		EXPECT_EQ(0, strncmp(item.path, "l/", 2));
		EXPECT_EQ(item.path_len, item.data_len);
		EXPECT_EQ(1, item.version);
		EXPECT_EQ(M2MV_MODE_WRAP, item.mode);
		snprintf(prev, sizeof(prev), "%s", item.path);
		n++;
	}
	EXPECT_EQ(0, ret);
	EXPECT_EQ(100, n);
	EXPECT_LE(30, m2mv_list_pages(it)) TH_LOG("pages %u",
						 m2mv_list_pages(it));
	m2mv_list_close(it);

	/* Everything, with the default page. */
	n = 0;
	ASSERT_EQ(0, m2mv_list_open(self->s, NULL, 0, &it));
	while (m2mv_list_next(it, &item) > 0)
		n++;
	EXPECT_EQ(102, n);
	EXPECT_EQ(1, m2mv_list_pages(it));
	m2mv_list_close(it);

	/* A deleted path is no longer listed. */
	ASSERT_EQ(0, m2mv_delete(self->s, "la", 0, NULL));
	n = 0;
	ASSERT_EQ(0, m2mv_list_open(self->s, "la", 0, &it));
	while (m2mv_list_next(it, &item) > 0)
		n++;
	EXPECT_EQ(0, n);
	m2mv_list_close(it);
}

TEST_F(store, batch_results)
{
	char big[64] = { 0 }, small[2] = { 0 };
	struct m2mv_batch_item it[] = {
		{ .op = M2MV_BATCH_PUT, .path = "b/1", .data = "first",
		  .len = 5 },
		{ .op = M2MV_BATCH_PUT, .path = "b/2", .data = "second",
		  .len = 6, .flags = M2MV_F_SYNC },
		{ .op = M2MV_BATCH_GET, .path = "b/1", .buf = big,
		  .len = sizeof(big) },
		{ .op = M2MV_BATCH_GET, .path = "b/2", .buf = small,
		  .len = sizeof(small) },
		{ .op = M2MV_BATCH_GET, .path = "b/none", .buf = big,
		  .len = sizeof(big) },
		{ .op = M2MV_BATCH_PUT, .path = "b/bad path", .data = "x",
		  .len = 1 },
		{ .op = M2MV_BATCH_DELETE, .path = "b/1", .flags = M2MV_F_SYNC },
		{ .op = M2MV_BATCH_DELETE, .path = "b/1" },
		{ .op = M2MV_BATCH_PUT, .path = "b/1", .data = "third",
		  .len = 5 },
	};
	void *out;
	size_t len;

	ASSERT_EQ(0, m2mv_batch(self->s, it, sizeof(it) / sizeof(it[0])));
	EXPECT_EQ(0, it[0].result);
	EXPECT_EQ(1, it[0].version);
	EXPECT_EQ(0, it[1].result);
	EXPECT_EQ(0, it[2].result);
	EXPECT_EQ(5, it[2].len);
	EXPECT_EQ(0, memcmp(big, "first", 5));
	EXPECT_EQ(-EOVERFLOW, it[3].result);
	EXPECT_EQ(6, it[3].len);
	EXPECT_EQ(-ENOENT, it[4].result);
	EXPECT_EQ(-EINVAL, it[5].result);
	EXPECT_EQ(0, it[6].result);
	EXPECT_EQ(2, it[6].version);
	EXPECT_EQ(-ENOENT, it[7].result);
	EXPECT_EQ(0, it[8].result);
	EXPECT_EQ(3, it[8].version);

	ASSERT_EQ(0, m2mv_get(self->s, "b/1", &out, &len, NULL));
	EXPECT_EQ(5, len);
	EXPECT_EQ(0, memcmp(out, "third", 5));
	free(out);
}

TEST_F(store, delete_then_get_fails)
{
	void *out;
	size_t len;
	struct m2mv_record_info ri;

	ASSERT_EQ(0, m2mv_put(self->s, "gone", "x", 1, 0, NULL, NULL));
	ASSERT_EQ(0, m2mv_delete(self->s, "gone", M2MV_F_SYNC, NULL));
	EXPECT_EQ(-ENOENT, m2mv_get(self->s, "gone", &out, &len, NULL));
	EXPECT_EQ(-ENOENT, m2mv_stat(self->s, "gone", &ri));
	EXPECT_EQ(-ENOENT, m2mv_delete(self->s, "gone", 0, NULL));
	EXPECT_EQ(-ENOENT, m2mv_export(self->s, "gone", 0, (char **)&out,
				       NULL, NULL));
}

TEST_F(store, key_errors)
{
	void *out;
	size_t len;

	ASSERT_EQ(0, m2mv_put(self->s, "k/obj", "secret", 6, 0, NULL, NULL));
	ASSERT_EQ(0, keyctl_revoke(mvt_vault_key(&self->v, K_WRAP)));
	EXPECT_EQ(-EKEYREVOKED, m2mv_put(self->s, "k/obj", "x", 1, 0, NULL,
					 NULL));
	EXPECT_EQ(-EKEYREVOKED, m2mv_get(self->s, "k/obj", &out, &len, NULL));
	/* Metadata needs no key. */
	EXPECT_EQ(0, m2mv_export(self->s, "k/obj", 0, (char **)&out, &len,
				 NULL));
	free(out);
	ASSERT_EQ(0, keyctl_unlink(mvt_vault_key(&self->v, K_WRAP),
				   KEY_SPEC_SESSION_KEYRING));
	EXPECT_EQ(-ENOKEY, m2mv_get(self->s, "k/obj", &out, &len, NULL));
}

TEST_F(store, detached_store)
{
	struct m2mv_store *s2;
	struct m2mv_record_info ri;
	void *out;
	size_t len;

	ASSERT_EQ(0, m2mv_put(self->s, "x", "1", 1, 0, NULL, NULL));
	ASSERT_EQ(0, m2mv_detach(self->ctl, self->v.name));
	self->attached = false;
	/* The open handle stays bound to the detached store. */
	EXPECT_EQ(-ENODEV, m2mv_get(self->s, "x", &out, &len, NULL));
	EXPECT_EQ(-ENODEV, m2mv_stat(self->s, "x", &ri));
	EXPECT_EQ(-ENOENT, m2mv_store_open(self->v.name, &s2));
	EXPECT_EQ(-ENOENT, m2mv_detach(self->ctl, self->v.name));
	EXPECT_EQ(-ENOENT, m2mv_policy_set(self->ctl, self->v.name, "", K_WRAP,
					   M2MV_MODE_WRAP, 0));
}

TEST_F(store, attach_and_policy_errors)
{
	char junk[M2MV_SUPER_SIZE], other[64];
	struct m2mv_record_info ri;
	int fd;

	EXPECT_EQ(-EEXIST, m2mv_attach(self->ctl, self->v.name, self->v.sfd,
				       K_STORE, 0, NULL));
	if (m2mv_ctl_supports(self->ctl, M2MV_CMD_STORE_ATTACH))
		EXPECT_STRNE("", m2mv_ctl_last_error(self->ctl));

	/* A file that is not a store. */
	snprintf(other, sizeof(other), "/tmp/m2mv-lib-%d.junk", (int)getpid());
	fd = open(other, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	memset(junk, 'J', sizeof(junk));
	ASSERT_EQ(sizeof(junk), write(fd, junk, sizeof(junk)));
	EXPECT_EQ(-EBADMSG, m2mv_attach(self->ctl, "lib-junk", fd, K_STORE, 0,
					NULL));
	/* An unknown key. */
	EXPECT_EQ(-ENOKEY, m2mv_attach(self->ctl, "lib-junk", fd,
				       "16-nobody@libtest.example", 0, NULL));
	/* Not formatted over, and an empty file not without being asked. */
	EXPECT_EQ(-EEXIST, m2mv_attach(self->ctl, "lib-junk", fd, K_STORE,
				       M2MV_ATTACH_F_CREATE, NULL));
	EXPECT_NE(NULL, strstr(m2mv_ctl_last_error(self->ctl), "not empty"))
		TH_LOG("extack: '%s'", m2mv_ctl_last_error(self->ctl));
	ASSERT_EQ(0, ftruncate(fd, 0));
	EXPECT_EQ(-ENODATA, m2mv_attach(self->ctl, "lib-junk", fd, K_STORE, 0,
					NULL));
	EXPECT_NE(NULL, strstr(m2mv_ctl_last_error(self->ctl), "empty"))
		TH_LOG("extack: '%s'", m2mv_ctl_last_error(self->ctl));
	EXPECT_EQ(-EINVAL, m2mv_attach(self->ctl, "lib-junk", fd, K_STORE,
				       M2MV_ATTACH_F_CREATE |
				       M2MV_ATTACH_F_RDONLY, NULL));
	EXPECT_NE(NULL, strstr(m2mv_ctl_last_error(self->ctl), "read-only"))
		TH_LOG("extack: '%s'", m2mv_ctl_last_error(self->ctl));
	close(fd);
	unlink(other);

	EXPECT_EQ(-EINVAL, m2mv_policy_set(self->ctl, self->v.name, "x/", K_WRAP,
					   M2MV_MODE_DIR, 0));
	if (m2mv_ctl_supports(self->ctl, M2MV_CMD_POLICY_SET))
		EXPECT_NE(NULL, strstr(m2mv_ctl_last_error(self->ctl),
				       "Credential-ID"))
			TH_LOG("extack: '%s'", m2mv_ctl_last_error(self->ctl));
	EXPECT_EQ(-ENOENT, m2mv_policy_del(self->ctl, self->v.name, "nope/"));
	EXPECT_EQ(0, m2mv_policy_del(self->ctl, self->v.name, "m/"));
	/* With the mic policy gone, m/ falls under "" (wrap). */
	ASSERT_EQ(0, m2mv_put(self->s, "m/x", "1", 1, 0, NULL, NULL));
	ASSERT_EQ(0, m2mv_stat(self->s, "m/x", &ri));
	EXPECT_EQ(M2MV_MODE_WRAP, ri.mode);
	/* No policy covers anything once "" is gone too. */
	EXPECT_EQ(0, m2mv_policy_del(self->ctl, self->v.name, ""));
	EXPECT_EQ(-EACCES, m2mv_put(self->s, "z", "1", 1, 0, NULL, NULL));
}

TEST_F(store, policy_list)
{
	struct m2mv_policy_info *pl;
	size_t n, i;
	int found = 0;

	if (!m2mv_ctl_supports(self->ctl, M2MV_CMD_POLICY_GET))
		SKIP(return, "module lacks netlink POLICY_GET");
	ASSERT_EQ(0, m2mv_policy_list(self->ctl, self->v.name, &pl, &n));
	EXPECT_EQ(4, n);
	for (i = 0; i < n; i++) {
		EXPECT_STREQ(self->v.name, pl[i].store);
		if (!strcmp(pl[i].prefix, "")) {
			EXPECT_EQ(M2MV_MODE_WRAP, pl[i].mode);
			EXPECT_STREQ(K_WRAP, pl[i].credid);
			found++;
		}
		if (!strcmp(pl[i].prefix, "i/")) {
			EXPECT_EQ(M2MV_MODE_DIR, pl[i].mode);
			EXPECT_EQ(M2MV_POLICY_F_INSTANCE, pl[i].flags);
			found++;
		}
	}
	EXPECT_EQ(2, found);
	free(pl);
	/* Every store's policies include ours. */
	ASSERT_EQ(0, m2mv_policy_list(self->ctl, NULL, &pl, &n));
	EXPECT_LE(4, n);
	free(pl);
}

TEST_F(store, status)
{
	struct m2mv_store_info *si;
	size_t n;
	int i;

	if (!m2mv_ctl_supports(self->ctl, M2MV_CMD_STORE_GET))
		SKIP(return, "module lacks netlink STORE_GET");
	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, m2mv_put(self->s, i % 2 ? "s/a" : "s/b", "x", 1, 0,
				      NULL, NULL));
	ASSERT_EQ(0, m2mv_status(self->ctl, self->v.name, &si, &n));
	ASSERT_EQ(1, n);
	EXPECT_STREQ(self->v.name, si[0].name);
	EXPECT_STREQ(self->v.file, si[0].file);
	EXPECT_EQ(M2MV_STATE_OK, si[0].state);
	EXPECT_EQ(2, si[0].live);
	EXPECT_LE(5, si[0].records);
	EXPECT_EQ(5, si[0].counters[M2MV_CTR_PUTS]);
	EXPECT_LT(M2MV_SUPER_SIZE, si[0].file_bytes);
	free(si);
	EXPECT_EQ(-ENOENT, m2mv_status(self->ctl, "no-such-store", &si, &n));
	EXPECT_EQ(NULL, si);
}

struct progress_seen {
	int calls;
	uint64_t last_done, last_total;
	bool backwards;
};

static void on_progress(uint64_t done, uint64_t total, void *arg)
{
	struct progress_seen *p = arg;

	if (done < p->last_done)
		p->backwards = true;
	p->calls++;
	p->last_done = done;
	p->last_total = total;
}

TEST_F(store, verify_with_progress)
{
	struct progress_seen p = { 0 };
	struct m2mv_verify_info vi;
	unsigned char blob[8192];
	char path[32];
	int i, ret;

	if (!m2mv_ctl_supports(self->ctl, M2MV_CMD_STORE_VERIFY))
		SKIP(return, "module lacks netlink STORE_VERIFY");
	for (i = 0; i < 200; i++) {
		ASSERT_EQ(0, mvt_random(blob, sizeof(blob)));
		snprintf(path, sizeof(path), "v/%d", i);
		ASSERT_EQ(0, m2mv_put(self->s, path, blob, sizeof(blob), 0,
				      NULL, NULL));
	}
	ret = m2mv_verify(self->ctl, self->v.name, on_progress, &p, &vi);
	if (ret == -EOPNOTSUPP)
		SKIP(return, "module does not implement verify yet: %s",
		     m2mv_ctl_last_error(self->ctl));
	ASSERT_EQ(0, ret) TH_LOG("%s", m2mv_ctl_last_error(self->ctl));
	EXPECT_LE(200, vi.records);
	EXPECT_EQ(0, vi.integrity_errors);
	EXPECT_EQ(0, vi.nbad);
	EXPECT_FALSE(p.backwards);
	if (p.calls)
		EXPECT_LE(p.last_done, p.last_total);
	TH_LOG("%d progress events, last %llu/%llu", p.calls,
	       (unsigned long long)p.last_done,
	       (unsigned long long)p.last_total);
	m2mv_verify_info_free(&vi);
	EXPECT_EQ(-ENOENT, m2mv_verify(self->ctl, "no-such-store", NULL, NULL,
				       &vi));
}

TEST_F(store, compact_then_read)
{
	struct m2mv_compact_info ci;
	char newfile[64];
	void *out;
	size_t len;
	int fd, i, ret;

	if (!m2mv_ctl_supports(self->ctl, M2MV_CMD_STORE_COMPACT))
		SKIP(return, "module lacks netlink STORE_COMPACT");
	for (i = 0; i < 20; i++)
		ASSERT_EQ(0, m2mv_put(self->s, "c/obj", &i, sizeof(i), 0, NULL,
				      NULL));
	snprintf(newfile, sizeof(newfile), "/tmp/m2mv-lib-%d.new",
		 (int)getpid());
	fd = open(newfile, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	ret = m2mv_compact(self->ctl, self->v.name, fd, NULL, NULL, NULL, &ci);
	if (ret == -EOPNOTSUPP) {
		close(fd);
		unlink(newfile);
		SKIP(return, "module does not implement compaction yet: %s",
		     m2mv_ctl_last_error(self->ctl));
	}
	ASSERT_EQ(0, ret) TH_LOG("%s", m2mv_ctl_last_error(self->ctl));
	EXPECT_GT(20, ci.records);
	EXPECT_LT(0, ci.file_bytes);
	ASSERT_EQ(0, m2mv_get(self->s, "c/obj", &out, &len, NULL));
	EXPECT_EQ(sizeof(i), len);
	EXPECT_EQ(19, *(int *)out);
	free(out);
	close(fd);
	unlink(newfile);
}

struct events_seen {
	const char *name;
	bool attached, detached;
};

static int on_event(const struct m2mv_event_info *ev, void *arg)
{
	struct events_seen *e = arg;

	if (!M2MV_EVENT_HAS(ev, M2MV_A_NAME) || strcmp(ev->name, e->name))
		return 0;
	if (ev->event == M2MV_EVENT_ATTACHED)
		e->attached = true;
	if (ev->event == M2MV_EVENT_DETACHED)
		e->detached = true;
	return e->attached && e->detached;
}

TEST_F(store, events_attach_detach)
{
	struct events_seen e = { .name = "lib-events" };
	char other[64];
	int fd, i, ret = 0;

	if (!m2mv_ctl_supports(self->ctl, M2MV_CMD_STORE_GET))
		SKIP(return, "module lacks the netlink control plane");
	ASSERT_EQ(0, m2mv_events_subscribe(self->ctl, on_event, &e));
	EXPECT_LE(0, m2mv_events_fd(self->ctl));
	snprintf(other, sizeof(other), "/tmp/m2mv-lib-%d.ev", (int)getpid());
	fd = open(other, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, m2mv_attach(self->ctl, e.name, fd, K_STORE,
				 M2MV_ATTACH_F_CREATE, NULL));
	ASSERT_EQ(0, m2mv_detach(self->ctl, e.name));
	for (i = 0; i < 20 && ret != 1; i++) {
		ret = m2mv_events_dispatch(self->ctl, 100);
		ASSERT_LE(0, ret);
	}
	EXPECT_TRUE(e.attached);
	EXPECT_TRUE(e.detached);
	m2mv_events_unsubscribe(self->ctl);
	EXPECT_EQ(-EINVAL, m2mv_events_fd(self->ctl));
	close(fd);
	unlink(other);
}

TEST_HARNESS_MAIN
