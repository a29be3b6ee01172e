// SPDX-License-Identifier: GPL-2.0
/*
 * The "m2mvault" generic netlink family: the control plane (attach, detach,
 * status, policies, scrub, compaction) and the "events" multicast group.
 * uapi/linux/m2mvault.h documents every command and attribute.
 *
 * Commands run in the sender's context, so a key named in a command is
 * looked up in the sender's keyrings, as for the ioctls.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/file.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <net/genetlink.h>

#include "control.h"
#include "event.h"
#include "names.h"
#include "netlink.h"
#include "policy.h"
#include "store.h"

enum m2mv_mcgrp {
	M2MV_MCGRP_EVENTS,
};

static const struct genl_multicast_group m2mv_mcgrps[] = {
	/* Events name paths and Credential-IDs: admins only. */
	[M2MV_MCGRP_EVENTS] = { .name = M2MV_GENL_MCGRP_EVENTS,
				.flags = GENL_MCAST_CAP_NET_ADMIN },
};

static struct genl_family m2mv_genl_family;

/* The recipients of a wrap policy: CREDID attributes, one each. */
static const struct nla_policy m2mv_nl_rcpt_policy[M2MV_A_CREDID + 1] = {
	[M2MV_A_CREDID]		= { .type = NLA_NUL_STRING, .len = M2MV_CREDID_MAX },
};

/* Output-only attributes are refused in requests. */
static const struct nla_policy m2mv_nl_policy[M2MV_A_MAX + 1] = {
	[M2MV_A_NAME]		= { .type = NLA_NUL_STRING, .len = M2MV_NAME_MAX - 1 },
	[M2MV_A_FD]		= { .type = NLA_U32 },
	[M2MV_A_STORE_KEY]	= { .type = NLA_NUL_STRING, .len = M2MV_CREDID_MAX },
	[M2MV_A_FLAGS]		= { .type = NLA_U32 },
	[M2MV_A_FILE]		= { .type = NLA_REJECT },
	[M2MV_A_STATE]		= { .type = NLA_REJECT },
	[M2MV_A_RECORDS]	= { .type = NLA_REJECT },
	[M2MV_A_FILE_BYTES]	= { .type = NLA_REJECT },
	[M2MV_A_LIVE]		= { .type = NLA_REJECT },
	[M2MV_A_LIVE_BYTES]	= { .type = NLA_REJECT },
	[M2MV_A_LAST_SEQ]	= { .type = NLA_REJECT },
	[M2MV_A_INTEGRITY_ERRORS] = { .type = NLA_REJECT },
	[M2MV_A_TRUNCATED]	= { .type = NLA_REJECT },
	[M2MV_A_COUNTERS]	= { .type = NLA_REJECT },
	[M2MV_A_PREFIX]		= { .type = NLA_NUL_STRING, .len = M2MV_PATH_MAX },
	[M2MV_A_CREDID]		= { .type = NLA_NUL_STRING, .len = M2MV_CREDID_MAX },
	[M2MV_A_MODE]		= NLA_POLICY_RANGE(NLA_U32, M2MV_MODE_WRAP,
						   M2MV_MODE_MIC),
	[M2MV_A_BAD]		= { .type = NLA_REJECT },
	[M2MV_A_EVENT]		= { .type = NLA_REJECT },
	[M2MV_A_PATH]		= { .type = NLA_REJECT },
	[M2MV_A_SEQ]		= { .type = NLA_REJECT },
	[M2MV_A_REASON]		= { .type = NLA_REJECT },
	[M2MV_A_DONE]		= { .type = NLA_REJECT },
	[M2MV_A_TOTAL]		= { .type = NLA_REJECT },
	[M2MV_A_PAD]		= { .type = NLA_REJECT },
	[M2MV_A_OWNER]		= { .type = NLA_U32 },
	[M2MV_A_GROUP]		= { .type = NLA_U32 },
	[M2MV_A_PERM]		= NLA_POLICY_MAX(NLA_U32, 0777),
	[M2MV_A_ANCHOR_SEQ]	= { .type = NLA_U64 },
	[M2MV_A_ANCHOR_CHAIN]	= NLA_POLICY_EXACT_LEN(M2MV_CHAIN_SIZE),
	[M2MV_A_RECIPIENTS]	= NLA_POLICY_NESTED(m2mv_nl_rcpt_policy),
	[M2MV_A_RECOVERY]	= { .type = NLA_REJECT },
};

static int m2mv_nl_name(struct genl_info *info, const char **name)
{
	if (GENL_REQ_ATTR_CHECK(info, M2MV_A_NAME))
		return -EINVAL;
	*name = nla_data(info->attrs[M2MV_A_NAME]);
	if (m2mv_name_check(*name)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[M2MV_A_NAME],
				    "store name must be 1-31 of [A-Za-z0-9._-]");
		return -EINVAL;
	}
	return 0;
}

/* Why an attach failed, for the sender (NL_SET_ERR_MSG wants literals). */
static void m2mv_nl_attach_err(struct netlink_ext_ack *extack, int err,
			       const char *why)
{
	/* @why is a string constant of the store: it outlives the reply. */
	if (why && extack) {
		extack->_msg = why;
		return;
	}
	switch (err) {
	case -EEXIST:
		NL_SET_ERR_MSG(extack, "a store of that name is already attached");
		break;
	case -EBUSY:
		NL_SET_ERR_MSG(extack, "the file is in use by another store");
		break;
	case -EBADF:
		NL_SET_ERR_MSG(extack, "fd is not open with the access the store needs");
		break;
	case -EINVAL:
		NL_SET_ERR_MSG(extack, "not a regular file");
		break;
	case -EBADMSG:
		NL_SET_ERR_MSG(extack, "not a m2mvault store (superblock magic, version or CRC)");
		break;
	case -EKEYREJECTED:
		NL_SET_ERR_MSG(extack, "the store key is not this store's, or not a type-16 key");
		break;
	case -ENOKEY:
		NL_SET_ERR_MSG(extack, "the store key is not in the caller's keyrings");
		break;
	case -EKEYREVOKED:
		NL_SET_ERR_MSG(extack, "the store key is revoked");
		break;
	case -EKEYEXPIRED:
		NL_SET_ERR_MSG(extack, "the store key has expired");
		break;
	case -ENOSPC:
		NL_SET_ERR_MSG(extack, "no space left on the file system to format the file");
		break;
	case -ESTALE:
		NL_SET_ERR_MSG(extack, "the log does not hold the freshness anchor's record");
		break;
	default:
		NL_SET_ERR_MSG(extack, "attach failed");
		break;
	}
}

/* Why a compaction failed, for the sender. */
static void m2mv_nl_compact_err(struct netlink_ext_ack *extack, int err)
{
	switch (err) {
	case -ENOENT:
		NL_SET_ERR_MSG(extack, "no store of that name is attached");
		break;
	case -EBADF:
		NL_SET_ERR_MSG(extack, "fd is not open read-write");
		break;
	case -EINVAL:
		NL_SET_ERR_MSG(extack, "the new file must be an empty regular file");
		break;
	case -EBUSY:
		NL_SET_ERR_MSG(extack, "the new file is a store's or being compacted into");
		break;
	case -EROFS:
		NL_SET_ERR_MSG(extack, "the store is attached read-only");
		break;
	case -ENOKEY:
		NL_SET_ERR_MSG(extack, "a key re-sealing needs is not in the caller's keyrings");
		break;
	case -EBADMSG:
		NL_SET_ERR_MSG(extack, "a live record or the superblock is damaged");
		break;
	case -ENOSPC:
		NL_SET_ERR_MSG(extack, "no space left on the new file's file system");
		break;
	case -E2BIG:
		NL_SET_ERR_MSG(extack, "a live record names 8 recipients: no room for recovery");
		break;
	default:
		NL_SET_ERR_MSG(extack, "compaction failed");
		break;
	}
}

/* Why binding the key of the credential in @a failed, for the sender. */
static void m2mv_nl_key_err_at(struct genl_info *info, struct nlattr *a,
			       int err)
{
	switch (err) {
	case -ENOKEY:
		NL_SET_ERR_MSG_ATTR(info->extack, a,
				    "the sender does not possess the credential's key");
		break;
	case -EKEYREVOKED:
		NL_SET_ERR_MSG_ATTR(info->extack, a, "the credential's key is revoked");
		break;
	case -EKEYEXPIRED:
		NL_SET_ERR_MSG_ATTR(info->extack, a, "the credential's key has expired");
		break;
	case -EKEYREJECTED:
		NL_SET_ERR_MSG_ATTR(info->extack, a,
				    "another key is bound to this Credential-ID in the store");
		break;
	}
}

static void m2mv_nl_key_err(struct genl_info *info, int err)
{
	m2mv_nl_key_err_at(info, info->attrs[M2MV_A_CREDID], err);
}

/* The netlink attribute of each of a store's counters. */
static u16 m2mv_nl_ctr_attr(int counter)
{
	switch (counter) {
	case M2MV_STORE_CNT_PUTS:
		return M2MV_CTR_PUTS;
	case M2MV_STORE_CNT_GETS:
		return M2MV_CTR_GETS;
	case M2MV_STORE_CNT_DELETES:
		return M2MV_CTR_DELETES;
	case M2MV_STORE_CNT_INTEGRITY:
		return M2MV_CTR_INTEGRITY_FAILURES;
	case M2MV_STORE_CNT_ACCESS_REFUSALS:
		return M2MV_CTR_ACCESS_REFUSALS;
	default:
		return M2MV_CTR_KEY_REFUSALS;
	}
}

/*
 * The grant STORE_ATTACH asks for: OWNER, GROUP and PERM, each optional
 * (root of the sender's user namespace, its root group, 0600).
 */
static int m2mv_nl_grant(struct genl_info *info, struct m2mv_store_grant *g)
{
	struct user_namespace *ns = current_user_ns();
	struct nlattr **a = info->attrs;

	g->owner = make_kuid(ns, a[M2MV_A_OWNER] ?
				 nla_get_u32(a[M2MV_A_OWNER]) : 0);
	g->group = make_kgid(ns, a[M2MV_A_GROUP] ?
				 nla_get_u32(a[M2MV_A_GROUP]) : 0);
	g->perm = a[M2MV_A_PERM] ? nla_get_u32(a[M2MV_A_PERM]) : 0600;
	if (!uid_valid(g->owner)) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[M2MV_A_OWNER],
				    "owner has no mapping in this user namespace");
		return -EINVAL;
	}
	if (!gid_valid(g->group)) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[M2MV_A_GROUP],
				    "group has no mapping in this user namespace");
		return -EINVAL;
	}
	return 0;
}

static u32 m2mv_nl_flags(struct genl_info *info)
{
	return info->attrs[M2MV_A_FLAGS] ?
		nla_get_u32(info->attrs[M2MV_A_FLAGS]) : 0;
}

static struct sk_buff *m2mv_nl_reply(struct genl_info *info, u8 cmd,
				     void **hdr)
{
	struct sk_buff *skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);

	if (!skb)
		return NULL;
	*hdr = genlmsg_put_reply(skb, info, &m2mv_genl_family, 0, cmd);
	if (!*hdr) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

/* ---------------------------------------------------------- attach/detach */

static int m2mv_nl_attach(struct sk_buff *skb, struct genl_info *info)
{
	struct m2mv_attach_report rep = {};
	struct m2mv_anchor want, *anchor = NULL;
	struct m2mv_store_grant grant;
	const char *name, *credid;
	struct sk_buff *msg;
	u32 flags;
	void *hdr;
	int ret;

	ret = m2mv_nl_name(info, &name);
	if (ret)
		return ret;
	if (GENL_REQ_ATTR_CHECK(info, M2MV_A_FD) ||
	    GENL_REQ_ATTR_CHECK(info, M2MV_A_STORE_KEY))
		return -EINVAL;
	flags = m2mv_nl_flags(info);
	if (flags & ~__M2MV_ATTACH_F_ALL) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[M2MV_A_FLAGS],
				    "unknown attach flags");
		return -EOPNOTSUPP;
	}
	if ((flags & M2MV_ATTACH_F_CREATE) && (flags & M2MV_ATTACH_F_RDONLY)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[M2MV_A_FLAGS],
				    "a new store cannot be attached read-only");
		return -EINVAL;
	}
	credid = nla_data(info->attrs[M2MV_A_STORE_KEY]);
	if (m2mv_credid_check(credid)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[M2MV_A_STORE_KEY],
				    "malformed Credential-ID");
		return -EINVAL;
	}

	ret = m2mv_nl_grant(info, &grant);
	if (ret)
		return ret;
	if (!info->attrs[M2MV_A_ANCHOR_SEQ] != !info->attrs[M2MV_A_ANCHOR_CHAIN]) {
		NL_SET_ERR_MSG(info->extack,
			       "ANCHOR_SEQ and ANCHOR_CHAIN come together");
		return -EINVAL;
	}
	if (info->attrs[M2MV_A_ANCHOR_SEQ]) {
		want.seq = nla_get_u64(info->attrs[M2MV_A_ANCHOR_SEQ]);
		nla_memcpy(want.chain, info->attrs[M2MV_A_ANCHOR_CHAIN],
			   sizeof(want.chain));
		anchor = &want;
	}

	ret = m2mv_ctl_attach(name, nla_get_u32(info->attrs[M2MV_A_FD]),
			      credid, flags, &grant, anchor, &rep);
	if (ret) {
		m2mv_nl_attach_err(info->extack, ret, rep.why);
		return ret;
	}

	msg = m2mv_nl_reply(info, M2MV_CMD_STORE_ATTACH, &hdr);
	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, M2MV_A_NAME, name) ||
	    nla_put_u64_64bit(msg, M2MV_A_RECORDS, rep.records, M2MV_A_PAD) ||
	    nla_put_u64_64bit(msg, M2MV_A_LIVE, rep.live, M2MV_A_PAD) ||
	    nla_put_u64_64bit(msg, M2MV_A_INTEGRITY_ERRORS,
			      rep.integrity_errors, M2MV_A_PAD) ||
	    nla_put_u64_64bit(msg, M2MV_A_TRUNCATED, rep.truncated,
			      M2MV_A_PAD) ||
	    nla_put_u64_64bit(msg, M2MV_A_ANCHOR_SEQ, rep.anchor.seq,
			      M2MV_A_PAD) ||
	    nla_put(msg, M2MV_A_ANCHOR_CHAIN, M2MV_CHAIN_SIZE,
		    rep.anchor.chain)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	m2mv_event_store(M2MV_EVENT_ATTACHED, name);
	return genlmsg_reply(msg, info);
}

static int m2mv_nl_detach(struct sk_buff *skb, struct genl_info *info)
{
	const char *name;
	int ret;

	ret = m2mv_nl_name(info, &name);
	if (ret)
		return ret;
	ret = m2mv_ctl_detach(name);
	if (ret == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[M2MV_A_NAME],
				    "no store of that name is attached");
	if (!ret)
		m2mv_event_store(M2MV_EVENT_DETACHED, name);
	return ret;
}

/* ------------------------------------------------------------ store dump */

static int m2mv_nl_put_store(struct sk_buff *skb, struct m2mv_store *s,
			     struct netlink_callback *cb)
{
	struct m2mv_store_status st;
	struct nlattr *ctrs;
	char *buf, *path;
	void *hdr;
	u32 state;
	int i;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &m2mv_genl_family, NLM_F_MULTI, M2MV_CMD_STORE_GET);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);

	m2mv_store_status(s, &st);
	if (st.flags & M2MV_ATTACH_F_RDONLY)
		state = M2MV_STATE_READONLY;
	else if (st.failed || st.counters[M2MV_STORE_CNT_INTEGRITY])
		state = M2MV_STATE_DEGRADED;
	else
		state = M2MV_STATE_OK;

	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	path = buf ? m2mv_store_file_path(s, buf, PATH_MAX) : ERR_PTR(-ENOMEM);
	if (IS_ERR(path))
		path = "";

	if (nla_put_string(skb, M2MV_A_NAME, m2mv_store_name(s)) ||
	    nla_put_string(skb, M2MV_A_FILE, path) ||
	    nla_put_u32(skb, M2MV_A_STATE, state) ||
	    nla_put_u32(skb, M2MV_A_FLAGS, st.flags) ||
	    nla_put_u64_64bit(skb, M2MV_A_RECORDS, st.records, M2MV_A_PAD) ||
	    nla_put_u64_64bit(skb, M2MV_A_FILE_BYTES, st.size, M2MV_A_PAD) ||
	    nla_put_u64_64bit(skb, M2MV_A_LIVE, st.live, M2MV_A_PAD) ||
	    nla_put_u64_64bit(skb, M2MV_A_LIVE_BYTES, st.live_bytes,
			      M2MV_A_PAD) ||
	    nla_put_u64_64bit(skb, M2MV_A_LAST_SEQ, st.seq, M2MV_A_PAD) ||
	    nla_put_u32(skb, M2MV_A_OWNER,
			from_kuid_munged(current_user_ns(), st.grant.owner)) ||
	    nla_put_u32(skb, M2MV_A_GROUP,
			from_kgid_munged(current_user_ns(), st.grant.group)) ||
	    nla_put_u32(skb, M2MV_A_PERM, st.grant.perm) ||
	    nla_put_u64_64bit(skb, M2MV_A_ANCHOR_SEQ, st.anchor.seq,
			      M2MV_A_PAD) ||
	    nla_put(skb, M2MV_A_ANCHOR_CHAIN, M2MV_CHAIN_SIZE, st.anchor.chain))
		goto err;
	/* @buf (PATH_MAX bytes) takes the recovery Credential-ID now. */
	if (buf && !m2mv_store_recovery_get(s, buf, NULL) &&
	    nla_put_string(skb, M2MV_A_RECOVERY, buf))
		goto err;
	kfree(buf);
	buf = NULL;

	ctrs = nla_nest_start(skb, M2MV_A_COUNTERS);
	if (!ctrs)
		goto err;
	for (i = 0; i < __M2MV_STORE_CNT_MAX; i++)
		if (nla_put_u64_64bit(skb, m2mv_nl_ctr_attr(i), st.counters[i],
				      M2MV_CTR_PAD))
			goto err;
	nla_nest_end(skb, ctrs);
	genlmsg_end(skb, hdr);
	return 0;
err:
	kfree(buf);
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int m2mv_nl_store_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	unsigned long idx = cb->args[0];
	struct m2mv_store *s;
	u64 gen;
	int ret = 0;

	for (;;) {
		s = m2mv_store_get_nth(idx, &gen);
		cb->seq = gen;
		if (!s)
			break;
		ret = m2mv_nl_put_store(skb, s, cb);
		m2mv_store_put(s);
		if (ret)
			break;
		idx++;
	}
	cb->args[0] = idx;
	/* A full skb ends this part of the dump; the next call resumes. */
	if (ret == -EMSGSIZE && skb->len)
		return skb->len;
	return ret ? ret : skb->len;
}

/* --------------------------------------------------------------- policies */

static int m2mv_nl_prefix(struct genl_info *info, const char **prefix,
			  u16 *len)
{
	size_t n;

	if (GENL_REQ_ATTR_CHECK(info, M2MV_A_PREFIX))
		return -EINVAL;
	*prefix = nla_data(info->attrs[M2MV_A_PREFIX]);
	n = strnlen(*prefix, M2MV_PATH_MAX + 1);
	if (!m2mv_prefix_ok(*prefix, n)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[M2MV_A_PREFIX],
				    "prefix must be [A-Za-z0-9._~/-], at most 512 bytes");
		return -EINVAL;
	}
	*len = n;
	return 0;
}

/*
 * The recipients of POLICY_SET beyond CREDID into @more (n 0 without
 * RECIPIENTS): wrap only, at most M2MV_RECIPIENTS_MAX - 1 CREDID
 * attributes, each a type-15 Credential-ID, all distinct and not CREDID.
 */
static int m2mv_nl_rcpt(struct genl_info *info, const char *credid, u32 mode,
			struct m2mv_kids *more)
{
	struct nlattr *nest = info->attrs[M2MV_A_RECIPIENTS];
	struct nlattr *a;
	unsigned int type, i;
	const char *kid;
	int rem;

	more->n = 0;
	if (!nest)
		return 0;
	if (mode != M2MV_MODE_WRAP) {
		NL_SET_ERR_MSG_ATTR(info->extack, nest,
				    "recipients are for wrap mode only");
		return -EINVAL;
	}
	nla_for_each_nested(a, nest, rem) {
		if (nla_type(a) != M2MV_A_CREDID) {
			NL_SET_ERR_MSG_ATTR(info->extack, a,
					    "RECIPIENTS holds CREDID attributes only");
			return -EINVAL;
		}
		if (more->n == M2MV_RECIPIENTS_MAX - 1) {
			NL_SET_ERR_MSG_ATTR(info->extack, a,
					    "at most 7 recipients beyond CREDID");
			return -EINVAL;
		}
		kid = nla_data(a);
		if (m2mv_credid_parse(kid, strnlen(kid, M2MV_CREDID_MAX + 1),
				      &type) ||
		    type != M2MV_CRED_TYPE_ESDATA_WRAP) {
			NL_SET_ERR_MSG_ATTR(info->extack, a,
					    "a recipient must be a type-15 Credential-ID");
			return -EINVAL;
		}
		for (i = 0; i < more->n; i++)
			if (!strcmp(more->kid[i], kid))
				break;
		if (i < more->n || !strcmp(kid, credid)) {
			NL_SET_ERR_MSG_ATTR(info->extack, a,
					    "recipients must be distinct and differ from CREDID");
			return -EINVAL;
		}
		strscpy(more->kid[more->n], kid, sizeof(more->kid[0]));
		more->n++;
	}
	if (!more->n) {
		NL_SET_ERR_MSG_ATTR(info->extack, nest,
				    "RECIPIENTS names no credential");
		return -EINVAL;
	}
	return 0;
}

/* The attribute of recipient @which of POLICY_SET, or CREDID for -1. */
static struct nlattr *m2mv_nl_rcpt_attr(struct genl_info *info, int which)
{
	struct nlattr *a;
	int rem;

	if (which < 0 || !info->attrs[M2MV_A_RECIPIENTS])
		return info->attrs[M2MV_A_CREDID];
	nla_for_each_nested(a, info->attrs[M2MV_A_RECIPIENTS], rem)
		if (!which--)
			return a;
	return info->attrs[M2MV_A_RECIPIENTS];
}

static int m2mv_nl_policy_set(struct sk_buff *skb, struct genl_info *info)
{
	const char *name, *prefix, *credid;
	struct m2mv_kids *more;
	u32 flags, mode;
	int which;
	u16 len;
	int ret;

	ret = m2mv_nl_name(info, &name);
	if (!ret)
		ret = m2mv_nl_prefix(info, &prefix, &len);
	if (ret)
		return ret;
	if (GENL_REQ_ATTR_CHECK(info, M2MV_A_CREDID) ||
	    GENL_REQ_ATTR_CHECK(info, M2MV_A_MODE))
		return -EINVAL;
	flags = m2mv_nl_flags(info);
	if (flags & ~__M2MV_POLICY_F_ALL) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[M2MV_A_FLAGS],
				    "unknown policy flags");
		return -EOPNOTSUPP;
	}
	credid = nla_data(info->attrs[M2MV_A_CREDID]);
	mode = nla_get_u32(info->attrs[M2MV_A_MODE]);
	if ((flags & M2MV_POLICY_F_INSTANCE) &&
	    (mode != M2MV_MODE_DIR || (flags & M2MV_POLICY_F_TS0003))) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[M2MV_A_FLAGS],
				    "per-instance keys are for dir mode in the seed profile only");
		return -EINVAL;
	}
	more = kmalloc(sizeof(*more), GFP_KERNEL);
	if (!more)
		return -ENOMEM;
	ret = m2mv_nl_rcpt(info, credid, mode, more);
	if (ret)
		goto out;

	ret = m2mv_ctl_policy_set(name, prefix, len, credid, mode, flags,
				  more, &which);
	if (ret == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[M2MV_A_NAME],
				    "no store of that name is attached");
	else if (ret == -EINVAL && which >= 0)
		NL_SET_ERR_MSG_ATTR(info->extack, m2mv_nl_rcpt_attr(info, which),
				    "recipient's Credential-ID malformed or not of type 15");
	else if (ret == -EINVAL)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[M2MV_A_CREDID],
				    "Credential-ID malformed or its type does not fit the mode (wrap 15, dir 14, mic 16)");
	else if (ret == -EKEYREJECTED && more->n)
		NL_SET_ERR_MSG(info->extack,
			       "another key is bound to CREDID or a recipient in the store");
	else if (ret == -E2BIG)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[M2MV_A_RECIPIENTS],
				    "the store's recovery credential takes a recipient's place: at most 7 recipients");
	else
		m2mv_nl_key_err_at(info, m2mv_nl_rcpt_attr(info, which), ret);
out:
	kfree(more);
	return ret;
}

static int m2mv_nl_policy_del(struct sk_buff *skb, struct genl_info *info)
{
	const char *name, *prefix;
	u16 len;
	int ret;

	ret = m2mv_nl_name(info, &name);
	if (!ret)
		ret = m2mv_nl_prefix(info, &prefix, &len);
	if (ret)
		return ret;
	ret = m2mv_ctl_policy_del(name, prefix, len);
	if (ret == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[M2MV_A_PREFIX],
				    "no policy for that prefix in an attached store of that name");
	return ret;
}

static int m2mv_nl_key_bind(struct sk_buff *skb, struct genl_info *info)
{
	const char *name, *credid;
	int ret;

	ret = m2mv_nl_name(info, &name);
	if (ret)
		return ret;
	if (GENL_REQ_ATTR_CHECK(info, M2MV_A_CREDID))
		return -EINVAL;
	credid = nla_data(info->attrs[M2MV_A_CREDID]);
	if (m2mv_credid_check(credid)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[M2MV_A_CREDID],
				    "malformed Credential-ID");
		return -EINVAL;
	}
	ret = m2mv_ctl_key_bind(name, credid);
	if (ret == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[M2MV_A_NAME],
				    "no store of that name is attached");
	else
		m2mv_nl_key_err(info, ret);
	return ret;
}

static int m2mv_nl_recovery(struct sk_buff *skb, struct genl_info *info)
{
	const char *name, *credid = NULL;
	int ret;

	ret = m2mv_nl_name(info, &name);
	if (ret)
		return ret;
	if (info->attrs[M2MV_A_CREDID]) {
		credid = nla_data(info->attrs[M2MV_A_CREDID]);
		if (m2mv_credid_check(credid)) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[M2MV_A_CREDID],
					    "malformed Credential-ID");
			return -EINVAL;
		}
	}
	ret = m2mv_ctl_recovery(name, credid);
	switch (ret) {
	case -ENOENT:
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[M2MV_A_NAME],
				    "no store of that name is attached");
		break;
	case -EINVAL:
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[M2MV_A_CREDID],
				    "a recovery credential is of type 15");
		break;
	case -E2BIG:
		NL_SET_ERR_MSG(info->extack,
			       "a wrap policy names 8 recipients: none is left for the recovery credential");
		break;
	case -EROFS:
		NL_SET_ERR_MSG(info->extack, "the store is attached read-only");
		break;
	default:
		m2mv_nl_key_err(info, ret);
	}
	return ret;
}

struct m2mv_policy_dump_ctx {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	const char *store;
};

static int m2mv_nl_put_policy(void *data, const struct m2mv_policy_info *p)
{
	struct m2mv_policy_dump_ctx *c = data;
	struct nlattr *nest;
	unsigned int i;
	void *hdr;

	hdr = genlmsg_put(c->skb, NETLINK_CB(c->cb->skb).portid,
			  c->cb->nlh->nlmsg_seq, &m2mv_genl_family, NLM_F_MULTI,
			  M2MV_CMD_POLICY_GET);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(c->cb, hdr);
	if (nla_put_string(c->skb, M2MV_A_NAME, c->store) ||
	    nla_put(c->skb, M2MV_A_PREFIX, p->prefix_len, p->prefix) ||
	    nla_put_string(c->skb, M2MV_A_CREDID, p->credid) ||
	    nla_put_u32(c->skb, M2MV_A_MODE, p->mode) ||
	    nla_put_u32(c->skb, M2MV_A_FLAGS,
			(p->instance ? M2MV_POLICY_F_INSTANCE : 0) |
			(p->ts0003 ? M2MV_POLICY_F_TS0003 : 0)))
		goto cancel;
	if (p->more->n) {
		nest = nla_nest_start(c->skb, M2MV_A_RECIPIENTS);
		if (!nest)
			goto cancel;
		for (i = 0; i < p->more->n; i++)
			if (nla_put_string(c->skb, M2MV_A_CREDID,
					   p->more->kid[i]))
				goto cancel;
		nla_nest_end(c->skb, nest);
	}
	genlmsg_end(c->skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(c->skb, hdr);
	return -EMSGSIZE;
}

/*
 * Every policy of every attached store: args[0] is the store's position,
 * args[1] the policy's within the store. Any attach, detach or policy
 * change moves the sequence, so a dump that spans one is flagged.
 */
static int m2mv_nl_policy_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct m2mv_policy_dump_ctx c = { .skb = skb, .cb = cb };
	unsigned long idx = cb->args[0], pidx = cb->args[1];
	struct m2mv_store *s;
	u64 gen;
	int ret = 0;

	for (;;) {
		s = m2mv_store_get_nth(idx, &gen);
		cb->seq = gen + m2mv_policies_gen();
		if (!s)
			break;
		c.store = m2mv_store_name(s);
		ret = m2mv_policy_walk(m2mv_store_policies(s), &pidx,
				       m2mv_nl_put_policy, &c);
		m2mv_store_put(s);
		if (ret)
			break;
		idx++;
		pidx = 0;
	}
	cb->args[0] = idx;
	cb->args[1] = pidx;
	if (ret == -EMSGSIZE && skb->len)
		return skb->len;
	return ret ? ret : skb->len;
}

/* ------------------------------------------------------- verify, compact */

struct m2mv_verify_ctx {
	struct sk_buff *msg;
	const char *name;
	u64 bad;
	bool full;
};

static int m2mv_nl_verify_bad(void *data, const char *path, u16 len, u64 seq,
			      int reason)
{
	struct m2mv_verify_ctx *c = data;
	struct nlattr *nest;

	if (c->full || c->bad >= M2MV_VERIFY_BAD_MAX)
		return 0;
	nest = nla_nest_start(c->msg, M2MV_A_BAD);
	if (!nest ||
	    nla_put(c->msg, M2MV_A_PATH, len, path) ||
	    nla_put_u64_64bit(c->msg, M2MV_A_SEQ, seq, M2MV_A_PAD) ||
	    nla_put_u32(c->msg, M2MV_A_REASON, -reason)) {
		if (nest)
			nla_nest_cancel(c->msg, nest);
		c->full = true;
		return 0;
	}
	nla_nest_end(c->msg, nest);
	c->bad++;
	return 0;
}

static void m2mv_nl_verify_progress(void *data, u64 done, u64 total)
{
	struct m2mv_verify_ctx *c = data;

	m2mv_event_progress(M2MV_EVENT_SCRUB_PROGRESS, c->name, done, total);
}

static int m2mv_nl_verify(struct sk_buff *skb, struct genl_info *info)
{
	struct m2mv_verify_ctx c = {};
	struct m2mv_verify_report rep = {};
	const char *name;
	void *hdr;
	int ret;

	ret = m2mv_nl_name(info, &name);
	if (ret)
		return ret;
	/* Room for the report and up to M2MV_VERIFY_BAD_MAX bad records. */
	c.msg = genlmsg_new(64 * 1024, GFP_KERNEL);
	c.name = name;
	if (!c.msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(c.msg, info, &m2mv_genl_family, 0,
				M2MV_CMD_STORE_VERIFY);
	ret = -ENOMEM;
	if (!hdr)
		goto err;
	ret = m2mv_ctl_verify(name, m2mv_nl_verify_progress, m2mv_nl_verify_bad,
			      &c, &rep);
	if (ret == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[M2MV_A_NAME],
				    "no store of that name is attached");
	if (ret)
		goto err;
	ret = -EMSGSIZE;
	if (nla_put_string(c.msg, M2MV_A_NAME, name) ||
	    nla_put_u64_64bit(c.msg, M2MV_A_RECORDS, rep.records, M2MV_A_PAD) ||
	    nla_put_u64_64bit(c.msg, M2MV_A_INTEGRITY_ERRORS,
			      rep.integrity_errors, M2MV_A_PAD))
		goto err;
	genlmsg_end(c.msg, hdr);
	m2mv_event_counts(M2MV_EVENT_SCRUB_DONE, name, M2MV_A_INTEGRITY_ERRORS,
			  rep.records, rep.integrity_errors);
	return genlmsg_reply(c.msg, info);
err:
	nlmsg_free(c.msg);
	return ret;
}

static void m2mv_nl_compact_progress(void *data, u64 done, u64 total)
{
	m2mv_event_progress(M2MV_EVENT_COMPACT_PROGRESS, data, done, total);
}

static int m2mv_nl_compact(struct sk_buff *skb, struct genl_info *info)
{
	struct m2mv_compact_report rep = {};
	const char *name, *credid = NULL;
	struct sk_buff *msg;
	u32 flags = 0;
	void *hdr;
	int ret;

	ret = m2mv_nl_name(info, &name);
	if (ret)
		return ret;
	if (GENL_REQ_ATTR_CHECK(info, M2MV_A_FD))
		return -EINVAL;
	if (info->attrs[M2MV_A_FLAGS])
		flags = nla_get_u32(info->attrs[M2MV_A_FLAGS]);
	if (flags & ~__M2MV_COMPACT_F_ALL) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[M2MV_A_FLAGS],
				    "unknown compaction flags");
		return -EOPNOTSUPP;
	}
	if ((flags & M2MV_COMPACT_F_RECOVERY) && info->attrs[M2MV_A_CREDID]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[M2MV_A_CREDID],
				    "rotation and the recovery compaction are separate runs");
		return -EINVAL;
	}
	if (info->attrs[M2MV_A_CREDID]) {
		credid = nla_data(info->attrs[M2MV_A_CREDID]);
		if (m2mv_credid_check(credid)) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[M2MV_A_CREDID],
					    "malformed Credential-ID");
			return -EINVAL;
		}
	}
	ret = m2mv_ctl_compact(name, nla_get_u32(info->attrs[M2MV_A_FD]),
			       credid, flags, m2mv_nl_compact_progress,
			       (void *)name, &rep);
	if (ret) {
		m2mv_nl_compact_err(info->extack, ret);
		return ret;
	}
	msg = m2mv_nl_reply(info, M2MV_CMD_STORE_COMPACT, &hdr);
	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, M2MV_A_NAME, name) ||
	    nla_put_u64_64bit(msg, M2MV_A_RECORDS, rep.records, M2MV_A_PAD) ||
	    nla_put_u64_64bit(msg, M2MV_A_FILE_BYTES, rep.bytes, M2MV_A_PAD)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	m2mv_event_counts(M2MV_EVENT_COMPACTED, name, M2MV_A_FILE_BYTES,
			  rep.records, rep.bytes);
	return genlmsg_reply(msg, info);
}

/* ------------------------------------------------------------------ family */

static const struct genl_ops m2mv_genl_ops[] = {
	{
		.cmd = M2MV_CMD_STORE_ATTACH,
		.doit = m2mv_nl_attach,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = M2MV_CMD_STORE_DETACH,
		.doit = m2mv_nl_detach,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = M2MV_CMD_STORE_GET,
		.dumpit = m2mv_nl_store_dump,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = M2MV_CMD_POLICY_SET,
		.doit = m2mv_nl_policy_set,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = M2MV_CMD_POLICY_DEL,
		.doit = m2mv_nl_policy_del,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = M2MV_CMD_POLICY_GET,
		.dumpit = m2mv_nl_policy_dump,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = M2MV_CMD_STORE_VERIFY,
		.doit = m2mv_nl_verify,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = M2MV_CMD_STORE_COMPACT,
		.doit = m2mv_nl_compact,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = M2MV_CMD_KEY_BIND,
		.doit = m2mv_nl_key_bind,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = M2MV_CMD_STORE_RECOVERY,
		.doit = m2mv_nl_recovery,
		.flags = GENL_ADMIN_PERM,
	},
};

static struct genl_family m2mv_genl_family __ro_after_init = {
	.name		= M2MV_GENL_NAME,
	.version	= M2MV_GENL_VERSION,
	.maxattr	= M2MV_A_MAX,
	.policy		= m2mv_nl_policy,
	.module		= THIS_MODULE,
	.ops		= m2mv_genl_ops,
	.n_ops		= ARRAY_SIZE(m2mv_genl_ops),
	.mcgrps		= m2mv_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(m2mv_mcgrps),
};

int __init m2mv_netlink_init(void)
{
	int ret = genl_register_family(&m2mv_genl_family);

	if (!ret)
		m2mv_event_bind(&m2mv_genl_family, M2MV_MCGRP_EVENTS);
	return ret;
}

void m2mv_netlink_exit(void)
{
	m2mv_event_bind(NULL, 0);
	genl_unregister_family(&m2mv_genl_family);
}
