// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of the TEF's database (userspace/tef/db.c: file mode,
 * persistence, rules) and of its operations on credentials (cred.c:
 * register, retrieve, revoke; who may do what; expiry and revocation).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "common/b64url.h"
#include "tef/tef.h"

#define FQDN "tef.example.com"

static const struct tef_opts seed_opts = { .fqdn = FQDN };

static const uint8_t k16[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
				 14, 15, 16 };

/* A session's Ke and KeID, as the exporter would give them. */
static void fake_ke(struct m2mv_ke *ke, uint8_t seed)
{
	uint8_t exp[M2MV_EXPORTER_LEN];

	memset(exp, seed, sizeof(exp));
	assert_int_equal(m2mv_kdf_split_exporter(exp, FQDN, ke), 0);
}

static sqlite3 *mem_db(void)
{
	sqlite3 *db;

	assert_int_equal(tef_db_open(":memory:", 1, &db), 0);
	assert_int_equal(tef_db_enrol(db, "kpm-ae1", "Cae1", k16, 16), 0);
	assert_int_equal(tef_db_enrol(db, "kpm-ae2", "Cae2", k16, 16), 0);
	assert_int_equal(tef_db_enrol(db, "kpm-ae3", "Cae3", k16, 16), 0);
	return db;
}

static void test_db_rules(void **state)
{
	uint8_t kpm[M2MV_PSK_MAX], k64[65] = { 0 };
	char ae[TEF_ID_MAX + 1];
	struct tef_cred c = { .type = 15, .expires = 99 }, g;
	size_t len;
	sqlite3 *db;

	(void)state;
	assert_int_equal(tef_db_open(":memory:", 1, &db), 0);
	assert_int_equal(tef_db_enrol(db, "kpm-1", "Cae1", k16, 16), 0);
	assert_int_equal(tef_db_enrol(db, "kpm 1", "Cae1", k16, 16), -EINVAL);
	assert_int_equal(tef_db_enrol(db, "kpm-2", "Ca e2", k16, 16), -EINVAL);
	assert_int_equal(tef_db_enrol(db, "kpm-2", "Cae2", k16, 15), -EINVAL);
	assert_int_equal(tef_db_enrol(db, "kpm-2", "Cae2", k64, 65), -EINVAL);
	assert_int_equal(tef_db_enrol(db, "kpm-2", "Cae2", k64, 64), 0);
	assert_int_equal(tef_db_enrolee(db, "kpm-1", kpm, &len, ae), 0);
	assert_int_equal(len, 16);
	assert_memory_equal(kpm, k16, 16);
	assert_string_equal(ae, "Cae1");
	assert_int_equal(tef_db_enrolee(db, "nope", kpm, &len, ae), -ENOENT);
	/* Enrolling again replaces the key and the AE-ID. */
	assert_int_equal(tef_db_enrol(db, "kpm-1", "Cae9", k64, 32), 0);
	assert_int_equal(tef_db_enrolee(db, "kpm-1", kpm, &len, ae), 0);
	assert_int_equal(len, 32);
	assert_string_equal(ae, "Cae9");

	strcpy(c.id, "15-abc@tef.example.com");
	strcpy(c.owner, "Cae1");
	memset(c.key, 0x5a, sizeof(c.key));
	c.targets = "[\"Cae2\"]";
	assert_int_equal(tef_db_cred_add(db, &c, "00@tef.example.com"), 0);
	assert_int_equal(tef_db_cred_add(db, &c, "00@tef.example.com"), -EIO);
	assert_int_equal(tef_db_cred_get(db, c.id, &g), 0);
	assert_memory_equal(g.key, c.key, 32);
	assert_int_equal(g.type, 15);
	assert_int_equal(g.expires, 99);
	assert_true(tef_cred_allows(&g, "Cae2"));
	assert_false(tef_cred_allows(&g, "Cae3"));
	assert_false(tef_cred_allows(&g, "Cae"));
	assert_false(tef_cred_allows(&g, "Cae1"));
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

static void test_db_file(void **state)
{
	char dir[] = "/tmp/test_tef_cred.XXXXXX", path[64], wal[72], link[64];
	uint8_t kpm[M2MV_PSK_MAX];
	char ae[TEF_ID_MAX + 1];
	struct stat sb;
	mode_t old;
	size_t len;
	sqlite3 *db;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tef.db", dir);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	snprintf(link, sizeof(link), "%s/link.db", dir);
	/* Not there and not to be made: refused, and not made. */
	assert_int_equal(tef_db_open(path, 0, &db), -EIO);
	assert_int_equal(stat(path, &sb), -1);
	/* Made 0600 whatever the umask; so is the WAL. */
	old = umask(0);
	assert_int_equal(tef_db_open(path, 1, &db), 0);
	assert_int_equal(umask(old), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(tef_db_enrol(db, "kpm-1", "Cae1", k16, 16), 0);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	sqlite3_close(db);
	/* State persists; a loosened file is tightened. */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(tef_db_open(path, 0, &db), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(tef_db_enrolee(db, "kpm-1", kpm, &len, ae), 0);
	assert_string_equal(ae, "Cae1");
	sqlite3_close(db);
	/* No following a symbolic link to the database. */
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(tef_db_open(link, 1, &db), -EIO);
	/* Not a database at all. */
	unlink(link);
	f = fopen(link, "w");
	assert_non_null(f);
	fputs("this is not SQLite, not at all, and long enough to say so\n", f);
	fclose(f);
	assert_int_equal(tef_db_open(link, 1, &db), -EIO);
	unlink(link);
	unlink(path);
	unlink(wal);
	snprintf(wal, sizeof(wal), "%s-shm", path);
	unlink(wal);
	assert_int_equal(rmdir(dir), 0);
}

static int user_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	int v = -1;

	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st,
					    NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* A version-1 database (no anchors) gains the table; a newer one is refused. */
static void test_db_upgrade(void **state)
{
	char dir[] = "/tmp/test_tef_up.XXXXXX", path[64], cmd[128];
	struct m2mv_tef_anchor a = { .seq = 7 }, g;
	sqlite3 *db;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tef.db", dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
		"CREATE TABLE enrolee (kpm_id TEXT PRIMARY KEY, kpm BLOB NOT NULL,"
		" ae_id TEXT NOT NULL);"
		"PRAGMA user_version=1;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(tef_db_open(path, 0, &db), 0);
	assert_int_equal(user_version(db), 3);
	assert_int_equal(tef_db_anchor_get(db, "Cae1", "gw", &g), -ENOENT);
	assert_int_equal(tef_db_anchor_put(db, "Cae1", "gw", &a), 0);
	assert_int_equal(tef_db_anchor_get(db, "Cae1", "gw", &g), 0);
	assert_true(g.seq == 7);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version=4", NULL, NULL,
				      NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(tef_db_open(path, 0, &db), -EIO);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/*
 * A version-2 database: its credentials gain the SUID of their type, an
 * empty admin and no labels, and stay usable.
 */
static void test_db_upgrade_v2(void **state)
{
	char dir[] = "/tmp/test_tef_up2.XXXXXX", path[64], cmd[128];
	struct tef_cred c;
	sqlite3 *db;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tef.db", dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
		"CREATE TABLE enrolee (kpm_id TEXT PRIMARY KEY, kpm BLOB NOT NULL,"
		" ae_id TEXT NOT NULL);"
		"CREATE TABLE credential (id TEXT PRIMARY KEY, type INTEGER NOT NULL,"
		" owner TEXT NOT NULL, keid TEXT NOT NULL, key BLOB NOT NULL,"
		" expires INTEGER NOT NULL, targets TEXT NOT NULL,"
		" revoked INTEGER NOT NULL DEFAULT 0);"
		"CREATE TABLE anchor (owner TEXT NOT NULL, store TEXT NOT NULL,"
		" seq INTEGER NOT NULL, chain BLOB NOT NULL, updated INTEGER NOT NULL,"
		" PRIMARY KEY (owner, store));"
		"INSERT INTO credential VALUES ('15-aa@" FQDN "', 15, 'Cae1', 'k',"
		" zeroblob(32), 99, '[\"Cae2\"]', 0);"
		"INSERT INTO credential VALUES ('16-bb@" FQDN "', 16, 'Cae1', 'k',"
		" zeroblob(32), 99, '[]', 0);"
		"PRAGMA user_version=2;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(tef_db_open(path, 0, &db), 0);
	assert_int_equal(user_version(db), 3);
	assert_int_equal(tef_db_cred_get(db, "15-aa@" FQDN, &c), 0);
	assert_int_equal(c.suid, 24);
	assert_string_equal(c.labels, "[]");
	assert_string_equal(c.admin, "");
	assert_true(tef_cred_allows(&c, "Cae2"));
	tef_cred_clear(&c);
	assert_int_equal(tef_db_cred_get(db, "16-bb@" FQDN, &c), 0);
	assert_int_equal(c.suid, 25);
	tef_cred_clear(&c);
	sqlite3_close(db);
	/* Opened again: already version 3, nothing to do. */
	assert_int_equal(tef_db_open(path, 0, &db), 0);
	assert_int_equal(user_version(db), 3);
	sqlite3_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* Anchor operations without a transport: the owner's rows only. */
static void test_anchor_ops(void **state)
{
	static const char body[] =
		"{\"seq\": 3, \"chain\": \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}";
	struct tef_reply r;
	sqlite3 *db = mem_db();

	(void)state;
	tef_anchor_get(db, "Cae1", "gw", &r);
	assert_int_equal(r.code, 404);
	tef_reply_clear(&r);
	tef_anchor_put(db, "Cae1", "gw", (const uint8_t *)body, strlen(body),
		       1000, &r);
	assert_int_equal(r.code, 204);
	tef_reply_clear(&r);
	tef_anchor_put(db, "Cae1", "gw", (const uint8_t *)"{}", 2, 1000, &r);
	assert_int_equal(r.code, 400);
	tef_reply_clear(&r);
	tef_anchor_get(db, "Cae2", "gw", &r);
	assert_int_equal(r.code, 404);
	tef_reply_clear(&r);
	tef_anchor_get(db, "Cae1", "gw", &r);
	assert_int_equal(r.code, 205);
	assert_non_null(strstr(r.json, "\"updated\":1000"));
	assert_non_null(strstr(r.json, "\"seq\":3"));
	tef_reply_clear(&r);
	tef_anchor_drop(db, "Cae2", "gw", &r);
	assert_int_equal(r.code, 404);
	tef_reply_clear(&r);
	tef_anchor_drop(db, "Cae1", "gw", &r);
	assert_int_equal(r.code, 202);
	tef_reply_clear(&r);
	sqlite3_close(db);
}

static void reg(sqlite3 *db, const struct m2mv_ke *ke, const char *body,
		time_t now, struct tef_reply *r)
{
	tef_register(db, &seed_opts, ke, "Cae1", (const uint8_t *)body,
		     strlen(body), now, r);
}

/* Register as Cae1; check the reply against our own derivations. */
static void registered(sqlite3 *db, const struct m2mv_ke *ke,
		       const char *req, time_t now, char ids[2][M2MV_CREDID_BUFSZ],
		       size_t *n)
{
	uint8_t salt[M2MV_SALT_LEN], key[M2MV_KEY_LEN];
	char want[M2MV_CREDID_BUFSZ];
	struct tef_reply r;
	struct tef_cred c;
	json_t *j, *creds, *e;
	size_t i;

	reg(db, ke, req, now, &r);
	assert_int_equal(r.code, 201);
	assert_non_null(r.json);
	assert_null(r.why);
	assert_non_null(strstr(r.note, "owner Cae1"));
	j = json_loadb(r.json, r.json_len, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "keid")),
			    ke->keid);
	assert_int_equal(m2mv_b64url_decode(salt, sizeof(salt),
		json_string_value(json_object_get(j, "salt"))), M2MV_SALT_LEN);
	creds = json_object_get(j, "credentials");
	*n = json_array_size(creds);
	json_array_foreach(creds, i, e) {
		unsigned int type = (unsigned int)json_integer_value(
			json_object_get(e, "type"));

		assert_int_equal(m2mv_kdf_credid(want, sizeof(want), type,
						 ke->keid, salt, FQDN), 0);
		assert_string_equal(json_string_value(json_object_get(e, "id")),
				    want);
		strcpy(ids[i], want);
		/* The TEF stored the key the enrolee derives on its side. */
		assert_int_equal(m2mv_kdf_credential_key(ke->ke, salt, type,
							 key), 0);
		assert_int_equal(tef_db_cred_get(db, want, &c), 0);
		assert_memory_equal(c.key, key, sizeof(key));
		assert_string_equal(c.owner, "Cae1");
		assert_int_equal(c.suid, m2mv_tef_suid_of(type));
		assert_int_equal(json_integer_value(json_object_get(e, "suid")),
				 c.suid);
		assert_int_equal(c.expires,
			json_integer_value(json_object_get(j, "expires")));
		tef_cred_clear(&c);
	}
	json_decref(j);
	tef_reply_clear(&r);
}

static void test_register(void **state)
{
	char ids[2][M2MV_CREDID_BUFSZ], ids2[2][M2MV_CREDID_BUFSZ];
	struct m2mv_ke ke;
	struct tef_reply r;
	sqlite3 *db = mem_db();
	size_t n;
	char big[TEF_BODY_MAX + 2];

	(void)state;
	fake_ke(&ke, 7);
	registered(db, &ke, "{\"targets\":[\"Cae2\"],\"lifetime\":60,"
		   "\"types\":[15,16]}", 1000, ids, &n);
	assert_int_equal(n, 2);
	assert_int_equal(strncmp(ids[0], "15-", 3), 0);
	assert_int_equal(strncmp(ids[1], "16-", 3), 0);
	/* Same session, new Salt: new Credential-IDs. */
	registered(db, &ke, "{\"targets\":[],\"lifetime\":60,\"types\":[15]}",
		   1000, ids2, &n);
	assert_int_equal(n, 1);
	assert_string_not_equal(ids[0], ids2[0]);

	reg(db, &ke, "{\"x\":1}", 1000, &r);
	assert_int_equal(r.code, 400);
	assert_null(r.json);
	assert_string_equal(r.why, "unknown member");
	tef_reply_clear(&r);
	memset(big, ' ', sizeof(big));
	tef_register(db, &seed_opts, &ke, "Cae1", (const uint8_t *)big,
		     TEF_BODY_MAX + 1, 1000, &r);
	assert_int_equal(r.code, 413);
	tef_reply_clear(&r);
	tef_register(db, &seed_opts, &ke, "Cae1", NULL, 0, 1000, &r);
	assert_int_equal(r.code, 400);
	tef_reply_clear(&r);
	sqlite3_close(db);
}

static void expect(struct tef_reply *r, unsigned int code, const char *why)
{
	assert_int_equal(r->code, code);
	if (why)
		assert_string_equal(r->why, why);
	else
		assert_null(r->why);
	tef_reply_clear(r);
}

/* The standard's fields go into the rows and come back in the reply. */
static void test_register_fields(void **state)
{
	const struct tef_opts o = { .fqdn = FQDN, .admin = "ops.example.com" };
	const char *std = "{\"types\":[15],\"expires\":1500,\"suid\":24,"
			  "\"labels\":[\"gw=1\"],\"admin\":\"adm.example.com\","
			  "\"targets\":[\"Cae2\"]}";
	const char *plain = "{\"types\":[16],\"lifetime\":60}";
	struct m2mv_ke ke;
	struct tef_reply r;
	struct tef_cred c;
	sqlite3 *db = mem_db();
	const char *id;
	json_t *j;

	(void)state;
	fake_ke(&ke, 5);
	tef_register(db, &o, &ke, "Cae1", (const uint8_t *)std, strlen(std),
		     1000, &r);
	assert_int_equal(r.code, 201);
	j = json_loadb(r.json, r.json_len, JSON_REJECT_DUPLICATES, NULL);
	assert_int_equal(json_integer_value(json_object_get(j, "expires")), 1500);
	assert_string_equal(json_string_value(json_object_get(j, "owner")), "Cae1");
	assert_string_equal(json_string_value(json_object_get(j, "admin")),
			    "adm.example.com");
	id = json_string_value(json_object_get(json_array_get(
		json_object_get(j, "credentials"), 0), "id"));
	assert_int_equal(tef_db_cred_get(db, id, &c), 0);
	assert_int_equal(c.suid, 24);
	assert_string_equal(c.admin, "adm.example.com");
	assert_string_equal(c.labels, "[\"gw=1\"]");
	assert_int_equal(c.expires, 1500);
	tef_cred_clear(&c);
	json_decref(j);
	tef_reply_clear(&r);
	/* No admin asked for: the TEF's own. No targets: the owner only. */
	tef_register(db, &o, &ke, "Cae1", (const uint8_t *)plain,
		     strlen(plain), 1000, &r);
	assert_int_equal(r.code, 201);
	assert_non_null(strstr(r.json, "\"admin\":\"ops.example.com\""));
	tef_reply_clear(&r);
	/* An expiry in the past, or past the longest lifetime. */
	std = "{\"types\":[16],\"expires\":1000}";
	tef_register(db, &o, &ke, "Cae1", (const uint8_t *)std, strlen(std),
		     1000, &r);
	expect(&r, 400, "expires must be within the next 31536000 seconds");
	std = "{\"types\":[16],\"expires\":31537001}";
	tef_register(db, &o, &ke, "Cae1", (const uint8_t *)std, strlen(std),
		     1000, &r);
	expect(&r, 400, "expires must be within the next 31536000 seconds");
	sqlite3_close(db);
}

/* --assign random: well-formed IDs, not the seed's, keys as the seed's. */
static void test_assign(void **state)
{
	const struct tef_opts o = { .fqdn = FQDN, .assign = TEF_ASSIGN_RANDOM };
	const char *body = "{\"types\":[15,16],\"lifetime\":60}";
	char want[M2MV_CREDID_BUFSZ];
	uint8_t salt[M2MV_SALT_LEN], key[M2MV_KEY_LEN];
	struct m2mv_ke ke;
	struct tef_reply r;
	struct tef_cred c;
	sqlite3 *db = mem_db();
	enum tef_assign a;
	json_t *j, *e;
	const char *id;
	size_t i;

	(void)state;
	assert_int_equal(tef_assign_parse("seed", &a), 0);
	assert_int_equal(a, TEF_ASSIGN_SEED);
	assert_int_equal(tef_assign_parse("random", &a), 0);
	assert_int_equal(a, TEF_ASSIGN_RANDOM);
	assert_int_equal(tef_assign_parse("test-duplicate", &a), 0);
	assert_int_equal(a, TEF_ASSIGN_TEST_DUPLICATE);
	assert_int_equal(tef_assign_parse("Random", &a), -EINVAL);
	assert_int_equal(tef_assign_parse(NULL, &a), -EINVAL);
	fake_ke(&ke, 6);
	tef_register(db, &o, &ke, "Cae1", (const uint8_t *)body, strlen(body),
		     1000, &r);
	assert_int_equal(r.code, 201);
	j = json_loadb(r.json, r.json_len, 0, NULL);
	assert_int_equal(m2mv_b64url_decode(salt, sizeof(salt),
		json_string_value(json_object_get(j, "salt"))), M2MV_SALT_LEN);
	json_array_foreach(json_object_get(j, "credentials"), i, e) {
		unsigned int type = (unsigned int)json_integer_value(
			json_object_get(e, "type"));

		id = json_string_value(json_object_get(e, "id"));
		assert_true(m2mv_tef_assigned_ok(id, type, FQDN));
		assert_int_equal(m2mv_kdf_credid(want, sizeof(want), type,
						 ke.keid, salt, FQDN), 0);
		assert_string_not_equal(id, want);
		assert_int_equal(m2mv_kdf_credential_key(ke.ke, salt, type,
							 key), 0);
		assert_int_equal(tef_db_cred_get(db, id, &c), 0);
		assert_memory_equal(c.key, key, sizeof(key));
		tef_cred_clear(&c);
	}
	json_decref(j);
	tef_reply_clear(&r);
	OPENSSL_cleanse(key, sizeof(key));
	sqlite3_close(db);
}

static void update(sqlite3 *db, const char *id, const char *ae,
		   const char *body, time_t now, struct tef_reply *r)
{
	tef_update(db, id, ae, (const uint8_t *)body, strlen(body), now, r);
}

/* Registration update: owner only, a live credential, members echoed. */
static void test_update(void **state)
{
	char ids[2][M2MV_CREDID_BUFSZ];
	struct tef_reply r;
	struct tef_cred c;
	struct m2mv_ke ke;
	sqlite3 *db = mem_db();
	size_t n;

	(void)state;
	fake_ke(&ke, 4);
	registered(db, &ke, "{\"targets\":[\"Cae2\"],\"lifetime\":100,"
		   "\"types\":[15]}", 5000, ids, &n);
	/* New targets: Cae3 in, Cae2 out. */
	update(db, ids[0], "Cae1", "{\"targets\":[\"Cae3\"]}", 5000, &r);
	assert_int_equal(r.code, 204);
	assert_string_equal(r.json, "{}");
	assert_non_null(strstr(r.note, "updated"));
	tef_reply_clear(&r);
	tef_retrieve(db, ids[0], "Cae3", 5000, &r);
	expect(&r, 205, NULL);
	tef_retrieve(db, ids[0], "Cae2", 5000, &r);
	expect(&r, 403, "not in the credential's access control policy");
	/* A new expiry, and labels. */
	update(db, ids[0], "Cae1", "{\"lifetime\":500,\"labels\":[\"a\"]}",
	       5050, &r);
	assert_int_equal(r.code, 204);
	assert_string_equal(r.json, "{\"expires\":5550}");
	tef_reply_clear(&r);
	assert_int_equal(tef_db_cred_get(db, ids[0], &c), 0);
	assert_int_equal(c.expires, 5550);
	assert_string_equal(c.labels, "[\"a\"]");
	assert_string_equal(c.targets, "[\"Cae3\"]");
	tef_cred_clear(&c);
	tef_retrieve(db, ids[0], "Cae3", 5500, &r);
	expect(&r, 205, NULL);
	update(db, ids[0], "Cae1", "{\"expires\":6000}", 5100, &r);
	assert_string_equal(r.json, "{\"expires\":6000}");
	expect(&r, 204, NULL);
	/* Refusals. */
	update(db, ids[0], "Cae3", "{\"lifetime\":5}", 5100, &r);
	expect(&r, 403, "only the owner may update a registration");
	update(db, "15-00@" FQDN, "Cae1", "{\"lifetime\":5}", 5100, &r);
	expect(&r, 404, "unknown credential");
	update(db, ids[0], "Cae1", "{}", 5100, &r);
	expect(&r, 400, "nothing to update: lifetime, expires, targets or labels");
	update(db, ids[0], "Cae1", "{\"types\":[16]}", 5100, &r);
	expect(&r, 400, "unknown member");
	update(db, ids[0], "Cae1", "{\"expires\":5100}", 5100, &r);
	expect(&r, 400, "expires must be within the next 31536000 seconds");
	update(db, ids[0], "Cae1", "{\"lifetime\":5}", 6000, &r);
	expect(&r, 404, "expired");
	/* De-registration (revoke): the key and its labels are gone. */
	tef_revoke(db, ids[0], "Cae1", &r);
	expect(&r, 202, NULL);
	assert_int_equal(tef_db_cred_get(db, ids[0], &c), 0);
	assert_true(c.revoked);
	assert_false(c.key[0] | c.key[31]);
	assert_string_equal(c.labels, "[]");
	tef_cred_clear(&c);
	update(db, ids[0], "Cae1", "{\"lifetime\":5}", 5100, &r);
	expect(&r, 404, "revoked");
	sqlite3_close(db);
}

static void test_retrieve_revoke(void **state)
{
	char ids[2][M2MV_CREDID_BUFSZ];
	uint8_t salt_key[M2MV_KEY_LEN], k[M2MV_KEY_LEN];
	struct tef_reply r;
	struct tef_cred c;
	struct m2mv_ke ke;
	sqlite3 *db = mem_db();
	json_t *j;
	size_t n;

	(void)state;
	fake_ke(&ke, 9);
	registered(db, &ke, "{\"targets\":[\"Cae2\"],\"lifetime\":100,"
		   "\"types\":[14]}", 5000, ids, &n);
	assert_int_equal(tef_db_cred_get(db, ids[0], &c), 0);
	memcpy(salt_key, c.key, sizeof(salt_key));
	tef_cred_clear(&c);

	/* The owner and the target get the JWK; no one else. */
	tef_retrieve(db, ids[0], "Cae1", 5000, &r);
	assert_int_equal(r.code, 205);
	assert_true(r.secret);
	j = json_loadb(r.json, r.json_len, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(j, "kid")),
			    ids[0]);
	assert_string_equal(json_string_value(json_object_get(j, "alg")), "dir");
	assert_int_equal(json_integer_value(json_object_get(j, "exp")), 5100);
	assert_int_equal(m2mv_b64url_decode(k, sizeof(k),
		json_string_value(json_object_get(j, "k"))), M2MV_KEY_LEN);
	assert_memory_equal(k, salt_key, sizeof(k));
	json_decref(j);
	tef_reply_clear(&r);
	tef_retrieve(db, ids[0], "Cae2", 5099, &r);
	expect(&r, 205, NULL);
	tef_retrieve(db, ids[0], "Cae3", 5000, &r);
	expect(&r, 403, "not in the credential's access control policy");
	tef_retrieve(db, "14-00000000000000000000000000000000@" FQDN, "Cae1",
		     5000, &r);
	expect(&r, 404, "unknown credential");

	/* Expired at its expiry time, for everyone in the ACP. */
	tef_retrieve(db, ids[0], "Cae2", 5100, &r);
	expect(&r, 404, "expired");
	tef_retrieve(db, ids[0], "Cae1", 9999, &r);
	expect(&r, 404, "expired");
	tef_retrieve(db, ids[0], "Cae3", 9999, &r);
	expect(&r, 403, "not in the credential's access control policy");

	/* Only the owner revokes; then it is gone for all. */
	tef_revoke(db, ids[0], "Cae2", &r);
	expect(&r, 403, "only the owner may revoke");
	tef_revoke(db, "14-00@" FQDN, "Cae1", &r);
	expect(&r, 404, "unknown credential");
	tef_retrieve(db, ids[0], "Cae2", 5000, &r);
	expect(&r, 205, NULL);
	tef_revoke(db, ids[0], "Cae1", &r);
	assert_non_null(strstr(r.note, "revoked"));
	expect(&r, 202, NULL);
	tef_retrieve(db, ids[0], "Cae1", 5000, &r);
	expect(&r, 404, "revoked");
	tef_retrieve(db, ids[0], "Cae2", 5000, &r);
	expect(&r, 404, "revoked");
	tef_retrieve(db, ids[0], "Cae3", 5000, &r);
	expect(&r, 403, "not in the credential's access control policy");
	tef_revoke(db, ids[0], "Cae1", &r);
	expect(&r, 202, NULL);
	sqlite3_close(db);
}

static void test_list_no_keys(void **state)
{
	char ids[2][M2MV_CREDID_BUFSZ], hex[65], b64[M2MV_B64URL_BUFSZ(32)];
	struct tef_cred c;
	struct m2mv_ke ke;
	sqlite3 *db = mem_db();
	char *text = NULL;
	size_t n, size = 0;
	FILE *f;

	(void)state;
	fake_ke(&ke, 3);
	registered(db, &ke, "{\"targets\":[\"Cae2\",\"Cae3\"],\"lifetime\":60,"
		   "\"types\":[16]}", time(NULL), ids, &n);
	assert_int_equal(tef_db_cred_get(db, ids[0], &c), 0);
	for (int i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", c.key[i]);
	assert_int_equal(m2mv_b64url_encode(b64, sizeof(b64), c.key, 32), 0);
	tef_cred_clear(&c);
	f = open_memstream(&text, &size);
	assert_non_null(f);
	assert_int_equal(tef_db_list(db, time(NULL), f), 0);
	fclose(f);
	assert_non_null(strstr(text, "kpm-ae2 ae_id=Cae2"));
	assert_non_null(strstr(text, ids[0]));
	assert_non_null(strstr(text, "state=valid"));
	assert_null(strstr(text, hex));
	assert_null(strstr(text, b64));
	free(text);
	sqlite3_close(db);
}

static void test_fqdn(void **state)
{
	char name[TEF_FQDN_MAX + 2];

	(void)state;
	assert_true(tef_fqdn_ok("tef.example.com"));
	assert_true(tef_fqdn_ok("localhost"));
	assert_false(tef_fqdn_ok(""));
	assert_false(tef_fqdn_ok("tef_example.com"));
	assert_false(tef_fqdn_ok("tef example"));
	assert_false(tef_fqdn_ok(NULL));
	memset(name, 'a', sizeof(name));
	name[TEF_FQDN_MAX] = '\0';
	assert_true(tef_fqdn_ok(name));
	name[TEF_FQDN_MAX] = 'a';
	name[TEF_FQDN_MAX + 1] = '\0';
	assert_false(tef_fqdn_ok(name));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_db_rules),
		cmocka_unit_test(test_db_file),
		cmocka_unit_test(test_db_upgrade),
		cmocka_unit_test(test_db_upgrade_v2),
		cmocka_unit_test(test_anchor_ops),
		cmocka_unit_test(test_register),
		cmocka_unit_test(test_retrieve_revoke),
		cmocka_unit_test(test_register_fields),
		cmocka_unit_test(test_assign),
		cmocka_unit_test(test_update),
		cmocka_unit_test(test_list_no_keys),
		cmocka_unit_test(test_fqdn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
