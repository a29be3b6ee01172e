/* SPDX-License-Identifier: GPL-2.0 */
/*
 * m2mvbench's parts: the driver (main.c), helpers (util.c), the ops phases
 * over any store (ops.c), the scale run on m2mvault (scale.c), and one
 * back-end per kind of store (store_*.c) behind struct bench_store.
 */
#ifndef M2MV_BENCH_H
#define M2MV_BENCH_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <linux/m2mvault.h>

#include "lib/m2mvault.h"

struct worker;

/**
 * struct bench_store - one kind of store the ops phases run on
 * @name: its --store name
 * @open: before the first phase: keys, the store, its tables (may be NULL)
 * @close: after the last phase (may be NULL)
 * @phase_start: before a phase's workers start, outside the timings:
 *	directories for @dirname of @size (may be NULL)
 * @worker_open: a worker's own state, in its thread (may be NULL)
 * @worker_close: and its release (may be NULL)
 * @put: store @len bytes of @data as resource @res
 * @get: read resource @res into @buf of @cap bytes; the length read
 * @batch: the worker's operations k... in one call (NULL: --batch is not
 *	supported); how many it did
 * @mkdir: before the workload (workload.c), outside the timings: make
 *	the container @res ready for children (may be NULL)
 * @del: remove resource @res (it must exist); synchronously if @w->sync,
 *	else durable with the worker's next synchronous PUT at the latest
 * @list: the children of container @res: @fn(@arg, name) for each (the
 *	last path segment, NUL-terminated); how many there were
 *
 * A failure of any operation ends the run through die().
 */
struct bench_store {
	const char *name;
	void (*open)(void);
	void (*close)(void);
	void (*phase_start)(size_t size, const char *dirname);
	void (*worker_open)(struct worker *w);
	void (*worker_close)(struct worker *w);
	void (*put)(struct worker *w, const char *res, const uint8_t *data,
		    size_t len);
	size_t (*get)(struct worker *w, const char *res, uint8_t *buf,
		      size_t cap);
	unsigned int (*batch)(struct worker *w, uint64_t k);
	void (*mkdir)(const char *res);
	void (*del)(struct worker *w, const char *res);
	uint64_t (*list)(struct worker *w, const char *res,
			 void (*fn)(void *arg, const char *name), void *arg);
};

extern const struct bench_store bench_m2mv;
extern const struct bench_store bench_files;
extern const struct bench_store bench_openssl;
/* bench_sqlite is "sqlcipher" in m2mvbench-sqlcipher (bench.mk). */
extern const struct bench_store bench_sqlite;
extern const struct bench_store bench_fscrypt;

/* The command line (main.c). */
struct bench_cfg {
	const struct bench_store *store;
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
	int reps;			/* policies: windows of each store */
	unsigned int containers;	/* workload: containers */
	unsigned int mni;		/* workload: instances kept per one */
	FILE *out;
};

extern struct bench_cfg cfg;

/* One thread of a phase (ops.c). */
struct worker {
	pthread_t th;
	unsigned int id;
	/* phase */
	const char *phase;
	size_t size;
	bool put, sync;
	uint64_t nkeys;		/* GET: records there are to read */
	const uint64_t *order;	/* GET cold: a permutation of nkeys */
	double deadline;
	uint64_t quota;		/* operations this worker may do */
	/* state */
	uint8_t *data, *buf;
	size_t cap;
	void *priv;		/* the store's, from its worker_open */
	/* results */
	uint64_t done;
	float *lat;		/* microseconds, one per operation */
};

/* ----------------------------------------------------------------- ops.c */

/* The resource path of operation @i of @w's phase. */
void res_path(char *out, size_t n, const struct worker *w, uint64_t i);
/* Mark @data as operation @i's. */
void stamp(uint8_t *data, size_t size, uint64_t i);
/* A GET of operation @i returned what its PUT wrote, or die(). */
void check_get(const struct worker *w, const uint8_t *got, size_t len,
	       uint64_t i, const char *path);
/* Index of this worker's k-th operation. */
uint64_t op_index(const struct worker *w, uint64_t k);

void cmd_ops(void);
/* Is phase @name selected by --phases (default: all)? */
bool want(const char *name);
/* One CSV row (and its line on stderr). */
void emit(const char *label, const char *op, uint64_t size, uint64_t ops,
	  double secs, double p50, double p99, long long flushes);

/* ------------------------------------------------------------ workload.c */

/* The oneM2M-shaped workload from 1 and from --writers CSE workers. */
void run_workload(void);

/* --------------------------------------------------------------- scale.c */

void cmd_scale(void);

/* ------------------------------------------------------------ policies.c */

void cmd_policies(void);

/* ---------------------------------------------------------- store_m2mv.c */

/* Add the benchmark's credential keys to a new session keyring. */
void mvb_keys(void);
/*
 * Attach @file as @name (policy "" in cfg.mode); the attach time in s.
 * @create: a new store, in @file emptied or made first.
 */
double mvb_attach(struct m2mv_ctl *ctl, const char *name, const char *file,
		  bool create, struct m2mv_attach_info *info);
void mvb_detach(struct m2mv_ctl *ctl, const char *name);
/* /dev/m2mvault bound to store @name. */
int mvb_bound_fd(const char *name);

/* --------------------------------------------------------- store_files.c */

/* One file per resource under DIR/files, temp name then rename. */
void files_put(struct worker *w, const char *res, const uint8_t *data,
	       size_t len);
size_t files_get(struct worker *w, const char *res, uint8_t *buf,
		 size_t cap);
void files_phase_start(size_t size, const char *dirname);
void files_mkdir(const char *res);
void files_del(struct worker *w, const char *res);
uint64_t files_list(struct worker *w, const char *res,
		    void (*fn)(void *arg, const char *name), void *arg);

/* ---------------------------------------------------------------- util.c */

void die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
double now(void);
void *xmalloc(size_t n);
void fill_random(void *buf, size_t len);
void mkdirs(const char *path);
void drop_caches(void);
int write_all(int fd, const void *buf, size_t len);
/* Read up to @cap bytes of the file at @path; the length read or -errno. */
ssize_t read_file(const char *path, void *buf, size_t cap);
void perf_ctl(const char *label, const char *op, uint64_t size, bool on);
long long disk_flushes(void);
int cmp_float(const void *a, const void *b);

#endif /* M2MV_BENCH_H */
