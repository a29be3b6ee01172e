// SPDX-License-Identifier: GPL-2.0
/*
 * The corruption campaign: many random corruptions of a store file, of
 * every kind Documentation/testing.rst lists, each trial attached, read
 * back path by path and classified against the truth the test wrote:
 *
 *   correct         every GET returns the truth and nothing is reported;
 *   reported        nothing wrong is returned, and the attach failed, or
 *                   reported integrity errors, or a GET failed (EBADMSG),
 *                   or verify (the scrub) found errors;
 *   silently wrong  some GET returned what is not the truth: other bytes,
 *                   an older version, a deleted path's content, ENOENT for
 *                   a live path. Whatever the attach reported besides.
 *
 * One TAP line per kind, failing on any silently wrong trial. Every trial
 * attaches with the freshness anchor of the file it damages, as the agent
 * does (it keeps the anchor with the TEF): the rollback kinds (the file
 * cut at or inside a record, an older copy of the file) can only be told
 * from a crash that way, and so can bytes that hide records of unknown
 * paths before the last durable one (Documentation/threat-model.rst says
 * what a store attached without its anchor cannot tell).
 *
 * Environment: M2MV_CAMPAIGN_SEED (default: random; printed),
 * M2MV_CAMPAIGN_TRIALS (trials per kind), M2MV_CAMPAIGN_KINDS (kind names,
 * space-separated: run only those). Every trial derives its randomness from
 * the seed, its kind and its number alone, so one seed gives the same
 * trials whatever else runs.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "kselftest.h"
#include "m2mv.h"

#define K_STORE		"16-campaign-store@m2mv.test"
#define K_WRAP		"15-campaign-wrap@m2mv.test"
#define K_DIR		"14-campaign-dir@m2mv.test"
#define K_MIC		"16-campaign-mic@m2mv.test"

#define NPATHS		36	/* paths, cycling through the four policies */
#define PHASE1_OPS	40	/* random writes after the first PUT of each */
#define PHASE2_OPS	60	/* random writes after the older copy */
#define MIN_DELETED	4	/* paths deleted at the end, at least */
#define MAX_OPS		(NPATHS + PHASE1_OPS + PHASE2_OPS + NPATHS)
#define MAX_RECS	(MAX_OPS + 2)	/* and the two detach checkpoints */
#define MAX_LEN		(8 * 1024)	/* largest plaintext written */
#define DEFAULT_TRIALS	200	/* 80 to 120 s in the test VM */

/* ------------------------------------------------------------ randomness */

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

/* A number in [0, n); 0 if n is 0. */
static size_t rng_below(struct rng *r, size_t n)
{
	return n ? rng_next(r) % n : 0;
}

/* ----------------------------------------------------------- the truth */

struct path_truth {
	char path[32];
	uint64_t version;	/* newest version written, PUT or DEL */
	size_t len;		/* its plaintext length, for a PUT */
	bool deleted;
};

/* One record the test appended, in log order. */
struct op {
	int path;
	uint8_t type;		/* M2MV_REC_PUT or M2MV_REC_DEL */
	uint64_t version;
	size_t len;
};

/* A record found in an image: where, its head, and its path's index. */
struct rec {
	size_t off;
	struct m2mv_disk_rec h;
	int path;		/* -1 for a checkpoint */
};

struct image {
	uint8_t *b;
	size_t len;
	size_t cap;
};

/* A file a trial starts from, with its records. */
struct base {
	const char *name;
	struct image img;
	struct rec recs[MAX_RECS];
	int nrecs;
	uint64_t anchor_seq;	/* its freshness anchor: the last record */
	uint8_t anchor_chain[M2MV_CHAIN_SIZE];
};

static struct campaign {
	uint64_t seed;
	int trials;
	const char *kinds;	/* NULL: all */
	struct path_truth truth[NPATHS];
	struct op ops[MAX_OPS];
	int nops;
	int phase1_ops;		/* ops in the older copy */
	struct base clean;	/* detached cleanly: ends with a checkpoint */
	struct base crashed;	/* the same without it: a power cut */
	struct base older;	/* the file after phase 1 */
	char name[M2MV_NAME_MAX];
	char file[256];		/* the trial file */
} cp;

static const struct {
	const char *prefix;
	const char *credid;
	uint32_t mode;
	uint32_t flags;
} policies[] = {
	{ "/w/", K_WRAP, M2MV_MODE_WRAP, 0 },
	{ "/d/", K_DIR, M2MV_MODE_DIR, 0 },
	{ "/i/", K_DIR, M2MV_MODE_DIR, M2MV_POLICY_F_INSTANCE },
	{ "/m/", K_MIC, M2MV_MODE_MIC, 0 },
};

static void path_name(char *buf, size_t size, int i)
{
	switch (i % 4) {
	case 0:
		snprintf(buf, size, "/w/p%02d", i);
		break;
	case 1:
		snprintf(buf, size, "/d/c%d/p%02d", i % 3, i);
		break;
	case 2:
		snprintf(buf, size, "/i/c/p%02d", i);
		break;
	default:
		snprintf(buf, size, "/m/p%02d", i);
		break;
	}
}

/* The plaintext of @path at @version: "PATH vN|" and then noise. */
static void content(uint8_t *buf, size_t len, const char *path,
		    uint64_t version)
{
	uint64_t x = mix64(version);
	char tag[48];
	int n;

	for (const char *p = path; *p; p++)
		x = mix64(x ^ (uint8_t)*p);
	for (size_t i = 0; i < len; i++) {
		if (i % 8 == 0)
			x = mix64(x + i);
		buf[i] = (uint8_t)(x >> (8 * (i % 8)));
	}
	n = snprintf(tag, sizeof(tag), "%s v%llu|", path,
		     (unsigned long long)version);
	if (n > 0 && (size_t)n <= len)
		memcpy(buf, tag, n);
}

/* Mostly small, sometimes empty, sometimes a few KiB. */
static size_t pick_len(struct rng *r)
{
	switch (rng_below(r, 10)) {
	case 0:
		return rng_below(r, 16);
	case 1:
		return 1024 + rng_below(r, MAX_LEN - 1024);
	default:
		return 16 + rng_below(r, 500);
	}
}

static int ndeleted(void)
{
	int n = 0;

	for (int i = 0; i < NPATHS; i++)
		n += cp.truth[i].deleted;
	return n;
}

/* The op that wrote @version of path @i, or NULL. */
static const struct op *find_op(int i, uint64_t version)
{
	for (int k = 0; k < cp.nops; k++)
		if (cp.ops[k].path == i && cp.ops[k].version == version)
			return &cp.ops[k];
	return NULL;
}

/* ------------------------------------------------------------- setup */

/* Attach, with the freshness anchor of @anchor if it is not NULL. */
static int attach(int sfd, uint32_t flags, const struct base *anchor,
		  struct mvt_nl_reply *rep)
{
	struct mvt_nl_args a = {
		.name = cp.name, .has_fd = true, .fd = sfd,
		.store_key = K_STORE, .has_flags = flags != 0, .flags = flags,
		.has_anchor = anchor != NULL,
	};

	if (anchor) {
		a.anchor_seq = anchor->anchor_seq;
		memcpy(a.anchor_chain, anchor->anchor_chain, M2MV_CHAIN_SIZE);
	}
	return mvt_nl(M2MV_CMD_STORE_ATTACH, &a, rep);
}

/* Set the policies (which bind their keys) and open a bound fd. */
static int open_data(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(policies); i++) {
		int ret = mvt_policy(cp.name, policies[i].prefix,
				     policies[i].credid, policies[i].mode,
				     policies[i].flags);

		if (ret)
			return ret;
	}
	return mvt_open_bound(cp.name);
}

static int write_op(int fd, int i, uint8_t type, size_t len)
{
	struct path_truth *t = &cp.truth[i];
	uint64_t want = t->version + 1, v = 0;
	uint8_t *buf;
	int ret;

	if (cp.nops == MAX_OPS)
		return -ENOSPC;
	if (type == M2MV_REC_DEL) {
		ret = mvt_del(fd, t->path, M2MV_F_SYNC, &v);
	} else {
		buf = malloc(len ? len : 1);
		if (!buf)
			return -ENOMEM;
		content(buf, len, t->path, want);
		ret = mvt_put(fd, t->path, buf, len, M2MV_F_SYNC, &v);
		free(buf);
	}
	if (ret)
		return ret;
	if (v != want)
		return -EPROTO;	/* the test's model of versions is wrong */
	t->version = v;
	t->deleted = type == M2MV_REC_DEL;
	t->len = t->deleted ? 0 : len;
	cp.ops[cp.nops++] = (struct op){ i, type, v, t->len };
	return 0;
}

/* @n writes to random paths: a deleted one is written again. */
static int random_ops(int fd, struct rng *r, int n)
{
	int ret = 0;

	for (int k = 0; k < n && !ret; k++) {
		int i = rng_below(r, NPATHS);

		if (!cp.truth[i].deleted && rng_below(r, 4) == 0)
			ret = write_op(fd, i, M2MV_REC_DEL, 0);
		else
			ret = write_op(fd, i, M2MV_REC_PUT, pick_len(r));
	}
	return ret;
}

static int read_image(int sfd, struct image *img)
{
	struct stat st;

	if (fstat(sfd, &st))
		return -errno;
	img->len = st.st_size;
	img->cap = img->len;
	img->b = malloc(img->len ? img->len : 1);
	if (!img->b)
		return -ENOMEM;
	if (pread(sfd, img->b, img->len, 0) != (ssize_t)img->len)
		return -EIO;
	return 0;
}

static int path_index(const uint8_t *p, size_t n)
{
	for (int i = 0; i < NPATHS; i++)
		if (strlen(cp.truth[i].path) == n &&
		    !memcmp(cp.truth[i].path, p, n))
			return i;
	return -1;
}

/* Where the log of @img starts: format version 1 has one superblock. */
static size_t log_start(const struct image *img)
{
	const struct m2mv_disk_super *sb = (const void *)img->b;

	if (img->len >= sizeof(*sb) && sb->version == M2MV_FORMAT_VERSION_V1)
		return M2MV_LOG_START_V1;
	return M2MV_LOG_START;
}

/*
 * Walk the records of @b's image by their heads (magic, len) as
 * Documentation/on-disk-format.rst lays them out: 0 if they fill the file
 * exactly, else -EBADMSG.
 */
static int parse(struct base *b)
{
	const struct image *img = &b->img;
	size_t off = log_start(img);

	b->nrecs = 0;
	if (img->len < off)
		return -EBADMSG;
	while (off < img->len) {
		struct rec *r = &b->recs[b->nrecs];
		struct m2mv_disk_rec *h = &r->h;

		if (b->nrecs == MAX_RECS || img->len - off < sizeof(*h))
			return -EBADMSG;
		memcpy(h, img->b + off, sizeof(*h));
		if (h->magic != M2MV_REC_MAGIC || h->len % 8 ||
		    h->len < sizeof(*h) || h->len > img->len - off ||
		    sizeof(*h) + h->path_len > h->len)
			return -EBADMSG;
		r->off = off;
		r->path = path_index(img->b + off + sizeof(*h), h->path_len);
		off += h->len;
		b->nrecs++;
	}
	return 0;
}

/*
 * The records of @b are ops [0, @nops), with checkpoints between them (one
 * every M2MV_CKPT_EVERY records, and the detach's after @mid).
 */
static bool records_match(const struct base *b, int mid, int nops, bool ckpt)
{
	bool mid_seen = !mid;
	int k = 0;

	for (int i = 0; i < b->nrecs; i++) {
		const struct m2mv_disk_rec *h = &b->recs[i].h;

		if (h->seq != (uint64_t)i + 1)
			return false;
		if (h->type == M2MV_REC_CKPT) {
			mid_seen |= k == mid;
			continue;
		}
		if (k == nops || h->type != cp.ops[k].type ||
		    h->version != cp.ops[k].version ||
		    b->recs[i].path != cp.ops[k].path)
			return false;
		k++;
	}
	return k == nops && mid_seen &&
	       (b->recs[b->nrecs - 1].h.type == M2MV_REC_CKPT) == ckpt;
}

/*
 * Write the store: every path once, random writes, detach (a checkpoint),
 * keep that file as the older copy, attach again, more random writes,
 * enough deletes, detach. All writes synchronous.
 */
static int build_store(void)
{
	struct rng r = { mix64(cp.seed ^ 0x5e7u) };
	struct mvt_nl_reply rep;
	int sfd, fd, ret;
	char path[256];

	for (int i = 0; i < NPATHS; i++)
		path_name(cp.truth[i].path, sizeof(cp.truth[i].path), i);
	sfd = mvt_store_file(path, sizeof(path), NULL, "campaign");
	if (sfd < 0)
		return sfd;
	/* A module older than M2MV_ATTACH_F_CREATE formats without it. */
	ret = attach(sfd, M2MV_ATTACH_F_CREATE, NULL, &rep);
	if (ret == -EOPNOTSUPP) {
		ksft_print_msg("the module refuses M2MV_ATTACH_F_CREATE: formatting without it\n");
		ret = attach(sfd, 0, NULL, &rep);
	}
	if (ret)
		goto out;
	fd = open_data();
	ret = fd < 0 ? fd : 0;
	for (int i = 0; i < NPATHS && !ret; i++)
		ret = write_op(fd, i, M2MV_REC_PUT, pick_len(&r));
	if (!ret)
		ret = random_ops(fd, &r, PHASE1_OPS);
	if (fd >= 0)
		close(fd);
	if (mvt_detach(cp.name) && !ret)
		ret = -EIO;
	if (ret)
		goto out;
	cp.phase1_ops = cp.nops;
	ret = read_image(sfd, &cp.older.img);
	if (ret)
		goto out;

	ret = attach(sfd, 0, NULL, &rep);
	if (ret)
		goto out;
	fd = open_data();
	ret = fd < 0 ? fd : 0;
	if (!ret)
		ret = random_ops(fd, &r, PHASE2_OPS);
	while (!ret && ndeleted() < MIN_DELETED) {
		int i = rng_below(&r, NPATHS);

		if (!cp.truth[i].deleted)
			ret = write_op(fd, i, M2MV_REC_DEL, 0);
	}
	if (fd >= 0)
		close(fd);
	if (mvt_detach(cp.name) && !ret)
		ret = -EIO;
	if (!ret)
		ret = read_image(sfd, &cp.clean.img);
out:
	close(sfd);
	unlink(path);
	return ret;
}

/* Parse the three bases and check them against the ops. */
/*
 * The freshness anchor of @b as its holder would have it: the last record
 * on stable storage, which an attach of the untouched file reports.
 */
static int base_anchor(struct base *b)
{
	struct mvt_nl_reply rep;
	int sfd, ret;

	sfd = open(cp.file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (sfd < 0)
		return -errno;
	ret = pwrite(sfd, b->img.b, b->img.len, 0) == (ssize_t)b->img.len ?
	      0 : -EIO;
	if (!ret)
		ret = attach(sfd, M2MV_ATTACH_F_RDONLY, NULL, &rep);
	close(sfd);
	if (ret)
		return ret;
	mvt_detach(cp.name);
	if (!rep.has_anchor || rep.integrity_errors)
		return -EPROTO;
	b->anchor_seq = rep.anchor_seq;
	memcpy(b->anchor_chain, rep.anchor_chain, M2MV_CHAIN_SIZE);
	return 0;
}

static int check_bases(void)
{
	struct base *c = &cp.clean, *k = &cp.crashed, *o = &cp.older;

	c->name = "clean";
	k->name = "crashed";
	o->name = "older";
	if (parse(c) || parse(o) || c->nrecs < 2)
		return -EBADMSG;
	/* A power cut after the last synchronous write: no checkpoint. */
	k->img = c->img;
	k->img.len = c->recs[c->nrecs - 1].off;
	if (parse(k))
		return -EBADMSG;
	if (!records_match(c, cp.phase1_ops, cp.nops, true) ||
	    !records_match(k, cp.phase1_ops, cp.nops, false) ||
	    !records_match(o, cp.phase1_ops, cp.phase1_ops, true))
		return -EBADMSG;
	if (base_anchor(c) || base_anchor(k))
		return -EBADMSG;
	return 0;
}

/* ------------------------------------------------------- corruptions */

struct trial {
	const struct base *base;
	struct image img;	/* the base's copy, corrupted */
	struct rng rng;
	char what[640];		/* the corruption, for a diagnosis */
};

static const char *const part_names[] = {
	"head", "path", "wrapped key", "IV", "payload", "tag",
	"protected header", "padding",
};

static void describe_rec(const struct base *b, int i, char *buf,
			 size_t size)
{
	const struct rec *r = &b->recs[i];
	const char *type = r->h.type == M2MV_REC_PUT ? "PUT" :
			   r->h.type == M2MV_REC_DEL ? "DEL" : "CKPT";

	if (r->path < 0)
		snprintf(buf, size, "record %d (%s seq %llu)", i, type,
			 (unsigned long long)r->h.seq);
	else
		snprintf(buf, size, "record %d (%s %s v%llu seq %llu%s)", i,
			 type, cp.truth[r->path].path,
			 (unsigned long long)r->h.version,
			 (unsigned long long)r->h.seq,
			 r->h.version < cp.truth[r->path].version ?
			 ", superseded" : "");
}

/* Where byte @off of @b lies: the superblock or a part of a record. */
static void locate(const struct base *b, size_t off, char *buf, size_t size)
{
	char rd[170];

	if (off < log_start(&b->img)) {
		snprintf(buf, size, "superblock copy %zu +%zu%s",
			 off / M2MV_SUPER_SIZE + 1, off % M2MV_SUPER_SIZE,
			 off % M2MV_SUPER_SIZE < sizeof(struct m2mv_disk_super) ?
			 "" : ", padding");
		return;
	}
	for (int i = 0; i < b->nrecs; i++) {
		const struct m2mv_disk_rec *h = &b->recs[i].h;
		size_t at = off - b->recs[i].off;
		size_t ends[8] = { sizeof(*h) };
		size_t lens[7] = { h->path_len, h->ekey_len, h->iv_len,
				   h->payload_len, h->tag_len, h->hdr_len,
				   h->len };
		int p = 0;

		if (off < b->recs[i].off || at >= h->len)
			continue;
		for (int k = 1; k < 8; k++)
			ends[k] = k < 7 ? ends[k - 1] + lens[k - 1] : h->len;
		while (p < 7 && at >= ends[p])
			p++;
		describe_rec(b, i, rd, sizeof(rd));
		snprintf(buf, size, "%s %s +%zu", rd, part_names[p],
			 at - (p ? ends[p - 1] : 0));
		return;
	}
	snprintf(buf, size, "past the last record");
}

/* Replace @del bytes at @off by @ins bytes from @src (not in @im). */
static void img_splice(struct image *im, size_t off, size_t del,
		       const uint8_t *src, size_t ins)
{
	memmove(im->b + off + ins, im->b + off + del, im->len - off - del);
	if (ins)
		memcpy(im->b + off, src, ins);
	im->len = im->len - del + ins;
}

static const uint8_t *rec_bytes(const struct base *b, int i)
{
	return b->img.b + b->recs[i].off;
}

static int k_bitflip(struct trial *t)
{
	size_t off = rng_below(&t->rng, t->img.len);
	int bit = rng_below(&t->rng, 8);
	char loc[256];

	t->img.b[off] ^= 1U << bit;
	locate(t->base, off, loc, sizeof(loc));
	snprintf(t->what, sizeof(t->what), "bit %d of byte %zu: %s", bit, off,
		 loc);
	return 0;
}

static int k_sector(struct trial *t)
{
	size_t off = 512 * rng_below(&t->rng, (t->img.len + 511) / 512);
	size_t n = t->img.len - off < 512 ? t->img.len - off : 512;
	char from[256], to[256];

	memset(t->img.b + off, 0, n);
	locate(t->base, off, from, sizeof(from));
	locate(t->base, off + n - 1, to, sizeof(to));
	snprintf(t->what, sizeof(t->what), "bytes %zu-%zu zeroed: %s to %s",
		 off, off + n - 1, from, to);
	return 0;
}

static int k_cut_records(struct trial *t)
{
	int n = t->base->nrecs, k = 1 + rng_below(&t->rng, n);

	t->img.len = t->base->recs[n - k].off;
	snprintf(t->what, sizeof(t->what),
		 "the last %d of %d records cut off (file ends at %zu)", k, n,
		 t->img.len);
	return 0;
}

static int k_cut_inside(struct trial *t)
{
	int i = rng_below(&t->rng, t->base->nrecs);
	const struct rec *r = &t->base->recs[i];
	char rd[170];

	t->img.len = r->off + 1 + rng_below(&t->rng, r->h.len - 1);
	describe_rec(t->base, i, rd, sizeof(rd));
	snprintf(t->what, sizeof(t->what), "cut at %zu, %zu bytes into %s",
		 t->img.len, t->img.len - r->off, rd);
	return 0;
}

static int k_drop(struct trial *t)
{
	int i = rng_below(&t->rng, t->base->nrecs - 1);
	const struct rec *r = &t->base->recs[i];
	char rd[170];

	img_splice(&t->img, r->off, r->h.len, NULL, 0);
	describe_rec(t->base, i, rd, sizeof(rd));
	snprintf(t->what, sizeof(t->what), "%s at %zu removed", rd, r->off);
	return 0;
}

static int k_dup(struct trial *t)
{
	int i = rng_below(&t->rng, t->base->nrecs);
	const struct rec *r = &t->base->recs[i];
	char rd[170];

	img_splice(&t->img, r->off + r->h.len, 0, rec_bytes(t->base, i),
		   r->h.len);
	describe_rec(t->base, i, rd, sizeof(rd));
	snprintf(t->what, sizeof(t->what), "%s at %zu written twice", rd,
		 r->off);
	return 0;
}

static int k_swap(struct trial *t)
{
	int i = rng_below(&t->rng, t->base->nrecs - 1);
	const struct rec *a = &t->base->recs[i], *b = &t->base->recs[i + 1];
	uint8_t *both = malloc(a->h.len + b->h.len);
	char ra[170], rb[170];

	if (!both)
		return -ENOMEM;
	memcpy(both, rec_bytes(t->base, i + 1), b->h.len);
	memcpy(both + b->h.len, rec_bytes(t->base, i), a->h.len);
	img_splice(&t->img, a->off, a->h.len + b->h.len, both,
		   a->h.len + b->h.len);
	free(both);
	describe_rec(t->base, i, ra, sizeof(ra));
	describe_rec(t->base, i + 1, rb, sizeof(rb));
	snprintf(t->what, sizeof(t->what), "%s and %s swapped", ra, rb);
	return 0;
}

/* Records of @path after record @from, into @out: how many. */
static int later_recs(const struct base *b, int path, int from, int *out)
{
	int n = 0;

	for (int j = from + 1; j < b->nrecs && path >= 0; j++)
		if (b->recs[j].path == path)
			out[n++] = j;
	return n;
}

/*
 * An older record of a path written again: appended after the last record,
 * or in place of a later record of the same path (the bytes after it
 * moved to fit).
 */
static int k_replay(struct trial *t)
{
	const struct base *b = t->base;
	int olds[MAX_RECS], later[MAX_RECS], n = 0, old, to;
	char ro[170], rl[170];

	for (int i = 0; i < b->nrecs; i++)
		if (later_recs(b, b->recs[i].path, i, later))
			olds[n++] = i;
	if (!n)
		return -ENOENT;
	old = olds[rng_below(&t->rng, n)];
	describe_rec(b, old, ro, sizeof(ro));
	if (rng_below(&t->rng, 2)) {
		img_splice(&t->img, t->img.len, 0, rec_bytes(b, old),
			   b->recs[old].h.len);
		snprintf(t->what, sizeof(t->what), "%s appended again", ro);
		return 0;
	}
	n = later_recs(b, b->recs[old].path, old, later);
	to = later[rng_below(&t->rng, n)];
	img_splice(&t->img, b->recs[to].off, b->recs[to].h.len,
		   rec_bytes(b, old), b->recs[old].h.len);
	describe_rec(b, to, rl, sizeof(rl));
	snprintf(t->what, sizeof(t->what), "%s written over %s", ro, rl);
	return 0;
}

static int k_older(struct trial *t)
{
	t->base = &cp.older;
	memcpy(t->img.b, cp.older.img.b, cp.older.img.len);
	t->img.len = cp.older.img.len;
	snprintf(t->what, sizeof(t->what),
		 "the copy taken after %d of %d writes (%d records, %zu bytes)",
		 cp.phase1_ops, cp.nops, cp.older.nrecs, t->img.len);
	return 0;
}

static int k_empty(struct trial *t)
{
	t->img.len = 0;
	snprintf(t->what, sizeof(t->what), "the file truncated to 0 bytes");
	return 0;
}

static const struct kind {
	const char *name;
	int (*apply)(struct trial *t);
	bool once;		/* no randomness: one trial says it all */
} kinds[] = {
	{ "bitflip", k_bitflip, false },
	{ "sector-zeroed", k_sector, false },
	{ "cut-at-record", k_cut_records, false },
	{ "cut-in-record", k_cut_inside, false },
	{ "record-dropped", k_drop, false },
	{ "record-duplicated", k_dup, false },
	{ "records-swapped", k_swap, false },
	{ "record-replayed", k_replay, false },
	{ "older-copy", k_older, true },
	{ "zero-length", k_empty, true },
};

#define NKINDS ARRAY_SIZE(kinds)

/* ------------------------------------------------------------ a trial */

enum { CORRECT, REPORTED, SILENT };

struct verdict {
	int attach;		/* 0, or the attach's -errno */
	uint64_t integrity;	/* the attach's integrity errors */
	uint64_t truncated;	/* bytes cut as a torn tail */
	uint64_t verify;	/* the scrub's integrity errors */
	int wrong;		/* paths read back wrong */
	int badmsg;		/* paths that failed with EBADMSG */
	int other;		/* paths that failed otherwise */
	char first[256];	/* the first wrong GET */
	char note[160];		/* the first other failure */
};

static int classify(const struct verdict *vd)
{
	if (vd->wrong)
		return SILENT;
	if (vd->attach || vd->integrity || vd->verify || vd->badmsg ||
	    vd->other)
		return REPORTED;
	return CORRECT;
}

/* Which version written the bytes @got of path @i at @version are. */
static const char *identify(int i, uint64_t version, const void *got,
			    size_t n)
{
	const struct op *op = find_op(i, version);
	uint8_t *want;
	bool same;

	if (!op || op->type != M2MV_REC_PUT || op->len != n)
		return "bytes never written at that version";
	want = malloc(n ? n : 1);
	if (!want)
		return "?";
	content(want, n, cp.truth[i].path, version);
	same = !memcmp(want, got, n);
	free(want);
	if (!same)
		return "bytes never written at that version";
	return version < cp.truth[i].version ? "an older version" :
	       "that version as written";
}

static void check_path(int fd, int i, struct verdict *vd)
{
	const struct path_truth *t = &cp.truth[i];
	char got[160] = "";
	uint64_t v = 0;
	void *data = NULL;
	size_t n = 0;
	uint8_t *want;
	bool right;
	int ret;

	ret = mvt_get_alloc(fd, t->path, &data, &n, &v);
	if (ret == -EBADMSG) {
		vd->badmsg++;
		return;
	}
	if (ret == -ENOENT && t->deleted)
		return;
	if (ret && ret != -ENOENT) {
		if (!vd->other++)
			snprintf(vd->note, sizeof(vd->note), "GET %s: %s",
				 t->path, strerror(-ret));
		return;
	}
	if (ret) {
		snprintf(got, sizeof(got), "ENOENT");
	} else if (t->deleted) {
		snprintf(got, sizeof(got), "v%llu, %zu bytes (%s)",
			 (unsigned long long)v, n, identify(i, v, data, n));
	} else {
		want = malloc(t->len ? t->len : 1);
		if (want)
			content(want, t->len, t->path, t->version);
		right = want && v == t->version && n == t->len &&
			!memcmp(want, data, n);
		free(want);
		if (right) {
			free(data);
			return;
		}
		snprintf(got, sizeof(got), "v%llu, %zu bytes (%s)",
			 (unsigned long long)v, n, identify(i, v, data, n));
	}
	free(data);
	if (!vd->wrong++) {
		if (t->deleted)
			snprintf(vd->first, sizeof(vd->first),
				 "GET %s: %s, deleted at v%llu", t->path, got,
				 (unsigned long long)t->version);
		else
			snprintf(vd->first, sizeof(vd->first),
				 "GET %s: %s, want v%llu, %zu bytes", t->path,
				 got, (unsigned long long)t->version, t->len);
	}
}

/*
 * Attach @img as a new file (writable, so recovery runs; no CREATE), GET
 * every path, verify, detach. Return: 0 with @vd filled in, or -errno if
 * the trial itself could not run.
 */
static int run_trial(const struct image *img, const struct base *anchor,
		     struct verdict *vd)
{
	struct mvt_nl_args va = { .name = cp.name };
	struct mvt_nl_reply rep, vr;
	int sfd, fd, ret;

	memset(vd, 0, sizeof(*vd));
	sfd = open(cp.file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (sfd < 0)
		return -errno;
	if (img->len &&
	    pwrite(sfd, img->b, img->len, 0) != (ssize_t)img->len) {
		close(sfd);
		return -EIO;
	}
	vd->attach = attach(sfd, 0, anchor, &rep);
	if (vd->attach) {
		close(sfd);
		return 0;
	}
	vd->integrity = rep.integrity_errors;
	vd->truncated = rep.truncated;
	fd = open_data();
	ret = fd < 0 ? fd : 0;
	for (int i = 0; i < NPATHS && !ret; i++)
		check_path(fd, i, vd);
	if (fd >= 0)
		close(fd);
	if (!ret) {
		/* A scrub that fails on the damage reports it too. */
		int err = mvt_nl(M2MV_CMD_STORE_VERIFY, &va, &vr);

		vd->verify = vr.integrity_errors;
		if (err && err != -EOPNOTSUPP) {
			vd->verify += !vd->verify;
			if (!vd->other++)
				snprintf(vd->note, sizeof(vd->note),
					 "verify: %s", strerror(-err));
		}
	}
	if (mvt_detach(cp.name) && !ret)
		ret = -EIO;
	close(sfd);
	return ret;
}

/* ----------------------------------------------------------- the kinds */

struct tally {
	int n[3];
	int refused, errors, badmsg, verify_only, other, cut;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool kind_selected(const char *name)
{
	const char *p = cp.kinds;
	size_t n = strlen(name);

	if (!p)
		return true;
	while ((p = strstr(p, name))) {
		if ((p == cp.kinds || p[-1] == ' ' || p[-1] == ',') &&
		    (p[n] == '\0' || p[n] == ' ' || p[n] == ','))
			return true;
		p += n;
	}
	return false;
}

static void print_verdict(const char *tag, const char *kind, int trial,
			  const struct trial *t, const struct verdict *vd)
{
	if (vd->attach) {
		ksft_print_msg("%s %s trial %d (seed %#llx, %s file): %s; attach: %s\n",
			       tag, kind, trial, (unsigned long long)cp.seed,
			       t->base->name, t->what, strerror(-vd->attach));
		return;
	}
	ksft_print_msg("%s %s trial %d (seed %#llx, %s file): %s; attach: %llu integrity errors, %llu bytes cut; verify: %llu errors; %d of %d paths wrong, %d EBADMSG; first: %s\n",
		       tag, kind, trial, (unsigned long long)cp.seed,
		       t->base->name, t->what,
		       (unsigned long long)vd->integrity,
		       (unsigned long long)vd->truncated,
		       (unsigned long long)vd->verify, vd->wrong, NPATHS,
		       vd->badmsg, vd->wrong ? vd->first : "-");
}

static void count(struct tally *ty, const struct verdict *vd)
{
	int c = classify(vd);

	ty->n[c]++;
	ty->cut += vd->truncated > 0;
	if (c != REPORTED)
		return;
	if (vd->attach)
		ty->refused++;
	else if (vd->integrity)
		ty->errors++;
	else if (vd->badmsg)
		ty->badmsg++;
	else if (vd->verify)
		ty->verify_only++;
	else
		ty->other++;
}

/* Run every trial of kind @k: false if the campaign cannot go on. */
static bool run_kind(int k, bool *failed)
{
	const struct kind *kd = &kinds[k];
	int trials = kd->once ? 1 : cp.trials;
	struct tally ty = { 0 };
	double t0 = now();
	struct trial t;
	char line[256];

	t.img.cap = cp.clean.img.len + MAX_LEN + 4096;
	t.img.b = malloc(t.img.cap);
	if (!t.img.b)
		return false;
	for (int n = 0; n < trials; n++) {
		struct verdict vd;
		int ret;

		t.rng.s = mix64(cp.seed ^ mix64(k + 1) ^ mix64(~(uint64_t)n));
		t.base = rng_below(&t.rng, 2) ? &cp.crashed : &cp.clean;
		memcpy(t.img.b, t.base->img.b, t.base->img.len);
		t.img.len = t.base->img.len;
		t.what[0] = '\0';
		ret = kd->apply(&t);
		if (!ret)
			ret = run_trial(&t.img, t.base, &vd);
		if (ret) {
			ksft_print_msg("%s trial %d could not run: %s\n",
				       kd->name, n, strerror(-ret));
			free(t.img.b);
			return false;
		}
		count(&ty, &vd);
		if (classify(&vd) == SILENT)
			print_verdict("silently wrong:", kd->name, n, &t, &vd);
		else if (vd.other)
			ksft_print_msg("%s trial %d: %s\n", kd->name, n,
				       vd.note);
		else if (vd.attach && vd.attach != -EBADMSG)
			ksft_print_msg("%s trial %d: attach: %s\n", kd->name,
				       n, strerror(-vd.attach));
	}
	free(t.img.b);

	ksft_print_msg("%s: reported by: refused attach %d, attach errors %d, EBADMSG only %d, verify only %d, other errors %d; torn tail cut in %d; %.1f s\n",
		       kd->name, ty.refused, ty.errors, ty.badmsg,
		       ty.verify_only, ty.other, ty.cut, now() - t0);
	snprintf(line, sizeof(line),
		 "%s: %d trials: %d correct, %d reported, %d silently wrong",
		 kd->name, trials, ty.n[CORRECT], ty.n[REPORTED],
		 ty.n[SILENT]);
	if (ty.n[SILENT]) {
		ksft_test_result_fail("%s\n", line);
		*failed = true;
	} else {
		ksft_test_result_pass("%s\n", line);
	}
	return true;
}

/* The bases themselves, untouched, read back as the truth. */
static bool run_control(void)
{
	const struct base *b[] = { &cp.clean, &cp.crashed };
	bool ok = true;

	for (int i = 0; i < 2; i++) {
		struct trial t = { .base = b[i] };
		struct verdict vd;
		int ret = run_trial(&b[i]->img, b[i], &vd);

		snprintf(t.what, sizeof(t.what), "no corruption");
		if (ret || classify(&vd) != CORRECT || vd.truncated) {
			if (ret)
				ksft_print_msg("control trial: %s\n",
					       strerror(-ret));
			else
				print_verdict("control:", "none", 0, &t, &vd);
			ok = false;
		}
	}
	ksft_test_result(ok, "control: the clean and the crashed file read back as written (%d paths, %d records, %zu bytes)\n",
			 NPATHS, cp.clean.nrecs, cp.clean.img.len);
	return ok;
}

/* ---------------------------------------------------------------- main */

static int add_keys(void)
{
	static const char *const ids[] = { K_STORE, K_WRAP, K_DIR, K_MIC };
	key_serial_t ring = keyctl_join_session_keyring(NULL);

	if (ring < 0)
		return -errno;
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		key_serial_t k = mvt_key_add(ids[i], NULL, ring, NULL);

		if (k < 0)
			return k;
	}
	return 0;
}

static void remove_trial_file(void)
{
	if (cp.file[0])
		unlink(cp.file);
}

int main(void)
{
	const char *env;
	bool failed = false;
	double t0 = now();
	int ret, nsel = 0, fd;
	char delay[32];

	/* Diagnoses reach the console as they happen. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	env = getenv("M2MV_CAMPAIGN_SEED");
	if (env && *env)
		cp.seed = strtoull(env, NULL, 0);
	else if (mvt_random(&cp.seed, sizeof(cp.seed)))
		cp.seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	env = getenv("M2MV_CAMPAIGN_TRIALS");
	cp.trials = env && *env ? atoi(env) : DEFAULT_TRIALS;
	if (cp.trials < 1)
		cp.trials = 1;
	env = getenv("M2MV_CAMPAIGN_KINDS");
	cp.kinds = env && *env ? env : NULL;
	for (size_t k = 0; k < NKINDS; k++)
		nsel += kind_selected(kinds[k].name);
	ksft_set_plan(1 + nsel);
	ksft_print_msg("seed %#llx (M2MV_CAMPAIGN_SEED), %d trials per kind (M2MV_CAMPAIGN_TRIALS)\n",
		       (unsigned long long)cp.seed, cp.trials);
	ksft_print_msg("trial N of KIND again: M2MV_CAMPAIGN_SEED=%#llx M2MV_CAMPAIGN_KINDS=KIND M2MV_CAMPAIGN_TRIALS=N+1\n",
		       (unsigned long long)cp.seed);

	ret = add_keys();
	if (ret)
		ksft_exit_fail_msg("keys: %s\n", strerror(-ret));
	mvt_store_name(cp.name, "campaign");
	fd = mvt_store_file(cp.file, sizeof(cp.file), NULL, "trial");
	if (fd < 0)
		ksft_exit_fail_msg("%s: %s\n", cp.file, strerror(-fd));
	close(fd);
	atexit(remove_trial_file);
	/* No timed checkpoints while writing: the layout follows the seed. */
	if (mvt_param_read("ckpt_delay_ms", delay, sizeof(delay)) ||
	    mvt_param_write("ckpt_delay_ms", "0"))
		delay[0] = '\0';
	ret = build_store();
	if (delay[0])
		mvt_param_write("ckpt_delay_ms", delay);
	if (ret)
		ksft_exit_fail_msg("writing the store: %s\n", strerror(-ret));
	ret = check_bases();
	if (ret)
		ksft_exit_fail_msg("the store file does not hold the records written\n");
	ksft_print_msg("%d writes (%d before the older copy), %d paths deleted at the end, %d records, %zu bytes\n",
		       cp.nops, cp.phase1_ops, ndeleted(), cp.clean.nrecs,
		       cp.clean.img.len);
	if (!run_control())
		ksft_exit_fail_msg("the untouched files do not read back: no trial can be classified\n");

	for (size_t k = 0; k < NKINDS; k++) {
		if (kind_selected(kinds[k].name) && !run_kind(k, &failed))
			ksft_exit_fail_msg("the campaign could not go on\n");
	}
	ksft_print_msg("campaign took %.1f s\n", now() - t0);
	if (failed)
		ksft_exit_fail();
	ksft_exit_pass();
}
