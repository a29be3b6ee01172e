/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _M2MV_NETLINK_H
#define _M2MV_NETLINK_H

int m2mv_netlink_init(void);
void m2mv_netlink_exit(void);

#endif /* _M2MV_NETLINK_H */
