// SPDX-License-Identifier: GPL-2.0
/*
 * The dir-mode key table of a store, so that no key seals more than
 * dir_key_limit records (RFC 7518 section 8.4: at most 2^32 AES-GCM
 * invocations with random IVs per key):
 *
 * - seed profile: one nonce per per-container key (kid, container id),
 *   learnt from the log at attach and drawn at random for a container's
 *   first record, with the number of records each key sealed;
 * - ts0003 profile: the credential key itself seals, across every
 *   container of the store. Each such record carries the count of records
 *   the key had sealed, itself included, in its head's nonce field; attach
 *   takes the highest count in the log and compaction writes the count it
 *   has into every record it copies, so neither re-attach nor compaction
 *   makes the key younger than it is while one of its records is live.
 */
#include <linux/module.h>
#include <linux/random.h>
#include <linux/rbtree.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "store_priv.h"

#define M2MV_DIR_KEY_LIMIT \
	(BITS_PER_LONG > 32 ? (ulong)(1ULL << 32) : ULONG_MAX)

static ulong dir_key_limit = M2MV_DIR_KEY_LIMIT;
module_param(dir_key_limit, ulong, 0644);
MODULE_PARM_DESC(dir_key_limit,
		 "Records one dir-mode per-container key may seal before PUTs fail with EDQUOT (default 2^32, RFC 7518 section 8.4)");

/*
 * One dir-mode key: (kid, container id) with its nonce (seed), or the
 * credential key of kid itself (@direct, empty id, no nonce).
 */
struct m2mv_dnonce {
	struct rb_node node;
	u64 uses;
	u8 nonce[M2MV_NONCE_SIZE];
	bool direct;
	u16 kid_len;
	u16 id_len;
	char key[];			/* kid, then id */
};

static int dnonce_cmp(bool direct, const char *kid, u16 kid_len,
		      const char *id, u16 id_len, const struct m2mv_dnonce *d)
{
	int c;

	if (direct != d->direct)
		return direct ? 1 : -1;
	c = m2mv_bytes_cmp(kid, kid_len, d->key, d->kid_len);

	if (c)
		return c;
	return m2mv_bytes_cmp(id, id_len, d->key + d->kid_len, d->id_len);
}

/*
 * Find the entry of (@direct, @kid, @id), or add one with @nonce (random
 * if NULL) and no uses. NULL: no memory.
 */
static struct m2mv_dnonce *dnonce_get(struct m2mv_store *s, bool direct,
				      const char *kid, u16 kid_len,
				      const char *id, u16 id_len,
				      const u8 *nonce)
{
	struct rb_node **link = &s->nonces.rb_node, *parent = NULL;
	struct m2mv_dnonce *d;

	lockdep_assert_held(&s->nonce_lock);
	while (*link) {
		int c;

		parent = *link;
		d = rb_entry(parent, struct m2mv_dnonce, node);
		c = dnonce_cmp(direct, kid, kid_len, id, id_len, d);
		if (c < 0)
			link = &parent->rb_left;
		else if (c > 0)
			link = &parent->rb_right;
		else
			return d;
	}

	d = kmalloc(struct_size(d, key, kid_len + id_len), GFP_KERNEL);
	if (!d)
		return NULL;
	d->uses = 0;
	d->direct = direct;
	if (direct)
		memset(d->nonce, 0, M2MV_NONCE_SIZE);
	else if (nonce)
		memcpy(d->nonce, nonce, M2MV_NONCE_SIZE);
	else
		get_random_bytes(d->nonce, M2MV_NONCE_SIZE);
	d->kid_len = kid_len;
	d->id_len = id_len;
	memcpy(d->key, kid, kid_len);
	memcpy(d->key + kid_len, id, id_len);
	rb_link_node(&d->node, parent, link);
	rb_insert_color(&d->node, &s->nonces);
	return d;
}

void m2mv_dnonce_destroy(struct m2mv_store *s)
{
	struct m2mv_dnonce *d, *next;

	rbtree_postorder_for_each_entry_safe(d, next, &s->nonces, node)
		kfree(d);
	s->nonces = RB_ROOT;
}

/* The attach scan found a dir-mode per-container PUT: count its key's use. */
int m2mv_dnonce_learn(struct m2mv_store *s, const char *kid, const char *id,
		      u16 id_len, const u8 nonce[M2MV_NONCE_SIZE])
{
	struct m2mv_dnonce *d;

	mutex_lock(&s->nonce_lock);
	d = dnonce_get(s, false, kid, strlen(kid), id, id_len, nonce);
	if (d) {
		memcpy(d->nonce, nonce, M2MV_NONCE_SIZE);
		if (d->uses < U64_MAX)
			d->uses++;
	}
	mutex_unlock(&s->nonce_lock);
	return d ? 0 : -ENOMEM;
}

/* The count a ts0003 dir record carries in its head's nonce field. */
u64 m2mv_dnonce_count(const u8 nonce[M2MV_NONCE_SIZE])
{
	__le64 v;

	memcpy(&v, nonce, sizeof(v));
	return le64_to_cpu(v);
}

static void dnonce_set_count(u8 nonce[M2MV_NONCE_SIZE], u64 count)
{
	__le64 v = cpu_to_le64(count);

	memset(nonce, 0, M2MV_NONCE_SIZE);
	memcpy(nonce, &v, sizeof(v));
}

/*
 * The attach scan found a ts0003 dir PUT of @kid carrying @count: its key
 * has sealed at least that many records.
 */
int m2mv_dnonce_learn_direct(struct m2mv_store *s, const char *kid, u64 count)
{
	struct m2mv_dnonce *d;

	mutex_lock(&s->nonce_lock);
	d = dnonce_get(s, true, kid, strlen(kid), NULL, 0, NULL);
	if (d && count > d->uses)
		d->uses = count;
	mutex_unlock(&s->nonce_lock);
	return d ? 0 : -ENOMEM;
}

/*
 * Compaction copies a ts0003 dir record of @kid: raise the count in its
 * head's @nonce field to the key's count now, so that the new log still
 * says how much the key has sealed once older records are gone.
 */
void m2mv_dnonce_carry(struct m2mv_store *s, const char *kid,
		       u8 nonce[M2MV_NONCE_SIZE])
{
	struct m2mv_dnonce *d;

	mutex_lock(&s->nonce_lock);
	d = dnonce_get(s, true, kid, strlen(kid), NULL, 0, NULL);
	if (d && d->uses > m2mv_dnonce_count(nonce))
		dnonce_set_count(nonce, d->uses);
	mutex_unlock(&s->nonce_lock);
}

/**
 * m2mv_store_dir_nonce() - count a use of a dir-mode key, and its nonce
 * @s: the store
 * @kid: NUL-terminated Credential-ID of the type-14 key
 * @id: the container id (or, with M2MV_RECF_INSTANCE, the instance path);
 *	unused with M2MV_RECF_DIRECT
 * @id_len: bytes at @id
 * @rflags: the record's M2MV_RECF_* flags
 * @nonce: out: what goes into the record head's nonce field
 *
 * Seed profile: a per-container key is (kid, id, nonce); the store keeps
 * one nonce per (kid, id), rebuilt from the log at attach, and counts the
 * records sealed under it. A per-instance key gets a fresh nonce and
 * nothing is remembered. ts0003 profile (M2MV_RECF_DIRECT): the key of
 * kid is the content key of every record it seals in the store, which
 * are counted together; @nonce gets the count, this record included.
 *
 * Return: 0, -EDQUOT once the key has sealed dir_key_limit records (RFC 7518
 * section 8.4: the credential must be rotated), -EINVAL, -ENOMEM, -ENODEV.
 */
int m2mv_store_dir_nonce(struct m2mv_store *s, const char *kid,
			 const char *id, u16 id_len, u8 rflags,
			 u8 nonce[M2MV_NONCE_SIZE])
{
	bool direct = rflags & M2MV_RECF_DIRECT;
	struct m2mv_dnonce *d;
	size_t kid_len;
	int ret = 0;

	if (m2mv_store_gone(s))
		return -ENODEV;
	if (rflags & M2MV_RECF_INSTANCE) {
		get_random_bytes(nonce, M2MV_NONCE_SIZE);
		return 0;
	}
	if (direct)
		id_len = 0;
	kid_len = strnlen(kid, M2MV_CREDID_MAX + 1);
	if (!kid_len || kid_len > M2MV_CREDID_MAX || id_len > M2MV_PATH_MAX)
		return -EINVAL;

	mutex_lock(&s->nonce_lock);
	d = dnonce_get(s, direct, kid, kid_len, id, id_len, NULL);
	if (!d) {
		ret = -ENOMEM;
	} else if (d->uses >= READ_ONCE(dir_key_limit)) {
		ret = -EDQUOT;
	} else {
		d->uses++;
		memcpy(nonce, d->nonce, M2MV_NONCE_SIZE);
		if (direct)
			dnonce_set_count(nonce, d->uses);
	}
	mutex_unlock(&s->nonce_lock);
	return ret;
}
