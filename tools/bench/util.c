// SPDX-License-Identifier: GPL-2.0
/*
 * m2mvbench helpers: failing, time, memory, randomness, files, the page
 * cache, and the profiling and disk-flush hooks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "m2mvbench: %s: ", cfg.label ? cfg.label : "-");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

void fill_random(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = getrandom(p, len > 65536 ? 65536 : len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("getrandom: %s", strerror(errno));
		}
		p += n;
		len -= n;
	}
}

void mkdirs(const char *path)
{
	char tmp[1024];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) && errno != EEXIST)
			die("mkdir %s: %s", tmp, strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, 0755) && errno != EEXIST)
		die("mkdir %s: %s", tmp, strerror(errno));
}

void drop_caches(void)
{
	int fd;

	sync();
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd < 0 || write(fd, "3\n", 2) != 2)
		die("drop_caches: %s (must run as root in the VM)",
		    strerror(errno));
	close(fd);
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= n;
	}
	return 0;
}

ssize_t read_file(const char *path, void *buf, size_t cap)
{
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (got < cap) {
		ssize_t n = read(fd, (char *)buf + got, cap - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return n;
		}
		if (!n)
			break;
		got += n;
	}
	close(fd);
	return got;
}

/*
 * Profiling hooks (tools/bench/profile): with M2MV_BENCH_PERF set to
 * "LABEL/OP/SIZE" and M2MV_BENCH_PERF_CTL / M2MV_BENCH_PERF_ACK naming the
 * control and ack FIFOs of 'perf record --control', only that phase is
 * recorded.
 */
void perf_ctl(const char *label, const char *op, uint64_t size, bool on)
{
	const char *want = getenv("M2MV_BENCH_PERF");
	const char *ctl = getenv("M2MV_BENCH_PERF_CTL");
	const char *ack = getenv("M2MV_BENCH_PERF_ACK");
	char me[128], buf[16];
	int fd;

	if (!want || !ctl || !ack)
		return;
	snprintf(me, sizeof(me), "%s/%s/%llu", label, op,
		 (unsigned long long)size);
	if (strcmp(me, want))
		return;
	fd = open(ctl, O_WRONLY);
	if (fd < 0 || write_all(fd, on ? "enable\n" : "disable\n",
				on ? 7 : 8))
		die("perf control %s: %s", ctl, strerror(errno));
	close(fd);
	fd = open(ack, O_RDONLY);
	if (fd < 0 || read(fd, buf, sizeof(buf)) <= 0)
		die("perf ack %s: %s", ack, strerror(errno));
	close(fd);
}

/*
 * Flush (cache flush) requests completed by the disk under cfg.dir, from
 * /sys/block/DEV/stat (field 16); DEV is M2MV_BENCH_DISK. -1 if unknown.
 */
long long disk_flushes(void)
{
	const char *dev = getenv("M2MV_BENCH_DISK");
	unsigned long long v[17] = { 0 };
	char path[128];
	int n;
	FILE *f;

	if (!dev)
		return -1;
	snprintf(path, sizeof(path), "/sys/block/%s/stat", dev);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fscanf(f, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
		   &v[8], &v[9], &v[10], &v[11], &v[12], &v[13], &v[14],
		   &v[15], &v[16]);
	fclose(f);
	return n >= 16 ? (long long)v[15] : -1;
}

int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return x < y ? -1 : x > y;
}
