/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * m2mvault: transparent at-rest protection of oneM2M resource blobs.
 *
 * This header is the complete user-visible ABI of the m2mvault module:
 *
 *  - the key type "m2mvault" (descriptions, payloads),
 *  - the character device /dev/m2mvault and its ioctls (data plane),
 *  - the generic netlink family "m2mvault" (control plane),
 *  - the constants of the on-disk format.
 *
 * Documentation/uapi.rst describes every call with its errors.
 *
 * Key type
 * --------
 *
 * Keys of type "m2mvault" hold exactly M2MV_KEY_SIZE (32) bytes of symmetric
 * key material and cannot be read back from user space (the type has no
 * ->read). The description of a key is its oneM2M Credential-ID
 * (TS-0003 clause 10.4):
 *
 *	<type> "-" <value>
 *
 * where <type> is one of the decimal M2MV_CRED_TYPE_* numbers below and
 * <value> is 1 or more characters of [A-Za-z0-9._@-]; the whole description
 * is at most M2MV_CREDID_MAX bytes. The type digits decide what the key may be
 * used for. Anything else is refused with EINVAL when the key is added, and
 * keys cannot be updated (EOPNOTSUPP): a new key gets a new Credential-ID.
 */
#ifndef _UAPI_LINUX_M2MVAULT_H
#define _UAPI_LINUX_M2MVAULT_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define M2MV_KEY_TYPE		"m2mvault"
#define M2MV_KEY_SIZE		32
#define M2MV_CREDID_MAX		255

/* Credential-ID types (TS-0003 clause 10.4) that the module accepts. */
enum m2mv_cred_type {
	M2MV_CRED_TYPE_ESDATA_DIRECT = 14,	/* "dir" content encryption */
	M2MV_CRED_TYPE_ESDATA_WRAP = 15,	/* "wrap" key-wrap key */
	M2MV_CRED_TYPE_ESDATA_HMAC = 16,	/* "mic" and store chain MAC */
};

#define M2MV_DEVICE_NAME	"m2mvault"

/* ABI version reported by M2MV_IOC_VERSION and the netlink family. */
#define M2MV_ABI_VERSION	1

/**
 * struct m2mv_version - argument of M2MV_IOC_VERSION
 * @abi: out: M2MV_ABI_VERSION of the running module
 * @flags: in: must be 0
 * @reserved: in: must be zero
 */
struct m2mv_version {
	__u32 abi;
	__u32 flags;
	__u64 reserved[3];
};

#define M2MV_IOC_MAGIC		0xb7

#define M2MV_IOC_VERSION	_IOWR(M2MV_IOC_MAGIC, 0x00, struct m2mv_version)

/*
 * Generic netlink family
 * ----------------------
 *
 * Family M2MV_GENL_NAME, version M2MV_GENL_VERSION, multicast group
 * M2MV_GENL_MCGRP_EVENTS. Commands and attributes are listed below as they are
 * added; every command needs CAP_NET_ADMIN in the initial user namespace.
 */
#define M2MV_GENL_NAME		"m2mvault"
#define M2MV_GENL_VERSION	1
#define M2MV_GENL_MCGRP_EVENTS	"events"

enum m2mv_cmd {
	M2MV_CMD_UNSPEC,
	__M2MV_CMD_MAX
};

#define M2MV_CMD_MAX (__M2MV_CMD_MAX - 1)

enum m2mv_attr {
	M2MV_A_UNSPEC,
	__M2MV_A_MAX
};

#define M2MV_A_MAX (__M2MV_A_MAX - 1)

#endif /* _UAPI_LINUX_M2MVAULT_H */
