// SPDX-License-Identifier: GPL-2.0
/*
 * Reading a store: lookups in the index, reading and checking the record
 * an entry points at, and listing the live paths under a prefix.
 */
#include <linux/file.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "record.h"
#include "store_priv.h"

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

	if (m2mv_store_gone(s))
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
	const char *what;
	struct file *file;
	u64 seq, gen;
	int ret;

	memset(rec, 0, sizeof(*rec));
	if (m2mv_store_gone(s))
		return -ENODEV;
	file = m2mv_store_file(s, &gen);
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
	ret = m2mv_log_read_entry(file, e, path, len, rec, &what, &seq);
	fput(file);
	if (ret == -EBADMSG)
		m2mv_log_report(s, "", -1, seq, path, len, ret, what);
	return ret;
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

	if (m2mv_store_gone(s))
		return -ENODEV;
	file = m2mv_store_file(s, &gen);
	ret = gen == e->gen ? m2mv_file_read_at(file, head, sizeof(*head), e->off) :
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
		m2mv_log_report(s, "", -1, 0, NULL, 0, -EBADMSG, what);
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
		if (m2mv_store_gone(s)) {
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
