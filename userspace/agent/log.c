// SPDX-License-Identifier: GPL-2.0
/*
 * m2mvaultd's messages go to stderr, one line each. Under systemd
 * (JOURNAL_STREAM names our stderr) they carry the "<N>" priority prefix
 * the journal understands, and no program name (the journal adds it);
 * elsewhere they start with "m2mvaultd: ".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "agent/agent.h"

static int to_journal;
static int verbosity;

void agent_log_init(int verbose)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	verbosity = verbose;
	to_journal = js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
		     !fstat(2, &st) && st.st_dev == (dev_t)dev &&
		     st.st_ino == (ino_t)ino;
}

void agent_log(enum agent_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (level == AGENT_DEBUG && !verbosity)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (to_journal)
		fprintf(stderr, "<%d>%s\n", (int)level, msg);
	else
		fprintf(stderr, AGENT_NAME ": %s\n", msg);
}
