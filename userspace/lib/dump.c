// SPDX-License-Identifier: GPL-2.0
/*
 * The dumps of the control plane: store status (STORE_GET) and policies
 * (POLICY_GET), each collected by one helper into an array, filtered by
 * store name.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "lib/internal.h"

/* A dump found inconsistent (the set changed under it) is re-run. */
#define M2MV_DUMP_TRIES 4

/*
 * What a dump is collected into: a growing array of fixed-size elements,
 * each parsed from one reply, the store's name at @name_off in each.
 */
struct m2mv_dump_spec {
	uint8_t cmd;
	size_t size;			/* of one element */
	size_t name_off;		/* of its store name (a char array) */
	int (*parse)(struct nlattr **tb, void *item);
};

struct m2mv_vec {
	const struct m2mv_dump_spec *spec;
	void *items;
	size_t n;
	size_t cap;
	const char *store;		/* keep only this store's, or NULL */
};

static void *m2mv_vec_push(struct m2mv_vec *v)
{
	size_t size = v->spec->size;
	void *p;

	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 8;

		p = realloc(v->items, cap * size);
		if (!p)
			return NULL;
		v->items = p;
		v->cap = cap;
	}
	p = (char *)v->items + v->n++ * size;
	memset(p, 0, size);
	return p;
}

static void m2mv_vec_reset(struct m2mv_vec *v)
{
	free(v->items);
	v->items = NULL;
	v->n = 0;
	v->cap = 0;
}

/* One reply: parse it into a new element, kept if it is @v->store's. */
static int m2mv_vec_reply(struct nlmsghdr *nlh, struct nlattr **tb, void *arg)
{
	struct m2mv_vec *v = arg;
	void *item;
	int ret;

	(void)nlh;
	item = m2mv_vec_push(v);
	if (!item)
		return -ENOMEM;
	ret = v->spec->parse(tb, item);
	if (ret || (v->store &&
		    strcmp((const char *)item + v->spec->name_off, v->store)))
		v->n--;
	return ret;
}

/*
 * Run the dump @spec describes into *@items (NULL when empty) and *@count,
 * keeping only store @store's elements if it is not NULL; again while the
 * dump comes back inconsistent.
 */
static int m2mv_dump(struct m2mv_ctl *ctl, const struct m2mv_dump_spec *spec,
		     const char *store, void **items, size_t *count)
{
	struct m2mv_vec v = { .spec = spec, .store = store };
	struct nl_msg *msg;
	int tries, ret;

	*items = NULL;
	*count = 0;
	m2mv__clear_error(ctl);
	if (store && (!*store || strlen(store) >= M2MV_NAME_MAX))
		return -EINVAL;
	ret = m2mv__need(ctl, spec->cmd);
	if (ret)
		return ret;
	ret = -EAGAIN;
	for (tries = 0; tries < M2MV_DUMP_TRIES && ret == -EAGAIN; tries++) {
		m2mv_vec_reset(&v);
		msg = m2mv__msg(ctl, spec->cmd, 1);
		if (!msg)
			return -ENOMEM;
		ret = m2mv__request(ctl, msg, m2mv_vec_reply, &v);
	}
	if (ret || !v.n)
		m2mv_vec_reset(&v);
	if (ret)
		return ret;
	*items = v.items;
	*count = v.n;
	return 0;
}

/* ---------------------------------------------------------------- status */

static const struct nla_policy m2mv_ctr_policy[M2MV_CTR_MAX + 1] = {
	[M2MV_CTR_PUTS] = { .type = NLA_U64 },
	[M2MV_CTR_GETS] = { .type = NLA_U64 },
	[M2MV_CTR_DELETES] = { .type = NLA_U64 },
	[M2MV_CTR_INTEGRITY_FAILURES] = { .type = NLA_U64 },
	[M2MV_CTR_KEY_REFUSALS] = { .type = NLA_U64 },
	[M2MV_CTR_ACCESS_REFUSALS] = { .type = NLA_U64 },
};

_Static_assert(__M2MV_CTR_MAX <= M2MV_STORE_COUNTERS,
	       "struct m2mv_store_info has no room for every counter");
_Static_assert(M2MV_CTR_PAD < M2MV__CTR_MAX_1_0 &&
	       M2MV_CTR_ACCESS_REFUSALS >= M2MV__CTR_MAX_1_0,
	       "the 1.0 layout had the counters up to PAD");

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
	si->owner = m2mv_u32(tb, M2MV_A_OWNER);
	si->group = m2mv_u32(tb, M2MV_A_GROUP);
	si->perm = tb[M2MV_A_PERM] ? nla_get_u32(tb[M2MV_A_PERM]) :
				     M2MV_PERM_NONE;
	if (si->perm != M2MV_PERM_NONE && si->perm > 0777)
		return -EPROTO;
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

static int m2mv_store_item(struct nlattr **tb, void *item)
{
	return m2mv__parse_store(tb, item);
}

static const struct m2mv_dump_spec m2mv_store_dump = {
	.cmd = M2MV_CMD_STORE_GET,
	.size = sizeof(struct m2mv_store_info),
	.name_off = offsetof(struct m2mv_store_info, name),
	.parse = m2mv_store_item,
};

/* m2mv_status@@M2MV_1.1, what a plain m2mv_status() links to. */
int m2mv__status_1_1(struct m2mv_ctl *ctl, const char *name,
		     struct m2mv_store_info **list, size_t *count)
{
	void *items;
	int ret;

	*list = NULL;
	ret = m2mv_dump(ctl, &m2mv_store_dump, name, &items, count);
	if (ret)
		return ret;
	/* A store asked for by name that is not there. */
	if (name && !*count)
		return -ENOENT;
	*list = items;
	return 0;
}
__asm__(".symver m2mv__status_1_1, m2mv_status@@M2MV_1.1");

/*
 * Programs linked against libm2mvault 1.0 know a struct m2mv_store_info
 * without the grant and with 7 counters, and index the array the library
 * allocates with that size: they get m2mv_status@M2MV_1.0, which hands
 * out that layout. The static archive carries it too, unused.
 */
void m2mv__store_info_to_1_0(const struct m2mv_store_info *si, size_t n,
			     struct m2mv__store_info_1_0 *old)
{
	size_t i;

	for (i = 0; i < n; i++) {
		memset(&old[i], 0, sizeof(old[i]));
		memcpy(old[i].name, si[i].name, sizeof(old[i].name));
		memcpy(old[i].file, si[i].file, sizeof(old[i].file));
		old[i].state = si[i].state;
		old[i].flags = si[i].flags;
		old[i].records = si[i].records;
		old[i].file_bytes = si[i].file_bytes;
		old[i].live = si[i].live;
		old[i].live_bytes = si[i].live_bytes;
		old[i].last_seq = si[i].last_seq;
		memcpy(old[i].counters, si[i].counters,
		       sizeof(old[i].counters));
	}
}

int m2mv__status_1_0(struct m2mv_ctl *ctl, const char *name,
		     struct m2mv__store_info_1_0 **list, size_t *count)
{
	struct m2mv_store_info *cur;
	struct m2mv__store_info_1_0 *old;
	int ret;

	*list = NULL;
	ret = m2mv__status_1_1(ctl, name, &cur, count);
	if (ret || !*count)
		return ret;
	old = calloc(*count, sizeof(*old));
	if (!old) {
		free(cur);
		*count = 0;
		return -ENOMEM;
	}
	m2mv__store_info_to_1_0(cur, *count, old);
	free(cur);
	*list = old;
	return 0;
}
__asm__(".symver m2mv__status_1_0, m2mv_status@M2MV_1.0");

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

static int m2mv_policy_item(struct nlattr **tb, void *item)
{
	return m2mv__parse_policy(tb, item);
}

static const struct m2mv_dump_spec m2mv_policy_dump = {
	.cmd = M2MV_CMD_POLICY_GET,
	.size = sizeof(struct m2mv_policy_info),
	.name_off = offsetof(struct m2mv_policy_info, store),
	.parse = m2mv_policy_item,
};

int m2mv_policy_list(struct m2mv_ctl *ctl, const char *store,
		     struct m2mv_policy_info **list, size_t *count)
{
	void *items;
	int ret;

	*list = NULL;
	ret = m2mv_dump(ctl, &m2mv_policy_dump, store, &items, count);
	if (!ret)
		*list = items;
	return ret;
}

/* The recipients beyond CREDID (RECIPIENTS) of one POLICY_GET reply. */
int m2mv__parse_policy_rcpt(struct nlattr **tb, struct m2mv_policy_rcpt *pr)
{
	struct nlattr *a;
	int ret, rem;

	ret = m2mv__parse_policy(tb, &pr->info);
	pr->n = 0;
	memset(pr->recipients, 0, sizeof(pr->recipients));
	if (ret || !tb[M2MV_A_RECIPIENTS])
		return ret;
	nla_for_each_nested(a, tb[M2MV_A_RECIPIENTS], rem) {
		if (nla_type(a) != M2MV_A_CREDID ||
		    pr->n == M2MV_RECIPIENTS_MAX - 1 ||
		    m2mv__attr_str(pr->recipients[pr->n],
				   sizeof(pr->recipients[0]), a))
			return -EPROTO;
		pr->n++;
	}
	return 0;
}

static int m2mv_policy_rcpt_item(struct nlattr **tb, void *item)
{
	return m2mv__parse_policy_rcpt(tb, item);
}

static const struct m2mv_dump_spec m2mv_policy_rcpt_dump = {
	.cmd = M2MV_CMD_POLICY_GET,
	.size = sizeof(struct m2mv_policy_rcpt),
	.name_off = offsetof(struct m2mv_policy_rcpt, info.store),
	.parse = m2mv_policy_rcpt_item,
};

int m2mv_policy_list_rcpt(struct m2mv_ctl *ctl, const char *store,
			  struct m2mv_policy_rcpt **list, size_t *count)
{
	void *items;
	int ret;

	*list = NULL;
	ret = m2mv_dump(ctl, &m2mv_policy_rcpt_dump, store, &items, count);
	if (!ret)
		*list = items;
	return ret;
}

/* ------------------------------------------------------------- anchors */

struct m2mv_anchor_item {
	char name[M2MV_NAME_MAX];
	struct m2mv_anchor anchor;
	int has;
};

static int m2mv_anchor_item(struct nlattr **tb, void *item)
{
	struct m2mv_anchor_item *ai = item;

	memset(ai, 0, sizeof(*ai));
	if (!tb[M2MV_A_NAME] ||
	    m2mv__attr_str(ai->name, sizeof(ai->name), tb[M2MV_A_NAME]))
		return -EPROTO;
	if (!tb[M2MV_A_ANCHOR_SEQ] || !tb[M2MV_A_ANCHOR_CHAIN])
		return 0;
	if (nla_len(tb[M2MV_A_ANCHOR_CHAIN]) != M2MV_CHAIN_SIZE)
		return -EPROTO;
	ai->anchor.seq = nla_get_u64(tb[M2MV_A_ANCHOR_SEQ]);
	memcpy(ai->anchor.chain, nla_data(tb[M2MV_A_ANCHOR_CHAIN]),
	       M2MV_CHAIN_SIZE);
	ai->has = 1;
	return 0;
}

static const struct m2mv_dump_spec m2mv_anchor_dump = {
	.cmd = M2MV_CMD_STORE_GET,
	.size = sizeof(struct m2mv_anchor_item),
	.name_off = offsetof(struct m2mv_anchor_item, name),
	.parse = m2mv_anchor_item,
};

int m2mv_anchor_get(struct m2mv_ctl *ctl, const char *name,
		    struct m2mv_anchor *anchor)
{
	struct m2mv_anchor_item *ai;
	void *items;
	size_t count;
	int ret;

	memset(anchor, 0, sizeof(*anchor));
	if (!name)
		return -EINVAL;
	ret = m2mv_dump(ctl, &m2mv_anchor_dump, name, &items, &count);
	if (ret)
		return ret;
	ai = items;
	if (!count)
		ret = -ENOENT;
	else if (!ai->has)
		ret = -EOPNOTSUPP;
	else
		*anchor = ai->anchor;
	free(items);
	return ret;
}

/* ------------------------------------------------------------ recovery */

struct m2mv_recovery_item {
	char name[M2MV_NAME_MAX];
	char credid[M2MV_CREDID_MAX + 1];
};

static int m2mv_recovery_item(struct nlattr **tb, void *item)
{
	struct m2mv_recovery_item *ri = item;

	memset(ri, 0, sizeof(*ri));
	if (!tb[M2MV_A_NAME] ||
	    m2mv__attr_str(ri->name, sizeof(ri->name), tb[M2MV_A_NAME]))
		return -EPROTO;
	if (tb[M2MV_A_RECOVERY] &&
	    m2mv__attr_str(ri->credid, sizeof(ri->credid),
			   tb[M2MV_A_RECOVERY]))
		return -EPROTO;
	return 0;
}

static const struct m2mv_dump_spec m2mv_recovery_dump = {
	.cmd = M2MV_CMD_STORE_GET,
	.size = sizeof(struct m2mv_recovery_item),
	.name_off = offsetof(struct m2mv_recovery_item, name),
	.parse = m2mv_recovery_item,
};

int m2mv_recovery_get(struct m2mv_ctl *ctl, const char *name, char *credid)
{
	struct m2mv_recovery_item *ri;
	void *items;
	size_t count;
	int ret;

	credid[0] = '\0';
	if (!name)
		return -EINVAL;
	ret = m2mv_dump(ctl, &m2mv_recovery_dump, name, &items, &count);
	if (ret)
		return ret;
	ri = items;
	if (!count)
		ret = -ENOENT;
	else if (!ri->credid[0])
		ret = -ENODATA;
	else
		memcpy(credid, ri->credid, sizeof(ri->credid));
	free(items);
	return ret;
}
