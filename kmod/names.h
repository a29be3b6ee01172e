/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The three kinds of names the module accepts, one validator each. Every
 * entry point (ioctl, netlink, key type) and every reader of the disk
 * checks names here, so the JSON the kernel writes never needs escaping.
 *
 *	store name	1 to M2MV_NAME_MAX - 1 of [A-Za-z0-9._-]
 *	resource path	1 to M2MV_PATH_MAX of [A-Za-z0-9._~/-]; a policy
 *			prefix is the same, or empty
 *	Credential-ID	"<type>-<value>", type 14, 15 or 16 (no leading
 *			zero), value 1 or more of [A-Za-z0-9._@-], at most
 *			M2MV_CREDID_MAX bytes in all
 */
#ifndef _M2MV_NAMES_H
#define _M2MV_NAMES_H

#include <linux/types.h>
#include <linux/m2mvault.h>

/*
 * Credential-IDs in order: the one a record or policy names, or the
 * recipients of a wrap record or policy of several (2 or more).
 */
struct m2mv_kids {
	u8 n;
	char kid[M2MV_RECIPIENTS_MAX][M2MV_CREDID_MAX + 1];
};

int m2mv_name_check(const char *name);
bool m2mv_path_ok(const char *path, size_t len);
int m2mv_credid_parse(const char *credid, size_t len, unsigned int *type);
int m2mv_credid_check(const char *credid);

/* A policy prefix: empty, or a path. */
static inline bool m2mv_prefix_ok(const char *prefix, size_t len)
{
	return !len || m2mv_path_ok(prefix, len);
}

#endif /* _M2MV_NAMES_H */
