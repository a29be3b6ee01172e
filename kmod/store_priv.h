/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The inside of a store, shared by the store_*.c files only; everything
 * else goes through store.h.
 *
 *	store.c		lifecycle, registry, attach/detach, accessors, status
 *	store_log.c	file I/O, chain, the one write / checkpoint /
 *			read-check / report primitive of each kind
 *	store_append.c	append, group commit, reserve, shutdown
 *	store_read.c	lookup, read, list
 *	store_scan.c	the attach scan (scan.h: shared with the scrub)
 *	store_scrub.c	verify
 *	store_compact.c	compaction
 *	store_dnonce.c	dir-mode nonce table and use limits
 *	store_rcvy.c	the recovery credential
 *
 * Locking, outermost first; no other nesting exists:
 *
 *	s->ctl_lock		one scrub or compaction at a time
 *	m2mv_stores_lock	the registry; only file_lock is taken under it
 *	s->append_lock		the log's tail: seq, chain, writes, checkpoints,
 *				detach; held for a whole compaction
 *	s->sync_lock		group commit (under append_lock only at detach
 *				and at the switch to a compacted file)
 *	s->index.lock		the index, an rw_semaphore (alone, or under
 *				append_lock to apply an appended record)
 *	s->nonce_lock		the dir-mode nonce table (alone, or under
 *				index.lock while the attach scan applies)
 *	s->file_lock		a spinlock for taking a reference to s->file
 *	s->pos_lock		a spinlock for the last and the durable
 *				position (seq, chain, end) as one
 *	s->rcvy_lock		a spinlock for the recovery credential
 *				(alone, or under append_lock to change it)
 *
 * The policy table (s->policies) has a lock of its own, never held with
 * any of these.
 *
 * s->file changes only when a compaction switches files, under append_lock,
 * sync_lock, index.lock (for writing) and file_lock together: holding any
 * of them keeps it stable; readers holding none take a reference with
 * m2mv_store_file(). Offsets in the index belong to the file of the index's
 * generation (s->file_gen), which lookups copy into struct m2mv_entry.
 *
 * The tail and the durable offset are atomics, so a flush reads the tail
 * without waiting for an append in progress.
 */
#ifndef _M2MV_STORE_PRIV_H
#define _M2MV_STORE_PRIV_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "m2mvault_private.h"
#include "index.h"
#include "policy.h"
#include "store.h"

#define M2MV_CKPT_INTERVAL	M2MV_CKPT_EVERY	/* records between checkpoints */
#define M2MV_CKPT_DELAY_MS	1000		/* default of ckpt_delay_ms */
#define M2MV_LIST_BATCH		16		/* entries copied per index lock */

struct crypto_shash;
struct m2mv_disk_super;
struct m2mv_rec;
struct shash_desc;

/* One path the next checkpoint vouches for. */
struct m2mv_ev {
	loff_t off;
	u64 version;
	u32 reclen;
	u8 type;
	u16 path_len;
	char path[M2MV_PATH_MAX];
};

/*
 * The evidence the next checkpoint carries: the newest record of each path
 * appended since the last checkpoint (format version 2; empty in version 1).
 */
struct m2mv_evidence {
	unsigned int n;
	unsigned int cap;
	bool lost;			/* an entry did not fit */
	struct m2mv_ev *ev;
};

/* The store's recovery credential (store_rcvy.c). */
struct m2mv_rcvy {
	bool set;			/* the log names one */
	bool loaded;			/* and @key is its key */
	u8 kid_len;
	char kid[M2MV_CREDID_MAX + 1];
	u8 key[M2MV_KEY_SIZE];
	u8 wrapped[M2MV_WRAPPED_KEY_SIZE];	/* @key, as the log has it */
};

struct m2mv_store {
	struct list_head node;		/* in the registry */
	struct kref ref;
	bool ready;			/* attached; under m2mv_stores_lock */
	u32 flags;			/* M2MV_ATTACH_F_* */
	struct m2mv_store_grant grant;	/* set at attach, never changed */
	char name[M2MV_NAME_MAX];
	u8 store_id[M2MV_STORE_ID_SIZE];
	struct m2mv_disk_super super;	/* the superblock, as attached */
	u16 format;			/* its format version */
	loff_t log_start;		/* offset of the first record */
	struct file *file;		/* see the locking rules above */
	u64 file_gen;			/* bumped when @file changes */
	spinlock_t file_lock;
	struct file *pending;		/* a compaction's target; registry lock */
	struct mutex ctl_lock;		/* scrub and compaction */
	struct crypto_shash *tfm;	/* hmac(sha256) under the store key */

	struct mutex append_lock;	/* the tail: the next six fields */
	u64 seq;			/* of the last record */
	u8 chain[M2MV_CHAIN_SIZE];	/* of the last record */
	u64 records;			/* intact records in the log */
	u32 since_ckpt;			/* records since the last checkpoint */
	u32 prev_path;			/* the last PUT or DEL: path CRC32C, */
	u16 prev_ver;			/* low 16 bits of its version */
	struct m2mv_evidence ev;	/* for the next checkpoint */
	struct delayed_work ckpt_work;	/* the next checkpoint, by time */
	bool detached;			/* written under append_lock */
	int write_err;			/* a failed write could not be undone */
	atomic64_t tail;		/* end of the last record */
	spinlock_t pos_lock;		/* the next four */
	struct m2mv_anchor last;	/* the last record (append_lock too) */
	loff_t last_end;		/* and its end */
	struct m2mv_anchor anchor;	/* the last record known durable */
	loff_t anchor_end;

	struct mutex sync_lock;		/* group commit: the next two */
	atomic64_t durable;		/* flushed up to here */
	int sync_err;			/* sticky: a flush failed */

	struct m2mv_index index;

	struct mutex nonce_lock;	/* @nonces */
	struct rb_root nonces;		/* of struct m2mv_dnonce */

	struct m2mv_policies policies;

	spinlock_t rcvy_lock;		/* @rcvy */
	struct m2mv_rcvy rcvy;

	atomic64_t counters[__M2MV_STORE_CNT_MAX];
};

static inline bool m2mv_store_gone(const struct m2mv_store *s)
{
	return READ_ONCE(s->detached);
}

/* Where the next record of a log goes. */
struct m2mv_log_tail {
	u64 seq;			/* of the last record */
	u8 chain[M2MV_CHAIN_SIZE];	/* of the last record */
	loff_t end;			/* of the last record */
	bool refs;			/* format 2: records name the one before */
	u32 prev_path;			/* CRC32C of the last PUT or DEL's path */
	u16 prev_ver;			/* and its version's low 16 bits */
};

/* store_log.c */
int m2mv_file_read_at(struct file *file, void *buf, size_t len, loff_t off);
int m2mv_file_write_at(struct file *file, const void *buf, size_t len,
		       loff_t off);
int m2mv_file_truncate(struct file *file, loff_t size);
struct file *m2mv_store_file(struct m2mv_store *s, u64 *gen);
u32 m2mv_super_crc(const struct m2mv_disk_super *sb);
int m2mv_log_key_check(struct m2mv_store *s, const u8 *store_id,
		       u8 out[M2MV_CHAIN_SIZE]);
struct shash_desc *m2mv_log_desc_alloc(struct crypto_shash *tfm);
int m2mv_log_chain(struct shash_desc *desc, const u8 *prev,
		   const struct m2mv_rec *rec, u8 out[M2MV_CHAIN_SIZE]);
int m2mv_log_write(struct file *file, struct crypto_shash *tfm,
		   struct m2mv_log_tail *t, struct m2mv_rec *rec);
int m2mv_ev_init(struct m2mv_evidence *ev);
void m2mv_ev_destroy(struct m2mv_evidence *ev);
void m2mv_ev_note(struct m2mv_evidence *ev, const struct m2mv_rec *rec,
		  loff_t off);
int m2mv_log_ckpt_alloc(struct m2mv_rec *rec, u64 records, u64 live,
			u64 live_bytes, const struct m2mv_evidence *ev);
int m2mv_log_read_entry(struct file *file, const struct m2mv_entry *e,
			const char *path, u16 len, struct m2mv_rec *rec,
			const char **what, u64 *seq);
void m2mv_rec_to_ir(const struct m2mv_rec *rec, loff_t off,
		    struct m2mv_index_rec *ir);
void m2mv_log_report(struct m2mv_store *s, const char *who, loff_t off,
		     u64 seq, const char *path, u16 len, int reason,
		     const char *what);

/* store_super.c */
int m2mv_super_format(struct m2mv_store *s);
int m2mv_super_open(struct m2mv_store *s, loff_t size,
		    struct m2mv_attach_report *rep);
int m2mv_super_write(struct m2mv_store *s, struct file *file,
		     loff_t *log_start);

/* store_dnonce.c */
int m2mv_dnonce_learn(struct m2mv_store *s, const char *kid, const char *id,
		      u16 id_len, const u8 nonce[M2MV_NONCE_SIZE]);
u64 m2mv_dnonce_count(const u8 nonce[M2MV_NONCE_SIZE]);
int m2mv_dnonce_learn_direct(struct m2mv_store *s, const char *kid, u64 count);
void m2mv_dnonce_carry(struct m2mv_store *s, const char *kid,
		       u8 nonce[M2MV_NONCE_SIZE]);
void m2mv_dnonce_destroy(struct m2mv_store *s);

/* store_rcvy.c */
void m2mv_rcvy_note(struct m2mv_store *s, const struct m2mv_rec *rec);
int m2mv_rcvy_load(struct m2mv_store *s);
int m2mv_rcvy_rec(struct m2mv_store *s, struct m2mv_rec *rec);

/* store_scan.c */
int m2mv_store_scan(struct m2mv_store *s, loff_t size,
		    const struct m2mv_anchor *want,
		    struct m2mv_attach_report *rep);

/* store_append.c */
void m2mv_store_set_pos(struct m2mv_store *s, u64 seq, const u8 *chain,
			loff_t end, bool durable);
void m2mv_store_ckpt_arm(struct m2mv_store *s);
void m2mv_store_ckpt_work(struct work_struct *work);
void m2mv_store_shutdown(struct m2mv_store *s);
int m2mv_store_append_meta(struct m2mv_store *s, struct m2mv_rec *rec,
			   u64 *seq, loff_t *end);

/* store.c: the registry, for compaction's target file */
int m2mv_registry_claim_pending(struct m2mv_store *s, struct file *file);
void m2mv_registry_unclaim_pending(struct m2mv_store *s);

#endif /* _M2MV_STORE_PRIV_H */
