// SPDX-License-Identifier: GPL-2.0
/*
 * The state file: which credentials the agent registered and when they
 * expire. No key is in it (the TEF keeps them, and gives them back to
 * their owner): it lets a restarted agent, after a reboot emptied the
 * keyrings, fetch the keys that records in the store were sealed under,
 * and the store key, whose Credential-ID the store file does not hold.
 *
 *   m2mvaultd-state 1
 *   store 0 16 1795000000 16-...@tef.example.com
 *   data 3 15 1763900000 15-...@tef.example.com
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"

#define STATE_MAGIC "m2mvaultd-state 1"

void agent_state_prune(struct agent_state *st, time_t now)
{
	size_t i, j = 0;

	for (i = 0; i < st->n; i++)
		if (st->creds[i].expires > now)
			st->creds[j++] = st->creds[i];
	st->n = j;
}

int agent_state_add(struct agent_state *st, const struct agent_cred *c,
		    time_t now)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (!strcmp(st->creds[i].id, c->id)) {
			st->creds[i] = *c;
			return 0;
		}
	if (st->n == AGENT_MAX_CREDS)
		agent_state_prune(st, now);
	if (st->n == AGENT_MAX_CREDS)
		return -ENOSPC;
	st->creds[st->n++] = *c;
	return 0;
}

int agent_state_remove(struct agent_state *st, const char *id)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (!strcmp(st->creds[i].id, id)) {
			st->creds[i] = st->creds[--st->n];
			memset(&st->creds[st->n], 0, sizeof(st->creds[st->n]));
			return 0;
		}
	return -ENOENT;
}

const struct agent_cred *agent_state_store_key(const struct agent_state *st)
{
	const struct agent_cred *best = NULL;
	size_t i;

	for (i = 0; i < st->n; i++)
		if (st->creds[i].gen == 0 &&
		    (!best || st->creds[i].expires > best->expires))
			best = &st->creds[i];
	return best;
}

unsigned long agent_state_newest_gen(const struct agent_state *st)
{
	unsigned long gen = 0;
	size_t i;

	for (i = 0; i < st->n; i++)
		if (st->creds[i].gen > gen)
			gen = st->creds[i].gen;
	return gen;
}

const struct agent_cred *agent_state_find(const struct agent_state *st,
					  unsigned long gen, unsigned int type)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (st->creds[i].gen == gen && st->creds[i].type == type)
			return &st->creds[i];
	return NULL;
}

int agent_state_load(const char *path, time_t now, struct agent_state *st,
		     char *err, size_t err_size)
{
	char line[512], kind[8], id[M2MV_CREDID_BUFSZ];
	struct agent_cred c;
	unsigned long gen;
	unsigned int type, idtype;
	long long exp;
	int n = 0, ret = 0;
	FILE *f;

	st->n = 0;
	err[0] = '\0';
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		ret = -errno;
		snprintf(err, err_size, "%s: %s", path, strerror(-ret));
		return ret;
	}
	while (fgets(line, sizeof(line), f)) {
		n++;
		if (n == 1) {
			if (strcmp(line, STATE_MAGIC "\n"))
				goto bad;
			continue;
		}
		if (sscanf(line, "%7s %lu %u %lld %255s", kind, &gen, &type,
			   &exp, id) != 5 ||
		    m2mv_credid_parse(id, &idtype) || idtype != type ||
		    strcmp(kind, gen ? "data" : "store") ||
		    (!gen && type != M2MV_CRED_TYPE_ESDATA_HMAC))
			goto bad;
		memset(&c, 0, sizeof(c));
		snprintf(c.id, sizeof(c.id), "%s", id);
		c.type = type;
		c.expires = (time_t)exp;
		c.gen = gen;
		if (c.expires > now && agent_state_add(st, &c, now))
			goto bad;
	}
	if (ferror(f))
		ret = -EIO;
	fclose(f);
	if (ret)
		snprintf(err, err_size, "%s: read error", path);
	return ret;
bad:
	fclose(f);
	snprintf(err, err_size, "%s:%d: not a m2mvaultd state line", path, n);
	st->n = 0;
	return -EINVAL;
}

int agent_state_save(const char *path, const struct agent_state *st)
{
	char tmp[AGENT_PATH_MAX + 8], dir[AGENT_PATH_MAX];
	int fd, dfd, ret = 0;
	size_t i;
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		ret = -errno;
		close(fd);
		unlink(tmp);
		return ret;
	}
	fprintf(f, STATE_MAGIC "\n");
	for (i = 0; i < st->n; i++)
		fprintf(f, "%s %lu %u %lld %s\n",
			st->creds[i].gen ? "data" : "store", st->creds[i].gen,
			st->creds[i].type, (long long)st->creds[i].expires,
			st->creds[i].id);
	if (fflush(f) || fsync(fd))
		ret = errno ? -errno : -EIO;
	if (fclose(f) && !ret)
		ret = -EIO;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret) {
		unlink(tmp);
		return ret;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}
