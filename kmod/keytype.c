// SPDX-License-Identifier: GPL-2.0
/*
 * The "m2mvault" key type: 32-byte symmetric keys named by their oneM2M
 * Credential-ID.
 *
 * A generic "logon" key would also be unreadable from user space, but any
 * kernel facility that accepts logon keys (dm-crypt, ecryptfs, ...) could then
 * be pointed at a m2mvault credential. A type of our own confines the key
 * material to this module: it has no ->read, cannot be updated, and is wiped
 * when revoked and when destroyed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/key-type.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "keytype.h"
#include "names.h"

static int m2mv_key_vet_description(const char *desc)
{
	unsigned int type;

	return m2mv_credid_parse(desc, strnlen(desc, M2MV_CREDID_MAX + 1),
				 &type);
}

static int m2mv_key_preparse(struct key_preparsed_payload *prep)
{
	struct m2mv_key_payload *p;

	if (prep->datalen != M2MV_KEY_SIZE)
		return -EINVAL;

	p = kmalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	memcpy(p->key, prep->data, M2MV_KEY_SIZE);
	prep->payload.data[0] = p;
	prep->quotalen = sizeof(*p);
	return 0;
}

static void m2mv_key_free_preparse(struct key_preparsed_payload *prep)
{
	kfree_sensitive(prep->payload.data[0]);
}

/*
 * Called with key->sem held for writing; readers hold it for reading and
 * check key_validate() under it, so nobody sees the wiped bytes as a key.
 */
static void m2mv_key_revoke(struct key *key)
{
	struct m2mv_key_payload *p = key->payload.data[0];

	if (p)
		memzero_explicit(p->key, sizeof(p->key));
}

static void m2mv_key_destroy(struct key *key)
{
	kfree_sensitive(key->payload.data[0]);
	key->payload.data[0] = NULL;
}

static void m2mv_key_describe(const struct key *key, struct seq_file *m)
{
	seq_puts(m, key->description);
	if (key_is_positive(key))
		seq_printf(m, ": %u", M2MV_KEY_SIZE);
}

/* No .read and no .update: key material never leaves the kernel. */
struct key_type m2mv_key_type = {
	.name			= M2MV_KEY_TYPE,
	.vet_description	= m2mv_key_vet_description,
	.preparse		= m2mv_key_preparse,
	.free_preparse		= m2mv_key_free_preparse,
	.instantiate		= generic_key_instantiate,
	.revoke			= m2mv_key_revoke,
	.destroy		= m2mv_key_destroy,
	.describe		= m2mv_key_describe,
};

int m2mv_keytype_init(void)
{
	return register_key_type(&m2mv_key_type);
}

void m2mv_keytype_exit(void)
{
	unregister_key_type(&m2mv_key_type);
}
