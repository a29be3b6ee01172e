/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Path policies: path prefix -> Credential-ID and mode. Each store owns
 * its table (struct m2mv_policies, in struct m2mv_store): policies live
 * and die with their store, and none is ever looked up by store name.
 * The longest matching prefix decides how a PUT is sealed.
 *
 * The policies are kept twice: in a list, in the order they were first
 * set, for m2mv_policy_walk(), and in an index (policy.c) that finds the
 * policy of an exact prefix with one hash lookup; a match looks up each
 * prefix length present in the table, longest first, so its cost does not
 * grow with the number of policies.
 *
 * The table also binds Credential-IDs to key identifiers (cred.h): a set
 * binds its credential, with the identifier of the key the administrator
 * setting it possesses, and m2mv_policies_bind() binds one without a
 * policy. A binding stays while the store is attached, whatever happens
 * to the policy; the data plane accepts a key only if its identifier is
 * the one bound to its Credential-ID (m2mv_policies_check()).
 *
 * A table is killed when its store is detached: its policies and bindings
 * are freed and every later set or bind fails with -ENOENT, so a set
 * racing a detach either lands before it (and goes with the store) or
 * fails.
 */
#ifndef _M2MV_POLICY_H
#define _M2MV_POLICY_H

#include <linux/init.h>
#include <linux/list.h>
#include <linux/rwsem.h>
#include <linux/types.h>
#include <linux/m2mvault.h>

#include "names.h"

struct m2mv_policy_index;

struct m2mv_policies {
	struct rw_semaphore lock;	/* the next four */
	struct list_head list;		/* of struct m2mv_policy_ent */
	struct m2mv_policy_index *index;	/* of the list; NULL until the
						 * first set and once killed
						 */
	struct list_head creds;		/* of struct m2mv_policy_cred */
	bool dead;			/* the store is detached */
};

struct m2mv_policy_match {
	char credid[M2MV_CREDID_MAX + 1];
	u8 mode;
	bool instance;
	bool ts0003;			/* profile ts0003 */
	struct m2mv_kids rcpt;		/* wrap: credid and the others, or n 1 */
};

/* One policy as the control plane reports it. */
struct m2mv_policy_info {
	const char *prefix;
	u16 prefix_len;
	const char *credid;
	u8 mode;
	bool instance;
	bool ts0003;
	const struct m2mv_kids *more;	/* the recipients beyond credid */
};

typedef int (*m2mv_policy_fn)(void *ctx, const struct m2mv_policy_info *p);

void m2mv_policies_init(struct m2mv_policies *pt);
void m2mv_policies_kill(struct m2mv_policies *pt);
u64 m2mv_policies_gen(void);

int m2mv_policy_set(struct m2mv_policies *pt, const char *prefix, u16 len,
		    const char *credid, u8 mode, u32 flags, const u8 *key_id,
		    const struct m2mv_kids *more, const u8 *more_ids);
int m2mv_policy_rcpt_check(const char *credid, u8 mode,
			   const struct m2mv_kids *more);
int m2mv_policy_del(struct m2mv_policies *pt, const char *prefix, u16 len);
int m2mv_policy_match(struct m2mv_policies *pt, const char *path, u16 len,
		      struct m2mv_policy_match *m);
int m2mv_policies_bind(struct m2mv_policies *pt, const char *credid,
		       const u8 *key_id);
int m2mv_policies_check(struct m2mv_policies *pt, const char *credid,
			const u8 *key_id);
int m2mv_policy_walk(struct m2mv_policies *pt, unsigned long *idx,
		     m2mv_policy_fn fn, void *ctx);
int __init m2mv_policy_selftest(void);

#endif /* _M2MV_POLICY_H */
