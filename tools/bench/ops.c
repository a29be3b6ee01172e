// SPDX-License-Identifier: GPL-2.0
/*
 * m2mvbench ops: for each size, the phases (PUT, GET warm and cold, PUT
 * with sync from 1 and from --writers writers), each by worker threads on
 * the store --store names (struct bench_store), one CSV row per phase;
 * then the oneM2M-shaped workload (workload.c).
 */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

void res_path(char *out, size_t n, const struct worker *w, uint64_t i)
{
	snprintf(out, n, "/b/%zu/%s/r%llu", w->size, w->phase,
		 (unsigned long long)i);
}

void stamp(uint8_t *data, size_t size, uint64_t i)
{
	if (size >= 8)
		memcpy(data, &i, 8);
}

void check_get(const struct worker *w, const uint8_t *got, size_t len,
	       uint64_t i, const char *path)
{
	if (len != w->size)
		die("GET %s: %zu bytes, expected %zu", path, len, w->size);
	if (w->size >= 8 && memcmp(got, &i, 8))
		die("GET %s: wrong content", path);
	if (w->size > 16 && memcmp(got + 8, w->data + 8, w->size - 8))
		die("GET %s: wrong content", path);
}

uint64_t op_index(const struct worker *w, uint64_t k)
{
	uint64_t i = (uint64_t)k * cfg.writers + w->id;

	if (w->put)
		return i;
	i %= w->nkeys;
	return w->order ? w->order[i] : i;
}

static void worker_open(struct worker *w)
{
	w->cap = w->size + 64;
	w->buf = xmalloc(w->cap * (cfg.batch > 1 ? cfg.batch : 1));
	if (cfg.store->worker_open)
		cfg.store->worker_open(w);
}

static void worker_close(struct worker *w)
{
	if (cfg.store->worker_close)
		cfg.store->worker_close(w);
	free(w->buf);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint8_t *data = NULL;
	uint64_t k = 0;

	worker_open(w);
	if (w->put && cfg.batch <= 1) {
		data = xmalloc(w->size);
		memcpy(data, w->data, w->size);
	}
	while (k < w->quota) {
		double t0 = now(), t;
		unsigned int n = 1;

		if (cfg.batch > 1) {
			n = cfg.store->batch(w, k);
		} else {
			char res[96];
			uint64_t i = op_index(w, k);

			res_path(res, sizeof(res), w, i);
			if (w->put) {
				stamp(data, w->size, i);
				cfg.store->put(w, res, data, w->size);
			} else {
				size_t len = cfg.store->get(w, res, w->buf,
							    w->cap);

				check_get(w, w->buf, len, i, res);
			}
		}
		t = now();
		for (unsigned int j = 0; j < n; j++)
			w->lat[k + j] = (t - t0) * 1e6 / n;
		k += n;
		if (t >= w->deadline)
			break;
	}
	w->done = k;
	worker_close(w);
	free(data);
	return NULL;
}

void emit(const char *label, const char *op, uint64_t size, uint64_t ops,
	  double secs, double p50, double p99, long long flushes)
{
	double ops_s = secs > 0 ? ops / secs : 0;
	double fpo = flushes >= 0 && ops ? (double)flushes / ops : -1;

	fprintf(cfg.out, "%s,%s,%llu,%llu,%.6f,%.2f,%.3f,%.1f,%.1f,%.3f\n",
		label, op, (unsigned long long)size, (unsigned long long)ops,
		secs, ops_s, ops_s * size / 1e6, p50, p99, fpo);
	fflush(cfg.out);
	fprintf(stderr, "%-16s %-8s %8llu  %8llu ops %7.2fs %10.1f ops/s %8.2f MB/s  p50 %8.1f us  p99 %8.1f us  flushes/op %.3f\n",
		label, op, (unsigned long long)size, (unsigned long long)ops,
		secs, ops_s, ops_s * size / 1e6, p50, p99, fpo);
}

/*
 * Run one phase with @nthreads workers; the number of operations done
 * (over all workers) is returned.
 */
static uint64_t phase(const char *name, const char *dirname, size_t size,
		      const uint8_t *data, bool put, bool sync,
		      unsigned int nthreads, uint64_t nkeys,
		      const uint64_t *order, uint64_t count)
{
	struct worker *w = calloc(nthreads, sizeof(*w));
	unsigned int saved = cfg.writers;
	uint64_t total = 0, m = 0;
	long long fl0, fl1;
	double t0, secs;
	float *all;

	if (!w)
		die("out of memory");
	cfg.writers = nthreads;
	if (cfg.store->phase_start)
		cfg.store->phase_start(size, dirname);
	perf_ctl(cfg.label, name, size, true);
	fl0 = disk_flushes();
	t0 = now();
	for (unsigned int t = 0; t < nthreads; t++) {
		w[t].id = t;
		w[t].phase = dirname;
		w[t].size = size;
		w[t].data = (uint8_t *)data;
		w[t].put = put;
		w[t].sync = sync;
		w[t].nkeys = nkeys;
		w[t].order = order;
		w[t].deadline = t0 + cfg.secs;
		w[t].quota = count / nthreads + (t < count % nthreads);
		if (!w[t].quota)
			w[t].quota = 1;
		w[t].lat = xmalloc(sizeof(float) * w[t].quota);
		if (pthread_create(&w[t].th, NULL, worker_main, &w[t]))
			die("pthread_create failed");
	}
	for (unsigned int t = 0; t < nthreads; t++) {
		pthread_join(w[t].th, NULL);
		total += w[t].done;
	}
	secs = now() - t0;
	fl1 = disk_flushes();
	perf_ctl(cfg.label, name, size, false);
	all = xmalloc(sizeof(float) * total);
	for (unsigned int t = 0; t < nthreads; t++) {
		memcpy(all + m, w[t].lat, sizeof(float) * w[t].done);
		m += w[t].done;
		free(w[t].lat);
	}
	qsort(all, total, sizeof(float), cmp_float);
	emit(cfg.label, name, size, total, secs, all[(total - 1) / 2],
	     all[(uint64_t)((total - 1) * 0.99)],
	     fl0 >= 0 && fl1 >= 0 ? fl1 - fl0 : -1);
	free(all);
	free(w);
	cfg.writers = saved;
	return total;
}

bool want(const char *name)
{
	const char *p = cfg.phases;
	size_t n = strlen(name);

	if (!p)
		return true;
	while ((p = strstr(p, name))) {
		if ((p == cfg.phases || p[-1] == ',') &&
		    (p[n] == ',' || !p[n]))
			return true;
		p += n;
	}
	return false;
}

static uint64_t *shuffled(uint64_t n)
{
	uint64_t *p = xmalloc(sizeof(*p) * n);
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	for (uint64_t i = 0; i < n; i++)
		p[i] = i;
	for (uint64_t i = n - 1; i > 0; i--) {
		uint64_t j, t;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		j = x % (i + 1);
		t = p[i];
		p[i] = p[j];
		p[j] = t;
	}
	return p;
}

void cmd_ops(void)
{
	unsigned int batch0 = cfg.batch;

	mkdirs(cfg.dir);
	if (cfg.store->open)
		cfg.store->open();

	for (int s = 0; s < cfg.nsizes; s++) {
		size_t size = cfg.sizes[s];
		uint8_t *data = xmalloc(size);
		uint64_t count = cfg.count, n, *order;

		fill_random(data, size);
		cfg.batch = batch0;
		if (cfg.batch > 1 && size * cfg.batch > (4u << 20))
			cfg.batch = (4u << 20) / size > 1 ? (4u << 20) / size : 1;
		/* Keep the big-blob phases within the disk budget: 96 MiB. */
		if (count * size > (96ull << 20))
			count = (96ull << 20) / size;
		n = 0;
		if (want("put") || want("get") || want("getcold"))
			n = phase("put", "p", size, data, true, false, 1, 0,
				  NULL, count);
		if (want("get"))
			phase("get", "p", size, data, false, false, 1, n, NULL,
			      count);
		if (want("getcold")) {
			drop_caches();
			order = shuffled(n);
			phase("getcold", "p", size, data, false, false, 1, n,
			      order, n);
			free(order);
		}
		if (want("sync1"))
			phase("sync1", "s1", size, data, true, true, 1, 0, NULL,
			      count);
		if (want("sync8"))
			phase("sync8", "s8", size, data, true, true,
			      cfg.writers, 0, NULL, count);
		free(data);
	}
	run_workload();

	if (cfg.store->close)
		cfg.store->close();
}
