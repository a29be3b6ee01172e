// SPDX-License-Identifier: GPL-2.0
/*
 * The scrub (STORE_VERIFY): the attach scan's parse and verify steps (CRC
 * and chain MAC, on several CPUs) with the apply step replaced by checks
 * that change nothing but the damaged flag of index entries: sequence
 * numbers, paths, versions, the checkpoint body, and for each PUT the
 * check its caller hands in (the record pipeline's: the protected header
 * and, if the caller possesses the key, the tag).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "names.h"
#include "store_scan.h"

struct m2mv_scrub {
	const struct m2mv_verify_ops *ops;
	struct m2mv_verify_report *rep;
	loff_t reported;		/* progress passed on up to here */
};

static void scrub_progress(struct m2mv_scan *sc, bool last)
{
	struct m2mv_scrub *sb = sc->priv;

	if (!sb->ops->progress)
		return;
	if (!last && sc->pos - sb->reported < SZ_1M)
		return;
	sb->reported = sc->pos;
	sb->ops->progress(sb->ops->ctx, last ? sc->size : sc->pos, sc->size);
}

/* After each window: stop if detached, pass progress on. */
static int scrub_step(struct m2mv_scan *sc)
{
	if (m2mv_store_gone(sc->s))
		return -ENODEV;
	scrub_progress(sc, false);
	return 0;
}

/*
 * One failure: count, report, tell the caller, and if @rec (at @off) is
 * the record its path's index entry points at, mark that entry damaged.
 */
static int scrub_bad(struct m2mv_scan *sc, const struct m2mv_rec *rec,
		     loff_t off, u64 seq, int reason, const char *what)
{
	struct m2mv_scrub *sb = sc->priv;
	struct m2mv_store *s = sc->s;
	const char *path = "";
	u16 plen = 0;
	int ret;

	sb->rep->integrity_errors++;
	if (rec && m2mv_path_ok(rec->path, m2mv_rec_path_len(rec))) {
		path = rec->path;
		plen = m2mv_rec_path_len(rec);
	}
	m2mv_log_report(s, "scrub: ", off, seq, path, plen, reason, what);

	if (plen && (rec->head->type == M2MV_REC_PUT ||
		     rec->head->type == M2MV_REC_DEL)) {
		down_write(&s->index.lock);
		m2mv_index_mark_bad_at(&s->index, path, plen, off);
		up_write(&s->index.lock);
	}
	if (!sb->ops->bad)
		return 0;
	ret = sb->ops->bad(sb->ops->ctx, path, plen, seq, reason);
	return ret < 0 ? ret : 0;
}

/* A PUT that passed the structural checks: the caller's check decides. */
static int scrub_put(struct m2mv_scan *sc, const struct m2mv_rec *rec,
		     const char **what, int *reason)
{
	struct m2mv_scrub *sb = sc->priv;
	int ret;

	if (!sb->ops->check)
		return 0;
	ret = sb->ops->check(sb->ops->check_ctx, sc->s, rec, what, reason);
	if (ret == M2MV_CHECK_NO_KEY) {
		sb->rep->unverified_tags++;
		ret = 0;
	}
	return ret;
}

/* Check one record the parse found; count it. */
static int scrub_one(struct m2mv_scan *sc, const struct m2mv_scan_item *it)
{
	struct m2mv_scrub *sb = sc->priv;
	const struct m2mv_rec *rec = &it->rec;
	const struct m2mv_disk_rec *h = rec->head;
	const struct m2mv_disk_ckpt *c;
	u64 seq = le64_to_cpu(h->seq);
	const char *what = NULL;
	int reason = -EBADMSG;
	int ret = 0;

	sb->rep->records++;
	if (!it->crc_ok)
		what = "CRC32C mismatch: record damaged";
	else if (!it->mac_ok)
		what = "chain MAC mismatch: record altered or records removed, moved or inserted";
	else if (seq != sc->seq + 1)
		what = "sequence number out of order";
	sc->seq = seq;
	if (what)
		goto bad;

	switch (h->type) {
	case M2MV_REC_CKPT:
		c = (const void *)rec->payload;
		if (le64_to_cpu(c->records) != seq - 1 || c->reserved)
			what = "checkpoint does not match the records before it";
		break;
	case M2MV_REC_RCVY:
		/* m2mv_rec_map() checked its shape; attach, its key. */
		break;
	case M2MV_REC_PUT:
	case M2MV_REC_DEL:
		if (!m2mv_path_ok(rec->path, m2mv_rec_path_len(rec)) ||
		    !h->version)
			what = "invalid path or version";
		else if (h->type == M2MV_REC_PUT)
			ret = scrub_put(sc, rec, &what, &reason);
		break;
	}
	if (ret || !what)
		return ret;
bad:
	return scrub_bad(sc, rec, it->off, seq, reason, what);
}

static int scrub_window(struct m2mv_scan *sc)
{
	struct m2mv_scan_item *it;
	unsigned int i;
	int ret;

	for (i = 0; i < sc->nitems; i++) {
		it = &sc->items[i];
		if (it->err)
			return it->err;
		if (it->gap >= 0) {
			ret = scrub_bad(sc, NULL, it->gap, 0, -EBADMSG,
					"bytes that are no record before the next record");
			if (ret)
				return ret;
		}
		ret = scrub_one(sc, it);
		if (ret)
			return ret;
		if (!(i % 64))
			cond_resched();
	}
	return 0;
}

/**
 * m2mv_store_verify() - scrub an attached store
 * @s: the store
 * @ops: the per-PUT check and the caller's progress and failure callbacks
 *	(each may be NULL; see struct m2mv_verify_ops)
 * @rep: out: records checked, failures, PUTs whose tag was not checked
 *
 * Reads the log from the superblock to the tail as it was when the scrub
 * started; appends continue meanwhile. Every record is checked as the
 * attach scan checks it, and each PUT by @ops->check. A failing record
 * that is its path's newest makes the path read as damaged (EBADMSG), as
 * after an attach. Bytes beyond the tail (a torn tail left by a read-only
 * attach) are not read.
 *
 * Return: 0 (whatever was found), -ENODEV (detached), -EINTR (fatal
 * signal), -ENOMEM, the check's error, or the file system's error.
 */
int m2mv_store_verify(struct m2mv_store *s, const struct m2mv_verify_ops *ops,
		      struct m2mv_verify_report *rep)
{
	struct m2mv_scrub sb = { .ops = ops, .rep = rep };
	u8 check[M2MV_CHAIN_SIZE];
	struct m2mv_scan *sc;
	struct file *file;
	loff_t tail, size;
	u64 seq;
	int ret;

	memset(rep, 0, sizeof(*rep));
	if (m2mv_store_gone(s))
		return -ENODEV;
	ret = m2mv_log_key_check(s, s->store_id, check);
	if (ret)
		return ret;

	ret = mutex_lock_killable(&s->ctl_lock);
	if (ret)
		goto out;
	mutex_lock(&s->append_lock);
	ret = s->detached ? -ENODEV : 0;
	tail = atomic64_read(&s->tail);
	seq = s->seq;
	file = get_file(s->file);
	mutex_unlock(&s->append_lock);
	if (ret)
		goto out_file;

	size = min_t(loff_t, tail, i_size_read(file_inode(file)));
	ret = -ENOMEM;
	sc = m2mv_scan_alloc(s, file, size, check);
	if (!sc)
		goto out_file;
	sc->window = scrub_window;
	sc->step = scrub_step;
	sc->priv = &sb;
	ret = m2mv_scan_run(sc);
	if (!ret && size < tail)
		ret = scrub_bad(sc, NULL, size, 0, -EBADMSG,
				"the file ends before the last record");
	else if (!ret && sc->seq != seq)
		ret = scrub_bad(sc, NULL, size, seq, -EBADMSG,
				"the last record is not the last one appended");
	if (!ret)
		scrub_progress(sc, true);
	m2mv_scan_free(sc);
out_file:
	fput(file);
	mutex_unlock(&s->ctl_lock);
out:
	memzero_explicit(check, sizeof(check));
	if (ret)
		memset(rep, 0, sizeof(*rep));
	else
		pr_info("store %s: scrub: %llu records, %llu integrity errors, %llu tags not checked (no key)\n",
			s->name, rep->records, rep->integrity_errors,
			rep->unverified_tags);
	return ret;
}
