// SPDX-License-Identifier: GPL-2.0
/*
 * The TEF's state in SQLite (WAL): enrolees (KpmId -> Kpm, AE-ID) and
 * registered credentials. The database is created with the process umask
 * at 077, so it is mode 0600 from its first byte; SQLite gives its -wal
 * and -shm files the database's mode. A database found with looser
 * permissions is tightened to 0600 (and said so).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "tef/tef.h"

/*
 * 1: enrolee and credential. 2: anchor. 3: a credential's suid, labels
 * and admin (the TS-0003 key registration's SUID, labels and adminFQDN).
 * An older database gains what it lacks when it is opened (the anchor
 * table by CREATE TABLE IF NOT EXISTS below, the columns by upgrade())
 * and is marked 3.
 */
#define TEF_SCHEMA_VERSION	3

static const char schema[] =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA synchronous=FULL;"
	"CREATE TABLE IF NOT EXISTS enrolee ("
	" kpm_id TEXT PRIMARY KEY, kpm BLOB NOT NULL, ae_id TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS credential ("
	" id TEXT PRIMARY KEY, type INTEGER NOT NULL, owner TEXT NOT NULL,"
	" keid TEXT NOT NULL, key BLOB NOT NULL, expires INTEGER NOT NULL,"
	" targets TEXT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0,"
	" suid INTEGER NOT NULL DEFAULT 0, labels TEXT NOT NULL DEFAULT '[]',"
	" admin TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE IF NOT EXISTS anchor ("
	" owner TEXT NOT NULL, store TEXT NOT NULL, seq INTEGER NOT NULL,"
	" chain BLOB NOT NULL, updated INTEGER NOT NULL,"
	" PRIMARY KEY (owner, store));";

/*
 * Versions 1 and 2: the credential table without suid, labels and admin.
 * Rows registered then get the SUID of their type; their admin stays
 * empty (unknown), which "list" shows as such.
 */
static const char upgrade_2_3[] =
	"ALTER TABLE credential ADD COLUMN suid INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE credential ADD COLUMN labels TEXT NOT NULL DEFAULT '[]';"
	"ALTER TABLE credential ADD COLUMN admin TEXT NOT NULL DEFAULT '';"
	"UPDATE credential SET suid = CASE type WHEN 16 THEN 25 ELSE 24 END;";

/* Does the credential table have the version-3 columns? */
static int has_v3_columns(sqlite3 *db)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, "SELECT suid, labels, admin FROM credential"
			       " LIMIT 0", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_finalize(st);
	return 1;
}

static int upgrade(sqlite3 *db)
{
	int rc;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return SQLITE_ERROR;
	rc = has_v3_columns(db) ? SQLITE_OK :
	     sqlite3_exec(db, upgrade_2_3, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "PRAGMA user_version=3", NULL, NULL,
				  NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static int check_version(sqlite3 *db)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return SQLITE_ERROR;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (v >= 0 && v < TEF_SCHEMA_VERSION)
		return upgrade(db);
	return v == TEF_SCHEMA_VERSION ? SQLITE_OK : SQLITE_MISMATCH;
}

int tef_db_open(const char *path, int create, sqlite3 **dbp)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX |
		    SQLITE_OPEN_NOFOLLOW | (create ? SQLITE_OPEN_CREATE : 0);
	int mem = !strcmp(path, ":memory:");
	mode_t old = umask(077);
	sqlite3 *db = NULL;
	struct stat sb;
	int rc;

	*dbp = NULL;
	rc = sqlite3_open_v2(path, &db, flags, NULL);
	if (rc == SQLITE_OK)
		sqlite3_extended_result_codes(db, 1);
	if (rc == SQLITE_OK)
		rc = sqlite3_busy_timeout(db, 2000);
	/* The first statement creates the file (and its WAL files). */
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, schema, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = check_version(db);
	umask(old);
	if (rc == SQLITE_OK && !mem) {
		if (stat(path, &sb)) {
			rc = SQLITE_CANTOPEN;
		} else if (sb.st_mode & 077) {
			fprintf(stderr, "m2m-tefd: %s was mode %04o: made 0600\n",
				path, (unsigned int)(sb.st_mode & 07777));
			if (chmod(path, 0600))
				rc = SQLITE_CANTOPEN;
		}
	}
	if (rc != SQLITE_OK) {
		fprintf(stderr, "m2m-tefd: %s: %s\n", path,
			rc == SQLITE_MISMATCH ? "unknown schema version" :
			db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return -EIO;
	}
	*dbp = db;
	return 0;
}

static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

int tef_db_enrol(sqlite3 *db, const char *kpm_id, const char *ae_id,
		 const uint8_t *kpm, size_t kpm_len)
{
	sqlite3_stmt *st;

	if (!tef_id_ok(kpm_id) || !tef_id_ok(ae_id) || !kpm ||
	    kpm_len < M2MV_PSK_MIN || kpm_len > M2MV_PSK_MAX)
		return -EINVAL;
	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO enrolee"
			       "(kpm_id, kpm, ae_id) VALUES (?, ?, ?)", -1,
			       &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, kpm_id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, kpm, (int)kpm_len, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, ae_id, -1, SQLITE_STATIC);
	return step_done(st);
}

int tef_db_enrolee(sqlite3 *db, const char *kpm_id, uint8_t *kpm,
		   size_t *kpm_len, char ae_id[TEF_ID_MAX + 1])
{
	const unsigned char *ae;
	sqlite3_stmt *st;
	int ret = -ENOENT, n;

	if (sqlite3_prepare_v2(db, "SELECT kpm, ae_id FROM enrolee"
			       " WHERE kpm_id = ?", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, kpm_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		n = sqlite3_column_bytes(st, 0);
		ae = sqlite3_column_text(st, 1);
		if (n < M2MV_PSK_MIN || n > M2MV_PSK_MAX || !ae ||
		    !tef_id_ok((const char *)ae)) {
			ret = -EIO;
		} else {
			memcpy(kpm, sqlite3_column_blob(st, 0), (size_t)n);
			*kpm_len = (size_t)n;
			strcpy(ae_id, (const char *)ae);
			ret = 0;
		}
	}
	sqlite3_finalize(st);
	return ret;
}

int tef_db_cred_add(sqlite3 *db, const struct tef_cred *c, const char *keid)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, "INSERT INTO credential (id, type, owner,"
			       " keid, key, expires, targets, suid, labels,"
			       " admin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, (int)c->type);
	sqlite3_bind_text(st, 3, c->owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, keid, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, c->key, M2MV_KEY_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)c->expires);
	sqlite3_bind_text(st, 7, c->targets, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 8, (int)c->suid);
	sqlite3_bind_text(st, 9, c->labels ? c->labels : "[]", -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(st, 10, c->admin, -1, SQLITE_STATIC);
	return step_done(st);
}

int tef_db_cred_get(sqlite3 *db, const char *id, struct tef_cred *c)
{
	const unsigned char *owner, *targets, *labels, *admin;
	sqlite3_stmt *st;
	int ret = -ENOENT;

	memset(c, 0, sizeof(*c));
	if (strlen(id) >= sizeof(c->id))
		return -ENOENT;
	if (sqlite3_prepare_v2(db, "SELECT type, owner, key, expires, targets,"
			       " revoked, suid, labels, admin FROM credential"
			       " WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		ret = -EIO;
		owner = sqlite3_column_text(st, 1);
		targets = sqlite3_column_text(st, 4);
		labels = sqlite3_column_text(st, 7);
		admin = sqlite3_column_text(st, 8);
		if (sqlite3_column_bytes(st, 2) != M2MV_KEY_LEN || !owner ||
		    !tef_id_ok((const char *)owner) || !targets || !labels ||
		    !admin || strlen((const char *)admin) >= sizeof(c->admin))
			goto out;
		snprintf(c->id, sizeof(c->id), "%s", id);
		c->type = (unsigned int)sqlite3_column_int(st, 0);
		strcpy(c->owner, (const char *)owner);
		memcpy(c->key, sqlite3_column_blob(st, 2), M2MV_KEY_LEN);
		c->expires = (time_t)sqlite3_column_int64(st, 3);
		c->targets = strdup((const char *)targets);
		c->labels = strdup((const char *)labels);
		c->revoked = sqlite3_column_int(st, 5);
		c->suid = (unsigned int)sqlite3_column_int(st, 6);
		strcpy(c->admin, (const char *)admin);
		ret = c->targets && c->labels ? 0 : -ENOMEM;
	}
out:
	sqlite3_finalize(st);
	if (ret)
		tef_cred_clear(c);
	return ret;
}

int tef_db_cred_revoke(sqlite3 *db, const char *id)
{
	sqlite3_stmt *st;

	/*
	 * The key and its labels go at once; the row stays, with its owner
	 * and ACP, so that retrieval tells those it allowed why.
	 */
	if (sqlite3_prepare_v2(db, "UPDATE credential SET revoked = 1,"
			       " key = zeroblob(32), labels = '[]'"
			       " WHERE id = ?", -1, &st,
			       NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	return step_done(st);
}

int tef_db_cred_update(sqlite3 *db, const char *id, time_t expires,
		       const char *targets, const char *labels)
{
	sqlite3_stmt *st;

	/* A NULL parameter keeps the column as it is. */
	if (sqlite3_prepare_v2(db, "UPDATE credential SET"
			       " expires = coalesce(?, expires),"
			       " targets = coalesce(?, targets),"
			       " labels = coalesce(?, labels)"
			       " WHERE id = ? AND revoked = 0", -1, &st,
			       NULL) != SQLITE_OK)
		return -EIO;
	if (expires)
		sqlite3_bind_int64(st, 1, (sqlite3_int64)expires);
	if (targets)
		sqlite3_bind_text(st, 2, targets, -1, SQLITE_STATIC);
	if (labels)
		sqlite3_bind_text(st, 3, labels, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, id, -1, SQLITE_STATIC);
	if (step_done(st))
		return -EIO;
	return sqlite3_changes(db) ? 0 : -ENOENT;
}

int tef_db_anchor_put(sqlite3 *db, const char *owner, const char *store,
		      const struct m2mv_tef_anchor *a)
{
	sqlite3_stmt *st;

	if (a->seq > INT64_MAX)
		return -EINVAL;
	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO anchor (owner,"
			       " store, seq, chain, updated) VALUES"
			       " (?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, store, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)a->seq);
	sqlite3_bind_blob(st, 4, a->chain, sizeof(a->chain), SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)a->updated);
	return step_done(st);
}

int tef_db_anchor_get(sqlite3 *db, const char *owner, const char *store,
		      struct m2mv_tef_anchor *a)
{
	sqlite3_stmt *st;
	int ret = -ENOENT;

	memset(a, 0, sizeof(*a));
	if (sqlite3_prepare_v2(db, "SELECT seq, chain, updated FROM anchor"
			       " WHERE owner = ? AND store = ?", -1, &st,
			       NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, store, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		ret = -EIO;
		if (sqlite3_column_int64(st, 0) >= 0 &&
		    sqlite3_column_bytes(st, 1) == (int)sizeof(a->chain)) {
			a->seq = (uint64_t)sqlite3_column_int64(st, 0);
			memcpy(a->chain, sqlite3_column_blob(st, 1),
			       sizeof(a->chain));
			a->updated = (time_t)sqlite3_column_int64(st, 2);
			ret = 0;
		}
	}
	sqlite3_finalize(st);
	return ret;
}

int tef_db_anchor_drop(sqlite3 *db, const char *owner, const char *store)
{
	sqlite3_stmt *st;
	int ret;

	if (sqlite3_prepare_v2(db, "DELETE FROM anchor WHERE owner = ? AND"
			       " store = ?", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, store, -1, SQLITE_STATIC);
	ret = step_done(st);
	if (!ret && !sqlite3_changes(db))
		ret = -ENOENT;
	return ret;
}

static const char *text_or(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t ? (const char *)t : "?";
}

int tef_db_list(sqlite3 *db, time_t now, FILE *out)
{
	const char *admin;
	sqlite3_stmt *st;
	long long exp;

	if (sqlite3_prepare_v2(db, "SELECT kpm_id, ae_id FROM enrolee"
			       " ORDER BY kpm_id", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	fprintf(out, "enrolees:\n");
	while (sqlite3_step(st) == SQLITE_ROW)
		fprintf(out, "  %s ae_id=%s\n", text_or(st, 0), text_or(st, 1));
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(db, "SELECT id, owner, expires, revoked,"
			       " targets, suid, admin, labels FROM credential"
			       " ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	fprintf(out, "credentials:\n");
	while (sqlite3_step(st) == SQLITE_ROW) {
		exp = (long long)sqlite3_column_int64(st, 2);
		admin = text_or(st, 6);
		fprintf(out, "  %s owner=%s expires=%lld state=%s targets=%s suid=%d admin=%s labels=%s\n",
			text_or(st, 0), text_or(st, 1), exp,
			sqlite3_column_int(st, 3) ? "revoked" :
			exp <= (long long)now ? "expired" : "valid",
			text_or(st, 4), sqlite3_column_int(st, 5),
			*admin ? admin : "?", text_or(st, 7));
	}
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(db, "SELECT owner, store, seq, updated FROM"
			       " anchor ORDER BY owner, store", -1, &st,
			       NULL) != SQLITE_OK)
		return -EIO;
	fprintf(out, "anchors:\n");
	while (sqlite3_step(st) == SQLITE_ROW)
		fprintf(out, "  %s owner=%s seq=%lld updated=%lld\n",
			text_or(st, 1), text_or(st, 0),
			(long long)sqlite3_column_int64(st, 2),
			(long long)sqlite3_column_int64(st, 3));
	sqlite3_finalize(st);
	return 0;
}

void tef_cred_clear(struct tef_cred *c)
{
	free(c->targets);
	free(c->labels);
	OPENSSL_cleanse(c, sizeof(*c));
}

int tef_cred_allows(const struct tef_cred *c, const char *ae_id)
{
	json_t *arr, *t;
	int found = 0;
	size_t i;

	if (!c->targets)
		return 0;
	arr = json_loads(c->targets, 0, NULL);
	json_array_foreach(arr, i, t)
		if (json_is_string(t) && !strcmp(json_string_value(t), ae_id))
			found = 1;
	json_decref(arr);
	return found;
}
