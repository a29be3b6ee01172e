// SPDX-License-Identifier: GPL-2.0
/*
 * The builders of the multicast events: one message per event, an EVENT
 * attribute first, then the event's own attributes.
 */
#include <net/genetlink.h>

#include "m2mvault_private.h"
#include "event.h"

static const struct genl_family *m2mv_event_family;
static unsigned int m2mv_event_group;

/* Called by netlink.c with the registered family, and with NULL before
 * it unregisters it.
 */
void m2mv_event_bind(const struct genl_family *family, unsigned int group)
{
	WRITE_ONCE(m2mv_event_group, group);
	WRITE_ONCE(m2mv_event_family, family);
}

/* A message for @event, or NULL if nobody listens (or no memory). */
static struct sk_buff *event_new(u32 event, void **hdr)
{
	const struct genl_family *family = READ_ONCE(m2mv_event_family);
	struct sk_buff *skb;

	if (!family || !genl_has_listeners(family, &init_net,
					   READ_ONCE(m2mv_event_group)))
		return NULL;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return NULL;
	*hdr = genlmsg_put(skb, 0, 0, family, 0, M2MV_CMD_EVENT);
	if (!*hdr || nla_put_u32(skb, M2MV_A_EVENT, event)) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

/* Send what event_new() started if every attribute fitted (@ok). */
static void event_send(struct sk_buff *skb, void *hdr, bool ok)
{
	const struct genl_family *family = READ_ONCE(m2mv_event_family);

	if (!ok || !family) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast(family, skb, 0, READ_ONCE(m2mv_event_group),
			  GFP_KERNEL);
}

/* ATTACHED, DETACHED: NAME */
void m2mv_event_store(u32 event, const char *name)
{
	struct sk_buff *skb;
	void *hdr;

	skb = event_new(event, &hdr);
	if (skb)
		event_send(skb, hdr, !nla_put_string(skb, M2MV_A_NAME, name));
}

/* INTEGRITY: NAME, PATH (may be empty), SEQ, REASON */
void m2mv_event_integrity(const char *name, const char *path, u16 len,
			  u64 seq, int reason)
{
	struct sk_buff *skb;
	void *hdr;

	skb = event_new(M2MV_EVENT_INTEGRITY, &hdr);
	if (skb)
		event_send(skb, hdr,
			   !nla_put_string(skb, M2MV_A_NAME, name) &&
			   !nla_put(skb, M2MV_A_PATH, len, path) &&
			   !nla_put_u64_64bit(skb, M2MV_A_SEQ, seq, M2MV_A_PAD) &&
			   !nla_put_u32(skb, M2MV_A_REASON, -reason));
}

/* KEY_REFUSED: NAME, CREDID, REASON */
void m2mv_event_key(const char *name, const char *credid, int reason)
{
	struct sk_buff *skb;
	void *hdr;

	skb = event_new(M2MV_EVENT_KEY_REFUSED, &hdr);
	if (skb)
		event_send(skb, hdr,
			   !nla_put_string(skb, M2MV_A_NAME, name) &&
			   !nla_put_string(skb, M2MV_A_CREDID, credid) &&
			   !nla_put_u32(skb, M2MV_A_REASON, -reason));
}

/* SCRUB_PROGRESS, COMPACT_PROGRESS: NAME, DONE, TOTAL */
void m2mv_event_progress(u32 event, const char *name, u64 done, u64 total)
{
	struct sk_buff *skb;
	void *hdr;

	skb = event_new(event, &hdr);
	if (skb)
		event_send(skb, hdr,
			   !nla_put_string(skb, M2MV_A_NAME, name) &&
			   !nla_put_u64_64bit(skb, M2MV_A_DONE, done,
					      M2MV_A_PAD) &&
			   !nla_put_u64_64bit(skb, M2MV_A_TOTAL, total,
					      M2MV_A_PAD));
}

/*
 * SCRUB_DONE: NAME, RECORDS, INTEGRITY_ERRORS (@attr);
 * COMPACTED: NAME, RECORDS, FILE_BYTES (@attr)
 */
void m2mv_event_counts(u32 event, const char *name, u16 attr, u64 records,
		       u64 value)
{
	struct sk_buff *skb;
	void *hdr;

	skb = event_new(event, &hdr);
	if (skb)
		event_send(skb, hdr,
			   !nla_put_string(skb, M2MV_A_NAME, name) &&
			   !nla_put_u64_64bit(skb, M2MV_A_RECORDS, records,
					      M2MV_A_PAD) &&
			   !nla_put_u64_64bit(skb, attr, value, M2MV_A_PAD));
}
