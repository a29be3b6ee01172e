// SPDX-License-Identifier: GPL-2.0
/*
 * The "m2mvault" generic netlink family: the control plane.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/genetlink.h>

#include "m2mvault.h"

enum m2mv_mcgrp {
	M2MV_MCGRP_EVENTS,
};

static const struct genl_multicast_group m2mv_mcgrps[] = {
	[M2MV_MCGRP_EVENTS] = { .name = M2MV_GENL_MCGRP_EVENTS },
};

static struct genl_family m2mv_genl_family __ro_after_init = {
	.name		= M2MV_GENL_NAME,
	.version	= M2MV_GENL_VERSION,
	.maxattr	= M2MV_A_MAX,
	.module		= THIS_MODULE,
	.mcgrps		= m2mv_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(m2mv_mcgrps),
};

int __init m2mv_netlink_init(void)
{
	return genl_register_family(&m2mv_genl_family);
}

void m2mv_netlink_exit(void)
{
	genl_unregister_family(&m2mv_genl_family);
}
