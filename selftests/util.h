/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the m2mvault selftests. */
#ifndef M2MV_SELFTEST_UTIL_H
#define M2MV_SELFTEST_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <keyutils.h>
#include <string.h>
#include <unistd.h>
#include <linux/m2mvault.h>

#define M2MV_DEV "/dev/" M2MV_DEVICE_NAME

/* Add a m2mvault key with a fixed pattern to @ring; -1 and errno on error. */
static inline key_serial_t m2mv_add_key(const char *credid, size_t len,
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

#endif /* M2MV_SELFTEST_UTIL_H */
