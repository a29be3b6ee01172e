/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces between the parts of the m2mvault module.
 */
#ifndef _M2MVAULT_H
#define _M2MVAULT_H

#include <linux/types.h>
#include <linux/m2mvault.h>

/*
 * ASCII-only character classes. The kernel's isalnum() also accepts the
 * Latin-1 letters 0xc0-0xff, which must never pass into a Credential-ID,
 * a store name or a path (the JSON the kernel writes relies on it).
 */
static inline bool m2mv_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool m2mv_isalnum(char c)
{
	return m2mv_isdigit(c) || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z');
}

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
