// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink control plane as a hostile or careless client sees
 * it: missing, oversize, mistyped and output-only attributes, unknown flags
 * and commands (each refused with an extended-ack message where the kernel
 * gives one), unprivileged senders, and the events and counters that the
 * data plane produces.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "kselftest_harness.h"
#include "fixture.h"

#define K_STORE	"16-genl-store@m2mv.test"
#define K_WRAP	"15-genl-wrap@m2mv.test"

/* What one request got back. */
struct res {
	int err;
	bool done;
	char msg[256];
	uint64_t ctr[M2MV_CTR_MAX + 1];
	uint64_t live;
	int stores;
};

static int on_valid(struct nl_msg *m, void *arg)
{
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(m));
	struct nlattr *a, *c;
	struct res *r = arg;
	int rem, rem2;

	if (g->cmd == M2MV_CMD_STORE_GET)
		r->stores++;
	nla_for_each_attr(a, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0), rem) {
		if (nla_type(a) == M2MV_A_LIVE)
			r->live = nla_get_u64(a);
		if (nla_type(a) != M2MV_A_COUNTERS)
			continue;
		nla_for_each_nested(c, a, rem2)
			if (nla_type(c) <= M2MV_CTR_MAX && nla_len(c) == 8)
				r->ctr[nla_type(c)] = nla_get_u64(c);
	}
	return NL_OK;
}

static int on_err(struct sockaddr_nl *sa, struct nlmsgerr *e, void *arg)
{
	struct res *r = arg;

	r->err = e->error;
	r->done = true;
	mvt_nl_extack_msg(e, r->msg, sizeof(r->msg));
	return NL_STOP;
}

static int on_done(struct nl_msg *m, void *arg)
{
	((struct res *)arg)->done = true;
	return NL_STOP;
}

typedef int (*fill_fn)(struct nl_msg *m, void *arg);

/* Send one request (a dump with @dump) and collect the answer into @r. */
static int request(uint8_t cmd, bool dump, fill_fn fill, void *arg,
		   struct res *r)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_msg *m = NULL;
	int one = 1, fam, ret = -ENOMEM;

	memset(r, 0, sizeof(*r));
	if (!sk)
		return -ENOMEM;
	ret = genl_connect(sk);
	if (ret)
		goto out;
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	fam = genl_ctrl_resolve(sk, M2MV_GENL_NAME);
	ret = fam;
	if (fam < 0)
		goto out;
	ret = -ENOMEM;
	m = nlmsg_alloc();
	if (!m || !genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, fam, 0,
			       dump ? NLM_F_DUMP : 0, cmd, M2MV_GENL_VERSION))
		goto out;
	if (fill && fill(m, arg))
		goto out;
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_valid, r);
	nl_socket_modify_cb(sk, NL_CB_ACK, NL_CB_CUSTOM, on_done, r);
	nl_socket_modify_cb(sk, NL_CB_FINISH, NL_CB_CUSTOM, on_done, r);
	nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, on_err, r);
	ret = nl_send_auto(sk, m);
	if (ret < 0)
		goto out;
	ret = 0;
	while (!r->done && !ret)
		ret = nl_recvmsgs_default(sk) < 0 && !r->done ? -EIO : 0;
	if (!ret)
		ret = r->err;
out:
	nlmsg_free(m);
	nl_socket_free(sk);
	return ret;
}

/* Request attribute sets, each a small struct passed to its filler. */
struct att {
	const char *name;
	int fd;
	const char *key;
	bool fd_as_u8;
};

static int fill_attach(struct nl_msg *m, void *arg)
{
	const struct att *a = arg;

	if (a->name && nla_put_string(m, M2MV_A_NAME, a->name))
		return -1;
	if (a->fd >= 0 && (a->fd_as_u8 ? nla_put_u8(m, M2MV_A_FD, a->fd) :
			   nla_put_u32(m, M2MV_A_FD, a->fd)))
		return -1;
	if (a->key && nla_put_string(m, M2MV_A_STORE_KEY, a->key))
		return -1;
	return 0;
}

struct pol {
	const char *name;
	const char *prefix;
	const char *credid;
	uint32_t mode;
};

static int fill_policy(struct nl_msg *m, void *arg)
{
	const struct pol *p = arg;

	return nla_put_string(m, M2MV_A_NAME, p->name) ||
	       nla_put_string(m, M2MV_A_PREFIX, p->prefix) ||
	       (p->credid && nla_put_string(m, M2MV_A_CREDID, p->credid)) ||
	       (p->mode && nla_put_u32(m, M2MV_A_MODE, p->mode));
}

static int fill_name(struct nl_msg *m, void *arg)
{
	return nla_put_string(m, M2MV_A_NAME, arg);
}

/* STORE_COMPACT and STORE_RECOVERY: the attributes that are set. */
struct cmp {
	const char *name;
	int fd;
	bool has_flags;
	uint32_t flags;
	const char *credid;
};

static int fill_cmp(struct nl_msg *m, void *arg)
{
	const struct cmp *c = arg;

	return nla_put_string(m, M2MV_A_NAME, c->name) ||
	       (c->fd >= 0 && nla_put_u32(m, M2MV_A_FD, c->fd)) ||
	       (c->has_flags && nla_put_u32(m, M2MV_A_FLAGS, c->flags)) ||
	       (c->credid && nla_put_string(m, M2MV_A_CREDID, c->credid));
}

FIXTURE(genl) {
	MVT_VAULT_IN_FIXTURE;
};

/* Attached, bound, with no policy: each test sets what it needs. */
FIXTURE_SETUP(genl)
{
	static const char *const credids[] = { K_WRAP, NULL };
	const struct mvt_vault_spec spec = {
		.tag = "genl", .store_credid = K_STORE, .credids = credids,
		.no_policies = true,
	};

	mvt_vault_setup(_metadata, &self->v, &spec);
}

FIXTURE_TEARDOWN(genl)
{
	mvt_vault_teardown(_metadata, &self->v);
}

TEST_F(genl, attach_errors_carry_a_message)
{
	struct att a = { .name = self->name, .fd = self->sfd, .key = K_STORE };
	char longname[41];
	struct res r;

	/* Taken name. */
	EXPECT_EQ(-EEXIST, request(M2MV_CMD_STORE_ATTACH, false, fill_attach,
				   &a, &r));
	EXPECT_NE(0, strlen(r.msg));

	/* Missing FD. */
	a.name = "genl-other";
	a.fd = -1;
	EXPECT_EQ(-EINVAL, request(M2MV_CMD_STORE_ATTACH, false, fill_attach,
				   &a, &r));

	/* FD of the wrong size. */
	a.fd = self->sfd;
	a.fd_as_u8 = true;
	EXPECT_EQ(-EINVAL, request(M2MV_CMD_STORE_ATTACH, false, fill_attach,
				   &a, &r));
	a.fd_as_u8 = false;

	/* Oversize name. */
	memset(longname, 'n', sizeof(longname) - 1);
	longname[40] = '\0';
	a.name = longname;
	EXPECT_NE(0, request(M2MV_CMD_STORE_ATTACH, false, fill_attach, &a, &r));
	a.name = "genl-other";

	/* A name with a character outside the alphabet. */
	a.name = "a/b";
	EXPECT_EQ(-EINVAL, request(M2MV_CMD_STORE_ATTACH, false, fill_attach,
				   &a, &r));
	EXPECT_NE(0, strlen(r.msg));
	a.name = "genl-other";

	/* An output-only attribute and unknown flag bits: abi_test. */
}

TEST_F(genl, policy_errors)
{
	char prefix[601];
	struct pol p = { .name = self->name, .prefix = "/a/", .credid = K_WRAP,
			 .mode = M2MV_MODE_WRAP };
	struct res r;

	EXPECT_EQ(0, request(M2MV_CMD_POLICY_SET, false, fill_policy, &p, &r));
	/* The type of a wrap credential does not fit mic mode. */
	p.mode = M2MV_MODE_MIC;
	EXPECT_EQ(-EINVAL, request(M2MV_CMD_POLICY_SET, false, fill_policy, &p,
				   &r));
	EXPECT_NE(0, strlen(r.msg));
	/* Mode out of range. */
	p.mode = 9;
	EXPECT_NE(0, request(M2MV_CMD_POLICY_SET, false, fill_policy, &p, &r));
	/* Missing mode. */
	p.mode = 0;
	EXPECT_EQ(-EINVAL, request(M2MV_CMD_POLICY_SET, false, fill_policy, &p,
				   &r));
	/* Oversize prefix. */
	memset(prefix, 'p', sizeof(prefix) - 1);
	prefix[600] = '\0';
	p.prefix = prefix;
	p.mode = M2MV_MODE_WRAP;
	EXPECT_NE(0, request(M2MV_CMD_POLICY_SET, false, fill_policy, &p, &r));
	/* Unknown store. */
	p.prefix = "/a/";
	p.name = "no-such-store";
	EXPECT_EQ(-ENOENT, request(M2MV_CMD_POLICY_SET, false, fill_policy, &p,
				   &r));
	/* Deleting twice. */
	p.name = self->name;
	EXPECT_EQ(0, request(M2MV_CMD_POLICY_DEL, false, fill_policy, &p, &r));
	EXPECT_EQ(-ENOENT, request(M2MV_CMD_POLICY_DEL, false, fill_policy, &p,
				   &r));
}

TEST_F(genl, unknown_command)
{
	struct res r;

	EXPECT_EQ(-EOPNOTSUPP, request(200, false, fill_name, self->name, &r));
	/* EVENT is multicast-only. */
	EXPECT_EQ(-EOPNOTSUPP, request(M2MV_CMD_EVENT, false, fill_name,
				       self->name, &r));
}

TEST_F(genl, compact_flags_and_recovery_are_checked)
{
	char path[] = "/tmp/m2mv-genl-cmp.XXXXXX";
	struct cmp c = { .name = self->name, .has_flags = true };
	struct stat st;
	struct res r;

	c.fd = mkstemp(path);
	ASSERT_GE(c.fd, 0);
	unlink(path);
	/* A flag bit the ABI does not define, and rotation with RECOVERY. */
	c.flags = 1U << 31;
	EXPECT_EQ(-EOPNOTSUPP, request(M2MV_CMD_STORE_COMPACT, false,
				       fill_cmp, &c, &r));
	EXPECT_NE(0, strlen(r.msg));
	c.flags = M2MV_COMPACT_F_RECOVERY;
	c.credid = K_WRAP;
	EXPECT_EQ(-EINVAL, request(M2MV_CMD_STORE_COMPACT, false, fill_cmp,
				   &c, &r));
	EXPECT_NE(0, strlen(r.msg));
	ASSERT_EQ(0, fstat(c.fd, &st));
	EXPECT_EQ(0, st.st_size) TH_LOG("a refused compaction wrote");
	close(c.fd);

	/* STORE_RECOVERY: not type 15, no such store, a key not possessed. */
	c = (struct cmp) { .name = self->name, .fd = -1,
			   .credid = "14-dir@tef.example" };
	EXPECT_EQ(-EINVAL, request(M2MV_CMD_STORE_RECOVERY, false, fill_cmp,
				   &c, &r));
	EXPECT_NE(0, strlen(r.msg));
	c.credid = "15-nobody-has-it@tef.example";
	EXPECT_EQ(-ENOKEY, request(M2MV_CMD_STORE_RECOVERY, false, fill_cmp,
				   &c, &r));
	c.name = "genl-no-such";
	c.credid = K_WRAP;
	EXPECT_EQ(-ENOENT, request(M2MV_CMD_STORE_RECOVERY, false, fill_cmp,
				   &c, &r));
}

TEST_F(genl, unprivileged_sender_is_refused)
{
	pid_t pid = fork();
	int status;

	ASSERT_GE(pid, 0);
	if (pid == 0) {
		static const uint8_t cmds[] = {
			M2MV_CMD_STORE_ATTACH, M2MV_CMD_STORE_DETACH,
			M2MV_CMD_POLICY_SET, M2MV_CMD_POLICY_DEL,
			M2MV_CMD_STORE_VERIFY, M2MV_CMD_STORE_COMPACT,
			M2MV_CMD_KEY_BIND, M2MV_CMD_STORE_RECOVERY,
		};
		struct nl_sock *sk;
		struct res r;
		int bad = 0;
		size_t i;
		int grp;

		if (setgid(65534) || setuid(65534))
			_exit(99);
		for (i = 0; i < sizeof(cmds); i++)
			if (request(cmds[i], false, fill_name, self->name,
				    &r) != -EPERM)
				bad++;
		if (request(M2MV_CMD_STORE_GET, true, NULL, NULL, &r) != -EPERM)
			bad++;
		if (request(M2MV_CMD_POLICY_GET, true, NULL, NULL, &r) != -EPERM)
			bad++;
		/* Nor may it listen to the events. */
		sk = nl_socket_alloc();
		if (!sk || genl_connect(sk))
			_exit(98);
		grp = genl_ctrl_resolve_grp(sk, M2MV_GENL_NAME,
					    M2MV_GENL_MCGRP_EVENTS);
		if (grp < 0 || nl_socket_add_membership(sk, grp) == 0)
			bad++;
		nl_socket_free(sk);
		_exit(bad);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* One event from the events socket, or -1 after a second. */
struct ev {
	uint32_t type;
	char name[M2MV_NAME_MAX];
	char path[M2MV_PATH_MAX + 1];
	char credid[M2MV_CREDID_MAX + 1];
	uint32_t reason;
	uint64_t seq;
	bool got;
};

static int on_event(struct nl_msg *m, void *arg)
{
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(m));
	struct ev *e = arg;
	struct nlattr *a;
	int rem;

	memset(e, 0, sizeof(*e));
	nla_for_each_attr(a, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0), rem) {
		switch (nla_type(a)) {
		case M2MV_A_EVENT:
			e->type = nla_get_u32(a);
			break;
		case M2MV_A_NAME:
			snprintf(e->name, sizeof(e->name), "%s",
				 (char *)nla_data(a));
			break;
		case M2MV_A_PATH:
			snprintf(e->path, sizeof(e->path), "%.*s", nla_len(a),
				 (char *)nla_data(a));
			break;
		case M2MV_A_CREDID:
			snprintf(e->credid, sizeof(e->credid), "%s",
				 (char *)nla_data(a));
			break;
		case M2MV_A_REASON:
			e->reason = nla_get_u32(a);
			break;
		case M2MV_A_SEQ:
			e->seq = nla_get_u64(a);
			break;
		}
	}
	e->got = true;
	return NL_STOP;
}

/* Wait for an event of @type (skipping others) for up to ~2 s. */
static bool wait_event(struct nl_sock *sk, uint32_t type, struct ev *e)
{
	struct timeval tv = { .tv_sec = 2 };
	int i;

	setsockopt(nl_socket_get_fd(sk), SOL_SOCKET, SO_RCVTIMEO, &tv,
		   sizeof(tv));
	for (i = 0; i < 50; i++) {
		e->got = false;
		if (nl_recvmsgs_default(sk) < 0 && !e->got)
			return false;
		if (e->got && e->type == type)
			return true;
	}
	return false;
}

TEST_F(genl, events_and_counters)
{
	struct pol p = { .name = self->name, .prefix = "/e/", .credid = K_WRAP,
			 .mode = M2MV_MODE_WRAP };
	struct m2mv_disk_rec h;
	char buf[64];
	struct nl_sock *ev;
	struct res r;
	struct ev e;
	size_t len;
	off_t off, last = 0;
	int grp;
	uint8_t byte;

	ASSERT_EQ(0, request(M2MV_CMD_POLICY_SET, false, fill_policy, &p, &r));

	ev = nl_socket_alloc();
	ASSERT_NE(NULL, ev);
	nl_socket_disable_seq_check(ev);
	ASSERT_EQ(0, genl_connect(ev));
	grp = genl_ctrl_resolve_grp(ev, M2MV_GENL_NAME, M2MV_GENL_MCGRP_EVENTS);
	ASSERT_GE(grp, 0);
	ASSERT_EQ(0, nl_socket_add_membership(ev, grp));
	nl_socket_modify_cb(ev, NL_CB_VALID, NL_CB_CUSTOM, on_event, &e);

	/* 3 PUTs, 2 GETs, 1 DELETE. */
	ASSERT_EQ(0, mvt_put(self->fd, "/e/a", "alpha", 5, 0, NULL));
	ASSERT_EQ(0, mvt_put(self->fd, "/e/b", "bravo", 5, 0, NULL));
	ASSERT_EQ(0, mvt_put(self->fd, "/e/c", "charlie", 7, 0, NULL));
	len = sizeof(buf);
	ASSERT_EQ(0, mvt_get(self->fd, "/e/a", buf, &len, NULL));
	len = sizeof(buf);
	ASSERT_EQ(0, mvt_get(self->fd, "/e/b", buf, &len, NULL));
	ASSERT_EQ(0, mvt_del(self->fd, "/e/b", 0, NULL));

	/* Damage the last record (/e/c): its GET fails, an event names it. */
	for (off = M2MV_LOG_START;
	     pread(self->sfd, &h, sizeof(h), off) == sizeof(h) && h.len;
	     off += h.len)
		if (h.type == M2MV_REC_PUT)
			last = off;
	ASSERT_GT(last, 0);
	ASSERT_EQ(0, pread(self->sfd, &h, sizeof(h), last) != sizeof(h));
	ASSERT_EQ(1, pread(self->sfd, &byte, 1, last + h.len / 2));
	byte ^= 0x10;
	ASSERT_EQ(1, pwrite(self->sfd, &byte, 1, last + h.len / 2));
	len = sizeof(buf);
	EXPECT_EQ(-EBADMSG, mvt_get(self->fd, "/e/c", buf, &len, NULL));
	ASSERT_TRUE(wait_event(ev, M2MV_EVENT_INTEGRITY, &e));
	EXPECT_STREQ(self->name, e.name);
	EXPECT_STREQ("/e/c", e.path);
	EXPECT_EQ(EBADMSG, e.reason);
	EXPECT_EQ(3, e.seq);

	/* A revoked key: the PUT is refused and an event says why. */
	ASSERT_EQ(0, keyctl_revoke(mvt_vault_key(&self->v, K_WRAP)));
	EXPECT_EQ(-EKEYREVOKED, mvt_put(self->fd, "/e/d", "delta", 5, 0, NULL));
	ASSERT_TRUE(wait_event(ev, M2MV_EVENT_KEY_REFUSED, &e));
	EXPECT_STREQ(K_WRAP, e.credid);
	EXPECT_EQ(EKEYREVOKED, e.reason);
	nl_socket_free(ev);

	/* The counters saw exactly that. */
	ASSERT_EQ(0, request(M2MV_CMD_STORE_GET, true, NULL, NULL, &r));
	/* The suite runs one program at a time: this is the only store. */
	EXPECT_EQ(1, r.stores);
	EXPECT_EQ(3, r.ctr[M2MV_CTR_PUTS]);
	EXPECT_EQ(2, r.ctr[M2MV_CTR_GETS]);
	EXPECT_EQ(1, r.ctr[M2MV_CTR_DELETES]);
	EXPECT_EQ(1, r.ctr[M2MV_CTR_INTEGRITY_FAILURES]);
	EXPECT_EQ(1, r.ctr[M2MV_CTR_KEY_REFUSALS]);
	EXPECT_EQ(2, r.live);
}

TEST_HARNESS_MAIN
