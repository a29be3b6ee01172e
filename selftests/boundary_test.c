// SPDX-License-Identifier: GPL-2.0
/*
 * The security boundary as a local attacker meets it: a process of uid
 * 65534 in a session keyring of its own, against a store root attached.
 *
 *  - A key of the right name is not the key: the attacker adds a random
 *    key under the victim's Credential-ID and is refused (EKEYREJECTED,
 *    counted as a key refusal) for PUT, DELETE, GET and BATCH; the victim's
 *    record is intact, the store not degraded.
 *  - The store's grant decides who reaches it at all: without read
 *    permission nothing is visible (BIND, LIST, STAT, EXPORT, GET refused
 *    with EACCES and counted), read permission does not give write, a
 *    group grants what its bits say, and the device node is root's only.
 *  - The administrator binds keys: a policy for a key the administrator
 *    does not possess is refused, and KEY_BIND keeps old records readable
 *    after a re-attach.
 */
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "m2mv.h"

#define K_STORE		"16-bnd-store@m2mv.test"
#define K_WRAP		"15-bnd-wrap@m2mv.test"
#define K_OLD		"15-bnd-old@m2mv.test"
#define NOBODY		65534
#define GROUP		4242

/* What STORE_GET says of one store. */
struct status {
	const char *name;
	bool found;
	uint32_t owner, group, perm, state;
	uint64_t ctr[M2MV_CTR_MAX + 1];
};

static void status_one(struct nlattr **tb, void *arg)
{
	struct status *st = arg;
	struct nlattr *c;
	int rem;

	if (!tb[M2MV_A_NAME] || strcmp(nla_get_string(tb[M2MV_A_NAME]), st->name))
		return;
	st->found = true;
	if (tb[M2MV_A_OWNER])
		st->owner = nla_get_u32(tb[M2MV_A_OWNER]);
	if (tb[M2MV_A_GROUP])
		st->group = nla_get_u32(tb[M2MV_A_GROUP]);
	if (tb[M2MV_A_PERM])
		st->perm = nla_get_u32(tb[M2MV_A_PERM]);
	if (tb[M2MV_A_STATE])
		st->state = nla_get_u32(tb[M2MV_A_STATE]);
	if (tb[M2MV_A_COUNTERS])
		nla_for_each_nested(c, tb[M2MV_A_COUNTERS], rem)
			if (nla_type(c) <= M2MV_CTR_MAX && nla_len(c) == 8)
				st->ctr[nla_type(c)] = nla_get_u64(c);
}

static int status_of(const char *name, struct status *st)
{
	memset(st, 0, sizeof(*st));
	st->name = name;
	return mvt_nl_dump(M2MV_CMD_STORE_GET, status_one, st);
}

FIXTURE(bnd) {
	key_serial_t ring;
	char name[M2MV_NAME_MAX];
	char path[256];
	int sfd;
	int fd;			/* root's, bound to the store */
	bool formatted;		/* the file holds the store */
};

/*
 * Attach with @perm (owner root, group GROUP), policy /v/ -> K_WRAP; the
 * first attach of the test makes the store.
 */
static int bnd_attach(FIXTURE_DATA(bnd) *self, uint32_t perm)
{
	int ret;

	ret = mvt_attach_grant(self->name, self->sfd, K_STORE,
			       self->formatted ? 0 : M2MV_ATTACH_F_CREATE, 0,
			       GROUP, perm);
	if (!ret)
		self->formatted = true;
	if (!ret)
		ret = mvt_policy(self->name, "/v/", K_WRAP, M2MV_MODE_WRAP, 0);
	if (ret)
		return ret;
	self->fd = mvt_open_bound(self->name);
	return self->fd < 0 ? self->fd : 0;
}

FIXTURE_SETUP(bnd)
{
	self->fd = -1;
	self->ring = keyctl_join_session_keyring(NULL);
	ASSERT_GT(self->ring, 0);
	ASSERT_GT(mvt_key_add(K_STORE, NULL, 0, NULL), 0);
	ASSERT_GT(mvt_key_add(K_WRAP, NULL, 0, NULL), 0);
	mvt_store_name(self->name, "bnd");
	self->sfd = mvt_store_file(self->path, sizeof(self->path), NULL, "bnd");
	ASSERT_GE(self->sfd, 0);
}

FIXTURE_TEARDOWN(bnd)
{
	if (self->fd >= 0)
		close(self->fd);
	mvt_detach(self->name);
	close(self->sfd);
	unlink(self->path);
	keyctl_clear(self->ring);
}

/*
 * Run @fn(@self, @arg) in a child that is uid and gid 65534 (no
 * capabilities), optionally in @group too, in a fresh session keyring.
 * Returns fn's return (0, or the failed step), or 100+ for set-up errors.
 */
static int as_attacker(int (*fn)(FIXTURE_DATA(bnd) *, int),
		       FIXTURE_DATA(bnd) *self, int arg, bool in_group)
{
	gid_t groups[1] = { GROUP };
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (!pid) {
		if (setgroups(in_group ? 1 : 0, groups) ||
		    setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY))
			_exit(100);
		if (keyctl_join_session_keyring(NULL) < 0)
			_exit(101);
		_exit(fn(self, arg));
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 200;
}

#define STEP(step, want, expr) do {					\
		int __r = (expr);					\
		if (__r != (want)) {					\
			fprintf(stderr, "# step %d: %s = %d, want %d\n",	\
				step, #expr, __r, want);		\
			return step;					\
		}							\
	} while (0)

/* The attacker with a key of its own under the victim's Credential-ID. */
static int forger(FIXTURE_DATA(bnd) *self, int unused)
{
	struct m2mv_batch_op op;
	uint8_t out[64];
	size_t n = sizeof(out);

	(void)unused;
	STEP(1, 1, mvt_key_add(K_WRAP, NULL, 0, NULL) > 0);
	STEP(2, -EKEYREJECTED, mvt_del(self->fd, "/v/victim", 0, NULL));
	STEP(3, -EKEYREJECTED, mvt_put(self->fd, "/v/victim", "forged", 6, 0,
				       NULL));
	STEP(4, -EKEYREJECTED, mvt_get(self->fd, "/v/victim", out, &n, NULL));
	memset(&op, 0, sizeof(op));
	op.op = M2MV_BATCH_PUT;
	op.path = mvt_ptr("/v/victim");
	op.path_len = strlen("/v/victim");
	op.data = mvt_ptr("forged");
	op.data_len = 6;
	STEP(5, 0, mvt_batch(self->fd, &op, 1, NULL));
	STEP(6, -EKEYREJECTED, op.result);
	/* Possession of nothing at all is told apart. */
	STEP(7, 0, keyctl_clear(KEY_SPEC_SESSION_KEYRING));
	n = sizeof(out);
	STEP(8, -ENOKEY, mvt_get(self->fd, "/v/victim", out, &n, NULL));
	return 0;
}

TEST_F(bnd, a_forged_key_opens_nothing)
{
	struct status st;
	char out[64];
	size_t n = sizeof(out);

	/* The attacker gets past the grant: the key is the question here. */
	ASSERT_EQ(0, bnd_attach(self, 0666));
	ASSERT_EQ(0, mvt_put(self->fd, "/v/victim", "truth", 5, 0, NULL));

	EXPECT_EQ(0, as_attacker(forger, self, 0, false));

	ASSERT_EQ(0, mvt_get(self->fd, "/v/victim", out, &n, NULL));
	EXPECT_EQ(5, n);
	EXPECT_EQ(0, memcmp(out, "truth", 5));
	ASSERT_EQ(0, status_of(self->name, &st));
	ASSERT_TRUE(st.found);
	EXPECT_EQ(M2MV_STATE_OK, st.state);
	EXPECT_EQ(0, st.ctr[M2MV_CTR_INTEGRITY_FAILURES]);
	/* Four forged uses and one missing key. */
	EXPECT_EQ(5, st.ctr[M2MV_CTR_KEY_REFUSALS]);
}

/* The attacker without the grant's read permission. */
static int outsider(FIXTURE_DATA(bnd) *self, int want)
{
	static char buf[4096];
	struct m2mv_stat s;
	uint32_t count, flags;
	size_t n = sizeof(buf);
	int fd;

	STEP(1, want, mvt_list(self->fd, "", "", 0, buf, sizeof(buf), &count,
			       &flags));
	STEP(2, want, mvt_stat(self->fd, "/v/victim", &s));
	STEP(3, want, mvt_export(self->fd, "/v/victim", 0, buf, &n, NULL));
	/* Opening the node is root's only. */
	fd = open("/dev/" M2MV_DEVICE_NAME, O_RDWR);
	STEP(4, -1, fd);
	STEP(5, EACCES, errno);
	return 0;
}

/* Read permission and nothing else: reads pass, every write is refused. */
static int reader(FIXTURE_DATA(bnd) *self, int unused)
{
	static char buf[4096];
	struct m2mv_stat s;
	uint32_t count, flags;
	size_t n = sizeof(buf);

	(void)unused;
	STEP(1, 0, mvt_list(self->fd, "", "", 0, buf, sizeof(buf), &count,
			    &flags));
	STEP(2, 1, (int)count);
	STEP(3, 0, mvt_stat(self->fd, "/v/victim", &s));
	STEP(4, 0, mvt_export(self->fd, "/v/victim", 0, buf, &n, NULL));
	STEP(5, -EACCES, mvt_put(self->fd, "/v/x", "x", 1, 0, NULL));
	STEP(6, -EACCES, mvt_del(self->fd, "/v/victim", 0, NULL));
	/* Reading the plaintext still needs the key. */
	n = sizeof(buf);
	STEP(7, -ENOKEY, mvt_get(self->fd, "/v/victim", buf, &n, NULL));
	return 0;
}

TEST_F(bnd, the_grant_decides_who_reaches_the_store)
{
	struct status st;
	struct stat sb;

	ASSERT_EQ(0, stat("/dev/" M2MV_DEVICE_NAME, &sb));
	EXPECT_EQ(0600, sb.st_mode & 07777);

	/* The default grant: root, root, 0600. */
	ASSERT_EQ(0, mvt_attach(self->name, self->sfd, K_STORE,
				M2MV_ATTACH_F_CREATE, NULL));
	self->formatted = true;
	ASSERT_EQ(0, status_of(self->name, &st));
	EXPECT_EQ(0, st.owner);
	EXPECT_EQ(0, st.group);
	EXPECT_EQ(0600, st.perm);
	ASSERT_EQ(0, mvt_detach(self->name));

	/* Owner root, group GROUP, 0640. */
	ASSERT_EQ(0, bnd_attach(self, 0640));
	ASSERT_EQ(0, mvt_put(self->fd, "/v/victim", "truth", 5, 0, NULL));
	ASSERT_EQ(0, status_of(self->name, &st));
	EXPECT_EQ(GROUP, st.group);
	EXPECT_EQ(0640, st.perm);

	EXPECT_EQ(0, as_attacker(outsider, self, -EACCES, false));
	EXPECT_EQ(0, as_attacker(reader, self, 0, true));

	ASSERT_EQ(0, status_of(self->name, &st));
	/* LIST, STAT, EXPORT; then PUT and DELETE of the reader. */
	EXPECT_EQ(5, st.ctr[M2MV_CTR_ACCESS_REFUSALS]);
	EXPECT_EQ(M2MV_STATE_OK, st.state);
}

/* BIND of a store the grant shows the caller nothing of. */
static int binder(FIXTURE_DATA(bnd) *self, int fd)
{
	STEP(1, -EACCES, mvt_bind(fd, self->name));
	return 0;
}

TEST_F(bnd, bind_needs_the_grant)
{
	int fd = mvt_open_dev();

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, bnd_attach(self, 0600));
	/* The node was opened by root: only the grant stands in the way. */
	EXPECT_EQ(0, as_attacker(binder, self, fd, true));
	close(fd);
	ASSERT_EQ(0, mvt_detach(self->name));
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, bnd_attach(self, 0606));
	fd = mvt_open_dev();
	ASSERT_GE(fd, 0);
	EXPECT_EQ(1, as_attacker(binder, self, fd, false));
	close(fd);
}

TEST_F(bnd, the_administrator_binds_keys)
{
	key_serial_t old;
	char out[64];
	size_t n = sizeof(out);

	ASSERT_EQ(0, bnd_attach(self, 0600));
	/* A policy for a key the administrator does not possess. */
	EXPECT_EQ(-ENOKEY, mvt_policy(self->name, "/o/", K_OLD,
				      M2MV_MODE_WRAP, 0));
	EXPECT_EQ(-ENOKEY, mvt_key_bind(self->name, K_OLD));

	old = mvt_key_add(K_OLD, NULL, 0, NULL);
	ASSERT_GT(old, 0);
	ASSERT_EQ(0, mvt_policy(self->name, "/o/", K_OLD, M2MV_MODE_WRAP, 0));
	ASSERT_EQ(0, mvt_put(self->fd, "/o/rec", "old", 3, 0, NULL));
	/* The policy moves on; the binding stays while attached. */
	ASSERT_EQ(0, mvt_policy(self->name, "/o/", K_WRAP, M2MV_MODE_WRAP, 0));
	ASSERT_EQ(0, mvt_get(self->fd, "/o/rec", out, &n, NULL));

	/* After a re-attach, nothing names K_OLD until it is bound again. */
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, mvt_detach(self->name));
	ASSERT_EQ(0, bnd_attach(self, 0600));
	n = sizeof(out);
	EXPECT_EQ(-EKEYREJECTED, mvt_get(self->fd, "/o/rec", out, &n, NULL));
	ASSERT_EQ(0, mvt_key_bind(self->name, K_OLD));
	n = sizeof(out);
	ASSERT_EQ(0, mvt_get(self->fd, "/o/rec", out, &n, NULL));
	EXPECT_EQ(0, memcmp(out, "old", 3));

	/* Another key under a bound Credential-ID is refused, even to root. */
	ASSERT_EQ(0, keyctl_unlink(old, KEY_SPEC_SESSION_KEYRING));
	ASSERT_GT(mvt_key_add(K_OLD, NULL, 0, NULL), 0);
	EXPECT_EQ(-EKEYREJECTED, mvt_key_bind(self->name, K_OLD));
	EXPECT_EQ(-EKEYREJECTED, mvt_policy(self->name, "/p/", K_OLD,
					    M2MV_MODE_WRAP, 0));
	n = sizeof(out);
	EXPECT_EQ(-EKEYREJECTED, mvt_get(self->fd, "/o/rec", out, &n, NULL));
}

TEST_HARNESS_MAIN
