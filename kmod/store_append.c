// SPDX-License-Identifier: GPL-2.0
/*
 * Writing to a store: version reservation, append under the structure
 * chain with a checkpoint every M2MV_CKPT_INTERVAL records and at most
 * ckpt_delay_ms after a record, group commit, and the last checkpoint and
 * flush at detach.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/jiffies.h>
#include <linux/lockdep.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "names.h"
#include "record.h"
#include "store_priv.h"

/**
 * m2mv_store_reserve() - reserve the next version of @path
 * @s: the store
 * @path: a valid path
 * @len: its length
 * @version: out: higher than every version of @path appended or reserved
 *
 * A store that refuses appends refuses here already, so that a PUT bound
 * to fail reserves nothing. Give back a version whose record will not be
 * appended with m2mv_store_unreserve().
 *
 * Return: 0, -ENODEV, -EROFS (attached read-only), -EIO (an earlier write
 * or flush failed), -ENOMEM, -EOVERFLOW.
 */
int m2mv_store_reserve(struct m2mv_store *s, const char *path, u16 len,
		       u64 *version)
{
	int ret;

	if (m2mv_store_gone(s))
		return -ENODEV;
	if (s->flags & M2MV_ATTACH_F_RDONLY)
		return -EROFS;
	if (READ_ONCE(s->write_err) || READ_ONCE(s->sync_err))
		return -EIO;
	down_write(&s->index.lock);
	ret = m2mv_index_reserve(&s->index, path, len, version);
	up_write(&s->index.lock);
	return ret;
}

/**
 * m2mv_store_unreserve() - give back a version whose record was not appended
 * @s: the store
 * @path: the path
 * @len: its length
 * @version: from m2mv_store_reserve()
 *
 * The next reservation of @path hands @version out again if nothing newer
 * was reserved meanwhile, so a failed PUT or DELETE leaves no gap.
 */
void m2mv_store_unreserve(struct m2mv_store *s, const char *path, u16 len,
			  u64 version)
{
	down_write(&s->index.lock);
	m2mv_index_unreserve(&s->index, path, len, version);
	up_write(&s->index.lock);
}

/* A write failed at @off: cut what it left, or refuse further writes. */
static void store_undo(struct m2mv_store *s, loff_t off)
{
	int ret;

	if (i_size_read(file_inode(s->file)) <= off)
		return;
	ret = m2mv_file_truncate(s->file, off);
	if (ret) {
		WRITE_ONCE(s->write_err, -EIO);
		pr_err("store %s: cannot cut a failed write at offset %lld (%d): writes refused until the store is attached again\n",
		       s->name, off, ret);
	}
}

/**
 * m2mv_store_set_pos() - note where the log ends now
 * @s: the store
 * @seq: the last record's sequence number (0: none)
 * @chain: its stored chain value (the key check value for none)
 * @end: its end
 * @durable: the position is on stable storage too: the freshness anchor
 */
void m2mv_store_set_pos(struct m2mv_store *s, u64 seq, const u8 *chain,
			loff_t end, bool durable)
{
	spin_lock(&s->pos_lock);
	s->last.seq = seq;
	memcpy(s->last.chain, chain, M2MV_CHAIN_SIZE);
	s->last_end = end;
	if (durable) {
		s->anchor = s->last;
		s->anchor_end = end;
	}
	spin_unlock(&s->pos_lock);
}

/* Time-stamp, chain, checksum and write @rec at the tail. */
static int append_locked(struct m2mv_store *s, struct m2mv_rec *rec,
			 u64 *seq, loff_t *end)
{
	struct m2mv_log_tail t;
	int ret;

	lockdep_assert_held(&s->append_lock);
	if (s->detached)
		return -ENODEV;
	if (s->flags & M2MV_ATTACH_F_RDONLY)
		return -EROFS;
	if (READ_ONCE(s->write_err) || READ_ONCE(s->sync_err))
		return -EIO;

	rec->head->time_ns = cpu_to_le64(ktime_get_real_ns());
	t.seq = s->seq;
	memcpy(t.chain, s->chain, sizeof(t.chain));
	t.end = atomic64_read(&s->tail);
	t.refs = s->format != M2MV_FORMAT_VERSION_V1;
	t.prev_path = s->prev_path;
	t.prev_ver = s->prev_ver;
	ret = m2mv_log_write(s->file, s->tfm, &t, rec);
	if (ret) {
		store_undo(s, atomic64_read(&s->tail));
		return ret;
	}
	s->seq = t.seq;
	s->records++;
	memcpy(s->chain, t.chain, sizeof(t.chain));
	s->prev_path = t.prev_path;
	s->prev_ver = t.prev_ver;
	m2mv_store_set_pos(s, t.seq, t.chain, t.end, false);
	atomic64_set_release(&s->tail, t.end);
	*seq = t.seq;
	*end = t.end;
	return 0;
}

/* Append a checkpoint of the index as it is now. */
static int append_ckpt(struct m2mv_store *s)
{
	struct m2mv_rec rec;
	u64 live, live_bytes, seq;
	loff_t end;
	int ret;

	lockdep_assert_held(&s->append_lock);
	down_read(&s->index.lock);
	live = s->index.live;
	live_bytes = s->index.live_bytes;
	up_read(&s->index.lock);
	ret = m2mv_log_ckpt_alloc(&rec, s->seq, live, live_bytes,
				  s->format == M2MV_FORMAT_VERSION_V1 ?
				  NULL : &s->ev);
	if (ret)
		return ret;
	ret = append_locked(s, &rec, &seq, &end);
	if (!ret) {
		if (s->ev.lost)
			pr_warn_ratelimited("store %s: checkpoint at seq %llu vouches for only %u of the paths written since the last one\n",
					    s->name, seq, s->ev.n);
		s->since_ckpt = 0;
		s->ev.n = 0;
		s->ev.lost = false;
	}
	m2mv_rec_free(&rec);
	return ret;
}

/*
 * ckpt_delay_ms bounds, in time, the window in which records have no
 * checkpoint vouching for them (Documentation/threat-model.rst); 0 leaves
 * only the bound by records (M2MV_CKPT_INTERVAL) and detach.
 */
static unsigned int ckpt_delay_ms = M2MV_CKPT_DELAY_MS;
module_param(ckpt_delay_ms, uint, 0644);
MODULE_PARM_DESC(ckpt_delay_ms,
		 "Longest time from a record to the checkpoint that vouches for it, in ms (default 1000; 0: no timed checkpoints)");

/* Arm the timed checkpoint for the first record of an interval. */
void m2mv_store_ckpt_arm(struct m2mv_store *s)
{
	unsigned int ms = READ_ONCE(ckpt_delay_ms);

	if (ms)
		mod_delayed_work(system_wq, &s->ckpt_work,
				 msecs_to_jiffies(ms));
}

/*
 * The checkpoint that follows a record by time: ckpt_delay_ms after the
 * first record no checkpoint vouches for yet.
 */
void m2mv_store_ckpt_work(struct work_struct *work)
{
	struct m2mv_store *s = container_of(to_delayed_work(work),
					    struct m2mv_store, ckpt_work);
	int ret = 0;

	mutex_lock(&s->append_lock);
	if (!s->detached && s->since_ckpt)
		ret = append_ckpt(s);
	mutex_unlock(&s->append_lock);
	if (ret)
		pr_warn_ratelimited("store %s: checkpoint not written: %d\n",
				    s->name, ret);
}

/**
 * m2mv_store_append() - append a sealed PUT or DEL record
 * @s: the store
 * @rec: the record, complete but for seq, time, chain and CRC, which are
 *	set here; its version must have come from m2mv_store_reserve()
 * @seq: out: the record's sequence number
 * @end: out: the offset just past it, for m2mv_store_sync()
 *
 * The index takes the record if its version is the highest of its path,
 * and the next checkpoint vouches for it. Every M2MV_CKPT_INTERVAL records,
 * and ckpt_delay_ms after the first record since the last one, a
 * checkpoint follows.
 *
 * Return: 0, -EINVAL (malformed record), -ENODEV (detached), -EROFS
 * (attached read-only), -EIO (an earlier write or flush failed), -ENOMEM,
 * or the file system's error (-ENOSPC, -EIO, ...); on error nothing was
 * appended.
 */
int m2mv_store_append(struct m2mv_store *s, struct m2mv_rec *rec,
		      u64 *seq, loff_t *end)
{
	struct m2mv_index_rec ir;
	struct m2mv_rec view;
	u32 len = m2mv_rec_len(rec);
	u16 plen = m2mv_rec_path_len(rec);
	u8 type = rec->head->type;
	int ret;

	if (m2mv_store_gone(s))
		return -ENODEV;
	/* Never write what the scan would not read back. */
	if ((type != M2MV_REC_PUT && type != M2MV_REC_DEL) || len > rec->cap ||
	    m2mv_rec_map(&view, rec->buf, len) ||
	    !le64_to_cpu(rec->head->version) || !m2mv_path_ok(rec->path, plen))
		return -EINVAL;

	/* With an entry in place, indexing cannot fail after the write. */
	down_write(&s->index.lock);
	ret = m2mv_index_prepare(&s->index, rec->path, plen);
	up_write(&s->index.lock);
	if (ret)
		return ret;

	mutex_lock(&s->append_lock);
	ret = append_locked(s, rec, seq, end);
	if (!ret) {
		m2mv_rec_to_ir(rec, *end - len, &ir);
		down_write(&s->index.lock);
		m2mv_index_apply(&s->index, rec->path, plen, &ir);
		up_write(&s->index.lock);
		m2mv_ev_note(&s->ev, rec, ir.off);
		if (!s->since_ckpt)
			m2mv_store_ckpt_arm(s);
		if (++s->since_ckpt >= M2MV_CKPT_INTERVAL) {
			int err = append_ckpt(s);

			if (err)
				pr_warn_ratelimited("store %s: checkpoint not written: %d\n",
						    s->name, err);
		}
	}
	mutex_unlock(&s->append_lock);
	if (!ret)
		atomic64_inc(&s->counters[type == M2MV_REC_PUT ?
					  M2MV_STORE_CNT_PUTS :
					  M2MV_STORE_CNT_DELETES]);
	return ret;
}

/**
 * m2mv_store_append_meta() - append a record that names no path (RCVY)
 * @s: the store, its append lock held
 * @rec: the record, complete but for seq, time, chain and CRC
 * @seq: out: its sequence number
 * @end: out: the offset just past it, for m2mv_store_sync()
 *
 * Return: as m2mv_store_append().
 */
int m2mv_store_append_meta(struct m2mv_store *s, struct m2mv_rec *rec,
			   u64 *seq, loff_t *end)
{
	u32 len = m2mv_rec_len(rec);
	struct m2mv_rec view;

	lockdep_assert_held(&s->append_lock);
	if (rec->head->type != M2MV_REC_RCVY || len > rec->cap ||
	    m2mv_rec_map(&view, rec->buf, len))
		return -EINVAL;
	return append_locked(s, rec, seq, end);
}

/**
 * m2mv_store_sync() - make everything before @end durable
 * @s: the store
 * @end: an offset from m2mv_store_append()
 *
 * Group commit: one flush covers every record appended before it started,
 * and callers whose records it covered return without flushing again.
 * A failed flush is sticky: data may have been lost from the page cache, so
 * every later flush and append fails until the store is attached again.
 *
 * Return: 0, -ENODEV, or the file system's error.
 */
int m2mv_store_sync(struct m2mv_store *s, loff_t end)
{
	struct m2mv_anchor pos;
	loff_t tail;
	int ret;

	if (atomic64_read_acquire(&s->durable) >= end)
		return 0;
	mutex_lock(&s->sync_lock);
	ret = s->sync_err;
	if (ret || atomic64_read_acquire(&s->durable) >= end)
		goto out;
	if (m2mv_store_gone(s)) {
		ret = -ENODEV;
		goto out;
	}
	spin_lock(&s->pos_lock);
	pos = s->last;
	tail = s->last_end;
	spin_unlock(&s->pos_lock);
	ret = vfs_fsync_range(s->file, 0, tail - 1, 1);
	if (ret) {
		WRITE_ONCE(s->sync_err, ret);
		pr_err("store %s: flush failed (%d): writes refused until the store is attached again\n",
		       s->name, ret);
		goto out;
	}
	atomic64_set_release(&s->durable, tail);
	spin_lock(&s->pos_lock);
	if (tail > s->anchor_end) {
		s->anchor = pos;
		s->anchor_end = tail;
	}
	spin_unlock(&s->pos_lock);
out:
	mutex_unlock(&s->sync_lock);
	return ret;
}

/* Write a last checkpoint, flush, and refuse everything from now on. */
void m2mv_store_shutdown(struct m2mv_store *s)
{
	int ret = 0;

	mutex_lock(&s->append_lock);
	if (!(s->flags & M2MV_ATTACH_F_RDONLY) && !s->write_err &&
	    !READ_ONCE(s->sync_err)) {
		if (s->since_ckpt)
			ret = append_ckpt(s);
		if (!ret)
			ret = m2mv_store_sync(s, atomic64_read(&s->tail));
		if (ret)
			pr_warn("store %s: final checkpoint or flush failed: %d\n",
				s->name, ret);
	}
	WRITE_ONCE(s->detached, true);
	mutex_unlock(&s->append_lock);
	cancel_delayed_work_sync(&s->ckpt_work);
	m2mv_policies_kill(&s->policies);
	pr_info("store %s: detached\n", s->name);
}
