// SPDX-License-Identifier: GPL-2.0
/*
 * The log's primitives, one of each kind: file I/O, the structure chain,
 * writing a record at a tail, building a checkpoint, reading and checking
 * the record an index entry points at, and reporting a record that fails
 * a check. The append path, the scan, the scrub and compaction use these
 * and nothing else to touch the log. Documentation/on-disk-format.rst is
 * the format.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <linux/cred.h>
#include <linux/crc32c.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "event.h"
#include "names.h"
#include "record.h"
#include "store_priv.h"

#define M2MV_STORE_LABEL	"m2mvault store"

/* Read exactly @len bytes at @off; -ENODATA if the file ends first. */
int m2mv_file_read_at(struct file *file, void *buf, size_t len, loff_t off)
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

int m2mv_file_write_at(struct file *file, const void *buf, size_t len,
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
int m2mv_file_truncate(struct file *file, loff_t size)
{
	const struct cred *old = override_creds(file->f_cred);
	long ret = vfs_truncate(&file->f_path, size);

	revert_creds(old);
	return ret;
}

/* A reference to the store's current file, and its generation. */
struct file *m2mv_store_file(struct m2mv_store *s, u64 *gen)
{
	struct file *file;

	spin_lock(&s->file_lock);
	file = get_file(s->file);
	if (gen)
		*gen = s->file_gen;
	spin_unlock(&s->file_lock);
	return file;
}

u32 m2mv_super_crc(const struct m2mv_disk_super *sb)
{
	return ~crc32c(~0U, sb, offsetof(struct m2mv_disk_super, crc));
}

/* key_check = HMAC(store key, "m2mvault store" || store_id) */
int m2mv_log_key_check(struct m2mv_store *s, const u8 *store_id,
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

/* A descriptor of @tfm for a task that MACs many records (kfree_sensitive). */
struct shash_desc *m2mv_log_desc_alloc(struct crypto_shash *tfm)
{
	struct shash_desc *desc;

	desc = kmalloc(sizeof(*desc) + crypto_shash_descsize(tfm), GFP_KERNEL);
	if (desc)
		desc->tfm = tfm;
	return desc;
}

/*
 * The chain value of @rec after @prev: HMAC(store key, prev || the record
 * with crc and chain zeroed, without the payload of a PUT).
 */
int m2mv_log_chain(struct shash_desc *desc, const u8 *prev,
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

/**
 * m2mv_log_write() - write @rec after the last record of a log
 * @file: the log
 * @tfm: the store's hmac(sha256)
 * @t: in/out: the log's tail; advanced past @rec on success
 * @rec: complete but for seq, chain and CRC, which are set here, and (in
 *	a log of format 2) the reference to the PUT or DEL before it
 *
 * The one way a record reaches a log: appends and compaction both write
 * through here. On failure @t is unchanged; what the write may have left
 * beyond @t->end is the caller's to cut.
 *
 * Return: 0, or the crypto API's or the file system's error.
 */
int m2mv_log_write(struct file *file, struct crypto_shash *tfm,
		   struct m2mv_log_tail *t, struct m2mv_rec *rec)
{
	SHASH_DESC_ON_STACK(desc, tfm);
	struct m2mv_disk_rec *h = rec->head;
	u32 len = m2mv_rec_len(rec);
	u8 chain[M2MV_CHAIN_SIZE];
	int ret;

	h->seq = cpu_to_le64(t->seq + 1);
	h->prev_path = cpu_to_le32(t->refs ? t->prev_path : 0);
	h->prev_ver = cpu_to_le16(t->refs ? t->prev_ver : 0);
	h->crc = 0;
	memset(h->chain, 0, sizeof(h->chain));
	desc->tfm = tfm;
	ret = m2mv_log_chain(desc, t->chain, rec, chain);
	shash_desc_zero(desc);
	if (ret)
		return ret;
	memcpy(h->chain, chain, sizeof(chain));
	h->crc = cpu_to_le32(m2mv_rec_crc(rec));

	ret = m2mv_file_write_at(file, rec->buf, len, t->end);
	if (ret)
		return ret;
	t->seq++;
	memcpy(t->chain, chain, sizeof(chain));
	t->end += len;
	if (h->type == M2MV_REC_PUT || h->type == M2MV_REC_DEL) {
		t->prev_path = m2mv_path_crc(rec->path, m2mv_rec_path_len(rec));
		t->prev_ver = le64_to_cpu(h->version) & 0xffff;
	}
	return 0;
}

/* Room for a checkpoint interval's worth of evidence. */
int m2mv_ev_init(struct m2mv_evidence *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->ev = kvmalloc_array(M2MV_CKPT_INTERVAL, sizeof(*ev->ev), GFP_KERNEL);
	if (!ev->ev)
		return -ENOMEM;
	ev->cap = M2MV_CKPT_INTERVAL;
	return 0;
}

void m2mv_ev_destroy(struct m2mv_evidence *ev)
{
	kvfree(ev->ev);
	memset(ev, 0, sizeof(*ev));
}

/*
 * The PUT or DEL @rec was written at @off: the next checkpoint vouches for
 * it unless a higher version of its path came before it in this interval.
 */
void m2mv_ev_note(struct m2mv_evidence *ev, const struct m2mv_rec *rec,
		  loff_t off)
{
	u16 plen = m2mv_rec_path_len(rec);
	u64 version = le64_to_cpu(rec->head->version);
	struct m2mv_ev *e;
	unsigned int i;

	if (!ev->ev)
		return;
	for (i = 0; i < ev->n; i++) {
		e = &ev->ev[i];
		if (!m2mv_bytes_cmp(e->path, e->path_len, rec->path, plen))
			break;
	}
	if (i == ev->n) {
		if (ev->n == ev->cap) {
			ev->lost = true;
			return;
		}
		e = &ev->ev[ev->n++];
		e->path_len = plen;
		memcpy(e->path, rec->path, plen);
	} else if (e->version > version) {
		return;
	}
	e->off = off;
	e->version = version;
	e->reclen = m2mv_rec_len(rec);
	e->type = rec->head->type;
}

static size_t ev_size(const struct m2mv_ev *e)
{
	return ALIGN(sizeof(struct m2mv_disk_evidence) + e->path_len, 8);
}

/**
 * m2mv_log_ckpt_alloc() - build a checkpoint record
 * @rec: out: the record (m2mv_rec_free())
 * @records: records before it in the log
 * @live: visible paths
 * @live_bytes: the bytes of their records
 * @ev: the paths it vouches for (format version 2), or NULL (version 1)
 *
 * Return: 0 or -ENOMEM.
 */
int m2mv_log_ckpt_alloc(struct m2mv_rec *rec, u64 records, u64 live,
			u64 live_bytes, const struct m2mv_evidence *ev)
{
	struct m2mv_rec_shape shape = {
		.type = M2MV_REC_CKPT,
		.mode = M2MV_MODE_NONE,
		.payload_len = sizeof(struct m2mv_disk_ckpt),
	};
	struct m2mv_disk_evidence *d;
	struct m2mv_disk_ckpt *c;
	unsigned int i, n = ev ? ev->n : 0;
	u8 *p;
	int ret;

	for (i = 0; i < n; i++)
		shape.payload_len += ev_size(&ev->ev[i]);
	ret = m2mv_rec_alloc(rec, &shape);
	if (ret)
		return ret;
	c = (struct m2mv_disk_ckpt *)rec->payload;
	c->records = cpu_to_le64(records);
	c->live = cpu_to_le64(live);
	c->live_bytes = cpu_to_le64(live_bytes);
	c->entries = cpu_to_le32(n);
	p = rec->payload + sizeof(*c);
	for (i = 0; i < n; i++) {
		const struct m2mv_ev *e = &ev->ev[i];

		d = (struct m2mv_disk_evidence *)p;
		d->off = cpu_to_le64(e->off);
		d->version = cpu_to_le64(e->version);
		d->reclen = cpu_to_le32(e->reclen);
		d->type = e->type;
		d->path_len = cpu_to_le16(e->path_len);
		memcpy(p + sizeof(*d), e->path, e->path_len);
		p += ev_size(e);
	}
	rec->head->time_ns = cpu_to_le64(ktime_get_real_ns());
	return 0;
}

/**
 * m2mv_log_read_entry() - read and check the record an index entry names
 * @file: the log of @e's generation
 * @e: the entry
 * @path: the path looked up
 * @len: its length
 * @rec: out: the record, owning its buffer (m2mv_rec_free())
 * @what: out: on -EBADMSG, what failed
 * @seq: out: on -EBADMSG, the record's sequence number, 0 if unknown
 *
 * The one read-check chain: the record must lie in the file, have a sane
 * layout and CRC, and be a PUT of @path at @e's version. The tag is the
 * caller's to check.
 *
 * Return: 0, -EBADMSG (@what set, nothing reported yet), -ENOMEM, or the
 * file system's error.
 */
int m2mv_log_read_entry(struct file *file, const struct m2mv_entry *e,
			const char *path, u16 len, struct m2mv_rec *rec,
			const char **what, u64 *seq)
{
	u8 *buf;
	int ret;

	memset(rec, 0, sizeof(*rec));
	*what = NULL;
	*seq = 0;
	if (e->reclen < sizeof(struct m2mv_disk_rec) || e->reclen % 8 ||
	    e->reclen > INT_MAX) {
		*what = "impossible record length";
		return -EBADMSG;
	}
	buf = kvmalloc(e->reclen, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = m2mv_file_read_at(file, buf, e->reclen, e->off);
	if (ret == -ENODATA)
		*what = "record missing: the file is shorter";
	else if (ret)
		goto err_buf;
	else if (m2mv_rec_map(rec, buf, e->reclen))
		*what = "record layout damaged";
	if (*what) {
		ret = -EBADMSG;
		goto err_buf;
	}

	*seq = le64_to_cpu(rec->head->seq);
	if (m2mv_rec_crc(rec) != le32_to_cpu(rec->head->crc))
		*what = "CRC32C mismatch";
	else if (rec->head->type != M2MV_REC_PUT)
		*what = "not a PUT record";
	else if (m2mv_bytes_cmp(rec->path, m2mv_rec_path_len(rec), path, len))
		*what = "record of another path";
	else if (le64_to_cpu(rec->head->version) != e->version)
		*what = "record of another version";
	if (*what) {
		m2mv_rec_free(rec);
		return -EBADMSG;
	}
	return 0;

err_buf:
	kvfree_sensitive(buf, e->reclen);
	memset(rec, 0, sizeof(*rec));
	return ret;
}

void m2mv_rec_to_ir(const struct m2mv_rec *rec, loff_t off,
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

/**
 * m2mv_log_report() - count, log and announce a record failing a check
 * @s: the store
 * @who: "" or who found it, e.g. "scrub: "
 * @off: the record's offset, or -1 if unknown
 * @seq: its sequence number, 0 if unknown
 * @path: the path it names (may be NULL; shown only if valid)
 * @len: bytes at @path
 * @reason: negative errno for the event (-EBADMSG, -EKEYREJECTED, ...)
 * @what: what failed
 *
 * The one integrity reporter: the INTEGRITY counter, a rate-limited
 * warning and an M2MV_EVENT_INTEGRITY event.
 */
void m2mv_log_report(struct m2mv_store *s, const char *who, loff_t off,
		     u64 seq, const char *path, u16 len, int reason,
		     const char *what)
{
	if (!path || !m2mv_path_ok(path, len)) {
		path = "";
		len = 0;
	}
	atomic64_inc(&s->counters[M2MV_STORE_CNT_INTEGRITY]);
	if (off >= 0)
		pr_warn_ratelimited("store %s: %soffset %lld seq %llu%s%.*s: %s\n",
				    s->name, who, off, seq, len ? " path " : "",
				    (int)len, path, what);
	else
		pr_warn_ratelimited("store %s: %s%.*s seq %llu: %s\n", s->name,
				    who, len ? (int)len : 1, len ? path : "?",
				    seq, what);
	m2mv_event_integrity(s->name, path, len, seq, reason);
}
