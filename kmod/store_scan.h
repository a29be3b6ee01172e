/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The scan of a log, shared by attach (store_scan.c) and the scrub
 * (store_scrub.c), which replaces the apply step with its own checks.
 */
#ifndef _M2MV_STORE_SCAN_H
#define _M2MV_STORE_SCAN_H

#include <linux/completion.h>
#include <linux/list.h>
#include <linux/sizes.h>
#include <linux/workqueue.h>

#include "record.h"
#include "store_priv.h"

#define M2MV_SCAN_BUF		SZ_1M		/* the scan reads this much at once */

/*
 * The scan reads the log in windows of M2MV_SCAN_BUF bytes and takes each
 * window in three steps:
 *
 *  parse	find the records (magic, length, layout), skipping bytes that
 *		hold none at 8-byte steps;
 *  verify	check their CRCs and chain MACs, on several CPUs: the MAC of
 *		a record needs only the chain value stored in the one before;
 *  apply	in log order: sequence numbers, damage, index, nonce table,
 *		checkpoints.
 */
#define M2MV_SCAN_ITEMS		4096	/* records per window, at most */
#define M2MV_SCAN_GRAIN		32	/* records a verifier takes at once */
#define M2MV_SCAN_WORKERS	7	/* verifiers besides the attaching task */
#define M2MV_SCAN_PARALLEL	SZ_4M	/* smaller logs are verified alone */

/*
 * Damage found by the scan, kept until we know whether it is mid-log, or a
 * torn tail, or a damaged record at the end of the log.
 */
struct m2mv_scan_bad {
	struct list_head node;
	loff_t off;
	loff_t end;
	bool record;			/* a record failing its CRC; else bytes */
	bool salvaged;			/* bytes beginning with a damaged head
					 * whose path is readable
					 */
	u32 claimed_len;		/* salvaged: the length its head says */
	u32 prev_path;			/* record, salvaged: the PUT or DEL */
	u16 prev_ver;			/* before it, as its head names it */
	u64 seq;			/* record: as it says; bytes: of the
					 * complete record before them
					 */
	u8 chain[M2MV_CHAIN_SIZE];	/* the chain value appends would take
					 * up from, were this the last
					 */
	struct m2mv_index_rec ir;
	u16 path_len;			/* 0: the path is not a valid one */
	char path[];
};

/* A record found by parse, and what verify made of it. */
struct m2mv_scan_item {
	struct m2mv_rec rec;		/* a view into the window: never freed */
	loff_t off;
	loff_t gap;			/* start of the bytes before it that hold
					 * no record, or -1
					 */
	const u8 *prev;			/* chain value stored before it */
	int err;
	bool crc_ok;
	bool mac_ok;
};

struct m2mv_scan_worker {
	struct work_struct work;
	struct m2mv_scan *sc;
	struct shash_desc *desc;
	struct completion done;
};

struct m2mv_scan {
	struct m2mv_store *s;
	struct file *file;		/* the file read */
	struct m2mv_attach_report *rep;	/* attach */
	int (*window)(struct m2mv_scan *sc);	/* apply, or the scrub's checks */
	int (*step)(struct m2mv_scan *sc);	/* after each window, or NULL */
	void *priv;			/* the owner of @window and @step */
	u8 *buf;			/* M2MV_SCAN_BUF bytes of the file, */
	loff_t buf_off;			/* from this offset; */
	size_t buf_len;			/* this many are valid */
	u8 *big;			/* a record larger than @buf */
	loff_t big_off;
	size_t big_len;
	loff_t size;			/* of the file when the scan started */

	/* parse */
	loff_t pos;			/* where the next record should be */
	loff_t gap;			/* start of bytes holding no record, or -1 */
	u8 chain[M2MV_CHAIN_SIZE];	/* stored in the last record before the
					 * window
					 */
	struct m2mv_scan_item *items;
	unsigned int nitems;

	/* verify */
	atomic_t next;			/* the next item to take */
	struct shash_desc *desc;	/* the attaching task's */
	struct m2mv_scan_worker *workers;
	unsigned int nworkers;

	/* apply */
	struct list_head pending;	/* of struct m2mv_scan_bad */
	u64 seq;			/* of the last complete record */
	loff_t good_end;		/* end of the last intact record */
	u64 good_seq;
	u8 good_chain[M2MV_CHAIN_SIZE];
	u64 ckpt_seq;			/* of the last intact checkpoint */
	u32 ref_path;			/* the last PUT or DEL intact: its */
	u16 ref_ver;			/* path's CRC32C, its version's bits */
	bool ref_ok;			/* and nothing damaged came after it */
	const struct m2mv_anchor *want;	/* attach: the anchor, or NULL */
	bool want_met;			/* a valid record is the anchor's */
	/* the first bytes before the anchor's record that may hide records */
	loff_t lost;
	char kid[M2MV_CREDID_MAX + 1];
};

struct m2mv_scan *m2mv_scan_alloc(struct m2mv_store *s, struct file *file,
				  loff_t size, const u8 *chain);
void m2mv_scan_free(struct m2mv_scan *sc);
int m2mv_scan_run(struct m2mv_scan *sc);

#endif /* _M2MV_STORE_SCAN_H */
