// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of the TEF's request parsing and response building
 * (userspace/tef/body.c) and of the database rules (db.c) on an in-memory
 * SQLite database.
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
	/* Bodies past 4 KiB are refused before parsing. */
	memset(body, ' ', sizeof(body));
	assert_int_equal(tef_parse_register((const uint8_t *)body,
					    TEF_BODY_MAX + 1, &(struct tef_reg_req){ 0 },
					    &why), -EINVAL);
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

static void test_db(void **state)
{
	uint8_t kpm[M2MV_PSK_MAX], k16[16] = { 1 };
	char ae[TEF_ID_MAX + 1];
	struct tef_cred c = { .type = 15, .expires = 99 }, g;
	size_t len;
	sqlite3 *db;

	(void)state;
	assert_int_equal(tef_db_open(":memory:", &db), 0);
	assert_int_equal(tef_db_enrol(db, "kpm-1", "Cae1", k16, 16), 0);
	assert_int_equal(tef_db_enrol(db, "kpm 1", "Cae1", k16, 16), -EINVAL);
	assert_int_equal(tef_db_enrol(db, "kpm-2", "Cae2", k16, 15), -EINVAL);
	assert_int_equal(tef_db_enrolee(db, "kpm-1", kpm, &len, ae), 0);
	assert_int_equal(len, 16);
	assert_string_equal(ae, "Cae1");
	assert_int_equal(tef_db_enrolee(db, "nope", kpm, &len, ae), -ENOENT);

	strcpy(c.id, "15-abc@tef.example.com");
	strcpy(c.owner, "Cae1");
	memset(c.key, 0x5a, sizeof(c.key));
	c.targets = "[\"Cae2\"]";
	assert_int_equal(tef_db_cred_add(db, &c, "00@tef.example.com"), 0);
	assert_int_equal(tef_db_cred_add(db, &c, "00@tef.example.com"), -EIO);
	assert_int_equal(tef_db_cred_get(db, c.id, &g), 0);
	assert_memory_equal(g.key, c.key, 32);
	assert_true(tef_cred_allows(&g, "Cae2"));
	assert_false(tef_cred_allows(&g, "Cae3"));
	assert_false(tef_cred_allows(&g, "Cae"));
	tef_cred_clear(&g);
	assert_int_equal(tef_db_cred_revoke(db, c.id), 0);
	assert_int_equal(tef_db_cred_get(db, c.id, &g), 0);
	assert_true(g.revoked);
	for (int i = 0; i < 32; i++)
		assert_int_equal(g.key[i], 0);
	tef_cred_clear(&g);
	assert_int_equal(tef_db_cred_get(db, "15-zz@x", &g), -ENOENT);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_ok),
		cmocka_unit_test(test_register_refused),
		cmocka_unit_test(test_register_limits),
		cmocka_unit_test(test_jwk),
		cmocka_unit_test(test_db),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
