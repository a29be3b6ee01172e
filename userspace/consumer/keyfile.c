// SPDX-License-Identifier: GPL-2.0
/* Raw credential key files for m2m-consume --key-file; see keyfile.h. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "consumer/keyfile.h"

static int is_hex(const uint8_t *p, size_t n)
{
	size_t digits = 0, i;

	for (i = 0; i < n; i++) {
		if (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r')
			continue;
		if (!((p[i] >= '0' && p[i] <= '9') ||
		      (p[i] >= 'a' && p[i] <= 'f') ||
		      (p[i] >= 'A' && p[i] <= 'F')))
			return 0;
		digits++;
	}
	return digits == 2 * M2MV_KEY_LEN;
}

int consume_keyfile_read(const char *path, uint8_t key[M2MV_KEY_LEN],
			 struct consume_keyfile_info *info)
{
	uint8_t buf[CONSUME_KEYFILE_PROBE + 1];
	int stdin_fd = !strcmp(path, "-");
	size_t n = 0;
	struct stat st;
	ssize_t r;
	int fd, ret = 0;

	memset(info, 0, sizeof(*info));
	OPENSSL_cleanse(key, M2MV_KEY_LEN);
	fd = stdin_fd ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	mlock(buf, sizeof(buf));
	if (fstat(fd, &st)) {
		ret = -errno;
		goto out;
	}
	/* The modes of a pipe or a terminal say nothing about the key. */
	info->exposed = S_ISREG(st.st_mode) &&
			(st.st_mode & (S_IRWXG | S_IRWXO));
	while (n < sizeof(buf)) {
		r = read(fd, buf + n, sizeof(buf) - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			goto out;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	info->len = n;
	if (n != M2MV_KEY_LEN) {
		info->hex = is_hex(buf, n);
		ret = -EINVAL;
		goto out;
	}
	memcpy(key, buf, M2MV_KEY_LEN);
out:
	/* Not munlock(): page locks do not nest, and the caller's key may
	 * share a page of the stack with @buf. */
	OPENSSL_cleanse(buf, sizeof(buf));
	if (!stdin_fd)
		close(fd);
	return ret;
}
