// SPDX-License-Identifier: GPL-2.0
/*
 * HMAC-SHA256 through the kernel crypto API, and the "dir" mode key
 * derivation of oneM2M's bootstrapped data security (the per-container or
 * per-instance key):
 *
 *	CEK = HMAC-SHA256(K_data_conf, "Data Confidentiality" || id || nonce16)
 *
 * Each call takes an "hmac(sha256)" transform from the pool (tfm.c), keys
 * it, and gives it back, which re-keys it with zeros: a transform is used
 * by one caller at a time, so no lock is needed around setkey and the
 * digest, and no caller's key schedule stays in the pool. The descriptor
 * on our stack is wiped here.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <linux/err.h>
#include <linux/fips.h>
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/string.h>

#include "kdf.h"
#include "tfm.h"

/**
 * m2mv_hmac_sha256() - HMAC-SHA256 over a list of buffers
 * @key: the HMAC key
 * @key_len: bytes at @key
 * @vec: the message, in pieces (a piece may be empty)
 * @nvec: number of pieces
 * @out: out: the 32-byte MAC; zeroed if the call fails
 *
 * Context: process context; may sleep.
 * Return: 0, or a negative errno from the crypto API (-ENOMEM, -ENOENT if
 * the kernel has no hmac(sha256), -EINVAL for a key it refuses).
 */
int m2mv_hmac_sha256(const u8 *key, unsigned int key_len,
		     const struct kvec *vec, unsigned int nvec, u8 out[32])
{
	struct m2mv_tfm *tfm;
	SHASH_DESC_ON_STACK(desc, tfm->shash);
	unsigned int i;
	int ret;

	tfm = m2mv_tfm_get(M2MV_TFM_HMAC, key, key_len);
	if (IS_ERR(tfm)) {
		memzero_explicit(out, 32);
		return PTR_ERR(tfm);
	}

	desc->tfm = tfm->shash;
	ret = crypto_shash_init(desc);
	for (i = 0; !ret && i < nvec; i++)
		ret = crypto_shash_update(desc, vec[i].iov_base,
					  vec[i].iov_len);
	if (!ret)
		ret = crypto_shash_final(desc, out);

	shash_desc_zero(desc);
	m2mv_tfm_put(tfm);
	if (ret)
		memzero_explicit(out, 32);
	return ret;
}

/**
 * m2mv_dir_id() - the id a "dir" mode key is derived from
 * @path: the resource path (not NUL-terminated)
 * @path_len: bytes at @path
 * @instance: per-instance key instead of per-container
 * @id: out: start of the id, inside @path
 * @id_len: out: bytes of the id
 *
 * Per instance the id is the whole path. Per container it is the path up
 * to, not including, its last '/': "CSEBase/ae1/cnt1/cin1" gives
 * "CSEBase/ae1/cnt1". A path without any '/' is a container of its own and
 * gives the whole path; a path whose only '/' is the first byte ("/cin1")
 * lies in the root container, whose id is empty (length 0).
 */
void m2mv_dir_id(const char *path, u16 path_len, bool instance,
		 const char **id, u16 *id_len)
{
	u16 i;

	*id = path;
	*id_len = path_len;
	if (instance)
		return;
	for (i = path_len; i > 0; i--) {
		if (path[i - 1] == '/') {
			*id_len = i - 1;
			return;
		}
	}
}

/**
 * m2mv_kdf_dir_cek() - per-container or per-instance content key
 * @key: K_data_conf, the type-14 credential key
 * @id: the id from m2mv_dir_id()
 * @id_len: bytes at @id (may be 0)
 * @nonce: the record's derivation nonce
 * @cek: out: HMAC-SHA256(@key, "Data Confidentiality" || @id || @nonce);
 *	the caller wipes it after use
 *
 * Context: process context; may sleep.
 * Return: 0 or a negative errno from m2mv_hmac_sha256().
 */
int m2mv_kdf_dir_cek(const u8 key[32], const char *id, u16 id_len,
		     const u8 nonce[16], u8 cek[32])
{
	struct kvec vec[3] = {
		{ .iov_base = (void *)M2MV_KDF_DIR_LABEL,
		  .iov_len = sizeof(M2MV_KDF_DIR_LABEL) - 1 },
		{ .iov_base = (void *)id, .iov_len = id_len },
		{ .iov_base = (void *)nonce, .iov_len = 16 },
	};

	return m2mv_hmac_sha256(key, 32, vec, ARRAY_SIZE(vec), cek);
}

/* Known-answer tests, run once at load and then discarded. */
#include "selftest/kdf.c"
