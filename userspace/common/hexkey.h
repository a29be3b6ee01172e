/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pre-shared keys on disk (Kpm for the agent, the TEF's enrol command and
 * the consumer): hex text, whitespace ignored, 16 to 64 bytes. A file that
 * other users may read is refused.
 */
#ifndef M2MV_HEXKEY_H
#define M2MV_HEXKEY_H

#include <stddef.h>
#include <stdint.h>

#define M2MV_PSK_MIN	16
#define M2MV_PSK_MAX	64

/**
 * m2mv_hexkey_read() - read a key file
 * @path: the file
 * @key: out, M2MV_PSK_MAX bytes; wiped on failure
 * @len: out: bytes of key
 *
 * Return: 0; -errno of open/read; -EACCES if group or others may read it;
 * -EINVAL if it is not 16..64 bytes of hex.
 */
int m2mv_hexkey_read(const char *path, uint8_t key[M2MV_PSK_MAX],
		     size_t *len);

/** m2mv_hexkey_parse() - the same for text in memory (NUL-terminated) */
int m2mv_hexkey_parse(const char *text, uint8_t key[M2MV_PSK_MAX],
		      size_t *len);

#endif /* M2MV_HEXKEY_H */
