// SPDX-License-Identifier: GPL-2.0
/*
 * The operator's commands on the agent's key registrations (TS-0003
 * 8.3.5.2.9 and 8.3.5.2.10), run once and without the module:
 *
 *   m2mvaultd --update-registrations  every live credential of the state
 *                                     file gets the configured targets
 *                                     (the store key none) and labels
 *   m2mvaultd --deregister CREDID     one credential of the state file is
 *                                     de-registered and leaves the state
 *
 * Only credentials in the state file: the agent registered them, so the
 * TEF takes them from this enrolee. A target taken out of the ACP cannot
 * retrieve the key again, but keeps what it retrieved before.
 */
#include <errno.h>
#include <string.h>

#include "agent/agent.h"

static int load_state(struct agent *a)
{
	char err[AGENT_PATH_MAX + 64];
	int ret;

	ret = agent_state_load(a->cfg.state_file, time(NULL), &a->state, err,
			       sizeof(err));
	if (ret)
		agent_err("%s", err);
	return ret;
}

int agent_update_registrations(struct agent *a)
{
	struct m2mv_tef *t = NULL;
	size_t i, failed = 0;
	int ret;

	ret = load_state(a);
	if (ret)
		return ret;
	if (!a->state.n) {
		agent_notice("%s holds no live credential: nothing to update",
			     a->cfg.state_file);
		return 0;
	}
	ret = agent_tef_open(a, &t);
	if (ret)
		return ret;
	for (i = 0; i < a->state.n; i++)
		if (agent_tef_update(a, t, &a->state.creds[i]))
			failed++;
	m2mv_tef_close(t);
	agent_notice("updated %zu of %zu registrations (targets: %zu, labels: %zu)",
		     a->state.n - failed, a->state.n, a->cfg.n_targets,
		     a->cfg.n_labels);
	return failed ? -EIO : 0;
}

int agent_deregister(struct agent *a, const char *credid)
{
	const struct agent_cred *c = NULL;
	struct agent_cred copy;
	struct m2mv_tef *t = NULL;
	size_t i;
	int ret;

	ret = load_state(a);
	if (ret)
		return ret;
	for (i = 0; i < a->state.n; i++)
		if (!strcmp(a->state.creds[i].id, credid))
			c = &a->state.creds[i];
	if (!c) {
		agent_err("%s: not a live credential of %s: this agent de-registers only what it registered",
			  credid, a->cfg.state_file);
		return -ENOENT;
	}
	copy = *c;
	if (!copy.gen)
		agent_warn("%s is the key of store %s: without it the store cannot be attached again",
			   copy.id, a->cfg.store_name);
	else if (copy.gen == agent_state_newest_gen(&a->state))
		agent_warn("%s is of the newest generation (%lu): records the CSE writes under it can no longer be read off the gateway; renew (SIGHUP) first",
			   copy.id, copy.gen);
	ret = agent_tef_open(a, &t);
	if (ret)
		return ret;
	ret = agent_tef_deregister(a, t, &copy);
	m2mv_tef_close(t);
	/* Unknown to the TEF already: it leaves the state all the same. */
	if (ret && ret != -ENOENT)
		return ret;
	agent_state_remove(&a->state, copy.id);
	ret = agent_state_save(a->cfg.state_file, &a->state);
	if (ret)
		agent_err("%s: cannot save the state: %s", a->cfg.state_file,
			  strerror(-ret));
	return ret;
}
