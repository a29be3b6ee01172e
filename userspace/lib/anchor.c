// SPDX-License-Identifier: GPL-2.0
/*
 * The text form of a freshness anchor, "SEQ:HEX", as an operator copies
 * it from `m2mvault anchor` into `m2mvault attach --anchor`.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/internal.h"

int m2mv_anchor_format(const struct m2mv_anchor *anchor, char *buf,
		       size_t size)
{
	size_t i;
	int n;

	n = snprintf(buf, size, "%" PRIu64 ":", anchor->seq);
	if (n < 0 || (size_t)n + 2 * sizeof(anchor->chain) + 1 > size)
		return -ENOSPC;
	for (i = 0; i < sizeof(anchor->chain); i++)
		snprintf(buf + n + 2 * i, 3, "%02x", anchor->chain[i]);
	return 0;
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int m2mv_anchor_parse(const char *text, struct m2mv_anchor *anchor)
{
	struct m2mv_anchor a;
	const char *hex;
	char *end;
	size_t i;

	if (!text || text[0] < '0' || text[0] > '9')
		return -EINVAL;
	errno = 0;
	a.seq = strtoull(text, &end, 10);
	if (errno || *end != ':')
		return -EINVAL;
	hex = end + 1;
	if (strlen(hex) != 2 * sizeof(a.chain))
		return -EINVAL;
	for (i = 0; i < sizeof(a.chain); i++) {
		int hi = hex_nibble(hex[2 * i]), lo = hex_nibble(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		a.chain[i] = (uint8_t)(hi << 4 | lo);
	}
	*anchor = a;
	return 0;
}
