// SPDX-License-Identifier: GPL-2.0
/*
 * The in-memory index of a store (see index.h for the entry states and the
 * locking rule). An entry takes 64 bytes plus its path, in one kmalloc().
 */
#include <linux/build_bug.h>
#include <linux/crc32c.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "m2mvault_private.h"
#include "index.h"

/* Entry flags: the M2MV_STAT_F_* bits as they are, then our own. */
#define M2MV_IENT_STAT_MASK	(M2MV_STAT_F_INSTANCE | M2MV_STAT_F_BAD | \
				 M2MV_STAT_F_TS0003)
#define M2MV_IENT_DELETED	0x80

struct m2mv_ient {
	struct rb_node node;
	loff_t off;		/* of the newest record */
	u64 version;		/* of the newest record; 0: placeholder */
	u64 reserved;		/* highest version handed out, 0 if none */
	u32 reclen;
	u32 data_len;		/* payload bytes of the newest record */
	u16 path_len;
	u8 mode;
	u8 flags;		/* M2MV_STAT_F_*, M2MV_IENT_DELETED */
	char path[];
};

static_assert(offsetof(struct m2mv_ient, path) <= 64);

static bool ient_visible(const struct m2mv_ient *e)
{
	if (e->flags & M2MV_IENT_DELETED)
		return false;
	return e->version || (e->flags & M2MV_STAT_F_BAD);
}

/* Take @e out of, or put it back into, the live counters. */
static void ient_unaccount(struct m2mv_index *ix, const struct m2mv_ient *e)
{
	if (ient_visible(e)) {
		ix->live--;
		ix->live_bytes -= e->reclen;
	}
}

static void ient_account(struct m2mv_index *ix, const struct m2mv_ient *e)
{
	if (ient_visible(e)) {
		ix->live++;
		ix->live_bytes += e->reclen;
	}
}

void m2mv_index_init(struct m2mv_index *ix)
{
	init_rwsem(&ix->lock);
	ix->root = RB_ROOT;
	ix->live = 0;
	ix->live_bytes = 0;
}

/* Free every entry. Nobody else may use @ix any more; may sleep. */
void m2mv_index_destroy(struct m2mv_index *ix)
{
	struct m2mv_ient *e, *next;
	unsigned long n = 0;

	rbtree_postorder_for_each_entry_safe(e, next, &ix->root, node) {
		kfree(e);
		if (!(++n % 4096))
			cond_resched();
	}
	ix->root = RB_ROOT;
	ix->live = 0;
	ix->live_bytes = 0;
}

static struct m2mv_ient *ient_find(struct m2mv_index *ix, const char *path,
				   u16 len)
{
	struct rb_node *n = ix->root.rb_node;

	while (n) {
		struct m2mv_ient *e = rb_entry(n, struct m2mv_ient, node);
		int c = m2mv_bytes_cmp(path, len, e->path, e->path_len);

		if (c < 0)
			n = n->rb_left;
		else if (c > 0)
			n = n->rb_right;
		else
			return e;
	}
	return NULL;
}

/* Find the entry of @path or add a placeholder for it; NULL: no memory. */
static struct m2mv_ient *ient_get(struct m2mv_index *ix, const char *path,
				  u16 len)
{
	struct rb_node **link = &ix->root.rb_node, *parent = NULL;
	struct m2mv_ient *e;

	while (*link) {
		int c;

		parent = *link;
		e = rb_entry(parent, struct m2mv_ient, node);
		c = m2mv_bytes_cmp(path, len, e->path, e->path_len);
		if (c < 0)
			link = &parent->rb_left;
		else if (c > 0)
			link = &parent->rb_right;
		else
			return e;
	}

	e = kmalloc(struct_size(e, path, len), GFP_KERNEL);
	if (!e)
		return NULL;
	e->off = 0;
	e->version = 0;
	e->reserved = 0;
	e->reclen = 0;
	e->data_len = 0;
	e->path_len = len;
	e->mode = 0;
	e->flags = 0;
	memcpy(e->path, path, len);
	rb_link_node(&e->node, parent, link);
	rb_insert_color(&e->node, &ix->root);
	return e;
}

static void ient_copy(const struct m2mv_ient *e, struct m2mv_entry *out)
{
	out->off = e->off;
	out->version = e->version;
	out->reclen = e->reclen;
	out->data_len = e->data_len;
	out->mode = e->mode;
	out->rec_flags = e->flags & M2MV_IENT_STAT_MASK;
}

static void ient_set(struct m2mv_ient *e, const struct m2mv_index_rec *r)
{
	e->off = r->off;
	e->version = r->version;
	e->reclen = r->reclen;
	e->data_len = r->data_len;
	e->mode = r->mode;
	e->flags = (r->rec_flags & M2MV_RECF_INSTANCE) ? M2MV_STAT_F_INSTANCE : 0;
	if (r->rec_flags & M2MV_RECF_DIRECT)
		e->flags |= M2MV_STAT_F_TS0003;
}

/**
 * m2mv_index_lookup() - copy out the entry of @path
 * @ix: the index, held for reading
 * @path: the path
 * @len: its length
 * @e: out: the entry
 *
 * Return: 0, or -ENOENT for a missing path, a placeholder or a tombstone.
 */
int m2mv_index_lookup(struct m2mv_index *ix, const char *path, u16 len,
		      struct m2mv_entry *e)
{
	struct m2mv_ient *ie;

	lockdep_assert_held(&ix->lock);
	ie = ient_find(ix, path, len);
	if (!ie || !ient_visible(ie))
		return -ENOENT;
	ient_copy(ie, e);
	return 0;
}

/**
 * m2mv_index_prepare() - make sure @path has an entry
 * @ix: the index, held for writing
 * @path: the path
 * @len: its length
 *
 * Once this succeeded, m2mv_index_apply() of @path cannot fail: entries are
 * never removed while the index lives.
 *
 * Return: 0 or -ENOMEM.
 */
int m2mv_index_prepare(struct m2mv_index *ix, const char *path, u16 len)
{
	lockdep_assert_held_write(&ix->lock);
	return ient_get(ix, path, len) ? 0 : -ENOMEM;
}

/**
 * m2mv_index_reserve() - hand out the next version of @path
 * @ix: the index, held for writing
 * @path: the path
 * @len: its length
 * @version: out: one more than both the newest record's version and every
 *	version handed out before
 *
 * Return: 0, -ENOMEM, or -EOVERFLOW when the versions are exhausted.
 */
int m2mv_index_reserve(struct m2mv_index *ix, const char *path, u16 len,
		       u64 *version)
{
	struct m2mv_ient *e;
	u64 v;

	lockdep_assert_held_write(&ix->lock);
	e = ient_get(ix, path, len);
	if (!e)
		return -ENOMEM;
	v = max(e->version, e->reserved);
	if (v == U64_MAX)
		return -EOVERFLOW;
	e->reserved = v + 1;
	*version = v + 1;
	return 0;
}

/**
 * m2mv_index_unreserve() - give back a version handed out for @path
 * @ix: the index, held for writing
 * @path: the path
 * @len: its length
 * @version: from m2mv_index_reserve(), its record never applied
 *
 * Only the newest reservation can be given back: if a later one was
 * handed out meanwhile, @version stays used (versions only grow).
 */
void m2mv_index_unreserve(struct m2mv_index *ix, const char *path, u16 len,
			  u64 version)
{
	struct m2mv_ient *e;

	lockdep_assert_held_write(&ix->lock);
	e = ient_find(ix, path, len);
	if (e && e->reserved == version && e->version < version)
		e->reserved = version - 1;
}

/**
 * m2mv_index_apply() - let a PUT or DEL record update the index
 * @ix: the index, held for writing
 * @path: the record's path
 * @len: its length
 * @r: the record
 *
 * The record becomes the path's newest only if its version is higher than
 * the one indexed; a DEL leaves a tombstone.
 *
 * Return: 1 if the index changed, 0 for an older version, -EEXIST if the
 * indexed record has the same version, -ENOMEM.
 */
int m2mv_index_apply(struct m2mv_index *ix, const char *path, u16 len,
		     const struct m2mv_index_rec *r)
{
	struct m2mv_ient *e;

	lockdep_assert_held_write(&ix->lock);
	e = ient_get(ix, path, len);
	if (!e)
		return -ENOMEM;
	if (r->version < e->version)
		return 0;
	if (r->version == e->version)
		return -EEXIST;
	ient_unaccount(ix, e);
	ient_set(e, r);
	if (r->type == M2MV_REC_DEL)
		e->flags |= M2MV_IENT_DELETED;
	ient_account(ix, e);
	return 1;
}

/* Point @e at the damaged record @r: readers of it get EBADMSG. */
static void ient_mark(struct m2mv_index *ix, struct m2mv_ient *e,
		      const struct m2mv_index_rec *r)
{
	ient_unaccount(ix, e);
	ient_set(e, r);
	e->flags |= M2MV_STAT_F_BAD;
	ient_account(ix, e);
}

/**
 * m2mv_index_mark_bad() - record that a damaged record claims @path
 * @ix: the index, held for writing
 * @path: the path the damaged record names
 * @len: its length
 * @r: what the damaged record says
 * @trusted: @r's version is as written (the record's CRC holds); if not,
 *	the damage may have hit the version itself, so the record counts as
 *	newer than the indexed one whatever its version field says
 *
 * If @r is newer than the indexed record, the entry now points at the
 * damaged record and carries M2MV_STAT_F_BAD: readers get EBADMSG rather
 * than an older version. A later intact record with a higher version
 * replaces it.
 *
 * Return: 1 if the entry was marked, 0 if not, -ENOMEM.
 */
int m2mv_index_mark_bad(struct m2mv_index *ix, const char *path, u16 len,
			const struct m2mv_index_rec *r, bool trusted)
{
	struct m2mv_index_rec bad = *r;
	struct m2mv_ient *e;

	lockdep_assert_held_write(&ix->lock);
	e = ient_get(ix, path, len);
	if (!e)
		return -ENOMEM;
	if (trusted && r->version < e->version)
		return 0;
	if (!trusted && r->version <= e->version && e->version < U64_MAX)
		bad.version = e->version + 1;
	ient_mark(ix, e, &bad);
	return 1;
}

/**
 * m2mv_index_expect() - a checkpoint vouches for a record of @path
 * @ix: the index, held for writing
 * @path: the path
 * @len: its length
 * @r: the record the checkpoint names (offset, version, length, type)
 *
 * The records before the checkpoint must have brought @path to at least
 * @r's version. If they did not, the record is missing or was too damaged
 * to be attributed: the entry is marked M2MV_STAT_F_BAD at @r's version,
 * so that readers get EBADMSG rather than an older version or ENOENT.
 *
 * Return: 1 if the entry was marked, 0 if the index holds @r or newer,
 * -ENOMEM.
 */
int m2mv_index_expect(struct m2mv_index *ix, const char *path, u16 len,
		      const struct m2mv_index_rec *r)
{
	struct m2mv_ient *e;

	lockdep_assert_held_write(&ix->lock);
	e = ient_get(ix, path, len);
	if (!e)
		return -ENOMEM;
	if (e->version >= r->version)
		return 0;
	ient_mark(ix, e, r);
	return 1;
}

/* How a record names the PUT or DEL before it: the CRC32C of its path. */
u32 m2mv_path_crc(const char *path, u16 len)
{
	return ~crc32c(~0U, path, len);
}

/**
 * m2mv_index_named() - a record names the one before it, which is not there
 * @ix: the index, held for writing
 * @path_crc: the CRC32C of the path it names
 * @ver: the low 16 bits of the version it names
 * @path: out: the path, M2MV_PATH_MAX bytes, if an entry was marked
 * @len: out: its length
 *
 * The record before was removed, or is too damaged to name its path. The
 * entry whose path has that CRC32C must have reached that version: if its
 * version's low bits differ, it has not, and the entry is marked
 * M2MV_STAT_F_BAD at the nearest higher version with those low bits. Only
 * called when something is wrong, so a walk of the whole index will do.
 *
 * Return: 1 if an entry was marked, 0 if not (the index has that version,
 * or no path has that CRC32C).
 */
int m2mv_index_named(struct m2mv_index *ix, u32 path_crc, u16 ver,
		     char *path, u16 *len)
{
	struct m2mv_index_rec r = { .type = M2MV_REC_PUT };
	struct m2mv_ient *e;
	struct rb_node *n;

	lockdep_assert_held_write(&ix->lock);
	for (n = rb_first(&ix->root); n; n = rb_next(n)) {
		e = rb_entry(n, struct m2mv_ient, node);
		if (m2mv_path_crc(e->path, e->path_len) != path_crc)
			continue;
		if ((e->version & 0xffff) == ver || e->version > U64_MAX - 0xffff)
			return 0;
		r.version = e->version + (u16)(ver - e->version);
		ient_mark(ix, e, &r);
		memcpy(path, e->path, e->path_len);
		*len = e->path_len;
		return 1;
	}
	return 0;
}

/* The first entry sorting after @key, or at it too if @inclusive. */
static struct rb_node *ient_first(struct m2mv_index *ix, const char *key,
				  u16 len, bool inclusive)
{
	struct rb_node *n = ix->root.rb_node, *best = NULL;

	while (n) {
		struct m2mv_ient *e = rb_entry(n, struct m2mv_ient, node);
		int c = m2mv_bytes_cmp(e->path, e->path_len, key, len);

		if (c > 0 || (inclusive && !c)) {
			best = n;
			n = n->rb_left;
		} else {
			n = n->rb_right;
		}
	}
	return best;
}

/**
 * m2mv_index_collect() - copy out a run of visible entries, in order
 * @ix: the index, held for reading
 * @prefix: only paths starting with these bytes
 * @prefix_len: their length (0: every path)
 * @after: only paths sorting strictly after this one
 * @after_len: its length (0: from the start)
 * @items: out: the entries
 * @max: room in @items
 *
 * Paths sharing a prefix are contiguous in memcmp order, starting at the
 * prefix itself, so the walk starts at the later of @prefix and @after and
 * ends at the first path without the prefix.
 *
 * Return: the number of entries copied; fewer than @max means no more.
 */
unsigned int m2mv_index_collect(struct m2mv_index *ix,
				const char *prefix, u16 prefix_len,
				const char *after, u16 after_len,
				struct m2mv_index_item *items,
				unsigned int max)
{
	struct rb_node *n;
	unsigned int count = 0;

	lockdep_assert_held(&ix->lock);
	if (m2mv_bytes_cmp(after, after_len, prefix, prefix_len) < 0)
		n = ient_first(ix, prefix, prefix_len, true);
	else
		n = ient_first(ix, after, after_len, false);

	for (; n && count < max; n = rb_next(n)) {
		struct m2mv_ient *e = rb_entry(n, struct m2mv_ient, node);

		if (e->path_len < prefix_len ||
		    (prefix_len && memcmp(e->path, prefix, prefix_len)))
			break;
		if (!ient_visible(e))
			continue;
		ient_copy(e, &items[count].e);
		items[count].path_len = e->path_len;
		memcpy(items[count].path, e->path, e->path_len);
		count++;
	}
	return count;
}

/**
 * m2mv_index_mark_bad_at() - mark @path damaged if it points at @off
 * @ix: the index, held for writing
 * @path: the path a damaged record names
 * @len: its length
 * @off: the damaged record's offset
 *
 * For the scrub: only the entry whose newest record is the one at @off is
 * marked (M2MV_STAT_F_BAD, visible even if it was a tombstone); an entry a
 * later record has replaced is left alone.
 *
 * Return: 1 if the entry was marked, else 0.
 */
int m2mv_index_mark_bad_at(struct m2mv_index *ix, const char *path, u16 len,
			   loff_t off)
{
	struct m2mv_ient *e;

	lockdep_assert_held_write(&ix->lock);
	e = ient_find(ix, path, len);
	if (!e || !e->version || e->off != off)
		return 0;
	ient_unaccount(ix, e);
	e->flags &= ~M2MV_IENT_DELETED;
	e->flags |= M2MV_STAT_F_BAD;
	ient_account(ix, e);
	return 1;
}

/**
 * m2mv_index_relocate() - point the visible entries at a compacted log
 * @ix: the index, held for writing
 * @locs: where the visible entries' records are now, in path order
 * @n: the number of visible entries the caller saw
 *
 * Entries that are not visible (placeholders, tombstones) keep their
 * versions but no longer point at a record (offset 0).
 *
 * Return: 0, or -ESTALE if the index no longer has @n visible entries
 * (nothing changed then).
 */
int m2mv_index_relocate(struct m2mv_index *ix,
			const struct m2mv_index_loc *locs, u64 n)
{
	struct rb_node *node;
	struct m2mv_ient *e;
	u64 i = 0;

	lockdep_assert_held_write(&ix->lock);
	if (ix->live != n)
		return -ESTALE;
	for (node = rb_first(&ix->root); node; node = rb_next(node))
		if (ient_visible(rb_entry(node, struct m2mv_ient, node)))
			i++;
	if (i != n)
		return -ESTALE;

	i = 0;
	ix->live_bytes = 0;
	for (node = rb_first(&ix->root); node; node = rb_next(node)) {
		e = rb_entry(node, struct m2mv_ient, node);
		if (!ient_visible(e)) {
			e->off = 0;
			continue;
		}
		e->off = locs[i].off;
		e->reclen = locs[i].reclen;
		ix->live_bytes += e->reclen;
		i++;
	}
	return 0;
}
