// SPDX-License-Identifier: GPL-2.0
/*
 * Attach (with the store's grant), detach, key bindings and policies over
 * the generic netlink family.
 */
#include <errno.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "lib/internal.h"

/* ---------------------------------------------------------------- attach */

static int m2mv_attach_reply(struct nlmsghdr *nlh, struct nlattr **tb,
			     void *arg)
{
	struct m2mv_attach_info *info = arg;

	(void)nlh;
	if (!info)
		return 0;
	if (tb[M2MV_A_RECORDS])
		info->records = nla_get_u64(tb[M2MV_A_RECORDS]);
	if (tb[M2MV_A_LIVE])
		info->live = nla_get_u64(tb[M2MV_A_LIVE]);
	if (tb[M2MV_A_INTEGRITY_ERRORS])
		info->integrity_errors =
			nla_get_u64(tb[M2MV_A_INTEGRITY_ERRORS]);
	if (tb[M2MV_A_TRUNCATED])
		info->truncated = nla_get_u64(tb[M2MV_A_TRUNCATED]);
	return 0;
}

#define M2MV_ACCESS_ALL (M2MV_ACCESS_OWNER | M2MV_ACCESS_GROUP | M2MV_ACCESS_PERM)

struct nl_msg *m2mv__attach_msg(struct m2mv_ctl *ctl, const char *store,
				int fd, const char *credid,
				unsigned int flags,
				const struct m2mv_attach_access *acc)
{
	return m2mv__attach_msg_anchored(ctl, store, fd, credid, flags, acc,
					 NULL);
}

struct nl_msg *m2mv__attach_msg_anchored(struct m2mv_ctl *ctl,
					 const char *store, int fd,
					 const char *credid,
					 unsigned int flags,
					 const struct m2mv_attach_access *acc,
					 const struct m2mv_anchor *anchor)
{
	unsigned int set = acc ? acc->set : 0;
	struct nl_msg *msg;

	msg = m2mv__msg(ctl, M2MV_CMD_STORE_ATTACH, 0);
	if (!msg)
		return NULL;
	if (nla_put_string(msg, M2MV_A_NAME, store) < 0 ||
	    nla_put_u32(msg, M2MV_A_FD, (uint32_t)fd) < 0 ||
	    nla_put_string(msg, M2MV_A_STORE_KEY, credid) < 0 ||
	    (flags && nla_put_u32(msg, M2MV_A_FLAGS, flags) < 0) ||
	    ((set & M2MV_ACCESS_OWNER) &&
	     nla_put_u32(msg, M2MV_A_OWNER, acc->owner) < 0) ||
	    ((set & M2MV_ACCESS_GROUP) &&
	     nla_put_u32(msg, M2MV_A_GROUP, acc->group) < 0) ||
	    ((set & M2MV_ACCESS_PERM) &&
	     nla_put_u32(msg, M2MV_A_PERM, acc->perm) < 0) ||
	    (anchor &&
	     (nla_put_u64(msg, M2MV_A_ANCHOR_SEQ, anchor->seq) < 0 ||
	      nla_put(msg, M2MV_A_ANCHOR_CHAIN, M2MV_CHAIN_SIZE,
		      anchor->chain) < 0))) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int m2mv__access_check(const struct m2mv_attach_access *acc)
{
	size_t i;

	if (!acc)
		return 0;
	if (acc->set & ~M2MV_ACCESS_ALL)
		return -EINVAL;
	if ((acc->set & M2MV_ACCESS_PERM) && acc->perm > 0777)
		return -EINVAL;
	for (i = 0; i < sizeof(acc->reserved) / sizeof(acc->reserved[0]); i++)
		if (acc->reserved[i])
			return -EINVAL;
	return 0;
}

void m2mv__attach_explain(struct m2mv_ctl *ctl, unsigned int flags, int err)
{
	/*
	 * Only a module older than the create flag refuses it, alone or with
	 * RDONLY, as an unknown flag (and it would have formatted an empty
	 * file anyway). With any later flag it may be that one it lacks.
	 */
	const unsigned int known = M2MV_ATTACH_F_RDONLY | M2MV_ATTACH_F_CREATE;

	if (err == -EOPNOTSUPP && (flags & M2MV_ATTACH_F_CREATE) &&
	    !(flags & ~known))
		m2mv__set_error(ctl, "the loaded m2mvault module is older than this library: it does not know the attach flag CREATE (unknown attach flags)");
}

int m2mv_attach_with(struct m2mv_ctl *ctl, const char *name, int fd,
		     const char *store_credid, unsigned int flags,
		     const struct m2mv_attach_access *access,
		     struct m2mv_attach_info *info)
{
	return m2mv_attach_anchored(ctl, name, fd, store_credid, flags, access,
				    NULL, info);
}

int m2mv_attach_anchored(struct m2mv_ctl *ctl, const char *name, int fd,
			 const char *store_credid, unsigned int flags,
			 const struct m2mv_attach_access *access,
			 const struct m2mv_anchor *anchor,
			 struct m2mv_attach_info *info)
{
	char store[M2MV_NAME_MAX], credid[M2MV_CREDID_MAX + 1];
	struct nl_msg *msg;
	int ret;

	m2mv__clear_error(ctl);
	if (info)
		memset(info, 0, sizeof(*info));
	if (m2mv__name_copy(store, name) ||
	    m2mv__credid_copy(credid, store_credid) ||
	    m2mv__access_check(access))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;
	ret = m2mv__need(ctl, M2MV_CMD_STORE_ATTACH);
	if (ret)
		return ret;
	/*
	 * A module without grants would refuse the attributes as unknown
	 * (EINVAL); say what it lacks instead. KEY_BIND came with them.
	 */
	if (access && access->set && !m2mv__fam_has(&ctl->fam, M2MV_CMD_KEY_BIND)) {
		m2mv__set_error(ctl, "the loaded m2mvault module has no store grants (OWNER, GROUP, PERM)");
		return -EOPNOTSUPP;
	}

	if (anchor && !m2mv__fam_has_attr(&ctl->fam, M2MV_A_ANCHOR_CHAIN)) {
		m2mv__set_error(ctl, "the loaded m2mvault module has no freshness anchors");
		return -EOPNOTSUPP;
	}

	msg = m2mv__attach_msg_anchored(ctl, store, fd, credid, flags, access,
					anchor);
	if (!msg)
		return -ENOMEM;
	ret = m2mv__request(ctl, msg, m2mv_attach_reply, info);
	m2mv__attach_explain(ctl, flags, ret);
	return ret;
}

int m2mv_attach(struct m2mv_ctl *ctl, const char *name, int fd,
		const char *store_credid, unsigned int flags,
		struct m2mv_attach_info *info)
{
	return m2mv_attach_with(ctl, name, fd, store_credid, flags, NULL, info);
}

/* -------------------------------------------------------------- key bind */

struct nl_msg *m2mv__key_bind_msg(struct m2mv_ctl *ctl, const char *store,
				  const char *credid)
{
	struct nl_msg *msg = m2mv__msg(ctl, M2MV_CMD_KEY_BIND, 0);

	if (!msg)
		return NULL;
	if (nla_put_string(msg, M2MV_A_NAME, store) < 0 ||
	    nla_put_string(msg, M2MV_A_CREDID, credid) < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int m2mv_key_bind(struct m2mv_ctl *ctl, const char *store, const char *credid)
{
	char name[M2MV_NAME_MAX], cred[M2MV_CREDID_MAX + 1];
	struct nl_msg *msg;
	int ret;

	m2mv__clear_error(ctl);
	if (m2mv__name_copy(name, store) || m2mv__credid_copy(cred, credid))
		return -EINVAL;
	ret = m2mv__need(ctl, M2MV_CMD_KEY_BIND);
	if (ret)
		return ret;
	msg = m2mv__key_bind_msg(ctl, name, cred);
	if (!msg)
		return -ENOMEM;
	return m2mv__request(ctl, msg, NULL, NULL);
}

int m2mv_recovery_set(struct m2mv_ctl *ctl, const char *store,
		      const char *credid)
{
	char name[M2MV_NAME_MAX], cred[M2MV_CREDID_MAX + 1];
	struct nl_msg *msg;
	int ret;

	m2mv__clear_error(ctl);
	if (m2mv__name_copy(name, store) ||
	    (credid && m2mv__credid_copy(cred, credid)))
		return -EINVAL;
	ret = m2mv__need(ctl, M2MV_CMD_STORE_RECOVERY);
	if (ret)
		return ret;
	msg = m2mv__msg(ctl, M2MV_CMD_STORE_RECOVERY, 0);
	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, M2MV_A_NAME, name) < 0 ||
	    (credid && nla_put_string(msg, M2MV_A_CREDID, cred) < 0)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return m2mv__request(ctl, msg, NULL, NULL);
}

/* ---------------------------------------------------------------- detach */

int m2mv_detach(struct m2mv_ctl *ctl, const char *name)
{
	char store[M2MV_NAME_MAX];
	struct nl_msg *msg;
	int ret;

	m2mv__clear_error(ctl);
	if (m2mv__name_copy(store, name))
		return -EINVAL;
	ret = m2mv__need(ctl, M2MV_CMD_STORE_DETACH);
	if (ret)
		return ret;

	msg = m2mv__msg(ctl, M2MV_CMD_STORE_DETACH, 0);
	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, M2MV_A_NAME, store) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return m2mv__request(ctl, msg, NULL, NULL);
}

/* -------------------------------------------------------------- policies */

/* A prefix for the ABI: "" (NULL too) covers every path. */
static int m2mv_prefix_check(const char *prefix)
{
	size_t n = prefix ? strnlen(prefix, M2MV_PATH_MAX + 1) : 0;

	return n > M2MV_PATH_MAX ? -ENAMETOOLONG : 0;
}

/* RECIPIENTS: one CREDID per recipient beyond the policy's. */
static int m2mv_put_rcpt(struct nl_msg *msg, const char (*rcpt)[M2MV_CREDID_MAX + 1],
			 size_t n)
{
	struct nlattr *nest;
	size_t i;

	if (!n)
		return 0;
	nest = nla_nest_start(msg, M2MV_A_RECIPIENTS | NLA_F_NESTED);
	if (!nest)
		return -1;
	for (i = 0; i < n; i++)
		if (nla_put_string(msg, M2MV_A_CREDID, rcpt[i]) < 0)
			return -1;
	nla_nest_end(msg, nest);
	return 0;
}

static int m2mv_policy_request(struct m2mv_ctl *ctl, uint8_t cmd,
			       const char *store, const char *prefix,
			       const char *credid, unsigned int mode,
			       unsigned int flags,
			       const char (*rcpt)[M2MV_CREDID_MAX + 1], size_t n)
{
	struct nl_msg *msg;
	int bad, ret;

	ret = m2mv_prefix_check(prefix);
	if (ret)
		return ret;
	ret = m2mv__need(ctl, cmd);
	if (ret)
		return ret;
	msg = m2mv__msg(ctl, cmd, 0);
	if (!msg)
		return -ENOMEM;
	bad = nla_put_string(msg, M2MV_A_NAME, store) < 0 ||
	      nla_put_string(msg, M2MV_A_PREFIX, prefix ? prefix : "") < 0;
	if (cmd == M2MV_CMD_POLICY_SET)
		bad = bad || nla_put_string(msg, M2MV_A_CREDID, credid) < 0 ||
		      nla_put_u32(msg, M2MV_A_MODE, mode) < 0 ||
		      (flags && nla_put_u32(msg, M2MV_A_FLAGS, flags) < 0) ||
		      m2mv_put_rcpt(msg, rcpt, n) < 0;
	if (bad) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return m2mv__request(ctl, msg, NULL, NULL);
}

int m2mv_policy_set(struct m2mv_ctl *ctl, const char *store,
		    const char *prefix, const char *credid,
		    enum m2mv_mode mode, unsigned int flags)
{
	char name[M2MV_NAME_MAX], cred[M2MV_CREDID_MAX + 1];

	m2mv__clear_error(ctl);
	if (m2mv__name_copy(name, store) || m2mv__credid_copy(cred, credid))
		return -EINVAL;
	return m2mv_policy_request(ctl, M2MV_CMD_POLICY_SET, name, prefix,
				   cred, mode, flags, NULL, 0);
}

int m2mv_policy_set_rcpt(struct m2mv_ctl *ctl, const char *store,
			 const char *prefix, const char *credid,
			 enum m2mv_mode mode, unsigned int flags,
			 const char *const *recipients, size_t n)
{
	char name[M2MV_NAME_MAX], cred[M2MV_CREDID_MAX + 1];
	char rcpt[M2MV_RECIPIENTS_MAX - 1][M2MV_CREDID_MAX + 1];
	size_t i;

	m2mv__clear_error(ctl);
	if (m2mv__name_copy(name, store) || m2mv__credid_copy(cred, credid) ||
	    n > M2MV_RECIPIENTS_MAX - 1 || (n && !recipients))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (m2mv__credid_copy(rcpt[i], recipients[i]))
			return -EINVAL;
	return m2mv_policy_request(ctl, M2MV_CMD_POLICY_SET, name, prefix,
				   cred, mode, flags, rcpt, n);
}

int m2mv_policy_del(struct m2mv_ctl *ctl, const char *store,
		    const char *prefix)
{
	char name[M2MV_NAME_MAX];

	m2mv__clear_error(ctl);
	if (m2mv__name_copy(name, store))
		return -EINVAL;
	return m2mv_policy_request(ctl, M2MV_CMD_POLICY_DEL, name, prefix,
				   NULL, 0, 0, NULL, 0);
}
