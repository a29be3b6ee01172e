// SPDX-License-Identifier: GPL-2.0
/*
 * m2mvbench policies: what the number of policies of a store costs a PUT.
 * Two stores are attached side by side: one with a single policy, one with
 * --policies N (prefixes /p00000/ to /pNNNNN/, all under the wrap
 * credential). 4 KiB PUTs without sync go to the same path under the last
 * prefix of each, in alternating windows of --secs (or --count PUTs):
 * --reps windows of each store, interleaved, so that drift of the host
 * reaches both alike.
 *
 * Rows (with the repetition as an eleventh column):
 *   policies,set,N,N,SECONDS,...   the time to set the N policies
 *   policies,put,K,...              one window of the store with K policies
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "bench.h"

#define POL_BLOB	4096

struct pol_store {
	char name[M2MV_NAME_MAX];
	char file[512];
	uint64_t npol;
	int fd;
};

static void pol_prefix(char *out, size_t n, uint64_t i)
{
	snprintf(out, n, "/p%05llu/", (unsigned long long)i);
}

/* Attach @st with policies @first..@last; Return: seconds to set them. */
static double pol_setup(struct m2mv_ctl *ctl, struct pol_store *st,
			uint64_t first, uint64_t last)
{
	char prefix[32];
	double t0;
	int ret;

	mvb_attach(ctl, st->name, st->file, true, NULL);
	/* mvb_attach() set the policy of ""; only the numbered ones count. */
	ret = m2mv_policy_del(ctl, st->name, "");
	if (ret)
		die("policy del: %s", strerror(-ret));
	t0 = now();
	for (uint64_t i = first; i <= last; i++) {
		pol_prefix(prefix, sizeof(prefix), i);
		ret = m2mv_policy_set(ctl, st->name, prefix,
				      "15-bench-wrap@bench.example",
				      M2MV_MODE_WRAP, 0);
		if (ret)
			die("policy %s: %s (%s)", prefix, strerror(-ret),
			    m2mv_ctl_last_error(ctl));
	}
	st->npol = last - first + 1;
	st->fd = mvb_bound_fd(st->name);
	return now() - t0;
}

/* One window of PUTs into @st; writes its row. */
static void pol_window(const struct pol_store *st, uint64_t last, int rep,
		       uint8_t *data, float *lat)
{
	char path[64];
	uint64_t k = 0;
	double t0, secs;

	pol_prefix(path, sizeof(path), last);
	strcat(path, "c/obj");
	t0 = now();
	while (k < cfg.count) {
		struct m2mv_put p;
		double t1 = now();

		stamp(data, POL_BLOB, k);
		memset(&p, 0, sizeof(p));
		p.path = (uintptr_t)path;
		p.path_len = strlen(path);
		p.data = (uintptr_t)data;
		p.data_len = POL_BLOB;
		if (ioctl(st->fd, M2MV_IOC_PUT, &p))
			die("policies PUT %s (%llu policies): %s", path,
			    (unsigned long long)st->npol, strerror(errno));
		lat[k++] = (now() - t1) * 1e6;
		if (now() - t0 >= cfg.secs)
			break;
	}
	secs = now() - t0;
	qsort(lat, k, sizeof(float), cmp_float);
	fprintf(cfg.out, "policies,put,%llu,%llu,%.6f,%.2f,%.3f,%.1f,%.1f,-1,%d\n",
		(unsigned long long)st->npol, (unsigned long long)k, secs,
		k / secs, k / secs * POL_BLOB / 1e6, lat[(k - 1) / 2],
		lat[(uint64_t)((k - 1) * 0.99)], rep);
}

void cmd_policies(void)
{
	uint64_t n = cfg.records[0], last = n - 1;
	struct pol_store st[2] = {};
	uint8_t *data = xmalloc(POL_BLOB);
	float *lat = xmalloc(sizeof(float) * cfg.count);
	struct m2mv_ctl *ctl;
	double t_set;
	int ret;

	if (n < 2)
		die("policies: --records must be at least 2");
	mkdirs(cfg.dir);
	mvb_keys();
	ret = m2mv_ctl_open(&ctl);
	if (ret)
		die("m2mv_ctl_open: %s", strerror(-ret));
	for (int i = 0; i < 2; i++) {
		snprintf(st[i].name, sizeof(st[i].name), "pol-%d", i);
		snprintf(st[i].file, sizeof(st[i].file), "%s/pol-%d.m2mv",
			 cfg.dir, i);
	}
	pol_setup(ctl, &st[0], last, last);
	t_set = pol_setup(ctl, &st[1], 0, last);
	fprintf(cfg.out, "policies,set,%llu,%llu,%.6f,%.2f,0,0,0,-1,1\n",
		(unsigned long long)n, (unsigned long long)n, t_set,
		n / t_set);
	fprintf(stderr, "policies: %llu set in %.1fs\n",
		(unsigned long long)n, t_set);
	for (int rep = 1; rep <= cfg.reps; rep++)
		for (int i = 0; i < 2; i++)
			pol_window(&st[i], last, rep, data, lat);
	for (int i = 0; i < 2; i++) {
		close(st[i].fd);
		mvb_detach(ctl, st[i].name);
		unlink(st[i].file);
	}
	m2mv_ctl_close(ctl);
	free(lat);
	free(data);
}
