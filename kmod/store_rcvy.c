// SPDX-License-Identifier: GPL-2.0
/*
 * The store's recovery credential: an offline type-15 key that the store
 * adds as the last recipient of every wrap record it seals, so that an
 * operator who has lost every other key path (TEF, agent state) can still
 * recover the records with that key alone.
 *
 * The key is given once, by an administrator who possesses it; the store
 * keeps it in memory and in a RCVY record of its log, wrapped under
 * KEK = HMAC-SHA256(store key, "m2mvault recovery" || store id || kid),
 * so that it survives a detach and needs no keyring afterwards. The last
 * RCVY record of the log holds (one with no Credential-ID removes it), the
 * chain MAC covers it as every record, and a compaction writes the one in
 * force as the first record of the new log.
 *
 * s->rcvy changes under append_lock and rcvy_lock together; PUTs read it
 * under rcvy_lock alone.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "cred.h"
#include "names.h"
#include "record.h"
#include "seal.h"
#include "store_priv.h"

#define M2MV_RCVY_LABEL		"m2mvault recovery"

/* The key that wraps the recovery key of @kid in @s's log. */
static int rcvy_kek(struct m2mv_store *s, const char *kid, u8 kid_len,
		    u8 kek[M2MV_KEY_SIZE])
{
	SHASH_DESC_ON_STACK(desc, s->tfm);
	int ret;

	BUILD_BUG_ON(M2MV_CHAIN_SIZE != M2MV_KEY_SIZE);
	desc->tfm = s->tfm;
	ret = crypto_shash_init(desc);
	if (!ret)
		ret = crypto_shash_update(desc, M2MV_RCVY_LABEL,
					  strlen(M2MV_RCVY_LABEL));
	if (!ret)
		ret = crypto_shash_update(desc, s->store_id,
					  M2MV_STORE_ID_SIZE);
	if (!ret)
		ret = crypto_shash_update(desc, kid, kid_len);
	if (!ret)
		ret = crypto_shash_final(desc, kek);
	shash_desc_zero(desc);
	return ret;
}

/*
 * A RCVY record for @r (NULL: the one that removes the recovery
 * credential); seq, time, chain and CRC are the writer's.
 */
static int rcvy_rec_alloc(const struct m2mv_rcvy *r, struct m2mv_rec *rec)
{
	u8 kid_len = r ? r->kid_len : 0;
	struct m2mv_rec_shape shape = {
		.type = M2MV_REC_RCVY,
		.mode = M2MV_MODE_NONE,
		.payload_len = ALIGN(sizeof(struct m2mv_disk_rcvy) + kid_len, 8),
	};
	struct m2mv_disk_rcvy *d;
	int ret;

	ret = m2mv_rec_alloc(rec, &shape);
	if (ret)
		return ret;
	d = (struct m2mv_disk_rcvy *)rec->payload;
	d->kid_len = kid_len;
	if (r) {
		memcpy(d->wrapped, r->wrapped, sizeof(d->wrapped));
		memcpy(d + 1, r->kid, kid_len);
	}
	return 0;
}

/*
 * Bind @r's Credential-ID to its key's identifier, as a policy would; with
 * @check only, see that nothing stands in the way (0 if the binding exists
 * already or may be made, else -EKEYREJECTED or -ENODEV).
 */
static int rcvy_bind(struct m2mv_store *s, const struct m2mv_rcvy *r,
		     bool check)
{
	u8 id[M2MV_KEY_ID_SIZE];
	int ret;

	ret = m2mv_cred_key_id(r->key, id);
	if (!ret && check) {
		ret = m2mv_policies_check(&s->policies, r->kid, id);
		if (ret == -ENOENT)
			ret = 0;
	} else if (!ret) {
		ret = m2mv_policies_bind(&s->policies, r->kid, id);
	}
	memzero_explicit(id, sizeof(id));
	return ret;
}

/**
 * m2mv_store_recovery_set() - give @s a recovery credential, or take it away
 * @s: the store
 * @kid: a checked type-15 Credential-ID, or NULL to remove the credential
 * @key: @kid's key (the caller established possession); NULL with @kid
 *
 * The RCVY record is appended and flushed before the store uses the key:
 * once this returns 0, every wrap record sealed later has it as its last
 * recipient, and so do those after a re-attach. Records sealed before keep
 * what they have (a compaction with M2MV_COMPACT_F_RECOVERY brings them
 * in line). The Credential-ID is bound to @key's identifier.
 *
 * Return: 0; -EINVAL; -EKEYREJECTED (@kid bound to another key); -ENODEV,
 * -EROFS, -EIO, -ENOMEM, or the file system's error, and then nothing
 * changed (a failed flush is sticky: the store refuses writes until it is
 * attached again, and the RCVY record may or may not be durable).
 */
int m2mv_store_recovery_set(struct m2mv_store *s, const char *kid,
			    const u8 key[32])
{
	struct m2mv_rcvy *r = NULL;
	struct m2mv_rec rec = {};
	u8 kek[M2MV_KEY_SIZE];
	u64 seq;
	loff_t end;
	size_t len;
	int ret;

	if (kid) {
		len = strnlen(kid, M2MV_CREDID_MAX + 1);
		if (!len || len > M2MV_CREDID_MAX)
			return -EINVAL;
		r = kzalloc(sizeof(*r), GFP_KERNEL);
		if (!r)
			return -ENOMEM;
		r->set = true;
		r->loaded = true;
		r->kid_len = len;
		memcpy(r->kid, kid, len);
		memcpy(r->key, key, M2MV_KEY_SIZE);
		ret = rcvy_kek(s, r->kid, r->kid_len, kek);
		if (!ret)
			ret = m2mv_kw_wrap(kek, r->key, r->wrapped);
		memzero_explicit(kek, sizeof(kek));
		if (!ret)
			ret = rcvy_bind(s, r, true);
		if (ret)
			goto out;
	}
	ret = rcvy_rec_alloc(r, &rec);
	if (ret)
		goto out;

	mutex_lock(&s->append_lock);
	ret = m2mv_store_append_meta(s, &rec, &seq, &end);
	if (!ret) {
		spin_lock(&s->rcvy_lock);
		if (r)
			s->rcvy = *r;
		else
			memzero_explicit(&s->rcvy, sizeof(s->rcvy));
		spin_unlock(&s->rcvy_lock);
	}
	mutex_unlock(&s->append_lock);
	if (!ret)
		ret = m2mv_store_sync(s, end);
	/* Checked above: only a detach or a race with another set fails. */
	if (!ret && r)
		ret = rcvy_bind(s, r, false);
	if (!ret)
		pr_info("store %s: recovery credential %s%s\n", s->name,
			r ? "set to " : "removed", r ? r->kid : "");
out:
	m2mv_rec_free(&rec);
	kfree_sensitive(r);
	return ret;
}

/**
 * m2mv_store_recovery_get() - the recovery credential in force
 * @s: the store
 * @kid: out: its Credential-ID, M2MV_CREDID_MAX + 1 bytes
 * @key: out: its key, or NULL; the caller wipes it
 *
 * Return: 0, or -ENOENT if @s has none.
 */
int m2mv_store_recovery_get(struct m2mv_store *s, char *kid, u8 *key)
{
	int ret = -ENOENT;

	spin_lock(&s->rcvy_lock);
	if (s->rcvy.set && s->rcvy.loaded) {
		memcpy(kid, s->rcvy.kid, s->rcvy.kid_len);
		kid[s->rcvy.kid_len] = '\0';
		if (key)
			memcpy(key, s->rcvy.key, M2MV_KEY_SIZE);
		ret = 0;
	}
	spin_unlock(&s->rcvy_lock);
	return ret;
}

/* The attach scan met a RCVY record: the last one met holds. */
void m2mv_rcvy_note(struct m2mv_store *s, const struct m2mv_rec *rec)
{
	const struct m2mv_disk_rcvy *d = (const void *)rec->payload;

	memzero_explicit(&s->rcvy, sizeof(s->rcvy));
	if (!d->kid_len)
		return;
	s->rcvy.set = true;
	s->rcvy.kid_len = d->kid_len;
	memcpy(s->rcvy.kid, d + 1, d->kid_len);
	memcpy(s->rcvy.wrapped, d->wrapped, sizeof(d->wrapped));
}

/**
 * m2mv_rcvy_load() - after the attach scan: unwrap the recovery key noted
 * @s: the store, not yet visible to anyone
 *
 * A Credential-ID that is not of type 15, or a key that does not unwrap
 * (the record was sealed under another store key: it cannot pass the
 * chain otherwise), leaves the store without a recovery credential and
 * counts as an integrity error.
 *
 * Return: 0, 1 if the noted credential was refused, or -ENOMEM.
 */
int m2mv_rcvy_load(struct m2mv_store *s)
{
	struct m2mv_rcvy *r = &s->rcvy;
	u8 kek[M2MV_KEY_SIZE];
	unsigned int type;
	int ret;

	if (!r->set)
		return 0;
	ret = m2mv_credid_parse(r->kid, r->kid_len, &type);
	if (!ret && type != M2MV_CRED_TYPE_ESDATA_WRAP)
		ret = -EINVAL;
	if (!ret)
		ret = rcvy_kek(s, r->kid, r->kid_len, kek);
	if (!ret)
		ret = m2mv_kw_unwrap(kek, r->wrapped, r->key);
	memzero_explicit(kek, sizeof(kek));
	if (!ret)
		ret = rcvy_bind(s, r, false);
	if (ret == -ENOMEM)
		return ret;
	if (ret) {
		pr_warn("store %s: the recovery credential %s of the log is refused (%d): the store has none\n",
			s->name, r->kid, ret);
		memzero_explicit(r, sizeof(*r));
		return 1;
	}
	r->loaded = true;
	return 0;
}

/**
 * m2mv_rcvy_rec() - the RCVY record a compacted log starts with
 * @s: the store, its append lock held
 * @rec: out: the record, if the store has a recovery credential
 *
 * Return: 1 with @rec built, 0 if the store has none, or -ENOMEM.
 */
int m2mv_rcvy_rec(struct m2mv_store *s, struct m2mv_rec *rec)
{
	int ret;

	/* s->rcvy changes only under the append lock: no copy is needed. */
	lockdep_assert_held(&s->append_lock);
	if (!s->rcvy.set || !s->rcvy.loaded)
		return 0;
	ret = rcvy_rec_alloc(&s->rcvy, rec);
	return ret ? ret : 1;
}
