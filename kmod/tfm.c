// SPDX-License-Identifier: GPL-2.0
/*
 * Pool of crypto transforms, one free list per kind.
 *
 * Allocating a "gcm(aes)" transform instantiates its ctr and ghash
 * children: several allocations and algorithm lookups, more than the
 * sealing of a small blob costs. The pool keeps up to M2MV_TFM_POOL_MAX
 * idle transforms per kind. Taking one keys it for the caller; giving it
 * back keys it with zeros first (a transform that cannot be re-keyed is
 * freed instead), so idle transforms hold no caller's key schedule.
 */
#include <crypto/aead.h>
#include <crypto/hash.h>
#include <crypto/skcipher.h>
#include <linux/err.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "m2mvault_private.h"
#include "tfm.h"

#define M2MV_TFM_POOL_MAX	16

struct m2mv_tfm_pool {
	spinlock_t lock;	/* protects free and n */
	struct list_head free;
	unsigned int n;
};

static struct m2mv_tfm_pool m2mv_pools[__M2MV_TFM_KINDS] = {
	[M2MV_TFM_GCM] = {
		.lock = __SPIN_LOCK_UNLOCKED(m2mv_pools[M2MV_TFM_GCM].lock),
		.free = LIST_HEAD_INIT(m2mv_pools[M2MV_TFM_GCM].free),
	},
	[M2MV_TFM_KW] = {
		.lock = __SPIN_LOCK_UNLOCKED(m2mv_pools[M2MV_TFM_KW].lock),
		.free = LIST_HEAD_INIT(m2mv_pools[M2MV_TFM_KW].free),
	},
	[M2MV_TFM_HMAC] = {
		.lock = __SPIN_LOCK_UNLOCKED(m2mv_pools[M2MV_TFM_HMAC].lock),
		.free = LIST_HEAD_INIT(m2mv_pools[M2MV_TFM_HMAC].free),
	},
};

static void tfm_free(struct m2mv_tfm *t)
{
	switch (t->kind) {
	case M2MV_TFM_GCM:
		crypto_free_aead(t->aead);
		break;
	case M2MV_TFM_KW:
		crypto_free_skcipher(t->skcipher);
		break;
	default:
		crypto_free_shash(t->shash);
		break;
	}
	kfree(t);
}

static struct m2mv_tfm *tfm_alloc(enum m2mv_tfm_kind kind)
{
	struct m2mv_tfm *t;
	int ret = 0;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return ERR_PTR(-ENOMEM);
	t->kind = kind;
	switch (kind) {
	case M2MV_TFM_GCM:
		t->aead = crypto_alloc_aead("gcm(aes)", 0, 0);
		if (IS_ERR(t->aead))
			ret = PTR_ERR(t->aead);
		else if (crypto_aead_ivsize(t->aead) != M2MV_IV_SIZE)
			ret = -EINVAL;
		else
			ret = crypto_aead_setauthsize(t->aead,
						      M2MV_GCM_TAG_SIZE);
		if (ret && !IS_ERR(t->aead))
			crypto_free_aead(t->aead);
		break;
	case M2MV_TFM_KW:
		t->skcipher = crypto_alloc_skcipher("kw(aes)", 0, 0);
		if (IS_ERR(t->skcipher))
			ret = PTR_ERR(t->skcipher);
		else if (crypto_skcipher_ivsize(t->skcipher) != 8)
			ret = -EINVAL;
		if (ret && !IS_ERR(t->skcipher))
			crypto_free_skcipher(t->skcipher);
		break;
	default:
		t->shash = crypto_alloc_shash("hmac(sha256)", 0, 0);
		if (IS_ERR(t->shash))
			ret = PTR_ERR(t->shash);
		break;
	}
	if (ret) {
		kfree(t);
		return ERR_PTR(ret);
	}
	return t;
}

static int tfm_setkey(struct m2mv_tfm *t, const u8 *key, unsigned int len)
{
	switch (t->kind) {
	case M2MV_TFM_GCM:
		return crypto_aead_setkey(t->aead, key, len);
	case M2MV_TFM_KW:
		return crypto_skcipher_setkey(t->skcipher, key, len);
	default:
		return crypto_shash_setkey(t->shash, key, len);
	}
}

/**
 * m2mv_tfm_get() - a transform of @kind keyed with @key
 * @kind: which algorithm
 * @key: the key (AES-256 for GCM and KW; any length for HMAC)
 * @key_len: bytes at @key
 *
 * Context: process context; may sleep.
 * Return: the transform, to be given back with m2mv_tfm_put(), or an
 * ERR_PTR (-ENOMEM, -ENOENT without the algorithm, -EINVAL for a key it
 * refuses).
 */
struct m2mv_tfm *m2mv_tfm_get(enum m2mv_tfm_kind kind, const u8 *key,
			      unsigned int key_len)
{
	struct m2mv_tfm_pool *p = &m2mv_pools[kind];
	struct m2mv_tfm *t;
	int ret;

	spin_lock(&p->lock);
	t = list_first_entry_or_null(&p->free, struct m2mv_tfm, node);
	if (t) {
		list_del(&t->node);
		p->n--;
	}
	spin_unlock(&p->lock);

	if (!t) {
		t = tfm_alloc(kind);
		if (IS_ERR(t))
			return t;
	}
	ret = tfm_setkey(t, key, key_len);
	if (ret) {
		m2mv_tfm_put(t);
		return ERR_PTR(ret);
	}
	return t;
}

/**
 * m2mv_tfm_put() - give a transform back, its key replaced by zeros
 * @t: from m2mv_tfm_get(); NULL or an ERR_PTR is ignored
 *
 * Context: process context; may sleep.
 */
void m2mv_tfm_put(struct m2mv_tfm *t)
{
	static const u8 zero[M2MV_KEY_SIZE];
	struct m2mv_tfm_pool *p;

	if (IS_ERR_OR_NULL(t))
		return;
	p = &m2mv_pools[t->kind];
	if (tfm_setkey(t, zero, sizeof(zero))) {
		tfm_free(t);
		return;
	}
	spin_lock(&p->lock);
	if (p->n < M2MV_TFM_POOL_MAX) {
		list_add(&t->node, &p->free);
		p->n++;
		t = NULL;
	}
	spin_unlock(&p->lock);
	if (t)
		tfm_free(t);
}

/**
 * m2mv_tfm_exit() - free every idle transform (module unload, failed load)
 */
void m2mv_tfm_exit(void)
{
	struct m2mv_tfm *t, *tmp;
	unsigned int k;
	LIST_HEAD(list);

	for (k = 0; k < __M2MV_TFM_KINDS; k++) {
		spin_lock(&m2mv_pools[k].lock);
		list_splice_init(&m2mv_pools[k].free, &list);
		m2mv_pools[k].n = 0;
		spin_unlock(&m2mv_pools[k].lock);
	}
	list_for_each_entry_safe(t, tmp, &list, node)
		tfm_free(t);
}
