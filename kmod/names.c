// SPDX-License-Identifier: GPL-2.0
/*
 * Validation of store names, resource paths and Credential-IDs; names.h
 * gives the rules.
 */
#include <linux/errno.h>
#include <linux/string.h>

#include "m2mvault_private.h"
#include "names.h"

/**
 * m2mv_name_check() - is @name a store name?
 * @name: NUL-terminated within M2MV_NAME_MAX bytes
 *
 * Return: 0, or -EINVAL.
 */
int m2mv_name_check(const char *name)
{
	size_t len = strnlen(name, M2MV_NAME_MAX);
	size_t i;

	if (!len || len == M2MV_NAME_MAX)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!m2mv_isalnum(name[i]) && name[i] != '.' &&
		    name[i] != '_' && name[i] != '-')
			return -EINVAL;
	return 0;
}

static bool path_char_ok(char c)
{
	return m2mv_isalnum(c) || c == '.' || c == '_' || c == '~' ||
	       c == '/' || c == '-';
}

/**
 * m2mv_path_ok() - is @path a resource path?
 * @path: not necessarily NUL-terminated
 * @len: bytes at @path
 *
 * Return: true for 1 to M2MV_PATH_MAX bytes of [A-Za-z0-9._~/-].
 */
bool m2mv_path_ok(const char *path, size_t len)
{
	size_t i;

	if (!len || len > M2MV_PATH_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!path_char_ok(path[i]))
			return false;
	return true;
}

static bool credid_char_ok(char c)
{
	return m2mv_isalnum(c) || c == '.' || c == '_' || c == '@' || c == '-';
}

/**
 * m2mv_credid_parse() - validate a Credential-ID and return its type
 * @credid: not necessarily NUL-terminated
 * @len: bytes at @credid
 * @type: out: the decimal type in front of the first '-'
 *
 * Return: 0, or -EINVAL if @credid is not "<type>-<value>" with a type
 * this module knows and a value of [A-Za-z0-9._@-]+, at most
 * M2MV_CREDID_MAX bytes.
 */
int m2mv_credid_parse(const char *credid, size_t len, unsigned int *type)
{
	unsigned int t = 0;
	size_t i = 0;

	if (!len || len > M2MV_CREDID_MAX)
		return -EINVAL;

	/* At most three digits, no leading zero. */
	while (i < len && i < 3 && m2mv_isdigit(credid[i])) {
		if (!i && credid[i] == '0')
			return -EINVAL;
		t = t * 10 + (credid[i] - '0');
		i++;
	}
	if (!i || i >= len || credid[i] != '-')
		return -EINVAL;
	if (++i >= len)
		return -EINVAL;
	for (; i < len; i++)
		if (!credid_char_ok(credid[i]))
			return -EINVAL;

	switch (t) {
	case M2MV_CRED_TYPE_ESDATA_DIRECT:
	case M2MV_CRED_TYPE_ESDATA_WRAP:
	case M2MV_CRED_TYPE_ESDATA_HMAC:
		*type = t;
		return 0;
	default:
		return -EINVAL;
	}
}

/**
 * m2mv_credid_check() - is @credid a Credential-ID?
 * @credid: NUL-terminated within M2MV_CREDID_MAX + 1 bytes
 *
 * Return: 0, or -EINVAL.
 */
int m2mv_credid_check(const char *credid)
{
	size_t len = strnlen(credid, M2MV_CREDID_MAX + 1);
	unsigned int type;

	return m2mv_credid_parse(credid, len, &type);
}
