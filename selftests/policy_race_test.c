// SPDX-License-Identifier: GPL-2.0
/*
 * Policies belong to their store: several threads attach and detach one
 * store name while others set and delete policies under it, over netlink.
 *
 *  - none is lost from a live store: a set that succeeded is found by the
 *    delete that follows it, unless a detach came in between;
 *  - none survives its store: once the racing stops, a fresh attach of the
 *    name has no policy, and a detached name lists none.
 *
 * A policy table keyed by store name and flushed by name at detach fails
 * the second rule: a set that looked the store up just before the detach
 * and inserted just after its flush left a policy for the next store of
 * that name.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "kselftest_harness.h"
#include "m2mv.h"

#define K_STORE		"16-race-store@m2mv.test"
#define K_WRAP		"15-race-wrap@m2mv.test"
#define TOGGLERS	2
#define SETTERS		4
#define ROUNDS		150

struct race {
	char name[M2MV_NAME_MAX];
	int store_fd;
	/* bumped before and after every detach; detaches under way */
	atomic_uint changes;
	atomic_uint inflight;
	atomic_uint lost;		/* sets not found by their delete */
	atomic_uint sets;		/* sets that succeeded */
	atomic_uint stray;		/* unexpected errors */
	atomic_bool stop;
};

/* Count the policies the kernel lists for @name (a dump of all). */
struct dump {
	const char *name;
	int count;
	int err;
	bool done;
};

static int dump_valid(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[M2MV_A_MAX + 1];
	struct dump *d = arg;

	if (nla_parse(tb, M2MV_A_MAX, genlmsg_attrdata(g, 0),
		      genlmsg_attrlen(g, 0), NULL) || !tb[M2MV_A_NAME])
		return NL_OK;
	if (!strcmp(nla_get_string(tb[M2MV_A_NAME]), d->name))
		d->count++;
	return NL_OK;
}

static int dump_finish(struct nl_msg *msg, void *arg)
{
	(void)msg;
	((struct dump *)arg)->done = true;
	return NL_STOP;
}

static int dump_err(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct dump *d = arg;

	(void)nla;
	d->err = e->error;
	d->done = true;
	return NL_STOP;
}

/* Return: the number of policies of @name, or -errno. */
static int policies_of(const char *name)
{
	struct dump d = { .name = name };
	struct nl_sock *sk = nl_socket_alloc();
	int fam, ret = -ENOMEM;

	if (!sk)
		return -ENOMEM;
	if (genl_connect(sk)) {
		ret = -ECONNREFUSED;
		goto out;
	}
	fam = genl_ctrl_resolve(sk, M2MV_GENL_NAME);
	if (fam < 0) {
		ret = -ENOENT;
		goto out;
	}
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, dump_valid, &d);
	nl_socket_modify_cb(sk, NL_CB_FINISH, NL_CB_CUSTOM, dump_finish, &d);
	nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, dump_err, &d);
	if (genl_send_simple(sk, fam, M2MV_CMD_POLICY_GET, M2MV_GENL_VERSION,
			     NLM_F_DUMP) < 0) {
		ret = -EIO;
		goto out;
	}
	while (!d.done)
		if (nl_recvmsgs_default(sk) < 0 && !d.done)
			break;
	ret = d.err ? d.err : d.done ? d.count : -EIO;
out:
	nl_socket_free(sk);
	return ret;
}

static void *toggler(void *arg)
{
	struct race *r = arg;
	int ret;

	while (!atomic_load(&r->stop)) {
		ret = mvt_attach(r->name, r->store_fd, K_STORE, 0, NULL);
		if (ret && ret != -EEXIST && ret != -EBUSY)
			atomic_fetch_add(&r->stray, 1);
		/* A detach is announced before it can take effect. */
		atomic_fetch_add(&r->inflight, 1);
		atomic_fetch_add(&r->changes, 1);
		ret = mvt_detach(r->name);
		atomic_fetch_add(&r->changes, 1);
		atomic_fetch_sub(&r->inflight, 1);
		if (ret && ret != -ENOENT)
			atomic_fetch_add(&r->stray, 1);
	}
	return NULL;
}

struct setter {
	struct race *r;
	int id;
};

static void *setter(void *arg)
{
	struct setter *st = arg;
	struct race *r = st->r;
	char prefix[64];
	unsigned int before;
	bool quiet;
	int i, ret;

	for (i = 0; i < ROUNDS; i++) {
		snprintf(prefix, sizeof(prefix), "/s%d/p%d/", st->id, i % 8);
		/* No detach under way, none may start unnoticed. */
		before = atomic_load(&r->changes);
		quiet = !atomic_load(&r->inflight);
		ret = mvt_policy(r->name, prefix, K_WRAP, M2MV_MODE_WRAP, 0);
		if (ret == -ENOENT)
			continue;		/* no store of that name now */
		if (ret) {
			atomic_fetch_add(&r->stray, 1);
			continue;
		}
		atomic_fetch_add(&r->sets, 1);
		ret = mvt_policy_del(r->name, prefix);
		if (ret == -ENOENT && quiet && atomic_load(&r->changes) == before)
			atomic_fetch_add(&r->lost, 1);
		else if (ret && ret != -ENOENT)
			atomic_fetch_add(&r->stray, 1);
	}
	return NULL;
}

FIXTURE(race) {
	key_serial_t ring;
	char path[256];
	struct race r;
};

FIXTURE_SETUP(race)
{
	self->ring = keyctl_join_session_keyring(NULL);
	ASSERT_GT(self->ring, 0);
	ASSERT_GT(mvt_key_add(K_STORE, NULL, 0, NULL), 0);
	ASSERT_GT(mvt_key_add(K_WRAP, NULL, 0, NULL), 0);
	mvt_store_name(self->r.name, "race");
	self->r.store_fd = mvt_store_file(self->path, sizeof(self->path),
					   NULL, "race");
	ASSERT_GE(self->r.store_fd, 0);
}

FIXTURE_TEARDOWN(race)
{
	mvt_detach(self->r.name);
	close(self->r.store_fd);
	unlink(self->path);
	keyctl_clear(self->ring);
}

TEST_F(race, policies_live_and_die_with_their_store)
{
	pthread_t tt[TOGGLERS], ts[SETTERS];
	struct setter st[SETTERS];
	int i, n;

	/* Formatted once, so that every later attach only scans. */
	ASSERT_EQ(0, mvt_attach(self->r.name, self->r.store_fd, K_STORE, 0,
				 NULL));
	ASSERT_EQ(0, mvt_detach(self->r.name));

	for (i = 0; i < TOGGLERS; i++)
		ASSERT_EQ(0, pthread_create(&tt[i], NULL, toggler, &self->r));
	for (i = 0; i < SETTERS; i++) {
		st[i] = (struct setter){ .r = &self->r, .id = i };
		ASSERT_EQ(0, pthread_create(&ts[i], NULL, setter, &st[i]));
	}
	for (i = 0; i < SETTERS; i++)
		pthread_join(ts[i], NULL);
	atomic_store(&self->r.stop, true);
	for (i = 0; i < TOGGLERS; i++)
		pthread_join(tt[i], NULL);

	TH_LOG("%u sets succeeded while the store came and went",
	       atomic_load(&self->r.sets));
	EXPECT_EQ(0, atomic_load(&self->r.stray));
	EXPECT_EQ(0, atomic_load(&self->r.lost));
	/* The race must have happened for the test to mean anything. */
	EXPECT_GT(atomic_load(&self->r.sets), 0);

	/* The togglers end detached: the name lists nothing. */
	mvt_detach(self->r.name);
	EXPECT_EQ(0, policies_of(self->r.name));

	/* A fresh store of the name starts without policies. */
	ASSERT_EQ(0, mvt_attach(self->r.name, self->r.store_fd, K_STORE, 0,
				 NULL));
	n = policies_of(self->r.name);
	EXPECT_EQ(0, n);

	/* And its own policies are there, listed under its name. */
	ASSERT_EQ(0, mvt_policy(self->r.name, "/after/", K_WRAP,
				 M2MV_MODE_WRAP, 0));
	EXPECT_EQ(1, policies_of(self->r.name));
	ASSERT_EQ(0, mvt_detach(self->r.name));
	EXPECT_EQ(0, policies_of(self->r.name));
}

TEST_HARNESS_MAIN
