// SPDX-License-Identifier: GPL-2.0
/*
 * The CoAP over DTLS 1.2 PSK server of m2m-tefd (libcoap3, OpenSSL
 * backend). The PSK identity of a session names the enrolee; unknown
 * identities fail the handshake. Every refusal is logged on one line with
 * the peer, the identity and the reason.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <netdb.h>
#include <sys/socket.h>

#include <coap3/coap.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "tef/tef.h"

struct tef_server {
	sqlite3 *db;
	const char *fqdn;
	int verbose;
	/* The key handed to libcoap by the identity callback (it copies). */
	uint8_t psk[M2MV_PSK_MAX];
	coap_bin_const_t psk_bin;
};

static volatile sig_atomic_t tef_quit;

static void on_signal(int sig)
{
	(void)sig;
	tef_quit = 1;
}

static void peer_str(coap_session_t *s, char *buf, size_t size)
{
	size_t n = coap_print_addr(coap_session_get_addr_remote(s),
				   (unsigned char *)buf, size - 1);

	buf[n] = '\0';
}

/* The session's PSK identity as a C string ("?" if none or odd). */
static void identity_str(coap_session_t *s, char *buf, size_t size)
{
	const coap_bin_const_t *id = coap_session_get_psk_identity(s);

	if (!id || id->length >= size) {
		snprintf(buf, size, "?");
		return;
	}
	memcpy(buf, id->s, id->length);
	buf[id->length] = '\0';
	if (!tef_id_ok(buf))
		snprintf(buf, size, "?");
}

static void refuse(coap_session_t *s, coap_pdu_t *resp, coap_pdu_code_t code,
		   const char *what, const char *why)
{
	char peer[64], id[TEF_ID_MAX + 2];

	peer_str(s, peer, sizeof(peer));
	identity_str(s, id, sizeof(id));
	fprintf(stderr, "m2m-tefd: refused %s from %s identity %s: %s\n",
		what, peer, id, why);
	coap_pdu_set_code(resp, code);
	coap_add_data(resp, strlen(why), (const uint8_t *)why);
}

static void reply_json(coap_pdu_t *resp, coap_pdu_code_t code, char *text)
{
	uint8_t buf[4];

	coap_pdu_set_code(resp, code);
	coap_add_option(resp, COAP_OPTION_CONTENT_FORMAT,
			coap_encode_var_safe(buf, sizeof(buf),
					     COAP_MEDIATYPE_APPLICATION_JSON),
			buf);
	coap_add_data(resp, strlen(text), (const uint8_t *)text);
}

static const coap_bin_const_t *psk_for_identity(coap_bin_const_t *identity,
						coap_session_t *s, void *arg)
{
	struct tef_server *srv = arg;
	char id[TEF_ID_MAX + 1], ae[TEF_ID_MAX + 1], peer[64];
	size_t len;

	peer_str(s, peer, sizeof(peer));
	if (!identity || identity->length == 0 ||
	    identity->length > TEF_ID_MAX) {
		fprintf(stderr, "m2m-tefd: refused handshake from %s: bad identity\n",
			peer);
		return NULL;
	}
	memcpy(id, identity->s, identity->length);
	id[identity->length] = '\0';
	if (!tef_id_ok(id) ||
	    tef_db_enrolee(srv->db, id, srv->psk, &len, ae)) {
		fprintf(stderr, "m2m-tefd: refused handshake from %s: unknown enrolee\n",
			peer);
		return NULL;
	}
	srv->psk_bin.s = srv->psk;
	srv->psk_bin.length = len;
	return &srv->psk_bin;
}

/*
 * A handshake with a wrong PSK fails silently in DTLS (the server cannot
 * decrypt the client's Finished and drops it), so it shows only when the
 * half-open session is deleted without ever having connected.
 */
static int on_event(coap_session_t *s, const coap_event_t ev)
{
	char peer[64], id[TEF_ID_MAX + 2];

	switch (ev) {
	case COAP_EVENT_DTLS_CONNECTED:
		coap_session_set_app_data(s, (void *)1);
		break;
	case COAP_EVENT_SERVER_SESSION_DEL:
		if (coap_session_get_app_data(s))
			break;
		peer_str(s, peer, sizeof(peer));
		identity_str(s, id, sizeof(id));
		fprintf(stderr, "m2m-tefd: refused handshake from %s identity %s: not completed (wrong PSK?)\n",
			peer, id);
		break;
	default:
		break;
	}
	return 0;
}

/* The enrolee behind @s: its AE-ID, or -EACCES. */
static int session_enrolee(struct tef_server *srv, coap_session_t *s,
			   char ae[TEF_ID_MAX + 1])
{
	char id[TEF_ID_MAX + 2];
	uint8_t psk[M2MV_PSK_MAX];
	size_t len;
	int ret;

	identity_str(s, id, sizeof(id));
	if (!strcmp(id, "?"))
		return -EACCES;
	ret = tef_db_enrolee(srv->db, id, psk, &len, ae);
	OPENSSL_cleanse(psk, sizeof(psk));
	return ret ? -EACCES : 0;
}

/* The body, whole; -E2BIG past TEF_BODY_MAX. */
static int request_body(const coap_pdu_t *req, const uint8_t **data,
			size_t *len)
{
	size_t off = 0, total = 0;

	*data = NULL;
	*len = 0;
	if (!coap_get_data_large(req, len, data, &off, &total))
		return 0;
	if (total > TEF_BODY_MAX || *len > TEF_BODY_MAX || off)
		return -E2BIG;
	return 0;
}

/* "cred" -> 0 with *id NULL; "cred/<id>" -> 0 with *id set; else -ENOENT. */
static int parse_path(const coap_pdu_t *req, char *buf, size_t size,
		      const char **id)
{
	coap_string_t *p = coap_get_uri_path(req);
	int ret = -ENOENT;

	*id = NULL;
	if (!p)
		return -ENOENT;
	if (p->length < size) {
		memcpy(buf, p->s, p->length);
		buf[p->length] = '\0';
		if (!strcmp(buf, "cred")) {
			ret = 0;
		} else if (!strncmp(buf, "cred/", 5) && buf[5]) {
			*id = buf + 5;
			ret = 0;
		}
	}
	coap_delete_string(p);
	return ret;
}

static struct tef_server *server_of(coap_resource_t *r)
{
	return coap_resource_get_userdata(r);
}

static void do_register(struct tef_server *srv, coap_session_t *s,
			const coap_pdu_t *req, coap_pdu_t *resp, const char *ae)
{
	char ids[M2MV_TEF_MAX_TYPES][M2MV_CREDID_BUFSZ];
	uint8_t salt[M2MV_SALT_LEN];
	struct tef_reg_req rr;
	struct tef_cred c;
	struct m2mv_ke ke;
	coap_tls_library_t lib;
	const uint8_t *data;
	const char *why;
	char *targets = NULL, *text;
	json_t *arr = NULL;
	time_t expires;
	size_t len, i;
	void *ssl;

	if (request_body(req, &data, &len)) {
		refuse(s, resp, COAP_RESPONSE_CODE(413), "register",
		       "body too large");
		return;
	}
	if (tef_parse_register(data, len, &rr, &why)) {
		refuse(s, resp, COAP_RESPONSE_CODE_BAD_REQUEST, "register", why);
		return;
	}
	ssl = coap_session_get_tls(s, &lib);
	if (!ssl || lib != COAP_TLS_LIBRARY_OPENSSL ||
	    m2mv_kdf_exporter(ssl, srv->fqdn, &ke) ||
	    RAND_bytes(salt, sizeof(salt)) != 1) {
		refuse(s, resp, COAP_RESPONSE_CODE_INTERNAL_ERROR, "register",
		       "no exporter");
		goto out;
	}
	arr = json_array();
	for (i = 0; arr && i < rr.n_targets; i++)
		json_array_append_new(arr, json_string(rr.targets[i]));
	targets = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
	if (!targets)
		goto internal;
	expires = time(NULL) + rr.lifetime;
	if (sqlite3_exec(srv->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		goto internal;
	for (i = 0; i < rr.n_types; i++) {
		memset(&c, 0, sizeof(c));
		c.type = rr.types[i];
		snprintf(c.owner, sizeof(c.owner), "%s", ae);
		c.expires = expires;
		c.targets = targets;
		if (m2mv_kdf_credid(ids[i], sizeof(ids[i]), c.type, ke.keid,
				    salt, srv->fqdn) ||
		    m2mv_kdf_credential_key(ke.ke, salt, c.type, c.key))
			break;
		snprintf(c.id, sizeof(c.id), "%s", ids[i]);
		if (tef_db_cred_add(srv->db, &c, ke.keid))
			break;
		OPENSSL_cleanse(c.key, sizeof(c.key));
	}
	OPENSSL_cleanse(c.key, sizeof(c.key));
	if (i < rr.n_types) {
		sqlite3_exec(srv->db, "ROLLBACK", NULL, NULL, NULL);
		goto internal;
	}
	if (sqlite3_exec(srv->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto internal;
	text = tef_register_reply(ke.keid, salt, expires, rr.types, ids,
				  rr.n_types);
	if (!text)
		goto internal;
	reply_json(resp, COAP_RESPONSE_CODE_CREATED, text);
	free(text);
	for (i = 0; i < rr.n_types; i++)
		fprintf(stderr, "m2m-tefd: registered %s owner %s lifetime %u\n",
			ids[i], ae, rr.lifetime);
	goto out;
internal:
	refuse(s, resp, COAP_RESPONSE_CODE_INTERNAL_ERROR, "register",
	       "internal error");
out:
	OPENSSL_cleanse(&ke, sizeof(ke));
	OPENSSL_cleanse(salt, sizeof(salt));
	json_decref(arr);
	free(targets);
}

static void do_retrieve(struct tef_server *srv, coap_session_t *s,
			coap_pdu_t *resp, const char *id, const char *ae)
{
	struct tef_cred c;
	char *text;
	int ret;

	ret = tef_db_cred_get(srv->db, id, &c);
	if (ret) {
		refuse(s, resp, ret == -ENOENT ? COAP_RESPONSE_CODE_NOT_FOUND :
		       COAP_RESPONSE_CODE_INTERNAL_ERROR, "retrieve",
		       ret == -ENOENT ? "unknown credential" : "internal error");
		return;
	}
	if (strcmp(c.owner, ae) && !tef_cred_allows(&c, ae)) {
		refuse(s, resp, COAP_RESPONSE_CODE_FORBIDDEN, "retrieve",
		       "not in the credential's access control policy");
	} else if (c.revoked) {
		refuse(s, resp, COAP_RESPONSE_CODE_NOT_FOUND, "retrieve",
		       "revoked");
	} else if (time(NULL) >= c.expires) {
		refuse(s, resp, COAP_RESPONSE_CODE_NOT_FOUND, "retrieve",
		       "expired");
	} else {
		text = tef_jwk(c.id, c.type, c.key, c.expires);
		if (text) {
			reply_json(resp, COAP_RESPONSE_CODE_CONTENT, text);
			OPENSSL_cleanse(text, strlen(text));
			free(text);
			fprintf(stderr, "m2m-tefd: delivered %s to %s\n", c.id,
				ae);
		} else {
			refuse(s, resp, COAP_RESPONSE_CODE_INTERNAL_ERROR,
			       "retrieve", "internal error");
		}
	}
	tef_cred_clear(&c);
}

static void do_revoke(struct tef_server *srv, coap_session_t *s,
		      coap_pdu_t *resp, const char *id, const char *ae)
{
	struct tef_cred c;
	int ret;

	ret = tef_db_cred_get(srv->db, id, &c);
	if (ret) {
		refuse(s, resp, COAP_RESPONSE_CODE_NOT_FOUND, "revoke",
		       "unknown credential");
		return;
	}
	if (strcmp(c.owner, ae)) {
		refuse(s, resp, COAP_RESPONSE_CODE_FORBIDDEN, "revoke",
		       "only the owner may revoke");
	} else if (tef_db_cred_revoke(srv->db, id)) {
		refuse(s, resp, COAP_RESPONSE_CODE_INTERNAL_ERROR, "revoke",
		       "internal error");
	} else {
		coap_pdu_set_code(resp, COAP_RESPONSE_CODE_DELETED);
		fprintf(stderr, "m2m-tefd: revoked %s by %s\n", id, ae);
	}
	tef_cred_clear(&c);
}

static void handle(coap_resource_t *r, coap_session_t *s,
		   const coap_pdu_t *req, const coap_string_t *query,
		   coap_pdu_t *resp)
{
	struct tef_server *srv = server_of(r);
	coap_pdu_code_t method = coap_pdu_get_code(req);
	char path[M2MV_CREDID_BUFSZ + 8], ae[TEF_ID_MAX + 1];
	const char *id;

	(void)query;
	if (session_enrolee(srv, s, ae)) {
		refuse(s, resp, COAP_RESPONSE_CODE_UNAUTHORIZED, "request",
		       "unknown enrolee");
		return;
	}
	if (parse_path(req, path, sizeof(path), &id)) {
		refuse(s, resp, COAP_RESPONSE_CODE_NOT_FOUND, "request",
		       "no such resource");
		return;
	}
	if (method == COAP_REQUEST_CODE_POST && !id) {
		do_register(srv, s, req, resp, ae);
	} else if (id && m2mv_credid_parse(id, NULL)) {
		refuse(s, resp, COAP_RESPONSE_CODE_BAD_REQUEST, "request",
		       "not a Credential-ID");
	} else if (method == COAP_REQUEST_CODE_GET && id) {
		do_retrieve(srv, s, resp, id, ae);
	} else if (method == COAP_REQUEST_CODE_DELETE && id) {
		do_revoke(srv, s, resp, id, ae);
	} else {
		refuse(s, resp, COAP_RESPONSE_CODE_NOT_ALLOWED, "request",
		       "method not allowed here");
	}
}

/* PUT goes to the unknown resource's mandatory handler: refuse it. */
static void handle_put(coap_resource_t *r, coap_session_t *s,
		       const coap_pdu_t *req, const coap_string_t *query,
		       coap_pdu_t *resp)
{
	(void)r;
	(void)req;
	(void)query;
	refuse(s, resp, COAP_RESPONSE_CODE_NOT_ALLOWED, "request",
	       "method not allowed here");
}

static int listen_addr(const char *host, uint16_t port, coap_address_t *a)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM,
				  .ai_flags = AI_NUMERICHOST | AI_PASSIVE };
	struct addrinfo *res;
	char ps[8];

	snprintf(ps, sizeof(ps), "%u", port);
	if (getaddrinfo(host, ps, &hints, &res))
		return -EINVAL;
	coap_address_init(a);
	a->size = res->ai_addrlen;
	memcpy(&a->addr, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

int tef_serve(sqlite3 *db, const struct tef_server_config *cfg)
{
	struct tef_server srv = { .db = db, .fqdn = cfg->fqdn,
				  .verbose = cfg->verbose };
	coap_dtls_spsk_t psk = { .version = COAP_DTLS_SPSK_SETUP_VERSION };
	struct sigaction sa = { .sa_handler = on_signal };
	coap_context_t *ctx = NULL;
	coap_resource_t *r;
	coap_address_t addr;
	int ret = -EIO;

	if (listen_addr(cfg->listen, cfg->port, &addr)) {
		fprintf(stderr, "m2m-tefd: bad listen address %s\n", cfg->listen);
		return -EINVAL;
	}
	coap_startup();
	coap_set_log_level(cfg->verbose ? LOG_INFO : LOG_EMERG);
	coap_dtls_set_log_level(cfg->verbose ? LOG_INFO : LOG_EMERG);
	if (!coap_dtls_is_supported())
		goto out;
	ctx = coap_new_context(NULL);
	if (!ctx)
		goto out;
	coap_context_set_block_mode(ctx, COAP_BLOCK_USE_LIBCOAP |
					 COAP_BLOCK_SINGLE_BODY);
	psk.validate_id_call_back = psk_for_identity;
	psk.id_call_back_arg = &srv;
	if (!coap_context_set_psk2(ctx, &psk))
		goto out;
	coap_register_event_handler(ctx, on_event);
	/* Idle and half-open sessions go after 10 s. */
	coap_context_set_session_timeout(ctx, 10);
	if (!coap_new_endpoint(ctx, &addr, COAP_PROTO_DTLS)) {
		fprintf(stderr, "m2m-tefd: cannot listen on %s:%u\n",
			cfg->listen, cfg->port);
		ret = -EADDRINUSE;
		goto out;
	}
	r = coap_resource_unknown_init2(handle_put, 0);
	if (!r)
		goto out;
	coap_resource_set_userdata(r, &srv);
	coap_register_handler(r, COAP_REQUEST_POST, handle);
	coap_register_handler(r, COAP_REQUEST_GET, handle);
	coap_register_handler(r, COAP_REQUEST_DELETE, handle);
	coap_add_resource(ctx, r);

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fprintf(stderr, "m2m-tefd: listening on %s:%u\n", cfg->listen,
		cfg->port);
	while (!tef_quit)
		if (coap_io_process(ctx, 1000) < 0)
			break;
	ret = 0;
	fprintf(stderr, "m2m-tefd: stopping\n");
out:
	if (ret == -EIO)
		fprintf(stderr, "m2m-tefd: cannot start the CoAP/DTLS server\n");
	coap_free_context(ctx);
	coap_cleanup();
	OPENSSL_cleanse(srv.psk, sizeof(srv.psk));
	return ret;
}
