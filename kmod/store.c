// SPDX-License-Identifier: GPL-2.0
/*
 * Stores: the registry of attached stores, attach (format a new file, or
 * check the superblock and scan the log), detach, references, accessors
 * and status. store_priv.h has the structure, its locks and the other
 * files of the store.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "store_priv.h"

static LIST_HEAD(m2mv_stores);
static DEFINE_MUTEX(m2mv_stores_lock);
static u64 m2mv_stores_gen = 1;		/* bumped by every attach and detach */

static int store_open(struct m2mv_store *s, loff_t size,
		      const struct m2mv_anchor *want,
		      struct m2mv_attach_report *rep)
{
	int ret;

	ret = m2mv_super_open(s, size, rep);
	if (!ret)
		ret = m2mv_store_scan(s, size, want, rep);
	if (!ret)
		ret = m2mv_rcvy_load(s);
	if (ret > 0) {
		rep->integrity_errors++;
		ret = 0;
	}
	return ret;
}

static void store_free(struct m2mv_store *s)
{
	cancel_delayed_work_sync(&s->ckpt_work);
	m2mv_ev_destroy(&s->ev);
	m2mv_dnonce_destroy(s);
	m2mv_policies_kill(&s->policies);
	m2mv_index_destroy(&s->index);
	crypto_free_shash(s->tfm);
	fput(s->file);
	memzero_explicit(&s->rcvy, sizeof(s->rcvy));
	kfree(s);
}

static void store_release(struct kref *ref)
{
	store_free(container_of(ref, struct m2mv_store, ref));
}

static struct m2mv_store *store_alloc(const char *name, struct file *file,
				      u32 flags,
				      const struct m2mv_store_grant *grant)
{
	struct m2mv_store *s;
	int i;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return NULL;
	INIT_LIST_HEAD(&s->node);
	kref_init(&s->ref);
	s->flags = flags;
	s->grant = *grant;
	s->grant.perm &= 0777;
	strscpy(s->name, name, sizeof(s->name));
	spin_lock_init(&s->file_lock);
	spin_lock_init(&s->pos_lock);
	spin_lock_init(&s->rcvy_lock);
	mutex_init(&s->ctl_lock);
	mutex_init(&s->append_lock);
	atomic64_set(&s->tail, 0);
	mutex_init(&s->sync_lock);
	atomic64_set(&s->durable, 0);
	m2mv_index_init(&s->index);
	mutex_init(&s->nonce_lock);
	s->nonces = RB_ROOT;
	m2mv_policies_init(&s->policies);
	for (i = 0; i < __M2MV_STORE_CNT_MAX; i++)
		atomic64_set(&s->counters[i], 0);
	INIT_DELAYED_WORK(&s->ckpt_work, m2mv_store_ckpt_work);
	if (!(flags & M2MV_ATTACH_F_RDONLY) && m2mv_ev_init(&s->ev)) {
		kfree(s);
		return NULL;
	}
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

/* Reserve @file for the compaction of @s: no store may use it meanwhile. */
int m2mv_registry_claim_pending(struct m2mv_store *s, struct file *file)
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

void m2mv_registry_unclaim_pending(struct m2mv_store *s)
{
	mutex_lock(&m2mv_stores_lock);
	spin_lock(&s->file_lock);
	s->pending = NULL;
	spin_unlock(&s->file_lock);
	mutex_unlock(&m2mv_stores_lock);
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
 * @grant: who may reach the store through the device
 * @anchor: NULL, or the freshness anchor the log must hold: a record of
 *	that sequence number and chain value
 * @rep: out: what the scan found, and the durable position
 *
 * With M2MV_ATTACH_F_CREATE the file must be empty, and is formatted.
 * Without it, the superblock and the store key are checked and every
 * record is scanned: the index, the structure chain and the dir-mode
 * nonces are rebuilt and a torn tail is cut off. Damaged records do not
 * fail the attach; they are counted in @rep and the paths they name read
 * as damaged. Nothing is ever formatted unless asked for: an empty file
 * without the flag is refused, and so is a file with anything in it with
 * the flag, which is left untouched.
 *
 * Return: 0; -EINVAL (not a regular file, O_DIRECT, unknown flags, or
 * CREATE with RDONLY), -EBADF (not open for reading or, unless read-only,
 * writing), -EEXIST (name taken, checked first; or CREATE and the file is
 * not empty), -ENODATA (the file is empty and CREATE was not given),
 * -EBUSY (file attached under another name), -EBADMSG (not a store,
 * damaged superblock or unsupported version), -EKEYREJECTED (wrong store
 * key), -ESTALE (the log does not hold @anchor, and @flags lacks
 * M2MV_ATTACH_F_STALE_OK), -ENOMEM, -EINTR, or the file system's error.
 * On failure @rep->why may say what is wrong.
 */
int m2mv_store_attach(const char *name, struct file *file,
		      const u8 store_key[32], u32 flags,
		      const struct m2mv_store_grant *grant,
		      const struct m2mv_anchor *anchor,
		      struct m2mv_attach_report *rep)
{
	struct m2mv_store *s;
	const char *why;
	loff_t size;
	int ret;

	memset(rep, 0, sizeof(*rep));
	if (flags & ~__M2MV_ATTACH_F_ALL)
		return -EINVAL;
	/* A new store is written to: it cannot be read-only. */
	if ((flags & M2MV_ATTACH_F_CREATE) && (flags & M2MV_ATTACH_F_RDONLY))
		return -EINVAL;
	if (!S_ISREG(file_inode(file)->i_mode) || (file->f_flags & O_DIRECT))
		return -EINVAL;
	if (!(file->f_mode & FMODE_READ))
		return -EBADF;
	if (!(flags & M2MV_ATTACH_F_RDONLY) && !(file->f_mode & FMODE_WRITE))
		return -EBADF;

	s = store_alloc(name, file, flags, grant);
	if (!s)
		return -ENOMEM;
	ret = store_setkey(s, store_key);
	if (ret)
		goto err_free;
	ret = registry_claim(s);
	if (ret)
		goto err_free;

	/*
	 * The file is claimed: no other store of this module, and no
	 * compaction, writes to it while its size decides what happens.
	 */
	size = i_size_read(file_inode(file));
	if (flags & M2MV_ATTACH_F_CREATE) {
		if (size) {
			rep->why = "the file is not empty: refusing to format over it";
			ret = -EEXIST;
		} else {
			ret = m2mv_super_format(s);
		}
	} else if (!size) {
		rep->why = "the file is empty: the create flag formats a new store";
		ret = -ENODATA;
	} else {
		ret = store_open(s, size, anchor, rep);
	}
	if (ret)
		goto err_unclaim;

	spin_lock(&s->pos_lock);
	rep->anchor = s->anchor;
	spin_unlock(&s->pos_lock);
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
	why = rep->why;
	memset(rep, 0, sizeof(*rep));
	rep->why = why;
	return ret;
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
	m2mv_store_shutdown(s);
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
		m2mv_store_shutdown(s);
		m2mv_store_put(s);
	}
}

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
	return m2mv_store_gone(s);
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
	struct file *file = m2mv_store_file(s, NULL);
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
	st->records = s->records;
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
	st->grant = s->grant;
	spin_lock(&s->pos_lock);
	st->anchor = s->anchor;
	spin_unlock(&s->pos_lock);
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
	m2mv_log_report(s, "", -1, seq, path, len, -EBADMSG, what);
}

/* The store's policy table (policy.h). */
struct m2mv_policies *m2mv_store_policies(struct m2mv_store *s)
{
	return &s->policies;
}

/**
 * m2mv_store_allows() - may the calling task reach @s for @mask?
 * @s: the store
 * @mask: MAY_READ and/or MAY_WRITE
 *
 * The rule of a file's permission bits: the owner's bits if the caller's
 * fsuid is the owner, else the group's if it is in the group, else the
 * others'; CAP_DAC_OVERRIDE passes, as it does for files. Counting a
 * refusal is the caller's.
 */
bool m2mv_store_allows(const struct m2mv_store *s, int mask)
{
	umode_t perm = s->grant.perm;

	mask &= MAY_READ | MAY_WRITE;
	if (uid_eq(current_fsuid(), s->grant.owner))
		perm >>= 6;
	else if (in_group_p(s->grant.group))
		perm >>= 3;
	if (!(mask & ~perm & 7))
		return true;
	return capable(CAP_DAC_OVERRIDE);
}
