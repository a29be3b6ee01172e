// SPDX-License-Identifier: GPL-2.0
/*
 * The store's freshness anchor, kept outside the disk: with the TEF
 * ([store] anchor = tef) or in the machine's TPM (anchor = tpm, tpm.c).
 *
 * The module reports the last record of the log known to be on stable
 * storage (sequence number and chain value). The agent hands it to the
 * keeper when it moved: after attaching, every anchor_interval seconds, at
 * once after a compaction (which numbers the records afresh), and when it
 * stops. Before attaching the store after a reboot, the agent fetches it
 * back and hands it to the module, which refuses a log that does not hold
 * that record (ESTALE): an older copy of the file, a file that lost
 * acknowledged records, or one compacted after the last report.
 *
 * What the keeper holds is never ahead of the disk: only durable positions
 * are reported, so a crash that loses unacknowledged records still
 * attaches. What it may lag behind by is what a rollback can take away
 * undetected: the records made durable since the last report.
 *
 * The first-run rule meets the anchor here: a store file that does not
 * exist is made anew only if the keeper holds no anchor for the store; if
 * it does, the file was removed, and the agent refuses unless started with
 * --accept-stale (then the new store's anchor replaces the old one).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agent/agent.h"
#include "lib/m2mvault.h"

/* Who keeps the anchor, for messages: "the TEF", "the TPM". */
static const char *keeper(const struct agent *a)
{
	return a->cfg.anchor == AGENT_ANCHOR_TPM ? "the TPM" : "the TEF";
}

static int anchor_fetch(struct agent *a, struct m2mv_tef *t,
			struct m2mv_tef_anchor *buf)
{
	if (a->cfg.anchor == AGENT_ANCHOR_TPM)
		return agent_tpm_anchor_read(&a->cfg, buf);
	return agent_tef_anchor_get(a, t, buf);
}

static int anchor_keep(struct agent *a, const struct m2mv_tef_anchor *ta)
{
	struct m2mv_tef *t;
	int ret;

	if (a->cfg.anchor == AGENT_ANCHOR_TPM)
		return agent_tpm_anchor_write(&a->cfg, ta);
	ret = agent_tef_open(a, &t);
	if (!ret) {
		ret = agent_tef_anchor_put(a, t, ta);
		m2mv_tef_close(t);
	}
	return ret;
}

int agent_anchor_expected(struct agent *a, struct m2mv_tef *t, int created,
			  struct m2mv_tef_anchor *buf,
			  const struct m2mv_tef_anchor **want)
{
	int ret;

	*want = NULL;
	if (a->cfg.anchor == AGENT_ANCHOR_NONE)
		return 0;
	ret = anchor_fetch(a, t, buf);
	if (ret == -ENOENT) {
		if (!created)
			agent_warn("store %s: %s holds no freshness anchor for it; attaching without one (the first run that keeps one: a rollback of the file until now cannot be told)",
				   a->cfg.store_name, keeper(a));
		return 0;
	}
	if (ret)
		return ret;
	if (created) {
		if (!a->accept_stale) {
			agent_err("store %s: %s holds its freshness anchor (seq %llu), but the store file %s did not exist: the store was removed or moved. Put its file back, or start once with --accept-stale to make a new, empty store in its place",
				  a->cfg.store_name, keeper(a),
				  (unsigned long long)buf->seq,
				  a->cfg.store_file);
			return -ESTALE;
		}
		agent_err("store %s: making a new store although %s holds the anchor (seq %llu) of an earlier one, as --accept-stale asks: its records are gone",
			  a->cfg.store_name, keeper(a),
			  (unsigned long long)buf->seq);
		return 0;
	}
	agent_info("store %s: the freshness anchor %s holds is seq %llu",
		   a->cfg.store_name, keeper(a), (unsigned long long)buf->seq);
	*want = buf;
	return 0;
}

void agent_anchor_refused(struct agent *a, const struct m2mv_tef_anchor *want)
{
	const char *why = m2mv_ctl_last_error(a->ctl);

	agent_err("store %s: the store file %s fails the freshness anchor %s holds (seq %llu, reported at %lld): %s. Refusing it. If you know why and accept the loss, start once with --accept-stale (the module logs it and counts an integrity error)",
		  a->cfg.store_name, a->cfg.store_file, keeper(a),
		  (unsigned long long)want->seq, (long long)want->updated,
		  why && *why ? why :
		  "the file is an older copy, lost acknowledged records, or was compacted while the agent was not running");
}

int agent_anchor_report(struct agent *a, const char *why)
{
	struct m2mv_tef_anchor ta = { 0 };
	struct m2mv_anchor k;
	int ret;

	if (a->cfg.anchor == AGENT_ANCHOR_NONE)
		return 0;
	ret = m2mv_anchor_get(a->ctl, a->cfg.store_name, &k);
	if (ret) {
		agent_warn("store %s: cannot read its freshness anchor (%s): %s",
			   a->cfg.store_name, why, m2mv_strerror(ret));
		return ret;
	}
	ta.seq = k.seq;
	memcpy(ta.chain, k.chain, sizeof(ta.chain));
	if (a->anchor_known && ta.seq == a->anchor_sent.seq &&
	    !memcmp(ta.chain, a->anchor_sent.chain, sizeof(ta.chain)))
		return 0;
	ta.updated = time(NULL);
	ret = anchor_keep(a, &ta);
	if (ret) {
		if (a->anchor_known)
			agent_warn("store %s: %s still holds seq %llu: a rollback to it would go unnoticed until a report succeeds",
				   a->cfg.store_name, keeper(a),
				   (unsigned long long)a->anchor_sent.seq);
		return ret;
	}
	if (!a->anchor_known)
		agent_notice("store %s: freshness anchor seq %llu kept by %s (%s)",
			     a->cfg.store_name, (unsigned long long)ta.seq,
			     keeper(a), why);
	else if (!strcmp(why, "interval"))
		agent_debug("store %s: freshness anchor seq %llu reported (%s)",
			    a->cfg.store_name, (unsigned long long)ta.seq,
			    why);
	else
		agent_info("store %s: freshness anchor seq %llu reported (%s)",
			   a->cfg.store_name, (unsigned long long)ta.seq, why);
	a->anchor_sent = ta;
	a->anchor_known = 1;
	return 0;
}
