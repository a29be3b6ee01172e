// SPDX-License-Identifier: GPL-2.0
/*
 * Path policies of one store. A gateway has a handful of them per store
 * (one per application or container tree), so a list under a rwsem is the
 * right structure; the longest prefix is found by a linear scan.
 */
#include <linux/atomic.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "cred.h"
#include "names.h"
#include "policy.h"

struct m2mv_policy_ent {
	struct list_head node;
	char credid[M2MV_CREDID_MAX + 1];
	u8 mode;
	bool instance;
	u16 prefix_len;
	char prefix[];
};

/* Bumped by every change of any table: a dump seeing it move may be torn. */
static atomic64_t m2mv_policies_generation = ATOMIC64_INIT(1);

u64 m2mv_policies_gen(void)
{
	return atomic64_read(&m2mv_policies_generation);
}

void m2mv_policies_init(struct m2mv_policies *pt)
{
	init_rwsem(&pt->lock);
	INIT_LIST_HEAD(&pt->list);
	pt->dead = false;
}

/* Free every policy and refuse new ones: the store is going. Idempotent. */
void m2mv_policies_kill(struct m2mv_policies *pt)
{
	struct m2mv_policy_ent *p, *tmp;
	LIST_HEAD(dead);

	down_write(&pt->lock);
	pt->dead = true;
	list_splice_init(&pt->list, &dead);
	up_write(&pt->lock);
	if (list_empty(&dead))
		return;
	atomic64_inc(&m2mv_policies_generation);
	list_for_each_entry_safe(p, tmp, &dead, node)
		kfree(p);
}

static struct m2mv_policy_ent *policy_find(struct m2mv_policies *pt,
					   const char *prefix, u16 len)
{
	struct m2mv_policy_ent *p;

	lockdep_assert_held(&pt->lock);
	list_for_each_entry(p, &pt->list, node)
		if (p->prefix_len == len && !memcmp(p->prefix, prefix, len))
			return p;
	return NULL;
}

/**
 * m2mv_policy_set() - add or replace the policy of a prefix
 * @pt: the store's table
 * @prefix: path prefix (may be empty)
 * @len: bytes at @prefix
 * @credid: Credential-ID, NUL-terminated
 * @mode: enum m2mv_mode
 * @flags: M2MV_POLICY_F_INSTANCE or 0
 *
 * Return: 0; -EINVAL if @prefix or @credid is malformed, @credid's type
 * does not fit @mode, or @flags asks for per-instance keys outside dir
 * mode; -ENOENT if the store is detached; -ENOMEM.
 */
int m2mv_policy_set(struct m2mv_policies *pt, const char *prefix, u16 len,
		    const char *credid, u8 mode, u32 flags)
{
	struct m2mv_policy_ent *p, *old = NULL;
	unsigned int type;
	int ret;

	if (!m2mv_prefix_ok(prefix, len))
		return -EINVAL;
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
	strscpy(p->credid, credid, sizeof(p->credid));
	p->mode = mode;
	p->instance = flags & M2MV_POLICY_F_INSTANCE;
	p->prefix_len = len;
	memcpy(p->prefix, prefix, len);

	down_write(&pt->lock);
	if (pt->dead) {
		ret = -ENOENT;
	} else {
		old = policy_find(pt, prefix, len);
		if (old)
			list_replace(&old->node, &p->node);
		else
			list_add_tail(&p->node, &pt->list);
		atomic64_inc(&m2mv_policies_generation);
	}
	up_write(&pt->lock);
	kfree(ret ? p : old);
	return ret;
}

/* Return: 0, or -ENOENT if @prefix has no policy (or the store is gone). */
int m2mv_policy_del(struct m2mv_policies *pt, const char *prefix, u16 len)
{
	struct m2mv_policy_ent *p;

	down_write(&pt->lock);
	p = policy_find(pt, prefix, len);
	if (p) {
		list_del(&p->node);
		atomic64_inc(&m2mv_policies_generation);
	}
	up_write(&pt->lock);
	if (!p)
		return -ENOENT;
	kfree(p);
	return 0;
}

/**
 * m2mv_policy_match() - the policy with the longest prefix of @path
 * @pt: the store's table
 * @path: validated path
 * @len: bytes at @path
 * @m: out: Credential-ID, mode and key scope
 *
 * Return: 0, or -EACCES if no policy covers @path.
 */
int m2mv_policy_match(struct m2mv_policies *pt, const char *path, u16 len,
		      struct m2mv_policy_match *m)
{
	struct m2mv_policy_ent *p, *best = NULL;
	int ret = -EACCES;

	down_read(&pt->lock);
	list_for_each_entry(p, &pt->list, node) {
		if (p->prefix_len > len || memcmp(p->prefix, path, p->prefix_len))
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
	up_read(&pt->lock);
	return ret;
}

/**
 * m2mv_policy_walk() - report policies from position *@idx on
 * @pt: the store's table
 * @idx: in/out: how many policies earlier calls reported
 * @fn: called for each policy under the lock; non-zero stops the walk
 * @ctx: passed to @fn
 *
 * Return: 0 when every policy was reported, or what @fn returned.
 */
int m2mv_policy_walk(struct m2mv_policies *pt, unsigned long *idx,
		     m2mv_policy_fn fn, void *ctx)
{
	struct m2mv_policy_info info;
	struct m2mv_policy_ent *p;
	unsigned long i = 0;
	int ret = 0;

	down_read(&pt->lock);
	list_for_each_entry(p, &pt->list, node) {
		if (i++ < *idx)
			continue;
		info = (struct m2mv_policy_info) {
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
	up_read(&pt->lock);
	return ret;
}
