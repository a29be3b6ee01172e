// SPDX-License-Identifier: GPL-2.0
/*
 * Self-test of policy.c, included at its end; __init, so it is gone once
 * the module is loaded. A table gets a few thousand random sets (new
 * prefixes and replacements) and deletes of prefixes over a three-letter
 * alphabet, so that they nest, have siblings and come in a dozen lengths;
 * a model of the table (an array in walk order) follows every change.
 * After each step the table must agree with the model:
 *
 *  - m2mv_policy_match() of random paths gives the policy a brute-force
 *    longest byte prefix over the model picks, or -EACCES;
 *  - set and del succeed or fail as the model says they must;
 *  - a walk reports the model's policies in its order, and a walk stopped
 *    half-way and resumed after a set and a del reports the model's
 *    policies from the position it stopped at;
 *
 * and once killed the table refuses everything.
 */
#define PST_STEPS	600
#define PST_MAX		128		/* policies at most in the model */
#define PST_PREFIX_MAX	12
#define PST_PATHS	4		/* matches checked per step */

struct pst_pol {
	char prefix[PST_PREFIX_MAX];
	u16 len;
	u32 tag;			/* its credid is "15-st<tag>@m2mv" */
};

struct pst_seen {
	char prefix[PST_PREFIX_MAX];
	u16 len;
	char credid[32];
};

struct pst {
	struct m2mv_policies pt;
	u32 rnd;
	u32 tags;			/* tags used so far */
	unsigned int n;
	struct pst_pol pol[PST_MAX];
	/* what walks reported */
	unsigned int nseen, limit;
	struct pst_seen seen[PST_MAX];
};

static const u8 pst_key_id[M2MV_KEY_ID_SIZE] __initconst = { 0x5e, 0x1f };
static const u8 pst_other_id[M2MV_KEY_ID_SIZE] __initconst = { 0x0d, 0xd };

static u32 __init pst_rand(struct pst *t)
{
	/* xorshift32: the same sequence at every load. */
	t->rnd ^= t->rnd << 13;
	t->rnd ^= t->rnd >> 17;
	t->rnd ^= t->rnd << 5;
	return t->rnd;
}

/* Random bytes of "ab/" at @out, from @min to @max of them; their number. */
static u16 __init pst_string(struct pst *t, char *out, u16 min, u16 max)
{
	u16 len = min + pst_rand(t) % (max - min + 1), i;

	for (i = 0; i < len; i++)
		out[i] = "ab/"[pst_rand(t) % 3];
	return len;
}

static void __init pst_credid(char *out, size_t size, u32 tag)
{
	snprintf(out, size, "15-st%u@m2mv", tag);
}

static int __init pst_fail(const char *what, unsigned int step, int ret)
{
	pr_err("self-test policy %s failed at step %u (%d)\n", what, step, ret);
	return -EINVAL;
}

static int __init pst_find(const struct pst *t, const char *prefix, u16 len)
{
	unsigned int i;

	for (i = 0; i < t->n; i++)
		if (t->pol[i].len == len && !memcmp(t->pol[i].prefix, prefix, len))
			return i;
	return -1;
}

/* Set @prefix to a new tag, in the table and in the model. */
static int __init pst_set(struct pst *t, const char *prefix, u16 len)
{
	char credid[32];
	int i = pst_find(t, prefix, len), ret;

	if (i < 0 && t->n == PST_MAX)
		return 0;
	pst_credid(credid, sizeof(credid), t->tags);
	ret = m2mv_policy_set(&t->pt, prefix, len, credid, M2MV_MODE_WRAP, 0,
			      pst_key_id, NULL, NULL);
	if (ret)
		return ret;
	if (i < 0) {
		i = t->n++;
		memcpy(t->pol[i].prefix, prefix, len);
		t->pol[i].len = len;
	}
	t->pol[i].tag = t->tags++;
	return 0;
}

/* Delete @prefix: it must fail exactly if the model does not have it. */
static int __init pst_del(struct pst *t, const char *prefix, u16 len)
{
	int i = pst_find(t, prefix, len), ret;

	ret = m2mv_policy_del(&t->pt, prefix, len);
	if (i < 0)
		return ret == -ENOENT ? 0 : -EINVAL;
	if (ret)
		return ret;
	t->n--;
	memmove(&t->pol[i], &t->pol[i + 1], (t->n - i) * sizeof(t->pol[0]));
	return 0;
}

/*
 * Match a path against the brute-force answer of the model: a random one,
 * or half of the time one of the model's prefixes and a few more bytes.
 */
static int __init pst_match(struct pst *t, struct m2mv_policy_match *m)
{
	char path[PST_PREFIX_MAX + 4], want[32];
	int best = -1, ret;
	unsigned int i;
	u16 len;

	if (t->n && pst_rand(t) % 2) {
		i = pst_rand(t) % t->n;
		len = t->pol[i].len;
		memcpy(path, t->pol[i].prefix, len);
		len += pst_string(t, path + len, !len, 4);
	} else {
		len = pst_string(t, path, 1, sizeof(path));
	}

	for (i = 0; i < t->n; i++)
		if (t->pol[i].len <= len &&
		    !memcmp(t->pol[i].prefix, path, t->pol[i].len) &&
		    (best < 0 || t->pol[i].len > t->pol[best].len))
			best = i;
	ret = m2mv_policy_match(&t->pt, path, len, m);
	if (best < 0)
		return ret == -EACCES ? 0 : -EINVAL;
	if (ret)
		return ret;
	pst_credid(want, sizeof(want), t->pol[best].tag);
	if (strcmp(m->credid, want) || m->mode != M2MV_MODE_WRAP ||
	    m->rcpt.n != 1 || strcmp(m->rcpt.kid[0], want))
		return -EINVAL;
	return 0;
}

static int __init pst_seen_one(void *ctx, const struct m2mv_policy_info *p)
{
	struct pst *t = ctx;
	struct pst_seen *s;

	if (t->nseen == t->limit)
		return 1;
	s = &t->seen[t->nseen++];
	if (p->prefix_len > sizeof(s->prefix))
		return -E2BIG;
	memcpy(s->prefix, p->prefix, p->prefix_len);
	s->len = p->prefix_len;
	strscpy(s->credid, p->credid, sizeof(s->credid));
	return 0;
}

/* Are seen[from..to) the model's policies at those places? */
static bool __init pst_seen_model(const struct pst *t, unsigned int from,
				  unsigned int to)
{
	char want[32];
	unsigned int i;

	if (t->nseen != to || to > t->n)
		return false;
	for (i = from; i < to; i++) {
		pst_credid(want, sizeof(want), t->pol[i].tag);
		if (t->seen[i].len != t->pol[i].len ||
		    memcmp(t->seen[i].prefix, t->pol[i].prefix, t->pol[i].len) ||
		    strcmp(t->seen[i].credid, want))
			return false;
	}
	return true;
}

/*
 * Walk the first @k policies, then replace one anywhere, set a new prefix
 * (or replace one), delete one the walk has not reached, and resume: the
 * first @k reported are the model's as it was, the others the model's
 * from there on as it is now.
 */
static int __init pst_walk(struct pst *t, unsigned int k)
{
	char prefix[PST_PREFIX_MAX];
	unsigned long idx = 0;
	unsigned int i;
	bool stopped;
	u16 len;
	int ret;

	t->nseen = 0;
	t->limit = k;
	ret = m2mv_policy_walk(&t->pt, &idx, pst_seen_one, t);
	stopped = k < t->n;
	k = min(k, t->n);
	if (idx != k || ret != stopped || !pst_seen_model(t, 0, k))
		return -EINVAL;
	if (t->n) {
		i = pst_rand(t) % t->n;
		ret = pst_set(t, t->pol[i].prefix, t->pol[i].len);
		if (ret)
			return ret;
	}
	len = pst_string(t, prefix, 0, PST_PREFIX_MAX);
	ret = pst_set(t, prefix, len);
	if (!ret && t->n > k) {
		i = k + pst_rand(t) % (t->n - k);
		ret = pst_del(t, t->pol[i].prefix, t->pol[i].len);
	}
	if (ret)
		return ret;
	t->limit = PST_MAX;
	ret = m2mv_policy_walk(&t->pt, &idx, pst_seen_one, t);
	if (ret || idx != t->n)
		return ret ?: -EINVAL;
	return pst_seen_model(t, k, t->n) ? 0 : -EINVAL;
}

static int __init pst_steps(struct pst *t, struct m2mv_policy_match *m)
{
	char prefix[PST_PREFIX_MAX], credid[32];
	unsigned int step, i, r;
	unsigned long idx;
	u16 len;
	int ret;

	for (step = 0; step < PST_STEPS; step++) {
		/* The table grows in the first half, shrinks in the second. */
		r = pst_rand(t) % 16;
		if (r < (step < PST_STEPS / 2 ? 10 : 5) || !t->n) {
			/* new prefixes, or a quarter of the time a replacement */
			if (t->n && !(r & 3)) {
				i = pst_rand(t) % t->n;
				ret = pst_set(t, t->pol[i].prefix,
					      t->pol[i].len);
			} else {
				len = pst_string(t, prefix, 0, PST_PREFIX_MAX);
				ret = pst_set(t, prefix, len);
			}
			if (ret)
				return pst_fail("set", step, ret);
		} else if (r < 13) {
			/* mostly prefixes it has, some it has not */
			if (r < 12) {
				i = pst_rand(t) % t->n;
				len = t->pol[i].len;
				memcpy(prefix, t->pol[i].prefix, len);
			} else {
				len = pst_string(t, prefix, 0, PST_PREFIX_MAX);
			}
			ret = pst_del(t, prefix, len);
			if (ret)
				return pst_fail("del", step, ret);
		} else if (r < 15) {
			/* a credid bound to another key: nothing changes */
			i = pst_rand(t) % t->n;
			pst_credid(credid, sizeof(credid), t->pol[i].tag);
			ret = m2mv_policy_set(&t->pt, "a", 1, credid,
					      M2MV_MODE_WRAP, 0, pst_other_id,
					      NULL, NULL);
			if (ret != -EKEYREJECTED)
				return pst_fail("rejected set", step, ret);
		} else {
			ret = pst_walk(t, pst_rand(t) % (t->n + 2));
			if (ret)
				return pst_fail("resumed walk", step, ret);
		}
		for (i = 0; i < PST_PATHS; i++) {
			ret = pst_match(t, m);
			if (ret)
				return pst_fail("match", step, ret);
		}
	}
	idx = 0;
	t->nseen = 0;
	t->limit = PST_MAX;
	ret = m2mv_policy_walk(&t->pt, &idx, pst_seen_one, t);
	if (ret || idx != t->n || !pst_seen_model(t, 0, t->n))
		return pst_fail("walk", step, ret);
	return 0;
}

/* After the kill: nothing is found, nothing can be set. */
static int __init pst_dead(struct pst *t, struct m2mv_policy_match *m)
{
	unsigned long idx = 0;
	int ret;

	t->nseen = 0;
	t->limit = PST_MAX;
	ret = m2mv_policy_walk(&t->pt, &idx, pst_seen_one, t);
	if (ret || idx || t->nseen)
		return pst_fail("walk after kill", 0, ret ?: -EINVAL);
	ret = m2mv_policy_match(&t->pt, "a/b", 3, m);
	if (ret != -ENODEV)
		return pst_fail("match after kill", 0, ret);
	ret = m2mv_policy_set(&t->pt, "a", 1, "15-st0@m2mv", M2MV_MODE_WRAP,
			      0, pst_key_id, NULL, NULL);
	if (ret != -ENOENT)
		return pst_fail("set after kill", 0, ret);
	ret = m2mv_policy_del(&t->pt, "a", 1);
	if (ret != -ENOENT)
		return pst_fail("del after kill", 0, ret);
	return 0;
}

int __init m2mv_policy_selftest(void)
{
	struct m2mv_policy_match *m;
	struct pst *t;
	int ret = -ENOMEM;

	t = kvzalloc(sizeof(*t), GFP_KERNEL);
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!t || !m)
		goto out;
	t->rnd = 0x6d326d76;
	m2mv_policies_init(&t->pt);
	ret = pst_steps(t, m);
	/* The index kept count, and its buckets grew with the policies. */
	if (!ret && (!t->pt.index || t->pt.index->count != t->n ||
		     t->pt.index->bits == POLICY_HASH_BITS_MIN))
		ret = pst_fail("index", PST_STEPS, -EINVAL);
	m2mv_policies_kill(&t->pt);
	if (!ret)
		ret = pst_dead(t, m);
	/* A second kill finds nothing to free. */
	m2mv_policies_kill(&t->pt);
out:
	kfree(m);
	kvfree(t);
	return ret;
}
