/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One record in memory, in its on-disk layout (struct m2mv_disk_rec and
 * Documentation/on-disk-format.rst):
 *
 *	head | path | wrapped key(s) | IV | payload | tag | protected header | pad
 *
 * A wrap record of several recipients (M2MV_RECF_RCPT) holds one wrapped
 * key per recipient, head.nonce[0] of them, in recipient order.
 * The protected header goes last so that a record can be laid out and the
 * plaintext copied in before the header (which carries the version) is
 * known; the tag directly follows the payload, as the AEAD writes it.
 */
#ifndef _M2MV_RECORD_H
#define _M2MV_RECORD_H

#include <linux/sizes.h>
#include <linux/types.h>
#include <linux/m2mvault.h>

/*
 * The longest protected header the kernel writes (jose.c checks it): a
 * wrap header of M2MV_RECIPIENTS_MAX recipients, each with the longest
 * kid, and the longest path.
 */
#define M2MV_HDR_MAX		2720

/*
 * The most a record adds to its payload: the head, the longest path, a
 * wrapped key per recipient, an IV, the longer tag, the longest header and
 * padding.
 */
#define M2MV_REC_OVERHEAD_MAX						\
	(sizeof(struct m2mv_disk_rec) + M2MV_PATH_MAX +			\
	 M2MV_RECIPIENTS_MAX * M2MV_WRAPPED_KEY_SIZE + M2MV_IV_SIZE +	\
	 M2MV_HS256_TAG_SIZE + M2MV_HDR_MAX + 7)

/*
 * The largest value of the max_blob parameter: a record of that payload
 * and its JOSE export (4/3 of it, base64url) stay below INT_MAX, the most
 * kvmalloc() hands out.
 */
#define M2MV_BLOB_LIMIT		SZ_1G

struct m2mv_rec {
	u8 *buf;			/* kvmalloc()ed, @cap bytes */
	size_t cap;
	struct m2mv_disk_rec *head;	/* == buf */
	char *path;
	u8 *ekey;
	u8 *iv;
	u8 *payload;
	u8 *tag;
	u8 *hdr;
};

/* Sizes of the parts of a record about to be built. */
struct m2mv_rec_shape {
	u8 type;
	u8 mode;
	u8 flags;
	u8 nrcpt;		/* wrap, M2MV_RECF_RCPT: 2 to 8 recipients */
	u16 path_len;
	u16 hdr_max;		/* room for the header; set its length later */
	u32 payload_len;
};

int m2mv_rec_alloc(struct m2mv_rec *rec, const struct m2mv_rec_shape *shape);
int m2mv_rec_set_hdr_len(struct m2mv_rec *rec, u16 hdr_len);
int m2mv_rec_map(struct m2mv_rec *rec, u8 *buf, size_t len);
void m2mv_rec_free(struct m2mv_rec *rec);
u32 m2mv_rec_crc(const struct m2mv_rec *rec);
u32 m2mv_rec_len(const struct m2mv_rec *rec);
u32 m2mv_max_blob(void);
u32 m2mv_rec_len_max(void);

static inline u32 m2mv_rec_payload_len(const struct m2mv_rec *rec)
{
	return le32_to_cpu(rec->head->payload_len);
}

static inline u16 m2mv_rec_path_len(const struct m2mv_rec *rec)
{
	return le16_to_cpu(rec->head->path_len);
}

static inline u16 m2mv_rec_hdr_len(const struct m2mv_rec *rec)
{
	return le16_to_cpu(rec->head->hdr_len);
}

/*
 * The wrapped keys of a record: one per recipient (RCPT), else one in
 * wrap, else none. m2mv_rec_map() and m2mv_rec_alloc() vouch for it.
 */
static inline u8 m2mv_disk_rec_nkeys(const struct m2mv_disk_rec *h)
{
	if (h->flags & M2MV_RECF_RCPT)
		return h->nonce[0];
	return h->ekey_len ? 1 : 0;
}

static inline u8 m2mv_rec_nkeys(const struct m2mv_rec *rec)
{
	return m2mv_disk_rec_nkeys(rec->head);
}

#endif /* _M2MV_RECORD_H */
