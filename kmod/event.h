/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multicast events on the "events" group of the m2mvault family
 * (uapi/linux/m2mvault.h lists them with their attributes). A leaf: any
 * part of the module may raise an event; netlink.c binds this file to the
 * family once it is registered, and events raised before (or after the
 * family is gone) go nowhere.
 *
 * Every function may sleep and never fails: with no listener, or no
 * memory for the message, the event is dropped.
 */
#ifndef _M2MV_EVENT_H
#define _M2MV_EVENT_H

#include <linux/types.h>

struct genl_family;

void m2mv_event_bind(const struct genl_family *family, unsigned int group);

void m2mv_event_store(u32 event, const char *name);
void m2mv_event_integrity(const char *name, const char *path, u16 len,
			  u64 seq, int reason);
void m2mv_event_key(const char *name, const char *credid, int reason);
void m2mv_event_progress(u32 event, const char *name, u64 done, u64 total);
void m2mv_event_counts(u32 event, const char *name, u16 attr, u64 records,
		       u64 value);

#endif /* _M2MV_EVENT_H */
