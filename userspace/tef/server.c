// SPDX-License-Identifier: GPL-2.0
/*
 * The CoAP over DTLS 1.2 PSK server of m2m-tefd (libcoap3, OpenSSL
 * backend).
 *
 * Handshake: libcoap asks psk_for_identity() for the key of the PSK
 * identity the client sent. First the server_name of the ClientHello (RFC
 * 6066 SNI) must name this TEF, --fqdn: another name fails the handshake;
 * none at all is accepted (clients older than SNI) and logged. Then the
 * identity is the enrolee's KpmId, looked up in the database, so an
 * unknown identity fails the handshake (OpenSSL sends
 * unknown_psk_identity). A wrong key cannot be told apart from lost
 * packets in DTLS (the server drops the Finished it cannot decrypt), so
 * it is logged when libcoap deletes a session whose handshake never
 * completed.
 *
 * Sessions: the PSK callback makes a record of each session (struct
 * tef_sess: peer, identity, handshake done, a Block1 buffer), kept in a
 * list and freed when libcoap deletes the session or at exit.
 *
 * Block-wise: libcoap's own reassembly (COAP_BLOCK_USE_LIBCOAP) grows a
 * body to whatever size or block number a peer claims. This server
 * reassembles Block1 itself, strictly in order, into TEF_BODY_MAX bytes,
 * and answers 4.13 with Size1 beyond that.
 *
 * Every refusal is logged on one line with the peer, the identity and the
 * reason.
 *
 * Why the SNI is checked here and not in libcoap's validate_sni_call_back:
 * libcoap 4.3.1 (OpenSSL) leaks its copy of the name each time that
 * callback refuses one, and caches every name it accepts for the life of
 * the context, so a peer could grow the server without bound either way.
 * The PSK callback runs once per handshake, before any key is used, and
 * OpenSSL has the name by then.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <netdb.h>
#include <sys/socket.h>

#include <coap3/coap.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include "tef/tef.h"

#define TEF_PEER_MAX		64
#define TEF_IDPRINT_MAX		(TEF_ID_MAX + 4)
#define TEF_SESSION_TIMEOUT	30	/* seconds idle or half-open */
#define TEF_HANDSHAKE_LOG	10	/* seconds before an unfinished one is logged */
#define TEF_MAX_HANDSHAKES	64
#define TEF_MAX_IDLE		256

struct tef_sess {
	struct tef_sess *next;
	coap_session_t *s;	/* compared only: never used once deleted */
	int connected;		/* the handshake completed */
	int logged;		/* its refusal is logged already */
	time_t started;		/* the PSK callback, CLOCK_MONOTONIC */
	char peer[TEF_PEER_MAX];
	char id[TEF_IDPRINT_MAX];	/* printable form of the identity */
	uint8_t *body;		/* Block1 reassembly, TEF_BODY_MAX bytes */
	size_t body_len;
	unsigned int szx;
};

struct tef_server {
	sqlite3 *db;
	const char *fqdn;
	struct tef_opts opts;
	char sni[M2MV_TEF_SNI_BUFSZ];	/* the SNI naming it; empty: none can */
	int verbose;
	struct tef_sess *sessions;
	/* The key handed to libcoap by the PSK callback (it copies it). */
	uint8_t psk[M2MV_PSK_MAX];
	coap_bin_const_t psk_bin;
};

/* The Block1 option of a response, if any. */
struct tef_blk {
	int set;
	unsigned int num, m, szx;
};

static volatile sig_atomic_t tef_quit;

static void on_signal(int sig)
{
	(void)sig;
	tef_quit = 1;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char line[1536];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One write per line, so that lines never interleave. */
	fprintf(stderr, "m2m-tefd: %s\n", line);
}

static time_t mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void peer_str(coap_session_t *s, char *buf, size_t size)
{
	const coap_address_t *a = coap_session_get_addr_remote(s);
	size_t n = a ? coap_print_addr(a, (unsigned char *)buf, size - 1) : 0;

	buf[n] = '\0';
	if (!n)
		snprintf(buf, size, "?");
}

/* ---------------------------------------------------------- sessions */

static struct tef_sess *sess_new(struct tef_server *srv, coap_session_t *s)
{
	struct tef_sess *st = coap_session_get_app_data(s);

	if (st)
		return st;
	st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->s = s;
	peer_str(s, st->peer, sizeof(st->peer));
	snprintf(st->id, sizeof(st->id), "-");
	st->next = srv->sessions;
	srv->sessions = st;
	coap_session_set_app_data(s, st);
	return st;
}

static void sess_drop_body(struct tef_sess *st)
{
	if (st->body) {
		OPENSSL_cleanse(st->body, TEF_BODY_MAX);
		free(st->body);
	}
	st->body = NULL;
	st->body_len = 0;
}

static void sess_free(struct tef_server *srv, struct tef_sess *st)
{
	struct tef_sess **pp;

	for (pp = &srv->sessions; *pp; pp = &(*pp)->next)
		if (*pp == st) {
			*pp = st->next;
			break;
		}
	sess_drop_body(st);
	free(st);
}

enum tef_sni {
	TEF_SNI_REFUSED = -1,	/* names another host (logged) */
	TEF_SNI_OURS,		/* names this TEF */
	TEF_SNI_NONE,		/* no server_name */
	TEF_SNI_ADDRESS,	/* an IP address, which RFC 6066 forbids */
};

/*
 * The server_name the client sent, if any, against --fqdn: without regard
 * to case or a trailing dot. An address literal names no host: libcoap's
 * coap-client sends the URI's host even when it is one, so it counts as
 * no SNI. @shown: out, the name as it may be logged.
 */
static enum tef_sni sni_check(struct tef_server *srv, struct tef_sess *st,
			      coap_session_t *s, char shown[TEF_IDPRINT_MAX])
{
	char name[M2MV_TEF_SNI_BUFSZ];
	coap_tls_library_t lib;
	SSL *ssl = coap_session_get_tls(s, &lib);
	const char *sni;
	int ret;

	snprintf(shown, TEF_IDPRINT_MAX, "-");
	if (!ssl || lib != COAP_TLS_LIBRARY_OPENSSL) {
		say("refused handshake from %s identity %s: no TLS state to read the SNI from",
		    st->peer, st->id);
		return TEF_SNI_REFUSED;
	}
	sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	if (!sni || !*sni)
		return TEF_SNI_NONE;
	tef_id_print(shown, TEF_IDPRINT_MAX, (const uint8_t *)sni,
		     strlen(sni));
	ret = m2mv_tef_sni(name, sizeof(name), sni);
	if (ret == 0)
		return TEF_SNI_ADDRESS;
	if (ret > 0 && srv->sni[0] && !strcasecmp(name, srv->sni))
		return TEF_SNI_OURS;
	say("refused handshake from %s identity %s: SNI %s names another host than %s",
	    st->peer, st->id, shown, srv->fqdn);
	return TEF_SNI_REFUSED;
}

/* libcoap asks for the key of @identity during the handshake. */
static const coap_bin_const_t *psk_for_identity(coap_bin_const_t *identity,
						coap_session_t *s, void *arg)
{
	struct tef_server *srv = arg;
	char id[TEF_ID_MAX + 1], ae[TEF_ID_MAX + 1], sni[TEF_IDPRINT_MAX];
	struct tef_sess *st = sess_new(srv, s);
	enum tef_sni how;
	size_t len = 0;
	int ret;

	if (!st) {
		say("refused handshake: out of memory");
		return NULL;
	}
	st->connected = 0;
	st->logged = 1;
	st->started = mono();
	tef_id_print(st->id, sizeof(st->id), identity ? identity->s : NULL,
		     identity ? identity->length : 0);
	how = sni_check(srv, st, s, sni);
	if (how == TEF_SNI_REFUSED)
		return NULL;
	if (!identity || !identity->length || identity->length > TEF_ID_MAX) {
		say("refused handshake from %s identity %s: not a KpmId",
		    st->peer, st->id);
		return NULL;
	}
	memcpy(id, identity->s, identity->length);
	id[identity->length] = '\0';
	if (!tef_id_ok(id)) {
		say("refused handshake from %s identity %s: not a KpmId",
		    st->peer, st->id);
		return NULL;
	}
	ret = tef_db_enrolee(srv->db, id, srv->psk, &len, ae);
	if (ret) {
		say("refused handshake from %s identity %s: %s", st->peer,
		    st->id, ret == -ENOENT ? "unknown enrolee" :
		    "database error");
		OPENSSL_cleanse(srv->psk, sizeof(srv->psk));
		return NULL;
	}
	/* Known: from here a failure is logged when the session goes. */
	st->logged = 0;
	if (how == TEF_SNI_NONE)
		say("handshake from %s identity %s: no SNI, accepted (a client that does not name the TEF)",
		    st->peer, st->id);
	else if (how == TEF_SNI_ADDRESS)
		say("handshake from %s identity %s: no SNI, accepted (SNI %s is an address, not a name)",
		    st->peer, st->id, sni);
	if (srv->verbose)
		say("handshake from %s identity %s (AE-ID %s)", st->peer,
		    st->id, ae);
	srv->psk_bin.s = srv->psk;
	srv->psk_bin.length = len;
	return &srv->psk_bin;
}

static int on_event(coap_session_t *s, const coap_event_t ev)
{
	struct tef_server *srv = coap_get_app_data(coap_session_get_context(s));
	struct tef_sess *st = coap_session_get_app_data(s);

	if (!srv || !st)
		return 0;
	switch (ev) {
	case COAP_EVENT_DTLS_CONNECTED:
		st->connected = 1;
		if (st->logged)
			say("handshake from %s identity %s completed after all",
			    st->peer, st->id);
		else if (srv->verbose)
			say("session from %s identity %s established",
			    st->peer, st->id);
		break;
	case COAP_EVENT_SERVER_SESSION_DEL:
		if (!st->connected && !st->logged)
			say("refused handshake from %s identity %s: not completed (wrong PSK, or the client gave up)",
			    st->peer, st->id);
		else if (srv->verbose)
			say("session from %s identity %s closed", st->peer,
			    st->id);
		coap_session_set_app_data(s, NULL);
		sess_free(srv, st);
		break;
	default:
		break;
	}
	return 0;
}

/*
 * A DTLS server cannot tell a wrong PSK from lost packets: log handshakes
 * that have not completed TEF_HANDSHAKE_LOG seconds after the identity
 * was accepted, without waiting for libcoap to drop them.
 */
static void log_stalled(struct tef_server *srv)
{
	time_t now = mono();
	struct tef_sess *st;

	for (st = srv->sessions; st; st = st->next)
		if (!st->connected && !st->logged &&
		    now - st->started >= TEF_HANDSHAKE_LOG) {
			say("refused handshake from %s identity %s: not completed in %d s (wrong PSK, or the client gave up)",
			    st->peer, st->id, TEF_HANDSHAKE_LOG);
			st->logged = 1;
		}
}

/*
 * The enrolee behind @s: its AE-ID. The session's key must still be the
 * enrolee's Kpm: re-enrolling with a new key cuts off older sessions.
 */
static unsigned int session_enrolee(struct tef_server *srv, coap_session_t *s,
				    char ae[TEF_ID_MAX + 1], const char **why)
{
	const coap_bin_const_t *id = coap_session_get_psk_identity(s);
	const coap_bin_const_t *key = coap_session_get_psk_key(s);
	uint8_t kpm[M2MV_PSK_MAX];
	char kid[TEF_ID_MAX + 1];
	unsigned int code = 0;
	size_t len = 0;
	int ret;

	*why = "no enrolee";
	if (!id || !id->length || id->length > TEF_ID_MAX)
		return 401;
	memcpy(kid, id->s, id->length);
	kid[id->length] = '\0';
	ret = tef_db_enrolee(srv->db, kid, kpm, &len, ae);
	if (ret == -ENOENT) {
		*why = "no longer enrolled";
		code = 401;
	} else if (ret) {
		*why = "database error";
		code = 500;
	} else if (!key || key->length != len ||
		   CRYPTO_memcmp(key->s, kpm, len)) {
		*why = "enrolled again with another key: handshake again";
		code = 401;
	}
	OPENSSL_cleanse(kpm, sizeof(kpm));
	return code;
}

/* ---------------------------------------------------------- requests */

enum tef_res {
	TEF_RES_CRED,		/* /cred and /cred/<Credential-ID> */
	TEF_RES_ANCHOR,		/* /anchor/<store> */
};

/*
 * "cred" -> 0 with *id NULL; "cred/<id>" and "anchor/<store>" -> 0 with
 * *id set; else -ENOENT. The segment after the resource is checked later.
 */
static int parse_path(const coap_pdu_t *req, char *buf, size_t size,
		      enum tef_res *res, const char **id)
{
	coap_string_t *p = coap_get_uri_path(req);
	int ret = -ENOENT;

	*id = NULL;
	*res = TEF_RES_CRED;
	if (!p)
		return -ENOENT;
	if (p->length < size) {
		memcpy(buf, p->s, p->length);
		buf[p->length] = '\0';
		if (!strcmp(buf, "cred")) {
			ret = 0;
		} else if (!strncmp(buf, "cred/", 5) && buf[5] &&
			   !strchr(buf + 5, '/')) {
			*id = buf + 5;
			ret = 0;
		} else if (!strncmp(buf, "anchor/", 7) && buf[7] &&
			   !strchr(buf + 7, '/')) {
			*res = TEF_RES_ANCHOR;
			*id = buf + 7;
			ret = 0;
		}
	}
	coap_delete_string(p);
	return ret;
}

/* Is option @num present with a value other than application/json? */
static int not_json(const coap_pdu_t *req, coap_option_num_t num)
{
	coap_opt_iterator_t it;
	coap_opt_t *o = coap_check_option(req, num, &it);

	return o && coap_decode_var_bytes(coap_opt_value(o),
					  coap_opt_length(o)) !=
		    COAP_MEDIATYPE_APPLICATION_JSON;
}

static int has_body(const coap_pdu_t *req)
{
	coap_opt_iterator_t it;
	const uint8_t *d;
	size_t n = 0;

	return (coap_get_data(req, &n, &d) && n) ||
	       coap_check_option(req, COAP_OPTION_BLOCK1, &it);
}

static int refuse_body(struct tef_sess *st, struct tef_reply *rp,
		       unsigned int code, const char *why)
{
	sess_drop_body(st);
	rp->code = code;
	rp->why = why;
	return -1;
}

/*
 * The body of a POST, reassembled from Block1 if need be.
 * Return: 0 with the whole body in *data and *len; 1 when a 2.31 Continue is
 * the answer; -1 with a refusal in @rp.
 */
static int request_body(struct tef_sess *st, coap_session_t *s,
			const coap_pdu_t *req, struct tef_reply *rp,
			struct tef_blk *echo, const uint8_t **data,
			size_t *len)
{
	coap_opt_iterator_t it;
	const uint8_t *d = NULL;
	coap_block_b_t b;
	size_t n = 0, chunk, off;
	coap_opt_t *o;

	if (!coap_get_data(req, &n, &d)) {
		n = 0;
		d = NULL;
	}
	if (!coap_check_option(req, COAP_OPTION_BLOCK1, &it)) {
		/* A whole body: it replaces any unfinished one. */
		sess_drop_body(st);
		if (n > TEF_BODY_MAX)
			return refuse_body(st, rp, 413,
					   "body larger than 4096 bytes");
		*data = d;
		*len = n;
		return 0;
	}
	if (!coap_get_block_b(s, req, COAP_OPTION_BLOCK1, &b))
		return refuse_body(st, rp, 400, "bad Block1 option");
	o = coap_check_option(req, COAP_OPTION_SIZE1, &it);
	if (o && coap_decode_var_bytes(coap_opt_value(o), coap_opt_length(o)) >
		 TEF_BODY_MAX)
		return refuse_body(st, rp, 413, "body larger than 4096 bytes");
	chunk = (size_t)1 << (b.szx + 4);
	off = (size_t)b.num * chunk;
	if (n > chunk || (b.m && n != chunk))
		return refuse_body(st, rp, 400,
				   "block size differs from its Block1 option");
	if (off > TEF_BODY_MAX || n > TEF_BODY_MAX - off)
		return refuse_body(st, rp, 413, "body larger than 4096 bytes");
	if (b.num == 0) {
		if (!st->body) {
			st->body = malloc(TEF_BODY_MAX);
			if (!st->body)
				return refuse_body(st, rp, 500,
						   "out of memory");
		}
		st->body_len = 0;
		st->szx = b.szx;
	} else if (!st->body || b.szx != st->szx || off > st->body_len) {
		return refuse_body(st, rp, 408, "blocks missing or out of order");
	}
	if (off < st->body_len) {
		/* A retransmission of the block just acknowledged. */
		if (!b.m || off + n != st->body_len ||
		    memcmp(st->body + off, d, n))
			return refuse_body(st, rp, 408,
					   "blocks missing or out of order");
	} else {
		memcpy(st->body + off, d, n);
		st->body_len = off + n;
	}
	echo->set = 1;
	echo->num = b.num;
	echo->m = b.m;
	echo->szx = b.szx;
	if (b.m) {
		rp->code = 231;
		return 1;
	}
	*data = st->body;
	*len = st->body_len;
	return 0;
}

static void do_register(struct tef_server *srv, struct tef_sess *st,
			coap_session_t *s, const coap_pdu_t *req,
			const char *ae, struct tef_reply *rp,
			struct tef_blk *echo)
{
	coap_tls_library_t lib;
	const uint8_t *data = NULL;
	struct m2mv_ke ke;
	size_t len = 0;
	void *ssl;

	if (not_json(req, COAP_OPTION_CONTENT_FORMAT)) {
		sess_drop_body(st);
		rp->code = 415;
		rp->why = "the body must be application/json";
		return;
	}
	if (request_body(st, s, req, rp, echo, &data, &len))
		return;
	ssl = coap_session_get_tls(s, &lib);
	if (!ssl || lib != COAP_TLS_LIBRARY_OPENSSL ||
	    m2mv_kdf_exporter(ssl, srv->fqdn, &ke)) {
		rp->code = 500;
		rp->why = "no exporter";
	} else {
		tef_register(srv->db, &srv->opts, &ke, ae, data, len,
			     time(NULL), rp);
	}
	OPENSSL_cleanse(&ke, sizeof(ke));
	sess_drop_body(st);
}

static void do_update(struct tef_server *srv, struct tef_sess *st,
		      coap_session_t *s, const coap_pdu_t *req, const char *ae,
		      const char *id, struct tef_reply *rp,
		      struct tef_blk *echo)
{
	const uint8_t *data = NULL;
	size_t len = 0;

	if (not_json(req, COAP_OPTION_CONTENT_FORMAT)) {
		sess_drop_body(st);
		rp->code = 415;
		rp->why = "the body must be application/json";
		return;
	}
	if (request_body(st, s, req, rp, echo, &data, &len))
		return;
	tef_update(srv->db, id, ae, data, len, time(NULL), rp);
	sess_drop_body(st);
}

static void do_anchor_put(struct tef_server *srv, struct tef_sess *st,
			  coap_session_t *s, const coap_pdu_t *req,
			  const char *ae, const char *store,
			  struct tef_reply *rp, struct tef_blk *echo)
{
	const uint8_t *data = NULL;
	size_t len = 0;

	if (not_json(req, COAP_OPTION_CONTENT_FORMAT)) {
		sess_drop_body(st);
		rp->code = 415;
		rp->why = "the body must be application/json";
		return;
	}
	if (request_body(st, s, req, rp, echo, &data, &len))
		return;
	tef_anchor_put(srv->db, ae, store, data, len, time(NULL), rp);
	sess_drop_body(st);
}

/* Options in ascending order, then the payload; log the outcome. */
static void respond(struct tef_sess *st, coap_pdu_t *resp,
		    struct tef_reply *rp, const struct tef_blk *b,
		    const char *what)
{
	const char *peer = st ? st->peer : "?", *id = st ? st->id : "-";
	uint8_t buf[4];
	int ok = 1;

	coap_pdu_set_code(resp, COAP_RESPONSE_CODE(rp->code));
	if (rp->json)
		ok = coap_add_option(resp, COAP_OPTION_CONTENT_FORMAT,
				     coap_encode_var_safe(buf, sizeof(buf),
					COAP_MEDIATYPE_APPLICATION_JSON),
				     buf) > 0;
	if (ok && b->set)
		ok = coap_add_option(resp, COAP_OPTION_BLOCK1,
				     coap_encode_var_safe(buf, sizeof(buf),
					(b->num << 4) | (b->m << 3) | b->szx),
				     buf) > 0;
	if (ok && rp->code == 413)
		ok = coap_add_option(resp, COAP_OPTION_SIZE1,
				     coap_encode_var_safe(buf, sizeof(buf),
							  TEF_BODY_MAX),
				     buf) > 0;
	if (ok && rp->json)
		ok = coap_add_data(resp, rp->json_len,
				   (const uint8_t *)rp->json);
	else if (ok && rp->why)
		ok = coap_add_data(resp, strlen(rp->why),
				   (const uint8_t *)rp->why);
	if (!ok) {
		/* Cannot happen with the sizes the TEF uses; never send 2.xx empty. */
		coap_pdu_set_code(resp, COAP_RESPONSE_CODE(500));
		say("refused %s from %s identity %s: reply does not fit a message",
		    what, peer, id);
		return;
	}
	if (rp->code >= 400)
		say("refused %s from %s identity %s: %s", what, peer, id,
		    rp->why ? rp->why : "?");
	else if (rp->note[0])
		say("%s", rp->note);
}

static const char *op_name(enum tef_res res, coap_pdu_code_t method,
			   const char *id)
{
	if (res == TEF_RES_ANCHOR) {
		if (method == COAP_REQUEST_CODE_PUT)
			return "anchor report";
		if (method == COAP_REQUEST_CODE_GET)
			return "anchor fetch";
		if (method == COAP_REQUEST_CODE_DELETE)
			return "anchor drop";
		return "request";
	}
	if (method == COAP_REQUEST_CODE_POST && !id)
		return "register";
	if (method == COAP_REQUEST_CODE_POST && id)
		return "update";
	if (method == COAP_REQUEST_CODE_GET && id)
		return "retrieve";
	if (method == COAP_REQUEST_CODE_DELETE && id)
		return "revoke";
	return "request";
}

/* A request on /anchor/<store>: the method is one the resource has. */
static void handle_anchor(struct tef_server *srv, struct tef_sess *st,
			  coap_session_t *s, const coap_pdu_t *req,
			  const char *ae, const char *store,
			  struct tef_reply *rp, struct tef_blk *blk)
{
	coap_pdu_code_t method = coap_pdu_get_code(req);

	if (!m2mv_tef_store_ok(store)) {
		rp->code = 400;
		rp->why = "not a store name";
	} else if (method == COAP_REQUEST_CODE_PUT) {
		do_anchor_put(srv, st, s, req, ae, store, rp, blk);
	} else if (has_body(req)) {
		rp->code = 400;
		rp->why = "no body expected";
	} else if (method == COAP_REQUEST_CODE_GET) {
		tef_anchor_get(srv->db, ae, store, rp);
	} else {
		tef_anchor_drop(srv->db, ae, store, rp);
	}
}

static void handle(coap_resource_t *r, coap_session_t *s,
		   const coap_pdu_t *req, const coap_string_t *query,
		   coap_pdu_t *resp)
{
	struct tef_server *srv = coap_resource_get_userdata(r);
	struct tef_sess *st = coap_session_get_app_data(s);
	coap_pdu_code_t method = coap_pdu_get_code(req);
	char path[M2MV_CREDID_BUFSZ + 8], ae[TEF_ID_MAX + 1];
	struct tef_reply rp = { 0 };
	struct tef_blk blk = { 0 };
	const char *id = NULL, *what = "request";
	enum tef_res res = TEF_RES_CRED;
	unsigned int code;

	(void)query;
	if (!st || !st->connected) {
		rp.code = 401;
		rp.why = "no enrolee";
	} else if ((code = session_enrolee(srv, s, ae, &rp.why))) {
		rp.code = code;
		sess_drop_body(st);
	} else if (parse_path(req, path, sizeof(path), &res, &id)) {
		rp.code = 404;
		rp.why = "no such resource";
	} else if ((what = op_name(res, method, id)) &&
		   !strcmp(what, "request")) {
		rp.code = 405;
		rp.why = res == TEF_RES_ANCHOR ?
			 "an anchor takes PUT, GET and DELETE" :
			 id ? "a credential takes GET, POST and DELETE" :
			      "/cred takes POST";
	} else if (not_json(req, COAP_OPTION_ACCEPT)) {
		rp.code = 406;
		rp.why = "only application/json is offered";
	} else if (res == TEF_RES_ANCHOR) {
		handle_anchor(srv, st, s, req, ae, id, &rp, &blk);
	} else if (!id) {
		do_register(srv, st, s, req, ae, &rp, &blk);
	} else if (m2mv_credid_parse(id, NULL)) {
		sess_drop_body(st);
		rp.code = 400;
		rp.why = "not a Credential-ID";
	} else if (method == COAP_REQUEST_CODE_POST) {
		do_update(srv, st, s, req, ae, id, &rp, &blk);
	} else if (has_body(req)) {
		rp.code = 400;
		rp.why = "no body expected";
	} else if (method == COAP_REQUEST_CODE_GET) {
		tef_retrieve(srv->db, id, ae, time(NULL), &rp);
	} else {
		tef_revoke(srv->db, id, ae, &rp);
	}
	respond(st, resp, &rp, &blk, what);
	tef_reply_clear(&rp);
}

/* ------------------------------------------------------------ server */

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
	static const coap_request_t methods[] = {
		COAP_REQUEST_GET, COAP_REQUEST_POST, COAP_REQUEST_PUT,
		COAP_REQUEST_DELETE, COAP_REQUEST_FETCH, COAP_REQUEST_PATCH, COAP_REQUEST_IPATCH,
	};
	struct tef_server srv = { .db = db, .fqdn = cfg->fqdn,
				  .opts = { .fqdn = cfg->fqdn,
					    .admin = cfg->admin,
					    .assign = cfg->assign },
				  .verbose = cfg->verbose };
	coap_dtls_spsk_t psk = { .version = COAP_DTLS_SPSK_SETUP_VERSION };
	struct sigaction sa = { .sa_handler = on_signal };
	int v6 = strchr(cfg->listen, ':') != NULL;
	coap_context_t *ctx = NULL;
	struct tef_sess *st;
	coap_resource_t *r;
	coap_address_t addr;
	int ret = -EIO, started = 0;
	size_t i;

	/* An address as --fqdn: clients send no SNI, and any SNI is another. */
	if (m2mv_tef_sni(srv.sni, sizeof(srv.sni), cfg->fqdn) < 0) {
		say("bad --fqdn %s", cfg->fqdn);
		return -EINVAL;
	}
	if (listen_addr(cfg->listen, cfg->port, &addr)) {
		say("bad listen address %s (a numeric IPv4 or IPv6 address)",
		    cfg->listen);
		return -EINVAL;
	}
	tef_quit = 0;
	coap_startup();
	coap_set_log_level(cfg->verbose ? LOG_INFO : LOG_EMERG);
	coap_dtls_set_log_level(cfg->verbose ? LOG_INFO : LOG_EMERG);
	if (!coap_dtls_is_supported())
		goto out;
	ctx = coap_new_context(NULL);
	if (!ctx)
		goto out;
	coap_set_app_data(ctx, &srv);
	/* No COAP_BLOCK_USE_LIBCOAP: Block1 is reassembled here, bounded. */
	coap_context_set_block_mode(ctx, 0);
	psk.validate_id_call_back = psk_for_identity;
	psk.id_call_back_arg = &srv;
	if (!coap_context_set_psk2(ctx, &psk))
		goto out;
	coap_register_event_handler(ctx, on_event);
	coap_context_set_session_timeout(ctx, TEF_SESSION_TIMEOUT);
	coap_context_set_max_handshake_sessions(ctx, TEF_MAX_HANDSHAKES);
	coap_context_set_max_idle_sessions(ctx, TEF_MAX_IDLE);
	if (!coap_new_endpoint(ctx, &addr, COAP_PROTO_DTLS)) {
		say("cannot listen on %s%s%s:%u", v6 ? "[" : "", cfg->listen,
		    v6 ? "]" : "", cfg->port);
		ret = -EADDRINUSE;
		goto out;
	}
	/* Every path and method reaches handle(), which logs refusals. */
	r = coap_resource_unknown_init2(handle, 0);
	if (!r)
		goto out;
	coap_resource_set_userdata(r, &srv);
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		coap_register_handler(r, methods[i], handle);
	coap_add_resource(ctx, r);
	started = 1;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	say("listening on %s%s%s:%u", v6 ? "[" : "", cfg->listen,
	    v6 ? "]" : "", cfg->port);
	ret = 0;
	while (!tef_quit) {
		if (coap_io_process(ctx, 1000) < 0) {
			say("CoAP I/O failed");
			ret = -EIO;
			break;
		}
		/* libcoap has copied the key into its session by now. */
		OPENSSL_cleanse(srv.psk, sizeof(srv.psk));
		log_stalled(&srv);
	}
	if (!ret)
		say("stopping");
out:
	if (!started && ret == -EIO)
		say("cannot start the CoAP/DTLS server");
	coap_free_context(ctx);
	coap_cleanup();
	while ((st = srv.sessions))
		sess_free(&srv, st);
	OPENSSL_cleanse(srv.psk, sizeof(srv.psk));
	return ret;
}
