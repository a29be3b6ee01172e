// SPDX-License-Identifier: GPL-2.0
/*
 * The record pipeline (vault.h): how a blob becomes a sealed record and
 * back, for every caller that seals or opens one.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "cred.h"
#include "event.h"
#include "index.h"
#include "jose.h"
#include "kdf.h"
#include "names.h"
#include "seal.h"
#include "store.h"
#include "vault.h"

struct m2mv_vop *m2mv_vop_alloc(void)
{
	return kmalloc(sizeof(struct m2mv_vop), GFP_KERNEL);
}

void m2mv_vop_free(struct m2mv_vop *op)
{
	kfree_sensitive(op);
}

/*
 * Is @key the key bound to @kid in @s? Possession of a key with the right
 * description is not possession of the key: anyone may add one.
 */
static int vault_key_bound(struct m2mv_store *s, const char *kid,
			   const u8 key[M2MV_KEY_SIZE])
{
	u8 id[M2MV_KEY_ID_SIZE];
	int ret;

	ret = m2mv_cred_key_id(key, id);
	if (!ret)
		ret = m2mv_policies_check(m2mv_store_policies(s), kid, id);
	memzero_explicit(id, sizeof(id));
	/* A Credential-ID no administrator bound is nobody's to use. */
	return ret == -ENOENT ? -EKEYREJECTED : ret;
}

/*
 * Look up a credential for an operation on @s: the caller must possess
 * the key, and it must be the key bound to @kid (EKEYREJECTED otherwise).
 * A refusal is counted and announced on the events group, so an operator
 * sees revoked, expired, missing or forged keys as they bite.
 */
static int vault_key(struct m2mv_store *s, const char *kid, u8 mode,
		     u8 key[M2MV_KEY_SIZE])
{
	int ret = m2mv_cred_get(kid, mode, key);

	if (!ret) {
		ret = vault_key_bound(s, kid, key);
		if (ret)
			memzero_explicit(key, M2MV_KEY_SIZE);
		/* Detached meanwhile: that is no refusal of the key. */
		if (ret == -ENODEV)
			return ret;
	}
	if (ret) {
		m2mv_store_count(s, M2MV_STORE_CNT_KEY_REFUSALS);
		m2mv_event_key(m2mv_store_name(s), kid, ret);
	}
	return ret;
}

/*
 * The keys of every credential of @kids (a policy's: PUT and DELETE need
 * them all) into @keys, in order. On error none is left in @keys.
 */
static int vault_keys_all(struct m2mv_store *s, const struct m2mv_kids *kids,
			  u8 mode, u8 keys[][M2MV_KEY_SIZE])
{
	unsigned int i;
	int ret = 0;

	for (i = 0; !ret && i < kids->n; i++)
		ret = vault_key(s, kids->kid[i], mode, keys[i]);
	if (ret)
		memzero_explicit(keys, (size_t)kids->n * M2MV_KEY_SIZE);
	return ret;
}

/*
 * The key of the first of a record's @kids whose key the caller possesses
 * and which is bound to @s, into @key, and its position in *@idx. If there
 * is none, the error of the first is counted, announced and returned.
 */
static int vault_key_any(struct m2mv_store *s, const struct m2mv_kids *kids,
			 u8 mode, u8 key[M2MV_KEY_SIZE], u8 *idx)
{
	int ret, first = -ENOKEY;
	u8 i;

	for (i = 0; i < kids->n; i++) {
		ret = m2mv_cred_get(kids->kid[i], mode, key);
		if (!ret) {
			ret = vault_key_bound(s, kids->kid[i], key);
			if (ret)
				memzero_explicit(key, M2MV_KEY_SIZE);
		}
		if (!ret) {
			*idx = i;
			return 0;
		}
		if (ret == -ENODEV)
			return ret;
		if (!i)
			first = ret;
	}
	m2mv_store_count(s, M2MV_STORE_CNT_KEY_REFUSALS);
	m2mv_event_key(m2mv_store_name(s), kids->kid[0], first);
	return first;
}

/*
 * The protected header fields of @rec (head, path) under @kids in @s: its
 * one kid, or with M2MV_RECF_RCPT its recipients.
 */
static void vault_hdr_fields(struct m2mv_hdr_fields *f, struct m2mv_store *s,
			     const struct m2mv_rec *rec,
			     const struct m2mv_kids *kids)
{
	bool rcpt = rec->head->flags & M2MV_RECF_RCPT;

	*f = (struct m2mv_hdr_fields) {
		.mode = rec->head->mode,
		.instance = rec->head->flags & M2MV_RECF_INSTANCE,
		.crit = rec->head->flags & M2MV_RECF_CRIT,
		.direct = rec->head->flags & M2MV_RECF_DIRECT,
		.kid = kids->kid[0],
		.rcpt = rcpt ? kids : NULL,
		.path = rec->path,
		.path_len = m2mv_rec_path_len(rec),
		.version = le64_to_cpu(rec->head->version),
		.store_id = m2mv_store_id(s),
		.nonce = rec->head->nonce,
	};
}

/*
 * The flags of a new PUT record under @pol (with @rcvy, its last recipient
 * is the store's recovery credential): a dir record is ts0003
 * (DIRECT) or seed, and a seed one lists its derivation in "crit".
 */
static u8 vault_rec_flags(const struct m2mv_policy_match *pol, bool rcvy)
{
	if (pol->mode == M2MV_MODE_WRAP && pol->rcpt.n > 1)
		return M2MV_RECF_RCPT | (rcvy ? M2MV_RECF_RCVY : 0);
	if (pol->mode != M2MV_MODE_DIR)
		return 0;
	if (pol->ts0003)
		return M2MV_RECF_DIRECT;
	return M2MV_RECF_CRIT | (pol->instance ? M2MV_RECF_INSTANCE : 0);
}

/*
 * A wrap PUT: the store's recovery credential, if it has one, joins the
 * recipients last, its key from the store rather than from the caller.
 * Return: 1 if it joined, 0 if there is none (or a policy's recipient is
 * that credential already), -E2BIG if the policy leaves no room for it.
 */
static int vault_add_recovery(struct m2mv_store *s, struct m2mv_vop *op)
{
	struct m2mv_kids *k = &op->pol.rcpt;
	unsigned int i;

	if (k->n >= M2MV_RECIPIENTS_MAX) {
		if (m2mv_store_recovery_get(s, op->kid, NULL))
			return 0;
		for (i = 0; i < k->n; i++)
			if (!strcmp(k->kid[i], op->kid))
				return 0;
		return -E2BIG;
	}
	/* The common case: one look, into the recipients' next place. */
	if (m2mv_store_recovery_get(s, k->kid[k->n], op->keys[k->n]))
		return 0;
	for (i = 0; i < k->n; i++) {
		if (!strcmp(k->kid[i], k->kid[k->n])) {
			memzero_explicit(op->keys[k->n], M2MV_KEY_SIZE);
			return 0;
		}
	}
	k->n++;
	return 1;
}

/* Write @rec's protected header for @kids and set its length. */
static int vault_write_header(struct m2mv_store *s, struct m2mv_rec *rec,
			      const struct m2mv_kids *kids)
{
	struct m2mv_hdr_fields f;
	int ret;

	vault_hdr_fields(&f, s, rec, kids);
	ret = m2mv_jose_header(rec->hdr, M2MV_HDR_MAX, &f);
	if (ret < 0)
		return ret;
	return m2mv_rec_set_hdr_len(rec, ret);
}

/*
 * Rebuild the protected header a record must carry from what its head and
 * path say, and compare: a record moved to another path, version or store,
 * or with its header edited, fails here. @kids gets the record's kid (or
 * its recipients); @hdr is scratch of M2MV_HDR_MAX bytes.
 */
static int vault_check_header(struct m2mv_store *s, const struct m2mv_rec *rec,
			      struct m2mv_kids *kids, char *hdr,
			      const char **what)
{
	struct m2mv_hdr_fields f;
	u8 want;
	int n;

	want = (rec->head->flags & M2MV_RECF_RCPT) ? m2mv_rec_nkeys(rec) : 1;
	if (m2mv_jose_header_kids(rec->hdr, m2mv_rec_hdr_len(rec), kids)) {
		*what = "no kid in the protected header";
		return -EBADMSG;
	}
	if (kids->n != want) {
		*what = "the protected header names another number of recipients";
		return -EBADMSG;
	}
	vault_hdr_fields(&f, s, rec, kids);
	n = m2mv_jose_header(hdr, M2MV_HDR_MAX, &f);
	if (n < 0 || n != m2mv_rec_hdr_len(rec) || memcmp(hdr, rec->hdr, n)) {
		*what = "protected header does not match";
		return -EBADMSG;
	}
	return 0;
}

/**
 * m2mv_vault_read() - look up, read and check the newest record of a path
 * @s: the store
 * @op: op->path is the path; op->kid gets the record's Credential-ID (its
 *	first recipient's), op->kids its recipients
 * @e: out: the index entry
 * @rec: out: the record (m2mv_rec_free()), checked but for its tag
 *
 * No key is needed: STAT and EXPORT use this.
 *
 * Return: 0, -ENOENT, -EBADMSG (reported), -ENODEV, -ENOMEM, or the file
 * system's error.
 */
int m2mv_vault_read(struct m2mv_store *s, struct m2mv_vop *op,
		    struct m2mv_entry *e, struct m2mv_rec *rec)
{
	const char *what;
	int tries = 3;
	int ret;

	/* A compaction moving the record in between asks for a new lookup. */
	do {
		ret = m2mv_store_lookup(s, op->path, op->path_len, e);
		if (ret)
			return ret;
		if (e->rec_flags & M2MV_STAT_F_BAD)
			return -EBADMSG;
		ret = m2mv_store_read(s, op->path, op->path_len, e, rec);
	} while (ret == -EAGAIN && --tries);
	if (ret)
		return ret;
	ret = vault_check_header(s, rec, &op->kids, op->hdr, &what);
	if (!ret)
		strscpy(op->kid, op->kids.kid[0], sizeof(op->kid));
	if (ret) {
		m2mv_store_report_bad(s, op->path, op->path_len,
				      le64_to_cpu(rec->head->seq), what);
		m2mv_rec_free(rec);
	}
	return ret;
}

/**
 * m2mv_vault_put() - seal a blob and append it as the path's next version
 * @s: the store
 * @op: op->path is the path
 * @data: the blob, in user memory
 * @len: its length
 * @version: out: the version written
 * @seq: out: the record's sequence number
 * @end: out: for m2mv_store_sync()
 *
 * Return: 0; -ENODEV, -EMSGSIZE (over max_blob), -EACCES (no policy), a
 * possession error (-ENOKEY, -EKEYREVOKED, -EKEYEXPIRED, -EKEYREJECTED),
 * -E2BIG (a wrap policy of M2MV_RECIPIENTS_MAX recipients in a store with
 * a recovery credential), -EFAULT, -EDQUOT (dir key use limit), -ENOMEM,
 * -EOVERFLOW, or an error of m2mv_store_append().
 */
int m2mv_vault_put(struct m2mv_store *s, struct m2mv_vop *op,
		   const void __user *data, u32 len, u64 *version, u64 *seq,
		   loff_t *end)
{
	struct m2mv_rec_shape shape = {
		.type = M2MV_REC_PUT,
		.path_len = op->path_len,
		.hdr_max = M2MV_HDR_MAX,
		.payload_len = len,
	};
	struct m2mv_rec rec = {};
	const char *id;
	int rcvy = 0;
	u16 id_len;
	u64 ver;
	int ret;

	if (m2mv_store_detached(s))
		return -ENODEV;
	if (len > m2mv_max_blob())
		return -EMSGSIZE;
	ret = m2mv_policy_match(m2mv_store_policies(s), op->path,
				op->path_len, &op->pol);
	if (ret)
		return ret;
	/*
	 * Possession first: nobody without the key gets further. A record of
	 * several recipients has its content key wrapped under every one's.
	 */
	ret = vault_keys_all(s, &op->pol.rcpt, op->pol.mode, op->keys);
	if (ret)
		return ret;
	if (op->pol.mode == M2MV_MODE_WRAP) {
		rcvy = vault_add_recovery(s, op);
		if (rcvy < 0) {
			ret = rcvy;
			goto out;
		}
	}

	shape.mode = op->pol.mode;
	shape.flags = vault_rec_flags(&op->pol, rcvy > 0);
	if (shape.flags & M2MV_RECF_RCPT)
		shape.nrcpt = op->pol.rcpt.n;
	ret = m2mv_rec_alloc(&rec, &shape);
	if (ret)
		goto out;
	memcpy(rec.path, op->path, op->path_len);
	if (copy_from_user(rec.payload, data, len)) {
		ret = -EFAULT;
		goto out;
	}

	if (op->pol.mode == M2MV_MODE_DIR) {
		m2mv_dir_id(op->path, op->path_len, op->pol.instance, &id,
			    &id_len);
		ret = m2mv_store_dir_nonce(s, op->pol.credid, id, id_len,
					   shape.flags, rec.head->nonce);
		if (ret)
			goto out;
	}

	ret = m2mv_store_reserve(s, op->path, op->path_len, &ver);
	if (ret)
		goto out;
	rec.head->version = cpu_to_le64(ver);
	ret = vault_write_header(s, &rec, &op->pol.rcpt);
	if (!ret) {
		ret = m2mv_seal_keys(&rec, (const u8 (*)[M2MV_KEY_SIZE])op->keys,
				     op->pol.rcpt.n);
		memzero_explicit(op->keys, sizeof(op->keys));
	}
	if (!ret)
		ret = m2mv_store_append(s, &rec, seq, end);
	/* A failed PUT uses up no version. */
	if (ret)
		m2mv_store_unreserve(s, op->path, op->path_len, ver);
	else
		*version = ver;
out:
	memzero_explicit(op->keys, sizeof(op->keys));
	m2mv_rec_free(&rec);
	return ret;
}

/**
 * m2mv_vault_get() - open the newest record of a path into user memory
 * @s: the store
 * @op: op->path is the path
 * @buf: where the blob goes, in user memory
 * @len: in: room at @buf; out: the blob's length (also on -EOVERFLOW)
 * @version: out: its version
 *
 * A record of several recipients opens with the key of the first of them
 * that the caller possesses and that is bound to the store.
 *
 * Return: 0; -ENOENT, -EOVERFLOW (@buf too small), -EBADMSG (reported),
 * a possession error, -EFAULT, -ENODEV, -ENOMEM, or the file system's
 * error.
 */
int m2mv_vault_get(struct m2mv_store *s, struct m2mv_vop *op,
		   void __user *buf, u32 *len, u64 *version)
{
	struct m2mv_entry e;
	struct m2mv_rec rec;
	u8 idx = 0;
	u32 n;
	int ret;

	ret = m2mv_store_lookup(s, op->path, op->path_len, &e);
	if (ret)
		return ret;
	if (e.data_len > *len) {
		*len = e.data_len;
		return -EOVERFLOW;
	}
	ret = m2mv_vault_read(s, op, &e, &rec);
	if (ret)
		return ret;
	/*
	 * The read looked the path up again: a concurrent PUT may have made
	 * the record read longer than the one checked above.
	 */
	n = m2mv_rec_payload_len(&rec);
	if (n > *len) {
		*len = n;
		ret = -EOVERFLOW;
		goto out;
	}

	ret = vault_key_any(s, &op->kids, rec.head->mode, op->key, &idx);
	if (ret)
		goto out;
	ret = m2mv_open_as(&rec, op->key, idx);
	memzero_explicit(op->key, sizeof(op->key));
	if (ret == -EBADMSG)
		m2mv_store_report_bad(s, op->path, op->path_len,
				      le64_to_cpu(rec.head->seq),
				      "authentication tag does not verify");
	if (ret)
		goto out;
	if (copy_to_user(buf, rec.payload, n)) {
		ret = -EFAULT;
		goto out;
	}
	*len = n;
	*version = e.version;
	m2mv_store_count(s, M2MV_STORE_CNT_GETS);
out:
	m2mv_rec_free(&rec);
	return ret;
}

/**
 * m2mv_vault_delete() - append a tombstone for a path
 * @s: the store
 * @op: op->path is the path
 * @version: out: the tombstone's version
 * @end: out: for m2mv_store_sync()
 *
 * Deleting needs the same possession as writing: every recipient's key.
 *
 * Return: 0; -ENOENT, -ENODEV, -EACCES, a possession error, -ENOMEM,
 * -EOVERFLOW, or an error of m2mv_store_append().
 */
int m2mv_vault_delete(struct m2mv_store *s, struct m2mv_vop *op,
		      u64 *version, loff_t *end)
{
	struct m2mv_rec_shape shape = {
		.type = M2MV_REC_DEL,
		.mode = M2MV_MODE_NONE,
		.path_len = op->path_len,
	};
	struct m2mv_entry e;
	struct m2mv_rec rec = {};
	u64 seq, ver;
	int ret;

	if (m2mv_store_detached(s))
		return -ENODEV;
	ret = m2mv_policy_match(m2mv_store_policies(s), op->path,
				op->path_len, &op->pol);
	if (ret)
		return ret;
	ret = vault_keys_all(s, &op->pol.rcpt, op->pol.mode, op->keys);
	memzero_explicit(op->keys, sizeof(op->keys));
	if (ret)
		return ret;
	ret = m2mv_store_lookup(s, op->path, op->path_len, &e);
	if (ret)
		return ret;

	ret = m2mv_rec_alloc(&rec, &shape);
	if (ret)
		return ret;
	memcpy(rec.path, op->path, op->path_len);
	ret = m2mv_store_reserve(s, op->path, op->path_len, &ver);
	if (ret)
		goto out;
	rec.head->version = cpu_to_le64(ver);
	ret = m2mv_store_append(s, &rec, &seq, end);
	if (ret)
		m2mv_store_unreserve(s, op->path, op->path_len, ver);
	else
		*version = ver;
out:
	m2mv_rec_free(&rec);
	return ret;
}

/* ------------------------------------------------------------- scrub */

struct m2mv_vault_scrub {
	/* the last key looked up, as m2mv_cred_get() answered */
	bool key_valid;
	u8 key_mode;
	int key_err;
	char key_kid[M2MV_CREDID_MAX + 1];
	u8 key[M2MV_KEY_SIZE];
	struct m2mv_kids kids;
	char hdr[M2MV_HDR_MAX];
};

struct m2mv_vault_scrub *m2mv_vault_scrub_alloc(void)
{
	return kzalloc(sizeof(struct m2mv_vault_scrub), GFP_KERNEL);
}

void m2mv_vault_scrub_free(struct m2mv_vault_scrub *vs)
{
	kfree_sensitive(vs);
}

/*
 * The caller's key for (@kid, @mode) into vs->key: 0, a possession error,
 * -EKEYREJECTED (the kid's type does not fit the mode), -ENOTUNIQ (the
 * caller's key is not the one bound to @kid: its tags are not checked),
 * or another error that ends the scrub. A key of a Credential-ID no
 * binding names is the administrator's word. The last answer is kept:
 * records usually come in runs under one key.
 */
static int scrub_key(struct m2mv_vault_scrub *vs, struct m2mv_store *s,
		     const char *kid, u8 mode)
{
	u8 id[M2MV_KEY_ID_SIZE];
	int ret;

	if (vs->key_valid && vs->key_mode == mode && !strcmp(vs->key_kid, kid))
		return vs->key_err;
	vs->key_valid = false;
	ret = m2mv_cred_get(kid, mode, vs->key);
	if (!ret)
		ret = m2mv_cred_key_id(vs->key, id);
	if (!ret && m2mv_policies_check(m2mv_store_policies(s), kid, id) ==
		    -EKEYREJECTED)
		ret = -ENOTUNIQ;
	memzero_explicit(id, sizeof(id));
	switch (ret) {
	case 0:
	case -ENOKEY:
	case -EKEYREVOKED:
	case -EKEYEXPIRED:
	case -EACCES:
	case -EKEYREJECTED:
	case -ENOTUNIQ:
		vs->key_valid = true;
		vs->key_mode = mode;
		vs->key_err = ret;
		strscpy(vs->key_kid, kid, sizeof(vs->key_kid));
		break;
	}
	if (ret)
		memzero_explicit(vs->key, sizeof(vs->key));
	return ret;
}

/**
 * m2mv_vault_check() - the scrub's check of one PUT (an m2mv_check_fn)
 * @ctx: a struct m2mv_vault_scrub
 * @s: the store
 * @rec: the record, as the scan read it (left unchanged)
 * @what: out: what failed, or NULL
 * @reason: out: with @what, a negative errno
 *
 * The protected header must be the one the kernel writes for what the
 * record's head says; the tag must verify under the key if the caller
 * possesses it (opened in a private copy, whose plaintext is wiped). A
 * record of several recipients is opened with the first of their keys
 * the caller possesses and the store binds; with none, the first
 * recipient's answer counts.
 *
 * Return: 0, M2MV_CHECK_NO_KEY, or an error that ends the scrub.
 */
int m2mv_vault_check(void *ctx, struct m2mv_store *s,
		     const struct m2mv_rec *rec, const char **what,
		     int *reason)
{
	struct m2mv_vault_scrub *vs = ctx;
	u32 len = m2mv_rec_len(rec);
	struct m2mv_rec tmp;
	int ret, first = 0;
	u8 *copy;
	u8 i;

	if (vault_check_header(s, rec, &vs->kids, vs->hdr, what))
		return 0;

	for (i = 0; i < vs->kids.n; i++) {
		ret = scrub_key(vs, s, vs->kids.kid[i], rec->head->mode);
		if (!ret || ret == -ENOMEM || ret == -EINTR ||
		    ret == -ERESTARTSYS)
			break;
		if (!i)
			first = ret;
	}
	if (i == vs->kids.n)
		ret = first;
	if (ret == -ENOKEY || ret == -EKEYREVOKED || ret == -EKEYEXPIRED ||
	    ret == -EACCES || ret == -ENOTUNIQ)
		return M2MV_CHECK_NO_KEY;
	if (ret == -ENOMEM || ret == -EINTR || ret == -ERESTARTSYS)
		return ret;
	if (ret) {
		/* EKEYREJECTED: the kid's type does not fit the mode */
		*what = "the protected header names no usable credential";
		*reason = ret;
		return 0;
	}

	copy = kvmalloc(len, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, rec->buf, len);
	ret = m2mv_rec_map(&tmp, copy, len);
	if (ret) {
		kvfree(copy);
		return ret;
	}
	ret = m2mv_open_as(&tmp, vs->key, i);
	m2mv_rec_free(&tmp);		/* wipes the plaintext */
	if (ret == -ENOMEM)
		return ret;
	if (ret) {
		*what = "authentication tag does not verify";
		*reason = ret;
	}
	return 0;
}

/* ---------------------------------------------------------- rotation */

/*
 * In the administrator's context (rotation): bind @kid to the identifier
 * of @key unless it is bound already, and then it must be that key.
 */
static int vault_key_adopt(struct m2mv_store *s, const char *kid,
			   const u8 key[M2MV_KEY_SIZE])
{
	u8 id[M2MV_KEY_ID_SIZE];
	int ret;

	ret = m2mv_cred_key_id(key, id);
	if (!ret)
		ret = m2mv_policies_bind(m2mv_store_policies(s), kid, id);
	memzero_explicit(id, sizeof(id));
	return ret;
}

struct m2mv_rotate {
	struct m2mv_store *s;
	char kid[M2MV_CREDID_MAX + 1];	/* the new credential */
	u8 mode;			/* the mode it seals */
	u8 key[M2MV_KEY_SIZE];		/* its bytes */
	u8 old[M2MV_KEY_SIZE];
	char old_kid[M2MV_CREDID_MAX + 1];
	u8 cek[M2MV_KEY_SIZE];		/* of a record of several recipients */
	struct m2mv_kids kids;		/* its recipients */
};

/**
 * m2mv_vault_rotate_begin() - prepare re-sealing under @credid
 * @s: the store
 * @credid: the new credential, which the caller must possess; its key is
 *	bound to the store (or must be the one bound)
 *
 * Return: the context for m2mv_vault_reseal(), or an ERR_PTR: -EINVAL,
 * -ENOMEM, -EKEYREJECTED, or a possession error.
 */
struct m2mv_rotate *m2mv_vault_rotate_begin(struct m2mv_store *s,
					    const char *credid)
{
	struct m2mv_rotate *r;
	unsigned int type;
	int ret;

	ret = m2mv_credid_parse(credid, strnlen(credid, M2MV_CREDID_MAX + 1),
				&type);
	if (ret)
		return ERR_PTR(ret);
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return ERR_PTR(-ENOMEM);
	r->s = s;
	strscpy(r->kid, credid, sizeof(r->kid));
	r->mode = m2mv_cred_mode_for_type(type);
	ret = m2mv_cred_get(credid, r->mode, r->key);
	if (!ret)
		ret = vault_key_adopt(s, r->kid, r->key);
	if (ret) {
		kfree_sensitive(r);
		return ERR_PTR(ret);
	}
	return r;
}

void m2mv_vault_rotate_end(struct m2mv_rotate *r)
{
	kfree_sensitive(r);
}

/* A private copy of @in in @tmp, to open: @in stays intact. */
static int vault_copy(const struct m2mv_rec *in, struct m2mv_rec *tmp)
{
	u8 *copy;
	int ret;

	copy = kvmalloc(m2mv_rec_len(in), GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, in->buf, m2mv_rec_len(in));
	ret = m2mv_rec_map(tmp, copy, m2mv_rec_len(in));
	if (ret)
		kvfree(copy);
	return ret;
}

/*
 * A wrap record in @out standing in for @in, whose plaintext @plain holds
 * (opened under content key @cek): of @shape's flags and recipients, with
 * @in's version and path, the first @nkeep of its wrapped keys, the header
 * for @kids, and sealed anew under @cek with a fresh IV, @cek wrapped under
 * @key for recipient @idx (rotation's new credential, or the recovery
 * credential). Return: 1 with @out built, or a negative errno.
 */
static int vault_rewrap_rec(struct m2mv_store *s, const struct m2mv_rec *in,
			    const struct m2mv_rec *plain,
			    const struct m2mv_rec_shape *shape, u8 nkeep,
			    const struct m2mv_kids *kids,
			    const u8 cek[M2MV_KEY_SIZE],
			    const u8 key[M2MV_KEY_SIZE], u8 idx,
			    struct m2mv_rec *out)
{
	int ret;

	ret = m2mv_rec_alloc(out, shape);
	if (ret)
		return ret;
	out->head->version = in->head->version;
	memcpy(out->path, in->path, shape->path_len);
	memcpy(out->ekey, in->ekey, (size_t)nkeep * M2MV_WRAPPED_KEY_SIZE);
	memcpy(out->payload, plain->payload, shape->payload_len);
	ret = vault_write_header(s, out, kids);
	if (!ret)
		ret = m2mv_seal_cek(out, cek, key, idx);
	if (ret) {
		m2mv_rec_free(out);
		return ret;
	}
	return 1;
}

/*
 * m2mv_vault_reseal() of a wrap record of several recipients: the new
 * credential takes the first recipient's place (the one its policy names
 * as CREDID), unless it is one of them already. The record is opened with
 * the first recipient's key and sealed anew under the same content key,
 * with a fresh IV and only the first wrapped key replaced, so the others'
 * keys still open it.
 */
static int vault_reseal_rcpt(struct m2mv_rotate *r, const struct m2mv_rec *in,
			     struct m2mv_rec *out)
{
	struct m2mv_rec_shape shape = {
		.type = M2MV_REC_PUT,
		.mode = in->head->mode,
		.flags = in->head->flags,
		.nrcpt = m2mv_rec_nkeys(in),
		.path_len = m2mv_rec_path_len(in),
		.hdr_max = M2MV_HDR_MAX,
		.payload_len = m2mv_rec_payload_len(in),
	};
	struct m2mv_rec tmp;
	unsigned int i;
	int ret;

	if (m2mv_jose_header_kids(in->hdr, m2mv_rec_hdr_len(in), &r->kids) ||
	    r->kids.n != shape.nrcpt)
		return -EBADMSG;
	for (i = 0; i < r->kids.n; i++)
		if (!strcmp(r->kids.kid[i], r->kid))
			return 0;

	ret = vault_copy(in, &tmp);
	if (ret)
		return ret;
	ret = m2mv_cred_get(r->kids.kid[0], tmp.head->mode, r->old);
	if (!ret)
		ret = vault_key_adopt(r->s, r->kids.kid[0], r->old);
	if (!ret)
		ret = m2mv_open_cek(&tmp, r->old, 0, r->cek);
	memzero_explicit(r->old, sizeof(r->old));
	if (ret)
		goto out;

	/* The RCPT head's nonce (the count) is the one alloc writes. */
	strscpy(r->kids.kid[0], r->kid, sizeof(r->kids.kid[0]));
	ret = vault_rewrap_rec(r->s, in, &tmp, &shape, shape.nrcpt, &r->kids,
			       r->cek, r->key, 0, out);
out:
	memzero_explicit(r->cek, sizeof(r->cek));
	m2mv_rec_free(&tmp);
	return ret;
}

/**
 * m2mv_vault_reseal() - re-seal one live PUT under the new credential
 * @ctx: from m2mv_vault_rotate_begin()
 * @in: the record as it is
 * @out: out: the record re-sealed
 *
 * A record sealed in the new credential's mode under another one is
 * opened with the old key (which the caller must possess, and which must
 * be the one bound to its Credential-ID if one is) and sealed anew with
 * the same path, version, flags and nonce; a ts0003 dir record counts as
 * one more sealed by the new key, and carries its count. A wrap record of
 * several recipients gets the new credential as its first recipient
 * (vault_reseal_rcpt()).
 *
 * Return: 1 with @out built, 0 to copy @in unchanged, or a negative errno.
 */
int m2mv_vault_reseal(void *ctx, const struct m2mv_rec *in,
		      struct m2mv_rec *out)
{
	struct m2mv_rotate *r = ctx;
	struct m2mv_rec_shape shape = {
		.type = M2MV_REC_PUT,
		.mode = in->head->mode,
		.flags = in->head->flags,
		.path_len = m2mv_rec_path_len(in),
		.hdr_max = M2MV_HDR_MAX,
		.payload_len = m2mv_rec_payload_len(in),
	};
	struct m2mv_kids *kids = &r->kids;
	struct m2mv_rec tmp;
	int ret;

	if (in->head->type != M2MV_REC_PUT || in->head->mode != r->mode)
		return 0;
	if (in->head->flags & M2MV_RECF_RCPT)
		return vault_reseal_rcpt(r, in, out);
	if (m2mv_jose_header_kid(in->hdr, m2mv_rec_hdr_len(in), r->old_kid))
		return -EBADMSG;
	if (!strcmp(r->old_kid, r->kid))
		return 0;

	/* Open a private copy: @in stays intact if anything fails. */
	ret = vault_copy(in, &tmp);
	if (ret)
		return ret;
	ret = m2mv_cred_get(r->old_kid, tmp.head->mode, r->old);
	if (!ret)
		ret = vault_key_adopt(r->s, r->old_kid, r->old);
	if (!ret)
		ret = m2mv_open(&tmp, r->old);
	memzero_explicit(r->old, sizeof(r->old));
	if (ret)
		goto out;

	ret = m2mv_rec_alloc(out, &shape);
	if (ret)
		goto out;
	out->head->version = in->head->version;
	memcpy(out->head->nonce, in->head->nonce, M2MV_NONCE_SIZE);
	/* A ts0003 record is one more sealed by the new key itself. */
	if (shape.flags & M2MV_RECF_DIRECT)
		ret = m2mv_store_dir_nonce(r->s, r->kid, "", 0, shape.flags,
					   out->head->nonce);
	if (ret) {
		m2mv_rec_free(out);
		goto out;
	}
	memcpy(out->path, in->path, shape.path_len);
	memcpy(out->payload, tmp.payload, shape.payload_len);
	kids->n = 1;
	strscpy(kids->kid[0], r->kid, sizeof(kids->kid[0]));
	ret = vault_write_header(r->s, out, kids);
	if (!ret)
		ret = m2mv_seal(out, r->key);
	if (ret)
		m2mv_rec_free(out);
	else
		ret = 1;
out:
	m2mv_rec_free(&tmp);
	return ret;
}

/* ---------------------------------------------------------- recovery */

struct m2mv_rewrap {
	struct m2mv_store *s;
	bool has;			/* the store has a recovery credential: */
	char kid[M2MV_CREDID_MAX + 1];	/* its Credential-ID */
	u8 key[M2MV_KEY_SIZE];		/* and key */
	u8 open[M2MV_KEY_SIZE];		/* the key a record is opened with */
	u8 cek[M2MV_KEY_SIZE];
	struct m2mv_kids kids;		/* a record's recipients */
	struct m2mv_kids want;		/* and what they become */
};

/**
 * m2mv_vault_rewrap_begin() - prepare a compaction that brings every live
 * wrap record in line with the store's recovery credential as it is now
 * @s: the store
 *
 * Return: the context for m2mv_vault_rewrap(), or ERR_PTR(-ENOMEM).
 */
struct m2mv_rewrap *m2mv_vault_rewrap_begin(struct m2mv_store *s)
{
	struct m2mv_rewrap *r;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return ERR_PTR(-ENOMEM);
	r->s = s;
	r->has = !m2mv_store_recovery_get(s, r->kid, r->key);
	return r;
}

void m2mv_vault_rewrap_end(struct m2mv_rewrap *r)
{
	kfree_sensitive(r);
}

/*
 * Is @in as the recovery credential wants it? @nbase: its recipients
 * beyond an earlier recovery credential (r->kids holds them all).
 */
static bool rewrap_done(const struct m2mv_rewrap *r, const struct m2mv_rec *in,
			u8 nbase)
{
	unsigned int i;

	if (in->head->flags & M2MV_RECF_RCVY)
		return r->has && !strcmp(r->kids.kid[nbase], r->kid);
	if (!r->has)
		return true;
	/* A policy that names the recovery credential covers it already. */
	for (i = 0; i < nbase; i++)
		if (!strcmp(r->kids.kid[i], r->kid))
			return true;
	return false;
}

/**
 * m2mv_vault_rewrap() - give one live wrap record the store's recovery
 * credential in force (an m2mv_xform_fn)
 * @ctx: from m2mv_vault_rewrap_begin()
 * @in: the record as it is
 * @out: out: the record with its recipients changed
 *
 * The recipients the record's policy named stay, in their order, with
 * their wrapped keys; the recovery credential follows them, in place of
 * an earlier one, or goes if the store has none. The content key comes
 * from the first of the named recipients whose key the caller possesses
 * and the store binds; the payload is sealed again under it with a fresh
 * IV, since the header (the AAD) changes.
 *
 * Return: 1 with @out built, 0 to copy @in unchanged, -E2BIG if the
 * record has M2MV_RECIPIENTS_MAX named recipients, a possession error, or
 * another negative errno.
 */
int m2mv_vault_rewrap(void *ctx, const struct m2mv_rec *in,
		      struct m2mv_rec *out)
{
	struct m2mv_rewrap *r = ctx;
	struct m2mv_rec_shape shape = {
		.type = M2MV_REC_PUT,
		.mode = M2MV_MODE_WRAP,
		.path_len = m2mv_rec_path_len(in),
		.hdr_max = M2MV_HDR_MAX,
		.payload_len = m2mv_rec_payload_len(in),
	};
	const u8 rcpt = M2MV_RECF_RCPT | M2MV_RECF_RCVY;
	struct m2mv_rec tmp;
	u8 nbase, idx = 0;
	unsigned int i;
	int ret;

	if (in->head->type != M2MV_REC_PUT || in->head->mode != M2MV_MODE_WRAP)
		return 0;
	if (m2mv_jose_header_kids(in->hdr, m2mv_rec_hdr_len(in), &r->kids) ||
	    r->kids.n != m2mv_rec_nkeys(in))
		return -EBADMSG;
	nbase = r->kids.n - ((in->head->flags & M2MV_RECF_RCVY) ? 1 : 0);
	if (rewrap_done(r, in, nbase))
		return 0;

	r->want.n = nbase;
	for (i = 0; i < nbase; i++)
		strscpy(r->want.kid[i], r->kids.kid[i], sizeof(r->want.kid[i]));
	if (r->has) {
		if (nbase >= M2MV_RECIPIENTS_MAX)
			return -E2BIG;
		strscpy(r->want.kid[nbase], r->kid, sizeof(r->want.kid[nbase]));
		r->want.n++;
	}
	shape.flags = in->head->flags & ~rcpt;
	if (r->want.n > 1) {
		shape.flags |= M2MV_RECF_RCPT | (r->has ? M2MV_RECF_RCVY : 0);
		shape.nrcpt = r->want.n;
	}

	r->kids.n = nbase;
	ret = vault_key_any(r->s, &r->kids, M2MV_MODE_WRAP, r->open, &idx);
	if (ret)
		return ret;
	ret = vault_copy(in, &tmp);
	if (ret)
		goto out_key;
	ret = m2mv_open_cek(&tmp, r->open, idx, r->cek);
	if (ret)
		goto out_tmp;

	/*
	 * The recovery credential's wrapped key is the one to write; without
	 * it, the opener's own is written again, as it was.
	 */
	ret = vault_rewrap_rec(r->s, in, &tmp, &shape, nbase, &r->want,
			       r->cek, r->has ? r->key : r->open,
			       r->has ? nbase : idx, out);
out_tmp:
	memzero_explicit(r->cek, sizeof(r->cek));
	m2mv_rec_free(&tmp);
out_key:
	memzero_explicit(r->open, sizeof(r->open));
	return ret;
}
