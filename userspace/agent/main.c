// SPDX-License-Identifier: GPL-2.0
/*
 * m2mvaultd: the m2mvault agent. Bootstraps with the TEF, registers the
 * data security credentials, loads their keys into the kernel keyring
 * where the CSE possesses them, attaches the store, sets the policies,
 * and renews the credentials before they expire.
 *
 *   m2mvaultd [-c CONFIG] [--once] [--foreground] [--verbose]
 *   m2mvaultd [-c CONFIG] --update-registrations | --deregister CREDID
 *
 * Exit status: 0 after --once, or after SIGTERM/SIGINT; 1 when setting up
 * failed (the message says why); 2 for usage and configuration errors.
 * Documentation/admin-guide.rst is the operator's guide.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <systemd/sd-daemon.h>

#include "agent/agent.h"
#include "lib/m2mvault.h"

struct opts {
	const char *config;
	int once;
	int verbose;
	int accept_stale;
	int update;		/* --update-registrations */
	const char *deregister;	/* --deregister CREDID */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " AGENT_NAME " [-c CONFIG] [--once] [--foreground] [--verbose]\n"
		"                 [--accept-stale]\n"
		"       " AGENT_NAME " [-c CONFIG] --update-registrations | --deregister CREDID\n"
		"\n"
		"Bootstraps with the oneM2M TEF, loads the m2mvault credential keys into\n"
		"the kernel keyring, attaches the store, sets its policies, and renews the\n"
		"credentials before they expire.\n"
		"\n"
		"  -c, --config FILE  configuration (default " AGENT_DEFAULT_CONFIG ")\n"
		"  -1, --once         set up, then exit 0 (no renewal)\n"
		"  -f, --foreground   stay in the foreground (always so: " AGENT_NAME "\n"
		"                     never forks; systemd or the shell backgrounds it)\n"
		"  -v, --verbose      also log debugging messages\n"
		"      --accept-stale attach the store even if its file does not hold the\n"
		"                     freshness anchor the TEF or TPM kept (an older copy, lost\n"
		"                     records), or make a new one where its file is gone;\n"
		"                     this run only, logged\n"
		"      --update-registrations\n"
		"                     give every live credential of the state file the\n"
		"                     configured targets and labels at the TEF, then exit\n"
		"      --deregister CREDID\n"
		"                     de-register one credential of the state file at the\n"
		"                     TEF (it gives the key to nobody any more), then exit\n"
		"  -h, --help         this text\n"
		"  -V, --version      the version\n"
		"\n"
		"Exit status: 0 success (after --once, or on SIGTERM/SIGINT), 1 failure,\n"
		"2 usage or configuration error. SIGHUP renews at once.\n");
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "once", no_argument, NULL, '1' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "accept-stale", no_argument, NULL, 'S' },
		{ "update-registrations", no_argument, NULL, 'U' },
		{ "deregister", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->config = AGENT_DEFAULT_CONFIG;
	while ((c = getopt_long(argc, argv, "c:1fvhV", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case '1':
			o->once = 1;
			break;
		case 'f':
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'S':
			o->accept_stale = 1;
			break;
		case 'U':
			o->update = 1;
			break;
		case 'D':
			if (m2mv_credid_parse(optarg, NULL)) {
				fprintf(stderr, AGENT_NAME ": --deregister: '%s' is not a Credential-ID\n",
					optarg);
				return 2;
			}
			o->deregister = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf(AGENT_NAME " %s (libm2mvault %s)\n", M2MV_LIB_VERSION,
			       m2mv_lib_version());
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	if ((o->update || o->deregister) &&
	    (o->update + !!o->deregister + o->once + o->accept_stale) > 1) {
		fprintf(stderr, AGENT_NAME ": --update-registrations and --deregister go alone\n");
		usage(stderr);
		return 2;
	}
	if (optind != argc) {
		fprintf(stderr, AGENT_NAME ": unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr);
		return 2;
	}
	return 0;
}

static int read_psk(struct agent *a)
{
	int ret;

	ret = m2mv_hexkey_read(a->cfg.tef_psk_file, a->sec->psk,
			       &a->sec->psk_len);
	switch (ret) {
	case 0:
		return 0;
	case -EACCES:
		agent_err("%s: the PSK file may be read by group or others (chmod 600), or cannot be opened",
			  a->cfg.tef_psk_file);
		break;
	case -EINVAL:
		agent_err("%s: not a PSK (%d to %d bytes as hex text)",
			  a->cfg.tef_psk_file, M2MV_PSK_MIN, M2MV_PSK_MAX);
		break;
	default:
		agent_err("%s: cannot read the PSK: %s", a->cfg.tef_psk_file,
			  strerror(-ret));
		break;
	}
	return ret;
}

static void status(const struct agent *a, const char *what)
{
	sd_notifyf(0, "STATUS=%s; store %s, generation %lu, keys valid for %lld s",
		   what, a->cfg.store_name, a->gen,
		   (long long)(a->expiry - time(NULL)));
}

/*
 * The unit's WatchdogSec=, as milliseconds between two pings (half of it,
 * as sd_watchdog_enabled(3) advises); 0 when no watchdog is set. The loop
 * pings whenever it wakes up, and wakes up at least that often; a renewal
 * in progress (a TEF session, bounded by timeout_ms per exchange) delays
 * the next ping, so WatchdogSec= must exceed a renewal's longest run.
 */
static long long watchdog_ms(void)
{
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) <= 0 || !usec)
		return 0;
	return usec / 2000 ? (long long)(usec / 2000) : 1;
}

/* What the module's events ask of the loop. */
struct run_events {
	struct agent *a;
	int compacted;		/* the store's records were numbered afresh */
};

static int on_event(const struct m2mv_event_info *ev, void *arg)
{
	struct run_events *re = arg;

	if (ev->event == M2MV_EVENT_COMPACTED &&
	    !strcmp(ev->name, re->a->cfg.store_name))
		re->compacted = 1;
	return 0;
}

/*
 * With an anchor (tef, tpm): join the events group, so that a compaction is
 * reported at once; without it, at the next interval. Return: the
 * descriptor to poll, or -1.
 */
static int anchor_events(struct agent *a, struct run_events *re)
{
	int ret;

	if (a->cfg.anchor == AGENT_ANCHOR_NONE)
		return -1;
	ret = m2mv_events_subscribe(a->ctl, on_event, re);
	if (ret) {
		agent_warn("cannot join the module's events (%s): a compaction reaches the anchor at the next interval, not at once",
			   m2mv_strerror(ret));
		return -1;
	}
	return m2mv_events_fd(a->ctl);
}

/* Milliseconds until @t, at least 0. */
static long long ms_until(time_t t, time_t now)
{
	return t > now ? (long long)(t - now) * 1000 : 0;
}

/*
 * The loop, until SIGTERM or SIGINT: renewals, and with an anchor the
 * anchor's reports (every anchor_interval, after a compaction, at stop).
 */
static void run(struct agent *a, int sfd)
{
	struct signalfd_siginfo si;
	unsigned int attempt = 0, delay;
	struct run_events re = { .a = a };
	struct pollfd pfd[2] = {
		{ .fd = sfd, .events = POLLIN },
		{ .fd = -1, .events = POLLIN },
	};
	int anchored = a->cfg.anchor != AGENT_ANCHOR_NONE, n;
	time_t now, due, anchor_due = 0;
	long long wait_ms, wd_ms = watchdog_ms();

	pfd[1].fd = anchor_events(a, &re);
	if (anchored)
		anchor_due = time(NULL) + a->cfg.anchor_interval;
	due = agent_renew_at(time(NULL), a->expiry, a->cfg.renew_before);
	agent_info("next renewal in %lld s", (long long)(due - time(NULL)));
	if (wd_ms)
		agent_info("watchdog: pinging systemd every %lld ms", wd_ms);
	for (;;) {
		now = time(NULL);
		wait_ms = ms_until(due, now);
		if (wait_ms > 3600 * 1000)
			wait_ms = 3600 * 1000;	/* re-check the clock hourly */
		if (anchored && wait_ms > ms_until(anchor_due, now))
			wait_ms = ms_until(anchor_due, now);
		if (wd_ms && wait_ms > wd_ms)
			wait_ms = wd_ms;
		if (wd_ms)
			sd_notify(0, "WATCHDOG=1");
		n = poll(pfd, pfd[1].fd >= 0 ? 2 : 1, (int)wait_ms);
		if (n > 0 && (pfd[0].revents & POLLIN) &&
		    read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo != SIGHUP) {
				agent_notice("stopping on signal %u; keys stay in the keyring until they expire",
					     si.ssi_signo);
				agent_anchor_report(a, "stop");
				break;
			}
			agent_notice("SIGHUP: renewing now");
			due = now;
		}
		if (n > 0 && pfd[1].fd >= 0 && pfd[1].revents) {
			/* Events lost: a compaction may be among them. */
			if (m2mv_events_dispatch(a->ctl, 0) == -ENOBUFS)
				re.compacted = 1;
			if (re.compacted) {
				re.compacted = 0;
				agent_anchor_report(a, "compaction");
				anchor_due = time(NULL) + a->cfg.anchor_interval;
			}
		}
		if (anchored && time(NULL) >= anchor_due) {
			agent_anchor_report(a, "interval");
			anchor_due = time(NULL) + a->cfg.anchor_interval;
		}
		if (time(NULL) < due)
			continue;
		sd_notify(0, "STATUS=renewing the credentials");
		if (wd_ms)
			sd_notify(0, "WATCHDOG=1");
		if (!agent_renew(a)) {
			attempt = 0;
			now = time(NULL);
			due = agent_renew_at(now, a->expiry, a->cfg.renew_before);
			agent_info("next renewal in %lld s", (long long)(due - now));
			status(a, "ready");
			continue;
		}
		attempt++;
		now = time(NULL);
		delay = agent_retry_delay(attempt, now, a->expiry);
		due = now + delay;
		if (a->expiry <= now)
			agent_err("renewal failed (attempt %u) and the keys of generation %lu have expired: writes fail until a renewal succeeds; retrying in %u s",
				  attempt, a->gen, delay);
		else
			agent_warn("renewal failed (attempt %u); the current keys expire in %lld s; retrying in %u s",
				   attempt, (long long)(a->expiry - now), delay);
		sd_notifyf(0, "STATUS=renewal failed (attempt %u), retrying in %u s",
			   attempt, delay);
	}
	if (pfd[1].fd >= 0)
		m2mv_events_unsubscribe(a->ctl);
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct agent *a = NULL;
	char err[AGENT_PATH_MAX + 256];
	int ret, sfd = -1;
	sigset_t sigs;

	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret;
	/* No core dumps, no ptrace by other processes of our uid. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	agent_log_init(o.verbose);

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);

	a = calloc(1, sizeof(*a));
	if (!a) {
		agent_err("out of memory");
		return 1;
	}
	ret = agent_config_load(o.config, &a->cfg, err, sizeof(err));
	if (ret) {
		agent_err("%s", err);
		free(a);
		return 2;
	}
	a->sec = agent_secrets_new();
	if (!a->sec) {
		agent_err("cannot lock memory for key material: %s (is LimitMEMLOCK/RLIMIT_MEMLOCK too low?)",
			  strerror(errno));
		ret = 1;
		goto out;
	}
	agent_json_wipe_on_free();
	ret = read_psk(a) ? 1 : 0;
	if (ret)
		goto out;
	/* The commands on registrations need the TEF, not the module. */
	if (o.update || o.deregister) {
		ret = o.update ? agent_update_registrations(a) :
				 agent_deregister(a, o.deregister);
		ret = ret ? 1 : 0;
		goto out;
	}

	ret = m2mv_ctl_open(&a->ctl);
	if (ret) {
		if (ret == -ENOENT)
			agent_err("m2mvault module not loaded (generic netlink family %s not found)",
				  M2MV_GENL_NAME);
		else
			agent_err("cannot open the m2mvault control channel: %s",
				  m2mv_strerror(ret));
		ret = 1;
		goto out;
	}
	a->accept_stale = o.accept_stale;
	if (a->accept_stale)
		agent_warn("--accept-stale: a store file that does not hold its freshness anchor will be attached");
	sd_notify(0, "STATUS=bootstrapping with the TEF");
	ret = agent_setup(a);
	if (ret) {
		sd_notifyf(0, "STATUS=setup failed: %s", strerror(-ret));
		ret = 1;
		goto out;
	}
	agent_notice("ready: store %s attached, keyring %s, generation %lu, keys valid for %lld s",
		     a->cfg.store_name,
		     a->cfg.keyring_mode == AGENT_KEYRING_SESSION ?
		     a->cfg.keyring_name : "(user keyring)",
		     a->gen, (long long)(a->expiry - time(NULL)));
	sd_notify(0, "READY=1");
	status(a, "ready");
	if (o.once)
		goto out;

	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (sfd < 0) {
		agent_err("signalfd: %s", strerror(errno));
		ret = 1;
		goto out;
	}
	run(a, sfd);
	sd_notify(0, "STOPPING=1");
	close(sfd);
out:
	m2mv_ctl_close(a->ctl);
	agent_secrets_free(a->sec);
	OPENSSL_cleanse(a, sizeof(*a));
	free(a);
	return ret;
}
