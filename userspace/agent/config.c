// SPDX-License-Identifier: GPL-2.0
/*
 * m2mvaultd's configuration: INI, parsed with inih, validated completely
 * before anything happens. Every error names the file and the line.
 *
 * inih (Debian's libinih) keeps section names in a 50-byte buffer and
 * lines in a 200-byte one, and does not tell its handler the line number.
 * So the agent feeds it lines through its own reader, which counts them,
 * refuses lines inih would cut, and takes section headers itself: a
 * policy prefix may be longer than inih's section buffer.
 */
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "agent/agent.h"
#include "common/mode.h"

enum section {
	SEC_NONE, SEC_TEF, SEC_CREDENTIALS, SEC_KEYRING, SEC_STORE, SEC_POLICY,
	SEC_UNKNOWN,
};

static const char *const section_names[] = {
	[SEC_TEF] = "tef", [SEC_CREDENTIALS] = "credentials",
	[SEC_KEYRING] = "keyring", [SEC_STORE] = "store",
};

/* The keys of the singleton sections; their lines catch duplicates. */
enum key {
	K_TEF_HOST, K_TEF_PORT, K_TEF_FQDN, K_TEF_IDENTITY, K_TEF_PSK_FILE,
	K_TEF_PSK_CRED, K_TEF_TIMEOUT,
	K_CRED_TARGETS, K_CRED_LIFETIME, K_CRED_RENEW, K_CRED_LABELS,
	K_CRED_ADMIN,
	K_KR_MODE, K_KR_NAME, K_KR_UID, K_KR_GID,
	K_STORE_NAME, K_STORE_FILE, K_STORE_STATE, K_STORE_LIFETIME,
	K_STORE_OWNER, K_STORE_GROUP, K_STORE_MODE, K_STORE_ANCHOR,
	K_STORE_ANCHOR_INTERVAL, K_STORE_TPM_INDEX, K_STORE_TPM_TCTI,
	K_STORE_PROFILE,
	K_MAX
};

static const struct {
	enum section sec;
	const char *name;
} keys[K_MAX] = {
	[K_TEF_HOST] = { SEC_TEF, "host" },
	[K_TEF_PORT] = { SEC_TEF, "port" },
	[K_TEF_FQDN] = { SEC_TEF, "fqdn" },
	[K_TEF_IDENTITY] = { SEC_TEF, "identity" },
	[K_TEF_PSK_FILE] = { SEC_TEF, "psk_file" },
	[K_TEF_PSK_CRED] = { SEC_TEF, "psk_credential" },
	[K_TEF_TIMEOUT] = { SEC_TEF, "timeout_ms" },
	[K_CRED_TARGETS] = { SEC_CREDENTIALS, "targets" },
	[K_CRED_LIFETIME] = { SEC_CREDENTIALS, "lifetime" },
	[K_CRED_RENEW] = { SEC_CREDENTIALS, "renew_before" },
	[K_CRED_LABELS] = { SEC_CREDENTIALS, "labels" },
	[K_CRED_ADMIN] = { SEC_CREDENTIALS, "admin" },
	[K_KR_MODE] = { SEC_KEYRING, "mode" },
	[K_KR_NAME] = { SEC_KEYRING, "name" },
	[K_KR_UID] = { SEC_KEYRING, "cse_uid" },
	[K_KR_GID] = { SEC_KEYRING, "cse_gid" },
	[K_STORE_NAME] = { SEC_STORE, "name" },
	[K_STORE_FILE] = { SEC_STORE, "file" },
	[K_STORE_STATE] = { SEC_STORE, "state" },
	[K_STORE_LIFETIME] = { SEC_STORE, "store_key_lifetime" },
	[K_STORE_OWNER] = { SEC_STORE, "owner" },
	[K_STORE_GROUP] = { SEC_STORE, "group" },
	[K_STORE_MODE] = { SEC_STORE, "mode" },
	[K_STORE_ANCHOR] = { SEC_STORE, "anchor" },
	[K_STORE_ANCHOR_INTERVAL] = { SEC_STORE, "anchor_interval" },
	[K_STORE_TPM_INDEX] = { SEC_STORE, "tpm_nv_index" },
	[K_STORE_TPM_TCTI] = { SEC_STORE, "tpm_tcti" },
	[K_STORE_PROFILE] = { SEC_STORE, "profile" },
};

struct parse {
	struct agent_config *cfg;
	const char *name;		/* file name for messages */
	char *err;
	size_t err_size;
	int err_line;			/* 0: no error yet */
	int line;			/* the line inih is handling */
	enum section sec;
	struct agent_policy *pol;	/* SEC_POLICY: the current one */
	int pol_mode_line, pol_keys_line, pol_profile_line;
	int sec_line[SEC_UNKNOWN];	/* first header of each section */
	int key_line[K_MAX];
	/* the reader's source: a FILE or a string */
	FILE *f;
	const char *s;
};

static void fail_at(struct parse *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Keep the first error: later ones are often its consequences. */
static void fail_at(struct parse *p, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->err_line)
		return;
	p->err_line = line > 0 ? line : -1;
	if (line > 0)
		n = snprintf(p->err, p->err_size, "%s:%d: ", p->name, line);
	else
		n = snprintf(p->err, p->err_size, "%s: ", p->name);
	if (n < 0 || (size_t)n >= p->err_size)
		return;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->err_size - (size_t)n, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------ values */

static int charset_ok(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!isascii((unsigned char)*s) ||
		    (!isalnum((unsigned char)*s) && !strchr(extra, *s)))
			return 0;
	return 1;
}

/* KpmIds and AE-IDs as the TEF accepts them: 1..128 of [A-Za-z0-9._:/-]. */
static int id_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= AGENT_ID_MAX && charset_ok(s, "._:/-");
}

static int set_string(char *dst, size_t size, const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n >= size)
		return -EINVAL;
	memcpy(dst, v, n + 1);
	return 0;
}

static int parse_uint(const char *s, unsigned long min, unsigned long max,
		      unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int agent_parse_duration(const char *s, unsigned int min, unsigned int max,
			 unsigned int *out)
{
	unsigned long v, mul = 1;
	char num[24];
	size_t n = strlen(s);

	if (n == 0 || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, n + 1);
	switch (num[n - 1]) {
	case 's': mul = 1; break;
	case 'm': mul = 60; break;
	case 'h': mul = 3600; break;
	case 'd': mul = 86400; break;
	default: mul = 0; break;
	}
	if (mul)
		num[--n] = '\0';
	else
		mul = 1;
	if (parse_uint(num, 0, ULONG_MAX / mul, &v))
		return -EINVAL;
	v *= mul;
	if (v < min || v > max)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

static int parse_uid(const char *s, uid_t *uid)
{
	struct passwd pw, *res = NULL;
	char buf[1024];
	unsigned long v;

	if (!parse_uint(s, 0, (uid_t)-2, &v)) {
		*uid = (uid_t)v;
		return 0;
	}
	if (getpwnam_r(s, &pw, buf, sizeof(buf), &res) || !res)
		return -ENOENT;
	*uid = res->pw_uid;
	return 0;
}

static int parse_gid(const char *s, gid_t *gid)
{
	struct group gr, *res = NULL;
	char buf[4096];
	unsigned long v;

	if (!parse_uint(s, 0, (gid_t)-2, &v)) {
		*gid = (gid_t)v;
		return 0;
	}
	if (getgrnam_r(s, &gr, buf, sizeof(buf), &res) || !res)
		return -ENOENT;
	*gid = res->gr_gid;
	return 0;
}

/* Permission bits as in chmod: 1 to 4 octal digits, at most 0777. */
static int parse_perm(const char *s, unsigned int *perm)
{
	unsigned long v;
	char *end;
	size_t n = strlen(s);

	if (n == 0 || n > 4 || s[0] < '0' || s[0] > '7')
		return -EINVAL;
	v = strtoul(s, &end, 8);
	if (*end || v > 0777)
		return -EINVAL;
	*perm = (unsigned int)v;
	return 0;
}

/* An NV index of the owner's range, in hexadecimal with its 0x. */
static int parse_nv_index(const char *s, uint32_t *index)
{
	unsigned long v;
	char *end;

	if (strncmp(s, "0x", 2) || !s[2] || strlen(s) > 10)
		return -EINVAL;
	errno = 0;
	v = strtoul(s + 2, &end, 16);
	if (errno || *end || v < AGENT_TPM_NV_FIRST || v > AGENT_TPM_NV_LAST)
		return -EINVAL;
	*index = (uint32_t)v;
	return 0;
}

static int path_ok(const char *s)
{
	return strlen(s) <= M2MV_PATH_MAX && charset_ok(s, "._~/-");
}

size_t agent_config_registrations(const struct agent_config *cfg,
				  unsigned int types[2][M2MV_TEF_MAX_TYPES],
				  size_t n[2])
{
	int wrap = 0, dir = 0, mic = 0;
	size_t i;

	for (i = 0; i < cfg->n_policies; i++) {
		wrap |= cfg->policies[i].mode == M2MV_MODE_WRAP;
		dir |= cfg->policies[i].mode == M2MV_MODE_DIR;
		mic |= cfg->policies[i].mode == M2MV_MODE_MIC;
	}
	n[0] = n[1] = 0;
	if (wrap)
		types[0][n[0]++] = m2mv_mode_cred_type(M2MV_MODE_WRAP);
	if (dir) {
		if (wrap)
			types[1][n[1]++] = m2mv_mode_cred_type(M2MV_MODE_DIR);
		else
			types[0][n[0]++] = m2mv_mode_cred_type(M2MV_MODE_DIR);
	}
	if (mic)
		types[0][n[0]++] = m2mv_mode_cred_type(M2MV_MODE_MIC);
	return (n[0] ? 1 : 0) + (n[1] ? 1 : 0);
}

/* ---------------------------------------------------------- sections */

/* Split "a, b c" into targets; "targets" may be given several times. */
static void add_targets(struct parse *p, const char *v)
{
	struct agent_config *c = p->cfg;
	const char *s = v, *e;
	char tok[AGENT_ID_MAX + 2];
	size_t n, i;

	for (;;) {
		while (*s == ',' || isspace((unsigned char)*s))
			s++;
		if (!*s)
			return;
		e = s;
		while (*e && *e != ',' && !isspace((unsigned char)*e))
			e++;
		n = (size_t)(e - s);
		if (n > AGENT_ID_MAX) {
			fail_at(p, p->line, "[credentials] targets: an AE-ID is at most %d characters",
				AGENT_ID_MAX);
			return;
		}
		memcpy(tok, s, n);
		tok[n] = '\0';
		if (!id_ok(tok)) {
			fail_at(p, p->line, "[credentials] targets: '%s' is not an AE-ID ([A-Za-z0-9._:/-])",
				tok);
			return;
		}
		for (i = 0; i < c->n_targets; i++)
			if (!strcmp(c->targets[i], tok)) {
				fail_at(p, p->line, "[credentials] targets: '%s' is listed twice",
					tok);
				return;
			}
		if (c->n_targets == M2MV_TEF_MAX_TARGETS) {
			fail_at(p, p->line, "[credentials] targets: at most %d AE-IDs",
				M2MV_TEF_MAX_TARGETS);
			return;
		}
		memcpy(c->targets[c->n_targets++], tok, n + 1);
		s = e;
	}
}

/* Split "a, b c" into labels; "labels" may be given several times. */
static void add_labels(struct parse *p, const char *v)
{
	struct agent_config *c = p->cfg;
	const char *s = v, *e;
	char tok[M2MV_TEF_LABEL_MAX + 2];
	size_t n, i;

	for (;;) {
		while (*s == ',' || isspace((unsigned char)*s))
			s++;
		if (!*s)
			return;
		e = s;
		while (*e && *e != ',' && !isspace((unsigned char)*e))
			e++;
		n = (size_t)(e - s);
		if (n > M2MV_TEF_LABEL_MAX) {
			fail_at(p, p->line, "[credentials] labels: a label is at most %d characters",
				M2MV_TEF_LABEL_MAX);
			return;
		}
		memcpy(tok, s, n);
		tok[n] = '\0';
		if (!m2mv_tef_label_ok(tok)) {
			fail_at(p, p->line, "[credentials] labels: '%s' is not a label ([A-Za-z0-9._:/=+@-])",
				tok);
			return;
		}
		for (i = 0; i < c->n_labels; i++)
			if (!strcmp(c->labels[i], tok)) {
				fail_at(p, p->line, "[credentials] labels: '%s' is listed twice",
					tok);
				return;
			}
		if (c->n_labels == M2MV_TEF_MAX_LABELS) {
			fail_at(p, p->line, "[credentials] labels: at most %d labels",
				M2MV_TEF_MAX_LABELS);
			return;
		}
		memcpy(c->labels[c->n_labels++], tok, n + 1);
		s = e;
	}
}

/* A section header, as the reader saw it: "[NAME]" with NAME trimmed. */
static void begin_section(struct parse *p, const char *name)
{
	struct agent_config *c = p->cfg;
	const char *prefix;
	size_t i;
	int s;

	p->pol = NULL;
	p->sec = SEC_UNKNOWN;
	if (!strncmp(name, "policy", 6) &&
	    (name[6] == '\0' || isspace((unsigned char)name[6]))) {
		prefix = name + 6;
		while (isspace((unsigned char)*prefix))
			prefix++;
		if (*prefix == '"' && !strcmp(prefix + 1, "\""))
			prefix = "";	/* [policy ""]: every path */
		if (!path_ok(prefix)) {
			fail_at(p, p->line, "[policy %s]: a prefix is at most %d characters of [A-Za-z0-9._~/-]",
				prefix, M2MV_PATH_MAX);
			return;
		}
		for (i = 0; i < c->n_policies; i++)
			if (!strcmp(c->policies[i].prefix, prefix)) {
				fail_at(p, p->line, "[policy %s] appears twice (first at line %d)",
					prefix, c->policies[i].line);
				return;
			}
		if (c->n_policies == AGENT_MAX_POLICIES) {
			fail_at(p, p->line, "at most %d [policy] sections",
				AGENT_MAX_POLICIES);
			return;
		}
		p->pol = &c->policies[c->n_policies++];
		strcpy(p->pol->prefix, prefix);
		p->pol->mode = M2MV_MODE_WRAP;
		p->pol->line = p->line;
		p->pol_mode_line = p->pol_keys_line = p->pol_profile_line = 0;
		p->sec = SEC_POLICY;
		return;
	}
	for (s = SEC_TEF; s <= SEC_STORE; s++)
		if (!strcmp(name, section_names[s]))
			break;
	if (s > SEC_STORE) {
		fail_at(p, p->line, "unknown section [%s] (sections: tef, credentials, keyring, store, policy PREFIX)",
			name);
		return;
	}
	if (p->sec_line[s]) {
		fail_at(p, p->line, "section [%s] appears twice (first at line %d)",
			name, p->sec_line[s]);
		return;
	}
	p->sec_line[s] = p->line;
	p->sec = (enum section)s;
}

static int parse_profile(const char *v, enum agent_profile *profile)
{
	if (!strcmp(v, "seed"))
		*profile = AGENT_PROFILE_SEED;
	else if (!strcmp(v, "ts0003"))
		*profile = AGENT_PROFILE_TS0003;
	else
		return -1;
	return 0;
}

static void policy_key(struct parse *p, const char *name, const char *v)
{
	struct agent_policy *pol = p->pol;
	int *seen;

	if (!strcmp(name, "mode"))
		seen = &p->pol_mode_line;
	else if (!strcmp(name, "keys"))
		seen = &p->pol_keys_line;
	else if (!strcmp(name, "profile"))
		seen = &p->pol_profile_line;
	else {
		fail_at(p, p->line, "[policy %s]: unknown key '%s' (keys: mode, keys, profile)",
			pol->prefix, name);
		return;
	}
	if (*seen) {
		fail_at(p, p->line, "[policy %s]: '%s' is set twice (first at line %d)",
			pol->prefix, name, *seen);
		return;
	}
	*seen = p->line;
	if (seen == &p->pol_mode_line) {
		if (!strcmp(v, "wrap"))
			pol->mode = M2MV_MODE_WRAP;
		else if (!strcmp(v, "dir"))
			pol->mode = M2MV_MODE_DIR;
		else if (!strcmp(v, "mic"))
			pol->mode = M2MV_MODE_MIC;
		else
			fail_at(p, p->line, "[policy %s]: mode is wrap, dir or mic, not '%s'",
				pol->prefix, v);
	} else if (seen == &p->pol_profile_line) {
		if (parse_profile(v, &pol->profile))
			fail_at(p, p->line, "[policy %s]: profile is seed or ts0003, not '%s'",
				pol->prefix, v);
	} else {
		if (!strcmp(v, "container"))
			pol->flags &= ~M2MV_POLICY_F_INSTANCE;
		else if (!strcmp(v, "instance"))
			pol->flags |= M2MV_POLICY_F_INSTANCE;
		else
			fail_at(p, p->line, "[policy %s]: keys is container or instance, not '%s'",
				pol->prefix, v);
	}
}

static void tef_key(struct parse *p, enum key k, const char *v)
{
	struct agent_config *c = p->cfg;
	unsigned long n;

	switch (k) {
	case K_TEF_HOST:
		if (set_string(c->tef_host, sizeof(c->tef_host), v) ||
		    !charset_ok(v, ".-:_%[]"))
			fail_at(p, p->line, "[tef] host: an address or host name, not '%s'", v);
		break;
	case K_TEF_PORT:
		if (parse_uint(v, 1, 65535, &n))
			fail_at(p, p->line, "[tef] port: 1 to 65535, not '%s'", v);
		else
			c->tef_port = (unsigned int)n;
		break;
	case K_TEF_FQDN:
		if (set_string(c->tef_fqdn, sizeof(c->tef_fqdn), v) ||
		    !charset_ok(v, ".-"))
			fail_at(p, p->line, "[tef] fqdn: 1 to %d characters of [A-Za-z0-9.-], not '%s'",
				AGENT_FQDN_MAX, v);
		break;
	case K_TEF_IDENTITY:
		if (!id_ok(v) ||
		    set_string(c->tef_identity, sizeof(c->tef_identity), v))
			fail_at(p, p->line, "[tef] identity: the KpmId, 1 to %d characters of [A-Za-z0-9._:/-], not '%s'",
				AGENT_ID_MAX, v);
		break;
	case K_TEF_PSK_FILE:
		if (set_string(c->tef_psk_file, sizeof(c->tef_psk_file), v))
			fail_at(p, p->line, "[tef] psk_file: a file name");
		break;
	case K_TEF_PSK_CRED:
		/* A file name in $CREDENTIALS_DIRECTORY; resolved in check(). */
		if (strlen(v) > AGENT_CRED_NAME_MAX || !v[0] ||
		    !charset_ok(v, "._-") || v[0] == '.' ||
		    set_string(c->tef_psk_credential,
			       sizeof(c->tef_psk_credential), v))
			fail_at(p, p->line, "[tef] psk_credential: a systemd credential name, 1 to %d characters of [A-Za-z0-9._-], not starting with '.', not '%s'",
				AGENT_CRED_NAME_MAX, v);
		break;
	default: /* K_TEF_TIMEOUT */
		if (parse_uint(v, 100, 600000, &n))
			fail_at(p, p->line, "[tef] timeout_ms: 100 to 600000 milliseconds, not '%s'", v);
		else
			c->tef_timeout_ms = (unsigned int)n;
		break;
	}
}

static void other_key(struct parse *p, enum key k, const char *v)
{
	struct agent_config *c = p->cfg;

	switch (k) {
	case K_CRED_TARGETS:
		add_targets(p, v);
		break;
	case K_CRED_LABELS:
		add_labels(p, v);
		break;
	case K_CRED_ADMIN:
		if (!m2mv_tef_fqdn_ok(v))
			fail_at(p, p->line, "[credentials] admin: an FQDN (labels of letters, digits and '-', no trailing dot), not '%s'", v);
		else
			snprintf(c->admin, sizeof(c->admin), "%s", v);
		break;
	case K_CRED_LIFETIME:
		if (agent_parse_duration(v, 2, M2MV_TEF_MAX_LIFETIME, &c->lifetime))
			fail_at(p, p->line, "[credentials] lifetime: 2 s to 365 d (a number of seconds, or with s, m, h or d), not '%s'", v);
		break;
	case K_CRED_RENEW:
		if (agent_parse_duration(v, 1, M2MV_TEF_MAX_LIFETIME, &c->renew_before))
			fail_at(p, p->line, "[credentials] renew_before: 1 s to 365 d, not '%s'", v);
		break;
	case K_KR_MODE:
		if (!strcmp(v, "session"))
			c->keyring_mode = AGENT_KEYRING_SESSION;
		else if (!strcmp(v, "user"))
			c->keyring_mode = AGENT_KEYRING_USER;
		else
			fail_at(p, p->line, "[keyring] mode: session or user, not '%s'", v);
		break;
	case K_KR_NAME:
		if (set_string(c->keyring_name, sizeof(c->keyring_name), v) ||
		    !charset_ok(v, "._:-") || v[0] == '.' || v[0] == '_')
			fail_at(p, p->line, "[keyring] name: 1 to %d characters of [A-Za-z0-9._:-], not starting with '.' or '_', not '%s'",
				AGENT_KEYRING_MAX, v);
		break;
	case K_KR_UID:
		if (parse_uid(v, &c->cse_uid))
			fail_at(p, p->line, "[keyring] cse_uid: no such user '%s'", v);
		else
			c->have_cse_uid = 1;
		break;
	case K_KR_GID:
		if (parse_gid(v, &c->cse_gid))
			fail_at(p, p->line, "[keyring] cse_gid: no such group '%s'", v);
		else
			c->have_cse_gid = 1;
		break;
	case K_STORE_NAME:
		if (set_string(c->store_name, sizeof(c->store_name), v) ||
		    !charset_ok(v, "._-"))
			fail_at(p, p->line, "[store] name: 1 to %d characters of [A-Za-z0-9._-], not '%s'",
				M2MV_NAME_MAX - 1, v);
		break;
	case K_STORE_FILE:
		if (v[0] != '/' ||
		    set_string(c->store_file, sizeof(c->store_file), v))
			fail_at(p, p->line, "[store] file: an absolute path, not '%s'", v);
		break;
	case K_STORE_STATE:
		if (v[0] != '/' ||
		    set_string(c->state_file, sizeof(c->state_file), v))
			fail_at(p, p->line, "[store] state: an absolute path, not '%s'", v);
		break;
	case K_STORE_OWNER:
		if (parse_uid(v, &c->store_owner))
			fail_at(p, p->line, "[store] owner: no such user '%s'", v);
		break;
	case K_STORE_GROUP:
		if (parse_gid(v, &c->store_group))
			fail_at(p, p->line, "[store] group: no such group '%s'", v);
		break;
	case K_STORE_MODE:
		if (parse_perm(v, &c->store_perm))
			fail_at(p, p->line, "[store] mode: permission bits in octal, 0 to 0777 (e.g. 0660), not '%s'", v);
		break;
	case K_STORE_ANCHOR:
		if (!strcmp(v, "tef"))
			c->anchor = AGENT_ANCHOR_TEF;
		else if (!strcmp(v, "tpm"))
			c->anchor = AGENT_ANCHOR_TPM;
		else if (!strcmp(v, "none"))
			c->anchor = AGENT_ANCHOR_NONE;
		else
			fail_at(p, p->line, "[store] anchor: 'tef', 'tpm' or 'none', not '%s'", v);
		break;
	case K_STORE_TPM_INDEX:
		if (parse_nv_index(v, &c->tpm_nv_index))
			fail_at(p, p->line, "[store] tpm_nv_index: an NV index of the owner range, 0x%08x to 0x%08x, not '%s'",
				AGENT_TPM_NV_FIRST, AGENT_TPM_NV_LAST, v);
		break;
	case K_STORE_TPM_TCTI:
		if (!v[0] || set_string(c->tpm_tcti, sizeof(c->tpm_tcti), v))
			fail_at(p, p->line, "[store] tpm_tcti: a TCTI configuration of at most %d bytes (e.g. device:/dev/tpmrm0), not '%s'",
				AGENT_TCTI_MAX, v);
		break;
	case K_STORE_PROFILE:
		if (parse_profile(v, &c->profile))
			fail_at(p, p->line, "[store] profile: 'seed' or 'ts0003', not '%s'", v);
		break;
	case K_STORE_ANCHOR_INTERVAL:
		if (agent_parse_duration(v, 1, 86400, &c->anchor_interval))
			fail_at(p, p->line, "[store] anchor_interval: 1 s to 1 d, not '%s'", v);
		break;
	default: /* K_STORE_LIFETIME */
		if (agent_parse_duration(v, 60, M2MV_TEF_MAX_LIFETIME,
					 &c->store_key_lifetime))
			fail_at(p, p->line, "[store] store_key_lifetime: 60 s to 365 d, not '%s'", v);
		break;
	}
}

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct parse *p = user;
	const char *v = value ? value : "";
	int k;

	(void)section;	/* inih's copy; the reader tracked the real one */
	if (p->err_line)
		return 1;
	switch (p->sec) {
	case SEC_NONE:
		fail_at(p, p->line, "'%s' before any [section]", name);
		return 1;
	case SEC_UNKNOWN:
		return 1;	/* already reported */
	case SEC_POLICY:
		policy_key(p, name, v);
		return 1;
	default:
		break;
	}
	for (k = 0; k < K_MAX; k++)
		if (keys[k].sec == p->sec && !strcmp(keys[k].name, name))
			break;
	if (k == K_MAX) {
		fail_at(p, p->line, "[%s]: unknown key '%s'",
			section_names[p->sec], name);
		return 1;
	}
	if (p->key_line[k] && k != K_CRED_TARGETS && k != K_CRED_LABELS) {
		fail_at(p, p->line, "[%s] %s is set twice (first at line %d)",
			section_names[p->sec], name, p->key_line[k]);
		return 1;
	}
	if (!p->key_line[k])
		p->key_line[k] = p->line;
	if (p->sec == SEC_TEF)
		tef_key(p, (enum key)k, v);
	else
		other_key(p, (enum key)k, v);
	return 1;
}

/* ------------------------------------------------------------ reader */

static int next_raw_line(struct parse *p, char *buf, size_t size, int *long_line)
{
	size_t n = 0;
	int ch;

	*long_line = 0;
	for (;;) {
		if (p->f) {
			ch = getc(p->f);
		} else {
			ch = *p->s ? (unsigned char)*p->s : EOF;
			if (ch != EOF)
				p->s++;
		}
		if (ch == EOF) {
			if (n == 0)
				return 0;
			break;
		}
		if (n + 1 < size)
			buf[n++] = (char)ch;
		else
			*long_line = 1;
		if (ch == '\n')
			break;
	}
	buf[n] = '\0';
	return 1;
}

/*
 * inih's reader: one line per call. Section headers are handled here and
 * handed to inih as "[s]"; a key line that inih would cut (@num bytes with
 * newline and terminator) is refused.
 */
static char *reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	char buf[AGENT_LINE_MAX + 2], *s, *e, *t;
	int long_line;

	if (!next_raw_line(p, buf, sizeof(buf), &long_line))
		return NULL;
	p->line++;
	s = buf;
	if (p->line == 1 && !strncmp(s, "\xEF\xBB\xBF", 3))
		s += 3;
	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	if (*s == ';' || *s == '#') {
		s = "";		/* comments may be as long as they like */
	} else if (long_line) {
		fail_at(p, p->line, "line longer than %d characters", AGENT_LINE_MAX);
		s = "";
	} else if (*s == '[') {
		e = strchr(s, ']');
		t = e ? e + 1 : NULL;
		while (t && isspace((unsigned char)*t))
			t++;
		if (!e || (*t && *t != ';' && *t != '#')) {
			fail_at(p, p->line, "a section header is '[NAME]'");
			s = "";
		} else {
			*e = '\0';
			for (s++; isspace((unsigned char)*s); s++)
				;
			while (e > s && isspace((unsigned char)e[-1]))
				*--e = '\0';
			begin_section(p, s);
			s = "[s]";
		}
	} else if (strlen(s) + 2 > (size_t)num) {
		fail_at(p, p->line, "line longer than %d characters (inih's limit for 'key = value')",
			num - 2);
		s = "";
	}
	snprintf(str, (size_t)num, "%s\n", s);
	return str;
}

/* -------------------------------------------------------- validation */

static void defaults(struct agent_config *c)
{
	memset(c, 0, sizeof(*c));
	c->tef_port = M2MV_TEF_PORT;
	c->tef_timeout_ms = AGENT_DEFAULT_TIMEOUT_MS;
	c->lifetime = AGENT_DEFAULT_LIFETIME;
	c->keyring_mode = AGENT_KEYRING_SESSION;
	strcpy(c->keyring_name, AGENT_DEFAULT_KEYRING);
	c->store_key_lifetime = AGENT_DEFAULT_STORE_LIFETIME;
	c->store_owner = 0;
	c->store_group = 0;
	c->store_perm = AGENT_DEFAULT_STORE_PERM;
	c->anchor = AGENT_ANCHOR_TEF;
	c->anchor_interval = AGENT_DEFAULT_ANCHOR_INTERVAL;
	c->profile = AGENT_PROFILE_SEED;
	c->tpm_nv_index = AGENT_DEFAULT_TPM_NV_INDEX;
	strcpy(c->tpm_tcti, AGENT_DEFAULT_TPM_TCTI);
}

static void require(struct parse *p, enum key k)
{
	enum section s = keys[k].sec;

	if (p->key_line[k])
		return;
	if (p->sec_line[s])
		fail_at(p, p->sec_line[s], "[%s] needs '%s'", section_names[s],
			keys[k].name);
	else
		fail_at(p, 0, "missing section [%s] (with '%s')",
			section_names[s], keys[k].name);
}

/*
 * The PSK comes from psk_file, or from the systemd credential
 * psk_credential (LoadCredential=, LoadCredentialEncrypted=): the file of
 * that name in $CREDENTIALS_DIRECTORY, which systemd sets for the unit.
 * Either way tef_psk_file ends up naming the file to read.
 */
static void psk_source(struct parse *p)
{
	struct agent_config *c = p->cfg;
	int file = p->key_line[K_TEF_PSK_FILE];
	int cred = p->key_line[K_TEF_PSK_CRED];
	const char *dir;
	int n;

	if (file && cred) {
		fail_at(p, cred, "[tef] psk_credential and psk_file (line %d) exclude each other",
			file);
		return;
	}
	if (!cred) {
		require(p, K_TEF_PSK_FILE);
		return;
	}
	dir = getenv("CREDENTIALS_DIRECTORY");
	if (!dir || dir[0] != '/') {
		fail_at(p, cred, "[tef] psk_credential: $CREDENTIALS_DIRECTORY is not set: run the agent from a unit with LoadCredential=%s:FILE or LoadCredentialEncrypted=%s:FILE, or use psk_file",
			c->tef_psk_credential, c->tef_psk_credential);
		return;
	}
	n = snprintf(c->tef_psk_file, sizeof(c->tef_psk_file), "%s/%s", dir,
		     c->tef_psk_credential);
	if (n < 0 || (size_t)n >= sizeof(c->tef_psk_file))
		fail_at(p, cred, "[tef] psk_credential: $CREDENTIALS_DIRECTORY is too long");
}

/*
 * Each policy's profile: its own, or [store]'s. Per-instance keys are a
 * derivation of the seed profile; ts0003 seals with the key itself.
 */
static void policy_profiles(struct parse *p)
{
	struct agent_config *c = p->cfg;
	const struct agent_policy *dir[2] = { NULL, NULL };
	struct agent_policy *pol;
	size_t i;

	for (i = 0; i < c->n_policies; i++) {
		pol = &c->policies[i];
		if (pol->profile == AGENT_PROFILE_INHERIT)
			pol->profile = c->profile;
		if (pol->mode == M2MV_MODE_DIR) {
			dir[pol->profile == AGENT_PROFILE_TS0003] = pol;
			/* Every dir policy uses the one type-14 credential. */
			if (dir[0] && dir[1])
				fail_at(p, pol->line,
					"[policy %s]: dir policies of both profiles would share one type-14 key (an HMAC key in seed, an AES key in ts0003): keep dir in one profile",
					pol->prefix);
		}
		if (pol->profile != AGENT_PROFILE_TS0003)
			continue;
		pol->flags |= M2MV_POLICY_F_TS0003;
		if (pol->flags & M2MV_POLICY_F_INSTANCE)
			fail_at(p, pol->line,
				"[policy %s]: keys = instance is for the seed profile (ts0003 seals with the key itself)",
				pol->prefix);
	}
}

static void check(struct parse *p)
{
	struct agent_config *c = p->cfg;
	int n;

	require(p, K_TEF_HOST);
	require(p, K_TEF_FQDN);
	require(p, K_TEF_IDENTITY);
	psk_source(p);
	require(p, K_STORE_NAME);
	require(p, K_STORE_FILE);
	if (!c->n_policies)
		fail_at(p, 0, "no [policy PREFIX] section: nothing would be protected");

	/* Default: renew when a quarter of the lifetime is left. */
	if (!p->key_line[K_CRED_RENEW])
		c->renew_before = c->lifetime / 4 ? c->lifetime / 4 : 1;
	if (c->renew_before >= c->lifetime)
		fail_at(p, p->key_line[K_CRED_RENEW] ? p->key_line[K_CRED_RENEW] :
			p->key_line[K_CRED_LIFETIME],
			"[credentials] renew_before (%u s) must be less than lifetime (%u s)",
			c->renew_before, c->lifetime);

	if (c->keyring_mode == AGENT_KEYRING_USER) {
		if (!c->have_cse_uid)
			fail_at(p, p->key_line[K_KR_MODE],
				"[keyring] mode = user needs cse_uid (whose user keyring)");
		if (c->have_cse_gid)
			fail_at(p, p->key_line[K_KR_GID],
				"[keyring] cse_gid is for mode = session (who may join the keyring)");
	} else if (c->have_cse_uid) {
		fail_at(p, p->key_line[K_KR_UID],
			"[keyring] cse_uid is for mode = user; in session mode cse_gid says who may join");
	}

	if (!p->key_line[K_STORE_STATE] && c->store_file[0]) {
		n = snprintf(c->state_file, sizeof(c->state_file), "%s.state",
			     c->store_file);
		if (n < 0 || (size_t)n >= sizeof(c->state_file))
			fail_at(p, p->key_line[K_STORE_FILE], "[store] file: name too long");
	}
	if (c->state_file[0] && !strcmp(c->state_file, c->store_file))
		fail_at(p, p->key_line[K_STORE_STATE],
			"[store] state must not be the store file");
	if (c->anchor == AGENT_ANCHOR_NONE &&
	    p->key_line[K_STORE_ANCHOR_INTERVAL])
		fail_at(p, p->key_line[K_STORE_ANCHOR_INTERVAL],
			"[store] anchor_interval has no use with anchor = none");
	if (c->anchor != AGENT_ANCHOR_TPM && p->key_line[K_STORE_TPM_INDEX])
		fail_at(p, p->key_line[K_STORE_TPM_INDEX],
			"[store] tpm_nv_index has no use without anchor = tpm");
	if (c->anchor != AGENT_ANCHOR_TPM && p->key_line[K_STORE_TPM_TCTI])
		fail_at(p, p->key_line[K_STORE_TPM_TCTI],
			"[store] tpm_tcti has no use without anchor = tpm");
	policy_profiles(p);
	/* Each report writes the TPM's NV memory, which wears: fewer. */
	if (c->anchor == AGENT_ANCHOR_TPM &&
	    !p->key_line[K_STORE_ANCHOR_INTERVAL])
		c->anchor_interval = AGENT_DEFAULT_TPM_INTERVAL;
}

static int parse(struct parse *p)
{
	int ret;

	ret = ini_parse_stream(reader, p, handler, p);
	if (ret == -2) {
		fail_at(p, 0, "out of memory");
		return -ENOMEM;
	}
	/* inih's own complaint: a line that is neither header, key nor comment. */
	if (ret > 0 && (!p->err_line || (p->err_line > ret)))  {
		p->err_line = 0;
		fail_at(p, ret, "expected '[section]', 'key = value' or a comment");
	}
	if (!p->err_line)
		check(p);
	return p->err_line ? -EINVAL : 0;
}

int agent_config_parse(const char *name, const char *text,
		       struct agent_config *cfg, char *err, size_t err_size)
{
	struct parse p = { .cfg = cfg, .name = name, .err = err,
			   .err_size = err_size, .s = text };

	defaults(cfg);
	snprintf(cfg->file, sizeof(cfg->file), "%s", name);
	err[0] = '\0';
	return parse(&p);
}

int agent_config_load(const char *path, struct agent_config *cfg, char *err,
		      size_t err_size)
{
	struct parse p = { .cfg = cfg, .name = path, .err = err,
			   .err_size = err_size };
	int ret;

	defaults(cfg);
	snprintf(cfg->file, sizeof(cfg->file), "%s", path);
	err[0] = '\0';
	p.f = fopen(path, "re");
	if (!p.f) {
		ret = -errno;
		snprintf(err, err_size, "%s: cannot read the configuration: %s",
			 path, strerror(-ret));
		return ret;
	}
	ret = parse(&p);
	if (!ret && ferror(p.f)) {
		ret = -EIO;
		snprintf(err, err_size, "%s: read error", path);
	}
	fclose(p.f);
	return ret;
}
