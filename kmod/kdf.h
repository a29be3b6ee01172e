/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Key derivation and MACs: HMAC-SHA256 through the kernel crypto API, and
 * the dir mode's per-container / per-instance key:
 *
 *	K = HMAC(K_data_conf, "Data Confidentiality" || id || nonce16)
 *
 * where K_data_conf is the type-14 credential key and id is the container
 * id (the path up to, not including, its last '/'; the whole path if it has
 * no '/'; empty for "/x") or, per instance, the whole path: m2mv_dir_id().
 *
 * All functions take a pooled crypto transform per call (tfm.c): process
 * context, may sleep, safe to call concurrently. They return 0 or a
 * negative errno of the crypto API (-ENOMEM, -ENOENT).
 */
#ifndef _M2MV_KDF_H
#define _M2MV_KDF_H

#include <linux/init.h>
#include <linux/types.h>
#include <linux/uio.h>

#define M2MV_KDF_DIR_LABEL	"Data Confidentiality"

int m2mv_hmac_sha256(const u8 *key, unsigned int key_len,
		     const struct kvec *vec, unsigned int nvec, u8 out[32]);

void m2mv_dir_id(const char *path, u16 path_len, bool instance,
		 const char **id, u16 *id_len);

int m2mv_kdf_dir_cek(const u8 key[32], const char *id, u16 id_len,
		     const u8 nonce[16], u8 cek[32]);

int __init m2mv_kdf_selftest(void);

#endif /* _M2MV_KDF_H */
