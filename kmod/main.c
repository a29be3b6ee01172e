// SPDX-License-Identifier: GPL-2.0
/*
 * m2mvault module entry points: registration order and its unwinding.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/genetlink.h>

#include "device.h"
#include "jose.h"
#include "kdf.h"
#include "keytype.h"
#include "netlink.h"
#include "policy.h"
#include "seal.h"
#include "store.h"
#include "tfm.h"

/*
 * Known-answer tests of the primitives and a test of the policy table;
 * cheap enough to run at every load.
 */
static int __init m2mv_selftests(void)
{
	int ret;

	ret = m2mv_kdf_selftest();
	if (!ret)
		ret = m2mv_jose_selftest();
	if (!ret)
		ret = m2mv_seal_selftest();
	if (!ret)
		ret = m2mv_policy_selftest();
	if (ret)
		pr_err("self-tests failed (%d); not loading\n", ret);
	return ret;
}

static int __init m2mv_init(void)
{
	int ret;

	ret = m2mv_selftests();
	/*
	 * Drop the transforms the self-tests pooled: the first real operation
	 * allocates afresh, by then with the CPU's accelerated drivers if
	 * they are loaded (see the softdep below).
	 */
	m2mv_tfm_exit();
	if (ret)
		return ret;

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
	m2mv_tfm_exit();
	return ret;
}

static void __exit m2mv_exit(void)
{
	m2mv_device_exit();
	m2mv_netlink_exit();
	/* No file is open any more (each holds a module reference). */
	m2mv_store_exit();
	m2mv_keytype_exit();
	m2mv_tfm_exit();
}

module_init(m2mv_init);
module_exit(m2mv_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("m2mvault: at-rest protection of oneM2M resource blobs");
MODULE_VERSION(M2MV_VERSION);
MODULE_AUTHOR("The m2mvault developers");
MODULE_ALIAS_GENL_FAMILY(M2MV_GENL_NAME);
/* Load the best implementations first: pooled transforms keep theirs. */
MODULE_SOFTDEP("pre: crypto-gcm(aes) crypto-kw(aes) crypto-hmac(sha256)");
