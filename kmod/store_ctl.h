/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Store operations for the control plane: enumeration for dumps, the
 * backing file's name, scrub (verify) and compaction.
 */
#ifndef _M2MV_STORE_CTL_H
#define _M2MV_STORE_CTL_H

#include <linux/types.h>

struct m2mv_rec;
struct m2mv_store;

struct m2mv_verify_report {
	u64 records;		/* records checked */
	u64 integrity_errors;	/* records that failed a check */
	u64 unverified_tags;	/* PUTs whose key the caller lacks */
};

struct m2mv_compact_report {
	u64 records;		/* records in the new log */
	u64 bytes;		/* size of the new log */
};

typedef void (*m2mv_progress_fn)(void *ctx, u64 done, u64 total);
typedef int (*m2mv_bad_fn)(void *ctx, const char *path, u16 len, u64 seq,
			   int reason);
typedef int (*m2mv_xform_fn)(void *ctx, const struct m2mv_rec *in,
			     struct m2mv_rec *out);

int m2mv_store_verify(struct m2mv_store *s, m2mv_progress_fn progress,
		      m2mv_bad_fn bad, void *ctx,
		      struct m2mv_verify_report *rep);
int m2mv_store_compact(struct m2mv_store *s, struct file *file,
		       m2mv_xform_fn xform, void *ctx,
		       struct m2mv_compact_report *rep);

#endif /* _M2MV_STORE_CTL_H */
