// SPDX-License-Identifier: GPL-2.0
/*
 * Control operations: argument checks shared by every entry point, attach
 * and detach, and compaction with optional re-sealing under a new
 * credential (rotation).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "m2mvault.h"
#include "control.h"
#include "cred.h"
#include "jose.h"
#include "policy.h"
#include "record.h"
#include "seal.h"
#include "store.h"

/* A store name: 1-31 of [A-Za-z0-9._-], NUL-terminated within 32 bytes. */
int m2mv_check_name(const char *name)
{
	size_t len = strnlen(name, M2MV_NAME_MAX);
	size_t i;

	if (!len || len == M2MV_NAME_MAX)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!m2mv_isalnum(name[i]) && name[i] != '.' && name[i] != '_' &&
		    name[i] != '-')
			return -EINVAL;
	return 0;
}

/* A Credential-ID the module accepts, NUL-terminated within 256 bytes. */
int m2mv_check_credid(const char *credid)
{
	size_t len = strnlen(credid, M2MV_CREDID_MAX + 1);
	unsigned int type;

	if (len > M2MV_CREDID_MAX)
		return -EINVAL;
	return m2mv_credid_parse(credid, len, &type);
}

/* Resource paths and prefixes: [A-Za-z0-9._~/-]. */
bool m2mv_path_chars_ok(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!m2mv_isalnum(s[i]) && s[i] != '.' && s[i] != '_' &&
		    s[i] != '~' && s[i] != '/' && s[i] != '-')
			return false;
	return true;
}

/**
 * m2mv_ctl_attach() - attach the file open as @fd under @name
 * @name: checked store name
 * @fd: a file descriptor of the caller
 * @credid: the store key's Credential-ID (type 16), checked
 * @flags: M2MV_ATTACH_F_*
 * @rep: out: what the scan found
 *
 * The store key is looked up in the caller's keyrings; only the keyed MAC
 * transform keeps it afterwards.
 *
 * Return: 0 or a negative errno (see Documentation/uapi.rst).
 */
int m2mv_ctl_attach(const char *name, int fd, const char *credid, u32 flags,
		    struct m2mv_attach_report *rep)
{
	u8 key[M2MV_KEY_SIZE];
	struct file *file;
	int ret;

	if (flags & ~__M2MV_ATTACH_F_ALL)
		return -EINVAL;
	file = fget(fd);
	if (!file)
		return -EBADF;
	ret = m2mv_cred_get(credid, M2MV_MODE_MIC, key);
	if (!ret)
		ret = m2mv_store_attach(name, file, key, flags, rep);
	memzero_explicit(key, sizeof(key));
	fput(file);
	return ret;
}

const char *m2mv_ctl_attach_errmsg(int err)
{
	switch (err) {
	case -EEXIST:
		return "a store of that name is already attached";
	case -EBADF:
		return "fd is not open with the access the store needs";
	case -EINVAL:
		return "not a regular file";
	case -EBADMSG:
		return "not a m2mvault store (superblock magic, version or CRC)";
	case -EKEYREJECTED:
		return "the store key is not this store's, or not a type-16 key";
	case -ENOKEY:
		return "the store key is not in the caller's keyrings";
	case -EKEYREVOKED:
		return "the store key is revoked";
	case -EKEYEXPIRED:
		return "the store key has expired";
	default:
		return "attach failed";
	}
}

/* Detach @name and drop its policies. */
int m2mv_ctl_detach(const char *name)
{
	int ret = m2mv_store_detach(name);

	if (!ret)
		m2mv_policy_flush(name);
	return ret;
}

/* ------------------------------------------------------------- rotation */

struct m2mv_rotate {
	struct m2mv_store *s;
	const char *kid;		/* the new credential */
	u8 mode;			/* the mode it seals */
	u8 key[M2MV_KEY_SIZE];		/* its bytes */
	u8 old[M2MV_KEY_SIZE];
	char old_kid[M2MV_CREDID_MAX + 1];
	char hdr[M2MV_HDR_MAX];
};

/*
 * Re-seal one live PUT record under the new credential if it is sealed in
 * the new credential's mode under another one: open it with the old key
 * (which the caller must possess), then seal the plaintext anew. Returns 1
 * with @out built, 0 to copy @in unchanged, or a negative errno.
 */
static int m2mv_rotate_one(void *ctx, const struct m2mv_rec *in,
			   struct m2mv_rec *out)
{
	struct m2mv_rotate *r = ctx;
	struct m2mv_rec_shape shape = {
		.type = M2MV_REC_PUT,
		.mode = in->head->mode,
		.flags = in->head->flags,
		.path_len = m2mv_rec_path_len(in),
		.hdr_max = M2MV_HDR_MAX,
		.payload_len = m2mv_rec_payload_len(in),
	};
	struct m2mv_hdr_fields f = {
		.mode = in->head->mode,
		.instance = in->head->flags & M2MV_RECF_INSTANCE,
		.kid = r->kid,
		.path = in->path,
		.path_len = m2mv_rec_path_len(in),
		.version = le64_to_cpu(in->head->version),
		.store_id = m2mv_store_id(r->s),
		.nonce = in->head->nonce,
	};
	struct m2mv_rec tmp;
	u8 *copy;
	int ret;

	if (in->head->type != M2MV_REC_PUT || in->head->mode != r->mode)
		return 0;
	if (m2mv_jose_header_kid(in->hdr, m2mv_rec_hdr_len(in), r->old_kid))
		return -EBADMSG;
	if (!strcmp(r->old_kid, r->kid))
		return 0;

	/* Open a private copy: @in stays intact if anything fails. */
	copy = kvmalloc(m2mv_rec_len(in), GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, in->buf, m2mv_rec_len(in));
	ret = m2mv_rec_map(&tmp, copy, m2mv_rec_len(in));
	if (ret) {
		kvfree(copy);
		return ret;
	}
	ret = m2mv_cred_get(r->old_kid, tmp.head->mode, r->old);
	if (!ret)
		ret = m2mv_open(&tmp, r->old);
	memzero_explicit(r->old, sizeof(r->old));
	if (ret)
		goto out;

	ret = m2mv_rec_alloc(out, &shape);
	if (ret)
		goto out;
	out->head->version = in->head->version;
	memcpy(out->head->nonce, in->head->nonce, M2MV_NONCE_SIZE);
	memcpy(out->path, in->path, shape.path_len);
	memcpy(out->payload, tmp.payload, shape.payload_len);
	ret = m2mv_jose_header(out->hdr, M2MV_HDR_MAX, &f);
	if (ret >= 0)
		ret = m2mv_rec_set_hdr_len(out, ret);
	if (!ret)
		ret = m2mv_seal(out, r->key);
	if (ret)
		m2mv_rec_free(out);
	else
		ret = 1;
out:
	m2mv_rec_free(&tmp);
	return ret;
}

/**
 * m2mv_ctl_compact() - rewrite @name's live records into the file @fd
 * @name: checked store name
 * @fd: an empty regular file open read-write
 * @credid: NULL, or a credential to re-seal every live record of its mode
 *	under (the caller must possess it and every old key concerned)
 * @rep: out: records and bytes of the new log
 *
 * Return: 0 or a negative errno.
 */
int m2mv_ctl_compact(const char *name, int fd, const char *credid,
		     struct m2mv_compact_report *rep)
{
	struct m2mv_rotate *r = NULL;
	struct m2mv_store *s;
	struct file *file;
	unsigned int type;
	int ret;

	s = m2mv_store_get(name);
	if (!s)
		return -ENOENT;
	ret = -EBADF;
	file = fget(fd);
	if (!file)
		goto out_store;

	if (credid) {
		ret = -ENOMEM;
		r = kzalloc(sizeof(*r), GFP_KERNEL);
		if (!r)
			goto out_file;
		ret = m2mv_credid_parse(credid, strlen(credid), &type);
		if (ret)
			goto out_file;
		r->s = s;
		r->kid = credid;
		r->mode = type == M2MV_CRED_TYPE_ESDATA_WRAP ? M2MV_MODE_WRAP :
			  type == M2MV_CRED_TYPE_ESDATA_DIRECT ? M2MV_MODE_DIR :
			  M2MV_MODE_MIC;
		ret = m2mv_cred_get(credid, r->mode, r->key);
		if (ret)
			goto out_file;
	}

	ret = m2mv_store_compact(s, file, r ? m2mv_rotate_one : NULL, r, rep);
out_file:
	kfree_sensitive(r);
	fput(file);
out_store:
	m2mv_store_put(s);
	return ret;
}

const char *m2mv_ctl_compact_errmsg(int err)
{
	switch (err) {
	case -ENOENT:
		return "no store of that name is attached";
	case -EBADF:
		return "fd is not open read-write";
	case -EINVAL:
		return "the new file must be an empty regular file";
	case -EROFS:
		return "the store is attached read-only";
	case -ENOKEY:
		return "a key needed for re-sealing is not in the caller's keyrings";
	case -EBADMSG:
		return "a live record failed its integrity checks";
	default:
		return "compaction failed";
	}
}

u16 m2mv_ctr_attr(int counter)
{
	switch (counter) {
	case M2MV_STORE_CNT_PUTS:
		return M2MV_CTR_PUTS;
	case M2MV_STORE_CNT_GETS:
		return M2MV_CTR_GETS;
	case M2MV_STORE_CNT_DELETES:
		return M2MV_CTR_DELETES;
	case M2MV_STORE_CNT_INTEGRITY:
		return M2MV_CTR_INTEGRITY_FAILURES;
	default:
		return M2MV_CTR_KEY_REFUSALS;
	}
}
