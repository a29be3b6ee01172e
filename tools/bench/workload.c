// SPDX-License-Identifier: GPL-2.0
/*
 * The oneM2M-shaped workload (issue #14), on any store that has del and
 * list: --containers containers /wT/cntCCC (T: the number of CSE worker
 * threads), each holding contentInstances cinNNNNNN with JSON-like bodies
 * of 100 B to 2 KiB, at most --mni of them (the container's maxNrOfInstances).
 *
 * Each worker thread serves the containers c with c % T == its id (one
 * CSE worker per container, so a container's instance numbers need no
 * lock) and runs a fixed, seeded sequence of requests:
 *
 *   50 % CREATE of a new instance in one of its containers, synchronous;
 *        when the container then holds more than mni, its oldest instance
 *        is deleted first, without sync, so that the CREATE's sync makes
 *        both durable before it is acknowledged;
 *   40 % RETRIEVE of a container's latest instance ("la"), checked
 *        against the body that instance was created with;
 *   10 % a listing of one container's children, checked to be exactly
 *        the live instances.
 *
 * The sequence (container, request, body) depends only on the worker's id
 * and T: every store runs the same one. Before the timings every container
 * is filled to mni instances (no sync, then sync(2)), so that every timed
 * CREATE also deletes. One row per phase (wl1, wl8) with all requests,
 * and one per kind of request (wl1-create, wl1-la, wl1-list): ops/s over
 * the phase's time, p50 and p99 of that kind.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define WL_BODY_MIN 100
#define WL_BODY_MAX 2048

enum { WL_CREATE, WL_LA, WL_LIST, WL_KINDS };
static const char *const wl_kind[WL_KINDS] = { "create", "la", "list" };

struct wl_cnt {
	uint64_t first, next;	/* live instances: [first, next) */
};

struct wl_worker {
	struct worker w;	/* what the store sees */
	unsigned int nthreads;
	struct wl_cnt *cnts;	/* all containers; this worker's only */
	uint64_t rng;
	uint8_t *body;		/* a body being written, or expected */
	float *lat[WL_KINDS];
	uint64_t n[WL_KINDS];
};

/* The state of one listing being checked. */
struct wl_seen {
	const struct wl_cnt *c;
	const char *res;
	uint64_t sum;
};

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t wl_rand(struct wl_worker *ww)
{
	ww->rng = splitmix(ww->rng);
	return ww->rng;
}

static void cnt_path(char *out, size_t n, unsigned int nthreads,
		     unsigned int c)
{
	snprintf(out, n, "/w%u/cnt%03u", nthreads, c);
}

static void cin_path(char *out, size_t n, unsigned int nthreads,
		     unsigned int c, uint64_t i)
{
	snprintf(out, n, "/w%u/cnt%03u/cin%06llu", nthreads, c,
		 (unsigned long long)i);
}

/*
 * The body of instance @i of container @c: a oneM2M contentInstance in
 * JSON with filler content, its length from WL_BODY_MIN to WL_BODY_MAX,
 * both fixed by (@c, @i). Its length is returned.
 */
static size_t wl_body(uint8_t *out, unsigned int c, uint64_t i)
{
	static const char alpha[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint64_t h = splitmix(((uint64_t)c << 40) ^ i);
	size_t len = WL_BODY_MIN + h % (WL_BODY_MAX - WL_BODY_MIN + 1);
	int hdr;

	hdr = snprintf((char *)out, WL_BODY_MAX,
		       "{\"m2m:cin\":{\"rn\":\"cin%06llu\",\"ty\":4,\"cs\":%zu,"
		       "\"cnf\":\"text/plain:0\",\"con\":\"",
		       (unsigned long long)i, len);
	if (hdr < 0 || (size_t)hdr + 3 > len)
		die("workload: body header of %d bytes", hdr);
	for (size_t k = hdr; k < len - 3; k++) {
		h = splitmix(h);
		out[k] = alpha[h & 63];
	}
	memcpy(out + len - 3, "\"}}", 3);
	return len;
}

static void wl_create(struct wl_worker *ww, unsigned int c, bool sync)
{
	struct wl_cnt *cnt = &ww->cnts[c];
	char res[96];
	size_t len;

	if (cnt->next - cnt->first >= cfg.mni) {
		cin_path(res, sizeof(res), ww->nthreads, c, cnt->first);
		ww->w.sync = false;
		cfg.store->del(&ww->w, res);
		cnt->first++;
	}
	cin_path(res, sizeof(res), ww->nthreads, c, cnt->next);
	len = wl_body(ww->body, c, cnt->next);
	ww->w.sync = sync;
	cfg.store->put(&ww->w, res, ww->body, len);
	cnt->next++;
}

static void wl_la(struct wl_worker *ww, unsigned int c)
{
	struct wl_cnt *cnt = &ww->cnts[c];
	uint64_t i = cnt->next - 1;
	char res[96];
	size_t len, got;

	cin_path(res, sizeof(res), ww->nthreads, c, i);
	got = cfg.store->get(&ww->w, res, ww->w.buf, ww->w.cap);
	len = wl_body(ww->body, c, i);
	if (got != len || memcmp(ww->w.buf, ww->body, len))
		die("workload: GET %s (la): %zu bytes, not the %zu written",
		    res, got, len);
}

static void wl_seen(void *arg, const char *name)
{
	struct wl_seen *s = arg;
	unsigned long long i;
	char *end;

	if (strncmp(name, "cin", 3))
		die("workload: list %s: unexpected child %s", s->res, name);
	i = strtoull(name + 3, &end, 10);
	if (*end || i < s->c->first || i >= s->c->next)
		die("workload: list %s: child %s is not live", s->res, name);
	s->sum += i;
}

static void wl_list(struct wl_worker *ww, unsigned int c)
{
	const struct wl_cnt *cnt = &ww->cnts[c];
	struct wl_seen s = { .c = cnt };
	char res[96];
	uint64_t n, live = cnt->next - cnt->first;

	cnt_path(res, sizeof(res), ww->nthreads, c);
	s.res = res;
	n = cfg.store->list(&ww->w, res, wl_seen, &s);
	/* In range, as many as live, and their sum: the live set. */
	if (n != live ||
	    s.sum != (cnt->first + cnt->next - 1) * live / 2)
		die("workload: list %s: %llu children, expected %llu",
		    res, (unsigned long long)n, (unsigned long long)live);
}

/* The k-th container of this worker's. */
static unsigned int wl_container(struct wl_worker *ww, uint64_t k)
{
	unsigned int mine = (cfg.containers - ww->w.id + ww->nthreads - 1) /
			    ww->nthreads;

	return ww->w.id + ww->nthreads * (unsigned int)(k % mine);
}

/* @sync: the requests' (a store may set up its connection for it). */
static void wl_open(struct wl_worker *ww, bool sync)
{
	ww->w.size = WL_BODY_MAX;
	ww->w.cap = WL_BODY_MAX + 64;
	ww->w.buf = xmalloc(ww->w.cap);
	ww->body = xmalloc(WL_BODY_MAX);
	ww->w.sync = sync;
	if (cfg.store->worker_open)
		cfg.store->worker_open(&ww->w);
}

static void wl_close(struct wl_worker *ww)
{
	if (cfg.store->worker_close)
		cfg.store->worker_close(&ww->w);
	free(ww->w.buf);
	free(ww->body);
}

static void *wl_main(void *arg)
{
	struct wl_worker *ww = arg;
	uint64_t k;

	wl_open(ww, true);
	for (k = 0; k < ww->w.quota; k++) {
		uint64_t r = wl_rand(ww);
		unsigned int c = wl_container(ww, r >> 8);
		unsigned int kind = r % 10 < 5 ? WL_CREATE :
				    r % 10 < 9 ? WL_LA : WL_LIST;
		double t0 = now(), t;

		if (kind == WL_CREATE)
			wl_create(ww, c, true);
		else if (kind == WL_LA)
			wl_la(ww, c);
		else
			wl_list(ww, c);
		t = now();
		ww->lat[kind][ww->n[kind]++] = (t - t0) * 1e6;
		if (t >= ww->w.deadline)
			break;
	}
	ww->w.done = k < ww->w.quota ? k + 1 : k;
	wl_close(ww);
	return NULL;
}

/* p50 and p99 of @n latencies in @v (sorted here). */
static void pct(float *v, uint64_t n, double *p50, double *p99)
{
	*p50 = *p99 = 0;
	if (!n)
		return;
	qsort(v, n, sizeof(float), cmp_float);
	*p50 = v[(n - 1) / 2];
	*p99 = v[(uint64_t)((n - 1) * 0.99)];
}

static void wl_phase(unsigned int nthreads)
{
	struct wl_worker *ww = calloc(nthreads, sizeof(*ww));
	struct wl_cnt *cnts = calloc(cfg.containers, sizeof(*cnts));
	uint64_t total = 0, nk[WL_KINDS] = { 0 };
	float *all, *kinds[WL_KINDS];
	char name[32], row[48];
	long long fl0, fl1, fl;
	double t0, secs, p50, p99;

	if (!ww || !cnts)
		die("out of memory");
	snprintf(name, sizeof(name), "wl%u", nthreads);

	/* Outside the timings: the containers, each filled to mni. */
	for (unsigned int t = 0; t < nthreads; t++) {
		ww[t].w.id = t;
		ww[t].w.phase = name;
		ww[t].nthreads = nthreads;
		ww[t].cnts = cnts;
		ww[t].rng = splitmix(0x6f6e654d324dULL + t * 1000 + nthreads);
	}
	wl_open(&ww[0], false);
	for (unsigned int c = 0; c < cfg.containers; c++) {
		char res[96];

		cnt_path(res, sizeof(res), nthreads, c);
		if (cfg.store->mkdir)
			cfg.store->mkdir(res);
		for (unsigned int j = 0; j < cfg.mni; j++)
			wl_create(&ww[0], c, false);
	}
	wl_close(&ww[0]);
	sync();

	perf_ctl(cfg.label, name, 0, true);
	fl0 = disk_flushes();
	t0 = now();
	for (unsigned int t = 0; t < nthreads; t++) {
		ww[t].w.deadline = t0 + cfg.secs;
		ww[t].w.quota = cfg.count / nthreads + (t < cfg.count % nthreads);
		if (!ww[t].w.quota)
			ww[t].w.quota = 1;
		for (int j = 0; j < WL_KINDS; j++)
			ww[t].lat[j] = xmalloc(sizeof(float) * ww[t].w.quota);
		if (pthread_create(&ww[t].w.th, NULL, wl_main, &ww[t]))
			die("pthread_create failed");
	}
	for (unsigned int t = 0; t < nthreads; t++) {
		pthread_join(ww[t].w.th, NULL);
		total += ww[t].w.done;
		for (int j = 0; j < WL_KINDS; j++)
			nk[j] += ww[t].n[j];
	}
	secs = now() - t0;
	fl1 = disk_flushes();
	perf_ctl(cfg.label, name, 0, false);
	fl = fl0 >= 0 && fl1 >= 0 ? fl1 - fl0 : -1;

	all = xmalloc(sizeof(float) * (total ? total : 1));
	total = 0;
	for (int j = 0; j < WL_KINDS; j++) {
		uint64_t m = 0;

		kinds[j] = xmalloc(sizeof(float) * (nk[j] ? nk[j] : 1));
		for (unsigned int t = 0; t < nthreads; t++) {
			memcpy(kinds[j] + m, ww[t].lat[j],
			       sizeof(float) * ww[t].n[j]);
			m += ww[t].n[j];
		}
		memcpy(all + total, kinds[j], sizeof(float) * nk[j]);
		total += nk[j];
	}
	pct(all, total, &p50, &p99);
	emit(cfg.label, name, 0, total, secs, p50, p99, fl);
	for (int j = 0; j < WL_KINDS; j++) {
		pct(kinds[j], nk[j], &p50, &p99);
		snprintf(row, sizeof(row), "%s-%s", name, wl_kind[j]);
		/* flushes per CREATE: only they write */
		emit(cfg.label, row, 0, nk[j], secs, p50, p99,
		     j == WL_CREATE ? fl : -1);
		free(kinds[j]);
	}
	free(all);
	for (unsigned int t = 0; t < nthreads; t++)
		for (int j = 0; j < WL_KINDS; j++)
			free(ww[t].lat[j]);
	free(ww);
	free(cnts);
}

void run_workload(void)
{
	char many[16];
	bool one, more;

	snprintf(many, sizeof(many), "wl%u", cfg.writers);
	one = want("wl1");
	more = cfg.writers > 1 && want(many);
	if ((one || more) && (!cfg.store->del || !cfg.store->list))
		die("--store %s has no delete or list", cfg.store->name);
	if (one)
		wl_phase(1);
	if (more)
		wl_phase(cfg.writers);
}
