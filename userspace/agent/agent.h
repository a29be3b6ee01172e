/* SPDX-License-Identifier: GPL-2.0 */
/*
 * m2mvaultd, the m2mvault agent: one header for its parts.
 *
 *   config.c    the INI configuration (inih): parse and validate
 *   schedule.c  when to renew, how long to wait after a failure
 *   secmem.c    the locked, non-dumpable page that holds key copies
 *   log.c       messages to stderr (the journal) with priorities
 *   state.c     the credentials the agent registered, on disk
 *   keyring.c   the CSE's keyring and loading keys into the kernel
 *   tef.c       bootstrap sessions with the TEF: register, retrieve,
 *               update, de-register
 *   registration.c  the operator's commands: --update-registrations,
 *               --deregister
 *   tpm.c       the freshness anchor in a TPM NV index
 *   anchor.c    the freshness anchor: fetched, enforced, reported
 *   setup.c     a generation of credentials, the store, the policies
 *   main.c      options, signals, the renewal loop, sd_notify
 *
 * Documentation/admin-guide.rst is the operator's view of all of it.
 */
#ifndef M2MV_AGENT_H
#define M2MV_AGENT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <sys/types.h>

#include <keyutils.h>

#include <linux/m2mvault.h>

#include "common/credid.h"
#include "common/hexkey.h"
#include "common/kdf.h"
#include "common/tefclient.h"

#define AGENT_NAME		"m2mvaultd"
#define AGENT_DEFAULT_CONFIG	"/etc/m2mvault/m2mvaultd.conf"

/* ------------------------------------------------------------ config.c */

#define AGENT_MAX_POLICIES	64
#define AGENT_PATH_MAX		1024
#define AGENT_ID_MAX		128	/* KpmIds and AE-IDs, as the TEF */
#define AGENT_HOST_MAX		255
#define AGENT_FQDN_MAX		253
#define AGENT_KEYRING_MAX	64
#define AGENT_LINE_MAX		1024	/* longest configuration line */
#define AGENT_CRED_NAME_MAX	64	/* [tef] psk_credential */

#define AGENT_DEFAULT_LIFETIME		86400U
#define AGENT_DEFAULT_STORE_LIFETIME	M2MV_TEF_MAX_LIFETIME
#define AGENT_DEFAULT_TIMEOUT_MS	5000U
#define AGENT_DEFAULT_KEYRING		"m2mvault"
#define AGENT_DEFAULT_STORE_PERM	0600U
#define AGENT_DEFAULT_ANCHOR_INTERVAL	30U	/* seconds */
#define AGENT_DEFAULT_TPM_INTERVAL	300U	/* seconds, anchor = tpm */
/*
 * The TPM NV index of anchor = tpm: TCG's handle registry leaves
 * 0x01800000..0x01bfffff to the owner.
 */
#define AGENT_TPM_NV_FIRST		0x01800000U
#define AGENT_TPM_NV_LAST		0x01bfffffU
#define AGENT_DEFAULT_TPM_NV_INDEX	0x01800d4dU
#define AGENT_TCTI_MAX			255
#define AGENT_DEFAULT_TPM_TCTI		"device:/dev/tpmrm0"

/* Where the store's freshness anchor is kept, outside the disk. */
enum agent_anchor {
	AGENT_ANCHOR_TEF,	/* with the TEF, per enrolee and store */
	AGENT_ANCHOR_TPM,	/* in an NV index of the machine's TPM */
	AGENT_ANCHOR_NONE,	/* nowhere: a rolled-back file attaches */
};

enum agent_keyring_mode {
	AGENT_KEYRING_SESSION,	/* a named keyring CSE processes join */
	AGENT_KEYRING_USER,	/* cse_uid's user keyring */
};

/* How dir records are sealed (M2MV_POLICY_F_TS0003). */
enum agent_profile {
	AGENT_PROFILE_INHERIT,	/* a policy without its own: [store]'s */
	AGENT_PROFILE_SEED,
	AGENT_PROFILE_TS0003,
};

struct agent_policy {
	char prefix[M2MV_PATH_MAX + 1];
	unsigned int mode;	/* enum m2mv_mode */
	unsigned int flags;	/* M2MV_POLICY_F_* */
	enum agent_profile profile;	/* after loading: SEED or TS0003 */
	int line;		/* of its section header */
};

struct agent_config {
	char file[AGENT_PATH_MAX];
	/* [tef] */
	char tef_host[AGENT_HOST_MAX + 1];
	unsigned int tef_port;
	char tef_fqdn[AGENT_FQDN_MAX + 1];
	char tef_identity[AGENT_ID_MAX + 1];
	char tef_psk_file[AGENT_PATH_MAX];	/* from psk_file or psk_credential */
	char tef_psk_credential[AGENT_CRED_NAME_MAX + 1];
	unsigned int tef_timeout_ms;
	/* [credentials] */
	char targets[M2MV_TEF_MAX_TARGETS][AGENT_ID_MAX + 1];
	size_t n_targets;
	char labels[M2MV_TEF_MAX_LABELS][M2MV_TEF_LABEL_MAX + 1];
	size_t n_labels;
	char admin[M2MV_TEF_FQDN_MAX + 1];	/* empty: the TEF's default */
	unsigned int lifetime;		/* seconds */
	unsigned int renew_before;	/* seconds */
	/* [keyring] */
	enum agent_keyring_mode keyring_mode;
	char keyring_name[AGENT_KEYRING_MAX + 1];
	uid_t cse_uid;
	gid_t cse_gid;
	int have_cse_uid;
	int have_cse_gid;
	/* [store] */
	char store_name[M2MV_NAME_MAX];
	char store_file[AGENT_PATH_MAX];
	char state_file[AGENT_PATH_MAX];
	unsigned int store_key_lifetime;
	/* the store's grant: who may use it (default root, root, 0600) */
	uid_t store_owner;
	gid_t store_group;
	unsigned int store_perm;
	enum agent_profile profile;	/* policies' default */
	enum agent_anchor anchor;
	unsigned int anchor_interval;	/* seconds between two reports */
	uint32_t tpm_nv_index;		/* anchor = tpm */
	char tpm_tcti[AGENT_TCTI_MAX + 1];
	/* [policy PREFIX] */
	struct agent_policy policies[AGENT_MAX_POLICIES];
	size_t n_policies;
};

/**
 * agent_config_load() - read and validate a configuration file
 * @path: the file
 * @cfg: out
 * @err: out: the reason on failure, "FILE:LINE: what is wrong" (or
 *	"FILE: ..." when no line is to blame)
 * @err_size: size of @err
 *
 * Return: 0; -EINVAL for a bad configuration; -errno when the file cannot
 * be read.
 */
int agent_config_load(const char *path, struct agent_config *cfg, char *err,
		      size_t err_size);

/** agent_config_parse() - the same for text in memory, named @name */
int agent_config_parse(const char *name, const char *text,
		       struct agent_config *cfg, char *err, size_t err_size);

/**
 * agent_parse_duration() - "90", "90s", "15m", "12h", "30d" to seconds
 * Return: 0, or -EINVAL if malformed or outside @min..@max.
 */
int agent_parse_duration(const char *s, unsigned int min, unsigned int max,
			 unsigned int *out);

/*
 * The registrations one generation of data credentials needs: types 14
 * and 15 both take K_data_conf and so never share a registration (the
 * TEF refuses it); type 16 joins the first. Fills @types[i][0..n[i]-1].
 * Return: the number of registrations (0..2).
 */
size_t agent_config_registrations(const struct agent_config *cfg,
				  unsigned int types[2][M2MV_TEF_MAX_TYPES],
				  size_t n[2]);

/* ---------------------------------------------------------- schedule.c */

/**
 * agent_key_timeout() - the keyring timeout of a credential
 * @now: local time
 * @expires: the TEF's expiry (its clock)
 * @lifetime: the lifetime the agent asked for
 * @timeout: out: seconds from now, at most @lifetime (a TEF clock ahead of
 *	ours must not make keys outlive what was asked)
 *
 * Return: 0, or -EKEYEXPIRED if @expires is not in the future.
 */
int agent_key_timeout(time_t now, time_t expires, unsigned int lifetime,
		      unsigned int *timeout);

/**
 * agent_renew_at() - when to renew a generation
 * @now: local time
 * @expiry: the generation's local expiry (now + its key timeout)
 * @renew_before: seconds
 *
 * @renew_before ahead of @expiry; if that is not after @now (the TEF gave
 * a shorter lifetime than asked), half way to @expiry; never before now + 1.
 */
time_t agent_renew_at(time_t now, time_t expiry, unsigned int renew_before);

/**
 * agent_retry_delay() - seconds to wait after the @attempt-th failure in a
 * row (1, 2, ...): doubling from 1 s up to 60 s, but at most a quarter of
 * what is left until @expiry (at least 1 s), so that a short outage of
 * the TEF is retried often enough to renew before the keys expire.
 */
unsigned int agent_retry_delay(unsigned int attempt, time_t now,
			       time_t expiry);

/* ------------------------------------------------------------ secmem.c */

/*
 * Every copy of key material the agent makes lives here: one page,
 * mlock()ed, excluded from core dumps and from fork()ed children, wiped
 * with OPENSSL_cleanse() after each use and at exit.
 */
struct agent_secrets {
	uint8_t psk[M2MV_PSK_MAX];	/* Kpm, for the whole run */
	size_t psk_len;
	uint8_t key[M2MV_KEY_LEN];	/* the key being loaded */
	char b64[64];			/* a JWK's "k" while it is decoded */
};

/* Return: the page, or NULL with errno set (mlock or mmap failed). */
struct agent_secrets *agent_secrets_new(void);
void agent_secrets_free(struct agent_secrets *s);

/* Wipe what jansson frees (JWKs carry keys); call before any json use. */
void agent_json_wipe_on_free(void);

/* --------------------------------------------------------------- log.c */

enum agent_level { AGENT_ERR = 3, AGENT_WARNING = 4, AGENT_NOTICE = 5,
		   AGENT_INFO = 6, AGENT_DEBUG = 7 };

void agent_log_init(int verbose);
void agent_log(enum agent_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define agent_err(...)		agent_log(AGENT_ERR, __VA_ARGS__)
#define agent_warn(...)		agent_log(AGENT_WARNING, __VA_ARGS__)
#define agent_notice(...)	agent_log(AGENT_NOTICE, __VA_ARGS__)
#define agent_info(...)		agent_log(AGENT_INFO, __VA_ARGS__)
#define agent_debug(...)	agent_log(AGENT_DEBUG, __VA_ARGS__)

/* ------------------------------------------------------------- state.c */

#define AGENT_MAX_CREDS		64

/* A credential the agent registered, as remembered in the state file. */
struct agent_cred {
	char id[M2MV_CREDID_BUFSZ];
	unsigned int type;
	time_t expires;		/* the TEF's expiry */
	unsigned long gen;	/* data generation; 0 for the store key */
};

struct agent_state {
	struct agent_cred creds[AGENT_MAX_CREDS];
	size_t n;
};

/*
 * agent_state_load() - read @path ("m2mvaultd-state 1" and one line per
 * credential: "store|data GEN TYPE EXPIRES CREDID"); a missing file is an
 * empty state. Expired credentials are dropped.
 * Return: 0, -EINVAL (malformed, with the line in @err), -errno.
 */
int agent_state_load(const char *path, time_t now, struct agent_state *st,
		     char *err, size_t err_size);
/* Write @st atomically (temporary file, fsync, rename, fsync directory). */
int agent_state_save(const char *path, const struct agent_state *st);
/* Add @c; -ENOSPC when full (after dropping expired ones). */
int agent_state_add(struct agent_state *st, const struct agent_cred *c,
		    time_t now);
void agent_state_prune(struct agent_state *st, time_t now);
/* Remove @id from @st: 0, or -ENOENT if it is not there. */
int agent_state_remove(struct agent_state *st, const char *id);
/* The store key (gen 0) with the latest expiry, or NULL. */
const struct agent_cred *agent_state_store_key(const struct agent_state *st);
/* The newest generation (0 if none). */
unsigned long agent_state_newest_gen(const struct agent_state *st);
/* The credential of @type in generation @gen, or NULL. */
const struct agent_cred *agent_state_find(const struct agent_state *st,
					  unsigned long gen, unsigned int type);

/* ----------------------------------------------------------- keyring.c */

/*
 * Possessors may view (keyctl show), search (the kernel's lookup, which is
 * what using a key takes) and link (the agent links a key into the CSE's
 * keyring only after its timeout and permissions are set). The owner, the
 * agent's user (root), may view, link and change attributes without
 * possessing it, so that an operator can "keyctl revoke" or "keyctl
 * timeout" it; it cannot use it without possessing it. Nobody may read,
 * write or update it, and a possessor cannot change its timeout.
 */
#define AGENT_KEY_PERM	(KEY_POS_VIEW | KEY_POS_SEARCH | KEY_POS_LINK | \
			 KEY_USR_VIEW | KEY_USR_LINK | KEY_USR_SETATTR)

/**
 * agent_keyring_open() - find or create the keyring the CSE possesses
 * @cfg: the configuration
 * @ring: out: its serial (session mode), or KEY_SPEC_USER_KEYRING's value
 *	as seen by cse_uid (user mode: resolved per operation)
 *
 * Return: 0 or -errno; logs what failed.
 */
int agent_keyring_open(const struct agent_config *cfg, key_serial_t *ring);

/**
 * agent_key_load() - load a 32-byte key as a "m2mvault" key
 * @cfg: the configuration
 * @ring: the CSE's keyring (agent_keyring_open()), or 0 to keep the key in
 *	the agent's own process keyring (the store key)
 * @credid: the description
 * @key: the bytes
 * @timeout: seconds until the kernel expires it
 * @id: out (may be NULL): its serial
 *
 * The key is created in the agent's process keyring, given its timeout and
 * its permissions, and only then linked into @ring, so that no process
 * ever sees it without its timeout. In user mode the agent's own link
 * stays, so that it possesses the keys its policies bind. Return: 0 or
 * -errno.
 */
int agent_key_load(const struct agent_config *cfg, key_serial_t ring,
		   const char *credid, const uint8_t key[M2MV_KEY_LEN],
		   unsigned int timeout, key_serial_t *id);

/*
 * Is a key @credid in @ring? 1 yes, 2 revoked, 0 no (or expired), -errno.
 * In user mode a key found is linked into the agent's process keyring,
 * so that the agent possesses it to bind it to the store.
 */
int agent_key_present(const struct agent_config *cfg, key_serial_t ring,
		      const char *credid);

/* Drop the agent's own link to @id (the store key after attach). */
void agent_key_drop(key_serial_t id);

/* ---------------------------------------------------------------- tef.c */

struct agent;

/* Connect (logs a clear message on failure). Return: 0 or -errno. */
int agent_tef_open(struct agent *a, struct m2mv_tef **t);
/*
 * The store's freshness anchor with the TEF (GET, PUT /anchor/<store>).
 * Errors other than "none kept" (-ENOENT, from get) are logged.
 */
int agent_tef_anchor_get(struct agent *a, struct m2mv_tef *t,
			 struct m2mv_tef_anchor *out);
int agent_tef_anchor_put(struct agent *a, struct m2mv_tef *t,
			 const struct m2mv_tef_anchor *an);
/*
 * Register @types, derive their keys from this session's Ke and the
 * returned Salt, load them (@ring as for agent_key_load()), and add them
 * to the state as generation @gen. @store: the store key (no targets,
 * kept in the agent's process keyring). @first: out (may be NULL): the
 * first credential registered.
 */
int agent_tef_register(struct agent *a, struct m2mv_tef *t,
		       const unsigned int *types, size_t n_types,
		       unsigned long gen, key_serial_t ring, int store,
		       struct agent_cred *first);
/*
 * The registration update of @c (TS-0003 8.3.5.2.9): the configured
 * targets (none for the store key) and labels. Its expiry stays.
 * Return: 0 or -errno (logged).
 */
int agent_tef_update(struct agent *a, struct m2mv_tef *t,
		     const struct agent_cred *c);
/* The de-registration of @c (8.3.5.2.10, DELETE). 0 or -errno (logged). */
int agent_tef_deregister(struct agent *a, struct m2mv_tef *t,
			 const struct agent_cred *c);
/*
 * Retrieve credential @c (we own it) from the TEF and load it, with a
 * timeout of at most @lifetime.
 */
int agent_tef_reload(struct agent *a, struct m2mv_tef *t,
		     const struct agent_cred *c, key_serial_t ring,
		     unsigned int lifetime, key_serial_t *id);

/* ---------------------------------------------------------------- tpm.c */

/* The anchor as an NV index holds it (tpm.c says the layout). */
#define AGENT_TPM_ANCHOR_SIZE	56

/*
 * The anchor in NV index cfg->tpm_nv_index of the TPM that cfg->tpm_tcti
 * reaches. Read: 0; -ENOENT when the index is not defined or was never
 * written; -EBADMSG when it is another kind of index or holds something
 * else; -ENODEV when the TPM cannot be reached; -EIO. Write: defines the
 * index first if needed (owner hierarchy, empty authorization); 0 or the
 * same errors. Every error but -ENOENT is logged.
 */
int agent_tpm_anchor_read(const struct agent_config *cfg,
			  struct m2mv_tef_anchor *out);
int agent_tpm_anchor_write(const struct agent_config *cfg,
			   const struct m2mv_tef_anchor *an);
/* The 56 bytes, for the host tests; decode: 0 or -EBADMSG. */
void agent_tpm_anchor_encode(uint8_t out[AGENT_TPM_ANCHOR_SIZE],
			     const struct m2mv_tef_anchor *an);
int agent_tpm_anchor_decode(const uint8_t *in, size_t len,
			    struct m2mv_tef_anchor *out);

/* -------------------------------------------------------------- setup.c */

struct agent {
	struct agent_config cfg;
	struct agent_secrets *sec;
	struct agent_state state;
	struct m2mv_ctl *ctl;
	key_serial_t ring;	/* the CSE's keyring */
	unsigned long gen;	/* the generation the policies name */
	time_t expiry;		/* local expiry of that generation */
	int attached_here;	/* this run attached the store */
	int accept_stale;	/* --accept-stale: this run only */
	/* the anchor the TEF or TPM holds, as this run last reported it */
	struct m2mv_tef_anchor anchor_sent;
	int anchor_known;	/* anchor_sent is valid */
};

/* ------------------------------------------------------------ anchor.c */

/*
 * Before attaching an existing store file (@created 0) or making a new
 * one (@created 1): the anchor the TEF holds, on the setup's session @t.
 * Return: 0 with *@want set (NULL: attach without one); -ESTALE when the
 * TEF holds an anchor for a store whose file the agent had to create
 * (the store was removed), unless --accept-stale; other -errno.
 */
int agent_anchor_expected(struct agent *a, struct m2mv_tef *t, int created,
			  struct m2mv_tef_anchor *buf,
			  const struct m2mv_tef_anchor **want);
/* The explanation of an attach that failed with -ESTALE. */
void agent_anchor_refused(struct agent *a, const struct m2mv_tef_anchor *want);
/*
 * Report the store's durable position to the TEF if it moved since the
 * last report (@why for the log: "attach", "interval", "compaction",
 * "stop"). Opens its own session. Return: 0, or -errno (logged).
 */
int agent_anchor_report(struct agent *a, const char *why);

/* ------------------------------------------------------ registration.c */

/*
 * The operator's commands on the registrations in the state file, with
 * no module needed: --update-registrations (every live credential gets
 * the configured targets and labels) and --deregister CREDID (which then
 * leaves the state). Return: 0, or -errno when one failed (logged).
 */
int agent_update_registrations(struct agent *a);
int agent_deregister(struct agent *a, const char *credid);

/* Everything up to READY: keyring, TEF, store, policies. */
int agent_setup(struct agent *a);
/* A new generation of data credentials and the policies switched to it. */
int agent_renew(struct agent *a);

#endif /* M2MV_AGENT_H */
