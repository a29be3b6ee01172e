// SPDX-License-Identifier: GPL-2.0
/*
 * The TEF protocol, client side (see tefclient.h): one DTLS-PSK session
 * with synchronous requests, driven by coap_io_process() until the answer
 * comes or the timeout passes.
 *
 * Telling failures apart at the handshake (Documentation/tef.rst):
 *  - nothing listens: the ClientHello draws an ICMP port unreachable,
 *    which libcoap reports as a NACK (COAP_NACK_ICMP_ISSUE) or a session
 *    failure before any DTLS record came back: -ECONNREFUSED;
 *  - an unknown identity: the server answered our ClientHello, then sent
 *    a fatal alert (COAP_EVENT_DTLS_ERROR): -EACCES;
 *  - a wrong PSK: the server answered, then dropped our Finished that it
 *    could not decrypt, so the handshake never ends: -EACCES when the
 *    timeout passes with the handshake past the ServerHello;
 *  - no answer at all: -ETIMEDOUT.
 * A TEF that is not the one the SNI names refuses the handshake in the
 * same way as an unknown identity (Documentation/tef.rst): -EACCES.
 *
 * libcoap logs nothing unless M2MV_COAP_DEBUG is set in the environment.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <coap3/coap.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include "common/b64url.h"
#include "common/hexkey.h"
#include "common/tefclient.h"

#define TEF_DEFAULT_TIMEOUT_MS	5000
#define TEF_MAX_REPLY		8192
#define TEF_MAX_IDENTITY	128
#define TEF_TOKEN_MAX		8

struct m2mv_tef {
	coap_context_t *ctx;
	coap_session_t *s;
	struct m2mv_ke ke;
	char fqdn[254];
	char sni[M2MV_TEF_SNI_BUFSZ];	/* empty: none sent */
	unsigned int timeout_ms;
	int debug;
	/* Handshake and session state, from the event and NACK handlers. */
	int connected;
	int failed;		/* the session ended or could not start */
	int refused;		/* ... because of an ICMP error */
	int progressed;		/* the server answered our ClientHello */
	/* The pending request. */
	uint8_t token[TEF_TOKEN_MAX];
	size_t toklen;
	int done;
	coap_pdu_code_t code;
	uint8_t *body;		/* its answer's payload, NUL-terminated */
	size_t body_len;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct m2mv_tef *tef_of(coap_session_t *s)
{
	return coap_session_get_app_data(s);
}

/* Did the server answer our ClientHello (so a failure is the PSK's)? */
static int handshake_progressed(coap_session_t *s)
{
	coap_tls_library_t lib;
	SSL *ssl = coap_session_get_tls(s, &lib);
	OSSL_HANDSHAKE_STATE st;

	if (!ssl || lib != COAP_TLS_LIBRARY_OPENSSL)
		return 0;
	st = SSL_get_state(ssl);
	return st != TLS_ST_BEFORE && st != TLS_ST_CW_CLNT_HELLO &&
	       st != DTLS_ST_CR_HELLO_VERIFY_REQUEST;
}

static int on_event(coap_session_t *s, const coap_event_t ev)
{
	struct m2mv_tef *t = tef_of(s);

	if (!t)
		return 0;
	if (t->debug)
		fprintf(stderr, "tefclient: event 0x%04x\n", (unsigned int)ev);
	switch (ev) {
	case COAP_EVENT_DTLS_CONNECTED:
		t->connected = 1;
		break;
	case COAP_EVENT_DTLS_ERROR:
	case COAP_EVENT_DTLS_CLOSED:
	case COAP_EVENT_SESSION_FAILED:
	case COAP_EVENT_SESSION_CLOSED:
		/* Before libcoap drops the TLS state: how far did we get? */
		if (!t->connected && handshake_progressed(s))
			t->progressed = 1;
		t->failed = 1;
		break;
	default:
		break;
	}
	return 0;
}

static void on_nack(coap_session_t *s, const coap_pdu_t *sent,
		    const coap_nack_reason_t reason, const coap_mid_t mid)
{
	struct m2mv_tef *t = tef_of(s);

	(void)sent;
	(void)mid;
	if (!t)
		return;
	if (t->debug)
		fprintf(stderr, "tefclient: nack %d\n", (int)reason);
	if (reason == COAP_NACK_ICMP_ISSUE || reason == COAP_NACK_NOT_DELIVERABLE)
		t->refused = 1;
	if (reason != COAP_NACK_RST)
		t->failed = 1;
}

static coap_response_t on_response(coap_session_t *s, const coap_pdu_t *sent,
				   const coap_pdu_t *rcvd, const coap_mid_t mid)
{
	struct m2mv_tef *t = tef_of(s);
	coap_bin_const_t tok = coap_pdu_get_token(rcvd);
	size_t len = 0, off = 0, total = 0;
	const uint8_t *data;

	(void)sent;
	(void)mid;
	/* Only the answer to the pending request counts. */
	if (!t || t->done || tok.length != t->toklen ||
	    (t->toklen && memcmp(tok.s, t->token, t->toklen)))
		return COAP_RESPONSE_OK;
	t->code = coap_pdu_get_code(rcvd);
	if (coap_get_data_large(rcvd, &len, &data, &off, &total) && len &&
	    !off && len <= TEF_MAX_REPLY) {
		t->body = malloc(len + 1);
		if (t->body) {
			memcpy(t->body, data, len);
			t->body[len] = '\0';
			t->body_len = len;
		}
	}
	t->done = 1;
	return COAP_RESPONSE_OK;
}

static void drop_body(struct m2mv_tef *t)
{
	if (t->body) {
		OPENSSL_cleanse(t->body, t->body_len);
		free(t->body);
	}
	t->body = NULL;
	t->body_len = 0;
}

static int config_ok(const struct m2mv_tef_config *cfg)
{
	size_t idlen;

	if (!cfg || !cfg->host || !*cfg->host || !cfg->fqdn ||
	    !*cfg->fqdn || strlen(cfg->fqdn) > 253 || !cfg->psk_identity ||
	    !cfg->psk || cfg->psk_len < M2MV_PSK_MIN ||
	    cfg->psk_len > M2MV_PSK_MAX)
		return 0;
	idlen = strlen(cfg->psk_identity);
	return idlen > 0 && idlen <= TEF_MAX_IDENTITY;
}

/* One handshake with @dst within @deadline: 0 or -errno as in the header. */
static int handshake(struct m2mv_tef *t, const struct m2mv_tef_config *cfg,
		     const coap_address_t *dst, uint64_t deadline)
{
	coap_dtls_cpsk_t psk = { .version = COAP_DTLS_CPSK_SETUP_VERSION };

	t->connected = t->failed = t->refused = t->progressed = 0;
	psk.psk_info.identity.s = (const uint8_t *)cfg->psk_identity;
	psk.psk_info.identity.length = strlen(cfg->psk_identity);
	psk.psk_info.key.s = cfg->psk;
	psk.psk_info.key.length = cfg->psk_len;
	/* libcoap keeps the pointer: t->sni lives as long as the session. */
	psk.client_sni = t->sni[0] ? t->sni : NULL;
	t->s = coap_new_client_session_psk2(t->ctx, NULL, dst, COAP_PROTO_DTLS,
					    &psk);
	if (!t->s)
		return -ENOMEM;
	coap_session_set_app_data(t->s, t);
	while (!t->connected && !t->failed && now_ms() < deadline)
		coap_io_process(t->ctx, 50);
	if (t->connected && !t->failed)
		return 0;
	if (t->progressed || handshake_progressed(t->s))
		return -EACCES;
	if (t->refused || t->failed)
		return -ECONNREFUSED;
	return -ETIMEDOUT;
}

int m2mv_tef_connect(const struct m2mv_tef_config *cfg, struct m2mv_tef **out)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM,
				  .ai_flags = AI_ADDRCONFIG };
	struct addrinfo *res = NULL, *ai;
	coap_tls_library_t lib;
	struct m2mv_tef *t;
	coap_address_t dst;
	uint64_t deadline;
	char ps[8];
	void *ssl;
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!config_ok(cfg))
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	snprintf(t->fqdn, sizeof(t->fqdn), "%s", cfg->fqdn);
	if (m2mv_tef_sni(t->sni, sizeof(t->sni), t->fqdn) < 0) {
		ret = -EINVAL;
		goto err;
	}
	t->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms :
			TEF_DEFAULT_TIMEOUT_MS;
	t->debug = getenv("M2MV_COAP_DEBUG") != NULL;
	snprintf(ps, sizeof(ps), "%u", cfg->port ? cfg->port : M2MV_TEF_PORT);
	if (getaddrinfo(cfg->host, ps, &hints, &res)) {
		ret = -EHOSTUNREACH;
		goto err;
	}

	coap_startup();
	coap_set_log_level(t->debug ? LOG_DEBUG : LOG_EMERG);
	coap_dtls_set_log_level(t->debug ? LOG_DEBUG : LOG_EMERG);
	ret = -ENOMEM;
	t->ctx = coap_new_context(NULL);
	if (!t->ctx)
		goto err;
	coap_context_set_block_mode(t->ctx, COAP_BLOCK_USE_LIBCOAP |
					    COAP_BLOCK_SINGLE_BODY);
	coap_register_event_handler(t->ctx, on_event);
	coap_register_nack_handler(t->ctx, on_nack);
	coap_register_response_handler(t->ctx, on_response);

	/* Each address in turn while they refuse (localhost: ::1, 127.0.0.1). */
	deadline = now_ms() + t->timeout_ms;
	ret = -EHOSTUNREACH;
	for (ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof(dst.addr))
			continue;
		coap_address_init(&dst);
		dst.size = ai->ai_addrlen;
		memcpy(&dst.addr, ai->ai_addr, ai->ai_addrlen);
		ret = handshake(t, cfg, &dst, deadline);
		if (ret != -ECONNREFUSED || !ai->ai_next)
			break;
		coap_session_release(t->s);
		t->s = NULL;
	}
	if (ret)
		goto err;
	ssl = coap_session_get_tls(t->s, &lib);
	if (!ssl || lib != COAP_TLS_LIBRARY_OPENSSL) {
		ret = -EPROTO;
		goto err;
	}
	ret = m2mv_kdf_exporter(ssl, t->fqdn, &t->ke);
	if (ret)
		goto err;
	freeaddrinfo(res);
	*out = t;
	return 0;
err:
	if (res)
		freeaddrinfo(res);
	m2mv_tef_close(t);
	return ret;
}

/* An IP address literal, in any form a resolver takes for one? */
static int addr_literal(const char *name, size_t len)
{
	const char *label = name;
	struct in_addr a4;
	size_t i;

	if (memchr(name, ':', len) || inet_aton(name, &a4))
		return 1;
	for (i = 0; i < len; i++)
		if (name[i] == '.')
			label = name + i + 1;
	if (label == name + len)
		return 0;
	for (; label < name + len; label++)
		if (*label < '0' || *label > '9')
			return 0;
	return 1;
}

int m2mv_tef_sni(char *buf, size_t size, const char *fqdn)
{
	size_t len = fqdn ? strlen(fqdn) : 0;

	if (!buf || !size)
		return -EINVAL;
	buf[0] = '\0';
	if (len && fqdn[len - 1] == '.')
		len--;
	if (!len || len >= size)
		return -EINVAL;
	memcpy(buf, fqdn, len);
	buf[len] = '\0';
	if (addr_literal(buf, len)) {
		buf[0] = '\0';
		return 0;
	}
	return 1;
}

const struct m2mv_ke *m2mv_tef_ke(const struct m2mv_tef *t)
{
	return &t->ke;
}

static int code_errno(coap_pdu_code_t code)
{
	switch (code) {
	case COAP_RESPONSE_CODE_CREATED:
	case COAP_RESPONSE_CODE_DELETED:
	case COAP_RESPONSE_CODE_CONTENT:
	case COAP_RESPONSE_CODE_CHANGED:
		return 0;
	case COAP_RESPONSE_CODE_BAD_REQUEST:
		return -EINVAL;
	case COAP_RESPONSE_CODE_UNAUTHORIZED:
		return -EACCES;
	case COAP_RESPONSE_CODE_FORBIDDEN:
		return -EPERM;
	case COAP_RESPONSE_CODE_NOT_FOUND:
		return -ENOENT;
	case COAP_RESPONSE_CODE(413):
		return -E2BIG;
	default:
		return -EPROTO;
	}
}

static void release_body(coap_session_t *s, void *p)
{
	(void)s;
	free(p);
}

/* One request; the answer's payload (if any) stays in t->body. */
static int request(struct m2mv_tef *t, coap_pdu_code_t method,
		   const char *res, const char *id, const char *body,
		   coap_pdu_code_t want)
{
	uint8_t cf[4];
	coap_pdu_t *pdu;
	uint64_t end;
	char *copy;

	drop_body(t);
	t->done = 0;
	t->code = 0;
	if (t->failed)
		return -ECONNRESET;
	pdu = coap_new_pdu(COAP_MESSAGE_CON, method, t->s);
	if (!pdu)
		return -ENOMEM;
	coap_session_new_token(t->s, &t->toklen, t->token);
	if (!coap_add_token(pdu, t->toklen, t->token) ||
	    !coap_add_option(pdu, COAP_OPTION_URI_PATH, strlen(res),
			     (const uint8_t *)res) ||
	    (id && !coap_add_option(pdu, COAP_OPTION_URI_PATH, strlen(id),
				    (const uint8_t *)id)) ||
	    (body && !coap_add_option(pdu, COAP_OPTION_CONTENT_FORMAT,
				      coap_encode_var_safe(cf, sizeof(cf),
					COAP_MEDIATYPE_APPLICATION_JSON), cf))) {
		coap_delete_pdu(pdu);
		return -ENOMEM;
	}
	if (body) {
		/* Block-wise if it does not fit; libcoap frees the copy. */
		copy = strdup(body);
		if (!copy ||
		    !coap_add_data_large_request(t->s, pdu, strlen(copy),
						 (const uint8_t *)copy,
						 release_body, copy)) {
			coap_delete_pdu(pdu);
			return -ENOMEM;
		}
	}
	if (coap_send(t->s, pdu) == COAP_INVALID_MID)
		return -EIO;
	end = now_ms() + t->timeout_ms;
	while (!t->done && !t->failed && now_ms() < end)
		coap_io_process(t->ctx, 50);
	if (!t->done)
		return t->failed ? -ECONNRESET : -ETIMEDOUT;
	if (t->code == want)
		return 0;
	/* A 2.xx other than the one this method gives is no answer. */
	return code_errno(t->code) ? code_errno(t->code) : -EPROTO;
}

/* Is @v an integer 14, 15 or 16 listed in @req, not seen before? */
static int type_expected(const struct m2mv_tef_reg_req *req, json_int_t v,
			 unsigned int *seen)
{
	size_t i;

	for (i = 0; i < req->n_types; i++)
		if ((json_int_t)req->types[i] == v && !(*seen & (1U << i))) {
			*seen |= 1U << i;
			return 1;
		}
	return 0;
}

/* NULL, or an array of at most @max strings that @ok accepts. */
static int strings_ok(json_t *arr, size_t max, int (*ok)(const char *))
{
	size_t i;
	json_t *e;

	if (!arr)
		return 1;
	if (!json_is_array(arr) || json_array_size(arr) > max)
		return 0;
	json_array_foreach(arr, i, e)
		if (!json_is_string(e) ||
		    strlen(json_string_value(e)) != json_string_length(e) ||
		    !ok(json_string_value(e)))
			return 0;
	return 1;
}

static int aeid_ok(const char *s)
{
	size_t i, n = strnlen(s, TEF_MAX_IDENTITY + 1);

	if (!n || n > TEF_MAX_IDENTITY)
		return 0;
	for (i = 0; i < n; i++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789._:/-", s[i]))
			return 0;
	return 1;
}

/* One entry of "credentials": of a type asked for, its ID one we take. */
static int cred_ok(json_t *c, const struct m2mv_tef_reg_req *req,
		   const char *fqdn, unsigned int *seen,
		   struct m2mv_tef_reg *out, size_t i)
{
	json_int_t type = 0, suid = -1;
	const char *id = NULL;
	size_t j;

	if (json_unpack(c, "{s:I,s?I,s:s!}", "type", &type, "suid", &suid,
			"id", &id) ||
	    !type_expected(req, type, seen))
		return 0;
	/* The SUID the TEF gives must be that of the type (and ours). */
	if (suid == -1)
		suid = m2mv_tef_suid_of((unsigned int)type);
	if (suid != m2mv_tef_suid_of((unsigned int)type) ||
	    (req->suid && suid != req->suid) ||
	    !m2mv_tef_assigned_ok(id, (unsigned int)type, fqdn))
		return 0;
	for (j = 0; j < i; j++)
		if (!strcmp(out->creds[j].id, id))
			return 0;
	out->creds[i].type = (unsigned int)type;
	out->creds[i].suid = (unsigned int)suid;
	snprintf(out->creds[i].id, sizeof(out->creds[i].id), "%s", id);
	return 1;
}

int m2mv_tef_reg_parse(const char *text, size_t len,
		       const struct m2mv_tef_reg_req *req, const char *keid,
		       const char *fqdn, struct m2mv_tef_reg *out)
{
	json_t *root, *creds = NULL, *targets = NULL, *labels = NULL, *c;
	const char *k = NULL, *salt = NULL, *owner = NULL, *admin = NULL;
	json_int_t expires = 0;
	unsigned int seen = 0;
	int ret = -EPROTO;
	size_t i;

	memset(out, 0, sizeof(*out));
	root = text ? json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL) :
		      NULL;
	/* owner, admin, targets and labels: absent from older TEFs' replies. */
	if (json_unpack(root, "{s:s,s:s,s:I,s:o,s?s,s?s,s?o,s?o!}", "keid",
			&k, "salt", &salt, "expires", &expires, "credentials",
			&creds, "owner", &owner, "admin", &admin, "targets",
			&targets, "labels", &labels) ||
	    strcmp(k, keid) || expires <= 0 ||
	    m2mv_b64url_decode(out->salt, sizeof(out->salt), salt) !=
		    M2MV_SALT_LEN ||
	    (owner && !aeid_ok(owner)) ||
	    (admin && !m2mv_tef_fqdn_ok(admin)) ||
	    !strings_ok(targets, M2MV_TEF_MAX_TARGETS, aeid_ok) ||
	    !strings_ok(labels, M2MV_TEF_MAX_LABELS, m2mv_tef_label_ok) ||
	    !json_is_array(creds) ||
	    json_array_size(creds) != req->n_types)
		goto out;
	out->expires = (time_t)expires;
	if (owner)
		snprintf(out->owner, sizeof(out->owner), "%s", owner);
	if (admin)
		snprintf(out->admin, sizeof(out->admin), "%s", admin);
	out->n_targets = targets ? json_array_size(targets) : req->n_targets;
	out->n_labels = labels ? json_array_size(labels) : req->n_labels;
	json_array_foreach(creds, i, c)
		if (!cred_ok(c, req, fqdn, &seen, out, i))
			goto out;
	out->n_creds = json_array_size(creds);
	ret = 0;
out:
	json_decref(root);
	if (ret)
		OPENSSL_cleanse(out, sizeof(*out));
	return ret;
}

/* An array of @n strings, or NULL (also when one is not UTF-8). */
static json_t *string_array(const char *const *v, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr && i < n; i++)
		/* json_string() refuses text that is not UTF-8. */
		if (!v[i] || json_array_append_new(arr, json_string(v[i]))) {
			json_decref(arr);
			arr = NULL;
		}
	return arr;
}

static int labels_ok(const char *const *labels, size_t n)
{
	size_t i, j;

	if (n > M2MV_TEF_MAX_LABELS || (n && !labels))
		return 0;
	for (i = 0; i < n; i++) {
		if (!m2mv_tef_label_ok(labels[i]))
			return 0;
		for (j = 0; j < i; j++)
			if (!strcmp(labels[i], labels[j]))
				return 0;
	}
	return 1;
}

static int reg_req_ok(const struct m2mv_tef_reg_req *req)
{
	size_t i;

	if (!req || req->n_types == 0 || req->n_types > M2MV_TEF_MAX_TYPES ||
	    !req->types || req->n_targets > M2MV_TEF_MAX_TARGETS ||
	    (req->n_targets && !req->targets) ||
	    !req->lifetime == !req->expires || req->expires < 0 ||
	    req->lifetime > M2MV_TEF_MAX_LIFETIME ||
	    !labels_ok(req->labels, req->n_labels) ||
	    (req->admin && !m2mv_tef_fqdn_ok(req->admin)))
		return 0;
	/* Unknown types are for the TEF to refuse; the SUID must fit. */
	for (i = 0; req->suid && i < req->n_types; i++)
		if (m2mv_tef_suid_of(req->types[i]) != req->suid)
			return 0;
	return 1;
}

/* Adds the expiry of a request: "lifetime" or "expires". */
static int set_expiry(json_t *root, unsigned int lifetime, time_t expires)
{
	if (lifetime)
		return json_object_set_new(root, "lifetime",
					   json_integer(lifetime));
	return json_object_set_new(root, "expires",
				   json_integer((json_int_t)expires));
}

static char *reg_body(const struct m2mv_tef_reg_req *req)
{
	json_t *root = json_object(), *types = json_array();
	char *body = NULL;
	int bad = !root || !types;
	size_t i;

	for (i = 0; !bad && i < req->n_types; i++)
		bad = json_array_append_new(types, json_integer(req->types[i]));
	/* json_object_set_new() takes @types, also when it fails. */
	if (bad)
		json_decref(types);
	else
		bad = json_object_set_new(root, "types", types);
	if (!bad)
		bad = set_expiry(root, req->lifetime, req->expires) ||
		      json_object_set_new(root, "targets",
					  string_array(req->targets,
						       req->n_targets));
	if (!bad && req->suid)
		bad = json_object_set_new(root, "suid",
					  json_integer(req->suid));
	if (!bad && req->n_labels)
		bad = json_object_set_new(root, "labels",
					  string_array(req->labels,
						       req->n_labels));
	if (!bad && req->admin)
		bad = json_object_set_new(root, "admin",
					  json_string(req->admin));
	if (!bad)
		body = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return body;
}

int m2mv_tef_register(struct m2mv_tef *t, const struct m2mv_tef_reg_req *req,
		      struct m2mv_tef_reg *out)
{
	char *body;
	int ret;

	if (!t || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!reg_req_ok(req))
		return -EINVAL;
	body = reg_body(req);
	if (!body)
		return -EINVAL;
	ret = request(t, COAP_REQUEST_CODE_POST, "cred", NULL, body,
		      COAP_RESPONSE_CODE_CREATED);
	free(body);
	if (!ret)
		ret = m2mv_tef_reg_parse((const char *)t->body, t->body_len,
					 req, t->ke.keid, t->fqdn, out);
	drop_body(t);
	if (ret)
		OPENSSL_cleanse(out, sizeof(*out));
	return ret;
}

static char *update_body(const struct m2mv_tef_update_req *req)
{
	json_t *root = json_object();
	char *body = NULL;
	int bad = !root;

	if (!bad && (req->lifetime || req->expires))
		bad = set_expiry(root, req->lifetime, req->expires);
	if (!bad && req->set_targets)
		bad = json_object_set_new(root, "targets",
					  string_array(req->targets,
						       req->n_targets));
	if (!bad && req->set_labels)
		bad = json_object_set_new(root, "labels",
					  string_array(req->labels,
						       req->n_labels));
	if (!bad)
		body = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return body;
}

/* The reply holds the members the request had, and only those. */
static int update_parse(const char *text, size_t len,
			const struct m2mv_tef_update_req *req,
			struct m2mv_tef_update *out)
{
	json_t *root, *targets = NULL, *labels = NULL;
	json_int_t expires = 0;
	int ret = -EPROTO;

	root = text ? json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL) :
		      NULL;
	/* targets and labels: a TEF that changed them may say so. */
	if (json_unpack(root, "{s?I,s?o,s?o!}", "expires", &expires,
			"targets", &targets, "labels", &labels) ||
	    !(req->lifetime || req->expires) != !expires || expires < 0 ||
	    (targets && !req->set_targets) || (labels && !req->set_labels) ||
	    !strings_ok(targets, M2MV_TEF_MAX_TARGETS, aeid_ok) ||
	    !strings_ok(labels, M2MV_TEF_MAX_LABELS, m2mv_tef_label_ok))
		goto out;
	out->expires = (time_t)expires;
	out->n_targets = targets ? json_array_size(targets) : req->n_targets;
	out->n_labels = labels ? json_array_size(labels) : req->n_labels;
	ret = 0;
out:
	json_decref(root);
	return ret;
}

int m2mv_tef_update(struct m2mv_tef *t, const char *credid,
		    const struct m2mv_tef_update_req *req,
		    struct m2mv_tef_update *out)
{
	struct m2mv_tef_update got = { 0 };
	char *body;
	int ret;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!t || !req || m2mv_credid_parse(credid, NULL) ||
	    (req->lifetime && req->expires) || req->expires < 0 ||
	    req->lifetime > M2MV_TEF_MAX_LIFETIME ||
	    (!req->lifetime && !req->expires && !req->set_targets &&
	     !req->set_labels) ||
	    (req->set_targets &&
	     (req->n_targets > M2MV_TEF_MAX_TARGETS ||
	      (req->n_targets && !req->targets))) ||
	    (req->set_labels && !labels_ok(req->labels, req->n_labels)))
		return -EINVAL;
	body = update_body(req);
	if (!body)
		return -EINVAL;
	ret = request(t, COAP_REQUEST_CODE_POST, "cred", credid, body,
		      COAP_RESPONSE_CODE_CHANGED);
	free(body);
	if (!ret)
		ret = update_parse((const char *)t->body, t->body_len, req,
				   &got);
	drop_body(t);
	if (!ret && out)
		*out = got;
	return ret;
}

static const char *alg_of(unsigned int type)
{
	return type == 14 ? "dir" : type == 15 ? "A256KW" : "HS256";
}

/* The JWK must be for @credid, and its key 32 bytes. */
static int jwk_ok(json_t *root, const char *credid, unsigned int type)
{
	uint8_t k[M2MV_KEY_LEN + 3];
	const char *kty = NULL, *kid = NULL, *alg = NULL, *kv = NULL;
	json_int_t exp = 0;
	long n;

	if (json_unpack(root, "{s:s,s:s,s:s,s:s,s:I}", "kty", &kty, "kid",
			&kid, "alg", &alg, "k", &kv, "exp", &exp) ||
	    strcmp(kty, "oct") || strcmp(kid, credid) ||
	    strcmp(alg, alg_of(type)) || exp <= 0)
		return 0;
	n = m2mv_b64url_decode(k, sizeof(k), kv);
	OPENSSL_cleanse(k, sizeof(k));
	return n == M2MV_KEY_LEN;
}

int m2mv_tef_retrieve(struct m2mv_tef *t, const char *credid, void **jwk,
		      char **diag)
{
	unsigned int type;
	json_t *root;
	int ret;

	if (jwk)
		*jwk = NULL;
	if (diag)
		*diag = NULL;
	if (!t || !jwk || m2mv_credid_parse(credid, &type))
		return -EINVAL;
	ret = request(t, COAP_REQUEST_CODE_GET, "cred", credid, NULL,
		      COAP_RESPONSE_CODE_CONTENT);
	if (ret) {
		if (diag && t->body)
			*diag = strdup((char *)t->body);
		drop_body(t);
		return ret;
	}
	root = t->body ? json_loadb((char *)t->body, t->body_len,
				    JSON_REJECT_DUPLICATES, NULL) : NULL;
	drop_body(t);
	if (!json_is_object(root) || !jwk_ok(root, credid, type)) {
		/* jansson holds a copy of "k": wipe it first. */
		json_t *k = json_object_get(root, "k");

		if (json_is_string(k))
			OPENSSL_cleanse((char *)json_string_value(k),
					json_string_length(k));
		json_decref(root);
		return -EPROTO;
	}
	*jwk = root;
	return 0;
}

int m2mv_tef_revoke(struct m2mv_tef *t, const char *credid)
{
	int ret;

	if (!t || m2mv_credid_parse(credid, NULL))
		return -EINVAL;
	ret = request(t, COAP_REQUEST_CODE_DELETE, "cred", credid, NULL,
		      COAP_RESPONSE_CODE_DELETED);
	drop_body(t);
	return ret;
}

#define STORE_CHARS \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

int m2mv_tef_store_ok(const char *name)
{
	size_t i, n = name ? strlen(name) : 0;

	if (!n || n > M2MV_TEF_STORE_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!strchr(STORE_CHARS, name[i]))
			return 0;
	return 1;
}

int m2mv_tef_anchor_put(struct m2mv_tef *t, const char *store,
			const struct m2mv_tef_anchor *a)
{
	char *body;
	int ret;

	if (!t || !a || !m2mv_tef_store_ok(store))
		return -EINVAL;
	body = m2mv_tef_anchor_json(a, 0);
	if (!body)
		return -ENOMEM;
	ret = request(t, COAP_REQUEST_CODE_PUT, "anchor", store, body,
		      COAP_RESPONSE_CODE_CHANGED);
	free(body);
	drop_body(t);
	return ret;
}

int m2mv_tef_anchor_get(struct m2mv_tef *t, const char *store,
			struct m2mv_tef_anchor *a)
{
	const char *why;
	int ret;

	if (!t || !a || !m2mv_tef_store_ok(store))
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	ret = request(t, COAP_REQUEST_CODE_GET, "anchor", store, NULL,
		      COAP_RESPONSE_CODE_CONTENT);
	if (!ret && (!t->body ||
		     m2mv_tef_anchor_parse((const char *)t->body, t->body_len,
					   1, a, &why)))
		ret = -EPROTO;
	drop_body(t);
	return ret;
}

int m2mv_tef_anchor_drop(struct m2mv_tef *t, const char *store)
{
	int ret;

	if (!t || !m2mv_tef_store_ok(store))
		return -EINVAL;
	ret = request(t, COAP_REQUEST_CODE_DELETE, "anchor", store, NULL,
		      COAP_RESPONSE_CODE_DELETED);
	drop_body(t);
	return ret;
}

void m2mv_tef_close(struct m2mv_tef *t)
{
	if (!t)
		return;
	if (t->s)
		coap_session_release(t->s);
	if (t->ctx) {
		coap_free_context(t->ctx);
		coap_cleanup();
	}
	drop_body(t);
	OPENSSL_cleanse(t, sizeof(*t));
	free(t);
}
