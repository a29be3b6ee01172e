// SPDX-License-Identifier: GPL-2.0
/*
 * The /dev/m2mvault misc device: the data plane's entry point. It owns the
 * per-file state (the store a file is bound to), BIND and VERSION, and the
 * table from ioctl command to decoder (ioctl.c).
 *
 * The node is world-accessible: opening it grants nothing by itself.
 * Every operation that seals or opens a record needs the caller to possess
 * the credential key, which is looked up in the caller's own keyrings.
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

static const struct {
	unsigned int cmd;
	m2mv_ioc_fn fn;
} m2mv_ioc_table[] = {
	{ M2MV_IOC_PUT,		m2mv_ioc_put },
	{ M2MV_IOC_GET,		m2mv_ioc_get },
	{ M2MV_IOC_DELETE,	m2mv_ioc_delete },
	{ M2MV_IOC_STAT,	m2mv_ioc_stat },
	{ M2MV_IOC_LIST,	m2mv_ioc_list },
	{ M2MV_IOC_EXPORT,	m2mv_ioc_export },
	{ M2MV_IOC_BATCH,	m2mv_ioc_batch },
};

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

static m2mv_ioc_fn m2mv_ioc_lookup(unsigned int cmd)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(m2mv_ioc_table); i++)
		if (m2mv_ioc_table[i].cmd == cmd)
			return m2mv_ioc_table[i].fn;
	return NULL;
}

static long m2mv_dev_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct m2mv_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;
	struct m2mv_store *s;
	struct m2mv_vop *op;
	m2mv_ioc_fn fn;
	long ret;

	switch (cmd) {
	case M2MV_IOC_VERSION:
		return m2mv_ioc_version(uarg);
	case M2MV_IOC_BIND:
		return m2mv_ioc_bind(f, uarg);
	}

	fn = m2mv_ioc_lookup(cmd);
	if (!fn)
		return -ENOTTY;
	s = m2mv_file_store(f);
	if (!s)
		return -ENXIO;
	op = m2mv_vop_alloc();
	if (op) {
		ret = fn(s, op, uarg);
		m2mv_vop_free(op);
	} else {
		ret = -ENOMEM;
	}
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
	.mode	= 0666,
};

int m2mv_device_init(void)
{
	return misc_register(&m2mv_miscdev);
}

void m2mv_device_exit(void)
{
	misc_deregister(&m2mv_miscdev);
}
