// SPDX-License-Identifier: GPL-2.0
/*
 * The long control-plane commands, verify (scrub) and compact: the request
 * waits for its reply while the command's progress events of the store
 * (M2MV_EVENT_SCRUB_PROGRESS, M2MV_EVENT_COMPACT_PROGRESS) arrive on the
 * events group and feed the caller's progress callback.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/socket.h>

#include "lib/internal.h"

static const struct nla_policy m2mv_bad_policy[M2MV_A_MAX + 1] = {
	/* Terminated or not, as in the top-level policy (nl.c). */
	[M2MV_A_PATH] = { .type = NLA_UNSPEC, .maxlen = M2MV_PATH_MAX + 1 },
	[M2MV_A_SEQ] = { .type = NLA_U64 },
	[M2MV_A_REASON] = { .type = NLA_U32 },
};

int m2mv__parse_verify(struct nlmsghdr *nlh, struct nlattr **tb,
		       struct m2mv_verify_info *vi)
{
	struct genlmsghdr *g = nlmsg_data(nlh);
	struct nlattr *a, *bt[M2MV_A_MAX + 1];
	struct m2mv_bad_record *bad, *b;
	size_t n = 0;
	int rem;

	if (tb[M2MV_A_RECORDS])
		vi->records += nla_get_u64(tb[M2MV_A_RECORDS]);
	if (tb[M2MV_A_INTEGRITY_ERRORS])
		vi->integrity_errors += nla_get_u64(tb[M2MV_A_INTEGRITY_ERRORS]);

	/* BAD repeats at the top level: walk the attributes themselves. */
	nla_for_each_attr(a, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0), rem)
		if (nla_type(a) == M2MV_A_BAD)
			n++;
	if (!n)
		return 0;
	bad = realloc(vi->bad, (vi->nbad + n) * sizeof(*bad));
	if (!bad)
		return -ENOMEM;
	vi->bad = bad;
	nla_for_each_attr(a, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0), rem) {
		if (nla_type(a) != M2MV_A_BAD)
			continue;
		if (nla_parse_nested(bt, M2MV_A_MAX, a, m2mv_bad_policy) < 0)
			return -EPROTO;
		b = &vi->bad[vi->nbad];
		memset(b, 0, sizeof(*b));
		if (bt[M2MV_A_PATH] &&
		    m2mv__attr_str(b->path, sizeof(b->path), bt[M2MV_A_PATH]))
			return -EPROTO;
		if (bt[M2MV_A_SEQ])
			b->seq = nla_get_u64(bt[M2MV_A_SEQ]);
		if (bt[M2MV_A_REASON])
			b->reason = (int)nla_get_u32(bt[M2MV_A_REASON]);
		vi->nbad++;
	}
	return 0;
}

static int m2mv_verify_reply(struct nlmsghdr *nlh, struct nlattr **tb,
			     void *arg)
{
	return m2mv__parse_verify(nlh, tb, arg);
}

void m2mv_verify_info_free(struct m2mv_verify_info *info)
{
	free(info->bad);
	memset(info, 0, sizeof(*info));
}

void m2mv__progress_init(struct m2mv__progress *p, unsigned int cmd,
			 const char *name, m2mv_progress_fn fn, void *arg)
{
	memset(p, 0, sizeof(*p));
	switch (cmd) {
	case M2MV_CMD_STORE_VERIFY:
		p->event = M2MV_EVENT_SCRUB_PROGRESS;
		break;
	case M2MV_CMD_STORE_COMPACT:
		p->event = M2MV_EVENT_COMPACT_PROGRESS;
		break;
	}
	p->name = name;
	p->fn = p->event ? fn : NULL;
	p->arg = arg;
}

int m2mv__progress_event(const struct m2mv_event_info *ev, void *arg)
{
	struct m2mv__progress *p = arg;

	if (p->fn && ev->event == p->event &&
	    M2MV_EVENT_HAS(ev, M2MV_A_NAME) && !strcmp(ev->name, p->name) &&
	    M2MV_EVENT_HAS(ev, M2MV_A_DONE) && M2MV_EVENT_HAS(ev, M2MV_A_TOTAL))
		p->fn(ev->done, ev->total, p->arg);
	return 0;
}

/* The events socket is readable while the request waits. */
static void m2mv_progress_read(void *arg)
{
	struct m2mv__progress *p = arg;

	/* Progress is best effort: lost events are no failure. */
	(void)m2mv__events_read(p->ctl, p->sk, m2mv__progress_event, p);
}

/*
 * Send @msg and wait for the reply, watching the events group for progress
 * if the caller wants it. Without the group, the command still runs.
 */
static int m2mv_long_request(struct m2mv_ctl *ctl, struct nl_msg *msg,
			     m2mv__reply_fn fn, void *arg,
			     struct m2mv__progress *p)
{
	int ret;

	p->ctl = ctl;
	p->sk = NULL;
	if (p->fn && m2mv__events_socket(ctl, &p->sk)) {
		/* Progress is optional: its absence explains nothing. */
		p->sk = NULL;
		m2mv__clear_error(ctl);
	}
	if (!p->sk)
		return m2mv__request(ctl, msg, fn, arg);
	ret = m2mv__request_watch(ctl, msg, fn, arg, nl_socket_get_fd(p->sk),
				  m2mv_progress_read, p);
	nl_socket_free(p->sk);
	p->sk = NULL;
	return ret;
}

int m2mv_verify(struct m2mv_ctl *ctl, const char *name,
		m2mv_progress_fn progress, void *arg,
		struct m2mv_verify_info *info)
{
	struct m2mv__progress p;
	char store[M2MV_NAME_MAX];
	struct nl_msg *msg;
	int ret;

	m2mv__progress_init(&p, M2MV_CMD_STORE_VERIFY, name, progress, arg);
	memset(info, 0, sizeof(*info));
	m2mv__clear_error(ctl);
	if (m2mv__name_copy(store, name))
		return -EINVAL;
	ret = m2mv__need(ctl, M2MV_CMD_STORE_VERIFY);
	if (ret)
		return ret;
	msg = m2mv__msg(ctl, M2MV_CMD_STORE_VERIFY, 0);
	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, M2MV_A_NAME, store) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	ret = m2mv_long_request(ctl, msg, m2mv_verify_reply, info, &p);
	if (ret)
		m2mv_verify_info_free(info);
	return ret;
}

static int m2mv_compact_reply(struct nlmsghdr *nlh, struct nlattr **tb,
			      void *arg)
{
	struct m2mv_compact_info *info = arg;

	(void)nlh;
	if (tb[M2MV_A_RECORDS])
		info->records = nla_get_u64(tb[M2MV_A_RECORDS]);
	if (tb[M2MV_A_FILE_BYTES])
		info->file_bytes = nla_get_u64(tb[M2MV_A_FILE_BYTES]);
	return 0;
}

int m2mv_compact(struct m2mv_ctl *ctl, const char *name, int fd,
		 const char *credid, m2mv_progress_fn progress, void *arg,
		 struct m2mv_compact_info *info)
{
	return m2mv_compact_flags(ctl, name, fd, credid, 0, progress, arg,
				  info);
}

int m2mv_compact_flags(struct m2mv_ctl *ctl, const char *name, int fd,
		       const char *credid, unsigned int flags,
		       m2mv_progress_fn progress, void *arg,
		       struct m2mv_compact_info *info)
{
	char store[M2MV_NAME_MAX], cred[M2MV_CREDID_MAX + 1];
	struct m2mv_compact_info local;
	struct m2mv__progress p;
	struct nl_msg *msg;
	int ret;

	m2mv__progress_init(&p, M2MV_CMD_STORE_COMPACT, name, progress, arg);
	if (!info)
		info = &local;
	memset(info, 0, sizeof(*info));
	m2mv__clear_error(ctl);
	if (m2mv__name_copy(store, name) ||
	    (credid && m2mv__credid_copy(cred, credid)) ||
	    (flags & ~(unsigned int)__M2MV_COMPACT_F_ALL) ||
	    (credid && (flags & M2MV_COMPACT_F_RECOVERY)))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	ret = m2mv__need(ctl, M2MV_CMD_STORE_COMPACT);
	if (!ret && flags && !m2mv__fam_has_attr(&ctl->fam, M2MV_A_RECOVERY))
		ret = -EOPNOTSUPP;
	if (ret)
		return ret;
	msg = m2mv__msg(ctl, M2MV_CMD_STORE_COMPACT, 0);
	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, M2MV_A_NAME, store) < 0 ||
	    nla_put_u32(msg, M2MV_A_FD, (uint32_t)fd) < 0 ||
	    (credid && nla_put_string(msg, M2MV_A_CREDID, cred) < 0) ||
	    (flags && nla_put_u32(msg, M2MV_A_FLAGS, flags) < 0)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return m2mv_long_request(ctl, msg, m2mv_compact_reply, info, &p);
}
