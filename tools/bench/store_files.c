// SPDX-License-Identifier: GPL-2.0
/*
 * --store files: one plaintext file per resource under DIR/files, written
 * to a temporary name and renamed into place (fsync first with sync). The
 * dm-integrity, fscrypt and gocryptfs runs are this store on those file
 * systems. A container is a directory: DELETE is unlink(), listing its
 * children readdir().
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

static void file_path(char *out, size_t n, const char *res)
{
	snprintf(out, n, "%s/files%s", cfg.dir, res);
}

void files_phase_start(size_t size, const char *dirname)
{
	char d[512], res[96];

	snprintf(res, sizeof(res), "/b/%zu/%s", size, dirname);
	file_path(d, sizeof(d), res);
	mkdirs(d);
}

void files_put(struct worker *w, const char *res, const uint8_t *data,
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

size_t files_get(struct worker *w, const char *res, uint8_t *buf, size_t cap)
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

void files_mkdir(const char *res)
{
	char d[512];

	file_path(d, sizeof(d), res);
	mkdirs(d);
}

/*
 * Without sync the unlink is in ext4's running journal transaction, which
 * the worker's next fsync commits; with sync, the directory is synced too.
 */
void files_del(struct worker *w, const char *res)
{
	char fin[512];

	file_path(fin, sizeof(fin), res);
	if (unlink(fin))
		die("unlink %s: %s", fin, strerror(errno));
	if (w->sync) {
		char *slash = strrchr(fin, '/');
		int fd;

		*slash = '\0';
		fd = open(fin, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || fsync(fd))
			die("fsync %s: %s", fin, strerror(errno));
		close(fd);
	}
}

uint64_t files_list(struct worker *w, const char *res,
		    void (*fn)(void *arg, const char *name), void *arg)
{
	char d[512];
	struct dirent *e;
	uint64_t n = 0;
	DIR *dir;

	file_path(d, sizeof(d), res);
	dir = opendir(d);
	if (!dir)
		die("opendir %s: %s", d, strerror(errno));
	errno = 0;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		fn(arg, e->d_name);
		n++;
	}
	if (errno)
		die("readdir %s: %s", d, strerror(errno));
	closedir(dir);
	(void)w;
	return n;
}

const struct bench_store bench_files = {
	.name = "files",
	.phase_start = files_phase_start,
	.put = files_put,
	.get = files_get,
	.mkdir = files_mkdir,
	.del = files_del,
	.list = files_list,
};
