/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The protected store: a log of records in a regular file, its in-memory
 * index (path -> newest record), the structure chain, group commit.
 * Documentation/on-disk-format.rst describes the file.
 *
 * Records are immutable once appended. The index keeps, per path, the
 * record with the highest version; versions are reserved before sealing
 * (the header binds the version) so sealing runs outside the append lock.
 *
 * Every function here may sleep. Once a store is detached, every operation
 * on it fails with -ENODEV, except m2mv_store_sync() for records appended
 * before the detach (which flushed them).
 */
#ifndef _M2MV_STORE_H
#define _M2MV_STORE_H

#include <linux/fs.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/m2mvault.h>

struct m2mv_entry;
struct m2mv_policies;
struct m2mv_rec;
struct m2mv_store;

/* What an attach found (the STORE_ATTACH reply's counts). */
/*
 * A position in a log: the sequence number and stored chain value of one
 * record. The freshness anchor is the last one known to be durable.
 */
struct m2mv_anchor {
	u64 seq;
	u8 chain[M2MV_CHAIN_SIZE];
};

struct m2mv_attach_report {
	u64 records;		/* intact records, checkpoints included */
	u64 live;		/* paths visible to lookups */
	u64 integrity_errors;
	u64 truncated;		/* bytes of torn tail cut off */
	const char *why;	/* on failure, what is wrong, or NULL */
	struct m2mv_anchor anchor;	/* the durable position after it */
};

/*
 * Per-store event counters for the control plane. The store counts PUTS
 * and DELETES (successful appends) and INTEGRITY (attach scan and
 * m2mv_store_report_bad()) itself; callers count GETS and KEY_REFUSALS
 * with m2mv_store_count().
 */
enum m2mv_store_counter {
	M2MV_STORE_CNT_PUTS,
	M2MV_STORE_CNT_GETS,
	M2MV_STORE_CNT_DELETES,
	M2MV_STORE_CNT_INTEGRITY,
	M2MV_STORE_CNT_KEY_REFUSALS,
	M2MV_STORE_CNT_ACCESS_REFUSALS,
	__M2MV_STORE_CNT_MAX
};

/*
 * Who may reach a store through the device, like a file's owner, group and
 * permission bits (only read and write count): given at attach.
 */
struct m2mv_store_grant {
	kuid_t owner;
	kgid_t group;
	umode_t perm;		/* 0-0777 */
};

/* A snapshot of a store's state for the control plane. */
struct m2mv_store_status {
	u64 seq;		/* of the last record */
	u64 records;		/* intact records in the log, checkpoints too */
	u64 live;
	u64 live_bytes;
	loff_t size;		/* end of the last record */
	loff_t durable;		/* everything before is on stable storage */
	u32 flags;		/* M2MV_ATTACH_F_* */
	bool detached;
	bool failed;		/* a write or flush failed: writes refused */
	struct m2mv_store_grant grant;
	struct m2mv_anchor anchor;	/* the last durable record */
	u64 counters[__M2MV_STORE_CNT_MAX];
};

int m2mv_store_attach(const char *name, struct file *file,
		      const u8 store_key[32], u32 flags,
		      const struct m2mv_store_grant *grant,
		      const struct m2mv_anchor *anchor,
		      struct m2mv_attach_report *rep);
int m2mv_store_detach(const char *name);
void m2mv_store_exit(void);

struct m2mv_store *m2mv_store_get(const char *name);
struct m2mv_store *m2mv_store_get_nth(unsigned long idx, u64 *gen);
void m2mv_store_hold(struct m2mv_store *s);
void m2mv_store_put(struct m2mv_store *s);
bool m2mv_store_detached(const struct m2mv_store *s);
bool m2mv_store_allows(const struct m2mv_store *s, int mask);
const char *m2mv_store_name(const struct m2mv_store *s);
const u8 *m2mv_store_id(const struct m2mv_store *s);

/* The recovery credential (store_rcvy.c). */
int m2mv_store_recovery_set(struct m2mv_store *s, const char *kid,
			    const u8 key[32]);
int m2mv_store_recovery_get(struct m2mv_store *s, char *kid, u8 *key);
char *m2mv_store_file_path(struct m2mv_store *s, char *buf, int len);
struct m2mv_policies *m2mv_store_policies(struct m2mv_store *s);
void m2mv_store_status(struct m2mv_store *s, struct m2mv_store_status *st);

int m2mv_store_reserve(struct m2mv_store *s, const char *path, u16 len,
		       u64 *version);
void m2mv_store_unreserve(struct m2mv_store *s, const char *path, u16 len,
			  u64 version);
int m2mv_store_dir_nonce(struct m2mv_store *s, const char *kid,
			 const char *id, u16 id_len, u8 rflags,
			 u8 nonce[M2MV_NONCE_SIZE]);
int m2mv_store_append(struct m2mv_store *s, struct m2mv_rec *rec,
		      u64 *seq, loff_t *end);
int m2mv_store_sync(struct m2mv_store *s, loff_t end);

int m2mv_store_lookup(struct m2mv_store *s, const char *path, u16 len,
		      struct m2mv_entry *e);
int m2mv_store_read(struct m2mv_store *s, const char *path, u16 len,
		    const struct m2mv_entry *e, struct m2mv_rec *rec);
int m2mv_store_read_head(struct m2mv_store *s, const struct m2mv_entry *e,
			 struct m2mv_disk_rec *head);

typedef int (*m2mv_list_fn)(void *ctx, const char *path, u16 len,
			    const struct m2mv_entry *e);
int m2mv_store_list(struct m2mv_store *s, const char *prefix, u16 prefix_len,
		    const char *after, u16 after_len, m2mv_list_fn fn,
		    void *ctx);

void m2mv_store_report_bad(struct m2mv_store *s, const char *path, u16 len,
			   u64 seq, const char *what);
void m2mv_store_count(struct m2mv_store *s, enum m2mv_store_counter c);

/* Scrub (verify) and compaction, for the control plane. */
struct m2mv_verify_report {
	u64 records;		/* records checked */
	u64 integrity_errors;	/* records (or runs of bytes) that failed */
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

/*
 * The check a scrub runs on each PUT that passed the log's own checks:
 * 0 with *@what NULL (good) or set (and *@reason, a negative errno),
 * M2MV_CHECK_NO_KEY (the tag could not be checked), or a negative errno
 * that ends the scrub.
 */
#define M2MV_CHECK_NO_KEY	1
typedef int (*m2mv_check_fn)(void *ctx, struct m2mv_store *s,
			     const struct m2mv_rec *rec, const char **what,
			     int *reason);

struct m2mv_verify_ops {
	m2mv_check_fn check;
	void *check_ctx;
	/* about every MiB and at the end: file offsets read and to read */
	m2mv_progress_fn progress;
	/* each failure: the path (empty if none is valid), seq (0 if
	 * unknown), a negative reason; a negative return ends the scrub
	 */
	m2mv_bad_fn bad;
	void *ctx;		/* for @progress and @bad */
};

int m2mv_store_verify(struct m2mv_store *s, const struct m2mv_verify_ops *ops,
		      struct m2mv_verify_report *rep);
int m2mv_store_compact(struct m2mv_store *s, struct file *file,
		       m2mv_xform_fn xform, void *xform_ctx,
		       m2mv_progress_fn progress, void *progress_ctx,
		       struct m2mv_compact_report *rep);

#endif /* _M2MV_STORE_H */
