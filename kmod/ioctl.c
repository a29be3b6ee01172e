// SPDX-License-Identifier: GPL-2.0
/*
 * The data-plane ioctls of /dev/m2mvault (and, until the netlink control
 * plane takes them over, attach, detach and policy).
 *
 * Every argument is copied in once, checked completely (flags, reserved
 * fields, lengths, path characters) before anything is done, and the
 * result copied out once. Key material is looked up per operation in the
 * caller's keyrings and wiped as soon as the operation is done with it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "m2mvault.h"
#include "control.h"
#include "cred.h"
#include "ioctl.h"
#include "jose.h"
#include "kdf.h"
#include "policy.h"
#include "record.h"
#include "seal.h"
#include "store.h"

static unsigned int max_blob = M2MV_BLOB_MAX_DEFAULT;
module_param(max_blob, uint, 0644);
MODULE_PARM_DESC(max_blob, "Largest blob a PUT accepts, in bytes (default 16 MiB)");

/* Scratch state of one operation; too big for the stack. */
struct m2mv_op {
	char path[M2MV_PATH_MAX];
	u16 path_len;
	char kid[M2MV_CREDID_MAX + 1];
	u8 key[M2MV_KEY_SIZE];
	char hdr[M2MV_HDR_MAX];
	struct m2mv_policy_match pol;
};

static struct m2mv_op *m2mv_op_alloc(void)
{
	return kmalloc(sizeof(struct m2mv_op), GFP_KERNEL);
}

static void m2mv_op_free(struct m2mv_op *op)
{
	kfree_sensitive(op);
}

/*
 * Copy a path (or, with @may_be_empty, a prefix) from user memory into @buf.
 * Return: its length, -EINVAL (empty or bad characters), -ENAMETOOLONG,
 * -EFAULT.
 */
static int m2mv_copy_path(char *buf, u64 uptr, u32 len, bool may_be_empty)
{
	if (len > M2MV_PATH_MAX)
		return -ENAMETOOLONG;
	if (!len)
		return may_be_empty ? 0 : -EINVAL;
	if (copy_from_user(buf, u64_to_user_ptr(uptr), len))
		return -EFAULT;
	if (!m2mv_path_chars_ok(buf, len))
		return -EINVAL;
	return len;
}

static struct m2mv_store *m2mv_file_store(struct m2mv_file *f)
{
	struct m2mv_store *s;

	mutex_lock(&f->lock);
	s = f->store;
	if (s)
		m2mv_store_hold(s);
	mutex_unlock(&f->lock);
	return s;
}

/*
 * Look up a credential for an operation on @s; a refusal is counted and
 * announced on the events group, so an operator sees revoked, expired or
 * missing keys as they bite.
 */
static int m2mv_key(struct m2mv_store *s, const char *kid, u8 mode,
		    u8 key[M2MV_KEY_SIZE])
{
	int ret = m2mv_cred_get(kid, mode, key);

	if (ret) {
		m2mv_store_count(s, M2MV_STORE_CNT_KEY_REFUSALS);
		m2mv_nl_event_key(m2mv_store_name(s), kid, ret);
	}
	return ret;
}

/*
 * Rebuild the protected header a record must carry from what the index and
 * the record's head say, and compare: a record moved to another path,
 * version or store, or with its header edited, fails here.
 */
static int m2mv_check_header(struct m2mv_store *s, struct m2mv_op *op,
			     const struct m2mv_rec *rec)
{
	struct m2mv_hdr_fields f = {
		.mode = rec->head->mode,
		.instance = rec->head->flags & M2MV_RECF_INSTANCE,
		.kid = op->kid,
		.path = rec->path,
		.path_len = m2mv_rec_path_len(rec),
		.version = le64_to_cpu(rec->head->version),
		.store_id = m2mv_store_id(s),
		.nonce = rec->head->nonce,
	};
	int n;

	if (m2mv_jose_header_kid(rec->hdr, m2mv_rec_hdr_len(rec), op->kid))
		return -EBADMSG;
	n = m2mv_jose_header(op->hdr, sizeof(op->hdr), &f);
	if (n < 0 || n != m2mv_rec_hdr_len(rec) || memcmp(op->hdr, rec->hdr, n))
		return -EBADMSG;
	return 0;
}

/* Look up, read and check the newest record of op->path, without a key. */
static int m2mv_read_checked(struct m2mv_store *s, struct m2mv_op *op,
			     struct m2mv_entry *e, struct m2mv_rec *rec)
{
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
	ret = m2mv_check_header(s, op, rec);
	if (ret) {
		m2mv_store_report_bad(s, op->path, op->path_len,
				      le64_to_cpu(rec->head->seq),
				      "protected header does not match");
		m2mv_rec_free(rec);
	}
	return ret;
}

/* ------------------------------------------------------------------ PUT */

static int m2mv_do_put(struct m2mv_store *s, struct m2mv_op *op,
		       const void __user *udata, u32 len, u64 *version,
		       u64 *seq, loff_t *end)
{
	struct m2mv_rec_shape shape = {
		.type = M2MV_REC_PUT,
		.path_len = op->path_len,
		.hdr_max = M2MV_HDR_MAX,
		.payload_len = len,
	};
	struct m2mv_hdr_fields f;
	struct m2mv_rec rec = {};
	const char *id;
	u16 id_len;
	u64 ver;
	int ret;

	if (m2mv_store_detached(s))
		return -ENODEV;
	if (len > READ_ONCE(max_blob))
		return -EMSGSIZE;
	ret = m2mv_policy_match(m2mv_store_name(s), op->path, op->path_len,
				&op->pol);
	if (ret)
		return ret;
	/* Possession first: nobody without the key gets further. */
	ret = m2mv_key(s, op->pol.credid, op->pol.mode, op->key);
	if (ret)
		return ret;

	shape.mode = op->pol.mode;
	shape.flags = op->pol.instance ? M2MV_RECF_INSTANCE : 0;
	ret = m2mv_rec_alloc(&rec, &shape);
	if (ret)
		goto out;
	memcpy(rec.path, op->path, op->path_len);
	if (copy_from_user(rec.payload, udata, len)) {
		ret = -EFAULT;
		goto out;
	}

	if (op->pol.mode == M2MV_MODE_DIR) {
		m2mv_dir_id(op->path, op->path_len, op->pol.instance, &id,
			    &id_len);
		ret = m2mv_store_dir_nonce(s, op->pol.credid, id, id_len,
					   op->pol.instance, rec.head->nonce);
		if (ret)
			goto out;
	}

	ret = m2mv_store_reserve(s, op->path, op->path_len, &ver);
	if (ret)
		goto out;
	rec.head->version = cpu_to_le64(ver);

	f = (struct m2mv_hdr_fields) {
		.mode = op->pol.mode,
		.instance = op->pol.instance,
		.kid = op->pol.credid,
		.path = op->path,
		.path_len = op->path_len,
		.version = ver,
		.store_id = m2mv_store_id(s),
		.nonce = rec.head->nonce,
	};
	ret = m2mv_jose_header(rec.hdr, M2MV_HDR_MAX, &f);
	if (ret < 0)
		goto out;
	ret = m2mv_rec_set_hdr_len(&rec, ret);
	if (ret)
		goto out;

	ret = m2mv_seal(&rec, op->key);
	memzero_explicit(op->key, sizeof(op->key));
	if (ret)
		goto out;

	ret = m2mv_store_append(s, &rec, seq, end);
	if (!ret)
		*version = ver;
out:
	memzero_explicit(op->key, sizeof(op->key));
	m2mv_rec_free(&rec);
	return ret;
}

static long m2mv_ioc_put(struct m2mv_store *s, struct m2mv_op *op,
			 void __user *uarg)
{
	struct m2mv_put a;
	loff_t end = 0;
	int ret;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags & ~__M2MV_F_ALL || a.reserved0 || a.version || a.seq ||
	    memchr_inv(a.reserved, 0, sizeof(a.reserved)))
		return -EINVAL;
	ret = m2mv_copy_path(op->path, a.path, a.path_len, false);
	if (ret < 0)
		return ret;
	op->path_len = ret;

	ret = m2mv_do_put(s, op, u64_to_user_ptr(a.data), a.data_len,
			  &a.version, &a.seq, &end);
	if (!ret && (a.flags & M2MV_F_SYNC))
		ret = m2mv_store_sync(s, end);
	if (ret)
		return ret;
	if (copy_to_user(uarg, &a, sizeof(a)))
		return -EFAULT;
	return 0;
}

/* ------------------------------------------------------------------ GET */

static int m2mv_do_get(struct m2mv_store *s, struct m2mv_op *op,
		       void __user *ubuf, u32 *len, u64 *version)
{
	struct m2mv_entry e;
	struct m2mv_rec rec;
	u32 n;
	int ret;

	ret = m2mv_store_lookup(s, op->path, op->path_len, &e);
	if (ret)
		return ret;
	if (e.data_len > *len) {
		*len = e.data_len;
		return -EOVERFLOW;
	}
	ret = m2mv_read_checked(s, op, &e, &rec);
	if (ret)
		return ret;

	ret = m2mv_key(s, op->kid, rec.head->mode, op->key);
	if (ret)
		goto out;
	ret = m2mv_open(&rec, op->key);
	memzero_explicit(op->key, sizeof(op->key));
	if (ret == -EBADMSG)
		m2mv_store_report_bad(s, op->path, op->path_len,
				      le64_to_cpu(rec.head->seq),
				      "authentication tag does not verify");
	if (ret)
		goto out;
	n = m2mv_rec_payload_len(&rec);
	if (copy_to_user(ubuf, rec.payload, n)) {
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

static long m2mv_ioc_get(struct m2mv_store *s, struct m2mv_op *op,
			 void __user *uarg)
{
	struct m2mv_get a;
	int ret;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags || a.reserved0 || a.version ||
	    memchr_inv(a.reserved, 0, sizeof(a.reserved)))
		return -EINVAL;
	ret = m2mv_copy_path(op->path, a.path, a.path_len, false);
	if (ret < 0)
		return ret;
	op->path_len = ret;

	ret = m2mv_do_get(s, op, u64_to_user_ptr(a.data), &a.data_len,
			  &a.version);
	if (ret && ret != -EOVERFLOW)
		return ret;
	/* EOVERFLOW still reports the length needed. */
	if (copy_to_user(uarg, &a, sizeof(a)))
		return -EFAULT;
	return ret;
}

/* --------------------------------------------------------------- DELETE */

static int m2mv_do_delete(struct m2mv_store *s, struct m2mv_op *op,
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
	ret = m2mv_policy_match(m2mv_store_name(s), op->path, op->path_len,
				&op->pol);
	if (ret)
		return ret;
	/* Deleting needs the same possession as writing. */
	ret = m2mv_key(s, op->pol.credid, op->pol.mode, op->key);
	memzero_explicit(op->key, sizeof(op->key));
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
	if (!ret)
		*version = ver;
out:
	m2mv_rec_free(&rec);
	return ret;
}

static long m2mv_ioc_delete(struct m2mv_store *s, struct m2mv_op *op,
			    void __user *uarg)
{
	struct m2mv_del a;
	loff_t end = 0;
	int ret;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags & ~__M2MV_F_ALL || a.version ||
	    memchr_inv(a.reserved, 0, sizeof(a.reserved)))
		return -EINVAL;
	ret = m2mv_copy_path(op->path, a.path, a.path_len, false);
	if (ret < 0)
		return ret;
	op->path_len = ret;

	ret = m2mv_do_delete(s, op, &a.version, &end);
	if (!ret && (a.flags & M2MV_F_SYNC))
		ret = m2mv_store_sync(s, end);
	if (ret)
		return ret;
	if (copy_to_user(uarg, &a, sizeof(a)))
		return -EFAULT;
	return 0;
}

/* ----------------------------------------------------------------- STAT */

static long m2mv_ioc_stat(struct m2mv_store *s, struct m2mv_op *op,
			  void __user *uarg)
{
	struct m2mv_stat *a;
	struct m2mv_entry e;
	struct m2mv_rec rec;
	int ret;

	a = kmalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	ret = -EFAULT;
	if (copy_from_user(a, uarg, sizeof(*a)))
		goto out;
	ret = -EINVAL;
	if (a->flags || a->version || a->seq || a->mtime_ns || a->data_len ||
	    a->record_len || a->mode || a->rec_flags ||
	    memchr_inv(a->credid, 0, sizeof(a->credid)) ||
	    memchr_inv(a->reserved, 0, sizeof(a->reserved)))
		goto out;
	ret = m2mv_copy_path(op->path, a->path, a->path_len, false);
	if (ret < 0)
		goto out;
	op->path_len = ret;

	ret = m2mv_store_lookup(s, op->path, op->path_len, &e);
	if (ret)
		goto out;
	a->version = e.version;
	a->data_len = e.data_len;
	a->record_len = e.reclen;
	a->mode = e.mode;
	a->rec_flags = e.rec_flags;
	/* A damaged record still has metadata worth showing. */
	if (!(e.rec_flags & M2MV_STAT_F_BAD)) {
		ret = m2mv_read_checked(s, op, &e, &rec);
		if (ret)
			goto out;
		a->seq = le64_to_cpu(rec.head->seq);
		a->mtime_ns = le64_to_cpu(rec.head->time_ns);
		strscpy(a->credid, op->kid, sizeof(a->credid));
		m2mv_rec_free(&rec);
	}
	ret = copy_to_user(uarg, a, sizeof(*a)) ? -EFAULT : 0;
out:
	kfree(a);
	return ret;
}

/* ----------------------------------------------------------------- LIST */

/* Bound the kernel buffer; user space pages through larger listings. */
#define M2MV_LIST_BUF_MAX	(256U << 10)

struct m2mv_list_ctx {
	u8 *buf;
	u32 size;
	u32 used;
	u32 count;
};

static int m2mv_list_one(void *data, const char *path, u16 len,
			 const struct m2mv_entry *e)
{
	struct m2mv_list_ctx *c = data;
	struct m2mv_list_ent *ent;
	u32 reclen = ALIGN(sizeof(*ent) + len, 8);

	if (c->size - c->used < reclen)
		return 1;
	ent = (struct m2mv_list_ent *)(c->buf + c->used);
	memset(ent, 0, reclen);
	ent->version = e->version;
	ent->data_len = e->data_len;
	ent->reclen = reclen;
	ent->path_len = len;
	ent->mode = e->mode;
	ent->rec_flags = e->rec_flags;
	memcpy(ent->path, path, len);
	c->used += reclen;
	c->count++;
	return 0;
}

static long m2mv_ioc_list(struct m2mv_store *s, struct m2mv_op *op,
			  void __user *uarg)
{
	struct m2mv_list_ctx c = {};
	struct m2mv_list a;
	char *after;
	int plen, alen, ret;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags || a.count || a.reserved0 ||
	    memchr_inv(a.reserved, 0, sizeof(a.reserved)))
		return -EINVAL;
	plen = m2mv_copy_path(op->path, a.prefix, a.prefix_len, true);
	if (plen < 0)
		return plen;
	/* The header scratch space holds the cursor. */
	BUILD_BUG_ON(sizeof(op->hdr) < M2MV_PATH_MAX);
	after = op->hdr;
	alen = m2mv_copy_path(after, a.after, a.after_len, true);
	if (alen < 0)
		return alen;

	c.size = min(a.buf_len, M2MV_LIST_BUF_MAX);
	if (c.size < sizeof(struct m2mv_list_ent) + 8)
		return -EOVERFLOW;
	c.buf = kvmalloc(c.size, GFP_KERNEL);
	if (!c.buf)
		return -ENOMEM;

	ret = m2mv_store_list(s, op->path, plen, after, alen, m2mv_list_one,
			      &c);
	if (ret < 0)
		goto out;
	if (ret > 0 && !c.count) {
		ret = -EOVERFLOW;
		goto out;
	}
	a.flags = ret > 0 ? M2MV_LIST_F_MORE : 0;
	a.count = c.count;
	ret = 0;
	if (copy_to_user(u64_to_user_ptr(a.buf), c.buf, c.used) ||
	    copy_to_user(uarg, &a, sizeof(a)))
		ret = -EFAULT;
out:
	kvfree(c.buf);
	return ret;
}

/* --------------------------------------------------------------- EXPORT */

static long m2mv_ioc_export(struct m2mv_store *s, struct m2mv_op *op,
			    void __user *uarg)
{
	struct m2mv_export a;
	struct m2mv_entry e;
	struct m2mv_rec rec;
	char *out = NULL;
	ssize_t n;
	bool json;
	int ret;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags & ~__M2MV_EXPORT_F_ALL || a.reserved0 || a.version ||
	    memchr_inv(a.reserved, 0, sizeof(a.reserved)))
		return -EINVAL;
	json = a.flags & M2MV_EXPORT_F_JSON;
	ret = m2mv_copy_path(op->path, a.path, a.path_len, false);
	if (ret < 0)
		return ret;
	op->path_len = ret;

	ret = m2mv_read_checked(s, op, &e, &rec);
	if (ret)
		return ret;
	n = m2mv_jose_export_len(&rec, json);
	if (n < 0) {
		ret = n;
		goto out;
	}
	if (n > U32_MAX) {
		ret = -EOVERFLOW;
		goto out;
	}
	if (n > a.buf_len) {
		a.buf_len = n;
		ret = copy_to_user(uarg, &a, sizeof(a)) ? -EFAULT : -EOVERFLOW;
		goto out;
	}
	out = kvmalloc(n, GFP_KERNEL);
	if (!out) {
		ret = -ENOMEM;
		goto out;
	}
	n = m2mv_jose_export(&rec, json, out, n);
	if (n < 0) {
		ret = n;
		goto out;
	}
	a.buf_len = n;
	a.version = e.version;
	ret = 0;
	if (copy_to_user(u64_to_user_ptr(a.buf), out, n) ||
	    copy_to_user(uarg, &a, sizeof(a)))
		ret = -EFAULT;
out:
	kvfree(out);
	m2mv_rec_free(&rec);
	return ret;
}

/* ---------------------------------------------------------------- BATCH */

static int m2mv_batch_check(const struct m2mv_batch_op *o)
{
	if (o->reserved0 || o->reserved || o->result || o->version)
		return -EINVAL;
	switch (o->op) {
	case M2MV_BATCH_PUT:
	case M2MV_BATCH_DELETE:
		return o->flags & ~__M2MV_F_ALL ? -EINVAL : 0;
	case M2MV_BATCH_GET:
		return o->flags ? -EINVAL : 0;
	default:
		return -EINVAL;
	}
}

static long m2mv_ioc_batch(struct m2mv_store *s, struct m2mv_op *op,
			   void __user *uarg)
{
	struct m2mv_batch_op *ops, *o;
	struct m2mv_batch a;
	loff_t end, sync_end = 0;
	bool sync = false;
	u32 i;
	u64 seq;
	int ret;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags || a.done || a.reserved0 ||
	    memchr_inv(a.reserved, 0, sizeof(a.reserved)) ||
	    !a.count || a.count > M2MV_BATCH_MAX)
		return -EINVAL;
	ops = kvmalloc_array(a.count, sizeof(*ops), GFP_KERNEL);
	if (!ops)
		return -ENOMEM;
	ret = -EFAULT;
	if (copy_from_user(ops, u64_to_user_ptr(a.ops),
			   array_size(a.count, sizeof(*ops))))
		goto out;
	/* A malformed batch runs nothing. */
	for (i = 0; i < a.count; i++) {
		ret = m2mv_batch_check(&ops[i]);
		if (ret)
			goto out;
	}

	for (i = 0; i < a.count; i++) {
		o = &ops[i];
		end = 0;
		ret = m2mv_copy_path(op->path, o->path, o->path_len, false);
		if (ret < 0) {
			o->result = ret;
			continue;
		}
		op->path_len = ret;
		switch (o->op) {
		case M2MV_BATCH_PUT:
			ret = m2mv_do_put(s, op, u64_to_user_ptr(o->data),
					  o->data_len, &o->version, &seq, &end);
			break;
		case M2MV_BATCH_GET:
			ret = m2mv_do_get(s, op, u64_to_user_ptr(o->data),
					  &o->data_len, &o->version);
			break;
		default:
			ret = m2mv_do_delete(s, op, &o->version, &end);
			break;
		}
		o->result = ret;
		if (!ret && (o->flags & M2MV_F_SYNC)) {
			sync = true;
			sync_end = max(sync_end, end);
		}
	}

	/* One flush covers every synchronous operation of the batch. */
	if (sync) {
		ret = m2mv_store_sync(s, sync_end);
		for (i = 0; ret && i < a.count; i++)
			if (!ops[i].result && (ops[i].flags & M2MV_F_SYNC))
				ops[i].result = ret;
	}

	a.done = a.count;
	ret = 0;
	if (copy_to_user(u64_to_user_ptr(a.ops), ops,
			 array_size(a.count, sizeof(*ops))) ||
	    copy_to_user(uarg, &a, sizeof(a)))
		ret = -EFAULT;
out:
	kvfree(ops);
	return ret;
}

static long m2mv_ioc_bind(struct m2mv_file *f, void __user *uarg)
{
	struct m2mv_store *s, *old;
	struct m2mv_bind a;
	int ret;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags || a.reserved0 || memchr_inv(a.reserved, 0, sizeof(a.reserved)))
		return -EINVAL;
	ret = m2mv_check_name(a.name);
	if (ret)
		return ret;
	s = m2mv_store_get(a.name);
	if (!s)
		return -ENOENT;
	mutex_lock(&f->lock);
	old = f->store;
	f->store = s;
	mutex_unlock(&f->lock);
	if (old)
		m2mv_store_put(old);
	return 0;
}

static long m2mv_ioc_version(void __user *uarg)
{
	struct m2mv_version v;

	if (copy_from_user(&v, uarg, sizeof(v)))
		return -EFAULT;
	if (v.flags || memchr_inv(v.reserved, 0, sizeof(v.reserved)))
		return -EINVAL;
	v.abi = M2MV_ABI_VERSION;
	if (copy_to_user(uarg, &v, sizeof(v)))
		return -EFAULT;
	return 0;
}

typedef long (*m2mv_data_fn)(struct m2mv_store *s, struct m2mv_op *op,
			     void __user *uarg);

static m2mv_data_fn m2mv_data_op(unsigned int cmd)
{
	switch (cmd) {
	case M2MV_IOC_PUT:
		return m2mv_ioc_put;
	case M2MV_IOC_GET:
		return m2mv_ioc_get;
	case M2MV_IOC_DELETE:
		return m2mv_ioc_delete;
	case M2MV_IOC_STAT:
		return m2mv_ioc_stat;
	case M2MV_IOC_LIST:
		return m2mv_ioc_list;
	case M2MV_IOC_EXPORT:
		return m2mv_ioc_export;
	case M2MV_IOC_BATCH:
		return m2mv_ioc_batch;
	default:
		return NULL;
	}
}

long m2mv_ioctl(struct m2mv_file *f, unsigned int cmd, void __user *uarg)
{
	struct m2mv_store *s;
	struct m2mv_op *op;
	m2mv_data_fn fn;
	long ret;

	switch (cmd) {
	case M2MV_IOC_VERSION:
		return m2mv_ioc_version(uarg);
	case M2MV_IOC_BIND:
		return m2mv_ioc_bind(f, uarg);
	}

	fn = m2mv_data_op(cmd);
	if (!fn)
		return -ENOTTY;
	s = m2mv_file_store(f);
	if (!s)
		return -ENXIO;
	op = m2mv_op_alloc();
	if (op) {
		ret = fn(s, op, uarg);
		m2mv_op_free(op);
	} else {
		ret = -ENOMEM;
	}
	m2mv_store_put(s);
	return ret;
}

void m2mv_file_release(struct m2mv_file *f)
{
	if (f->store)
		m2mv_store_put(f->store);
}
