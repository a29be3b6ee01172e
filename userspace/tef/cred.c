// SPDX-License-Identifier: GPL-2.0
/*
 * The TEF's operations on credentials, free of any transport: register
 * (the requesting enrolee becomes the owner), update its registration
 * (the owner), retrieve (the owner or a target of the credential's ACP)
 * and revoke, which is the de-registration (the owner). server.c turns
 * a struct tef_reply into a CoAP response and a log line.
 *
 * Order of the checks on retrieval: existence, then the ACP, then revoked
 * and expired, so that an AE outside the ACP learns nothing but that the
 * credential exists.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "tef/tef.h"

static void fail(struct tef_reply *r, unsigned int code, const char *why)
{
	r->code = code;
	r->why = why;
}

void tef_reply_clear(struct tef_reply *r)
{
	if (r->json) {
		if (r->secret)
			OPENSSL_cleanse(r->json, r->json_len);
		free(r->json);
	}
	memset(r, 0, sizeof(*r));
}

int tef_fqdn_ok(const char *fqdn)
{
	static const uint8_t zero[M2MV_EXPORTER_LEN];
	char id[M2MV_CREDID_BUFSZ];
	struct m2mv_ke ke;
	int ret;

	if (!fqdn || strlen(fqdn) > TEF_FQDN_MAX)
		return 0;
	ret = m2mv_kdf_split_exporter(zero, fqdn, &ke);
	if (!ret)
		ret = m2mv_kdf_credid(id, sizeof(id), 16, ke.keid, zero, fqdn);
	OPENSSL_cleanse(&ke, sizeof(ke));
	return !ret;
}

int tef_assign_parse(const char *s, enum tef_assign *a)
{
	static const char *const names[] = {
		[TEF_ASSIGN_SEED] = "seed",
		[TEF_ASSIGN_RANDOM] = "random",
		[TEF_ASSIGN_TEST_MALFORMED] = "test-malformed",
		[TEF_ASSIGN_TEST_WRONG_TYPE] = "test-wrong-type",
		[TEF_ASSIGN_TEST_DUPLICATE] = "test-duplicate",
		[TEF_ASSIGN_TEST_FOREIGN] = "test-foreign",
	};
	size_t i;

	for (i = 0; s && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i])) {
			*a = (enum tef_assign)i;
			return 0;
		}
	return -EINVAL;
}

/* A JSON array of @n strings of @size bytes each, as stored. */
static char *strings_json(const char *v, size_t size, size_t n)
{
	json_t *arr = json_array();
	char *text;
	size_t i;

	if (!arr)
		return NULL;
	for (i = 0; i < n; i++)
		if (json_array_append_new(arr, json_string(v + i * size))) {
			json_decref(arr);
			return NULL;
		}
	text = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	return text;
}

/* The Credential-ID of a credential of @type, as @o says to choose it. */
static int assign_id(const struct tef_opts *o, const struct m2mv_ke *ke,
		     const uint8_t salt[M2MV_SALT_LEN], unsigned int type,
		     char id[M2MV_CREDID_BUFSZ])
{
	char value[2 * 16 + 1 + TEF_FQDN_MAX + 1];
	static const char hexd[] = "0123456789abcdef";
	uint8_t rel[16];
	size_t i;

	if (o->assign != TEF_ASSIGN_RANDOM)
		return m2mv_kdf_credid(id, M2MV_CREDID_BUFSZ, type, ke->keid,
				       salt, o->fqdn);
	/* A fresh RelativeKeyID; a collision fails the row's PRIMARY KEY. */
	if (RAND_bytes(rel, sizeof(rel)) != 1)
		return -EIO;
	for (i = 0; i < sizeof(rel); i++) {
		value[2 * i] = hexd[rel[i] >> 4];
		value[2 * i + 1] = hexd[rel[i] & 15];
	}
	snprintf(value + 32, sizeof(value) - 32, "@%s", o->fqdn);
	return m2mv_credid_format(id, M2MV_CREDID_BUFSZ, type, value);
}

/* Derive and store one credential per type, all or nothing. */
static int store(sqlite3 *db, const struct tef_opts *o,
		 const struct m2mv_ke *ke, const char *owner,
		 const struct tef_reg_req *rr,
		 const uint8_t salt[M2MV_SALT_LEN], time_t expires,
		 const char *admin, char *targets, char *labels,
		 char ids[][M2MV_CREDID_BUFSZ], unsigned int *suids)
{
	struct tef_cred c;
	int ret = 0;
	size_t i;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return -EIO;
	for (i = 0; !ret && i < rr->n_types; i++) {
		memset(&c, 0, sizeof(c));
		c.type = rr->types[i];
		c.suid = m2mv_tef_suid_of(c.type);
		snprintf(c.owner, sizeof(c.owner), "%s", owner);
		snprintf(c.admin, sizeof(c.admin), "%s", admin);
		c.expires = expires;
		c.targets = targets;
		c.labels = labels;
		suids[i] = c.suid;
		ret = assign_id(o, ke, salt, c.type, ids[i]);
		if (!ret)
			ret = m2mv_kdf_credential_key(ke->ke, salt, c.type,
						      c.key);
		if (!ret) {
			snprintf(c.id, sizeof(c.id), "%s", ids[i]);
			ret = tef_db_cred_add(db, &c, ke->keid);
		}
		OPENSSL_cleanse(c.key, sizeof(c.key));
	}
	if (ret || sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return ret ? ret : -EIO;
	}
	return 0;
}

/*
 * The TEST_* modes: the credentials are stored as SEED made them; the
 * reply says something else, which the client must refuse.
 */
static size_t mangle(enum tef_assign a, const char *fqdn,
		     unsigned int *types, unsigned int *suids,
		     char ids[][M2MV_CREDID_BUFSZ], size_t n)
{
	char *at;

	switch (a) {
	case TEF_ASSIGN_TEST_MALFORMED:
		snprintf(ids[0], M2MV_CREDID_BUFSZ, "%u-not a key id@%s",
			 types[0], fqdn);
		break;
	case TEF_ASSIGN_TEST_WRONG_TYPE:
		ids[0][1] = types[0] == 16 ? '5' : '6';
		break;
	case TEF_ASSIGN_TEST_DUPLICATE:
		/* The first one again, in place of the last or after it. */
		if (n == 1)
			n++;
		types[n - 1] = types[0];
		suids[n - 1] = suids[0];
		memcpy(ids[n - 1], ids[0], M2MV_CREDID_BUFSZ);
		break;
	case TEF_ASSIGN_TEST_FOREIGN:
		at = strchr(ids[0], '@');
		if (at)
			snprintf(at, M2MV_CREDID_BUFSZ - (size_t)(at - ids[0]),
				 "@other.example.com");
		break;
	default:
		break;
	}
	return n;
}

/* The expiry a request asks for, checked against @now. */
static int expiry_of(const struct tef_reg_req *rr, time_t now, time_t *out,
		     const char **why)
{
	if (rr->lifetime) {
		*out = now + (time_t)rr->lifetime;
		return 0;
	}
	if (rr->expires <= now ||
	    rr->expires > now + (time_t)M2MV_TEF_MAX_LIFETIME) {
		*why = "expires must be within the next 31536000 seconds";
		return -EINVAL;
	}
	*out = rr->expires;
	return 0;
}

void tef_register(sqlite3 *db, const struct tef_opts *o,
		  const struct m2mv_ke *ke, const char *owner,
		  const uint8_t *body, size_t len, time_t now,
		  struct tef_reply *r)
{
	/* One more than stored: TEF_ASSIGN_TEST_DUPLICATE may add one. */
	char ids[TEF_REG_MAX_CREDS + 1][M2MV_CREDID_BUFSZ];
	unsigned int suids[TEF_REG_MAX_CREDS + 1], types[TEF_REG_MAX_CREDS + 1];
	uint8_t salt[M2MV_SALT_LEN];
	struct tef_reg_out out;
	struct tef_reg_req rr;
	char *targets = NULL, *labels = NULL;
	const char *why, *admin;
	time_t expires;
	size_t i, n;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = tef_parse_register(body, len, &rr, &why);
	if (ret) {
		fail(r, ret == -E2BIG ? 413 : 400, why);
		return;
	}
	/* parse_types() refuses 14 with 15: two credentials at most. */
	if (rr.n_types > TEF_REG_MAX_CREDS) {
		fail(r, 400, "types 14 and 15 share one key: register them apart");
		return;
	}
	if (expiry_of(&rr, now, &expires, &why)) {
		fail(r, 400, why);
		return;
	}
	admin = rr.admin[0] ? rr.admin : o->admin ? o->admin : o->fqdn;
	if (RAND_bytes(salt, sizeof(salt)) != 1) {
		fail(r, 500, "no random numbers");
		return;
	}
	targets = strings_json(rr.targets[0], sizeof(rr.targets[0]),
			       rr.n_targets);
	labels = strings_json(rr.labels[0], sizeof(rr.labels[0]), rr.n_labels);
	if (!targets || !labels) {
		fail(r, 500, "out of memory");
		goto out;
	}
	if (store(db, o, ke, owner, &rr, salt, expires, admin, targets, labels,
		  ids, suids)) {
		fail(r, 500, "database error");
		goto out;
	}
	memcpy(types, rr.types, rr.n_types * sizeof(types[0]));
	n = mangle(o->assign, o->fqdn, types, suids, ids, rr.n_types);
	out = (struct tef_reg_out){
		.keid = ke->keid, .salt = salt, .expires = expires,
		.owner = owner, .admin = admin, .types = types,
		.suids = suids, .ids = ids, .n = n,
	};
	r->json = tef_register_reply(&out);
	if (!r->json) {
		/* Stored but not told: the owner registers again. */
		fail(r, 500, "out of memory");
		goto out;
	}
	r->json_len = strlen(r->json);
	r->code = 201;
	n = (size_t)snprintf(r->note, sizeof(r->note), "registered");
	for (i = 0; i < rr.n_types && n < sizeof(r->note); i++)
		n += (size_t)snprintf(r->note + n, sizeof(r->note) - n, "%s%s",
				      i ? "," : " ", ids[i]);
	if (n < sizeof(r->note))
		snprintf(r->note + n, sizeof(r->note) - n,
			 " owner %s expires %lld targets %zu labels %zu admin %s",
			 owner, (long long)expires, rr.n_targets, rr.n_labels,
			 admin);
out:
	OPENSSL_cleanse(salt, sizeof(salt));
	free(targets);
	free(labels);
}

/*
 * The update's reply: the new expiry if the request had one. Targets and
 * labels are kept as asked and not echoed: 32 AE-IDs would not fit one
 * CoAP message.
 */
static char *update_reply(const struct tef_reg_req *u, time_t expires)
{
	json_t *root = json_object();
	char *text = NULL;

	if (root && (u->lifetime || u->expires) &&
	    json_object_set_new(root, "expires",
				json_integer((json_int_t)expires))) {
		json_decref(root);
		return NULL;
	}
	if (root)
		text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return text;
}

void tef_update(sqlite3 *db, const char *id, const char *ae,
		const uint8_t *body, size_t len, time_t now,
		struct tef_reply *r)
{
	char *targets = NULL, *labels = NULL;
	struct tef_reg_req u;
	struct tef_cred c;
	time_t expires = 0;
	const char *why;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = tef_parse_update(body, len, &u, &why);
	if (ret) {
		fail(r, ret == -E2BIG ? 413 : 400, why);
		return;
	}
	ret = tef_db_cred_get(db, id, &c);
	if (ret) {
		fail(r, ret == -ENOENT ? 404 : 500,
		     ret == -ENOENT ? "unknown credential" : "database error");
		return;
	}
	if (strcmp(c.owner, ae)) {
		fail(r, 403, "only the owner may update a registration");
		goto out;
	}
	if (c.revoked) {
		fail(r, 404, "revoked");
		goto out;
	}
	if (now >= c.expires) {
		fail(r, 404, "expired");
		goto out;
	}
	if ((u.lifetime || u.expires) && expiry_of(&u, now, &expires, &why)) {
		fail(r, 400, why);
		goto out;
	}
	if (u.has_targets)
		targets = strings_json(u.targets[0], sizeof(u.targets[0]),
				       u.n_targets);
	if (u.has_labels)
		labels = strings_json(u.labels[0], sizeof(u.labels[0]),
				      u.n_labels);
	if ((u.has_targets && !targets) || (u.has_labels && !labels)) {
		fail(r, 500, "out of memory");
		goto out;
	}
	ret = tef_db_cred_update(db, id, expires, targets, labels);
	if (ret) {
		fail(r, ret == -ENOENT ? 404 : 500,
		     ret == -ENOENT ? "unknown credential" : "database error");
		goto out;
	}
	r->json = update_reply(&u, expires);
	if (!r->json) {
		fail(r, 500, "out of memory");
		goto out;
	}
	r->json_len = strlen(r->json);
	r->code = 204;
	snprintf(r->note, sizeof(r->note), "updated %s by %s:%s%s%s", id, ae,
		 expires ? " expiry" : "", u.has_targets ? " targets" : "",
		 u.has_labels ? " labels" : "");
	if (expires)
		snprintf(r->note + strlen(r->note),
			 sizeof(r->note) - strlen(r->note), " expires %lld",
			 (long long)expires);
out:
	free(targets);
	free(labels);
	tef_cred_clear(&c);
}

void tef_retrieve(sqlite3 *db, const char *id, const char *ae, time_t now,
		  struct tef_reply *r)
{
	struct tef_cred c;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = tef_db_cred_get(db, id, &c);
	if (ret) {
		fail(r, ret == -ENOENT ? 404 : 500,
		     ret == -ENOENT ? "unknown credential" : "database error");
		return;
	}
	if (strcmp(c.owner, ae) && !tef_cred_allows(&c, ae)) {
		fail(r, 403, "not in the credential's access control policy");
	} else if (c.revoked) {
		fail(r, 404, "revoked");
	} else if (now >= c.expires) {
		fail(r, 404, "expired");
	} else {
		r->json = tef_jwk(c.id, c.type, c.key, c.expires);
		if (r->json) {
			r->json_len = strlen(r->json);
			r->secret = 1;
			r->code = 205;
			snprintf(r->note, sizeof(r->note), "delivered %s to %s",
				 c.id, ae);
		} else {
			fail(r, 500, "out of memory");
		}
	}
	tef_cred_clear(&c);
}

void tef_revoke(sqlite3 *db, const char *id, const char *ae,
		struct tef_reply *r)
{
	struct tef_cred c;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = tef_db_cred_get(db, id, &c);
	if (ret) {
		fail(r, ret == -ENOENT ? 404 : 500,
		     ret == -ENOENT ? "unknown credential" : "database error");
		return;
	}
	if (strcmp(c.owner, ae))
		fail(r, 403, "only the owner may revoke");
	else if (tef_db_cred_revoke(db, id))
		fail(r, 500, "database error");
	else {
		r->code = 202;
		snprintf(r->note, sizeof(r->note), "revoked %s by %s", id, ae);
	}
	tef_cred_clear(&c);
}
