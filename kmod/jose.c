// SPDX-License-Identifier: GPL-2.0
/*
 * JOSE: BASE64URL (RFC 7515 section 2: RFC 4648 section 5 without '='
 * padding), the deterministic protected header of a PUT record, and the
 * JWE (RFC 7516 section 7) and JWS (RFC 7515 section 7) serializations
 * EXPORT makes of a record. Nothing here needs a key.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "m2mvault_private.h"
#include "jose.h"
#include "names.h"
#include "kdf.h"
#include "record.h"

/* ----------------------------------------------------------- BASE64URL */

static const char b64url_alphabet[64] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* For constants; 4 characters per 3 bytes, rounded up, is the same. */
#define B64URL_LEN(n)	(((n) * 4 + 2) / 3)

/**
 * m2mv_b64url_len() - characters of the BASE64URL encoding of @n bytes
 * @n: input bytes
 *
 * Return: 4 per 3 bytes, plus 2 or 3 for a trailing 1 or 2 bytes.
 */
size_t m2mv_b64url_len(size_t n)
{
	return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

/**
 * m2mv_b64url_encode() - BASE64URL without padding
 * @dst: out: m2mv_b64url_len(@n) characters, not NUL-terminated
 * @src: the bytes to encode
 * @n: bytes at @src
 *
 * Encoding consecutive pieces whose lengths, but for the last, are
 * multiples of 3 gives the encoding of their concatenation.
 *
 * Return: characters written.
 */
size_t m2mv_b64url_encode(char *dst, const u8 *src, size_t n)
{
	char *p = dst;
	u32 v;

	for (; n >= 3; n -= 3, src += 3) {
		v = (u32)src[0] << 16 | (u32)src[1] << 8 | src[2];
		*p++ = b64url_alphabet[v >> 18];
		*p++ = b64url_alphabet[(v >> 12) & 0x3f];
		*p++ = b64url_alphabet[(v >> 6) & 0x3f];
		*p++ = b64url_alphabet[v & 0x3f];
	}
	if (n) {
		v = (u32)src[0] << 16;
		if (n == 2)
			v |= (u32)src[1] << 8;
		*p++ = b64url_alphabet[v >> 18];
		*p++ = b64url_alphabet[(v >> 12) & 0x3f];
		if (n == 2)
			*p++ = b64url_alphabet[(v >> 6) & 0x3f];
	}
	return p - dst;
}

/* -------------------------------------------------------------- writer */

/*
 * Appends to a bounded buffer, or only counts: with @buf NULL, or once a
 * piece did not fit, nothing more is written but @pos keeps growing, so
 * @pos ends as the length the whole output needs.
 */
struct jw {
	char *buf;
	size_t size;
	size_t pos;
};

static bool jw_room(const struct jw *w, size_t n)
{
	return w->buf && w->pos <= w->size && n <= w->size - w->pos;
}

static void jw_mem(struct jw *w, const void *s, size_t n)
{
	if (jw_room(w, n))
		memcpy(w->buf + w->pos, s, n);
	w->pos += n;
}

static void jw_str(struct jw *w, const char *s)
{
	jw_mem(w, s, strlen(s));
}

static void jw_u64(struct jw *w, u64 v)
{
	char tmp[24];

	jw_mem(w, tmp, scnprintf(tmp, sizeof(tmp), "%llu", v));
}

static void jw_hex(struct jw *w, const u8 *src, size_t n)
{
	if (jw_room(w, 2 * n))
		bin2hex(w->buf + w->pos, src, n);
	w->pos += 2 * n;
}

/* Input bytes encoded between two chances to reschedule (a multiple of 3). */
#define JW_B64_CHUNK	(3 * 16384)

/*
 * BASE64URL of @n bytes. Payloads can be many MiB, so long inputs are
 * encoded in pieces with a cond_resched() between them.
 */
static void jw_b64(struct jw *w, const u8 *src, size_t n)
{
	size_t len = m2mv_b64url_len(n);
	size_t k;

	if (!jw_room(w, len)) {
		w->pos += len;
		return;
	}
	while (n) {
		k = min_t(size_t, n, JW_B64_CHUNK);
		w->pos += m2mv_b64url_encode(w->buf + w->pos, src, k);
		src += k;
		n -= k;
		if (n)
			cond_resched();
	}
}

/* ------------------------------------------------------ protected header */

/*
 * The header's fixed pieces. A record's header starts with one of the
 * J_PFX_* (up to and including the quote opening the kid), which is what
 * m2mv_jose_header_kid() recognises.
 */
#define J_PFX_WRAP	"{\"alg\":\"A256KW\",\"enc\":\"A256GCM\",\"kid\":\""
#define J_PFX_DIR	"{\"alg\":\"dir\",\"enc\":\"A256GCM\",\"kid\":\""
#define J_PFX_MIC	"{\"alg\":\"HS256\",\"kid\":\""
#define J_PFX_RCPT	"{\"enc\":\"A256GCM\",\"m2mv_path\":\""
#define J_PATH		"\",\"m2mv_path\":\""
#define J_VER		"\",\"m2mv_ver\":"
#define J_STORE		",\"m2mv_store\":\""
#define J_KDF		"\",\"m2mv_kdf\":\""
#define J_KDF_CONTAINER	"container"
#define J_KDF_INSTANCE	"instance"
#define J_NONCE		"\",\"m2mv_nonce\":\""
#define J_CRIT		"\",\"crit\":[\"m2mv_kdf\",\"m2mv_nonce\"]}"
#define J_END		"\"}"
#define J_RCPT		"\",\"m2mv_rcpt\":[\""
#define J_RCPT_SEP	"\",\""
#define J_RCPT_END	"\"]}"

#define J_U64_MAX_DIGITS	20	/* U64_MAX = 18446744073709551615 */

/* The longest header of each mode: 255-byte kid, longest path, U64_MAX. */
#define J_VAR_MAX	(M2MV_CREDID_MAX + M2MV_PATH_MAX + J_U64_MAX_DIGITS + \
			 2 * M2MV_STORE_ID_SIZE)
#define J_WRAP_MAX	(sizeof(J_PFX_WRAP J_PATH J_VER J_STORE J_END) - 1 + \
			 J_VAR_MAX)
#define J_DIR_MAX	(sizeof(J_PFX_DIR J_PATH J_VER J_STORE J_KDF	\
				J_KDF_CONTAINER J_NONCE J_CRIT) - 1 +	\
			 J_VAR_MAX + B64URL_LEN(M2MV_NONCE_SIZE))
#define J_MIC_MAX	(sizeof(J_PFX_MIC J_PATH J_VER J_STORE J_END) - 1 + \
			 J_VAR_MAX)
#define J_RCPT_MAX	(sizeof(J_PFX_RCPT J_VER J_STORE J_RCPT J_RCPT_END) - 1 + \
			 J_VAR_MAX - M2MV_CREDID_MAX +			\
			 M2MV_RECIPIENTS_MAX * M2MV_CREDID_MAX +		\
			 (M2MV_RECIPIENTS_MAX - 1) * (sizeof(J_RCPT_SEP) - 1))

/* A Credential-ID of 1 to M2MV_CREDID_MAX safe characters, or -EINVAL. */
static int kid_check(const char *kid, size_t len)
{
	unsigned int type;

	return m2mv_credid_parse(kid, len, &type);
}

static const char *mode_prefix(u8 mode)
{
	switch (mode) {
	case M2MV_MODE_WRAP:
		return J_PFX_WRAP;
	case M2MV_MODE_DIR:
		return J_PFX_DIR;
	case M2MV_MODE_MIC:
		return J_PFX_MIC;
	default:
		return NULL;
	}
}

/* The recipients of a header: 2 to M2MV_RECIPIENTS_MAX valid, distinct. */
static int rcpt_check(const struct m2mv_kids *k)
{
	unsigned int i, j;

	if (k->n < 2 || k->n > M2MV_RECIPIENTS_MAX)
		return -EINVAL;
	for (i = 0; i < k->n; i++) {
		if (kid_check(k->kid[i], strnlen(k->kid[i], M2MV_CREDID_MAX + 1)))
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (!strcmp(k->kid[i], k->kid[j]))
				return -EINVAL;
	}
	return 0;
}

/* m2mv_jose_header() of a wrap record of several recipients. */
static int jose_header_rcpt(struct jw *w, size_t size,
			    const struct m2mv_hdr_fields *f)
{
	unsigned int i;

	if (f->mode != M2MV_MODE_WRAP || f->instance || f->crit ||
	    f->direct || !f->path || !f->store_id || rcpt_check(f->rcpt))
		return -EINVAL;
	if (!m2mv_path_ok(f->path, f->path_len))
		return -EINVAL;

	jw_str(w, J_PFX_RCPT);
	jw_mem(w, f->path, f->path_len);
	jw_str(w, J_VER);
	jw_u64(w, f->version);
	jw_str(w, J_STORE);
	jw_hex(w, f->store_id, M2MV_STORE_ID_SIZE);
	jw_str(w, J_RCPT);
	for (i = 0; i < f->rcpt->n; i++) {
		if (i)
			jw_str(w, J_RCPT_SEP);
		jw_str(w, f->rcpt->kid[i]);
	}
	jw_str(w, J_RCPT_END);

	if (WARN_ON_ONCE(w->pos > M2MV_HDR_MAX))
		return -EINVAL;
	if (w->buf && w->pos > size)
		return -ENOSPC;
	return w->pos;
}

/**
 * m2mv_jose_header() - write the protected header of a PUT record
 * @buf: out: the header, not NUL-terminated; may be NULL if @size is 0
 * @size: bytes at @buf
 * @f: the fields; @f->kid must be a valid Credential-ID and @f->path 1 to
 *	M2MV_PATH_MAX bytes of [A-Za-z0-9._~/-], so nothing needs escaping
 *
 * The output is the JSON of jose.h, byte for byte. With @buf NULL or @size
 * 0 nothing is written and the length is returned. A header is never
 * longer than M2MV_HDR_MAX.
 *
 * Return: the header's length, -EINVAL for an invalid field, or -ENOSPC
 * if it does not fit @size (then @buf holds nothing useful).
 */
int m2mv_jose_header(char *buf, size_t size, const struct m2mv_hdr_fields *f)
{
	struct jw w = { .buf = size ? buf : NULL, .size = size };
	const char *pfx = mode_prefix(f->mode);
	size_t kid_len;

	BUILD_BUG_ON(J_WRAP_MAX > M2MV_HDR_MAX);
	BUILD_BUG_ON(J_DIR_MAX > M2MV_HDR_MAX);
	BUILD_BUG_ON(J_MIC_MAX > M2MV_HDR_MAX);
	BUILD_BUG_ON(J_RCPT_MAX > M2MV_HDR_MAX);
	BUILD_BUG_ON(sizeof(J_KDF_INSTANCE) > sizeof(J_KDF_CONTAINER));

	if (f->rcpt)
		return jose_header_rcpt(&w, size, f);
	if (!pfx || !f->kid || !f->path || !f->store_id)
		return -EINVAL;
	/* A seed dir key is derived with a nonce; a ts0003 one is not. */
	if (f->mode == M2MV_MODE_DIR ?
	    (f->direct ? f->instance || f->crit : !f->nonce) :
	    f->instance || f->crit || f->direct)
		return -EINVAL;
	kid_len = strnlen(f->kid, M2MV_CREDID_MAX + 1);
	if (kid_check(f->kid, kid_len))
		return -EINVAL;
	if (!m2mv_path_ok(f->path, f->path_len))
		return -EINVAL;

	jw_str(&w, pfx);
	jw_mem(&w, f->kid, kid_len);
	jw_str(&w, J_PATH);
	jw_mem(&w, f->path, f->path_len);
	jw_str(&w, J_VER);
	jw_u64(&w, f->version);
	jw_str(&w, J_STORE);
	jw_hex(&w, f->store_id, M2MV_STORE_ID_SIZE);
	if (f->mode == M2MV_MODE_DIR && !f->direct) {
		jw_str(&w, J_KDF);
		jw_str(&w, f->instance ? J_KDF_INSTANCE : J_KDF_CONTAINER);
		jw_str(&w, J_NONCE);
		jw_b64(&w, f->nonce, M2MV_NONCE_SIZE);
	}
	jw_str(&w, f->crit ? J_CRIT : J_END);

	if (WARN_ON_ONCE(w.pos > M2MV_HDR_MAX))
		return -EINVAL;
	if (w.buf && w.pos > size)
		return -ENOSPC;
	return w.pos;
}

/*
 * The recipient list of a header of several recipients (it starts with
 * J_PFX_RCPT): where its first kid starts, and the bytes from there to
 * the end of the header. Neither paths nor kids hold a '"', so the first
 * J_RCPT is the one; the caller's rebuild checks everything else.
 */
static const char *rcpt_list(const u8 *hdr, size_t len, size_t *rest)
{
	size_t plen = strlen(J_PFX_RCPT), mlen = strlen(J_RCPT);
	const char *p = (const char *)hdr + plen;
	const char *end = (const char *)hdr + len;

	if (len <= plen || memcmp(hdr, J_PFX_RCPT, plen))
		return NULL;
	for (; (size_t)(end - p) >= mlen; p++) {
		if (!memcmp(p, J_RCPT, mlen)) {
			*rest = end - p - mlen;
			return p + mlen;
		}
	}
	return NULL;
}

/*
 * The kid at *@p (of *@rest bytes to the header's end) into *@kid and its
 * length, and *@p, *@rest moved to the next one; *@last once the list and
 * the header end after it. Return: the kid's length, or -EBADMSG.
 */
static int rcpt_next(const char **p, size_t *rest, const char **kid,
		     bool *last)
{
	const char *q;
	size_t klen, after;

	*kid = *p;
	q = memchr(*kid, '"', min_t(size_t, *rest, M2MV_CREDID_MAX + 1));
	if (!q)
		return -EBADMSG;
	klen = q - *kid;
	if (kid_check(*kid, klen))
		return -EBADMSG;
	after = *rest - klen;		/* from the closing quote on */
	if (after == strlen(J_RCPT_END) && !memcmp(q, J_RCPT_END, after)) {
		*last = true;
	} else if (after > strlen(J_RCPT_SEP) &&
		   !memcmp(q, J_RCPT_SEP, strlen(J_RCPT_SEP))) {
		*last = false;
		*p = q + strlen(J_RCPT_SEP);
		*rest = after - strlen(J_RCPT_SEP);
	} else {
		return -EBADMSG;
	}
	return klen;
}

/**
 * m2mv_jose_header_kids() - the Credential-IDs a header the kernel wrote names
 * @hdr: the protected header as stored (not NUL-terminated)
 * @len: bytes at @hdr
 * @kids: out: its recipients in order (2 to M2MV_RECIPIENTS_MAX), or the
 *	one kid of any other header
 *
 * As strict as m2mv_jose_header_kid(); the caller checks the rest by
 * rebuilding the header.
 *
 * Return: 0, or -EBADMSG (and @kids->n is 0).
 */
int m2mv_jose_header_kids(const u8 *hdr, size_t len, struct m2mv_kids *kids)
{
	const char *p, *kid;
	size_t rest;
	bool last = false;
	int klen;

	kids->n = 0;
	p = rcpt_list(hdr, len, &rest);
	if (!p) {
		if (m2mv_jose_header_kid(hdr, len, kids->kid[0]))
			return -EBADMSG;
		kids->n = 1;
		return 0;
	}
	while (!last) {
		if (kids->n == M2MV_RECIPIENTS_MAX)
			goto bad;
		klen = rcpt_next(&p, &rest, &kid, &last);
		if (klen < 0)
			goto bad;
		memcpy(kids->kid[kids->n], kid, klen);
		kids->kid[kids->n][klen] = '\0';
		kids->n++;
	}
	if (kids->n >= 2)
		return 0;
bad:
	kids->n = 0;
	return -EBADMSG;
}

/**
 * m2mv_jose_header_kid() - the kid of a header the kernel wrote
 * @hdr: the protected header as stored (not NUL-terminated)
 * @len: bytes at @hdr
 * @kid: out: the Credential-ID, NUL-terminated
 *
 * Strict: @hdr must start with the exact prefix of one of the modes, up to
 * the kid's opening quote (or be a header of several recipients, whose
 * first kid it gives), and the kid must be a valid Credential-ID closed
 * by '"' and followed by ','. Only the kid is extracted: the caller checks
 * the rest by rebuilding the whole header with m2mv_jose_header() and
 * comparing.
 *
 * Return: 0, or -EBADMSG (and @kid is the empty string).
 */
int m2mv_jose_header_kid(const u8 *hdr, size_t len,
			 char kid[M2MV_CREDID_MAX + 1])
{
	static const char * const pfx[] = { J_PFX_WRAP, J_PFX_DIR, J_PFX_MIC };
	const char *start = NULL;
	const char *q;
	size_t i, plen, rest, klen;
	bool last;
	int n;

	kid[0] = '\0';
	/* Several recipients: the first. */
	q = rcpt_list(hdr, len, &rest);
	if (q) {
		n = rcpt_next(&q, &rest, &start, &last);
		if (n < 0 || last)
			return -EBADMSG;
		memcpy(kid, start, n);
		kid[n] = '\0';
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(pfx); i++) {
		plen = strlen(pfx[i]);
		if (len > plen && !memcmp(hdr, pfx[i], plen)) {
			start = (const char *)hdr + plen;
			break;
		}
	}
	if (!start)
		return -EBADMSG;

	rest = len - plen;
	q = memchr(start, '"', min_t(size_t, rest, M2MV_CREDID_MAX + 1));
	if (!q)
		return -EBADMSG;
	klen = q - start;
	/* The closing quote is followed by the next member's comma. */
	if (klen + 1 >= rest || q[1] != ',')
		return -EBADMSG;
	if (kid_check(start, klen))
		return -EBADMSG;
	memcpy(kid, start, klen);
	kid[klen] = '\0';
	return 0;
}

/* --------------------------------------------------------------- export */

/*
 * The General JSON serialization (RFC 7516 section 7.2.1) of a wrap record
 * of several recipients: one "recipients" entry per wrapped key, whose
 * per-recipient header names the recipient's alg and kid.
 */
static int jose_emit_general(struct jw *w, const struct m2mv_rec *rec)
{
	const struct m2mv_disk_rec *h = rec->head;
	u16 hlen = m2mv_rec_hdr_len(rec);
	u8 i, n = m2mv_rec_nkeys(rec);
	const char *p, *kid;
	bool last = false;
	size_t rest;
	int klen;

	p = rcpt_list(rec->hdr, hlen, &rest);
	if (!p)
		return -EINVAL;
	jw_str(w, "{\"protected\":\"");
	jw_b64(w, rec->hdr, hlen);
	jw_str(w, "\",\"recipients\":[");
	for (i = 0; i < n; i++) {
		klen = last ? -EBADMSG : rcpt_next(&p, &rest, &kid, &last);
		if (klen < 0)
			return -EINVAL;
		if (i)
			jw_str(w, ",");
		jw_str(w, "{\"header\":{\"alg\":\"A256KW\",\"kid\":\"");
		jw_mem(w, kid, klen);
		jw_str(w, "\"},\"encrypted_key\":\"");
		jw_b64(w, rec->ekey + (size_t)i * h->ekey_len, h->ekey_len);
		jw_str(w, "\"}");
	}
	/* The header names as many recipients as the record has keys. */
	if (!last)
		return -EINVAL;
	jw_str(w, "],\"iv\":\"");
	jw_b64(w, rec->iv, h->iv_len);
	jw_str(w, "\",\"ciphertext\":\"");
	jw_b64(w, rec->payload, m2mv_rec_payload_len(rec));
	jw_str(w, "\",\"tag\":\"");
	jw_b64(w, rec->tag, h->tag_len);
	jw_str(w, "\"}");
	return 0;
}

/* Write (or, with @w->buf NULL, measure) the serialization of @rec. */
static int jose_emit(struct jw *w, const struct m2mv_rec *rec, bool json)
{
	const struct m2mv_disk_rec *h = rec->head;
	u32 plen = m2mv_rec_payload_len(rec);
	u16 hlen = m2mv_rec_hdr_len(rec);

	if (h->type != M2MV_REC_PUT || !hlen)
		return -EINVAL;

	switch (h->mode) {
	case M2MV_MODE_WRAP:
	case M2MV_MODE_DIR:
		if (h->iv_len != M2MV_IV_SIZE ||
		    h->tag_len != M2MV_GCM_TAG_SIZE ||
		    h->ekey_len != (h->mode == M2MV_MODE_WRAP ?
				    M2MV_WRAPPED_KEY_SIZE : 0))
			return -EINVAL;
		/* Several recipients: General JSON only. */
		if (h->flags & M2MV_RECF_RCPT)
			return json ? jose_emit_general(w, rec) : -EINVAL;
		if (!json) {
			jw_b64(w, rec->hdr, hlen);
			jw_str(w, ".");
			jw_b64(w, rec->ekey, h->ekey_len);
			jw_str(w, ".");
			jw_b64(w, rec->iv, h->iv_len);
			jw_str(w, ".");
			jw_b64(w, rec->payload, plen);
			jw_str(w, ".");
			jw_b64(w, rec->tag, h->tag_len);
			return 0;
		}
		/* RFC 7516 section 7.2.1: no "encrypted_key" when empty. */
		jw_str(w, "{\"protected\":\"");
		jw_b64(w, rec->hdr, hlen);
		if (h->ekey_len) {
			jw_str(w, "\",\"encrypted_key\":\"");
			jw_b64(w, rec->ekey, h->ekey_len);
		}
		jw_str(w, "\",\"iv\":\"");
		jw_b64(w, rec->iv, h->iv_len);
		jw_str(w, "\",\"ciphertext\":\"");
		jw_b64(w, rec->payload, plen);
		jw_str(w, "\",\"tag\":\"");
		jw_b64(w, rec->tag, h->tag_len);
		jw_str(w, "\"}");
		return 0;

	case M2MV_MODE_MIC:
		if (h->iv_len || h->ekey_len ||
		    h->tag_len != M2MV_HS256_TAG_SIZE)
			return -EINVAL;
		if (!json) {
			jw_b64(w, rec->hdr, hlen);
			jw_str(w, ".");
			jw_b64(w, rec->payload, plen);
			jw_str(w, ".");
			jw_b64(w, rec->tag, h->tag_len);
			return 0;
		}
		jw_str(w, "{\"payload\":\"");
		jw_b64(w, rec->payload, plen);
		jw_str(w, "\",\"protected\":\"");
		jw_b64(w, rec->hdr, hlen);
		jw_str(w, "\",\"signature\":\"");
		jw_b64(w, rec->tag, h->tag_len);
		jw_str(w, "\"}");
		return 0;

	default:
		return -EINVAL;
	}
}

/**
 * m2mv_jose_export_len() - bytes m2mv_jose_export() will write
 * @rec: a mapped PUT record
 * @json: flattened JSON serialization instead of compact (General JSON
 *	for a record of several recipients)
 *
 * Return: the length, or -EINVAL if @rec is not a PUT record of a mode
 * with a JOSE form, or asks for compact and has several recipients.
 */
ssize_t m2mv_jose_export_len(const struct m2mv_rec *rec, bool json)
{
	struct jw w = {};
	int ret;

	ret = jose_emit(&w, rec, json);
	if (ret)
		return ret;
	return w.pos;
}

/**
 * m2mv_jose_export() - serialize a PUT record as JWE (wrap, dir) or JWS (mic)
 * @rec: a mapped PUT record
 * @json: flattened JSON serialization instead of compact (General JSON
 *	for a record of several recipients, which has no compact form)
 * @out: out: the serialization, not NUL-terminated; allocated by the
 *	caller (kvmalloc: it can be about 4/3 of a 16 MiB payload)
 * @size: bytes at @out
 *
 * Context: process context; may sleep (reschedules while encoding).
 * Return: bytes written, -EOVERFLOW if @size is smaller than
 * m2mv_jose_export_len() (nothing is written then), or -EINVAL as there.
 */
ssize_t m2mv_jose_export(const struct m2mv_rec *rec, bool json, char *out,
			 size_t size)
{
	struct jw w = { .buf = out, .size = size };
	ssize_t need;
	int ret;

	need = m2mv_jose_export_len(rec, json);
	if (need < 0)
		return need;
	if ((size_t)need > size || !out)
		return -EOVERFLOW;
	ret = jose_emit(&w, rec, json);
	if (ret)
		return ret;
	if (WARN_ON_ONCE(w.pos != need))
		return -EINVAL;
	return w.pos;
}

/* Known-answer tests, run once at load and then discarded. */
#include "selftest/jose.c"
