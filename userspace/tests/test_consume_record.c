// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of the consumer's record handling (userspace/consumer/
 * record.c): records are built here the way the kernel seals them
 * (kmod/jose.c: the header's exact form, AAD = ASCII(BASE64URL(header)),
 * 12-byte IV, AES-256-GCM, RFC 3394 key wrap, HMAC-SHA256) directly with
 * OpenSSL, and the dir content keys are the values of
 * Documentation/key-management.rst, not recomputed: the consumer must
 * derive the same key from K_data_conf and the header.
 *
 * The tests of --key-file also run m2m-consume itself (CONSUME_BIN, under
 * valgrind when there is one): its options, exit status and output.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/b64url.h"
#include "consumer/keyfile.h"
#include "consumer/record.h"

#define KID14 "14-cf27b2df26538407cdb7387144d8cef6@tef.example.com"
#define KID15 "15-1c6156b45d33380b9cd331ce3d39c3df@tef.example.com"
#define KID16 "16-0035c429ef0fc64c5950ed979d2f33fb@tef.example.com"
#define PATH "CSEBase/ae1/cnt1/cin1"
#define TAIL "\"m2mv_path\":\"" PATH "\",\"m2mv_ver\":7," \
	     "\"m2mv_store\":\"000102030405060708090a0b0c0d0e0f\""
#define NONCE "\"m2mv_nonce\":\"oKGio6SlpqeoqaqrrK2urw\"}"

static const char hdr_dir_c[] = "{\"alg\":\"dir\",\"enc\":\"A256GCM\",\"kid\":\""
	KID14 "\"," TAIL ",\"m2mv_kdf\":\"container\"," NONCE;
static const char hdr_dir_i[] = "{\"alg\":\"dir\",\"enc\":\"A256GCM\",\"kid\":\""
	KID14 "\"," TAIL ",\"m2mv_kdf\":\"instance\"," NONCE;
/* Seed dir headers as the kernel writes them since "crit" came. */
#define CRIT ",\"crit\":[\"m2mv_kdf\",\"m2mv_nonce\"]}"
#define NONCE_CRIT "\"m2mv_nonce\":\"oKGio6SlpqeoqaqrrK2urw\"" CRIT
static const char hdr_dir_c_crit[] = "{\"alg\":\"dir\",\"enc\":\"A256GCM\",\"kid\":\""
	KID14 "\"," TAIL ",\"m2mv_kdf\":\"container\"," NONCE_CRIT;
static const char hdr_dir_i_crit[] = "{\"alg\":\"dir\",\"enc\":\"A256GCM\",\"kid\":\""
	KID14 "\"," TAIL ",\"m2mv_kdf\":\"instance\"," NONCE_CRIT;
/* The ts0003 profile: no derivation members; the key is the CEK. */
static const char hdr_dir_ts0003[] = "{\"alg\":\"dir\",\"enc\":\"A256GCM\",\"kid\":\""
	KID14 "\"," TAIL "}";
static const char hdr_wrap[] = "{\"alg\":\"A256KW\",\"enc\":\"A256GCM\",\"kid\":\""
	KID15 "\"," TAIL "}";
static const char hdr_mic[] = "{\"alg\":\"HS256\",\"kid\":\"" KID16 "\"," TAIL "}";

static const char plain[] = "{\"m2m:cin\":{\"con\":\"secret-1\"}}";

/* Key-management vectors: K_data_conf and the dir CEKs for PATH, a0..af. */
static uint8_t k_conf[32], cek_container[32], cek_instance[32];
static uint8_t k_wrap[32], k_mic[32], cek_rand[32], iv[12];

static void unhex(uint8_t *dst, const char *hex)
{
	unsigned int b;

	for (size_t i = 0; hex[2 * i]; i++) {
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &b), 1);
		dst[i] = (uint8_t)b;
	}
}

static int setup(void **state)
{
	(void)state;
	unhex(k_conf, "30bb3a445584116df9c01d2169f778ef"
		      "a971ffc7de2b1f932fd5b9dcd093e4a4");
	unhex(cek_container, "10f1d016750420f90dadd72ab86d770f"
			     "ec2de42820083a5d2fcd0eb83102c4a1");
	unhex(cek_instance, "d823742e126db4b992fef05204a15737"
			    "4aa8791f5756ae2cff86add2b26130be");
	for (int i = 0; i < 32; i++) {
		k_wrap[i] = (uint8_t)(0x11 * (i % 15));
		k_mic[i] = (uint8_t)(0xc0 + i);
		cek_rand[i] = (uint8_t)(0x5a ^ i);
	}
	for (int i = 0; i < 12; i++)
		iv[i] = (uint8_t)(0xe0 + i);
	return 0;
}

static char *b64(const void *p, size_t n)
{
	char *s = malloc(M2MV_B64URL_BUFSZ(n));

	assert_non_null(s);
	assert_int_equal(m2mv_b64url_encode(s, M2MV_B64URL_BUFSZ(n), p, n), 0);
	return s;
}

static char *join(const char *const *part, size_t n, int compact)
{
	static const char *const jwe[] = { "protected", "encrypted_key", "iv",
					   "ciphertext", "tag" };
	static const char *const jws[] = { "protected", "payload", "signature" };
	char *out = calloc(1, 4096);
	size_t i;

	assert_non_null(out);
	if (compact) {
		for (i = 0; i < n; i++) {
			if (i)
				strcat(out, ".");
			strcat(out, part[i]);
		}
		return out;
	}
	strcat(out, "{");
	for (i = 0; i < n; i++) {
		if (n == 5 && i == 1 && !*part[i])
			continue;	/* RFC 7516 7.2.1 */
		if (out[1])
			strcat(out, ",");
		sprintf(out + strlen(out), "\"%s\":\"%s\"",
			n == 5 ? jwe[i] : jws[i], part[i]);
	}
	strcat(out, "}");
	return out;
}

/* A JWE as the kernel seals it; @kek NULL for dir (@cek is the record's). */
static char *make_jwe(const char *hdr, const uint8_t *kek, const uint8_t *cek,
		      const char *pt, int compact)
{
	uint8_t ct[1024], tag[16], ek[40];
	size_t ekl = 0, ptl = strlen(pt);
	char *part[5], *out;
	EVP_CIPHER_CTX *c;
	int l, l2;

	part[0] = b64(hdr, strlen(hdr));
	if (kek) {
		c = EVP_CIPHER_CTX_new();
		EVP_CIPHER_CTX_set_flags(c, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
		assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_256_wrap(), NULL,
						    kek, NULL), 1);
		assert_int_equal(EVP_EncryptUpdate(c, ek, &l, cek, 32), 1);
		assert_int_equal(EVP_EncryptFinal_ex(c, ek + l, &l2), 1);
		ekl = (size_t)(l + l2);
		assert_int_equal(ekl, 40);
		EVP_CIPHER_CTX_free(c);
	}
	c = EVP_CIPHER_CTX_new();
	assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, cek, iv), 1);
	assert_int_equal(EVP_EncryptUpdate(c, NULL, &l, (const uint8_t *)part[0],
					   (int)strlen(part[0])), 1);
	assert_int_equal(EVP_EncryptUpdate(c, ct, &l, (const uint8_t *)pt,
					   (int)ptl), 1);
	assert_int_equal(EVP_EncryptFinal_ex(c, ct + l, &l2), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag), 1);
	EVP_CIPHER_CTX_free(c);
	part[1] = b64(ek, ekl);
	part[2] = b64(iv, sizeof(iv));
	part[3] = b64(ct, ptl);
	part[4] = b64(tag, sizeof(tag));
	out = join((const char *const *)part, 5, compact);
	for (int i = 0; i < 5; i++)
		free(part[i]);
	return out;
}

static char *make_jws(const char *hdr, const uint8_t *key, const char *pt,
		      int compact)
{
	uint8_t mac[32];
	unsigned int macl = 0;
	char *part[3], input[2048], *out;

	part[0] = b64(hdr, strlen(hdr));
	part[1] = b64(pt, strlen(pt));
	snprintf(input, sizeof(input), "%s.%s", part[0], part[1]);
	assert_non_null(HMAC(EVP_sha256(), key, 32, (const uint8_t *)input,
			     strlen(input), mac, &macl));
	part[2] = b64(mac, macl);
	out = join((const char *const *)part, 3, compact);
	for (int i = 0; i < 3; i++)
		free(part[i]);
	return out;
}

/* Parse @text and open it with @key: 0 and @pt, or the first error. */
static int run(const char *text, const uint8_t *key, char *pt, size_t size)
{
	struct consume_record rec;
	const char *why = NULL;
	uint8_t *out = NULL;
	size_t outl = 0;
	int ret;

	ret = consume_record_parse(text, strlen(text), &rec, &why);
	if (!ret) {
		ret = consume_record_open(&rec, key, &out, &outl);
		if (!ret) {
			assert_true(outl < size);
			memcpy(pt, out, outl);
			pt[outl] = '\0';
		}
		free(out);
	} else {
		assert_non_null(why);
	}
	consume_record_free(&rec);
	return ret;
}

static void expect_open(char *text, const uint8_t *key, const char *want)
{
	char pt[1024];

	assert_int_equal(run(text, key, pt, sizeof(pt)), 0);
	assert_string_equal(pt, want);
	free(text);
}

static void expect_ret(char *text, const uint8_t *key, int want)
{
	char pt[1024];

	assert_int_equal(run(text, key, pt, sizeof(pt)), want);
	free(text);
}

/* ------------------------------------------------------------ the modes */

static void test_dir(void **state)
{
	(void)state;
	/* The consumer derives the CEK from K_data_conf and the header. */
	expect_open(make_jwe(hdr_dir_c, NULL, cek_container, plain, 1),
		    k_conf, plain);
	expect_open(make_jwe(hdr_dir_c, NULL, cek_container, plain, 0),
		    k_conf, plain);
	expect_open(make_jwe(hdr_dir_i, NULL, cek_instance, plain, 1),
		    k_conf, plain);
	expect_open(make_jwe(hdr_dir_i, NULL, cek_instance, plain, 0),
		    k_conf, plain);
	/* Sealed under the container key but labelled per instance. */
	expect_ret(make_jwe(hdr_dir_i, NULL, cek_container, plain, 1),
		   k_conf, -EBADMSG);
	/* Another K_data_conf. */
	expect_ret(make_jwe(hdr_dir_c, NULL, cek_container, plain, 1),
		   k_wrap, -EBADMSG);
	/* The CEK itself is not the credential key. */
	expect_ret(make_jwe(hdr_dir_c, NULL, cek_container, plain, 1),
		   cek_container, -EBADMSG);
	/* With "crit" listing the derivation: the same keys. */
	expect_open(make_jwe(hdr_dir_c_crit, NULL, cek_container, plain, 1),
		    k_conf, plain);
	expect_open(make_jwe(hdr_dir_i_crit, NULL, cek_instance, plain, 0),
		    k_conf, plain);
	expect_ret(make_jwe(hdr_dir_c_crit, NULL, k_conf, plain, 1),
		   k_conf, -EBADMSG);
}

static void test_dir_ts0003(void **state)
{
	(void)state;
	/* The type-14 key itself is the content key: nothing derived. */
	expect_open(make_jwe(hdr_dir_ts0003, NULL, k_conf, plain, 1), k_conf,
		    plain);
	expect_open(make_jwe(hdr_dir_ts0003, NULL, k_conf, plain, 0), k_conf,
		    plain);
	/* A record sealed with a derived key does not open as ts0003. */
	expect_ret(make_jwe(hdr_dir_ts0003, NULL, cek_container, plain, 1),
		   k_conf, -EBADMSG);
	expect_ret(make_jwe(hdr_dir_ts0003, NULL, k_conf, plain, 1), k_wrap,
		   -EBADMSG);
}

static void test_wrap(void **state)
{
	(void)state;
	expect_open(make_jwe(hdr_wrap, k_wrap, cek_rand, plain, 1), k_wrap,
		    plain);
	expect_open(make_jwe(hdr_wrap, k_wrap, cek_rand, plain, 0), k_wrap,
		    plain);
	expect_open(make_jwe(hdr_wrap, k_wrap, cek_rand, "", 1), k_wrap, "");
	expect_ret(make_jwe(hdr_wrap, k_wrap, cek_rand, plain, 1), k_conf,
		   -EBADMSG);
}

static void test_mic(void **state)
{
	(void)state;
	expect_open(make_jws(hdr_mic, k_mic, plain, 1), k_mic, plain);
	expect_open(make_jws(hdr_mic, k_mic, plain, 0), k_mic, plain);
	expect_open(make_jws(hdr_mic, k_mic, "", 1), k_mic, "");
	expect_ret(make_jws(hdr_mic, k_mic, plain, 1), k_wrap, -EBADMSG);
}

/* Flip one character of part @part (0-based) of a compact record. */
static char *tamper(char *text, int part)
{
	char *p = text;

	for (int i = 0; i < part; i++)
		p = strchr(p, '.') + 1;
	*p = *p == 'A' ? 'B' : 'A';
	return text;
}

static void test_tampered(void **state)
{
	char *a, *b;

	(void)state;
	expect_ret(tamper(make_jwe(hdr_wrap, k_wrap, cek_rand, plain, 1), 3),
		   k_wrap, -EBADMSG);	/* ciphertext */
	expect_ret(tamper(make_jwe(hdr_wrap, k_wrap, cek_rand, plain, 1), 4),
		   k_wrap, -EBADMSG);	/* tag */
	expect_ret(tamper(make_jwe(hdr_wrap, k_wrap, cek_rand, plain, 1), 1),
		   k_wrap, -EBADMSG);	/* encrypted key */
	expect_ret(tamper(make_jwe(hdr_dir_c, NULL, cek_container, plain, 1), 2),
		   k_conf, -EBADMSG);	/* iv */
	expect_ret(tamper(make_jws(hdr_mic, k_mic, plain, 1), 1), k_mic,
		   -EBADMSG);		/* payload */
	expect_ret(tamper(make_jws(hdr_mic, k_mic, plain, 1), 2), k_mic,
		   -EBADMSG);		/* signature */

	/* The header is authenticated: the same sealed bytes under a header
	 * that names another path (a record moved) do not open. */
	a = make_jwe(hdr_wrap, k_wrap, cek_rand, plain, 1);
	b = make_jwe("{\"alg\":\"A256KW\",\"enc\":\"A256GCM\",\"kid\":\"" KID15
		     "\",\"m2mv_path\":\"CSEBase/ae1/cnt2/cin1\",\"m2mv_ver\":7,"
		     "\"m2mv_store\":\"000102030405060708090a0b0c0d0e0f\"}",
		     k_wrap, cek_rand, plain, 1);
	memcpy(b + strcspn(b, "."), a + strcspn(a, "."), strlen(a + strcspn(a, ".")) + 1);
	free(a);
	expect_ret(b, k_wrap, -EBADMSG);
}

/* --------------------------------------------------------- refused forms */

static void refuse(const char *text)
{
	struct consume_record rec;
	const char *why = NULL;

	assert_int_equal(consume_record_parse(text, strlen(text), &rec, &why),
			 -EINVAL);
	assert_non_null(why);
	consume_record_free(&rec);
}

static void refuse_hdr_jwe(const char *hdr)
{
	char *t = make_jwe(hdr, k_wrap, cek_rand, plain, 1);

	refuse(t);
	free(t);
}

static void test_refused(void **state)
{
	char *t, buf[4096];

	(void)state;
	refuse("");
	refuse("\n");
	refuse("a.b");
	refuse("a.b.c.d");
	refuse("a.b.c.d.e.f");
	refuse("[1,2]");
	refuse("{\"protected\":1}");
	refuse("eyJhbGciOiJIUzI1NiJ9.e30.a+b");	/* not BASE64URL */

	/* Headers the kernel never writes. */
	refuse_hdr_jwe("{\"alg\":\"A128KW\",\"enc\":\"A256GCM\",\"kid\":\"" KID15 "\"}");
	refuse_hdr_jwe("{\"alg\":\"A256KW\",\"enc\":\"A128GCM\",\"kid\":\"" KID15 "\"}");
	refuse_hdr_jwe("{\"alg\":\"A256KW\",\"kid\":\"" KID15 "\"}");
	refuse_hdr_jwe("{\"alg\":\"A256KW\",\"enc\":\"A256GCM\",\"kid\":\"" KID14 "\"}");
	refuse_hdr_jwe("{\"alg\":\"A256KW\",\"enc\":\"A256GCM\",\"kid\":\"bogus\"}");
	refuse_hdr_jwe("{\"alg\":\"A256KW\",\"enc\":\"A256GCM\"}");
	refuse_hdr_jwe("{\"alg\":\"A256KW\",\"enc\":\"A256GCM\",\"kid\":\"" KID15
		       "\",\"zip\":\"DEF\"}");
	refuse_hdr_jwe("{\"alg\":\"A256KW\",\"enc\":\"A256GCM\",\"kid\":\"" KID15
		       "\",\"crit\":[\"x\"],\"x\":1}");
	refuse_hdr_jwe("{\"alg\":\"A256KW\",\"enc\":\"A256GCM\",\"kid\":\"" KID15
		       "\",\"m2mv_path\":\"a b\"}");
	/* crit: only the seed dir header's own list. */
	refuse_hdr_jwe("{\"alg\":\"A256KW\",\"enc\":\"A256GCM\",\"kid\":\"" KID15
		       "\"," TAIL CRIT);
	refuse_hdr_jwe("{\"alg\":\"dir\",\"enc\":\"A256GCM\",\"kid\":\"" KID14 "\"," TAIL
		       CRIT);
	refuse_hdr_jwe("{\"alg\":\"dir\",\"enc\":\"A256GCM\",\"kid\":\"" KID14 "\"," TAIL
		       ",\"m2mv_kdf\":\"container\"," "\"m2mv_nonce\":\"oKGio6SlpqeoqaqrrK2urw\""
		       ",\"crit\":[\"m2mv_kdf\"]}");
	refuse_hdr_jwe("{\"alg\":\"dir\",\"enc\":\"A256GCM\",\"kid\":\"" KID14 "\"," TAIL
		       ",\"m2mv_kdf\":\"container\"," "\"m2mv_nonce\":\"oKGio6SlpqeoqaqrrK2urw\""
		       ",\"crit\":\"m2mv_kdf\"}");
	/* One derivation member without the other is neither profile. */
	refuse_hdr_jwe("{\"alg\":\"dir\",\"enc\":\"A256GCM\",\"kid\":\"" KID14 "\"," TAIL
		       ",\"m2mv_nonce\":\"oKGio6SlpqeoqaqrrK2urw\"}");
	refuse_hdr_jwe("{\"alg\":\"A256KW\",\"alg\":\"A256KW\",\"enc\":\"A256GCM\",\"kid\":\""
		       KID15 "\"}");	/* duplicate member */
	refuse_hdr_jwe("[\"alg\"]");
	/* A wrap header on a JWE without an encrypted key. */
	t = make_jwe(hdr_wrap, NULL, cek_rand, plain, 1);
	refuse(t);
	free(t);
	/* A dir header on a JWE with one. */
	t = make_jwe(hdr_dir_c, k_wrap, cek_container, plain, 1);
	refuse(t);
	free(t);
	/* dir without or with a bad nonce or key scope. */
	refuse_hdr_jwe("{\"alg\":\"dir\",\"enc\":\"A256GCM\",\"kid\":\"" KID14 "\"," TAIL
		       ",\"m2mv_kdf\":\"container\"}");
	refuse_hdr_jwe("{\"alg\":\"dir\",\"enc\":\"A256GCM\",\"kid\":\"" KID14 "\"," TAIL
		       ",\"m2mv_kdf\":\"store\"," NONCE);
	refuse_hdr_jwe("{\"alg\":\"dir\",\"enc\":\"A256GCM\",\"kid\":\"" KID14 "\"," TAIL
		       ",\"m2mv_kdf\":\"container\",\"m2mv_nonce\":\"oKGio6SlpqeoqaqrrK2u\"}");
	/* A JWS with enc, alg none, b64 false. */
	t = make_jws("{\"alg\":\"HS256\",\"enc\":\"A256GCM\",\"kid\":\"" KID16 "\"}",
		     k_mic, plain, 1);
	refuse(t);
	free(t);
	t = make_jws("{\"alg\":\"none\",\"kid\":\"" KID16 "\"}", k_mic, plain, 1);
	refuse(t);
	free(t);
	t = make_jws("{\"alg\":\"HS256\",\"kid\":\"" KID16 "\",\"b64\":false}",
		     k_mic, plain, 1);
	refuse(t);
	free(t);
	/* A JWS header on a JWE and the reverse. */
	t = make_jwe(hdr_mic, k_wrap, cek_rand, plain, 1);
	refuse(t);
	free(t);
	t = make_jws(hdr_wrap, k_mic, plain, 1);
	refuse(t);
	free(t);

	/* Members m2mvault never writes: unprotected headers, aad, general. */
	t = make_jws(hdr_mic, k_mic, plain, 0);
	snprintf(buf, sizeof(buf), "%.*s,\"header\":{\"alg\":\"none\"}}",
		 (int)strlen(t) - 1, t);
	refuse(buf);
	snprintf(buf, sizeof(buf), "{\"payload\":\"e30\",\"signatures\":[%s]}", t);
	refuse(buf);
	free(t);
	t = make_jwe(hdr_wrap, k_wrap, cek_rand, plain, 0);
	snprintf(buf, sizeof(buf), "%.*s,\"aad\":\"AA\"}", (int)strlen(t) - 1, t);
	refuse(buf);
	snprintf(buf, sizeof(buf), "%.*s,\"unprotected\":{}}", (int)strlen(t) - 1, t);
	refuse(buf);
	free(t);
}

/* The IV must be 96 bits: said so, not taken for a failed tag. */
static void test_refused_iv(void **state)
{
	char *t = make_jwe(hdr_wrap, k_wrap, cek_rand, plain, 1);
	struct consume_record rec;
	const char *why = NULL;
	char buf[4096];
	char *p[5];
	int i;

	(void)state;
	p[0] = t;
	for (i = 1; i < 5; i++) {
		p[i] = strchr(p[i - 1], '.');
		assert_non_null(p[i]);
		p[i]++;
	}
	/* header.ek. + an 8-byte IV + .ciphertext.tag */
	snprintf(buf, sizeof(buf), "%.*sAAAAAAAAAAA.%s", (int)(p[2] - p[0]), t,
		 p[3]);
	assert_int_equal(consume_record_parse(buf, strlen(buf), &rec, &why),
			 -EINVAL);
	assert_non_null(why);
	assert_non_null(strstr(why, "IV is not 96 bits"));
	consume_record_free(&rec);
	free(t);
}

static void test_trailing_space(void **state)
{
	char *t = make_jws(hdr_mic, k_mic, plain, 1), *u;

	(void)state;
	u = malloc(strlen(t) + 4);
	strcpy(u, t);
	strcat(u, " \r\n");
	free(t);
	expect_open(u, k_mic, plain);
}

/* ------------------------------------------------------- the TEF's JWK */

static void jwk_case(const char *jwk_text, int want)
{
	char *t = make_jwe(hdr_dir_c, NULL, cek_container, plain, 1);
	struct consume_record rec;
	const char *why = NULL;
	uint8_t key[32];
	json_t *jwk = json_loads(jwk_text, 0, NULL);

	assert_non_null(jwk);
	assert_int_equal(consume_record_parse(t, strlen(t), &rec, &why), 0);
	assert_int_equal(consume_jwk_key(&rec, jwk, key, &why), want);
	if (!want)
		assert_memory_equal(key, k_conf, 32);
	else
		assert_non_null(why);
	consume_record_free(&rec);
	json_decref(jwk);
	free(t);
}

#define K_CONF_B64 "MLs6RFWEEW35wB0hafd476lx_8feKx-TL9W53NCT5KQ"

static void test_jwk(void **state)
{
	(void)state;
	jwk_case("{\"kty\":\"oct\",\"kid\":\"" KID14 "\",\"alg\":\"dir\",\"k\":\""
		 K_CONF_B64 "\",\"exp\":2000000000}", 0);
	jwk_case("{\"kty\":\"oct\",\"k\":\"" K_CONF_B64 "\"}", 0);
	jwk_case("{\"kty\":\"RSA\",\"k\":\"" K_CONF_B64 "\"}", -EPROTO);
	jwk_case("{\"kty\":\"oct\",\"kid\":\"" KID15 "\",\"k\":\"" K_CONF_B64 "\"}",
		 -EPROTO);
	jwk_case("{\"kty\":\"oct\",\"alg\":\"A256KW\",\"k\":\"" K_CONF_B64 "\"}",
		 -EPROTO);
	jwk_case("{\"kty\":\"oct\",\"k\":\"MLs6RFWEEW35wB0hafd476lx\"}", -EPROTO);
	jwk_case("{\"kty\":\"oct\",\"k\":\"" K_CONF_B64 "AAAA\"}", -EPROTO);
	jwk_case("{\"kty\":\"oct\"}", -EPROTO);
}

/* -------------------------------------------------------------- --json */

/* ------------------------------------------------ several recipients */

#define KID15B "15-00000000000000000000000000000b0b@tef.example.com"
#define RCPT "\"m2mv_rcpt\":[\"" KID15 "\",\"" KID15B "\"]"
static const char hdr_rcpt[] = "{\"enc\":\"A256GCM\"," TAIL "," RCPT "}";

/*
 * The General JSON serialization of @hdr for @n recipients, @kids[i]'s
 * encrypted key wrapped with @keys[i]: the flattened JWEs of all keys share
 * their IV and ciphertext (same CEK and IV).
 */
static char *make_general_n(const char *hdr, size_t n, const char *const *kids,
			    const uint8_t *const *keys)
{
	json_t *g = NULL, *rs = json_array(), *j;
	char *t, *out;
	size_t i;

	assert_non_null(rs);
	for (i = 0; i < n; i++) {
		t = make_jwe(hdr, keys[i], cek_rand, plain, 0);
		j = json_loads(t, 0, NULL);
		assert_non_null(j);
		assert_int_equal(json_array_append_new(rs, json_pack(
			"{s:{s:s,s:s},s:O}", "header", "alg", "A256KW",
			"kid", kids[i], "encrypted_key",
			json_object_get(j, "encrypted_key"))), 0);
		if (!g)
			g = json_pack("{s:O,s:O,s:O,s:O}",
				      "protected", json_object_get(j, "protected"),
				      "iv", json_object_get(j, "iv"),
				      "ciphertext", json_object_get(j, "ciphertext"),
				      "tag", json_object_get(j, "tag"));
		assert_non_null(g);
		json_decref(j);
		free(t);
	}
	assert_int_equal(json_object_set_new(g, "recipients", rs), 0);
	out = json_dumps(g, JSON_COMPACT);
	assert_non_null(out);
	json_decref(g);
	return out;
}

/* KID15 (k_wrap) and @kid2 (k_mic's bytes). */
static char *make_general(const char *hdr, const char *kid2)
{
	const char *kids[] = { KID15, kid2 };
	const uint8_t *keys[] = { k_wrap, k_mic };

	return make_general_n(hdr, 2, kids, keys);
}

/* Parse @text, pick recipient @i, open with @key: 0 or the first error. */
static int run_rcpt(const char *text, size_t i, const uint8_t *key)
{
	struct consume_record rec;
	const char *why = NULL;
	uint8_t *out = NULL;
	size_t outl = 0;
	int ret;

	ret = consume_record_parse(text, strlen(text), &rec, &why);
	if (!ret) {
		assert_int_equal(rec.nrcpt, 2);
		assert_string_equal(rec.kid, KID15);
		ret = consume_record_pick(&rec, i);
	}
	if (!ret) {
		assert_string_equal(rec.kid, i ? KID15B : KID15);
		ret = consume_record_open(&rec, key, &out, &outl);
	}
	if (!ret) {
		assert_int_equal(outl, strlen(plain));
		assert_memory_equal(out, plain, outl);
	}
	free(out);
	consume_record_free(&rec);
	return ret;
}

static void test_general(void **state)
{
	char *t = make_general(hdr_rcpt, KID15B), *bad;
	struct consume_record rec;
	const char *why = NULL;
	json_t *s;

	(void)state;
	/* Each recipient's key alone, as that recipient. */
	assert_int_equal(run_rcpt(t, 0, k_wrap), 0);
	assert_int_equal(run_rcpt(t, 1, k_mic), 0);
	/* Another recipient's key, or none of theirs. */
	assert_int_equal(run_rcpt(t, 0, k_mic), -EBADMSG);
	assert_int_equal(run_rcpt(t, 1, k_conf), -EBADMSG);

	assert_int_equal(consume_record_parse(t, strlen(t), &rec, &why), 0);
	assert_int_equal(consume_record_pick(&rec, 2), -EINVAL);
	s = consume_record_summary(&rec, (const uint8_t *)plain, strlen(plain));
	assert_non_null(s);
	assert_string_equal(json_string_value(json_object_get(s, "kid")), KID15);
	assert_string_equal(json_string_value(json_object_get(s, "form")), "general");
	assert_int_equal(json_integer_value(json_object_get(s, "recipients")), 2);
	json_decref(s);
	consume_record_free(&rec);
	free(t);

	/* The list in the header must be the recipients, in order. */
	bad = make_general(hdr_rcpt, KID15);
	assert_int_equal(run_rcpt(bad, 0, k_wrap), -EINVAL);
	free(bad);
	bad = make_general("{\"enc\":\"A256GCM\"," TAIL ",\"m2mv_rcpt\":[\""
			   KID15B "\",\"" KID15 "\"]}", KID15B);
	assert_int_equal(run_rcpt(bad, 0, k_wrap), -EINVAL);
	free(bad);
	/* alg and kid are the recipients'. */
	bad = make_general("{\"alg\":\"A256KW\",\"enc\":\"A256GCM\"," TAIL ","
			   RCPT "}", KID15B);
	assert_int_equal(run_rcpt(bad, 0, k_wrap), -EINVAL);
	free(bad);
	/* A recipient of another credential type. */
	bad = make_general("{\"enc\":\"A256GCM\"," TAIL ",\"m2mv_rcpt\":[\""
			   KID15 "\",\"" KID14 "\"]}", KID14);
	assert_int_equal(run_rcpt(bad, 0, k_wrap), -EINVAL);
	free(bad);
}

/* ------------------------------------- a key of unknown credential */

#define KIDREC "15-recovery@tef.example"
#define RCPT3 "\"m2mv_rcpt\":[\"" KID15 "\",\"" KID15B "\",\"" KIDREC "\"]"
static const char hdr_rcpt3[] = "{\"enc\":\"A256GCM\"," TAIL "," RCPT3 "}";
static const char *const kids3[] = { KID15, KID15B, KIDREC };
/* The recovery key: k_conf's bytes (no other test wraps with them). */
static const uint8_t *const keys3[] = { k_wrap, k_mic, k_conf };

/*
 * Parse @text, pick the recipient of @key (named @kid, or not) and open
 * it: 0 and the recipient picked in @index, or the first error.
 */
static int run_pick(const char *text, const uint8_t *key, const char *kid,
		    size_t *index)
{
	struct consume_record rec;
	const char *why = NULL;
	uint8_t *out = NULL;
	size_t outl = 0;
	int ret;

	*index = (size_t)-1;
	ret = consume_record_parse(text, strlen(text), &rec, &why);
	if (!ret)
		ret = consume_record_pick_key(&rec, key, kid, index);
	if (!ret) {
		if (rec.nrcpt)
			assert_string_equal(rec.kid, rec.rcpt[*index]);
		if (kid)
			assert_string_equal(rec.kid, kid);
		ret = consume_record_open(&rec, key, &out, &outl);
	}
	if (!ret) {
		assert_int_equal(outl, strlen(plain));
		assert_memory_equal(out, plain, outl);
	}
	free(out);
	consume_record_free(&rec);
	return ret;
}

static void test_pick_key(void **state)
{
	char *g2 = make_general(hdr_rcpt, KID15B);
	char *g3 = make_general_n(hdr_rcpt3, 3, kids3, keys3);
	size_t i, idx;

	(void)state;
	/* Each recipient's key, found by unwrapping or named. */
	for (i = 0; i < 3; i++) {
		assert_int_equal(run_pick(g3, keys3[i], NULL, &idx), 0);
		assert_int_equal(idx, i);
		assert_int_equal(run_pick(g3, keys3[i], kids3[i], &idx), 0);
		assert_int_equal(idx, i);
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(run_pick(g2, keys3[i], NULL, &idx), 0);
		assert_int_equal(idx, i);
		assert_int_equal(run_pick(g2, keys3[i], kids3[i], &idx), 0);
		assert_int_equal(idx, i);
	}
	/* A key of none of them; a recipient named whose key it is not. */
	assert_int_equal(run_pick(g3, cek_rand, NULL, &idx), -EBADMSG);
	assert_int_equal(run_pick(g2, k_conf, NULL, &idx), -EBADMSG);
	assert_int_equal(run_pick(g3, k_conf, KID15, &idx), -EBADMSG);
	assert_int_equal(run_pick(g3, k_wrap, KIDREC, &idx), -EBADMSG);
	/* A recipient the record does not have. */
	assert_int_equal(run_pick(g2, k_conf, KIDREC, &idx), -ENOENT);
	assert_int_equal(run_pick(g3, k_wrap, KID16, &idx), -ENOENT);
	free(g2);
	free(g3);
}

static void test_pick_key_one(void **state)
{
	char *t;
	size_t idx;

	(void)state;
	/* A compact and a flattened wrap record: the key must unwrap. */
	t = make_jwe(hdr_wrap, k_wrap, cek_rand, plain, 1);
	assert_int_equal(run_pick(t, k_wrap, NULL, &idx), 0);
	assert_int_equal(idx, 0);
	assert_int_equal(run_pick(t, k_wrap, KID15, &idx), 0);
	assert_int_equal(run_pick(t, k_conf, NULL, &idx), -EBADMSG);
	assert_int_equal(run_pick(t, k_wrap, KIDREC, &idx), -ENOENT);
	free(t);
	t = make_jwe(hdr_wrap, k_wrap, cek_rand, plain, 0);
	assert_int_equal(run_pick(t, k_wrap, NULL, &idx), 0);
	assert_int_equal(run_pick(t, k_mic, KID15, &idx), -EBADMSG);
	free(t);
	/* mic and dir: the kid's key, known wrong only when opening. */
	t = make_jws(hdr_mic, k_mic, plain, 1);
	assert_int_equal(run_pick(t, k_mic, NULL, &idx), 0);
	assert_int_equal(run_pick(t, k_mic, KID16, &idx), 0);
	assert_int_equal(run_pick(t, k_wrap, NULL, &idx), -EBADMSG);
	assert_int_equal(run_pick(t, k_mic, KID15, &idx), -ENOENT);
	free(t);
	t = make_jwe(hdr_dir_i, NULL, cek_instance, plain, 1);
	assert_int_equal(run_pick(t, k_conf, KID14, &idx), 0);
	assert_int_equal(run_pick(t, cek_instance, NULL, &idx), -EBADMSG);
	free(t);
	t = make_jwe(hdr_dir_ts0003, NULL, k_conf, plain, 0);
	assert_int_equal(run_pick(t, k_conf, NULL, &idx), 0);
	free(t);
}

/* consume_record_unwraps() alone: only wrap records. */
static void test_unwraps(void **state)
{
	char *t = make_jwe(hdr_dir_c, NULL, cek_container, plain, 1);
	struct consume_record rec;
	const char *why = NULL;

	(void)state;
	assert_int_equal(consume_record_parse(t, strlen(t), &rec, &why), 0);
	assert_int_equal(consume_record_unwraps(&rec, k_conf), -EINVAL);
	consume_record_free(&rec);
	free(t);
	t = make_jwe(hdr_wrap, k_wrap, cek_rand, plain, 1);
	assert_int_equal(consume_record_parse(t, strlen(t), &rec, &why), 0);
	assert_int_equal(consume_record_unwraps(&rec, k_wrap), 0);
	assert_int_equal(consume_record_unwraps(&rec, k_mic), -EBADMSG);
	consume_record_free(&rec);
	/* An encrypted key modified: its integrity check fails. */
	t = tamper(t, 1);
	assert_int_equal(consume_record_parse(t, strlen(t), &rec, &why), 0);
	assert_int_equal(consume_record_unwraps(&rec, k_wrap), -EBADMSG);
	consume_record_free(&rec);
	free(t);
}

/* ------------------------------------------------------- key files */

/* A directory of its own for each test's files; rm_dir() empties it. */
static char *make_dir(void)
{
	char *d = strdup("/tmp/m2mv-consume-test.XXXXXX");

	assert_non_null(d);
	assert_non_null(mkdtemp(d));
	return d;
}

static void rm_dir(char *dir)
{
	char path[4096];
	struct dirent *e;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		assert_int_equal(unlink(path), 0);
	}
	closedir(d);
	assert_int_equal(rmdir(dir), 0);
	free(dir);
}

/* @dir/@name holding @len bytes of @data, mode @mode: its path (static). */
static const char *put_file(const char *dir, const char *name,
			    const void *data, size_t len, mode_t mode)
{
	static char path[8][4096];
	static unsigned int next;
	char *p = path[next++ % 8];
	int fd;

	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
	return p;
}

static int read_key(const char *path, uint8_t key[32],
		    struct consume_keyfile_info *info)
{
	memset(key, 0xee, 32);
	return consume_keyfile_read(path, key, info);
}

static void test_keyfile_read(void **state)
{
	static const char hex[] = "30bb3a445584116df9c01d2169f778ef"
				  "a971ffc7de2b1f932fd5b9dcd093e4a4\n";
	static const uint8_t zero[32];
	struct consume_keyfile_info info;
	uint8_t key[32], big[300];
	char *dir = make_dir();
	const char *p;

	(void)state;
	p = put_file(dir, "ok", k_conf, 32, 0600);
	assert_int_equal(read_key(p, key, &info), 0);
	assert_memory_equal(key, k_conf, 32);
	assert_int_equal(info.len, 32);
	assert_false(info.exposed);
	assert_false(info.hex);
	/* Readable by others: read, and said so. */
	p = put_file(dir, "exposed", k_conf, 32, 0644);
	assert_int_equal(read_key(p, key, &info), 0);
	assert_memory_equal(key, k_conf, 32);
	assert_true(info.exposed);
	p = put_file(dir, "group", k_conf, 32, 0640);
	assert_int_equal(read_key(p, key, &info), 0);
	assert_true(info.exposed);

	/* Any length but 32 is refused, the key left wiped. */
	p = put_file(dir, "short", k_conf, 31, 0600);
	assert_int_equal(read_key(p, key, &info), -EINVAL);
	assert_int_equal(info.len, 31);
	assert_memory_equal(key, zero, 32);
	p = put_file(dir, "newline", "0123456789abcdef0123456789abcdef\n", 33,
		     0600);
	assert_int_equal(read_key(p, key, &info), -EINVAL);
	assert_int_equal(info.len, 33);
	assert_false(info.hex);
	assert_memory_equal(key, zero, 32);
	p = put_file(dir, "empty", "", 0, 0600);
	assert_int_equal(read_key(p, key, &info), -EINVAL);
	assert_int_equal(info.len, 0);
	/* The hex text of a key, where its bytes belong. */
	p = put_file(dir, "hex", hex, strlen(hex), 0600);
	assert_int_equal(read_key(p, key, &info), -EINVAL);
	assert_int_equal(info.len, 65);
	assert_true(info.hex);
	memset(big, 'a', sizeof(big));
	p = put_file(dir, "big", big, sizeof(big), 0600);
	assert_int_equal(read_key(p, key, &info), -EINVAL);
	assert_int_equal(info.len, CONSUME_KEYFILE_PROBE + 1);
	assert_false(info.hex);

	assert_int_equal(read_key("/nonexistent/key", key, &info), -ENOENT);
	assert_int_equal(read_key(dir, key, &info), -EISDIR);
	rm_dir(dir);
}

#ifndef CONSUME_BIN
#error "CONSUME_BIN: the m2m-consume to run (userspace/consumer/consumer.mk)"
#endif

/* Output of the last run_consume(), NUL-terminated. */
static char cli_out[8192], cli_err[8192];

static void slurp(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(path);
}

/*
 * Run m2m-consume with @args (NULL-terminated), standard input from
 * @in (or /dev/null), standard output and error into cli_out and cli_err:
 * its exit status. Under valgrind, an error or a leak is a failure.
 */
static int run_consume(const char *dir, const char *in,
		       const char *const *args)
{
	static const char *const vg[] = { "valgrind", "-q",
		"--error-exitcode=99", "--leak-check=full",
		"--errors-for-leak-kinds=all" };
	const char *argv[40];
	char out[4096], err[4096];
	size_t n = 0, i;
	int use_vg = !access("/usr/bin/valgrind", X_OK), status;
	pid_t pid;

	if (use_vg)
		for (i = 0; i < sizeof(vg) / sizeof(vg[0]); i++)
			argv[n++] = vg[i];
	argv[n++] = CONSUME_BIN;
	for (i = 0; args[i]; i++) {
		assert_true(n + 1 < sizeof(argv) / sizeof(argv[0]));
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	snprintf(out, sizeof(out), "%s/.stdout", dir);
	snprintf(err, sizeof(err), "%s/.stderr", dir);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		int i0 = open(in ? in : "/dev/null", O_RDONLY);
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (i0 < 0 || o < 0 || e < 0 || dup2(i0, 0) < 0 ||
		    dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(127);
		execv(use_vg ? "/usr/bin/valgrind" : CONSUME_BIN,
		      (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	slurp(out, cli_out, sizeof(cli_out));
	slurp(err, cli_err, sizeof(cli_err));
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 99 || WEXITSTATUS(status) == 127)
		fail_msg("m2m-consume: status %d, stderr: %s",
			 WEXITSTATUS(status), cli_err);
	return WEXITSTATUS(status);
}

#define CONSUME(dir, in, ...) \
	run_consume(dir, in, (const char *const []){ __VA_ARGS__, NULL })

static void expect_stderr(const char *what)
{
	if (!strstr(cli_err, what))
		fail_msg("stderr lacks \"%s\": %s", what, cli_err);
}

static void test_cli_general(void **state)
{
	char *g3 = make_general_n(hdr_rcpt3, 3, kids3, keys3);
	char *g2 = make_general(hdr_rcpt, KID15B);
	char *dir = make_dir(), *r3, *r2, *key[3], *bad;
	char name[16], out[4096], buf[256];
	struct stat st;
	size_t i;
	json_t *j;

	(void)state;
	r3 = strdup(put_file(dir, "r3.jwe", g3, strlen(g3), 0600));
	r2 = strdup(put_file(dir, "r2.jwe", g2, strlen(g2), 0600));
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "%zu.key", i);
		key[i] = strdup(put_file(dir, name, keys3[i], 32, 0600));
	}
	bad = strdup(put_file(dir, "bad.key", cek_rand, 32, 0600));

	/* Each recipient's key file, with its kid and without. */
	for (i = 0; i < 3; i++) {
		assert_int_equal(CONSUME(dir, NULL, "--key-file", key[i], r3), 0);
		assert_string_equal(cli_out, plain);
		assert_string_equal(cli_err, "");
		assert_int_equal(CONSUME(dir, NULL, "--key-file", key[i],
					 "--kid", kids3[i], r3), 0);
		assert_string_equal(cli_out, plain);
		if (i < 2) {
			assert_int_equal(CONSUME(dir, NULL, "--key-file",
						 key[i], r2), 0);
			assert_string_equal(cli_out, plain);
			assert_int_equal(CONSUME(dir, NULL, "--key-file", key[i],
						 "--kid", kids3[i], r2), 0);
			assert_string_equal(cli_out, plain);
		}
	}
	/* The record from standard input; -v says which recipient opened. */
	assert_int_equal(CONSUME(dir, r3, "--key-file", key[2], "-v"), 0);
	assert_string_equal(cli_out, plain);
	expect_stderr("opens recipient 3 of 3, " KIDREC);
	/* --json: the recipient opened, -o: a file of mode 0600. */
	assert_int_equal(CONSUME(dir, NULL, "--key-file", key[2], "--json", r3),
			 0);
	j = json_loads(cli_out, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "kid")), KIDREC);
	assert_string_equal(json_string_value(json_object_get(j, "text")), plain);
	assert_int_equal(json_integer_value(json_object_get(j, "recipients")), 3);
	json_decref(j);
	snprintf(out, sizeof(out), "%s/out", dir);
	assert_int_equal(CONSUME(dir, NULL, "--key-file", key[1], "-o", out,
				 r3), 0);
	assert_string_equal(cli_out, "");
	assert_int_equal(stat(out, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	slurp(out, buf, sizeof(buf));
	assert_string_equal(buf, plain);

	/* A key of none; a recipient named whose key it is not, or absent. */
	assert_int_equal(CONSUME(dir, NULL, "--key-file", bad, r3), 1);
	assert_string_equal(cli_out, "");
	expect_stderr("authentication failed");
	expect_stderr("none of the 3 recipients (" KID15 ", " KID15B ", "
		      KIDREC ")");
	assert_int_equal(CONSUME(dir, NULL, "--key-file", key[0], "--kid",
				 KIDREC, r3), 1);
	expect_stderr("authentication failed");
	expect_stderr("does not unwrap the encrypted key of " KIDREC);
	assert_int_equal(CONSUME(dir, NULL, "--key-file", key[2], "--kid",
				 KIDREC, r2), 1);
	assert_string_equal(cli_out, "");
	expect_stderr("--kid " KIDREC " is not a recipient");
	rm_dir(dir);
	free(r3);
	free(r2);
	for (i = 0; i < 3; i++)
		free(key[i]);
	free(bad);
	free(g3);
	free(g2);
}

static void test_cli_one(void **state)
{
	char *dir = make_dir(), *t, *wrap, *mic, *dirrec, *kw, *km, *kc;

	(void)state;
	t = make_jwe(hdr_wrap, k_wrap, cek_rand, plain, 1);
	wrap = strdup(put_file(dir, "wrap.jwe", t, strlen(t), 0600));
	free(t);
	t = make_jws(hdr_mic, k_mic, plain, 1);
	mic = strdup(put_file(dir, "mic.jws", t, strlen(t), 0600));
	free(t);
	t = make_jwe(hdr_dir_c, NULL, cek_container, plain, 0);
	dirrec = strdup(put_file(dir, "dir.jwe", t, strlen(t), 0600));
	free(t);
	kw = strdup(put_file(dir, "wrap.key", k_wrap, 32, 0600));
	km = strdup(put_file(dir, "mic.key", k_mic, 32, 0600));
	kc = strdup(put_file(dir, "conf.key", k_conf, 32, 0600));

	/* A compact wrap record. */
	assert_int_equal(CONSUME(dir, NULL, "--key-file", kw, wrap), 0);
	assert_string_equal(cli_out, plain);
	assert_int_equal(CONSUME(dir, NULL, "--key-file", kw, "--kid", KID15,
				 "--path", PATH, wrap), 0);
	assert_string_equal(cli_out, plain);
	assert_int_equal(CONSUME(dir, NULL, "--key-file", km, wrap), 1);
	expect_stderr("authentication failed");
	expect_stderr("does not unwrap the encrypted key of " KID15);
	assert_int_equal(CONSUME(dir, NULL, "--key-file", kw, "--kid", KIDREC,
				 wrap), 1);
	expect_stderr("the record is for " KID15 ", not --kid " KIDREC);
	/* A mic record: the kid's key verifies, another does not. */
	assert_int_equal(CONSUME(dir, NULL, "--key-file", km, mic), 0);
	assert_string_equal(cli_out, plain);
	assert_int_equal(CONSUME(dir, NULL, "--key-file", kw, mic), 1);
	assert_string_equal(cli_out, "");
	expect_stderr("authentication failed: the JWS does not verify under "
		      KID16);
	/* A seed dir record: the per-container key derived from the file's. */
	assert_int_equal(CONSUME(dir, NULL, "--key-file", kc, dirrec), 0);
	assert_string_equal(cli_out, plain);
	assert_int_equal(CONSUME(dir, NULL, "--key-file", kw, dirrec), 1);
	expect_stderr("authentication failed: the JWE does not verify under "
		      KID14);
	/* The key from standard input. */
	assert_int_equal(CONSUME(dir, km, "--key-file", "-", mic), 0);
	assert_string_equal(cli_out, plain);
	rm_dir(dir);
	free(wrap);
	free(mic);
	free(dirrec);
	free(kw);
	free(km);
	free(kc);
}

static void test_cli_refused(void **state)
{
	static const char hex[] = "30bb3a445584116df9c01d2169f778ef"
				  "a971ffc7de2b1f932fd5b9dcd093e4a4\n";
	char *dir = make_dir(), *t, *mic, *km;
	const char *p;
	uint8_t k33[33];

	(void)state;
	t = make_jws(hdr_mic, k_mic, plain, 1);
	mic = strdup(put_file(dir, "mic.jws", t, strlen(t), 0600));
	free(t);
	km = strdup(put_file(dir, "mic.key", k_mic, 32, 0600));

	/* Key files of another length than 32. */
	p = put_file(dir, "short.key", k_mic, 31, 0600);
	assert_int_equal(CONSUME(dir, NULL, "--key-file", p, mic), 1);
	assert_string_equal(cli_out, "");
	expect_stderr("31 bytes, not the raw 32-byte key");
	memcpy(k33, k_mic, 32);
	k33[32] = '\n';
	p = put_file(dir, "nl.key", k33, 33, 0600);
	assert_int_equal(CONSUME(dir, NULL, "--key-file", p, mic), 1);
	expect_stderr("33 bytes, not the raw 32-byte key");
	p = put_file(dir, "hex.key", hex, strlen(hex), 0600);
	assert_int_equal(CONSUME(dir, NULL, "--key-file", p, mic), 1);
	expect_stderr("hex text, not the raw 32-byte key");
	assert_int_equal(CONSUME(dir, NULL, "--key-file", "/nonexistent", mic),
			 1);
	expect_stderr("/nonexistent: No such file or directory");
	/* Readable by others: used, with a warning. */
	p = put_file(dir, "open.key", k_mic, 32, 0644);
	assert_int_equal(CONSUME(dir, NULL, "--key-file", p, mic), 0);
	assert_string_equal(cli_out, plain);
	expect_stderr("warning: ");
	expect_stderr("treat the key as exposed");

	/* The TEF's options and --key-file do not mix: usage. */
	assert_int_equal(CONSUME(dir, NULL, "--key-file", km, "--tef",
				 "tef.example", mic), 2);
	expect_stderr("--key-file is instead of the TEF");
	assert_int_equal(CONSUME(dir, NULL, "--psk-file", km, "--key-file", km,
				 mic), 2);
	assert_int_equal(CONSUME(dir, NULL, "--key-file", km, "--timeout",
				 "1000", mic), 2);
	assert_int_equal(CONSUME(dir, NULL, "--key-file", km, "--fqdn",
				 "tef.example", "--identity", "kpm", mic), 2);
	/* --kid only with --key-file, and a Credential-ID. */
	assert_int_equal(CONSUME(dir, NULL, "--kid", KID16, mic), 2);
	expect_stderr("--kid goes with --key-file");
	assert_int_equal(CONSUME(dir, NULL, "--key-file", km, "--kid", "bogus",
				 mic), 2);
	expect_stderr("--kid bogus: not a Credential-ID");
	/* Key and record cannot both come from standard input. */
	assert_int_equal(CONSUME(dir, mic, "--key-file", "-"), 2);
	/* Neither the TEF nor a key file. */
	assert_int_equal(CONSUME(dir, NULL, mic), 2);
	expect_stderr("(or --key-file)");
	assert_string_equal(cli_out, "");
	rm_dir(dir);
	free(mic);
	free(km);
}

static void test_summary(void **state)
{
	char *t = make_jwe(hdr_dir_i, NULL, cek_instance, plain, 0);
	static const uint8_t bin[] = { 0xff, 0x00, 0x41 };
	struct consume_record rec;
	const char *why = NULL;
	json_t *s;

	(void)state;
	assert_int_equal(consume_record_parse(t, strlen(t), &rec, &why), 0);
	s = consume_record_summary(&rec, (const uint8_t *)plain, strlen(plain));
	assert_non_null(s);
	assert_string_equal(json_string_value(json_object_get(s, "kid")), KID14);
	assert_string_equal(json_string_value(json_object_get(s, "alg")), "dir");
	assert_string_equal(json_string_value(json_object_get(s, "enc")), "A256GCM");
	assert_string_equal(json_string_value(json_object_get(s, "path")), PATH);
	assert_int_equal(json_integer_value(json_object_get(s, "version")), 7);
	assert_string_equal(json_string_value(json_object_get(s, "keys")), "instance");
	assert_string_equal(json_string_value(json_object_get(s, "profile")), "seed");
	assert_string_equal(json_string_value(json_object_get(s, "form")), "json");
	assert_int_equal(json_integer_value(json_object_get(s, "size")),
			 strlen(plain));
	assert_string_equal(json_string_value(json_object_get(s, "text")), plain);
	json_decref(s);
	/* Binary plaintext: BASE64URL only. */
	s = consume_record_summary(&rec, bin, sizeof(bin));
	assert_non_null(s);
	assert_null(json_object_get(s, "text"));
	assert_string_equal(json_string_value(json_object_get(s, "payload")), "_wBB");
	json_decref(s);
	consume_record_free(&rec);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dir),
		cmocka_unit_test(test_dir_ts0003),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_mic),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_refused_iv),
		cmocka_unit_test(test_trailing_space),
		cmocka_unit_test(test_jwk),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_general),
		cmocka_unit_test(test_pick_key),
		cmocka_unit_test(test_pick_key_one),
		cmocka_unit_test(test_unwraps),
		cmocka_unit_test(test_keyfile_read),
		cmocka_unit_test(test_cli_general),
		cmocka_unit_test(test_cli_one),
		cmocka_unit_test(test_cli_refused),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
