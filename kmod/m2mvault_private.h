/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Character classes and constants shared by every part of the module.
 * Each part declares its own interface in its own header.
 */
#ifndef _M2MVAULT_PRIVATE_H
#define _M2MVAULT_PRIVATE_H

#include <linux/minmax.h>
#include <linux/string.h>
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

/*
 * Order of byte strings as memcmp() orders them, a prefix before its
 * extensions: the order of the index, the nonce table and listings.
 */
static inline int m2mv_bytes_cmp(const char *a, size_t alen, const char *b,
				 size_t blen)
{
	int r = memcmp(a, b, min(alen, blen));

	if (r)
		return r;
	return alen < blen ? -1 : alen > blen;
}

#endif /* _M2MVAULT_PRIVATE_H */
