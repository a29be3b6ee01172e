/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Client side of the TEF protocol (Documentation/tef.rst), shared by the
 * agent (m2mvaultd) and the consumer (m2m-consume).
 *
 * Transport: CoAP over DTLS 1.2 PSK (libcoap3, OpenSSL backend). The PSK
 * identity is the enrolee's KpmId, the key its Kpm. After the handshake
 * both ends run the exporter (kdf.h) and hold the session's Ke and KeID.
 *
 * Resources (JSON bodies, content-format application/json):
 *   POST   /cred        register; owner = the requesting enrolee
 *          request  {"targets": ["<AE-ID>", ...], "lifetime": <seconds>,
 *                    "types": [14|15|16, ...]}
 *                   at most one of 14 and 15; 1 <= lifetime <= 31536000;
 *                   0..32 targets, each 1..128 bytes of [A-Za-z0-9._:/-]
 *          response 2.01 {"keid": "<KeID>", "salt": "<base64url, 32 bytes>",
 *                    "expires": <unix seconds>,
 *                    "credentials": [{"type": 14, "id": "<Credential-ID>"}, ...]}
 *   GET    /cred/<Credential-ID>   retrieve (owner or a target in its ACP)
 *          response 2.05 a JWK: {"kty": "oct", "kid": "<Credential-ID>",
 *                    "alg": "dir"|"A256KW"|"HS256", "k": "<base64url>",
 *                    "exp": <unix seconds>}
 *   DELETE /cred/<Credential-ID>   revoke (owner only), 2.02
 *   PUT    /anchor/<store>  keep a store's freshness anchor, 2.04
 *          request  {"seq": <integer>, "chain": "<base64url, 32 bytes>"}
 *   GET    /anchor/<store>  the anchor kept, 2.05, with "updated": <unix seconds>
 *   DELETE /anchor/<store>  forget it, 2.02
 *          anchors are the requesting enrolee's own: another enrolee's
 *          request for the same store name finds none (4.04)
 * Errors: 4.00 malformed body, 4.01 no/unknown enrolee, 4.03 not allowed,
 * 4.04 unknown, expired or revoked credential, or no anchor (diagnostic
 * payload says which), 4.13 body too large, 5.00 internal error.
 */
#ifndef M2MV_TEFCLIENT_H
#define M2MV_TEFCLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "credid.h"
#include "kdf.h"

#define M2MV_TEF_PORT		5684
#define M2MV_TEF_MAX_TARGETS	32
#define M2MV_TEF_MAX_TYPES	3
#define M2MV_TEF_MAX_LIFETIME	31536000

struct m2mv_tef;

struct m2mv_tef_config {
	const char *host;		/* address or name of the TEF */
	uint16_t port;			/* 0: M2MV_TEF_PORT */
	const char *fqdn;		/* TEF-FQDN used in KeID and Credential-IDs */
	const char *psk_identity;	/* KpmId */
	const uint8_t *psk;		/* Kpm */
	size_t psk_len;
	unsigned int timeout_ms;	/* per request and for the handshake; 0: 5000 */
};

struct m2mv_tef_reg_req {
	const char *const *targets;	/* AE-IDs allowed to retrieve */
	size_t n_targets;
	unsigned int lifetime;		/* seconds */
	const unsigned int *types;	/* 14, 15, 16 */
	size_t n_types;
};

struct m2mv_tef_reg {
	uint8_t salt[M2MV_SALT_LEN];
	time_t expires;
	size_t n_creds;
	struct {
		unsigned int type;
		char id[M2MV_CREDID_BUFSZ];
	} creds[M2MV_TEF_MAX_TYPES];
};

/* Store names, as the module takes them: 1..31 of [A-Za-z0-9._-]. */
#define M2MV_TEF_STORE_MAX	31
#define M2MV_TEF_CHAIN_LEN	32

/**
 * struct m2mv_tef_anchor - a store's freshness anchor, as the TEF keeps it
 * @seq: sequence number of the last record known to be durable
 * @chain: that record's chain value
 * @updated: when the TEF stored it (replies only)
 */
struct m2mv_tef_anchor {
	uint64_t seq;
	uint8_t chain[M2MV_TEF_CHAIN_LEN];
	time_t updated;
};

/**
 * m2mv_tef_connect() - DTLS-PSK handshake with the TEF and exporter
 *
 * The ClientHello names the TEF by @cfg->fqdn in its server_name extension
 * (RFC 6066 SNI, as oneM2M TS-0003 asks of DTLS clients), unless that is
 * an IP address literal (see m2mv_tef_sni()).
 *
 * Return: 0; -EHOSTUNREACH/-ECONNREFUSED/-ETIMEDOUT when the TEF does not
 * answer, -EACCES when the handshake fails (wrong PSK, unknown identity,
 * a TEF that is not @cfg->fqdn), -EINVAL for a bad config, -ENOMEM.
 */
int m2mv_tef_connect(const struct m2mv_tef_config *cfg, struct m2mv_tef **out);

/* Room for a host name in SNI: 253 bytes and the NUL. */
#define M2MV_TEF_SNI_BUFSZ	254

/**
 * m2mv_tef_sni() - the server_name (RFC 6066) that names the TEF @fqdn
 * @buf: out, M2MV_TEF_SNI_BUFSZ bytes: @fqdn without a trailing dot
 * @size: size of @buf
 * @fqdn: the TEF-FQDN
 *
 * RFC 6066 does not allow an IP address literal as a HostName: an @fqdn
 * with a colon, or whose last label is all digits (192.0.2.1, and the
 * short forms 127.1 and 2130706433; no top-level domain is numeric), or
 * that inet_aton() takes for an address (0x7f000001), is not sent.
 *
 * Return: 1 with @buf set; 0 for an address literal (@buf empty);
 * -EINVAL for an empty @fqdn or one that does not fit @buf.
 */
int m2mv_tef_sni(char *buf, size_t size, const char *fqdn);

/** m2mv_tef_ke() - Ke and KeID of this session (valid until close) */
const struct m2mv_ke *m2mv_tef_ke(const struct m2mv_tef *t);

/**
 * m2mv_tef_register() - POST /cred; checks every returned Credential-ID
 * against m2mv_kdf_credid() (-EPROTO on mismatch or a malformed reply)
 * Return: 0 or -errno mapped from the CoAP code: 4.00 -EINVAL,
 * 4.01 -EACCES, 4.03 -EPERM, 4.04 -ENOENT, 4.13 -E2BIG, other -EPROTO;
 * -ETIMEDOUT when no reply comes.
 */
int m2mv_tef_register(struct m2mv_tef *t, const struct m2mv_tef_reg_req *req,
		      struct m2mv_tef_reg *out);

/**
 * m2mv_tef_retrieve() - GET /cred/<id>: the key as a JWK (jansson json_t *,
 * returned as void * so callers need not include jansson; the caller
 * json_decref()s it after wiping "k"), and its expiry.
 * @diag: out (may be NULL): the TEF's diagnostic text on error, malloc'd
 * Return: as m2mv_tef_register(); -ENOENT for unknown/expired/revoked.
 */
int m2mv_tef_retrieve(struct m2mv_tef *t, const char *credid, void **jwk,
		      char **diag);

/** m2mv_tef_revoke() - DELETE /cred/<id>; errors as m2mv_tef_register() */
int m2mv_tef_revoke(struct m2mv_tef *t, const char *credid);

/** m2mv_tef_store_ok() - is @name a store name (M2MV_TEF_STORE_MAX)? */
int m2mv_tef_store_ok(const char *name);

/**
 * m2mv_tef_anchor_put() - PUT /anchor/<store>: the TEF keeps @a for the
 * session's enrolee, replacing what it kept
 * Return: as m2mv_tef_register().
 */
int m2mv_tef_anchor_put(struct m2mv_tef *t, const char *store,
			const struct m2mv_tef_anchor *a);

/**
 * m2mv_tef_anchor_get() - GET /anchor/<store>
 * Return: 0 with @a filled; -ENOENT if the TEF keeps none for this
 * enrolee; -EPROTO for a malformed reply; otherwise as m2mv_tef_register().
 */
int m2mv_tef_anchor_get(struct m2mv_tef *t, const char *store,
			struct m2mv_tef_anchor *a);

/** m2mv_tef_anchor_drop() - DELETE /anchor/<store>; -ENOENT if none */
int m2mv_tef_anchor_drop(struct m2mv_tef *t, const char *store);

/*
 * The JSON bodies of the anchor resource (tefanchor.c), for both ends:
 * @reply adds (or requires) "updated". m2mv_tef_anchor_json() returns a
 * malloc'd text or NULL; m2mv_tef_anchor_parse() returns 0 or -EINVAL
 * with a static reason in *@why.
 */
char *m2mv_tef_anchor_json(const struct m2mv_tef_anchor *a, int reply);
int m2mv_tef_anchor_parse(const char *text, size_t len, int reply,
			  struct m2mv_tef_anchor *a, const char **why);

/** m2mv_tef_close() - end the session, wipe Ke; NULL is fine */
void m2mv_tef_close(struct m2mv_tef *t);

#endif /* M2MV_TEFCLIENT_H */
