// SPDX-License-Identifier: GPL-2.0
/*
 * Freshness anchors, free of any transport like cred.c: per enrolee and
 * store name, the last record the store's log is known to hold on stable
 * storage (sequence number and chain value), so that a gateway whose disk
 * was rolled back, or lost acknowledged records, cannot attach it as if
 * nothing happened (Documentation/threat-model.rst).
 *
 * A row is keyed by (owner AE-ID, store name): every request reaches only
 * the requesting enrolee's own rows, so another enrolee asking for the same
 * store name gets 4.04 and learns nothing, not even that a row exists. A
 * PUT replaces the row whatever its sequence number: compaction numbers a
 * store's records afresh from 1, so a lower one is no error; it is logged.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tef/tef.h"

static void fail(struct tef_reply *r, unsigned int code, const char *why)
{
	r->code = code;
	r->why = why;
}

static void fail_db(struct tef_reply *r, int err)
{
	if (err == -ENOENT)
		fail(r, 404, "no anchor for this store");
	else
		fail(r, 500, "database error");
}

void tef_anchor_put(sqlite3 *db, const char *owner, const char *store,
		    const uint8_t *body, size_t len, time_t now,
		    struct tef_reply *r)
{
	struct m2mv_tef_anchor a, old;
	const char *why = NULL;
	int ret;

	memset(r, 0, sizeof(*r));
	if (len > TEF_BODY_MAX) {
		fail(r, 413, "body larger than 4096 bytes");
		return;
	}
	if (m2mv_tef_anchor_parse((const char *)body, len, 0, &a, &why)) {
		fail(r, 400, why);
		return;
	}
	a.updated = now;
	ret = tef_db_anchor_get(db, owner, store, &old);
	if (ret && ret != -ENOENT) {
		fail_db(r, ret);
		return;
	}
	if (tef_db_anchor_put(db, owner, store, &a)) {
		fail_db(r, -EIO);
		return;
	}
	r->code = 204;
	if (ret == -ENOENT)
		snprintf(r->note, sizeof(r->note),
			 "anchor of store %s by %s: seq %" PRIu64 " (first)",
			 store, owner, a.seq);
	else if (a.seq < old.seq)
		snprintf(r->note, sizeof(r->note),
			 "anchor of store %s by %s: seq %" PRIu64
			 ", lower than %" PRIu64
			 " (compacted, or attached without its anchor)",
			 store, owner, a.seq, old.seq);
}

void tef_anchor_get(sqlite3 *db, const char *owner, const char *store,
		    struct tef_reply *r)
{
	struct m2mv_tef_anchor a;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = tef_db_anchor_get(db, owner, store, &a);
	if (ret) {
		fail_db(r, ret);
		return;
	}
	r->json = m2mv_tef_anchor_json(&a, 1);
	if (!r->json) {
		fail(r, 500, "out of memory");
		return;
	}
	r->json_len = strlen(r->json);
	r->code = 205;
	snprintf(r->note, sizeof(r->note),
		 "anchor of store %s to %s: seq %" PRIu64, store, owner, a.seq);
}

void tef_anchor_drop(sqlite3 *db, const char *owner, const char *store,
		     struct tef_reply *r)
{
	int ret;

	memset(r, 0, sizeof(*r));
	ret = tef_db_anchor_drop(db, owner, store);
	if (ret) {
		fail_db(r, ret);
		return;
	}
	r->code = 202;
	snprintf(r->note, sizeof(r->note), "anchor of store %s dropped by %s",
		 store, owner);
}
