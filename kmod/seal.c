// SPDX-License-Identifier: GPL-2.0
/*
 * Sealing and opening the payload of a PUT record in place (see seal.h).
 *
 * A record buffer comes from kvzalloc() and may be vmalloc memory: the
 * AEAD scatterlist then gets one entry per page. Keys and the AAD never
 * live in the record: content keys, IVs and key-wrap blocks are kept in
 * small kmalloc()ed scratch buffers (scatterlists must not point at the
 * stack, which is vmapped) and freed with kfree_sensitive().
 *
 * Everything here allocates transforms and may sleep: process context only.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/aead.h>
#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <crypto/skcipher.h>
#include <linux/err.h>
#include <linux/highmem.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "jose.h"
#include "kdf.h"
#include "record.h"
#include "seal.h"
#include "tfm.h"

#define KW_SEMIBLOCK	8	/* RFC 3394: the integrity check value A */

/* ------------------------------------------------------ AES key wrap */

struct kw_buf {
	u8 a[KW_SEMIBLOCK];
	u8 in[M2MV_KEY_SIZE];
	u8 out[M2MV_KEY_SIZE];
};

/*
 * One pass of the kernel's "kw(aes)" over kw->in into kw->out. The kernel
 * keeps A (RFC 3394's first semiblock) out of the data: encryption returns
 * it in the IV, decryption takes it there and fails with -EBADMSG unless
 * the unwrapped A is the default IV A6A6A6A6A6A6A6A6.
 */
static int kw_crypt(const u8 kek[M2MV_KEY_SIZE], struct kw_buf *kw, bool wrap)
{
	struct skcipher_request *req;
	struct scatterlist src, dst;
	DECLARE_CRYPTO_WAIT(wait);
	struct m2mv_tfm *tfm;
	int ret;

	tfm = m2mv_tfm_get(M2MV_TFM_KW, kek, M2MV_KEY_SIZE);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	req = skcipher_request_alloc(tfm->skcipher, GFP_KERNEL);
	if (!req) {
		ret = -ENOMEM;
		goto out_tfm;
	}

	sg_init_one(&src, kw->in, sizeof(kw->in));
	sg_init_one(&dst, kw->out, sizeof(kw->out));
	skcipher_request_set_callback(req, CRYPTO_TFM_REQ_MAY_BACKLOG |
				      CRYPTO_TFM_REQ_MAY_SLEEP,
				      crypto_req_done, &wait);
	skcipher_request_set_crypt(req, &src, &dst, sizeof(kw->in), kw->a);
	ret = crypto_wait_req(wrap ? crypto_skcipher_encrypt(req) :
				     crypto_skcipher_decrypt(req), &wait);

	skcipher_request_free(req);
out_tfm:
	m2mv_tfm_put(tfm);
	return ret;
}

/* JWE A256KW: @ekey = A || C, the 40 bytes of RFC 3394's output. */
int m2mv_kw_wrap(const u8 kek[M2MV_KEY_SIZE], const u8 cek[M2MV_KEY_SIZE],
		 u8 ekey[M2MV_WRAPPED_KEY_SIZE])
{
	struct kw_buf *kw;
	int ret;

	BUILD_BUG_ON(KW_SEMIBLOCK + M2MV_KEY_SIZE != M2MV_WRAPPED_KEY_SIZE);

	kw = kzalloc(sizeof(*kw), GFP_KERNEL);
	if (!kw)
		return -ENOMEM;
	memcpy(kw->in, cek, M2MV_KEY_SIZE);
	ret = kw_crypt(kek, kw, true);
	if (!ret) {
		memcpy(ekey, kw->a, KW_SEMIBLOCK);
		memcpy(ekey + KW_SEMIBLOCK, kw->out, M2MV_KEY_SIZE);
	}
	kfree_sensitive(kw);
	return ret;
}

/* Unwrap A || C; -EBADMSG if the integrity check fails (wrong key). */
int m2mv_kw_unwrap(const u8 kek[M2MV_KEY_SIZE],
		   const u8 ekey[M2MV_WRAPPED_KEY_SIZE],
		   u8 cek[M2MV_KEY_SIZE])
{
	struct kw_buf *kw;
	int ret;

	kw = kzalloc(sizeof(*kw), GFP_KERNEL);
	if (!kw)
		return -ENOMEM;
	memcpy(kw->a, ekey, KW_SEMIBLOCK);
	memcpy(kw->in, ekey + KW_SEMIBLOCK, M2MV_KEY_SIZE);
	ret = kw_crypt(kek, kw, false);
	if (!ret)
		memcpy(cek, kw->out, M2MV_KEY_SIZE);
	kfree_sensitive(kw);
	return ret;
}

/* ------------------------------------------------------- AES-256-GCM */

/*
 * sg = [AAD][@len bytes at @data], where @data may be vmalloc memory (one
 * entry per page it touches) or linear memory (one entry).
 */
static int gcm_sg(struct sg_table *sgt, u8 *aad, unsigned int aad_len,
		  u8 *data, size_t len)
{
	bool vmapped = is_vmalloc_addr(data);
	struct scatterlist *sg;
	unsigned int nents, off, n;
	int ret;

	if (vmapped)
		nents = 1 + DIV_ROUND_UP(offset_in_page(data) + len, PAGE_SIZE);
	else
		nents = 2;
	ret = sg_alloc_table(sgt, nents, GFP_KERNEL);
	if (ret)
		return ret;

	sg = sgt->sgl;
	sg_set_buf(sg, aad, aad_len);
	if (!vmapped) {
		sg_set_buf(sg_next(sg), data, len);
		return 0;
	}
	while (len) {
		off = offset_in_page(data);
		n = min_t(size_t, len, PAGE_SIZE - off);
		sg = sg_next(sg);
		sg_set_page(sg, vmalloc_to_page(data), n, off);
		data += n;
		len -= n;
	}
	return 0;
}

/*
 * AES-256-GCM in place over the record's payload, the tag following it:
 * encryption reads the plaintext and writes ciphertext || tag, decryption
 * reads ciphertext || tag and writes the plaintext, or fails with -EBADMSG.
 * AAD = ASCII(BASE64URL(protected header)) (RFC 7516 section 5.1 step 14).
 */
static int gcm_crypt(struct m2mv_rec *rec, const u8 cek[M2MV_KEY_SIZE],
		     u8 iv[M2MV_IV_SIZE], bool enc)
{
	u32 plen = m2mv_rec_payload_len(rec);
	u16 hlen = m2mv_rec_hdr_len(rec);
	size_t len = (size_t)plen + M2MV_GCM_TAG_SIZE;
	unsigned int aad_len = m2mv_b64url_len(hlen);
	struct aead_request *req;
	struct m2mv_tfm *tfm;
	struct sg_table sgt;
	DECLARE_CRYPTO_WAIT(wait);
	u8 *aad;
	int ret;

	if (len > UINT_MAX)
		return -EINVAL;
	aad = kmalloc(aad_len, GFP_KERNEL);
	if (!aad)
		return -ENOMEM;
	m2mv_b64url_encode(aad, rec->hdr, hlen);

	tfm = m2mv_tfm_get(M2MV_TFM_GCM, cek, M2MV_KEY_SIZE);
	if (IS_ERR(tfm)) {
		ret = PTR_ERR(tfm);
		goto out_aad;
	}
	req = aead_request_alloc(tfm->aead, GFP_KERNEL);
	if (!req) {
		ret = -ENOMEM;
		goto out_tfm;
	}
	ret = gcm_sg(&sgt, aad, aad_len, rec->payload, len);
	if (ret)
		goto out_req;

	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_BACKLOG |
				  CRYPTO_TFM_REQ_MAY_SLEEP,
				  crypto_req_done, &wait);
	aead_request_set_ad(req, aad_len);
	aead_request_set_crypt(req, sgt.sgl, sgt.sgl,
			       enc ? plen : len, iv);
	/* The cipher works through the pages' linear aliases. */
	if (is_vmalloc_addr(rec->payload))
		flush_kernel_vmap_range(rec->payload, len);
	ret = crypto_wait_req(enc ? crypto_aead_encrypt(req) :
				    crypto_aead_decrypt(req), &wait);
	if (is_vmalloc_addr(rec->payload))
		invalidate_kernel_vmap_range(rec->payload, len);

	sg_free_table(&sgt);
out_req:
	aead_request_free(req);
out_tfm:
	m2mv_tfm_put(tfm);
out_aad:
	kfree(aad);
	return ret;
}

/* ------------------------------------------------------- HMAC (JWS) */

/* Payload bytes encoded per HMAC update: a multiple of 3, 4 KiB encoded. */
#define MIC_CHUNK	3072
#define MIC_BUF		4096

/*
 * HS256 over the JWS signing input ASCII(BASE64URL(hdr) "." BASE64URL(payload)),
 * encoded piece by piece rather than all at once.
 */
static int mic_compute(const struct m2mv_rec *rec, const u8 key[M2MV_KEY_SIZE],
		       u8 mac[M2MV_HS256_TAG_SIZE])
{
	u32 plen = m2mv_rec_payload_len(rec);
	u16 hlen = m2mv_rec_hdr_len(rec);
	struct m2mv_tfm *tfm;
	SHASH_DESC_ON_STACK(desc, tfm->shash);
	u32 off, k;
	size_t n;
	char *buf;
	int ret;

	BUILD_BUG_ON(MIC_CHUNK % 3 || MIC_CHUNK / 3 * 4 > MIC_BUF);
	BUILD_BUG_ON(DIV_ROUND_UP(M2MV_HDR_MAX, 3) * 4 > MIC_BUF);

	buf = kmalloc(MIC_BUF, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	tfm = m2mv_tfm_get(M2MV_TFM_HMAC, key, M2MV_KEY_SIZE);
	if (IS_ERR(tfm)) {
		ret = PTR_ERR(tfm);
		goto out_buf;
	}

	desc->tfm = tfm->shash;
	ret = crypto_shash_init(desc);
	if (!ret) {
		n = m2mv_b64url_encode(buf, rec->hdr, hlen);
		ret = crypto_shash_update(desc, buf, n);
	}
	if (!ret)
		ret = crypto_shash_update(desc, ".", 1);
	for (off = 0; !ret && off < plen; off += k) {
		k = min_t(u32, plen - off, MIC_CHUNK);
		n = m2mv_b64url_encode(buf, rec->payload + off, k);
		ret = crypto_shash_update(desc, buf, n);
		cond_resched();
	}
	if (!ret)
		ret = crypto_shash_final(desc, mac);

	shash_desc_zero(desc);
	m2mv_tfm_put(tfm);
out_buf:
	kfree_sensitive(buf);
	return ret;
}

/* ------------------------------------------------------- seal / open */

/* The content key and IV of a wrap or dir record. */
struct seal_keys {
	u8 cek[M2MV_KEY_SIZE];
	u8 iv[M2MV_IV_SIZE];
};

/* The record's lengths must be what its mode implies. */
static int seal_check(const struct m2mv_rec *rec)
{
	const struct m2mv_disk_rec *h = rec->head;
	u16 hlen = m2mv_rec_hdr_len(rec);

	if (h->type != M2MV_REC_PUT || !hlen || hlen > M2MV_HDR_MAX)
		return -EINVAL;
	switch (h->mode) {
	case M2MV_MODE_WRAP:
	case M2MV_MODE_DIR:
		if (h->iv_len != M2MV_IV_SIZE ||
		    h->tag_len != M2MV_GCM_TAG_SIZE ||
		    h->ekey_len != (h->mode == M2MV_MODE_WRAP ?
				    M2MV_WRAPPED_KEY_SIZE : 0))
			return -EINVAL;
		break;
	case M2MV_MODE_MIC:
		if (h->iv_len || h->ekey_len ||
		    h->tag_len != M2MV_HS256_TAG_SIZE)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (rec->tag != rec->payload + m2mv_rec_payload_len(rec))
		return -EINVAL;
	return 0;
}

/*
 * dir: the content key of this record: the credential key itself (ts0003
 * profile), or the per-container or per-instance key derived from it.
 */
static int dir_cek(const struct m2mv_rec *rec, const u8 key[M2MV_KEY_SIZE],
		   u8 cek[M2MV_KEY_SIZE])
{
	const char *id;
	u16 id_len;

	if (rec->head->flags & M2MV_RECF_DIRECT) {
		memcpy(cek, key, M2MV_KEY_SIZE);
		return 0;
	}
	m2mv_dir_id(rec->path, m2mv_rec_path_len(rec),
		    rec->head->flags & M2MV_RECF_INSTANCE, &id, &id_len);
	return m2mv_kdf_dir_cek(key, id, id_len, rec->head->nonce, cek);
}

/*
 * wrap: a fresh CEK wrapped under each of the @n keys, in recipient order
 * (@n is the record's number of wrapped keys); dir: @n is 1.
 */
static int seal_aead(struct m2mv_rec *rec, const u8 keys[][M2MV_KEY_SIZE],
		     u8 n)
{
	struct seal_keys *k;
	int ret = 0;
	u8 i;

	if (n != (rec->head->mode == M2MV_MODE_WRAP ? m2mv_rec_nkeys(rec) : 1))
		return -EINVAL;
	k = kzalloc(sizeof(*k), GFP_KERNEL);
	if (!k)
		return -ENOMEM;
	get_random_bytes(k->iv, sizeof(k->iv));
	if (rec->head->mode == M2MV_MODE_WRAP) {
		get_random_bytes(k->cek, sizeof(k->cek));
		for (i = 0; !ret && i < n; i++)
			ret = m2mv_kw_wrap(keys[i], k->cek, rec->ekey +
					   (size_t)i * M2MV_WRAPPED_KEY_SIZE);
	} else {
		ret = dir_cek(rec, keys[0], k->cek);
	}
	if (!ret) {
		memcpy(rec->iv, k->iv, sizeof(k->iv));
		ret = gcm_crypt(rec, k->cek, k->iv, true);
	}
	kfree_sensitive(k);
	return ret;
}

/* wrap: unwrap the CEK from recipient @idx's wrapped key; dir: @idx 0. */
static int open_aead(struct m2mv_rec *rec, const u8 key[M2MV_KEY_SIZE], u8 idx)
{
	struct seal_keys *k;
	int ret;

	if (idx >= (rec->head->mode == M2MV_MODE_WRAP ? m2mv_rec_nkeys(rec) : 1))
		return -EINVAL;
	k = kzalloc(sizeof(*k), GFP_KERNEL);
	if (!k)
		return -ENOMEM;
	if (rec->head->mode == M2MV_MODE_WRAP)
		ret = m2mv_kw_unwrap(key, rec->ekey +
				     (size_t)idx * M2MV_WRAPPED_KEY_SIZE, k->cek);
	else
		ret = dir_cek(rec, key, k->cek);
	if (!ret) {
		memcpy(k->iv, rec->iv, sizeof(k->iv));
		ret = gcm_crypt(rec, k->cek, k->iv, false);
	}
	kfree_sensitive(k);
	return ret;
}

/**
 * m2mv_seal_keys() - protect a built PUT record's payload in place
 * @rec: a record from m2mv_rec_alloc() with head (mode, flags, nonce),
 *	path, plaintext payload and protected header final
 * @keys: the 32-byte credential keys: one, or for a wrap record of several
 *	recipients one per recipient, in the header's order
 * @n: keys at @keys
 *
 * wrap and dir write the IV (and wrap the wrapped keys) and turn the
 * payload into ciphertext and tag; mic writes the tag. On failure the
 * payload is wiped: it may be half encrypted.
 *
 * Context: process context; may sleep.
 * Return: 0, -EINVAL for a record that is not a PUT of a sealing mode or
 * whose recipients are not @n, or a negative errno from the crypto API
 * (-ENOMEM, -ENOENT).
 */
int m2mv_seal_keys(struct m2mv_rec *rec, const u8 keys[][M2MV_KEY_SIZE],
		   u8 n)
{
	u8 mac[M2MV_HS256_TAG_SIZE];
	int ret;

	ret = seal_check(rec);
	if (ret)
		return ret;
	if (rec->head->mode == M2MV_MODE_MIC) {
		ret = n == 1 ? mic_compute(rec, keys[0], mac) : -EINVAL;
		if (!ret)
			memcpy(rec->tag, mac, sizeof(mac));
		memzero_explicit(mac, sizeof(mac));
	} else {
		ret = seal_aead(rec, keys, n);
	}
	if (ret)
		memzero_explicit(rec->payload, m2mv_rec_payload_len(rec));
	return ret;
}

/* m2mv_seal_keys() with the one key of a record of one recipient. */
int m2mv_seal(struct m2mv_rec *rec, const u8 key[32])
{
	return m2mv_seal_keys(rec, (const u8 (*)[M2MV_KEY_SIZE])key, 1);
}

/**
 * m2mv_open_as() - verify a PUT record and recover its plaintext in place
 * @rec: a mapped PUT record whose protected header the caller has checked
 * @key: the 32-byte credential key of the record's kid, or of its
 *	recipient @idx
 * @idx: 0, or the position of @key's recipient in a record of several
 *
 * On success the payload is the plaintext. On any failure the payload is
 * wiped, so unverified plaintext never stays in memory.
 *
 * Context: process context; may sleep.
 * Return: 0; -EBADMSG if the record does not verify under @key (tag
 * mismatch, or for wrap a wrapped key that does not unwrap); -EINVAL for a
 * record that is not a PUT of a sealing mode or has no recipient @idx; or
 * a negative errno from the crypto API (-ENOMEM, -ENOENT) that says
 * nothing about the record.
 */
int m2mv_open_as(struct m2mv_rec *rec, const u8 key[32], u8 idx)
{
	u8 mac[M2MV_HS256_TAG_SIZE];
	int ret;

	ret = seal_check(rec);
	if (ret)
		return ret;
	if (rec->head->mode == M2MV_MODE_MIC) {
		ret = idx ? -EINVAL : mic_compute(rec, key, mac);
		if (!ret && crypto_memneq(mac, rec->tag, sizeof(mac)))
			ret = -EBADMSG;
		memzero_explicit(mac, sizeof(mac));
	} else {
		ret = open_aead(rec, key, idx);
	}
	if (ret)
		memzero_explicit(rec->payload, m2mv_rec_payload_len(rec));
	return ret;
}

/* m2mv_open_as() by the first (or only) recipient. */
int m2mv_open(struct m2mv_rec *rec, const u8 key[32])
{
	return m2mv_open_as(rec, key, 0);
}

/* A wrap record whose recipient @idx exists: 0 or -EINVAL. */
static int cek_check(const struct m2mv_rec *rec, u8 idx)
{
	int ret = seal_check(rec);

	if (!ret && (rec->head->mode != M2MV_MODE_WRAP ||
		     idx >= m2mv_rec_nkeys(rec)))
		ret = -EINVAL;
	return ret;
}

/**
 * m2mv_open_cek() - open a wrap record as m2mv_open_as() and keep its CEK
 * @rec: a mapped wrap PUT record whose protected header the caller checked
 * @key: the key of its recipient @idx
 * @idx: the recipient
 * @cek: out: the content key, on success only; the caller wipes it
 *
 * For re-sealing a record of several recipients under the same content
 * key (m2mv_seal_cek()), so that the others' wrapped keys stay valid.
 *
 * Context: process context; may sleep.
 * Return: as m2mv_open_as(); -EINVAL for a record not in wrap mode.
 */
int m2mv_open_cek(struct m2mv_rec *rec, const u8 key[32], u8 idx, u8 cek[32])
{
	struct seal_keys *k;
	int ret;

	ret = cek_check(rec, idx);
	if (ret)
		goto out;
	k = kzalloc(sizeof(*k), GFP_KERNEL);
	if (!k) {
		ret = -ENOMEM;
		goto out;
	}
	ret = m2mv_kw_unwrap(key, rec->ekey +
			     (size_t)idx * M2MV_WRAPPED_KEY_SIZE, k->cek);
	if (!ret) {
		memcpy(k->iv, rec->iv, sizeof(k->iv));
		ret = gcm_crypt(rec, k->cek, k->iv, false);
	}
	if (!ret)
		memcpy(cek, k->cek, M2MV_KEY_SIZE);
	kfree_sensitive(k);
out:
	if (ret)
		memzero_explicit(rec->payload, m2mv_rec_payload_len(rec));
	return ret;
}

/**
 * m2mv_seal_cek() - seal a built wrap record under a given content key
 * @rec: as for m2mv_seal_keys(), in wrap mode; the wrapped keys of the
 *	other recipients, of @cek, already in place
 * @cek: the content key
 * @key: the key of recipient @idx, whose wrapped key is written
 * @idx: the recipient
 *
 * A fresh IV, the payload encrypted under @cek, and @cek wrapped under
 * @key for recipient @idx only. On failure the payload is wiped.
 *
 * Context: process context; may sleep.
 * Return: 0, -EINVAL, or a negative errno from the crypto API.
 */
int m2mv_seal_cek(struct m2mv_rec *rec, const u8 cek[32], const u8 key[32],
		  u8 idx)
{
	struct seal_keys *k;
	int ret;

	ret = cek_check(rec, idx);
	if (ret)
		goto out;
	k = kzalloc(sizeof(*k), GFP_KERNEL);
	if (!k) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(k->cek, cek, M2MV_KEY_SIZE);
	get_random_bytes(k->iv, sizeof(k->iv));
	ret = m2mv_kw_wrap(key, k->cek,
			   rec->ekey + (size_t)idx * M2MV_WRAPPED_KEY_SIZE);
	if (!ret) {
		memcpy(rec->iv, k->iv, sizeof(k->iv));
		ret = gcm_crypt(rec, k->cek, k->iv, true);
	}
	kfree_sensitive(k);
out:
	if (ret)
		memzero_explicit(rec->payload, m2mv_rec_payload_len(rec));
	return ret;
}

/* Known-answer tests, run once at load and then discarded. */
#include "selftest/seal.c"
