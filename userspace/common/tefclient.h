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
 *   POST   /cred        key registration (TS-0003 8.3.5.2.7); owner = the
 *                        requesting enrolee
 *          request  {"types": [14|15|16, ...], "lifetime": <seconds> or
 *                    "expires": <unix seconds>, "targets": ["<AE-ID>", ...],
 *                    "suid": 24|25, "labels": ["<label>", ...],
 *                    "admin": "<admin FQDN>"}
 *                   types and one of lifetime/expires required; at most one
 *                   of 14 and 15; 1 <= lifetime <= 31536000; 0..32 targets,
 *                   each 1..128 bytes of [A-Za-z0-9._:/-]; suid, if given,
 *                   that of every type (m2mv_tef_suid_of()); 0..8 labels
 *                   (m2mv_tef_label_ok()); admin an FQDN (m2mv_tef_fqdn_ok())
 *          response 2.01 {"keid": "<KeID>", "salt": "<base64url, 32 bytes>",
 *                    "expires": <unix seconds>, "owner": "<AE-ID>",
 *                    "admin": "<FQDN>", "targets": [...], "labels": [...],
 *                    "credentials": [{"type": 14, "suid": 24,
 *                                     "id": "<Credential-ID>"}, ...]}
 *                   the TEF chooses each Credential-ID (the RelativeKeyID
 *                   before "@<TEF-FQDN>"); the client takes any that is
 *                   well-formed, of its type, and unique in the reply
 *   POST   /cred/<Credential-ID>   registration update (8.3.5.2.9), owner only
 *          request  at least one of "lifetime"|"expires", "targets", "labels"
 *          response 2.04 with the members of the request, as the TEF set them
 *   GET    /cred/<Credential-ID>   retrieve (owner or a target in its ACP)
 *          response 2.05 a JWK: {"kty": "oct", "kid": "<Credential-ID>",
 *                    "alg": "dir"|"A256KW"|"HS256", "k": "<base64url>",
 *                    "exp": <unix seconds>}
 *   DELETE /cred/<Credential-ID>   de-registration (8.3.5.2.10) = revoke
 *                                  (owner only), 2.02
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

/*
 * Security Usage Identifiers (TS-0004 m2m:suid) of the keys m2mvault
 * registers: symmetric keys provisioned via a remote security provisioning
 * framework, for ESData's authenticated encryption (24: types 14 and 15)
 * and for its signature-only class (25: type 16).
 */
#define M2MV_TEF_SUID_ESDATA_AE		24
#define M2MV_TEF_SUID_ESDATA_SIG	25
#define M2MV_TEF_MAX_LABELS	8
#define M2MV_TEF_LABEL_MAX	64
#define M2MV_TEF_FQDN_MAX	253

/** m2mv_tef_suid_of() - the SUID of Credential-ID type @type, 0 if none */
unsigned int m2mv_tef_suid_of(unsigned int type);
/** m2mv_tef_label_ok() - 1..64 bytes of [A-Za-z0-9._:/=+@-]? */
int m2mv_tef_label_ok(const char *s);
/** m2mv_tef_fqdn_ok() - an FQDN: 1..253, labels of 1..63 [A-Za-z0-9-]? */
int m2mv_tef_fqdn_ok(const char *s);
/**
 * m2mv_tef_assigned_ok() - may a client take @id, assigned by the TEF
 * @fqdn for a credential of @type? It must be a Credential-ID
 * (m2mv_credid_parse()) of @type whose value is a RelativeKeyID (at least
 * one byte, no '@') followed by "@" and @fqdn (without regard to case).
 */
int m2mv_tef_assigned_ok(const char *id, unsigned int type, const char *fqdn);

struct m2mv_tef_reg_req {
	const char *const *targets;	/* AE-IDs allowed to retrieve */
	size_t n_targets;
	unsigned int lifetime;		/* seconds; 0 when @expires is set */
	time_t expires;			/* proposed expirationTime, or 0 */
	const unsigned int *types;	/* 14, 15, 16 */
	size_t n_types;
	unsigned int suid;		/* 24, 25, or 0: not sent */
	const char *const *labels;
	size_t n_labels;
	const char *admin;		/* admin FQDN, or NULL: not sent */
};

struct m2mv_tef_reg {
	uint8_t salt[M2MV_SALT_LEN];
	time_t expires;
	char owner[129];		/* the Source MEF Client ID: our AE-ID */
	char admin[M2MV_TEF_FQDN_MAX + 1];
	size_t n_targets;		/* as the TEF set them */
	size_t n_labels;
	size_t n_creds;
	struct {
		unsigned int type;
		unsigned int suid;
		char id[M2MV_CREDID_BUFSZ];
	} creds[M2MV_TEF_MAX_TYPES];
};

/*
 * A registration update: what is not set stays as it is. At least one of
 * an expiry (@lifetime or @expires), @set_targets, @set_labels.
 */
struct m2mv_tef_update_req {
	unsigned int lifetime;		/* seconds from now, or 0 */
	time_t expires;			/* or an absolute time, or 0 */
	int set_targets;
	const char *const *targets;
	size_t n_targets;
	int set_labels;
	const char *const *labels;
	size_t n_labels;
};

/* What the TEF set: only what the request carried (0 otherwise). */
struct m2mv_tef_update {
	time_t expires;
	size_t n_targets;
	size_t n_labels;
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
 * m2mv_tef_register() - POST /cred; takes the Credential-IDs the TEF
 * assigns when m2mv_tef_assigned_ok() accepts them, each of a type
 * requested, none twice (-EPROTO otherwise, or for a malformed reply).
 * The keys do not depend on them: m2mv_kdf_credential_key() takes Ke,
 * the Salt and the type.
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

/**
 * m2mv_tef_reg_parse() - check a registration reply @text against @req
 * @keid: the session's KeID, @fqdn the TEF-FQDN
 * Return: 0 with @out filled, or -EPROTO. (m2mv_tef_register()'s check,
 * apart for the host tests.)
 */
int m2mv_tef_reg_parse(const char *text, size_t len,
		       const struct m2mv_tef_reg_req *req, const char *keid,
		       const char *fqdn, struct m2mv_tef_reg *out);

/**
 * m2mv_tef_update() - POST /cred/<id>: a registration update (owner only)
 * Return: 0 with @out filled (may be NULL); -EINVAL for a request with
 * nothing to update; -ENOENT for an unknown, expired or revoked
 * credential; otherwise as m2mv_tef_register().
 */
int m2mv_tef_update(struct m2mv_tef *t, const char *credid,
		    const struct m2mv_tef_update_req *req,
		    struct m2mv_tef_update *out);

/**
 * m2mv_tef_revoke() - DELETE /cred/<id>: the de-registration; the TEF
 * forgets the key and its ACP at once. Errors as m2mv_tef_register().
 */
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
