// SPDX-License-Identifier: GPL-2.0
/* Credential-ID validation and construction; see credid.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/credid.h"

static int value_char_ok(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '@' ||
	       c == '-';
}

static int type_known(unsigned int t)
{
	return t == M2MV_CRED_TYPE_ESDATA_DIRECT ||
	       t == M2MV_CRED_TYPE_ESDATA_WRAP ||
	       t == M2MV_CRED_TYPE_ESDATA_HMAC;
}

static int value_ok(const char *v)
{
	if (!*v)
		return 0;
	for (; *v; v++)
		if (!value_char_ok((unsigned char)*v))
			return 0;
	return 1;
}

int m2mv_credid_parse(const char *id, unsigned int *type)
{
	unsigned int t = 0;
	size_t i = 0;

	if (!id || strnlen(id, M2MV_CREDID_BUFSZ) > M2MV_CREDID_MAX)
		return -EINVAL;
	/* At most three digits, no leading zero, as the kernel checks. */
	while (i < 3 && id[i] >= '0' && id[i] <= '9') {
		if (i == 0 && id[i] == '0')
			return -EINVAL;
		t = t * 10 + (unsigned int)(id[i] - '0');
		i++;
	}
	if (i == 0 || id[i] != '-' || !value_ok(id + i + 1) || !type_known(t))
		return -EINVAL;
	if (type)
		*type = t;
	return 0;
}

int m2mv_credid_format(char *buf, size_t size, unsigned int type,
		       const char *value)
{
	int n;

	if (!type_known(type) || !value || !value_ok(value))
		return -EINVAL;
	n = snprintf(buf, size, "%u-%s", type, value);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= size)
		return -ENOSPC;
	if (n > M2MV_CREDID_MAX)
		return -EINVAL;
	return 0;
}
