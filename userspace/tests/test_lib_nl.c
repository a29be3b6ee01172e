// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the control plane's message handling, on messages
 * built here with libnl as the kernel would send them: extended acks, the
 * family's description, store status, policies, verify results, events,
 * and which progress events reach verify's and compact's callbacks.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>
#include <cmocka.h>

#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "lib/internal.h"

#define FAMILY 0x2a

/* A m2mvault message as the kernel would send it. */
static struct nl_msg *new_msg(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	assert_non_null(msg);
	assert_non_null(genlmsg_put(msg, 0, 1, FAMILY, 0, 0, cmd, 1));
	return msg;
}

static void parse(struct nl_msg *msg, struct nlattr **tb)
{
	assert_int_equal(m2mv__parse_attrs(nlmsg_hdr(msg), tb), 0);
}

/* ------------------------------------------------------ names and errors */

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(m2mv__attr_name(M2MV_A_NAME), "NAME");
	assert_string_equal(m2mv__attr_name(M2MV_A_PREFIX), "PREFIX");
	assert_string_equal(m2mv__attr_name(M2MV_A_TOTAL), "TOTAL");
	assert_string_equal(m2mv__attr_name(M2MV_A_OWNER), "OWNER");
	assert_string_equal(m2mv__attr_name(M2MV_A_GROUP), "GROUP");
	assert_string_equal(m2mv__attr_name(M2MV_A_PERM), "PERM");
	assert_string_equal(m2mv__attr_name(M2MV_A_UNSPEC), "?");
	assert_string_equal(m2mv__attr_name(999), "?");
	assert_string_equal(m2mv__cmd_name(M2MV_CMD_STORE_GET), "STORE_GET");
	assert_string_equal(m2mv__cmd_name(M2MV_CMD_STORE_COMPACT),
			    "STORE_COMPACT");
	assert_string_equal(m2mv__cmd_name(M2MV_CMD_KEY_BIND), "KEY_BIND");
	assert_string_equal(m2mv__cmd_name(0), "?");
}

static void test_nlerr(void **state)
{
	(void)state;
	assert_int_equal(m2mv__nlerr(0), 0);
	assert_int_equal(m2mv__nlerr(-NLE_NOMEM), -ENOMEM);
	assert_int_equal(m2mv__nlerr(NLE_NOMEM), -ENOMEM);
	assert_int_equal(m2mv__nlerr(-NLE_PERM), -EPERM);
	assert_int_equal(m2mv__nlerr(-NLE_OPNOTSUPP), -EOPNOTSUPP);
	assert_int_equal(m2mv__nlerr(-NLE_OBJ_NOTFOUND), -ENOENT);
	assert_int_equal(m2mv__nlerr(-NLE_MSG_OVERFLOW), -ENOBUFS);
	assert_int_equal(m2mv__nlerr(-NLE_SEQ_MISMATCH), -EPROTO);
	assert_int_equal(m2mv__nlerr(-NLE_MSG_TRUNC), -EPROTO);
}

/* -------------------------------------------------------- extended acks */

/* The request: NAME "gw1", PREFIX "cse/", CREDID "15-k". */
static struct nl_msg *request(void)
{
	struct m2mv_ctl ctl = { .fam = { .id = FAMILY } };
	struct nl_msg *req = m2mv__msg(&ctl, M2MV_CMD_POLICY_SET, 0);

	assert_non_null(req);
	assert_int_equal(nla_put_string(req, M2MV_A_NAME, "gw1"), 0);
	assert_int_equal(nla_put_string(req, M2MV_A_PREFIX, "cse/"), 0);
	assert_int_equal(nla_put_string(req, M2MV_A_CREDID, "15-k"), 0);
	return req;
}

/* Offset of PREFIX in request(): the headers, then NAME ("gw1\0", 8). */
#define PREFIX_OFF (NLMSG_HDRLEN + GENL_HDRLEN + 8)

static struct nl_msg *ack(int type, int flags, int error,
			  const struct nlmsghdr *req, int capped)
{
	struct nl_msg *msg = nlmsg_alloc_simple(type, flags);
	struct nlmsgerr e;

	assert_non_null(msg);
	if (type == NLMSG_DONE) {
		assert_int_equal(nlmsg_append(msg, &error, sizeof(error),
					      NLMSG_ALIGNTO), 0);
		return msg;
	}
	memset(&e, 0, sizeof(e));
	e.error = error;
	e.msg = *req;
	if (capped) {
		assert_int_equal(nlmsg_append(msg, &e, sizeof(e), NLMSG_ALIGNTO),
				 0);
	} else {
		/* The echoed request follows the error in one payload. */
		size_t n = sizeof(e) + req->nlmsg_len - NLMSG_HDRLEN;
		char *buf = calloc(1, n);

		memcpy(buf, &e, sizeof(e));
		memcpy(buf + sizeof(e), NLMSG_DATA(req),
		       req->nlmsg_len - NLMSG_HDRLEN);
		assert_int_equal(nlmsg_append(msg, buf, n, NLMSG_ALIGNTO), 0);
		free(buf);
	}
	return msg;
}

static void test_extack_capped(void **state)
{
	struct nl_msg *req = request(), *msg;
	char buf[256];

	(void)state;
	msg = ack(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS, -EINVAL,
		  nlmsg_hdr(req), 1);
	nla_put_string(msg, NLMSGERR_ATTR_MSG,
		       "Attribute failed policy validation");
	nla_put_u32(msg, NLMSGERR_ATTR_OFFS, PREFIX_OFF);
	assert_true(m2mv__extack_format(nlmsg_hdr(msg), nlmsg_hdr(req), buf,
					sizeof(buf)) > 0);
	assert_string_equal(buf,
			    "attribute PREFIX: Attribute failed policy validation");
	/* Without the request there is no attribute to name. */
	m2mv__extack_format(nlmsg_hdr(msg), NULL, buf, sizeof(buf));
	assert_string_equal(buf, "Attribute failed policy validation");
	/* A small buffer is cut, terminated. */
	m2mv__extack_format(nlmsg_hdr(msg), nlmsg_hdr(req), buf, 10);
	assert_string_equal(buf, "attribute");
	nlmsg_free(msg);
	nlmsg_free(req);
}

static void test_extack_uncapped(void **state)
{
	struct nl_msg *req = request(), *msg;
	char buf[256];

	(void)state;
	msg = ack(NLMSG_ERROR, NLM_F_ACK_TLVS, -EINVAL, nlmsg_hdr(req), 0);
	nla_put_string(msg, NLMSGERR_ATTR_MSG, "no such store");
	/* Pointing into the middle of NAME's data still names NAME. */
	nla_put_u32(msg, NLMSGERR_ATTR_OFFS, NLMSG_HDRLEN + GENL_HDRLEN + 5);
	m2mv__extack_format(nlmsg_hdr(msg), nlmsg_hdr(req), buf, sizeof(buf));
	assert_string_equal(buf, "attribute NAME: no such store");
	nlmsg_free(msg);
	nlmsg_free(req);
}

static void test_extack_offset_or_missing_only(void **state)
{
	struct nl_msg *req = request(), *msg;
	char buf[256];

	(void)state;
	msg = ack(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS, -EINVAL,
		  nlmsg_hdr(req), 1);
	nla_put_u32(msg, NLMSGERR_ATTR_OFFS, PREFIX_OFF + 12);
	m2mv__extack_format(nlmsg_hdr(msg), nlmsg_hdr(req), buf, sizeof(buf));
	assert_string_equal(buf, "invalid attribute CREDID");
	nlmsg_free(msg);

	msg = ack(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS, -EINVAL,
		  nlmsg_hdr(req), 1);
	nla_put_u32(msg, NLMSGERR_ATTR_MISS_TYPE, M2MV_A_CREDID);
	m2mv__extack_format(nlmsg_hdr(msg), nlmsg_hdr(req), buf, sizeof(buf));
	assert_string_equal(buf, "missing attribute CREDID");
	nlmsg_free(msg);

	msg = ack(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS, -EINVAL,
		  nlmsg_hdr(req), 1);
	nla_put_string(msg, NLMSGERR_ATTR_MSG, "bad request");
	nla_put_u32(msg, NLMSGERR_ATTR_MISS_TYPE, M2MV_A_MODE);
	m2mv__extack_format(nlmsg_hdr(msg), nlmsg_hdr(req), buf, sizeof(buf));
	assert_string_equal(buf, "bad request; missing attribute MODE");
	nlmsg_free(msg);

	/* An offset outside the request names nothing. */
	msg = ack(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS, -EINVAL,
		  nlmsg_hdr(req), 1);
	nla_put_u32(msg, NLMSGERR_ATTR_OFFS, 4000);
	assert_int_equal(m2mv__extack_format(nlmsg_hdr(msg), nlmsg_hdr(req),
					     buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	nlmsg_free(msg);
	nlmsg_free(req);
}

static void test_extack_none(void **state)
{
	struct nl_msg *req = request(), *msg;
	char buf[64] = "stale";

	(void)state;
	/* No TLV flag: nothing, whatever follows. */
	msg = ack(NLMSG_ERROR, NLM_F_CAPPED, -EPERM, nlmsg_hdr(req), 1);
	nla_put_string(msg, NLMSGERR_ATTR_MSG, "ignored");
	assert_int_equal(m2mv__extack_format(nlmsg_hdr(msg), nlmsg_hdr(req),
					     buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	nlmsg_free(msg);

	/* Flag set, but the message ends where the TLVs would start. */
	msg = ack(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS, -EPERM,
		  nlmsg_hdr(req), 1);
	assert_int_equal(m2mv__extack_format(nlmsg_hdr(msg), nlmsg_hdr(req),
					     buf, sizeof(buf)), 0);
	nlmsg_free(msg);

	/* Not an error message at all. */
	assert_int_equal(m2mv__extack_format(nlmsg_hdr(req), NULL, buf,
					     sizeof(buf)), 0);
	nlmsg_free(req);
}

static void test_extack_done(void **state)
{
	struct nl_msg *msg;
	char buf[64];

	(void)state;
	msg = ack(NLMSG_DONE, NLM_F_MULTI | NLM_F_ACK_TLVS, -EPERM, NULL, 1);
	nla_put_string(msg, NLMSGERR_ATTR_MSG, "dump refused");
	m2mv__extack_format(nlmsg_hdr(msg), NULL, buf, sizeof(buf));
	assert_string_equal(buf, "dump refused");
	nlmsg_free(msg);
}

/* ------------------------------------------------------------ the family */

static struct nl_msg *family_msg(const char *name, const int *ops, int nops,
				 const char *grp)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct nlattr *nest, *one;
	int i;

	assert_non_null(genlmsg_put(msg, 0, 1, GENL_ID_CTRL, 0, 0,
				    CTRL_CMD_NEWFAMILY, 2));
	nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, name);
	nla_put_u16(msg, CTRL_ATTR_FAMILY_ID, FAMILY);
	nla_put_u32(msg, CTRL_ATTR_VERSION, M2MV_GENL_VERSION);
	if (nops) {
		nest = nla_nest_start(msg, CTRL_ATTR_OPS);
		for (i = 0; i < nops; i++) {
			one = nla_nest_start(msg, i + 1);
			nla_put_u32(msg, CTRL_ATTR_OP_ID, (uint32_t)ops[i]);
			nla_put_u32(msg, CTRL_ATTR_OP_FLAGS, 0x0b);
			nla_nest_end(msg, one);
		}
		nla_nest_end(msg, nest);
	}
	nest = nla_nest_start(msg, CTRL_ATTR_MCAST_GROUPS);
	one = nla_nest_start(msg, 1);
	nla_put_string(msg, CTRL_ATTR_MCAST_GRP_NAME, "other");
	nla_put_u32(msg, CTRL_ATTR_MCAST_GRP_ID, 5);
	nla_nest_end(msg, one);
	if (grp) {
		one = nla_nest_start(msg, 2);
		nla_put_string(msg, CTRL_ATTR_MCAST_GRP_NAME, grp);
		nla_put_u32(msg, CTRL_ATTR_MCAST_GRP_ID, 7);
		nla_nest_end(msg, one);
	}
	nla_nest_end(msg, nest);
	return msg;
}

static void test_family(void **state)
{
	static const int ops[] = {
		M2MV_CMD_STORE_ATTACH, M2MV_CMD_STORE_GET, M2MV_CMD_STORE_VERIFY,
	};
	struct m2mv_ctl ctl = { 0 };
	struct nl_msg *msg;

	(void)state;
	msg = family_msg(M2MV_GENL_NAME, ops, 3, M2MV_GENL_MCGRP_EVENTS);
	assert_int_equal(m2mv__parse_family(nlmsg_hdr(msg), &ctl.fam), 0);
	nlmsg_free(msg);
	assert_int_equal(ctl.fam.id, FAMILY);
	assert_int_equal(ctl.fam.version, M2MV_GENL_VERSION);
	assert_int_equal(ctl.fam.events_grp, 7);
	assert_true(m2mv_ctl_supports(&ctl, M2MV_CMD_STORE_ATTACH));
	assert_true(m2mv_ctl_supports(&ctl, M2MV_CMD_STORE_GET));
	assert_true(m2mv_ctl_supports(&ctl, M2MV_CMD_STORE_VERIFY));
	assert_false(m2mv_ctl_supports(&ctl, M2MV_CMD_STORE_DETACH));
	assert_false(m2mv_ctl_supports(&ctl, M2MV_CMD_POLICY_GET));
	assert_false(m2mv_ctl_supports(&ctl, 200));

	/* The family as it is today: no commands, the group. */
	msg = family_msg(M2MV_GENL_NAME, NULL, 0, M2MV_GENL_MCGRP_EVENTS);
	assert_int_equal(m2mv__parse_family(nlmsg_hdr(msg), &ctl.fam), 0);
	nlmsg_free(msg);
	assert_int_equal(ctl.fam.ops, 0);
	assert_int_equal(m2mv__need(&ctl, M2MV_CMD_STORE_GET), -EOPNOTSUPP);
	assert_string_equal(m2mv_ctl_last_error(&ctl),
			    "the loaded m2mvault module lacks netlink command STORE_GET");
	m2mv__clear_error(&ctl);
	assert_string_equal(m2mv_ctl_last_error(&ctl), "");

	/* No events group. */
	msg = family_msg(M2MV_GENL_NAME, ops, 1, NULL);
	assert_int_equal(m2mv__parse_family(nlmsg_hdr(msg), &ctl.fam), 0);
	nlmsg_free(msg);
	assert_int_equal(ctl.fam.events_grp, 0);

	/* Another family's answer is refused. */
	msg = family_msg("nl80211", ops, 1, NULL);
	assert_int_equal(m2mv__parse_family(nlmsg_hdr(msg), &ctl.fam), -EPROTO);
	nlmsg_free(msg);
}

/* ---------------------------------------------------------------- status */

static void test_store_status(void **state)
{
	struct nlattr *tb[M2MV_A_MAX + 1], *nest;
	struct m2mv_store_info si;
	struct nl_msg *msg;

	(void)state;
	msg = new_msg(M2MV_CMD_STORE_GET);
	nla_put_string(msg, M2MV_A_NAME, "gw1");
	nla_put_string(msg, M2MV_A_FILE, "/var/lib/m2mvault/gw1.store");
	nla_put_u32(msg, M2MV_A_STATE, M2MV_STATE_DEGRADED);
	nla_put_u32(msg, M2MV_A_FLAGS, M2MV_ATTACH_F_RDONLY);
	nla_put_u64(msg, M2MV_A_RECORDS, 120);
	nla_put_u64(msg, M2MV_A_FILE_BYTES, 1 << 20);
	nla_put_u64(msg, M2MV_A_LIVE, 100);
	nla_put_u64(msg, M2MV_A_LIVE_BYTES, 654321);
	nla_put_u64(msg, M2MV_A_LAST_SEQ, 121);
	nla_put_u32(msg, M2MV_A_OWNER, 4242);
	nla_put_u32(msg, M2MV_A_GROUP, 4243);
	nla_put_u32(msg, M2MV_A_PERM, 0640);
	nest = nla_nest_start(msg, M2MV_A_COUNTERS);
	nla_put_u64(msg, M2MV_CTR_PUTS, 11);
	nla_put_u64(msg, M2MV_CTR_GETS, 22);
	nla_put_u64(msg, M2MV_CTR_INTEGRITY_FAILURES, 3);
	nla_put_u64(msg, M2MV_CTR_KEY_REFUSALS, 4);
	nla_put_u64(msg, M2MV_CTR_ACCESS_REFUSALS, 5);
	/* A counter this library does not know yet is left out. */
	nla_put_u64(msg, M2MV_CTR_ACCESS_REFUSALS + 1, 99);
	nla_nest_end(msg, nest);
	parse(msg, tb);
	assert_int_equal(m2mv__parse_store(tb, &si), 0);
	nlmsg_free(msg);

	assert_string_equal(si.name, "gw1");
	assert_string_equal(si.file, "/var/lib/m2mvault/gw1.store");
	assert_int_equal(si.state, M2MV_STATE_DEGRADED);
	assert_int_equal(si.flags, M2MV_ATTACH_F_RDONLY);
	assert_int_equal(si.records, 120);
	assert_int_equal(si.file_bytes, 1 << 20);
	assert_int_equal(si.live, 100);
	assert_int_equal(si.live_bytes, 654321);
	assert_int_equal(si.last_seq, 121);
	assert_int_equal(si.counters[M2MV_CTR_PUTS], 11);
	assert_int_equal(si.counters[M2MV_CTR_GETS], 22);
	assert_int_equal(si.counters[M2MV_CTR_DELETES], 0);
	assert_int_equal(si.counters[M2MV_CTR_INTEGRITY_FAILURES], 3);
	assert_int_equal(si.counters[M2MV_CTR_KEY_REFUSALS], 4);
	assert_int_equal(si.counters[M2MV_CTR_ACCESS_REFUSALS], 5);
	assert_int_equal(si.counters[M2MV_CTR_ACCESS_REFUSALS + 1], 0);
	assert_int_equal(si.owner, 4242);
	assert_int_equal(si.group, 4243);
	assert_int_equal(si.perm, 0640);
}

/* A module without grants sends no OWNER, GROUP, PERM. */
static void test_store_status_no_grant(void **state)
{
	struct nlattr *tb[M2MV_A_MAX + 1];
	struct m2mv_store_info si;
	struct nl_msg *msg;

	(void)state;
	msg = new_msg(M2MV_CMD_STORE_GET);
	nla_put_string(msg, M2MV_A_NAME, "gw1");
	parse(msg, tb);
	assert_int_equal(m2mv__parse_store(tb, &si), 0);
	nlmsg_free(msg);
	assert_int_equal(si.perm, M2MV_PERM_NONE);
	assert_int_equal(si.owner, 0);
	assert_int_equal(si.group, 0);

	/* Mode 0 is a grant (to nobody but CAP_DAC_OVERRIDE), not none. */
	msg = new_msg(M2MV_CMD_STORE_GET);
	nla_put_string(msg, M2MV_A_NAME, "gw1");
	nla_put_u32(msg, M2MV_A_PERM, 0);
	parse(msg, tb);
	assert_int_equal(m2mv__parse_store(tb, &si), 0);
	nlmsg_free(msg);
	assert_int_equal(si.perm, 0);

	/* Bits beyond 0777 are not permission bits. */
	msg = new_msg(M2MV_CMD_STORE_GET);
	nla_put_string(msg, M2MV_A_NAME, "gw1");
	nla_put_u32(msg, M2MV_A_PERM, 01777);
	parse(msg, tb);
	assert_int_equal(m2mv__parse_store(tb, &si), -EPROTO);
	nlmsg_free(msg);

	/* An OWNER too short for a u32 fails the reply policy. */
	msg = new_msg(M2MV_CMD_STORE_GET);
	nla_put_string(msg, M2MV_A_NAME, "gw1");
	nla_put_u16(msg, M2MV_A_OWNER, 1);
	assert_int_equal(m2mv__parse_attrs(nlmsg_hdr(msg), tb), -EPROTO);
	nlmsg_free(msg);
}

/* What m2mv_status@M2MV_1.0 hands to programs built against 1.0. */
static void test_store_info_1_0(void **state)
{
	struct m2mv_store_info si[2];
	struct m2mv__store_info_1_0 old[2];
	unsigned int i;

	(void)state;
	/* The layout 1.0 programs index their array with. */
	assert_int_equal(sizeof(struct m2mv__store_info_1_0),
			 M2MV_NAME_MAX + M2MV_FILE_MAX + 2 * 4 + 5 * 8 + 7 * 8);
	assert_int_equal(offsetof(struct m2mv__store_info_1_0, counters),
			 M2MV_NAME_MAX + M2MV_FILE_MAX + 2 * 4 + 5 * 8);
	memset(si, 0, sizeof(si));
	memset(old, 0xa5, sizeof(old));
	for (i = 0; i < 2; i++) {
		snprintf(si[i].name, sizeof(si[i].name), "gw%u", i);
		snprintf(si[i].file, sizeof(si[i].file), "/s/%u", i);
		si[i].state = M2MV_STATE_DEGRADED;
		si[i].flags = M2MV_ATTACH_F_RDONLY;
		si[i].records = 10 + i;
		si[i].file_bytes = 20 + i;
		si[i].live = 30 + i;
		si[i].live_bytes = 40 + i;
		si[i].last_seq = 50 + i;
		si[i].perm = 0660;
		si[i].counters[M2MV_CTR_PUTS] = 60 + i;
		si[i].counters[M2MV_CTR_KEY_REFUSALS] = 70 + i;
		si[i].counters[M2MV_CTR_ACCESS_REFUSALS] = 80 + i;
	}
	m2mv__store_info_to_1_0(si, 2, old);
	for (i = 0; i < 2; i++) {
		assert_string_equal(old[i].name, si[i].name);
		assert_string_equal(old[i].file, si[i].file);
		assert_int_equal(old[i].state, M2MV_STATE_DEGRADED);
		assert_int_equal(old[i].flags, M2MV_ATTACH_F_RDONLY);
		assert_int_equal(old[i].records, 10 + i);
		assert_int_equal(old[i].file_bytes, 20 + i);
		assert_int_equal(old[i].live, 30 + i);
		assert_int_equal(old[i].live_bytes, 40 + i);
		assert_int_equal(old[i].last_seq, 50 + i);
		assert_int_equal(old[i].counters[M2MV_CTR_PUTS], 60 + i);
		assert_int_equal(old[i].counters[M2MV_CTR_KEY_REFUSALS], 70 + i);
		assert_int_equal(old[i].counters[M2MV_CTR_PAD], 0);
	}
}

/* ----------------------------------------------------- attach, key bind */

static void test_attach_request(void **state)
{
	struct m2mv_ctl ctl = { .fam = { .id = FAMILY } };
	struct nlattr *tb[M2MV_A_MAX + 1];
	struct m2mv_attach_access acc = { 0 };
	struct nl_msg *msg;

	(void)state;
	/* No grant: none of the three attributes (the kernel's default). */
	msg = m2mv__attach_msg(&ctl, "gw1", 7, "16-s@x", 0, NULL);
	assert_non_null(msg);
	parse(msg, tb);
	assert_string_equal(nla_get_string(tb[M2MV_A_NAME]), "gw1");
	assert_int_equal(nla_get_u32(tb[M2MV_A_FD]), 7);
	assert_string_equal(nla_get_string(tb[M2MV_A_STORE_KEY]), "16-s@x");
	assert_null(tb[M2MV_A_FLAGS]);
	assert_null(tb[M2MV_A_OWNER]);
	assert_null(tb[M2MV_A_GROUP]);
	assert_null(tb[M2MV_A_PERM]);
	nlmsg_free(msg);

	/* Only the fields set go out. */
	acc.set = M2MV_ACCESS_GROUP | M2MV_ACCESS_PERM;
	acc.owner = 99;
	acc.group = 4242;
	acc.perm = 0660;
	msg = m2mv__attach_msg(&ctl, "gw1", 7, "16-s@x", M2MV_ATTACH_F_RDONLY,
			       &acc);
	parse(msg, tb);
	assert_int_equal(nla_get_u32(tb[M2MV_A_FLAGS]), M2MV_ATTACH_F_RDONLY);
	assert_null(tb[M2MV_A_OWNER]);
	assert_int_equal(nla_get_u32(tb[M2MV_A_GROUP]), 4242);
	assert_int_equal(nla_get_u32(tb[M2MV_A_PERM]), 0660);
	nlmsg_free(msg);

	acc.set |= M2MV_ACCESS_OWNER;
	acc.perm = 0;
	msg = m2mv__attach_msg(&ctl, "gw1", 7, "16-s@x", 0, &acc);
	parse(msg, tb);
	assert_int_equal(nla_get_u32(tb[M2MV_A_OWNER]), 99);
	/* Mode 0 is sent: it is not the default. */
	assert_non_null(tb[M2MV_A_PERM]);
	assert_int_equal(nla_get_u32(tb[M2MV_A_PERM]), 0);
	nlmsg_free(msg);

	/* What is refused before anything is sent. */
	assert_int_equal(m2mv__access_check(NULL), 0);
	assert_int_equal(m2mv__access_check(&acc), 0);
	acc.perm = 0777;
	assert_int_equal(m2mv__access_check(&acc), 0);
	acc.perm = 01000;
	assert_int_equal(m2mv__access_check(&acc), -EINVAL);
	acc.set = M2MV_ACCESS_OWNER;	/* perm not given: not checked */
	assert_int_equal(m2mv__access_check(&acc), 0);
	acc.set = 1U << 3;
	assert_int_equal(m2mv__access_check(&acc), -EINVAL);
	acc.set = 0;
	acc.reserved[3] = 1;
	assert_int_equal(m2mv__access_check(&acc), -EINVAL);
}

static void test_attach_with_old_module(void **state)
{
	static const int ops[] = { M2MV_CMD_STORE_ATTACH, M2MV_CMD_STORE_GET };
	struct m2mv_attach_access acc = { .set = M2MV_ACCESS_PERM, .perm = 0660 };
	struct m2mv_attach_info info;
	struct m2mv_ctl ctl = { 0 };
	struct nl_msg *msg;

	(void)state;
	msg = family_msg(M2MV_GENL_NAME, ops, 2, M2MV_GENL_MCGRP_EVENTS);
	assert_int_equal(m2mv__parse_family(nlmsg_hdr(msg), &ctl.fam), 0);
	nlmsg_free(msg);
	/* Refused before anything is sent (there is no socket here). */
	assert_int_equal(m2mv_attach_with(&ctl, "gw1", 3, "16-s", 0, &acc,
					  &info), -EOPNOTSUPP);
	assert_non_null(strstr(m2mv_ctl_last_error(&ctl), "no store grants"));
	assert_int_equal(m2mv_key_bind(&ctl, "gw1", "15-k"), -EOPNOTSUPP);
	assert_string_equal(m2mv_ctl_last_error(&ctl),
			    "the loaded m2mvault module lacks netlink command KEY_BIND");
	acc.perm = 02000;
	assert_int_equal(m2mv_attach_with(&ctl, "gw1", 3, "16-s", 0, &acc,
					  &info), -EINVAL);
	assert_int_equal(m2mv_key_bind(&ctl, "gw1", ""), -EINVAL);
	assert_int_equal(m2mv_key_bind(&ctl, "", "15-k"), -EINVAL);
}

/*
 * A module older than M2MV_ATTACH_F_CREATE refuses it as an unknown flag:
 * the library says what that means; other failures keep the kernel's word.
 */
static void test_attach_create_with_old_module(void **state)
{
	struct m2mv_ctl ctl = { 0 };

	(void)state;
	strcpy(ctl.err, "attribute FLAGS: unknown attach flags");
	m2mv__attach_explain(&ctl, M2MV_ATTACH_F_CREATE, -EOPNOTSUPP);
	assert_non_null(strstr(m2mv_ctl_last_error(&ctl),
			       "older than this library"));
	assert_non_null(strstr(m2mv_ctl_last_error(&ctl), "CREATE"));

	/* Without the flag, or with bits no module knows: the kernel's. */
	strcpy(ctl.err, "attribute FLAGS: unknown attach flags");
	m2mv__attach_explain(&ctl, M2MV_ATTACH_F_RDONLY | (1U << 30),
			     -EOPNOTSUPP);
	assert_string_equal(m2mv_ctl_last_error(&ctl),
			    "attribute FLAGS: unknown attach flags");
	m2mv__attach_explain(&ctl, M2MV_ATTACH_F_CREATE | (1U << 30),
			     -EOPNOTSUPP);
	assert_string_equal(m2mv_ctl_last_error(&ctl),
			    "attribute FLAGS: unknown attach flags");
	/* A later flag alongside: that may be the one the module lacks. */
	m2mv__attach_explain(&ctl, M2MV_ATTACH_F_CREATE |
			     M2MV_ATTACH_F_STALE_OK, -EOPNOTSUPP);
	assert_string_equal(m2mv_ctl_last_error(&ctl),
			    "attribute FLAGS: unknown attach flags");
	/* Another error of a create: untouched. */
	strcpy(ctl.err, "the file is not empty: refusing to format over it");
	m2mv__attach_explain(&ctl, M2MV_ATTACH_F_CREATE, -EEXIST);
	assert_string_equal(m2mv_ctl_last_error(&ctl),
			    "the file is not empty: refusing to format over it");
	m2mv__attach_explain(&ctl, M2MV_ATTACH_F_CREATE, 0);
	assert_string_equal(m2mv_ctl_last_error(&ctl),
			    "the file is not empty: refusing to format over it");
}

static void test_key_bind_request(void **state)
{
	struct m2mv_ctl ctl = { .fam = { .id = FAMILY } };
	struct nlattr *tb[M2MV_A_MAX + 1];
	struct nl_msg *msg;

	(void)state;
	msg = m2mv__key_bind_msg(&ctl, "gw1", "15-old@tef.example");
	assert_non_null(msg);
	assert_int_equal(((struct genlmsghdr *)nlmsg_data(nlmsg_hdr(msg)))->cmd,
			 M2MV_CMD_KEY_BIND);
	parse(msg, tb);
	assert_string_equal(nla_get_string(tb[M2MV_A_NAME]), "gw1");
	assert_string_equal(nla_get_string(tb[M2MV_A_CREDID]),
			    "15-old@tef.example");
	nlmsg_free(msg);
}

static void test_store_status_malformed(void **state)
{
	struct nlattr *tb[M2MV_A_MAX + 1];
	struct m2mv_store_info si;
	struct nl_msg *msg;
	uint32_t four = 4;

	(void)state;
	/* No NAME. */
	msg = new_msg(M2MV_CMD_STORE_GET);
	nla_put_u64(msg, M2MV_A_RECORDS, 1);
	parse(msg, tb);
	assert_int_equal(m2mv__parse_store(tb, &si), -EPROTO);
	nlmsg_free(msg);

	/* A name too long for its array fails the policy. */
	msg = new_msg(M2MV_CMD_STORE_GET);
	nla_put_string(msg, M2MV_A_NAME, "a-name-that-is-longer-than-31-chars");
	assert_int_equal(m2mv__parse_attrs(nlmsg_hdr(msg), tb), -EPROTO);
	nlmsg_free(msg);

	/* A u64 of four bytes. */
	msg = new_msg(M2MV_CMD_STORE_GET);
	nla_put_string(msg, M2MV_A_NAME, "gw1");
	nla_put(msg, M2MV_A_RECORDS, sizeof(four), &four);
	assert_int_equal(m2mv__parse_attrs(nlmsg_hdr(msg), tb), -EPROTO);
	nlmsg_free(msg);

	/* A string without its terminator. */
	msg = new_msg(M2MV_CMD_STORE_GET);
	nla_put(msg, M2MV_A_NAME, 3, "gw1");
	assert_int_equal(m2mv__parse_attrs(nlmsg_hdr(msg), tb), -EPROTO);
	nlmsg_free(msg);
}

/* -------------------------------------------------------------- policies */

static void test_policy(void **state)
{
	struct nlattr *tb[M2MV_A_MAX + 1];
	struct m2mv_policy_info pi;
	struct nl_msg *msg;

	(void)state;
	msg = new_msg(M2MV_CMD_POLICY_GET);
	nla_put_string(msg, M2MV_A_NAME, "gw1");
	nla_put_string(msg, M2MV_A_PREFIX, "");
	nla_put_string(msg, M2MV_A_CREDID, "14-dir@tef.example");
	nla_put_u32(msg, M2MV_A_MODE, M2MV_MODE_DIR);
	nla_put_u32(msg, M2MV_A_FLAGS, M2MV_POLICY_F_INSTANCE);
	parse(msg, tb);
	assert_int_equal(m2mv__parse_policy(tb, &pi), 0);
	nlmsg_free(msg);
	assert_string_equal(pi.store, "gw1");
	assert_string_equal(pi.prefix, "");
	assert_string_equal(pi.credid, "14-dir@tef.example");
	assert_int_equal(pi.mode, M2MV_MODE_DIR);
	assert_int_equal(pi.flags, M2MV_POLICY_F_INSTANCE);

	/* As the module sends prefixes: unterminated, "" as no bytes. */
	msg = new_msg(M2MV_CMD_POLICY_GET);
	nla_put_string(msg, M2MV_A_NAME, "gw1");
	nla_put(msg, M2MV_A_PREFIX, 4, "cse/");
	nla_put_string(msg, M2MV_A_CREDID, "15-w");
	nla_put_u32(msg, M2MV_A_MODE, M2MV_MODE_WRAP);
	parse(msg, tb);
	assert_int_equal(m2mv__parse_policy(tb, &pi), 0);
	nlmsg_free(msg);
	assert_string_equal(pi.prefix, "cse/");
	assert_int_equal(pi.flags, 0);

	msg = new_msg(M2MV_CMD_POLICY_GET);
	nla_put_string(msg, M2MV_A_NAME, "gw1");
	nla_put(msg, M2MV_A_PREFIX, 0, NULL);
	nla_put_string(msg, M2MV_A_CREDID, "15-w");
	nla_put_u32(msg, M2MV_A_MODE, M2MV_MODE_WRAP);
	parse(msg, tb);
	assert_int_equal(m2mv__parse_policy(tb, &pi), 0);
	nlmsg_free(msg);
	assert_string_equal(pi.prefix, "");

	/* A prefix longer than any path cannot be. */
	{
		char big[M2MV_PATH_MAX + 2];

		memset(big, 'b', sizeof(big));
		msg = new_msg(M2MV_CMD_POLICY_GET);
		nla_put_string(msg, M2MV_A_NAME, "gw1");
		nla_put(msg, M2MV_A_PREFIX, sizeof(big), big);
		assert_int_equal(m2mv__parse_attrs(nlmsg_hdr(msg), tb), -EPROTO);
		nlmsg_free(msg);
	}

	msg = new_msg(M2MV_CMD_POLICY_GET);
	nla_put_string(msg, M2MV_A_NAME, "gw1");
	nla_put_u32(msg, M2MV_A_MODE, M2MV_MODE_DIR);
	parse(msg, tb);
	assert_int_equal(m2mv__parse_policy(tb, &pi), -EPROTO);
	nlmsg_free(msg);
}

/* A policy of several recipients: RECIPIENTS, one CREDID each. */
static void test_policy_rcpt(void **state)
{
	struct nlattr *tb[M2MV_A_MAX + 1], *nest;
	struct m2mv_policy_rcpt pr;
	struct nl_msg *msg;
	int i;

	(void)state;
	msg = new_msg(M2MV_CMD_POLICY_GET);
	nla_put_string(msg, M2MV_A_NAME, "gw1");
	nla_put(msg, M2MV_A_PREFIX, 2, "r/");
	nla_put_string(msg, M2MV_A_CREDID, "15-a");
	nla_put_u32(msg, M2MV_A_MODE, M2MV_MODE_WRAP);
	nest = nla_nest_start(msg, M2MV_A_RECIPIENTS);
	nla_put_string(msg, M2MV_A_CREDID, "15-b");
	nla_put_string(msg, M2MV_A_CREDID, "15-c");
	nla_nest_end(msg, nest);
	parse(msg, tb);
	assert_int_equal(m2mv__parse_policy_rcpt(tb, &pr), 0);
	nlmsg_free(msg);
	assert_string_equal(pr.info.credid, "15-a");
	assert_string_equal(pr.info.prefix, "r/");
	assert_int_equal(pr.n, 2);
	assert_string_equal(pr.recipients[0], "15-b");
	assert_string_equal(pr.recipients[1], "15-c");

	/* None: n 0. */
	msg = new_msg(M2MV_CMD_POLICY_GET);
	nla_put_string(msg, M2MV_A_NAME, "gw1");
	nla_put(msg, M2MV_A_PREFIX, 0, NULL);
	nla_put_string(msg, M2MV_A_CREDID, "15-a");
	nla_put_u32(msg, M2MV_A_MODE, M2MV_MODE_WRAP);
	parse(msg, tb);
	assert_int_equal(m2mv__parse_policy_rcpt(tb, &pr), 0);
	nlmsg_free(msg);
	assert_int_equal(pr.n, 0);

	/* More than M2MV_RECIPIENTS_MAX - 1, or another attribute inside. */
	for (i = 0; i < 2; i++) {
		msg = new_msg(M2MV_CMD_POLICY_GET);
		nla_put_string(msg, M2MV_A_NAME, "gw1");
		nla_put(msg, M2MV_A_PREFIX, 0, NULL);
		nla_put_string(msg, M2MV_A_CREDID, "15-a");
		nla_put_u32(msg, M2MV_A_MODE, M2MV_MODE_WRAP);
		nest = nla_nest_start(msg, M2MV_A_RECIPIENTS);
		if (i) {
			nla_put_u32(msg, M2MV_A_MODE, 1);
		} else {
			for (int j = 0; j < M2MV_RECIPIENTS_MAX; j++)
				nla_put_string(msg, M2MV_A_CREDID, "15-x");
		}
		nla_nest_end(msg, nest);
		parse(msg, tb);
		assert_int_equal(m2mv__parse_policy_rcpt(tb, &pr), -EPROTO);
		nlmsg_free(msg);
	}
}

/* ---------------------------------------------------------------- verify */

static void put_bad(struct nl_msg *msg, const char *path, uint64_t seq,
		    uint32_t reason)
{
	struct nlattr *nest = nla_nest_start(msg, M2MV_A_BAD);

	/* Unterminated, as the module sends paths. */
	if (path)
		nla_put(msg, M2MV_A_PATH, (int)strlen(path), path);
	nla_put_u64(msg, M2MV_A_SEQ, seq);
	nla_put_u32(msg, M2MV_A_REASON, reason);
	nla_nest_end(msg, nest);
}

static void test_verify(void **state)
{
	struct nlattr *tb[M2MV_A_MAX + 1];
	struct m2mv_verify_info vi;
	struct nl_msg *msg;

	(void)state;
	memset(&vi, 0, sizeof(vi));
	msg = new_msg(M2MV_CMD_STORE_VERIFY);
	nla_put_string(msg, M2MV_A_NAME, "gw1");
	nla_put_u64(msg, M2MV_A_RECORDS, 500);
	nla_put_u64(msg, M2MV_A_INTEGRITY_ERRORS, 3);
	put_bad(msg, "cse/a", 17, EBADMSG);
	put_bad(msg, NULL, 18, EIO);
	put_bad(msg, "cse/b", 99, EBADMSG);
	parse(msg, tb);
	assert_int_equal(m2mv__parse_verify(nlmsg_hdr(msg), tb, &vi), 0);
	nlmsg_free(msg);
	assert_int_equal(vi.records, 500);
	assert_int_equal(vi.integrity_errors, 3);
	assert_int_equal(vi.nbad, 3);
	assert_string_equal(vi.bad[0].path, "cse/a");
	assert_int_equal(vi.bad[0].seq, 17);
	assert_int_equal(vi.bad[0].reason, EBADMSG);
	assert_string_equal(vi.bad[1].path, "");
	assert_int_equal(vi.bad[1].reason, EIO);
	assert_int_equal(vi.bad[2].seq, 99);
	m2mv_verify_info_free(&vi);
	assert_null(vi.bad);
	assert_int_equal(vi.nbad, 0);

	/* A clean store: no BAD, no allocation. */
	msg = new_msg(M2MV_CMD_STORE_VERIFY);
	nla_put_string(msg, M2MV_A_NAME, "gw1");
	nla_put_u64(msg, M2MV_A_RECORDS, 5);
	nla_put_u64(msg, M2MV_A_INTEGRITY_ERRORS, 0);
	parse(msg, tb);
	assert_int_equal(m2mv__parse_verify(nlmsg_hdr(msg), tb, &vi), 0);
	nlmsg_free(msg);
	assert_int_equal(vi.records, 5);
	assert_null(vi.bad);
	m2mv_verify_info_free(&vi);
}

/* ---------------------------------------------------------------- events */

struct seen {
	int n;
	int stop_at;
	struct m2mv_event_info last;
};

static int on_event(const struct m2mv_event_info *ev, void *arg)
{
	struct seen *s = arg;

	s->n++;
	s->last = *ev;
	return s->n == s->stop_at ? 42 : 0;
}

/* Append a message to a datagram buffer as the kernel packs them. */
static size_t append(unsigned char *buf, size_t off, struct nl_msg *msg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	memcpy(buf + off, nlh, nlh->nlmsg_len);
	off += NLMSG_ALIGN(nlh->nlmsg_len);
	nlmsg_free(msg);
	return off;
}

static void test_events(void **state)
{
	static unsigned char buf[4096];
	struct seen s = { 0 };
	struct nl_msg *msg;
	size_t off = 0;

	(void)state;
	msg = new_msg(M2MV_CMD_EVENT);
	nla_put_u32(msg, M2MV_A_EVENT, M2MV_EVENT_INTEGRITY);
	nla_put_string(msg, M2MV_A_NAME, "gw1");
	nla_put(msg, M2MV_A_PATH, 5, "cse/a");
	nla_put_u64(msg, M2MV_A_SEQ, 17);
	nla_put_u32(msg, M2MV_A_REASON, EBADMSG);
	off = append(buf, off, msg);

	/* Not an event: skipped. */
	off = append(buf, off, new_msg(M2MV_CMD_STORE_GET));

	/* An event without EVENT: dropped. */
	msg = new_msg(M2MV_CMD_EVENT);
	nla_put_string(msg, M2MV_A_NAME, "gw1");
	off = append(buf, off, msg);

	msg = new_msg(M2MV_CMD_EVENT);
	nla_put_u32(msg, M2MV_A_EVENT, M2MV_EVENT_SCRUB_PROGRESS);
	nla_put_string(msg, M2MV_A_NAME, "gw2");
	nla_put_u64(msg, M2MV_A_DONE, 4096);
	nla_put_u64(msg, M2MV_A_TOTAL, 8192);
	off = append(buf, off, msg);

	assert_int_equal(m2mv__events_decode(FAMILY, buf, off, on_event, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.last.event, M2MV_EVENT_SCRUB_PROGRESS);
	assert_string_equal(s.last.name, "gw2");
	assert_int_equal(s.last.done, 4096);
	assert_int_equal(s.last.total, 8192);
	assert_true(M2MV_EVENT_HAS(&s.last, M2MV_A_DONE));
	assert_true(M2MV_EVENT_HAS(&s.last, M2MV_A_NAME));
	assert_false(M2MV_EVENT_HAS(&s.last, M2MV_A_PATH));
	assert_false(M2MV_EVENT_HAS(&s.last, M2MV_A_REASON));

	/* Another family's messages are not ours. */
	s.n = 0;
	assert_int_equal(m2mv__events_decode(FAMILY + 1, buf, off, on_event,
					     &s), 0);
	assert_int_equal(s.n, 0);

	/* The callback stops the walk and its value comes back. */
	s.n = 0;
	s.stop_at = 1;
	assert_int_equal(m2mv__events_decode(FAMILY, buf, off, on_event, &s),
			 42);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.last.event, M2MV_EVENT_INTEGRITY);
	assert_string_equal(s.last.path, "cse/a");
	assert_int_equal(s.last.seq, 17);
	assert_int_equal(s.last.reason, EBADMSG);

	/* A datagram cut in the middle of a message stops cleanly. */
	s.n = 0;
	s.stop_at = 0;
	assert_int_equal(m2mv__events_decode(FAMILY, buf, 20, on_event, &s), 0);
	assert_int_equal(s.n, 0);
}

/* -------------------------------------------------------------- progress */

struct progress_seen {
	int n;
	uint64_t done[8], total[8];
};

static void on_progress(uint64_t done, uint64_t total, void *arg)
{
	struct progress_seen *s = arg;

	assert_true(s->n < 8);
	s->done[s->n] = done;
	s->total[s->n] = total;
	s->n++;
}

static struct nl_msg *progress_msg(unsigned int event, const char *name,
				   uint64_t done, int with_total)
{
	struct nl_msg *msg = new_msg(M2MV_CMD_EVENT);

	nla_put_u32(msg, M2MV_A_EVENT, event);
	nla_put_string(msg, M2MV_A_NAME, name);
	nla_put_u64(msg, M2MV_A_DONE, done);
	if (with_total)
		nla_put_u64(msg, M2MV_A_TOTAL, 40);
	return msg;
}

/*
 * What the kernel sends while gw1 is compacted, with a scrub of gw1 and a
 * compaction of gw2 running at the same time: each command's callback
 * gets its own store's events of its own kind, complete ones only.
 */
static void test_progress(void **state)
{
	static unsigned char buf[4096];
	struct progress_seen s = { 0 };
	struct m2mv__progress p;
	size_t off = 0;

	(void)state;
	off = append(buf, off, progress_msg(M2MV_EVENT_COMPACT_PROGRESS, "gw1",
					    10, 1));
	off = append(buf, off, progress_msg(M2MV_EVENT_COMPACT_PROGRESS, "gw2",
					    20, 1));
	off = append(buf, off, progress_msg(M2MV_EVENT_SCRUB_PROGRESS, "gw1",
					    30, 1));
	off = append(buf, off, progress_msg(M2MV_EVENT_COMPACT_PROGRESS, "gw1",
					    35, 0));
	off = append(buf, off, progress_msg(M2MV_EVENT_COMPACT_PROGRESS, "gw1",
					    40, 1));

	m2mv__progress_init(&p, M2MV_CMD_STORE_COMPACT, "gw1", on_progress, &s);
	assert_int_equal(p.event, M2MV_EVENT_COMPACT_PROGRESS);
	assert_int_equal(m2mv__events_decode(FAMILY, buf, off,
					     m2mv__progress_event, &p), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.done[0], 10);
	assert_int_equal(s.total[0], 40);
	assert_int_equal(s.done[1], 40);
	assert_int_equal(s.total[1], 40);

	/* The foreign store's compaction, seen by its own command. */
	memset(&s, 0, sizeof(s));
	m2mv__progress_init(&p, M2MV_CMD_STORE_COMPACT, "gw2", on_progress, &s);
	assert_int_equal(m2mv__events_decode(FAMILY, buf, off,
					     m2mv__progress_event, &p), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.done[0], 20);

	/* A scrub of gw1 sees only the scrub's progress. */
	memset(&s, 0, sizeof(s));
	m2mv__progress_init(&p, M2MV_CMD_STORE_VERIFY, "gw1", on_progress, &s);
	assert_int_equal(p.event, M2MV_EVENT_SCRUB_PROGRESS);
	assert_int_equal(m2mv__events_decode(FAMILY, buf, off,
					     m2mv__progress_event, &p), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.done[0], 30);

	/* No callback, or a command without progress: nothing is called. */
	memset(&s, 0, sizeof(s));
	m2mv__progress_init(&p, M2MV_CMD_STORE_COMPACT, "gw1", NULL, &s);
	assert_int_equal(m2mv__events_decode(FAMILY, buf, off,
					     m2mv__progress_event, &p), 0);
	m2mv__progress_init(&p, M2MV_CMD_STORE_GET, "gw1", on_progress, &s);
	assert_int_equal(m2mv__events_decode(FAMILY, buf, off,
					     m2mv__progress_event, &p), 0);
	assert_int_equal(s.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_nlerr),
		cmocka_unit_test(test_extack_capped),
		cmocka_unit_test(test_extack_uncapped),
		cmocka_unit_test(test_extack_offset_or_missing_only),
		cmocka_unit_test(test_extack_none),
		cmocka_unit_test(test_extack_done),
		cmocka_unit_test(test_family),
		cmocka_unit_test(test_store_status),
		cmocka_unit_test(test_store_status_malformed),
		cmocka_unit_test(test_store_status_no_grant),
		cmocka_unit_test(test_store_info_1_0),
		cmocka_unit_test(test_attach_request),
		cmocka_unit_test(test_attach_with_old_module),
		cmocka_unit_test(test_attach_create_with_old_module),
		cmocka_unit_test(test_key_bind_request),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_policy_rcpt),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_progress),
	};

	return cmocka_run_group_tests_name("lib_nl", tests, NULL, NULL);
}
