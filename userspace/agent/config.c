// SPDX-License-Identifier: GPL-2.0
/* m2mvaultd's INI configuration; see config.h. */
#define INI_HANDLER_LINENO 1
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "agent/config.h"

struct parse {
	struct agent_config *cfg;
	const char *path;
	char *err;
	size_t err_size;
	int failed;
};

static int fail(struct parse *p, int line, const char *fmt, const char *arg)
{
	int n;

	if (p->failed)
		return 0;
	n = snprintf(p->err, p->err_size, "%s:%d: ", p->path, line);
	if (n > 0 && (size_t)n < p->err_size)
		snprintf(p->err + n, p->err_size - (size_t)n, fmt, arg);
	p->failed = 1;
	return 0;
}

static int copy(char *dst, size_t size, const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n >= size)
		return -EINVAL;
	memcpy(dst, v, n + 1);
	return 0;
}

static int number(const char *v, unsigned long min, unsigned long max,
		  unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(v, &end, 10);
	if (errno || end == v || *end || *v == '-' || *out < min || *out > max)
		return -EINVAL;
	return 0;
}

static int path_ok(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '~' || c == '/' || c == '-'))
			return 0;
	}
	return 1;
}

static int targets(struct parse *p, int line, const char *v)
{
	char buf[4096], *tok, *save = NULL;
	struct agent_config *c = p->cfg;

	if (strlen(v) >= sizeof(buf))
		return fail(p, line, "%s", "targets too long");
	strcpy(buf, v);
	c->n_targets = 0;
	for (tok = strtok_r(buf, ", \t", &save); tok;
	     tok = strtok_r(NULL, ", \t", &save)) {
		if (c->n_targets == M2MV_TEF_MAX_TARGETS)
			return fail(p, line, "%s", "more than 32 targets");
		if (copy(c->targets[c->n_targets], sizeof(c->targets[0]), tok))
			return fail(p, line, "bad target %s", tok);
		c->n_targets++;
	}
	return 1;
}

static int policy(struct parse *p, int line, const char *prefix,
		  const char *name, const char *v)
{
	struct agent_config *c = p->cfg;
	struct agent_policy *pol = NULL;
	size_t i;

	for (i = 0; i < c->n_policies; i++)
		if (!strcmp(c->policies[i].prefix, prefix))
			pol = &c->policies[i];
	if (!pol) {
		if (c->n_policies == AGENT_MAX_POLICIES)
			return fail(p, line, "%s", "too many policies");
		if (strlen(prefix) > M2MV_PATH_MAX || !path_ok(prefix))
			return fail(p, line, "bad policy prefix '%s'", prefix);
		pol = &c->policies[c->n_policies++];
		strcpy(pol->prefix, prefix);
		pol->mode = M2MV_MODE_WRAP;
	}
	if (!strcmp(name, "mode")) {
		if (!strcmp(v, "wrap"))
			pol->mode = M2MV_MODE_WRAP;
		else if (!strcmp(v, "dir"))
			pol->mode = M2MV_MODE_DIR;
		else if (!strcmp(v, "mic"))
			pol->mode = M2MV_MODE_MIC;
		else
			return fail(p, line, "mode is wrap, dir or mic, not %s", v);
	} else if (!strcmp(name, "keys")) {
		if (!strcmp(v, "container"))
			pol->instance = 0;
		else if (!strcmp(v, "instance"))
			pol->instance = 1;
		else
			return fail(p, line, "keys is container or instance, not %s", v);
	} else {
		return fail(p, line, "unknown policy key %s", name);
	}
	return 1;
}

static int handler(void *user, const char *section, const char *name,
		   const char *v, int line)
{
	struct parse *p = user;
	struct agent_config *c = p->cfg;
	unsigned long n;

	if (p->failed)
		return 1;
	if (!name)		/* a section header alone */
		return 1;
	if (!strncmp(section, "policy ", 7))
		return policy(p, line, section + 7, name, v);
	if (!strcmp(section, "tef")) {
		if (!strcmp(name, "host"))
			return copy(c->tef_host, sizeof(c->tef_host), v) ?
			       fail(p, line, "%s", "bad host") : 1;
		if (!strcmp(name, "port")) {
			if (number(v, 1, 65535, &n))
				return fail(p, line, "bad port %s", v);
			c->tef_port = (uint16_t)n;
			return 1;
		}
		if (!strcmp(name, "fqdn"))
			return copy(c->tef_fqdn, sizeof(c->tef_fqdn), v) ?
			       fail(p, line, "%s", "bad fqdn") : 1;
		if (!strcmp(name, "identity"))
			return copy(c->identity, sizeof(c->identity), v) ?
			       fail(p, line, "%s", "bad identity") : 1;
		if (!strcmp(name, "psk_file"))
			return copy(c->psk_file, sizeof(c->psk_file), v) ?
			       fail(p, line, "%s", "bad psk_file") : 1;
		if (!strcmp(name, "timeout_ms")) {
			if (number(v, 100, 600000, &n))
				return fail(p, line, "bad timeout_ms %s", v);
			c->timeout_ms = (unsigned int)n;
			return 1;
		}
	} else if (!strcmp(section, "credentials")) {
		if (!strcmp(name, "targets"))
			return targets(p, line, v);
		if (!strcmp(name, "lifetime")) {
			if (number(v, 10, M2MV_TEF_MAX_LIFETIME, &n))
				return fail(p, line, "bad lifetime %s", v);
			c->lifetime = (unsigned int)n;
			return 1;
		}
		if (!strcmp(name, "renew_before")) {
			if (number(v, 1, M2MV_TEF_MAX_LIFETIME, &n))
				return fail(p, line, "bad renew_before %s", v);
			c->renew_before = (unsigned int)n;
			return 1;
		}
	} else if (!strcmp(section, "keyring")) {
		if (!strcmp(name, "name"))
			return copy(c->keyring, sizeof(c->keyring), v) ?
			       fail(p, line, "%s", "bad keyring name") : 1;
		if (!strcmp(name, "gid")) {
			if (number(v, 0, 0x7fffffff, &n))
				return fail(p, line, "bad gid %s", v);
			c->keyring_gid = (gid_t)n;
			return 1;
		}
	} else if (!strcmp(section, "store")) {
		if (!strcmp(name, "name"))
			return copy(c->store_name, sizeof(c->store_name), v) ?
			       fail(p, line, "%s", "bad store name") : 1;
		if (!strcmp(name, "file"))
			return copy(c->store_file, sizeof(c->store_file), v) ?
			       fail(p, line, "%s", "bad store file") : 1;
		if (!strcmp(name, "state"))
			return copy(c->state_file, sizeof(c->state_file), v) ?
			       fail(p, line, "%s", "bad state file") : 1;
		if (!strcmp(name, "key_lifetime")) {
			if (number(v, 60, M2MV_TEF_MAX_LIFETIME, &n))
				return fail(p, line, "bad key_lifetime %s", v);
			c->store_key_lifetime = (unsigned int)n;
			return 1;
		}
	} else {
		return fail(p, line, "unknown section [%s]", section);
	}
	return fail(p, line, "unknown key %s", name);
}

int agent_config_load(const char *path, struct agent_config *cfg, char *err,
		      size_t err_size)
{
	struct parse p = { .cfg = cfg, .path = path, .err = err,
			   .err_size = err_size };
	int r;

	memset(cfg, 0, sizeof(*cfg));
	cfg->tef_port = M2MV_TEF_PORT;
	cfg->timeout_ms = 5000;
	cfg->lifetime = 86400;
	cfg->renew_before = 3600;
	cfg->store_key_lifetime = M2MV_TEF_MAX_LIFETIME;
	snprintf(cfg->keyring, sizeof(cfg->keyring), "m2mvault");
	snprintf(err, err_size, "%s: ", path);

	r = ini_parse(path, handler, &p);
	if (r < 0) {
		snprintf(err, err_size, "%s: cannot read", path);
		return -ENOENT;
	}
	if (r > 0 && !p.failed)
		fail(&p, r, "%s", "syntax error");
	if (p.failed)
		return -EINVAL;
	if (!cfg->tef_host[0] || !cfg->tef_fqdn[0] || !cfg->identity[0] ||
	    !cfg->psk_file[0]) {
		snprintf(err, err_size, "%s: [tef] needs host, fqdn, identity and psk_file", path);
		return -EINVAL;
	}
	if (!cfg->store_name[0] || !cfg->store_file[0]) {
		snprintf(err, err_size, "%s: [store] needs name and file", path);
		return -EINVAL;
	}
	if (!cfg->n_policies) {
		snprintf(err, err_size, "%s: no [policy PREFIX] section", path);
		return -EINVAL;
	}
	if (cfg->renew_before >= cfg->lifetime) {
		snprintf(err, err_size, "%s: renew_before must be less than lifetime", path);
		return -EINVAL;
	}
	if (!cfg->state_file[0] &&
	    snprintf(cfg->state_file, sizeof(cfg->state_file), "%s.agent",
		     cfg->store_file) >= (int)sizeof(cfg->state_file)) {
		snprintf(err, err_size, "%s: store file name too long", path);
		return -EINVAL;
	}
	err[0] = '\0';
	return 0;
}
