// SPDX-License-Identifier: GPL-2.0
/*
 * Control operations by store name: the glue between the netlink family
 * and the store, the policy table and the record pipeline.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/file.h>
#include <linux/string.h>

#include "control.h"
#include "cred.h"
#include "names.h"
#include "policy.h"
#include "store.h"
#include "vault.h"

/**
 * m2mv_ctl_attach() - attach the file open as @fd under @name
 * @name: checked store name
 * @fd: a file descriptor of the caller
 * @credid: the store key's Credential-ID (type 16), checked
 * @flags: M2MV_ATTACH_F_*
 * @grant: who may reach the store through the device
 * @anchor: NULL, or the freshness anchor the log must hold
 * @rep: out: what the scan found
 *
 * The store key is looked up in the caller's keyrings; only the keyed MAC
 * transform keeps it afterwards.
 *
 * Return: 0 or a negative errno (see Documentation/uapi.rst).
 */
int m2mv_ctl_attach(const char *name, int fd, const char *credid, u32 flags,
		    const struct m2mv_store_grant *grant,
		    const struct m2mv_anchor *anchor,
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
		ret = m2mv_store_attach(name, file, key, flags, grant, anchor,
					rep);
	memzero_explicit(key, sizeof(key));
	fput(file);
	return ret;
}

/* Detach @name; its policies go with it. Return: 0 or -ENOENT. */
int m2mv_ctl_detach(const char *name)
{
	return m2mv_store_detach(name);
}

/*
 * The identifier of the caller's key of @credid, for @mode: 0, -EINVAL
 * (malformed, or its type does not fit @mode), or a possession error.
 */
static int ctl_key_id(const char *credid, u8 mode, u8 id[M2MV_KEY_ID_SIZE])
{
	u8 key[M2MV_KEY_SIZE];
	unsigned int type;
	int ret;

	ret = m2mv_credid_parse(credid, strnlen(credid, M2MV_CREDID_MAX + 1),
				&type);
	if (ret)
		return ret;
	if (m2mv_cred_type_for_mode(mode) != type)
		return -EINVAL;
	ret = m2mv_cred_get(credid, mode, key);
	if (!ret)
		ret = m2mv_cred_key_id(key, id);
	memzero_explicit(key, sizeof(key));
	return ret;
}

/**
 * m2mv_ctl_policy_set() - set a policy, binding its credentials' keys
 * @name: checked store name
 * @prefix: the prefix
 * @len: its length
 * @credid: the credential; the caller must possess its key
 * @mode: enum m2mv_mode
 * @flags: M2MV_POLICY_F_*
 * @more: NULL, or (wrap) the recipients beyond @credid; the caller must
 *	possess each one's key too
 * @which: out, on a possession error or -EINVAL of a recipient: the
 *	position in @more of the one that failed, else -1
 *
 * Return: 0; -ENOENT (no such store); -EINVAL; -E2BIG (M2MV_RECIPIENTS_MAX
 * recipients in a store with a recovery credential); a possession error
 * (-ENOKEY, -EKEYREVOKED, -EKEYEXPIRED, -EACCES); -EKEYREJECTED (a
 * Credential-ID is bound to another key); -ENOMEM.
 */
int m2mv_ctl_policy_set(const char *name, const char *prefix, u16 len,
			const char *credid, u8 mode, u32 flags,
			const struct m2mv_kids *more, int *which)
{
	u8 ids[M2MV_RECIPIENTS_MAX - 1][M2MV_KEY_ID_SIZE];
	char kid[M2MV_CREDID_MAX + 1];
	u8 id[M2MV_KEY_ID_SIZE];
	struct m2mv_store *s;
	unsigned int i;
	int ret;

	*which = -1;
	if (more && m2mv_policy_rcpt_check(credid, mode, more))
		return -EINVAL;
	s = m2mv_store_get(name);
	if (!s)
		return -ENOENT;
	/* The recovery credential needs a recipient's place. */
	ret = 0;
	if (more && more->n + 1 >= M2MV_RECIPIENTS_MAX &&
	    !m2mv_store_recovery_get(s, kid, NULL))
		ret = -E2BIG;
	if (!ret)
		ret = ctl_key_id(credid, mode, id);
	for (i = 0; !ret && more && i < more->n; i++) {
		ret = ctl_key_id(more->kid[i], mode, ids[i]);
		if (ret)
			*which = i;
	}
	if (!ret)
		ret = m2mv_policy_set(m2mv_store_policies(s), prefix, len,
				      credid, mode, flags, id, more, &ids[0][0]);
	memzero_explicit(id, sizeof(id));
	memzero_explicit(ids, sizeof(ids));
	m2mv_store_put(s);
	return ret;
}

/**
 * m2mv_ctl_key_bind() - bind @credid to the identifier of the caller's key
 * @name: checked store name
 * @credid: checked Credential-ID
 *
 * Return: 0, -ENOENT, a possession error, -EKEYREJECTED, -ENOMEM.
 */
int m2mv_ctl_key_bind(const char *name, const char *credid)
{
	u8 id[M2MV_KEY_ID_SIZE];
	struct m2mv_store *s;
	unsigned int type;
	int ret;

	ret = m2mv_credid_parse(credid, strnlen(credid, M2MV_CREDID_MAX + 1),
				&type);
	if (ret)
		return ret;
	s = m2mv_store_get(name);
	if (!s)
		return -ENOENT;
	ret = ctl_key_id(credid, m2mv_cred_mode_for_type(type), id);
	if (!ret)
		ret = m2mv_policies_bind(m2mv_store_policies(s), credid, id);
	m2mv_store_put(s);
	return ret;
}

/* A wrap policy of M2MV_RECIPIENTS_MAX recipients leaves none for recovery. */
static int ctl_policy_full(void *ctx, const struct m2mv_policy_info *p)
{
	return p->mode == M2MV_MODE_WRAP && p->more &&
	       p->more->n + 1 >= M2MV_RECIPIENTS_MAX ? -E2BIG : 0;
}

/**
 * m2mv_ctl_recovery() - set or remove @name's recovery credential
 * @name: checked store name
 * @credid: a checked Credential-ID of type 15 whose key the caller
 *	possesses, or NULL to remove the store's recovery credential
 *
 * Return: 0; -ENOENT (no such store); -EINVAL (not of type 15); a
 * possession error; -EKEYREJECTED (bound to another key); -E2BIG (a wrap
 * policy names M2MV_RECIPIENTS_MAX recipients); or an error of
 * m2mv_store_recovery_set().
 */
int m2mv_ctl_recovery(const char *name, const char *credid)
{
	u8 key[M2MV_KEY_SIZE];
	struct m2mv_store *s;
	unsigned long idx = 0;
	unsigned int type;
	int ret;

	if (credid) {
		ret = m2mv_credid_parse(credid,
					strnlen(credid, M2MV_CREDID_MAX + 1),
					&type);
		if (ret)
			return ret;
		if (type != M2MV_CRED_TYPE_ESDATA_WRAP)
			return -EINVAL;
	}
	s = m2mv_store_get(name);
	if (!s)
		return -ENOENT;
	ret = 0;
	if (credid) {
		ret = m2mv_policy_walk(m2mv_store_policies(s), &idx,
				       ctl_policy_full, NULL);
		if (!ret)
			ret = m2mv_cred_get(credid, M2MV_MODE_WRAP, key);
	}
	if (!ret)
		ret = m2mv_store_recovery_set(s, credid, credid ? key : NULL);
	memzero_explicit(key, sizeof(key));
	m2mv_store_put(s);
	return ret;
}

/* Return: 0, or -ENOENT (no such store, or no policy for @prefix). */
int m2mv_ctl_policy_del(const char *name, const char *prefix, u16 len)
{
	struct m2mv_store *s = m2mv_store_get(name);
	int ret;

	if (!s)
		return -ENOENT;
	ret = m2mv_policy_del(m2mv_store_policies(s), prefix, len);
	m2mv_store_put(s);
	return ret;
}

/**
 * m2mv_ctl_verify() - scrub @name, checking each PUT as the pipeline would
 * @name: checked store name
 * @progress: see struct m2mv_verify_ops
 * @bad: see struct m2mv_verify_ops
 * @ctx: passed to @progress and @bad
 * @rep: out: what the scrub found
 *
 * Tags are checked in the caller's context, with the keys it possesses.
 *
 * Return: 0 or a negative errno; -ENOENT if no such store.
 */
int m2mv_ctl_verify(const char *name, m2mv_progress_fn progress,
		    m2mv_bad_fn bad, void *ctx,
		    struct m2mv_verify_report *rep)
{
	struct m2mv_verify_ops ops = {
		.check = m2mv_vault_check,
		.progress = progress,
		.bad = bad,
		.ctx = ctx,
	};
	struct m2mv_vault_scrub *vs;
	struct m2mv_store *s;
	int ret;

	memset(rep, 0, sizeof(*rep));
	s = m2mv_store_get(name);
	if (!s)
		return -ENOENT;
	vs = m2mv_vault_scrub_alloc();
	ret = -ENOMEM;
	if (vs) {
		ops.check_ctx = vs;
		ret = m2mv_store_verify(s, &ops, rep);
		m2mv_vault_scrub_free(vs);
	}
	m2mv_store_put(s);
	return ret;
}

/**
 * m2mv_ctl_compact() - rewrite @name's live records into the file @fd
 * @name: checked store name
 * @fd: an empty regular file open read-write
 * @credid: NULL, or a credential to re-seal every live record of its mode
 *	under (the caller must possess it and every old key concerned)
 * @flags: M2MV_COMPACT_F_*; RECOVERY (without @credid): every live wrap
 *	record gets the store's recovery credential as it is now (the
 *	caller must possess one named recipient's key of each it changes)
 * @progress: NULL, or called as the records are written
 * @ctx: passed to @progress
 * @rep: out: records and bytes of the new log
 *
 * Return: 0 or a negative errno; -ENOENT if no such store, -EBADF if @fd
 * is not open.
 */
int m2mv_ctl_compact(const char *name, int fd, const char *credid, u32 flags,
		     m2mv_progress_fn progress, void *ctx,
		     struct m2mv_compact_report *rep)
{
	struct m2mv_rewrap *w = NULL;
	struct m2mv_rotate *r = NULL;
	m2mv_xform_fn xform = NULL;
	void *xctx = NULL;
	struct m2mv_store *s;
	struct file *file;
	int ret;

	memset(rep, 0, sizeof(*rep));
	if ((flags & ~__M2MV_COMPACT_F_ALL) ||
	    ((flags & M2MV_COMPACT_F_RECOVERY) && credid))
		return -EINVAL;
	s = m2mv_store_get(name);
	if (!s)
		return -ENOENT;
	ret = -EBADF;
	file = fget(fd);
	if (!file)
		goto out_store;
	if (credid) {
		r = m2mv_vault_rotate_begin(s, credid);
		if (IS_ERR(r)) {
			ret = PTR_ERR(r);
			goto out_file;
		}
		xform = m2mv_vault_reseal;
		xctx = r;
	} else if (flags & M2MV_COMPACT_F_RECOVERY) {
		w = m2mv_vault_rewrap_begin(s);
		if (IS_ERR(w)) {
			ret = PTR_ERR(w);
			goto out_file;
		}
		xform = m2mv_vault_rewrap;
		xctx = w;
	}
	ret = m2mv_store_compact(s, file, xform, xctx, progress, ctx, rep);
	if (r)
		m2mv_vault_rotate_end(r);
	if (w)
		m2mv_vault_rewrap_end(w);
out_file:
	fput(file);
out_store:
	m2mv_store_put(s);
	return ret;
}
