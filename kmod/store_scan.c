// SPDX-License-Identifier: GPL-2.0
/*
 * The attach scan: rebuild a store's index, chain state and dir-mode nonce
 * table from its log, check it against the checkpoints' evidence, report
 * damage (attributed to a path wherever one can be read), and tell a torn
 * tail, which is cut, from a damaged last record, which is not.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/crc32c.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "jose.h"
#include "kdf.h"
#include "names.h"
#include "store_scan.h"

enum { SCAN_REC, SCAN_NONE, SCAN_LATER };

#define SCAN_WHY_SHORT \
	"the log ends before the freshness anchor's record: acknowledged records are missing, or the file is an older copy"
#define SCAN_WHY_OTHER \
	"the log does not hold the freshness anchor's record: the file is an older copy, or was compacted after the anchor was taken"
#define SCAN_STALE_LOST \
	"attached with records lost before the freshness anchor's, as the caller asked"
#define SCAN_STALE_SHORT \
	"attached without the freshness anchor's record, as the caller asked"
#define SCAN_WHY_LOST \
	"bytes before the freshness anchor's record hold no record: acknowledged records of unknown paths may be lost there"

static u8 *scan_get_big(struct m2mv_scan *sc, loff_t off, size_t n)
{
	int ret;

	if (sc->big && sc->big_off == off && sc->big_len == n)
		return sc->big;
	kvfree(sc->big);
	sc->big_len = 0;
	sc->big = kvmalloc(n, GFP_KERNEL | __GFP_NOWARN);
	if (!sc->big)
		return ERR_PTR(-ENOMEM);
	ret = m2mv_file_read_at(sc->file, sc->big, n, off);
	if (ret) {
		kvfree(sc->big);
		sc->big = NULL;
		return ERR_PTR(ret == -ENODATA ? -EIO : ret);
	}
	sc->big_off = off;
	sc->big_len = n;
	return sc->big;
}

/*
 * Make @n bytes at @off (within the file) addressable: NULL if that needs
 * the window moved and @may_move is false. Moving the window invalidates
 * every pointer into it.
 */
static u8 *scan_get(struct m2mv_scan *sc, loff_t off, size_t n, bool may_move)
{
	loff_t end = sc->buf_off + sc->buf_len;
	size_t keep = 0, want;
	int ret;

	if (off >= sc->buf_off && off + (loff_t)n <= end)
		return sc->buf + (off - sc->buf_off);
	if (!may_move)
		return NULL;
	if (n > M2MV_SCAN_BUF)
		return scan_get_big(sc, off, n);

	if (off >= sc->buf_off && off < end) {
		keep = end - off;
		memmove(sc->buf, sc->buf + (off - sc->buf_off), keep);
	}
	want = min_t(loff_t, M2MV_SCAN_BUF, sc->size - off);
	sc->buf_off = off;
	sc->buf_len = keep;
	ret = m2mv_file_read_at(sc->file, sc->buf + keep, want - keep, off + keep);
	if (ret)
		return ERR_PTR(ret == -ENODATA ? -EIO : ret);
	sc->buf_len = want;
	return sc->buf;
}

/*
 * Is there a complete record at @off, with a sane head and layout?
 * SCAN_REC: yes, mapped in @rec; SCAN_NONE: no; SCAN_LATER: it lies beyond
 * the window, which @may_move does not allow to move; or -errno.
 */
static int scan_probe(struct m2mv_scan *sc, loff_t off, struct m2mv_rec *rec,
		      bool may_move)
{
	const struct m2mv_disk_rec *h;
	u8 *p;
	u32 len;

	if (sc->size - off < (loff_t)sizeof(*h))
		return SCAN_NONE;
	p = scan_get(sc, off, sizeof(*h), may_move);
	if (IS_ERR_OR_NULL(p))
		return p ? PTR_ERR(p) : SCAN_LATER;
	h = (const struct m2mv_disk_rec *)p;
	if (h->magic != cpu_to_le32(M2MV_REC_MAGIC))
		return SCAN_NONE;
	/*
	 * The head is not trusted yet: a length beyond what the file holds or
	 * what a PUT may write (max_blob) is no record, and must not size an
	 * allocation or a read.
	 */
	len = le32_to_cpu(h->len);
	if (len < sizeof(*h) || len % 8 || len > m2mv_rec_len_max() ||
	    len > sc->size - off)
		return SCAN_NONE;
	p = scan_get(sc, off, len, may_move);
	if (IS_ERR_OR_NULL(p))
		return p ? PTR_ERR(p) : SCAN_LATER;
	if (m2mv_rec_map(rec, p, len))
		return SCAN_NONE;
	return SCAN_REC;
}

/*
 * Past bytes that hold no record: the first offset from @off on, in 8-byte
 * steps, where the window shows a record's magic, or where it ends (a
 * sparse or zeroed region goes by at memory speed).
 */
static loff_t scan_skip(const struct m2mv_scan *sc, loff_t off)
{
	const __le32 magic = cpu_to_le32(M2MV_REC_MAGIC);
	loff_t end = sc->buf_off + sc->buf_len;

	if (off < sc->buf_off)
		return off;
	for (; off + (loff_t)sizeof(magic) <= end; off += 8)
		if (*(const __le32 *)(sc->buf + (off - sc->buf_off)) == magic)
			break;
	return off;
}

/*
 * Parse: collect the records from sc->pos on that lie in the window (the
 * first one may move it). A record larger than the window comes alone.
 */
static int scan_parse(struct m2mv_scan *sc)
{
	const u8 *prev = sc->chain;
	struct m2mv_scan_item *it;
	u32 len;
	int ret;

	sc->nitems = 0;
	while (sc->pos < sc->size && sc->nitems < M2MV_SCAN_ITEMS) {
		it = &sc->items[sc->nitems];
		ret = scan_probe(sc, sc->pos, &it->rec, !sc->nitems);
		if (ret < 0)
			return ret;
		if (ret == SCAN_LATER)
			break;
		if (ret == SCAN_NONE) {
			if (sc->gap < 0)
				sc->gap = sc->pos;
			sc->pos = scan_skip(sc, sc->pos + 8);
			continue;
		}
		len = m2mv_rec_len(&it->rec);
		it->off = sc->pos;
		it->gap = sc->gap;
		it->prev = prev;
		it->err = 0;
		it->crc_ok = false;
		it->mac_ok = false;
		prev = it->rec.head->chain;
		sc->gap = -1;
		sc->pos += len;
		sc->nitems++;
		if (len > M2MV_SCAN_BUF)
			break;
	}
	return 0;
}

/*
 * Verify one record: the CRC over all of it (with the crc field taken as
 * zero, as m2mv_rec_crc() does, in one pass), then the chain MAC.
 */
static void scan_verify_one(struct m2mv_scan_item *it, struct shash_desc *desc)
{
	struct m2mv_disk_rec *h = it->rec.head;
	__le32 stored = h->crc;
	u8 mac[M2MV_CHAIN_SIZE];

	h->crc = 0;
	it->crc_ok = ~crc32c(~0U, it->rec.buf, m2mv_rec_len(&it->rec)) ==
		     le32_to_cpu(stored);
	h->crc = stored;
	if (!it->crc_ok)
		return;
	it->err = m2mv_log_chain(desc, it->prev, &it->rec, mac);
	it->mac_ok = !it->err && !crypto_memneq(mac, h->chain, sizeof(mac));
}

static void scan_verify_some(struct m2mv_scan *sc, struct shash_desc *desc)
{
	unsigned int i, end;

	for (;;) {
		i = atomic_fetch_add(M2MV_SCAN_GRAIN, &sc->next);
		if (i >= sc->nitems)
			return;
		end = min(i + M2MV_SCAN_GRAIN, sc->nitems);
		for (; i < end; i++)
			scan_verify_one(&sc->items[i], desc);
	}
}

static void scan_worker_fn(struct work_struct *work)
{
	struct m2mv_scan_worker *w =
		container_of(work, struct m2mv_scan_worker, work);

	scan_verify_some(w->sc, w->desc);
	complete(&w->done);
}

/* Verify: the attaching task and the workers share out the items. */
static void scan_verify(struct m2mv_scan *sc)
{
	unsigned int i, n;

	atomic_set(&sc->next, 0);
	n = min(sc->nworkers, (sc->nitems - 1) / M2MV_SCAN_GRAIN);
	for (i = 0; i < n; i++) {
		reinit_completion(&sc->workers[i].done);
		queue_work(system_unbound_wq, &sc->workers[i].work);
	}
	scan_verify_some(sc, sc->desc);
	for (i = 0; i < n; i++)
		wait_for_completion(&sc->workers[i].done);
}

/* Workers for a log big enough to be worth it; none is fine too. */
static void scan_workers_start(struct m2mv_scan *sc)
{
	unsigned int i, n = min(num_online_cpus() - 1, M2MV_SCAN_WORKERS);

	if (sc->size < M2MV_SCAN_PARALLEL || !n)
		return;
	sc->workers = kcalloc(n, sizeof(*sc->workers), GFP_KERNEL);
	if (!sc->workers)
		return;
	for (i = 0; i < n; i++) {
		struct m2mv_scan_worker *w = &sc->workers[i];

		w->desc = m2mv_log_desc_alloc(sc->s->tfm);
		if (!w->desc)
			break;
		w->sc = sc;
		INIT_WORK(&w->work, scan_worker_fn);
		init_completion(&w->done);
	}
	sc->nworkers = i;
}

static void scan_workers_stop(struct m2mv_scan *sc)
{
	unsigned int i;

	for (i = 0; i < sc->nworkers; i++) {
		flush_work(&sc->workers[i].work);
		kfree_sensitive(sc->workers[i].desc);
	}
	kfree(sc->workers);
	sc->workers = NULL;
	sc->nworkers = 0;
}

static void scan_warn(struct m2mv_scan *sc, loff_t off, u64 seq,
		      const char *path, u16 len, const char *what)
{
	sc->rep->integrity_errors++;
	m2mv_log_report(sc->s, "", off, seq, path, len, -EBADMSG, what);
}

/*
 * A damaged record names @path: readers of @path must get EBADMSG. Its
 * version is @trusted only if its CRC holds.
 */
static int scan_mark_bad(struct m2mv_scan *sc, const char *path, u16 len,
			 const struct m2mv_index_rec *ir, bool trusted)
{
	int ret;

	if (ir->type != M2MV_REC_PUT && ir->type != M2MV_REC_DEL)
		return 0;
	if (!m2mv_path_ok(path, len))
		return 0;
	ret = m2mv_index_mark_bad(&sc->s->index, path, len, ir, trusted);
	return ret < 0 ? ret : 0;
}

/*
 * Keep @rec, a complete record failing its CRC, until we know whether it is
 * mid-log. Its stored seq and chain carry on (parse already took its chain
 * as the next record's predecessor), so that the damage stays local.
 */
static int scan_defer(struct m2mv_scan *sc, const struct m2mv_rec *rec,
		      loff_t off, loff_t end)
{
	u16 plen = m2mv_rec_path_len(rec);
	struct m2mv_scan_bad *b;

	if (!m2mv_path_ok(rec->path, plen))
		plen = 0;
	b = kzalloc(struct_size(b, path, plen), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->off = off;
	b->end = end;
	b->record = true;
	b->seq = le64_to_cpu(rec->head->seq);
	b->prev_path = le32_to_cpu(rec->head->prev_path);
	b->prev_ver = le16_to_cpu(rec->head->prev_ver);
	memcpy(b->chain, rec->head->chain, M2MV_CHAIN_SIZE);
	m2mv_rec_to_ir(rec, off, &b->ir);
	b->path_len = plen;
	memcpy(b->path, rec->path, plen);
	sc->seq = b->seq;
	sc->ref_ok = false;
	list_add_tail(&b->node, &sc->pending);
	return 0;
}

/*
 * Bytes from @off to @end hold no record. They may still begin with the
 * head of a damaged one (its magic or a length hit): if the path it names
 * is a valid one, the damage is that path's.
 */
static void scan_salvage(struct m2mv_scan *sc, struct m2mv_scan_bad *b)
{
	struct m2mv_disk_rec h;
	u16 plen;

	if (b->end - b->off < (loff_t)sizeof(h) ||
	    m2mv_file_read_at(sc->file, &h, sizeof(h), b->off))
		return;
	plen = le16_to_cpu(h.path_len);
	if (!plen || plen > M2MV_PATH_MAX ||
	    b->off + (loff_t)sizeof(h) + plen > sc->size ||
	    m2mv_file_read_at(sc->file, b->path, plen, b->off + sizeof(h)) ||
	    !m2mv_path_ok(b->path, plen))
		return;
	b->salvaged = true;
	b->path_len = plen;
	b->claimed_len = le32_to_cpu(h.len);
	b->prev_path = le32_to_cpu(h.prev_path);
	b->prev_ver = le16_to_cpu(h.prev_ver);
	b->ir.off = b->off;
	b->ir.version = le64_to_cpu(h.version);
	b->ir.reclen = b->claimed_len;
	b->ir.data_len = le32_to_cpu(h.payload_len);
	b->ir.type = h.type == M2MV_REC_DEL ? M2MV_REC_DEL : M2MV_REC_PUT;
	b->ir.mode = h.mode;
	b->ir.rec_flags = h.flags;
}

/*
 * Keep the bytes from @off to @end that hold no record, after the complete
 * record whose stored chain value is @prev, until we know whether they are
 * mid-log.
 */
static int scan_defer_gap(struct m2mv_scan *sc, loff_t off, loff_t end,
			  const u8 *prev)
{
	struct m2mv_scan_bad *b;

	b = kzalloc(struct_size(b, path, M2MV_PATH_MAX), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->off = off;
	b->end = end;
	b->seq = sc->seq;
	memcpy(b->chain, prev, M2MV_CHAIN_SIZE);
	sc->ref_ok = false;
	scan_salvage(sc, b);
	list_add_tail(&b->node, &sc->pending);
	return 0;
}

static int scan_named_raw(struct m2mv_scan *sc, u32 crc, u16 ver, loff_t off,
			  u64 seq);

/* Report one piece of damage that is not a torn tail. */
static int scan_report(struct m2mv_scan *sc, struct m2mv_scan_bad *b)
{
	int ret;

	if (b->record || b->salvaged) {
		/* Its head may still name the record before it. */
		ret = scan_named_raw(sc, b->prev_path, b->prev_ver, b->off,
				     b->seq);
		if (ret)
			return ret;
	}
	if (b->record) {
		scan_warn(sc, b->off, b->seq, b->path, b->path_len,
			  "CRC32C mismatch: record damaged");
	} else if (b->salvaged) {
		scan_warn(sc, b->off, 0, b->path, b->path_len,
			  "record head damaged");
	} else {
		scan_warn(sc, b->off, 0, NULL, 0,
			  "bytes that are no record before the next record");
	}
	/*
	 * Bytes no head explains may have held records of any path. Before
	 * the anchor's record they were durable, so no crash made them:
	 * whatever paths they held cannot be known, and the attach fails
	 * closed (scan_check_anchor()).
	 */
	if (!b->record && sc->want && !sc->want_met && sc->lost < 0 &&
	    (!b->salvaged || b->off + (loff_t)b->claimed_len < b->end))
		sc->lost = b->off;
	if (!b->record && !b->salvaged)
		return 0;
	return scan_mark_bad(sc, b->path, b->path_len, &b->ir, false);
}

/* An intact record follows: the damage kept so far is mid-log. */
static int scan_flush(struct m2mv_scan *sc)
{
	struct m2mv_scan_bad *b, *next;
	int ret = 0;

	list_for_each_entry_safe(b, next, &sc->pending, node) {
		if (!ret)
			ret = scan_report(sc, b);
		list_del(&b->node);
		kfree(b);
	}
	return ret;
}

/* Forget the damage kept so far. */
static void scan_drop(struct m2mv_scan *sc)
{
	struct m2mv_scan_bad *b, *next;

	list_for_each_entry_safe(b, next, &sc->pending, node) {
		list_del(&b->node);
		kfree(b);
	}
}

/*
 * Are bytes of [@off, @end) absent, as a write that a crash cut short
 * leaves them? True if, in some 512-byte sector of the file, all the bytes
 * the range covers are zero and there are at least M2MV_ABSENT_MIN of
 * them: no record holds such a run (heads, paths, headers, ciphertext and
 * tags never do), except the plaintext of a mic-mode PUT that is itself
 * zeros.
 */
#define M2MV_SECTOR		512
#define M2MV_ABSENT_MIN		64

static int scan_absent(struct m2mv_scan *sc, loff_t off, loff_t end)
{
	u8 *buf;
	loff_t pos, next;
	int ret = 0;

	buf = kmalloc(M2MV_SECTOR, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	for (pos = off; pos < end; pos = next) {
		next = min_t(loff_t, round_down(pos, M2MV_SECTOR) + M2MV_SECTOR,
			     end);
		if (next - pos < M2MV_ABSENT_MIN)
			continue;
		ret = m2mv_file_read_at(sc->file, buf, next - pos, pos);
		if (ret == -ENODATA) {
			ret = 1;
			break;
		}
		if (ret)
			break;
		if (!memchr_inv(buf, 0, next - pos)) {
			ret = 1;
			break;
		}
		cond_resched();
	}
	kfree(buf);
	return ret;
}

/*
 * Is @b the remains of a write that a crash cut short (1), or a damaged
 * record that was complete (0)? Only an incomplete record is a torn write:
 * one that extends past the end of the file, or whose bytes are absent.
 * Bytes that begin with no recognisable head are torn too.
 */
static int scan_torn(struct m2mv_scan *sc, struct m2mv_scan_bad *b)
{
	loff_t end;

	if (b->record)
		return scan_absent(sc, b->off, b->end);
	if (!b->salvaged || b->claimed_len < sizeof(struct m2mv_disk_rec) ||
	    b->claimed_len % 8 || b->claimed_len > m2mv_rec_len_max())
		return 1;
	end = b->off + b->claimed_len;
	if (end > sc->size)
		return 1;
	return scan_absent(sc, b->off, end);
}

/*
 * After the last intact record: the damage up to the last complete but
 * damaged record is reported (and attributed to its path); what follows it
 * is the torn tail, which scan_cut_tail() cuts.
 */
static int scan_settle_tail(struct m2mv_scan *sc)
{
	struct m2mv_scan_bad *b, *last = NULL;
	int ret = 0;

	if (sc->gap >= 0) {
		ret = scan_defer_gap(sc, sc->gap, sc->size, sc->chain);
		if (ret)
			return ret;
	}
	list_for_each_entry(b, &sc->pending, node) {
		ret = scan_torn(sc, b);
		if (ret < 0)
			return ret;
		if (!ret)
			last = b;
	}
	if (!last)
		return 0;

	down_write(&sc->s->index.lock);
	list_for_each_entry(b, &sc->pending, node) {
		if (!ret)
			ret = scan_report(sc, b);
		if (b == last)
			break;
	}
	up_write(&sc->s->index.lock);
	sc->good_end = last->record ? last->end : last->off + last->claimed_len;
	sc->good_seq = last->seq;
	memcpy(sc->good_chain, last->chain, M2MV_CHAIN_SIZE);
	return ret;
}

/*
 * The paths a checkpoint vouches for: each must have reached the version
 * it names in the records before it. One that did not lost its newest
 * record (removed, or too damaged to name its path): it reads as damaged.
 */
static int scan_evidence(struct m2mv_scan *sc, const struct m2mv_rec *rec,
			 loff_t off)
{
	const struct m2mv_disk_ckpt *c = (const void *)rec->payload;
	const u8 *p = rec->payload + sizeof(*c);
	const u8 *end = rec->payload + m2mv_rec_payload_len(rec);
	u32 i, n = le32_to_cpu(c->entries);
	struct m2mv_index_rec ir = {};
	int ret;

	for (i = 0; i < n; i++) {
		const struct m2mv_disk_evidence *d = (const void *)p;
		const char *path = (const char *)(d + 1);
		u16 plen;
		size_t sz;

		if (end - p < (ptrdiff_t)sizeof(*d))
			goto malformed;
		plen = le16_to_cpu(d->path_len);
		sz = ALIGN(sizeof(*d) + plen, 8);
		if (end - p < (ptrdiff_t)sz || d->reserved0 || !d->version ||
		    (d->type != M2MV_REC_PUT && d->type != M2MV_REC_DEL) ||
		    !m2mv_path_ok(path, plen))
			goto malformed;
		ir.off = le64_to_cpu(d->off);
		ir.version = le64_to_cpu(d->version);
		ir.reclen = le32_to_cpu(d->reclen);
		ir.type = d->type;
		ret = m2mv_index_expect(&sc->s->index, path, plen, &ir);
		if (ret < 0)
			return ret;
		if (ret)
			scan_warn(sc, ir.off, 0, path, plen,
				  "newest record missing or unreadable: a checkpoint vouches for it");
		p += sz;
	}
	if (p == end)
		return 0;
malformed:
	scan_warn(sc, off, le64_to_cpu(rec->head->seq), NULL, 0,
		  "checkpoint evidence malformed");
	return 0;
}

static int scan_ckpt(struct m2mv_scan *sc, const struct m2mv_rec *rec,
		     loff_t off)
{
	const struct m2mv_disk_ckpt *c = (const void *)rec->payload;
	struct m2mv_index *ix = &sc->s->index;
	u64 seq = le64_to_cpu(rec->head->seq);

	lockdep_assert_held(&ix->lock);
	if (le64_to_cpu(c->records) != seq - 1 ||
	    le64_to_cpu(c->live) != ix->live ||
	    le64_to_cpu(c->live_bytes) != ix->live_bytes || c->reserved)
		scan_warn(sc, off, seq, NULL, 0,
			  "checkpoint does not match the records before it");
	sc->ckpt_seq = seq;
	sc->s->ev.n = 0;
	if (sc->s->format == M2MV_FORMAT_VERSION_V1) {
		if (c->entries ||
		    m2mv_rec_payload_len(rec) != sizeof(struct m2mv_disk_ckpt))
			scan_warn(sc, off, seq, NULL, 0,
				  "checkpoint of another format version");
		return 0;
	}
	return scan_evidence(sc, rec, off);
}

/*
 * A dir-mode PUT: count a use of its per-container key's nonce (seed), or
 * learn how many records its key has sealed (ts0003).
 */
static int scan_nonce(struct m2mv_scan *sc, const struct m2mv_rec *rec)
{
	const char *id;
	u16 id_len;

	if (m2mv_jose_header_kid(rec->hdr, m2mv_rec_hdr_len(rec), sc->kid)) {
		pr_warn_ratelimited("store %s: seq %llu: no kid in the protected header\n",
				    sc->s->name, le64_to_cpu(rec->head->seq));
		return 0;
	}
	if (rec->head->flags & M2MV_RECF_DIRECT)
		return m2mv_dnonce_learn_direct(sc->s, sc->kid,
				m2mv_dnonce_count(rec->head->nonce));
	m2mv_dir_id(rec->path, m2mv_rec_path_len(rec), false, &id, &id_len);
	return m2mv_dnonce_learn(sc->s, sc->kid, id, id_len, rec->head->nonce);
}

/*
 * In format 2 every record names the PUT or DEL before it. If that is not
 * the one the scan saw last (it was removed, or damage came between), the
 * path it names must still reach that version: else it reads as damaged.
 */
static int scan_named_raw(struct m2mv_scan *sc, u32 crc, u16 ver, loff_t off,
			  u64 seq)
{
	char *path;
	u16 len;
	int ret;

	if (sc->s->format == M2MV_FORMAT_VERSION_V1 || !sc->rep ||
	    (!crc && !ver))
		return 0;
	path = kmalloc(M2MV_PATH_MAX, GFP_KERNEL);
	if (!path)
		return -ENOMEM;
	ret = m2mv_index_named(&sc->s->index, crc, ver, path, &len);
	if (ret > 0)
		scan_warn(sc, off, seq, path, len,
			  "the record before this one, of this path, is missing or unreadable");
	kfree(path);
	return ret < 0 ? ret : 0;
}

static int scan_named(struct m2mv_scan *sc, const struct m2mv_rec *rec,
		      loff_t off)
{
	const struct m2mv_disk_rec *h = rec->head;
	u32 crc = le32_to_cpu(h->prev_path);
	u16 ver = le16_to_cpu(h->prev_ver);

	if (sc->ref_ok && crc == sc->ref_path && ver == sc->ref_ver)
		return 0;
	return scan_named_raw(sc, crc, ver, off, le64_to_cpu(h->seq));
}

/* Remember the last intact PUT or DEL, which the next record names. */
static void scan_ref(struct m2mv_scan *sc, const struct m2mv_rec *rec)
{
	u16 plen = m2mv_rec_path_len(rec);

	if (rec->head->type != M2MV_REC_PUT && rec->head->type != M2MV_REC_DEL)
		return;
	sc->ref_ok = m2mv_path_ok(rec->path, plen);
	sc->ref_path = m2mv_path_crc(rec->path, plen);
	sc->ref_ver = le64_to_cpu(rec->head->version) & 0xffff;
}

/* A complete record with a good CRC: check chain and seq, then index it. */
static int scan_intact(struct m2mv_scan *sc, const struct m2mv_scan_item *it)
{
	const struct m2mv_rec *rec = &it->rec;
	const struct m2mv_disk_rec *h = rec->head;
	struct m2mv_index *ix = &sc->s->index;
	u64 seq = le64_to_cpu(h->seq);
	u16 plen = m2mv_rec_path_len(rec);
	struct m2mv_index_rec ir;
	const char *what = NULL;
	int ret;

	ret = scan_named(sc, rec, it->off);
	if (ret)
		return ret;
	scan_ref(sc, rec);
	if (!it->mac_ok)
		what = "chain MAC mismatch: record altered or records removed, moved or inserted";
	else if (seq != sc->seq + 1)
		what = "sequence number out of order";
	sc->seq = seq;
	m2mv_rec_to_ir(rec, it->off, &ir);
	if (what) {
		scan_warn(sc, it->off, seq, rec->path, plen, what);
		return scan_mark_bad(sc, rec->path, plen, &ir, true);
	}

	sc->rep->records++;
	if (sc->want && seq == sc->want->seq &&
	    !crypto_memneq(h->chain, sc->want->chain, M2MV_CHAIN_SIZE))
		sc->want_met = true;
	if (h->type == M2MV_REC_CKPT)
		return scan_ckpt(sc, rec, it->off);
	if (h->type == M2MV_REC_RCVY) {
		m2mv_rcvy_note(sc->s, rec);
		return 0;
	}

	if (!m2mv_path_ok(rec->path, plen) || !ir.version) {
		scan_warn(sc, it->off, seq, NULL, 0, "invalid path or version");
		return 0;
	}
	ret = m2mv_index_apply(ix, rec->path, plen, &ir);
	if (ret >= 0 && sc->rep)
		m2mv_ev_note(&sc->s->ev, rec, it->off);
	if (ret == -EEXIST)
		scan_warn(sc, it->off, seq, rec->path, plen,
			  "a record with this version came before");
	else if (ret < 0)
		return ret;

	if (h->type == M2MV_REC_PUT && h->mode == M2MV_MODE_DIR &&
	    !(h->flags & M2MV_RECF_INSTANCE))
		return scan_nonce(sc, rec);
	return 0;
}

/*
 * Apply: the records of the window in log order, under the index lock
 * (nobody else can see the store yet; the lock is for lockdep's sake and
 * costs one round trip per window).
 */
static int scan_apply_locked(struct m2mv_scan *sc)
{
	struct m2mv_scan_item *it;
	unsigned int i;
	u32 len;
	int ret;

	for (i = 0; i < sc->nitems; i++) {
		it = &sc->items[i];
		len = m2mv_rec_len(&it->rec);
		if (it->err)
			return it->err;
		if (it->gap >= 0) {
			ret = scan_defer_gap(sc, it->gap, it->off, it->prev);
			if (ret)
				return ret;
		}
		if (!it->crc_ok) {
			ret = scan_defer(sc, &it->rec, it->off, it->off + len);
			if (ret)
				return ret;
			continue;
		}
		ret = scan_flush(sc);
		if (!ret)
			ret = scan_intact(sc, it);
		if (ret)
			return ret;
		sc->good_end = it->off + len;
		sc->good_seq = sc->seq;
		memcpy(sc->good_chain, it->rec.head->chain, M2MV_CHAIN_SIZE);
	}
	return 0;
}

static int scan_apply(struct m2mv_scan *sc)
{
	int ret;

	down_write(&sc->s->index.lock);
	ret = scan_apply_locked(sc);
	up_write(&sc->s->index.lock);
	return ret;
}

/* Parse, verify and apply (or, for a scrub, check) window after window. */
static int scan_log(struct m2mv_scan *sc)
{
	int ret;

	while (sc->pos < sc->size) {
		ret = scan_parse(sc);
		if (ret)
			return ret;
		if (sc->nitems) {
			scan_verify(sc);
			ret = sc->window(sc);
			if (ret)
				return ret;
			memcpy(sc->chain,
			       sc->items[sc->nitems - 1].rec.head->chain,
			       M2MV_CHAIN_SIZE);
		}
		if (sc->step) {
			ret = sc->step(sc);
			if (ret)
				return ret;
		}
		cond_resched();
		if (fatal_signal_pending(current))
			return -EINTR;
	}
	return 0;
}

/*
 * The freshness anchor kept outside the disk names the last record that
 * was durable when it was taken: a log without that record is an older
 * copy, or lost acknowledged records; so is one in which bytes before that
 * record hold no record (sc->lost), for what they held cannot be known.
 * Refused before anything is cut, unless the caller overrides it, which is
 * recorded.
 */
static int scan_check_anchor(struct m2mv_scan *sc)
{
	struct m2mv_store *s = sc->s;
	const char *what;

	if (!sc->want || (sc->want_met && sc->lost < 0))
		return 0;
	if (sc->want_met) {
		what = SCAN_WHY_LOST;
		pr_warn("store %s: %s (offset %lld, anchor seq %llu)%s\n",
			s->name, what, sc->lost, sc->want->seq,
			(s->flags & M2MV_ATTACH_F_STALE_OK) ?
			": attached anyway, as the caller asked" : "");
	} else {
		what = sc->seq < sc->want->seq ? SCAN_WHY_SHORT :
						 SCAN_WHY_OTHER;
		pr_warn("store %s: %s (anchor seq %llu, log ends at seq %llu)%s\n",
			s->name, what, sc->want->seq, sc->seq,
			(s->flags & M2MV_ATTACH_F_STALE_OK) ?
			": attached anyway, as the caller asked" : "");
	}
	if (!(s->flags & M2MV_ATTACH_F_STALE_OK)) {
		sc->rep->why = what;
		return -ESTALE;
	}
	sc->rep->integrity_errors++;
	m2mv_log_report(s, "", -1, sc->want->seq, NULL, 0, -ESTALE,
			sc->want_met ? SCAN_STALE_LOST : SCAN_STALE_SHORT);
	return 0;
}

/* Cut what follows the last intact record: a write the crash tore. */
static int scan_cut_tail(struct m2mv_scan *sc)
{
	struct m2mv_store *s = sc->s;
	loff_t torn = sc->size - sc->good_end;
	int ret;

	if (torn <= 0)
		return 0;
	if (s->flags & M2MV_ATTACH_F_RDONLY) {
		pr_warn("store %s: %lld bytes of torn tail at offset %lld left in place (read-only)\n",
			s->name, torn, sc->good_end);
		return 0;
	}
	ret = m2mv_file_truncate(s->file, sc->good_end);
	if (ret) {
		pr_err("store %s: cannot cut the torn tail at offset %lld: %d\n",
		       s->name, sc->good_end, ret);
		return ret;
	}
	pr_warn("store %s: cut %lld bytes of torn tail at offset %lld\n",
		s->name, torn, sc->good_end);
	sc->rep->truncated = torn;
	return 0;
}

void m2mv_scan_free(struct m2mv_scan *sc)
{
	scan_drop(sc);
	kfree_sensitive(sc->desc);
	kvfree(sc->items);
	kvfree(sc->big);
	kvfree(sc->buf);
	kfree(sc);
}

/*
 * A scan of the records of @file from s->log_start to @size, the first
 * one chaining from @chain (the superblock's key check value).
 */
struct m2mv_scan *m2mv_scan_alloc(struct m2mv_store *s, struct file *file,
				  loff_t size, const u8 *chain)
{
	struct m2mv_scan *sc;

	sc = kzalloc(sizeof(*sc), GFP_KERNEL);
	if (!sc)
		return NULL;
	sc->s = s;
	sc->file = file;
	sc->window = scan_apply;
	sc->size = size;
	sc->pos = s->log_start;
	sc->gap = -1;
	sc->lost = -1;
	memcpy(sc->chain, chain, M2MV_CHAIN_SIZE);
	INIT_LIST_HEAD(&sc->pending);
	sc->good_end = s->log_start;
	memcpy(sc->good_chain, chain, M2MV_CHAIN_SIZE);

	sc->buf = kvmalloc(M2MV_SCAN_BUF, GFP_KERNEL);
	sc->items = kvmalloc_array(M2MV_SCAN_ITEMS, sizeof(*sc->items),
				   GFP_KERNEL);
	sc->desc = m2mv_log_desc_alloc(s->tfm);
	if (!sc->buf || !sc->items || !sc->desc) {
		m2mv_scan_free(sc);
		return NULL;
	}
	return sc;
}

/* Parse, verify and apply (or check) the whole log, on several CPUs. */
int m2mv_scan_run(struct m2mv_scan *sc)
{
	int ret;

	scan_workers_start(sc);
	ret = scan_log(sc);
	scan_workers_stop(sc);
	return ret;
}

/*
 * Rebuild the index, the chain state and the nonce table from the records
 * after the superblock; the chain starts from the key check value already
 * in s->chain.
 */
int m2mv_store_scan(struct m2mv_store *s, loff_t size,
		    const struct m2mv_anchor *want,
		    struct m2mv_attach_report *rep)
{
	struct m2mv_scan *sc;
	int ret;

	sc = m2mv_scan_alloc(s, s->file, size, s->chain);
	if (!sc)
		return -ENOMEM;
	sc->rep = rep;
	if (want && want->seq)
		sc->want = want;
	else if (want && crypto_memneq(want->chain, s->chain, M2MV_CHAIN_SIZE))
		sc->want = want;	/* seq 0 is this store's key check only */
	ret = m2mv_scan_run(sc);
	if (!ret)
		ret = scan_settle_tail(sc);
	if (!ret)
		ret = scan_check_anchor(sc);
	if (ret)
		goto out;
	scan_drop(sc);
	ret = scan_cut_tail(sc);
	if (ret)
		goto out;

	s->seq = sc->good_seq;
	s->records = rep->records;
	memcpy(s->chain, sc->good_chain, M2MV_CHAIN_SIZE);
	s->prev_path = sc->ref_path;
	s->prev_ver = sc->ref_ver;
	m2mv_store_set_pos(s, sc->good_seq, sc->good_chain, sc->good_end, true);
	s->since_ckpt = min_t(u64, sc->good_seq - sc->ckpt_seq, U32_MAX);
	atomic64_set(&s->tail, sc->good_end);
	atomic64_set(&s->durable, 0);
	rep->live = s->index.live;
	if (s->since_ckpt && !(s->flags & M2MV_ATTACH_F_RDONLY))
		m2mv_store_ckpt_arm(s);
out:
	m2mv_scan_free(sc);
	return ret;
}
