// SPDX-License-Identifier: GPL-2.0
/*
 * Bootstrap sessions with the TEF (TS-0003 clause 10.3): a DTLS-PSK
 * handshake with Kpm/KpmId gives the session's Ke and KeID; each
 * registration returns a Salt, from which the agent derives the credential
 * keys itself (K_master = HMAC(Salt, Ke), then the K_data_auth,
 * K_data_conf chain), and Credential-IDs that the TEF client has already
 * checked. Retrieval gives back keys the
 * agent registered earlier (it owns them): the store key, and data keys
 * that records were sealed under, after a reboot emptied the keyrings.
 * The registration update and de-registration (TS-0003 8.3.5.2.9 and
 * 8.3.5.2.10) are the operator's: m2mvaultd --update-registrations and
 * --deregister.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "agent/agent.h"
#include "common/b64url.h"

static const char *tef_errstr(int err)
{
	switch (err) {
	case -EINVAL:
		return "the TEF refused the request as malformed (4.00)";
	case -EACCES:
		return "the TEF does not know this enrolee (4.01)";
	case -EPERM:
		return "the TEF forbids it (4.03)";
	case -ENOENT:
		return "unknown, expired or revoked credential (4.04)";
	case -E2BIG:
		return "request too large for the TEF (4.13)";
	case -EPROTO:
		return "malformed or inconsistent answer from the TEF";
	case -ETIMEDOUT:
		return "no answer from the TEF";
	default:
		return strerror(-err);
	}
}

int agent_tef_open(struct agent *a, struct m2mv_tef **t)
{
	const struct agent_config *c = &a->cfg;
	struct m2mv_tef_config tc = {
		.host = c->tef_host,
		.port = (uint16_t)c->tef_port,
		.fqdn = c->tef_fqdn,
		.psk_identity = c->tef_identity,
		.psk = a->sec->psk,
		.psk_len = a->sec->psk_len,
		.timeout_ms = c->tef_timeout_ms,
	};
	int ret;

	*t = NULL;
	ret = m2mv_tef_connect(&tc, t);
	switch (ret) {
	case 0:
		agent_info("bootstrapped with the TEF %s:%u: KeID %s",
			   c->tef_host, c->tef_port, m2mv_tef_ke(*t)->keid);
		return 0;
	case -EACCES:
		agent_err("TEF %s:%u: DTLS handshake refused: wrong PSK or unknown identity, or the TEF is not %s (KpmId %s, PSK from %s)",
			  c->tef_host, c->tef_port, c->tef_fqdn,
			  c->tef_identity, c->tef_psk_file);
		break;
	case -EHOSTUNREACH:
	case -ECONNREFUSED:
	case -ETIMEDOUT:
	case -ENETUNREACH:
	case -ECONNRESET:
		agent_err("TEF %s:%u unreachable: %s", c->tef_host, c->tef_port,
			  ret == -ETIMEDOUT ?
			  "no DTLS handshake within the timeout" :
			  strerror(-ret));
		break;
	default:
		agent_err("TEF %s:%u: cannot connect: %s", c->tef_host,
			  c->tef_port, strerror(-ret));
		break;
	}
	*t = NULL;
	return ret;
}

/* Load a key the kernel will expire when the TEF's credential does. */
static int load(struct agent *a, const struct agent_cred *c,
		key_serial_t ring, unsigned int lifetime, key_serial_t *id)
{
	unsigned int timeout;
	int ret;

	ret = agent_key_timeout(time(NULL), c->expires, lifetime, &timeout);
	if (ret) {
		agent_err("%s: expired by the TEF's clock already (expires %lld); are the clocks apart?",
			  c->id, (long long)c->expires);
		return ret;
	}
	ret = agent_key_load(&a->cfg, ring, c->id, a->sec->key, timeout, id);
	if (ret) {
		agent_err("%s: cannot load the key: %s", c->id, strerror(-ret));
		return ret;
	}
	agent_info("loaded %s %s (expires in %u s)",
		   c->gen ? "data key" : "store key", c->id, timeout);
	return 0;
}

/*
 * The SUID of a registration of @types (TS-0004): sent when they share
 * one; a registration of 15 and 16 (one Salt for both) has two, and the
 * TEF gives each credential its own.
 */
static unsigned int shared_suid(const unsigned int *types, size_t n)
{
	unsigned int suid = n ? m2mv_tef_suid_of(types[0]) : 0;
	size_t i;

	for (i = 1; i < n; i++)
		if (m2mv_tef_suid_of(types[i]) != suid)
			return 0;
	return suid;
}

/* Pointers to the configured labels, for a request. */
static size_t labels_of(const struct agent_config *cfg,
			const char *labels[M2MV_TEF_MAX_LABELS])
{
	size_t i;

	for (i = 0; i < cfg->n_labels; i++)
		labels[i] = cfg->labels[i];
	return cfg->n_labels;
}

int agent_tef_register(struct agent *a, struct m2mv_tef *t,
		       const unsigned int *types, size_t n_types,
		       unsigned long gen, key_serial_t ring, int store,
		       struct agent_cred *first)
{
	const struct agent_config *cfg = &a->cfg;
	const char *targets[M2MV_TEF_MAX_TARGETS];
	const char *labels[M2MV_TEF_MAX_LABELS];
	struct m2mv_tef_reg_req req = {
		.targets = targets,
		.types = types,
		.n_types = n_types,
		.lifetime = store ? cfg->store_key_lifetime : cfg->lifetime,
		.suid = shared_suid(types, n_types),
		.labels = labels,
		.admin = cfg->admin[0] ? cfg->admin : NULL,
	};
	struct m2mv_tef_reg reg;
	struct agent_cred c;
	size_t i;
	int ret;

	req.n_labels = labels_of(cfg, labels);
	if (!store) {
		for (i = 0; i < cfg->n_targets; i++)
			targets[i] = cfg->targets[i];
		req.n_targets = cfg->n_targets;
	}
	memset(&reg, 0, sizeof(reg));
	ret = m2mv_tef_register(t, &req, &reg);
	if (ret) {
		agent_err("registering %s credentials with the TEF: %s",
			  store ? "the store" : "data", tef_errstr(ret));
		goto out;
	}
	for (i = 0; i < reg.n_creds; i++) {
		memset(&c, 0, sizeof(c));
		snprintf(c.id, sizeof(c.id), "%s", reg.creds[i].id);
		c.type = reg.creds[i].type;
		c.expires = reg.expires;
		c.gen = store ? 0 : gen;
		ret = m2mv_kdf_credential_key(m2mv_tef_ke(t)->ke, reg.salt,
					      c.type, a->sec->key);
		if (!ret)
			ret = load(a, &c, store ? 0 : ring, req.lifetime, NULL);
		OPENSSL_cleanse(a->sec->key, sizeof(a->sec->key));
		if (ret)
			goto out;
		ret = agent_state_add(&a->state, &c, time(NULL));
		if (ret) {
			agent_err("too many credentials to remember (%d)",
				  AGENT_MAX_CREDS);
			goto out;
		}
		agent_notice("registered %s (SUID %u, targets: %zu, lifetime %u s)",
			     c.id, reg.creds[i].suid, req.n_targets,
			     req.lifetime);
		if (first && i == 0)
			*first = c;
	}
out:
	/* The Salt is no secret on its own, but together with Ke it is. */
	OPENSSL_cleanse(&reg, sizeof(reg));
	return ret;
}

int agent_tef_reload(struct agent *a, struct m2mv_tef *t,
		     const struct agent_cred *c, key_serial_t ring,
		     unsigned int lifetime, key_serial_t *id)
{
	json_t *jwk = NULL;
	char *diag = NULL;
	const char *k;
	size_t n;
	long len;
	int ret;

	ret = m2mv_tef_retrieve(t, c->id, (void **)&jwk, &diag);
	if (ret) {
		agent_warn("retrieving %s from the TEF: %s%s%s", c->id,
			   tef_errstr(ret), diag ? ": " : "", diag ? diag : "");
		free(diag);
		return ret;
	}
	k = json_string_value(json_object_get(jwk, "k"));
	ret = -EPROTO;
	if (k) {
		n = strlen(k);
		if (n < sizeof(a->sec->b64)) {
			memcpy(a->sec->b64, k, n + 1);
			len = m2mv_b64url_decode(a->sec->key, sizeof(a->sec->key),
						 a->sec->b64);
			ret = len == M2MV_KEY_LEN ? 0 : -EPROTO;
		}
		OPENSSL_cleanse((char *)k, n);
	}
	json_decref(jwk);
	OPENSSL_cleanse(a->sec->b64, sizeof(a->sec->b64));
	if (ret)
		agent_err("%s: the TEF's JWK has no 32-byte \"k\"", c->id);
	else
		ret = load(a, c, ring, lifetime, id);
	OPENSSL_cleanse(a->sec->key, sizeof(a->sec->key));
	free(diag);
	return ret;
}

int agent_tef_update(struct agent *a, struct m2mv_tef *t,
		     const struct agent_cred *c)
{
	const struct agent_config *cfg = &a->cfg;
	const char *targets[M2MV_TEF_MAX_TARGETS];
	const char *labels[M2MV_TEF_MAX_LABELS];
	struct m2mv_tef_update_req req = {
		.set_targets = 1,
		.targets = targets,
		.set_labels = 1,
		.labels = labels,
	};
	size_t i;
	int ret;

	req.n_labels = labels_of(cfg, labels);
	/* The store key is the agent's alone, as when it was registered. */
	if (c->gen) {
		for (i = 0; i < cfg->n_targets; i++)
			targets[i] = cfg->targets[i];
		req.n_targets = cfg->n_targets;
	}
	ret = m2mv_tef_update(t, c->id, &req, NULL);
	if (ret)
		agent_err("updating the registration of %s: %s", c->id,
			  tef_errstr(ret));
	else
		agent_notice("updated the registration of %s %s: targets: %zu, labels: %zu",
			     c->gen ? "data key" : "store key", c->id,
			     req.n_targets, req.n_labels);
	return ret;
}

int agent_tef_deregister(struct agent *a, struct m2mv_tef *t,
			 const struct agent_cred *c)
{
	int ret = m2mv_tef_revoke(t, c->id);

	(void)a;
	if (ret)
		agent_err("de-registering %s: %s", c->id, tef_errstr(ret));
	else
		agent_notice("de-registered %s %s (generation %lu): the TEF gives it to nobody any more",
			     c->gen ? "data key" : "store key", c->id, c->gen);
	return ret;
}

int agent_tef_anchor_get(struct agent *a, struct m2mv_tef *t,
			 struct m2mv_tef_anchor *out)
{
	int ret = m2mv_tef_anchor_get(t, a->cfg.store_name, out);

	if (ret && ret != -ENOENT)
		agent_err("TEF: cannot fetch the freshness anchor of store %s: %s",
			  a->cfg.store_name, tef_errstr(ret));
	return ret;
}

int agent_tef_anchor_put(struct agent *a, struct m2mv_tef *t,
			 const struct m2mv_tef_anchor *an)
{
	int ret = m2mv_tef_anchor_put(t, a->cfg.store_name, an);

	if (ret)
		agent_err("TEF: cannot report the freshness anchor of store %s (seq %llu): %s",
			  a->cfg.store_name, (unsigned long long)an->seq,
			  tef_errstr(ret));
	return ret;
}
