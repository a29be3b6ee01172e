// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of userspace/common/kdf.c: RFC 5869's HKDF-Extract vectors,
 * and every vector of Documentation/key-management.rst (computed by
 * tools/kdf-vectors.py with Python's hmac/hashlib, independently of this
 * code), including the kernel's own "dir" vector from kmod/kdf.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/ssl.h>

#include "common/credid.h"
#include "common/kdf.h"

static size_t unhex(uint8_t *dst, size_t size, const char *hex)
{
	size_t n = strlen(hex) / 2, i;
	unsigned int b;

	assert_true(n <= size);
	for (i = 0; i < n; i++) {
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &b), 1);
		dst[i] = (uint8_t)b;
	}
	return n;
}

static void assert_hex(const uint8_t *got, size_t n, const char *want)
{
	uint8_t w[128];

	assert_int_equal(unhex(w, sizeof(w), want), n);
	assert_memory_equal(got, w, n);
}

static void range(uint8_t *dst, uint8_t first, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = (uint8_t)(first + i);
}

/* ------------------------------------------------------------ RFC 5869 */

static void test_rfc5869_extract(void **state)
{
	uint8_t ikm[80], salt[80], prk[32];

	(void)state;
	/* Test case 1: 22 bytes of 0x0b, salt 00..0c. */
	memset(ikm, 0x0b, 22);
	range(salt, 0x00, 13);
	assert_int_equal(m2mv_kdf_extract(salt, 13, ikm, 22, prk), 0);
	assert_hex(prk, 32, "077709362c2e32df0ddc3f0dc47bba63"
			    "90b6c73bb50f9c3122ec844ad7c2b3e5");
	/* Test case 2: IKM 00..4f, salt 60..af. */
	range(ikm, 0x00, 80);
	range(salt, 0x60, 80);
	assert_int_equal(m2mv_kdf_extract(salt, 80, ikm, 80, prk), 0);
	assert_hex(prk, 32, "06a6b88c5853361a06104c9ceb35b45c"
			    "ef760014904671014a193f40c15fc244");
	/* Test case 3: no salt (HashLen zeros). */
	memset(ikm, 0x0b, 22);
	assert_int_equal(m2mv_kdf_extract(NULL, 0, ikm, 22, prk), 0);
	assert_hex(prk, 32, "19ef24a32c717b167f33a91d6f648bdf"
			    "96596776afdb6377ac434c1c293ccb04");
	assert_int_equal(m2mv_kdf_extract(salt, 0, ikm, 22, prk), 0);
	assert_hex(prk, 32, "19ef24a32c717b167f33a91d6f648bdf"
			    "96596776afdb6377ac434c1c293ccb04");
	memset(salt, 0, 32);
	assert_int_equal(m2mv_kdf_extract(salt, 32, ikm, 22, prk), 0);
	assert_hex(prk, 32, "19ef24a32c717b167f33a91d6f648bdf"
			    "96596776afdb6377ac434c1c293ccb04");
}

/* ------------------------------------------------- the project's chain */

static void test_bootstrap_chain(void **state)
{
	uint8_t exporter[48], salt[32], master[32], auth[32], conf[32];
	uint8_t key[32];
	struct m2mv_ke ke;

	(void)state;
	range(exporter, 0x00, 48);
	range(salt, 0x40, 32);
	assert_int_equal(m2mv_kdf_split_exporter(exporter, "tef.example.com",
						 &ke), 0);
	assert_hex(ke.rel_keid, 16, "000102030405060708090a0b0c0d0e0f");
	assert_hex(ke.ke, 32, "101112131415161718191a1b1c1d1e1f"
			      "202122232425262728292a2b2c2d2e2f");
	assert_string_equal(ke.keid,
			    "000102030405060708090a0b0c0d0e0f@tef.example.com");

	assert_int_equal(m2mv_kdf_master(salt, 32, ke.ke, master), 0);
	assert_hex(master, 32, "5be85689073d34e384828996faccb3b9"
			       "0e9194bd5141c745f092758f0d8ae6d6");
	assert_int_equal(m2mv_kdf_data_keys(master, auth, conf), 0);
	assert_hex(auth, 32, "047f7c69a199a34c4139830072a46426"
			     "e3542adeda6a695d73b377ca2fdc2bbc");
	assert_hex(conf, 32, "30bb3a445584116df9c01d2169f778ef"
			     "a971ffc7de2b1f932fd5b9dcd093e4a4");

	/* Which key backs which credential type. */
	assert_int_equal(m2mv_kdf_credential_key(ke.ke, salt, 14, key), 0);
	assert_memory_equal(key, conf, 32);
	assert_int_equal(m2mv_kdf_credential_key(ke.ke, salt, 15, key), 0);
	assert_memory_equal(key, conf, 32);
	assert_int_equal(m2mv_kdf_credential_key(ke.ke, salt, 16, key), 0);
	assert_memory_equal(key, auth, 32);
	assert_int_equal(m2mv_kdf_credential_key(ke.ke, salt, 17, key),
			 -EINVAL);
}

static void test_dir_keys(void **state)
{
	uint8_t conf[32], auth[32], nonce[16], k[32], key[32];
	const char *path = "CSEBase/ae1/cnt1/cin1";
	size_t n;

	(void)state;
	unhex(conf, 32, "30bb3a445584116df9c01d2169f778ef"
			"a971ffc7de2b1f932fd5b9dcd093e4a4");
	unhex(auth, 32, "047f7c69a199a34c4139830072a46426"
			"e3542adeda6a695d73b377ca2fdc2bbc");
	range(nonce, 0xa0, 16);

	assert_int_equal(m2mv_kdf_dir_id(path, 0, &n), 0);
	assert_int_equal(n, strlen("CSEBase/ae1/cnt1"));
	assert_int_equal(m2mv_kdf_dir_conf(conf, path, n, nonce, k), 0);
	assert_hex(k, 32, "10f1d016750420f90dadd72ab86d770f"
			  "ec2de42820083a5d2fcd0eb83102c4a1");
	assert_int_equal(m2mv_kdf_dir_auth(auth, path, n, nonce, k), 0);
	assert_hex(k, 32, "f5f6d5db0dcfffc604f1941cd76a5f9e"
			  "80d2e5406e7e616180fabb0366f126d5");
	assert_int_equal(m2mv_kdf_dir_id(path, 1, &n), 0);
	assert_int_equal(n, strlen(path));
	assert_int_equal(m2mv_kdf_dir_conf(conf, path, n, nonce, k), 0);
	assert_hex(k, 32, "d823742e126db4b992fef05204a15737"
			  "4aa8791f5756ae2cff86add2b26130be");

	/* The kernel's self-test vector (kmod/kdf.c). */
	range(key, 0x00, 32);
	assert_int_equal(m2mv_kdf_dir_id(path, 0, &n), 0);
	assert_int_equal(m2mv_kdf_dir_conf(key, path, n, nonce, k), 0);
	assert_hex(k, 32, "2ec8ba04e7f7c063e90869bfffa02df2"
			  "c3954c7abdd34c250eaec62614717d54");

	/* Container ids as the kernel takes them. */
	assert_int_equal(m2mv_kdf_dir_id("a/b/c", 0, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(m2mv_kdf_dir_id("abc", 0, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(m2mv_kdf_dir_id("/x", 0, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(m2mv_kdf_dir_id(NULL, 0, &n), -EINVAL);
	/* An empty id is a valid id. */
	assert_int_equal(m2mv_kdf_dir_conf(conf, "", 0, nonce, k), 0);
	assert_int_equal(m2mv_kdf_dir_conf(conf, NULL, 1, nonce, k), -EINVAL);
}

static void test_e2e_chain(void **state)
{
	uint8_t salt[32], kpsa[32];
	struct m2mv_e2e_keys e;

	(void)state;
	range(salt, 0x40, 32);
	range(kpsa, 0x80, 32);
	assert_int_equal(m2mv_kdf_e2e(salt, 32, kpsa, 32, &e), 0);
	assert_hex(e.msg_auth, 32, "eee9b05bff147d811c5fb0e235dd65dd"
				   "3344b79c6897b1e24380f5297bf87094");
	assert_hex(e.msg_conf, 32, "c59f4ef5be79fe213101dbf2eb4666d7"
				   "ac774350d39599d92c088b1e714cef05");
	assert_hex(e.attr_auth, 32, "1c25440b6e38e1228482d4bdb61d29b7"
				    "9933edecda5b03d0fb9f46b727ac7c63");
	assert_hex(e.attr_conf, 32, "2a3f55dad4525817b540f93427ad75d9"
				    "3562618bb6a7973690c46618eaeb829f");
	assert_int_equal(m2mv_kdf_e2e(salt, 32, NULL, 0, &e), -EINVAL);
}

static void test_credid(void **state)
{
	const char *keid = "000102030405060708090a0b0c0d0e0f@tef.example.com";
	char buf[M2MV_CREDID_BUFSZ], small[20];
	uint8_t salt[32];
	unsigned int type;

	(void)state;
	range(salt, 0x40, 32);
	assert_int_equal(m2mv_kdf_credid(buf, sizeof(buf), 14, keid, salt,
					 "tef.example.com"), 0);
	assert_string_equal(buf,
		"14-cf27b2df26538407cdb7387144d8cef6@tef.example.com");
	assert_int_equal(m2mv_credid_parse(buf, &type), 0);
	assert_int_equal(type, 14);
	assert_int_equal(m2mv_kdf_credid(buf, sizeof(buf), 15, keid, salt,
					 "tef.example.com"), 0);
	assert_string_equal(buf,
		"15-1c6156b45d33380b9cd331ce3d39c3df@tef.example.com");
	assert_int_equal(m2mv_kdf_credid(buf, sizeof(buf), 16, keid, salt,
					 "tef.example.com"), 0);
	assert_string_equal(buf,
		"16-0035c429ef0fc64c5950ed979d2f33fb@tef.example.com");

	assert_int_equal(m2mv_kdf_credid(small, sizeof(small), 16, keid, salt,
					 "tef.example.com"), -ENOSPC);
	assert_int_equal(m2mv_kdf_credid(buf, sizeof(buf), 13, keid, salt,
					 "tef.example.com"), -EINVAL);
	assert_int_equal(m2mv_kdf_credid(buf, sizeof(buf), 16, keid, salt,
					 "tef example"), -EINVAL);
	assert_int_equal(m2mv_kdf_credid(buf, sizeof(buf), 16, "", salt,
					 "tef.example.com"), -EINVAL);
}

/* ------------------------------------------- the exporter on a session */

static const uint8_t test_kpm[16] = {
	0x6b, 0x70, 0x6d, 0x2d, 0x74, 0x65, 0x73, 0x74,
	0x2d, 0x70, 0x73, 0x6b, 0x2d, 0x30, 0x30, 0x31,
};

static unsigned int psk_client(SSL *ssl, const char *hint, char *identity,
			       unsigned int max_identity, unsigned char *psk,
			       unsigned int max_psk)
{
	(void)ssl;
	(void)hint;
	if (max_identity < 9 || max_psk < sizeof(test_kpm))
		return 0;
	strcpy(identity, "kpm-test");
	memcpy(psk, test_kpm, sizeof(test_kpm));
	return sizeof(test_kpm);
}

static unsigned int psk_server(SSL *ssl, const char *identity,
			       unsigned char *psk, unsigned int max_psk)
{
	(void)ssl;
	if (strcmp(identity, "kpm-test") || max_psk < sizeof(test_kpm))
		return 0;
	memcpy(psk, test_kpm, sizeof(test_kpm));
	return sizeof(test_kpm);
}

static SSL_CTX *psk_ctx(int server)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() :
				   TLS_client_method());

	assert_non_null(ctx);
	assert_int_equal(SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION), 1);
	assert_int_equal(SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION), 1);
	assert_int_equal(SSL_CTX_set_cipher_list(ctx, "PSK-AES128-GCM-SHA256"), 1);
	if (server)
		SSL_CTX_set_psk_server_callback(ctx, psk_server);
	else
		SSL_CTX_set_psk_client_callback(ctx, psk_client);
	return ctx;
}

static int step(SSL *ssl)
{
	int r = SSL_do_handshake(ssl), e;

	if (r == 1)
		return 1;
	e = SSL_get_error(ssl, r);
	assert_true(e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE);
	return 0;
}

/*
 * A TLS 1.2 PSK handshake in memory (the exporter of RFC 5705 is the same
 * for DTLS 1.2): both ends of one session get the same RelativeKeID, Ke
 * and KeID; "no context" is not the empty context.
 */
static void test_exporter_session(void **state)
{
	SSL_CTX *cctx = psk_ctx(0), *sctx = psk_ctx(1);
	SSL *c = SSL_new(cctx), *s = SSL_new(sctx);
	uint8_t raw[48], empty_ctx[48];
	struct m2mv_ke kc, ks;
	BIO *bc, *bs;
	int dc = 0, ds = 0;

	(void)state;
	assert_non_null(c);
	assert_non_null(s);
	assert_int_equal(BIO_new_bio_pair(&bc, 0, &bs, 0), 1);
	SSL_set_bio(c, bc, bc);
	SSL_set_bio(s, bs, bs);
	SSL_set_connect_state(c);
	SSL_set_accept_state(s);
	/* No session yet: no exporter, and @out is left wiped. */
	memset(&kc, 0xee, sizeof(kc));
	assert_int_equal(m2mv_kdf_exporter(c, "tef.example.com", &kc), -EIO);
	assert_int_equal(kc.ke[0] | kc.ke[31] | (uint8_t)kc.keid[0], 0);

	for (int i = 0; i < 32 && !(dc && ds); i++) {
		dc = dc || step(c);
		ds = ds || step(s);
	}
	assert_true(dc && ds);

	assert_int_equal(m2mv_kdf_exporter(c, "tef.example.com", &kc), 0);
	assert_int_equal(m2mv_kdf_exporter(s, "tef.example.com", &ks), 0);
	assert_memory_equal(kc.rel_keid, ks.rel_keid, sizeof(kc.rel_keid));
	assert_memory_equal(kc.ke, ks.ke, sizeof(kc.ke));
	assert_string_equal(kc.keid, ks.keid);
	assert_int_equal(strlen(kc.keid), 32 + 1 + strlen("tef.example.com"));

	assert_int_equal(SSL_export_keying_material(s, raw, sizeof(raw),
		M2MV_EXPORTER_LABEL, strlen(M2MV_EXPORTER_LABEL), NULL, 0, 0), 1);
	assert_memory_equal(raw, kc.rel_keid, 16);
	assert_memory_equal(raw + 16, kc.ke, 32);
	assert_int_equal(SSL_export_keying_material(s, empty_ctx,
		sizeof(empty_ctx), M2MV_EXPORTER_LABEL,
		strlen(M2MV_EXPORTER_LABEL), (const uint8_t *)"", 0, 1), 1);
	assert_memory_not_equal(raw, empty_ctx, sizeof(raw));
	assert_int_equal(m2mv_kdf_exporter(s, "bad fqdn", &ks), -EINVAL);

	SSL_free(c);
	SSL_free(s);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
}

static void test_bad_arguments(void **state)
{
	uint8_t exporter[48] = { 0 }, k[32];
	struct m2mv_ke ke;
	char fqdn[300];

	(void)state;
	assert_int_equal(m2mv_kdf_split_exporter(exporter, "", &ke), -EINVAL);
	assert_int_equal(m2mv_kdf_split_exporter(exporter, "a_b", &ke),
			 -EINVAL);
	memset(fqdn, 'a', 254);
	fqdn[254] = '\0';
	assert_int_equal(m2mv_kdf_split_exporter(exporter, fqdn, &ke), -EINVAL);
	fqdn[253] = '\0';
	assert_int_equal(m2mv_kdf_split_exporter(exporter, fqdn, &ke), 0);
	assert_int_equal(strlen(ke.keid), 32 + 1 + 253);
	assert_int_equal(m2mv_kdf_exporter(NULL, "x", &ke), -EINVAL);
	assert_int_equal(m2mv_kdf_master(NULL, 0, NULL, k), -EINVAL);
	assert_int_equal(m2mv_kdf_data_keys(NULL, k, k), -EINVAL);
	assert_int_equal(m2mv_kdf_dir_conf(NULL, "a", 1, exporter, k), -EINVAL);
	assert_int_equal(m2mv_kdf_dir_auth(k, "a", 1, NULL, k), -EINVAL);
	assert_int_equal(m2mv_kdf_e2e(NULL, 1, exporter, 32, NULL), -EINVAL);

	/* Outputs are wiped on failure. */
	memset(&ke, 0xee, sizeof(ke));
	assert_int_equal(m2mv_kdf_split_exporter(exporter, "a b", &ke), -EINVAL);
	assert_int_equal(ke.rel_keid[0] | ke.ke[0] | ke.ke[31], 0);
	memset(k, 0xee, sizeof(k));
	assert_int_equal(m2mv_kdf_credential_key(NULL, exporter, 14, k),
			 -EINVAL);
	assert_int_equal(k[0] | k[31], 0);
	memset(k, 0xee, sizeof(k));
	assert_int_equal(m2mv_kdf_credential_key(exporter, exporter, 13, k),
			 -EINVAL);
	assert_int_equal(k[0] | k[31], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc5869_extract),
		cmocka_unit_test(test_bootstrap_chain),
		cmocka_unit_test(test_dir_keys),
		cmocka_unit_test(test_e2e_chain),
		cmocka_unit_test(test_credid),
		cmocka_unit_test(test_exporter_session),
		cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
