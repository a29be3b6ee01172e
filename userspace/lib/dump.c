// SPDX-License-Identifier: GPL-2.0
/*
 * The dumps of the control plane: store status (STORE_GET) and policies
 * (POLICY_GET), collected into arrays and filtered by store name.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "lib/internal.h"

/* A dump found inconsistent (the set changed under it) is re-run. */
#define M2MV_DUMP_TRIES 4

/* A growing array of fixed-size elements. */
struct m2mv_vec {
	void *items;
	size_t n;
	size_t cap;
	size_t size;			/* of one element */
	const char *store;		/* keep only this store's, or NULL */
};

static void *m2mv_vec_push(struct m2mv_vec *v)
{
	void *p;

	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 8;

		p = realloc(v->items, cap * v->size);
		if (!p)
			return NULL;
		v->items = p;
		v->cap = cap;
	}
	p = (char *)v->items + v->n++ * v->size;
	memset(p, 0, v->size);
	return p;
}

static void m2mv_vec_reset(struct m2mv_vec *v)
{
	free(v->items);
	v->items = NULL;
	v->n = 0;
	v->cap = 0;
}

/* Run dump @cmd into @v, again while it comes back inconsistent. */
static int m2mv_dump(struct m2mv_ctl *ctl, uint8_t cmd, m2mv__reply_fn fn,
		     struct m2mv_vec *v)
{
	struct nl_msg *msg;
	int tries, ret = -EAGAIN;

	for (tries = 0; tries < M2MV_DUMP_TRIES && ret == -EAGAIN; tries++) {
		m2mv_vec_reset(v);
		msg = m2mv__msg(ctl, cmd, 1);
		if (!msg)
			return -ENOMEM;
		ret = m2mv__request(ctl, msg, fn, v);
	}
	if (ret)
		m2mv_vec_reset(v);
	return ret;
}

/* ---------------------------------------------------------------- status */

static const struct nla_policy m2mv_ctr_policy[M2MV_CTR_MAX + 1] = {
	[M2MV_CTR_PUTS] = { .type = NLA_U64 },
	[M2MV_CTR_GETS] = { .type = NLA_U64 },
	[M2MV_CTR_DELETES] = { .type = NLA_U64 },
	[M2MV_CTR_INTEGRITY_FAILURES] = { .type = NLA_U64 },
	[M2MV_CTR_KEY_REFUSALS] = { .type = NLA_U64 },
};

static uint64_t m2mv_u64(struct nlattr **tb, int attr)
{
	return tb[attr] ? nla_get_u64(tb[attr]) : 0;
}

static uint32_t m2mv_u32(struct nlattr **tb, int attr)
{
	return tb[attr] ? nla_get_u32(tb[attr]) : 0;
}

int m2mv__parse_store(struct nlattr **tb, struct m2mv_store_info *si)
{
	struct nlattr *ct[M2MV_CTR_MAX + 1];
	unsigned int i;

	memset(si, 0, sizeof(*si));
	if (!tb[M2MV_A_NAME] ||
	    m2mv__attr_str(si->name, sizeof(si->name), tb[M2MV_A_NAME]))
		return -EPROTO;
	if (tb[M2MV_A_FILE] &&
	    m2mv__attr_str(si->file, sizeof(si->file), tb[M2MV_A_FILE]))
		return -EPROTO;
	si->state = m2mv_u32(tb, M2MV_A_STATE);
	si->flags = m2mv_u32(tb, M2MV_A_FLAGS);
	si->records = m2mv_u64(tb, M2MV_A_RECORDS);
	si->file_bytes = m2mv_u64(tb, M2MV_A_FILE_BYTES);
	si->live = m2mv_u64(tb, M2MV_A_LIVE);
	si->live_bytes = m2mv_u64(tb, M2MV_A_LIVE_BYTES);
	si->last_seq = m2mv_u64(tb, M2MV_A_LAST_SEQ);
	if (tb[M2MV_A_COUNTERS]) {
		if (nla_parse_nested(ct, M2MV_CTR_MAX, tb[M2MV_A_COUNTERS],
				     m2mv_ctr_policy) < 0)
			return -EPROTO;
		for (i = 1; i <= M2MV_CTR_MAX; i++)
			if (m2mv_counter_name(i) && ct[i])
				si->counters[i] = nla_get_u64(ct[i]);
	}
	return 0;
}

static int m2mv_status_reply(struct nlmsghdr *nlh, struct nlattr **tb,
			     void *arg)
{
	struct m2mv_vec *v = arg;
	struct m2mv_store_info *si;
	int ret;

	(void)nlh;
	si = m2mv_vec_push(v);
	if (!si)
		return -ENOMEM;
	ret = m2mv__parse_store(tb, si);
	if (ret || (v->store && strcmp(si->name, v->store)))
		v->n--;
	return ret;
}

int m2mv_status(struct m2mv_ctl *ctl, const char *name,
		struct m2mv_store_info **list, size_t *count)
{
	struct m2mv_vec v = { .size = sizeof(struct m2mv_store_info) };
	int ret;

	*list = NULL;
	*count = 0;
	m2mv__clear_error(ctl);
	if (name && (!*name || strlen(name) >= M2MV_NAME_MAX))
		return -EINVAL;
	ret = m2mv__need(ctl, M2MV_CMD_STORE_GET);
	if (ret)
		return ret;
	v.store = name;
	ret = m2mv_dump(ctl, M2MV_CMD_STORE_GET, m2mv_status_reply, &v);
	if (ret)
		return ret;
	if (name && !v.n) {
		m2mv_vec_reset(&v);
		return -ENOENT;
	}
	if (!v.n)
		m2mv_vec_reset(&v);
	*list = v.items;
	*count = v.n;
	return 0;
}

/* -------------------------------------------------------------- policies */

int m2mv__parse_policy(struct nlattr **tb, struct m2mv_policy_info *pi)
{
	memset(pi, 0, sizeof(*pi));
	if (!tb[M2MV_A_NAME] || !tb[M2MV_A_PREFIX] || !tb[M2MV_A_MODE] ||
	    m2mv__attr_str(pi->store, sizeof(pi->store), tb[M2MV_A_NAME]) ||
	    m2mv__attr_str(pi->prefix, sizeof(pi->prefix),
			   tb[M2MV_A_PREFIX]))
		return -EPROTO;
	if (tb[M2MV_A_CREDID] &&
	    m2mv__attr_str(pi->credid, sizeof(pi->credid), tb[M2MV_A_CREDID]))
		return -EPROTO;
	pi->mode = nla_get_u32(tb[M2MV_A_MODE]);
	pi->flags = m2mv_u32(tb, M2MV_A_FLAGS);
	return 0;
}

static int m2mv_policy_reply(struct nlmsghdr *nlh, struct nlattr **tb,
			     void *arg)
{
	struct m2mv_vec *v = arg;
	struct m2mv_policy_info *pi;
	int ret;

	(void)nlh;
	pi = m2mv_vec_push(v);
	if (!pi)
		return -ENOMEM;
	ret = m2mv__parse_policy(tb, pi);
	if (ret || (v->store && strcmp(pi->store, v->store)))
		v->n--;
	return ret;
}

int m2mv_policy_list(struct m2mv_ctl *ctl, const char *store,
		     struct m2mv_policy_info **list, size_t *count)
{
	struct m2mv_vec v = { .size = sizeof(struct m2mv_policy_info) };
	int ret;

	*list = NULL;
	*count = 0;
	m2mv__clear_error(ctl);
	if (store && (!*store || strlen(store) >= M2MV_NAME_MAX))
		return -EINVAL;
	ret = m2mv__need(ctl, M2MV_CMD_POLICY_GET);
	if (ret)
		return ret;
	v.store = store;
	ret = m2mv_dump(ctl, M2MV_CMD_POLICY_GET, m2mv_policy_reply, &v);
	if (ret)
		return ret;
	if (!v.n)
		m2mv_vec_reset(&v);
	*list = v.items;
	*count = v.n;
	return 0;
}
