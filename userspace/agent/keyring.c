// SPDX-License-Identifier: GPL-2.0
/*
 * The keyrings m2mvaultd puts keys in (Documentation/admin-guide.rst,
 * "Keyrings"):
 *
 *  - session mode: a keyring named [keyring] name, linked into the agent's
 *    user keyring so that it outlives the agent, owned by the agent with
 *    the group cse_gid. CSE processes join it as their session keyring
 *    (keyctl_join_session_keyring(), "keyctl session NAME CMD"), which the
 *    kernel allows to whoever may search it without possessing it: the
 *    owner, and the group if cse_gid is set. Once joined they possess it
 *    and the keys in it. Possessors may view, read (list) and search it;
 *    only the owner may change it.
 *  - user mode: the user keyring of cse_uid. Every process of that user
 *    whose session keyring links its user keyring (pam_keyinit, systemd's
 *    KeyringMode=shared, or no session keyring at all) possesses the keys.
 *    The agent keeps its own link to each data key in its process keyring
 *    too: the kernel takes the key a policy binds from the keyrings of the
 *    one who sets the policy (in session mode the named keyring, linked
 *    there, does the same).
 *
 * Keys grant possessors view, search and link; their owner (the agent's
 * user) view, link and setattr, for "keyctl revoke" and "keyctl timeout";
 * group and others nothing. A process of another user that does not
 * possess a key cannot even see it, and no possessor can change its
 * timeout or permissions (AGENT_KEY_PERM).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"

#define RING_PERM_POS	(KEY_POS_VIEW | KEY_POS_READ | KEY_POS_SEARCH)
#define RING_PERM_GRP	(KEY_GRP_VIEW | KEY_GRP_READ | KEY_GRP_SEARCH)

struct ids {
	uid_t r, e, s;
	int switched;
};

/* Act as cse_uid for an operation on its user keyring (user mode only). */
static int become_cse(const struct agent_config *cfg, struct ids *saved)
{
	saved->switched = 0;
	if (getresuid(&saved->r, &saved->e, &saved->s))
		return -errno;
	if (saved->r == cfg->cse_uid && saved->e == cfg->cse_uid)
		return 0;
	/* The saved uid keeps the way back. */
	if (setresuid(cfg->cse_uid, cfg->cse_uid, saved->e))
		return -errno;
	saved->switched = 1;
	return 0;
}

static void back_from_cse(const struct ids *saved)
{
	if (!saved->switched)
		return;
	if (setresuid(saved->r, saved->e, saved->s)) {
		agent_err("cannot switch back from uid %u: %s; stopping",
			  (unsigned int)getuid(), strerror(errno));
		_exit(70);
	}
}

static int describe(key_serial_t id, uid_t *uid)
{
	char *d = NULL, type[32];
	unsigned int u, g, perm;
	int ret = 0;

	if (keyctl_describe_alloc(id, &d) < 0)
		return -errno;
	if (sscanf(d, "%31[^;];%u;%u;%x;", type, &u, &g, &perm) != 4 ||
	    strcmp(type, "keyring"))
		ret = -EPROTO;
	else
		*uid = u;
	free(d);
	return ret;
}

/*
 * The agent may run with a session keyring that does not link its user
 * keyring (systemd's KeyringMode=private): then it does not possess what
 * is in its user keyring, and has only the owner's permissions on it. So
 * a new keyring is made in the agent's process keyring, where the agent
 * possesses it and may set its permissions, and linked into the user
 * keyring only then. Either way it ends up linked in the process keyring,
 * so that the agent possesses it, and the keys in it, while it runs.
 */
static int open_named(const struct agent_config *cfg, key_serial_t *ring)
{
	const char *name = cfg->keyring_name;
	key_perm_t perm = RING_PERM_POS | KEY_USR_ALL;
	key_serial_t r;
	int ret, created = 0;
	uid_t owner = 0;

	r = keyctl_search(KEY_SPEC_USER_KEYRING, "keyring", name, 0);
	if (r < 0 && errno != ENOKEY && errno != EKEYEXPIRED &&
	    errno != EKEYREVOKED) {
		ret = -errno;
		agent_err("keyring %s: searching the user keyring: %s", name,
			  strerror(-ret));
		return ret;
	}
	if (r < 0) {
		r = add_key("keyring", name, NULL, 0, KEY_SPEC_PROCESS_KEYRING);
		if (r < 0) {
			ret = -errno;
			agent_err("keyring %s: cannot create it: %s", name,
				  strerror(-ret));
			return ret;
		}
		created = 1;
	} else {
		ret = describe(r, &owner);
		if (ret) {
			agent_err("keyring %s (%d): cannot describe it: %s", name,
				  r, strerror(-ret));
			return ret;
		}
		if (owner != geteuid()) {
			agent_err("keyring %s (%d) belongs to uid %u, not to the agent (uid %u)",
				  name, r, (unsigned int)owner,
				  (unsigned int)geteuid());
			return -EPERM;
		}
		if (keyctl_link(r, KEY_SPEC_PROCESS_KEYRING) < 0) {
			ret = -errno;
			agent_err("keyring %s (%d): cannot link it into the agent's process keyring: %s%s",
				  name, r, strerror(-ret),
				  ret == -EACCES ? " (not made by m2mvaultd? unlink it from the user keyring)" : "");
			return ret;
		}
	}
	if (cfg->have_cse_gid) {
		if (keyctl_chown(r, (uid_t)-1, cfg->cse_gid) < 0) {
			ret = -errno;
			agent_err("keyring %s: cannot give it group %u: %s%s", name,
				  (unsigned int)cfg->cse_gid, strerror(-ret),
				  ret == -EACCES ?
				  " (the agent must be in that group, or have CAP_SYS_ADMIN)" : "");
			goto fail;
		}
		perm |= RING_PERM_GRP;
	}
	if (keyctl_setperm(r, perm) < 0) {
		ret = -errno;
		agent_err("keyring %s: cannot set its permissions: %s", name,
			  strerror(-ret));
		goto fail;
	}
	if (created) {
		if (keyctl_link(r, KEY_SPEC_USER_KEYRING) < 0) {
			ret = -errno;
			agent_err("keyring %s: cannot link it into the user keyring: %s",
				  name, strerror(-ret));
			goto fail;
		}
		agent_notice("created keyring %s (%d), linked into the user keyring of uid %u",
			     name, r, (unsigned int)geteuid());
	} else {
		agent_info("using keyring %s (%d)", name, r);
	}
	*ring = r;
	return 0;
fail:
	keyctl_unlink(r, KEY_SPEC_PROCESS_KEYRING);
	return ret;
}

int agent_keyring_open(const struct agent_config *cfg, key_serial_t *ring)
{
	struct ids ids;
	key_serial_t r;
	int ret;

	if (cfg->keyring_mode == AGENT_KEYRING_SESSION)
		return open_named(cfg, ring);

	/* User mode: make sure cse_uid's user keyring exists and we may act
	 * on it. */
	ret = become_cse(cfg, &ids);
	if (ret) {
		agent_err("cannot act as uid %u for its user keyring: %s",
			  (unsigned int)cfg->cse_uid, strerror(-ret));
		return ret;
	}
	r = keyctl_get_keyring_ID(KEY_SPEC_USER_KEYRING, 1);
	ret = r < 0 ? -errno : 0;
	back_from_cse(&ids);
	if (ret) {
		agent_err("user keyring of uid %u: %s",
			  (unsigned int)cfg->cse_uid, strerror(-ret));
		return ret;
	}
	agent_info("using the user keyring of uid %u (%d)",
		   (unsigned int)cfg->cse_uid, r);
	*ring = KEY_SPEC_USER_KEYRING;
	return 0;
}

static int link_into(const struct agent_config *cfg, key_serial_t key,
		     key_serial_t ring)
{
	struct ids ids;
	int ret;

	if (ring != KEY_SPEC_USER_KEYRING)
		return keyctl_link(key, ring) < 0 ? -errno : 0;
	ret = become_cse(cfg, &ids);
	if (ret)
		return ret;
	ret = keyctl_link(key, KEY_SPEC_USER_KEYRING) < 0 ? -errno : 0;
	back_from_cse(&ids);
	return ret;
}

int agent_key_load(const struct agent_config *cfg, key_serial_t ring,
		   const char *credid, const uint8_t key[M2MV_KEY_LEN],
		   unsigned int timeout, key_serial_t *id)
{
	key_serial_t k;
	int ret;

	/* Made in our own process keyring, which no one else possesses. */
	k = add_key(M2MV_KEY_TYPE, credid, key, M2MV_KEY_LEN,
		    KEY_SPEC_PROCESS_KEYRING);
	if (k < 0)
		return -errno;
	if (keyctl_set_timeout(k, timeout) < 0 ||
	    keyctl_setperm(k, AGENT_KEY_PERM) < 0) {
		ret = -errno;
		keyctl_revoke(k);
		keyctl_unlink(k, KEY_SPEC_PROCESS_KEYRING);
		return ret;
	}
	if (ring) {
		ret = link_into(cfg, k, ring);
		/*
		 * Dropping our link destroys it if linking failed. In user
		 * mode the agent keeps it, to possess what it binds.
		 */
		if (ret || ring != KEY_SPEC_USER_KEYRING)
			keyctl_unlink(k, KEY_SPEC_PROCESS_KEYRING);
		if (ret)
			return ret;
	}
	if (id)
		*id = k;
	return 0;
}

int agent_key_present(const struct agent_config *cfg, key_serial_t ring,
		      const char *credid)
{
	struct ids ids;
	key_serial_t k;
	int ret;

	if (ring == KEY_SPEC_USER_KEYRING) {
		ret = become_cse(cfg, &ids);
		if (ret)
			return ret;
		k = keyctl_search(KEY_SPEC_USER_KEYRING, M2MV_KEY_TYPE, credid, 0);
		ret = k < 0 ? -errno : 0;
		back_from_cse(&ids);
		/* Possess it again (an earlier run had the link), to bind it. */
		if (!ret && keyctl_link(k, KEY_SPEC_PROCESS_KEYRING) < 0)
			agent_warn("%s: cannot link it into the agent's process keyring: %s",
				   credid, strerror(errno));
	} else {
		k = keyctl_search(ring, M2MV_KEY_TYPE, credid, 0);
		ret = k < 0 ? -errno : 0;
	}
	if (!ret)
		return 1;
	if (ret == -EKEYREVOKED)
		return 2;
	if (ret == -ENOKEY || ret == -EKEYEXPIRED)
		return 0;
	return ret;
}

void agent_key_drop(key_serial_t id)
{
	keyctl_unlink(id, KEY_SPEC_PROCESS_KEYRING);
}
