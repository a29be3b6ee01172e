// SPDX-License-Identifier: GPL-2.0
/*
 * The data plane: /dev/m2mvault bound to a store, and its ioctls.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lib/internal.h"

/* Attempts of an auto-sized call before giving up on a growing blob. */
#define M2MV_SIZE_TRIES 8
/* First guess of an auto-sized buffer. */
#define M2MV_SIZE_FIRST 4096

struct m2mv_store {
	int fd;
	char name[M2MV_NAME_MAX];
};

int m2mv__ioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, req, arg);
	} while (ret < 0 && errno == EINTR);
	return ret < 0 ? -errno : 0;
}

int m2mv__dev_open(void)
{
	int fd = open(M2MV_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	/* No node, or a node without a driver: the module is not loaded. */
	if (errno == ENOENT || errno == ENXIO || errno == ENODEV)
		return -ENODEV;
	return -errno;
}

static int m2mv_copy_string(char *dst, size_t size, const char *src)
{
	size_t len;

	if (!src)
		return -EINVAL;
	len = strnlen(src, size);
	if (!len || len == size)
		return -EINVAL;
	memcpy(dst, src, len + 1);
	return 0;
}

int m2mv__name_copy(char dst[M2MV_NAME_MAX], const char *name)
{
	return m2mv_copy_string(dst, M2MV_NAME_MAX, name);
}

int m2mv__credid_copy(char dst[M2MV_CREDID_MAX + 1], const char *credid)
{
	return m2mv_copy_string(dst, M2MV_CREDID_MAX + 1, credid);
}

/* Length of a path for the ABI; the kernel judges its contents. */
static int m2mv_path_len(const char *path, uint32_t *len)
{
	size_t n;

	if (!path)
		return -EINVAL;
	n = strnlen(path, M2MV_PATH_MAX + 1);
	if (n > M2MV_PATH_MAX)
		return -ENAMETOOLONG;
	*len = (uint32_t)n;
	return 0;
}

int m2mv_store_open(const char *name, struct m2mv_store **sp)
{
	struct m2mv_bind b;
	struct m2mv_store *s;
	int ret;

	*sp = NULL;
	memset(&b, 0, sizeof(b));
	ret = m2mv__name_copy(b.name, name);
	if (ret)
		return ret;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	memcpy(s->name, b.name, sizeof(s->name));
	s->fd = m2mv__dev_open();
	if (s->fd < 0) {
		ret = s->fd;
		free(s);
		return ret;
	}
	ret = m2mv__ioctl(s->fd, M2MV_IOC_BIND, &b);
	if (ret) {
		close(s->fd);
		free(s);
		return ret;
	}
	*sp = s;
	return 0;
}

void m2mv_store_close(struct m2mv_store *s)
{
	if (!s)
		return;
	close(s->fd);
	free(s);
}

int m2mv_store_fd(const struct m2mv_store *s)
{
	return s->fd;
}

const char *m2mv_store_name(const struct m2mv_store *s)
{
	return s->name;
}

int m2mv_abi_version(unsigned int *abi)
{
	struct m2mv_version v;
	int fd, ret;

	fd = m2mv__dev_open();
	if (fd < 0)
		return fd;
	memset(&v, 0, sizeof(v));
	ret = m2mv__ioctl(fd, M2MV_IOC_VERSION, &v);
	close(fd);
	if (!ret)
		*abi = v.abi;
	return ret;
}

int m2mv_put(struct m2mv_store *s, const char *path, const void *data,
	     size_t len, unsigned int flags, uint64_t *version,
	     uint64_t *seq)
{
	struct m2mv_put a;
	uint32_t plen;
	int ret;

	ret = m2mv_path_len(path, &plen);
	if (ret)
		return ret;
	/* The ABI carries 32 bits; max_blob is far below anyway. */
	if (len > UINT32_MAX)
		return -EMSGSIZE;
	memset(&a, 0, sizeof(a));
	a.path = m2mv__ptr(path);
	a.path_len = plen;
	a.data = m2mv__ptr(data);
	a.data_len = (uint32_t)len;
	a.flags = flags;
	ret = m2mv__ioctl(s->fd, M2MV_IOC_PUT, &a);
	if (ret)
		return ret;
	if (version)
		*version = a.version;
	if (seq)
		*seq = a.seq;
	return 0;
}

int m2mv_get_buf(struct m2mv_store *s, const char *path, void *buf,
		 size_t *len, uint64_t *version)
{
	struct m2mv_get a;
	uint32_t plen;
	int ret;

	ret = m2mv_path_len(path, &plen);
	if (ret)
		return ret;
	memset(&a, 0, sizeof(a));
	a.path = m2mv__ptr(path);
	a.path_len = plen;
	a.data = m2mv__ptr(buf);
	a.data_len = *len > UINT32_MAX ? UINT32_MAX : (uint32_t)*len;
	ret = m2mv__ioctl(s->fd, M2MV_IOC_GET, &a);
	if (!ret || ret == -EOVERFLOW)
		*len = a.data_len;
	if (!ret && version)
		*version = a.version;
	return ret;
}

int m2mv_get(struct m2mv_store *s, const char *path, void **data,
	     size_t *len, uint64_t *version)
{
	size_t cap = M2MV_SIZE_FIRST, n = 0;
	void *buf = NULL, *nb;
	int tries, ret = -EAGAIN;

	*data = NULL;
	for (tries = 0; tries < M2MV_SIZE_TRIES; tries++) {
		/* Nothing was copied into a buffer that proved too small. */
		nb = realloc(buf, cap ? cap : 1);
		if (!nb) {
			ret = -ENOMEM;
			break;
		}
		buf = nb;
		/*
		 * Zeroed first: memory checkers cannot see the kernel write
		 * through the ABI's embedded pointer, and no byte of the
		 * buffer is ever left undefined.
		 */
		memset(buf, 0, cap);
		n = cap;
		ret = m2mv_get_buf(s, path, buf, &n, version);
		if (ret != -EOVERFLOW)
			break;
		if (n <= cap) {		/* cannot happen; do not spin */
			ret = -EPROTO;
			break;
		}
		cap = n;
		ret = -EAGAIN;
	}
	if (ret) {
		free(buf);
		return ret;
	}
	*data = buf;
	*len = n;
	return 0;
}

int m2mv_delete(struct m2mv_store *s, const char *path, unsigned int flags,
		uint64_t *version)
{
	struct m2mv_del a;
	uint32_t plen;
	int ret;

	ret = m2mv_path_len(path, &plen);
	if (ret)
		return ret;
	memset(&a, 0, sizeof(a));
	a.path = m2mv__ptr(path);
	a.path_len = plen;
	a.flags = flags;
	ret = m2mv__ioctl(s->fd, M2MV_IOC_DELETE, &a);
	if (!ret && version)
		*version = a.version;
	return ret;
}

int m2mv_stat(struct m2mv_store *s, const char *path,
	      struct m2mv_record_info *info)
{
	struct m2mv_stat a;
	uint32_t plen;
	int ret;

	ret = m2mv_path_len(path, &plen);
	if (ret)
		return ret;
	memset(&a, 0, sizeof(a));
	a.path = m2mv__ptr(path);
	a.path_len = plen;
	ret = m2mv__ioctl(s->fd, M2MV_IOC_STAT, &a);
	if (ret)
		return ret;
	memset(info, 0, sizeof(*info));
	info->version = a.version;
	info->seq = a.seq;
	info->mtime_ns = a.mtime_ns;
	info->data_len = a.data_len;
	info->record_len = a.record_len;
	info->mode = a.mode;
	info->flags = a.rec_flags;
	/* The kernel terminates it; do not rely on that. */
	memcpy(info->credid, a.credid, sizeof(info->credid) - 1);
	info->credid[sizeof(info->credid) - 1] = '\0';
	return 0;
}

int m2mv_export(struct m2mv_store *s, const char *path, unsigned int flags,
		char **out, size_t *len, uint64_t *version)
{
	struct m2mv_export a;
	uint32_t plen, cap = M2MV_SIZE_FIRST;
	char *buf = NULL, *nb;
	int tries, ret = -EAGAIN;

	*out = NULL;
	ret = m2mv_path_len(path, &plen);
	if (ret)
		return ret;
	for (tries = 0; tries < M2MV_SIZE_TRIES; tries++) {
		/* One byte more than the kernel may fill, for a terminator. */
		nb = realloc(buf, (size_t)cap + 1);
		if (!nb) {
			ret = -ENOMEM;
			break;
		}
		buf = nb;
		memset(buf, 0, (size_t)cap + 1);	/* as in m2mv_get() */
		memset(&a, 0, sizeof(a));
		a.path = m2mv__ptr(path);
		a.path_len = plen;
		a.buf = m2mv__ptr(buf);
		a.buf_len = cap;
		a.flags = flags;
		ret = m2mv__ioctl(s->fd, M2MV_IOC_EXPORT, &a);
		if (ret != -EOVERFLOW)
			break;
		if (a.buf_len <= cap) {
			ret = -EPROTO;
			break;
		}
		cap = a.buf_len;
		ret = -EAGAIN;
	}
	if (!ret && a.buf_len > cap)
		ret = -EPROTO;
	if (ret) {
		free(buf);
		return ret;
	}
	buf[a.buf_len] = '\0';
	*out = buf;
	if (len)
		*len = a.buf_len;
	if (version)
		*version = a.version;
	return 0;
}

/* Fill @ops from @items; -EINVAL for an item the ABI cannot carry. */
static int m2mv_batch_fill(struct m2mv_batch_op *ops,
			   const struct m2mv_batch_item *items, size_t n)
{
	uint32_t plen;
	size_t i;
	int ret;

	memset(ops, 0, n * sizeof(*ops));
	for (i = 0; i < n; i++) {
		const struct m2mv_batch_item *it = &items[i];

		ret = m2mv_path_len(it->path, &plen);
		if (ret)
			return -EINVAL;
		ops[i].op = it->op;
		ops[i].flags = it->flags;
		ops[i].path = m2mv__ptr(it->path);
		ops[i].path_len = plen;
		switch (it->op) {
		case M2MV_BATCH_PUT:
			if (it->len > UINT32_MAX)
				return -EINVAL;
			ops[i].data = m2mv__ptr(it->data);
			ops[i].data_len = (uint32_t)it->len;
			break;
		case M2MV_BATCH_GET:
			ops[i].data = m2mv__ptr(it->buf);
			ops[i].data_len = it->len > UINT32_MAX ?
					  UINT32_MAX : (uint32_t)it->len;
			break;
		case M2MV_BATCH_DELETE:
			break;
		default:
			return -EINVAL;
		}
	}
	return 0;
}

int m2mv_batch(struct m2mv_store *s, struct m2mv_batch_item *items,
	       size_t n)
{
	struct m2mv_batch_op *ops;
	struct m2mv_batch b;
	size_t done = 0, chunk, i;
	int ret = 0;

	if (!n)
		return 0;
	chunk = n < M2MV_BATCH_MAX ? n : M2MV_BATCH_MAX;
	ops = calloc(chunk, sizeof(*ops));
	if (!ops)
		return -ENOMEM;

	/* Refuse a batch the ABI cannot carry before running any of it. */
	for (i = 0; i < n && !ret; i += chunk) {
		size_t k = n - i < chunk ? n - i : chunk;

		ret = m2mv_batch_fill(ops, items + i, k);
	}

	while (!ret && done < n) {
		size_t k = n - done < chunk ? n - done : chunk;

		ret = m2mv_batch_fill(ops, items + done, k);
		if (ret)
			break;
		memset(&b, 0, sizeof(b));
		b.ops = m2mv__ptr(ops);
		b.count = (uint32_t)k;
		ret = m2mv__ioctl(s->fd, M2MV_IOC_BATCH, &b);
		if (ret)
			break;
		for (i = 0; i < k; i++) {
			struct m2mv_batch_item *it = &items[done + i];

			it->result = ops[i].result;
			it->version = ops[i].version;
			if (it->op == M2MV_BATCH_GET &&
			    (!ops[i].result || ops[i].result == -EOVERFLOW))
				it->len = ops[i].data_len;
		}
		done += k;
	}
	for (i = done; ret && i < n; i++)
		items[i].result = -ECANCELED;
	free(ops);
	return ret;
}
