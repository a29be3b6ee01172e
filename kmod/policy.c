// SPDX-License-Identifier: GPL-2.0
/*
 * Path policies. A gateway has a handful of them (one per application or
 * container tree), so a list under a rwsem is the right structure; the
 * longest prefix is found by a linear scan.
 */
#include <linux/list.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "m2mvault.h"
#include "cred.h"
#include "policy.h"

struct m2mv_policy_ent {
	struct list_head node;
	char store[M2MV_NAME_MAX];
	char credid[M2MV_CREDID_MAX + 1];
	u8 mode;
	bool instance;
	u16 prefix_len;
	char prefix[];
};

static LIST_HEAD(m2mv_policies);
static DECLARE_RWSEM(m2mv_policies_lock);
static u64 m2mv_policies_gen;	/* bumped on every change, for dumps */

/* Caller holds m2mv_policies_lock. */
static struct m2mv_policy_ent *policy_find(const char *store,
					   const char *prefix, u16 len)
{
	struct m2mv_policy_ent *p;

	list_for_each_entry(p, &m2mv_policies, node)
		if (!strcmp(p->store, store) && p->prefix_len == len &&
		    !memcmp(p->prefix, prefix, len))
			return p;
	return NULL;
}

/**
 * m2mv_policy_set() - add or replace the policy of a prefix
 * @store: store name
 * @prefix: path prefix, validated by the caller (may be empty)
 * @len: bytes at @prefix
 * @credid: Credential-ID, NUL-terminated
 * @mode: enum m2mv_mode
 * @flags: M2MV_POLICY_F_INSTANCE or 0
 *
 * Return: 0; -EINVAL if @credid is malformed or its type does not fit
 * @mode, or @flags asks for per-instance keys outside dir mode; -ENOMEM.
 */
int m2mv_policy_set(const char *store, const char *prefix, u16 len,
		    const char *credid, u8 mode, u32 flags)
{
	struct m2mv_policy_ent *p, *old;
	unsigned int type;
	int ret;

	ret = m2mv_credid_parse(credid, strnlen(credid, M2MV_CREDID_MAX + 1),
				&type);
	if (ret)
		return ret;
	if (m2mv_cred_type_for_mode(mode) != type)
		return -EINVAL;
	if ((flags & M2MV_POLICY_F_INSTANCE) && mode != M2MV_MODE_DIR)
		return -EINVAL;

	p = kzalloc(struct_size(p, prefix, len), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	strscpy(p->store, store, sizeof(p->store));
	strscpy(p->credid, credid, sizeof(p->credid));
	p->mode = mode;
	p->instance = flags & M2MV_POLICY_F_INSTANCE;
	p->prefix_len = len;
	memcpy(p->prefix, prefix, len);

	down_write(&m2mv_policies_lock);
	old = policy_find(store, prefix, len);
	if (old)
		list_replace(&old->node, &p->node);
	else
		list_add_tail(&p->node, &m2mv_policies);
	m2mv_policies_gen++;
	up_write(&m2mv_policies_lock);
	kfree(old);
	return 0;
}

/* Return: 0, or -ENOENT if @prefix has no policy in @store. */
int m2mv_policy_del(const char *store, const char *prefix, u16 len)
{
	struct m2mv_policy_ent *p;

	down_write(&m2mv_policies_lock);
	p = policy_find(store, prefix, len);
	if (p) {
		list_del(&p->node);
		m2mv_policies_gen++;
	}
	up_write(&m2mv_policies_lock);
	if (!p)
		return -ENOENT;
	kfree(p);
	return 0;
}

/**
 * m2mv_policy_match() - the policy with the longest prefix of @path
 * @store: store name
 * @path: validated path
 * @len: bytes at @path
 * @m: out: Credential-ID, mode and key scope
 *
 * Return: 0, or -EACCES if no policy of @store covers @path.
 */
int m2mv_policy_match(const char *store, const char *path, u16 len,
		      struct m2mv_policy_match *m)
{
	struct m2mv_policy_ent *p, *best = NULL;
	int ret = -EACCES;

	down_read(&m2mv_policies_lock);
	list_for_each_entry(p, &m2mv_policies, node) {
		if (strcmp(p->store, store) || p->prefix_len > len ||
		    memcmp(p->prefix, path, p->prefix_len))
			continue;
		if (!best || p->prefix_len > best->prefix_len)
			best = p;
	}
	if (best) {
		strscpy(m->credid, best->credid, sizeof(m->credid));
		m->mode = best->mode;
		m->instance = best->instance;
		ret = 0;
	}
	up_read(&m2mv_policies_lock);
	return ret;
}

/* Drop every policy of @store (at detach), or of all stores if NULL. */
void m2mv_policy_flush(const char *store)
{
	struct m2mv_policy_ent *p, *tmp;
	LIST_HEAD(dead);

	down_write(&m2mv_policies_lock);
	list_for_each_entry_safe(p, tmp, &m2mv_policies, node)
		if (!store || !strcmp(p->store, store))
			list_move(&p->node, &dead);
	m2mv_policies_gen++;
	up_write(&m2mv_policies_lock);
	list_for_each_entry_safe(p, tmp, &dead, node)
		kfree(p);
}

/**
 * m2mv_policy_walk() - report policies from position *@idx on
 * @idx: in/out: how many policies earlier calls reported
 * @gen: out: the generation of the list, for dump consistency checks
 * @fn: called for each policy under the lock; non-zero stops the walk
 * @ctx: passed to @fn
 *
 * Return: 0 when every policy was reported, or what @fn returned.
 */
int m2mv_policy_walk(unsigned long *idx, u64 *gen, m2mv_policy_fn fn,
		     void *ctx)
{
	struct m2mv_policy_info info;
	struct m2mv_policy_ent *p;
	unsigned long i = 0;
	int ret = 0;

	down_read(&m2mv_policies_lock);
	*gen = m2mv_policies_gen;
	list_for_each_entry(p, &m2mv_policies, node) {
		if (i++ < *idx)
			continue;
		info = (struct m2mv_policy_info) {
			.store = p->store,
			.prefix = p->prefix,
			.prefix_len = p->prefix_len,
			.credid = p->credid,
			.mode = p->mode,
			.instance = p->instance,
		};
		ret = fn(ctx, &info);
		if (ret)
			break;
		(*idx)++;
	}
	up_read(&m2mv_policies_lock);
	return ret;
}
