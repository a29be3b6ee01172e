// SPDX-License-Identifier: GPL-2.0
/*
 * The rules of a key registration that both ends of the TEF protocol
 * apply (tefclient.h, Documentation/tef.rst): which SUID (oneM2M TS-0004,
 * m2m:suid) a Credential-ID type belongs to, what a label and an admin
 * FQDN may be, and whether a Credential-ID the TEF assigned is one the
 * client can take.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "common/tefclient.h"

unsigned int m2mv_tef_suid_of(unsigned int type)
{
	switch (type) {
	case M2MV_CRED_TYPE_ESDATA_DIRECT:
	case M2MV_CRED_TYPE_ESDATA_WRAP:
		return M2MV_TEF_SUID_ESDATA_AE;
	case M2MV_CRED_TYPE_ESDATA_HMAC:
		return M2MV_TEF_SUID_ESDATA_SIG;
	default:
		return 0;
	}
}

static int label_char_ok(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' ||
	       c == '/' || c == '=' || c == '+' || c == '@' || c == '-';
}

int m2mv_tef_label_ok(const char *s)
{
	size_t i, n = s ? strnlen(s, M2MV_TEF_LABEL_MAX + 1) : 0;

	if (n == 0 || n > M2MV_TEF_LABEL_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!label_char_ok((unsigned char)s[i]))
			return 0;
	return 1;
}

/* RFC 1123 host name labels: 1..63 of letters, digits, '-' inside. */
int m2mv_tef_fqdn_ok(const char *s)
{
	size_t i, n = s ? strnlen(s, M2MV_TEF_FQDN_MAX + 1) : 0, lab = 0;
	unsigned char c, prev = '.';

	if (n == 0 || n > M2MV_TEF_FQDN_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '.') {
			if (prev == '.' || prev == '-')
				return 0;
			lab = 0;
		} else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			   (c >= '0' && c <= '9') || c == '-') {
			if (c == '-' && prev == '.')
				return 0;
			if (++lab > 63)
				return 0;
		} else {
			return 0;
		}
		prev = c;
	}
	return prev != '.' && prev != '-';
}

int m2mv_tef_assigned_ok(const char *id, unsigned int type, const char *fqdn)
{
	const char *rel, *at;
	unsigned int t;

	if (!id || !fqdn || !*fqdn || m2mv_credid_parse(id, &t) || t != type)
		return 0;
	/* "<type>-" RelativeKeyID "@" fqdn, the RelativeKeyID without '@'. */
	rel = strchr(id, '-') + 1;
	at = strchr(rel, '@');
	return at && at > rel && !strcasecmp(at + 1, fqdn);
}
