// SPDX-License-Identifier: GPL-2.0
/* oneM2M key derivations on OpenSSL; see kdf.h and key-management.rst. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/ssl.h>

#include "common/credid.h"
#include "common/kdf.h"

struct piece {
	const void *p;
	size_t n;
};

/* HMAC-SHA256(@key, pieces...) into @out; wiped on failure. */
static int hmac(const uint8_t *key, size_t key_len, const struct piece *v,
		size_t nv, uint8_t out[M2MV_KEY_LEN])
{
	static const uint8_t nokey[1];
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	size_t outl = 0, i;
	int ok = 0;

	if (!mac)
		goto out;
	ctx = EVP_MAC_CTX_new(mac);
	if (!ctx)
		goto out;
	params[0] = OSSL_PARAM_construct_utf8_string("digest", "SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	/* An empty key is a key of zeros (RFC 2104), which OpenSSL wants
	 * spelled as a non-NULL pointer. */
	if (!EVP_MAC_init(ctx, key_len ? key : nokey, key_len, params))
		goto out;
	for (i = 0; i < nv; i++)
		if (v[i].n && !EVP_MAC_update(ctx, v[i].p, v[i].n))
			goto out;
	ok = EVP_MAC_final(ctx, out, &outl, M2MV_KEY_LEN) &&
	     outl == M2MV_KEY_LEN;
out:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	if (!ok)
		OPENSSL_cleanse(out, M2MV_KEY_LEN);
	return ok ? 0 : -EIO;
}

static int fqdn_ok(const char *fqdn)
{
	size_t n, i;

	if (!fqdn)
		return 0;
	n = strnlen(fqdn, 254);
	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)fqdn[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

static void hex(char *dst, const uint8_t *src, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		dst[2 * i] = digits[src[i] >> 4];
		dst[2 * i + 1] = digits[src[i] & 15];
	}
	dst[2 * n] = '\0';
}

int m2mv_kdf_split_exporter(const uint8_t exporter[M2MV_EXPORTER_LEN],
			    const char *fqdn, struct m2mv_ke *out)
{
	if (!out)
		return -EINVAL;
	OPENSSL_cleanse(out, sizeof(*out));
	if (!exporter || !fqdn_ok(fqdn))
		return -EINVAL;
	memcpy(out->rel_keid, exporter, M2MV_REL_KEID_LEN);
	memcpy(out->ke, exporter + M2MV_REL_KEID_LEN, M2MV_KEY_LEN);
	hex(out->keid, out->rel_keid, M2MV_REL_KEID_LEN);
	out->keid[2 * M2MV_REL_KEID_LEN] = '@';
	strcpy(out->keid + 2 * M2MV_REL_KEID_LEN + 1, fqdn);
	return 0;
}

int m2mv_kdf_exporter(void *ssl, const char *fqdn, struct m2mv_ke *out)
{
	uint8_t buf[M2MV_EXPORTER_LEN];
	int ret;

	if (!out)
		return -EINVAL;
	OPENSSL_cleanse(out, sizeof(*out));
	if (!ssl || !fqdn_ok(fqdn))
		return -EINVAL;
	/* use_context = 0: RFC 5705's exporter without a context value,
	 * which differs from one with an empty context. */
	if (SSL_export_keying_material(ssl, buf, sizeof(buf),
				       M2MV_EXPORTER_LABEL,
				       strlen(M2MV_EXPORTER_LABEL),
				       NULL, 0, 0) != 1) {
		OPENSSL_cleanse(buf, sizeof(buf));
		return -EIO;
	}
	ret = m2mv_kdf_split_exporter(buf, fqdn, out);
	OPENSSL_cleanse(buf, sizeof(buf));
	return ret;
}

int m2mv_kdf_extract(const uint8_t *salt, size_t salt_len,
		     const uint8_t *ikm, size_t ikm_len,
		     uint8_t prk[M2MV_KEY_LEN])
{
	struct piece v = { ikm, ikm_len };

	if (!prk || (!salt && salt_len) || (!ikm && ikm_len))
		return -EINVAL;
	return hmac(salt, salt_len, &v, 1, prk);
}

int m2mv_kdf_master(const uint8_t *salt, size_t salt_len,
		    const uint8_t ke[M2MV_KEY_LEN],
		    uint8_t master[M2MV_KEY_LEN])
{
	if (!ke)
		return -EINVAL;
	return m2mv_kdf_extract(salt, salt_len, ke, M2MV_KEY_LEN, master);
}

/*
 * One step of the seeds' chain: T(n) = HMAC(@master, T(n-1) || label || n),
 * with T(0) empty (@prev NULL).
 */
static int chain_step(const uint8_t master[M2MV_KEY_LEN],
		      const uint8_t *prev, const char *label, uint8_t n,
		      uint8_t out[M2MV_KEY_LEN])
{
	struct piece v[3] = {
		{ prev, prev ? M2MV_KEY_LEN : 0 },
		{ label, strlen(label) },
		{ &n, 1 },
	};

	return hmac(master, M2MV_KEY_LEN, v, 3, out);
}

int m2mv_kdf_data_keys(const uint8_t master[M2MV_KEY_LEN],
		       uint8_t auth[M2MV_KEY_LEN], uint8_t conf[M2MV_KEY_LEN])
{
	int ret;

	if (!master || !auth || !conf)
		return -EINVAL;
	ret = chain_step(master, NULL, M2MV_LABEL_DATA_AUTH, 1, auth);
	if (!ret)
		ret = chain_step(master, auth, M2MV_LABEL_DATA_CONF, 2, conf);
	if (ret) {
		OPENSSL_cleanse(auth, M2MV_KEY_LEN);
		OPENSSL_cleanse(conf, M2MV_KEY_LEN);
	}
	return ret;
}

int m2mv_kdf_dir_id(const char *path, int instance, size_t *id_len)
{
	size_t n, i;

	if (!path || !id_len)
		return -EINVAL;
	n = strlen(path);
	*id_len = n;
	if (instance)
		return 0;
	for (i = n; i > 0; i--) {
		if (path[i - 1] == '/') {
			*id_len = i - 1;
			break;
		}
	}
	return 0;
}

static int dir_key(const uint8_t key[M2MV_KEY_LEN], const char *label,
		   const char *id, size_t id_len,
		   const uint8_t nonce[M2MV_NONCE_LEN], uint8_t out[M2MV_KEY_LEN])
{
	struct piece v[3] = {
		{ label, strlen(label) },
		{ id, id_len },
		{ nonce, M2MV_NONCE_LEN },
	};

	if (!key || (!id && id_len) || !nonce || !out)
		return -EINVAL;
	return hmac(key, M2MV_KEY_LEN, v, 3, out);
}

int m2mv_kdf_dir_conf(const uint8_t conf[M2MV_KEY_LEN], const char *id,
		      size_t id_len, const uint8_t nonce[M2MV_NONCE_LEN],
		      uint8_t out[M2MV_KEY_LEN])
{
	return dir_key(conf, M2MV_LABEL_DIR_CONF, id, id_len, nonce, out);
}

int m2mv_kdf_dir_auth(const uint8_t auth[M2MV_KEY_LEN], const char *id,
		      size_t id_len, const uint8_t nonce[M2MV_NONCE_LEN],
		      uint8_t out[M2MV_KEY_LEN])
{
	return dir_key(auth, M2MV_LABEL_DIR_AUTH, id, id_len, nonce, out);
}

int m2mv_kdf_e2e(const uint8_t *salt, size_t salt_len, const uint8_t *kpsa,
		 size_t kpsa_len, struct m2mv_e2e_keys *out)
{
	static const char *const labels[4] = {
		"E2E Message Authentication Key",
		"E2E Message Confidentiality Key",
		"E2E Attribute Authenticity Key",
		"E2E Attribute Confidentiality Key",
	};
	uint8_t *t[4];
	uint8_t master[M2MV_KEY_LEN];
	int ret, i;

	if (!out || !kpsa || !kpsa_len)
		return -EINVAL;
	t[0] = out->msg_auth;
	t[1] = out->msg_conf;
	t[2] = out->attr_auth;
	t[3] = out->attr_conf;
	ret = m2mv_kdf_extract(salt, salt_len, kpsa, kpsa_len, master);
	for (i = 0; !ret && i < 4; i++)
		ret = chain_step(master, i ? t[i - 1] : NULL, labels[i],
				 (uint8_t)(i + 1), t[i]);
	OPENSSL_cleanse(master, sizeof(master));
	if (ret)
		OPENSSL_cleanse(out, sizeof(*out));
	return ret;
}

int m2mv_kdf_credid(char *buf, size_t size, unsigned int type,
		    const char *keid, const uint8_t salt[M2MV_SALT_LEN],
		    const char *fqdn)
{
	uint8_t md[32];
	char tdec[4], value[2 * 16 + 1 + 254];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	int ok;

	if (!buf || !keid || !*keid || !salt || !fqdn_ok(fqdn) ||
	    (type != 14 && type != 15 && type != 16))
		return -EINVAL;
	snprintf(tdec, sizeof(tdec), "%u", type);
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	     EVP_DigestUpdate(ctx, keid, strlen(keid)) &&
	     EVP_DigestUpdate(ctx, salt, M2MV_SALT_LEN) &&
	     EVP_DigestUpdate(ctx, tdec, strlen(tdec)) &&
	     EVP_DigestFinal_ex(ctx, md, &mdlen) && mdlen == sizeof(md);
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -EIO;
	hex(value, md, 16);
	value[32] = '@';
	strcpy(value + 33, fqdn);
	return m2mv_credid_format(buf, size, type, value);
}

int m2mv_kdf_credential_key(const uint8_t ke[M2MV_KEY_LEN],
			    const uint8_t salt[M2MV_SALT_LEN],
			    unsigned int type, uint8_t key[M2MV_KEY_LEN])
{
	uint8_t master[M2MV_KEY_LEN], auth[M2MV_KEY_LEN], conf[M2MV_KEY_LEN];
	int ret;

	if (!key)
		return -EINVAL;
	OPENSSL_cleanse(key, M2MV_KEY_LEN);
	if (!ke || !salt || (type != 14 && type != 15 && type != 16))
		return -EINVAL;
	ret = m2mv_kdf_master(salt, M2MV_SALT_LEN, ke, master);
	if (!ret)
		ret = m2mv_kdf_data_keys(master, auth, conf);
	if (!ret)
		memcpy(key, type == 16 ? auth : conf, M2MV_KEY_LEN);
	OPENSSL_cleanse(master, sizeof(master));
	OPENSSL_cleanse(auth, sizeof(auth));
	OPENSSL_cleanse(conf, sizeof(conf));
	return ret;
}
