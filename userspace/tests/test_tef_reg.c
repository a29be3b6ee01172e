// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of the key registration rules both ends share
 * (userspace/common/tefreg.c) and of the client's check of a registration
 * reply (m2mv_tef_reg_parse()): Credential-IDs the TEF assigns are taken
 * when well-formed, of a type asked for, ending with the TEF-FQDN and
 * unique; anything else is -EPROTO.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "common/tefclient.h"

#define FQDN "tef.example.com"
#define KEID "0123456789abcdef0123456789abcdef@" FQDN
#define SALT "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

static void test_rules(void **state)
{
	char long_label[M2MV_TEF_FQDN_MAX + 2];

	(void)state;
	assert_int_equal(m2mv_tef_suid_of(14), 24);
	assert_int_equal(m2mv_tef_suid_of(15), 24);
	assert_int_equal(m2mv_tef_suid_of(16), 25);
	assert_int_equal(m2mv_tef_suid_of(13), 0);

	assert_true(m2mv_tef_label_ok("gw=1"));
	assert_true(m2mv_tef_label_ok("a/b:c+d@e.f_g-h"));
	assert_false(m2mv_tef_label_ok(""));
	assert_false(m2mv_tef_label_ok("a b"));
	assert_false(m2mv_tef_label_ok("\xc3\xa9"));
	assert_false(m2mv_tef_label_ok(NULL));

	assert_true(m2mv_tef_fqdn_ok("admin.example.com"));
	assert_true(m2mv_tef_fqdn_ok("a"));
	assert_true(m2mv_tef_fqdn_ok("x-1.example"));
	assert_false(m2mv_tef_fqdn_ok(""));
	assert_false(m2mv_tef_fqdn_ok("a..b"));
	assert_false(m2mv_tef_fqdn_ok(".a"));
	assert_false(m2mv_tef_fqdn_ok("a."));
	assert_false(m2mv_tef_fqdn_ok("-a.b"));
	assert_false(m2mv_tef_fqdn_ok("a-.b"));
	assert_false(m2mv_tef_fqdn_ok("a_b"));
	assert_false(m2mv_tef_fqdn_ok(NULL));
	/* A 64-byte label; a 254-byte name. */
	memset(long_label, 'a', 64);
	long_label[64] = '\0';
	assert_false(m2mv_tef_fqdn_ok(long_label));
	long_label[63] = '\0';
	assert_true(m2mv_tef_fqdn_ok(long_label));
	memset(long_label, 'a', sizeof(long_label));
	for (size_t i = 50; i < sizeof(long_label); i += 50)
		long_label[i] = '.';
	long_label[M2MV_TEF_FQDN_MAX] = '\0';
	assert_true(m2mv_tef_fqdn_ok(long_label));
	long_label[M2MV_TEF_FQDN_MAX] = 'a';
	long_label[M2MV_TEF_FQDN_MAX + 1] = '\0';
	assert_false(m2mv_tef_fqdn_ok(long_label));

	assert_true(m2mv_tef_assigned_ok("15-abc@" FQDN, 15, FQDN));
	assert_true(m2mv_tef_assigned_ok("15-a.b_c-d@TEF.Example.com", 15, FQDN));
	assert_false(m2mv_tef_assigned_ok("15-abc@" FQDN, 16, FQDN));
	assert_false(m2mv_tef_assigned_ok("15-@" FQDN, 15, FQDN));
	assert_false(m2mv_tef_assigned_ok("15-abc@other.example.com", 15, FQDN));
	assert_false(m2mv_tef_assigned_ok("15-abc@x@" FQDN, 15, FQDN));
	assert_false(m2mv_tef_assigned_ok("15-abc", 15, FQDN));
	assert_false(m2mv_tef_assigned_ok("15-abc@" FQDN "x", 15, FQDN));
	assert_false(m2mv_tef_assigned_ok("15-a c@" FQDN, 15, FQDN));
	assert_false(m2mv_tef_assigned_ok("015-abc@" FQDN, 15, FQDN));
	assert_false(m2mv_tef_assigned_ok("13-abc@" FQDN, 13, FQDN));
	assert_false(m2mv_tef_assigned_ok(NULL, 15, FQDN));
}

static const unsigned int types2[] = { 15, 16 };
static const struct m2mv_tef_reg_req req2 = {
	.lifetime = 60, .types = types2, .n_types = 2,
};

static int parse(const char *text, const struct m2mv_tef_reg_req *req,
		 struct m2mv_tef_reg *out)
{
	return m2mv_tef_reg_parse(text, strlen(text), req, KEID, FQDN, out);
}

/* A reply with @c1 and @c2 as its credentials (JSON text). */
static int reply2(const char *c1, const char *c2, struct m2mv_tef_reg *out)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "{\"keid\":\"" KEID "\",\"salt\":\"" SALT "\",\"expires\":99,"
		 "\"owner\":\"Cae1\",\"admin\":\"ops.example.com\","
		 "\"credentials\":[%s,%s]}", c1, c2);
	return parse(text, &req2, out);
}

static void test_reply(void **state)
{
	struct m2mv_tef_reg out;

	(void)state;
	/* IDs the TEF chose, in either order; SUIDs that fit the types. */
	assert_int_equal(reply2("{\"type\":16,\"suid\":25,\"id\":\"16-r1@" FQDN "\"}",
				"{\"type\":15,\"suid\":24,\"id\":\"15-r2@" FQDN "\"}",
				&out), 0);
	assert_int_equal(out.n_creds, 2);
	assert_string_equal(out.creds[0].id, "16-r1@" FQDN);
	assert_int_equal(out.creds[1].suid, 24);
	assert_string_equal(out.owner, "Cae1");
	assert_string_equal(out.admin, "ops.example.com");
	assert_int_equal(out.expires, 99);
	/* No suid member: that of the type. */
	assert_int_equal(reply2("{\"type\":15,\"id\":\"15-a@" FQDN "\"}",
				"{\"type\":16,\"id\":\"16-a@" FQDN "\"}", &out), 0);
	assert_int_equal(out.creds[1].suid, 25);

	/* Malformed, of the wrong type, foreign, duplicated, wrong SUID. */
	assert_int_equal(reply2("{\"type\":15,\"id\":\"15-a b@" FQDN "\"}",
				"{\"type\":16,\"id\":\"16-a@" FQDN "\"}", &out),
			 -EPROTO);
	assert_int_equal(reply2("{\"type\":15,\"id\":\"16-a@" FQDN "\"}",
				"{\"type\":16,\"id\":\"16-b@" FQDN "\"}", &out),
			 -EPROTO);
	assert_int_equal(reply2("{\"type\":15,\"id\":\"15-a@other.example.com\"}",
				"{\"type\":16,\"id\":\"16-a@" FQDN "\"}", &out),
			 -EPROTO);
	assert_int_equal(reply2("{\"type\":15,\"id\":\"15-a@" FQDN "\"}",
				"{\"type\":15,\"id\":\"15-a@" FQDN "\"}", &out),
			 -EPROTO);
	assert_int_equal(reply2("{\"type\":15,\"id\":\"15-a@" FQDN "\"}",
				"{\"type\":15,\"id\":\"15-b@" FQDN "\"}", &out),
			 -EPROTO);
	assert_int_equal(reply2("{\"type\":15,\"suid\":25,\"id\":\"15-a@" FQDN "\"}",
				"{\"type\":16,\"id\":\"16-a@" FQDN "\"}", &out),
			 -EPROTO);
	assert_int_equal(reply2("{\"type\":15,\"id\":\"15-a@" FQDN "\",\"x\":1}",
				"{\"type\":16,\"id\":\"16-a@" FQDN "\"}", &out),
			 -EPROTO);
	assert_int_equal(reply2("{\"type\":15,\"id\":7}",
				"{\"type\":16,\"id\":\"16-a@" FQDN "\"}", &out),
			 -EPROTO);
	/* A failure leaves nothing behind. */
	assert_int_equal(out.n_creds, 0);
	assert_int_equal(out.creds[0].id[0], '\0');
}

static void test_reply_envelope(void **state)
{
	static const char *const bad[] = {
		"", "[]", "{}",
		/* another KeID */
		"{\"keid\":\"ff@" FQDN "\",\"salt\":\"" SALT "\",\"expires\":9,"
		"\"credentials\":[{\"type\":16,\"id\":\"16-a@" FQDN "\"}]}",
		/* a short Salt */
		"{\"keid\":\"" KEID "\",\"salt\":\"AAAA\",\"expires\":9,"
		"\"credentials\":[{\"type\":16,\"id\":\"16-a@" FQDN "\"}]}",
		/* no expiry */
		"{\"keid\":\"" KEID "\",\"salt\":\"" SALT "\",\"expires\":0,"
		"\"credentials\":[{\"type\":16,\"id\":\"16-a@" FQDN "\"}]}",
		/* an unknown member */
		"{\"keid\":\"" KEID "\",\"salt\":\"" SALT "\",\"expires\":9,\"y\":1,"
		"\"credentials\":[{\"type\":16,\"id\":\"16-a@" FQDN "\"}]}",
		/* an admin that is no FQDN, an owner that is no AE-ID */
		"{\"keid\":\"" KEID "\",\"salt\":\"" SALT "\",\"expires\":9,"
		"\"admin\":\"a_b\","
		"\"credentials\":[{\"type\":16,\"id\":\"16-a@" FQDN "\"}]}",
		"{\"keid\":\"" KEID "\",\"salt\":\"" SALT "\",\"expires\":9,"
		"\"owner\":\"a b\","
		"\"credentials\":[{\"type\":16,\"id\":\"16-a@" FQDN "\"}]}",
		/* labels that are not labels */
		"{\"keid\":\"" KEID "\",\"salt\":\"" SALT "\",\"expires\":9,"
		"\"labels\":[1],"
		"\"credentials\":[{\"type\":16,\"id\":\"16-a@" FQDN "\"}]}",
		/* one credential too many */
		"{\"keid\":\"" KEID "\",\"salt\":\"" SALT "\",\"expires\":9,"
		"\"credentials\":[{\"type\":16,\"id\":\"16-a@" FQDN "\"},"
		"{\"type\":16,\"id\":\"16-a@" FQDN "\"}]}",
		/* a repeated member */
		"{\"keid\":\"" KEID "\",\"keid\":\"" KEID "\",\"salt\":\"" SALT
		"\",\"expires\":9,"
		"\"credentials\":[{\"type\":16,\"id\":\"16-a@" FQDN "\"}]}",
	};
	static const unsigned int t16[] = { 16 };
	struct m2mv_tef_reg_req req = { .lifetime = 60, .types = t16,
					.n_types = 1 };
	struct m2mv_tef_reg out;
	size_t i;

	(void)state;
	/* A reply of an older TEF: no owner, admin, suid; still taken. */
	assert_int_equal(parse("{\"keid\":\"" KEID "\",\"salt\":\"" SALT
			       "\",\"expires\":9,\"credentials\":[{\"type\":16,"
			       "\"id\":\"16-a@" FQDN "\"}]}", &req, &out), 0);
	assert_int_equal(out.creds[0].suid, 25);
	assert_string_equal(out.admin, "");
	/* We asked for SUID 25: a reply for 24 is not ours. */
	req.suid = 25;
	assert_int_equal(parse("{\"keid\":\"" KEID "\",\"salt\":\"" SALT
			       "\",\"expires\":9,\"labels\":[\"x\"],"
			       "\"targets\":[\"Cae2\"],\"credentials\":"
			       "[{\"type\":16,\"suid\":25,\"id\":\"16-a@" FQDN
			       "\"}]}", &req, &out), 0);
	assert_int_equal(out.n_labels, 1);
	assert_int_equal(out.n_targets, 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(bad[i], &req, &out), -EPROTO);
	assert_int_equal(m2mv_tef_reg_parse(NULL, 0, &req, KEID, FQDN, &out),
			 -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_reply_envelope),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
