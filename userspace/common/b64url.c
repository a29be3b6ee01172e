// SPDX-License-Identifier: GPL-2.0
/* BASE64URL on top of OpenSSL's base64; see b64url.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "common/b64url.h"

int m2mv_b64url_encode(char *dst, size_t size, const uint8_t *src, size_t n)
{
	size_t i, len;

	if (n > (size_t)1 << 28 || size < M2MV_B64URL_BUFSZ(n))
		return -ENOSPC;
	len = (size_t)EVP_EncodeBlock((unsigned char *)dst, src, (int)n);
	while (len && dst[len - 1] == '=')
		len--;
	for (i = 0; i < len; i++) {
		if (dst[i] == '+')
			dst[i] = '-';
		else if (dst[i] == '/')
			dst[i] = '_';
	}
	dst[len] = '\0';
	return 0;
}

long m2mv_b64url_decode(uint8_t *dst, size_t size, const char *src)
{
	size_t n = strlen(src), pad = (4 - n % 4) % 4, i, out;
	unsigned char *tmp, *raw;
	int r;

	if (n % 4 == 1 || n > (size_t)1 << 28)
		return -EINVAL;
	tmp = malloc(n + pad + 1);
	raw = malloc((n + pad) / 4 * 3 + 1);
	if (!tmp || !raw) {
		free(tmp);
		free(raw);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		char c = src[i];

		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			   (c >= '0' && c <= '9')))
			goto bad;
		tmp[i] = (unsigned char)c;
	}
	memset(tmp + n, '=', pad);
	tmp[n + pad] = '\0';
	r = EVP_DecodeBlock(raw, tmp, (int)(n + pad));
	if (r < 0)
		goto bad;
	out = (size_t)r - pad;	/* EVP_DecodeBlock counts padding as zeros */
	if (out > size) {
		OPENSSL_cleanse(raw, (size_t)r);
		free(tmp);
		free(raw);
		return -ENOSPC;
	}
	memcpy(dst, raw, out);
	OPENSSL_cleanse(raw, (size_t)r);
	OPENSSL_cleanse(tmp, n + pad);
	free(tmp);
	free(raw);
	return (long)out;
bad:
	OPENSSL_cleanse(tmp, n + pad);
	free(tmp);
	free(raw);
	return -EINVAL;
}
