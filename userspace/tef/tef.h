/* SPDX-License-Identifier: GPL-2.0 */
/*
 * m2m-tefd, the reference Trust Enabling Function: request bodies
 * (body.c), the SQLite store (db.c) and the CoAP/DTLS-PSK server
 * (server.c). The protocol is in common/tefclient.h and
 * Documentation/tef.rst.
 */
#ifndef M2MV_TEF_H
#define M2MV_TEF_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <sqlite3.h>

#include "common/credid.h"
#include "common/hexkey.h"
#include "common/kdf.h"
#include "common/tefclient.h"

#define TEF_BODY_MAX		4096
#define TEF_ID_MAX		128	/* AE-IDs and KpmIds */

/* ------------------------------------------------------------ body.c */

struct tef_reg_req {
	char targets[M2MV_TEF_MAX_TARGETS][TEF_ID_MAX + 1];
	size_t n_targets;
	unsigned int lifetime;
	unsigned int types[M2MV_TEF_MAX_TYPES];
	size_t n_types;
};

/* Is @s an AE-ID or KpmId the TEF accepts: 1..128 of [A-Za-z0-9._:/-]? */
int tef_id_ok(const char *s);

/**
 * tef_parse_register() - validate a register request body
 * @why: out: a short reason when it is refused (static string)
 * Return: 0 or -EINVAL.
 */
int tef_parse_register(const uint8_t *data, size_t len,
		       struct tef_reg_req *req, const char **why);

/* The JSON texts of the responses (malloc'd, NULL when out of memory). */
char *tef_register_reply(const char *keid, const uint8_t salt[M2MV_SALT_LEN],
			 time_t expires, const unsigned int *types,
			 char ids[][M2MV_CREDID_BUFSZ], size_t n);
char *tef_jwk(const char *credid, unsigned int type,
	      const uint8_t key[M2MV_KEY_LEN], time_t expires);

/* -------------------------------------------------------------- db.c */

struct tef_cred {
	char id[M2MV_CREDID_BUFSZ];
	unsigned int type;
	char owner[TEF_ID_MAX + 1];
	uint8_t key[M2MV_KEY_LEN];
	time_t expires;
	int revoked;
	char *targets;		/* JSON array text, malloc'd */
};

int tef_db_open(const char *path, sqlite3 **dbp);
int tef_db_enrol(sqlite3 *db, const char *kpm_id, const char *ae_id,
		 const uint8_t *kpm, size_t kpm_len);
/* -ENOENT for an unknown KpmId. @kpm is M2MV_PSK_MAX bytes. */
int tef_db_enrolee(sqlite3 *db, const char *kpm_id, uint8_t *kpm,
		   size_t *kpm_len, char ae_id[TEF_ID_MAX + 1]);
int tef_db_cred_add(sqlite3 *db, const struct tef_cred *c, const char *keid);
/* -ENOENT if unknown; the caller tef_cred_clear()s @c. */
int tef_db_cred_get(sqlite3 *db, const char *id, struct tef_cred *c);
int tef_db_cred_revoke(sqlite3 *db, const char *id);
int tef_db_list(sqlite3 *db, FILE *out);
void tef_cred_clear(struct tef_cred *c);
/* Is @ae_id listed in @c's targets? */
int tef_cred_allows(const struct tef_cred *c, const char *ae_id);

/* ---------------------------------------------------------- server.c */

struct tef_server_config {
	const char *listen;
	uint16_t port;
	const char *fqdn;
	int verbose;
};

/* Serve until SIGTERM/SIGINT: 0, or -errno if the server cannot start. */
int tef_serve(sqlite3 *db, const struct tef_server_config *cfg);

#endif /* M2MV_TEF_H */
