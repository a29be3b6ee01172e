// SPDX-License-Identifier: GPL-2.0
/*
 * Record layout: building a record buffer and mapping one read from disk.
 * Nothing here trusts a length it has not checked against the buffer.
 */
#include <linux/build_bug.h>
#include <linux/crc32c.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "record.h"

/*
 * max_blob bounds what a PUT accepts and, through m2mv_rec_len_max(), what
 * the attach scan and the scrub believe a record head on disk: nothing
 * read from a store file sizes an allocation beyond it.
 */
static unsigned int max_blob = M2MV_BLOB_MAX_DEFAULT;

/* Anything but a number from 0 to M2MV_BLOB_LIMIT is -EINVAL. */
static int max_blob_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, M2MV_BLOB_LIMIT) ? -EINVAL : 0;
}

static const struct kernel_param_ops max_blob_ops = {
	.set = max_blob_set,
	.get = param_get_uint,
};

module_param_cb(max_blob, &max_blob_ops, &max_blob, 0644);
MODULE_PARM_DESC(max_blob,
		 "Largest blob a PUT accepts, in bytes (default 16 MiB, at most 1 GiB)");

/* The largest payload a PUT may seal now. */
u32 m2mv_max_blob(void)
{
	BUILD_BUG_ON((u64)M2MV_BLOB_LIMIT + M2MV_REC_OVERHEAD_MAX > INT_MAX);
	BUILD_BUG_ON((u64)M2MV_BLOB_LIMIT / 3 * 4 + 4 * M2MV_REC_OVERHEAD_MAX >
		     INT_MAX);
	return READ_ONCE(max_blob);
}

/* The longest record a PUT may write now (max_blob + the most overhead). */
u32 m2mv_rec_len_max(void)
{
	return ALIGN_DOWN(m2mv_max_blob() + M2MV_REC_OVERHEAD_MAX, 8);
}

static u8 mode_iv_len(u8 mode)
{
	return (mode == M2MV_MODE_WRAP || mode == M2MV_MODE_DIR) ?
		M2MV_IV_SIZE : 0;
}

static u8 mode_ekey_len(u8 mode)
{
	return mode == M2MV_MODE_WRAP ? M2MV_WRAPPED_KEY_SIZE : 0;
}

static u8 mode_tag_len(u8 mode)
{
	switch (mode) {
	case M2MV_MODE_WRAP:
	case M2MV_MODE_DIR:
		return M2MV_GCM_TAG_SIZE;
	case M2MV_MODE_MIC:
		return M2MV_HS256_TAG_SIZE;
	default:
		return 0;
	}
}

/* Point the part pointers of @rec at @rec->buf from the head's lengths. */
static void rec_layout(struct m2mv_rec *rec)
{
	struct m2mv_disk_rec *h = rec->head;
	u8 *p = rec->buf + sizeof(*h);

	rec->path = (char *)p;
	p += le16_to_cpu(h->path_len);
	rec->ekey = p;
	p += (size_t)h->ekey_len * m2mv_disk_rec_nkeys(h);
	rec->iv = p;
	p += h->iv_len;
	rec->payload = p;
	p += le32_to_cpu(h->payload_len);
	rec->tag = p;
	p += h->tag_len;
	rec->hdr = p;
}

/* Length of everything before the header, and the record with @hdr_len. */
static size_t rec_fixed_len(const struct m2mv_disk_rec *h)
{
	return sizeof(*h) + le16_to_cpu(h->path_len) +
	       (size_t)h->ekey_len * m2mv_disk_rec_nkeys(h) + h->iv_len +
	       (size_t)le32_to_cpu(h->payload_len) + h->tag_len;
}

/**
 * m2mv_rec_alloc() - allocate and lay out a record to be built
 * @rec: out: the record; free with m2mv_rec_free()
 * @shape: type, mode, flags and part sizes
 *
 * The head is filled in (magic, type, mode, flags and the lengths the mode
 * implies), everything else is zero. Set the header length with
 * m2mv_rec_set_hdr_len() once the header is written.
 *
 * Return: 0, -EINVAL for an impossible shape, -ENOMEM.
 */
int m2mv_rec_alloc(struct m2mv_rec *rec, const struct m2mv_rec_shape *shape)
{
	bool rcpt = shape->flags & M2MV_RECF_RCPT;
	struct m2mv_disk_rec *h;
	size_t cap;
	u8 nkeys;

	if (shape->mode >= __M2MV_MODE_MAX || shape->path_len > M2MV_PATH_MAX ||
	    shape->hdr_max > M2MV_HDR_MAX)
		return -EINVAL;
	if (rcpt && (shape->type != M2MV_REC_PUT ||
		     shape->mode != M2MV_MODE_WRAP || shape->nrcpt < 2 ||
		     shape->nrcpt > M2MV_RECIPIENTS_MAX))
		return -EINVAL;
	if (!rcpt && shape->nrcpt > 1)
		return -EINVAL;
	if ((shape->flags & M2MV_RECF_RCVY) && !rcpt)
		return -EINVAL;
	nkeys = rcpt ? shape->nrcpt : 1;

	cap = sizeof(*h) + shape->path_len +
	      (size_t)mode_ekey_len(shape->mode) * nkeys +
	      mode_iv_len(shape->mode) + (size_t)shape->payload_len +
	      mode_tag_len(shape->mode) + shape->hdr_max + 8;
	if (cap > INT_MAX)
		return -EINVAL;

	memset(rec, 0, sizeof(*rec));
	rec->buf = kvzalloc(cap, GFP_KERNEL);
	if (!rec->buf)
		return -ENOMEM;
	rec->cap = cap;
	rec->head = (struct m2mv_disk_rec *)rec->buf;

	h = rec->head;
	h->magic = cpu_to_le32(M2MV_REC_MAGIC);
	h->type = shape->type;
	h->mode = shape->mode;
	h->flags = shape->flags;
	if (rcpt)
		h->nonce[0] = shape->nrcpt;
	h->path_len = cpu_to_le16(shape->path_len);
	h->ekey_len = mode_ekey_len(shape->mode);
	h->iv_len = mode_iv_len(shape->mode);
	h->tag_len = mode_tag_len(shape->mode);
	h->payload_len = cpu_to_le32(shape->payload_len);
	rec_layout(rec);
	return m2mv_rec_set_hdr_len(rec, 0);
}

/**
 * m2mv_rec_set_hdr_len() - fix the protected header's length and @len
 * @rec: a record from m2mv_rec_alloc()
 * @hdr_len: bytes written at @rec->hdr
 *
 * Return: 0, or -EINVAL if the header does not fit the room allocated.
 */
int m2mv_rec_set_hdr_len(struct m2mv_rec *rec, u16 hdr_len)
{
	size_t len = rec_fixed_len(rec->head) + hdr_len;
	size_t padded = ALIGN(len, 8);

	if (padded > rec->cap)
		return -EINVAL;
	memset(rec->buf + len, 0, padded - len);
	rec->head->hdr_len = cpu_to_le16(hdr_len);
	rec->head->len = cpu_to_le32(padded);
	return 0;
}

/*
 * A RCVY body of @plen bytes, of which @avail follow the head: its
 * Credential-ID and padding fill it exactly, and what must be zero is.
 */
static bool rcvy_body_ok(const u8 *body, size_t avail, u32 plen)
{
	const struct m2mv_disk_rcvy *r = (const void *)body;

	if (plen > avail || plen < sizeof(*r) || plen % 8 ||
	    plen != ALIGN(sizeof(*r) + r->kid_len, 8) ||
	    memchr_inv(r->reserved, 0, sizeof(r->reserved)))
		return false;
	if (!r->kid_len && memchr_inv(r->wrapped, 0, sizeof(r->wrapped)))
		return false;
	return !memchr_inv(body + sizeof(*r) + r->kid_len, 0,
			   plen - sizeof(*r) - r->kid_len);
}

/**
 * m2mv_rec_map() - take ownership of a record read from disk and map it
 * @rec: out: the record; m2mv_rec_free() frees @buf
 * @buf: kvmalloc()ed buffer holding exactly one record
 * @len: bytes in @buf
 *
 * Checks that the head's lengths describe exactly @len bytes and suit the
 * record's type and mode. The CRC, tag and chain are the caller's to check.
 *
 * Return: 0, or -EBADMSG (and @buf is still the caller's to free).
 */
int m2mv_rec_map(struct m2mv_rec *rec, u8 *buf, size_t len)
{
	struct m2mv_disk_rec *h = (struct m2mv_disk_rec *)buf;
	size_t used;

	if (len < sizeof(*h) || len % 8 || le32_to_cpu(h->magic) != M2MV_REC_MAGIC ||
	    le32_to_cpu(h->len) != len)
		return -EBADMSG;
	if (h->mode >= __M2MV_MODE_MAX || h->flags & ~__M2MV_RECF_ALL ||
	    le16_to_cpu(h->path_len) > M2MV_PATH_MAX ||
	    le16_to_cpu(h->hdr_len) > M2MV_HDR_MAX)
		return -EBADMSG;
	/* Several recipients: wrap PUT only, their number in nonce[0]. */
	if ((h->flags & M2MV_RECF_RCPT) &&
	    (h->type != M2MV_REC_PUT || h->mode != M2MV_MODE_WRAP ||
	     h->nonce[0] < 2 || h->nonce[0] > M2MV_RECIPIENTS_MAX ||
	     memchr_inv(h->nonce + 1, 0, M2MV_NONCE_SIZE - 1)))
		return -EBADMSG;
	if ((h->flags & M2MV_RECF_RCVY) && !(h->flags & M2MV_RECF_RCPT))
		return -EBADMSG;
	if (h->ekey_len != mode_ekey_len(h->mode) ||
	    h->iv_len != mode_iv_len(h->mode) ||
	    h->tag_len != mode_tag_len(h->mode))
		return -EBADMSG;
	switch (h->type) {
	case M2MV_REC_PUT:
		if (h->mode == M2MV_MODE_NONE || !h->path_len || !h->hdr_len)
			return -EBADMSG;
		break;
	case M2MV_REC_DEL:
		if (h->mode != M2MV_MODE_NONE || !h->path_len || h->hdr_len ||
		    h->payload_len)
			return -EBADMSG;
		break;
	case M2MV_REC_CKPT:
		if (h->mode != M2MV_MODE_NONE || h->path_len || h->hdr_len ||
		    le32_to_cpu(h->payload_len) < sizeof(struct m2mv_disk_ckpt) ||
		    le32_to_cpu(h->payload_len) > M2MV_CKPT_BODY_MAX ||
		    le32_to_cpu(h->payload_len) % 8)
			return -EBADMSG;
		break;
	case M2MV_REC_RCVY:
		if (h->mode != M2MV_MODE_NONE || h->flags || h->path_len ||
		    h->hdr_len || h->version ||
		    !rcvy_body_ok(buf + sizeof(*h), len - sizeof(*h),
				  le32_to_cpu(h->payload_len)))
			return -EBADMSG;
		break;
	default:
		return -EBADMSG;
	}
	used = rec_fixed_len(h) + le16_to_cpu(h->hdr_len);
	if (used > len || ALIGN(used, 8) != len)
		return -EBADMSG;

	memset(rec, 0, sizeof(*rec));
	rec->buf = buf;
	rec->cap = len;
	rec->head = h;
	rec_layout(rec);
	return 0;
}

/* Free a record, wiping it: it may have held plaintext. */
void m2mv_rec_free(struct m2mv_rec *rec)
{
	if (rec->buf)
		kvfree_sensitive(rec->buf, rec->cap);
	memset(rec, 0, sizeof(*rec));
}

u32 m2mv_rec_len(const struct m2mv_rec *rec)
{
	return le32_to_cpu(rec->head->len);
}

/* CRC32C of the whole record with the crc field taken as zero. */
u32 m2mv_rec_crc(const struct m2mv_rec *rec)
{
	static const u8 zero[4];
	size_t off = offsetof(struct m2mv_disk_rec, crc);
	u32 crc;

	crc = crc32c(~0U, rec->buf, off);
	crc = crc32c(crc, zero, sizeof(zero));
	crc = crc32c(crc, rec->buf + off + 4, m2mv_rec_len(rec) - off - 4);
	return ~crc;
}
