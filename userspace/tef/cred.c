// SPDX-License-Identifier: GPL-2.0
/*
 * The TEF's operations on credentials, free of any transport: register
 * (the requesting enrolee becomes the owner), retrieve (the owner or a
 * target of the credential's ACP) and revoke (the owner). server.c turns
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

/* The ACP as stored: a JSON array of AE-IDs. */
static char *targets_json(const struct tef_reg_req *rr)
{
	json_t *arr = json_array();
	char *text;
	size_t i;

	if (!arr)
		return NULL;
	for (i = 0; i < rr->n_targets; i++)
		if (json_array_append_new(arr, json_string(rr->targets[i]))) {
			json_decref(arr);
			return NULL;
		}
	text = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	return text;
}

/* Derive and store one credential per type, all or nothing. */
static int store(sqlite3 *db, const char *fqdn, const struct m2mv_ke *ke,
		 const char *owner, const struct tef_reg_req *rr,
		 const uint8_t salt[M2MV_SALT_LEN], time_t expires,
		 char *targets, char ids[][M2MV_CREDID_BUFSZ])
{
	struct tef_cred c;
	int ret = 0;
	size_t i;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return -EIO;
	for (i = 0; !ret && i < rr->n_types; i++) {
		memset(&c, 0, sizeof(c));
		c.type = rr->types[i];
		snprintf(c.owner, sizeof(c.owner), "%s", owner);
		c.expires = expires;
		c.targets = targets;
		ret = m2mv_kdf_credid(ids[i], M2MV_CREDID_BUFSZ, c.type,
				      ke->keid, salt, fqdn);
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

void tef_register(sqlite3 *db, const char *fqdn, const struct m2mv_ke *ke,
		  const char *owner, const uint8_t *body, size_t len,
		  time_t now, struct tef_reply *r)
{
	char ids[TEF_REG_MAX_CREDS][M2MV_CREDID_BUFSZ];
	uint8_t salt[M2MV_SALT_LEN];
	struct tef_reg_req rr;
	char *targets = NULL;
	const char *why;
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
	if (RAND_bytes(salt, sizeof(salt)) != 1) {
		fail(r, 500, "no random numbers");
		return;
	}
	expires = now + (time_t)rr.lifetime;
	targets = targets_json(&rr);
	if (!targets) {
		fail(r, 500, "out of memory");
		goto out;
	}
	if (store(db, fqdn, ke, owner, &rr, salt, expires, targets, ids)) {
		fail(r, 500, "database error");
		goto out;
	}
	r->json = tef_register_reply(ke->keid, salt, expires, rr.types, ids,
				     rr.n_types);
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
			 " owner %s lifetime %u targets %zu", owner,
			 rr.lifetime, rr.n_targets);
out:
	OPENSSL_cleanse(salt, sizeof(salt));
	free(targets);
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
