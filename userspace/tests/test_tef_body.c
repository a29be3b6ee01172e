// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of the TEF's request parsing and response building
 * (userspace/tef/body.c). The database and the operations on credentials
 * are in test_tef_cred.c, the protocol end to end in test_tef_proto.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "common/b64url.h"
#include "tef/tef.h"

static int parse(const char *body, const char **why)
{
	struct tef_reg_req r;

	return tef_parse_register((const uint8_t *)body, strlen(body), &r, why);
}

static void test_register_ok(void **state)
{
	const char *body = "{\"targets\":[\"Cae2\",\"S-mn.cse:1/x\"],"
			   "\"lifetime\":3600,\"types\":[15,16]}";
	struct tef_reg_req r;
	const char *why;

	(void)state;
	assert_int_equal(tef_parse_register((const uint8_t *)body,
					    strlen(body), &r, &why), 0);
	assert_int_equal(r.n_targets, 2);
	assert_string_equal(r.targets[1], "S-mn.cse:1/x");
	assert_int_equal(r.lifetime, 3600);
	assert_int_equal(r.n_types, 2);
	assert_int_equal(r.types[0], 15);
	assert_int_equal(r.types[1], 16);
	assert_int_equal(parse("{\"targets\":[],\"lifetime\":1,\"types\":[14]}",
			       &why), 0);
	assert_int_equal(parse("{\"types\":[16],\"lifetime\":31536000,\"targets\":[]}",
			       &why), 0);
	/* targets may be left out: nobody else may retrieve. */
	assert_int_equal(parse("{\"lifetime\":60,\"types\":[16]}", &why), 0);
}

/* The standard's fields: SUID, labels, admin FQDN, an absolute expiry. */
static void test_register_standard(void **state)
{
	const char *body = "{\"types\":[15],\"expires\":1800000000,"
			   "\"suid\":24,\"labels\":[\"gw=1\",\"site/a\"],"
			   "\"admin\":\"admin.example.com\",\"targets\":[]}";
	static const char *const ok[] = {
		"{\"types\":[16],\"lifetime\":60,\"suid\":25}",
		"{\"types\":[14],\"lifetime\":60,\"suid\":24}",
		"{\"types\":[15,16],\"lifetime\":60,\"labels\":[]}",
		"{\"types\":[16],\"lifetime\":60,\"admin\":\"a\"}",
		"{\"types\":[16],\"expires\":1}",
	};
	static const char *const bad[] = {
		"{\"types\":[16],\"lifetime\":60,\"expires\":1800000000}",
		"{\"types\":[16],\"expires\":0}",
		"{\"types\":[16],\"expires\":\"1800000000\"}",
		"{\"types\":[16],\"lifetime\":60,\"suid\":24}",
		"{\"types\":[15],\"lifetime\":60,\"suid\":25}",
		"{\"types\":[15,16],\"lifetime\":60,\"suid\":24}",
		"{\"types\":[16],\"lifetime\":60,\"suid\":14}",
		"{\"types\":[16],\"lifetime\":60,\"suid\":\"25\"}",
		"{\"types\":[16],\"lifetime\":60,\"labels\":\"a\"}",
		"{\"types\":[16],\"lifetime\":60,\"labels\":[\"a b\"]}",
		"{\"types\":[16],\"lifetime\":60,\"labels\":[\"\"]}",
		"{\"types\":[16],\"lifetime\":60,\"labels\":[\"a\",\"a\"]}",
		"{\"types\":[16],\"lifetime\":60,\"labels\":[1]}",
		"{\"types\":[16],\"lifetime\":60,\"labels\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"]}",
		"{\"types\":[16],\"lifetime\":60,\"admin\":\"\"}",
		"{\"types\":[16],\"lifetime\":60,\"admin\":\"a..b\"}",
		"{\"types\":[16],\"lifetime\":60,\"admin\":\"-a.b\"}",
		"{\"types\":[16],\"lifetime\":60,\"admin\":\"a_b.c\"}",
		"{\"types\":[16],\"lifetime\":60,\"admin\":\"a.b.\"}",
		"{\"types\":[16],\"lifetime\":60,\"admin\":7}",
		"{\"types\":[16],\"lifetime\":60,\"admin\":\"a\",\"admin\":\"b\"}",
	};
	struct tef_reg_req r;
	char big[M2MV_TEF_LABEL_MAX + 64];
	const char *why;
	size_t i;

	(void)state;
	assert_int_equal(tef_parse_register((const uint8_t *)body,
					    strlen(body), &r, &why), 0);
	assert_int_equal(r.expires, 1800000000);
	assert_int_equal(r.lifetime, 0);
	assert_int_equal(r.suid, 24);
	assert_int_equal(r.n_labels, 2);
	assert_string_equal(r.labels[1], "site/a");
	assert_string_equal(r.admin, "admin.example.com");
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_int_equal(parse(ok[i], &why), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(parse(bad[i], &why), -EINVAL);
		assert_non_null(why);
	}
	/* A label of 64 bytes, and one of 65. */
	snprintf(big, sizeof(big), "{\"types\":[16],\"lifetime\":6,\"labels\":[\"%064d\"]}", 0);
	assert_int_equal(parse(big, &why), 0);
	snprintf(big, sizeof(big), "{\"types\":[16],\"lifetime\":6,\"labels\":[\"%065d\"]}", 0);
	assert_int_equal(parse(big, &why), -EINVAL);
}

static int parse_update(const char *body, struct tef_reg_req *r,
			const char **why)
{
	return tef_parse_update((const uint8_t *)body, strlen(body), r, why);
}

static void test_update_body(void **state)
{
	static const char *const bad[] = {
		"", "{}", "[]", "{\"types\":[16],\"lifetime\":60}",
		"{\"suid\":25}", "{\"admin\":\"a.b\"}",
		"{\"lifetime\":60,\"expires\":1800000000}",
		"{\"lifetime\":0}", "{\"expires\":-1}",
		"{\"targets\":[\"a\",\"a\"]}", "{\"labels\":[\"a b\"]}",
		"{\"targets\":[],\"targets\":[]}",
		"{\"targets\":null}",
	};
	struct tef_reg_req r;
	const char *why;
	size_t i;

	(void)state;
	assert_int_equal(parse_update("{\"lifetime\":60}", &r, &why), 0);
	assert_int_equal(r.lifetime, 60);
	assert_false(r.has_targets);
	assert_false(r.has_labels);
	assert_int_equal(parse_update("{\"targets\":[]}", &r, &why), 0);
	assert_true(r.has_targets);
	assert_int_equal(r.n_targets, 0);
	assert_int_equal(parse_update("{\"expires\":1800000000,\"labels\":[\"x\"],\"targets\":[\"Cae9\"]}",
				      &r, &why), 0);
	assert_int_equal(r.expires, 1800000000);
	assert_true(r.has_labels);
	assert_string_equal(r.labels[0], "x");
	assert_string_equal(r.targets[0], "Cae9");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(parse_update(bad[i], &r, &why), -EINVAL);
		assert_non_null(why);
	}
}

static void test_register_refused(void **state)
{
	static const char *const bad[] = {
		"", "not json", "[]", "null", "{}", "{\"targets\":[]}",
		"{\"targets\":\"x\",\"lifetime\":60,\"types\":[16]}",
		"{\"targets\":[1],\"lifetime\":60,\"types\":[16]}",
		"{\"targets\":[\"a b\"],\"lifetime\":60,\"types\":[16]}",
		"{\"targets\":[\"\"],\"lifetime\":60,\"types\":[16]}",
		"{\"targets\":[],\"lifetime\":60,\"types\":[16],\"x\":1}",
		"{\"targets\":[],\"lifetime\":0,\"types\":[16]}",
		"{\"targets\":[],\"lifetime\":31536001,\"types\":[16]}",
		"{\"targets\":[],\"lifetime\":\"60\",\"types\":[16]}",
		"{\"targets\":[],\"lifetime\":60.5,\"types\":[16]}",
		"{\"targets\":[],\"lifetime\":60,\"types\":[]}",
		"{\"targets\":[],\"lifetime\":60,\"types\":[13]}",
		"{\"targets\":[],\"lifetime\":60,\"types\":[16,16]}",
		"{\"targets\":[],\"lifetime\":60,\"types\":[14,15]}",
		"{\"targets\":[],\"lifetime\":60,\"types\":[14,16,15]}",
		"{\"targets\":[],\"lifetime\":60,\"types\":[14,16,16,15]}",
		"{\"targets\":[],\"lifetime\":60,\"types\":16}",
		"{\"targets\":[],\"lifetime\":60,\"lifetime\":60,\"types\":[16]}",
		"{\"targets\":[],\"lifetime\":60,\"types\":[16]} trailing",
		"{\"targets\":[\"a\\u0000b\"],\"lifetime\":60,\"types\":[16]}",
		"{\"targets\":[\"Cae2\",\"Cae2\"],\"lifetime\":60,\"types\":[16]}",
		"{\"targets\":null,\"lifetime\":60,\"types\":[16]}",
		"{\"targets\":{},\"lifetime\":60,\"types\":[16]}",
		"{\"targets\":[],\"lifetime\":true,\"types\":[16]}",
		"{\"targets\":[],\"lifetime\":-5,\"types\":[16]}",
		"{\"targets\":[],\"lifetime\":1e3,\"types\":[16]}",
		"{\"targets\":[],\"lifetime\":99999999999999999999999,\"types\":[16]}",
		"{\"targets\":[],\"lifetime\":60,\"types\":[\"16\"]}",
		"{\"targets\":[],\"lifetime\":60,\"types\":[16.0]}",
		"{\"targets\":[],\"lifetime\":60,\"types\":[[16]]}",
		"{\"targets\":[],\"lifetime\":60,\"types\":[16],\"Types\":[16]}",
		"{\"targets\":[\"\\u00e9t\u00e9\"],\"lifetime\":60,\"types\":[16]}",
		"{\"targets\":[],\"types\":[16]}",
		"{\"targets\":[],\"lifetime\":60}",
		"\"string\"", "42", "{\"targets\":[],\"lifetime\":60,\"types\":[16]",
		"\xff\xfe{}",
	};
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(parse(bad[i], &why), -EINVAL);
		assert_non_null(why);
	}
}

static void test_register_limits(void **state)
{
	char body[TEF_BODY_MAX + 64], *p = body;
	const char *why;
	int i;

	(void)state;
	/* 33 targets: one too many. */
	p += sprintf(p, "{\"lifetime\":60,\"types\":[16],\"targets\":[");
	for (i = 0; i < 33; i++)
		p += sprintf(p, "%s\"t%d\"", i ? "," : "", i);
	strcpy(p, "]}");
	assert_int_equal(parse(body, &why), -EINVAL);
	assert_string_equal(why, "too many targets");
	/* A 129-byte AE-ID. */
	p = body + sprintf(body, "{\"lifetime\":60,\"types\":[16],\"targets\":[\"");
	memset(p, 'a', 129);
	strcpy(p + 129, "\"]}");
	assert_int_equal(parse(body, &why), -EINVAL);
	/* As many distinct 128-byte targets as fit 4 KiB. */
	p = body + sprintf(body, "{\"lifetime\":60,\"types\":[16],\"targets\":[");
	for (i = 0; i < 32 && p - body < TEF_BODY_MAX - 140; i++) {
		p += sprintf(p, "%s\"%02d", i ? "," : "", i);
		memset(p, 'x', 126);
		p += 126;
		*p++ = '"';
	}
	strcpy(p, "]}");
	assert_true(strlen(body) <= TEF_BODY_MAX);
	assert_int_equal(parse(body, &why), 0);
	/* Bodies past 4 KiB are refused before parsing, as 4.13. */
	memset(body, ' ', sizeof(body));
	assert_int_equal(tef_parse_register((const uint8_t *)body,
					    TEF_BODY_MAX + 1, &(struct tef_reg_req){ 0 },
					    &why), -E2BIG);
	assert_int_equal(tef_parse_register((const uint8_t *)body,
					    TEF_BODY_MAX, &(struct tef_reg_req){ 0 },
					    &why), -EINVAL);
	/* Binary garbage, NUL bytes included. */
	for (i = 0; i < 256; i++)
		body[i] = (char)(i * 37 + 11);
	assert_int_equal(tef_parse_register((const uint8_t *)body, 256,
					    &(struct tef_reg_req){ 0 }, &why),
			 -EINVAL);
	assert_int_equal(tef_parse_register(NULL, 0, &(struct tef_reg_req){ 0 },
					    &why), -EINVAL);
}

static void test_id_print(void **state)
{
	char buf[TEF_ID_MAX + 4], in[200];

	(void)state;
	tef_id_print(buf, sizeof(buf), (const uint8_t *)"kpm-ae1", 7);
	assert_string_equal(buf, "kpm-ae1");
	tef_id_print(buf, sizeof(buf), (const uint8_t *)"a b\n\x1b[0m", 8);
	assert_string_equal(buf, "a?b???0m");
	tef_id_print(buf, sizeof(buf), NULL, 0);
	assert_string_equal(buf, "-");
	memset(in, 'x', sizeof(in));
	tef_id_print(buf, sizeof(buf), (const uint8_t *)in, sizeof(in));
	assert_int_equal(strlen(buf), TEF_ID_MAX + 3);
	assert_string_equal(buf + TEF_ID_MAX, "...");
	assert_true(tef_id_ok("Cae-1.x_y:z/w"));
	assert_false(tef_id_ok(""));
	assert_false(tef_id_ok("a@b"));
	memset(in, 'a', TEF_ID_MAX);
	in[TEF_ID_MAX] = '\0';
	assert_true(tef_id_ok(in));
	in[TEF_ID_MAX] = 'a';
	in[TEF_ID_MAX + 1] = '\0';
	assert_false(tef_id_ok(in));
}

static void test_register_reply(void **state)
{
	char ids[2][M2MV_CREDID_BUFSZ] = { "15-aa@tef.example.com",
					   "16-bb@tef.example.com" };
	unsigned int types[2] = { 15, 16 }, suids[2] = { 24, 25 };
	uint8_t salt[M2MV_SALT_LEN], back[M2MV_SALT_LEN];
	struct tef_reg_out o = {
		.keid = "00@tef.example.com", .salt = salt, .expires = 77,
		.owner = "Cae1", .admin = "admin.example.com", .types = types,
		.suids = suids, .ids = ids, .n = 2,
	};
	json_t *j, *c;
	char *text;

	(void)state;
	memset(salt, 0xa5, sizeof(salt));
	text = tef_register_reply(&o);
	assert_non_null(text);
	j = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(j);
	assert_int_equal(json_object_size(j), 6);
	assert_string_equal(json_string_value(json_object_get(j, "owner")),
			    "Cae1");
	assert_string_equal(json_string_value(json_object_get(j, "admin")),
			    "admin.example.com");
	assert_string_equal(json_string_value(json_object_get(j, "keid")),
			    "00@tef.example.com");
	assert_int_equal(json_integer_value(json_object_get(j, "expires")), 77);
	assert_int_equal(m2mv_b64url_decode(back, sizeof(back),
		json_string_value(json_object_get(j, "salt"))), M2MV_SALT_LEN);
	assert_memory_equal(back, salt, sizeof(salt));
	c = json_object_get(j, "credentials");
	assert_int_equal(json_array_size(c), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(c, 1),
							    "type")), 16);
	assert_string_equal(json_string_value(json_object_get(json_array_get(c, 1),
							      "id")), ids[1]);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(c, 0),
							    "suid")), 24);
	json_decref(j);
	free(text);
}

static void test_jwk(void **state)
{
	uint8_t key[32], back[32];
	json_t *j;
	char *text;

	(void)state;
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	text = tef_jwk("14-ab@tef.example.com", 14, key, 1234);
	assert_non_null(text);
	j = json_loads(text, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "kty")), "oct");
	assert_string_equal(json_string_value(json_object_get(j, "alg")), "dir");
	assert_int_equal(json_integer_value(json_object_get(j, "exp")), 1234);
	assert_int_equal(m2mv_b64url_decode(back, sizeof(back),
		json_string_value(json_object_get(j, "k"))), 32);
	assert_memory_equal(back, key, 32);
	json_decref(j);
	free(text);
	text = tef_jwk("15-ab@x", 15, key, 1);
	assert_non_null(strstr(text, "\"A256KW\""));
	free(text);
	text = tef_jwk("16-ab@x", 16, key, 1);
	assert_non_null(strstr(text, "\"HS256\""));
	free(text);
}

/* The anchor bodies: what one end writes the other reads, and no more. */
static void test_anchor_codec(void **state)
{
	static const char *const bad[] = {
		"",
		"[]",
		"{\"seq\": 1}",
		"{\"chain\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
		"{\"seq\": -1, \"chain\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
		"{\"seq\": \"1\", \"chain\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
		"{\"seq\": 1.5, \"chain\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
		/* 31 bytes, 33 bytes, not BASE64URL */
		"{\"seq\": 1, \"chain\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
		"{\"seq\": 1, \"chain\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
		"{\"seq\": 1, \"chain\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+\"}",
		"{\"seq\": 1, \"seq\": 2, \"chain\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
		"{\"seq\": 1, \"chain\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\", \"x\": 0}",
		/* "updated" belongs to replies only */
		"{\"seq\": 1, \"chain\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\", \"updated\": 5}",
	};
	struct m2mv_tef_anchor a = { .seq = 123456789012345ULL,
				     .updated = 1795348072 }, b;
	const char *why;
	char *text;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(a.chain); i++)
		a.chain[i] = (uint8_t)(0xa0 + i);
	text = m2mv_tef_anchor_json(&a, 0);
	assert_non_null(text);
	assert_null(strstr(text, "updated"));
	assert_int_equal(m2mv_tef_anchor_parse(text, strlen(text), 0, &b, &why),
			 0);
	assert_true(b.seq == a.seq);
	assert_memory_equal(b.chain, a.chain, sizeof(a.chain));
	assert_int_equal(b.updated, 0);
	/* A request body is no reply: "updated" is missing. */
	assert_int_equal(m2mv_tef_anchor_parse(text, strlen(text), 1, &b, &why),
			 -EINVAL);
	free(text);
	text = m2mv_tef_anchor_json(&a, 1);
	assert_non_null(text);
	assert_int_equal(m2mv_tef_anchor_parse(text, strlen(text), 1, &b, &why),
			 0);
	assert_int_equal(b.updated, a.updated);
	assert_memory_equal(b.chain, a.chain, sizeof(a.chain));
	free(text);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(m2mv_tef_anchor_parse(bad[i], strlen(bad[i]),
						       0, &b, &why), -EINVAL);
		assert_non_null(why);
		assert_true(b.seq == 0);
	}
	/* A seq JSON cannot carry as an integer is not written. */
	a.seq = (uint64_t)INT64_MAX + 1;
	assert_null(m2mv_tef_anchor_json(&a, 0));
}

static void test_store_name(void **state)
{
	(void)state;
	assert_true(m2mv_tef_store_ok("gw1"));
	assert_true(m2mv_tef_store_ok("a.b_c-D9"));
	assert_true(m2mv_tef_store_ok("0123456789012345678901234567890"));
	assert_false(m2mv_tef_store_ok("01234567890123456789012345678901"));
	assert_false(m2mv_tef_store_ok(""));
	assert_false(m2mv_tef_store_ok(NULL));
	assert_false(m2mv_tef_store_ok("a/b"));
	assert_false(m2mv_tef_store_ok("a b"));
	assert_false(m2mv_tef_store_ok("caf\xc3\xa9"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_ok),
		cmocka_unit_test(test_register_refused),
		cmocka_unit_test(test_register_standard),
		cmocka_unit_test(test_update_body),
		cmocka_unit_test(test_register_limits),
		cmocka_unit_test(test_jwk),
		cmocka_unit_test(test_id_print),
		cmocka_unit_test(test_register_reply),
		cmocka_unit_test(test_anchor_codec),
		cmocka_unit_test(test_store_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
