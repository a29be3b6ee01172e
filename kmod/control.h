/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control operations behind the generic netlink family, by store
 * name: attach, detach, policies, verify and compaction with rotation.
 * netlink.c checks the arguments' form (names.h) before calling these.
 */
#ifndef _M2MV_CONTROL_H
#define _M2MV_CONTROL_H

#include <linux/types.h>

#include "names.h"
#include "store.h"

int m2mv_ctl_attach(const char *name, int fd, const char *credid, u32 flags,
		    const struct m2mv_store_grant *grant,
		    const struct m2mv_anchor *anchor,
		    struct m2mv_attach_report *rep);
int m2mv_ctl_detach(const char *name);
int m2mv_ctl_policy_set(const char *name, const char *prefix, u16 len,
			const char *credid, u8 mode, u32 flags,
			const struct m2mv_kids *more, int *which);
int m2mv_ctl_policy_del(const char *name, const char *prefix, u16 len);
int m2mv_ctl_key_bind(const char *name, const char *credid);
int m2mv_ctl_recovery(const char *name, const char *credid);
int m2mv_ctl_verify(const char *name, m2mv_progress_fn progress,
		    m2mv_bad_fn bad, void *ctx,
		    struct m2mv_verify_report *rep);
int m2mv_ctl_compact(const char *name, int fd, const char *credid, u32 flags,
		     m2mv_progress_fn progress, void *ctx,
		     struct m2mv_compact_report *rep);

#endif /* _M2MV_CONTROL_H */
