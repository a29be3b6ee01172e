/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Authorization by possession: the credential key that seals or opens a
 * record is looked up in the calling task's own keyrings, in the context of
 * the ioctl, and validated on every operation.
 */
#ifndef _M2MV_CRED_H
#define _M2MV_CRED_H

#include <linux/types.h>
#include <linux/m2mvault.h>

/* The mode <-> Credential-ID type map: wrap 15, dir 14, mic 16. */
int m2mv_cred_type_for_mode(u8 mode);
int m2mv_cred_mode_for_type(unsigned int type);
int m2mv_cred_get(const char *kid, u8 mode, u8 key[M2MV_KEY_SIZE]);

/*
 * A key's identifier: HMAC-SHA256(key, "m2mvault key identifier v1"), the
 * first M2MV_KEY_ID_SIZE bytes. Anyone may add a key under any
 * description; only the holder of the key bytes has the key's identifier.
 */
#define M2MV_KEY_ID_SIZE	16
int m2mv_cred_key_id(const u8 key[M2MV_KEY_SIZE], u8 id[M2MV_KEY_ID_SIZE]);

#endif /* _M2MV_CRED_H */
