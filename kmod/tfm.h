/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small pool of keyed-per-use crypto transforms, so that a PUT or GET
 * does not allocate (and instantiate) "gcm(aes)", "kw(aes)" and
 * "hmac(sha256)" every time. A transform is keyed by whoever takes it and
 * re-keyed with zeros when given back, so no key schedule of a caller
 * outlives its operation in the pool.
 */
#ifndef _M2MV_TFM_H
#define _M2MV_TFM_H

#include <linux/list.h>
#include <linux/types.h>

struct crypto_aead;
struct crypto_skcipher;
struct crypto_shash;

enum m2mv_tfm_kind {
	M2MV_TFM_GCM,		/* "gcm(aes)", 16-byte tag, 12-byte IV */
	M2MV_TFM_KW,		/* "kw(aes)" */
	M2MV_TFM_HMAC,		/* "hmac(sha256)" */
	__M2MV_TFM_KINDS
};

struct m2mv_tfm {
	struct list_head node;
	enum m2mv_tfm_kind kind;
	union {
		struct crypto_aead *aead;
		struct crypto_skcipher *skcipher;
		struct crypto_shash *shash;
	};
};

struct m2mv_tfm *m2mv_tfm_get(enum m2mv_tfm_kind kind, const u8 *key,
			      unsigned int key_len);
void m2mv_tfm_put(struct m2mv_tfm *t);
void m2mv_tfm_exit(void);

#endif /* _M2MV_TFM_H */
