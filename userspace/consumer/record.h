/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An exported m2mvault record as the consumer (m2m-consume) takes it: the
 * JWE or JWS that "m2mvault export" prints, compact or flattened JSON
 * (Documentation/uapi.rst), with the protected header the kernel writes
 * (kmod/jose.c):
 *
 *   wrap  {"alg":"A256KW","enc":"A256GCM","kid":"15-...",m2mv_*}
 *   dir   {"alg":"dir","enc":"A256GCM","kid":"14-...",m2mv_*,
 *          "m2mv_kdf":"container"|"instance","m2mv_nonce":"<16 bytes>"
 *          [,"crit":["m2mv_kdf","m2mv_nonce"]]}           (seed profile)
 *   dir   {"alg":"dir","enc":"A256GCM","kid":"14-...",m2mv_*} (ts0003)
 *   mic   {"alg":"HS256","kid":"16-...",m2mv_*}
 *   wrap, several recipients, in the General JSON serialization only:
 *         {"enc":"A256GCM",m2mv_*,"m2mv_rcpt":["15-...",...]}, each
 *         recipient's {"alg":"A256KW","kid":...} in its own header
 *
 * where m2mv_* is "m2mv_path", "m2mv_ver" and "m2mv_store". Anything else
 * is refused before a key is fetched: another alg or enc, a kid whose
 * credential type does not match the alg, "zip", "b64", a "crit" other
 * than the seed dir header's, unprotected
 * headers, the general JSON serialization of anything but a wrap record of
 * several recipients, unknown members.
 *
 * Opening takes the credential key the TEF returns for the kid (for dir,
 * K_data_conf; in the seed profile the record's CEK is derived from it as
 * the kernel did, in the ts0003 profile it is the CEK itself) and
 * decrypts or verifies with libjose. A record of several recipients is
 * opened as one of them (consume_record_pick()): the consumer takes the
 * first whose credential the TEF gives it, or with a key of its own
 * (--key-file) the one named, else the first whose encrypted key that key
 * unwraps (consume_record_pick_key()).
 */
#ifndef M2MV_CONSUMER_RECORD_H
#define M2MV_CONSUMER_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/kdf.h"

/* Recipients of a wrap record (M2MV_RECIPIENTS_MAX in the kernel). */
#define CONSUME_RCPT_MAX	8

enum consume_mode {
	CONSUME_WRAP,	/* JWE A256KW + A256GCM, credential type 15 */
	CONSUME_DIR,	/* JWE dir + A256GCM, credential type 14 */
	CONSUME_MIC,	/* JWS HS256, credential type 16 */
};

struct consume_record {
	json_t *jose;		/* the flattened JSON serialization (of the
				 * recipient picked, for several) */
	json_t *general;	/* several recipients: the input */
	size_t nrcpt;		/* several recipients: how many, else 0 */
	const char *rcpt[CONSUME_RCPT_MAX];	/* their kids, in @general */
	json_t *hdr;		/* its protected header, decoded */
	enum consume_mode mode;
	int compact;		/* the input was the compact serialization */
	const char *kid;	/* these point into @hdr */
	const char *alg;
	const char *path;	/* "m2mv_path", or NULL if absent */
	int instance;		/* dir: per-instance key */
	int direct;		/* dir, ts0003: the key is the CEK */
	uint8_t nonce[M2MV_NONCE_LEN];	/* dir: "m2mv_nonce" */
};

/**
 * consume_record_parse() - parse and check an exported record
 * @text: the input, compact or flattened JSON (trailing white space is
 *	ignored); not modified
 * @len: bytes at @text
 * @rec: out; release with consume_record_free(), also after a failure
 * @why: out: on failure, what is wrong (a static string)
 *
 * Return: 0, -EINVAL for anything that is not an m2mvault export,
 * -ENOMEM.
 */
int consume_record_parse(const char *text, size_t len,
			 struct consume_record *rec, const char **why);

/**
 * consume_record_pick() - open a record of several recipients as one
 * @rec: a parsed record with @rec->nrcpt recipients
 * @i: which, from 0
 *
 * Sets @rec->kid and @rec->jose (the flattened serialization with that
 * recipient's header and encrypted key) for consume_jwk_key() and
 * consume_record_open().
 *
 * Return: 0, -EINVAL (no such recipient), -ENOMEM.
 */
int consume_record_pick(struct consume_record *rec, size_t i);

/**
 * consume_record_unwraps() - whether @key unwraps the encrypted key of
 * @rec's recipient (the one picked, for several): RFC 3394's integrity
 * check, without decrypting the content
 * @key: a candidate key encryption key (A256KW)
 *
 * Return: 0 it does; -EBADMSG it does not; -EINVAL not a wrap record;
 * -ENOMEM.
 */
int consume_record_unwraps(const struct consume_record *rec,
			   const uint8_t key[M2MV_KEY_LEN]);

/**
 * consume_record_pick_key() - the recipient a key of unknown credential
 * opens (m2m-consume --key-file): for a record of several recipients,
 * the one named @kid, or without @kid the first whose encrypted key
 * @key unwraps, picked (consume_record_pick()); a record of one kid is
 * taken as it is (a wrap record only if @key unwraps its encrypted key)
 * @rec: a parsed record
 * @key: the key
 * @kid: the Credential-ID the key is for, or NULL
 * @index: out (may be NULL): the recipient picked, from 0 (0 for a record
 *	of one kid)
 *
 * For dir and mic records nothing is checked but @kid: whether @key is
 * the kid's shows only when consume_record_open() authenticates.
 *
 * Return: 0; -ENOENT when @kid is not the record's kid nor one of its
 * recipients; -EBADMSG when @key unwraps none of the encrypted keys it
 * was tried on; -ENOMEM.
 */
int consume_record_pick_key(struct consume_record *rec,
			    const uint8_t key[M2MV_KEY_LEN], const char *kid,
			    size_t *index);

/**
 * consume_jwk_key() - the 256-bit key of the JWK the TEF returned for
 * @rec's kid, after checking that the JWK is meant for it: "kty" "oct",
 * "kid" (if present) equal to the record's, "alg" (if present) equal to
 * the record's alg
 * @key: out; wiped on failure
 *
 * Return: 0 or -EPROTO (@why says why).
 */
int consume_jwk_key(const struct consume_record *rec, const json_t *jwk,
		    uint8_t key[M2MV_KEY_LEN], const char **why);

/**
 * consume_record_open() - verify and decrypt (JWE) or verify (JWS)
 * @key: the credential key of @rec's kid
 * @pt: out: the plaintext (JWE) or payload (JWS), malloc'd, at least one
 *	byte even when @ptl is 0; the caller wipes and frees it
 * @ptl: out: its length
 *
 * Nothing is returned unless the tag or MAC verified.
 *
 * Return: 0; -EBADMSG when authentication fails (wrong key, a modified
 * record); -EINVAL for dir parameters the kernel would not write; -ENOMEM.
 */
int consume_record_open(const struct consume_record *rec,
			const uint8_t key[M2MV_KEY_LEN], uint8_t **pt,
			size_t *ptl);

/**
 * consume_record_summary() - what --json prints: the record's kid, alg,
 * enc, path, version, store and (dir) key scope, and the plaintext as
 * "payload" (BASE64URL) and, when it is valid UTF-8, "text"
 *
 * Return: a new JSON object, or NULL for lack of memory.
 */
json_t *consume_record_summary(const struct consume_record *rec,
			       const uint8_t *pt, size_t ptl);

/** consume_record_free() - release what consume_record_parse() took */
void consume_record_free(struct consume_record *rec);

#endif /* M2MV_CONSUMER_RECORD_H */
