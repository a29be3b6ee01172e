// SPDX-License-Identifier: GPL-2.0
/*
 * m2mvault module entry points: registration order and its unwinding.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/genetlink.h>

#include "m2mvault.h"

static int __init m2mv_init(void)
{
	int ret;

	ret = m2mv_keytype_init();
	if (ret)
		goto err_keytype;

	ret = m2mv_netlink_init();
	if (ret)
		goto err_netlink;

	/* The device goes last: it is the entry point for unprivileged users. */
	ret = m2mv_device_init();
	if (ret)
		goto err_device;

	pr_info("loaded, ABI %u\n", M2MV_ABI_VERSION);
	return 0;

err_device:
	m2mv_netlink_exit();
err_netlink:
	m2mv_keytype_exit();
err_keytype:
	return ret;
}

static void __exit m2mv_exit(void)
{
	m2mv_device_exit();
	m2mv_netlink_exit();
	m2mv_keytype_exit();
}

module_init(m2mv_init);
module_exit(m2mv_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("m2mvault: at-rest protection of oneM2M resource blobs");
MODULE_AUTHOR("The m2mvault developers");
MODULE_ALIAS_GENL_FAMILY(M2MV_GENL_NAME);
