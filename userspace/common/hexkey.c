// SPDX-License-Identifier: GPL-2.0
/* Hex key files; see hexkey.h. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "common/hexkey.h"

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int m2mv_hexkey_parse(const char *text, uint8_t key[M2MV_PSK_MAX],
		      size_t *len)
{
	size_t n = 0;
	int hi = -1, v;

	for (; *text; text++) {
		if (*text == ' ' || *text == '\t' || *text == '\n' ||
		    *text == '\r')
			continue;
		v = nibble(*text);
		if (v < 0 || (hi < 0 && n == M2MV_PSK_MAX))
			goto bad;
		if (hi < 0) {
			hi = v;
		} else {
			key[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0 || n < M2MV_PSK_MIN)
		goto bad;
	*len = n;
	return 0;
bad:
	OPENSSL_cleanse(key, M2MV_PSK_MAX);
	return -EINVAL;
}

int m2mv_hexkey_read(const char *path, uint8_t key[M2MV_PSK_MAX],
		     size_t *len)
{
	char text[4 * M2MV_PSK_MAX + 1];
	struct stat st;
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		ret = -errno;
		goto out;
	}
	ret = -EACCES;
	if (st.st_mode & (S_IRWXG | S_IRWXO))
		goto out;
	n = read(fd, text, sizeof(text) - 1);
	if (n < 0) {
		ret = -errno;
		goto out;
	}
	text[n] = '\0';
	ret = m2mv_hexkey_parse(text, key, len);
out:
	OPENSSL_cleanse(text, sizeof(text));
	close(fd);
	return ret;
}
