// SPDX-License-Identifier: GPL-2.0
/*
 * The data-plane ioctls of /dev/m2mvault, decoded: each argument struct is
 * copied in once and checked completely (flags, reserved fields, lengths,
 * path characters) before anything is done, the record pipeline (vault.c)
 * does the work, and the result is copied out once. device.c dispatches
 * here with a reference to the store the file is bound to.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "index.h"
#include "ioctl.h"
#include "jose.h"
#include "names.h"
#include "store.h"
#include "vault.h"

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
	if (!m2mv_path_ok(buf, len))
		return -EINVAL;
	return len;
}

/*
 * A call that acts and then writes its results back must not act when it
 * cannot report: write the argument back as it was read first, so that a
 * read-only (or partly read-only) structure fails with EFAULT before
 * anything is done.
 */
static int m2mv_probe_out(void __user *uarg, const void *a, size_t len)
{
	return copy_to_user(uarg, a, len) ? -EFAULT : 0;
}

long m2mv_ioc_put(struct m2mv_store *s, struct m2mv_vop *op,
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
	ret = m2mv_probe_out(uarg, &a, sizeof(a));
	if (ret)
		return ret;

	ret = m2mv_vault_put(s, op, u64_to_user_ptr(a.data), a.data_len,
			     &a.version, &a.seq, &end);
	if (!ret && (a.flags & M2MV_F_SYNC))
		ret = m2mv_store_sync(s, end);
	if (ret)
		return ret;
	if (copy_to_user(uarg, &a, sizeof(a)))
		return -EFAULT;
	return 0;
}

long m2mv_ioc_get(struct m2mv_store *s, struct m2mv_vop *op,
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

	ret = m2mv_vault_get(s, op, u64_to_user_ptr(a.data), &a.data_len,
			     &a.version);
	if (ret && ret != -EOVERFLOW)
		return ret;
	/* EOVERFLOW still reports the length needed. */
	if (copy_to_user(uarg, &a, sizeof(a)))
		return -EFAULT;
	return ret;
}

long m2mv_ioc_delete(struct m2mv_store *s, struct m2mv_vop *op,
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
	ret = m2mv_probe_out(uarg, &a, sizeof(a));
	if (ret)
		return ret;

	ret = m2mv_vault_delete(s, op, &a.version, &end);
	if (!ret && (a.flags & M2MV_F_SYNC))
		ret = m2mv_store_sync(s, end);
	if (ret)
		return ret;
	if (copy_to_user(uarg, &a, sizeof(a)))
		return -EFAULT;
	return 0;
}

long m2mv_ioc_stat(struct m2mv_store *s, struct m2mv_vop *op,
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
		ret = m2mv_vault_read(s, op, &e, &rec);
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

long m2mv_ioc_list(struct m2mv_store *s, struct m2mv_vop *op,
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

long m2mv_ioc_export(struct m2mv_store *s, struct m2mv_vop *op,
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

	ret = m2mv_vault_read(s, op, &e, &rec);
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

long m2mv_ioc_batch(struct m2mv_store *s, struct m2mv_vop *op,
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
	/* Nor does one whose results could not be written back. */
	ret = m2mv_probe_out(u64_to_user_ptr(a.ops), ops,
			     array_size(a.count, sizeof(*ops)));
	if (!ret)
		ret = m2mv_probe_out(uarg, &a, sizeof(a));
	if (ret)
		goto out;
	ret = -ENODEV;
	if (m2mv_store_detached(s))
		goto out;

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
			ret = m2mv_vault_put(s, op, u64_to_user_ptr(o->data),
					     o->data_len, &o->version, &seq, &end);
			break;
		case M2MV_BATCH_GET:
			/* The batch needed write; a read needs read too. */
			if (!m2mv_store_allows(s, MAY_READ)) {
				m2mv_store_count(s, M2MV_STORE_CNT_ACCESS_REFUSALS);
				ret = -EACCES;
				break;
			}
			ret = m2mv_vault_get(s, op, u64_to_user_ptr(o->data),
					     &o->data_len, &o->version);
			break;
		default:
			ret = m2mv_vault_delete(s, op, &o->version, &end);
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
