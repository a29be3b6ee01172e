// SPDX-License-Identifier: GPL-2.0
/*
 * --store openssl: the files store with each file sealed in userspace by
 * OpenSSL's AES-256-GCM under one key: IV (12) || ciphertext || tag (16);
 * the AAD is the resource path.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "bench.h"

static uint8_t ossl_key[32];

struct ossl_worker {
	EVP_CIPHER_CTX *ctx;
	uint64_t ivctr;
	uint8_t *sealed;	/* a sealed file */
};

/* Load and initialise the cipher once, outside the timings. */
static void ossl_open(void)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

	fill_random(ossl_key, sizeof(ossl_key));
	if (!ctx || EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL,
				       ossl_key, ossl_key) != 1)
		die("EVP_EncryptInit_ex failed");
	EVP_CIPHER_CTX_free(ctx);
}

static void ossl_worker_open(struct worker *w)
{
	struct ossl_worker *o = xmalloc(sizeof(*o));

	o->ivctr = 0;
	/* Room for what ossl_get() lets files_get() read: cap + IV + tag. */
	o->sealed = xmalloc(w->cap + 28);
	o->ctx = EVP_CIPHER_CTX_new();
	if (!o->ctx || EVP_EncryptInit_ex(o->ctx, EVP_aes_256_gcm(),
					  NULL, NULL, NULL) != 1)
		die("EVP_CIPHER_CTX_new failed");
	w->priv = o;
}

static void ossl_worker_close(struct worker *w)
{
	struct ossl_worker *o = w->priv;

	EVP_CIPHER_CTX_free(o->ctx);
	free(o->sealed);
	free(o);
	w->priv = NULL;
}

static void ossl_put(struct worker *w, const char *res, const uint8_t *data,
		     size_t len)
{
	struct ossl_worker *o = w->priv;
	uint8_t *iv = o->sealed;
	int n1 = 0, n2 = 0;

	memcpy(iv, &w->id, 4);
	memcpy(iv + 4, &o->ivctr, 8);
	o->ivctr++;
	if (EVP_EncryptInit_ex(o->ctx, NULL, NULL, ossl_key, iv) != 1 ||
	    EVP_EncryptUpdate(o->ctx, NULL, &n1, (const uint8_t *)res,
			      strlen(res)) != 1 ||
	    EVP_EncryptUpdate(o->ctx, iv + 12, &n1, data, len) != 1 ||
	    EVP_EncryptFinal_ex(o->ctx, iv + 12 + n1, &n2) != 1 ||
	    EVP_CIPHER_CTX_ctrl(o->ctx, EVP_CTRL_GCM_GET_TAG, 16,
				iv + 12 + n1 + n2) != 1)
		die("EVP seal %s failed", res);
	files_put(w, res, o->sealed, 12 + len + 16);
}

static size_t ossl_get(struct worker *w, const char *res, uint8_t *buf,
		       size_t cap)
{
	struct ossl_worker *o = w->priv;
	size_t n = files_get(w, res, o->sealed, cap + 28);
	int n1 = 0, n2 = 0;

	if (n < 28)
		die("%s: short sealed file", res);
	if (EVP_DecryptInit_ex(o->ctx, NULL, NULL, ossl_key, o->sealed) != 1 ||
	    EVP_DecryptUpdate(o->ctx, NULL, &n1, (const uint8_t *)res,
			      strlen(res)) != 1 ||
	    EVP_DecryptUpdate(o->ctx, buf, &n1, o->sealed + 12, n - 28) != 1 ||
	    EVP_CIPHER_CTX_ctrl(o->ctx, EVP_CTRL_GCM_SET_TAG, 16,
				o->sealed + n - 16) != 1 ||
	    EVP_DecryptFinal_ex(o->ctx, buf + n1, &n2) != 1)
		die("%s: AES-GCM tag mismatch", res);
	return n1 + n2;
}

const struct bench_store bench_openssl = {
	.name = "openssl",
	.open = ossl_open,
	.phase_start = files_phase_start,
	.worker_open = ossl_worker_open,
	.worker_close = ossl_worker_close,
	.put = ossl_put,
	.get = ossl_get,
	.mkdir = files_mkdir,
	.del = files_del,
	.list = files_list,
};
