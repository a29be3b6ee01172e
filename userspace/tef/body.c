// SPDX-License-Identifier: GPL-2.0
/*
 * Request and response bodies of m2m-tefd (JSON, jansson). A register
 * body is checked member by member: an object with "types" and one of
 * "lifetime" and "expires", and optionally "targets", "suid", "labels"
 * and "admin"; an update has some of "lifetime" or "expires", "targets"
 * and "labels". No duplicate member, no other member, each of the right
 * JSON type and within its limits (Documentation/tef.rst).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "common/b64url.h"
#include "tef/tef.h"

static int id_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' ||
	       c == '/' || c == '-';
}

int tef_id_ok(const char *s)
{
	size_t n, i;

	if (!s)
		return 0;
	n = strnlen(s, TEF_ID_MAX + 1);
	if (n == 0 || n > TEF_ID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!id_char_ok((unsigned char)s[i]))
			return 0;
	return 1;
}

void tef_id_print(char *buf, size_t size, const uint8_t *s, size_t len)
{
	size_t n = len > TEF_ID_MAX ? TEF_ID_MAX : len, i;

	if (size < TEF_ID_MAX + 4) {
		if (size)
			buf[0] = '\0';
		return;
	}
	if (!s || !len) {
		strcpy(buf, "-");
		return;
	}
	for (i = 0; i < n; i++)
		buf[i] = id_char_ok(s[i]) ? (char)s[i] : '?';
	if (len > n)
		strcpy(buf + n, "...");
	else
		buf[n] = '\0';
}

static int parse_targets(json_t *v, struct tef_reg_req *req, const char **why)
{
	size_t i, j;
	json_t *t;

	if (!json_is_array(v)) {
		*why = "targets must be an array";
		return -EINVAL;
	}
	if (json_array_size(v) > M2MV_TEF_MAX_TARGETS) {
		*why = "too many targets";
		return -EINVAL;
	}
	json_array_foreach(v, i, t) {
		const char *s = json_string_value(t);

		if (!json_is_string(t) || strlen(s) != json_string_length(t) ||
		    !tef_id_ok(s)) {
			*why = "a target is not an AE-ID";
			return -EINVAL;
		}
		for (j = 0; j < i; j++)
			if (!strcmp(req->targets[j], s)) {
				*why = "a target is repeated";
				return -EINVAL;
			}
		strcpy(req->targets[i], s);
	}
	req->n_targets = json_array_size(v);
	req->has_targets = 1;
	return 0;
}

static int parse_labels(json_t *v, struct tef_reg_req *req, const char **why)
{
	size_t i, j;
	json_t *t;

	if (!json_is_array(v) || json_array_size(v) > M2MV_TEF_MAX_LABELS) {
		*why = "labels must be an array of at most 8 labels";
		return -EINVAL;
	}
	json_array_foreach(v, i, t) {
		const char *s = json_string_value(t);

		if (!json_is_string(t) || strlen(s) != json_string_length(t) ||
		    !m2mv_tef_label_ok(s)) {
			*why = "a label is not 1 to 64 of [A-Za-z0-9._:/=+@-]";
			return -EINVAL;
		}
		for (j = 0; j < i; j++)
			if (!strcmp(req->labels[j], s)) {
				*why = "a label is repeated";
				return -EINVAL;
			}
		strcpy(req->labels[i], s);
	}
	req->n_labels = json_array_size(v);
	req->has_labels = 1;
	return 0;
}

static int parse_types(json_t *v, struct tef_reg_req *req, const char **why)
{
	unsigned int seen = 0, bit;
	json_int_t t;
	size_t i;
	json_t *e;

	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > M2MV_TEF_MAX_TYPES) {
		*why = "types must be an array of 1 to 3 types";
		return -EINVAL;
	}
	json_array_foreach(v, i, e) {
		if (!json_is_integer(e)) {
			*why = "a type is not an integer";
			return -EINVAL;
		}
		t = json_integer_value(e);
		if (t != 14 && t != 15 && t != 16) {
			*why = "types are 14, 15 or 16";
			return -EINVAL;
		}
		bit = 1U << (t - 14);
		if (seen & bit) {
			*why = "a type is repeated";
			return -EINVAL;
		}
		seen |= bit;
		req->types[i] = (unsigned int)t;
	}
	if ((seen & 3) == 3) {
		*why = "types 14 and 15 share one key: register them apart";
		return -EINVAL;
	}
	req->n_types = json_array_size(v);
	return 0;
}

/* "lifetime" (seconds) or "expires" (unix seconds), not both. */
static int parse_expiry(json_t *root, int required, struct tef_reg_req *req,
			const char **why)
{
	json_t *l = json_object_get(root, "lifetime");
	json_t *e = json_object_get(root, "expires");

	if (l && e) {
		*why = "lifetime and expires exclude each other";
		return -EINVAL;
	}
	if (!l && !e) {
		*why = "lifetime or expires missing";
		return required ? -EINVAL : 0;
	}
	if (l && (!json_is_integer(l) || json_integer_value(l) < 1 ||
		  json_integer_value(l) > M2MV_TEF_MAX_LIFETIME)) {
		*why = "lifetime must be 1 to 31536000 seconds";
		return -EINVAL;
	}
	if (e && (!json_is_integer(e) || json_integer_value(e) < 1)) {
		*why = "expires must be a time in seconds since the epoch";
		return -EINVAL;
	}
	if (l)
		req->lifetime = (unsigned int)json_integer_value(l);
	else
		req->expires = (time_t)json_integer_value(e);
	return 0;
}

static int parse_suid(json_t *v, struct tef_reg_req *req, const char **why)
{
	size_t i;

	if (!json_is_integer(v) ||
	    (json_integer_value(v) != M2MV_TEF_SUID_ESDATA_AE &&
	     json_integer_value(v) != M2MV_TEF_SUID_ESDATA_SIG)) {
		*why = "suid must be 24 or 25 (ESData keys provisioned by the TEF)";
		return -EINVAL;
	}
	req->suid = (unsigned int)json_integer_value(v);
	for (i = 0; i < req->n_types; i++)
		if (m2mv_tef_suid_of(req->types[i]) != req->suid) {
			*why = "suid 24 is for types 14 and 15, 25 for type 16";
			return -EINVAL;
		}
	return 0;
}

static int parse_admin(json_t *v, struct tef_reg_req *req, const char **why)
{
	const char *s = json_string_value(v);

	if (!json_is_string(v) || strlen(s) != json_string_length(v) ||
	    !m2mv_tef_fqdn_ok(s)) {
		*why = "admin must be an FQDN";
		return -EINVAL;
	}
	strcpy(req->admin, s);
	return 0;
}

/* Parse @data into a JSON object whose members are all in @known. */
static json_t *load_object(const uint8_t *data, size_t len,
			   const char *const *known, const char **why)
{
	json_t *root, *v;
	const char *k;
	size_t i;

	*why = "not a JSON object";
	if (!data || !len)
		return NULL;
	/* Strict: duplicate members, NUL in strings, trailing text refused. */
	root = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES,
			  NULL);
	if (!json_is_object(root)) {
		json_decref(root);
		return NULL;
	}
	json_object_foreach(root, k, v) {
		for (i = 0; known[i] && strcmp(k, known[i]); i++)
			;
		if (!known[i]) {
			*why = "unknown member";
			json_decref(root);
			return NULL;
		}
	}
	return root;
}

int tef_parse_register(const uint8_t *data, size_t len,
		       struct tef_reg_req *req, const char **why)
{
	static const char *const known[] = {
		"targets", "lifetime", "expires", "types", "suid", "labels",
		"admin", NULL,
	};
	json_t *root, *v;
	int ret = -EINVAL;

	memset(req, 0, sizeof(*req));
	if (len > TEF_BODY_MAX) {
		*why = "body larger than 4096 bytes";
		return -E2BIG;
	}
	root = load_object(data, len, known, why);
	if (!root)
		return -EINVAL;
	if (parse_expiry(root, 1, req, why))
		goto out;
	v = json_object_get(root, "targets");
	if (v && parse_targets(v, req, why))
		goto out;
	v = json_object_get(root, "types");
	if (!v) {
		*why = "types missing";
		goto out;
	}
	if (parse_types(v, req, why))
		goto out;
	v = json_object_get(root, "suid");
	if (v && parse_suid(v, req, why))
		goto out;
	v = json_object_get(root, "labels");
	if (v && parse_labels(v, req, why))
		goto out;
	v = json_object_get(root, "admin");
	if (v && parse_admin(v, req, why))
		goto out;
	ret = 0;
	*why = NULL;
out:
	json_decref(root);
	if (ret)
		memset(req, 0, sizeof(*req));
	return ret;
}

int tef_parse_update(const uint8_t *data, size_t len,
		     struct tef_reg_req *req, const char **why)
{
	static const char *const known[] = {
		"targets", "lifetime", "expires", "labels", NULL,
	};
	json_t *root, *v;
	int ret = -EINVAL;

	memset(req, 0, sizeof(*req));
	if (len > TEF_BODY_MAX) {
		*why = "body larger than 4096 bytes";
		return -E2BIG;
	}
	root = load_object(data, len, known, why);
	if (!root)
		return -EINVAL;
	if (parse_expiry(root, 0, req, why))
		goto out;
	v = json_object_get(root, "targets");
	if (v && parse_targets(v, req, why))
		goto out;
	v = json_object_get(root, "labels");
	if (v && parse_labels(v, req, why))
		goto out;
	if (!req->lifetime && !req->expires && !req->has_targets &&
	    !req->has_labels) {
		*why = "nothing to update: lifetime, expires, targets or labels";
		goto out;
	}
	ret = 0;
	*why = NULL;
out:
	json_decref(root);
	if (ret)
		memset(req, 0, sizeof(*req));
	return ret;
}

char *tef_register_reply(const struct tef_reg_out *o)
{
	char s[M2MV_B64URL_BUFSZ(M2MV_SALT_LEN)];
	char *text = NULL;
	json_t *root, *arr;
	size_t i;

	if (m2mv_b64url_encode(s, sizeof(s), o->salt, M2MV_SALT_LEN))
		return NULL;
	arr = json_array();
	if (!arr)
		return NULL;
	for (i = 0; i < o->n; i++)
		if (json_array_append_new(arr, json_pack("{s:i,s:i,s:s}",
							 "type",
							 (int)o->types[i],
							 "suid",
							 (int)o->suids[i],
							 "id", o->ids[i]))) {
			json_decref(arr);
			return NULL;
		}
	/* "o" hands arr over to root, also when json_pack() fails. */
	root = json_pack("{s:s,s:s,s:I,s:s,s:s,s:o}", "keid", o->keid,
			 "salt", s, "expires", (json_int_t)o->expires, "owner",
			 o->owner, "admin", o->admin, "credentials", arr);
	if (root)
		text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return text;
}

char *tef_jwk(const char *credid, unsigned int type,
	      const uint8_t key[M2MV_KEY_LEN], time_t expires)
{
	char k[M2MV_B64URL_BUFSZ(M2MV_KEY_LEN)];
	const char *alg = type == 14 ? "dir" : type == 15 ? "A256KW" : "HS256";
	char *text = NULL;
	json_t *root, *kv;

	if (m2mv_b64url_encode(k, sizeof(k), key, M2MV_KEY_LEN))
		return NULL;
	root = json_pack("{s:s,s:s,s:s,s:s,s:I}", "kty", "oct", "kid", credid,
			 "alg", alg, "k", k, "exp", (json_int_t)expires);
	OPENSSL_cleanse(k, sizeof(k));
	if (!root)
		return NULL;
	text = json_dumps(root, JSON_COMPACT);
	/* jansson keeps its own copy of "k": wipe it before freeing. */
	kv = json_object_get(root, "k");
	if (kv)
		OPENSSL_cleanse((char *)json_string_value(kv),
				json_string_length(kv));
	json_decref(root);
	return text;
}
