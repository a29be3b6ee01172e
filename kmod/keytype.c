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

#include "m2mvault.h"
#include "keytype.h"

static bool m2mv_credid_char_ok(char c)
{
	return m2mv_isalnum(c) || c == '.' || c == '_' || c == '@' || c == '-';
}

/**
 * m2mv_credid_parse() - validate a Credential-ID and return its type
 * @desc: the Credential-ID, not necessarily NUL-terminated
 * @len: its length in bytes
 * @type: out: the decimal type in front of the first '-'
 *
 * Return: 0, or -EINVAL if @desc is not "<type>-<value>" with a type this
 * module knows and a value of [A-Za-z0-9._@-]+, at most M2MV_CREDID_MAX bytes.
 */
int m2mv_credid_parse(const char *desc, size_t len, unsigned int *type)
{
	unsigned int t = 0;
	size_t i = 0;

	if (len == 0 || len > M2MV_CREDID_MAX)
		return -EINVAL;

	/* At most three digits, no leading zero. */
	while (i < len && i < 3 && m2mv_isdigit(desc[i])) {
		if (i == 0 && desc[i] == '0')
			return -EINVAL;
		t = t * 10 + (desc[i] - '0');
		i++;
	}
	if (i == 0 || i >= len || desc[i] != '-')
		return -EINVAL;
	i++;
	if (i >= len)
		return -EINVAL;
	for (; i < len; i++)
		if (!m2mv_credid_char_ok(desc[i]))
			return -EINVAL;

	switch (t) {
	case M2MV_CRED_TYPE_ESDATA_DIRECT:
	case M2MV_CRED_TYPE_ESDATA_WRAP:
	case M2MV_CRED_TYPE_ESDATA_HMAC:
		*type = t;
		return 0;
	default:
		return -EINVAL;
	}
}

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
