/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The record pipeline, in one place: policy -> key -> protected header ->
 * seal (PUT), and lookup -> read -> header check -> key -> open (GET), for
 * the data plane; re-sealing under a new credential for rotation; and the
 * per-record check of the scrub. Keys are looked up in the calling task's
 * keyrings, on every operation, and wiped as soon as they are used.
 *
 * Every function may sleep. The data-plane calls take a scratch structure
 * (too big for the stack) whose path the caller fills in first.
 */
#ifndef _M2MV_VAULT_H
#define _M2MV_VAULT_H

#include <linux/fs.h>
#include <linux/types.h>
#include <linux/m2mvault.h>

#include "policy.h"
#include "record.h"

struct m2mv_entry;
struct m2mv_store;

/* Scratch of one data-plane operation. */
struct m2mv_vop {
	char path[M2MV_PATH_MAX];	/* set by the caller */
	u16 path_len;			/* set by the caller */
	char kid[M2MV_CREDID_MAX + 1];	/* out: the record's Credential-ID
					 * (its first recipient's)
					 */
	struct m2mv_kids kids;		/* out: the record's recipients */
	u8 key[M2MV_KEY_SIZE];
	u8 keys[M2MV_RECIPIENTS_MAX][M2MV_KEY_SIZE];	/* PUT, DELETE */
	char hdr[M2MV_HDR_MAX];
	struct m2mv_policy_match pol;
};

struct m2mv_vop *m2mv_vop_alloc(void);
void m2mv_vop_free(struct m2mv_vop *op);

int m2mv_vault_put(struct m2mv_store *s, struct m2mv_vop *op,
		   const void __user *data, u32 len, u64 *version, u64 *seq,
		   loff_t *end);
int m2mv_vault_get(struct m2mv_store *s, struct m2mv_vop *op,
		   void __user *buf, u32 *len, u64 *version);
int m2mv_vault_delete(struct m2mv_store *s, struct m2mv_vop *op,
		      u64 *version, loff_t *end);
int m2mv_vault_read(struct m2mv_store *s, struct m2mv_vop *op,
		    struct m2mv_entry *e, struct m2mv_rec *rec);

/* The scrub's per-PUT check (an m2mv_check_fn) and its context. */
struct m2mv_vault_scrub;
struct m2mv_vault_scrub *m2mv_vault_scrub_alloc(void);
void m2mv_vault_scrub_free(struct m2mv_vault_scrub *vs);
int m2mv_vault_check(void *ctx, struct m2mv_store *s,
		     const struct m2mv_rec *rec, const char **what,
		     int *reason);

/* Rotation: re-seal under a new credential (an m2mv_xform_fn). */
struct m2mv_rotate;
struct m2mv_rotate *m2mv_vault_rotate_begin(struct m2mv_store *s,
					    const char *credid);
void m2mv_vault_rotate_end(struct m2mv_rotate *r);
int m2mv_vault_reseal(void *ctx, const struct m2mv_rec *in,
		      struct m2mv_rec *out);

/*
 * The recovery credential: every live wrap record as the store's recovery
 * credential wants it (an m2mv_xform_fn).
 */
struct m2mv_rewrap;
struct m2mv_rewrap *m2mv_vault_rewrap_begin(struct m2mv_store *s);
void m2mv_vault_rewrap_end(struct m2mv_rewrap *r);
int m2mv_vault_rewrap(void *ctx, const struct m2mv_rec *in,
		      struct m2mv_rec *out);

#endif /* _M2MV_VAULT_H */
