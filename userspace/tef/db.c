// SPDX-License-Identifier: GPL-2.0
/*
 * The TEF's state in SQLite (WAL): enrolees (KpmId -> Kpm, AE-ID) and
 * registered credentials. The database and its WAL files are created
 * with mode 0600 (the process umask is 077 while they are opened).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "tef/tef.h"

static const char schema[] =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA synchronous=FULL;"
	"CREATE TABLE IF NOT EXISTS enrolee ("
	" kpm_id TEXT PRIMARY KEY, kpm BLOB NOT NULL, ae_id TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS credential ("
	" id TEXT PRIMARY KEY, type INTEGER NOT NULL, owner TEXT NOT NULL,"
	" keid TEXT NOT NULL, key BLOB NOT NULL, expires INTEGER NOT NULL,"
	" targets TEXT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);";

int tef_db_open(const char *path, sqlite3 **dbp)
{
	mode_t old = umask(077);
	sqlite3 *db = NULL;
	int rc;

	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
			     SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, schema, NULL, NULL, NULL);
	umask(old);
	if (rc == SQLITE_OK && strcmp(path, ":memory:") && chmod(path, 0600))
		rc = SQLITE_CANTOPEN;
	if (rc != SQLITE_OK) {
		fprintf(stderr, "m2m-tefd: %s: %s\n", path,
			db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return -EIO;
	}
	sqlite3_busy_timeout(db, 2000);
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

	if (!tef_id_ok(kpm_id) || !tef_id_ok(ae_id) ||
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
	sqlite3_stmt *st;
	int ret = -ENOENT, n;

	if (sqlite3_prepare_v2(db, "SELECT kpm, ae_id FROM enrolee"
			       " WHERE kpm_id = ?", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, kpm_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		n = sqlite3_column_bytes(st, 0);
		if (n < M2MV_PSK_MIN || n > M2MV_PSK_MAX ||
		    sqlite3_column_bytes(st, 1) > TEF_ID_MAX) {
			ret = -EIO;
		} else {
			memcpy(kpm, sqlite3_column_blob(st, 0), (size_t)n);
			*kpm_len = (size_t)n;
			strcpy(ae_id, (const char *)sqlite3_column_text(st, 1));
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
			       " keid, key, expires, targets) VALUES"
			       " (?, ?, ?, ?, ?, ?, ?)", -1, &st,
			       NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, (int)c->type);
	sqlite3_bind_text(st, 3, c->owner, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, keid, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, c->key, M2MV_KEY_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)c->expires);
	sqlite3_bind_text(st, 7, c->targets, -1, SQLITE_STATIC);
	return step_done(st);
}

int tef_db_cred_get(sqlite3 *db, const char *id, struct tef_cred *c)
{
	sqlite3_stmt *st;
	int ret = -ENOENT;

	memset(c, 0, sizeof(*c));
	if (sqlite3_prepare_v2(db, "SELECT type, owner, key, expires, targets,"
			       " revoked FROM credential WHERE id = ?", -1,
			       &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		ret = -EIO;
		if (sqlite3_column_bytes(st, 2) != M2MV_KEY_LEN ||
		    sqlite3_column_bytes(st, 1) > TEF_ID_MAX ||
		    strlen(id) >= sizeof(c->id))
			goto out;
		snprintf(c->id, sizeof(c->id), "%s", id);
		c->type = (unsigned int)sqlite3_column_int(st, 0);
		strcpy(c->owner, (const char *)sqlite3_column_text(st, 1));
		memcpy(c->key, sqlite3_column_blob(st, 2), M2MV_KEY_LEN);
		c->expires = (time_t)sqlite3_column_int64(st, 3);
		c->targets = strdup((const char *)sqlite3_column_text(st, 4));
		c->revoked = sqlite3_column_int(st, 5);
		ret = c->targets ? 0 : -ENOMEM;
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

	/* The key goes at once; the row stays so that retrieval says why. */
	if (sqlite3_prepare_v2(db, "UPDATE credential SET revoked = 1,"
			       " key = zeroblob(32) WHERE id = ?", -1, &st,
			       NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	return step_done(st);
}

int tef_db_list(sqlite3 *db, FILE *out)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, "SELECT kpm_id, ae_id FROM enrolee"
			       " ORDER BY kpm_id", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	fprintf(out, "enrolees:\n");
	while (sqlite3_step(st) == SQLITE_ROW)
		fprintf(out, "  %s ae_id=%s\n", sqlite3_column_text(st, 0),
			sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(db, "SELECT id, owner, expires, revoked,"
			       " targets FROM credential ORDER BY id", -1, &st,
			       NULL) != SQLITE_OK)
		return -EIO;
	fprintf(out, "credentials:\n");
	while (sqlite3_step(st) == SQLITE_ROW)
		fprintf(out, "  %s owner=%s expires=%lld%s targets=%s\n",
			sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
			(long long)sqlite3_column_int64(st, 2),
			sqlite3_column_int(st, 3) ? " revoked" : "",
			sqlite3_column_text(st, 4));
	sqlite3_finalize(st);
	return 0;
}

void tef_cred_clear(struct tef_cred *c)
{
	free(c->targets);
	OPENSSL_cleanse(c, sizeof(*c));
}

int tef_cred_allows(const struct tef_cred *c, const char *ae_id)
{
	json_t *arr = json_loads(c->targets, 0, NULL), *t;
	int found = 0;
	size_t i;

	json_array_foreach(arr, i, t)
		if (json_is_string(t) && !strcmp(json_string_value(t), ae_id))
			found = 1;
	json_decref(arr);
	return found;
}
