// SPDX-License-Identifier: GPL-2.0
/*
 * Credential lookup by possession.
 *
 * request_key() without callout info searches only the caller's thread,
 * process and session keyrings (and what they link, such as the user
 * keyring), checks search permission and never upcalls: a key that the
 * caller does not possess is -ENOKEY, a revoked one -EKEYREVOKED. It skips
 * expired keys silently, so when it finds nothing we search the caller's
 * keyrings once more with keyring_search(), which reports expiry.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/err.h>
#include <linux/key.h>
#include <linux/string.h>

#include "cred.h"
#include "kdf.h"
#include "keytype.h"
#include "names.h"

/* The Credential-ID type whose keys may seal records in @mode. */
int m2mv_cred_type_for_mode(u8 mode)
{
	switch (mode) {
	case M2MV_MODE_WRAP:
		return M2MV_CRED_TYPE_ESDATA_WRAP;
	case M2MV_MODE_DIR:
		return M2MV_CRED_TYPE_ESDATA_DIRECT;
	case M2MV_MODE_MIC:
		return M2MV_CRED_TYPE_ESDATA_HMAC;
	default:
		return -EINVAL;
	}
}

/* The mode a key of Credential-ID type @type seals records in. */
int m2mv_cred_mode_for_type(unsigned int type)
{
	switch (type) {
	case M2MV_CRED_TYPE_ESDATA_WRAP:
		return M2MV_MODE_WRAP;
	case M2MV_CRED_TYPE_ESDATA_DIRECT:
		return M2MV_MODE_DIR;
	case M2MV_CRED_TYPE_ESDATA_HMAC:
		return M2MV_MODE_MIC;
	default:
		return -EINVAL;
	}
}

/* Is there an expired @kid in one of the caller's own keyrings? */
static bool m2mv_cred_expired(const char *kid)
{
	const struct cred *cred = current_cred();
	struct key *rings[] = {
		cred->thread_keyring,
		cred->process_keyring,
		cred->session_keyring,
	};
	key_ref_t ref;
	int i;

	for (i = 0; i < ARRAY_SIZE(rings); i++) {
		if (!rings[i])
			continue;
		ref = keyring_search(make_key_ref(rings[i], true),
				     &m2mv_key_type, kid, true);
		if (!IS_ERR(ref)) {
			key_ref_put(ref);
			continue;
		}
		if (PTR_ERR(ref) == -EKEYEXPIRED)
			return true;
	}
	return false;
}

/**
 * m2mv_cred_get() - copy the key of @kid, if the caller possesses it
 * @kid: Credential-ID, NUL-terminated
 * @mode: the mode the key is for; its Credential-ID type must fit
 * @key: out: the key bytes; the caller wipes them after use
 *
 * Return: 0; -EKEYREJECTED if @kid's type does not fit @mode; -ENOKEY if the
 * caller does not possess the key; -EKEYREVOKED, -EKEYEXPIRED; -EACCES
 * without search permission; -EINVAL for a malformed @kid.
 */
int m2mv_cred_get(const char *kid, u8 mode, u8 key[M2MV_KEY_SIZE])
{
	const struct m2mv_key_payload *p;
	unsigned int type;
	struct key *k;
	int ret;

	ret = m2mv_credid_parse(kid, strnlen(kid, M2MV_CREDID_MAX + 1), &type);
	if (ret)
		return ret;
	if (m2mv_cred_type_for_mode(mode) != type)
		return -EKEYREJECTED;

	k = request_key(&m2mv_key_type, kid, NULL);
	if (IS_ERR(k)) {
		ret = PTR_ERR(k);
		if (ret == -ENOKEY && m2mv_cred_expired(kid))
			ret = -EKEYEXPIRED;
		return ret;
	}

	/* Revocation wipes the payload under key->sem held for writing. */
	down_read(&k->sem);
	ret = key_validate(k);
	if (!ret) {
		p = k->payload.data[0];
		if (p)
			memcpy(key, p->key, M2MV_KEY_SIZE);
		else
			ret = -EKEYREVOKED;
	}
	up_read(&k->sem);
	key_put(k);
	return ret;
}

#define M2MV_KEY_ID_LABEL	"m2mvault key identifier v1"

/**
 * m2mv_cred_key_id() - the identifier of a credential key
 * @key: the key bytes
 * @id: out: its identifier (see cred.h)
 *
 * Return: 0, or the crypto API's error (then @id is zeroed).
 */
int m2mv_cred_key_id(const u8 key[M2MV_KEY_SIZE], u8 id[M2MV_KEY_ID_SIZE])
{
	struct kvec vec = {
		.iov_base = (void *)M2MV_KEY_ID_LABEL,
		.iov_len = sizeof(M2MV_KEY_ID_LABEL) - 1,
	};
	u8 mac[32];
	int ret;

	ret = m2mv_hmac_sha256(key, M2MV_KEY_SIZE, &vec, 1, mac);
	memcpy(id, mac, M2MV_KEY_ID_SIZE);
	memzero_explicit(mac, sizeof(mac));
	return ret;
}
