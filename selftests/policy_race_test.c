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

#include "kselftest_harness.h"
#include "m2mv.h"

#define K_STORE		"16-race-store@m2mv.test"
#define K_WRAP		"15-race-wrap@m2mv.test"
#define TOGGLERS	2
#define SETTERS		4
#define ROUNDS		60

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
struct count {
	const char *name;
	int n;
};

static void count_one(struct nlattr **tb, void *arg)
{
	struct count *c = arg;

	if (tb[M2MV_A_NAME] && !strcmp(nla_get_string(tb[M2MV_A_NAME]), c->name))
		c->n++;
}

/* Return: the number of policies of @name, or -errno. */
static int policies_of(const char *name)
{
	struct count c = { .name = name };
	int ret = mvt_nl_dump(M2MV_CMD_POLICY_GET, count_one, &c);

	return ret ? ret : c.n;
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

TEST_F_TIMEOUT(race, policies_live_and_die_with_their_store, 600)
{
	pthread_t tt[TOGGLERS], ts[SETTERS];
	struct setter st[SETTERS];
	int i, n;

	/* Formatted once, so that every later attach only scans. */
	ASSERT_EQ(0, mvt_attach(self->r.name, self->r.store_fd, K_STORE,
				M2MV_ATTACH_F_CREATE, NULL));
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
