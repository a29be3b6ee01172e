// SPDX-License-Identifier: GPL-2.0
/*
 * --store fscrypt: the files store in DIR/files, a directory encrypted by
 * the kernel's fscrypt (ext4 made with -O encrypt): a random 512-bit key
 * added to the file system's keyring (FS_IOC_ADD_ENCRYPTION_KEY) and a v2
 * policy on the empty directory, AES-256-XTS for contents, AES-256-CTS for
 * names. No integrity: fscrypt encrypts only. The key is removed again at
 * the end of the run.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/fscrypt.h>

#include "bench.h"

#define FSC_KEY_SIZE 64

static struct fscrypt_key_specifier fsc_spec;

static void fsc_open(void)
{
	struct fscrypt_add_key_arg *add;
	struct fscrypt_policy_v2 pol;
	char d[512];
	int fd;

	snprintf(d, sizeof(d), "%s/files", cfg.dir);
	mkdirs(d);
	fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		die("open %s: %s", d, strerror(errno));

	add = xmalloc(sizeof(*add) + FSC_KEY_SIZE);
	memset(add, 0, sizeof(*add));
	add->key_spec.type = FSCRYPT_KEY_SPEC_TYPE_IDENTIFIER;
	add->raw_size = FSC_KEY_SIZE;
	fill_random(add->raw, FSC_KEY_SIZE);
	if (ioctl(fd, FS_IOC_ADD_ENCRYPTION_KEY, add))
		die("FS_IOC_ADD_ENCRYPTION_KEY on %s: %s (ext4 needs -O encrypt)",
		    d, strerror(errno));
	fsc_spec = add->key_spec;
	explicit_bzero(add->raw, FSC_KEY_SIZE);
	free(add);

	memset(&pol, 0, sizeof(pol));
	pol.version = FSCRYPT_POLICY_V2;
	pol.contents_encryption_mode = FSCRYPT_MODE_AES_256_XTS;
	pol.filenames_encryption_mode = FSCRYPT_MODE_AES_256_CTS;
	pol.flags = FSCRYPT_POLICY_FLAGS_PAD_32;
	memcpy(pol.master_key_identifier, fsc_spec.u.identifier,
	       FSCRYPT_KEY_IDENTIFIER_SIZE);
	if (ioctl(fd, FS_IOC_SET_ENCRYPTION_POLICY, &pol))
		die("FS_IOC_SET_ENCRYPTION_POLICY on %s: %s", d,
		    strerror(errno));
	close(fd);
}

static void fsc_close(void)
{
	struct fscrypt_remove_key_arg rm;
	char d[512];
	int fd;

	snprintf(d, sizeof(d), "%s/files", cfg.dir);
	fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		die("open %s: %s", d, strerror(errno));
	memset(&rm, 0, sizeof(rm));
	rm.key_spec = fsc_spec;
	if (ioctl(fd, FS_IOC_REMOVE_ENCRYPTION_KEY, &rm))
		die("FS_IOC_REMOVE_ENCRYPTION_KEY on %s: %s", d,
		    strerror(errno));
	close(fd);
}

const struct bench_store bench_fscrypt = {
	.name = "fscrypt",
	.open = fsc_open,
	.close = fsc_close,
	.phase_start = files_phase_start,
	.put = files_put,
	.get = files_get,
	.mkdir = files_mkdir,
	.del = files_del,
	.list = files_list,
};
