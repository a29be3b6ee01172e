// SPDX-License-Identifier: GPL-2.0
/*
 * --store m2mv: a store attached for the run with one policy ("" in
 * --mode), PUT and GET by ioctl on /dev/m2mvault bound to it, or BATCH of
 * --batch operations; DELETE and the listing of a container's children
 * (M2MV_IOC_DELETE, M2MV_IOC_LIST through libm2mvault's iterator) for the
 * workload. The helpers here serve the scale run too.
 */
#include <errno.h>
#include <fcntl.h>
#include <keyutils.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "bench.h"

#define STORE_CRED "16-bench-store@bench.example"
#define WRAP_CRED "15-bench-wrap@bench.example"
#define DIR_CRED "14-bench-dir@bench.example"
#define MIC_CRED "16-bench-mic@bench.example"

static struct m2mv_ctl *mv_ctl;
static char mv_store[M2MV_NAME_MAX];

struct mv_worker {
	struct m2mv_store *st;		/* bound to the store */
	int fd;				/* its descriptor */
	struct m2mv_batch_op *ops;	/* --batch: the operations */
	char (*paths)[96];		/* their paths */
	uint8_t *data;			/* PUT: one buffer per op */
};

void mvb_keys(void)
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

double mvb_attach(struct m2mv_ctl *ctl, const char *name, const char *file,
		  bool create, struct m2mv_attach_info *info)
{
	double t0, t;
	int fd, ret;

	fd = open(file, O_RDWR | O_CLOEXEC | (create ? O_CREAT | O_TRUNC : 0),
		  0600);
	if (fd < 0)
		die("open %s: %s", file, strerror(errno));
	t0 = now();
	ret = m2mv_attach(ctl, name, fd, STORE_CRED,
			  create ? M2MV_ATTACH_F_CREATE : 0, info);
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

void mvb_detach(struct m2mv_ctl *ctl, const char *name)
{
	int ret = m2mv_detach(ctl, name);

	if (ret)
		die("detach %s: %s", name, strerror(-ret));
}

int mvb_bound_fd(const char *name)
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

static void mv_open(void)
{
	char file[512];
	int ret;

	mvb_keys();
	ret = m2mv_ctl_open(&mv_ctl);
	if (ret)
		die("m2mv_ctl_open: %s", strerror(-ret));
	snprintf(mv_store, sizeof(mv_store), "%.31s", cfg.label);
	snprintf(file, sizeof(file), "%s/%s.m2mv", cfg.dir, cfg.label);
	mvb_attach(mv_ctl, mv_store, file, true, NULL);
}

static void mv_close(void)
{
	mvb_detach(mv_ctl, mv_store);
	m2mv_ctl_close(mv_ctl);
	mv_ctl = NULL;
}

static void mv_worker_open(struct worker *w)
{
	struct mv_worker *m = xmalloc(sizeof(*m));

	int ret;

	memset(m, 0, sizeof(*m));
	ret = m2mv_store_open(mv_store, &m->st);
	if (ret)
		die("m2mv_store_open %s: %s", mv_store, strerror(-ret));
	m->fd = m2mv_store_fd(m->st);
	if (cfg.batch > 1) {
		m->ops = xmalloc(sizeof(*m->ops) * cfg.batch);
		m->paths = xmalloc(sizeof(*m->paths) * cfg.batch);
		m->data = xmalloc(w->size * cfg.batch);
	}
	w->priv = m;
}

static void mv_worker_close(struct worker *w)
{
	struct mv_worker *m = w->priv;

	m2mv_store_close(m->st);
	free(m->ops);
	free(m->paths);
	free(m->data);
	free(m);
	w->priv = NULL;
}

static void mv_put(struct worker *w, const char *res, const uint8_t *data,
		   size_t len)
{
	struct mv_worker *m = w->priv;
	struct m2mv_put p;

	memset(&p, 0, sizeof(p));
	p.path = (uintptr_t)res;
	p.path_len = strlen(res);
	p.data = (uintptr_t)data;
	p.data_len = len;
	p.flags = w->sync ? M2MV_F_SYNC : 0;
	if (ioctl(m->fd, M2MV_IOC_PUT, &p))
		die("PUT %s: %s", res, strerror(errno));
}

static size_t mv_get(struct worker *w, const char *res, uint8_t *buf,
		     size_t cap)
{
	struct mv_worker *m = w->priv;
	struct m2mv_get g;

	memset(&g, 0, sizeof(g));
	g.path = (uintptr_t)res;
	g.path_len = strlen(res);
	g.data = (uintptr_t)buf;
	g.data_len = cap;
	if (ioctl(m->fd, M2MV_IOC_GET, &g))
		die("GET %s: %s", res, strerror(errno));
	return g.data_len;
}

static void mv_del(struct worker *w, const char *res)
{
	struct mv_worker *m = w->priv;
	struct m2mv_del d;

	memset(&d, 0, sizeof(d));
	d.path = (uintptr_t)res;
	d.path_len = strlen(res);
	d.flags = w->sync ? M2MV_F_SYNC : 0;
	if (ioctl(m->fd, M2MV_IOC_DELETE, &d))
		die("DELETE %s: %s", res, strerror(errno));
}

static uint64_t mv_list(struct worker *w, const char *res,
			void (*fn)(void *arg, const char *name), void *arg)
{
	struct mv_worker *m = w->priv;
	struct m2mv_list_iter *it;
	struct m2mv_list_item item;
	char prefix[256];
	size_t plen;
	uint64_t n = 0;
	int ret;

	plen = (size_t)snprintf(prefix, sizeof(prefix), "%s/", res);
	ret = m2mv_list_open(m->st, prefix, 0, &it);
	if (ret)
		die("LIST %s: %s", prefix, strerror(-ret));
	while ((ret = m2mv_list_next(it, &item)) > 0) {
		if (item.path_len <= plen)
			die("LIST %s: bad path %s", prefix, item.path);
		fn(arg, item.path + plen);
		n++;
	}
	if (ret < 0)
		die("LIST %s: %s", prefix, strerror(-ret));
	m2mv_list_close(it);
	return n;
}

/* One BATCH of up to cfg.batch operations starting at the k-th. */
static unsigned int mv_batch(struct worker *w, uint64_t k)
{
	struct mv_worker *m = w->priv;
	unsigned int n = cfg.batch;
	struct m2mv_batch b;

	if (n > w->quota - k)
		n = w->quota - k;
	for (unsigned int j = 0; j < n; j++) {
		struct m2mv_batch_op *op = &m->ops[j];
		uint64_t i = op_index(w, k + j);

		memset(op, 0, sizeof(*op));
		res_path(m->paths[j], sizeof(m->paths[j]), w, i);
		op->path = (uintptr_t)m->paths[j];
		op->path_len = strlen(m->paths[j]);
		if (w->put) {
			uint8_t *d = m->data + j * w->size;

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
	b.ops = (uintptr_t)m->ops;
	b.count = n;
	if (ioctl(m->fd, M2MV_IOC_BATCH, &b))
		die("BATCH: %s", strerror(errno));
	for (unsigned int j = 0; j < n; j++) {
		if (m->ops[j].result)
			die("BATCH %s %s: %s", w->put ? "PUT" : "GET",
			    m->paths[j], strerror(-m->ops[j].result));
		if (!w->put)
			check_get(w, w->buf + j * w->cap, m->ops[j].data_len,
				  op_index(w, k + j), m->paths[j]);
	}
	return n;
}

const struct bench_store bench_m2mv = {
	.name = "m2mv",
	.open = mv_open,
	.close = mv_close,
	.worker_open = mv_worker_open,
	.worker_close = mv_worker_close,
	.put = mv_put,
	.get = mv_get,
	.batch = mv_batch,
	.del = mv_del,
	.list = mv_list,
};
