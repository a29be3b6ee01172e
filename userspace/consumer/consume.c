// SPDX-License-Identifier: GPL-2.0
/*
 * m2m-consume: the consumer (AE2) of the seeds. It takes a record that
 * m2mvault exported (JWE or JWS, compact or flattened JSON), retrieves the
 * credential named by its "kid" from the TEF over DTLS-PSK with its own
 * Kpm, derives the per-container or per-instance key for "dir" records,
 * and decrypts or verifies the record with libjose. The plaintext goes to
 * standard output (or --output).
 *
 * Exit status: 0 success; 1 refused or failed (the message says why);
 * 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <jansson.h>
#include <jose/jose.h>
#include <openssl/crypto.h>

#include "common/b64url.h"
#include "common/hexkey.h"
#include "common/kdf.h"
#include "common/tefclient.h"

#define CONSUME_MAX_INPUT	(64U << 20)

struct opts {
	const char *tef;
	const char *fqdn;
	const char *identity;
	const char *psk_file;
	const char *output;
	const char *input;
	unsigned int timeout_ms;
	int verbose;
};

static int usage(void)
{
	fprintf(stderr,
		"usage: m2m-consume --tef HOST[:PORT] --fqdn TEF-FQDN --identity KPMID\n"
		"                   --psk-file FILE [--output FILE] [--timeout MS]\n"
		"                   [--verbose] [INPUT|-]\n"
		"INPUT is a record exported by 'm2mvault export' (JWE or JWS, compact\n"
		"or flattened JSON); the PSK file holds Kpm as hex text.\n");
	return 2;
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t cap = 65536, n = 0, r;
	char *buf, *nb;

	if (!f)
		return NULL;
	buf = malloc(cap + 1);
	while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			if (cap >= CONSUME_MAX_INPUT) {
				free(buf);
				buf = NULL;
				break;
			}
			cap *= 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				buf = NULL;
			}
			buf = nb;
		}
	}
	if (f != stdin)
		fclose(f);
	if (!buf)
		return NULL;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
		     buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* A compact serialization as the flattened JSON object libjose takes. */
static json_t *from_compact(char *text)
{
	char *p[5];
	int n = 0;

	p[n++] = text;
	for (char *c = text; *c; c++) {
		if (*c != '.')
			continue;
		if (n == 5)
			return NULL;
		*c = '\0';
		p[n++] = c + 1;
	}
	if (n == 3)
		return json_pack("{s:s,s:s,s:s}", "protected", p[0], "payload",
				 p[1], "signature", p[2]);
	if (n == 5 && *p[1])
		return json_pack("{s:s,s:s,s:s,s:s,s:s}", "protected", p[0],
				 "encrypted_key", p[1], "iv", p[2],
				 "ciphertext", p[3], "tag", p[4]);
	if (n == 5)
		return json_pack("{s:s,s:s,s:s,s:s}", "protected", p[0], "iv",
				 p[2], "ciphertext", p[3], "tag", p[4]);
	return NULL;
}

static json_t *protected_header(const json_t *obj)
{
	const char *p = json_string_value(json_object_get(obj, "protected"));
	size_t n = p ? strlen(p) : 0;
	json_t *hdr = NULL;
	uint8_t *raw;
	long len;

	if (!p)
		return NULL;
	raw = malloc(n);
	if (!raw)
		return NULL;
	len = m2mv_b64url_decode(raw, n, p);
	if (len > 0)
		hdr = json_loadb((const char *)raw, (size_t)len,
				 JSON_REJECT_DUPLICATES, NULL);
	free(raw);
	return hdr;
}

static int parse_hostport(const char *arg, char *host, size_t size,
			  uint16_t *port)
{
	const char *colon = strrchr(arg, ':');
	char *end;
	long p;

	*port = M2MV_TEF_PORT;
	if (!colon) {
		snprintf(host, size, "%s", arg);
		return 0;
	}
	p = strtol(colon + 1, &end, 10);
	if (*end || p < 1 || p > 65535 || (size_t)(colon - arg) >= size)
		return -EINVAL;
	memcpy(host, arg, (size_t)(colon - arg));
	host[colon - arg] = '\0';
	*port = (uint16_t)p;
	return 0;
}

/* The credential key named @kid, from the TEF: 0 or an exit status. */
static int fetch_key(const struct opts *o, const char *kid,
		     uint8_t key[M2MV_KEY_LEN])
{
	struct m2mv_tef_config cfg = { .fqdn = o->fqdn,
				       .psk_identity = o->identity,
				       .timeout_ms = o->timeout_ms };
	uint8_t psk[M2MV_PSK_MAX];
	struct m2mv_tef *t = NULL;
	char host[256], *diag = NULL;
	json_t *jwk = NULL;
	const char *k;
	size_t psk_len;
	int ret;

	if (parse_hostport(o->tef, host, sizeof(host), &cfg.port))
		return usage();
	cfg.host = host;
	ret = m2mv_hexkey_read(o->psk_file, psk, &psk_len);
	if (ret) {
		fprintf(stderr, "m2m-consume: %s: %s\n", o->psk_file,
			ret == -EACCES ? "readable by others (chmod 600)" :
			ret == -EINVAL ? "not 16 to 64 bytes of hex" :
			strerror(-ret));
		return 1;
	}
	cfg.psk = psk;
	cfg.psk_len = psk_len;
	ret = m2mv_tef_connect(&cfg, &t);
	OPENSSL_cleanse(psk, sizeof(psk));
	if (ret) {
		fprintf(stderr, "m2m-consume: TEF %s: %s\n", o->tef,
			ret == -EACCES ? "DTLS handshake refused: wrong PSK or unknown identity" :
			ret == -ETIMEDOUT ? "no answer (unreachable)" :
			strerror(-ret));
		return 1;
	}
	ret = m2mv_tef_retrieve(t, kid, (void **)&jwk, &diag);
	if (ret == -EPERM) {
		fprintf(stderr, "m2m-consume: TEF refused credential %s: not in its access control policy\n",
			kid);
	} else if (ret == -ENOENT) {
		fprintf(stderr, "m2m-consume: TEF has no usable credential %s: %s\n",
			kid, diag ? diag : "not found");
	} else if (ret) {
		fprintf(stderr, "m2m-consume: retrieving %s: %s\n", kid,
			diag ? diag : strerror(-ret));
	} else {
		k = json_string_value(json_object_get(jwk, "k"));
		if (!k || m2mv_b64url_decode(key, M2MV_KEY_LEN, k) !=
			  M2MV_KEY_LEN) {
			fprintf(stderr, "m2m-consume: the TEF's JWK is not a 256-bit key\n");
			ret = -EPROTO;
		}
		if (k)
			OPENSSL_cleanse((char *)k, strlen(k));
	}
	free(diag);
	json_decref(jwk);
	m2mv_tef_close(t);
	return ret ? 1 : 0;
}

static json_t *oct_jwk(const uint8_t key[M2MV_KEY_LEN])
{
	char k[M2MV_B64URL_BUFSZ(M2MV_KEY_LEN)];
	json_t *jwk;

	if (m2mv_b64url_encode(k, sizeof(k), key, M2MV_KEY_LEN))
		return NULL;
	jwk = json_pack("{s:s,s:s}", "kty", "oct", "k", k);
	OPENSSL_cleanse(k, sizeof(k));
	return jwk;
}

static void wipe_jwk(json_t *jwk)
{
	json_t *k = json_object_get(jwk, "k");

	if (json_is_string(k))
		OPENSSL_cleanse((char *)json_string_value(k),
				json_string_length(k));
	json_decref(jwk);
}

/* The CEK of a "dir" record, from K_data_conf and the header. */
static int dir_cek(const json_t *hdr, const uint8_t conf[M2MV_KEY_LEN],
		   uint8_t cek[M2MV_KEY_LEN])
{
	const char *path, *kdf, *nonce;
	uint8_t n[M2MV_NONCE_LEN];
	size_t id_len;

	if (json_unpack((json_t *)hdr, "{s:s,s:s,s:s}", "m2mv_path", &path,
			"m2mv_kdf", &kdf, "m2mv_nonce", &nonce) ||
	    (strcmp(kdf, "container") && strcmp(kdf, "instance")) ||
	    m2mv_b64url_decode(n, sizeof(n), nonce) != M2MV_NONCE_LEN ||
	    m2mv_kdf_dir_id(path, !strcmp(kdf, "instance"), &id_len))
		return -EINVAL;
	return m2mv_kdf_dir_conf(conf, path, id_len, n, cek);
}

static int consume(const struct opts *o, json_t *rec, const json_t *hdr)
{
	const char *kid = json_string_value(json_object_get(hdr, "kid"));
	const char *alg = json_string_value(json_object_get(hdr, "alg"));
	uint8_t key[M2MV_KEY_LEN], cek[M2MV_KEY_LEN];
	void *pt = NULL;
	size_t ptl = 0;
	json_t *jwk = NULL;
	FILE *out;
	int ret;

	if (!kid || !alg) {
		fprintf(stderr, "m2m-consume: the protected header has no kid or alg\n");
		return 1;
	}
	if (o->verbose)
		fprintf(stderr, "m2m-consume: %s record, kid %s, path %s\n",
			alg, kid,
			json_string_value(json_object_get(hdr, "m2mv_path")) ?: "?");
	if (strcmp(alg, "dir") && strcmp(alg, "A256KW") &&
	    strcmp(alg, "HS256")) {
		fprintf(stderr, "m2m-consume: unsupported alg %s\n", alg);
		return 1;
	}
	mlock(key, sizeof(key));
	mlock(cek, sizeof(cek));
	ret = fetch_key(o, kid, key);
	if (ret)
		goto out;
	ret = 1;
	if (!strcmp(alg, "dir")) {
		if (dir_cek(hdr, key, cek)) {
			fprintf(stderr, "m2m-consume: dir record without m2mv_path/m2mv_kdf/m2mv_nonce\n");
			goto out;
		}
		jwk = oct_jwk(cek);
	} else {
		jwk = oct_jwk(key);
	}
	if (!jwk)
		goto out;
	if (!strcmp(alg, "HS256")) {
		const char *p;
		long n;

		if (!jose_jws_ver(NULL, rec, NULL, jwk, false)) {
			fprintf(stderr, "m2m-consume: authentication failed: the JWS does not verify\n");
			goto out;
		}
		p = json_string_value(json_object_get(rec, "payload"));
		ptl = p ? strlen(p) : 0;
		pt = malloc(ptl + 1);
		n = pt && p ? m2mv_b64url_decode(pt, ptl + 1, p) : -EINVAL;
		if (n < 0)
			goto out;
		ptl = (size_t)n;
	} else {
		pt = jose_jwe_dec(NULL, rec, NULL, jwk, &ptl);
		if (!pt) {
			fprintf(stderr, "m2m-consume: authentication failed: the JWE does not decrypt\n");
			goto out;
		}
	}
	out = o->output ? fopen(o->output, "wb") : stdout;
	if (!out || fwrite(pt, 1, ptl, out) != ptl) {
		fprintf(stderr, "m2m-consume: writing the plaintext failed\n");
	} else {
		ret = 0;
		if (o->verbose)
			fprintf(stderr, "m2m-consume: %zu bytes %s\n", ptl,
				strcmp(alg, "HS256") ? "decrypted" :
				"verified");
	}
	if (out && out != stdout && fclose(out))
		ret = 1;
out:
	if (pt) {
		OPENSSL_cleanse(pt, ptl);
		free(pt);
	}
	wipe_jwk(jwk);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(cek, sizeof(cek));
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "tef", required_argument, NULL, 't' },
		{ "fqdn", required_argument, NULL, 'f' },
		{ "identity", required_argument, NULL, 'i' },
		{ "psk-file", required_argument, NULL, 'k' },
		{ "output", required_argument, NULL, 'o' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .input = "-" };
	json_t *rec, *hdr;
	char *text, *end;
	size_t len;
	int c, ret;

	while ((c = getopt_long(argc, argv, "o:v", lo, NULL)) != -1) {
		switch (c) {
		case 't': o.tef = optarg; break;
		case 'f': o.fqdn = optarg; break;
		case 'i': o.identity = optarg; break;
		case 'k': o.psk_file = optarg; break;
		case 'o': o.output = optarg; break;
		case 'v': o.verbose = 1; break;
		case 'T':
			o.timeout_ms = (unsigned int)strtoul(optarg, &end, 10);
			if (*end || o.timeout_ms < 100 || o.timeout_ms > 600000)
				return usage();
			break;
		case 'h': usage(); return 0;
		default: return usage();
		}
	}
	if (optind + 1 == argc)
		o.input = argv[optind];
	else if (optind != argc)
		return usage();
	if (!o.tef || !o.fqdn || !o.identity || !o.psk_file)
		return usage();

	text = read_all(o.input, &len);
	if (!text) {
		fprintf(stderr, "m2m-consume: cannot read %s\n", o.input);
		return 1;
	}
	rec = len && text[0] == '{' ?
	      json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL) :
	      from_compact(text);
	free(text);
	hdr = rec ? protected_header(rec) : NULL;
	if (!hdr) {
		fprintf(stderr, "m2m-consume: %s is not a JWE or JWS with a protected header\n",
			o.input);
		json_decref(rec);
		return 1;
	}
	ret = consume(&o, rec, hdr);
	json_decref(hdr);
	json_decref(rec);
	return ret;
}
