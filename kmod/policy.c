// SPDX-License-Identifier: GPL-2.0
/*
 * Path policies of one store, under a rwsem. A gateway has a handful of
 * them per store (one per application or container tree), but a store may
 * hold thousands (one per device), and every PUT and DELETE looks one up:
 * besides the list that gives m2mv_policy_walk() its order, the table has
 * an index (struct m2mv_policy_index) that hashes each policy by its exact
 * prefix and counts the policies of each prefix length. The longest
 * prefix of a path is then found with one hash lookup per distinct prefix
 * length, longest first, whatever the number of policies; a gateway's
 * prefixes come in a few lengths.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/algapi.h>
#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "cred.h"
#include "names.h"
#include "policy.h"

/* A Credential-ID bound to the identifier of its key. */
struct m2mv_policy_cred {
	struct list_head node;
	u8 key_id[M2MV_KEY_ID_SIZE];
	char credid[];
};

struct m2mv_policy_ent {
	struct list_head node;		/* in m2mv_policies.list */
	struct hlist_node hnode;	/* in a bucket of the index */
	u32 hash;			/* of the prefix (policy_hash()) */
	char credid[M2MV_CREDID_MAX + 1];
	u8 mode;
	bool instance;
	bool ts0003;
	struct m2mv_kids *more;		/* wrap: recipients beyond credid */
	u16 prefix_len;
	char prefix[];
};

/*
 * The buckets start at 1 << POLICY_HASH_BITS_MIN and double whenever the
 * policies outnumber them, up to 1 << POLICY_HASH_BITS_MAX.
 */
#define POLICY_HASH_BITS_MIN	4
#define POLICY_HASH_BITS_MAX	20

/* The index of a table's policies, under the table's lock. */
struct m2mv_policy_index {
	struct hlist_head *heads;	/* 1 << bits buckets, by hash */
	unsigned int bits;
	unsigned int count;		/* policies in the table */
	u32 seed;			/* of policy_hash() */
	u32 nlen[M2MV_PATH_MAX + 1];	/* policies by prefix length */
	DECLARE_BITMAP(lens, M2MV_PATH_MAX + 1);	/* lengths nlen[] has */
};

static u32 policy_hash(const struct m2mv_policy_index *ix, const char *prefix,
		       u16 len)
{
	return jhash(prefix, len, ix->seed);
}

static struct hlist_head *policy_bucket(const struct m2mv_policy_index *ix,
					u32 hash)
{
	return &ix->heads[hash_32(hash, ix->bits)];
}

/* The policy of exactly @prefix, whose policy_hash() is @hash, or NULL. */
static struct m2mv_policy_ent *index_find(const struct m2mv_policy_index *ix,
					  const char *prefix, u16 len,
					  u32 hash)
{
	struct m2mv_policy_ent *p;

	hlist_for_each_entry(p, policy_bucket(ix, hash), hnode)
		if (p->hash == hash && p->prefix_len == len &&
		    !memcmp(p->prefix, prefix, len))
			return p;
	return NULL;
}

/*
 * Double the buckets if the policies outnumber them. Failing to is
 * harmless (the chains are longer, and the next insertion tries again).
 */
static void index_grow(struct m2mv_policy_index *ix)
{
	unsigned int bits = ix->bits + 1, i;
	struct m2mv_policy_ent *p;
	struct hlist_head *heads;
	struct hlist_node *tmp;

	if (ix->count <= (1U << ix->bits) || bits > POLICY_HASH_BITS_MAX)
		return;
	heads = kvcalloc(1U << bits, sizeof(*heads), GFP_KERNEL | __GFP_NOWARN);
	if (!heads)
		return;
	for (i = 0; i < (1U << ix->bits); i++)
		hlist_for_each_entry_safe(p, tmp, &ix->heads[i], hnode) {
			hlist_del(&p->hnode);
			hlist_add_head(&p->hnode, &heads[hash_32(p->hash, bits)]);
		}
	kvfree(ix->heads);
	ix->heads = heads;
	ix->bits = bits;
}

static void index_free(struct m2mv_policy_index *ix)
{
	if (ix)
		kvfree(ix->heads);
	kfree(ix);
}

/*
 * The table's index, made on its first use (the rwsem allows sleeping);
 * NULL if out of memory.
 */
static struct m2mv_policy_index *policy_index(struct m2mv_policies *pt)
{
	struct m2mv_policy_index *ix = pt->index;

	lockdep_assert_held_write(&pt->lock);
	if (ix)
		return ix;
	ix = kzalloc(sizeof(*ix), GFP_KERNEL);
	if (!ix)
		return NULL;
	ix->bits = POLICY_HASH_BITS_MIN;
	ix->heads = kvcalloc(1U << ix->bits, sizeof(*ix->heads), GFP_KERNEL);
	if (!ix->heads) {
		kfree(ix);
		return NULL;
	}
	ix->seed = get_random_u32();
	pt->index = ix;
	return ix;
}

/* A policy's recipients beyond its credid when it has none. */
static const struct m2mv_kids policy_no_more;

static const struct m2mv_kids *policy_more(const struct m2mv_policy_ent *p)
{
	return p->more ? p->more : &policy_no_more;
}

/* Free a policy and its recipients; NULL is fine. */
static void policy_free(struct m2mv_policy_ent *p)
{
	if (p)
		kfree(p->more);
	kfree(p);
}

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
	pt->index = NULL;
	INIT_LIST_HEAD(&pt->creds);
	pt->dead = false;
}

/*
 * Free every policy and binding and refuse new ones: the store is going.
 * Idempotent.
 */
void m2mv_policies_kill(struct m2mv_policies *pt)
{
	struct m2mv_policy_cred *c, *ctmp;
	struct m2mv_policy_ent *p, *tmp;
	struct m2mv_policy_index *ix;
	LIST_HEAD(dead);
	LIST_HEAD(creds);

	down_write(&pt->lock);
	pt->dead = true;
	list_splice_init(&pt->list, &dead);
	ix = pt->index;
	pt->index = NULL;
	list_splice_init(&pt->creds, &creds);
	up_write(&pt->lock);
	index_free(ix);
	list_for_each_entry_safe(c, ctmp, &creds, node)
		kfree_sensitive(c);
	if (list_empty(&dead))
		return;
	atomic64_inc(&m2mv_policies_generation);
	list_for_each_entry_safe(p, tmp, &dead, node)
		policy_free(p);
}

static struct m2mv_policy_cred *cred_find(struct m2mv_policies *pt,
					  const char *credid)
{
	struct m2mv_policy_cred *c;

	lockdep_assert_held(&pt->lock);
	list_for_each_entry(c, &pt->creds, node)
		if (!strcmp(c->credid, credid))
			return c;
	return NULL;
}

/*
 * Bind @credid to @key_id under the table's lock, with @fresh (a new entry
 * for @credid, or NULL) if it is not bound yet; *@used tells whether
 * @fresh went into the table. Return: 0, or -EKEYREJECTED if @credid is
 * bound to another key.
 */
static int cred_bind_locked(struct m2mv_policies *pt, const char *credid,
			    const u8 *key_id, struct m2mv_policy_cred *fresh,
			    bool *used)
{
	struct m2mv_policy_cred *c = cred_find(pt, credid);

	*used = false;
	if (c)
		return crypto_memneq(c->key_id, key_id, M2MV_KEY_ID_SIZE) ?
		       -EKEYREJECTED : 0;
	memcpy(fresh->key_id, key_id, M2MV_KEY_ID_SIZE);
	list_add_tail(&fresh->node, &pt->creds);
	*used = true;
	return 0;
}

static struct m2mv_policy_cred *cred_alloc(const char *credid)
{
	size_t len = strnlen(credid, M2MV_CREDID_MAX + 1);
	struct m2mv_policy_cred *c;

	if (len > M2MV_CREDID_MAX)
		return NULL;
	c = kzalloc(struct_size(c, credid, len + 1), GFP_KERNEL);
	if (c)
		memcpy(c->credid, credid, len);
	return c;
}

/**
 * m2mv_policies_bind() - bind @credid to the identifier of its key
 * @pt: the store's table
 * @credid: Credential-ID, NUL-terminated, valid
 * @key_id: the identifier of the key the binder possesses
 *
 * Return: 0 (also if already bound to @key_id); -EKEYREJECTED if bound to
 * another key; -ENOENT if the store is detached; -EINVAL, -ENOMEM.
 */
int m2mv_policies_bind(struct m2mv_policies *pt, const char *credid,
		       const u8 *key_id)
{
	struct m2mv_policy_cred *c;
	bool used = false;
	int ret;

	if (m2mv_credid_check(credid))
		return -EINVAL;
	c = cred_alloc(credid);
	if (!c)
		return -ENOMEM;
	down_write(&pt->lock);
	ret = pt->dead ? -ENOENT :
	      cred_bind_locked(pt, credid, key_id, c, &used);
	up_write(&pt->lock);
	if (!used)
		kfree(c);
	return ret;
}

/**
 * m2mv_policies_check() - is @key_id the key bound to @credid?
 * @pt: the store's table
 * @credid: Credential-ID, NUL-terminated
 * @key_id: the identifier of the key a caller possesses
 *
 * Return: 0, -EKEYREJECTED (bound to another key), -ENOENT (not bound), or
 * -ENODEV (the store is detached: its bindings are gone).
 */
int m2mv_policies_check(struct m2mv_policies *pt, const char *credid,
			const u8 *key_id)
{
	struct m2mv_policy_cred *c;
	int ret = -ENOENT;

	down_read(&pt->lock);
	if (pt->dead) {
		up_read(&pt->lock);
		return -ENODEV;
	}
	c = cred_find(pt, credid);
	if (c)
		ret = crypto_memneq(c->key_id, key_id, M2MV_KEY_ID_SIZE) ?
		      -EKEYREJECTED : 0;
	up_read(&pt->lock);
	return ret;
}

/* The policy of exactly @prefix, or NULL. */
static struct m2mv_policy_ent *policy_find(struct m2mv_policies *pt,
					   const char *prefix, u16 len)
{
	struct m2mv_policy_index *ix = pt->index;

	lockdep_assert_held(&pt->lock);
	if (!ix || len > M2MV_PATH_MAX || !test_bit(len, ix->lens))
		return NULL;
	return index_find(ix, prefix, len, policy_hash(ix, prefix, len));
}

/*
 * Put @p in the table (which has its index), in the place of the policy
 * of the same prefix if there is one. Return: that policy, or NULL.
 */
static struct m2mv_policy_ent *policy_insert(struct m2mv_policies *pt,
					     struct m2mv_policy_ent *p)
{
	struct m2mv_policy_index *ix = pt->index;
	struct m2mv_policy_ent *old;

	lockdep_assert_held_write(&pt->lock);
	old = policy_find(pt, p->prefix, p->prefix_len);
	p->hash = policy_hash(ix, p->prefix, p->prefix_len);
	if (old) {
		/* Same place in the list: a walk under way stays in step. */
		list_replace(&old->node, &p->node);
		hlist_add_before(&p->hnode, &old->hnode);
		hlist_del(&old->hnode);
		return old;
	}
	list_add_tail(&p->node, &pt->list);
	hlist_add_head(&p->hnode, policy_bucket(ix, p->hash));
	ix->count++;
	if (!ix->nlen[p->prefix_len]++)
		__set_bit(p->prefix_len, ix->lens);
	index_grow(ix);
	return NULL;
}

/* Take @p out of the table. */
static void policy_remove(struct m2mv_policies *pt, struct m2mv_policy_ent *p)
{
	struct m2mv_policy_index *ix = pt->index;

	lockdep_assert_held_write(&pt->lock);
	list_del(&p->node);
	hlist_del(&p->hnode);
	ix->count--;
	if (!--ix->nlen[p->prefix_len])
		__clear_bit(p->prefix_len, ix->lens);
}

/**
 * m2mv_policy_rcpt_check() - may a policy of @credid in @mode name @more?
 * @credid: the policy's Credential-ID
 * @mode: its mode
 * @more: the recipients beyond @credid (n may be 0)
 *
 * Return: 0, or -EINVAL: more than M2MV_RECIPIENTS_MAX - 1 of them, a mode
 * other than wrap, one that is malformed or not of type 15, or one named
 * twice or equal to @credid.
 */
int m2mv_policy_rcpt_check(const char *credid, u8 mode,
			   const struct m2mv_kids *more)
{
	unsigned int i, j, type;

	if (!more->n)
		return 0;
	if (more->n > M2MV_RECIPIENTS_MAX - 1 || mode != M2MV_MODE_WRAP)
		return -EINVAL;
	for (i = 0; i < more->n; i++) {
		if (m2mv_credid_parse(more->kid[i],
				      strnlen(more->kid[i], M2MV_CREDID_MAX + 1),
				      &type) ||
		    type != M2MV_CRED_TYPE_ESDATA_WRAP ||
		    !strcmp(more->kid[i], credid))
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (!strcmp(more->kid[i], more->kid[j]))
				return -EINVAL;
	}
	return 0;
}

/*
 * Bind @credid and each of @more to their identifiers, all or none: 0, or
 * -EKEYREJECTED if one is bound to another key. @fresh has an entry for
 * each (the first for @credid); *@used tells which went into the table.
 */
static int policy_bind_all(struct m2mv_policies *pt, const char *credid,
			   const u8 *key_id, const struct m2mv_kids *more,
			   const u8 *more_ids, struct m2mv_policy_cred **fresh,
			   bool *used)
{
	struct m2mv_policy_cred *c;
	unsigned int i;

	lockdep_assert_held(&pt->lock);
	for (i = 0; i <= more->n; i++) {
		c = cred_find(pt, i ? more->kid[i - 1] : credid);
		if (c && crypto_memneq(c->key_id, i ? more_ids +
				       (i - 1) * M2MV_KEY_ID_SIZE : key_id,
				       M2MV_KEY_ID_SIZE))
			return -EKEYREJECTED;
	}
	for (i = 0; i <= more->n; i++)
		cred_bind_locked(pt, i ? more->kid[i - 1] : credid,
				 i ? more_ids + (i - 1) * M2MV_KEY_ID_SIZE :
				 key_id, fresh[i], &used[i]);
	return 0;
}

/**
 * m2mv_policy_set() - add or replace the policy of a prefix
 * @pt: the store's table
 * @prefix: path prefix (may be empty)
 * @len: bytes at @prefix
 * @credid: Credential-ID, NUL-terminated
 * @mode: enum m2mv_mode
 * @flags: M2MV_POLICY_F_INSTANCE, M2MV_POLICY_F_TS0003 or 0
 * @key_id: the identifier of @credid's key, which the setter possesses;
 *	the policy binds it (m2mv_policies_bind())
 * @more: wrap: the recipients beyond @credid (m2mv_policy_rcpt_check()),
 *	or NULL
 * @more_ids: the identifiers of their keys, M2MV_KEY_ID_SIZE bytes each,
 *	which the setter possesses; the policy binds them too
 *
 * Return: 0; -EINVAL if @prefix or @credid is malformed, @credid's type
 * does not fit @mode, @flags asks for per-instance keys outside dir
 * mode or together with the ts0003 profile, or @more does not pass
 * m2mv_policy_rcpt_check(); -EKEYREJECTED if @credid or one of @more is
 * bound to another key; -ENOENT if the store is detached; -ENOMEM. On
 * error the table is unchanged.
 */
int m2mv_policy_set(struct m2mv_policies *pt, const char *prefix, u16 len,
		    const char *credid, u8 mode, u32 flags, const u8 *key_id,
		    const struct m2mv_kids *more, const u8 *more_ids)
{
	static const struct m2mv_kids none;
	struct m2mv_policy_cred *c[M2MV_RECIPIENTS_MAX] = {};
	bool used[M2MV_RECIPIENTS_MAX] = {};
	struct m2mv_policy_ent *p, *old = NULL;
	unsigned int type, i;
	int ret;

	if (!more)
		more = &none;
	if (!m2mv_prefix_ok(prefix, len))
		return -EINVAL;
	ret = m2mv_credid_parse(credid, strnlen(credid, M2MV_CREDID_MAX + 1),
				&type);
	if (ret)
		return ret;
	if (m2mv_cred_type_for_mode(mode) != type)
		return -EINVAL;
	if ((flags & M2MV_POLICY_F_INSTANCE) &&
	    (mode != M2MV_MODE_DIR || (flags & M2MV_POLICY_F_TS0003)))
		return -EINVAL;
	if (m2mv_policy_rcpt_check(credid, mode, more))
		return -EINVAL;

	ret = -ENOMEM;
	p = kzalloc(struct_size(p, prefix, len), GFP_KERNEL);
	if (!p)
		goto out;
	for (i = 0; i <= more->n; i++) {
		c[i] = cred_alloc(i ? more->kid[i - 1] : credid);
		if (!c[i])
			goto out;
	}
	strscpy(p->credid, credid, sizeof(p->credid));
	p->mode = mode;
	p->instance = flags & M2MV_POLICY_F_INSTANCE;
	p->ts0003 = flags & M2MV_POLICY_F_TS0003;
	/* Most policies have one credential: no room for others then. */
	if (more->n) {
		p->more = kmemdup(more, sizeof(*more), GFP_KERNEL);
		if (!p->more)
			goto out;
	}
	p->prefix_len = len;
	memcpy(p->prefix, prefix, len);

	down_write(&pt->lock);
	if (pt->dead)
		ret = -ENOENT;
	else if (!policy_index(pt))
		ret = -ENOMEM;
	else
		ret = policy_bind_all(pt, credid, key_id, more, more_ids, c,
				      used);
	if (!ret) {
		old = policy_insert(pt, p);
		atomic64_inc(&m2mv_policies_generation);
	}
	up_write(&pt->lock);
out:
	for (i = 0; i < M2MV_RECIPIENTS_MAX; i++)
		if (!used[i])
			kfree(c[i]);
	policy_free(ret ? p : old);
	return ret;
}

/* Return: 0, or -ENOENT if @prefix has no policy (or the store is gone). */
int m2mv_policy_del(struct m2mv_policies *pt, const char *prefix, u16 len)
{
	struct m2mv_policy_ent *p;

	down_write(&pt->lock);
	p = policy_find(pt, prefix, len);
	if (p) {
		policy_remove(pt, p);
		atomic64_inc(&m2mv_policies_generation);
	}
	up_write(&pt->lock);
	if (!p)
		return -ENOENT;
	policy_free(p);
	return 0;
}

/**
 * m2mv_policy_match() - the policy with the longest prefix of @path
 * @pt: the store's table
 * @path: validated path
 * @len: bytes at @path
 * @m: out: Credential-ID, mode, key scope and recipients
 *
 * A prefix is a byte prefix (not a path component): the policy whose
 * prefix is the longest one of @path's first bytes wins, and no two
 * policies have the same prefix. The lengths present in the table are
 * tried from the longest one not beyond @len down, one hash lookup each.
 *
 * Return: 0, -EACCES if no policy covers @path, or -ENODEV if the store
 * is detached (its policies are gone).
 */
int m2mv_policy_match(struct m2mv_policies *pt, const char *path, u16 len,
		      struct m2mv_policy_match *m)
{
	struct m2mv_policy_ent *best = NULL;
	const struct m2mv_kids *more;
	struct m2mv_policy_index *ix;
	unsigned long l, end;
	unsigned int i;
	int ret;

	down_read(&pt->lock);
	ret = pt->dead ? -ENODEV : -EACCES;
	ix = pt->index;
	/* Lengths below end: find_last_bit() returns end if it has none. */
	for (end = min_t(unsigned long, len, M2MV_PATH_MAX) + 1; ix && end;
	     end = l) {
		l = find_last_bit(ix->lens, end);
		if (l >= end)
			break;
		best = index_find(ix, path, l, policy_hash(ix, path, l));
		if (best)
			break;
	}
	if (best) {
		strscpy(m->credid, best->credid, sizeof(m->credid));
		m->mode = best->mode;
		m->instance = best->instance;
		m->ts0003 = best->ts0003;
		/* Several recipients: credid first, then the others. */
		more = policy_more(best);
		m->rcpt.n = 1 + more->n;
		strscpy(m->rcpt.kid[0], best->credid, sizeof(m->rcpt.kid[0]));
		for (i = 0; i < more->n; i++)
			strscpy(m->rcpt.kid[i + 1], more->kid[i],
				sizeof(m->rcpt.kid[i + 1]));
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
			.ts0003 = p->ts0003,
			.more = policy_more(p),
		};
		ret = fn(ctx, &info);
		if (ret)
			break;
		(*idx)++;
	}
	up_read(&pt->lock);
	return ret;
}

#include "selftest/policy.c"
