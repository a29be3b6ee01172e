/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libm2mvault: the user-space library of m2mvault.
 *
 * Two halves, each with its own handle:
 *
 *  - the data plane (struct m2mv_store): a file descriptor on /dev/m2mvault
 *    bound to one attached store, and the ioctls on it: put, get, delete,
 *    stat, list, export, batch. Whoever may open the device (0600 root by
 *    default; a udev rule may give it to a group) and whom the store's
 *    grant (owner, group, mode, set at attach) allows may use one; sealing
 *    and opening also need the caller to possess the credential key in its
 *    own keyrings, the very key bound to the store for that Credential-ID.
 *
 *  - the control plane (struct m2mv_ctl): the generic netlink family
 *    "m2mvault": attach and detach stores, set, delete and list policies,
 *    store status, verify (scrub) and compact with progress, and the
 *    "events" multicast group. Commands need CAP_NET_ADMIN.
 *
 * Conventions for every function below:
 *
 *  - Return: 0 (or a documented non-negative value) on success, or a
 *    negative errno value. errno itself is not used. m2mv_strerror()
 *    explains a value, including what it means for m2mvault.
 *  - Resource paths and prefixes are NUL-terminated C strings of the
 *    alphabet [A-Za-z0-9._~/-] (at most M2MV_PATH_MAX bytes); store names
 *    are 1 to 31 characters of [A-Za-z0-9._-]; Credential-IDs are
 *    "<type>-<value>". The kernel is the authority on what is valid: the
 *    library checks only what it must to fill the ABI structures.
 *  - Handles are not thread-safe: use one handle per thread, or lock.
 *  - Memory the library allocates for the caller is released with free()
 *    unless a function says otherwise. Plaintext returned by m2mv_get() is
 *    the caller's to wipe (explicit_bzero()) before freeing if it matters.
 *
 * The ABI itself (structures, flags, attribute semantics) is
 * <linux/m2mvault.h>, which this header includes.
 */
#ifndef M2MVAULT_LIB_H
#define M2MVAULT_LIB_H

#include <stddef.h>
#include <stdint.h>
#include <linux/m2mvault.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the library; its soname carries the major number. */
#define M2MV_LIB_VERSION "1.0.0"

/* Path of the character device the data plane opens. */
#define M2MV_DEVICE_PATH "/dev/" M2MV_DEVICE_NAME

/* ======================================================== general ====== */

/**
 * m2mv_lib_version() - the library version the program runs with
 *
 * Return: M2MV_LIB_VERSION of the loaded library, e.g. "1.0.0".
 */
const char *m2mv_lib_version(void);

/**
 * m2mv_strerror() - describe an error returned by the library
 * @err: a negative (or positive) errno value
 *
 * Errors that have a specific meaning for m2mvault are described in its
 * terms, for example -EBADMSG as "record failed integrity check" and
 * -ENOKEY as "credential key not in the caller's keyrings"; others get the
 * C library's description.
 *
 * Return: a static string; never NULL. Safe to call from any thread.
 */
const char *m2mv_strerror(int err);

/**
 * m2mv_mode_name() - name of a protection mode
 * @mode: enum m2mv_mode
 *
 * Return: "none", "wrap", "dir", "mic", or "unknown".
 */
const char *m2mv_mode_name(unsigned int mode);

/**
 * m2mv_mode_parse() - protection mode from its name
 * @name: "wrap", "dir" or "mic" (case-sensitive)
 * @mode: out: the mode
 *
 * Return: 0, or -EINVAL for any other name ("none" included: no policy
 * may use it).
 */
int m2mv_mode_parse(const char *name, enum m2mv_mode *mode);

/**
 * m2mv_state_name() - name of a store state
 * @state: enum m2mv_store_state
 *
 * Return: "ok", "degraded", "readonly", or "unknown".
 */
const char *m2mv_state_name(unsigned int state);

/**
 * m2mv_event_name() - name of an event
 * @event: enum m2mv_event
 *
 * Return: "integrity", "key-refused", "attached", "detached", "compacted",
 * "scrub-progress", "scrub-done", "compact-progress", or "unknown".
 */
const char *m2mv_event_name(unsigned int event);

/**
 * m2mv_counter_name() - name of a store counter
 * @ctr: enum m2mv_ctr
 *
 * Return: "puts", "gets", "deletes", "integrity_failures",
 * "key_refusals", "access_refusals", or NULL for an index that is not a
 * counter.
 */
const char *m2mv_counter_name(unsigned int ctr);

/* ===================================================== data plane ====== */

/* An open /dev/m2mvault file bound to one store. */
struct m2mv_store;

/**
 * m2mv_store_open() - open the device and bind it to an attached store
 * @name: the store's name
 * @sp: out: the handle, to be closed with m2mv_store_close()
 *
 * Binding needs no key and grants nothing by itself, but the store's grant
 * must allow the caller to read or to write.
 *
 * Return: 0; -ENODEV if the device does not exist (module not loaded);
 * -ENOENT if no store of that name is attached; -EACCES if the device may
 * not be opened, or the store's grant allows neither reading nor writing;
 * -EINVAL for a malformed name; -ENOMEM; other errors of open(2).
 */
int m2mv_store_open(const char *name, struct m2mv_store **sp);

/**
 * m2mv_store_close() - close a handle from m2mv_store_open()
 * @s: the handle, or NULL
 */
void m2mv_store_close(struct m2mv_store *s);

/**
 * m2mv_store_fd() - the file descriptor behind a handle
 * @s: the handle
 *
 * For callers that issue ioctls of their own; the handle keeps ownership
 * and closes it.
 *
 * Return: the descriptor.
 */
int m2mv_store_fd(const struct m2mv_store *s);

/**
 * m2mv_store_name() - the name the handle was bound to
 * @s: the handle
 *
 * Return: the name, valid as long as the handle.
 */
const char *m2mv_store_name(const struct m2mv_store *s);

/**
 * m2mv_abi_version() - ABI version of the running module
 * @abi: out: M2MV_IOC_VERSION's answer
 *
 * Opens the device for the question only; needs no store.
 *
 * Return: 0, -ENODEV if the module is not loaded, or another error.
 */
int m2mv_abi_version(unsigned int *abi);

/**
 * m2mv_put() - seal and store a new version of a path
 * @s: the store
 * @path: the resource path
 * @data: the plaintext (may be NULL if @len is 0)
 * @len: its length (0 is allowed)
 * @flags: M2MV_F_SYNC to return only once the record is on stable storage
 * @version: out (may be NULL): the version written, 1 for a new path
 * @seq: out (may be NULL): the record's store sequence number
 *
 * The policy with the longest prefix of @path decides the mode and the
 * credential; the caller must possess that credential's key, the one bound
 * to the store for its Credential-ID, and the store's grant must allow it
 * to write.
 *
 * Return: 0; -EACCES (the store's grant does not allow writing, no policy
 * covers the path, or no search permission on the key); -ENOKEY,
 * -EKEYREVOKED, -EKEYEXPIRED, -EKEYREJECTED (the key; EKEYREJECTED also
 * for a key of the right Credential-ID that is not the bound one);
 * -EMSGSIZE (larger than the module's max_blob); -EDQUOT (the dir
 * key's record limit); -EROFS; -ENODEV (store detached); -EINVAL,
 * -ENAMETOOLONG, -ENOMEM, -EIO, -ENOSPC.
 */
int m2mv_put(struct m2mv_store *s, const char *path, const void *data,
	     size_t len, unsigned int flags, uint64_t *version,
	     uint64_t *seq);

/**
 * m2mv_get() - verify, open and return the newest version of a path
 * @s: the store
 * @path: the resource path
 * @data: out: a malloc()ed buffer with the plaintext (never NULL on
 *	success, even for an empty blob); free() it
 * @len: out: the plaintext's length
 * @version: out (may be NULL): the version read
 *
 * The buffer is sized automatically: when the kernel answers EOVERFLOW
 * with the length it needs, the call is repeated with that much room.
 *
 * Return: 0; -ENOENT (no such path, or deleted); -EBADMSG (the record
 * failed an integrity check: nothing of it is returned); -EACCES (the
 * store's grant does not allow reading); key errors as for m2mv_put(); -ENODEV, -ENOMEM, -EIO, -EINVAL, -ENAMETOOLONG; -EAGAIN if
 * the blob kept growing between attempts.
 */
int m2mv_get(struct m2mv_store *s, const char *path, void **data,
	     size_t *len, uint64_t *version);

/**
 * m2mv_get_buf() - like m2mv_get() into the caller's buffer
 * @s: the store
 * @path: the resource path
 * @buf: the output buffer (may be NULL if *@len is 0)
 * @len: in: its size; out: the plaintext's length, on success and on
 *	-EOVERFLOW
 * @version: out (may be NULL): the version read
 *
 * Return: as m2mv_get(), and -EOVERFLOW if @buf is too small (*@len then
 * says how much is needed).
 */
int m2mv_get_buf(struct m2mv_store *s, const char *path, void *buf,
		 size_t *len, uint64_t *version);

/**
 * m2mv_delete() - append a tombstone for a path
 * @s: the store
 * @path: the resource path
 * @flags: M2MV_F_SYNC, as for m2mv_put()
 * @version: out (may be NULL): the version of the tombstone
 *
 * Needs the key of the path's policy and write permission, as writing
 * does.
 *
 * Return: 0; -ENOENT (no live record); -EACCES and key errors; -EROFS;
 * -ENODEV, -ENOMEM, -EIO, -EINVAL, -ENAMETOOLONG.
 */
int m2mv_delete(struct m2mv_store *s, const char *path, unsigned int flags,
		uint64_t *version);

/**
 * struct m2mv_record_info - metadata of a path's newest version
 * @version: per-path version
 * @seq: store sequence number of the record (0 if the record is damaged)
 * @mtime_ns: CLOCK_REALTIME when it was written (0 if damaged)
 * @data_len: plaintext length
 * @record_len: bytes the record takes in the store file
 * @mode: enum m2mv_mode
 * @flags: M2MV_STAT_F_INSTANCE, M2MV_STAT_F_TS0003, M2MV_STAT_F_BAD
 * @credid: the Credential-ID sealing the record ("" if damaged)
 */
struct m2mv_record_info {
	uint64_t version;
	uint64_t seq;
	uint64_t mtime_ns;
	uint32_t data_len;
	uint32_t record_len;
	unsigned int mode;
	unsigned int flags;
	char credid[M2MV_CREDID_MAX + 1];
};

/**
 * m2mv_stat() - metadata of the newest version of a path, without a key
 * @s: the store
 * @path: the resource path
 * @info: out: the metadata
 *
 * Needs read permission by the store's grant.
 *
 * Return: 0; -ENOENT; -EBADMSG (the record failed its checks while being
 * read); -EACCES; -ENODEV, -ENOMEM, -EIO, -EINVAL, -ENAMETOOLONG.
 */
int m2mv_stat(struct m2mv_store *s, const char *path,
	      struct m2mv_record_info *info);

/**
 * m2mv_export() - the newest version as JOSE, without a key
 * @s: the store
 * @path: the resource path
 * @flags: M2MV_EXPORT_F_COMPACT (0) or M2MV_EXPORT_F_JSON
 * @out: out: a malloc()ed, NUL-terminated serialization; free() it
 * @len: out (may be NULL): its length without the terminator
 * @version: out (may be NULL): the version exported
 *
 * wrap and dir records come out as JWE (5 compact parts), mic records as
 * JWS (3 parts). The buffer is sized automatically as for m2mv_get().
 * Needs read permission by the store's grant.
 *
 * Return: 0; -ENOENT; -EBADMSG; -EACCES; -ENODEV, -ENOMEM, -EIO, -EINVAL,
 * -ENAMETOOLONG; -EAGAIN as for m2mv_get().
 */
int m2mv_export(struct m2mv_store *s, const char *path, unsigned int flags,
		char **out, size_t *len, uint64_t *version);

/**
 * struct m2mv_list_item - one live path, from m2mv_list_next()
 * @path: the path, NUL-terminated; valid until the next call on the
 *	iterator
 * @path_len: its length
 * @version: per-path version
 * @data_len: plaintext length
 * @mode: enum m2mv_mode
 * @flags: M2MV_STAT_F_*
 */
struct m2mv_list_item {
	const char *path;
	size_t path_len;
	uint64_t version;
	uint32_t data_len;
	unsigned int mode;
	unsigned int flags;
};

/* Walks the live paths of a store in pages. */
struct m2mv_list_iter;

/* Page size m2mv_list_open() uses when given 0. */
#define M2MV_LIST_PAGE_DEFAULT (64U << 10)

/**
 * m2mv_list_open() - start listing live paths under a prefix
 * @s: the store; it must outlive the iterator
 * @prefix: only paths starting with it (NULL or "": every path)
 * @page_size: bytes per M2MV_IOC_LIST call (0: M2MV_LIST_PAGE_DEFAULT);
 *	grown automatically when a single entry does not fit
 * @itp: out: the iterator, to be closed with m2mv_list_close()
 *
 * No key is needed, but read permission by the store's grant is (the
 * first m2mv_list_next() fails with -EACCES otherwise). Paths come in
 * bytewise order. The iterator fetches a
 * page at a time, continuing after the last path it returned, so paths
 * added or removed while it runs may or may not be seen, but none is
 * returned twice.
 *
 * Return: 0, -ENOMEM, -EINVAL (@prefix longer than M2MV_PATH_MAX).
 */
int m2mv_list_open(struct m2mv_store *s, const char *prefix,
		   size_t page_size, struct m2mv_list_iter **itp);

/**
 * m2mv_list_next() - the next live path
 * @it: the iterator
 * @item: out: the entry (its @path is owned by the iterator)
 *
 * Return: 1 with an entry in @item; 0 at the end; a negative errno as for
 * M2MV_IOC_LIST (-EACCES, -ENODEV, -ENOMEM, -EINVAL, -ENAMETOOLONG), or -EPROTO if
 * the kernel's buffer was malformed. After an error the iterator returns
 * the same error again.
 */
int m2mv_list_next(struct m2mv_list_iter *it, struct m2mv_list_item *item);

/**
 * m2mv_list_pages() - how many M2MV_IOC_LIST calls the iterator made
 * @it: the iterator
 *
 * Return: the number of successful calls so far.
 */
unsigned int m2mv_list_pages(const struct m2mv_list_iter *it);

/**
 * m2mv_list_close() - free an iterator
 * @it: the iterator, or NULL
 */
void m2mv_list_close(struct m2mv_list_iter *it);

/**
 * struct m2mv_batch_item - one operation of m2mv_batch()
 * @op: M2MV_BATCH_PUT, M2MV_BATCH_GET or M2MV_BATCH_DELETE
 * @flags: M2MV_F_SYNC for PUT and DELETE; 0 for GET
 * @path: the resource path
 * @data: PUT: the plaintext
 * @buf: GET: the output buffer
 * @len: PUT: bytes at @data; GET: in: size of @buf, out: plaintext length
 *	(also with -EOVERFLOW); DELETE: unused
 * @result: out: 0 or the negative errno the single call would return
 * @version: out: version written, read or deleted
 */
struct m2mv_batch_item {
	unsigned int op;
	unsigned int flags;
	const char *path;
	const void *data;
	void *buf;
	size_t len;
	int result;
	uint64_t version;
};

/**
 * m2mv_batch() - run many operations with few system calls
 * @s: the store
 * @items: the operations; their outputs are filled in
 * @n: how many (any number: the library splits them into calls of at
 *	most M2MV_BATCH_MAX)
 *
 * Operations run in order, each with its own @result; one failing does not
 * stop the others. Synchronous operations of one call share one flush.
 * GET does not size its buffer automatically: an item whose @buf is too
 * small gets -EOVERFLOW and the length it needs in @len.
 *
 * Return: 0 when every operation ran (look at each @result); or a
 * negative errno when a call failed as a whole (-EINVAL for a malformed
 * item, -EACCES when the store's grant does not allow writing, -ENODEV,
 * -ENOMEM, -EFAULT): then the items of that call and of
 * later ones did not run and their @result is -ECANCELED.
 */
int m2mv_batch(struct m2mv_store *s, struct m2mv_batch_item *items,
	       size_t n);

/* ================================================== control plane ====== */

/* A generic netlink connection to the "m2mvault" family. */
struct m2mv_ctl;

/**
 * m2mv_ctl_open() - connect to the m2mvault generic netlink family
 * @ctlp: out: the handle, to be closed with m2mv_ctl_close()
 *
 * Resolves the family, its "events" group and the commands the running
 * module implements (see m2mv_ctl_supports()). Needs no privilege; the
 * commands do.
 *
 * Return: 0; -ENOENT if the family is not registered (the module is not
 * loaded); -ENOMEM; other socket errors.
 */
int m2mv_ctl_open(struct m2mv_ctl **ctlp);

/**
 * m2mv_ctl_close() - close a control handle
 * @ctl: the handle, or NULL
 */
void m2mv_ctl_close(struct m2mv_ctl *ctl);

/**
 * m2mv_ctl_last_error() - the kernel's explanation of the last failure
 * @ctl: the handle
 *
 * The extended acknowledgement message of the last failed command (for
 * example "attribute PREFIX: prefix must be [A-Za-z0-9._~/-]"), or a
 * note from the library such as which command the module lacks. Cleared
 * at the start of every command.
 *
 * Return: the message, or "" when there is none; valid until the next
 * call on @ctl.
 */
const char *m2mv_ctl_last_error(const struct m2mv_ctl *ctl);

/**
 * m2mv_ctl_supports() - does the running module implement a command?
 * @ctl: the handle
 * @cmd: an enum m2mv_cmd
 *
 * Return: 1 if the family advertises @cmd (as a request or as a dump), 0
 * otherwise.
 */
int m2mv_ctl_supports(const struct m2mv_ctl *ctl, unsigned int cmd);

/**
 * struct m2mv_attach_info - what attaching found in the store file
 * @records: records scanned
 * @live: live paths in the rebuilt index
 * @integrity_errors: records that failed CRC, chain or sequence checks
 * @truncated: bytes of torn tail cut off
 */
struct m2mv_attach_info {
	uint64_t records;
	uint64_t live;
	uint64_t integrity_errors;
	uint64_t truncated;
};

/**
 * m2mv_attach() - attach a store file under a name
 * @ctl: the handle
 * @name: the store's name, unique among attached stores
 * @fd: the store file, open for reading and (unless
 *	M2MV_ATTACH_F_RDONLY) writing. The caller keeps its descriptor.
 * @store_credid: Credential-ID of the store key (type 16), which the
 *	caller must possess; a new store is keyed with it
 * @flags: M2MV_ATTACH_F_RDONLY: never write to the file (nor cut a torn
 *	tail); M2MV_ATTACH_F_CREATE: make a new store: the file must be empty,
 *	and is formatted. The two exclude each other.
 * @info: out (may be NULL): what the scan found
 *
 * Nothing is formatted unless M2MV_ATTACH_F_CREATE asks for it: without
 * it an empty file is refused, and with it a file that is not empty is
 * refused and left as it is. The store's grant is the default: owner
 * root, group root, mode 0600 (see m2mv_attach_with()).
 *
 * Return: 0; -EPERM (needs CAP_NET_ADMIN); -EEXIST (name taken, or
 * M2MV_ATTACH_F_CREATE and the file is not empty); -ENODATA (the file is
 * empty and M2MV_ATTACH_F_CREATE was not given); -EBADF; -EINVAL (also
 * both flags at once); -EBADMSG (not a m2mvault store); -EKEYREJECTED
 * (not this store's key); key errors; -ENOSPC (formatting found the file
 * system full); -EOPNOTSUPP (unknown flags: a module older than
 * M2MV_ATTACH_F_CREATE refuses that flag, which m2mv_ctl_last_error()
 * then says); -ENOMEM, -EIO. m2mv_ctl_last_error() has the kernel's
 * explanation.
 */
int m2mv_attach(struct m2mv_ctl *ctl, const char *name, int fd,
		const char *store_credid, unsigned int flags,
		struct m2mv_attach_info *info);

/* Which fields of struct m2mv_attach_access are given. */
enum m2mv_access_field {
	M2MV_ACCESS_OWNER = 1U << 0,
	M2MV_ACCESS_GROUP = 1U << 1,
	M2MV_ACCESS_PERM = 1U << 2,
};

/**
 * struct m2mv_attach_access - who may use a store's data plane
 * @set: M2MV_ACCESS_* bits: the fields given; the kernel's default for
 *	the others (owner root, group root, perm 0600)
 * @owner: uid that the owner bits of @perm apply to
 * @group: gid that the group bits of @perm apply to
 * @perm: permission bits 0-0777 as in a file's mode: read allows GET,
 *	LIST, STAT and EXPORT, write allows PUT, DELETE and BATCH; the
 *	owner's bits if the caller's fsuid is @owner, else the group's if
 *	the caller is in @group, else the others'; CAP_DAC_OVERRIDE passes.
 *	The execute bits are ignored.
 * @reserved: must be zero
 *
 * The grant comes in addition to possession of the credential keys; the
 * device node /dev/m2mvault must also be open to the caller.
 */
struct m2mv_attach_access {
	unsigned int set;
	uint32_t owner;
	uint32_t group;
	uint32_t perm;
	uint32_t reserved[4];
};

/**
 * m2mv_attach_with() - attach a store file with an owner, group and mode
 * @ctl: the handle
 * @name: as for m2mv_attach()
 * @fd: as for m2mv_attach()
 * @store_credid: as for m2mv_attach()
 * @flags: M2MV_ATTACH_F_RDONLY or M2MV_ATTACH_F_CREATE, as for m2mv_attach()
 * @access: the store's grant (NULL: the default, as m2mv_attach())
 * @info: out (may be NULL): what the scan found
 *
 * Return: as m2mv_attach(); -EINVAL also for @perm beyond 0777, unknown
 * bits in @set or non-zero @reserved; -EOPNOTSUPP (explained in
 * m2mv_ctl_last_error()) if @access sets a field and the module does not
 * implement grants.
 */
int m2mv_attach_with(struct m2mv_ctl *ctl, const char *name, int fd,
		     const char *store_credid, unsigned int flags,
		     const struct m2mv_attach_access *access,
		     struct m2mv_attach_info *info);

/**
 * struct m2mv_anchor - a store's freshness anchor
 * @seq: sequence number of a record of the store's log
 * @chain: that record's chain value
 *
 * m2mv_anchor_get() gives the last record known to be on stable storage;
 * kept outside the disk, it lets a later attach refuse an older copy of
 * the file, or one that lost acknowledged records (m2mv_attach_anchored()).
 */
struct m2mv_anchor {
	uint64_t seq;
	uint8_t chain[32];
};

/* "SEQ:HEX": decimal seq, ':', 64 lowercase hex digits, and a NUL. */
#define M2MV_ANCHOR_STR_MAX	(20 + 1 + 64 + 1)

/**
 * m2mv_attach_anchored() - attach, refusing a log older than an anchor
 * @ctl: the handle
 * @name: as for m2mv_attach()
 * @fd: as for m2mv_attach()
 * @store_credid: as for m2mv_attach()
 * @flags: M2MV_ATTACH_F_RDONLY, M2MV_ATTACH_F_CREATE,
 *	M2MV_ATTACH_F_STALE_OK (attach even if the log lacks @anchor's
 *	record: the kernel logs it and counts an integrity error)
 * @access: as for m2mv_attach_with()
 * @anchor: NULL, or the anchor the log must hold
 * @info: out (may be NULL): what the scan found
 *
 * Return: as m2mv_attach_with(); -ESTALE if the log does not hold
 * @anchor's record (an older copy of the file, acknowledged records lost,
 * or a compaction after the anchor was taken), or holds bytes before it
 * that are no record (records of any path may have been lost there);
 * -EOPNOTSUPP if the module has no anchors.
 */
int m2mv_attach_anchored(struct m2mv_ctl *ctl, const char *name, int fd,
			 const char *store_credid, unsigned int flags,
			 const struct m2mv_attach_access *access,
			 const struct m2mv_anchor *anchor,
			 struct m2mv_attach_info *info);

/**
 * m2mv_anchor_get() - the freshness anchor of an attached store
 * @ctl: the handle
 * @name: the store
 * @anchor: out: its last record known to be on stable storage
 *
 * Return: 0; -ENOENT (no such store); -EOPNOTSUPP (the module has no
 * anchors); -EPERM; -ENOMEM; -EPROTO.
 */
int m2mv_anchor_get(struct m2mv_ctl *ctl, const char *name,
		    struct m2mv_anchor *anchor);

/**
 * m2mv_anchor_format() - write @anchor as "SEQ:HEX"
 * @anchor: the anchor
 * @buf: out: at least M2MV_ANCHOR_STR_MAX bytes
 * @size: of @buf
 *
 * Return: 0, or -ENOSPC.
 */
int m2mv_anchor_format(const struct m2mv_anchor *anchor, char *buf,
		       size_t size);

/**
 * m2mv_anchor_parse() - read "SEQ:HEX" as m2mv_anchor_format() writes it
 * @text: the text
 * @anchor: out: the anchor
 *
 * Return: 0, or -EINVAL.
 */
int m2mv_anchor_parse(const char *text, struct m2mv_anchor *anchor);

/**
 * m2mv_detach() - detach a store (a checkpoint is written first)
 * @ctl: the handle
 * @name: the store's name
 *
 * Its policies are dropped; open handles bound to it get -ENODEV.
 *
 * Return: 0; -EPERM; -ENOENT (no such store); -EINVAL.
 */
int m2mv_detach(struct m2mv_ctl *ctl, const char *name);

/**
 * m2mv_policy_set() - decide how writes under a prefix are sealed
 * @ctl: the handle
 * @store: the store's name
 * @prefix: the path prefix ("" covers every path)
 * @credid: the Credential-ID whose key seals them; its type must fit
 *	@mode (15 wrap, 14 dir, 16 mic)
 * @mode: M2MV_MODE_WRAP, M2MV_MODE_DIR or M2MV_MODE_MIC
 * @flags: M2MV_POLICY_F_INSTANCE (dir, seed profile: a key per resource
 *	instance rather than per container), M2MV_POLICY_F_TS0003 (profile
 *	ts0003: dir seals with @credid's key itself, as TS-0003 ESData does;
 *	excludes M2MV_POLICY_F_INSTANCE), or 0
 *
 * Replaces the prefix's policy if it has one. The caller must possess the
 * key of @credid: its identifier (derived from the key's bytes) is bound
 * to the store, and from then on every data operation under @credid needs
 * that very key. The binding outlives the policy (replaced or deleted)
 * until the store is detached.
 *
 * Return: 0; -EPERM; -ENOENT (no such store); -ENOKEY, -EKEYREVOKED,
 * -EKEYEXPIRED (the caller does not possess a usable key of @credid);
 * -EKEYREJECTED (a different key of @credid is bound already); -EINVAL;
 * -ENAMETOOLONG; -ENOMEM.
 */
int m2mv_policy_set(struct m2mv_ctl *ctl, const char *store,
		    const char *prefix, const char *credid,
		    enum m2mv_mode mode, unsigned int flags);

/**
 * m2mv_policy_del() - remove the policy of a prefix
 * @ctl: the handle
 * @store: the store's name
 * @prefix: exactly the prefix the policy was set for
 *
 * Return: 0; -EPERM; -ENOENT (no such store or no such policy); -EINVAL.
 */
int m2mv_policy_del(struct m2mv_ctl *ctl, const char *store,
		    const char *prefix);

/**
 * m2mv_key_bind() - bind the identifier of a key to a store
 * @ctl: the handle
 * @store: the store's name
 * @credid: the Credential-ID; the caller must possess its key
 *
 * As m2mv_policy_set() binds its credential, without a policy: for the
 * credentials that only older records use (after a re-attach, bindings
 * are gone), so that they stay readable with the real key and only with
 * it.
 *
 * Return: 0; -EOPNOTSUPP if the module lacks M2MV_CMD_KEY_BIND; -EPERM;
 * -ENOENT (no such store); -ENOKEY, -EKEYREVOKED, -EKEYEXPIRED;
 * -EKEYREJECTED (another key of @credid is bound already); -EINVAL;
 * -ENOMEM.
 */
int m2mv_key_bind(struct m2mv_ctl *ctl, const char *store,
		  const char *credid);

/**
 * struct m2mv_policy_info - one policy, from m2mv_policy_list()
 * @store: the store's name
 * @prefix: the prefix ("" for every path)
 * @credid: the Credential-ID
 * @mode: enum m2mv_mode
 * @flags: M2MV_POLICY_F_INSTANCE, M2MV_POLICY_F_TS0003
 */
struct m2mv_policy_info {
	char store[M2MV_NAME_MAX];
	char prefix[M2MV_PATH_MAX + 1];
	char credid[M2MV_CREDID_MAX + 1];
	unsigned int mode;
	unsigned int flags;
};

/**
 * m2mv_policy_list() - the policies of one store or of all
 * @ctl: the handle
 * @store: a store's name, or NULL for every store
 * @list: out: a malloc()ed array (NULL if empty); free() it
 * @count: out: its length
 *
 * Return: 0; -EOPNOTSUPP if the module lacks M2MV_CMD_POLICY_GET; -EPERM;
 * -ENOMEM; -EPROTO for a malformed answer.
 */
int m2mv_policy_list(struct m2mv_ctl *ctl, const char *store,
		     struct m2mv_policy_info **list, size_t *count);

/**
 * m2mv_policy_set_rcpt() - a policy whose records several credentials open
 * @ctl: the handle
 * @store: the store's name
 * @prefix: the path prefix ("" covers every path)
 * @credid: the first recipient, as for m2mv_policy_set()
 * @mode: M2MV_MODE_WRAP if @n is not 0
 * @flags: as for m2mv_policy_set()
 * @recipients: the Credential-IDs of the recipients beyond @credid, in
 *	order: type 15, distinct, none equal to @credid
 * @n: how many, at most M2MV_RECIPIENTS_MAX - 1; 0 is m2mv_policy_set()
 *
 * Every record the policy seals has its content key wrapped under each
 * recipient's key: a PUT needs all of them, any one opens the record, and
 * its export is the JWE General JSON serialization with one recipient per
 * credential. The caller must possess every key; each is bound to the
 * store as m2mv_policy_set() binds @credid's.
 *
 * Return: as m2mv_policy_set(); -EINVAL also for a recipient list the
 * module refuses (ctl's error message names the attribute); -EOPNOTSUPP
 * if the module does not know recipients.
 */
int m2mv_policy_set_rcpt(struct m2mv_ctl *ctl, const char *store,
			 const char *prefix, const char *credid,
			 enum m2mv_mode mode, unsigned int flags,
			 const char *const *recipients, size_t n);

/**
 * struct m2mv_policy_rcpt - one policy and its recipients
 * @info: the policy, as m2mv_policy_list() reports it
 * @n: recipients beyond @info.credid (0 for a policy of one)
 * @recipients: their Credential-IDs, in order
 */
struct m2mv_policy_rcpt {
	struct m2mv_policy_info info;
	unsigned int n;
	char recipients[M2MV_RECIPIENTS_MAX - 1][M2MV_CREDID_MAX + 1];
};

/**
 * m2mv_policy_list_rcpt() - m2mv_policy_list() with the recipients
 * @ctl: the handle
 * @store: a store's name, or NULL for every store
 * @list: out: a malloc()ed array (NULL if empty); free() it
 * @count: out: its length
 *
 * Return: as m2mv_policy_list().
 */
int m2mv_policy_list_rcpt(struct m2mv_ctl *ctl, const char *store,
			  struct m2mv_policy_rcpt **list, size_t *count);

/* Size of struct m2mv_store_info's @file. */
#define M2MV_FILE_MAX 4096

/*
 * Room for counters in struct m2mv_store_info: a fixed number, so that
 * counters the module adds later do not change the structure's layout.
 */
#define M2MV_STORE_COUNTERS 16

/* struct m2mv_store_info's @perm when the module reports no grant. */
#define M2MV_PERM_NONE UINT32_MAX

/**
 * struct m2mv_store_info - status of an attached store
 * @name: the store's name
 * @file: the backing file's path as the kernel sees it
 * @state: enum m2mv_store_state
 * @flags: M2MV_ATTACH_F_*
 * @records: records in the file
 * @file_bytes: size of the file
 * @live: live paths
 * @live_bytes: bytes of the newest records of live paths
 * @last_seq: sequence number of the last record
 * @owner: uid of the store's grant, as seen from the caller's namespace
 * @group: gid of the store's grant
 * @perm: its permission bits (0-0777), or M2MV_PERM_NONE if the module
 *	reports none (a module without grants)
 * @reserved0: zero
 * @counters: enum m2mv_ctr indexes the counters since attach; entries the
 *	module does not report stay 0
 *
 * This layout is the one of version M2MV_1.1 of m2mv_status(); programs
 * built against libm2mvault 1.0 keep getting the layout they know.
 */
struct m2mv_store_info {
	char name[M2MV_NAME_MAX];
	char file[M2MV_FILE_MAX];
	unsigned int state;
	unsigned int flags;
	uint64_t records;
	uint64_t file_bytes;
	uint64_t live;
	uint64_t live_bytes;
	uint64_t last_seq;
	uint32_t owner;
	uint32_t group;
	uint32_t perm;
	uint32_t reserved0;
	uint64_t counters[M2MV_STORE_COUNTERS];
};

/**
 * m2mv_status() - status of one attached store or of all
 * @ctl: the handle
 * @name: a store's name, or NULL for every store
 * @list: out: a malloc()ed array (NULL if empty); free() it
 * @count: out: its length
 *
 * Return: 0; -ENOENT if @name is given and no such store is attached;
 * -EOPNOTSUPP if the module lacks M2MV_CMD_STORE_GET; -EPERM; -ENOMEM;
 * -EPROTO.
 */
int m2mv_status(struct m2mv_ctl *ctl, const char *name,
		struct m2mv_store_info **list, size_t *count);

/**
 * typedef m2mv_progress_fn - progress of a long operation
 * @done: bytes processed so far
 * @total: bytes to process
 * @arg: the caller's argument
 */
typedef void (*m2mv_progress_fn)(uint64_t done, uint64_t total, void *arg);

/**
 * struct m2mv_bad_record - a record that failed verification
 * @path: its path ("" if the record is too damaged to tell)
 * @seq: its sequence number
 * @reason: positive errno (EBADMSG for a failed check)
 */
struct m2mv_bad_record {
	char path[M2MV_PATH_MAX + 1];
	uint64_t seq;
	int reason;
};

/**
 * struct m2mv_verify_info - outcome of m2mv_verify()
 * @records: records checked
 * @integrity_errors: records that failed
 * @nbad: entries in @bad (at most M2MV_VERIFY_BAD_MAX, so possibly fewer
 *	than @integrity_errors)
 * @bad: the failed records; release with m2mv_verify_info_free()
 */
struct m2mv_verify_info {
	uint64_t records;
	uint64_t integrity_errors;
	size_t nbad;
	struct m2mv_bad_record *bad;
};

/**
 * m2mv_verify() - check every record of a store (scrub)
 * @ctl: the handle
 * @name: the store's name
 * @progress: called (may be NULL) for each M2MV_EVENT_SCRUB_PROGRESS event
 *	of this store that arrives while the kernel works
 * @arg: passed to @progress
 * @info: out: the outcome; release with m2mv_verify_info_free()
 *
 * Blocks until the kernel answers. Progress events are best effort: some
 * may be lost if the caller is slow.
 *
 * Return: 0 when the scrub ran (integrity errors are reported in @info,
 * not as a failure); -EOPNOTSUPP if the module lacks
 * M2MV_CMD_STORE_VERIFY; -EPERM; -ENOENT; -ENOMEM; -EPROTO.
 */
int m2mv_verify(struct m2mv_ctl *ctl, const char *name,
		m2mv_progress_fn progress, void *arg,
		struct m2mv_verify_info *info);

/**
 * m2mv_verify_info_free() - release what m2mv_verify() allocated
 * @info: the outcome (its fields are reset; the structure is not freed)
 */
void m2mv_verify_info_free(struct m2mv_verify_info *info);

/**
 * struct m2mv_compact_info - outcome of m2mv_compact()
 * @records: records written to the new file
 * @file_bytes: size of the new file
 */
struct m2mv_compact_info {
	uint64_t records;
	uint64_t file_bytes;
};

/**
 * m2mv_compact() - rewrite a store's live records into a new file
 * @ctl: the handle
 * @name: the store's name
 * @fd: an empty regular file open read-write; the store continues on it
 * @credid: NULL, or a Credential-ID to re-seal every live record of the
 *	matching mode under (credential rotation)
 * @progress: called (may be NULL) for each M2MV_EVENT_COMPACT_PROGRESS
 *	event of this store that arrives while the kernel works (best
 *	effort, as for m2mv_verify())
 * @arg: passed to @progress
 * @info: out (may be NULL): the new file's records and size
 *
 * Return: 0; -EOPNOTSUPP if the module lacks M2MV_CMD_STORE_COMPACT;
 * -EPERM; -ENOENT; -EINVAL; key errors for @credid; -ENOMEM, -EIO,
 * -ENOSPC.
 */
int m2mv_compact(struct m2mv_ctl *ctl, const char *name, int fd,
		 const char *credid, m2mv_progress_fn progress, void *arg,
		 struct m2mv_compact_info *info);

/**
 * m2mv_compact_flags() - m2mv_compact() with M2MV_COMPACT_F_* flags
 * @ctl: the handle
 * @name: the store's name
 * @fd: as for m2mv_compact()
 * @credid: as for m2mv_compact(); NULL with M2MV_COMPACT_F_RECOVERY
 * @flags: 0, or M2MV_COMPACT_F_RECOVERY: every live wrap record gets the
 *	store's recovery credential as it is now (added, replaced, or taken
 *	away if the store has none); the caller must possess the key of one
 *	of the recipients its policy named, for each record that changes
 * @progress: as for m2mv_compact()
 * @arg: passed to @progress
 * @info: as for m2mv_compact()
 *
 * Return: as m2mv_compact(); -E2BIG if a live record names
 * M2MV_RECIPIENTS_MAX recipients (none is left for recovery);
 * -EOPNOTSUPP if the module does not know @flags.
 */
int m2mv_compact_flags(struct m2mv_ctl *ctl, const char *name, int fd,
		       const char *credid, unsigned int flags,
		       m2mv_progress_fn progress, void *arg,
		       struct m2mv_compact_info *info);

/**
 * m2mv_recovery_set() - give a store a recovery credential, or remove it
 * @ctl: the handle
 * @store: the store's name
 * @credid: a type-15 Credential-ID whose key the caller possesses (the
 *	offline recovery key, loaded for this call only), or NULL to remove
 *	the store's recovery credential
 *
 * The store keeps the key (wrapped under its store key in its own log)
 * and adds it as the last recipient of every wrap record it seals from
 * then on, also after a re-attach: the key can leave the keyring at once.
 * Records sealed before keep their recipients until a compaction with
 * M2MV_COMPACT_F_RECOVERY (m2mv_compact_flags()).
 *
 * Return: 0; -EOPNOTSUPP if the module lacks M2MV_CMD_STORE_RECOVERY;
 * -EPERM; -ENOENT (no such store); -EINVAL (not of type 15); -ENOKEY,
 * -EKEYREVOKED, -EKEYEXPIRED; -EKEYREJECTED (another key of @credid is
 * bound to the store); -E2BIG (a wrap policy names M2MV_RECIPIENTS_MAX
 * recipients); -EROFS; -EIO; -ENOMEM.
 */
int m2mv_recovery_set(struct m2mv_ctl *ctl, const char *store,
		      const char *credid);

/**
 * m2mv_recovery_get() - the recovery credential of an attached store
 * @ctl: the handle
 * @name: the store
 * @credid: out: M2MV_CREDID_MAX + 1 bytes, its Credential-ID
 *
 * Return: 0; -ENODATA (the store has none, or the module knows none);
 * -ENOENT (no such store); -EPERM; -ENOMEM; -EPROTO.
 */
int m2mv_recovery_get(struct m2mv_ctl *ctl, const char *name, char *credid);

/* Bit of struct m2mv_event_info's @present for attribute @attr. */
#define M2MV_EVENT_HAS(ev, attr) (((ev)->present >> (attr)) & 1)

/**
 * struct m2mv_event_info - one event from the "events" group
 * @event: enum m2mv_event
 * @present: bit (1 << M2MV_A_x) set for each attribute the event carried;
 *	test with M2MV_EVENT_HAS()
 * @name: NAME, the store
 * @path: PATH
 * @credid: CREDID
 * @seq: SEQ
 * @reason: REASON, a positive errno
 * @done: DONE, bytes
 * @total: TOTAL, bytes
 * @records: RECORDS
 * @file_bytes: FILE_BYTES
 * @integrity_errors: INTEGRITY_ERRORS
 */
struct m2mv_event_info {
	unsigned int event;
	uint64_t present;
	char name[M2MV_NAME_MAX];
	char path[M2MV_PATH_MAX + 1];
	char credid[M2MV_CREDID_MAX + 1];
	uint64_t seq;
	int reason;
	uint64_t done;
	uint64_t total;
	uint64_t records;
	uint64_t file_bytes;
	uint64_t integrity_errors;
};

/**
 * typedef m2mv_event_fn - receives events
 * @ev: the event, valid during the call
 * @arg: the caller's argument
 *
 * Return: 0 to go on; any other value stops m2mv_events_dispatch(), which
 * returns it.
 */
typedef int (*m2mv_event_fn)(const struct m2mv_event_info *ev, void *arg);

/**
 * m2mv_events_subscribe() - join the "events" multicast group
 * @ctl: the handle
 * @fn: called for each event by m2mv_events_dispatch()
 * @arg: passed to @fn
 *
 * Events arrive on a socket of their own, apart from command replies, so
 * commands may be issued on @ctl meanwhile. Subscribing again replaces @fn
 * and @arg.
 *
 * Return: 0, -ENOMEM, or a socket error (-EPERM if the kernel restricts
 * the group).
 */
int m2mv_events_subscribe(struct m2mv_ctl *ctl, m2mv_event_fn fn, void *arg);

/**
 * m2mv_events_fd() - the descriptor to poll(2) for events
 * @ctl: the handle
 *
 * Return: a descriptor that becomes readable when events wait, or -EINVAL
 * if not subscribed.
 */
int m2mv_events_fd(const struct m2mv_ctl *ctl);

/**
 * m2mv_events_dispatch() - wait for events and deliver them
 * @ctl: the handle
 * @timeout_ms: how long to wait for the first event (-1: forever, 0: do
 *	not wait)
 *
 * Delivers every event already queued once one arrives.
 *
 * Return: 0 after a timeout or after delivering the queued events; the
 * callback's non-zero value if it asked to stop; -ENOBUFS if events were
 * lost because the socket's buffer overflowed (call again to go on);
 * -EINTR if a signal interrupted the wait; -EINVAL if not subscribed;
 * other socket errors.
 */
int m2mv_events_dispatch(struct m2mv_ctl *ctl, int timeout_ms);

/**
 * m2mv_events_unsubscribe() - leave the group and close its socket
 * @ctl: the handle
 */
void m2mv_events_unsubscribe(struct m2mv_ctl *ctl);

#ifdef __cplusplus
}
#endif

#endif /* M2MVAULT_LIB_H */
