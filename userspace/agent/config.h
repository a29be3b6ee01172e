/* SPDX-License-Identifier: GPL-2.0 */
/*
 * m2mvaultd's configuration (INI, inih); every key is documented in
 * Documentation/admin-guide.rst and userspace/agent/m2mvaultd.conf.
 */
#ifndef M2MV_AGENT_CONFIG_H
#define M2MV_AGENT_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/m2mvault.h>

#include "common/tefclient.h"

#define AGENT_MAX_POLICIES	64
#define AGENT_STR		256

struct agent_policy {
	char prefix[M2MV_PATH_MAX + 1];
	unsigned int mode;		/* enum m2mv_mode */
	int instance;			/* dir: per-instance keys */
};

struct agent_config {
	/* [tef] */
	char tef_host[AGENT_STR];
	uint16_t tef_port;
	char tef_fqdn[AGENT_STR];
	char identity[AGENT_STR];
	char psk_file[AGENT_STR];
	unsigned int timeout_ms;
	/* [credentials] */
	char targets[M2MV_TEF_MAX_TARGETS][129];
	size_t n_targets;
	unsigned int lifetime;
	unsigned int renew_before;
	/* [keyring] */
	char keyring[AGENT_STR];
	gid_t keyring_gid;
	/* [store] */
	char store_name[M2MV_NAME_MAX];
	char store_file[AGENT_STR];
	char state_file[AGENT_STR];
	unsigned int store_key_lifetime;
	/* [policy PREFIX] */
	struct agent_policy policies[AGENT_MAX_POLICIES];
	size_t n_policies;
};

/**
 * agent_config_load() - read and validate @path into @cfg
 * @err: out: "file:line: reason" on failure
 * Return: 0 or -EINVAL (-errno if the file cannot be read).
 */
int agent_config_load(const char *path, struct agent_config *cfg, char *err,
		      size_t err_size);

#endif /* M2MV_AGENT_CONFIG_H */
