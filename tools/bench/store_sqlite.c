// SPDX-License-Identifier: GPL-2.0
/*
 * --store sqlite: one row per resource in DIR/bench.db, WAL journal; with
 * sync every commit is synced (synchronous=FULL), else only checkpoints.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "bench.h"

static sqlite3 *sql_main;	/* holds the table while the phases run */

struct sql_worker {
	sqlite3 *db;
	sqlite3_stmt *ins, *sel;
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
	sql_exec(db, "PRAGMA journal_mode=WAL");
	/* In WAL mode NORMAL syncs only at checkpoints; FULL syncs each commit. */
	sql_exec(db, sync ? "PRAGMA synchronous=FULL" :
		 "PRAGMA synchronous=NORMAL");
	return db;
}

static void sql_open(void)
{
	sql_main = sql_connect(false);
	sql_exec(sql_main, "CREATE TABLE IF NOT EXISTS kv("
		 "k TEXT PRIMARY KEY, v BLOB NOT NULL)");
}

static void sql_close(void)
{
	sqlite3_close(sql_main);
	sql_main = NULL;
}

static void sql_worker_open(struct worker *w)
{
	struct sql_worker *s = xmalloc(sizeof(*s));

	s->db = sql_connect(w->sync);
	if (sqlite3_prepare_v2(s->db,
			       "INSERT OR REPLACE INTO kv(k, v) VALUES(?, ?)",
			       -1, &s->ins, NULL) ||
	    sqlite3_prepare_v2(s->db, "SELECT v FROM kv WHERE k = ?",
			       -1, &s->sel, NULL))
		die("sqlite prepare: %s", sqlite3_errmsg(s->db));
	w->priv = s;
}

static void sql_worker_close(struct worker *w)
{
	struct sql_worker *s = w->priv;

	sqlite3_finalize(s->ins);
	sqlite3_finalize(s->sel);
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
	.name = "sqlite",
	.open = sql_open,
	.close = sql_close,
	.worker_open = sql_worker_open,
	.worker_close = sql_worker_close,
	.put = sql_put,
	.get = sql_get,
};
