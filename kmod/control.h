/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Control operations behind the generic netlink family:
 * argument checks, attach, detach, compaction with rotation, and the
 * events the data plane raises.
 */
#ifndef _M2MV_CONTROL_H
#define _M2MV_CONTROL_H

#include <linux/types.h>
#include <linux/m2mvault.h>

struct m2mv_attach_report;
struct m2mv_compact_report;

int m2mv_check_name(const char *name);
int m2mv_check_credid(const char *credid);
bool m2mv_path_chars_ok(const char *s, size_t len);

int m2mv_ctl_attach(const char *name, int fd, const char *credid, u32 flags,
		    struct m2mv_attach_report *rep);
const char *m2mv_ctl_attach_errmsg(int err);
int m2mv_ctl_detach(const char *name);
int m2mv_ctl_compact(const char *name, int fd, const char *credid,
		     struct m2mv_compact_report *rep);
const char *m2mv_ctl_compact_errmsg(int err);
u16 m2mv_ctr_attr(int counter);

/* netlink.c: multicast events on the "events" group. */
void m2mv_nl_event_store(u32 event, const char *name);
void m2mv_nl_event_integrity(const char *name, const char *path, u16 len,
			     u64 seq, int reason);
void m2mv_nl_event_key(const char *name, const char *credid, int reason);
void m2mv_nl_event_progress(const char *name, u64 done, u64 total);
void m2mv_nl_event_scrub_done(const char *name, u64 records, u64 errors);
void m2mv_nl_event_compacted(const char *name, u64 records, u64 bytes);

#endif /* _M2MV_CONTROL_H */
