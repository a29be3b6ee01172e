/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sealing and opening the payload of a PUT record in place, with the
 * kernel crypto API, in the record's mode:
 *
 *   wrap: fresh random CEK and IV; payload = AES-256-GCM(CEK, IV, AAD) and
 *         tag; ekey = AES-KW(credential key, CEK)          (JWE A256KW)
 *         or, with M2MV_RECF_RCPT, one such ekey per recipient's key,
 *         any of which opens the record
 *   dir:  CEK = m2mv_kdf_dir_cek(credential key, id, nonce), or with
 *         M2MV_RECF_DIRECT (ts0003 profile) the credential key itself;
 *         fresh random IV; AES-256-GCM as above            (JWE dir)
 *   mic:  payload stays clear; tag = HMAC-SHA256(credential key,
 *         ASCII(B64URL(hdr) "." B64URL(payload)))          (JWS HS256)
 *
 * AAD is ASCII(B64URL(protected header)), as JWE requires, so an exported
 * record verifies with any JOSE library. The record's head (mode, flags,
 * nonce, lengths), path and protected header must be final before sealing.
 *
 * Both work in place, in process context (they may sleep), and wipe the
 * payload if they fail. Errors: -EINVAL (not a PUT record of a sealing
 * mode), -EBADMSG (m2mv_open() only: the record does not verify under the
 * key, the only error that says something about the record), and
 * -ENOMEM/-ENOENT from the crypto API.
 */
#ifndef _M2MV_SEAL_H
#define _M2MV_SEAL_H

#include <linux/init.h>
#include <linux/types.h>

struct m2mv_rec;

int m2mv_seal(struct m2mv_rec *rec, const u8 key[32]);
int m2mv_seal_keys(struct m2mv_rec *rec, const u8 keys[][32], u8 n);
int m2mv_open(struct m2mv_rec *rec, const u8 key[32]);
int m2mv_open_as(struct m2mv_rec *rec, const u8 key[32], u8 idx);
int m2mv_open_cek(struct m2mv_rec *rec, const u8 key[32], u8 idx, u8 cek[32]);
int m2mv_seal_cek(struct m2mv_rec *rec, const u8 cek[32], const u8 key[32],
		  u8 idx);

/* RFC 3394 AES-256 key wrap of one 32-byte key: A || C, 40 bytes. */
int m2mv_kw_wrap(const u8 kek[32], const u8 key[32], u8 out[40]);
int m2mv_kw_unwrap(const u8 kek[32], const u8 in[40], u8 key[32]);

int __init m2mv_seal_selftest(void);

#endif /* _M2MV_SEAL_H */
