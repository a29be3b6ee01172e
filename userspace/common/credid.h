/* SPDX-License-Identifier: GPL-2.0 */
/*
 * oneM2M Credential-IDs (TS-0003 clause 10.4) as m2mvault uses them:
 * "<type>-<value>", value of [A-Za-z0-9._@-], at most M2MV_CREDID_MAX
 * bytes, type one of enum m2mv_cred_type. The kernel applies the same rule
 * to the descriptions of m2mvault keys.
 */
#ifndef M2MV_CREDID_H
#define M2MV_CREDID_H

#include <stddef.h>
#include <linux/m2mvault.h>

/* Buffer size that holds any Credential-ID and its terminator. */
#define M2MV_CREDID_BUFSZ (M2MV_CREDID_MAX + 1)

/**
 * m2mv_credid_parse() - validate a NUL-terminated Credential-ID
 * @id: the Credential-ID
 * @type: out (may be NULL): its type
 *
 * Return: 0, or -EINVAL if @id is not a Credential-ID m2mvault accepts.
 */
int m2mv_credid_parse(const char *id, unsigned int *type);

/**
 * m2mv_credid_format() - build "<type>-<value>" into @buf
 * @buf: output buffer
 * @size: its size; M2MV_CREDID_BUFSZ always suffices
 * @type: a known Credential-ID type
 * @value: the value part, validated
 *
 * Return: 0, -EINVAL for a bad type or value, -ENOSPC if @buf is too small.
 */
int m2mv_credid_format(char *buf, size_t size, unsigned int type,
		       const char *value);

#endif /* M2MV_CREDID_H */
