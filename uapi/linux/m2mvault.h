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

#include <linux/ioctl.h>
#include <linux/types.h>

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

/*
 * Limits
 * ------
 *
 * Store names are NUL-terminated in a fixed M2MV_NAME_MAX array: 1 to 31
 * characters of [A-Za-z0-9._-]. Resource paths are oneM2M resource
 * identifiers: 1 to M2MV_PATH_MAX bytes of [A-Za-z0-9._~/-], passed as
 * pointer and length (no terminator needed). Blobs are at most the module
 * parameter max_blob bytes (default M2MV_BLOB_MAX_DEFAULT).
 */
#define M2MV_NAME_MAX		32
#define M2MV_PATH_MAX		512
#define M2MV_BLOB_MAX_DEFAULT	(16U << 20)
#define M2MV_BATCH_MAX		1024

/* Protection modes: how a policy seals the records under its prefix. */
enum m2mv_mode {
	M2MV_MODE_NONE,		/* tombstones and checkpoints */
	M2MV_MODE_WRAP,		/* JWE A256KW + A256GCM, key type 15 */
	M2MV_MODE_DIR,		/* JWE dir + A256GCM, key type 14 */
	M2MV_MODE_MIC,		/* JWS HS256, key type 16 */
	__M2MV_MODE_MAX
};

/* Flags of data operations (PUT, DELETE, BATCH). */
enum m2mv_op_flag {
	M2MV_F_SYNC = 1U << 0,	/* return once the record is on stable storage */
	__M2MV_F_ALL = M2MV_F_SYNC
};

/**
 * struct m2mv_version - M2MV_IOC_VERSION
 * @abi: out: M2MV_ABI_VERSION of the running module
 * @flags: in: must be 0
 * @reserved: must be zero
 */
struct m2mv_version {
	__u32 abi;
	__u32 flags;
	__u64 reserved[3];
};

/**
 * struct m2mv_bind - M2MV_IOC_BIND: direct this open file at a store
 * @name: in: the attached store's name, NUL-terminated
 * @flags: in: must be 0
 * @reserved0: must be zero
 * @reserved: must be zero
 *
 * Every later data operation on the file acts on that store. Binding needs
 * no key: it grants nothing by itself.
 */
struct m2mv_bind {
	char name[M2MV_NAME_MAX];
	__u32 flags;
	__u32 reserved0;
	__u64 reserved[2];
};

/**
 * struct m2mv_put - M2MV_IOC_PUT: seal and append a new version of @path
 * @path: in: user pointer to the resource path
 * @data: in: user pointer to the plaintext
 * @path_len: in: bytes at @path
 * @data_len: in: bytes at @data (0 is allowed)
 * @flags: in: M2MV_F_*
 * @reserved0: must be zero
 * @version: out: the version written (1 for a new path)
 * @seq: out: the record's store sequence number
 * @reserved: must be zero
 */
struct m2mv_put {
	__u64 path;
	__u64 data;
	__u32 path_len;
	__u32 data_len;
	__u32 flags;
	__u32 reserved0;
	__u64 version;
	__u64 seq;
	__u64 reserved[2];
};

/**
 * struct m2mv_get - M2MV_IOC_GET: verify and open the newest version
 * @path: in: user pointer to the resource path
 * @data: in: user pointer to the output buffer
 * @path_len: in: bytes at @path
 * @data_len: in: size of @data; out: length of the plaintext, also when
 *	the call fails with EOVERFLOW because the buffer is too small
 * @flags: in: must be 0
 * @reserved0: must be zero
 * @version: out: the version read
 * @reserved: must be zero
 */
struct m2mv_get {
	__u64 path;
	__u64 data;
	__u32 path_len;
	__u32 data_len;
	__u32 flags;
	__u32 reserved0;
	__u64 version;
	__u64 reserved[2];
};

/**
 * struct m2mv_del - M2MV_IOC_DELETE: append a tombstone for @path
 * @path: in: user pointer to the resource path
 * @path_len: in: bytes at @path
 * @flags: in: M2MV_F_*
 * @version: out: the version of the tombstone
 * @reserved: must be zero
 */
struct m2mv_del {
	__u64 path;
	__u32 path_len;
	__u32 flags;
	__u64 version;
	__u64 reserved[2];
};

/**
 * struct m2mv_stat - M2MV_IOC_STAT: metadata of the newest version, no key
 * @path: in: user pointer to the resource path
 * @path_len: in: bytes at @path
 * @flags: in: must be 0
 * @version: out: per-path version
 * @seq: out: store sequence number of the record
 * @mtime_ns: out: CLOCK_REALTIME when the version was written
 * @data_len: out: plaintext length
 * @record_len: out: bytes the record takes in the store
 * @mode: out: enum m2mv_mode
 * @rec_flags: out: M2MV_STAT_F_*
 * @credid: out: the Credential-ID (kid) sealing the record, NUL-terminated
 * @reserved: must be zero
 */
struct m2mv_stat {
	__u64 path;
	__u32 path_len;
	__u32 flags;
	__u64 version;
	__u64 seq;
	__u64 mtime_ns;
	__u32 data_len;
	__u32 record_len;
	__u32 mode;
	__u32 rec_flags;
	char credid[M2MV_CREDID_MAX + 1];
	__u64 reserved[2];
};

enum m2mv_stat_flag {
	M2MV_STAT_F_INSTANCE = 1U << 0,	/* dir mode, per-instance key */
	M2MV_STAT_F_BAD = 1U << 1,	/* failed integrity checks: EBADMSG */
	M2MV_STAT_F_TS0003 = 1U << 2,	/* dir mode, profile ts0003 */
};

/**
 * struct m2mv_list - M2MV_IOC_LIST: live paths under a prefix, in order
 * @prefix: in: user pointer to the prefix (may be 0 with @prefix_len 0)
 * @after: in: user pointer to the cursor: the last path of the previous
 *	call; only paths sorting strictly after it are returned (0/0: start)
 * @buf: in: user pointer to the output buffer of struct m2mv_list_ent
 * @prefix_len: in: bytes at @prefix
 * @after_len: in: bytes at @after
 * @buf_len: in: size of @buf
 * @count: out: entries written
 * @flags: in: must be 0; out: M2MV_LIST_F_MORE if more entries remain
 * @reserved0: must be zero
 * @reserved: must be zero
 *
 * Entries are packed, each starting at an 8-byte aligned offset. A buffer
 * too small for even one entry fails with EOVERFLOW.
 */
struct m2mv_list {
	__u64 prefix;
	__u64 after;
	__u64 buf;
	__u32 prefix_len;
	__u32 after_len;
	__u32 buf_len;
	__u32 count;
	__u32 flags;
	__u32 reserved0;
	__u64 reserved[2];
};

enum m2mv_list_flag {
	M2MV_LIST_F_MORE = 1U << 0,
};

/**
 * struct m2mv_list_ent - one entry in the M2MV_IOC_LIST buffer
 * @version: per-path version
 * @data_len: plaintext length
 * @reclen: bytes from this entry to the next (multiple of 8)
 * @path_len: bytes at @path (not NUL-terminated)
 * @mode: enum m2mv_mode
 * @rec_flags: M2MV_STAT_F_*
 * @path: the path
 */
struct m2mv_list_ent {
	__u64 version;
	__u32 data_len;
	__u16 reclen;
	__u16 path_len;
	__u8 mode;
	__u8 rec_flags;
	__u8 reserved[6];
	char path[];
};

/**
 * struct m2mv_export - M2MV_IOC_EXPORT: the record as JOSE, without a key
 * @path: in: user pointer to the resource path
 * @buf: in: user pointer to the output buffer
 * @path_len: in: bytes at @path
 * @buf_len: in: size of @buf; out: length of the serialization, also when
 *	the call fails with EOVERFLOW
 * @flags: in: one of M2MV_EXPORT_F_COMPACT (default, 0) or
 *	M2MV_EXPORT_F_JSON (flattened JSON serialization; the General JSON
 *	serialization for a record of several recipients, which has no
 *	compact form: EINVAL)
 * @reserved0: must be zero
 * @version: out: the version exported
 * @reserved: must be zero
 *
 * wrap and dir records export as JWE, mic records as JWS. Output is not
 * NUL-terminated.
 */
struct m2mv_export {
	__u64 path;
	__u64 buf;
	__u32 path_len;
	__u32 buf_len;
	__u32 flags;
	__u32 reserved0;
	__u64 version;
	__u64 reserved[2];
};

enum m2mv_export_flag {
	M2MV_EXPORT_F_COMPACT = 0,
	M2MV_EXPORT_F_JSON = 1U << 0,
	__M2MV_EXPORT_F_ALL = M2MV_EXPORT_F_JSON
};

enum m2mv_batch_opcode {
	M2MV_BATCH_PUT = 1,
	M2MV_BATCH_GET,
	M2MV_BATCH_DELETE,
};

/**
 * struct m2mv_batch_op - one operation of M2MV_IOC_BATCH
 * @op: in: enum m2mv_batch_opcode
 * @flags: in: M2MV_F_* (PUT, DELETE); 0 for GET
 * @path: in: user pointer to the path
 * @data: in: PUT: plaintext; GET: output buffer; DELETE: 0
 * @path_len: in: bytes at @path
 * @data_len: in/out as in struct m2mv_put / struct m2mv_get
 * @result: out: 0 or a negative errno for this operation
 * @reserved0: must be zero
 * @version: out: version written or read
 * @reserved: must be zero
 */
struct m2mv_batch_op {
	__u32 op;
	__u32 flags;
	__u64 path;
	__u64 data;
	__u32 path_len;
	__u32 data_len;
	__s32 result;
	__u32 reserved0;
	__u64 version;
	__u64 reserved;
};

/**
 * struct m2mv_batch - M2MV_IOC_BATCH: many operations in one call
 * @ops: in: user pointer to @count struct m2mv_batch_op
 * @count: in: 1 to M2MV_BATCH_MAX
 * @flags: in: must be 0
 * @done: out: operations processed (all of them unless the call fails)
 * @reserved0: must be zero
 * @reserved: must be zero
 *
 * Operations run in order, each with its own result; one failing does not
 * stop the others. Operations flagged M2MV_F_SYNC share a single flush at
 * the end. The call itself fails only for a malformed batch (EINVAL,
 * EFAULT), in which case no operation ran.
 */
struct m2mv_batch {
	__u64 ops;
	__u32 count;
	__u32 flags;
	__u32 done;
	__u32 reserved0;
	__u64 reserved[2];
};

/*
 * Flags of the generic netlink STORE_ATTACH, POLICY_SET and STORE_COMPACT
 * commands.
 */

enum m2mv_attach_flag {
	M2MV_ATTACH_F_RDONLY = 1U << 0,	/* never write, never truncate */
	M2MV_ATTACH_F_CREATE = 1U << 1,	/* format the file: it must be empty */
	M2MV_ATTACH_F_STALE_OK = 1U << 2, /* attach although the log does not
					   * reach the anchor given (recorded)
					   */
	__M2MV_ATTACH_F_ALL = M2MV_ATTACH_F_RDONLY | M2MV_ATTACH_F_CREATE |
			      M2MV_ATTACH_F_STALE_OK
};

/*
 * M2MV_POLICY_F_TS0003 chooses the ts0003 profile (oneM2M TS-0003 clause
 * 8.5 ESData): a dir record's content key is the registered type-14 key
 * itself, so that any JOSE library holding that key decrypts its export.
 * Without it a policy has the seed profile: a dir record's content key is
 * derived per container (or, with M2MV_POLICY_F_INSTANCE, per instance).
 * The two flags exclude each other; wrap and mic are sealed alike in both
 * profiles, and accept either.
 */
enum m2mv_policy_flag {
	M2MV_POLICY_F_INSTANCE = 1U << 0,	/* dir: per-instance keys */
	M2MV_POLICY_F_TS0003 = 1U << 1,		/* profile ts0003 */
	__M2MV_POLICY_F_ALL = M2MV_POLICY_F_INSTANCE | M2MV_POLICY_F_TS0003
};

/*
 * M2MV_COMPACT_F_RECOVERY: give every live wrap record the store's
 * recovery credential as its last recipient as it is now: added to the
 * records that lack it, in place of an earlier one, or taken away if the
 * store has none any more. Excludes CREDID (rotation).
 */
enum m2mv_compact_flag {
	M2MV_COMPACT_F_RECOVERY = 1U << 0,
	__M2MV_COMPACT_F_ALL = M2MV_COMPACT_F_RECOVERY
};

#define M2MV_IOC_MAGIC		0xb7

#define M2MV_IOC_VERSION	_IOWR(M2MV_IOC_MAGIC, 0x00, struct m2mv_version)
#define M2MV_IOC_BIND		_IOW(M2MV_IOC_MAGIC, 0x01, struct m2mv_bind)
#define M2MV_IOC_PUT		_IOWR(M2MV_IOC_MAGIC, 0x02, struct m2mv_put)
#define M2MV_IOC_GET		_IOWR(M2MV_IOC_MAGIC, 0x03, struct m2mv_get)
#define M2MV_IOC_DELETE		_IOWR(M2MV_IOC_MAGIC, 0x04, struct m2mv_del)
#define M2MV_IOC_STAT		_IOWR(M2MV_IOC_MAGIC, 0x05, struct m2mv_stat)
#define M2MV_IOC_LIST		_IOWR(M2MV_IOC_MAGIC, 0x06, struct m2mv_list)
#define M2MV_IOC_EXPORT		_IOWR(M2MV_IOC_MAGIC, 0x07, struct m2mv_export)
#define M2MV_IOC_BATCH		_IOWR(M2MV_IOC_MAGIC, 0x08, struct m2mv_batch)

/*
 * On-disk format (Documentation/on-disk-format.rst has every byte)
 * ----------------------------------------------------------------
 *
 * All integers little endian. A store file of format version 2 holds two
 * identical copies of the superblock, each M2MV_SUPER_SIZE bytes, at offsets
 * 0 and M2MV_SUPER_BACKUP, followed at M2MV_LOG_START by records, each
 * starting 8-byte aligned. Version 1 (still read) has one copy and its log
 * starts at M2MV_LOG_START_V1.
 */
#define M2MV_SUPER_MAGIC	0x564d324dU	/* "M2MV" */
#define M2MV_REC_MAGIC		0x4345524dU	/* "MREC" */
#define M2MV_FORMAT_VERSION	2		/* what a new store gets */
#define M2MV_FORMAT_VERSION_V1	1
#define M2MV_SUPER_SIZE		4096		/* one copy */
#define M2MV_SUPER_BACKUP	4096		/* offset of the second copy */
#define M2MV_LOG_START		8192		/* first record, version 2 */
#define M2MV_LOG_START_V1	4096		/* first record, version 1 */
#define M2MV_CKPT_EVERY		64		/* records between checkpoints */
#define M2MV_STORE_ID_SIZE	16
#define M2MV_CHAIN_SIZE		32
#define M2MV_NONCE_SIZE		16
#define M2MV_IV_SIZE		12
#define M2MV_GCM_TAG_SIZE	16
#define M2MV_HS256_TAG_SIZE	32
#define M2MV_WRAPPED_KEY_SIZE	40

enum m2mv_rec_type {
	M2MV_REC_PUT = 1,
	M2MV_REC_DEL,
	M2MV_REC_CKPT,
	M2MV_REC_RCVY,		/* the store's recovery credential */
};

/*
 * Flags of a dir PUT: DIRECT alone (ts0003 profile), or the seed profile's
 * CRIT with or without INSTANCE (records written before CRIT existed have
 * INSTANCE or nothing). A wrap PUT sealed for 2 to M2MV_RECIPIENTS_MAX
 * recipients has RCPT: @ekey_len is still one wrapped key (40), @nonce[0]
 * is the number of recipients n, the other nonce bytes are zero, and the
 * wrapped-key part of the record is n x 40 bytes, in the order of the
 * header's "m2mv_rcpt". RCVY, only with RCPT, says that the last
 * recipient is the store's recovery credential (struct m2mv_disk_rcvy),
 * added by the kernel rather than named by the record's policy. Other
 * records have none.
 */
enum m2mv_rec_flag {
	M2MV_RECF_INSTANCE = 1U << 0,	/* dir: per-instance key */
	M2MV_RECF_CRIT = 1U << 1,	/* dir, seed: "crit" in the header */
	M2MV_RECF_DIRECT = 1U << 2,	/* dir, ts0003: the key is the CEK */
	M2MV_RECF_RCPT = 1U << 3,	/* wrap: the CEK wrapped per recipient */
	M2MV_RECF_RCVY = 1U << 4,	/* wrap, RCPT: the last is recovery */
	__M2MV_RECF_ALL = M2MV_RECF_INSTANCE | M2MV_RECF_CRIT |
			  M2MV_RECF_DIRECT | M2MV_RECF_RCPT | M2MV_RECF_RCVY
};

/**
 * struct m2mv_disk_super - the superblock, at offset 0
 * @magic: M2MV_SUPER_MAGIC
 * @version: M2MV_FORMAT_VERSION
 * @flags: 0
 * @store_id: random identity of the store, bound into every record header
 * @created_ns: CLOCK_REALTIME at format time
 * @key_check: HMAC-SHA256(store key, "m2mvault store" || @store_id); the
 *	value the structure chain starts from, and proof that the store key
 *	given at attach is the one the store was formatted with
 * @reserved0: zero
 * @crc: CRC32C (Castagnoli, seed ~0, final xor ~0) of the bytes before it
 *
 * The rest of the M2MV_SUPER_SIZE bytes is zero.
 */
struct m2mv_disk_super {
	__le32 magic;
	__le16 version;
	__le16 flags;
	__u8 store_id[M2MV_STORE_ID_SIZE];
	__le64 created_ns;
	__u8 key_check[M2MV_CHAIN_SIZE];
	__le32 reserved0;
	__le32 crc;
};

/**
 * struct m2mv_disk_rec - fixed head of every record
 * @magic: M2MV_REC_MAGIC
 * @crc: CRC32C of all @len bytes of the record with @crc taken as zero
 * @len: total bytes of the record, this head and padding included;
 *	a multiple of 8
 * @type: enum m2mv_rec_type
 * @mode: enum m2mv_mode (M2MV_MODE_NONE for DEL and CKPT)
 * @flags: M2MV_RECF_*
 * @iv_len: bytes of IV (12 in wrap and dir, 0 otherwise)
 * @seq: store sequence number, 1 for the first record, +1 for each next
 * @version: per-path version (PUT, DEL); 0 for CKPT
 * @time_ns: CLOCK_REALTIME when the record was written
 * @path_len: bytes of path
 * @hdr_len: bytes of the JOSE protected header (PUT), else 0
 * @ekey_len: bytes of one wrapped CEK (40 in wrap), else 0; a RCPT record
 *	holds @nonce[0] of them
 * @tag_len: bytes of tag (16 GCM, 32 HS256), else 0
 * @prev_ver: format 2: the low 16 bits of the version of the last PUT or
 *	DEL record before this one (0 if none); format 1: zero
 * @payload_len: bytes of ciphertext (wrap, dir), plaintext (mic) or
 *	checkpoint body (CKPT)
 * @prev_path: format 2: CRC32C of the path of that record (0 if none);
 *	format 1: zero
 * @nonce: dir, seed profile: the derivation nonce; dir, ts0003 profile
 *	(M2MV_RECF_DIRECT): bytes 0-7 the records the key had sealed in this
 *	store when this one was written, this one included (compaction
 *	raises it to the count at that time), bytes 8-15 zero; wrap with
 *	M2MV_RECF_RCPT: byte 0 the number of recipients (2 to
 *	M2MV_RECIPIENTS_MAX), the others zero; else zero
 * @chain: HMAC-SHA256(store key, previous chain || this record with @crc and
 *	@chain zeroed, leaving out the payload of a PUT, which its tag covers)
 *
 * Followed by: path, wrapped key(s), IV, payload, tag, protected header,
 * zero padding to @len.
 */
struct m2mv_disk_rec {
	__le32 magic;
	__le32 crc;
	__le32 len;
	__u8 type;
	__u8 mode;
	__u8 flags;
	__u8 iv_len;
	__le64 seq;
	__le64 version;
	__le64 time_ns;
	__le16 path_len;
	__le16 hdr_len;
	__u8 ekey_len;
	__u8 tag_len;
	__le16 prev_ver;
	__le32 payload_len;
	__le32 prev_path;
	__u8 nonce[M2MV_NONCE_SIZE];
	__u8 chain[M2MV_CHAIN_SIZE];
};

/**
 * struct m2mv_disk_ckpt - payload of a CKPT record
 * @records: records before this one (seq - 1)
 * @live: live paths in the index at this point
 * @live_bytes: bytes of the newest PUT records of live paths
 * @entries: version 2: struct m2mv_disk_evidence entries that follow;
 *	version 1: zero
 * @reserved: zero
 */
struct m2mv_disk_ckpt {
	__le64 records;
	__le64 live;
	__le64 live_bytes;
	__le32 entries;
	__le32 reserved;
};

/**
 * struct m2mv_disk_evidence - one path a checkpoint vouches for
 * @off: offset of the path's newest record among those since the
 *	checkpoint before
 * @version: that record's version
 * @reclen: that record's length
 * @type: M2MV_REC_PUT or M2MV_REC_DEL
 * @reserved0: zero
 * @path_len: bytes of path that follow
 *
 * Followed by the path and zero padding to a multiple of 8 bytes.
 */
struct m2mv_disk_evidence {
	__le64 off;
	__le64 version;
	__le32 reclen;
	__u8 type;
	__u8 reserved0;
	__le16 path_len;
};

/**
 * struct m2mv_disk_rcvy - payload of a RCVY record
 * @kid_len: bytes of Credential-ID that follow (a type-15 credential), or
 *	0: the store has no recovery credential from this record on
 * @reserved: zero
 * @wrapped: with @kid_len, the recovery key wrapped (RFC 3394 AES key
 *	wrap, A || C) under HMAC-SHA256(store key, "m2mvault recovery" ||
 *	store id || Credential-ID); else zero
 *
 * Followed by the Credential-ID and zero padding to a multiple of 8 bytes.
 * A RCVY record has mode NONE, version 0, no path, header, IV, wrapped key
 * or tag; the last one in the log holds.
 */
struct m2mv_disk_rcvy {
	__u8 kid_len;
	__u8 reserved[7];
	__u8 wrapped[M2MV_WRAPPED_KEY_SIZE];
};

/* The longest checkpoint body: M2MV_CKPT_EVERY entries of the longest path. */
#define M2MV_CKPT_BODY_MAX						\
	(sizeof(struct m2mv_disk_ckpt) +				\
	 M2MV_CKPT_EVERY * (sizeof(struct m2mv_disk_evidence) + M2MV_PATH_MAX))

/*
 * Generic netlink family
 * ----------------------
 *
 * Family M2MV_GENL_NAME, version M2MV_GENL_VERSION, multicast group
 * M2MV_GENL_MCGRP_EVENTS. Every command needs CAP_NET_ADMIN (GENL_ADMIN_PERM)
 * and runs in the sender's context: keys named in a command are looked up
 * in the sender's keyrings. Attributes share one flat space (enum
 * m2mv_attr); the kernel's policy is strict: unknown attributes, wrong
 * lengths, over-long strings and unknown flag bits are refused with an
 * extended-ack message. Strings in requests are NUL-terminated; PATH and
 * PREFIX in replies and events are not (the attribute length is theirs).
 * Subscribing to the events group needs CAP_NET_ADMIN.
 *
 * M2MV_CMD_STORE_ATTACH
 *	in:  NAME (string, 1-31 of [A-Za-z0-9._-]), FD (u32), STORE_KEY
 *	     (Credential-ID of a type-16 key), FLAGS (u32, M2MV_ATTACH_F_*,
 *	     optional: only M2MV_ATTACH_F_CREATE formats, and only an empty
 *	     file; without it the file must be a store), OWNER (u32 uid),
 *	     GROUP (u32 gid) and PERM (u32, the
 *	     permission bits 0-0777 of a file's mode; only the read and write
 *	     bits are used), all three optional: root, root, 0600;
 *	     ANCHOR_SEQ and ANCHOR_CHAIN (optional, both or neither): the
 *	     freshness anchor kept outside the disk; the log must hold that
 *	     record, and nothing before it that is no record, else ESTALE
 *	     (unless FLAGS has M2MV_ATTACH_F_STALE_OK)
 *	out: a STORE_ATTACH message with NAME, RECORDS, LIVE,
 *	     INTEGRITY_ERRORS, TRUNCATED, ANCHOR_SEQ, ANCHOR_CHAIN
 * M2MV_CMD_STORE_DETACH
 *	in:  NAME
 * M2MV_CMD_STORE_GET (dump; one message per store)
 *	out: NAME, FILE (backing file path), STATE (enum m2mv_store_state),
 *	     FLAGS, RECORDS, FILE_BYTES, LIVE, LIVE_BYTES, LAST_SEQ, OWNER,
 *	     GROUP, PERM (as seen from the requester's user namespace),
 *	     COUNTERS (nested, enum m2mv_ctr, each u64), ANCHOR_SEQ and
 *	     ANCHOR_CHAIN (the last record known to be on stable storage:
 *	     the freshness anchor to keep outside the disk), RECOVERY (the
 *	     recovery credential's Credential-ID, if the store has one)
 * M2MV_CMD_POLICY_SET
 *	in:  NAME, PREFIX (string, may be empty), CREDID, MODE (u32,
 *	     enum m2mv_mode), FLAGS (u32, M2MV_POLICY_F_*, optional),
 *	     RECIPIENTS (nested, optional, wrap only: one CREDID per
 *	     recipient beyond CREDID, at most M2MV_RECIPIENTS_MAX - 1, each
 *	     type 15, all distinct and different from CREDID; the sender
 *	     must possess every one of their keys, which the policy binds as
 *	     it binds CREDID's). Each record it seals then has its content
 *	     key wrapped for CREDID and for each of them, and any one of the
 *	     keys opens it; a PUT needs them all
 * M2MV_CMD_POLICY_DEL
 *	in:  NAME, PREFIX
 * M2MV_CMD_POLICY_GET (dump; one message per policy)
 *	out: NAME, PREFIX, CREDID, MODE, FLAGS, RECIPIENTS (if any)
 * M2MV_CMD_STORE_VERIFY
 *	in:  NAME
 *	out: a STORE_VERIFY message with NAME, RECORDS, INTEGRITY_ERRORS and
 *	     one BAD (nested: PATH, SEQ, REASON) per record that failed, at
 *	     most M2MV_VERIFY_BAD_MAX of them; EVENT_SCRUB_PROGRESS events
 *	     on the events group while it runs
 * M2MV_CMD_STORE_COMPACT
 *	in:  NAME, FD (an empty regular file, read-write), CREDID (optional:
 *	     re-seal every live record of a mode under this credential),
 *	     FLAGS (u32, M2MV_COMPACT_F_*, optional; RECOVERY excludes CREDID)
 *	out: a STORE_COMPACT message with NAME, RECORDS, FILE_BYTES; the store
 *	     continues on the new file; EVENT_COMPACT_PROGRESS events on the
 *	     events group while it runs
 * M2MV_CMD_KEY_BIND
 *	in:  NAME, CREDID
 *	binds the identifier of the sender's key of CREDID to the store, as
 *	POLICY_SET does for its credential: from then on a data operation
 *	under CREDID needs that very key (records of credentials no policy
 *	names any more, after a re-attach)
 * M2MV_CMD_STORE_RECOVERY
 *	in:  NAME, CREDID (optional: a type-15 credential whose key the
 *	     sender possesses; without it the store's recovery credential is
 *	     removed). The store keeps the key, wrapped under its store key
 *	     in a RCVY record of its log, and adds it as the last recipient
 *	     of every wrap record sealed from then on: no PUT needs it in a
 *	     keyring. Refused with E2BIG while a wrap policy names
 *	     M2MV_RECIPIENTS_MAX recipients
 * M2MV_CMD_EVENT (multicast on "events" only)
 *	EVENT (u32, enum m2mv_event) and, by event: NAME, PATH, SEQ, CREDID,
 *	REASON (u32, positive errno), DONE and TOTAL (u64, bytes)
 */
/* Credentials a wrap policy may name, its CREDID included. */
#define M2MV_RECIPIENTS_MAX	8

#define M2MV_GENL_NAME		"m2mvault"
#define M2MV_GENL_VERSION	1
#define M2MV_GENL_MCGRP_EVENTS	"events"
#define M2MV_VERIFY_BAD_MAX	1000

enum m2mv_cmd {
	M2MV_CMD_UNSPEC,
	M2MV_CMD_STORE_ATTACH,
	M2MV_CMD_STORE_DETACH,
	M2MV_CMD_STORE_GET,
	M2MV_CMD_POLICY_SET,
	M2MV_CMD_POLICY_DEL,
	M2MV_CMD_POLICY_GET,
	M2MV_CMD_STORE_VERIFY,
	M2MV_CMD_STORE_COMPACT,
	M2MV_CMD_EVENT,
	M2MV_CMD_KEY_BIND,
	M2MV_CMD_STORE_RECOVERY,
	__M2MV_CMD_MAX
};

#define M2MV_CMD_MAX (__M2MV_CMD_MAX - 1)

enum m2mv_attr {
	M2MV_A_UNSPEC,
	M2MV_A_NAME,			/* string */
	M2MV_A_FD,			/* u32 */
	M2MV_A_STORE_KEY,		/* string: Credential-ID */
	M2MV_A_FLAGS,			/* u32 */
	M2MV_A_FILE,			/* string */
	M2MV_A_STATE,			/* u32: enum m2mv_store_state */
	M2MV_A_RECORDS,			/* u64 */
	M2MV_A_FILE_BYTES,		/* u64 */
	M2MV_A_LIVE,			/* u64 */
	M2MV_A_LIVE_BYTES,		/* u64 */
	M2MV_A_LAST_SEQ,		/* u64 */
	M2MV_A_INTEGRITY_ERRORS,	/* u64 */
	M2MV_A_TRUNCATED,		/* u64 */
	M2MV_A_COUNTERS,		/* nested: enum m2mv_ctr */
	M2MV_A_PREFIX,			/* string */
	M2MV_A_CREDID,			/* string */
	M2MV_A_MODE,			/* u32: enum m2mv_mode */
	M2MV_A_BAD,			/* nested: PATH, SEQ, REASON */
	M2MV_A_EVENT,			/* u32: enum m2mv_event */
	M2MV_A_PATH,			/* string */
	M2MV_A_SEQ,			/* u64 */
	M2MV_A_REASON,			/* u32: positive errno */
	M2MV_A_DONE,			/* u64 */
	M2MV_A_TOTAL,			/* u64 */
	M2MV_A_PAD,
	M2MV_A_OWNER,			/* u32: uid */
	M2MV_A_GROUP,			/* u32: gid */
	M2MV_A_PERM,			/* u32: 0-0777 */
	M2MV_A_ANCHOR_SEQ,		/* u64: seq of the anchor's record */
	M2MV_A_ANCHOR_CHAIN,		/* binary, M2MV_CHAIN_SIZE: its chain */
	M2MV_A_RECIPIENTS,		/* nested: CREDID, one per recipient */
	M2MV_A_RECOVERY,		/* string: recovery Credential-ID */
	__M2MV_A_MAX
};

#define M2MV_A_MAX (__M2MV_A_MAX - 1)

enum m2mv_ctr {
	M2MV_CTR_UNSPEC,
	M2MV_CTR_PUTS,
	M2MV_CTR_GETS,
	M2MV_CTR_DELETES,
	M2MV_CTR_INTEGRITY_FAILURES,
	M2MV_CTR_KEY_REFUSALS,
	M2MV_CTR_PAD,
	M2MV_CTR_ACCESS_REFUSALS,	/* data operations refused by the grant */
	__M2MV_CTR_MAX
};

#define M2MV_CTR_MAX (__M2MV_CTR_MAX - 1)

enum m2mv_store_state {
	M2MV_STATE_OK,			/* every check passed */
	M2MV_STATE_DEGRADED,		/* integrity errors seen */
	M2MV_STATE_READONLY,		/* attached read-only */
};

enum m2mv_event {
	M2MV_EVENT_UNSPEC,
	M2MV_EVENT_INTEGRITY,		/* NAME, PATH, SEQ, REASON */
	M2MV_EVENT_KEY_REFUSED,		/* NAME, CREDID, REASON */
	M2MV_EVENT_ATTACHED,		/* NAME */
	M2MV_EVENT_DETACHED,		/* NAME */
	M2MV_EVENT_COMPACTED,		/* NAME, RECORDS, FILE_BYTES */
	M2MV_EVENT_SCRUB_PROGRESS,	/* NAME, DONE, TOTAL */
	M2MV_EVENT_SCRUB_DONE,		/* NAME, RECORDS, INTEGRITY_ERRORS */
	M2MV_EVENT_COMPACT_PROGRESS,	/* NAME, DONE, TOTAL */
};

#endif /* _UAPI_LINUX_M2MVAULT_H */
