/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The store most selftests start from, set up and torn down in one place:
 * a fresh session keyring holding the store key and the policy keys, a
 * backing file in /tmp, the store attached over netlink (m2mv_nl.h), its
 * policies set, a device fd bound to it and one left unbound.
 *
 * A test file puts MVT_VAULT_IN_FIXTURE first in its FIXTURE and calls
 * mvt_vault_setup() from FIXTURE_SETUP and mvt_vault_teardown() from
 * FIXTURE_TEARDOWN. Setup failures are harness assertions (they end the
 * test before it starts), so include this after kselftest_harness.h.
 * Each test runs in its own process, so the names and the file are its own.
 */
#ifndef M2MV_SELFTEST_FIXTURE_H
#define M2MV_SELFTEST_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>

#include "kselftest_harness.h"
#include "m2mv.h"

/* The Credential-IDs of the usual keys: type 16 (store), 15, 14, 16. */
#define MVT_K_STORE	"16-store@m2mv.test"
#define MVT_K_WRAP	"15-wrap@m2mv.test"
#define MVT_K_DIR	"14-dir@m2mv.test"
#define MVT_K_MIC	"16-mic@m2mv.test"

#define MVT_MAX_KEYS	8

/* One policy to set, and a path it covers for tests that want one. */
struct mvt_policy {
	const char *prefix;
	const char *path;
	uint32_t mode;
	const char *credid;
	uint32_t flags;
};

/* One policy per way of sealing: wrap, dir (container, instance), mic. */
static const struct mvt_policy mvt_modes[] __attribute__((unused)) = {
	{ "/w/", "/w/obj", M2MV_MODE_WRAP, MVT_K_WRAP, 0 },
	{ "/d/", "/d/c1/obj", M2MV_MODE_DIR, MVT_K_DIR, 0 },
	{ "/i/", "/i/c1/obj", M2MV_MODE_DIR, MVT_K_DIR,
	  M2MV_POLICY_F_INSTANCE },
	{ "/m/", "/m/obj", M2MV_MODE_MIC, MVT_K_MIC, 0 },
};

#define MVT_NMODES (sizeof(mvt_modes) / sizeof(mvt_modes[0]))

/* What to build; NULL and zero fields take the defaults named. */
struct mvt_vault_spec {
	const char *tag;		/* in the store and file names: "t" */
	const char *store_credid;	/* MVT_K_STORE */
	const char *const *credids;	/* NULL-terminated: wrap, dir, mic */
	const struct mvt_policy *policies;	/* mvt_modes ... */
	size_t npolicies;		/* ... unless policies is given */
	bool no_policies;		/* attach, bind, set none */
	bool no_attach;			/* keys and file only */
};

/*
 * The members of struct mvt_vault, spelled once so that a FIXTURE can hold
 * them through MVT_VAULT_IN_FIXTURE: the test reads self->fd, self->name
 * and passes &self->v to the functions below (the layout trick of the
 * kernel's struct_group()).
 */
#define MVT_VAULT_MEMBERS						\
	key_serial_t ring;		/* the session keyring joined */ \
	key_serial_t kstore;						\
	uint8_t store_key[M2MV_KEY_SIZE];	/* the store key's bytes */ \
	const char *credids[MVT_MAX_KEYS + 1];				\
	key_serial_t keys[MVT_MAX_KEYS];	/* as credids[] */	\
	const char *store_credid;					\
	const struct mvt_policy *policies;				\
	size_t npolicies;						\
	char name[M2MV_NAME_MAX];					\
	char file[256];							\
	int sfd;			/* the backing file, O_RDWR */	\
	int ctl;			/* a device fd, never bound */	\
	int fd;				/* a device fd, bound */	\
	uint32_t perm;			/* the grant's bits; 0: default */ \
	bool attached;

struct mvt_vault {
	MVT_VAULT_MEMBERS
};

#define MVT_VAULT_IN_FIXTURE						\
	union {								\
		struct mvt_vault v;					\
		struct {						\
			MVT_VAULT_MEMBERS				\
		};							\
	}

static const char *const mvt_default_credids[] __attribute__((unused)) = {
	MVT_K_WRAP, MVT_K_DIR, MVT_K_MIC, NULL
};

/* The serial of the key added as @credid (not the store key), or -1. */
static inline key_serial_t mvt_vault_key(const struct mvt_vault *v,
					 const char *credid)
{
	for (size_t i = 0; v->credids[i]; i++)
		if (!strcmp(v->credids[i], credid))
			return v->keys[i];
	return -1;
}

/* Set every policy of the spec: 0 or the first -errno. */
static inline int mvt_vault_policies(struct mvt_vault *v)
{
	for (size_t i = 0; i < v->npolicies; i++) {
		const struct mvt_policy *p = &v->policies[i];
		int ret = mvt_policy(v->name, p->prefix, p->credid, p->mode,
				     p->flags);

		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Attach the backing file (the store setup formatted) again under the
 * store key, set the policies and bind v->fd: 0 or the first -errno. @rep
 * (may be NULL) gets the attach counts.
 */
static inline int mvt_vault_attach(struct mvt_vault *v,
				   struct mvt_nl_reply *rep)
{
	struct mvt_nl_args a = {
		.name = v->name, .has_fd = true, .fd = v->sfd,
		.store_key = v->store_credid,
		.has_grant = v->perm != 0, .perm = v->perm,
	};
	int ret = mvt_nl(M2MV_CMD_STORE_ATTACH, &a, rep);

	if (ret)
		return ret;
	v->attached = true;
	ret = mvt_vault_policies(v);
	if (ret)
		return ret;
	v->fd = mvt_open_bound(v->name);
	return v->fd < 0 ? v->fd : 0;
}

/* Close the bound fd and detach: 0 or -errno. */
static inline int mvt_vault_detach(struct mvt_vault *v)
{
	int ret;

	if (v->fd >= 0)
		close(v->fd);
	v->fd = -1;
	ret = mvt_detach(v->name);
	if (!ret)
		v->attached = false;
	return ret;
}

/* Detach and attach the same file again, with the same policies. */
static inline int mvt_vault_reattach(struct mvt_vault *v,
				     struct mvt_nl_reply *rep)
{
	int ret = mvt_vault_detach(v);

	return ret ? ret : mvt_vault_attach(v, rep);
}

static inline void mvt_vault_setup(struct __test_metadata *_metadata,
				   struct mvt_vault *v,
				   const struct mvt_vault_spec *spec)
{
	const char *tag = spec->tag ? spec->tag : "t";
	const char *const *ids = spec->credids ? spec->credids :
				 mvt_default_credids;
	struct mvt_nl_reply rep;
	size_t n;

	v->sfd = v->ctl = v->fd = -1;
	v->store_credid = spec->store_credid ? spec->store_credid :
			  MVT_K_STORE;
	v->policies = spec->policies ? spec->policies : mvt_modes;
	v->npolicies = spec->policies ? spec->npolicies : MVT_NMODES;
	if (spec->no_policies)
		v->npolicies = 0;

	v->ring = keyctl_join_session_keyring(NULL);
	ASSERT_GT(v->ring, 0) TH_LOG("join session: %s", strerror(errno));
	v->kstore = mvt_key_add(v->store_credid, NULL, v->ring, v->store_key);
	ASSERT_GT(v->kstore, 0) TH_LOG("%s: %s", v->store_credid,
				       strerror(-v->kstore));
	for (n = 0; ids[n]; n++) {
		ASSERT_GT(MVT_MAX_KEYS, n);
		v->credids[n] = ids[n];
		v->keys[n] = mvt_key_add(ids[n], NULL, v->ring, NULL);
		ASSERT_GT(v->keys[n], 0) TH_LOG("%s: %s", ids[n],
						strerror(-v->keys[n]));
	}
	v->credids[n] = NULL;

	mvt_store_name(v->name, tag);
	v->sfd = mvt_store_file(v->file, sizeof(v->file), NULL, tag);
	ASSERT_GE(v->sfd, 0) TH_LOG("%s: %s", v->file, strerror(-v->sfd));
	v->ctl = mvt_open_dev();
	ASSERT_GE(v->ctl, 0) TH_LOG("open %s: %s", MVT_DEV,
				    strerror(-v->ctl));
	if (spec->no_attach)
		return;
	ASSERT_EQ(0, mvt_attach(v->name, v->sfd, v->store_credid,
				M2MV_ATTACH_F_CREATE, &rep)) TH_LOG("%s", rep.msg);
	v->attached = true;
	/* A new store is empty and clean. */
	EXPECT_EQ(0, rep.records);
	EXPECT_EQ(0, rep.live);
	EXPECT_EQ(0, rep.integrity_errors);
	EXPECT_EQ(0, rep.truncated);
	ASSERT_EQ(0, mvt_vault_policies(v));
	v->fd = mvt_open_bound(v->name);
	ASSERT_GE(v->fd, 0) TH_LOG("bind: %s", strerror(-v->fd));
}

/* Undo what setup and the test left: the store must still detach. */
static inline void mvt_vault_teardown(struct __test_metadata *_metadata,
				      struct mvt_vault *v)
{
	if (v->fd >= 0)
		close(v->fd);
	v->fd = -1;
	if (v->attached) {
		EXPECT_EQ(0, mvt_detach(v->name)) TH_LOG("detach %s", v->name);
		v->attached = false;
	}
	if (v->ctl >= 0)
		close(v->ctl);
	if (v->sfd >= 0)
		close(v->sfd);
	if (v->file[0])
		unlink(v->file);
}

#endif /* M2MV_SELFTEST_FIXTURE_H */
