// SPDX-License-Identifier: GPL-2.0
/*
 * The control plane's transport: a libnl generic netlink socket to the
 * "m2mvault" family, the family's resolution (id, events group, the
 * commands the module implements), requests with their replies, the
 * parsing of reply attributes, and the kernel's extended acks turned into
 * m2mv_ctl_last_error(). It calls nothing above it: a long command that
 * watches another socket while it waits hands in that socket's fd and a
 * callback (scrub.c).
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>

#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "lib/internal.h"

/* Room for a verify reply with M2MV_VERIFY_BAD_MAX entries. */
#define M2MV_RCVBUF (2 << 20)

static const char *const m2mv_attr_names[__M2MV_A_MAX] = {
	[M2MV_A_NAME] = "NAME",
	[M2MV_A_FD] = "FD",
	[M2MV_A_STORE_KEY] = "STORE_KEY",
	[M2MV_A_FLAGS] = "FLAGS",
	[M2MV_A_FILE] = "FILE",
	[M2MV_A_STATE] = "STATE",
	[M2MV_A_RECORDS] = "RECORDS",
	[M2MV_A_FILE_BYTES] = "FILE_BYTES",
	[M2MV_A_LIVE] = "LIVE",
	[M2MV_A_LIVE_BYTES] = "LIVE_BYTES",
	[M2MV_A_LAST_SEQ] = "LAST_SEQ",
	[M2MV_A_INTEGRITY_ERRORS] = "INTEGRITY_ERRORS",
	[M2MV_A_TRUNCATED] = "TRUNCATED",
	[M2MV_A_COUNTERS] = "COUNTERS",
	[M2MV_A_PREFIX] = "PREFIX",
	[M2MV_A_CREDID] = "CREDID",
	[M2MV_A_MODE] = "MODE",
	[M2MV_A_BAD] = "BAD",
	[M2MV_A_EVENT] = "EVENT",
	[M2MV_A_PATH] = "PATH",
	[M2MV_A_SEQ] = "SEQ",
	[M2MV_A_REASON] = "REASON",
	[M2MV_A_DONE] = "DONE",
	[M2MV_A_TOTAL] = "TOTAL",
	[M2MV_A_PAD] = "PAD",
	[M2MV_A_OWNER] = "OWNER",
	[M2MV_A_GROUP] = "GROUP",
	[M2MV_A_PERM] = "PERM",
	[M2MV_A_RECIPIENTS] = "RECIPIENTS",
};

static const char *const m2mv_cmd_names[__M2MV_CMD_MAX] = {
	[M2MV_CMD_STORE_ATTACH] = "STORE_ATTACH",
	[M2MV_CMD_STORE_DETACH] = "STORE_DETACH",
	[M2MV_CMD_STORE_GET] = "STORE_GET",
	[M2MV_CMD_POLICY_SET] = "POLICY_SET",
	[M2MV_CMD_POLICY_DEL] = "POLICY_DEL",
	[M2MV_CMD_POLICY_GET] = "POLICY_GET",
	[M2MV_CMD_STORE_VERIFY] = "STORE_VERIFY",
	[M2MV_CMD_STORE_COMPACT] = "STORE_COMPACT",
	[M2MV_CMD_EVENT] = "EVENT",
	[M2MV_CMD_KEY_BIND] = "KEY_BIND",
};

const char *m2mv__attr_name(unsigned int attr)
{
	if (attr < __M2MV_A_MAX && m2mv_attr_names[attr])
		return m2mv_attr_names[attr];
	return "?";
}

const char *m2mv__cmd_name(unsigned int cmd)
{
	if (cmd < __M2MV_CMD_MAX && m2mv_cmd_names[cmd])
		return m2mv_cmd_names[cmd];
	return "?";
}

/* How replies are checked: strings bounded and terminated, sizes exact. */
static const struct nla_policy m2mv_reply_policy[M2MV_A_MAX + 1] = {
	[M2MV_A_NAME] = { .type = NLA_STRING, .maxlen = M2MV_NAME_MAX },
	[M2MV_A_FD] = { .type = NLA_U32 },
	[M2MV_A_STORE_KEY] = { .type = NLA_STRING,
			       .maxlen = M2MV_CREDID_MAX + 1 },
	[M2MV_A_FLAGS] = { .type = NLA_U32 },
	[M2MV_A_FILE] = { .type = NLA_STRING, .maxlen = M2MV_FILE_MAX },
	[M2MV_A_STATE] = { .type = NLA_U32 },
	[M2MV_A_RECORDS] = { .type = NLA_U64 },
	[M2MV_A_FILE_BYTES] = { .type = NLA_U64 },
	[M2MV_A_LIVE] = { .type = NLA_U64 },
	[M2MV_A_LIVE_BYTES] = { .type = NLA_U64 },
	[M2MV_A_LAST_SEQ] = { .type = NLA_U64 },
	[M2MV_A_INTEGRITY_ERRORS] = { .type = NLA_U64 },
	[M2MV_A_TRUNCATED] = { .type = NLA_U64 },
	[M2MV_A_COUNTERS] = { .type = NLA_NESTED },
	/*
	 * Paths and prefixes: terminated or not (the module sends them as
	 * they are stored, an empty prefix as an empty attribute).
	 */
	[M2MV_A_PREFIX] = { .type = NLA_UNSPEC, .maxlen = M2MV_PATH_MAX + 1 },
	[M2MV_A_CREDID] = { .type = NLA_STRING,
			    .maxlen = M2MV_CREDID_MAX + 1 },
	[M2MV_A_MODE] = { .type = NLA_U32 },
	[M2MV_A_BAD] = { .type = NLA_NESTED },
	[M2MV_A_EVENT] = { .type = NLA_U32 },
	[M2MV_A_PATH] = { .type = NLA_UNSPEC, .maxlen = M2MV_PATH_MAX + 1 },
	[M2MV_A_SEQ] = { .type = NLA_U64 },
	[M2MV_A_REASON] = { .type = NLA_U32 },
	[M2MV_A_DONE] = { .type = NLA_U64 },
	[M2MV_A_TOTAL] = { .type = NLA_U64 },
	[M2MV_A_OWNER] = { .type = NLA_U32 },
	[M2MV_A_GROUP] = { .type = NLA_U32 },
	[M2MV_A_PERM] = { .type = NLA_U32 },
	[M2MV_A_RECIPIENTS] = { .type = NLA_NESTED },
};

int m2mv__parse_attrs(struct nlmsghdr *nlh, struct nlattr **tb)
{
	if (genlmsg_parse(nlh, 0, tb, M2MV_A_MAX, m2mv_reply_policy) < 0)
		return -EPROTO;
	return 0;
}

int m2mv__attr_str(char *dst, size_t size, const struct nlattr *nla)
{
	const char *s = nla_data(nla);
	size_t n = strnlen(s, (size_t)nla_len(nla));

	if (n >= size)
		return -EPROTO;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

int m2mv__nlerr(int nlerr)
{
	static const struct {
		int nle, err;
	} map[] = {
		{ NLE_INTR, EINTR },
		{ NLE_BAD_SOCK, EBADF },
		{ NLE_AGAIN, EAGAIN },
		{ NLE_NOMEM, ENOMEM },
		{ NLE_EXIST, EEXIST },
		{ NLE_INVAL, EINVAL },
		{ NLE_RANGE, ERANGE },
		{ NLE_MSGSIZE, EMSGSIZE },
		{ NLE_OPNOTSUPP, EOPNOTSUPP },
		{ NLE_AF_NOSUPPORT, EAFNOSUPPORT },
		{ NLE_OBJ_NOTFOUND, ENOENT },
		{ NLE_MSG_OVERFLOW, ENOBUFS },
		{ NLE_NOADDR, EADDRNOTAVAIL },
		{ NLE_BUSY, EBUSY },
		{ NLE_PROTO_MISMATCH, EPROTONOSUPPORT },
		{ NLE_NOACCESS, EACCES },
		{ NLE_PERM, EPERM },
		{ NLE_NODEV, ENODEV },
		{ NLE_DUMP_INTR, EAGAIN },
	};
	size_t i;

	if (nlerr < 0)
		nlerr = -nlerr;
	if (!nlerr)
		return 0;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].nle == nlerr)
			return -map[i].err;
	/* Sequence, truncation, parsing: the conversation went wrong. */
	return -EPROTO;
}

/* Append to @buf (of @size, holding @len) what the format says. */
static size_t m2mv_append(char *buf, size_t size, size_t len,
			  const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static size_t m2mv_append(char *buf, size_t size, size_t len,
			  const char *fmt, ...)
{
	va_list ap;
	int n;

	if (len >= size)
		return len;
	va_start(ap, fmt);
	n = vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return len;
	len += (size_t)n;
	return len < size ? len : size - 1;
}

/* The top-level attribute of request @req that byte @off falls in. */
static int m2mv_attr_at(const struct nlmsghdr *req, uint32_t off)
{
	size_t pos = NLMSG_HDRLEN + GENL_HDRLEN;
	const struct nlattr *a;

	while (pos + NLA_HDRLEN <= req->nlmsg_len) {
		a = (const struct nlattr *)((const char *)req + pos);
		if (a->nla_len < NLA_HDRLEN || pos + a->nla_len > req->nlmsg_len)
			break;
		if (off >= pos && off < pos + a->nla_len)
			return a->nla_type & NLA_TYPE_MASK;
		pos += NLA_ALIGN(a->nla_len);
	}
	return -1;
}

size_t m2mv__extack_format(const struct nlmsghdr *nlh,
			   const struct nlmsghdr *req, char *buf,
			   size_t size)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	const struct nlmsgerr *e;
	char msg[256] = "";
	size_t off, len = 0;
	int attr = -1;

	if (size)
		buf[0] = '\0';
	if (!size || !(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return 0;
	/* Where the TLVs start: after the error and the echoed request. */
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
			return 0;
		e = NLMSG_DATA(nlh);
		off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
			if (e->msg.nlmsg_len < NLMSG_HDRLEN)
				return 0;
			off += e->msg.nlmsg_len - NLMSG_HDRLEN;
		}
	} else if (nlh->nlmsg_type == NLMSG_DONE) {
		off = sizeof(int);
	} else {
		return 0;
	}
	off = NLMSG_HDRLEN + NLMSG_ALIGN(off);
	if (off >= nlh->nlmsg_len)
		return 0;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)nlh + off),
		      (int)(nlh->nlmsg_len - off), NULL) < 0)
		return 0;

	if (tb[NLMSGERR_ATTR_MSG] && nla_len(tb[NLMSGERR_ATTR_MSG]) > 0)
		nla_strlcpy(msg, tb[NLMSGERR_ATTR_MSG], sizeof(msg));
	if (tb[NLMSGERR_ATTR_OFFS] && nla_len(tb[NLMSGERR_ATTR_OFFS]) >= 4 &&
	    req)
		attr = m2mv_attr_at(req, nla_get_u32(tb[NLMSGERR_ATTR_OFFS]));

	/* "attribute PREFIX: message", "invalid attribute PREFIX", "message" */
	if (attr >= 0)
		len = m2mv_append(buf, size, len, "%sattribute %s%s",
				  msg[0] ? "" : "invalid ",
				  m2mv__attr_name((unsigned int)attr),
				  msg[0] ? ": " : "");
	if (msg[0])
		len = m2mv_append(buf, size, len, "%s", msg);
	if (tb[NLMSGERR_ATTR_MISS_TYPE] &&
	    nla_len(tb[NLMSGERR_ATTR_MISS_TYPE]) >= 4)
		len = m2mv_append(buf, size, len, "%smissing attribute %s",
				  len ? "; " : "",
				  m2mv__attr_name(nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE])));
	return len;
}

void m2mv__clear_error(struct m2mv_ctl *ctl)
{
	ctl->err[0] = '\0';
}

void m2mv__set_error(struct m2mv_ctl *ctl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctl->err, sizeof(ctl->err), fmt, ap);
	va_end(ap);
}

int m2mv__need(struct m2mv_ctl *ctl, unsigned int cmd)
{
	if (m2mv__fam_has(&ctl->fam, cmd))
		return 0;
	m2mv__set_error(ctl, "the loaded m2mvault module lacks netlink command %s",
			m2mv__cmd_name(cmd));
	return -EOPNOTSUPP;
}

/* ------------------------------------------------------------ requests */

struct m2mv_req {
	struct m2mv_ctl *ctl;
	const struct nlmsghdr *sent;
	int type;			/* message type of the replies */
	m2mv__reply_fn fn;		/* replies parsed as M2MV_A_* */
	int (*raw)(struct nlmsghdr *nlh, void *arg);	/* or as they are */
	void *arg;
	int err;
	int done;
	int intr;
};

static int m2mv_on_valid(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[M2MV_A_MAX + 1];
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct m2mv_req *r = arg;
	int ret = 0;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		r->intr = 1;
	/* After a failure keep reading, to leave the socket clean. */
	if (nlh->nlmsg_type != r->type || r->err)
		return NL_SKIP;
	if (r->raw) {
		ret = r->raw(nlh, r->arg);
	} else if (r->fn) {
		ret = m2mv__parse_attrs(nlh, tb);
		if (!ret)
			ret = r->fn(nlh, tb, r->arg);
	}
	if (ret)
		r->err = ret;
	return NL_SKIP;
}

static int m2mv_on_finish(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct m2mv_req *r = arg;
	int e = 0;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		r->intr = 1;
	/* A dump that failed says so in NLMSG_DONE. */
	if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(e)))
		memcpy(&e, NLMSG_DATA(nlh), sizeof(e));
	if (e < 0 && !r->err) {
		r->err = e;
		m2mv__extack_format(nlh, r->sent, r->ctl->err,
				    sizeof(r->ctl->err));
	}
	r->done = 1;
	return NL_STOP;
}

static int m2mv_on_ack(struct nl_msg *msg, void *arg)
{
	struct m2mv_req *r = arg;

	(void)msg;
	r->done = 1;
	return NL_STOP;
}

static int m2mv_on_error(struct sockaddr_nl *nla, struct nlmsgerr *e,
			 void *arg)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)
		((const char *)e - NLMSG_HDRLEN);
	struct m2mv_req *r = arg;

	(void)nla;
	if (!r->err) {
		r->err = e->error < 0 ? e->error : -EPROTO;
		m2mv__extack_format(nlh, r->sent, r->ctl->err,
				    sizeof(r->ctl->err));
	}
	r->done = 1;
	return NL_STOP;
}

static struct nl_cb *m2mv_req_cb(struct m2mv_req *r)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);

	if (!cb)
		return NULL;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, m2mv_on_valid, r);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, m2mv_on_finish, r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, m2mv_on_ack, r);
	nl_cb_err(cb, NL_CB_CUSTOM, m2mv_on_error, r);
	return cb;
}

/* One round of reading replies; sets r->done or r->err. */
static void m2mv_req_recv(struct m2mv_ctl *ctl, struct nl_cb *cb,
			  struct m2mv_req *r)
{
	int ret = nl_recvmsgs(ctl->sk, cb);

	if (ret < 0 && !r->done) {
		if (!r->err)
			r->err = m2mv__nlerr(ret);
		r->done = 1;
	}
}

static int m2mv_run(struct m2mv_ctl *ctl, struct nl_msg *msg,
		    struct m2mv_req *r, int watch_fd, m2mv__watch_fn watch_fn,
		    void *watch_arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct pollfd pfd[2];
	struct nl_cb *cb;
	int dump, missing, ret;

	dump = (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	nl_complete_msg(ctl->sk, msg);
	/* A dump ends with NLMSG_DONE; an ack on top would come too late. */
	if (dump)
		nlh->nlmsg_flags &= ~NLM_F_ACK;
	r->ctl = ctl;
	r->sent = nlh;

	cb = m2mv_req_cb(r);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	ret = nl_send(ctl->sk, msg);
	if (ret < 0) {
		r->err = m2mv__nlerr(ret);
		r->done = 1;
	}
	while (!r->done) {
		if (watch_fd < 0) {
			m2mv_req_recv(ctl, cb, r);
			continue;
		}
		pfd[0].fd = nl_socket_get_fd(ctl->sk);
		pfd[0].events = POLLIN;
		pfd[1].fd = watch_fd;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			r->err = -errno;
			break;
		}
		if (pfd[1].revents)
			watch_fn(watch_arg);
		if (pfd[0].revents)
			m2mv_req_recv(ctl, cb, r);
	}
	/*
	 * EOPNOTSUPP without an explanation is the generic netlink core's
	 * answer to a command the family does not have (or a stub's).
	 */
	missing = r->err == -EOPNOTSUPP && !ctl->err[0];
	if (missing)
		m2mv__set_error(ctl, "the loaded m2mvault module lacks netlink command %s",
				m2mv__cmd_name(((struct genlmsghdr *)
						nlmsg_data(nlh))->cmd));
	nl_cb_put(cb);
	nlmsg_free(msg);
	if (!r->err && r->intr)
		return -EAGAIN;
	return r->err;
}

struct nl_msg *m2mv__msg(struct m2mv_ctl *ctl, uint8_t cmd, int dump)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, ctl->fam.id, 0,
			 dump ? NLM_F_DUMP : 0, cmd, M2MV_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int m2mv__request(struct m2mv_ctl *ctl, struct nl_msg *msg,
		  m2mv__reply_fn fn, void *arg)
{
	struct m2mv_req r = {
		.type = ctl->fam.id,
		.fn = fn,
		.arg = arg,
	};

	return m2mv_run(ctl, msg, &r, -1, NULL, NULL);
}

int m2mv__request_watch(struct m2mv_ctl *ctl, struct nl_msg *msg,
			m2mv__reply_fn fn, void *arg, int watch_fd,
			m2mv__watch_fn watch_fn, void *watch_arg)
{
	struct m2mv_req r = {
		.type = ctl->fam.id,
		.fn = fn,
		.arg = arg,
	};

	return m2mv_run(ctl, msg, &r, watch_fd, watch_fn, watch_arg);
}

/* ---------------------------------------------------------- the family */

int m2mv__parse_family(struct nlmsghdr *nlh, struct m2mv__family *fam)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1], *op, *grp;
	struct nlattr *ot[CTRL_ATTR_OP_MAX + 1];
	struct nlattr *gt[CTRL_ATTR_MCAST_GRP_MAX + 1];
	int rem;

	if (genlmsg_parse(nlh, 0, tb, CTRL_ATTR_MAX, NULL) < 0)
		return -EPROTO;
	if (!tb[CTRL_ATTR_FAMILY_ID] || !tb[CTRL_ATTR_FAMILY_NAME] ||
	    nla_len(tb[CTRL_ATTR_FAMILY_ID]) < 2 ||
	    strncmp(nla_data(tb[CTRL_ATTR_FAMILY_NAME]), M2MV_GENL_NAME,
		    (size_t)nla_len(tb[CTRL_ATTR_FAMILY_NAME])))
		return -EPROTO;
	memset(fam, 0, sizeof(*fam));
	fam->id = nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (tb[CTRL_ATTR_MAXATTR] && nla_len(tb[CTRL_ATTR_MAXATTR]) >= 4)
		fam->maxattr = nla_get_u32(tb[CTRL_ATTR_MAXATTR]);
	if (tb[CTRL_ATTR_VERSION] && nla_len(tb[CTRL_ATTR_VERSION]) >= 4)
		fam->version = nla_get_u32(tb[CTRL_ATTR_VERSION]);

	if (tb[CTRL_ATTR_OPS]) {
		nla_for_each_nested(op, tb[CTRL_ATTR_OPS], rem) {
			uint32_t id;

			if (nla_parse_nested(ot, CTRL_ATTR_OP_MAX, op, NULL) < 0 ||
			    !ot[CTRL_ATTR_OP_ID] ||
			    nla_len(ot[CTRL_ATTR_OP_ID]) < 4)
				return -EPROTO;
			id = nla_get_u32(ot[CTRL_ATTR_OP_ID]);
			if (id < 32)
				fam->ops |= 1U << id;
		}
	}
	if (tb[CTRL_ATTR_MCAST_GROUPS]) {
		nla_for_each_nested(grp, tb[CTRL_ATTR_MCAST_GROUPS], rem) {
			if (nla_parse_nested(gt, CTRL_ATTR_MCAST_GRP_MAX, grp,
					     NULL) < 0)
				return -EPROTO;
			if (!gt[CTRL_ATTR_MCAST_GRP_NAME] ||
			    !gt[CTRL_ATTR_MCAST_GRP_ID] ||
			    nla_len(gt[CTRL_ATTR_MCAST_GRP_ID]) < 4)
				continue;
			if (!strncmp(nla_data(gt[CTRL_ATTR_MCAST_GRP_NAME]),
				     M2MV_GENL_MCGRP_EVENTS,
				     (size_t)nla_len(gt[CTRL_ATTR_MCAST_GRP_NAME])))
				fam->events_grp =
					nla_get_u32(gt[CTRL_ATTR_MCAST_GRP_ID]);
		}
	}
	return 0;
}

static int m2mv_family_reply(struct nlmsghdr *nlh, void *arg)
{
	return m2mv__parse_family(nlh, arg);
}

static int m2mv_resolve(struct m2mv_ctl *ctl)
{
	struct m2mv_req r = {
		.type = GENL_ID_CTRL,
		.raw = m2mv_family_reply,
		.arg = &ctl->fam,
	};
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return -ENOMEM;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, GENL_ID_CTRL, 0, 0,
			 CTRL_CMD_GETFAMILY, 1) ||
	    nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, M2MV_GENL_NAME) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return m2mv_run(ctl, msg, &r, -1, NULL, NULL);
}

/* ------------------------------------------------------------ the socket */

static void m2mv_sockopt(struct nl_sock *sk, int opt)
{
	int one = 1;

	/* Older kernels lack these; the messages are a bonus. */
	(void)setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, opt, &one,
			 sizeof(one));
}

int m2mv__nl_open(struct m2mv_ctl *ctl)
{
	int ret;

	ctl->sk = nl_socket_alloc();
	if (!ctl->sk)
		return -ENOMEM;
	ret = genl_connect(ctl->sk);
	if (ret < 0)
		return m2mv__nlerr(ret);
	m2mv_sockopt(ctl->sk, NETLINK_EXT_ACK);
	m2mv_sockopt(ctl->sk, NETLINK_CAP_ACK);
	(void)nl_socket_set_buffer_size(ctl->sk, M2MV_RCVBUF, 0);

	ret = m2mv_resolve(ctl);
	if (ret)
		return ret;
	return ctl->fam.id ? 0 : -ENOENT;
}

void m2mv__nl_close(struct m2mv_ctl *ctl)
{
	nl_socket_free(ctl->sk);
	ctl->sk = NULL;
}
