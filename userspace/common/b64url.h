/* SPDX-License-Identifier: GPL-2.0 */
/* BASE64URL without padding (RFC 7515 section 2) on OpenSSL's codec. */
#ifndef M2MV_B64URL_H
#define M2MV_B64URL_H

#include <stddef.h>
#include <stdint.h>

/* Characters (plus terminator) that encoding @n bytes needs. */
#define M2MV_B64URL_BUFSZ(n) (((n) + 2) / 3 * 4 + 1)

/** m2mv_b64url_encode() - encode @n bytes into @dst (NUL-terminated) */
int m2mv_b64url_encode(char *dst, size_t size, const uint8_t *src, size_t n);

/**
 * m2mv_b64url_decode() - decode NUL-terminated @src into @dst
 * Return: bytes written, -EINVAL for bad input, -ENOSPC if @size is short.
 */
long m2mv_b64url_decode(uint8_t *dst, size_t size, const char *src);

#endif /* M2MV_B64URL_H */
