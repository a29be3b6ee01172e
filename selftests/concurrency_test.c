// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrent use of one store: threads PUT (some with M2MV_F_SYNC), GET,
 * DELETE, STAT, LIST and BATCH on a few shared paths. Every plaintext read
 * must be one some thread wrote for that path, at the version that write
 * got; versions never go backwards as a thread sees them; nothing fails an
 * integrity check. Also: detach while busy, and attach/detach churn beside
 * a busy store. The debug kernel runs this under lockdep, KASAN and
 * kmemleak.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include "kselftest_harness.h"
#include "fixture.h"

#define NTHREADS	4
#define NPATHS		16
#define MAXOPS		2000
#define MAXVER		(NTHREADS * MAXOPS * 2 + 8)
#define MAXLEN		3000

static const char *const cpaths[NPATHS] = {
	"/w/c/p0", "/w/c/p1", "/w/c/p2", "/w/c/p3",
	"/w/c/p4", "/w/c/p5", "/w/c/p6", "/w/c/p7",
	"/m/c/p0", "/m/c/p1", "/m/c/p2", "/m/c/p3",
	"/m/c/p4", "/m/c/p5", "/d/c/p0", "/d/c/p1",
};

/* State shared by the worker threads of one test. */
struct shared {
	const char *name;
	int fd;				/* shared by threads 0 and 1 */
	int ops;
	int min_seconds;
	atomic_int failures;
	char first_failure[512];
	pthread_mutex_t lock;
	/* Set before a PUT is issued: (path, writer, counter) was tried. */
	atomic_uchar tried[NPATHS][NTHREADS][MAXOPS];
	/* After a PUT returned: which write got this version (w*MAXOPS+c+1). */
	atomic_int by_version[NPATHS][MAXVER];
	/* Highest version any PUT or DELETE returned, and whether a DELETE. */
	uint64_t max_version[NPATHS];
	bool max_is_delete[NPATHS];
	atomic_int n_put, n_get, n_del, n_list, n_stat, n_batch, n_enoent;
};

struct worker {
	struct shared *sh;
	int id;
	int fd;
	uint64_t seen[NPATHS];		/* highest version this thread saw */
	uint64_t rng;
};

static void fail(struct shared *sh, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail(struct shared *sh, const char *fmt, ...)
{
	va_list ap;

	if (atomic_fetch_add(&sh->failures, 1) == 0) {
		va_start(ap, fmt);
		vsnprintf(sh->first_failure, sizeof(sh->first_failure), fmt, ap);
		va_end(ap);
	}
}

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The blob writer @w writes as its @c-th PUT to path @p. */
static size_t make_blob(uint8_t *buf, int p, int w, int c)
{
	uint64_t x = ((uint64_t)p << 40) ^ ((uint64_t)w << 32) ^ (uint64_t)c ^
		     0x5bd1e9955bd1e995ULL;
	size_t len, hl;

	next_rand(&x);
	len = 48 + next_rand(&x) % (MAXLEN - 48);
	hl = snprintf((char *)buf, len, "path=%s writer=%d ctr=%d;", cpaths[p],
		      w, c);
	for (size_t i = hl; i < len; i++)
		buf[i] = (uint8_t)next_rand(&x);
	return len;
}

/* Check a blob read from path @p at version @v. */
static void check_blob(struct worker *wk, int p, const uint8_t *buf,
		       size_t len, uint64_t v)
{
	struct shared *sh = wk->sh;
	uint8_t want[MAXLEN];
	char path[64];
	int w, c, tag;
	size_t wl;

	if (len < 16 || sscanf((const char *)buf, "path=%63[^ ] writer=%d ctr=%d;",
			       path, &w, &c) != 3) {
		fail(sh, "thread %d: %s v%llu: unparsable content (%zu bytes)",
		     wk->id, cpaths[p], (unsigned long long)v, len);
		return;
	}
	if (strcmp(path, cpaths[p]) || w < 0 || w >= NTHREADS || c < 0 ||
	    c >= MAXOPS) {
		fail(sh, "thread %d: %s v%llu: content of %s writer %d ctr %d",
		     wk->id, cpaths[p], (unsigned long long)v, path, w, c);
		return;
	}
	if (!atomic_load(&sh->tried[p][w][c])) {
		fail(sh, "thread %d: %s v%llu: writer %d ctr %d never wrote it",
		     wk->id, cpaths[p], (unsigned long long)v, w, c);
		return;
	}
	wl = make_blob(want, p, w, c);
	if (wl != len || memcmp(want, buf, len)) {
		fail(sh, "thread %d: %s v%llu: writer %d ctr %d: bytes differ",
		     wk->id, cpaths[p], (unsigned long long)v, w, c);
		return;
	}
	if (v < MAXVER) {
		tag = atomic_load(&sh->by_version[p][v]);
		if (tag && tag != w * MAXOPS + c + 1)
			fail(sh, "thread %d: %s v%llu: content of writer %d ctr %d, but that version was written by %d/%d",
			     wk->id, cpaths[p], (unsigned long long)v, w, c,
			     (tag - 1) / MAXOPS, (tag - 1) % MAXOPS);
	}
}

static void saw(struct worker *wk, int p, uint64_t v, const char *what)
{
	if (v < wk->seen[p])
		fail(wk->sh, "thread %d: %s: %s saw version %llu after %llu",
		     wk->id, cpaths[p], what, (unsigned long long)v,
		     (unsigned long long)wk->seen[p]);
	else
		wk->seen[p] = v;
}

static void note_max(struct shared *sh, int p, uint64_t v, bool del)
{
	pthread_mutex_lock(&sh->lock);
	if (v > sh->max_version[p]) {
		sh->max_version[p] = v;
		sh->max_is_delete[p] = del;
	}
	pthread_mutex_unlock(&sh->lock);
}

static void do_put(struct worker *wk, int p, int c, uint32_t flags)
{
	struct shared *sh = wk->sh;
	static __thread uint8_t buf[MAXLEN];
	size_t len = make_blob(buf, p, wk->id, c);
	uint64_t v = 0;
	int ret;

	atomic_store(&sh->tried[p][wk->id][c], 1);
	ret = mvt_put(wk->fd, cpaths[p], buf, len, flags, &v);
	atomic_fetch_add(&sh->n_put, 1);
	if (ret) {
		fail(sh, "thread %d: PUT %s: %s", wk->id, cpaths[p],
		     strerror(-ret));
		return;
	}
	if (v < MAXVER)
		atomic_store(&sh->by_version[p][v], wk->id * MAXOPS + c + 1);
	saw(wk, p, v, "PUT");
	note_max(sh, p, v, false);
}

static void do_get(struct worker *wk, int p)
{
	static __thread uint8_t buf[MAXLEN];
	size_t len = sizeof(buf);
	uint64_t v = 0;
	int ret;

	ret = mvt_get(wk->fd, cpaths[p], buf, &len, &v);
	atomic_fetch_add(&wk->sh->n_get, 1);
	if (ret == -ENOENT) {
		atomic_fetch_add(&wk->sh->n_enoent, 1);
		return;
	}
	if (ret) {
		fail(wk->sh, "thread %d: GET %s: %s", wk->id, cpaths[p],
		     strerror(-ret));
		return;
	}
	saw(wk, p, v, "GET");
	check_blob(wk, p, buf, len, v);
}

static void do_del(struct worker *wk, int p, uint32_t flags)
{
	uint64_t v = 0;
	int ret;

	ret = mvt_del(wk->fd, cpaths[p], flags, &v);
	atomic_fetch_add(&wk->sh->n_del, 1);
	if (ret == -ENOENT)
		return;
	if (ret) {
		fail(wk->sh, "thread %d: DELETE %s: %s", wk->id, cpaths[p],
		     strerror(-ret));
		return;
	}
	saw(wk, p, v, "DELETE");
	note_max(wk->sh, p, v, true);
}

static int path_index(const char *path, size_t len)
{
	for (int p = 0; p < NPATHS; p++)
		if (strlen(cpaths[p]) == len && !memcmp(cpaths[p], path, len))
			return p;
	return -1;
}

static void do_list(struct worker *wk, const char *prefix)
{
	static __thread uint8_t buf[512];
	char after[64] = "";
	uint32_t count, flags;
	size_t off;
	int ret, pages = 0;

	/* A small buffer: page through with the cursor. */
	do {
		ret = mvt_list(wk->fd, prefix, pages ? after : NULL,
			       strlen(after), buf, sizeof(buf), &count, &flags);
		if (ret) {
			fail(wk->sh, "thread %d: LIST %s: %s", wk->id, prefix,
			     strerror(-ret));
			return;
		}
		off = 0;
		for (uint32_t i = 0; i < count; i++) {
			const struct m2mv_list_ent *e = (const void *)(buf + off);
			int p = path_index(e->path, e->path_len);
			char path[64];

			snprintf(path, sizeof(path), "%.*s", (int)e->path_len,
				 e->path);
			if (p < 0 || strncmp(path, prefix, strlen(prefix)) ||
			    (pages + i && strcmp(path, after) <= 0)) {
				fail(wk->sh, "thread %d: LIST %s: %s out of place",
				     wk->id, prefix, path);
				return;
			}
			saw(wk, p, e->version, "LIST");
			snprintf(after, sizeof(after), "%s", path);
			off += e->reclen;
		}
		pages++;
	} while ((flags & M2MV_LIST_F_MORE) && pages < 40);
	atomic_fetch_add(&wk->sh->n_list, 1);
}

static void do_stat(struct worker *wk, int p)
{
	struct m2mv_stat st;
	int ret = mvt_stat(wk->fd, cpaths[p], &st);

	atomic_fetch_add(&wk->sh->n_stat, 1);
	if (ret == -ENOENT)
		return;
	if (ret || (st.rec_flags & M2MV_STAT_F_BAD)) {
		fail(wk->sh, "thread %d: STAT %s: %s flags %#x", wk->id,
		     cpaths[p], strerror(-ret), st.rec_flags);
		return;
	}
	saw(wk, p, st.version, "STAT");
}

static void do_batch(struct worker *wk, int *ctr)
{
	static __thread uint8_t put[2][MAXLEN], get[2][MAXLEN];
	struct m2mv_batch_op ops[5];
	struct shared *sh = wk->sh;
	int p[5];
	int c[2];
	int ret;

	memset(ops, 0, sizeof(ops));
	for (int i = 0; i < 5; i++) {
		p[i] = next_rand(&wk->rng) % NPATHS;
		ops[i].path = mvt_ptr(cpaths[p[i]]);
		ops[i].path_len = strlen(cpaths[p[i]]);
	}
	for (int i = 0; i < 2; i++) {
		c[i] = (*ctr)++;
		ops[i].op = M2MV_BATCH_PUT;
		ops[i].flags = i ? M2MV_F_SYNC : 0;
		ops[i].data = mvt_ptr(put[i]);
		ops[i].data_len = make_blob(put[i], p[i], wk->id, c[i]);
		atomic_store(&sh->tried[p[i]][wk->id][c[i]], 1);
	}
	for (int i = 2; i < 4; i++) {
		ops[i].op = M2MV_BATCH_GET;
		ops[i].data = mvt_ptr(get[i - 2]);
		ops[i].data_len = MAXLEN;
	}
	ops[4].op = M2MV_BATCH_DELETE;
	ret = mvt_batch(wk->fd, ops, 5, NULL);
	atomic_fetch_add(&sh->n_batch, 1);
	if (ret) {
		fail(sh, "thread %d: BATCH: %s", wk->id, strerror(-ret));
		return;
	}
	for (int i = 0; i < 5; i++) {
		int r = ops[i].result;

		if (r && !(r == -ENOENT && ops[i].op != M2MV_BATCH_PUT)) {
			fail(sh, "thread %d: BATCH op %d %s: %s", wk->id, i,
			     cpaths[p[i]], strerror(-r));
			continue;
		}
		if (r)
			continue;
		switch (ops[i].op) {
		case M2MV_BATCH_PUT:
			if (ops[i].version < MAXVER)
				atomic_store(&sh->by_version[p[i]][ops[i].version],
					     wk->id * MAXOPS + c[i] + 1);
			saw(wk, p[i], ops[i].version, "BATCH PUT");
			note_max(sh, p[i], ops[i].version, false);
			break;
		case M2MV_BATCH_GET:
			saw(wk, p[i], ops[i].version, "BATCH GET");
			check_blob(wk, p[i], get[i - 2], ops[i].data_len,
				   ops[i].version);
			break;
		default:
			saw(wk, p[i], ops[i].version, "BATCH DELETE");
			note_max(sh, p[i], ops[i].version, true);
			break;
		}
	}
}

static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	struct shared *sh = wk->sh;
	int ctr = 0;

	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* sh->ops operations, and on for at least sh->min_seconds. */
	for (int i = 0; ctr < MAXOPS - 4; i++) {
		if (i >= sh->ops) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			if (t.tv_sec - t0.tv_sec >= sh->min_seconds)
				break;
		}
		int r = next_rand(&wk->rng) % 100;
		int p = next_rand(&wk->rng) % NPATHS;

		if (r < 30)
			do_put(wk, p, ctr++, 0);
		else if (r < 38)
			do_put(wk, p, ctr++, M2MV_F_SYNC);
		else if (r < 68)
			do_get(wk, p);
		else if (r < 76)
			do_del(wk, p, r & 1 ? M2MV_F_SYNC : 0);
		else if (r < 84)
			do_list(wk, r & 1 ? "/w/c/" : "/m/");
		else if (r < 92)
			do_stat(wk, p);
		else
			do_batch(wk, &ctr);
		if (atomic_load(&sh->failures) > 20)
			break;
	}
	return NULL;
}

/* Wrap, mic and per-container dir: the modes the paths above use. */
static const struct mvt_policy conc_policies[] = {
	{ "/w/", NULL, M2MV_MODE_WRAP, MVT_K_WRAP, 0 },
	{ "/m/", NULL, M2MV_MODE_MIC, MVT_K_MIC, 0 },
	{ "/d/", NULL, M2MV_MODE_DIR, MVT_K_DIR, 0 },
};

FIXTURE(conc) {
	MVT_VAULT_IN_FIXTURE;
	struct shared *sh;
};

FIXTURE_SETUP(conc)
{
	const struct mvt_vault_spec spec = {
		.tag = "conc", .policies = conc_policies,
		.npolicies = sizeof(conc_policies) / sizeof(conc_policies[0]),
	};
	const char *ops = getenv("M2MV_CONC_OPS");

	mvt_vault_setup(_metadata, &self->v, &spec);
	self->sh = calloc(1, sizeof(*self->sh));
	ASSERT_NE(NULL, self->sh);
	pthread_mutex_init(&self->sh->lock, NULL);
	self->sh->name = self->name;
	self->sh->fd = self->fd;
	self->sh->ops = ops ? atoi(ops) : 300;
	self->sh->min_seconds = 3;
	if (self->sh->ops > MAXOPS - 8)
		self->sh->ops = MAXOPS - 8;
}

FIXTURE_TEARDOWN(conc)
{
	mvt_vault_teardown(_metadata, &self->v);
	free(self->sh);
}

static void run_workers(struct __test_metadata *_metadata, struct shared *sh,
			struct worker *wk)
{
	pthread_t t[NTHREADS];

	for (int i = 0; i < NTHREADS; i++) {
		wk[i].sh = sh;
		wk[i].id = i;
		wk[i].rng = 0x1234567ULL * (i + 1) + (uint64_t)time(NULL);
		/* Threads 0 and 1 share a file; 2 and 3 have their own. */
		wk[i].fd = i < 2 ? sh->fd : mvt_open_bound(sh->name);
		ASSERT_GE(wk[i].fd, 0);
	}
	for (int i = 0; i < NTHREADS; i++) {
		ASSERT_EQ(0, pthread_create(&t[i], NULL, worker_main, &wk[i]));
	}
	for (int i = 0; i < NTHREADS; i++) {
		ASSERT_EQ(0, pthread_join(t[i], NULL));
	}
	for (int i = 2; i < NTHREADS; i++)
		close(wk[i].fd);
}

TEST_F_TIMEOUT(conc, mixed_operations, 300)
{
	struct shared *sh = self->sh;
	struct worker wk[NTHREADS];
	struct mvt_nl_reply rep;
	struct timespec t0, t1;
	int live = 0;

	memset(wk, 0, sizeof(wk));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	run_workers(_metadata, sh, wk);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	TH_LOG("%d threads x >= %d ops in %.1f s: %d PUT, %d GET (%d ENOENT), %d DELETE, %d LIST, %d STAT, %d BATCH",
	       NTHREADS, sh->ops, (t1.tv_sec - t0.tv_sec) +
	       (t1.tv_nsec - t0.tv_nsec) / 1e9, sh->n_put, sh->n_get,
	       sh->n_enoent, sh->n_del, sh->n_list, sh->n_stat, sh->n_batch);
	EXPECT_EQ(0, atomic_load(&sh->failures)) TH_LOG("%d failures, first: %s",
							atomic_load(&sh->failures),
							sh->first_failure);

	/* Quiet now: each path holds the highest version written. */
	for (int p = 0; p < NPATHS; p++) {
		struct m2mv_stat st;
		int ret = mvt_stat(self->fd, cpaths[p], &st);

		if (!sh->max_version[p] || sh->max_is_delete[p]) {
			EXPECT_EQ(-ENOENT, ret) TH_LOG("%s", cpaths[p]);
			continue;
		}
		live++;
		EXPECT_EQ(0, ret) TH_LOG("%s", cpaths[p]);
		EXPECT_EQ(sh->max_version[p], st.version) TH_LOG("%s", cpaths[p]);
	}

	/* And the log the threads wrote is clean. */
	ASSERT_EQ(0, mvt_vault_detach(&self->v));
	ASSERT_EQ(0, mvt_vault_attach(&self->v, &rep));
	EXPECT_EQ(0, rep.integrity_errors);
	EXPECT_EQ(0, rep.truncated);
	EXPECT_EQ(live, rep.live);
	memset(&wk[0], 0, sizeof(wk[0]));
	wk[0].sh = sh;
	wk[0].fd = self->fd;
	sh->fd = self->fd;
	for (int p = 0; p < NPATHS; p++) {
		do_get(&wk[0], p);
		if (sh->max_version[p] && !sh->max_is_delete[p]) {
			EXPECT_EQ(sh->max_version[p], wk[0].seen[p])
				TH_LOG("%s", cpaths[p]);
		}
	}
	EXPECT_EQ(0, atomic_load(&sh->failures)) TH_LOG("%s", sh->first_failure);
}

/* ---------------------------------------------------- detach while busy */

struct busy {
	struct shared *sh;
	int fd, id;
	atomic_int *stop;
	int enodev_after;
};

static void *busy_main(void *arg)
{
	struct busy *b = arg;
	static __thread uint8_t buf[MAXLEN];
	bool gone = false;
	int c = 0;

	for (int i = 0; i < 100000 && !atomic_load(b->stop); i++) {
		int p = i % NPATHS, ret;
		size_t len;

		if (i % 2) {
			len = make_blob(buf, p, b->id, c % MAXOPS);
			atomic_store(&b->sh->tried[p][b->id][c % MAXOPS], 1);
			c++;
			ret = mvt_put(b->fd, cpaths[p], buf, len,
				      i % 3 ? 0 : M2MV_F_SYNC, NULL);
		} else {
			len = sizeof(buf);
			ret = mvt_get(b->fd, cpaths[p], buf, &len, NULL);
			if (ret == -ENOENT)
				ret = 0;
		}
		if (ret == -ENODEV) {
			gone = true;
		} else if (gone) {
			fail(b->sh, "thread %d: %s after ENODEV: %s", b->id,
			     i % 2 ? "PUT" : "GET", strerror(-ret));
			break;
		} else if (ret) {
			fail(b->sh, "thread %d: %s %s: %s", b->id,
			     i % 2 ? "PUT" : "GET", cpaths[p], strerror(-ret));
			break;
		}
		if (gone && ++b->enodev_after > 20)
			break;
	}
	return NULL;
}

TEST_F_TIMEOUT(conc, detach_while_busy, 120)
{
	struct shared *sh = self->sh;
	struct busy b[3];
	pthread_t t[3];
	atomic_int stop = 0;
	struct mvt_nl_reply rep;
	struct worker wk;

	for (int i = 0; i < 3; i++) {
		b[i] = (struct busy){ .sh = sh, .id = i, .stop = &stop };
		b[i].fd = i ? mvt_open_bound(self->name) : self->fd;
		ASSERT_GE(b[i].fd, 0);
		ASSERT_EQ(0, pthread_create(&t[i], NULL, busy_main, &b[i]));
	}
	usleep(300 * 1000);
	EXPECT_EQ(0, mvt_detach(self->name));
	self->attached = false;
	usleep(200 * 1000);
	atomic_store(&stop, 1);
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(0, pthread_join(t[i], NULL));
	}
	for (int i = 0; i < 3; i++) {
		EXPECT_LT(0, b[i].enodev_after) TH_LOG("thread %d never saw ENODEV", i);
		if (i)
			close(b[i].fd);
	}
	EXPECT_EQ(0, atomic_load(&sh->failures)) TH_LOG("%s", sh->first_failure);

	/* Whatever was written before the detach is intact. */
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, mvt_vault_attach(&self->v, &rep));
	EXPECT_EQ(0, rep.integrity_errors);
	EXPECT_EQ(0, rep.truncated);
	memset(&wk, 0, sizeof(wk));
	wk.sh = sh;
	wk.fd = self->fd;
	for (int p = 0; p < NPATHS; p++)
		do_get(&wk, p);
	EXPECT_EQ(0, atomic_load(&sh->failures)) TH_LOG("%s", sh->first_failure);
}

/* ------------------------------------------------- attach/detach churn */

struct churn {
	struct shared *sh;
	int id, rounds;
};

static void *churn_main(void *arg)
{
	struct churn *c = arg;
	char file[256], name[M2MV_NAME_MAX];
	int ctl = mvt_open_dev();

	if (ctl < 0) {
		fail(c->sh, "churn %d: open: %s", c->id, strerror(-ctl));
		return NULL;
	}
	for (int r = 0; r < c->rounds; r++) {
		uint8_t out[16];
		size_t n = sizeof(out);
		int sfd, fd, ret;

		snprintf(name, sizeof(name), "churn%d-%d-%d", c->id,
			 (int)getpid(), r);
		snprintf(file, sizeof(file), "/tmp/m2mv-churn-%d-%d-%d.store",
			 c->id, (int)getpid(), r);
		sfd = open(file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (sfd < 0) {
			fail(c->sh, "churn %d: %s: %s", c->id, file,
			     strerror(errno));
			break;
		}
		ret = mvt_attach(name, sfd, MVT_K_STORE, M2MV_ATTACH_F_CREATE,
				 NULL);
		if (!ret)
			ret = mvt_policy(name, "", MVT_K_WRAP, M2MV_MODE_WRAP, 0);
		fd = ret ? -1 : mvt_open_bound(name);
		if (fd < 0 && !ret)
			ret = fd;
		if (!ret)
			ret = mvt_put(fd, "/x", "churn", 5, M2MV_F_SYNC, NULL);
		if (!ret)
			ret = mvt_get(fd, "/x", out, &n, NULL);
		if (!ret && (n != 5 || memcmp(out, "churn", 5)))
			ret = -EILSEQ;
		/* Detach with a file still bound, half of the time. */
		if (fd >= 0 && r % 2)
			close(fd);
		if (!ret)
			ret = mvt_detach(name);
		if (fd >= 0 && !(r % 2)) {
			if (!ret && mvt_put(fd, "/x", "y", 1, 0, NULL) != -ENODEV)
				ret = -EPROTO;
			close(fd);
		}
		close(sfd);
		unlink(file);
		if (ret) {
			fail(c->sh, "churn %d round %d: %s", c->id, r,
			     strerror(-ret));
			mvt_detach(name);
			break;
		}
	}
	close(ctl);
	return NULL;
}

TEST_F_TIMEOUT(conc, attach_detach_churn_beside_busy_store, 180)
{
	struct shared *sh = self->sh;
	struct worker wk[NTHREADS];
	struct churn ch[2];
	pthread_t t[2];

	sh->ops = sh->ops / 2;
	sh->min_seconds = 0;
	for (int i = 0; i < 2; i++) {
		ch[i] = (struct churn){ .sh = sh, .id = i, .rounds = 25 };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, churn_main, &ch[i]));
	}
	memset(wk, 0, sizeof(wk));
	run_workers(_metadata, sh, wk);
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, pthread_join(t[i], NULL));
	}
	EXPECT_EQ(0, atomic_load(&sh->failures)) TH_LOG("%d failures, first: %s",
							atomic_load(&sh->failures),
							sh->first_failure);
}

TEST_HARNESS_MAIN
