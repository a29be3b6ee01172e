/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers for the m2mvault data-plane selftests: store files, keys,
 * attach/detach/policy (over netlink, m2mv_nl.h), and one wrapper per
 * ioctl returning 0 or -errno.
 *
 * Paths and prefixes are C strings here; tests that need embedded NULs or
 * odd pointers call ioctl() themselves.
 */
#ifndef M2MV_SELFTEST_M2MV_H
#define M2MV_SELFTEST_M2MV_H

#include <errno.h>
#include <fcntl.h>
#include <keyutils.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <unistd.h>
#include <linux/m2mvault.h>

#include "m2mv_nl.h"

#define MVT_DEV "/dev/" M2MV_DEVICE_NAME

#define MVT_PARAM_DIR "/sys/module/m2mvault/parameters/"

static inline int mvt_ioc(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static inline uint64_t mvt_ptr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* Fill @buf with @len random bytes; 0 or -errno. */
static inline int mvt_random(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = getrandom(p, len, 0);

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

/* ---------------------------------------------------------------- files */

/*
 * Create (truncate) a store file in @dir (NULL: /tmp) with a name unique to
 * this process: "@dir/m2mv-@tag-PID-N.store". The path goes to @path.
 * Return: an O_RDWR fd, or -errno.
 */
static inline int mvt_store_file(char *path, size_t size, const char *dir,
				 const char *tag)
{
	static unsigned int counter;
	int fd;

	snprintf(path, size, "%s/m2mv-%s-%d-%u.store", dir ? dir : "/tmp",
		 tag ? tag : "t", (int)getpid(), counter++);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	return fd < 0 ? -errno : fd;
}

/* A store name unique to this process: "@tag-PID-N" (fits M2MV_NAME_MAX). */
static inline void mvt_store_name(char name[M2MV_NAME_MAX], const char *tag)
{
	static unsigned int counter;

	snprintf(name, M2MV_NAME_MAX, "%.10s-%d-%u", tag ? tag : "t",
		 (int)getpid(), counter++);
}

/* ----------------------------------------------------------------- keys */

/*
 * Add a 32-byte m2mvault key named @credid to @ring (0: the session
 * keyring). @key gives the bytes, or NULL for random ones; @out, if not
 * NULL, receives the bytes used.
 * Return: the key serial, or -errno.
 */
static inline key_serial_t mvt_key_add(const char *credid, const void *key,
				       key_serial_t ring, uint8_t *out)
{
	uint8_t buf[M2MV_KEY_SIZE];
	key_serial_t k;
	int ret;

	if (key) {
		memcpy(buf, key, sizeof(buf));
	} else {
		ret = mvt_random(buf, sizeof(buf));
		if (ret)
			return ret;
	}
	if (out)
		memcpy(out, buf, sizeof(buf));
	k = add_key(M2MV_KEY_TYPE, credid, buf, sizeof(buf),
		    ring ? ring : KEY_SPEC_SESSION_KEYRING);
	memset(buf, 0, sizeof(buf));
	return k < 0 ? -errno : k;
}

/*
 * Add a key of @len bytes of a fixed pattern to @ring, for the key type's
 * own tests (payload sizes, descriptions): the serial, or -1 and errno.
 */
static inline key_serial_t mvt_key_add_sized(const char *credid, size_t len,
					     key_serial_t ring)
{
	unsigned char buf[64];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(0xa0 + i);
	if (len > sizeof(buf)) {
		errno = E2BIG;
		return -1;
	}
	return add_key(M2MV_KEY_TYPE, credid, buf, len, ring);
}

/* --------------------------------------------------------------- device */

static inline int mvt_open_dev(void)
{
	int fd = open(MVT_DEV, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static inline int mvt_bind(int fd, const char *name)
{
	struct m2mv_bind b = { 0 };

	snprintf(b.name, sizeof(b.name), "%s", name);
	return mvt_ioc(fd, M2MV_IOC_BIND, &b);
}

/* Open the device and bind it to store @name: an fd, or -errno. */
static inline int mvt_open_bound(const char *name)
{
	int fd = mvt_open_dev();
	int ret;

	if (fd < 0)
		return fd;
	ret = mvt_bind(fd, name);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

/* ------------------------------------------------------- control plane */

/*
 * Attach @store_fd as @name over netlink; @rep (may be NULL) gets counts.
 * A new store needs M2MV_ATTACH_F_CREATE in @flags (and an empty file).
 */
static inline int mvt_attach(const char *name, int store_fd,
			     const char *store_credid, uint32_t flags,
			     struct mvt_nl_reply *rep)
{
	struct mvt_nl_args a = {
		.name = name, .has_fd = true, .fd = store_fd,
		.store_key = store_credid,
		.has_flags = flags != 0, .flags = flags,
	};

	return mvt_nl(M2MV_CMD_STORE_ATTACH, &a, rep);
}

/* Attach with a grant: owner @uid, group @gid, permission bits @perm. */
static inline int mvt_attach_grant(const char *name, int store_fd,
				   const char *store_credid, uint32_t flags,
				   uint32_t uid, uint32_t gid, uint32_t perm)
{
	struct mvt_nl_args a = {
		.name = name, .has_fd = true, .fd = store_fd,
		.store_key = store_credid,
		.has_flags = flags != 0, .flags = flags,
		.has_grant = true, .owner = uid, .group = gid, .perm = perm,
	};

	return mvt_nl(M2MV_CMD_STORE_ATTACH, &a, NULL);
}

/* Bind the sender's key of @credid to @store (KEY_BIND). */
static inline int mvt_key_bind(const char *store, const char *credid)
{
	struct mvt_nl_args a = { .name = store, .credid = credid };

	return mvt_nl(M2MV_CMD_KEY_BIND, &a, NULL);
}

static inline int mvt_detach(const char *name)
{
	struct mvt_nl_args a = { .name = name };

	return mvt_nl(M2MV_CMD_STORE_DETACH, &a, NULL);
}

/* Set @prefix's policy in @store (NULL @prefix: the empty prefix). */
static inline int mvt_policy(const char *store, const char *prefix,
			     const char *credid, uint32_t mode,
			     uint32_t flags)
{
	struct mvt_nl_args a = {
		.name = store, .credid = credid,
		.prefix = prefix ? prefix : "", .has_mode = true, .mode = mode,
		.has_flags = flags != 0, .flags = flags,
	};

	return mvt_nl(M2MV_CMD_POLICY_SET, &a, NULL);
}

/*
 * Set a wrap policy of @prefix whose records @credid and the @n credentials
 * of @rcpt open (RECIPIENTS, sent even when @n is 0); @r (may be NULL)
 * gets the reply, its extended-ack message included.
 */
static inline int mvt_policy_rcpt(const char *store, const char *prefix,
				  const char *credid, uint32_t mode,
				  const char *const *rcpt, int n,
				  struct mvt_nl_reply *r)
{
	struct mvt_nl_args a = {
		.name = store, .credid = credid,
		.prefix = prefix ? prefix : "", .has_mode = true, .mode = mode,
		.has_rcpt = true, .rcpt = rcpt, .nrcpt = n,
	};

	return mvt_nl(M2MV_CMD_POLICY_SET, &a, r);
}

static inline int mvt_policy_del(const char *store, const char *prefix)
{
	struct mvt_nl_args a = {
		.name = store, .prefix = prefix ? prefix : "",
	};

	return mvt_nl(M2MV_CMD_POLICY_DEL, &a, NULL);
}

/* ----------------------------------------------------------- data plane */

static inline int mvt_put(int fd, const char *path, const void *data,
			  size_t len, uint32_t flags, uint64_t *version)
{
	struct m2mv_put p;
	int ret;

	memset(&p, 0, sizeof(p));
	p.path = mvt_ptr(path);
	p.path_len = strlen(path);
	p.data = mvt_ptr(data);
	p.data_len = len;
	p.flags = flags;
	ret = mvt_ioc(fd, M2MV_IOC_PUT, &p);
	if (!ret && version)
		*version = p.version;
	return ret;
}

/*
 * GET into @buf of *@len bytes. On success and on -EOVERFLOW *@len is the
 * plaintext length.
 */
static inline int mvt_get(int fd, const char *path, void *buf, size_t *len,
			  uint64_t *version)
{
	struct m2mv_get g;
	int ret;

	memset(&g, 0, sizeof(g));
	g.path = mvt_ptr(path);
	g.path_len = strlen(path);
	g.data = mvt_ptr(buf);
	g.data_len = *len;
	ret = mvt_ioc(fd, M2MV_IOC_GET, &g);
	if (!ret || ret == -EOVERFLOW)
		*len = g.data_len;
	if (!ret && version)
		*version = g.version;
	return ret;
}

/* GET into a malloc()ed buffer (*@out, free it); sizes it by EOVERFLOW. */
static inline int mvt_get_alloc(int fd, const char *path, void **out,
				size_t *len, uint64_t *version)
{
	size_t cap = 4096;
	void *buf = NULL;
	int ret;

	for (int tries = 0; tries < 4; tries++) {
		void *nb = realloc(buf, cap ? cap : 1);

		if (!nb) {
			free(buf);
			return -ENOMEM;
		}
		buf = nb;
		*len = cap;
		ret = mvt_get(fd, path, buf, len, version);
		if (ret != -EOVERFLOW)
			break;
		cap = *len;
	}
	if (ret) {
		free(buf);
		buf = NULL;
	}
	*out = buf;
	return ret;
}

static inline int mvt_del(int fd, const char *path, uint32_t flags,
			  uint64_t *version)
{
	struct m2mv_del d;
	int ret;

	memset(&d, 0, sizeof(d));
	d.path = mvt_ptr(path);
	d.path_len = strlen(path);
	d.flags = flags;
	ret = mvt_ioc(fd, M2MV_IOC_DELETE, &d);
	if (!ret && version)
		*version = d.version;
	return ret;
}

static inline int mvt_stat(int fd, const char *path, struct m2mv_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->path = mvt_ptr(path);
	st->path_len = strlen(path);
	return mvt_ioc(fd, M2MV_IOC_STAT, st);
}

/*
 * LIST under @prefix (NULL: all) after @after (NULL: from the start) into
 * @buf. *@count and *@flags receive the entries written and the out flags.
 */
static inline int mvt_list(int fd, const char *prefix, const char *after,
			   size_t after_len, void *buf, size_t buf_len,
			   uint32_t *count, uint32_t *flags)
{
	struct m2mv_list l;
	int ret;

	memset(&l, 0, sizeof(l));
	l.prefix = mvt_ptr(prefix);
	l.prefix_len = prefix ? strlen(prefix) : 0;
	l.after = mvt_ptr(after);
	l.after_len = after ? after_len : 0;
	l.buf = mvt_ptr(buf);
	l.buf_len = buf_len;
	ret = mvt_ioc(fd, M2MV_IOC_LIST, &l);
	if (!ret) {
		if (count)
			*count = l.count;
		if (flags)
			*flags = l.flags;
	}
	return ret;
}

/*
 * EXPORT into @buf of *@len bytes; on success and on -EOVERFLOW *@len is
 * the length of the serialization.
 */
static inline int mvt_export(int fd, const char *path, uint32_t flags,
			     void *buf, size_t *len, uint64_t *version)
{
	struct m2mv_export e;
	int ret;

	memset(&e, 0, sizeof(e));
	e.path = mvt_ptr(path);
	e.path_len = strlen(path);
	e.buf = mvt_ptr(buf);
	e.buf_len = *len;
	e.flags = flags;
	ret = mvt_ioc(fd, M2MV_IOC_EXPORT, &e);
	if (!ret || ret == -EOVERFLOW)
		*len = e.buf_len;
	if (!ret && version)
		*version = e.version;
	return ret;
}

static inline int mvt_batch(int fd, struct m2mv_batch_op *ops,
			    uint32_t count, uint32_t *done)
{
	struct m2mv_batch b;
	int ret;

	memset(&b, 0, sizeof(b));
	b.ops = mvt_ptr(ops);
	b.count = count;
	ret = mvt_ioc(fd, M2MV_IOC_BATCH, &b);
	if (done)
		*done = b.done;
	return ret;
}

/* ------------------------------------------------------ module params */

/* Read module parameter @name into @buf (newline stripped): 0 or -errno. */
static inline int mvt_param_read(const char *name, char *buf, size_t size)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), MVT_PARAM_DIR "%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

static inline int mvt_param_write(const char *name, const char *val)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), MVT_PARAM_DIR "%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : 0;
}

/* ----------------------------------------------------------- encodings */

static inline const char *mvt_mode_name(uint32_t mode)
{
	switch (mode) {
	case M2MV_MODE_NONE: return "none";
	case M2MV_MODE_WRAP: return "wrap";
	case M2MV_MODE_DIR: return "dir";
	case M2MV_MODE_MIC: return "mic";
	default: return "?";
	}
}

/*
 * Decode BASE64URL without padding from @src (@n chars) into @dst (room for
 * at least n * 3 / 4 bytes). Return: bytes written, or -1 on a bad input.
 */
static inline ssize_t mvt_b64url_decode(uint8_t *dst, const char *src,
					size_t n)
{
	uint32_t acc = 0;
	int bits = 0;
	ssize_t out = 0;

	if (n % 4 == 1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char c = src[i];
		int v;

		if (c >= 'A' && c <= 'Z')
			v = c - 'A';
		else if (c >= 'a' && c <= 'z')
			v = c - 'a' + 26;
		else if (c >= '0' && c <= '9')
			v = c - '0' + 52;
		else if (c == '-')
			v = 62;
		else if (c == '_')
			v = 63;
		else
			return -1;
		acc = (acc << 6) | v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			dst[out++] = (acc >> bits) & 0xff;
		}
	}
	return out;
}

/* Split @s (@n bytes) at '.', up to @max parts; returns the part count. */
static inline int mvt_split_dots(const char *s, size_t n, const char **part,
				 size_t *plen, int max)
{
	int k = 0;
	size_t start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (k < max) {
				part[k] = s + start;
				plen[k] = i - start;
			}
			k++;
			start = i + 1;
		}
	}
	return k;
}

#endif /* M2MV_SELFTEST_M2MV_H */
