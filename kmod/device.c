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
#include <linux/uaccess.h>

#include "m2mvault.h"

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

static long m2mv_dev_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case M2MV_IOC_VERSION:
		return m2mv_ioc_version(uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations m2mv_dev_fops = {
	.owner		= THIS_MODULE,
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
