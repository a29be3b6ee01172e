// SPDX-License-Identifier: GPL-2.0
/*
 * The /dev/m2mvault misc device: the data plane entry point.
 *
 * The node is world-accessible: opening it grants nothing by itself. Every
 * operation that seals or opens a record needs the caller to possess the
 * credential key, which is looked up in the caller's own keyrings.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "m2mvault.h"
#include "ioctl.h"

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

	m2mv_file_release(f);
	mutex_destroy(&f->lock);
	kfree(f);
	return 0;
}

static long m2mv_dev_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	return m2mv_ioctl(file->private_data, cmd, (void __user *)arg);
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
