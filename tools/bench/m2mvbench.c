// SPDX-License-Identifier: GPL-2.0
/*
 * m2mvbench: the benchmark driver behind 'make bench'. Runs inside the test
 * VM (tools/bench/vm-run starts it), as root, once per store.
 *
 *   m2mvbench ops --store m2mv|files|openssl|sqlite --dir DIR --label LABEL
 *                 [--mode wrap|dir|mic] [--batch N] [--sizes 256,4096,...]
 *                 [--count N] [--secs S] [--writers N] [--csv FILE]
 *                 [--phases put,get,getcold,sync1,sync8]
 *
 *	For each size: PUT without sync (1 writer), GET of those records
 *	with a warm cache, GET after dropping the caches, PUT with sync from
 *	1 writer, PUT with sync from --writers writers. Each phase stops after
 *	--count operations (per phase, over all writers) or --secs seconds,
 *	whichever comes first. One CSV row per phase.
 *
 *   m2mvbench scale --dir DIR [--records 1000,100000,...] [--blob BYTES]
 *                   [--secs S] [--csv FILE]
 *
 *	For each record count: build a store with BATCH, detach it, then,
 *	with cold caches, time a sequential read of the file and an attach
 *	(index rebuild); the index size from the slab (SUnreclaim while
 *	attached minus after the detach) per record; random GETs per second.
 *
 * CSV columns: label,op,size,ops,seconds,ops_per_s,mb_per_s,p50_us,p99_us,
 * flushes_per_op (disk cache flushes completed during the phase per
 * operation, when M2MV_BENCH_DISK names the disk; -1 otherwise). Scale rows
 * use size for the record count; see tools/bench/report.
 *
 * Every operation's result is checked (GETs return the bytes written): any
 * failure ends the run with exit status 1 and a message naming it. Timings
 * never fail a run.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <keyutils.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/m2mvault.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include "lib/m2mvault.h"

#define STORE_CRED "16-bench-store@bench.example"
#define WRAP_CRED "15-bench-wrap@bench.example"
#define DIR_CRED "14-bench-dir@bench.example"
#define MIC_CRED "16-bench-mic@bench.example"

enum kind { K_M2MV, K_FILES, K_OPENSSL, K_SQLITE };

static struct {
	enum kind kind;
	const char *dir;
	const char *label;
	const char *csv;
	const char *phases;
	enum m2mv_mode mode;
	unsigned int batch;
	unsigned int writers;
	uint64_t count;
	double secs;
	size_t sizes[16];
	int nsizes;
	uint64_t records[8];
	int nrecords;
	size_t blob;
	char store[M2MV_NAME_MAX];
	uint8_t key[32];
	FILE *out;
} cfg = {
	.mode = M2MV_MODE_WRAP, .batch = 1, .writers = 8, .count = 2000,
	.secs = 1.0, .blob = 256,
};

static sqlite3 *db_main;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "m2mvbench: %s: ", cfg.label ? cfg.label : "-");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

static void fill_random(void *buf, size_t len)
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

static void mkdirs(const char *path)
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

static void drop_caches(void)
{
	int fd;

	sync();
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (fd < 0 || write(fd, "3\n", 2) != 2)
		die("drop_caches: %s (must run as root in the VM)",
		    strerror(errno));
	close(fd);
}

static int write_all(int fd, const void *buf, size_t len)
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

/* Read up to @cap bytes of the file at @path; the length read or -errno. */
static ssize_t read_file(const char *path, void *buf, size_t cap)
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
static void perf_ctl(const char *label, const char *op, uint64_t size,
		     bool on)
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
static long long disk_flushes(void)
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

/* ------------------------------------------------------------ m2mvault */

static void m2mv_keys(void)
{
	static const char *const creds[] = {
		STORE_CRED, WRAP_CRED, DIR_CRED, MIC_CRED,
	};

	if (keyctl_join_session_keyring(NULL) < 0)
		die("keyctl_join_session_keyring: %s", strerror(errno));
	for (size_t i = 0; i < sizeof(creds) / sizeof(creds[0]); i++) {
		uint8_t k[32];

		fill_random(k, sizeof(k));
		if (add_key(M2MV_KEY_TYPE, creds[i], k, sizeof(k),
			    KEY_SPEC_SESSION_KEYRING) < 0)
			die("add_key %s: %s", creds[i], strerror(errno));
	}
}

static const char *mode_cred(enum m2mv_mode m)
{
	return m == M2MV_MODE_DIR ? DIR_CRED :
	       m == M2MV_MODE_MIC ? MIC_CRED : WRAP_CRED;
}

/* Attach @file as @name (policy "" in cfg.mode); the attach time in s. */
static double m2mv_attach_file(struct m2mv_ctl *ctl, const char *name,
			       const char *file, bool create,
			       struct m2mv_attach_info *info)
{
	double t0, t;
	int fd, ret;

	fd = open(file, O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_TRUNC : 0),
		  0600);
	if (fd < 0)
		die("open %s: %s", file, strerror(errno));
	t0 = now();
	ret = m2mv_attach(ctl, name, fd, STORE_CRED, 0, info);
	t = now() - t0;
	close(fd);
	if (ret)
		die("attach %s: %s (%s)", file, strerror(-ret),
		    m2mv_ctl_last_error(ctl));
	ret = m2mv_policy_set(ctl, name, "", mode_cred(cfg.mode), cfg.mode, 0);
	if (ret)
		die("policy: %s (%s)", strerror(-ret), m2mv_ctl_last_error(ctl));
	return t;
}

static void m2mv_detach_name(struct m2mv_ctl *ctl, const char *name)
{
	int ret = m2mv_detach(ctl, name);

	if (ret)
		die("detach %s: %s", name, strerror(-ret));
}

static int m2mv_bound_fd(const char *name)
{
	struct m2mv_bind b;
	int fd = open("/dev/" M2MV_DEVICE_NAME, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die("open /dev/" M2MV_DEVICE_NAME ": %s", strerror(errno));
	memset(&b, 0, sizeof(b));
	snprintf(b.name, sizeof(b.name), "%s", name);
	if (ioctl(fd, M2MV_IOC_BIND, &b))
		die("bind %s: %s", name, strerror(errno));
	return fd;
}

/* ------------------------------------------------------ per-thread work */

struct worker {
	pthread_t th;
	unsigned int id;
	/* phase */
	const char *phase;
	size_t size;
	bool put, sync, cold;
	uint64_t nkeys;		/* GET: records there are to read */
	const uint64_t *order;	/* GET cold: a permutation of nkeys */
	double deadline;
	uint64_t quota;		/* operations this worker may do */
	/* state */
	int fd;			/* m2mv */
	EVP_CIPHER_CTX *ctx;	/* openssl */
	uint64_t ivctr;
	sqlite3 *db;
	sqlite3_stmt *ins, *sel;
	uint8_t *data, *buf, *sealed;
	size_t cap;
	struct m2mv_batch_op *ops;
	char (*paths)[96];
	/* results */
	uint64_t done;
	float *lat;		/* microseconds, one per operation */
};

static void res_path(char *out, size_t n, const struct worker *w, uint64_t i)
{
	snprintf(out, n, "/b/%zu/%s/r%llu", w->size, w->phase,
		 (unsigned long long)i);
}

static void file_path(char *out, size_t n, const char *res)
{
	snprintf(out, n, "%s/files%s", cfg.dir, res);
}

static void stamp(uint8_t *data, size_t size, uint64_t i)
{
	if (size >= 8)
		memcpy(data, &i, 8);
}

static void check_get(const struct worker *w, const uint8_t *got, size_t len,
		      uint64_t i, const char *path)
{
	if (len != w->size)
		die("GET %s: %zu bytes, expected %zu", path, len, w->size);
	if (w->size >= 8 && memcmp(got, &i, 8))
		die("GET %s: wrong content", path);
	if (w->size > 16 && memcmp(got + 8, w->data + 8, w->size - 8))
		die("GET %s: wrong content", path);
}

/* --- files and openssl: one file per resource, temp name then rename --- */

static void files_put(struct worker *w, const char *res, const uint8_t *data,
		      size_t len)
{
	char fin[512], tmp[600];
	int fd, ret;

	file_path(fin, sizeof(fin), res);
	snprintf(tmp, sizeof(tmp), "%s.tmp", fin);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		die("open %s: %s", tmp, strerror(errno));
	ret = write_all(fd, data, len);
	if (ret)
		die("write %s: %s", tmp, strerror(-ret));
	if (w->sync && fsync(fd))
		die("fsync %s: %s", tmp, strerror(errno));
	close(fd);
	if (rename(tmp, fin))
		die("rename %s: %s", fin, strerror(errno));
}

static size_t files_get(struct worker *w, const char *res, uint8_t *buf,
			size_t cap)
{
	char fin[512];
	ssize_t n;

	file_path(fin, sizeof(fin), res);
	n = read_file(fin, buf, cap);
	if (n < 0)
		die("read %s: %s", fin, strerror((int)-n));
	(void)w;
	return n;
}

/* Sealed file: IV (12) || ciphertext || tag (16); AAD is the path. */
static void ossl_put(struct worker *w, const char *res, const uint8_t *data,
		     size_t len)
{
	uint8_t *iv = w->sealed;
	int n1 = 0, n2 = 0;

	memcpy(iv, &w->id, 4);
	memcpy(iv + 4, &w->ivctr, 8);
	w->ivctr++;
	if (EVP_EncryptInit_ex(w->ctx, NULL, NULL, cfg.key, iv) != 1 ||
	    EVP_EncryptUpdate(w->ctx, NULL, &n1, (const uint8_t *)res,
			      strlen(res)) != 1 ||
	    EVP_EncryptUpdate(w->ctx, iv + 12, &n1, data, len) != 1 ||
	    EVP_EncryptFinal_ex(w->ctx, iv + 12 + n1, &n2) != 1 ||
	    EVP_CIPHER_CTX_ctrl(w->ctx, EVP_CTRL_GCM_GET_TAG, 16,
				iv + 12 + n1 + n2) != 1)
		die("EVP seal %s failed", res);
	files_put(w, res, w->sealed, 12 + len + 16);
}

static size_t ossl_get(struct worker *w, const char *res, uint8_t *buf,
		       size_t cap)
{
	size_t n = files_get(w, res, w->sealed, cap + 28);
	int n1 = 0, n2 = 0;

	if (n < 28)
		die("%s: short sealed file", res);
	if (EVP_DecryptInit_ex(w->ctx, NULL, NULL, cfg.key, w->sealed) != 1 ||
	    EVP_DecryptUpdate(w->ctx, NULL, &n1, (const uint8_t *)res,
			      strlen(res)) != 1 ||
	    EVP_DecryptUpdate(w->ctx, buf, &n1, w->sealed + 12, n - 28) != 1 ||
	    EVP_CIPHER_CTX_ctrl(w->ctx, EVP_CTRL_GCM_SET_TAG, 16,
				w->sealed + n - 16) != 1 ||
	    EVP_DecryptFinal_ex(w->ctx, buf + n1, &n2) != 1)
		die("%s: AES-GCM tag mismatch", res);
	return n1 + n2;
}

/* --- sqlite: WAL, one row per resource ----------------------------------- */

static void sql_exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		die("sqlite %s: %s", sql, err ? err : "?");
}

static sqlite3 *sql_open(bool sync)
{
	char path[512];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/bench.db", cfg.dir);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
			    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL))
		die("sqlite open %s: %s", path, sqlite3_errmsg(db));
	sqlite3_busy_timeout(db, 60000);
	sql_exec(db, "PRAGMA journal_mode=WAL");
	/* In WAL mode NORMAL syncs only at checkpoints; FULL syncs each commit. */
	sql_exec(db, sync ? "PRAGMA synchronous=FULL" :
		 "PRAGMA synchronous=NORMAL");
	return db;
}

static void sql_put(struct worker *w, const char *res, const uint8_t *data,
		    size_t len)
{
	int rc;

	sqlite3_reset(w->ins);
	sqlite3_bind_text(w->ins, 1, res, -1, SQLITE_STATIC);
	sqlite3_bind_blob(w->ins, 2, data, len, SQLITE_STATIC);
	rc = sqlite3_step(w->ins);
	if (rc != SQLITE_DONE)
		die("sqlite insert %s: %s", res, sqlite3_errmsg(w->db));
}

static size_t sql_get(struct worker *w, const char *res, uint8_t *buf,
		      size_t cap)
{
	size_t n;
	int rc;

	sqlite3_reset(w->sel);
	sqlite3_bind_text(w->sel, 1, res, -1, SQLITE_STATIC);
	rc = sqlite3_step(w->sel);
	if (rc != SQLITE_ROW)
		die("sqlite select %s: %s", res, sqlite3_errmsg(w->db));
	n = sqlite3_column_bytes(w->sel, 0);
	if (n > cap)
		die("sqlite select %s: %zu bytes", res, n);
	memcpy(buf, sqlite3_column_blob(w->sel, 0), n);
	sqlite3_reset(w->sel);
	return n;
}

/* --- m2mvault ------------------------------------------------------------ */

static void mv_put(struct worker *w, const char *res, const uint8_t *data,
		   size_t len)
{
	struct m2mv_put p;

	memset(&p, 0, sizeof(p));
	p.path = (uintptr_t)res;
	p.path_len = strlen(res);
	p.data = (uintptr_t)data;
	p.data_len = len;
	p.flags = w->sync ? M2MV_F_SYNC : 0;
	if (ioctl(w->fd, M2MV_IOC_PUT, &p))
		die("PUT %s: %s", res, strerror(errno));
}

static size_t mv_get(struct worker *w, const char *res, uint8_t *buf,
		     size_t cap)
{
	struct m2mv_get g;

	memset(&g, 0, sizeof(g));
	g.path = (uintptr_t)res;
	g.path_len = strlen(res);
	g.data = (uintptr_t)buf;
	g.data_len = cap;
	if (ioctl(w->fd, M2MV_IOC_GET, &g))
		die("GET %s: %s", res, strerror(errno));
	return g.data_len;
}

/* --------------------------------------------------------------- phases */

static void worker_open(struct worker *w)
{
	w->cap = w->size + 64;
	w->buf = xmalloc(w->cap * (cfg.batch > 1 ? cfg.batch : 1));
	switch (cfg.kind) {
	case K_M2MV:
		w->fd = m2mv_bound_fd(cfg.store);
		if (cfg.batch > 1) {
			w->ops = xmalloc(sizeof(*w->ops) * cfg.batch);
			w->paths = xmalloc(sizeof(*w->paths) * cfg.batch);
			/* PUT: one buffer per op so each carries its stamp. */
			w->sealed = xmalloc(w->size * cfg.batch);
		}
		break;
	case K_OPENSSL:
		w->sealed = xmalloc(w->size + 64);
		w->ctx = EVP_CIPHER_CTX_new();
		if (!w->ctx || EVP_EncryptInit_ex(w->ctx, EVP_aes_256_gcm(),
						  NULL, NULL, NULL) != 1)
			die("EVP_CIPHER_CTX_new failed");
		break;
	case K_SQLITE:
		w->db = sql_open(w->sync);
		if (sqlite3_prepare_v2(w->db,
				       "INSERT OR REPLACE INTO kv(k, v) VALUES(?, ?)",
				       -1, &w->ins, NULL) ||
		    sqlite3_prepare_v2(w->db, "SELECT v FROM kv WHERE k = ?",
				       -1, &w->sel, NULL))
			die("sqlite prepare: %s", sqlite3_errmsg(w->db));
		break;
	case K_FILES:
		break;
	}
}

static void worker_close(struct worker *w)
{
	switch (cfg.kind) {
	case K_M2MV:
		close(w->fd);
		free(w->ops);
		free(w->paths);
		break;
	case K_OPENSSL:
		EVP_CIPHER_CTX_free(w->ctx);
		break;
	case K_SQLITE:
		sqlite3_finalize(w->ins);
		sqlite3_finalize(w->sel);
		sqlite3_close(w->db);
		break;
	case K_FILES:
		break;
	}
	free(w->sealed);
	free(w->buf);
}

static void do_put(struct worker *w, const char *res, uint8_t *data)
{
	switch (cfg.kind) {
	case K_M2MV: mv_put(w, res, data, w->size); break;
	case K_FILES: files_put(w, res, data, w->size); break;
	case K_OPENSSL: ossl_put(w, res, data, w->size); break;
	case K_SQLITE: sql_put(w, res, data, w->size); break;
	}
}

static size_t do_get(struct worker *w, const char *res, uint8_t *buf)
{
	switch (cfg.kind) {
	case K_M2MV: return mv_get(w, res, buf, w->cap);
	case K_FILES: return files_get(w, res, buf, w->cap);
	case K_OPENSSL: return ossl_get(w, res, buf, w->cap);
	case K_SQLITE: return sql_get(w, res, buf, w->cap);
	}
	return 0;
}

/* Index of this worker's k-th operation. */
static uint64_t op_index(const struct worker *w, uint64_t k)
{
	uint64_t i = (uint64_t)k * cfg.writers + w->id;

	if (w->put)
		return i;
	i %= w->nkeys;
	return w->order ? w->order[i] : i;
}

/* One BATCH of up to cfg.batch operations starting at the k-th. */
static unsigned int run_batch(struct worker *w, uint64_t k)
{
	unsigned int n = cfg.batch;
	struct m2mv_batch b;

	if (n > w->quota - k)
		n = w->quota - k;
	for (unsigned int j = 0; j < n; j++) {
		struct m2mv_batch_op *op = &w->ops[j];
		uint64_t i = op_index(w, k + j);

		memset(op, 0, sizeof(*op));
		res_path(w->paths[j], sizeof(w->paths[j]), w, i);
		op->path = (uintptr_t)w->paths[j];
		op->path_len = strlen(w->paths[j]);
		if (w->put) {
			uint8_t *d = w->sealed + j * w->size;

			memcpy(d, w->data, w->size);
			stamp(d, w->size, i);
			op->op = M2MV_BATCH_PUT;
			op->flags = w->sync ? M2MV_F_SYNC : 0;
			op->data = (uintptr_t)d;
			op->data_len = w->size;
		} else {
			op->op = M2MV_BATCH_GET;
			op->data = (uintptr_t)(w->buf + j * w->cap);
			op->data_len = w->cap;
		}
	}
	memset(&b, 0, sizeof(b));
	b.ops = (uintptr_t)w->ops;
	b.count = n;
	if (ioctl(w->fd, M2MV_IOC_BATCH, &b))
		die("BATCH: %s", strerror(errno));
	for (unsigned int j = 0; j < n; j++) {
		if (w->ops[j].result)
			die("BATCH %s %s: %s", w->put ? "PUT" : "GET",
			    w->paths[j], strerror(-w->ops[j].result));
		if (!w->put)
			check_get(w, w->buf + j * w->cap, w->ops[j].data_len,
				  op_index(w, k + j), w->paths[j]);
	}
	return n;
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
			n = run_batch(w, k);
		} else {
			char res[96];
			uint64_t i = op_index(w, k);

			res_path(res, sizeof(res), w, i);
			if (w->put) {
				stamp(data, w->size, i);
				do_put(w, res, data);
			} else {
				size_t len = do_get(w, res, w->buf);

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

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return x < y ? -1 : x > y;
}

static void emit(const char *label, const char *op, uint64_t size,
		 uint64_t ops, double secs, double p50, double p99,
		 long long flushes)
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
	if (cfg.kind == K_FILES || cfg.kind == K_OPENSSL) {
		char d[512], res[96];

		snprintf(res, sizeof(res), "/b/%zu/%s", size, dirname);
		file_path(d, sizeof(d), res);
		mkdirs(d);
	}
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

/* Is phase @name selected by --phases (default: all)? */
static bool want(const char *name)
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

static void cmd_ops(void)
{
	struct m2mv_ctl *ctl = NULL;
	unsigned int batch0 = cfg.batch;
	char file[512];
	int ret;

	mkdirs(cfg.dir);
	switch (cfg.kind) {
	case K_M2MV:
		m2mv_keys();
		ret = m2mv_ctl_open(&ctl);
		if (ret)
			die("m2mv_ctl_open: %s", strerror(-ret));
		snprintf(cfg.store, sizeof(cfg.store), "%.31s", cfg.label);
		snprintf(file, sizeof(file), "%s/%s.m2mv", cfg.dir, cfg.label);
		m2mv_attach_file(ctl, cfg.store, file, true, NULL);
		break;
	case K_OPENSSL: {
		/* Load and initialise the cipher once, outside the timings. */
		EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

		fill_random(cfg.key, sizeof(cfg.key));
		if (!ctx || EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL,
					       cfg.key, cfg.key) != 1)
			die("EVP_EncryptInit_ex failed");
		EVP_CIPHER_CTX_free(ctx);
		break;
	}
	case K_SQLITE:
		db_main = sql_open(false);
		sql_exec(db_main, "CREATE TABLE IF NOT EXISTS kv("
			 "k TEXT PRIMARY KEY, v BLOB NOT NULL)");
		break;
	case K_FILES:
		break;
	}

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

	if (ctl) {
		m2mv_detach_name(ctl, cfg.store);
		m2mv_ctl_close(ctl);
	}
	if (db_main)
		sqlite3_close(db_main);
}

/* ---------------------------------------------------------------- scale */

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

static void cmd_scale(void)
{
	struct m2mv_ctl *ctl;
	int ret;

	mkdirs(cfg.dir);
	m2mv_keys();
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
		m2mv_attach_file(ctl, name, file, true, &info);
		fd = m2mv_bound_fd(name);
		t0 = now();
		scale_gen(fd, n, cfg.blob);
		close(fd);
		t_gen = now() - t0;
		m2mv_detach_name(ctl, name);
		fprintf(stderr, "scale %llu: store ready in %.1fs\n",
			(unsigned long long)n, t_gen);

		drop_caches();
		t_read = seq_read(file, &bytes);
		drop_caches();
		perf_ctl("scale", "attach", n, true);
		t_att = m2mv_attach_file(ctl, name, file, false, &info);
		perf_ctl("scale", "attach", n, false);
		if (info.live != n || info.integrity_errors)
			die("scale attach %s: %llu live, %llu integrity errors",
			    file, (unsigned long long)info.live,
			    (unsigned long long)info.integrity_errors);
		s_att = meminfo_kb("SUnreclaim");

		/* Random GETs, warm: the index lookup at this size. */
		fd = m2mv_bound_fd(name);
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
		m2mv_detach_name(ctl, name);
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

/* ----------------------------------------------------------------- main */

static int parse_list(const char *s, uint64_t *out, int max)
{
	int n = 0;

	while (*s && n < max) {
		char *end;

		out[n++] = strtoull(s, &end, 10);
		if (end == s)
			return -1;
		s = *end == ',' ? end + 1 : end;
	}
	return n;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: m2mvbench ops --store m2mv|files|openssl|sqlite --dir DIR --label L\n"
		"                     [--mode wrap|dir|mic] [--batch N] [--sizes A,B]\n"
		"                     [--count N] [--secs S] [--writers N] [--csv FILE]\n"
		"                     [--phases put,get,getcold,sync1,sync8]\n"
		"       m2mvbench scale --dir DIR [--records A,B] [--blob N] [--count N]\n"
		"                     [--secs S] [--csv FILE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "store", required_argument, NULL, 's' },
		{ "dir", required_argument, NULL, 'd' },
		{ "label", required_argument, NULL, 'l' },
		{ "mode", required_argument, NULL, 'm' },
		{ "batch", required_argument, NULL, 'b' },
		{ "sizes", required_argument, NULL, 'z' },
		{ "count", required_argument, NULL, 'n' },
		{ "secs", required_argument, NULL, 't' },
		{ "writers", required_argument, NULL, 'w' },
		{ "csv", required_argument, NULL, 'c' },
		{ "records", required_argument, NULL, 'r' },
		{ "blob", required_argument, NULL, 'B' },
		{ "phases", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t list[16];
	const char *cmd;
	int c;

	if (argc < 2)
		usage();
	cmd = argv[1];
	optind = 2;
	cfg.sizes[0] = 4096;
	cfg.nsizes = 1;
	cfg.records[0] = 1000;
	cfg.nrecords = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!strcmp(optarg, "m2mv"))
				cfg.kind = K_M2MV;
			else if (!strcmp(optarg, "files"))
				cfg.kind = K_FILES;
			else if (!strcmp(optarg, "openssl"))
				cfg.kind = K_OPENSSL;
			else if (!strcmp(optarg, "sqlite"))
				cfg.kind = K_SQLITE;
			else
				usage();
			break;
		case 'd': cfg.dir = optarg; break;
		case 'l': cfg.label = optarg; break;
		case 'm':
			if (m2mv_mode_parse(optarg, &cfg.mode))
				usage();
			break;
		case 'b': cfg.batch = atoi(optarg); break;
		case 'z':
			cfg.nsizes = parse_list(optarg, list, 16);
			if (cfg.nsizes <= 0)
				usage();
			for (int i = 0; i < cfg.nsizes; i++)
				cfg.sizes[i] = list[i];
			break;
		case 'n': cfg.count = strtoull(optarg, NULL, 10); break;
		case 't': cfg.secs = atof(optarg); break;
		case 'w': cfg.writers = atoi(optarg); break;
		case 'c': cfg.csv = optarg; break;
		case 'r':
			cfg.nrecords = parse_list(optarg, cfg.records, 8);
			if (cfg.nrecords <= 0)
				usage();
			break;
		case 'B': cfg.blob = strtoull(optarg, NULL, 10); break;
		case 'P': cfg.phases = optarg; break;
		default: usage();
		}
	}
	if (!cfg.dir || !cfg.count || !cfg.writers || !cfg.batch ||
	    cfg.batch > M2MV_BATCH_MAX)
		usage();
	cfg.out = stdout;
	if (cfg.csv) {
		cfg.out = fopen(cfg.csv, "a");
		if (!cfg.out)
			die("%s: %s", cfg.csv, strerror(errno));
	}
	if (!strcmp(cmd, "ops")) {
		if (!cfg.label)
			usage();
		cmd_ops();
	} else if (!strcmp(cmd, "scale")) {
		cfg.label = "scale";
		cmd_scale();
	} else {
		usage();
	}
	if (cfg.out != stdout && fclose(cfg.out))
		die("%s: %s", cfg.csv, strerror(errno));
	return 0;
}
