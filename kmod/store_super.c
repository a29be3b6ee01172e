// SPDX-License-Identifier: GPL-2.0
/*
 * The superblock: formatting a new store with two copies of it, finding a
 * good copy at attach and repairing the other, and writing both copies of
 * a compacted file. No single damaged sector of the superblock area loses
 * a store of format version 2.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/algapi.h>
#include <linux/fs.h>
#include <linux/ktime.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "store_priv.h"

/* What an attach that fails here tells its caller (the extended ack). */
#define SUPER_WHY_SHORT \
	"the file is shorter than a superblock: not a store, or a format a crash cut short"
#define SUPER_WHY_DAMAGED \
	"the superblock is damaged (every copy fails its CRC) though the file holds a store"
#define SUPER_WHY_FOREIGN \
	"not a m2mvault store: no superblock and no records"
#define SUPER_WHY_VERSION \
	"the store's format version or flags are not supported by this module"

static bool super_sound(const struct m2mv_disk_super *sb)
{
	return sb->magic == cpu_to_le32(M2MV_SUPER_MAGIC) &&
	       le32_to_cpu(sb->crc) == m2mv_super_crc(sb);
}

/* Write @sb, zero-padded to M2MV_SUPER_SIZE, at @off of @file. */
static int super_put(struct file *file, const struct m2mv_disk_super *sb,
		     loff_t off)
{
	u8 *page;
	int ret;

	page = kzalloc(M2MV_SUPER_SIZE, GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	memcpy(page, sb, sizeof(*sb));
	ret = m2mv_file_write_at(file, page, M2MV_SUPER_SIZE, off);
	kfree(page);
	return ret;
}

/* Both copies, flushed: what a new or a compacted file starts with. */
static int super_put_both(struct file *file, const struct m2mv_disk_super *sb)
{
	int ret;

	ret = super_put(file, sb, 0);
	if (!ret)
		ret = super_put(file, sb, M2MV_SUPER_BACKUP);
	if (!ret)
		ret = vfs_fsync(file, 0);
	return ret;
}

static void super_adopt(struct m2mv_store *s, const struct m2mv_disk_super *sb)
{
	s->super = *sb;
	s->format = le16_to_cpu(sb->version);
	s->log_start = s->format == M2MV_FORMAT_VERSION_V1 ?
		       M2MV_LOG_START_V1 : M2MV_LOG_START;
	memcpy(s->store_id, sb->store_id, M2MV_STORE_ID_SIZE);
	memcpy(s->chain, sb->key_check, M2MV_CHAIN_SIZE);
}

/**
 * m2mv_super_format() - write the superblocks of a new store into its empty file
 * @s: the store, its key set
 *
 * Return: 0, or an error with the file emptied again if possible.
 */
int m2mv_super_format(struct m2mv_store *s)
{
	struct m2mv_disk_super sb = {
		.magic = cpu_to_le32(M2MV_SUPER_MAGIC),
		.version = cpu_to_le16(M2MV_FORMAT_VERSION),
	};
	int ret;

	get_random_bytes(sb.store_id, sizeof(sb.store_id));
	sb.created_ns = cpu_to_le64(ktime_get_real_ns());
	ret = m2mv_log_key_check(s, sb.store_id, sb.key_check);
	if (ret)
		return ret;
	sb.crc = cpu_to_le32(m2mv_super_crc(&sb));
	ret = super_put_both(s->file, &sb);
	if (ret) {
		/* Leave the file as empty as we found it, if we can. */
		m2mv_file_truncate(s->file, 0);
		return ret;
	}
	super_adopt(s, &sb);
	s->seq = 0;
	s->records = 0;
	atomic64_set(&s->tail, s->log_start);
	atomic64_set(&s->durable, s->log_start);
	m2mv_store_set_pos(s, 0, s->chain, s->log_start, true);
	pr_info("store %s: formatted (format version %u)\n", s->name,
		s->format);
	return 0;
}

/* Does the file hold a record's magic where a log would start? */
static bool super_log_seen(struct m2mv_store *s, loff_t size)
{
	static const loff_t starts[] = { M2MV_LOG_START, M2MV_LOG_START_V1 };
	__le32 magic;
	int i;

	for (i = 0; i < ARRAY_SIZE(starts); i++)
		if (size >= starts[i] + (loff_t)sizeof(magic) &&
		    !m2mv_file_read_at(s->file, &magic, sizeof(magic),
				       starts[i]) &&
		    magic == cpu_to_le32(M2MV_REC_MAGIC))
			return true;
	return false;
}

/* One copy was damaged and the other is good: report, and mend it. */
static void super_mend(struct m2mv_store *s, const struct m2mv_disk_super *sb,
		       loff_t bad, struct m2mv_attach_report *rep)
{
	const char *what;
	int ret = 0;

	rep->integrity_errors++;
	if (!(s->flags & M2MV_ATTACH_F_RDONLY)) {
		ret = super_put(s->file, sb, bad);
		if (!ret)
			ret = vfs_fsync(s->file, 0);
	}
	if (s->flags & M2MV_ATTACH_F_RDONLY)
		what = "superblock copy damaged; the other one is used (read-only)";
	else if (ret)
		what = "superblock copy damaged; rewriting it failed";
	else
		what = "superblock copy damaged; rewritten from the other one";
	m2mv_log_report(s, "", bad, 0, NULL, 0, -EBADMSG, what);
}

/**
 * m2mv_super_open() - find a good superblock and check the store key
 * @s: the store, its key set and its file open
 * @size: the file's size
 * @rep: out: an integrity error for a damaged copy; on failure @rep->why
 *
 * Format version 2 keeps two copies; the first sound one of a version this
 * module reads is used, and a damaged or differing other copy is rewritten
 * from it (unless read-only) and reported. Version 1 has one copy.
 *
 * Return: 0 (s->super, format, log_start, store_id and chain set);
 * -EBADMSG (no usable superblock: @rep->why says which case), -EKEYREJECTED,
 * or an I/O error.
 */
int m2mv_super_open(struct m2mv_store *s, loff_t size,
		    struct m2mv_attach_report *rep)
{
	struct m2mv_disk_super a = {}, b = {};
	const struct m2mv_disk_super *sb;
	bool a_ok, b_ok = false;
	u8 check[M2MV_CHAIN_SIZE];
	u16 version;
	int ret;

	if (size < (loff_t)sizeof(a)) {
		rep->why = SUPER_WHY_SHORT;
		return -EBADMSG;
	}
	ret = m2mv_file_read_at(s->file, &a, sizeof(a), 0);
	if (ret)
		return ret;
	a_ok = super_sound(&a);
	if (size >= M2MV_SUPER_BACKUP + (loff_t)sizeof(b)) {
		ret = m2mv_file_read_at(s->file, &b, sizeof(b),
					M2MV_SUPER_BACKUP);
		if (ret)
			return ret;
		b_ok = super_sound(&b) &&
		       le16_to_cpu(b.version) == M2MV_FORMAT_VERSION;
	}

	sb = a_ok ? &a : b_ok ? &b : NULL;
	if (!sb) {
		if (a.magic == cpu_to_le32(M2MV_SUPER_MAGIC) ||
		    b.magic == cpu_to_le32(M2MV_SUPER_MAGIC) ||
		    super_log_seen(s, size))
			rep->why = SUPER_WHY_DAMAGED;
		else
			rep->why = SUPER_WHY_FOREIGN;
		pr_err("store %s: %s\n", s->name, rep->why);
		return -EBADMSG;
	}

	version = le16_to_cpu(sb->version);
	if ((version != M2MV_FORMAT_VERSION &&
	     version != M2MV_FORMAT_VERSION_V1) || sb->flags ||
	    sb->reserved0) {
		pr_warn("store %s: format version %u flags %#x not supported\n",
			s->name, version, le16_to_cpu(sb->flags));
		rep->why = SUPER_WHY_VERSION;
		return -EBADMSG;
	}
	ret = m2mv_log_key_check(s, sb->store_id, check);
	if (ret)
		return ret;
	ret = crypto_memneq(check, sb->key_check, sizeof(check));
	memzero_explicit(check, sizeof(check));
	if (ret) {
		pr_warn("store %s: the store key does not match the store\n",
			s->name);
		rep->why = "the store key is not this store's";
		return -EKEYREJECTED;
	}

	super_adopt(s, sb);
	if (version != M2MV_FORMAT_VERSION_V1 && sb == &a &&
	    (!b_ok || memcmp(&a, &b, sizeof(a))))
		super_mend(s, &a, M2MV_SUPER_BACKUP, rep);
	else if (sb == &b)
		super_mend(s, &b, 0, rep);
	return 0;
}

/**
 * m2mv_super_write() - write the superblocks of a compacted file
 * @s: the store being compacted
 * @file: the new, empty file
 * @log_start: out: where its first record goes
 *
 * The new file gets the store's identity, creation time and key check in
 * the current format version, whatever version the old file had: a
 * compaction is the one-way upgrade from version 1.
 *
 * Return: 0 or an I/O error.
 */
int m2mv_super_write(struct m2mv_store *s, struct file *file,
		     loff_t *log_start)
{
	struct m2mv_disk_super sb = s->super;
	int ret;

	sb.version = cpu_to_le16(M2MV_FORMAT_VERSION);
	sb.crc = cpu_to_le32(m2mv_super_crc(&sb));
	ret = super_put_both(file, &sb);
	if (!ret)
		*log_start = M2MV_LOG_START;
	return ret;
}
