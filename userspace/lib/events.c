// SPDX-License-Identifier: GPL-2.0
/*
 * The "events" multicast group: a socket of its own per subscription (and
 * per long command watching for progress), read without blocking, each
 * M2MV_CMD_EVENT message decoded into struct m2mv_event_info.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/socket.h>

#include "lib/internal.h"

/* Events are small; room for a burst of them per datagram read. */
#define M2MV_EVENT_BUF (32U << 10)
/* Socket buffer: how many events may queue while the reader is busy. */
#define M2MV_EVENT_RCVBUF (1 << 20)

int m2mv__parse_event(struct nlattr **tb, struct m2mv_event_info *ev)
{
	static const int u64s[] = {
		M2MV_A_SEQ, M2MV_A_DONE, M2MV_A_TOTAL, M2MV_A_RECORDS,
		M2MV_A_FILE_BYTES, M2MV_A_INTEGRITY_ERRORS,
	};
	uint64_t *const dst[] = {
		&ev->seq, &ev->done, &ev->total, &ev->records,
		&ev->file_bytes, &ev->integrity_errors,
	};
	size_t i;

	memset(ev, 0, sizeof(*ev));
	if (!tb[M2MV_A_EVENT])
		return -EPROTO;
	ev->event = nla_get_u32(tb[M2MV_A_EVENT]);
	ev->present |= 1ULL << M2MV_A_EVENT;

	if (tb[M2MV_A_NAME]) {
		if (m2mv__attr_str(ev->name, sizeof(ev->name), tb[M2MV_A_NAME]))
			return -EPROTO;
		ev->present |= 1ULL << M2MV_A_NAME;
	}
	if (tb[M2MV_A_PATH]) {
		if (m2mv__attr_str(ev->path, sizeof(ev->path), tb[M2MV_A_PATH]))
			return -EPROTO;
		ev->present |= 1ULL << M2MV_A_PATH;
	}
	if (tb[M2MV_A_CREDID]) {
		if (m2mv__attr_str(ev->credid, sizeof(ev->credid),
				   tb[M2MV_A_CREDID]))
			return -EPROTO;
		ev->present |= 1ULL << M2MV_A_CREDID;
	}
	if (tb[M2MV_A_REASON]) {
		ev->reason = (int)nla_get_u32(tb[M2MV_A_REASON]);
		ev->present |= 1ULL << M2MV_A_REASON;
	}
	for (i = 0; i < sizeof(u64s) / sizeof(u64s[0]); i++) {
		if (!tb[u64s[i]])
			continue;
		*dst[i] = nla_get_u64(tb[u64s[i]]);
		ev->present |= 1ULL << u64s[i];
	}
	return 0;
}

int m2mv__events_decode(int family, const void *buf, size_t len,
			m2mv_event_fn fn, void *arg)
{
	struct nlattr *tb[M2MV_A_MAX + 1];
	const struct nlmsghdr *nlh = buf;
	const struct genlmsghdr *g;
	struct m2mv_event_info ev;
	int rem = len > INT32_MAX ? INT32_MAX : (int)len;
	int ret;

	for (; NLMSG_OK(nlh, rem); nlh = NLMSG_NEXT(nlh, rem)) {
		if (nlh->nlmsg_type != family ||
		    nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
			continue;
		g = NLMSG_DATA(nlh);
		if (g->cmd != M2MV_CMD_EVENT)
			continue;
		/* A malformed event is dropped, not fatal to the reader. */
		if (m2mv__parse_attrs((struct nlmsghdr *)nlh, tb) ||
		    m2mv__parse_event(tb, &ev))
			continue;
		ret = fn(&ev, arg);
		if (ret)
			return ret;
	}
	return 0;
}

int m2mv__events_read(struct m2mv_ctl *ctl, struct nl_sock *sk,
		      m2mv_event_fn fn, void *arg)
{
	unsigned char buf[M2MV_EVENT_BUF];
	struct sockaddr_nl from;
	socklen_t fromlen;
	ssize_t n;
	int ret;

	for (;;) {
		fromlen = sizeof(from);
		n = recvfrom(nl_socket_get_fd(sk), buf, sizeof(buf),
			     MSG_DONTWAIT | MSG_TRUNC,
			     (struct sockaddr *)&from, &fromlen);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return 0;
		/* Only the kernel speaks on the group; a giant is skipped. */
		if (fromlen != sizeof(from) || from.nl_pid != 0 ||
		    (size_t)n > sizeof(buf))
			continue;
		ret = m2mv__events_decode(ctl->fam.id, buf, (size_t)n, fn, arg);
		if (ret)
			return ret;
	}
}

int m2mv__events_socket(struct m2mv_ctl *ctl, struct nl_sock **skp)
{
	struct nl_sock *sk;
	int ret;

	*skp = NULL;
	if (!ctl->fam.events_grp) {
		m2mv__set_error(ctl, "the m2mvault family has no \"%s\" group",
				M2MV_GENL_MCGRP_EVENTS);
		return -EOPNOTSUPP;
	}
	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	nl_socket_disable_seq_check(sk);
	ret = genl_connect(sk);
	if (!ret)
		ret = nl_socket_add_membership(sk, (int)ctl->fam.events_grp);
	if (!ret)
		ret = nl_socket_set_nonblocking(sk);
	if (ret < 0) {
		nl_socket_free(sk);
		return m2mv__nlerr(ret);
	}
	(void)nl_socket_set_buffer_size(sk, M2MV_EVENT_RCVBUF, 0);
	*skp = sk;
	return 0;
}

int m2mv_events_subscribe(struct m2mv_ctl *ctl, m2mv_event_fn fn, void *arg)
{
	int ret;

	m2mv__clear_error(ctl);
	if (!fn)
		return -EINVAL;
	if (!ctl->ev) {
		ret = m2mv__events_socket(ctl, &ctl->ev);
		if (ret)
			return ret;
	}
	ctl->ev_fn = fn;
	ctl->ev_arg = arg;
	return 0;
}

int m2mv_events_fd(const struct m2mv_ctl *ctl)
{
	return ctl->ev ? nl_socket_get_fd(ctl->ev) : -EINVAL;
}

int m2mv_events_dispatch(struct m2mv_ctl *ctl, int timeout_ms)
{
	struct pollfd pfd;
	int n;

	if (!ctl->ev)
		return -EINVAL;
	pfd.fd = nl_socket_get_fd(ctl->ev);
	pfd.events = POLLIN;
	n = poll(&pfd, 1, timeout_ms);
	if (n < 0)
		return -errno;
	if (!n)
		return 0;
	return m2mv__events_read(ctl, ctl->ev, ctl->ev_fn, ctl->ev_arg);
}

void m2mv_events_unsubscribe(struct m2mv_ctl *ctl)
{
	if (!ctl->ev)
		return;
	nl_socket_free(ctl->ev);
	ctl->ev = NULL;
	ctl->ev_fn = NULL;
	ctl->ev_arg = NULL;
}
