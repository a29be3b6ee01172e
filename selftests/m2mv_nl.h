/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One synchronous request to the m2mvault generic netlink family, for the
 * selftests: raw libnl, independent of libm2mvault so that the tests check
 * the kernel and not the library. Returns 0 or the kernel's -errno.
 */
#ifndef M2MV_SELFTEST_NL_H
#define M2MV_SELFTEST_NL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <linux/m2mvault.h>

/* Request attributes; NULL strings and has_* false are left out. */
struct mvt_nl_args {
	const char *name;
	bool has_fd;
	int fd;		/* sent as u32, so -1 arrives as 0xffffffff */
	const char *store_key;
	const char *credid;
	const char *prefix;
	bool has_mode;
	uint32_t mode;
	bool has_flags;
	uint32_t flags;
	bool has_grant;		/* OWNER, GROUP and PERM */
	uint32_t owner, group, perm;
	bool has_anchor;	/* ANCHOR_SEQ and ANCHOR_CHAIN */
	uint64_t anchor_seq;
	uint8_t anchor_chain[M2MV_CHAIN_SIZE];
	bool has_rcpt;		/* RECIPIENTS, with nrcpt CREDIDs (may be 0) */
	const char *const *rcpt;
	int nrcpt;
	uint16_t u64_type;	/* if not 0: one more attribute, a u64 ... */
	uint64_t u64;		/* ... of this value (an output-only one, say) */
};

#define MVT_NL_MAX_BAD 8

/* What the reply carried (the last message's values for a repeat). */
struct mvt_nl_reply {
	int err;
	bool done;
	char msg[256];		/* the extended-ack message of an error */
	uint64_t records;
	uint64_t live;
	uint64_t integrity_errors;
	uint64_t truncated;
	uint64_t bytes;
	bool has_anchor;	/* the reply named the durable position */
	uint64_t anchor_seq;
	uint8_t anchor_chain[M2MV_CHAIN_SIZE];
	int nbad;
	char bad[MVT_NL_MAX_BAD][M2MV_PATH_MAX + 1];
	uint32_t reason[MVT_NL_MAX_BAD];
};

static inline void mvt_nl_bad(struct mvt_nl_reply *r, struct nlattr *a)
{
	struct nlattr *nb[M2MV_A_MAX + 1];

	if (r->nbad >= MVT_NL_MAX_BAD ||
	    nla_parse_nested(nb, M2MV_A_MAX, a, NULL) || !nb[M2MV_A_PATH])
		return;
	snprintf(r->bad[r->nbad], sizeof(r->bad[0]), "%.*s",
		 nla_len(nb[M2MV_A_PATH]), (char *)nla_data(nb[M2MV_A_PATH]));
	if (nb[M2MV_A_REASON])
		r->reason[r->nbad] = nla_get_u32(nb[M2MV_A_REASON]);
	r->nbad++;
}

static inline int mvt_nl_valid(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(msg));
	struct mvt_nl_reply *r = arg;
	struct nlattr *a;
	int rem;

	nla_for_each_attr(a, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0),
			  rem) {
		switch (nla_type(a)) {
		case M2MV_A_RECORDS:
			r->records = nla_get_u64(a);
			break;
		case M2MV_A_LIVE:
			r->live = nla_get_u64(a);
			break;
		case M2MV_A_INTEGRITY_ERRORS:
			r->integrity_errors = nla_get_u64(a);
			break;
		case M2MV_A_TRUNCATED:
			r->truncated = nla_get_u64(a);
			break;
		case M2MV_A_FILE_BYTES:
			r->bytes = nla_get_u64(a);
			break;
		case M2MV_A_BAD:
			mvt_nl_bad(r, a);
			break;
		case M2MV_A_ANCHOR_SEQ:
			r->anchor_seq = nla_get_u64(a);
			break;
		case M2MV_A_ANCHOR_CHAIN:
			if (nla_len(a) == M2MV_CHAIN_SIZE) {
				memcpy(r->anchor_chain, nla_data(a),
				       M2MV_CHAIN_SIZE);
				r->has_anchor = true;
			}
			break;
		}
	}
	return NL_OK;
}

/*
 * Copy the extended-ack message of error @e into @buf ("" if none): its
 * attributes follow the echoed request, whole or capped.
 */
static inline void mvt_nl_extack_msg(struct nlmsgerr *e, char *buf,
				     size_t size)
{
	struct nlmsghdr *h = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *a;
	size_t off;
	int rem;

	buf[0] = '\0';
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	off = sizeof(*e);
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (NLMSG_HDRLEN + off > h->nlmsg_len)
		return;
	nla_for_each_attr(a, (struct nlattr *)((char *)e + NLMSG_ALIGN(off)),
			  h->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(off), rem)
		if (nla_type(a) == NLMSGERR_ATTR_MSG)
			snprintf(buf, size, "%.*s", nla_len(a),
				 (char *)nla_data(a));
}

static inline int mvt_nl_err(struct sockaddr_nl *nla, struct nlmsgerr *e,
			     void *arg)
{
	struct mvt_nl_reply *r = arg;

	(void)nla;
	r->err = e->error;
	r->done = true;
	mvt_nl_extack_msg(e, r->msg, sizeof(r->msg));
	return NL_STOP;
}

static inline int mvt_nl_ack(struct nl_msg *msg, void *arg)
{
	(void)msg;
	((struct mvt_nl_reply *)arg)->done = true;
	return NL_STOP;
}

/* RECIPIENTS: a nest of one CREDID per recipient. */
static inline int mvt_nl_fill_rcpt(struct nl_msg *msg,
				   const struct mvt_nl_args *a)
{
	struct nlattr *nest;

	if (!a->has_rcpt)
		return 0;
	/* libnl drops an empty nest: put it by hand. */
	if (!a->nrcpt)
		return nla_put(msg, M2MV_A_RECIPIENTS | NLA_F_NESTED, 0, NULL);
	nest = nla_nest_start(msg, M2MV_A_RECIPIENTS | NLA_F_NESTED);
	if (!nest)
		return -1;
	for (int i = 0; i < a->nrcpt; i++)
		if (nla_put_string(msg, M2MV_A_CREDID, a->rcpt[i]))
			return -1;
	nla_nest_end(msg, nest);
	return 0;
}

static inline int mvt_nl_fill(struct nl_msg *msg,
			      const struct mvt_nl_args *a)
{
	return mvt_nl_fill_rcpt(msg, a) ||
	       (a->name && nla_put_string(msg, M2MV_A_NAME, a->name)) ||
	       (a->has_fd && nla_put_u32(msg, M2MV_A_FD, (uint32_t)a->fd)) ||
	       (a->store_key &&
		nla_put_string(msg, M2MV_A_STORE_KEY, a->store_key)) ||
	       (a->credid && nla_put_string(msg, M2MV_A_CREDID, a->credid)) ||
	       (a->prefix && nla_put_string(msg, M2MV_A_PREFIX, a->prefix)) ||
	       (a->has_mode && nla_put_u32(msg, M2MV_A_MODE, a->mode)) ||
	       (a->has_flags && nla_put_u32(msg, M2MV_A_FLAGS, a->flags)) ||
	       (a->has_grant &&
		(nla_put_u32(msg, M2MV_A_OWNER, a->owner) ||
		 nla_put_u32(msg, M2MV_A_GROUP, a->group) ||
		 nla_put_u32(msg, M2MV_A_PERM, a->perm))) ||
	       (a->has_anchor &&
		(nla_put_u64(msg, M2MV_A_ANCHOR_SEQ, a->anchor_seq) ||
		 nla_put(msg, M2MV_A_ANCHOR_CHAIN, M2MV_CHAIN_SIZE,
			 a->anchor_chain))) ||
	       (a->u64_type && nla_put_u64(msg, a->u64_type, a->u64));
}

/* Send @cmd with @a and wait for its answer; @r (may be NULL) gets it. */
static inline int mvt_nl(uint8_t cmd, const struct mvt_nl_args *a,
			 struct mvt_nl_reply *r)
{
	struct mvt_nl_reply local;
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_msg *msg = NULL;
	int one = 1, fam, ret;

	if (!r)
		r = &local;
	memset(r, 0, sizeof(*r));
	if (!sk)
		return -ENOMEM;
	ret = genl_connect(sk);
	if (ret) {
		ret = -ECONNREFUSED;
		goto out;
	}
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	fam = genl_ctrl_resolve(sk, M2MV_GENL_NAME);
	if (fam < 0) {
		ret = -ENOENT;
		goto out;
	}
	ret = -ENOMEM;
	msg = nlmsg_alloc();
	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, fam, 0, 0,
				 cmd, M2MV_GENL_VERSION) ||
	    mvt_nl_fill(msg, a))
		goto out;
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, mvt_nl_valid, r);
	nl_socket_modify_cb(sk, NL_CB_ACK, NL_CB_CUSTOM, mvt_nl_ack, r);
	nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, mvt_nl_err, r);
	ret = nl_send_auto(sk, msg);
	if (ret < 0) {
		ret = -EIO;
		goto out;
	}
	/* An error reply stops nl_recvmsgs() with an error of its own. */
	ret = 0;
	while (!r->done && !ret)
		ret = nl_recvmsgs_default(sk) < 0 && !r->done ? -EIO : 0;
	if (!ret)
		ret = r->err;
out:
	nlmsg_free(msg);
	nl_socket_free(sk);
	return ret;
}

/* A dump: @fn gets each message's attributes, parsed. */
typedef void (*mvt_nl_msg_fn)(struct nlattr **tb, void *arg);

struct mvt_nl_dump_ctx {
	mvt_nl_msg_fn fn;
	void *arg;
	int err;
	bool done;
};

static inline int mvt_nl_dump_valid(struct nl_msg *msg, void *arg)
{
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[M2MV_A_MAX + 1];
	struct mvt_nl_dump_ctx *d = arg;

	if (!nla_parse(tb, M2MV_A_MAX, genlmsg_attrdata(g, 0),
		       genlmsg_attrlen(g, 0), NULL))
		d->fn(tb, d->arg);
	return NL_OK;
}

static inline int mvt_nl_dump_finish(struct nl_msg *msg, void *arg)
{
	(void)msg;
	((struct mvt_nl_dump_ctx *)arg)->done = true;
	return NL_STOP;
}

static inline int mvt_nl_dump_err(struct sockaddr_nl *nla,
				  struct nlmsgerr *e, void *arg)
{
	struct mvt_nl_dump_ctx *d = arg;

	(void)nla;
	d->err = e->error;
	d->done = true;
	return NL_STOP;
}

/* Run the dump @cmd (STORE_GET, POLICY_GET): 0 or -errno. */
static inline int mvt_nl_dump(uint8_t cmd, mvt_nl_msg_fn fn, void *arg)
{
	struct mvt_nl_dump_ctx d = { .fn = fn, .arg = arg };
	struct nl_sock *sk = nl_socket_alloc();
	int fam, ret;

	if (!sk)
		return -ENOMEM;
	ret = -ECONNREFUSED;
	if (genl_connect(sk))
		goto out;
	ret = -ENOENT;
	fam = genl_ctrl_resolve(sk, M2MV_GENL_NAME);
	if (fam < 0)
		goto out;
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, mvt_nl_dump_valid, &d);
	nl_socket_modify_cb(sk, NL_CB_FINISH, NL_CB_CUSTOM, mvt_nl_dump_finish,
			    &d);
	nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, mvt_nl_dump_err, &d);
	ret = -EIO;
	if (genl_send_simple(sk, fam, cmd, M2MV_GENL_VERSION, NLM_F_DUMP) < 0)
		goto out;
	while (!d.done)
		if (nl_recvmsgs_default(sk) < 0 && !d.done)
			break;
	ret = d.err ? d.err : d.done ? 0 : -EIO;
out:
	nl_socket_free(sk);
	return ret;
}

#endif /* M2MV_SELFTEST_NL_H */
