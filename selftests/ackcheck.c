// SPDX-License-Identifier: GPL-2.0
/*
 * ackcheck: check one crash state of a store for crash_replay.sh. Attaches
 * the store file writable (no M2MV_ATTACH_F_CREATE: the attach's recovery
 * runs, as after a reboot), binds the credentials, reads every path the
 * expectation file names, writes one synchronous record, detaches.
 *
 *   ackcheck [--snapshot ORIGIN COW DIR] NAME FILE STORE_CREDID STORE_ID
 *	    EXPECT PLAINDIR [--policy PREFIX=CREDID=wrap|dir|dir-instance|mic]...
 *	    [--bind CREDID]... [--after PATH]
 *
 * With --snapshot, the crash state is the block device ORIGIN: ackcheck
 * puts a transient device-mapper snapshot over it (exceptions in COW, so
 * ORIGIN is never written), mounts it as ext4 on DIR (the journal
 * recovery runs), takes FILE relative to DIR, and unmounts and removes the
 * snapshot at the end; doing it here instead of with dmsetup and mount
 * saves four program starts per crash state, which under the emulator
 * cost more than the check itself.
 *
 * STORE_ID is the store's identity (32 hex digits, superblock bytes 8 to
 * 23). EXPECT has one line per operation of interest, "KIND PATH VERSION
 * OP": KIND P or D for the newest PUT or DELETE of PATH acknowledged
 * before the crash point (VERSION is the version it was given), p or d for
 * one issued after that (or never acknowledged; VERSION is 0), o for an
 * older PUT (only to name a rollback). OP numbers the operations of one
 * path in the order they were issued; PLAINDIR/OP is the plaintext of PUT
 * OP, and every plaintext differs from every other.
 *
 * A path passes when its GET answers
 *   - the acknowledged PUT's content at its version, or the content of a
 *     later PUT at a higher version;
 *   - ENOENT, if its newest acknowledged operation is a DELETE, or a
 *     DELETE was issued after the acknowledged PUT, or nothing of it was
 *     acknowledged;
 * anything else is a failure: ENOENT for an acknowledged PUT is "lost",
 * another content or version "wrong", any other error "error".
 *
 * Prints "attach records=R live=L integrity_errors=I truncated=T", one
 * "FAIL CLASS PATH: why" line per failure, and last "counts put=N
 * put_bad=N del=N del_bad=N unacked=N unacked_bad=N lost=N": the paths
 * that passed and failed, by their newest acknowledged operation (none:
 * unacked), and the acknowledged PUTs answered by ENOENT. Exit status 0
 * if nothing failed (the attach formatted nothing, reported no integrity
 * error, every path passed, the new record and the detach succeeded), 1
 * otherwise, 2 for usage errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/dm-ioctl.h>
#include <linux/fs.h>

#include "m2mv.h"

#define MAX_OPTS	16
#define LINE_MAX_LEN	(M2MV_PATH_MAX + 128)

struct want {
	char kind;
	char path[M2MV_PATH_MAX + 1];
	unsigned long long version;
	unsigned long long op;
};

static unsigned int failures;

static int usage(void)
{
	fprintf(stderr,
		"usage: ackcheck [--snapshot ORIGIN COW DIR] NAME FILE STORE_CREDID\n"
		"           STORE_ID EXPECT PLAINDIR\n"
		"           [--policy PREFIX=CREDID=MODE]... [--bind CREDID]...\n"
		"           [--after PATH]\n");
	return 2;
}

static void report(const char *cls, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(const char *cls, const char *path, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL %s %s: ", cls, path);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	failures++;
}

/* All of @path into a malloc()ed buffer: 0 or -errno. */
static int slurp(const char *path, uint8_t **out, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	size_t n = 0;
	int fd;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		close(fd);
		return -errno;
	}
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + n, st.st_size - n);

		if (r <= 0) {
			r = r ? -errno : -EIO;
			free(buf);
			close(fd);
			return r;
		}
		n += r;
	}
	close(fd);
	*out = buf;
	*len = n;
	return 0;
}

/* Is @data (@len bytes) the plaintext of PUT @op? */
static bool is_plain(const char *dir, unsigned long long op,
		     const void *data, size_t len)
{
	char path[4096];
	uint8_t *buf;
	size_t n;
	bool same;

	snprintf(path, sizeof(path), "%s/%llu", dir, op);
	if (slurp(path, &buf, &n))
		return false;
	same = n == len && !memcmp(buf, data, len);
	free(buf);
	return same;
}

/* Superblock bytes 8 to 23 of @file as hex, or why not. */
static int read_store_id(const char *file, char hex[33])
{
	uint8_t sb[24];
	ssize_t n;
	int fd;

	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = pread(fd, sb, sizeof(sb), 0);
	close(fd);
	if (n < 0)
		return -errno;
	if (n < (ssize_t)sizeof(sb))
		return -ENODATA;
	for (int i = 0; i < 16; i++)
		sprintf(hex + 2 * i, "%02x", sb[8 + i]);
	return 0;
}

/* Which count a path's check goes to: its newest acknowledged operation. */
enum cls { CLS_PUT, CLS_DEL, CLS_UNACKED, NCLS };

static const char *const cls_name[NCLS] = { "put", "del", "unacked" };

static unsigned int passed[NCLS], failed[NCLS], lost;

/*
 * Check one path against its lines @w[0..n-1]: the acknowledged one (at
 * most one P or D) and the later and older ones. Return: true if it passed.
 */
static bool check_path(int fd, const char *plain, const struct want *w,
		       size_t n)
{
	const struct want *ack = NULL, *match = NULL;
	const char *path = w[0].path;
	bool later_del = false;
	uint64_t version = 0;
	void *data;
	size_t len;
	int ret;

	for (size_t i = 0; i < n; i++) {
		if (w[i].kind == 'P' || w[i].kind == 'D')
			ack = &w[i];
		if (w[i].kind == 'd')
			later_del = true;
	}
	ret = mvt_get_alloc(fd, path, &data, &len, &version);
	if (ret == -ENOENT) {
		if (ack && ack->kind == 'P' && !later_del) {
			lost++;
			report("lost", path, "ENOENT, acknowledged PUT at version %llu",
			       ack->version);
			return false;
		}
		return true;
	}
	if (ret) {
		report("error", path, "GET: %s", strerror(-ret));
		return false;
	}
	for (size_t i = 0; i < n && !match; i++)
		if (w[i].kind != 'D' && w[i].kind != 'd' &&
		    is_plain(plain, w[i].op, data, len))
			match = &w[i];
	free(data);
	if (!match) {
		report("wrong", path, "version %llu, content of no PUT issued",
		       (unsigned long long)version);
		return false;
	}
	if (match->kind == 'o') {
		report("wrong", path, "version %llu, an older PUT (op %llu) than the one acknowledged at version %llu",
		       (unsigned long long)version, match->op,
		       ack ? ack->version : 0);
		return false;
	}
	if (ack && (match == ack ? version != ack->version
				 : version <= ack->version)) {
		report("wrong", path, "version %llu for op %llu, acknowledged %c at version %llu",
		       (unsigned long long)version, match->op, ack->kind,
		       ack->version);
		return false;
	}
	return true;
}

static enum cls path_class(const struct want *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (w[i].kind == 'P')
			return CLS_PUT;
		if (w[i].kind == 'D')
			return CLS_DEL;
	}
	return CLS_UNACKED;
}

static int parse_mode(const char *s, uint32_t *mode, uint32_t *flags)
{
	*flags = 0;
	if (!strcmp(s, "wrap"))
		*mode = M2MV_MODE_WRAP;
	else if (!strcmp(s, "dir"))
		*mode = M2MV_MODE_DIR;
	else if (!strcmp(s, "dir-instance"))
		*mode = M2MV_MODE_DIR, *flags = M2MV_POLICY_F_INSTANCE;
	else if (!strcmp(s, "mic"))
		*mode = M2MV_MODE_MIC;
	else
		return -1;
	return 0;
}

static int set_policy(const char *name, char *spec)
{
	char *credid = strchr(spec, '='), *mode;
	uint32_t m, f;
	int ret;

	if (!credid)
		return -EINVAL;
	*credid++ = '\0';
	mode = strchr(credid, '=');
	if (!mode)
		return -EINVAL;
	*mode++ = '\0';
	if (parse_mode(mode, &m, &f))
		return -EINVAL;
	ret = mvt_policy(name, spec, credid, m, f);
	if (ret)
		report("setup", spec, "policy %s: %s", credid, strerror(-ret));
	return ret;
}

/* The lines of @f, grouped by path (crash_replay.sh sorts them so). */
static int load_expect(const char *file, struct want **out, size_t *count)
{
	char line[LINE_MAX_LEN];
	struct want *w = NULL;
	size_t n = 0, cap = 0;
	FILE *f = fopen(file, "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		struct want x;

		if (sscanf(line, "%c %512s %llu %llu", &x.kind, x.path,
			   &x.version, &x.op) != 4 || !strchr("PDpdo", x.kind)) {
			fclose(f);
			free(w);
			return -EINVAL;
		}
		if (n == cap) {
			struct want *nw;

			cap = cap ? cap * 2 : 64;
			nw = realloc(w, cap * sizeof(*w));
			if (!nw) {
				fclose(f);
				free(w);
				return -ENOMEM;
			}
			w = nw;
		}
		w[n++] = x;
	}
	fclose(f);
	*out = w;
	*count = n;
	return 0;
}

/* ------------------------------------------------ snapshot and mount */

#define SNAP_NAME	"m2mv-ackcheck"

/* One device-mapper ioctl on @name; @spec and @params only for a load. */
static int dm_ioctl_one(int ctl, unsigned long cmd, const char *name,
			uint64_t sectors, const char *params, uint64_t *dev)
{
	struct {
		struct dm_ioctl io;
		struct dm_target_spec spec;
		char params[512];
	} req;

	memset(&req, 0, sizeof(req));
	req.io.version[0] = DM_VERSION_MAJOR;
	req.io.data_size = sizeof(req);
	req.io.data_start = offsetof(typeof(req), spec);
	snprintf(req.io.name, sizeof(req.io.name), "%s", name);
	if (params) {
		req.io.target_count = 1;
		req.spec.length = sectors;
		snprintf(req.spec.target_type, sizeof(req.spec.target_type),
			 "snapshot");
		if (snprintf(req.params, sizeof(req.params), "%s", params) >=
		    (int)sizeof(req.params))
			return -E2BIG;
	}
	if (ioctl(ctl, cmd, &req))
		return -errno;
	if (dev)
		*dev = req.io.dev;
	return 0;
}

static int dm_remove(int ctl)
{
	int ret = 0;

	/* The last opener's release may still be under way: try again. */
	for (int tries = 0; tries < 50; tries++) {
		ret = dm_ioctl_one(ctl, DM_DEV_REMOVE, SNAP_NAME, 0, NULL, NULL);
		if (ret != -EBUSY)
			break;
		usleep(20000);
	}
	return ret;
}

/*
 * A transient snapshot of @origin, its exceptions in @cow, mounted (ext4)
 * on @dir: what a reboot would find, while @origin stays as it is.
 * *@node gets the device node made for it. Return: 0 or -errno, after
 * a FAIL line.
 */
static int snap_mount(int ctl, const char *origin, const char *cow,
		      const char *dir, char *node, size_t size)
{
	char params[512];
	uint64_t sectors, dev;
	int fd, ret;

	fd = open(origin, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, BLKGETSIZE64, &sectors)) {
		ret = -errno;
		report("snapshot", origin, "size: %s", strerror(-ret));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	close(fd);
	sectors /= 512;
	snprintf(params, sizeof(params), "%s %s N 8", origin, cow);
	ret = dm_ioctl_one(ctl, DM_DEV_CREATE, SNAP_NAME, 0, NULL, NULL);
	if (!ret)
		ret = dm_ioctl_one(ctl, DM_TABLE_LOAD, SNAP_NAME, sectors,
				   params, NULL);
	if (!ret)
		ret = dm_ioctl_one(ctl, DM_DEV_SUSPEND, SNAP_NAME, 0, NULL,
				   &dev);
	if (ret) {
		report("snapshot", origin, "device-mapper: %s", strerror(-ret));
		dm_remove(ctl);
		return ret;
	}
	/* Our own node: nothing here waits for udev to make one. */
	snprintf(node, size, "/dev/%s", SNAP_NAME);
	unlink(node);
	if (mknod(node, S_IFBLK | 0600, makedev(major(dev), minor(dev)))) {
		ret = -errno;
		report("snapshot", node, "mknod: %s", strerror(-ret));
		dm_remove(ctl);
		return ret;
	}
	if (mount(node, dir, "ext4", 0, NULL)) {
		ret = -errno;
		report("mount", node, "%s", strerror(-ret));
		unlink(node);
		dm_remove(ctl);
		return ret;
	}
	return 0;
}

static void snap_umount(int ctl, const char *dir, const char *node)
{
	int ret;

	if (umount(dir))
		report("mount", dir, "umount: %s", strerror(errno));
	unlink(node);
	ret = dm_remove(ctl);
	if (ret)
		report("snapshot", SNAP_NAME, "remove: %s", strerror(-ret));
}

/* --------------------------------------------------------------- main */

struct check {
	const char *name, *file, *credid, *store_id, *plain, *after;
	char *policies[MAX_OPTS], *binds[MAX_OPTS];
	size_t npol, nbind;
	const struct want *w;
	size_t nw;
};

/* Attach, bind, read every path, write one record, detach. */
static void check_store(const struct check *ck)
{
	struct mvt_nl_reply rep = { 0 };
	const struct want *w = ck->w;
	size_t i, j;
	char id[33];
	int ret, fd;

	ret = read_store_id(ck->file, id);
	if (ret) {
		report("attach", ck->file, "before the attach: %s",
		       ret == -ENODATA ? "shorter than a superblock"
				       : strerror(-ret));
		return;
	}
	fd = open(ck->file, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		report("attach", ck->file, "open: %s", strerror(errno));
		return;
	}
	ret = mvt_attach(ck->name, fd, ck->credid, 0, &rep);
	close(fd);
	if (ret) {
		report("attach", ck->file, "%s%s%s", strerror(-ret),
		       rep.msg[0] ? ": " : "", rep.msg);
		return;
	}
	printf("attach records=%llu live=%llu integrity_errors=%llu truncated=%llu\n",
	       (unsigned long long)rep.records, (unsigned long long)rep.live,
	       (unsigned long long)rep.integrity_errors,
	       (unsigned long long)rep.truncated);
	if (read_store_id(ck->file, id) || strcmp(id, ck->store_id))
		report("attach", ck->file, "formatted: store id %s, want %s",
		       id, ck->store_id);
	if (rep.integrity_errors)
		report("attach", ck->file, "%llu integrity errors",
		       (unsigned long long)rep.integrity_errors);

	for (i = 0; i < ck->npol; i++)
		set_policy(ck->name, ck->policies[i]);
	for (i = 0; i < ck->nbind; i++) {
		ret = mvt_key_bind(ck->name, ck->binds[i]);
		if (ret)
			report("setup", ck->binds[i], "key bind: %s",
			       strerror(-ret));
	}
	fd = mvt_open_bound(ck->name);
	if (fd < 0) {
		report("setup", ck->name, "bind: %s", strerror(-fd));
		goto detach;
	}
	for (i = 0; i < ck->nw; i = j) {
		enum cls c;

		for (j = i + 1; j < ck->nw && !strcmp(w[j].path, w[i].path); j++)
			;
		c = path_class(w + i, j - i);
		if (check_path(fd, ck->plain, w + i, j - i))
			passed[c]++;
		else
			failed[c]++;
	}
	if (ck->after) {
		static const char msg[] = "written after the crash";
		uint64_t v;

		ret = mvt_put(fd, ck->after, msg, sizeof(msg) - 1, M2MV_F_SYNC,
			      &v);
		if (ret)
			report("after", ck->after, "synchronous PUT: %s",
			       strerror(-ret));
	}
	close(fd);
detach:
	ret = mvt_detach(ck->name);
	if (ret)
		report("detach", ck->name, "%s", strerror(-ret));
}

int main(int argc, char **argv)
{
	const char *origin = NULL, *cow = NULL, *dir = NULL;
	struct check ck = { 0 };
	struct want *w = NULL;
	char file[4096], node[64];
	int k = 1, ret, ctl = -1;

	if (argc > 4 && !strcmp(argv[1], "--snapshot")) {
		origin = argv[2];
		cow = argv[3];
		dir = argv[4];
		k = 5;
	}
	if (argc - k < 6)
		return usage();
	ck.name = argv[k];
	ck.file = argv[k + 1];
	ck.credid = argv[k + 2];
	ck.store_id = argv[k + 3];
	ck.plain = argv[k + 5];
	ret = load_expect(argv[k + 4], &w, &ck.nw);
	if (ret) {
		fprintf(stderr, "ackcheck: %s: %s\n", argv[k + 4],
			strerror(-ret));
		return 2;
	}
	ck.w = w;
	for (k += 6; k < argc; k++) {
		if (!strcmp(argv[k], "--policy") && k + 1 < argc &&
		    ck.npol < MAX_OPTS)
			ck.policies[ck.npol++] = argv[++k];
		else if (!strcmp(argv[k], "--bind") && k + 1 < argc &&
			 ck.nbind < MAX_OPTS)
			ck.binds[ck.nbind++] = argv[++k];
		else if (!strcmp(argv[k], "--after") && k + 1 < argc)
			ck.after = argv[++k];
		else
			return usage();
	}

	if (origin) {
		snprintf(file, sizeof(file), "%s/%s", dir, ck.file);
		ck.file = file;
		ctl = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
		if (ctl < 0) {
			report("snapshot", "/dev/mapper/control", "%s",
			       strerror(errno));
			goto out;
		}
		if (snap_mount(ctl, origin, cow, dir, node, sizeof(node)))
			goto out;
	}
	check_store(&ck);
	if (origin)
		snap_umount(ctl, dir, node);
out:
	if (ctl >= 0)
		close(ctl);
	printf("counts");
	for (int c = 0; c < NCLS; c++)
		printf(" %s=%u %s_bad=%u", cls_name[c], passed[c], cls_name[c],
		       failed[c]);
	printf(" lost=%u\n", lost);
	free(w);
	return failures ? 1 : 0;
}
