// SPDX-License-Identifier: GPL-2.0
/* Exported records for the consumer: parse, check, open; see record.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jose/jose.h>
#include <openssl/crypto.h>

#include "common/b64url.h"
#include "common/credid.h"
#include "consumer/record.h"

#define ERR(msg)	do { *why = (msg); return -EINVAL; } while (0)

static int b64url_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return 0;
	return 1;
}

static int path_ok(const char *p)
{
	size_t n = strlen(p), i;

	if (!n || n > M2MV_PATH_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= 'a' && p[i] <= 'z') ||
		      (p[i] >= '0' && p[i] <= '9') || p[i] == '.' || p[i] == '_' ||
		      p[i] == '~' || p[i] == '/' || p[i] == '-'))
			return 0;
	return 1;
}

/*
 * The compact serialization as the flattened JSON object libjose takes:
 * three parts are a JWS, five a JWE (an empty encrypted key, as with
 * "dir", is left out, RFC 7516 section 7.2.1).
 */
static json_t *from_compact(const char *text, size_t len, const char **why)
{
	static const char *const jws[] = { "protected", "payload", "signature" };
	static const char *const jwe[] = { "protected", "encrypted_key", "iv",
					   "ciphertext", "tag" };
	const char *const *names;
	const char *part[5];
	size_t plen[5], n = 0, i;
	json_t *obj;
	char *copy;

	part[0] = text;
	for (i = 0; i < len; i++) {
		if (text[i] != '.')
			continue;
		if (n == 4) {
			*why = "more than five dot-separated parts";
			return NULL;
		}
		plen[n] = (size_t)(text + i - part[n]);
		part[++n] = text + i + 1;
	}
	plen[n] = (size_t)(text + len - part[n]);
	n++;
	if (n != 3 && n != 5) {
		*why = "neither a compact JWS (3 parts) nor a compact JWE (5 parts)";
		return NULL;
	}
	names = n == 3 ? jws : jwe;
	obj = json_object();
	for (i = 0; obj && i < n; i++) {
		if (n == 5 && i == 1 && !plen[i])
			continue;
		copy = strndup(part[i], plen[i]);
		if (!copy || !b64url_ok(copy) ||
		    json_object_set_new(obj, names[i], json_string(copy))) {
			*why = copy ? "a part is not BASE64URL" : "out of memory";
			free(copy);
			json_decref(obj);
			return NULL;
		}
		free(copy);
	}
	if (!obj)
		*why = "out of memory";
	return obj;
}

/* The members of a flattened serialization m2mvault writes, and no other. */
static int members_ok(const json_t *obj, enum consume_mode mode,
		      const char **why)
{
	static const char *const jws[] = { "protected", "payload", "signature",
					   NULL };
	static const char *const jwe[] = { "protected", "encrypted_key", "iv",
					   "ciphertext", "tag", NULL };
	const char *const *names = mode == CONSUME_MIC ? jws : jwe;
	const char *key, *ek;
	const json_t *v;
	size_t i;

	if (mode == CONSUME_MIC ? !!json_object_get(obj, "ciphertext") :
	    !!json_object_get(obj, "payload"))
		ERR(mode == CONSUME_MIC ? "an HS256 (JWS) header on a JWE" :
		    "a JWE header (A256KW or dir) on a JWS");
	json_object_foreach((json_t *)obj, key, v) {
		for (i = 0; names[i] && strcmp(names[i], key); i++)
			;
		if (!names[i])
			ERR(mode == CONSUME_MIC ?
			    "a JWS member m2mvault does not write (only protected, payload, signature)" :
			    "a JWE member m2mvault does not write (no unprotected headers, aad or recipients)");
		if (!json_is_string(v) || !b64url_ok(json_string_value(v)))
			ERR("a member is not a BASE64URL string");
	}
	for (i = 0; names[i]; i++)
		if (strcmp(names[i], "encrypted_key") &&
		    !json_object_get(obj, names[i]))
			ERR(mode == CONSUME_MIC ? "the JWS lacks payload or signature" :
			    "the JWE lacks iv, ciphertext or tag");
	/* A256GCM: a 96-bit IV and a 128-bit tag, or nothing can verify. */
	if (mode != CONSUME_MIC &&
	    strlen(json_string_value(json_object_get(obj, "iv"))) != 16)
		ERR("the JWE's IV is not 96 bits (A256GCM takes a 12-byte IV)");
	if (mode != CONSUME_MIC &&
	    strlen(json_string_value(json_object_get(obj, "tag"))) != 22)
		ERR("the JWE's tag is not 128 bits (A256GCM writes a 16-byte tag)");
	ek = json_string_value(json_object_get(obj, "encrypted_key"));
	if (mode == CONSUME_WRAP && (!ek || !*ek))
		ERR("an A256KW JWE without an encrypted key");
	if (mode == CONSUME_DIR && ek && *ek)
		ERR("a dir JWE with an encrypted key");
	return 0;
}

static json_t *decode_header(const json_t *obj, const char **why)
{
	const char *p = json_string_value(json_object_get(obj, "protected"));
	json_t *hdr = NULL;
	uint8_t *raw;
	long n;

	if (!p || !*p) {
		*why = "no protected header";
		return NULL;
	}
	raw = malloc(strlen(p));
	if (!raw) {
		*why = "out of memory";
		return NULL;
	}
	n = m2mv_b64url_decode(raw, strlen(p), p);
	if (n > 0)
		hdr = json_loadb((const char *)raw, (size_t)n,
				 JSON_REJECT_DUPLICATES, NULL);
	free(raw);
	if (!json_is_object(hdr)) {
		json_decref(hdr);
		*why = "the protected header is not a JSON object (without duplicate members)";
		return NULL;
	}
	return hdr;
}

static int header_ok(struct consume_record *rec, const char **why)
{
	static const unsigned int want_type[] = {
		[CONSUME_WRAP] = M2MV_CRED_TYPE_ESDATA_WRAP,
		[CONSUME_DIR] = M2MV_CRED_TYPE_ESDATA_DIRECT,
		[CONSUME_MIC] = M2MV_CRED_TYPE_ESDATA_HMAC,
	};
	const json_t *h = rec->hdr, *enc = json_object_get(h, "enc");
	const json_t *path = json_object_get(h, "m2mv_path");
	const char *kdf, *nonce;
	const json_t *crit;
	unsigned int type;

	rec->alg = json_string_value(json_object_get(h, "alg"));
	rec->kid = json_string_value(json_object_get(h, "kid"));
	if (!rec->alg)
		ERR("the protected header has no alg");
	if (!strcmp(rec->alg, "A256KW"))
		rec->mode = CONSUME_WRAP;
	else if (!strcmp(rec->alg, "dir"))
		rec->mode = CONSUME_DIR;
	else if (!strcmp(rec->alg, "HS256"))
		rec->mode = CONSUME_MIC;
	else
		ERR("alg is none of A256KW, dir, HS256");
	if (rec->mode == CONSUME_MIC ? enc != NULL :
	    !json_is_string(enc) || strcmp(json_string_value(enc), "A256GCM"))
		ERR(rec->mode == CONSUME_MIC ? "a JWS header with enc" :
		    "enc is not A256GCM");
	if (json_object_get(h, "zip") || json_object_get(h, "b64"))
		ERR("the header has zip or b64, which m2mvault never writes");
	if (!rec->kid || m2mv_credid_parse(rec->kid, &type))
		ERR("kid is not a Credential-ID");
	if (type != want_type[rec->mode])
		ERR("the kid's credential type does not match the alg (14 dir, 15 A256KW, 16 HS256)");
	if (path && (!json_is_string(path) ||
		     !path_ok(json_string_value(path))))
		ERR("m2mv_path is not a resource path");
	rec->path = json_string_value(path);
	crit = json_object_get(h, "crit");
	if (rec->mode != CONSUME_DIR) {
		if (crit)
			ERR("crit in a header other than a seed dir one, which m2mvault never writes");
		return 0;
	}

	/* ts0003 profile: the credential key is the content key. */
	if (!json_object_get(h, "m2mv_kdf") &&
	    !json_object_get(h, "m2mv_nonce")) {
		if (crit)
			ERR("crit in a dir header without m2mv_kdf");
		rec->direct = 1;
		return 0;
	}
	if (json_unpack(rec->hdr, "{s:s,s:s}", "m2mv_kdf", &kdf,
			"m2mv_nonce", &nonce) || !rec->path)
		ERR("a dir header without m2mv_path, m2mv_kdf or m2mv_nonce");
	/* Records written since crit came list the derivation's members. */
	if (crit && (!json_is_array(crit) || json_array_size(crit) != 2 ||
		     !json_is_string(json_array_get(crit, 0)) ||
		     !json_is_string(json_array_get(crit, 1)) ||
		     strcmp(json_string_value(json_array_get(crit, 0)),
			    "m2mv_kdf") ||
		     strcmp(json_string_value(json_array_get(crit, 1)),
			    "m2mv_nonce")))
		ERR("crit is not [\"m2mv_kdf\",\"m2mv_nonce\"]");
	if (!strcmp(kdf, "instance"))
		rec->instance = 1;
	else if (strcmp(kdf, "container"))
		ERR("m2mv_kdf is neither container nor instance");
	if (m2mv_b64url_decode(rec->nonce, sizeof(rec->nonce), nonce) !=
	    M2MV_NONCE_LEN)
		ERR("m2mv_nonce is not 16 bytes");
	return 0;
}

/* One recipient of the General JSON serialization: its kid, or NULL. */
static const char *rcpt_ok(const json_t *r, const char **why)
{
	const json_t *h = json_object_get(r, "header");
	const json_t *ek = json_object_get(r, "encrypted_key");
	const char *alg, *kid;
	unsigned int type;

	if (!json_is_object(r) || json_object_size(r) != 2 ||
	    !json_is_object(h) || json_object_size(h) != 2 ||
	    !json_is_string(ek)) {
		*why = "a recipient other than {\"header\":{alg, kid},\"encrypted_key\":...}";
		return NULL;
	}
	if (json_unpack((json_t *)h, "{s:s,s:s}", "alg", &alg, "kid", &kid) ||
	    strcmp(alg, "A256KW")) {
		*why = "a recipient whose alg is not A256KW";
		return NULL;
	}
	if (m2mv_credid_parse(kid, &type) ||
	    type != M2MV_CRED_TYPE_ESDATA_WRAP) {
		*why = "a recipient's kid is not a type-15 Credential-ID";
		return NULL;
	}
	if (!*json_string_value(ek) || !b64url_ok(json_string_value(ek))) {
		*why = "a recipient's encrypted key is empty or not BASE64URL";
		return NULL;
	}
	return kid;
}

/*
 * The General JSON serialization of a wrap record of several recipients:
 * exactly protected, recipients (2 to CONSUME_RCPT_MAX), iv, ciphertext
 * and tag, and a protected header without alg and kid whose "m2mv_rcpt"
 * names the recipients' kids in their order.
 */
static int general_ok(struct consume_record *rec, const char **why)
{
	static const char *const names[] = { "protected", "recipients", "iv",
					     "ciphertext", "tag", NULL };
	const json_t *obj = rec->general, *rs, *list, *v, *path;
	const json_t *enc;
	const char *key;
	size_t i;

	json_object_foreach((json_t *)obj, key, v) {
		for (i = 0; names[i] && strcmp(names[i], key); i++)
			;
		if (!names[i])
			ERR("a JWE member m2mvault does not write (no unprotected headers or aad)");
		if (i != 1 && (!json_is_string(v) ||
			       !b64url_ok(json_string_value(v))))
			ERR("a member is not a BASE64URL string");
	}
	for (i = 0; names[i]; i++)
		if (!json_object_get(obj, names[i]))
			ERR("the JWE lacks protected, recipients, iv, ciphertext or tag");
	if (strlen(json_string_value(json_object_get(obj, "iv"))) != 16)
		ERR("the JWE's IV is not 96 bits (A256GCM takes a 12-byte IV)");
	if (strlen(json_string_value(json_object_get(obj, "tag"))) != 22)
		ERR("the JWE's tag is not 128 bits (A256GCM writes a 16-byte tag)");
	rs = json_object_get(obj, "recipients");
	if (!json_is_array(rs) || json_array_size(rs) < 2 ||
	    json_array_size(rs) > CONSUME_RCPT_MAX)
		ERR("recipients is not an array of 2 to 8");
	for (i = 0; i < json_array_size(rs); i++) {
		rec->rcpt[i] = rcpt_ok(json_array_get(rs, i), why);
		if (!rec->rcpt[i])
			return -EINVAL;
	}
	rec->nrcpt = json_array_size(rs);

	rec->hdr = decode_header(obj, why);
	if (!rec->hdr)
		return -EINVAL;
	enc = json_object_get(rec->hdr, "enc");
	if (!json_is_string(enc) || strcmp(json_string_value(enc), "A256GCM"))
		ERR("enc is not A256GCM");
	if (json_object_get(rec->hdr, "alg") || json_object_get(rec->hdr, "kid"))
		ERR("alg or kid in the protected header of several recipients (RFC 7516 7.2.1: they are per recipient)");
	if (json_object_get(rec->hdr, "zip") || json_object_get(rec->hdr, "b64") ||
	    json_object_get(rec->hdr, "crit"))
		ERR("the header has zip, b64 or crit, which m2mvault never writes");
	list = json_object_get(rec->hdr, "m2mv_rcpt");
	if (!json_is_array(list) || json_array_size(list) != rec->nrcpt)
		ERR("m2mv_rcpt does not list the recipients");
	for (i = 0; i < rec->nrcpt; i++)
		if (!json_is_string(json_array_get(list, i)) ||
		    strcmp(json_string_value(json_array_get(list, i)),
			   rec->rcpt[i]))
			ERR("m2mv_rcpt does not list the recipients in their order");
	path = json_object_get(rec->hdr, "m2mv_path");
	if (path && (!json_is_string(path) ||
		     !path_ok(json_string_value(path))))
		ERR("m2mv_path is not a resource path");
	rec->path = json_string_value(path);
	rec->mode = CONSUME_WRAP;
	rec->alg = "A256KW";
	return consume_record_pick(rec, 0) ? -ENOMEM : 0;
}

int consume_record_pick(struct consume_record *rec, size_t i)
{
	const json_t *g = rec->general;
	const json_t *r;
	json_t *flat;

	if (i >= rec->nrcpt)
		return -EINVAL;
	r = json_array_get(json_object_get(g, "recipients"), i);
	flat = json_pack("{s:O,s:O,s:O,s:O,s:O,s:O}",
			 "protected", json_object_get(g, "protected"),
			 "header", json_object_get(r, "header"),
			 "encrypted_key", json_object_get(r, "encrypted_key"),
			 "iv", json_object_get(g, "iv"),
			 "ciphertext", json_object_get(g, "ciphertext"),
			 "tag", json_object_get(g, "tag"));
	if (!flat)
		return -ENOMEM;
	json_decref(rec->jose);
	rec->jose = flat;
	rec->kid = rec->rcpt[i];
	return 0;
}

int consume_record_parse(const char *text, size_t len,
			 struct consume_record *rec, const char **why)
{
	int ret;

	memset(rec, 0, sizeof(*rec));
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' ||
		       text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	if (!len)
		ERR("empty input");
	if (text[0] == '{') {
		rec->jose = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
		if (!json_is_object(rec->jose))
			ERR("not a JSON object (nor a compact serialization)");
		if (json_object_get(rec->jose, "signatures"))
			ERR("the general JSON serialization of a JWS; m2mvault exports the flattened one");
		/* Several recipients: the general serialization. */
		if (json_object_get(rec->jose, "recipients")) {
			rec->general = rec->jose;
			rec->jose = NULL;
			return general_ok(rec, why);
		}
	} else {
		rec->compact = 1;
		rec->jose = from_compact(text, len, why);
		if (!rec->jose)
			return -EINVAL;
	}
	rec->hdr = decode_header(rec->jose, why);
	if (!rec->hdr)
		return -EINVAL;
	ret = header_ok(rec, why);
	if (!ret)
		ret = members_ok(rec->jose, rec->mode, why);
	return ret;
}

static json_t *oct_jwk(const uint8_t key[M2MV_KEY_LEN], const char *alg)
{
	char k[M2MV_B64URL_BUFSZ(M2MV_KEY_LEN)];
	json_t *jwk;

	if (m2mv_b64url_encode(k, sizeof(k), key, M2MV_KEY_LEN))
		return NULL;
	jwk = json_pack("{s:s,s:s,s:s}", "kty", "oct", "alg", alg, "k", k);
	OPENSSL_cleanse(k, sizeof(k));
	return jwk;
}

/* Drop a JWK (or a libjose CEK object) after wiping its "k". */
static void wipe_jwk(json_t *jwk)
{
	json_t *k = json_object_get(jwk, "k");

	if (json_is_string(k))
		OPENSSL_cleanse((char *)json_string_value(k),
				json_string_length(k));
	json_decref(jwk);
}

int consume_jwk_key(const struct consume_record *rec, const json_t *jwk,
		    uint8_t key[M2MV_KEY_LEN], const char **why)
{
	const char *kty = json_string_value(json_object_get(jwk, "kty"));
	const char *kid = json_string_value(json_object_get(jwk, "kid"));
	const char *alg = json_string_value(json_object_get(jwk, "alg"));
	const char *k = json_string_value(json_object_get(jwk, "k"));

	OPENSSL_cleanse(key, M2MV_KEY_LEN);
	*why = NULL;
	if (!kty || strcmp(kty, "oct"))
		*why = "the TEF's JWK is not a symmetric (oct) key";
	else if (json_object_get(jwk, "kid") && (!kid || strcmp(kid, rec->kid)))
		*why = "the TEF's JWK is for another credential";
	else if (json_object_get(jwk, "alg") && (!alg || strcmp(alg, rec->alg)))
		*why = "the TEF's JWK is for another algorithm than the record's";
	else if (!k || strlen(k) != 43 ||
		 m2mv_b64url_decode(key, M2MV_KEY_LEN, k) != M2MV_KEY_LEN)
		*why = "the TEF's JWK is not a 256-bit key";
	if (!*why)
		return 0;
	OPENSSL_cleanse(key, M2MV_KEY_LEN);
	return -EPROTO;
}

int consume_record_unwraps(const struct consume_record *rec,
			   const uint8_t key[M2MV_KEY_LEN])
{
	json_t *jwk, *cek;

	if (rec->mode != CONSUME_WRAP)
		return -EINVAL;
	jwk = oct_jwk(key, "A256KW");
	if (!jwk)
		return -ENOMEM;
	cek = jose_jwe_dec_jwk(NULL, rec->jose, NULL, jwk);
	wipe_jwk(jwk);
	if (!cek)
		return -EBADMSG;
	wipe_jwk(cek);
	return 0;
}

int consume_record_pick_key(struct consume_record *rec,
			    const uint8_t key[M2MV_KEY_LEN], const char *kid,
			    size_t *index)
{
	size_t i;
	int ret = -EBADMSG;

	if (index)
		*index = 0;
	if (!rec->nrcpt) {
		if (kid && strcmp(kid, rec->kid))
			return -ENOENT;
		return rec->mode == CONSUME_WRAP ?
		       consume_record_unwraps(rec, key) : 0;
	}
	for (i = 0; i < rec->nrcpt; i++) {
		if (kid && strcmp(kid, rec->rcpt[i]))
			continue;
		ret = consume_record_pick(rec, i);
		if (!ret)
			ret = consume_record_unwraps(rec, key);
		if (ret != -EBADMSG || kid)
			break;
	}
	if (i == rec->nrcpt && kid)
		return -ENOENT;
	if (!ret && index)
		*index = i;
	return ret;
}

/* JWE: unwrap (A256KW) or take (dir) the CEK, then AES-256-GCM. */
static int open_jwe(const struct consume_record *rec, const json_t *jwk,
		    uint8_t **pt, size_t *ptl)
{
	const char *ct = json_string_value(json_object_get(rec->jose,
							   "ciphertext"));
	jose_io_t *out = NULL, *dec = NULL, *in = NULL;
	size_t size = strlen(ct) / 4 * 3 + 3, len = size;
	json_t *cek;
	uint8_t *buf;
	int ok;

	cek = jose_jwe_dec_jwk(NULL, rec->jose, NULL, jwk);
	if (!cek)
		return -EBADMSG;	/* A256KW's integrity check failed */
	buf = malloc(size);
	if (!buf) {
		wipe_jwk(cek);
		return -ENOMEM;
	}
	/* The plaintext streams into @buf before the tag is checked: it is
	 * used only if done() succeeds, and wiped otherwise. */
	out = jose_io_buffer(NULL, buf, &len);
	dec = out ? jose_jwe_dec_cek_io(NULL, rec->jose, cek, out) : NULL;
	in = dec ? jose_b64_dec_io(dec) : NULL;
	ok = in && in->feed(in, ct, strlen(ct)) && in->done(in);
	jose_io_decref(in);
	jose_io_decref(dec);
	jose_io_decref(out);
	wipe_jwk(cek);
	if (!ok) {
		OPENSSL_cleanse(buf, size);
		free(buf);
		return -EBADMSG;
	}
	*pt = buf;
	*ptl = len;
	return 0;
}

static int open_jws(const struct consume_record *rec, const json_t *jwk,
		    uint8_t **pt, size_t *ptl)
{
	const char *p = json_string_value(json_object_get(rec->jose,
							  "payload"));
	uint8_t *buf;
	long n;

	if (!jose_jws_ver(NULL, rec->jose, NULL, jwk, false))
		return -EBADMSG;
	buf = malloc(strlen(p) / 4 * 3 + 3);
	if (!buf)
		return -ENOMEM;
	n = m2mv_b64url_decode(buf, strlen(p) / 4 * 3 + 3, p);
	if (n < 0) {
		free(buf);
		return n == -ENOMEM ? -ENOMEM : -EBADMSG;
	}
	*pt = buf;
	*ptl = (size_t)n;
	return 0;
}

int consume_record_open(const struct consume_record *rec,
			const uint8_t key[M2MV_KEY_LEN], uint8_t **pt,
			size_t *ptl)
{
	uint8_t cek[M2MV_KEY_LEN];
	json_t *jwk = NULL;
	size_t id_len;
	int ret;

	*pt = NULL;
	*ptl = 0;
	switch (rec->mode) {
	case CONSUME_DIR:
		/* libjose names a dir key by its content encryption. */
		if (rec->direct) {
			jwk = oct_jwk(key, "A256GCM");
			break;
		}
		/* The record's key, as the kernel derived it (kmod/kdf.c). */
		ret = m2mv_kdf_dir_id(rec->path, rec->instance, &id_len);
		if (!ret)
			ret = m2mv_kdf_dir_conf(key, rec->path, id_len,
						rec->nonce, cek);
		if (ret)
			return -EINVAL;
		jwk = oct_jwk(cek, "A256GCM");
		OPENSSL_cleanse(cek, sizeof(cek));
		break;
	case CONSUME_WRAP:
		jwk = oct_jwk(key, "A256KW");
		break;
	case CONSUME_MIC:
		jwk = oct_jwk(key, "HS256");
		break;
	}
	if (!jwk)
		return -ENOMEM;
	if (rec->mode == CONSUME_MIC)
		ret = open_jws(rec, jwk, pt, ptl);
	else
		ret = open_jwe(rec, jwk, pt, ptl);
	wipe_jwk(jwk);
	return ret;
}

json_t *consume_record_summary(const struct consume_record *rec,
			       const uint8_t *pt, size_t ptl)
{
	static const char *const copy[][2] = {
		{ "kid", "kid" }, { "alg", "alg" }, { "enc", "enc" },
		{ "m2mv_path", "path" }, { "m2mv_ver", "version" },
		{ "m2mv_store", "store" }, { "m2mv_kdf", "keys" },
	};
	json_t *obj = json_object(), *v;
	char *b64;
	size_t i;
	int bad = !obj;

	for (i = 0; !bad && i < sizeof(copy) / sizeof(copy[0]); i++) {
		v = json_object_get(rec->hdr, copy[i][0]);
		if (v)
			bad = json_object_set(obj, copy[i][1], v);
	}
	/* Several recipients: the one opened, and how many there are. */
	if (!bad && rec->nrcpt)
		bad = json_object_set_new(obj, "kid", json_string(rec->kid)) ||
		      json_object_set_new(obj, "alg", json_string(rec->alg)) ||
		      json_object_set_new(obj, "recipients",
					  json_integer((json_int_t)rec->nrcpt));
	if (!bad && rec->mode == CONSUME_DIR)
		bad = json_object_set_new(obj, "profile", json_string(
				rec->direct ? "ts0003" : "seed"));
	if (!bad)
		bad = json_object_set_new(obj, "form", json_string(
				rec->compact ? "compact" :
				rec->nrcpt ? "general" : "json")) ||
		      json_object_set_new(obj, "size",
					  json_integer((json_int_t)ptl));
	b64 = bad ? NULL : malloc(M2MV_B64URL_BUFSZ(ptl));
	if (!b64 || m2mv_b64url_encode(b64, M2MV_B64URL_BUFSZ(ptl), pt, ptl) ||
	    json_object_set_new(obj, "payload", json_string(b64)))
		bad = 1;
	if (b64) {
		OPENSSL_cleanse(b64, strlen(b64));
		free(b64);
	}
	/* json_stringn() refuses text that is not valid UTF-8. */
	v = bad ? NULL : json_stringn((const char *)pt, ptl);
	if (v && json_object_set_new(obj, "text", v))
		bad = 1;
	if (bad) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

void consume_record_free(struct consume_record *rec)
{
	json_decref(rec->hdr);
	json_decref(rec->jose);
	json_decref(rec->general);
	OPENSSL_cleanse(rec, sizeof(*rec));
}
