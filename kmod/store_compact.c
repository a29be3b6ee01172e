// SPDX-License-Identifier: GPL-2.0
/*
 * Compaction (STORE_COMPACT): the newest record of every live path is
 * written into a new file, in path order, as a log of its own: the same
 * store id, creation time and key check in the current format version
 * (the one-way upgrade from version 1), fresh sequence numbers and chain,
 * a checkpoint every M2MV_CKPT_INTERVAL records and one at the end. The
 * append lock is held throughout, so the set of live paths and their
 * versions cannot change under it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/algapi.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "jose.h"
#include "record.h"
#include "store_priv.h"

struct m2mv_compact {
	struct m2mv_store *s;
	struct file *file;		/* the new log */
	m2mv_xform_fn xform;
	void *xform_ctx;
	m2mv_progress_fn progress;
	void *progress_ctx;
	struct m2mv_log_tail t;		/* of the new log */
	u64 live;			/* PUTs written */
	u64 live_bytes;			/* and their bytes */
	u64 reported;			/* progress passed on up to here */
	u32 since_ckpt;
	struct m2mv_evidence ev;	/* for the new log's next checkpoint */
	u64 nlive;			/* live paths when it started */
	u64 nlive_bytes;		/* and their bytes */
	struct m2mv_index_loc *locs;	/* @nlive: where the PUTs went */
	char kid[M2MV_CREDID_MAX + 1];	/* scratch */
};

static int compact_write(struct m2mv_compact *cp, struct m2mv_rec *rec)
{
	return m2mv_log_write(cp->file, cp->s->tfm, &cp->t, rec);
}

static int compact_ckpt(struct m2mv_compact *cp)
{
	struct m2mv_rec rec;
	int ret;

	ret = m2mv_log_ckpt_alloc(&rec, cp->t.seq, cp->live, cp->live_bytes,
				  &cp->ev);
	if (ret)
		return ret;
	ret = compact_write(cp, &rec);
	if (!ret) {
		cp->since_ckpt = 0;
		cp->ev.n = 0;
	}
	m2mv_rec_free(&rec);
	return ret;
}

/* Read the record of a live entry from the old log and check it. */
static int compact_read(struct m2mv_compact *cp, const char *path, u16 len,
			const struct m2mv_entry *e, struct m2mv_rec *rec)
{
	struct m2mv_store *s = cp->s;
	const char *what;
	u64 seq;
	int ret;

	memset(rec, 0, sizeof(*rec));
	if (e->rec_flags & M2MV_STAT_F_BAD) {
		pr_warn("store %s: compaction refused: %.*s is damaged (verify the store, then delete or overwrite it)\n",
			s->name, (int)len, path);
		return -EBADMSG;
	}
	ret = m2mv_log_read_entry(s->file, e, path, len, rec, &what, &seq);
	if (ret == -EBADMSG)
		m2mv_log_report(s, "", -1, seq, path, len, ret, what);
	return ret;
}

/*
 * What a transform returned must stand in for @in in the index. Only the
 * recipients of a wrap record may change (M2MV_COMPACT_F_RECOVERY).
 */
static bool compact_out_ok(const struct m2mv_rec *in, const struct m2mv_rec *out)
{
	const u8 rcpt = M2MV_RECF_RCPT | M2MV_RECF_RCVY;
	u8 mask = in->head->mode == M2MV_MODE_WRAP ? (u8)~rcpt : 0xff;
	struct m2mv_rec view;

	return out->buf && m2mv_rec_len(out) <= out->cap &&
	       !m2mv_rec_map(&view, out->buf, m2mv_rec_len(out)) &&
	       out->head->type == M2MV_REC_PUT &&
	       out->head->mode == in->head->mode &&
	       (out->head->flags & mask) == (in->head->flags & mask) &&
	       out->head->version == in->head->version &&
	       out->head->payload_len == in->head->payload_len &&
	       !m2mv_bytes_cmp(out->path, m2mv_rec_path_len(out), in->path,
			       m2mv_rec_path_len(in));
}

static void compact_progress(struct m2mv_compact *cp, bool last)
{
	if (!cp->progress)
		return;
	if (!last && cp->live_bytes - cp->reported < SZ_1M)
		return;
	cp->reported = cp->live_bytes;
	cp->progress(cp->progress_ctx, last ? cp->nlive_bytes : cp->live_bytes,
		     cp->nlive_bytes);
}

/*
 * A ts0003 dir record goes into the new log with the count of records its
 * key has sealed so far (store_dnonce.c): the records that carried higher
 * counts may be gone from the new log. Its head is not under its tag, and
 * the new log's chain covers the new value.
 */
static void compact_carry(struct m2mv_compact *cp, struct m2mv_rec *rec)
{
	const struct m2mv_disk_rec *h = rec->head;

	if (h->type != M2MV_REC_PUT || h->mode != M2MV_MODE_DIR ||
	    !(h->flags & M2MV_RECF_DIRECT))
		return;
	if (m2mv_jose_header_kid(rec->hdr, m2mv_rec_hdr_len(rec), cp->kid))
		return;
	m2mv_dnonce_carry(cp->s, cp->kid, rec->head->nonce);
}

/* Copy (or transform) the newest record of one live path. */
static int compact_one(void *ctx, const char *path, u16 len,
		       const struct m2mv_entry *e)
{
	struct m2mv_compact *cp = ctx;
	struct m2mv_rec in, out = {}, *rec = &in;
	int ret;

	if (fatal_signal_pending(current))
		return -EINTR;
	if (cp->live >= cp->nlive)
		return -ESTALE;
	ret = compact_read(cp, path, len, e, &in);
	if (ret)
		return ret;
	if (cp->xform) {
		ret = cp->xform(cp->xform_ctx, &in, &out);
		if (ret < 0)
			goto out;
		if (ret > 0) {
			if (!compact_out_ok(&in, &out)) {
				ret = -EINVAL;
				goto out;
			}
			out.head->time_ns = in.head->time_ns;
			rec = &out;
		}
	}
	compact_carry(cp, rec);
	cp->locs[cp->live].off = cp->t.end;
	cp->locs[cp->live].reclen = m2mv_rec_len(rec);
	ret = compact_write(cp, rec);
	if (ret)
		goto out;
	m2mv_ev_note(&cp->ev, rec, cp->locs[cp->live].off);
	cp->live++;
	cp->live_bytes += m2mv_rec_len(rec);
	compact_progress(cp, false);
	if (++cp->since_ckpt >= M2MV_CKPT_INTERVAL)
		ret = compact_ckpt(cp);
out:
	m2mv_rec_free(&out);
	m2mv_rec_free(&in);
	return ret;
}

/*
 * The new file's superblocks; the new log starts after them, with the
 * recovery credential in force if the store has one.
 */
static int compact_super(struct m2mv_compact *cp)
{
	struct m2mv_store *s = cp->s;
	struct m2mv_rec rec;
	int ret;

	ret = m2mv_super_write(s, cp->file, &cp->t.end);
	if (ret)
		return ret;
	memcpy(cp->t.chain, s->super.key_check, M2MV_CHAIN_SIZE);
	cp->t.seq = 0;
	cp->t.refs = true;
	ret = m2mv_rcvy_rec(s, &rec);
	if (ret <= 0)
		return ret;
	ret = compact_write(cp, &rec);
	m2mv_rec_free(&rec);
	return ret;
}

/*
 * Switch @s to the new log: the file, the index offsets and the tail move
 * together. Appends are blocked (append_lock), flushes too (sync_lock),
 * readers see either the old file and offsets or the new ones (index.lock
 * and file_lock). Return: the old file (to be put), or an ERR_PTR.
 */
static struct file *compact_switch(struct m2mv_compact *cp)
{
	struct m2mv_store *s = cp->s;
	struct file *old = NULL;
	int ret;

	lockdep_assert_held(&s->append_lock);
	mutex_lock(&s->sync_lock);
	down_write(&s->index.lock);
	ret = m2mv_index_relocate(&s->index, cp->locs, cp->live);
	if (!ret) {
		spin_lock(&s->file_lock);
		old = s->file;
		s->file = get_file(cp->file);
		s->file_gen++;
		spin_unlock(&s->file_lock);
	}
	up_write(&s->index.lock);
	if (!ret) {
		s->seq = cp->t.seq;
		s->records = cp->t.seq;
		memcpy(s->chain, cp->t.chain, M2MV_CHAIN_SIZE);
		s->since_ckpt = 0;
		s->prev_path = cp->t.prev_path;
		s->prev_ver = cp->t.prev_ver;
		s->ev.n = 0;
		s->ev.lost = false;
		s->super.version = cpu_to_le16(M2MV_FORMAT_VERSION);
		s->super.crc = cpu_to_le32(m2mv_super_crc(&s->super));
		s->format = M2MV_FORMAT_VERSION;
		s->log_start = M2MV_LOG_START;
		m2mv_store_set_pos(s, cp->t.seq, cp->t.chain, cp->t.end, true);
		atomic64_set_release(&s->tail, cp->t.end);
		atomic64_set_release(&s->durable, cp->t.end);
	}
	mutex_unlock(&s->sync_lock);
	return ret ? ERR_PTR(ret) : old;
}

static int compact_locked(struct m2mv_compact *cp)
{
	struct m2mv_store *s = cp->s;
	struct file *old;
	int ret;

	lockdep_assert_held(&s->append_lock);
	if (s->detached)
		return -ENODEV;
	if (s->write_err || READ_ONCE(s->sync_err))
		return -EIO;
	down_read(&s->index.lock);
	cp->nlive = s->index.live;
	cp->nlive_bytes = s->index.live_bytes;
	up_read(&s->index.lock);
	cp->locs = kvmalloc_array(max_t(u64, cp->nlive, 1), sizeof(*cp->locs),
				  GFP_KERNEL);
	if (!cp->locs)
		return -ENOMEM;

	ret = compact_super(cp);
	if (!ret)
		ret = m2mv_store_list(s, "", 0, "", 0, compact_one, cp);
	if (!ret && cp->live != cp->nlive)
		ret = -ESTALE;
	if (!ret)
		ret = compact_ckpt(cp);
	if (!ret)
		ret = vfs_fsync(cp->file, 0);
	if (!ret) {
		old = compact_switch(cp);
		if (IS_ERR(old))
			ret = PTR_ERR(old);
		else
			fput(old);
	}
	if (!ret)
		compact_progress(cp, true);
	if (ret && m2mv_file_truncate(cp->file, 0))
		pr_warn("store %s: compaction failed (%d) and the new file could not be emptied\n",
			s->name, ret);
	return ret;
}

/**
 * m2mv_store_compact() - rewrite the live records into a new file
 * @s: the store
 * @file: an empty regular file, open for reading and writing
 * @xform: NULL, or called with each live PUT record: 1 with @out built
 *	(written instead of @in, then freed here; it must be a PUT of the
 *	same path, version, mode, flags and payload length), 0 to copy @in,
 *	or a negative error that ends the compaction
 * @xform_ctx: passed to @xform
 * @progress: NULL, or called about every MiB of records written and at the
 *	end with the bytes written and the bytes to write
 * @progress_ctx: passed to @progress
 * @rep: out: records and bytes of the new log
 *
 * The new log has the store's superblock (store id, creation time, key
 * check) in the current format version, two copies of it,
 * then the newest record of every live path in path order, each with its
 * header, payload, tag and time as they were (the AEAD covers none of seq,
 * chain or time), a fresh sequence number (1, 2, ...) and chain; a
 * checkpoint every M2MV_CKPT_INTERVAL records and one at the end.
 * Tombstones and older versions are dropped; the store's recovery
 * credential, if it has one, is the new log's first record. Once the new file is flushed,
 * the store switches to it and drops its reference to the old file, which
 * is left as it was.
 *
 * The append lock is held throughout: appends wait (none is lost), reads
 * continue. If a live path's newest record is damaged (M2MV_STAT_F_BAD, or
 * it fails its checks now), nothing is switched and -EBADMSG is returned:
 * the operator verifies the store and deletes or overwrites the path
 * first. On any failure the store stays on its old file and the new file
 * is truncated to 0 bytes again.
 *
 * The dir-mode nonce table is kept as it is: a transform that re-sealed
 * dir records under a new credential kept their nonces, and the table
 * learns (new kid, container) only at the next attach; until then new PUTs
 * under the new credential may pick another nonce, which is as valid.
 *
 * Return: 0; -EINVAL (not an empty regular file, O_DIRECT, or a transform
 * returned a record that cannot replace the old one), -EBADF (not open
 * read-write), -EBUSY (the file is a store's or being compacted into),
 * -EROFS (attached read-only), -ENODEV (detached), -EIO (an earlier write
 * failed), -EBADMSG, -EINTR, -ENOMEM, the transform's error, or the file
 * system's error.
 */
int m2mv_store_compact(struct m2mv_store *s, struct file *file,
		       m2mv_xform_fn xform, void *xform_ctx,
		       m2mv_progress_fn progress, void *progress_ctx,
		       struct m2mv_compact_report *rep)
{
	struct m2mv_compact *cp;
	int ret;

	memset(rep, 0, sizeof(*rep));
	if (!S_ISREG(file_inode(file)->i_mode) || (file->f_flags & O_DIRECT))
		return -EINVAL;
	if ((file->f_mode & (FMODE_READ | FMODE_WRITE)) !=
	    (FMODE_READ | FMODE_WRITE))
		return -EBADF;
	if (m2mv_store_gone(s))
		return -ENODEV;
	if (s->flags & M2MV_ATTACH_F_RDONLY)
		return -EROFS;

	cp = kzalloc(sizeof(*cp), GFP_KERNEL);
	if (!cp)
		return -ENOMEM;
	cp->s = s;
	cp->file = file;
	cp->xform = xform;
	cp->xform_ctx = xform_ctx;
	cp->progress = progress;
	cp->progress_ctx = progress_ctx;
	ret = m2mv_ev_init(&cp->ev);
	if (ret)
		goto out_free;

	ret = mutex_lock_killable(&s->ctl_lock);
	if (ret)
		goto out_free;
	ret = m2mv_registry_claim_pending(s, file);
	if (ret)
		goto out_ctl;
	if (i_size_read(file_inode(file))) {
		ret = -EINVAL;
		goto out_unclaim;
	}
	mutex_lock(&s->append_lock);
	ret = compact_locked(cp);
	mutex_unlock(&s->append_lock);
	if (!ret) {
		rep->records = cp->t.seq;
		rep->bytes = cp->t.end;
		pr_info("store %s: compacted: %llu records, %llu live, %llu bytes\n",
			s->name, cp->t.seq, cp->live, cp->t.end);
	}
out_unclaim:
	m2mv_registry_unclaim_pending(s);
out_ctl:
	mutex_unlock(&s->ctl_lock);
out_free:
	m2mv_ev_destroy(&cp->ev);
	kvfree(cp->locs);
	kfree_sensitive(cp);
	return ret;
}
