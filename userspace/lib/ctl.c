// SPDX-License-Identifier: GPL-2.0
/*
 * Control-plane handles: open one (a connected socket and the resolved
 * family, nl.c), ask what it can do, read its last error, close it with
 * its events subscription (events.c).
 */
#include <errno.h>
#include <stdlib.h>

#include "lib/internal.h"

int m2mv_ctl_open(struct m2mv_ctl **ctlp)
{
	struct m2mv_ctl *ctl;
	int ret;

	*ctlp = NULL;
	ctl = calloc(1, sizeof(*ctl));
	if (!ctl)
		return -ENOMEM;
	ret = m2mv__nl_open(ctl);
	if (ret) {
		m2mv_ctl_close(ctl);
		return ret;
	}
	*ctlp = ctl;
	return 0;
}

void m2mv_ctl_close(struct m2mv_ctl *ctl)
{
	if (!ctl)
		return;
	m2mv_events_unsubscribe(ctl);
	m2mv__nl_close(ctl);
	free(ctl);
}

const char *m2mv_ctl_last_error(const struct m2mv_ctl *ctl)
{
	return ctl->err;
}

int m2mv_ctl_supports(const struct m2mv_ctl *ctl, unsigned int cmd)
{
	return m2mv__fam_has(&ctl->fam, cmd);
}
