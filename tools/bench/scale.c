// SPDX-License-Identifier: GPL-2.0
/*
 * m2mvbench scale: for each record count, build an m2mvault store with
 * BATCH, detach it, then with cold caches time a sequential read of the
 * file and an attach (index rebuild); the index's slab bytes per record;
 * random GETs per second.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "bench.h"

static long meminfo_kb(const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		die("/proc/meminfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':')
			v = atol(line + kl + 1);
	fclose(f);
	return v;
}

static void scale_gen(int fd, uint64_t n, size_t blob)
{
	struct m2mv_batch_op *ops = xmalloc(sizeof(*ops) * M2MV_BATCH_MAX);
	char (*paths)[48] = xmalloc(48 * M2MV_BATCH_MAX);
	uint8_t *data = xmalloc(blob);

	fill_random(data, blob);
	for (uint64_t i = 0; i < n;) {
		unsigned int c = n - i > M2MV_BATCH_MAX ? M2MV_BATCH_MAX : n - i;
		struct m2mv_batch b;

		for (unsigned int j = 0; j < c; j++) {
			memset(&ops[j], 0, sizeof(ops[j]));
			snprintf(paths[j], 48, "/scale/c%03llu/i%07llu",
				 (unsigned long long)((i + j) % 1000),
				 (unsigned long long)(i + j));
			ops[j].op = M2MV_BATCH_PUT;
			ops[j].path = (uintptr_t)paths[j];
			ops[j].path_len = strlen(paths[j]);
			ops[j].data = (uintptr_t)data;
			ops[j].data_len = blob;
		}
		memset(&b, 0, sizeof(b));
		b.ops = (uintptr_t)ops;
		b.count = c;
		if (ioctl(fd, M2MV_IOC_BATCH, &b))
			die("scale BATCH: %s", strerror(errno));
		for (unsigned int j = 0; j < c; j++)
			if (ops[j].result)
				die("scale PUT %s: %s", paths[j],
				    strerror(-ops[j].result));
		i += c;
	}
	free(ops);
	free(paths);
	free(data);
}

static double seq_read(const char *file, uint64_t *bytes)
{
	size_t bs = 1 << 20;
	uint8_t *buf = xmalloc(bs);
	double t0 = now();
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		die("open %s: %s", file, strerror(errno));
	*bytes = 0;
	while ((n = read(fd, buf, bs)) > 0)
		*bytes += n;
	if (n < 0)
		die("read %s: %s", file, strerror(errno));
	close(fd);
	free(buf);
	return now() - t0;
}

void cmd_scale(void)
{
	struct m2mv_ctl *ctl;
	int ret;

	mkdirs(cfg.dir);
	mvb_keys();
	ret = m2mv_ctl_open(&ctl);
	if (ret)
		die("m2mv_ctl_open: %s", strerror(-ret));
	for (int r = 0; r < cfg.nrecords; r++) {
		uint64_t n = cfg.records[r], bytes, k = 0, x = 88172645463325252ULL;
		char file[512], name[M2MV_NAME_MAX];
		struct m2mv_attach_info info;
		double t_gen, t_read, t_att, t0, secs;
		long s_att, s_det;
		uint8_t *buf = xmalloc(cfg.blob + 64);
		float *lat;
		int fd;

		snprintf(name, sizeof(name), "scale-%llu", (unsigned long long)n);
		snprintf(file, sizeof(file), "%s/%s.m2mv", cfg.dir, name);

		/* Build the store: BATCH PUTs, no sync. */
		mvb_attach(ctl, name, file, true, &info);
		fd = mvb_bound_fd(name);
		t0 = now();
		scale_gen(fd, n, cfg.blob);
		close(fd);
		t_gen = now() - t0;
		mvb_detach(ctl, name);
		fprintf(stderr, "scale %llu: store ready in %.1fs\n",
			(unsigned long long)n, t_gen);

		drop_caches();
		t_read = seq_read(file, &bytes);
		drop_caches();
		perf_ctl("scale", "attach", n, true);
		t_att = mvb_attach(ctl, name, file, false, &info);
		perf_ctl("scale", "attach", n, false);
		if (info.live != n || info.integrity_errors)
			die("scale attach %s: %llu live, %llu integrity errors",
			    file, (unsigned long long)info.live,
			    (unsigned long long)info.integrity_errors);
		s_att = meminfo_kb("SUnreclaim");

		/* Random GETs, warm: the index lookup at this size. */
		fd = mvb_bound_fd(name);
		lat = xmalloc(sizeof(float) * cfg.count);
		perf_ctl("scale", "get", n, true);
		t0 = now();
		while (k < cfg.count) {
			char res[48];
			struct m2mv_get g;
			double t1 = now();

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			snprintf(res, sizeof(res), "/scale/c%03llu/i%07llu",
				 (unsigned long long)((x % n) % 1000),
				 (unsigned long long)(x % n));
			memset(&g, 0, sizeof(g));
			g.path = (uintptr_t)res;
			g.path_len = strlen(res);
			g.data = (uintptr_t)buf;
			g.data_len = cfg.blob + 64;
			if (ioctl(fd, M2MV_IOC_GET, &g))
				die("scale GET %s: %s", res, strerror(errno));
			if (g.data_len != cfg.blob)
				die("scale GET %s: %u bytes", res, g.data_len);
			lat[k++] = (now() - t1) * 1e6;
			if (now() - t0 >= cfg.secs)
				break;
		}
		secs = now() - t0;
		perf_ctl("scale", "get", n, false);
		close(fd);
		mvb_detach(ctl, name);
		s_det = meminfo_kb("SUnreclaim");
		qsort(lat, k, sizeof(float), cmp_float);

		/* ops = file bytes, ops_per_s = records/s, mb_per_s = file MB/s. */
		fprintf(cfg.out, "scale,seqread,%llu,%llu,%.6f,%.1f,%.3f,0,0,-1\n",
			(unsigned long long)n, (unsigned long long)bytes, t_read,
			n / t_read, bytes / t_read / 1e6);
		fprintf(cfg.out, "scale,attach,%llu,%llu,%.6f,%.1f,%.3f,0,0,-1\n",
			(unsigned long long)n, (unsigned long long)bytes, t_att,
			n / t_att, bytes / t_att / 1e6);
		fprintf(stderr, "scale %llu: seqread %.3fs attach %.3fs (%.2fx)\n",
			(unsigned long long)n, t_read, t_att, t_att / t_read);
		/* ops = index bytes per record; seconds = path length. */
		fprintf(cfg.out, "scale,index,%llu,%.1f,%zu,0,0,0,0,-1\n",
			(unsigned long long)n,
			(s_att - s_det) * 1024.0 / n, strlen("/scale/c000/i0000000"));
		fprintf(stderr, "scale %llu: index %.1f bytes/record (path %zu bytes), file %llu bytes\n",
			(unsigned long long)n, (s_att - s_det) * 1024.0 / n,
			strlen("/scale/c000/i0000000"), (unsigned long long)bytes);
		/* size = records here: MB/s of the 256-byte blobs by hand. */
		fprintf(cfg.out, "scale,get,%llu,%llu,%.6f,%.2f,%.3f,%.1f,%.1f,-1\n",
			(unsigned long long)n, (unsigned long long)k, secs,
			k / secs, k / secs * cfg.blob / 1e6, lat[(k - 1) / 2],
			lat[(uint64_t)((k - 1) * 0.99)]);
		fprintf(stderr, "scale %llu: GET %.1f ops/s p50 %.1f us p99 %.1f us\n",
			(unsigned long long)n, k / secs, lat[(k - 1) / 2],
			lat[(uint64_t)((k - 1) * 0.99)]);
		free(lat);
		free(buf);
	}
	m2mv_ctl_close(ctl);
}
