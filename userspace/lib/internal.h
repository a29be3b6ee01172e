/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libm2mvault internals shared between its source files and its host unit
 * tests. Nothing here is exported from the shared library (see
 * libm2mvault.map); names carry a double underscore to say so.
 */
#ifndef M2MV_LIB_INTERNAL_H
#define M2MV_LIB_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

#include "lib/m2mvault.h"

struct nl_sock;
struct nl_msg;
struct nlattr;

/* A user pointer as the ABI carries it. */
static inline uint64_t m2mv__ptr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* ------------------------------------------------------------ data.c */

/* ioctl(2) retried on EINTR: 0 or -errno. */
int m2mv__ioctl(int fd, unsigned long req, void *arg);

/* Open /dev/m2mvault read-write: an fd, -ENODEV if it does not exist. */
int m2mv__dev_open(void);

/*
 * Copy a store name or a Credential-ID into its fixed ABI array: 0, or
 * -EINVAL if it is NULL, empty or does not fit with its terminator.
 */
int m2mv__name_copy(char dst[M2MV_NAME_MAX], const char *name);
int m2mv__credid_copy(char dst[M2MV_CREDID_MAX + 1], const char *credid);

/* ------------------------------------------------------------ list.c */

/* One page of M2MV_IOC_LIST output being walked. */
struct m2mv__list_page {
	const unsigned char *buf;	/* the buffer the kernel filled */
	size_t size;			/* its size */
	uint32_t count;			/* entries the kernel reported */
	uint32_t idx;			/* entries walked so far */
	size_t off;			/* offset of the next entry */
};

/*
 * Take the next entry of @pg into @item, its path copied NUL-terminated
 * into @path (which @item->path then points at).
 * Return: 1 with an entry, 0 when the page is done, -EPROTO if the entry
 * is malformed (reclen not a multiple of 8 or too small for its path,
 * beyond the buffer, empty or over-long path).
 */
int m2mv__list_walk(struct m2mv__list_page *pg, struct m2mv_list_item *item,
		    char path[M2MV_PATH_MAX + 1]);

/* ------------------------------------------------------- ctl.c, nl.c */

/* Commands the family advertises, as bits 1 << enum m2mv_cmd. */
struct m2mv__family {
	int id;				/* 0: not found */
	uint32_t events_grp;		/* 0: no such group */
	uint32_t version;
	uint32_t ops;
	uint32_t maxattr;		/* the highest attribute it knows */
};

/* Does the family implement command @cmd? */
static inline int m2mv__fam_has(const struct m2mv__family *fam,
				unsigned int cmd)
{
	return cmd < 32 && (fam->ops >> cmd) & 1;
}

/* Does the family know attribute @attr (newer modules know more)? */
static inline int m2mv__fam_has_attr(const struct m2mv__family *fam,
				     unsigned int attr)
{
	return attr <= fam->maxattr;
}

/*
 * A handle (ctl.c). The transport (nl.c) works on its socket, family and
 * error text; the events (events.c) on its subscription.
 */
struct m2mv_ctl {
	struct nl_sock *sk;		/* commands and their replies */
	struct m2mv__family fam;
	char err[512];			/* m2mv_ctl_last_error() */
	struct nl_sock *ev;		/* events subscription, or NULL */
	m2mv_event_fn ev_fn;
	void *ev_arg;
};

/* -------------------------------------------------------------- nl.c */

/*
 * Connect ctl->sk (extended acks on) and resolve the family into ctl->fam:
 * 0, -ENOENT if the module is not loaded, or -errno. On failure ctl->sk
 * may be left for m2mv__nl_close().
 */
int m2mv__nl_open(struct m2mv_ctl *ctl);
void m2mv__nl_close(struct m2mv_ctl *ctl);

/*
 * Called for each reply message, with its attributes parsed (M2MV_A_*;
 * of an attribute that repeats, @tb holds the last).
 */
typedef int (*m2mv__reply_fn)(struct nlmsghdr *nlh, struct nlattr **tb,
			      void *arg);

/* Called when the fd watched during a request is readable. */
typedef void (*m2mv__watch_fn)(void *arg);

/* Start a request for @cmd (a dump with @dump): NULL if out of memory. */
struct nl_msg *m2mv__msg(struct m2mv_ctl *ctl, uint8_t cmd, int dump);

/*
 * Send @msg (always freed) and receive until the kernel is done: replies
 * go to @fn (may be NULL). A dump found inconsistent is reported as
 * -EAGAIN. The _watch variant also polls @watch_fd while it waits and
 * calls @watch_fn whenever that is readable (progress of long commands).
 * Return: 0, the kernel's -errno (its extended ack in ctl->err), -EPROTO
 * for a reply @fn rejected, or a transport error.
 */
int m2mv__request(struct m2mv_ctl *ctl, struct nl_msg *msg,
		  m2mv__reply_fn fn, void *arg);
int m2mv__request_watch(struct m2mv_ctl *ctl, struct nl_msg *msg,
			m2mv__reply_fn fn, void *arg, int watch_fd,
			m2mv__watch_fn watch_fn, void *watch_arg);

/* Before a command: clear ctl->err; -EOPNOTSUPP (explained) if missing. */
void m2mv__clear_error(struct m2mv_ctl *ctl);
int m2mv__need(struct m2mv_ctl *ctl, unsigned int cmd);
void m2mv__set_error(struct m2mv_ctl *ctl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Parse the attributes of a m2mvault genl message into tb[M2MV_A_MAX+1]. */
int m2mv__parse_attrs(struct nlmsghdr *nlh, struct nlattr **tb);

/* Parse a CTRL_CMD_NEWFAMILY message for the m2mvault family. */
int m2mv__parse_family(struct nlmsghdr *nlh, struct m2mv__family *fam);

/*
 * Copy a string attribute, NUL-terminated or not, into @dst of @size: 0,
 * or -EPROTO if it does not fit with a terminator.
 */
int m2mv__attr_str(char *dst, size_t size, const struct nlattr *nla);

/* Name of an M2MV_A_* attribute or M2MV_CMD_* command, "?" if unknown. */
const char *m2mv__attr_name(unsigned int attr);
const char *m2mv__cmd_name(unsigned int cmd);

/* A libnl error code (negative or positive) as a negative errno. */
int m2mv__nlerr(int nlerr);

/*
 * Describe the extended ack of an NLMSG_ERROR or NLMSG_DONE message @nlh
 * into @buf: its message, the attribute it points at in @req (the request,
 * may be NULL) and a missing attribute.
 * Return: the length written (0: nothing to say).
 */
size_t m2mv__extack_format(const struct nlmsghdr *nlh,
			   const struct nlmsghdr *req, char *buf,
			   size_t size);

/* ----------------------------------------------------------- admin.c */

/*
 * The requests of STORE_ATTACH (the optional attributes only for the
 * fields @acc sets) and KEY_BIND, for arguments already checked: NULL if
 * out of memory.
 */
struct nl_msg *m2mv__attach_msg_anchored(struct m2mv_ctl *ctl,
					 const char *store, int fd,
					 const char *credid,
					 unsigned int flags,
					 const struct m2mv_attach_access *acc,
					 const struct m2mv_anchor *anchor);
struct nl_msg *m2mv__attach_msg(struct m2mv_ctl *ctl, const char *store,
				int fd, const char *credid,
				unsigned int flags,
				const struct m2mv_attach_access *acc);
struct nl_msg *m2mv__key_bind_msg(struct m2mv_ctl *ctl, const char *store,
				  const char *credid);

/* 0, or -EINVAL: unknown @set bits, perm beyond 0777, reserved not 0. */
int m2mv__access_check(const struct m2mv_attach_access *acc);

/*
 * After STORE_ATTACH with @flags failed with @err: if it was an old
 * module refusing M2MV_ATTACH_F_CREATE, say so in ctl->err.
 */
void m2mv__attach_explain(struct m2mv_ctl *ctl, unsigned int flags, int err);

/* ------------------------------------------------------------ dump.c */

int m2mv__parse_store(struct nlattr **tb, struct m2mv_store_info *si);

/*
 * struct m2mv_store_info as libm2mvault 1.0 laid it out (its counters
 * array had the 7 entries of the ABI then), for m2mv_status@M2MV_1.0.
 */
#define M2MV__CTR_MAX_1_0 7

struct m2mv__store_info_1_0 {
	char name[M2MV_NAME_MAX];
	char file[M2MV_FILE_MAX];
	unsigned int state;
	unsigned int flags;
	uint64_t records;
	uint64_t file_bytes;
	uint64_t live;
	uint64_t live_bytes;
	uint64_t last_seq;
	uint64_t counters[M2MV__CTR_MAX_1_0];
};

/* Convert @n entries of the current layout into the 1.0 one. */
void m2mv__store_info_to_1_0(const struct m2mv_store_info *si, size_t n,
			     struct m2mv__store_info_1_0 *old);

/*
 * m2mv_status() as M2MV_1.1 (the default version, what the header's
 * prototype links to) and for programs linked against 1.0.
 */
int m2mv__status_1_1(struct m2mv_ctl *ctl, const char *name,
		     struct m2mv_store_info **list, size_t *count);
int m2mv__status_1_0(struct m2mv_ctl *ctl, const char *name,
		     struct m2mv__store_info_1_0 **list, size_t *count);
int m2mv__parse_policy(struct nlattr **tb, struct m2mv_policy_info *pi);
int m2mv__parse_policy_rcpt(struct nlattr **tb, struct m2mv_policy_rcpt *pr);

/* ----------------------------------------------------------- scrub.c */

/* Add the counts and the BAD entries of a STORE_VERIFY reply to @vi. */
int m2mv__parse_verify(struct nlmsghdr *nlh, struct nlattr **tb,
		       struct m2mv_verify_info *vi);

/* What a long command waits for: one store's progress events of a kind. */
struct m2mv__progress {
	unsigned int event;		/* M2MV_EVENT_*_PROGRESS */
	const char *name;		/* the store */
	m2mv_progress_fn fn;		/* NULL: none wanted */
	void *arg;
	struct m2mv_ctl *ctl;		/* while the command runs: */
	struct nl_sock *sk;		/* joined to the events group */
};

/*
 * Set @p up for command @cmd (M2MV_CMD_STORE_VERIFY: SCRUB_PROGRESS,
 * M2MV_CMD_STORE_COMPACT: COMPACT_PROGRESS; any other: none) on store
 * @name, calling @fn (may be NULL) with @arg.
 */
void m2mv__progress_init(struct m2mv__progress *p, unsigned int cmd,
			 const char *name, m2mv_progress_fn fn, void *arg);

/* An m2mv_event_fn: @ev to @arg's callback if it is the awaited kind. */
int m2mv__progress_event(const struct m2mv_event_info *ev, void *arg);

/* ---------------------------------------------------------- events.c */

/* A socket joined to the events group, non-blocking: 0 or -errno. */
int m2mv__events_socket(struct m2mv_ctl *ctl, struct nl_sock **skp);

/*
 * Read every event queued on @sk without waiting and hand each to @fn.
 * Return: 0, @fn's non-zero value, or -errno (-ENOBUFS: events lost).
 */
int m2mv__events_read(struct m2mv_ctl *ctl, struct nl_sock *sk,
		      m2mv_event_fn fn, void *arg);

/*
 * Decode the datagram @buf of @len bytes from the events group of family
 * @family, calling @fn for each event. Return: as m2mv__events_read().
 */
int m2mv__events_decode(int family, const void *buf, size_t len,
			m2mv_event_fn fn, void *arg);

int m2mv__parse_event(struct nlattr **tb, struct m2mv_event_info *ev);

#endif /* M2MV_LIB_INTERNAL_H */
