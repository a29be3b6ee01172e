// SPDX-License-Identifier: GPL-2.0
/*
 * The protected store: attaching a log file (format or scan), appending
 * records under the structure chain, group commit, reads, and the registry
 * of attached stores. Documentation/on-disk-format.rst is the format.
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
 *
 * s->file changes only when a compaction switches files, under append_lock,
 * sync_lock, index.lock (for writing) and file_lock together: holding any
 * of them keeps it stable; readers holding none take a reference with
 * store_file_get(). Offsets in the index belong to the file of the index's
 * generation (s->file_gen), which lookups copy into struct m2mv_entry.
 *
 * The tail and the durable offset are atomics, so a flush reads the tail
 * without waiting for an append in progress.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/cred.h>
#include <linux/crc32c.h>
#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/random.h>
#include <linux/rbtree.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "cred.h"
#include "control.h"
#include "index.h"
#include "jose.h"
#include "kdf.h"
#include "record.h"
#include "seal.h"
#include "store.h"

#define M2MV_DIR_KEY_LIMIT \
	(BITS_PER_LONG > 32 ? (ulong)(1ULL << 32) : ULONG_MAX)

static ulong dir_key_limit = M2MV_DIR_KEY_LIMIT;
module_param(dir_key_limit, ulong, 0644);
MODULE_PARM_DESC(dir_key_limit,
		 "Records one dir-mode per-container key may seal before PUTs fail with EDQUOT (default 2^32, RFC 7518 section 8.4)");

#define M2MV_STORE_LABEL	"m2mvault store"
#define M2MV_SCAN_BUF		SZ_1M		/* attach reads this much at once */
#define M2MV_CKPT_INTERVAL	1024		/* records between checkpoints */
#define M2MV_LIST_BATCH		16		/* entries copied per index lock */

struct m2mv_store {
	struct list_head node;		/* in m2mv_stores */
	struct kref ref;
	bool ready;			/* attached; under m2mv_stores_lock */
	u32 flags;			/* M2MV_ATTACH_F_* */
	char name[M2MV_NAME_MAX];
	u8 store_id[M2MV_STORE_ID_SIZE];
	struct file *file;		/* see the locking rules above */
	u64 file_gen;			/* bumped when @file changes */
	spinlock_t file_lock;
	struct file *pending;		/* a compaction's target; registry lock */
	struct mutex ctl_lock;		/* scrub and compaction */
	struct crypto_shash *tfm;	/* hmac(sha256) under the store key */

	struct mutex append_lock;	/* the tail: the next five fields */
	u64 seq;			/* of the last record */
	u8 chain[M2MV_CHAIN_SIZE];	/* of the last record */
	u32 since_ckpt;			/* records since the last checkpoint */
	bool detached;			/* written under append_lock */
	int write_err;			/* a failed write could not be undone */
	atomic64_t tail;		/* end of the last record */

	struct mutex sync_lock;		/* group commit: the next two */
	atomic64_t durable;		/* flushed up to here */
	int sync_err;			/* sticky: a flush failed */

	struct m2mv_index index;

	struct mutex nonce_lock;	/* @nonces */
	struct rb_root nonces;		/* of struct m2mv_dnonce */

	atomic64_t counters[__M2MV_STORE_CNT_MAX];
};

/* The nonce of one dir-mode per-container key: (kid, container id). */
struct m2mv_dnonce {
	struct rb_node node;
	u64 uses;
	u8 nonce[M2MV_NONCE_SIZE];
	u16 kid_len;
	u16 id_len;
	char key[];			/* kid, then id */
};

static LIST_HEAD(m2mv_stores);
static DEFINE_MUTEX(m2mv_stores_lock);
static u64 m2mv_stores_gen = 1;		/* bumped by every attach and detach */

/* ------------------------------------------------------------- helpers */

static int bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = min(alen, blen);
	int r = n ? memcmp(a, b, n) : 0;

	if (r)
		return r;
	return alen < blen ? -1 : alen > blen;
}

/* 1 to M2MV_PATH_MAX bytes of [A-Za-z0-9._~/-] */
static bool store_path_ok(const char *p, size_t len)
{
	size_t i;

	if (!len || len > M2MV_PATH_MAX)
		return false;
	for (i = 0; i < len; i++) {
		char c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '~' || c == '/' || c == '-'))
			return false;
	}
	return true;
}

static bool store_gone(const struct m2mv_store *s)
{
	return READ_ONCE(s->detached);
}

/* Read exactly @len bytes at @off; -ENODATA if the file ends first. */
static int file_read_at(struct file *file, void *buf, size_t len, loff_t off)
{
	u8 *p = buf;

	while (len) {
		ssize_t n = kernel_read(file, p, len, &off);

		if (n < 0)
			return n;
		if (!n)
			return -ENODATA;
		p += n;
		len -= n;
	}
	return 0;
}

static int file_write_at(struct file *file, const void *buf, size_t len,
			 loff_t off)
{
	const u8 *p = buf;

	while (len) {
		ssize_t n = kernel_write(file, p, len, &off);

		if (n < 0)
			return n;
		if (!n)
			return -EIO;
		p += n;
		len -= n;
	}
	return 0;
}

/*
 * Cut the file at @size, with the credentials of whoever opened it: the
 * caller of an append need not be allowed to write the file itself.
 */
static int file_truncate(struct file *file, loff_t size)
{
	const struct cred *old = override_creds(file->f_cred);
	long ret = vfs_truncate(&file->f_path, size);

	revert_creds(old);
	return ret;
}

/* The store's own file: callers hold append_lock, or attach owns @s. */
static int store_write_at(struct m2mv_store *s, const void *buf, size_t len,
			  loff_t off)
{
	return file_write_at(s->file, buf, len, off);
}

static int store_truncate(struct m2mv_store *s, loff_t size)
{
	return file_truncate(s->file, size);
}

/* A reference to the store's current file, and its generation. */
static struct file *store_file_get(struct m2mv_store *s, u64 *gen)
{
	struct file *file;

	spin_lock(&s->file_lock);
	file = get_file(s->file);
	if (gen)
		*gen = s->file_gen;
	spin_unlock(&s->file_lock);
	return file;
}

static u32 super_crc(const struct m2mv_disk_super *sb)
{
	return ~crc32c(~0U, sb, offsetof(struct m2mv_disk_super, crc));
}

/* key_check = HMAC(store key, "m2mvault store" || store_id) */
static int store_key_check(struct m2mv_store *s, const u8 *store_id,
			   u8 out[M2MV_CHAIN_SIZE])
{
	SHASH_DESC_ON_STACK(desc, s->tfm);
	int ret;

	desc->tfm = s->tfm;
	ret = crypto_shash_init(desc);
	if (!ret)
		ret = crypto_shash_update(desc, M2MV_STORE_LABEL,
					  strlen(M2MV_STORE_LABEL));
	if (!ret)
		ret = crypto_shash_update(desc, store_id, M2MV_STORE_ID_SIZE);
	if (!ret)
		ret = crypto_shash_final(desc, out);
	shash_desc_zero(desc);
	return ret;
}

/*
 * The chain value of @rec after @prev: HMAC(store key, prev || the record
 * with crc and chain zeroed, without the payload of a PUT).
 */
static int rec_chain(struct shash_desc *desc, const u8 *prev,
		     const struct m2mv_rec *rec, u8 out[M2MV_CHAIN_SIZE])
{
	const u8 *p = rec->buf + sizeof(struct m2mv_disk_rec);
	const u8 *end = rec->buf + m2mv_rec_len(rec);
	const u8 *resume = rec->payload;
	struct m2mv_disk_rec head;
	int ret;

	if (rec->head->type == M2MV_REC_PUT)
		resume += m2mv_rec_payload_len(rec);
	memcpy(&head, rec->head, sizeof(head));
	head.crc = 0;
	memset(head.chain, 0, sizeof(head.chain));

	ret = crypto_shash_init(desc);
	if (!ret)
		ret = crypto_shash_update(desc, prev, M2MV_CHAIN_SIZE);
	if (!ret)
		ret = crypto_shash_update(desc, (const u8 *)&head, sizeof(head));
	if (!ret)
		ret = crypto_shash_update(desc, p, rec->payload - p);
	if (!ret)
		ret = crypto_shash_update(desc, resume, end - resume);
	if (!ret)
		ret = crypto_shash_final(desc, out);
	return ret;
}

/* The chain value of @rec, to be appended after the last record. */
static int store_rec_chain(struct m2mv_store *s, const struct m2mv_rec *rec,
			   u8 out[M2MV_CHAIN_SIZE])
{
	SHASH_DESC_ON_STACK(desc, s->tfm);
	int ret;

	desc->tfm = s->tfm;
	ret = rec_chain(desc, s->chain, rec, out);
	shash_desc_zero(desc);
	return ret;
}

static void rec_to_ir(const struct m2mv_rec *rec, loff_t off,
		      struct m2mv_index_rec *ir)
{
	const struct m2mv_disk_rec *h = rec->head;

	ir->off = off;
	ir->version = le64_to_cpu(h->version);
	ir->reclen = le32_to_cpu(h->len);
	ir->data_len = le32_to_cpu(h->payload_len);
	ir->type = h->type;
	ir->mode = h->mode;
	ir->rec_flags = h->flags;
}

/* ---------------------------------------------------- dir nonce table */

static int dnonce_cmp(const char *kid, u16 kid_len, const char *id,
		      u16 id_len, const struct m2mv_dnonce *d)
{
	int c = bytes_cmp(kid, kid_len, d->key, d->kid_len);

	if (c)
		return c;
	return bytes_cmp(id, id_len, d->key + d->kid_len, d->id_len);
}

/*
 * Find the entry of (@kid, @id), or add one with @nonce (random if NULL)
 * and no uses. NULL: no memory.
 */
static struct m2mv_dnonce *dnonce_get(struct m2mv_store *s, const char *kid,
				      u16 kid_len, const char *id, u16 id_len,
				      const u8 *nonce)
{
	struct rb_node **link = &s->nonces.rb_node, *parent = NULL;
	struct m2mv_dnonce *d;

	lockdep_assert_held(&s->nonce_lock);
	while (*link) {
		int c;

		parent = *link;
		d = rb_entry(parent, struct m2mv_dnonce, node);
		c = dnonce_cmp(kid, kid_len, id, id_len, d);
		if (c < 0)
			link = &parent->rb_left;
		else if (c > 0)
			link = &parent->rb_right;
		else
			return d;
	}

	d = kmalloc(struct_size(d, key, kid_len + id_len), GFP_KERNEL);
	if (!d)
		return NULL;
	d->uses = 0;
	if (nonce)
		memcpy(d->nonce, nonce, M2MV_NONCE_SIZE);
	else
		get_random_bytes(d->nonce, M2MV_NONCE_SIZE);
	d->kid_len = kid_len;
	d->id_len = id_len;
	memcpy(d->key, kid, kid_len);
	memcpy(d->key + kid_len, id, id_len);
	rb_link_node(&d->node, parent, link);
	rb_insert_color(&d->node, &s->nonces);
	return d;
}

static void dnonce_destroy(struct m2mv_store *s)
{
	struct m2mv_dnonce *d, *next;

	rbtree_postorder_for_each_entry_safe(d, next, &s->nonces, node)
		kfree(d);
	s->nonces = RB_ROOT;
}

/**
 * m2mv_store_dir_nonce() - the nonce for a dir-mode key derivation
 * @s: the store
 * @kid: NUL-terminated Credential-ID of the type-14 key
 * @id: the container id (or, with @instance, the instance path)
 * @id_len: bytes at @id
 * @instance: per-instance key: a fresh nonce, nothing remembered
 * @nonce: out: the nonce
 *
 * A per-container key is (kid, id, nonce); the store keeps one nonce per
 * (kid, id), rebuilt from the log at attach, and counts the records sealed
 * under it.
 *
 * Return: 0, -EDQUOT once the key has sealed dir_key_limit records (RFC 7518
 * section 8.4: the credential must be rotated), -EINVAL, -ENOMEM, -ENODEV.
 */
int m2mv_store_dir_nonce(struct m2mv_store *s, const char *kid,
			 const char *id, u16 id_len, bool instance,
			 u8 nonce[M2MV_NONCE_SIZE])
{
	struct m2mv_dnonce *d;
	size_t kid_len;
	int ret = 0;

	if (store_gone(s))
		return -ENODEV;
	if (instance) {
		get_random_bytes(nonce, M2MV_NONCE_SIZE);
		return 0;
	}
	kid_len = strnlen(kid, M2MV_CREDID_MAX + 1);
	if (!kid_len || kid_len > M2MV_CREDID_MAX || id_len > M2MV_PATH_MAX)
		return -EINVAL;

	mutex_lock(&s->nonce_lock);
	d = dnonce_get(s, kid, kid_len, id, id_len, NULL);
	if (!d) {
		ret = -ENOMEM;
	} else if (d->uses >= READ_ONCE(dir_key_limit)) {
		ret = -EDQUOT;
	} else {
		d->uses++;
		memcpy(nonce, d->nonce, M2MV_NONCE_SIZE);
	}
	mutex_unlock(&s->nonce_lock);
	return ret;
}

/* ---------------------------------------------------------------- scan */

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

/* Damage found by the scan, kept until we know whether it is mid-log. */
struct m2mv_scan_bad {
	struct list_head node;
	loff_t off;
	loff_t end;
	bool record;			/* a record failing its CRC; else bytes */
	u64 seq;			/* as the damaged record says */
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

struct m2mv_scrub;

struct m2mv_scan {
	struct m2mv_store *s;
	struct file *file;		/* the file read */
	struct m2mv_attach_report *rep;	/* attach */
	struct m2mv_scrub *scrub;	/* scrub: apply is replaced by checks */
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
	char kid[M2MV_CREDID_MAX + 1];
};

enum { SCAN_REC, SCAN_NONE, SCAN_LATER };

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
	ret = file_read_at(sc->file, sc->big, n, off);
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
	ret = file_read_at(sc->file, sc->buf + keep, want - keep, off + keep);
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
	len = le32_to_cpu(h->len);
	if (len < sizeof(*h) || len % 8 || len > INT_MAX ||
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
			sc->pos += 8;
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
	it->err = rec_chain(desc, it->prev, &it->rec, mac);
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

static struct shash_desc *scan_desc_alloc(struct crypto_shash *tfm)
{
	struct shash_desc *desc;

	desc = kmalloc(sizeof(*desc) + crypto_shash_descsize(tfm), GFP_KERNEL);
	if (desc)
		desc->tfm = tfm;
	return desc;
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

		w->desc = scan_desc_alloc(sc->s->tfm);
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
	atomic64_inc(&sc->s->counters[M2MV_STORE_CNT_INTEGRITY]);
	if (path && store_path_ok(path, len))
		pr_warn_ratelimited("store %s: offset %lld seq %llu path %.*s: %s\n",
				    sc->s->name, off, seq, (int)len, path, what);
	else
		pr_warn_ratelimited("store %s: offset %lld seq %llu: %s\n",
				    sc->s->name, off, seq, what);
	if (path && store_path_ok(path, len))
		m2mv_nl_event_integrity(sc->s->name, path, len, seq, -EBADMSG);
	else
		m2mv_nl_event_integrity(sc->s->name, "", 0, seq, -EBADMSG);
}

/* A damaged record names @path: readers of @path must get EBADMSG. */
static int scan_mark_bad(struct m2mv_scan *sc, const char *path, u16 len,
			 const struct m2mv_index_rec *ir)
{
	int ret;

	if (ir->type != M2MV_REC_PUT && ir->type != M2MV_REC_DEL)
		return 0;
	if (!store_path_ok(path, len))
		return 0;
	ret = m2mv_index_mark_bad(&sc->s->index, path, len, ir);
	return ret < 0 ? ret : 0;
}

/*
 * Keep damage (@rec failing its CRC, or the bytes from @off to @end that
 * hold no record) until an intact record after it shows it is not part of
 * a torn tail. A damaged record's stored seq carries on (as its stored
 * chain value does in parse), so that the damage stays local.
 */
static int scan_defer(struct m2mv_scan *sc, const struct m2mv_rec *rec,
		      loff_t off, loff_t end)
{
	u16 plen = rec ? m2mv_rec_path_len(rec) : 0;
	struct m2mv_scan_bad *b;

	if (rec && !store_path_ok(rec->path, plen))
		plen = 0;
	b = kzalloc(struct_size(b, path, plen), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->off = off;
	b->end = end;
	if (rec) {
		b->record = true;
		b->seq = le64_to_cpu(rec->head->seq);
		rec_to_ir(rec, off, &b->ir);
		b->path_len = plen;
		memcpy(b->path, rec->path, plen);
		sc->seq = b->seq;
	}
	list_add_tail(&b->node, &sc->pending);
	return 0;
}

/* An intact record follows: the damage kept so far is mid-log. */
static int scan_flush(struct m2mv_scan *sc)
{
	struct m2mv_scan_bad *b, *next;
	int ret = 0;

	list_for_each_entry_safe(b, next, &sc->pending, node) {
		if (b->record) {
			scan_warn(sc, b->off, b->seq, b->path, b->path_len,
				  "CRC32C mismatch: record damaged");
			if (!ret)
				ret = scan_mark_bad(sc, b->path, b->path_len,
						    &b->ir);
		} else {
			scan_warn(sc, b->off, 0, NULL, 0,
				  "bytes that are no record before the next record");
		}
		list_del(&b->node);
		kfree(b);
	}
	return ret;
}

/* Nothing intact follows: the damage kept so far is the torn tail. */
static void scan_drop(struct m2mv_scan *sc)
{
	struct m2mv_scan_bad *b, *next;

	list_for_each_entry_safe(b, next, &sc->pending, node) {
		list_del(&b->node);
		kfree(b);
	}
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
	return 0;
}

/* A dir-mode per-container PUT: count a use of its key's nonce. */
static int scan_nonce(struct m2mv_scan *sc, const struct m2mv_rec *rec)
{
	struct m2mv_store *s = sc->s;
	struct m2mv_dnonce *d;
	const char *id;
	u16 id_len;

	if (m2mv_jose_header_kid(rec->hdr, m2mv_rec_hdr_len(rec), sc->kid)) {
		pr_warn_ratelimited("store %s: seq %llu: no kid in the protected header\n",
				    s->name, le64_to_cpu(rec->head->seq));
		return 0;
	}
	m2mv_dir_id(rec->path, m2mv_rec_path_len(rec), false, &id, &id_len);

	mutex_lock(&s->nonce_lock);
	d = dnonce_get(s, sc->kid, strlen(sc->kid), id, id_len,
		       rec->head->nonce);
	if (d) {
		memcpy(d->nonce, rec->head->nonce, M2MV_NONCE_SIZE);
		if (d->uses < U64_MAX)
			d->uses++;
	}
	mutex_unlock(&s->nonce_lock);
	return d ? 0 : -ENOMEM;
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

	if (!it->mac_ok)
		what = "chain MAC mismatch: record altered or records removed, moved or inserted";
	else if (seq != sc->seq + 1)
		what = "sequence number out of order";
	sc->seq = seq;
	rec_to_ir(rec, it->off, &ir);
	if (what) {
		scan_warn(sc, it->off, seq, rec->path, plen, what);
		return scan_mark_bad(sc, rec->path, plen, &ir);
	}

	sc->rep->records++;
	if (h->type == M2MV_REC_CKPT)
		return scan_ckpt(sc, rec, it->off);

	if (!store_path_ok(rec->path, plen) || !ir.version) {
		scan_warn(sc, it->off, seq, NULL, 0, "invalid path or version");
		return 0;
	}
	ret = m2mv_index_apply(ix, rec->path, plen, &ir);
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
			ret = scan_defer(sc, NULL, it->gap, it->off);
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

static int scrub_window(struct m2mv_scan *sc);
static void scrub_progress(struct m2mv_scan *sc, bool last);

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
			ret = sc->scrub ? scrub_window(sc) : scan_apply(sc);
			if (ret)
				return ret;
			memcpy(sc->chain,
			       sc->items[sc->nitems - 1].rec.head->chain,
			       M2MV_CHAIN_SIZE);
		}
		if (sc->scrub) {
			if (store_gone(sc->s))
				return -ENODEV;
			scrub_progress(sc, false);
		}
		cond_resched();
		if (fatal_signal_pending(current))
			return -EINTR;
	}
	return 0;
}

/* Cut what follows the last intact record: a write the crash tore. */
static int scan_cut_tail(struct m2mv_scan *sc)
{
	struct m2mv_store *s = sc->s;
	loff_t torn = sc->size - sc->good_end;
	int ret;

	if (!torn)
		return 0;
	if (s->flags & M2MV_ATTACH_F_RDONLY) {
		pr_warn("store %s: %lld bytes of torn tail at offset %lld left in place (read-only)\n",
			s->name, torn, sc->good_end);
		return 0;
	}
	ret = store_truncate(s, sc->good_end);
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

static void scan_free(struct m2mv_scan *sc)
{
	scan_drop(sc);
	kfree_sensitive(sc->desc);
	kvfree(sc->items);
	kvfree(sc->big);
	kvfree(sc->buf);
	kfree(sc);
}

/*
 * A scan of the records of @file from M2MV_SUPER_SIZE to @size, the first
 * one chaining from @chain (the superblock's key check value).
 */
static struct m2mv_scan *scan_alloc(struct m2mv_store *s, struct file *file,
				    loff_t size, const u8 *chain)
{
	struct m2mv_scan *sc;

	sc = kzalloc(sizeof(*sc), GFP_KERNEL);
	if (!sc)
		return NULL;
	sc->s = s;
	sc->file = file;
	sc->size = size;
	sc->pos = M2MV_SUPER_SIZE;
	sc->gap = -1;
	memcpy(sc->chain, chain, M2MV_CHAIN_SIZE);
	INIT_LIST_HEAD(&sc->pending);
	sc->good_end = M2MV_SUPER_SIZE;
	memcpy(sc->good_chain, chain, M2MV_CHAIN_SIZE);

	sc->buf = kvmalloc(M2MV_SCAN_BUF, GFP_KERNEL);
	sc->items = kvmalloc_array(M2MV_SCAN_ITEMS, sizeof(*sc->items),
				   GFP_KERNEL);
	sc->desc = scan_desc_alloc(s->tfm);
	if (!sc->buf || !sc->items || !sc->desc) {
		scan_free(sc);
		return NULL;
	}
	return sc;
}

/*
 * Rebuild the index, the chain state and the nonce table from the records
 * after the superblock; the chain starts from the key check value already
 * in s->chain.
 */
static int store_scan(struct m2mv_store *s, loff_t size,
		      struct m2mv_attach_report *rep)
{
	struct m2mv_scan *sc;
	int ret;

	sc = scan_alloc(s, s->file, size, s->chain);
	if (!sc)
		return -ENOMEM;
	sc->rep = rep;
	scan_workers_start(sc);
	ret = scan_log(sc);
	scan_workers_stop(sc);
	if (ret)
		goto out;
	scan_drop(sc);
	ret = scan_cut_tail(sc);
	if (ret)
		goto out;

	s->seq = sc->good_seq;
	memcpy(s->chain, sc->good_chain, M2MV_CHAIN_SIZE);
	s->since_ckpt = min_t(u64, sc->good_seq - sc->ckpt_seq, U32_MAX);
	atomic64_set(&s->tail, sc->good_end);
	atomic64_set(&s->durable, 0);
	rep->live = s->index.live;
out:
	scan_free(sc);
	return ret;
}

/* --------------------------------------------------------------- scrub */

/*
 * A scrub reuses the scan's parse and verify steps (CRC and chain MAC, on
 * several CPUs) and replaces apply with checks that change nothing but the
 * damaged flag of index entries: sequence numbers, paths, versions, the
 * checkpoint body, the protected header of each PUT and, when the caller
 * possesses the record's key, its tag.
 */
struct m2mv_scrub {
	m2mv_progress_fn progress;
	m2mv_bad_fn bad;
	void *ctx;
	struct m2mv_verify_report *rep;
	loff_t reported;		/* progress passed on up to here */
	/* the last key looked up, as m2mv_cred_get() answered */
	bool key_valid;
	u8 key_mode;
	int key_err;
	char key_kid[M2MV_CREDID_MAX + 1];
	u8 key[M2MV_KEY_SIZE];
	char kid[M2MV_CREDID_MAX + 1];
	char hdr[M2MV_HDR_MAX];
};

static void scrub_progress(struct m2mv_scan *sc, bool last)
{
	struct m2mv_scrub *sb = sc->scrub;

	if (!sb->progress)
		return;
	if (!last && sc->pos - sb->reported < SZ_1M)
		return;
	sb->reported = sc->pos;
	sb->progress(sb->ctx, last ? sc->size : sc->pos, sc->size);
}

/*
 * One failure: count, log, tell the caller, and if @rec (at @off) is the
 * record its path's index entry points at, mark that entry damaged.
 */
static int scrub_bad(struct m2mv_scan *sc, const struct m2mv_rec *rec,
		     loff_t off, u64 seq, int reason, const char *what)
{
	struct m2mv_scrub *sb = sc->scrub;
	struct m2mv_store *s = sc->s;
	const char *path = "";
	u16 plen = 0;
	int ret;

	sb->rep->integrity_errors++;
	atomic64_inc(&s->counters[M2MV_STORE_CNT_INTEGRITY]);
	if (rec && store_path_ok(rec->path, m2mv_rec_path_len(rec))) {
		path = rec->path;
		plen = m2mv_rec_path_len(rec);
	}
	if (plen)
		pr_warn_ratelimited("store %s: scrub: offset %lld seq %llu path %.*s: %s\n",
				    s->name, off, seq, (int)plen, path, what);
	else
		pr_warn_ratelimited("store %s: scrub: offset %lld seq %llu: %s\n",
				    s->name, off, seq, what);
	m2mv_nl_event_integrity(s->name, path, plen, seq, reason);

	if (plen && (rec->head->type == M2MV_REC_PUT ||
		     rec->head->type == M2MV_REC_DEL)) {
		down_write(&s->index.lock);
		m2mv_index_mark_bad_at(&s->index, path, plen, off);
		up_write(&s->index.lock);
	}
	if (!sb->bad)
		return 0;
	ret = sb->bad(sb->ctx, path, plen, seq, reason);
	return ret < 0 ? ret : 0;
}

/*
 * The caller's key for (@kid, @mode) into sb->key: 0, a possession error,
 * -EKEYREJECTED, or another error that ends the scrub. The last answer is
 * kept: records usually come in runs under one key.
 */
static int scrub_key(struct m2mv_scrub *sb, const char *kid, u8 mode)
{
	int ret;

	if (sb->key_valid && sb->key_mode == mode && !strcmp(sb->key_kid, kid))
		return sb->key_err;
	sb->key_valid = false;
	ret = m2mv_cred_get(kid, mode, sb->key);
	switch (ret) {
	case 0:
	case -ENOKEY:
	case -EKEYREVOKED:
	case -EKEYEXPIRED:
	case -EACCES:
	case -EKEYREJECTED:
		sb->key_valid = true;
		sb->key_mode = mode;
		sb->key_err = ret;
		strscpy(sb->key_kid, kid, sizeof(sb->key_kid));
		break;
	}
	if (ret)
		memzero_explicit(sb->key, sizeof(sb->key));
	return ret;
}

/*
 * A PUT: its protected header must be the one the kernel writes for what
 * its head says, and its tag must verify under the key if the caller has
 * it. Return: 0 with *@what set on a failure (and *@reason), or an error
 * that ends the scrub.
 */
static int scrub_put(struct m2mv_scan *sc, const struct m2mv_rec *rec,
		     const char **what, int *reason)
{
	struct m2mv_scrub *sb = sc->scrub;
	struct m2mv_hdr_fields f = {
		.mode = rec->head->mode,
		.instance = rec->head->flags & M2MV_RECF_INSTANCE,
		.kid = sb->kid,
		.path = rec->path,
		.path_len = m2mv_rec_path_len(rec),
		.version = le64_to_cpu(rec->head->version),
		.store_id = sc->s->store_id,
		.nonce = rec->head->nonce,
	};
	u32 len = m2mv_rec_len(rec);
	u16 hlen = m2mv_rec_hdr_len(rec);
	struct m2mv_rec tmp;
	u8 *copy;
	int ret;

	if (m2mv_jose_header_kid(rec->hdr, hlen, sb->kid)) {
		*what = "no kid in the protected header";
		return 0;
	}
	ret = m2mv_jose_header(sb->hdr, sizeof(sb->hdr), &f);
	if (ret < 0 || ret != hlen || memcmp(sb->hdr, rec->hdr, hlen)) {
		*what = "protected header does not match";
		return 0;
	}

	ret = scrub_key(sb, sb->kid, rec->head->mode);
	if (ret == -ENOKEY || ret == -EKEYREVOKED || ret == -EKEYEXPIRED ||
	    ret == -EACCES) {
		sb->rep->unverified_tags++;
		return 0;
	}
	if (ret == -ENOMEM || ret == -EINTR || ret == -ERESTARTSYS)
		return ret;
	if (ret) {
		/* EKEYREJECTED: the kid's type does not fit the mode */
		*what = "the protected header names no usable credential";
		*reason = ret;
		return 0;
	}

	/* Open a private copy: the window stays ciphertext. */
	copy = kvmalloc(len, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, rec->buf, len);
	ret = m2mv_rec_map(&tmp, copy, len);
	if (ret) {
		kvfree(copy);
		return ret;
	}
	ret = m2mv_open(&tmp, sb->key);
	m2mv_rec_free(&tmp);		/* wipes the plaintext */
	if (ret == -ENOMEM)
		return ret;
	if (ret) {
		*what = "authentication tag does not verify";
		*reason = ret;
	}
	return 0;
}

/* Check one record the parse found; count it. */
static int scrub_one(struct m2mv_scan *sc, const struct m2mv_scan_item *it)
{
	const struct m2mv_rec *rec = &it->rec;
	const struct m2mv_disk_rec *h = rec->head;
	const struct m2mv_disk_ckpt *c;
	u64 seq = le64_to_cpu(h->seq);
	const char *what = NULL;
	int reason = -EBADMSG;
	int ret = 0;

	sc->scrub->rep->records++;
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
	case M2MV_REC_PUT:
	case M2MV_REC_DEL:
		if (!store_path_ok(rec->path, m2mv_rec_path_len(rec)) ||
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
 * @progress: called about every MiB and at the end with the bytes read and
 *	the bytes to read (file offsets); may be NULL
 * @bad: called for each failure with the record's path (empty if it has no
 *	valid one), its sequence number (0 if unknown) and a negative reason;
 *	a negative return ends the scrub with that error; may be NULL
 * @ctx: passed to @progress and @bad
 * @rep: out: records checked, failures, PUTs whose tag was not checked
 *
 * Reads the log from the superblock to the tail as it was when the scrub
 * started; appends continue meanwhile. Every record is checked as the
 * attach scan checks it, and each PUT's protected header is rebuilt and
 * compared; the tag is verified on a private copy, in the caller's context,
 * if the caller possesses the record's key (the plaintext is wiped), else
 * counted in @rep->unverified_tags. A failing record that is its path's
 * newest makes the path read as damaged (EBADMSG), as after an attach.
 * Bytes beyond the tail (a torn tail left by a read-only attach) are not
 * read.
 *
 * Return: 0 (whatever was found), -ENODEV (detached), -EINTR (fatal
 * signal), -ENOMEM, or the file system's error.
 */
int m2mv_store_verify(struct m2mv_store *s, m2mv_progress_fn progress,
		      m2mv_bad_fn bad, void *ctx,
		      struct m2mv_verify_report *rep)
{
	u8 check[M2MV_CHAIN_SIZE];
	struct m2mv_scrub *sb;
	struct m2mv_scan *sc;
	struct file *file;
	loff_t tail, size;
	u64 seq;
	int ret;

	memset(rep, 0, sizeof(*rep));
	if (store_gone(s))
		return -ENODEV;
	ret = store_key_check(s, s->store_id, check);
	if (ret)
		return ret;
	sb = kzalloc(sizeof(*sb), GFP_KERNEL);
	if (!sb)
		return -ENOMEM;
	sb->progress = progress;
	sb->bad = bad;
	sb->ctx = ctx;
	sb->rep = rep;

	ret = mutex_lock_killable(&s->ctl_lock);
	if (ret)
		goto out_free;
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
	sc = scan_alloc(s, file, size, check);
	if (!sc)
		goto out_file;
	sc->scrub = sb;
	scan_workers_start(sc);
	ret = scan_log(sc);
	scan_workers_stop(sc);
	if (!ret && size < tail)
		ret = scrub_bad(sc, NULL, size, 0, -EBADMSG,
				"the file ends before the last record");
	else if (!ret && sc->seq != seq)
		ret = scrub_bad(sc, NULL, size, seq, -EBADMSG,
				"the last record is not the last one appended");
	if (!ret)
		scrub_progress(sc, true);
	scan_free(sc);
out_file:
	fput(file);
	mutex_unlock(&s->ctl_lock);
out_free:
	kfree_sensitive(sb);
	memzero_explicit(check, sizeof(check));
	if (ret)
		memset(rep, 0, sizeof(*rep));
	else
		pr_info("store %s: scrub: %llu records, %llu integrity errors, %llu tags not checked (no key)\n",
			s->name, rep->records, rep->integrity_errors,
			rep->unverified_tags);
	return ret;
}

/* ---------------------------------------------------------- compaction */

static bool registry_file_busy(const struct inode *inode);

/*
 * A compaction writes the newest record of every live path into a new file,
 * in path order, as a log of its own: same superblock (store id, key check),
 * fresh sequence numbers and chain, a checkpoint every M2MV_CKPT_INTERVAL
 * records and one at the end. It holds the append lock throughout, so the
 * set of live paths and their versions cannot change under it.
 */
struct m2mv_compact {
	struct m2mv_store *s;
	struct file *file;		/* the new log */
	struct shash_desc *desc;
	m2mv_xform_fn xform;
	void *ctx;
	u8 chain[M2MV_CHAIN_SIZE];	/* of the last record written */
	u64 seq;			/* of the last record written */
	loff_t end;			/* of the last record written */
	u64 live;			/* PUTs written */
	u64 live_bytes;			/* and their bytes */
	u32 since_ckpt;
	u64 nlive;			/* live paths when it started */
	struct m2mv_index_loc *locs;	/* @nlive: where the PUTs went */
	struct m2mv_index_item *items;	/* M2MV_LIST_BATCH + 1 */
};

/* Chain, checksum and write @rec at the end of the new log. */
static int compact_write(struct m2mv_compact *cp, struct m2mv_rec *rec)
{
	struct m2mv_disk_rec *h = rec->head;
	u32 len = m2mv_rec_len(rec);
	u8 chain[M2MV_CHAIN_SIZE];
	int ret;

	h->seq = cpu_to_le64(cp->seq + 1);
	h->crc = 0;
	memset(h->chain, 0, sizeof(h->chain));
	ret = rec_chain(cp->desc, cp->chain, rec, chain);
	if (ret)
		return ret;
	memcpy(h->chain, chain, sizeof(chain));
	h->crc = cpu_to_le32(m2mv_rec_crc(rec));
	ret = file_write_at(cp->file, rec->buf, len, cp->end);
	if (ret)
		return ret;
	cp->seq++;
	memcpy(cp->chain, chain, sizeof(chain));
	cp->end += len;
	return 0;
}

static int compact_ckpt(struct m2mv_compact *cp)
{
	struct m2mv_rec_shape shape = {
		.type = M2MV_REC_CKPT,
		.mode = M2MV_MODE_NONE,
		.payload_len = sizeof(struct m2mv_disk_ckpt),
	};
	struct m2mv_disk_ckpt *c;
	struct m2mv_rec rec;
	int ret;

	ret = m2mv_rec_alloc(&rec, &shape);
	if (ret)
		return ret;
	c = (struct m2mv_disk_ckpt *)rec.payload;
	c->records = cpu_to_le64(cp->seq);
	c->live = cpu_to_le64(cp->live);
	c->live_bytes = cpu_to_le64(cp->live_bytes);
	rec.head->time_ns = cpu_to_le64(ktime_get_real_ns());
	ret = compact_write(cp, &rec);
	if (!ret)
		cp->since_ckpt = 0;
	m2mv_rec_free(&rec);
	return ret;
}

/* Read the record of a live entry from the old log and check it. */
static int compact_read(struct m2mv_compact *cp,
			const struct m2mv_index_item *it, struct m2mv_rec *rec)
{
	const struct m2mv_entry *e = &it->e;
	struct m2mv_store *s = cp->s;
	const char *what = NULL;
	u8 *buf;
	int ret;

	memset(rec, 0, sizeof(*rec));
	if (e->rec_flags & M2MV_STAT_F_BAD) {
		pr_warn("store %s: compaction refused: %.*s is damaged (verify the store, then delete or overwrite it)\n",
			s->name, (int)it->path_len, it->path);
		return -EBADMSG;
	}
	if (e->reclen < sizeof(struct m2mv_disk_rec) || e->reclen % 8 ||
	    e->reclen > INT_MAX) {
		m2mv_store_report_bad(s, it->path, it->path_len, 0,
				      "impossible record length");
		return -EBADMSG;
	}
	buf = kvmalloc(e->reclen, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = file_read_at(s->file, buf, e->reclen, e->off);
	if (ret && ret != -ENODATA) {
		kvfree(buf);
		return ret;
	}
	if (ret) {
		what = "record missing: the file is shorter";
		kvfree(buf);
	} else if (m2mv_rec_map(rec, buf, e->reclen)) {
		what = "record layout damaged";
		kvfree(buf);
	} else if (m2mv_rec_crc(rec) != le32_to_cpu(rec->head->crc)) {
		what = "CRC32C mismatch";
	} else if (rec->head->type != M2MV_REC_PUT) {
		what = "not a PUT record";
	} else if (bytes_cmp(rec->path, m2mv_rec_path_len(rec), it->path,
			     it->path_len)) {
		what = "record of another path";
	} else if (le64_to_cpu(rec->head->version) != e->version) {
		what = "record of another version";
	}
	if (what) {
		m2mv_rec_free(rec);
		m2mv_store_report_bad(s, it->path, it->path_len, 0, what);
		return -EBADMSG;
	}
	return 0;
}

/* What a transform returned must stand in for @in in the index. */
static bool compact_out_ok(const struct m2mv_rec *in, const struct m2mv_rec *out)
{
	struct m2mv_rec view;

	return out->buf && m2mv_rec_len(out) <= out->cap &&
	       !m2mv_rec_map(&view, out->buf, m2mv_rec_len(out)) &&
	       out->head->type == M2MV_REC_PUT &&
	       out->head->mode == in->head->mode &&
	       out->head->flags == in->head->flags &&
	       out->head->version == in->head->version &&
	       out->head->payload_len == in->head->payload_len &&
	       !bytes_cmp(out->path, m2mv_rec_path_len(out), in->path,
			  m2mv_rec_path_len(in));
}

/* Copy (or transform) the newest record of one live path. */
static int compact_one(struct m2mv_compact *cp,
		       const struct m2mv_index_item *it)
{
	struct m2mv_rec in, out = {}, *rec = &in;
	int ret;

	if (cp->live >= cp->nlive)
		return -ESTALE;
	ret = compact_read(cp, it, &in);
	if (ret)
		return ret;
	if (cp->xform) {
		ret = cp->xform(cp->ctx, &in, &out);
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
	cp->locs[cp->live].off = cp->end;
	cp->locs[cp->live].reclen = m2mv_rec_len(rec);
	ret = compact_write(cp, rec);
	if (ret)
		goto out;
	cp->live++;
	cp->live_bytes += m2mv_rec_len(rec);
	if (++cp->since_ckpt >= M2MV_CKPT_INTERVAL)
		ret = compact_ckpt(cp);
out:
	m2mv_rec_free(&out);
	m2mv_rec_free(&in);
	return ret;
}

/* Every live path, in path order, in batches copied out of the index. */
static int compact_records(struct m2mv_compact *cp)
{
	struct m2mv_index_item *items = cp->items;
	struct m2mv_index_item *cursor = &items[M2MV_LIST_BATCH];
	struct m2mv_store *s = cp->s;
	const char *after = "";
	u16 after_len = 0;
	unsigned int i, n;
	int ret;

	do {
		down_read(&s->index.lock);
		n = m2mv_index_collect(&s->index, "", 0, after, after_len,
				       items, M2MV_LIST_BATCH);
		up_read(&s->index.lock);
		for (i = 0; i < n; i++) {
			ret = compact_one(cp, &items[i]);
			if (ret)
				return ret;
		}
		if (n) {
			cursor->path_len = items[n - 1].path_len;
			memcpy(cursor->path, items[n - 1].path,
			       cursor->path_len);
			after = cursor->path;
			after_len = cursor->path_len;
		}
		if (fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	} while (n == M2MV_LIST_BATCH);
	return cp->live == cp->nlive ? 0 : -ESTALE;
}

/* The new file's superblock: the old one, checked, as it is. */
static int compact_super(struct m2mv_compact *cp)
{
	struct m2mv_store *s = cp->s;
	struct m2mv_disk_super *sb;
	u8 check[M2MV_CHAIN_SIZE];
	int ret;

	sb = kmalloc(M2MV_SUPER_SIZE, GFP_KERNEL);
	if (!sb)
		return -ENOMEM;
	ret = file_read_at(s->file, sb, M2MV_SUPER_SIZE, 0);
	if (ret)
		goto out;
	ret = store_key_check(s, s->store_id, check);
	if (ret)
		goto out;
	if (sb->magic != cpu_to_le32(M2MV_SUPER_MAGIC) ||
	    le32_to_cpu(sb->crc) != super_crc(sb) ||
	    memcmp(sb->store_id, s->store_id, M2MV_STORE_ID_SIZE) ||
	    crypto_memneq(sb->key_check, check, sizeof(check))) {
		pr_warn("store %s: compaction refused: the superblock changed\n",
			s->name);
		ret = -EBADMSG;
		goto out;
	}
	ret = file_write_at(cp->file, sb, M2MV_SUPER_SIZE, 0);
	if (ret)
		goto out;
	memcpy(cp->chain, check, sizeof(check));
	cp->end = M2MV_SUPER_SIZE;
out:
	kfree(sb);
	return ret;
}

/* Reserve @file for the compaction of @s: no store may use it meanwhile. */
static int compact_claim(struct m2mv_store *s, struct file *file)
{
	int ret = 0;

	mutex_lock(&m2mv_stores_lock);
	if (registry_file_busy(file_inode(file))) {
		ret = -EBUSY;
	} else {
		spin_lock(&s->file_lock);
		s->pending = file;
		spin_unlock(&s->file_lock);
	}
	mutex_unlock(&m2mv_stores_lock);
	return ret;
}

static void compact_unclaim(struct m2mv_store *s)
{
	mutex_lock(&m2mv_stores_lock);
	spin_lock(&s->file_lock);
	s->pending = NULL;
	spin_unlock(&s->file_lock);
	mutex_unlock(&m2mv_stores_lock);
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
		s->seq = cp->seq;
		memcpy(s->chain, cp->chain, M2MV_CHAIN_SIZE);
		s->since_ckpt = 0;
		atomic64_set_release(&s->tail, cp->end);
		atomic64_set_release(&s->durable, cp->end);
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
	up_read(&s->index.lock);
	cp->locs = kvmalloc_array(max_t(u64, cp->nlive, 1), sizeof(*cp->locs),
				  GFP_KERNEL);
	if (!cp->locs)
		return -ENOMEM;

	ret = compact_super(cp);
	if (!ret)
		ret = compact_records(cp);
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
	if (ret && file_truncate(cp->file, 0))
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
 * @ctx: passed to @xform
 * @rep: out: records and bytes of the new log
 *
 * The new log has the old superblock (store id, creation time, key check),
 * then the newest record of every live path in path order, each with its
 * header, payload, tag and time as they were (the AEAD covers none of seq,
 * chain or time), a fresh sequence number (1, 2, ...) and chain; a
 * checkpoint every M2MV_CKPT_INTERVAL records and one at the end.
 * Tombstones and older versions are dropped. Once the new file is flushed,
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
		       m2mv_xform_fn xform, void *ctx,
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
	if (store_gone(s))
		return -ENODEV;
	if (s->flags & M2MV_ATTACH_F_RDONLY)
		return -EROFS;

	cp = kzalloc(sizeof(*cp), GFP_KERNEL);
	if (!cp)
		return -ENOMEM;
	cp->s = s;
	cp->file = file;
	cp->xform = xform;
	cp->ctx = ctx;
	cp->desc = scan_desc_alloc(s->tfm);
	cp->items = kmalloc_array(M2MV_LIST_BATCH + 1, sizeof(*cp->items),
				  GFP_KERNEL);
	ret = -ENOMEM;
	if (!cp->desc || !cp->items)
		goto out_free;

	ret = mutex_lock_killable(&s->ctl_lock);
	if (ret)
		goto out_free;
	ret = compact_claim(s, file);
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
		rep->records = cp->seq;
		rep->bytes = cp->end;
		pr_info("store %s: compacted: %llu records, %llu live, %llu bytes\n",
			s->name, cp->seq, cp->live, cp->end);
	}
out_unclaim:
	compact_unclaim(s);
out_ctl:
	mutex_unlock(&s->ctl_lock);
out_free:
	kvfree(cp->locs);
	kfree(cp->items);
	kfree_sensitive(cp->desc);
	kfree(cp);
	return ret;
}

/* -------------------------------------------------------------- attach */

static int store_format(struct m2mv_store *s)
{
	struct m2mv_disk_super *sb;
	int ret;

	sb = kzalloc(M2MV_SUPER_SIZE, GFP_KERNEL);
	if (!sb)
		return -ENOMEM;
	sb->magic = cpu_to_le32(M2MV_SUPER_MAGIC);
	sb->version = cpu_to_le16(M2MV_FORMAT_VERSION);
	get_random_bytes(sb->store_id, sizeof(sb->store_id));
	sb->created_ns = cpu_to_le64(ktime_get_real_ns());
	ret = store_key_check(s, sb->store_id, sb->key_check);
	if (ret)
		goto out;
	sb->crc = cpu_to_le32(super_crc(sb));

	ret = store_write_at(s, sb, M2MV_SUPER_SIZE, 0);
	if (!ret)
		ret = vfs_fsync(s->file, 0);
	if (ret) {
		/* Leave the file as empty as we found it, if we can. */
		store_truncate(s, 0);
		goto out;
	}
	memcpy(s->store_id, sb->store_id, M2MV_STORE_ID_SIZE);
	memcpy(s->chain, sb->key_check, M2MV_CHAIN_SIZE);
	s->seq = 0;
	atomic64_set(&s->tail, M2MV_SUPER_SIZE);
	atomic64_set(&s->durable, M2MV_SUPER_SIZE);
	pr_info("store %s: formatted\n", s->name);
out:
	kfree(sb);
	return ret;
}

static int store_open(struct m2mv_store *s, loff_t size,
		      struct m2mv_attach_report *rep)
{
	struct m2mv_disk_super sb;
	u8 check[M2MV_CHAIN_SIZE];
	int ret;

	if (size < M2MV_SUPER_SIZE) {
		pr_warn("store %s: file too short for a store\n", s->name);
		return -EBADMSG;
	}
	ret = file_read_at(s->file, &sb, sizeof(sb), 0);
	if (ret)
		return ret == -ENODATA ? -EBADMSG : ret;
	if (sb.magic != cpu_to_le32(M2MV_SUPER_MAGIC) ||
	    le32_to_cpu(sb.crc) != super_crc(&sb)) {
		pr_warn("store %s: no valid superblock\n", s->name);
		return -EBADMSG;
	}
	if (le16_to_cpu(sb.version) != M2MV_FORMAT_VERSION || sb.flags ||
	    sb.reserved0) {
		pr_warn("store %s: format version %u flags %#x not supported\n",
			s->name, le16_to_cpu(sb.version), le16_to_cpu(sb.flags));
		return -EBADMSG;
	}
	ret = store_key_check(s, sb.store_id, check);
	if (ret)
		return ret;
	if (crypto_memneq(check, sb.key_check, sizeof(check))) {
		pr_warn("store %s: the store key does not match the store\n",
			s->name);
		return -EKEYREJECTED;
	}
	memcpy(s->store_id, sb.store_id, M2MV_STORE_ID_SIZE);
	memcpy(s->chain, sb.key_check, M2MV_CHAIN_SIZE);
	return store_scan(s, size, rep);
}

static void store_free(struct m2mv_store *s)
{
	dnonce_destroy(s);
	m2mv_index_destroy(&s->index);
	crypto_free_shash(s->tfm);
	fput(s->file);
	kfree(s);
}

static void store_release(struct kref *ref)
{
	store_free(container_of(ref, struct m2mv_store, ref));
}

static struct m2mv_store *store_alloc(const char *name, struct file *file,
				      u32 flags)
{
	struct m2mv_store *s;
	int i;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return NULL;
	INIT_LIST_HEAD(&s->node);
	kref_init(&s->ref);
	s->flags = flags;
	strscpy(s->name, name, sizeof(s->name));
	spin_lock_init(&s->file_lock);
	mutex_init(&s->ctl_lock);
	mutex_init(&s->append_lock);
	atomic64_set(&s->tail, 0);
	mutex_init(&s->sync_lock);
	atomic64_set(&s->durable, 0);
	m2mv_index_init(&s->index);
	mutex_init(&s->nonce_lock);
	s->nonces = RB_ROOT;
	for (i = 0; i < __M2MV_STORE_CNT_MAX; i++)
		atomic64_set(&s->counters[i], 0);
	s->file = get_file(file);
	return s;
}

static int store_setkey(struct m2mv_store *s, const u8 *key)
{
	struct crypto_shash *tfm;
	int ret;

	tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	ret = crypto_shash_setkey(tfm, key, M2MV_KEY_SIZE);
	if (ret) {
		crypto_free_shash(tfm);
		return ret;
	}
	s->tfm = tfm;
	return 0;
}

/* Is @inode the file of a store, or the target of its compaction? */
static bool registry_file_busy(const struct inode *inode)
{
	struct m2mv_store *o;
	bool busy = false;

	lockdep_assert_held(&m2mv_stores_lock);
	list_for_each_entry(o, &m2mv_stores, node) {
		spin_lock(&o->file_lock);
		busy = file_inode(o->file) == inode ||
		       (o->pending && file_inode(o->pending) == inode);
		spin_unlock(&o->file_lock);
		if (busy)
			break;
	}
	return busy;
}

/* Enter @s in the registry, not yet ready: its name and file are taken. */
static int registry_claim(struct m2mv_store *s)
{
	struct m2mv_store *o;
	int ret = 0;

	mutex_lock(&m2mv_stores_lock);
	list_for_each_entry(o, &m2mv_stores, node) {
		if (!strcmp(o->name, s->name)) {
			ret = -EEXIST;
			break;
		}
	}
	if (!ret && registry_file_busy(file_inode(s->file)))
		ret = -EBUSY;
	if (!ret)
		list_add_tail(&s->node, &m2mv_stores);
	mutex_unlock(&m2mv_stores_lock);
	return ret;
}

static struct m2mv_store *registry_find(const char *name)
{
	struct m2mv_store *s;

	lockdep_assert_held(&m2mv_stores_lock);
	list_for_each_entry(s, &m2mv_stores, node)
		if (s->ready && !strcmp(s->name, name))
			return s;
	return NULL;
}

/**
 * m2mv_store_attach() - attach a store file under a name
 * @name: a valid store name (the caller checks it)
 * @file: the store file; the store takes its own reference
 * @store_key: the 32-byte store key; the caller wipes its copy afterwards
 * @flags: M2MV_ATTACH_F_*
 * @rep: out: what the scan found
 *
 * An empty file is formatted (unless read-only); otherwise the superblock
 * and the store key are checked and every record is scanned: the index,
 * the structure chain and the dir-mode nonces are rebuilt and a torn tail
 * is cut off. Damaged records do not fail the attach; they are counted in
 * @rep and the paths they name read as damaged.
 *
 * Return: 0; -EINVAL (not a regular file, O_DIRECT, unknown flags), -EBADF
 * (not open for reading or, unless read-only, writing), -EEXIST (name
 * taken), -EBUSY (file attached under another name), -EBADMSG (not a
 * store, damaged superblock or unsupported version), -EKEYREJECTED (wrong
 * store key), -ENOMEM, -EINTR, or the file system's error.
 */
int m2mv_store_attach(const char *name, struct file *file,
		      const u8 store_key[32], u32 flags,
		      struct m2mv_attach_report *rep)
{
	struct m2mv_store *s;
	loff_t size;
	int ret;

	memset(rep, 0, sizeof(*rep));
	if (flags & ~__M2MV_ATTACH_F_ALL)
		return -EINVAL;
	if (!S_ISREG(file_inode(file)->i_mode) || (file->f_flags & O_DIRECT))
		return -EINVAL;
	if (!(file->f_mode & FMODE_READ))
		return -EBADF;
	if (!(flags & M2MV_ATTACH_F_RDONLY) && !(file->f_mode & FMODE_WRITE))
		return -EBADF;

	s = store_alloc(name, file, flags);
	if (!s)
		return -ENOMEM;
	ret = store_setkey(s, store_key);
	if (ret)
		goto err_free;
	ret = registry_claim(s);
	if (ret)
		goto err_free;

	size = i_size_read(file_inode(file));
	if (!size && !(flags & M2MV_ATTACH_F_RDONLY))
		ret = store_format(s);
	else
		ret = store_open(s, size, rep);
	if (ret)
		goto err_unclaim;

	mutex_lock(&m2mv_stores_lock);
	s->ready = true;
	m2mv_stores_gen++;
	mutex_unlock(&m2mv_stores_lock);
	pr_info("store %s: attached%s: %llu records, %llu live, %llu integrity errors, %llu bytes cut\n",
		s->name, (flags & M2MV_ATTACH_F_RDONLY) ? " read-only" : "",
		rep->records, rep->live, rep->integrity_errors, rep->truncated);
	return 0;

err_unclaim:
	mutex_lock(&m2mv_stores_lock);
	list_del_init(&s->node);
	mutex_unlock(&m2mv_stores_lock);
err_free:
	store_free(s);
	memset(rep, 0, sizeof(*rep));
	return ret;
}

/* -------------------------------------------------------------- append */

/* A write failed at @off: cut what it left, or refuse further writes. */
static void store_undo(struct m2mv_store *s, loff_t off)
{
	int ret;

	if (i_size_read(file_inode(s->file)) <= off)
		return;
	ret = store_truncate(s, off);
	if (ret) {
		s->write_err = -EIO;
		pr_err("store %s: cannot cut a failed write at offset %lld (%d): writes refused until the store is attached again\n",
		       s->name, off, ret);
	}
}

/* Chain, checksum and write @rec at the tail. */
static int append_locked(struct m2mv_store *s, struct m2mv_rec *rec,
			 u64 *seq, loff_t *end)
{
	struct m2mv_disk_rec *h = rec->head;
	u32 len = m2mv_rec_len(rec);
	u8 chain[M2MV_CHAIN_SIZE];
	loff_t off;
	int ret;

	lockdep_assert_held(&s->append_lock);
	if (s->detached)
		return -ENODEV;
	if (s->flags & M2MV_ATTACH_F_RDONLY)
		return -EROFS;
	if (s->write_err || READ_ONCE(s->sync_err))
		return -EIO;

	h->seq = cpu_to_le64(s->seq + 1);
	h->time_ns = cpu_to_le64(ktime_get_real_ns());
	h->crc = 0;
	memset(h->chain, 0, sizeof(h->chain));
	ret = store_rec_chain(s, rec, chain);
	if (ret)
		return ret;
	memcpy(h->chain, chain, sizeof(chain));
	h->crc = cpu_to_le32(m2mv_rec_crc(rec));

	off = atomic64_read(&s->tail);
	ret = store_write_at(s, rec->buf, len, off);
	if (ret) {
		store_undo(s, off);
		return ret;
	}
	s->seq++;
	memcpy(s->chain, chain, sizeof(chain));
	atomic64_set_release(&s->tail, off + len);
	*seq = s->seq;
	*end = off + len;
	return 0;
}

/* Append a checkpoint of the index as it is now. */
static int append_ckpt(struct m2mv_store *s)
{
	struct m2mv_rec_shape shape = {
		.type = M2MV_REC_CKPT,
		.mode = M2MV_MODE_NONE,
		.payload_len = sizeof(struct m2mv_disk_ckpt),
	};
	struct m2mv_disk_ckpt *c;
	struct m2mv_rec rec;
	loff_t end;
	u64 seq;
	int ret;

	lockdep_assert_held(&s->append_lock);
	ret = m2mv_rec_alloc(&rec, &shape);
	if (ret)
		return ret;
	c = (struct m2mv_disk_ckpt *)rec.payload;
	c->records = cpu_to_le64(s->seq);
	down_read(&s->index.lock);
	c->live = cpu_to_le64(s->index.live);
	c->live_bytes = cpu_to_le64(s->index.live_bytes);
	up_read(&s->index.lock);
	ret = append_locked(s, &rec, &seq, &end);
	if (!ret)
		s->since_ckpt = 0;
	m2mv_rec_free(&rec);
	return ret;
}

/**
 * m2mv_store_append() - append a sealed PUT or DEL record
 * @s: the store
 * @rec: the record, complete but for seq, time, chain and CRC, which are
 *	set here; its version must have come from m2mv_store_reserve()
 * @seq: out: the record's sequence number
 * @end: out: the offset just past it, for m2mv_store_sync()
 *
 * The index takes the record if its version is the highest of its path.
 * Every M2MV_CKPT_INTERVAL records a checkpoint follows.
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

	if (store_gone(s))
		return -ENODEV;
	/* Never write what the scan would not read back. */
	if ((type != M2MV_REC_PUT && type != M2MV_REC_DEL) || len > rec->cap ||
	    m2mv_rec_map(&view, rec->buf, len) ||
	    !le64_to_cpu(rec->head->version) || !store_path_ok(rec->path, plen))
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
		rec_to_ir(rec, *end - len, &ir);
		down_write(&s->index.lock);
		m2mv_index_apply(&s->index, rec->path, plen, &ir);
		up_write(&s->index.lock);
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
	loff_t tail;
	int ret;

	if (atomic64_read_acquire(&s->durable) >= end)
		return 0;
	mutex_lock(&s->sync_lock);
	ret = s->sync_err;
	if (ret || atomic64_read_acquire(&s->durable) >= end)
		goto out;
	if (store_gone(s)) {
		ret = -ENODEV;
		goto out;
	}
	tail = atomic64_read_acquire(&s->tail);
	ret = vfs_fsync_range(s->file, 0, tail - 1, 1);
	if (ret) {
		WRITE_ONCE(s->sync_err, ret);
		pr_err("store %s: flush failed (%d): writes refused until the store is attached again\n",
		       s->name, ret);
		goto out;
	}
	atomic64_set_release(&s->durable, tail);
out:
	mutex_unlock(&s->sync_lock);
	return ret;
}

/* -------------------------------------------------------------- detach */

/* Write a last checkpoint, flush, and refuse everything from now on. */
static void store_shutdown(struct m2mv_store *s)
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
	pr_info("store %s: detached\n", s->name);
}

/**
 * m2mv_store_detach() - take a store out of the registry
 * @name: its name
 *
 * A writable store gets a final checkpoint and a flush. The store is freed
 * when its last reference goes; until then every operation fails with
 * -ENODEV.
 *
 * Return: 0 or -ENOENT.
 */
int m2mv_store_detach(const char *name)
{
	struct m2mv_store *s;

	mutex_lock(&m2mv_stores_lock);
	s = registry_find(name);
	if (s) {
		list_del_init(&s->node);
		m2mv_stores_gen++;
	}
	mutex_unlock(&m2mv_stores_lock);
	if (!s)
		return -ENOENT;
	store_shutdown(s);
	m2mv_store_put(s);
	return 0;
}

/* Module unload: detach every store. */
void m2mv_store_exit(void)
{
	struct m2mv_store *s;

	for (;;) {
		mutex_lock(&m2mv_stores_lock);
		s = list_first_entry_or_null(&m2mv_stores, struct m2mv_store,
					     node);
		if (s) {
			list_del_init(&s->node);
			m2mv_stores_gen++;
		}
		mutex_unlock(&m2mv_stores_lock);
		if (!s)
			break;
		store_shutdown(s);
		m2mv_store_put(s);
	}
}

/* ----------------------------------------------------- references, info */

/* Return: a reference to the attached store @name, or NULL. */
struct m2mv_store *m2mv_store_get(const char *name)
{
	struct m2mv_store *s;

	mutex_lock(&m2mv_stores_lock);
	s = registry_find(name);
	if (s)
		kref_get(&s->ref);
	mutex_unlock(&m2mv_stores_lock);
	return s;
}

/**
 * m2mv_store_get_nth() - walk the attached stores, for a dump
 * @idx: 0 for the first store in attach order
 * @gen: out: the registry's generation, which every attach and detach
 *	changes: a dump seeing it change may have skipped or repeated a store
 *
 * Return: a reference to the store, or NULL past the last one.
 */
struct m2mv_store *m2mv_store_get_nth(unsigned long idx, u64 *gen)
{
	struct m2mv_store *s, *found = NULL;

	mutex_lock(&m2mv_stores_lock);
	*gen = m2mv_stores_gen;
	list_for_each_entry(s, &m2mv_stores, node) {
		if (!s->ready)
			continue;
		if (!idx--) {
			kref_get(&s->ref);
			found = s;
			break;
		}
	}
	mutex_unlock(&m2mv_stores_lock);
	return found;
}

/* Take another reference to a store the caller holds one of. */
void m2mv_store_hold(struct m2mv_store *s)
{
	kref_get(&s->ref);
}

/* Drop a reference; the last one frees the store. May sleep. */
void m2mv_store_put(struct m2mv_store *s)
{
	kref_put(&s->ref, store_release);
}

/*
 * Has the store been detached? Data operations on a store still bound to
 * a file fail with -ENODEV; callers that do other checks first (policy,
 * keys) ask here before them.
 */
bool m2mv_store_detached(const struct m2mv_store *s)
{
	return store_gone(s);
}

const char *m2mv_store_name(const struct m2mv_store *s)
{
	return s->name;
}

const u8 *m2mv_store_id(const struct m2mv_store *s)
{
	return s->store_id;
}

/* The store file's path, written into @buf (d_path()): a pointer or ERR_PTR. */
char *m2mv_store_file_path(struct m2mv_store *s, char *buf, int len)
{
	struct file *file = store_file_get(s, NULL);
	char *p = d_path(&file->f_path, buf, len);

	fput(file);
	return p;
}

void m2mv_store_count(struct m2mv_store *s, enum m2mv_store_counter c)
{
	if (c < __M2MV_STORE_CNT_MAX)
		atomic64_inc(&s->counters[c]);
}

void m2mv_store_status(struct m2mv_store *s, struct m2mv_store_status *st)
{
	int i;

	memset(st, 0, sizeof(*st));
	mutex_lock(&s->append_lock);
	st->seq = s->seq;
	st->detached = s->detached;
	st->failed = s->write_err || READ_ONCE(s->sync_err);
	mutex_unlock(&s->append_lock);
	down_read(&s->index.lock);
	st->live = s->index.live;
	st->live_bytes = s->index.live_bytes;
	up_read(&s->index.lock);
	st->size = atomic64_read_acquire(&s->tail);
	st->durable = atomic64_read_acquire(&s->durable);
	st->flags = s->flags;
	for (i = 0; i < __M2MV_STORE_CNT_MAX; i++)
		st->counters[i] = atomic64_read(&s->counters[i]);
}

/**
 * m2mv_store_report_bad() - log and count a record failing a check
 * @s: the store
 * @path: the path read (may be NULL)
 * @len: its length
 * @seq: the record's sequence number, 0 if unknown
 * @what: what failed
 */
void m2mv_store_report_bad(struct m2mv_store *s, const char *path, u16 len,
			   u64 seq, const char *what)
{
	atomic64_inc(&s->counters[M2MV_STORE_CNT_INTEGRITY]);
	if (!path || !store_path_ok(path, len)) {
		path = "?";
		len = 1;
	}
	pr_warn_ratelimited("store %s: %.*s seq %llu: %s\n", s->name, (int)len,
			    path, seq, what);
	m2mv_nl_event_integrity(s->name, path, len, seq, -EBADMSG);
}

/* ---------------------------------------------------------------- read */

/**
 * m2mv_store_reserve() - reserve the next version of @path
 * @s: the store
 * @path: a valid path
 * @len: its length
 * @version: out: higher than every version of @path appended or reserved
 *
 * Return: 0, -ENODEV, -ENOMEM, -EOVERFLOW.
 */
int m2mv_store_reserve(struct m2mv_store *s, const char *path, u16 len,
		       u64 *version)
{
	int ret;

	if (store_gone(s))
		return -ENODEV;
	down_write(&s->index.lock);
	ret = m2mv_index_reserve(&s->index, path, len, version);
	up_write(&s->index.lock);
	return ret;
}

/**
 * m2mv_store_lookup() - the newest record of @path
 * @s: the store
 * @path: the path
 * @len: its length
 * @e: out: a copy of the index entry; M2MV_STAT_F_BAD in @e->rec_flags
 *	means the newest record failed an integrity check
 *
 * Return: 0, -ENOENT (no such path, or deleted), -ENODEV.
 */
int m2mv_store_lookup(struct m2mv_store *s, const char *path, u16 len,
		      struct m2mv_entry *e)
{
	int ret;

	if (store_gone(s))
		return -ENODEV;
	down_read(&s->index.lock);
	ret = m2mv_index_lookup(&s->index, path, len, e);
	e->gen = READ_ONCE(s->file_gen);
	up_read(&s->index.lock);
	return ret;
}

/**
 * m2mv_store_read() - read and check the record an entry points at
 * @s: the store
 * @path: the path looked up
 * @len: its length
 * @ent: the entry from m2mv_store_lookup()
 * @rec: out: the record, owning its buffer (m2mv_rec_free())
 *
 * Checks the layout, the CRC, that it is a PUT of @path and @ent's version.
 * The tag is the caller's to check. If a compaction moved the store to a
 * new file after the lookup, the record is looked up again there.
 *
 * Return: 0, -EBADMSG (reported with m2mv_store_report_bad()), -ENODEV,
 * -ENOMEM, -ENOENT or -EAGAIN (a compaction moved the store to a new file
 * and the path was deleted or overwritten since the lookup), or the file
 * system's error.
 */
int m2mv_store_read(struct m2mv_store *s, const char *path, u16 len,
		    const struct m2mv_entry *ent, struct m2mv_rec *rec)
{
	const struct m2mv_entry *e = ent;
	struct m2mv_entry cur;
	const char *what = NULL;
	struct file *file;
	u64 seq = 0, gen;
	u8 *buf;
	int ret;

	memset(rec, 0, sizeof(*rec));
	if (store_gone(s))
		return -ENODEV;
	file = store_file_get(s, &gen);
	if (gen != ent->gen) {
		/*
		 * A compaction moved the store to another file since the
		 * lookup: find the record's place in it. If the path changed
		 * since, the version looked up is gone.
		 */
		fput(file);
		down_read(&s->index.lock);
		ret = m2mv_index_lookup(&s->index, path, len, &cur);
		file = get_file(s->file);
		up_read(&s->index.lock);
		if (!ret && cur.version != ent->version)
			ret = -EAGAIN;
		if (ret) {
			fput(file);
			return ret;
		}
		e = &cur;
	}
	if (e->reclen < sizeof(struct m2mv_disk_rec) || e->reclen % 8 ||
	    e->reclen > INT_MAX) {
		fput(file);
		m2mv_store_report_bad(s, path, len, 0, "impossible record length");
		return -EBADMSG;
	}
	buf = kvmalloc(e->reclen, GFP_KERNEL);
	if (!buf) {
		fput(file);
		return -ENOMEM;
	}
	ret = file_read_at(file, buf, e->reclen, e->off);
	fput(file);
	if (ret == -ENODATA) {
		what = "record missing: the file is shorter";
	} else if (ret) {
		kvfree_sensitive(buf, e->reclen);
		return ret;
	} else if (m2mv_rec_map(rec, buf, e->reclen)) {
		what = "record layout damaged";
	}
	if (what) {
		kvfree_sensitive(buf, e->reclen);
		memset(rec, 0, sizeof(*rec));
		m2mv_store_report_bad(s, path, len, 0, what);
		return -EBADMSG;
	}

	seq = le64_to_cpu(rec->head->seq);
	if (m2mv_rec_crc(rec) != le32_to_cpu(rec->head->crc))
		what = "CRC32C mismatch";
	else if (rec->head->type != M2MV_REC_PUT)
		what = "not a PUT record";
	else if (bytes_cmp(rec->path, m2mv_rec_path_len(rec), path, len))
		what = "record of another path";
	else if (le64_to_cpu(rec->head->version) != e->version)
		what = "record of another version";
	if (what) {
		m2mv_rec_free(rec);
		m2mv_store_report_bad(s, path, len, seq, what);
		return -EBADMSG;
	}
	return 0;
}

/**
 * m2mv_store_read_head() - read the head of the record an entry points at
 * @s: the store
 * @e: the entry from m2mv_store_lookup()
 * @head: out: the head, checked against @e but not CRC-checked
 *
 * Return: 0, -EBADMSG (reported), -ENODEV, -EAGAIN (a compaction moved the
 * store to a new file since the lookup: look up again), or the file
 * system's error.
 */
int m2mv_store_read_head(struct m2mv_store *s, const struct m2mv_entry *e,
			 struct m2mv_disk_rec *head)
{
	const char *what = NULL;
	struct file *file;
	u64 gen;
	int ret;

	if (store_gone(s))
		return -ENODEV;
	file = store_file_get(s, &gen);
	ret = gen == e->gen ? file_read_at(file, head, sizeof(*head), e->off) :
			      -EAGAIN;
	fput(file);
	if (ret == -ENODATA)
		what = "record missing: the file is shorter";
	else if (ret)
		return ret;
	else if (head->magic != cpu_to_le32(M2MV_REC_MAGIC) ||
		 le32_to_cpu(head->len) != e->reclen ||
		 le64_to_cpu(head->version) != e->version)
		what = "record head does not match the index";
	if (what) {
		m2mv_store_report_bad(s, NULL, 0, 0, what);
		return -EBADMSG;
	}
	return 0;
}

/**
 * m2mv_store_list() - call @fn for the live paths under a prefix, in order
 * @s: the store
 * @prefix: only paths starting with it
 * @prefix_len: its length (0: all)
 * @after: only paths sorting strictly after it (the cursor)
 * @after_len: its length (0: from the start)
 * @fn: called for each path, without any lock held; may sleep
 * @ctx: passed to @fn
 *
 * Entries are copied out in small batches under the index lock; @fn runs
 * after the lock is dropped, and the walk resumes after the last path.
 *
 * Return: 0 when every path was passed, the first non-zero value @fn
 * returned (it stops the walk), -EINVAL, -ENOMEM, -ENODEV.
 */
int m2mv_store_list(struct m2mv_store *s, const char *prefix, u16 prefix_len,
		    const char *after, u16 after_len, m2mv_list_fn fn,
		    void *ctx)
{
	struct m2mv_index_item *items, *cursor;
	unsigned int i, n;
	int ret = 0;

	if (prefix_len > M2MV_PATH_MAX || after_len > M2MV_PATH_MAX)
		return -EINVAL;
	items = kmalloc_array(M2MV_LIST_BATCH + 1, sizeof(*items), GFP_KERNEL);
	if (!items)
		return -ENOMEM;
	cursor = &items[M2MV_LIST_BATCH];

	do {
		if (store_gone(s)) {
			ret = -ENODEV;
			break;
		}
		down_read(&s->index.lock);
		n = m2mv_index_collect(&s->index, prefix, prefix_len, after,
				       after_len, items, M2MV_LIST_BATCH);
		for (i = 0; i < n; i++)
			items[i].e.gen = READ_ONCE(s->file_gen);
		up_read(&s->index.lock);

		for (i = 0; i < n; i++) {
			ret = fn(ctx, items[i].path, items[i].path_len,
				 &items[i].e);
			if (ret)
				goto out;
		}
		if (n) {
			cursor->path_len = items[n - 1].path_len;
			memcpy(cursor->path, items[n - 1].path,
			       cursor->path_len);
			after = cursor->path;
			after_len = cursor->path_len;
		}
		cond_resched();
	} while (n == M2MV_LIST_BATCH);
out:
	kfree(items);
	return ret;
}
