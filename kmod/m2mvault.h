/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces between the parts of the m2mvault module.
 */
#ifndef _M2MVAULT_H
#define _M2MVAULT_H

#include <linux/m2mvault.h>

/* keytype.c */
int m2mv_keytype_init(void);
void m2mv_keytype_exit(void);
int m2mv_credid_parse(const char *desc, size_t len, unsigned int *type);

/* netlink.c */
int m2mv_netlink_init(void);
void m2mv_netlink_exit(void);

/* device.c */
int m2mv_device_init(void);
void m2mv_device_exit(void);

#endif /* _M2MVAULT_H */
