// SPDX-License-Identifier: GPL-2.0
/*
 * Wrap policies of several recipients (POLICY_SET's RECIPIENTS): the
 * policy refusals, a PUT needing every recipient's key, each key alone
 * opening the record in a session of its own, the record on disk, the
 * General JSON export, re-attach, the scrub and rotation.
 *
 * Each test runs in its own process with a fresh session keyring, its own
 * store file in /tmp and its own store name.
 */
#include <sys/wait.h>
#include <stdbool.h>

#include "kselftest_harness.h"
#include "fixture.h"

#define K_A	"15-rcpt-a@m2mv.test"
#define K_B	"15-rcpt-b@m2mv.test"
#define K_C	"15-rcpt-c@m2mv.test"
#define K_D	"15-rcpt-d@m2mv.test"
#define NRCPT	3

static const char *const kids[NRCPT] = { K_A, K_B, K_C };
static const char *const more[NRCPT - 1] = { K_B, K_C };

FIXTURE(rcpt) {
	MVT_VAULT_IN_FIXTURE;
	uint8_t kb[NRCPT][M2MV_KEY_SIZE];	/* the recipients' key bytes */
	key_serial_t ks[NRCPT];
};

FIXTURE_SETUP(rcpt)
{
	static const char *const ids[] = { MVT_K_DIR, NULL };
	const struct mvt_vault_spec spec = {
		.tag = "rcpt", .credids = ids, .no_policies = true,
	};

	mvt_vault_setup(_metadata, &self->v, &spec);
	for (int i = 0; i < NRCPT; i++) {
		self->ks[i] = mvt_key_add(kids[i], NULL, self->ring,
					  self->kb[i]);
		ASSERT_GT(self->ks[i], 0) TH_LOG("%s", kids[i]);
	}
}

FIXTURE_TEARDOWN(rcpt)
{
	mvt_vault_teardown(_metadata, &self->v);
}

static int set_policy(const char *name)
{
	return mvt_policy_rcpt(name, "/r/", K_A, M2MV_MODE_WRAP, more,
			       NRCPT - 1, NULL);
}

static size_t b64len(size_t n)
{
	return (n * 4 + 2) / 3;
}

/* The number of times @needle occurs in @s. */
static int count(const char *s, const char *needle)
{
	int n = 0;

	for (s = strstr(s, needle); s; s = strstr(s + 1, needle))
		n++;
	return n;
}

TEST_F(rcpt, policy_refusals)
{
	static const char *const nine[] = {
		"15-r1@x", "15-r2@x", "15-r3@x", "15-r4@x", "15-r5@x",
		"15-r6@x", "15-r7@x", "15-r8@x",
	};
	static const char *const dup[] = { K_B, K_B };
	static const char *const self_too[] = { K_B, K_A };
	static const char *const dir_type[] = { MVT_K_DIR };
	static const char *const nokey[] = { K_B, "15-nokey@m2mv.test" };
	struct mvt_nl_reply r;
	uint8_t out[8];
	size_t n;

	EXPECT_EQ(-EINVAL, mvt_policy_rcpt(self->name, "/r/", K_A,
					   M2MV_MODE_WRAP, nine, 8, &r));
	EXPECT_NE(NULL, strstr(r.msg, "at most 7")) TH_LOG("%s", r.msg);
	EXPECT_EQ(-EINVAL, mvt_policy_rcpt(self->name, "/r/", K_A,
					   M2MV_MODE_WRAP, dup, 2, &r));
	EXPECT_NE(NULL, strstr(r.msg, "distinct")) TH_LOG("%s", r.msg);
	EXPECT_EQ(-EINVAL, mvt_policy_rcpt(self->name, "/r/", K_A,
					   M2MV_MODE_WRAP, self_too, 2, &r));
	EXPECT_NE(NULL, strstr(r.msg, "distinct")) TH_LOG("%s", r.msg);
	EXPECT_EQ(-EINVAL, mvt_policy_rcpt(self->name, "/r/", K_A,
					   M2MV_MODE_WRAP, dir_type, 1, &r));
	EXPECT_NE(NULL, strstr(r.msg, "type-15")) TH_LOG("%s", r.msg);
	EXPECT_EQ(-EINVAL, mvt_policy_rcpt(self->name, "/r/", MVT_K_DIR,
					   M2MV_MODE_DIR, more, 2, &r));
	EXPECT_NE(NULL, strstr(r.msg, "wrap mode only")) TH_LOG("%s", r.msg);
	EXPECT_EQ(-EINVAL, mvt_policy_rcpt(self->name, "/r/", K_A,
					   M2MV_MODE_WRAP, NULL, 0, &r));
	EXPECT_NE(NULL, strstr(r.msg, "no credential")) TH_LOG("%s", r.msg);
	/* The setter must possess every key. */
	EXPECT_EQ(-ENOKEY, mvt_policy_rcpt(self->name, "/r/", K_A,
					   M2MV_MODE_WRAP, nokey, 2, &r));
	EXPECT_NE(NULL, strstr(r.msg, "possess")) TH_LOG("%s", r.msg);

	/* None of them set a policy. */
	EXPECT_EQ(-EACCES, mvt_put(self->fd, "/r/x", "x", 1, 0, NULL));
	n = sizeof(out);
	EXPECT_EQ(-ENOENT, mvt_get(self->fd, "/r/x", out, &n, NULL));
	ASSERT_EQ(0, set_policy(self->name));
}

/* POLICY_GET: the recipients of /r/ in order. */
struct pol_seen {
	const char *store;
	int n;
	char rcpt[8][M2MV_CREDID_MAX + 1];
	bool found;
};

static void on_policy(struct nlattr **tb, void *arg)
{
	struct pol_seen *p = arg;
	struct nlattr *a;
	int rem;

	if (!tb[M2MV_A_NAME] || !tb[M2MV_A_PREFIX] ||
	    strcmp(nla_data(tb[M2MV_A_NAME]), p->store) ||
	    nla_len(tb[M2MV_A_PREFIX]) != 3 ||
	    memcmp(nla_data(tb[M2MV_A_PREFIX]), "/r/", 3))
		return;
	p->found = true;
	if (!tb[M2MV_A_RECIPIENTS])
		return;
	nla_for_each_nested(a, tb[M2MV_A_RECIPIENTS], rem)
		if (nla_type(a) == M2MV_A_CREDID && p->n < 8)
			snprintf(p->rcpt[p->n++], sizeof(p->rcpt[0]), "%s",
				 (char *)nla_data(a));
}

/* Whether any of @n bytes at @p is not zero. */
static bool any_nonzero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return true;
	return false;
}

/* The head of the newest PUT in the backing file. */
static int last_put_head(int sfd, struct m2mv_disk_rec *h, off_t *at)
{
	struct m2mv_disk_rec r;
	off_t off, last = 0;

	for (off = M2MV_LOG_START;
	     pread(sfd, &r, sizeof(r), off) == sizeof(r) && r.len;
	     off += r.len)
		if (r.type == M2MV_REC_PUT) {
			last = off;
			*h = r;
		}
	if (at)
		*at = last;
	return last ? 0 : -1;
}

TEST_F(rcpt, three_recipients_round_trip_and_disk)
{
	struct pol_seen p = { .store = self->name };
	struct m2mv_disk_rec h;
	struct m2mv_stat st;
	char out[32];
	size_t n = sizeof(out);
	uint64_t v;

	ASSERT_EQ(0, set_policy(self->name));
	ASSERT_EQ(0, mvt_nl_dump(M2MV_CMD_POLICY_GET, on_policy, &p));
	ASSERT_TRUE(p.found);
	ASSERT_EQ(2, p.n);
	EXPECT_STREQ(K_B, p.rcpt[0]);
	EXPECT_STREQ(K_C, p.rcpt[1]);

	ASSERT_EQ(0, mvt_put(self->fd, "/r/c1/x", "several", 7, 0, &v));
	EXPECT_EQ(1, v);
	ASSERT_EQ(0, mvt_get(self->fd, "/r/c1/x", out, &n, &v));
	EXPECT_EQ(7, n);
	EXPECT_EQ(0, memcmp(out, "several", 7));
	ASSERT_EQ(0, mvt_stat(self->fd, "/r/c1/x", &st));
	EXPECT_STREQ(K_A, st.credid);
	EXPECT_EQ(M2MV_MODE_WRAP, st.mode);

	/* On disk: RCPT, one 40-byte key each, their number in nonce[0]. */
	ASSERT_EQ(0, last_put_head(self->sfd, &h, NULL));
	int flags = h.flags, ekey_len = h.ekey_len, nkeys = h.nonce[0];
	int rest = !!any_nonzero(h.nonce + 1, M2MV_NONCE_SIZE - 1);

	EXPECT_EQ(M2MV_RECF_RCPT, flags);
	EXPECT_EQ(M2MV_WRAPPED_KEY_SIZE, ekey_len);
	EXPECT_EQ(NRCPT, nkeys);
	EXPECT_EQ(0, rest);
}

/* The next KEY_REFUSED event on @sk: its Credential-ID and reason. */
struct key_ev {
	bool got;
	uint32_t type, reason;
	char credid[M2MV_CREDID_MAX + 1];
};

static int on_event(struct nl_msg *m, void *arg)
{
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(m));
	struct key_ev *e = arg;
	struct nlattr *a;
	int rem;

	memset(e, 0, sizeof(*e));
	nla_for_each_attr(a, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0),
			  rem) {
		if (nla_type(a) == M2MV_A_EVENT)
			e->type = nla_get_u32(a);
		else if (nla_type(a) == M2MV_A_REASON)
			e->reason = nla_get_u32(a);
		else if (nla_type(a) == M2MV_A_CREDID)
			snprintf(e->credid, sizeof(e->credid), "%s",
				 (char *)nla_data(a));
	}
	e->got = true;
	return NL_STOP;
}

static bool wait_key_event(struct nl_sock *sk, struct key_ev *e)
{
	struct timeval tv = { .tv_sec = 2 };

	setsockopt(nl_socket_get_fd(sk), SOL_SOCKET, SO_RCVTIMEO, &tv,
		   sizeof(tv));
	for (int i = 0; i < 50; i++) {
		e->got = false;
		if (nl_recvmsgs_default(sk) < 0 && !e->got)
			return false;
		if (e->got && e->type == M2MV_EVENT_KEY_REFUSED)
			return true;
	}
	return false;
}

TEST_F(rcpt, put_needs_every_key)
{
	struct nl_sock *ev;
	struct key_ev e;
	char out[16];
	size_t n;
	int grp;

	ASSERT_EQ(0, set_policy(self->name));
	ASSERT_EQ(0, mvt_put(self->fd, "/r/x", "first", 5, 0, NULL));

	ev = nl_socket_alloc();
	ASSERT_NE(NULL, ev);
	nl_socket_disable_seq_check(ev);
	ASSERT_EQ(0, genl_connect(ev));
	grp = genl_ctrl_resolve_grp(ev, M2MV_GENL_NAME, M2MV_GENL_MCGRP_EVENTS);
	ASSERT_GE(grp, 0);
	ASSERT_EQ(0, nl_socket_add_membership(ev, grp));
	nl_socket_modify_cb(ev, NL_CB_VALID, NL_CB_CUSTOM, on_event, &e);

	/* Without the third key: ENOKEY, and the event names it. */
	ASSERT_EQ(0, keyctl_unlink(self->ks[2], self->ring));
	EXPECT_EQ(-ENOKEY, mvt_put(self->fd, "/r/x", "second", 6, 0, NULL));
	ASSERT_TRUE(wait_key_event(ev, &e));
	EXPECT_STREQ(K_C, e.credid);
	EXPECT_EQ(ENOKEY, e.reason);
	EXPECT_EQ(-ENOKEY, mvt_del(self->fd, "/r/x", 0, NULL));
	nl_socket_free(ev);

	/* Nothing changed, and the two keys left still open it. */
	n = sizeof(out);
	ASSERT_EQ(0, mvt_get(self->fd, "/r/x", out, &n, NULL));
	EXPECT_EQ(5, n);
	EXPECT_EQ(0, memcmp(out, "first", 5));
	/* The unlinked key is gone: the same bytes again make it whole. */
	self->ks[2] = mvt_key_add(kids[2], self->kb[2], self->ring, NULL);
	ASSERT_GT(self->ks[2], 0);
	EXPECT_EQ(0, mvt_put(self->fd, "/r/x", "second", 6, 0, NULL));
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

/*
 * In a fresh session keyring holding only recipient @i's key (or, for
 * @i < 0, a key of @credid with other bytes): the GET of @path gives
 * @want, and the payload "@text" on success.
 */
static int child_get(FIXTURE_DATA(rcpt) *self, int i, const char *credid,
		     const char *path, int want, const char *text)
{
	char out[64];
	size_t n = sizeof(out);

	CHILD_EXPECT(1, 1, keyctl_join_session_keyring(NULL) > 0);
	if (i >= 0)
		CHILD_EXPECT(2, 1, mvt_key_add(kids[i], self->kb[i], 0,
					       NULL) > 0);
	else if (credid)
		CHILD_EXPECT(3, 1, mvt_key_add(credid, NULL, 0, NULL) > 0);
	CHILD_EXPECT(4, want, mvt_get(self->fd, path, out, &n, NULL));
	if (!want) {
		CHILD_EXPECT(5, (int)strlen(text), (int)n);
		CHILD_EXPECT(6, 0, memcmp(out, text, n));
	}
	return 0;
}

static int run_child(FIXTURE_DATA(rcpt) *self, int i, const char *credid,
		     const char *path, int want, const char *text)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(child_get(self, i, credid, path, want, text));
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 200;
}

TEST_F(rcpt, each_key_alone_opens)
{
	ASSERT_EQ(0, set_policy(self->name));
	ASSERT_EQ(0, mvt_put(self->fd, "/r/c/x", "for three", 9, 0, NULL));
	for (int i = 0; i < NRCPT; i++) {
		EXPECT_EQ(0, run_child(self, i, NULL, "/r/c/x", 0,
				       "for three")) TH_LOG("%s", kids[i]);
	}
	/* No key: the first recipient's error. */
	EXPECT_EQ(0, run_child(self, -1, NULL, "/r/c/x", -ENOKEY, NULL));
	/* The first recipient's Credential-ID with other bytes. */
	EXPECT_EQ(0, run_child(self, -1, K_A, "/r/c/x", -EKEYREJECTED, NULL));
	/* A later recipient's with other bytes: the first's error. */
	EXPECT_EQ(0, run_child(self, -1, K_C, "/r/c/x", -ENOKEY, NULL));
	/* A type-15 key that is no recipient. */
	EXPECT_EQ(0, run_child(self, -1, K_D, "/r/c/x", -ENOKEY, NULL));
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

TEST_F(rcpt, export_general_json_only)
{
	static char buf[16384];
	char hdr[4096], b64[4096], want[512], store[64];
	const char *p;
	size_t n = sizeof(buf);
	ssize_t hl;
	int i;

	ASSERT_EQ(0, set_policy(self->name));
	ASSERT_EQ(0, mvt_put(self->fd, "/r/e", "exported", 8, 0, NULL));
	EXPECT_EQ(-EINVAL, mvt_export(self->fd, "/r/e", 0, buf, &n, NULL));
	n = sizeof(buf) - 1;
	ASSERT_EQ(0, mvt_export(self->fd, "/r/e", M2MV_EXPORT_F_JSON, buf,
				&n, NULL));
	buf[n] = '\0';

	/* General: protected, recipients (one per key, in order), iv... */
	EXPECT_EQ(0, strncmp(buf, "{\"protected\":\"", 14)) TH_LOG("%s", buf);
	EXPECT_NE(NULL, strstr(buf, "\",\"recipients\":[{\"header\":"));
	EXPECT_EQ(NRCPT, count(buf, "\"encrypted_key\":\""));
	EXPECT_EQ(NRCPT, count(buf, "{\"header\":{\"alg\":\"A256KW\",\"kid\":\""));
	EXPECT_EQ(NULL, strstr(buf, "\"encrypted_key\":\"\""));
	p = buf;
	for (i = 0; i < NRCPT; i++) {
		snprintf(want, sizeof(want),
			 "{\"header\":{\"alg\":\"A256KW\",\"kid\":\"%s\"},\"encrypted_key\":\"",
			 kids[i]);
		p = strstr(p, want);
		ASSERT_NE(NULL, p) TH_LOG("recipient %d in %s", i, buf);
		p += strlen(want);
		EXPECT_EQ(b64len(M2MV_WRAPPED_KEY_SIZE), strcspn(p, "\""));
	}
	EXPECT_NE(NULL, strstr(buf, "}],\"iv\":\""));
	EXPECT_NE(NULL, strstr(buf, "\",\"ciphertext\":\""));
	EXPECT_NE(NULL, strstr(buf, "\",\"tag\":\""));

	/* The protected header: no alg, no kid, the recipients listed. */
	ASSERT_EQ(0, json_str(buf, "protected", b64, sizeof(b64)));
	hl = mvt_b64url_decode((uint8_t *)hdr, b64, strlen(b64));
	ASSERT_GT(hl, 0);
	hdr[hl] = '\0';
	ASSERT_EQ(0, json_str(hdr, "m2mv_store", store, sizeof(store)));
	snprintf(want, sizeof(want),
		 "{\"enc\":\"A256GCM\",\"m2mv_path\":\"/r/e\",\"m2mv_ver\":1,\"m2mv_store\":\"%s\",\"m2mv_rcpt\":[\"%s\",\"%s\",\"%s\"]}",
		 store, K_A, K_B, K_C);
	EXPECT_STREQ(want, hdr);

	/* A record of one recipient keeps both forms. */
	ASSERT_EQ(0, mvt_policy(self->name, "/one/", K_A, M2MV_MODE_WRAP, 0));
	ASSERT_EQ(0, mvt_put(self->fd, "/one/x", "one", 3, 0, NULL));
	n = sizeof(buf);
	EXPECT_EQ(0, mvt_export(self->fd, "/one/x", 0, buf, &n, NULL));
	n = sizeof(buf) - 1;
	ASSERT_EQ(0, mvt_export(self->fd, "/one/x", M2MV_EXPORT_F_JSON, buf,
				&n, NULL));
	buf[n] = '\0';
	EXPECT_EQ(NULL, strstr(buf, "recipients"));
	EXPECT_NE(NULL, strstr(buf, "\"encrypted_key\":\""));
}

TEST_F(rcpt, reattach_keeps_it_readable_and_scrub_checks_it)
{
	struct mvt_nl_args va = { .name = self->name };
	struct mvt_nl_reply rep;
	char out[16];
	size_t n;

	ASSERT_EQ(0, set_policy(self->name));
	ASSERT_EQ(0, mvt_put(self->fd, "/r/a", "alpha", 5, 0, NULL));
	ASSERT_EQ(0, mvt_put(self->fd, "/r/b", "bravo", 5, 0, NULL));
	ASSERT_EQ(0, mvt_vault_reattach(&self->v, &rep));
	EXPECT_EQ(0, rep.integrity_errors);
	EXPECT_EQ(2, rep.live);
	/* Bindings went with the detach: the policy binds them again. */
	ASSERT_EQ(0, set_policy(self->name));
	n = sizeof(out);
	ASSERT_EQ(0, mvt_get(self->fd, "/r/a", out, &n, NULL));
	EXPECT_EQ(0, memcmp(out, "alpha", 5));
	EXPECT_EQ(0, run_child(self, 1, NULL, "/r/b", 0, "bravo"));
	EXPECT_EQ(0, run_child(self, 2, NULL, "/r/a", 0, "alpha"));

	ASSERT_EQ(0, mvt_nl(M2MV_CMD_STORE_VERIFY, &va, &rep)) TH_LOG("%s",
								  rep.msg);
	EXPECT_EQ(0, rep.integrity_errors);
	EXPECT_EQ(0, rep.nbad);
}

TEST_F(rcpt, rotation_replaces_the_first_recipient)
{
	struct mvt_nl_reply rep;
	static char buf[16384];
	char nfile[256], want[512];
	key_serial_t kd;
	uint8_t dbytes[M2MV_KEY_SIZE];
	struct m2mv_stat st;
	size_t n;
	int nfd, i;

	ASSERT_EQ(0, set_policy(self->name));
	ASSERT_EQ(0, mvt_put(self->fd, "/r/x", "rotate me", 9, 0, NULL));
	ASSERT_EQ(0, mvt_policy(self->name, "/one/", K_B, M2MV_MODE_WRAP, 0));
	ASSERT_EQ(0, mvt_put(self->fd, "/one/y", "single", 6, 0, NULL));

	kd = mvt_key_add(K_D, NULL, self->ring, dbytes);
	ASSERT_GT(kd, 0);
	nfd = mvt_store_file(nfile, sizeof(nfile), NULL, "rcptrot");
	ASSERT_GE(nfd, 0);
	struct mvt_nl_args c = {
		.name = self->name, .has_fd = true, .fd = nfd, .credid = K_D,
	};

	ASSERT_EQ(0, mvt_nl(M2MV_CMD_STORE_COMPACT, &c, &rep)) TH_LOG("%s",
								   rep.msg);
	close(self->sfd);
	self->sfd = nfd;
	unlink(self->file);
	snprintf(self->file, sizeof(self->file), "%s", nfile);

	ASSERT_EQ(0, mvt_stat(self->fd, "/r/x", &st));
	EXPECT_STREQ(K_D, st.credid);
	n = sizeof(buf) - 1;
	ASSERT_EQ(0, mvt_export(self->fd, "/r/x", M2MV_EXPORT_F_JSON, buf,
				&n, NULL));
	buf[n] = '\0';
	const char *order[NRCPT] = { K_D, K_B, K_C };
	const char *p = buf;

	for (i = 0; i < NRCPT; i++) {
		snprintf(want, sizeof(want), "\"kid\":\"%s\"", order[i]);
		p = strstr(p, want);
		ASSERT_NE(NULL, p) TH_LOG("%s in %s", order[i], buf);
	}
	EXPECT_EQ(NULL, strstr(buf, K_A));

	/* The others' wrapped keys still open it; the rotated one does not. */
	EXPECT_EQ(0, run_child(self, 1, NULL, "/r/x", 0, "rotate me"));
	EXPECT_EQ(0, run_child(self, 2, NULL, "/r/x", 0, "rotate me"));
	EXPECT_EQ(0, run_child(self, 0, NULL, "/r/x", -ENOKEY, NULL));
	n = sizeof(buf);
	ASSERT_EQ(0, mvt_get(self->fd, "/r/x", buf, &n, NULL));
	EXPECT_EQ(9, n);
	EXPECT_EQ(0, memcmp(buf, "rotate me", 9));
	/* The one-recipient record went to K_D too. */
	ASSERT_EQ(0, mvt_stat(self->fd, "/one/y", &st));
	EXPECT_STREQ(K_D, st.credid);

	/* Re-attached, K_D alone opens it (bound again by a policy). */
	ASSERT_EQ(0, mvt_vault_reattach(&self->v, &rep));
	EXPECT_EQ(0, rep.integrity_errors);
	ASSERT_EQ(0, mvt_policy_rcpt(self->name, "/r/", K_D, M2MV_MODE_WRAP,
				     more, NRCPT - 1, NULL));
	n = sizeof(buf);
	EXPECT_EQ(0, mvt_get(self->fd, "/r/x", buf, &n, NULL));
	memset(dbytes, 0, sizeof(dbytes));
}

TEST_HARNESS_MAIN
