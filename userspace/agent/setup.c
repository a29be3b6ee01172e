// SPDX-License-Identifier: GPL-2.0
/*
 * What m2mvaultd does to the system: generations of data credentials,
 * the store (with its grant: the CSE's owner, group and mode), the
 * policies, and the bindings of older credentials' keys.
 *
 * A generation is one set of data credentials, one per Credential-ID type
 * the policies need, registered in one bootstrap session. The policies
 * always name the newest generation. Renewal makes the next one: its keys
 * are in the CSE's keyring before the policies switch to it, and the old
 * keys stay there until their timeouts expire them, so a PUT never finds
 * its policy's key missing, and older records stay readable while their
 * credentials live.
 *
 * The kernel binds each Credential-ID to its key's identifier when a
 * policy names it, taking the key from the agent's own keyrings, and
 * accepts no other key under that name afterwards. Bindings go with the
 * store: after a re-attach only the current generation's policies have
 * bound theirs again, so the agent binds the older generations it still
 * holds with M2MV_CMD_KEY_BIND.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "agent/agent.h"
#include "common/mode.h"
#include "lib/m2mvault.h"

static const char *ctl_why(const struct agent *a)
{
	return m2mv_ctl_last_error(a->ctl);
}

static int save_state(struct agent *a)
{
	int ret;

	agent_state_prune(&a->state, time(NULL));
	ret = agent_state_save(a->cfg.state_file, &a->state);
	if (ret)
		agent_err("%s: cannot save the state: %s", a->cfg.state_file,
			  strerror(-ret));
	return ret;
}

/* Is the store attached already (by an earlier run)? */
static int store_attached(struct agent *a, int *attached)
{
	struct m2mv_store_info *list = NULL;
	char real[PATH_MAX];
	size_t n = 0;
	int ret;

	ret = m2mv_status(a->ctl, a->cfg.store_name, &list, &n);
	if (ret == -ENOENT || (!ret && n == 0)) {
		free(list);
		*attached = 0;
		return 0;
	}
	if (ret) {
		agent_err("store %s: cannot ask the module for its status: %s",
			  a->cfg.store_name, m2mv_strerror(ret));
		return ret;
	}
	*attached = 1;
	if (list[0].perm != M2MV_PERM_NONE &&
	    (list[0].owner != a->cfg.store_owner ||
	     list[0].group != a->cfg.store_group ||
	     list[0].perm != a->cfg.store_perm))
		agent_warn("store %s is attached with owner %u, group %u, mode %04o, not %u, %u, %04o as configured; leaving it so (detach it to change them)",
			   a->cfg.store_name, (unsigned int)list[0].owner,
			   (unsigned int)list[0].group, list[0].perm,
			   (unsigned int)a->cfg.store_owner,
			   (unsigned int)a->cfg.store_group, a->cfg.store_perm);
	if (realpath(a->cfg.store_file, real) && strcmp(real, list[0].file))
		agent_warn("store %s is attached with file %s, not %s as configured; leaving it so",
			   a->cfg.store_name, list[0].file, a->cfg.store_file);
	else
		agent_info("store %s is already attached (%s)",
			   a->cfg.store_name, list[0].file);
	free(list);
	return 0;
}

/*
 * The first-run rule: only a store file that does not exist is made new
 * (O_CREAT | O_EXCL, mode 0600, *@created set) and attached with
 * M2MV_ATTACH_F_CREATE. A file that exists, even empty, must be the store:
 * the agent never formats a file it did not create itself.
 */
static int open_store_file(struct agent *a, off_t *size, int *created)
{
	const int flags = O_RDWR | O_CLOEXEC | O_NOFOLLOW;
	struct stat st;
	int fd;

	*created = 0;
	fd = open(a->cfg.store_file, flags | O_CREAT | O_EXCL, 0600);
	if (fd >= 0)
		*created = 1;
	else if (errno == EEXIST)
		fd = open(a->cfg.store_file, flags);
	if (fd < 0) {
		agent_err("store file %s: %s", a->cfg.store_file,
			  strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		agent_err("store file %s: not a regular file", a->cfg.store_file);
		close(fd);
		return -EINVAL;
	}
	if (*created)
		agent_notice("store file %s did not exist: first run, making a new store",
			     a->cfg.store_file);
	if (!*created && !st.st_size) {
		agent_err("store file %s exists but is empty: m2mvaultd formats only a store file it creates itself; remove the empty file to have a new store made, or put the store's file back",
			  a->cfg.store_file);
		close(fd);
		return -ENODATA;
	}
	if (st.st_mode & 0077)
		agent_warn("store file %s: mode %04o lets others read it (0600 is enough)",
			   a->cfg.store_file, (unsigned int)(st.st_mode & 07777));
	*size = st.st_size;
	return fd;
}

/*
 * Attach the store file @fd: a new store if the agent @created it; an
 * existing one must hold @want, the anchor the TEF kept, if any.
 */
static int attach(struct agent *a, int fd, int created, const char *store_key,
		  const struct m2mv_tef_anchor *want)
{
	const struct m2mv_attach_access acc = {
		.set = M2MV_ACCESS_OWNER | M2MV_ACCESS_GROUP | M2MV_ACCESS_PERM,
		.owner = (uint32_t)a->cfg.store_owner,
		.group = (uint32_t)a->cfg.store_group,
		.perm = a->cfg.store_perm,
	};
	struct m2mv_attach_info info;
	struct m2mv_anchor an;
	unsigned int flags = created ? M2MV_ATTACH_F_CREATE : 0;
	int ret;

	if (want) {
		an.seq = want->seq;
		memcpy(an.chain, want->chain, sizeof(an.chain));
		if (a->accept_stale)
			flags |= M2MV_ATTACH_F_STALE_OK;
	}
	ret = m2mv_attach_anchored(a->ctl, a->cfg.store_name, fd, store_key,
				   flags, &acc, want ? &an : NULL, &info);
	if (ret == -ESTALE) {
		agent_anchor_refused(a, want);
		return ret;
	}
	if (ret) {
		agent_err("attaching store %s (%s): %s%s%s", a->cfg.store_name,
			  a->cfg.store_file, m2mv_strerror(ret),
			  *ctl_why(a) ? ": " : "", ctl_why(a));
		return ret;
	}
	a->attached_here = 1;
	if (flags & M2MV_ATTACH_F_STALE_OK)
		agent_warn("store %s attached with --accept-stale: a log without its freshness anchor (seq %llu) was let through, and its own position replaces it",
			   a->cfg.store_name, (unsigned long long)want->seq);
	agent_notice("attached store %s (%s, owner %u, group %u, mode %04o): %llu records, %llu live, %llu integrity errors, %llu bytes truncated",
		     a->cfg.store_name, a->cfg.store_file,
		     (unsigned int)acc.owner, (unsigned int)acc.group, acc.perm,
		     (unsigned long long)info.records,
		     (unsigned long long)info.live,
		     (unsigned long long)info.integrity_errors,
		     (unsigned long long)info.truncated);
	if (info.integrity_errors)
		agent_warn("store %s has integrity errors: run 'm2mvault verify %s'",
			   a->cfg.store_name, a->cfg.store_name);
	return 0;
}

/* Point every configured prefix at generation a->gen; drop the others. */
static int set_policies(struct agent *a)
{
	struct m2mv_policy_info *old = NULL;
	const struct agent_policy *p;
	const struct agent_cred *c;
	size_t n_old = 0, i, j;
	const char *was;
	int ret;

	ret = m2mv_policy_list(a->ctl, a->cfg.store_name, &old, &n_old);
	if (ret) {
		agent_err("store %s: cannot list its policies: %s%s%s",
			  a->cfg.store_name, m2mv_strerror(ret),
			  *ctl_why(a) ? ": " : "", ctl_why(a));
		return ret;
	}
	for (i = 0; i < a->cfg.n_policies; i++) {
		p = &a->cfg.policies[i];
		c = agent_state_find(&a->state, a->gen, m2mv_mode_cred_type(p->mode));
		if (!c) {
			ret = -ENOKEY;
			agent_err("policy '%s': no type %u credential in generation %lu",
				  p->prefix, m2mv_mode_cred_type(p->mode), a->gen);
			goto out;
		}
		was = NULL;
		for (j = 0; j < n_old; j++)
			if (!strcmp(old[j].prefix, p->prefix))
				break;
		if (j < n_old) {
			was = old[j].credid;
			/* Unchanged: same key, mode, key scope and profile. */
			if (!strcmp(was, c->id) && old[j].mode == p->mode &&
			    old[j].flags == p->flags)
				continue;
		}
		ret = m2mv_policy_set(a->ctl, a->cfg.store_name, p->prefix,
				      c->id, (enum m2mv_mode)p->mode, p->flags);
		if (ret) {
			agent_err("policy '%s' of store %s: %s%s%s", p->prefix,
				  a->cfg.store_name, m2mv_strerror(ret),
				  *ctl_why(a) ? ": " : "", ctl_why(a));
			goto out;
		}
		agent_notice("policy '%s': %s%s under %s%s%s", p->prefix,
			     m2mv_mode_name(p->mode),
			     p->flags & M2MV_POLICY_F_INSTANCE ? " (per instance)" :
			     p->flags & M2MV_POLICY_F_TS0003 ? " (profile ts0003)" : "",
			     c->id, was ? ", was " : "", was ? was : "");
	}
	/* The agent owns the store's policies: drop those not configured. */
	for (j = 0; j < n_old; j++) {
		for (i = 0; i < a->cfg.n_policies; i++)
			if (!strcmp(old[j].prefix, a->cfg.policies[i].prefix))
				break;
		if (i < a->cfg.n_policies)
			continue;
		ret = m2mv_policy_del(a->ctl, a->cfg.store_name, old[j].prefix);
		if (ret && ret != -ENOENT) {
			agent_err("removing policy '%s' of store %s: %s",
				  old[j].prefix, a->cfg.store_name,
				  m2mv_strerror(ret));
			goto out;
		}
		ret = 0;
		agent_notice("policy '%s': removed (not in %s)", old[j].prefix,
			     a->cfg.file);
	}
out:
	free(old);
	return ret;
}

/*
 * Bind the keys of the older generations' credentials, so that records
 * sealed under them stay readable once the store was attached again
 * (binding a key bound already changes nothing). A credential whose key
 * cannot be bound leaves its records unreadable, nothing more: the agent
 * goes on.
 */
static void bind_older(struct agent *a)
{
	const struct agent_cred *c;
	size_t i;
	int ret;

	for (i = 0; i < a->state.n; i++) {
		c = &a->state.creds[i];
		if (!c->gen || c->gen == a->gen)
			continue;
		ret = m2mv_key_bind(a->ctl, a->cfg.store_name, c->id);
		if (ret == -EOPNOTSUPP) {
			agent_debug("the module binds no keys: %s", ctl_why(a));
			return;
		}
		if (ret)
			agent_warn("binding %s (generation %lu) to store %s: %s%s%s; the records sealed under it stay unreadable",
				   c->id, c->gen, a->cfg.store_name,
				   m2mv_strerror(ret), *ctl_why(a) ? ": " : "",
				   ctl_why(a));
		else
			agent_info("bound %s (generation %lu) to store %s",
				   c->id, c->gen, a->cfg.store_name);
	}
}

/*
 * Does generation @gen hold every type the policies need, with more than
 * renew_before left? Sets a->expiry to its local expiry when it does.
 */
static int gen_usable(struct agent *a, unsigned long gen, time_t now)
{
	unsigned int types[2][M2MV_TEF_MAX_TYPES], timeout;
	const struct agent_cred *c;
	time_t expiry = 0;
	size_t n[2], r, i;

	if (!gen)
		return 0;
	agent_config_registrations(&a->cfg, types, n);
	for (r = 0; r < 2; r++)
		for (i = 0; i < n[r]; i++) {
			c = agent_state_find(&a->state, gen, types[r][i]);
			if (!c || agent_key_timeout(now, c->expires, a->cfg.lifetime,
						    &timeout))
				return 0;
			if (!expiry || now + (time_t)timeout < expiry)
				expiry = now + timeout;
		}
	if (expiry - now <= (time_t)a->cfg.renew_before)
		return 0;
	a->expiry = expiry;
	return 1;
}

/* Register generation @gen (one registration per group of types). */
static int register_gen(struct agent *a, struct m2mv_tef *t, unsigned long gen)
{
	unsigned int types[2][M2MV_TEF_MAX_TYPES];
	size_t n[2], r;
	int ret;

	agent_config_registrations(&a->cfg, types, n);
	for (r = 0; r < 2; r++) {
		if (!n[r])
			continue;
		ret = agent_tef_register(a, t, types[r], n[r], gen, a->ring, 0,
					 NULL);
		if (ret)
			return ret;
	}
	if (!gen_usable(a, gen, time(NULL))) {
		agent_err("the TEF granted a lifetime too short to use (renew_before is %u s)",
			  a->cfg.renew_before);
		return -ERANGE;
	}
	return 0;
}

/*
 * After a reboot the keyrings are empty: fetch the keys of live data
 * credentials back, so the records sealed under them stay readable. A key
 * revoked in the keyring stays revoked: that is an operator's crypto-erase,
 * so the agent forgets the credential instead.
 */
static void restore_data_keys(struct agent *a, struct m2mv_tef *t)
{
	struct agent_cred *c;
	size_t i;
	int ret;

	for (i = 0; i < a->state.n; i++) {
		c = &a->state.creds[i];
		if (!c->gen)
			continue;
		ret = agent_key_present(&a->cfg, a->ring, c->id);
		if (ret == 1)
			continue;
		if (ret == 2) {
			agent_warn("%s was revoked in the keyring: not restoring it (its records stay unreadable); forgetting it",
				   c->id);
			c->expires = 0;
			continue;
		}
		ret = agent_tef_reload(a, t, c, a->ring, M2MV_TEF_MAX_LIFETIME,
				       NULL);
		if (ret == -ENOENT) {
			/* Revoked or expired at the TEF: forget it. */
			c->expires = 0;
		} else if (ret) {
			agent_warn("records sealed under %s stay unreadable until its key is loaded",
				   c->id);
		}
	}
	agent_state_prune(&a->state, time(NULL));
}

static void drop_store_key(const char *credid)
{
	key_serial_t k;

	k = keyctl_search(KEY_SPEC_PROCESS_KEYRING, M2MV_KEY_TYPE, credid, 0);
	if (k >= 0)
		agent_key_drop(k);
}

int agent_setup(struct agent *a)
{
	static const unsigned int store_types[] = { M2MV_CRED_TYPE_ESDATA_HMAC };
	const struct m2mv_tef_anchor *want = NULL;
	struct m2mv_tef_anchor want_buf;
	struct m2mv_tef *t = NULL;
	struct agent_cred store_key;
	const struct agent_cred *sk;
	char err[AGENT_PATH_MAX + 64];
	int ret, fd = -1, attached, created = 0;
	unsigned long gen;
	off_t size = 0;

	ret = agent_state_load(a->cfg.state_file, time(NULL), &a->state, err,
			       sizeof(err));
	if (ret) {
		agent_err("%s", err);
		return ret;
	}
	ret = agent_keyring_open(&a->cfg, &a->ring);
	if (ret)
		return ret;
	ret = store_attached(a, &attached);
	if (ret)
		return ret;

	memset(&store_key, 0, sizeof(store_key));
	if (!attached) {
		fd = open_store_file(a, &size, &created);
		if (fd < 0)
			return fd;
		sk = agent_state_store_key(&a->state);
		if (size > 0 && !sk) {
			agent_err("store file %s is not empty, but %s names no live store key: it cannot be attached",
				  a->cfg.store_file, a->cfg.state_file);
			ret = -ENOKEY;
			goto out;
		}
		if (size > 0)
			store_key = *sk;
	}

	ret = agent_tef_open(a, &t);
	if (ret)
		goto out;
	if (!attached) {
		ret = agent_anchor_expected(a, t, created, &want_buf, &want);
		if (ret)
			goto out;
	}
	if (!attached && size > 0) {
		ret = agent_tef_reload(a, t, &store_key, 0,
				       M2MV_TEF_MAX_LIFETIME, NULL);
		if (ret) {
			agent_err("store %s cannot be attached without its key %s",
				  a->cfg.store_name, store_key.id);
			goto out;
		}
	} else if (created) {
		ret = agent_tef_register(a, t, store_types, 1, 0, 0, 1,
					 &store_key);
		if (ret)
			goto out;
	}
	restore_data_keys(a, t);

	gen = agent_state_newest_gen(&a->state);
	if (gen_usable(a, gen, time(NULL))) {
		a->gen = gen;
		agent_info("generation %lu of the data credentials is still good for %lld s",
			   gen, (long long)(a->expiry - time(NULL)));
	} else {
		ret = register_gen(a, t, gen + 1);
		if (ret)
			goto out;
		a->gen = gen + 1;
	}
	m2mv_tef_close(t);
	t = NULL;
	ret = save_state(a);
	if (ret)
		goto out;

	if (!attached) {
		ret = attach(a, fd, created, store_key.id, want);
		if (ret)
			goto out;
	}
	ret = set_policies(a);
	if (!ret)
		bind_older(a);
	/* Not fatal: the interval retries; the module holds the store. */
	if (!ret)
		agent_anchor_report(a, attached ? "restart" : "attach");
out:
	m2mv_tef_close(t);
	if (fd >= 0)
		close(fd);
	/* Like "m2mvault attach": a file made for a store that did not come
	 * about goes again. */
	if (ret && created && !a->attached_here)
		unlink(a->cfg.store_file);
	/* The kernel keyed the store's chain MAC at attach; no need to keep
	 * the store key around. */
	if (store_key.id[0])
		drop_store_key(store_key.id);
	if (ret && a->state.n)
		agent_state_save(a->cfg.state_file, &a->state);
	OPENSSL_cleanse(&store_key, sizeof(store_key));
	return ret;
}

int agent_renew(struct agent *a)
{
	unsigned long gen = agent_state_newest_gen(&a->state) + 1, old = a->gen;
	time_t old_expiry = a->expiry;
	struct m2mv_tef *t = NULL;
	int ret;

	agent_notice("renewing the data credentials (generation %lu, %lld s before generation %lu expires)",
		     gen, (long long)(a->expiry - time(NULL)), old);
	ret = agent_tef_open(a, &t);
	if (ret)
		return ret;
	ret = register_gen(a, t, gen);
	m2mv_tef_close(t);
	if (save_state(a) && !ret)
		ret = -EIO;
	if (ret) {
		a->expiry = old_expiry;
		return ret;
	}
	a->gen = gen;
	ret = set_policies(a);
	if (ret) {
		a->gen = old;
		a->expiry = old_expiry;
		return ret;
	}
	agent_notice("renewed: generation %lu replaces %lu; the old keys stay in the keyring until they expire",
		     gen, old);
	return 0;
}
