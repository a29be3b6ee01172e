/* SPDX-License-Identifier: GPL-2.0 */
/*
 * JOSE: the protected header the kernel writes for every PUT record, and the
 * JWE/JWS serializations EXPORT produces from a record without a key.
 *
 * The header is deterministic JSON: the same fields always give the same
 * bytes, so a reader checks a stored header by rebuilding it from what it
 * expects and comparing. Paths and Credential-IDs are validated to
 * characters that need no JSON escaping.
 *
 *   wrap: {"alg":"A256KW","enc":"A256GCM","kid":K,"m2mv_path":P,
 *          "m2mv_ver":V,"m2mv_store":S}
 *   dir:  {"alg":"dir","enc":"A256GCM","kid":K,"m2mv_path":P,"m2mv_ver":V,
 *          "m2mv_store":S,"m2mv_kdf":"container"|"instance","m2mv_nonce":N,
 *          "crit":["m2mv_kdf","m2mv_nonce"]}
 *   dir, ts0003 profile (the key is the content key):
 *         {"alg":"dir","enc":"A256GCM","kid":K,"m2mv_path":P,"m2mv_ver":V,
 *          "m2mv_store":S}
 *   mic:  {"alg":"HS256","kid":K,"m2mv_path":P,"m2mv_ver":V,"m2mv_store":S}
 *   wrap, several recipients (M2MV_RECF_RCPT):
 *         {"enc":"A256GCM","m2mv_path":P,"m2mv_ver":V,"m2mv_store":S,
 *          "m2mv_rcpt":[K1,...,Kn]}
 *
 * with no white space. K and P are JSON strings (kid and path verbatim),
 * V the record version as a decimal JSON number, S the store id as a JSON
 * string of 32 lowercase hex digits, N the dir nonce in BASE64URL. A seed
 * dir header lists its derivation members in "crit" (RFC 7516 section
 * 4.1.13), so that a reader that does not know the derivation refuses the
 * record rather than failing its tag; dir records written before that
 * have no "crit", and their headers are rebuilt without it. The id a
 * dir key is derived from is not repeated: it is m2mv_path itself
 * ("instance") or m2mv_path up to its last '/' ("container"; see
 * m2mv_dir_id()). Stating it would double the path and the longest header
 * (255-byte kid, M2MV_PATH_MAX path) would no longer fit M2MV_HDR_MAX.
 *
 * A header of several recipients has neither "alg" nor "kid": RFC 7516
 * section 7.2.1 wants the member names of the protected, shared
 * unprotected and per-recipient headers disjoint, and each recipient's
 * "alg" and "kid" go into its per-recipient header in the General JSON
 * serialization, the only one such a record has. "m2mv_rcpt" lists the
 * recipients in the order of their wrapped keys, n from 2 to
 * M2MV_RECIPIENTS_MAX, all distinct; it binds the list under the tag.
 *
 * m2mv_jose_header() returns the length, -EINVAL for a bad field or
 * -ENOSPC; m2mv_jose_header_kid() (the first recipient's kid of a header
 * of several) and m2mv_jose_header_kids() return 0 or -EBADMSG;
 * m2mv_jose_export_len() returns the length or -EINVAL;
 * m2mv_jose_export() returns the bytes written, -EOVERFLOW or -EINVAL,
 * into a buffer the caller allocates, and may sleep.
 */
#ifndef _M2MV_JOSE_H
#define _M2MV_JOSE_H

#include <linux/init.h>
#include <linux/types.h>
#include <linux/m2mvault.h>

#include "names.h"

struct m2mv_rec;

struct m2mv_hdr_fields {
	u8 mode;			/* enum m2mv_mode, not NONE */
	bool instance;			/* dir: per-instance key */
	bool crit;			/* dir, seed: list the kdf in crit */
	bool direct;			/* dir, ts0003: no derivation members */
	const char *kid;		/* NUL-terminated Credential-ID */
	const struct m2mv_kids *rcpt;	/* wrap, RCPT: 2 or more, else NULL */
	const char *path;
	u16 path_len;
	u64 version;
	const u8 *store_id;		/* M2MV_STORE_ID_SIZE bytes */
	const u8 *nonce;		/* dir, seed: M2MV_NONCE_SIZE bytes */
};

int m2mv_jose_header(char *buf, size_t size, const struct m2mv_hdr_fields *f);
int m2mv_jose_header_kid(const u8 *hdr, size_t len,
			 char kid[M2MV_CREDID_MAX + 1]);
int m2mv_jose_header_kids(const u8 *hdr, size_t len, struct m2mv_kids *kids);

size_t m2mv_b64url_len(size_t n);
size_t m2mv_b64url_encode(char *dst, const u8 *src, size_t n);

ssize_t m2mv_jose_export_len(const struct m2mv_rec *rec, bool json);
ssize_t m2mv_jose_export(const struct m2mv_rec *rec, bool json, char *out,
			 size_t size);

int __init m2mv_jose_selftest(void);

#endif /* _M2MV_JOSE_H */
