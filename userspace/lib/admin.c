// SPDX-License-Identifier: GPL-2.0
/*
 * Attach, detach and policies: over generic netlink when the module
 * implements the command, otherwise over the interim ioctls.
 *
 * TEMPORARY: the ioctl fallback (M2MV_IOC_ATTACH, M2MV_IOC_DETACH,
 * M2MV_IOC_POLICY) exists only while modules without the netlink commands
 * are around. It is taken when the family does not advertise the command,
 * or answers EOPNOTSUPP without an extended-ack message (the generic
 * netlink core's answer to an unknown command). Remove it, and these
 * checks, once the netlink control plane is the only one.
 */
#include <errno.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "lib/internal.h"

int m2mv__ctl_dev(struct m2mv_ctl *ctl)
{
	int fd;

	if (ctl->devfd < 0) {
		fd = m2mv__dev_open();
		if (fd < 0)
			return fd;
		ctl->devfd = fd;
	}
	return ctl->devfd;
}

/* Should @cmd go over netlink? */
static int m2mv_over_netlink(struct m2mv_ctl *ctl, unsigned int cmd)
{
	return m2mv_ctl_supports(ctl, cmd);
}

/* Did netlink answer "no such command" rather than refuse the request? */
static int m2mv_netlink_lacks(struct m2mv_ctl *ctl, int ret)
{
	return ret == -EOPNOTSUPP && ctl->missing;
}

static int m2mv_ioctl_ctl(struct m2mv_ctl *ctl, unsigned long req, void *arg)
{
	int fd;

	/* Whatever netlink said does not explain the ioctl's answer. */
	m2mv__clear_error(ctl);
	fd = m2mv__ctl_dev(ctl);

	if (fd < 0)
		return fd;
	return m2mv__ioctl(fd, req, arg);
}

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

static int m2mv_attach_netlink(struct m2mv_ctl *ctl, const char *name,
			       int fd, const char *credid,
			       unsigned int flags,
			       struct m2mv_attach_info *info)
{
	struct nl_msg *msg = m2mv__msg(ctl, M2MV_CMD_STORE_ATTACH, 0);

	if (!msg)
		return -ENOMEM;
	if (nla_put_string(msg, M2MV_A_NAME, name) < 0 ||
	    nla_put_u32(msg, M2MV_A_FD, (uint32_t)fd) < 0 ||
	    nla_put_string(msg, M2MV_A_STORE_KEY, credid) < 0 ||
	    (flags && nla_put_u32(msg, M2MV_A_FLAGS, flags) < 0)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return m2mv__request(ctl, msg, m2mv_attach_reply, info);
}

int m2mv_attach(struct m2mv_ctl *ctl, const char *name, int fd,
		const char *store_credid, unsigned int flags,
		struct m2mv_attach_info *info)
{
	struct m2mv_attach a;
	int ret;

	m2mv__clear_error(ctl);
	if (info)
		memset(info, 0, sizeof(*info));
	memset(&a, 0, sizeof(a));
	if (m2mv__name_copy(a.name, name) ||
	    m2mv__credid_copy(a.store_credid, store_credid))
		return -EINVAL;
	if (fd < 0)
		return -EBADF;

	if (m2mv_over_netlink(ctl, M2MV_CMD_STORE_ATTACH)) {
		ret = m2mv_attach_netlink(ctl, a.name, fd, a.store_credid,
					  flags, info);
		if (!m2mv_netlink_lacks(ctl, ret))
			return ret;
	}

	a.fd = fd;
	a.flags = flags;
	ret = m2mv_ioctl_ctl(ctl, M2MV_IOC_ATTACH, &a);
	if (!ret && info) {
		info->records = a.records;
		info->live = a.live;
		info->integrity_errors = a.integrity_errors;
		info->truncated = a.truncated;
	}
	return ret;
}

/* ---------------------------------------------------------------- detach */

int m2mv_detach(struct m2mv_ctl *ctl, const char *name)
{
	struct m2mv_detach a;
	struct nl_msg *msg;
	int ret;

	m2mv__clear_error(ctl);
	memset(&a, 0, sizeof(a));
	if (m2mv__name_copy(a.name, name))
		return -EINVAL;

	if (m2mv_over_netlink(ctl, M2MV_CMD_STORE_DETACH)) {
		msg = m2mv__msg(ctl, M2MV_CMD_STORE_DETACH, 0);
		if (!msg)
			return -ENOMEM;
		if (nla_put_string(msg, M2MV_A_NAME, a.name) < 0) {
			nlmsg_free(msg);
			return -ENOMEM;
		}
		ret = m2mv__request(ctl, msg, NULL, NULL);
		if (!m2mv_netlink_lacks(ctl, ret))
			return ret;
	}
	return m2mv_ioctl_ctl(ctl, M2MV_IOC_DETACH, &a);
}

/* -------------------------------------------------------------- policies */

/* A prefix for the ABI: "" (NULL too) covers every path. */
static int m2mv_prefix_len(const char *prefix, uint32_t *len)
{
	size_t n = prefix ? strnlen(prefix, M2MV_PATH_MAX + 1) : 0;

	if (n > M2MV_PATH_MAX)
		return -ENAMETOOLONG;
	*len = (uint32_t)n;
	return 0;
}

static int m2mv_policy_netlink(struct m2mv_ctl *ctl, uint8_t cmd,
			       const char *store, const char *prefix,
			       const char *credid, unsigned int mode,
			       unsigned int flags)
{
	struct nl_msg *msg = m2mv__msg(ctl, cmd, 0);
	int bad;

	if (!msg)
		return -ENOMEM;
	bad = nla_put_string(msg, M2MV_A_NAME, store) < 0 ||
	      nla_put_string(msg, M2MV_A_PREFIX, prefix) < 0;
	if (cmd == M2MV_CMD_POLICY_SET)
		bad = bad || nla_put_string(msg, M2MV_A_CREDID, credid) < 0 ||
		      nla_put_u32(msg, M2MV_A_MODE, mode) < 0 ||
		      (flags && nla_put_u32(msg, M2MV_A_FLAGS, flags) < 0);
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
	struct m2mv_policy a;
	uint32_t plen;
	int ret;

	m2mv__clear_error(ctl);
	memset(&a, 0, sizeof(a));
	if (m2mv__name_copy(a.store, store) ||
	    m2mv__credid_copy(a.credid, credid))
		return -EINVAL;
	ret = m2mv_prefix_len(prefix, &plen);
	if (ret)
		return ret;
	if (!prefix)
		prefix = "";

	if (m2mv_over_netlink(ctl, M2MV_CMD_POLICY_SET)) {
		ret = m2mv_policy_netlink(ctl, M2MV_CMD_POLICY_SET, a.store,
					  prefix, a.credid, mode, flags);
		if (!m2mv_netlink_lacks(ctl, ret))
			return ret;
	}
	a.prefix = m2mv__ptr(prefix);
	a.prefix_len = plen;
	a.mode = mode;
	a.flags = flags;
	return m2mv_ioctl_ctl(ctl, M2MV_IOC_POLICY, &a);
}

int m2mv_policy_del(struct m2mv_ctl *ctl, const char *store,
		    const char *prefix)
{
	struct m2mv_policy a;
	uint32_t plen;
	int ret;

	m2mv__clear_error(ctl);
	memset(&a, 0, sizeof(a));
	if (m2mv__name_copy(a.store, store))
		return -EINVAL;
	ret = m2mv_prefix_len(prefix, &plen);
	if (ret)
		return ret;
	if (!prefix)
		prefix = "";

	if (m2mv_over_netlink(ctl, M2MV_CMD_POLICY_DEL)) {
		ret = m2mv_policy_netlink(ctl, M2MV_CMD_POLICY_DEL, a.store,
					  prefix, NULL, 0, 0);
		if (!m2mv_netlink_lacks(ctl, ret))
			return ret;
	}
	a.prefix = m2mv__ptr(prefix);
	a.prefix_len = plen;
	a.flags = M2MV_POLICY_F_DELETE;
	return m2mv_ioctl_ctl(ctl, M2MV_IOC_POLICY, &a);
}
