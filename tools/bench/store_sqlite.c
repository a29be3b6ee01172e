// SPDX-License-Identifier: GPL-2.0
/*
 * --store sqlite: one row per resource in DIR/bench.db, WAL journal; with
 * sync every commit is synced (synchronous=FULL), else only checkpoints.
 * A container's children are the rows whose key extends its path by one
 * segment, read through the primary key's index.
 *
 * Built with -DBENCH_SQLCIPHER against SQLCipher's sqlite3.h and library
 * (m2mvbench-sqlcipher, bench.mk: the two libraries export the same
 * symbols, so one binary cannot hold both) this is --store sqlcipher: the
 * same schema, journal and sync settings, every connection keyed first
 * with a random 256-bit raw key (PRAGMA key = "x'...'", no key derivation)
 * and SQLCipher's page size set to SQLite's default, 4096.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "bench.h"

#ifdef BENCH_SQLCIPHER
#ifndef SQLITE_HAS_CODEC
#error "BENCH_SQLCIPHER needs SQLCipher's sqlite3.h (-DSQLITE_HAS_CODEC)"
#endif
#define SQL_STORE "sqlcipher"
/* PRAGMA key = "x'<64 hex digits>'" */
static char sql_key_pragma[96];
#else
#define SQL_STORE "sqlite"
#endif

static sqlite3 *sql_main;	/* holds the table while the phases run */

struct sql_worker {
	sqlite3 *db;
	sqlite3_stmt *ins, *sel, *del, *lst, *commit;
	bool in_txn;		/* a DELETE without sync began a transaction */
};

static void sql_exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		die("sqlite %s: %s", sql, err ? err : "?");
}

static sqlite3 *sql_connect(bool sync)
{
	char path[512];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/bench.db", cfg.dir);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL))
		die("sqlite open %s: %s", path, sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 60000);
#ifdef BENCH_SQLCIPHER
	/* Before anything reads the file; cipher_page_size before the first
	 * page is written. */
	sql_exec(db, sql_key_pragma);
	sql_exec(db, "PRAGMA cipher_page_size=4096");
#endif
	sql_exec(db, "PRAGMA journal_mode=WAL");
	/* In WAL mode NORMAL syncs only at checkpoints; FULL syncs each commit. */
	sql_exec(db, sync ? "PRAGMA synchronous=FULL" :
		 "PRAGMA synchronous=NORMAL");
	return db;
}

static void sql_open(void)
{
#ifdef BENCH_SQLCIPHER
	uint8_t key[32];
	int n;

	fill_random(key, sizeof(key));
	n = snprintf(sql_key_pragma, sizeof(sql_key_pragma), "PRAGMA key = \"x'");
	for (size_t i = 0; i < sizeof(key); i++)
		n += snprintf(sql_key_pragma + n, sizeof(sql_key_pragma) - n,
			      "%02x", key[i]);
	snprintf(sql_key_pragma + n, sizeof(sql_key_pragma) - n, "'\"");
	explicit_bzero(key, sizeof(key));
#endif
	sql_main = sql_connect(false);
	sql_exec(sql_main, "CREATE TABLE IF NOT EXISTS kv("
		 "k TEXT PRIMARY KEY, v BLOB NOT NULL)");
}

static void sql_close(void)
{
	sqlite3_close(sql_main);
	sql_main = NULL;
#ifdef BENCH_SQLCIPHER
	explicit_bzero(sql_key_pragma, sizeof(sql_key_pragma));
#endif
}

static void sql_worker_open(struct worker *w)
{
	struct sql_worker *s = xmalloc(sizeof(*s));

	s->db = sql_connect(w->sync);
	if (sqlite3_prepare_v2(s->db,
			       "INSERT OR REPLACE INTO kv(k, v) VALUES(?, ?)",
			       -1, &s->ins, NULL) ||
	    sqlite3_prepare_v2(s->db, "SELECT v FROM kv WHERE k = ?",
			       -1, &s->sel, NULL) ||
	    sqlite3_prepare_v2(s->db, "DELETE FROM kv WHERE k = ?",
			       -1, &s->del, NULL) ||
	    sqlite3_prepare_v2(s->db, "SELECT k FROM kv WHERE k > ? AND k < ?",
			       -1, &s->lst, NULL) ||
	    sqlite3_prepare_v2(s->db, "COMMIT", -1, &s->commit, NULL))
		die("sqlite prepare: %s", sqlite3_errmsg(s->db));
	s->in_txn = false;
	w->priv = s;
}

static void sql_worker_close(struct worker *w)
{
	struct sql_worker *s = w->priv;

	sqlite3_finalize(s->ins);
	sqlite3_finalize(s->sel);
	sqlite3_finalize(s->del);
	sqlite3_finalize(s->lst);
	sqlite3_finalize(s->commit);
	sqlite3_close(s->db);
	free(s);
	w->priv = NULL;
}

static void sql_put(struct worker *w, const char *res, const uint8_t *data,
		    size_t len)
{
	struct sql_worker *s = w->priv;
	int rc;

	sqlite3_reset(s->ins);
	sqlite3_bind_text(s->ins, 1, res, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s->ins, 2, data, len, SQLITE_STATIC);
	rc = sqlite3_step(s->ins);
	if (rc != SQLITE_DONE)
		die("sqlite insert %s: %s", res, sqlite3_errmsg(s->db));
	if (s->in_txn) {
		sqlite3_reset(s->commit);
		if (sqlite3_step(s->commit) != SQLITE_DONE)
			die("sqlite commit %s: %s", res, sqlite3_errmsg(s->db));
		s->in_txn = false;
	}
}

/*
 * With sync, its own synced commit. Without, the DELETE opens a
 * transaction (taking the write lock) that the worker's next PUT commits:
 * the retention delete and the new row in one commit, as a CSE would.
 */
static void sql_del(struct worker *w, const char *res)
{
	struct sql_worker *s = w->priv;

	if (!w->sync && !s->in_txn) {
		sql_exec(s->db, "BEGIN IMMEDIATE");
		s->in_txn = true;
	}
	sqlite3_reset(s->del);
	sqlite3_bind_text(s->del, 1, res, -1, SQLITE_STATIC);
	if (sqlite3_step(s->del) != SQLITE_DONE)
		die("sqlite delete %s: %s", res, sqlite3_errmsg(s->db));
	if (sqlite3_changes(s->db) != 1)
		die("sqlite delete %s: no such row", res);
	sqlite3_reset(s->del);
}

/* Keys in (RES/, RES0): '0' is the byte after '/'. */
static uint64_t sql_list(struct worker *w, const char *res,
			 void (*fn)(void *arg, const char *name), void *arg)
{
	struct sql_worker *s = w->priv;
	char lo[256], hi[256];
	size_t plen;
	uint64_t n = 0;
	int rc;

	plen = (size_t)snprintf(lo, sizeof(lo), "%s/", res);
	snprintf(hi, sizeof(hi), "%s0", res);
	sqlite3_reset(s->lst);
	sqlite3_bind_text(s->lst, 1, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->lst, 2, hi, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s->lst)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(s->lst, 0);

		if (!k || strlen(k) <= plen)
			die("sqlite list %s: bad key", res);
		fn(arg, k + plen);
		n++;
	}
	if (rc != SQLITE_DONE)
		die("sqlite list %s: %s", res, sqlite3_errmsg(s->db));
	sqlite3_reset(s->lst);
	return n;
}

static size_t sql_get(struct worker *w, const char *res, uint8_t *buf,
		      size_t cap)
{
	struct sql_worker *s = w->priv;
	size_t n;
	int rc;

	sqlite3_reset(s->sel);
	sqlite3_bind_text(s->sel, 1, res, -1, SQLITE_STATIC);
	rc = sqlite3_step(s->sel);
	if (rc != SQLITE_ROW)
		die("sqlite select %s: %s", res, sqlite3_errmsg(s->db));
	n = sqlite3_column_bytes(s->sel, 0);
	if (n > cap)
		die("sqlite select %s: %zu bytes", res, n);
	memcpy(buf, sqlite3_column_blob(s->sel, 0), n);
	sqlite3_reset(s->sel);
	return n;
}

const struct bench_store bench_sqlite = {
	.name = SQL_STORE,
	.open = sql_open,
	.close = sql_close,
	.worker_open = sql_worker_open,
	.worker_close = sql_worker_close,
	.put = sql_put,
	.get = sql_get,
	.del = sql_del,
	.list = sql_list,
};
