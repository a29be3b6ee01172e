/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-memory index of a store: path -> newest record, in an rbtree
 * ordered by the path bytes (memcmp order, a prefix before its extensions).
 *
 * Every function expects the caller to hold @ix->lock: for reading in
 * m2mv_index_lookup() and m2mv_index_collect(), for writing in the others.
 * The lock is a rw_semaphore, so allocations under it may sleep.
 *
 * An entry is in one of these states:
 *
 *	placeholder	version 0: a version was reserved, nothing appended yet
 *	live		version >= 1, newest record a PUT
 *	bad		the newest record failed an integrity check; visible,
 *			with M2MV_STAT_F_BAD
 *	tombstone	newest record a DEL; the version is kept so that a later
 *			PUT continues from it
 *
 * Placeholders and tombstones are invisible to lookups and listings.
 * Entries are only removed when the index is destroyed.
 */
#ifndef _M2MV_INDEX_H
#define _M2MV_INDEX_H

#include <linux/rbtree.h>
#include <linux/rwsem.h>
#include <linux/types.h>
#include <linux/m2mvault.h>

/* A copy of one index entry, taken under the index lock. */
struct m2mv_entry {
	loff_t off;		/* record offset in the file */
	u64 version;
	u32 reclen;
	u32 data_len;		/* payload length */
	u8 mode;
	u8 rec_flags;		/* M2MV_STAT_F_* */
	u64 gen;		/* the store file's generation (compaction) */
};

struct m2mv_index {
	struct rw_semaphore lock;
	struct rb_root root;
	u64 live;		/* visible entries */
	u64 live_bytes;		/* sum of their records' lengths */
};

/* What a record tells the index. */
struct m2mv_index_rec {
	loff_t off;
	u64 version;
	u32 reclen;
	u32 data_len;
	u8 type;		/* M2MV_REC_PUT or M2MV_REC_DEL */
	u8 mode;
	u8 rec_flags;		/* M2MV_RECF_* */
};

/* Where a compaction put the record of a visible entry. */
struct m2mv_index_loc {
	loff_t off;
	u32 reclen;
};

/* One entry copied out by m2mv_index_collect(). */
struct m2mv_index_item {
	struct m2mv_entry e;
	u16 path_len;
	char path[M2MV_PATH_MAX];
};

void m2mv_index_init(struct m2mv_index *ix);
void m2mv_index_destroy(struct m2mv_index *ix);

int m2mv_index_lookup(struct m2mv_index *ix, const char *path, u16 len,
		      struct m2mv_entry *e);
int m2mv_index_prepare(struct m2mv_index *ix, const char *path, u16 len);
int m2mv_index_reserve(struct m2mv_index *ix, const char *path, u16 len,
		       u64 *version);
void m2mv_index_unreserve(struct m2mv_index *ix, const char *path, u16 len,
			  u64 version);
int m2mv_index_apply(struct m2mv_index *ix, const char *path, u16 len,
		     const struct m2mv_index_rec *r);
int m2mv_index_mark_bad(struct m2mv_index *ix, const char *path, u16 len,
			const struct m2mv_index_rec *r, bool trusted);
int m2mv_index_expect(struct m2mv_index *ix, const char *path, u16 len,
		      const struct m2mv_index_rec *r);
u32 m2mv_path_crc(const char *path, u16 len);
int m2mv_index_named(struct m2mv_index *ix, u32 path_crc, u16 ver,
		     char *path, u16 *len);
int m2mv_index_mark_bad_at(struct m2mv_index *ix, const char *path, u16 len,
			   loff_t off);
int m2mv_index_relocate(struct m2mv_index *ix,
			const struct m2mv_index_loc *locs, u64 n);
unsigned int m2mv_index_collect(struct m2mv_index *ix,
				const char *prefix, u16 prefix_len,
				const char *after, u16 after_len,
				struct m2mv_index_item *items,
				unsigned int max);

#endif /* _M2MV_INDEX_H */
