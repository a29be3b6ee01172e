/* SPDX-License-Identifier: GPL-2.0 */
/*
 * m2m-tefd, the reference Trust Enabling Function: request and response
 * bodies (body.c), the SQLite store (db.c), the operations on credentials
 * (cred.c: register, update, retrieve, revoke; free of any transport so
 * that host tests drive them directly), the freshness anchors (anchor.c,
 * likewise) and the CoAP over DTLS-PSK server (server.c). The protocol
 * is in common/tefclient.h and Documentation/tef.rst.
 */
#ifndef M2MV_TEF_H
#define M2MV_TEF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <sqlite3.h>

#include "common/credid.h"
#include "common/hexkey.h"
#include "common/kdf.h"
#include "common/tefclient.h"

#define TEF_BODY_MAX		4096	/* request bodies; more is 4.13 */
#define TEF_ID_MAX		128	/* AE-IDs and KpmIds */
/* Types 14 and 15 exclude each other, so a registration has at most two. */
#define TEF_REG_MAX_CREDS	2
/*
 * Longest FQDN whose Credential-IDs fit M2MV_CREDID_MAX:
 * "NN-" + 32 hex + "@" + FQDN.
 */
#define TEF_FQDN_MAX		(M2MV_CREDID_MAX - 3 - 32 - 1)

/* ------------------------------------------------------------ body.c */

/* A registration request, or an update (which has no types). */
struct tef_reg_req {
	char targets[M2MV_TEF_MAX_TARGETS][TEF_ID_MAX + 1];
	size_t n_targets;
	int has_targets;
	unsigned int lifetime;		/* 0: absent */
	time_t expires;			/* 0: absent */
	unsigned int types[M2MV_TEF_MAX_TYPES];
	size_t n_types;
	unsigned int suid;		/* 0: absent */
	char labels[M2MV_TEF_MAX_LABELS][M2MV_TEF_LABEL_MAX + 1];
	size_t n_labels;
	int has_labels;
	char admin[M2MV_TEF_FQDN_MAX + 1];	/* empty: absent */
};

/*
 * What a registration reply says (tef_register_reply()). Not the targets
 * and labels: the TEF keeps them as asked, and a reply must fit one CoAP
 * message (the server sends no Block2).
 */
struct tef_reg_out {
	const char *keid;
	const uint8_t *salt;		/* M2MV_SALT_LEN bytes */
	time_t expires;
	const char *owner;
	const char *admin;
	const unsigned int *types;
	const unsigned int *suids;
	char (*ids)[M2MV_CREDID_BUFSZ];
	size_t n;
};

/* Is @s an AE-ID or KpmId the TEF accepts: 1..128 of [A-Za-z0-9._:/-]? */
int tef_id_ok(const char *s);

/**
 * tef_id_print() - @len bytes from the wire, made safe for one log line:
 * characters outside the AE-ID alphabet become '?', and more than
 * TEF_ID_MAX bytes are cut with "...".
 * @buf: out, at least TEF_ID_MAX + 4 bytes
 */
void tef_id_print(char *buf, size_t size, const uint8_t *s, size_t len);

/**
 * tef_parse_register() - validate a register request body
 * @why: out: a short reason when it is refused (static string)
 * Return: 0, -EINVAL (malformed: 4.00) or -E2BIG (over TEF_BODY_MAX: 4.13).
 */
int tef_parse_register(const uint8_t *data, size_t len,
		       struct tef_reg_req *req, const char **why);

/**
 * tef_parse_update() - validate a registration update body: some of
 * "lifetime" or "expires", "targets", "labels"; at least one
 * Return: as tef_parse_register().
 */
int tef_parse_update(const uint8_t *data, size_t len,
		     struct tef_reg_req *req, const char **why);

/* The JSON texts of the responses (malloc'd, NULL when out of memory). */
char *tef_register_reply(const struct tef_reg_out *o);
/* The caller wipes the text (it holds the key) before freeing it. */
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
	unsigned int suid;
	char admin[M2MV_TEF_FQDN_MAX + 1];
	char *targets;		/* JSON array text, malloc'd */
	char *labels;		/* JSON array text, malloc'd */
};

/**
 * tef_db_open() - open or create the database (mode 0600, WAL)
 * @create: 0 to refuse a database that does not exist yet
 */
int tef_db_open(const char *path, int create, sqlite3 **dbp);
int tef_db_enrol(sqlite3 *db, const char *kpm_id, const char *ae_id,
		 const uint8_t *kpm, size_t kpm_len);
/* -ENOENT for an unknown KpmId. @kpm is M2MV_PSK_MAX bytes. */
int tef_db_enrolee(sqlite3 *db, const char *kpm_id, uint8_t *kpm,
		   size_t *kpm_len, char ae_id[TEF_ID_MAX + 1]);
int tef_db_cred_add(sqlite3 *db, const struct tef_cred *c, const char *keid);
/* -ENOENT if unknown; the caller tef_cred_clear()s @c. */
int tef_db_cred_get(sqlite3 *db, const char *id, struct tef_cred *c);
int tef_db_cred_revoke(sqlite3 *db, const char *id);
/* Set what is given: @expires if not 0, @targets and @labels if not NULL. */
int tef_db_cred_update(sqlite3 *db, const char *id, time_t expires,
		       const char *targets, const char *labels);
int tef_db_list(sqlite3 *db, time_t now, FILE *out);
void tef_cred_clear(struct tef_cred *c);
/* Is @ae_id listed in @c's targets? */
int tef_cred_allows(const struct tef_cred *c, const char *ae_id);
/* The anchor of @owner's store @store: get gives -ENOENT if none, drop too. */
int tef_db_anchor_put(sqlite3 *db, const char *owner, const char *store,
		      const struct m2mv_tef_anchor *a);
int tef_db_anchor_get(sqlite3 *db, const char *owner, const char *store,
		      struct m2mv_tef_anchor *a);
int tef_db_anchor_drop(sqlite3 *db, const char *owner, const char *store);

/* ------------------------------------------------------------ cred.c */

/*
 * The outcome of one operation: a CoAP response code written as its
 * three digits (201, 404, ...), and either a JSON body or a diagnostic.
 */
struct tef_reply {
	unsigned int code;
	char *json;		/* malloc'd; NULL for errors */
	size_t json_len;
	int secret;		/* json holds a key: wipe it */
	const char *why;	/* static diagnostic of an error */
	char note[1024];		/* what was done, for the log (success) */
};

/*
 * How the TEF chooses Credential-IDs. SEED: as the seeds say
 * (m2mv_kdf_credid()), which the client could compute itself; RANDOM: a
 * fresh random RelativeKeyID, as a TS-0003 MEF may choose. The TEST_*
 * modes store SEED's IDs but answer with a wrong one, for the client's
 * tests only: MALFORMED (not a Credential-ID), WRONG_TYPE (another type
 * digit), DUPLICATE (the first credential listed twice), FOREIGN (another
 * FQDN).
 */
enum tef_assign {
	TEF_ASSIGN_SEED,
	TEF_ASSIGN_RANDOM,
	TEF_ASSIGN_TEST_MALFORMED,
	TEF_ASSIGN_TEST_WRONG_TYPE,
	TEF_ASSIGN_TEST_DUPLICATE,
	TEF_ASSIGN_TEST_FOREIGN,
};

/* "seed", "random", "test-malformed", ...: 0 and *@a, or -EINVAL. */
int tef_assign_parse(const char *s, enum tef_assign *a);

struct tef_opts {
	const char *fqdn;	/* the TEF-FQDN */
	const char *admin;	/* admin FQDN for requests without one; NULL: fqdn */
	enum tef_assign assign;
};

/**
 * tef_register() - POST /cred by the enrolee @owner on the session @ke
 * @now: the current time (expiry is @now + lifetime, or the "expires"
 *	asked for)
 */
void tef_register(sqlite3 *db, const struct tef_opts *o,
		  const struct m2mv_ke *ke, const char *owner,
		  const uint8_t *body, size_t len, time_t now,
		  struct tef_reply *r);
/* POST /cred/<id> by @ae: a registration update (owner only). */
void tef_update(sqlite3 *db, const char *id, const char *ae,
		const uint8_t *body, size_t len, time_t now,
		struct tef_reply *r);
/* GET /cred/<id> by @ae; @id is already a valid Credential-ID. */
void tef_retrieve(sqlite3 *db, const char *id, const char *ae, time_t now,
		  struct tef_reply *r);
/* DELETE /cred/<id> by @ae. */
void tef_revoke(sqlite3 *db, const char *id, const char *ae,
		struct tef_reply *r);
/*
 * The freshness anchors (anchor.c): PUT, GET and DELETE /anchor/<store> by
 * the enrolee @owner, only ever on its own rows. @store is already a valid
 * store name (m2mv_tef_store_ok()).
 */
void tef_anchor_put(sqlite3 *db, const char *owner, const char *store,
		    const uint8_t *body, size_t len, time_t now,
		    struct tef_reply *r);
void tef_anchor_get(sqlite3 *db, const char *owner, const char *store,
		    struct tef_reply *r);
void tef_anchor_drop(sqlite3 *db, const char *owner, const char *store,
		     struct tef_reply *r);
/* Wipe and free what a reply holds. */
void tef_reply_clear(struct tef_reply *r);
/* Does @fqdn fit every KeID and Credential-ID the TEF will make? */
int tef_fqdn_ok(const char *fqdn);

/* ---------------------------------------------------------- server.c */

struct tef_server_config {
	const char *listen;
	uint16_t port;
	const char *fqdn;
	const char *admin;	/* NULL: fqdn */
	enum tef_assign assign;
	int verbose;
};

/* Serve until SIGTERM/SIGINT: 0, or -errno if the server cannot start. */
int tef_serve(sqlite3 *db, const struct tef_server_config *cfg);

#endif /* M2MV_TEF_H */
