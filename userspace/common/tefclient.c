// SPDX-License-Identifier: GPL-2.0
/*
 * The TEF protocol, client side (see tefclient.h): one DTLS-PSK session
 * with synchronous requests, driven by coap_io_process() until the answer
 * comes or the timeout passes.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <coap3/coap.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include "common/b64url.h"
#include "common/tefclient.h"

#define TEF_DEFAULT_TIMEOUT_MS	5000
#define TEF_MAX_REPLY		8192

struct m2mv_tef {
	coap_context_t *ctx;
	coap_session_t *s;
	struct m2mv_ke ke;
	char fqdn[254];
	unsigned int timeout_ms;
	int connected;
	int failed;		/* an event or NACK ended the session */
	int icmp;		/* ... because of an ICMP error */
	int progressed;		/* the server answered the ClientHello */
	int done;		/* the pending request has its answer */
	coap_pdu_code_t code;
	uint8_t *body;
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

static int handshake_progressed(coap_session_t *s);

static int on_event(coap_session_t *s, const coap_event_t ev)
{
	struct m2mv_tef *t = tef_of(s);

	if (!t)
		return 0;
	if (ev == COAP_EVENT_DTLS_CONNECTED) {
		t->connected = 1;
	} else if (ev == COAP_EVENT_DTLS_ERROR || ev == COAP_EVENT_DTLS_CLOSED ||
		   ev == COAP_EVENT_SESSION_FAILED ||
		   ev == COAP_EVENT_SESSION_CLOSED) {
		/* Before libcoap drops the TLS state: how far did we get? */
		if (!t->connected && handshake_progressed(s))
			t->progressed = 1;
		t->failed = 1;
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
	t->failed = 1;
	if (reason == COAP_NACK_ICMP_ISSUE || reason == COAP_NACK_NOT_DELIVERABLE)
		t->icmp = 1;
}

static coap_response_t on_response(coap_session_t *s, const coap_pdu_t *sent,
				   const coap_pdu_t *rcvd, const coap_mid_t mid)
{
	struct m2mv_tef *t = tef_of(s);
	const uint8_t *data;
	size_t len = 0, off = 0, total = 0;

	(void)sent;
	(void)mid;
	if (!t || t->done)
		return COAP_RESPONSE_OK;
	t->code = coap_pdu_get_code(rcvd);
	free(t->body);
	t->body = NULL;
	t->body_len = 0;
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

static int resolve(const char *host, uint16_t port, coap_address_t *a)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM };
	struct addrinfo *res;
	char ps[8];

	snprintf(ps, sizeof(ps), "%u", port);
	if (getaddrinfo(host, ps, &hints, &res))
		return -EHOSTUNREACH;
	coap_address_init(a);
	a->size = res->ai_addrlen;
	memcpy(&a->addr, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

/* Did the server answer the ClientHello (so a failure is the PSK's)? */
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

int m2mv_tef_connect(const struct m2mv_tef_config *cfg, struct m2mv_tef **out)
{
	coap_dtls_cpsk_t psk = { .version = COAP_DTLS_CPSK_SETUP_VERSION };
	struct m2mv_tef *t;
	coap_address_t dst;
	uint64_t end;
	int ret;

	*out = NULL;
	if (!cfg || !cfg->host || !cfg->fqdn || !cfg->psk_identity ||
	    !*cfg->psk_identity || !cfg->psk || !cfg->psk_len ||
	    strlen(cfg->fqdn) >= sizeof(t->fqdn))
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	snprintf(t->fqdn, sizeof(t->fqdn), "%s", cfg->fqdn);
	t->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms :
			TEF_DEFAULT_TIMEOUT_MS;
	ret = resolve(cfg->host, cfg->port ? cfg->port : M2MV_TEF_PORT, &dst);
	if (ret)
		goto err;

	coap_startup();
	coap_set_log_level(getenv("M2MV_COAP_DEBUG") ? LOG_DEBUG : LOG_EMERG);
	coap_dtls_set_log_level(getenv("M2MV_COAP_DEBUG") ? LOG_DEBUG :
				LOG_EMERG);
	ret = -ENOMEM;
	t->ctx = coap_new_context(NULL);
	if (!t->ctx)
		goto err;
	coap_context_set_block_mode(t->ctx, COAP_BLOCK_USE_LIBCOAP |
					    COAP_BLOCK_SINGLE_BODY);
	coap_register_event_handler(t->ctx, on_event);
	coap_register_nack_handler(t->ctx, on_nack);
	coap_register_response_handler(t->ctx, on_response);

	psk.psk_info.identity.s = (const uint8_t *)cfg->psk_identity;
	psk.psk_info.identity.length = strlen(cfg->psk_identity);
	psk.psk_info.key.s = cfg->psk;
	psk.psk_info.key.length = cfg->psk_len;
	t->s = coap_new_client_session_psk2(t->ctx, NULL, &dst,
					    COAP_PROTO_DTLS, &psk);
	if (!t->s)
		goto err;
	coap_session_set_app_data(t->s, t);

	end = now_ms() + t->timeout_ms;
	while (!t->connected && !t->failed && now_ms() < end)
		coap_io_process(t->ctx, 100);
	if (!t->connected) {
		/* The server answered: the PSK or identity was refused. */
		if (t->progressed || handshake_progressed(t->s))
			ret = -EACCES;
		else if (t->icmp || t->failed)
			ret = -ECONNREFUSED;
		else
			ret = -ETIMEDOUT;
		goto err;
	}
	ret = m2mv_kdf_exporter(coap_session_get_tls(t->s, NULL), t->fqdn,
				&t->ke);
	if (ret)
		goto err;
	*out = t;
	return 0;
err:
	m2mv_tef_close(t);
	return ret;
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

/* One request; the answer's body (if any) stays in t->body. */
static int request(struct m2mv_tef *t, coap_pdu_code_t method,
		   const char *id, const char *body)
{
	uint8_t tok[8], cf[4];
	size_t toklen = 0;
	coap_pdu_t *pdu;
	uint64_t end;

	if (t->failed)
		return -ECONNRESET;
	pdu = coap_new_pdu(COAP_MESSAGE_CON, method, t->s);
	if (!pdu)
		return -ENOMEM;
	coap_session_new_token(t->s, &toklen, tok);
	if (!coap_add_token(pdu, toklen, tok) ||
	    !coap_add_option(pdu, COAP_OPTION_URI_PATH, 4,
			     (const uint8_t *)"cred") ||
	    (id && !coap_add_option(pdu, COAP_OPTION_URI_PATH, strlen(id),
				    (const uint8_t *)id)) ||
	    (body && !coap_add_option(pdu, COAP_OPTION_CONTENT_FORMAT,
				      coap_encode_var_safe(cf, sizeof(cf),
					COAP_MEDIATYPE_APPLICATION_JSON), cf)) ||
	    (body && !coap_add_data(pdu, strlen(body),
				    (const uint8_t *)body))) {
		coap_delete_pdu(pdu);
		return -ENOMEM;
	}
	t->done = 0;
	if (coap_send(t->s, pdu) == COAP_INVALID_MID)
		return -EIO;
	end = now_ms() + t->timeout_ms;
	while (!t->done && !t->failed && now_ms() < end)
		coap_io_process(t->ctx, 100);
	if (!t->done)
		return t->failed ? -ECONNRESET : -ETIMEDOUT;
	return code_errno(t->code);
}

static int parse_reg(struct m2mv_tef *t, struct m2mv_tef_reg *out)
{
	char want[M2MV_CREDID_BUFSZ];
	json_t *root, *creds, *c;
	const char *keid, *salt, *id;
	json_int_t expires, type;
	int ret = -EPROTO;
	size_t i;

	root = t->body ? json_loadb((char *)t->body, t->body_len, 0, NULL) :
			 NULL;
	if (json_unpack(root, "{s:s,s:s,s:I,s:o}", "keid", &keid, "salt",
			&salt, "expires", &expires, "credentials", &creds) ||
	    strcmp(keid, t->ke.keid) ||
	    m2mv_b64url_decode(out->salt, sizeof(out->salt), salt) !=
		    M2MV_SALT_LEN ||
	    !json_is_array(creds) || json_array_size(creds) == 0 ||
	    json_array_size(creds) > M2MV_TEF_MAX_TYPES)
		goto out;
	out->expires = (time_t)expires;
	json_array_foreach(creds, i, c) {
		if (json_unpack(c, "{s:I,s:s}", "type", &type, "id", &id) ||
		    type < 14 || type > 16 ||
		    m2mv_kdf_credid(want, sizeof(want), (unsigned int)type,
				    t->ke.keid, out->salt, t->fqdn) ||
		    strcmp(want, id))
			goto out;
		out->creds[i].type = (unsigned int)type;
		snprintf(out->creds[i].id, sizeof(out->creds[i].id), "%s", id);
	}
	out->n_creds = json_array_size(creds);
	ret = 0;
out:
	json_decref(root);
	return ret;
}

int m2mv_tef_register(struct m2mv_tef *t, const struct m2mv_tef_reg_req *req,
		      struct m2mv_tef_reg *out)
{
	json_t *root, *targets, *types;
	char *body;
	size_t i;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!req || req->n_types == 0 || req->n_types > M2MV_TEF_MAX_TYPES ||
	    req->n_targets > M2MV_TEF_MAX_TARGETS)
		return -EINVAL;
	targets = json_array();
	types = json_array();
	for (i = 0; targets && i < req->n_targets; i++)
		json_array_append_new(targets, json_string(req->targets[i]));
	for (i = 0; types && i < req->n_types; i++)
		json_array_append_new(types, json_integer(req->types[i]));
	root = json_pack("{s:o,s:i,s:o}", "targets", targets, "lifetime",
			 (int)req->lifetime, "types", types);
	body = root ? json_dumps(root, JSON_COMPACT) : NULL;
	json_decref(root);
	if (!body)
		return -ENOMEM;
	ret = request(t, COAP_REQUEST_CODE_POST, NULL, body);
	free(body);
	if (!ret)
		ret = parse_reg(t, out);
	if (ret)
		OPENSSL_cleanse(out, sizeof(*out));
	return ret;
}

int m2mv_tef_retrieve(struct m2mv_tef *t, const char *credid, void **jwk,
		      char **diag)
{
	json_t *root;
	int ret;

	*jwk = NULL;
	if (diag)
		*diag = NULL;
	if (m2mv_credid_parse(credid, NULL))
		return -EINVAL;
	ret = request(t, COAP_REQUEST_CODE_GET, credid, NULL);
	if (ret) {
		if (diag && t->body)
			*diag = strdup((char *)t->body);
		return ret;
	}
	root = t->body ? json_loadb((char *)t->body, t->body_len, 0, NULL) :
			 NULL;
	OPENSSL_cleanse(t->body, t->body_len);
	if (!json_is_object(root) ||
	    !json_is_string(json_object_get(root, "k"))) {
		json_decref(root);
		return -EPROTO;
	}
	*jwk = root;
	return 0;
}

int m2mv_tef_revoke(struct m2mv_tef *t, const char *credid)
{
	if (m2mv_credid_parse(credid, NULL))
		return -EINVAL;
	return request(t, COAP_REQUEST_CODE_DELETE, credid, NULL);
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
	if (t->body)
		OPENSSL_cleanse(t->body, t->body_len);
	free(t->body);
	OPENSSL_cleanse(t, sizeof(*t));
	free(t);
}
