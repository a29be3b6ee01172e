// SPDX-License-Identifier: GPL-2.0
/*
 * m2mvaultd: bootstraps with the TEF, registers the data security
 * credentials, loads their keys into the kernel keyring, attaches the
 * store and sets the policies; in daemon mode it renews the credentials
 * before they expire. Documentation/admin-guide.rst describes it for
 * operators.
 *
 *   m2mvaultd -c CONFIG [--once]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <keyutils.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <systemd/sd-daemon.h>

#include "lib/m2mvault.h"
#include "common/b64url.h"
#include "common/hexkey.h"
#include "agent/config.h"

#define MAX_CREDS	64

enum role { ROLE_STORE, ROLE_DATA };

struct cred {
	enum role role;
	unsigned int type;
	char id[M2MV_CREDID_BUFSZ];
	time_t expires;
	unsigned long set;		/* registration round, newest highest */
};

struct agent {
	struct agent_config cfg;
	struct m2mv_ctl *ctl;
	key_serial_t ring;		/* the CSE's named keyring */
	struct cred creds[MAX_CREDS];
	size_t n;
	unsigned long set;		/* newest data round */
};

static volatile sig_atomic_t quit;

static void on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

#define say(...) fprintf(stderr, "m2mvaultd: " __VA_ARGS__)

/* ---------------------------------------------------------------- state */

static int state_load(struct agent *a)
{
	FILE *f = fopen(a->cfg.state_file, "r");
	char role[8], id[M2MV_CREDID_BUFSZ];
	long long exp;
	unsigned long set;
	unsigned int type;

	a->n = 0;
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (a->n < MAX_CREDS &&
	       fscanf(f, "%7s %255s %lld %lu", role, id, &exp, &set) == 4) {
		struct cred *c = &a->creds[a->n];

		if (m2mv_credid_parse(id, &type) || exp <= time(NULL))
			continue;
		c->role = strcmp(role, "store") ? ROLE_DATA : ROLE_STORE;
		c->type = type;
		snprintf(c->id, sizeof(c->id), "%s", id);
		c->expires = (time_t)exp;
		c->set = set;
		if (c->role == ROLE_DATA && set > a->set)
			a->set = set;
		a->n++;
	}
	fclose(f);
	return 0;
}

static int state_save(struct agent *a)
{
	char tmp[AGENT_STR + 8];
	time_t now = time(NULL);
	size_t i;
	FILE *f;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", a->cfg.state_file);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	for (i = 0; i < a->n; i++)
		if (a->creds[i].expires > now)
			fprintf(f, "%s %s %lld %lu\n",
				a->creds[i].role == ROLE_STORE ? "store" : "data",
				a->creds[i].id, (long long)a->creds[i].expires,
				a->creds[i].set);
	if (fflush(f) || fsync(fd)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	return rename(tmp, a->cfg.state_file) ? -errno : 0;
}

/* ------------------------------------------------------------- keyring */

/*
 * The CSE's named keyring: owned by root, anchored in root's user keyring
 * so that it outlives the agent, and linked into the agent's session
 * keyring so that the agent possesses it. The configured group may view
 * and search it, which is what joining it by name needs
 * (keyctl_join_session_keyring(), "keyctl session NAME").
 */
static int ring_setup(struct agent *a)
{
	key_serial_t ring;

	ring = keyctl_search(KEY_SPEC_USER_KEYRING, "keyring", a->cfg.keyring,
			     KEY_SPEC_SESSION_KEYRING);
	if (ring >= 0) {
		a->ring = ring;
		return 0;
	}
	ring = add_key("keyring", a->cfg.keyring, NULL, 0,
		       KEY_SPEC_SESSION_KEYRING);
	if (ring < 0)
		return -errno;
	if (keyctl_setperm(ring, KEY_POS_ALL | KEY_USR_ALL | KEY_GRP_VIEW |
			   KEY_GRP_SEARCH) < 0 ||
	    keyctl_chown(ring, (uid_t)-1, a->cfg.keyring_gid) < 0 ||
	    keyctl_link(ring, KEY_SPEC_USER_KEYRING) < 0)
		return -errno;
	a->ring = ring;
	return 0;
}

/* Load @key as credential @c: store keys into the agent's own keyring,
 * data keys into the CSE's; possessors may only view and search. */
static int key_load(struct agent *a, const struct cred *c,
		    const uint8_t key[M2MV_KEY_LEN])
{
	key_serial_t dest = c->role == ROLE_STORE ? KEY_SPEC_SESSION_KEYRING :
						     a->ring;
	time_t left = c->expires - time(NULL);
	key_serial_t k;

	if (left <= 0)
		return -EKEYEXPIRED;
	k = add_key("m2mvault", c->id, key, M2MV_KEY_LEN, dest);
	if (k < 0)
		return -errno;
	if (keyctl_set_timeout(k, (unsigned int)left) < 0 ||
	    keyctl_setperm(k, KEY_POS_VIEW | KEY_POS_SEARCH) < 0) {
		int err = -errno;

		keyctl_revoke(k);
		return err;
	}
	return 0;
}

/* ------------------------------------------------------------------ TEF */

static int tef_open(struct agent *a, struct m2mv_tef **t)
{
	struct m2mv_tef_config tc = {
		.host = a->cfg.tef_host, .port = a->cfg.tef_port,
		.fqdn = a->cfg.tef_fqdn, .psk_identity = a->cfg.identity,
		.timeout_ms = a->cfg.timeout_ms,
	};
	uint8_t psk[M2MV_PSK_MAX];
	size_t len;
	int ret;

	ret = m2mv_hexkey_read(a->cfg.psk_file, psk, &len);
	if (ret) {
		say("%s: %s\n", a->cfg.psk_file,
		    ret == -EACCES ? "readable by others (chmod 600)" :
		    ret == -EINVAL ? "not 16 to 64 bytes of hex" :
		    strerror(-ret));
		return ret;
	}
	tc.psk = psk;
	tc.psk_len = len;
	ret = m2mv_tef_connect(&tc, t);
	OPENSSL_cleanse(psk, sizeof(psk));
	if (ret == -EACCES)
		say("TEF %s:%u: DTLS handshake refused: wrong PSK or unknown identity %s\n",
		    a->cfg.tef_host, a->cfg.tef_port, a->cfg.identity);
	else if (ret)
		say("TEF %s:%u unreachable: %s\n", a->cfg.tef_host,
		    a->cfg.tef_port, strerror(-ret));
	else
		say("bootstrapped with the TEF: KeID %s\n", m2mv_tef_ke(*t)->keid);
	return ret;
}

/* Fetch a credential we own back from the TEF and load it. */
static int reload(struct agent *a, struct m2mv_tef *t, const struct cred *c)
{
	uint8_t key[M2MV_KEY_LEN];
	char *diag = NULL;
	json_t *jwk = NULL;
	const char *k;
	int ret;

	ret = m2mv_tef_retrieve(t, c->id, (void **)&jwk, &diag);
	if (!ret) {
		k = json_string_value(json_object_get(jwk, "k"));
		ret = m2mv_b64url_decode(key, sizeof(key), k) == M2MV_KEY_LEN ?
		      0 : -EPROTO;
		OPENSSL_cleanse((char *)k, strlen(k));
	}
	json_decref(jwk);
	if (!ret)
		ret = key_load(a, c, key);
	OPENSSL_cleanse(key, sizeof(key));
	if (ret)
		say("cannot reload %s: %s\n", c->id, diag ? diag : strerror(-ret));
	free(diag);
	return ret;
}

/* Register @types in one round and load the keys, derived from this
 * session's Ke and the TEF's Salt. */
static int register_set(struct agent *a, struct m2mv_tef *t, enum role role,
			const unsigned int *types, size_t n_types,
			unsigned int lifetime, unsigned long set)
{
	const char *tg[M2MV_TEF_MAX_TARGETS];
	struct m2mv_tef_reg_req req = { .targets = tg, .lifetime = lifetime,
					.types = types, .n_types = n_types };
	struct m2mv_tef_reg reg;
	uint8_t key[M2MV_KEY_LEN];
	size_t i;
	int ret;

	if (role == ROLE_DATA) {
		for (i = 0; i < a->cfg.n_targets; i++)
			tg[i] = a->cfg.targets[i];
		req.n_targets = a->cfg.n_targets;
	}
	ret = m2mv_tef_register(t, &req, &reg);
	if (ret) {
		say("registering credentials with the TEF failed: %s\n",
		    strerror(-ret));
		return ret;
	}
	for (i = 0; i < reg.n_creds && !ret; i++) {
		struct cred *c;

		if (a->n == MAX_CREDS)
			return -ENOSPC;
		c = &a->creds[a->n];
		c->role = role;
		c->type = reg.creds[i].type;
		snprintf(c->id, sizeof(c->id), "%s", reg.creds[i].id);
		c->expires = reg.expires;
		c->set = set;
		ret = m2mv_kdf_credential_key(m2mv_tef_ke(t)->ke, reg.salt,
					      c->type, key);
		if (!ret)
			ret = key_load(a, c, key);
		OPENSSL_cleanse(key, sizeof(key));
		if (ret) {
			say("loading %s: %s\n", c->id, strerror(-ret));
			break;
		}
		a->n++;
		say("registered and loaded %s (expires in %u s)\n", c->id,
		    role == ROLE_DATA ? lifetime : lifetime);
	}
	OPENSSL_cleanse(&reg, sizeof(reg));
	return ret;
}

/* A new round of data credentials: one registration per confidentiality
 * type in use (14 and 15 share K_data_conf), type 16 with the first. */
static int renew_data(struct agent *a, struct m2mv_tef *t)
{
	int wrap = 0, dir = 0, mic = 0, ret = 0;
	unsigned int types[2][2];
	size_t nt[2] = { 0, 0 }, i;
	unsigned long set = a->set + 1;

	for (i = 0; i < a->cfg.n_policies; i++) {
		wrap |= a->cfg.policies[i].mode == M2MV_MODE_WRAP;
		dir |= a->cfg.policies[i].mode == M2MV_MODE_DIR;
		mic |= a->cfg.policies[i].mode == M2MV_MODE_MIC;
	}
	if (wrap)
		types[0][nt[0]++] = 15;
	if (dir)
		types[wrap ? 1 : 0][nt[wrap ? 1 : 0]++] = 14;
	if (mic)
		types[0][nt[0]++] = 16;
	for (i = 0; i < 2 && !ret; i++)
		if (nt[i])
			ret = register_set(a, t, ROLE_DATA, types[i], nt[i],
					   a->cfg.lifetime, set);
	if (!ret)
		a->set = set;
	return ret;
}

static const struct cred *newest(const struct agent *a, enum role role,
				 unsigned int type)
{
	const struct cred *best = NULL;
	size_t i;

	for (i = 0; i < a->n; i++) {
		const struct cred *c = &a->creds[i];

		if (c->role == role && c->type == type &&
		    (!best || c->set > best->set ||
		     (c->set == best->set && c->expires > best->expires)))
			best = c;
	}
	return best;
}

static time_t data_expiry(const struct agent *a)
{
	time_t e = 0;
	size_t i;

	for (i = 0; i < a->n; i++)
		if (a->creds[i].role == ROLE_DATA && a->creds[i].set == a->set &&
		    (!e || a->creds[i].expires < e))
			e = a->creds[i].expires;
	return e;
}

/* ------------------------------------------------------ store, policies */

static int attach(struct agent *a)
{
	const struct cred *sk = newest(a, ROLE_STORE, 16);
	struct m2mv_attach_info info;
	int fd, ret;

	fd = open(a->cfg.store_file, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		say("%s: %s\n", a->cfg.store_file, strerror(errno));
		return -errno;
	}
	ret = m2mv_attach(a->ctl, a->cfg.store_name, fd, sk->id, 0, &info);
	close(fd);
	if (ret == -EEXIST) {
		say("store %s is already attached\n", a->cfg.store_name);
		return 0;
	}
	if (ret) {
		say("attaching %s: %s%s%s\n", a->cfg.store_file,
		    m2mv_strerror(ret), *m2mv_ctl_last_error(a->ctl) ? ": " : "",
		    m2mv_ctl_last_error(a->ctl));
		return ret;
	}
	say("attached store %s (%s): %llu records, %llu live\n",
	    a->cfg.store_name, a->cfg.store_file,
	    (unsigned long long)info.records, (unsigned long long)info.live);
	return 0;
}

static int set_policies(struct agent *a)
{
	static const unsigned int type_of[] = {
		[M2MV_MODE_WRAP] = 15, [M2MV_MODE_DIR] = 14, [M2MV_MODE_MIC] = 16,
	};
	size_t i;
	int ret;

	for (i = 0; i < a->cfg.n_policies; i++) {
		const struct agent_policy *p = &a->cfg.policies[i];
		const struct cred *c = newest(a, ROLE_DATA, type_of[p->mode]);

		if (!c)
			return -ENOKEY;
		ret = m2mv_policy_set(a->ctl, a->cfg.store_name, p->prefix,
				      c->id, p->mode,
				      p->instance ? M2MV_POLICY_F_INSTANCE : 0);
		if (ret) {
			say("policy %s: %s%s%s\n", p->prefix, m2mv_strerror(ret),
			    *m2mv_ctl_last_error(a->ctl) ? ": " : "",
			    m2mv_ctl_last_error(a->ctl));
			return ret;
		}
		say("policy %s -> %s (%s%s)\n", p->prefix, c->id,
		    m2mv_mode_name(p->mode), p->instance ? ", per instance" : "");
	}
	return 0;
}

/* ---------------------------------------------------------------- rounds */

/* Start-up: reload what we registered before, register what is missing,
 * attach, set the policies. */
static int setup(struct agent *a)
{
	static const unsigned int store_type[] = { 16 };
	struct m2mv_tef *t = NULL;
	time_t exp;
	size_t i;
	int ret;

	ret = state_load(a);
	if (ret) {
		say("%s: %s\n", a->cfg.state_file, strerror(-ret));
		return ret;
	}
	ret = tef_open(a, &t);
	if (ret)
		return ret;
	for (i = 0; i < a->n && !ret; i++)
		ret = reload(a, t, &a->creds[i]);
	if (!ret && !newest(a, ROLE_STORE, 16))
		ret = register_set(a, t, ROLE_STORE, store_type, 1,
				   a->cfg.store_key_lifetime, 0);
	exp = data_expiry(a);
	if (!ret && (!exp || exp - time(NULL) <= (time_t)a->cfg.renew_before))
		ret = renew_data(a, t);
	m2mv_tef_close(t);
	if (!ret)
		ret = state_save(a);
	if (!ret)
		ret = attach(a);
	if (!ret)
		ret = set_policies(a);
	return ret;
}

static int renew(struct agent *a)
{
	struct m2mv_tef *t = NULL;
	int ret;

	say("renewing the data credentials\n");
	ret = tef_open(a, &t);
	if (!ret)
		ret = renew_data(a, t);
	m2mv_tef_close(t);
	if (!ret)
		ret = state_save(a);
	if (!ret)
		ret = set_policies(a);
	return ret;
}

static void run(struct agent *a)
{
	struct sigaction sa = { .sa_handler = on_signal };
	time_t due;

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	while (!quit) {
		due = data_expiry(a) - (time_t)a->cfg.renew_before;
		if (time(NULL) >= due) {
			if (renew(a)) {
				sd_notify(0, "STATUS=renewal failed; retrying");
				due = time(NULL) + 5;
			} else {
				sd_notifyf(0, "STATUS=credentials valid until %lld",
					   (long long)data_expiry(a));
			}
		}
		/* Sleep in short steps so that signals end the loop soon. */
		sleep(1);
	}
	say("stopping\n");
}

static int usage(void)
{
	fprintf(stderr, "usage: m2mvaultd -c CONFIG [--once]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "once", no_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	struct agent *a;
	char err[512];
	int c, once = 0, ret;

	while ((c = getopt_long(argc, argv, "c:", lo, NULL)) != -1) {
		if (c == 'c')
			path = optarg;
		else if (c == 'o')
			once = 1;
		else if (c == 'h')
			return usage() ? 0 : 0;
		else
			return usage();
	}
	if (!path || optind != argc)
		return usage();
	/* Keys pass through this process's memory: keep it off swap. */
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		say("warning: mlockall: %s\n", strerror(errno));
	a = calloc(1, sizeof(*a));
	if (!a)
		return 1;
	if (agent_config_load(path, &a->cfg, err, sizeof(err))) {
		say("%s\n", err);
		free(a);
		return 2;
	}
	ret = m2mv_ctl_open(&a->ctl);
	if (ret) {
		say("m2mvault module not loaded (generic netlink family %s not found): %s\n",
		    M2MV_GENL_NAME, m2mv_strerror(ret));
		free(a);
		return 1;
	}
	ret = ring_setup(a);
	if (ret)
		say("keyring %s: %s\n", a->cfg.keyring, strerror(-ret));
	if (!ret)
		ret = setup(a);
	if (!ret) {
		sd_notifyf(0, "READY=1\nSTATUS=store %s attached, credentials valid until %lld",
			   a->cfg.store_name, (long long)data_expiry(a));
		say("ready: store %s, keyring %s\n", a->cfg.store_name,
		    a->cfg.keyring);
		if (!once)
			run(a);
	}
	m2mv_ctl_close(a->ctl);
	OPENSSL_cleanse(a, sizeof(*a));
	free(a);
	return ret ? 1 : 0;
}
