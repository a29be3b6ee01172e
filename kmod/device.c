// SPDX-License-Identifier: GPL-2.0
/*
 * The /dev/m2mvault misc device: the data plane's entry point. It owns the
 * per-file state (the store a file is bound to), BIND and VERSION, and the
 * table from ioctl command to decoder (ioctl.c).
 *
 * The node is created 0600 (root only): a system without the packaged
 * udev rule, which gives it to the m2mvault group, fails closed. Opening
 * it grants nothing by itself. Every operation is checked twice, in the
 * caller's context: against the store's grant (owner, group and mode given
 * at attach: read for GET, LIST, STAT and EXPORT, write for PUT, DELETE and
 * BATCH; EACCES otherwise), and by the record pipeline for possession of
 * the very key bound to the record's Credential-ID.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "device.h"
#include "ioctl.h"
#include "names.h"
#include "store.h"
#include "vault.h"

/* Per open file of /dev/m2mvault: the store it is bound to. */
struct m2mv_file {
	struct mutex lock;		/* protects @store */
	struct m2mv_store *store;
};

static const struct m2mv_ioc_row {
	unsigned int cmd;
	m2mv_ioc_fn fn;
	int may;			/* what the store's grant must allow */
} m2mv_ioc_table[] = {
	{ M2MV_IOC_PUT,		m2mv_ioc_put,		MAY_WRITE },
	{ M2MV_IOC_GET,		m2mv_ioc_get,		MAY_READ },
	{ M2MV_IOC_DELETE,	m2mv_ioc_delete,	MAY_WRITE },
	{ M2MV_IOC_STAT,	m2mv_ioc_stat,		MAY_READ },
	{ M2MV_IOC_LIST,	m2mv_ioc_list,		MAY_READ },
	{ M2MV_IOC_EXPORT,	m2mv_ioc_export,	MAY_READ },
	{ M2MV_IOC_BATCH,	m2mv_ioc_batch,		MAY_WRITE },
};

/* Does @s's grant allow the caller @may? A refusal is counted. */
static bool m2mv_dev_allowed(struct m2mv_store *s, int may)
{
	if (m2mv_store_allows(s, may))
		return true;
	m2mv_store_count(s, M2MV_STORE_CNT_ACCESS_REFUSALS);
	return false;
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

static long m2mv_ioc_bind(struct m2mv_file *f, void __user *uarg)
{
	struct m2mv_store *s, *old;
	struct m2mv_bind a;
	int ret;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags || a.reserved0 || memchr_inv(a.reserved, 0, sizeof(a.reserved)))
		return -EINVAL;
	ret = m2mv_name_check(a.name);
	if (ret)
		return ret;
	s = m2mv_store_get(a.name);
	if (!s)
		return -ENOENT;
	/* A store its grant shows the caller nothing of is not bound. */
	if (!m2mv_store_allows(s, MAY_READ) && !m2mv_dev_allowed(s, MAY_WRITE)) {
		m2mv_store_put(s);
		return -EACCES;
	}
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

static const struct m2mv_ioc_row *m2mv_ioc_lookup(unsigned int cmd)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(m2mv_ioc_table); i++)
		if (m2mv_ioc_table[i].cmd == cmd)
			return &m2mv_ioc_table[i];
	return NULL;
}

static long m2mv_dev_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct m2mv_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;
	const struct m2mv_ioc_row *row;
	struct m2mv_store *s;
	struct m2mv_vop *op;
	long ret;

	switch (cmd) {
	case M2MV_IOC_VERSION:
		return m2mv_ioc_version(uarg);
	case M2MV_IOC_BIND:
		return m2mv_ioc_bind(f, uarg);
	}

	row = m2mv_ioc_lookup(cmd);
	if (!row)
		return -ENOTTY;
	s = m2mv_file_store(f);
	if (!s)
		return -ENXIO;
	op = m2mv_vop_alloc();
	if (!op)
		ret = -ENOMEM;
	else if (!m2mv_dev_allowed(s, row->may))
		ret = -EACCES;
	else
		ret = row->fn(s, op, uarg);
	m2mv_vop_free(op);
	m2mv_store_put(s);
	return ret;
}

static int m2mv_dev_open(struct inode *inode, struct file *file)
{
	struct m2mv_file *f;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	mutex_init(&f->lock);
	file->private_data = f;
	return 0;
}

static int m2mv_dev_release(struct inode *inode, struct file *file)
{
	struct m2mv_file *f = file->private_data;

	if (f->store)
		m2mv_store_put(f->store);
	mutex_destroy(&f->lock);
	kfree(f);
	return 0;
}

static const struct file_operations m2mv_dev_fops = {
	.owner		= THIS_MODULE,
	.open		= m2mv_dev_open,
	.release	= m2mv_dev_release,
	.unlocked_ioctl	= m2mv_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice m2mv_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= M2MV_DEVICE_NAME,
	.fops	= &m2mv_dev_fops,
	.mode	= 0600,
};

int m2mv_device_init(void)
{
	return misc_register(&m2mv_miscdev);
}

void m2mv_device_exit(void)
{
	misc_deregister(&m2mv_miscdev);
}
