/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Path policies: per store, path prefix -> Credential-ID and mode. The
 * longest matching prefix decides how a PUT is sealed.
 */
#ifndef _M2MV_POLICY_H
#define _M2MV_POLICY_H

#include <linux/types.h>
#include <linux/m2mvault.h>

struct m2mv_policy_match {
	char credid[M2MV_CREDID_MAX + 1];
	u8 mode;
	bool instance;
};

int m2mv_policy_set(const char *store, const char *prefix, u16 len,
		    const char *credid, u8 mode, u32 flags);
int m2mv_policy_del(const char *store, const char *prefix, u16 len);
int m2mv_policy_match(const char *store, const char *path, u16 len,
		      struct m2mv_policy_match *m);
void m2mv_policy_flush(const char *store);

/* One policy as the control plane reports it. */
struct m2mv_policy_info {
	const char *store;
	const char *prefix;
	u16 prefix_len;
	const char *credid;
	u8 mode;
	bool instance;
};

typedef int (*m2mv_policy_fn)(void *ctx, const struct m2mv_policy_info *p);
int m2mv_policy_walk(unsigned long *idx, u64 *gen, m2mv_policy_fn fn,
		     void *ctx);

#endif /* _M2MV_POLICY_H */
