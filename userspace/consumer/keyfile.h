/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The key file of m2m-consume --key-file: a credential key as the raw 32
 * bytes, the same bytes an operator loads with
 * "keyctl padd m2mvault CREDID @s < FILE" (no hex, no newline). It is how
 * a record is opened without the TEF, typically with the operator's
 * offline recovery key, an extra recipient of wrap records.
 *
 * A file that group or others may access is reported, not refused: the
 * recovery key often comes from removable or read-only media whose modes
 * cannot be changed, and refusing would block the recovery while leaving
 * the key as exposed as it was. m2m-consume warns that the key is to be
 * treated as exposed.
 */
#ifndef M2MV_CONSUMER_KEYFILE_H
#define M2MV_CONSUMER_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "common/kdf.h"

/* At most this many bytes are read to tell how long a bad file is. */
#define CONSUME_KEYFILE_PROBE	128

struct consume_keyfile_info {
	size_t len;	/* bytes in the file; CONSUME_KEYFILE_PROBE + 1 is
			 * "more than CONSUME_KEYFILE_PROBE" */
	int exposed;	/* a regular file that group or others may access */
	int hex;	/* wrong length, but 64 hex digits (and white space):
			 * a hex key where the raw bytes belong */
};

/**
 * consume_keyfile_read() - read a key file
 * @path: the file, or "-" for standard input (left open)
 * @key: out: the key; wiped on failure
 * @info: out: what the file looked like, also on -EINVAL
 *
 * The bytes read pass through an mlock'ed buffer that is wiped.
 *
 * Return: 0; -EINVAL if the file does not hold exactly 32 bytes;
 * -errno of open or read.
 */
int consume_keyfile_read(const char *path, uint8_t key[M2MV_KEY_LEN],
			 struct consume_keyfile_info *info);

#endif /* M2MV_CONSUMER_KEYFILE_H */
