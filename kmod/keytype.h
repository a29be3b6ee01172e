/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _M2MV_KEYTYPE_H
#define _M2MV_KEYTYPE_H

#include <linux/key.h>
#include <linux/m2mvault.h>

/* The payload of a m2mvault key; immutable once instantiated. */
struct m2mv_key_payload {
	u8 key[M2MV_KEY_SIZE];
};

extern struct key_type m2mv_key_type;

int m2mv_keytype_init(void);
void m2mv_keytype_exit(void);

#endif /* _M2MV_KEYTYPE_H */
