// SPDX-License-Identifier: GPL-2.0
/*
 * m2mvbench: the benchmark driver behind 'make bench'. Runs inside the test
 * VM (tools/bench/vm-run starts it), as root, once per store.
 *
 *   m2mvbench ops --store m2mv|files|openssl|sqlite|fscrypt --dir DIR
 *                 --label LABEL [--mode wrap|dir|mic] [--batch N]
 *                 [--sizes 256,4096,...] [--count N] [--secs S]
 *                 [--writers N] [--containers C] [--mni M] [--csv FILE]
 *                 [--phases put,get,getcold,sync1,sync8,wl1,wl8]
 *
 *	For each size: PUT without sync (1 writer), GET of those records
 *	with a warm cache, GET after dropping the caches, PUT with sync from
 *	1 writer, PUT with sync from --writers writers. Then the oneM2M-shaped
 *	workload over C containers keeping M instances each (workload.c) from
 *	1 and from --writers CSE worker threads (wl1, wl8). Each phase stops
 *	after --count operations (per phase, over all writers) or --secs
 *	seconds, whichever comes first. One CSV row per phase (and per kind
 *	of request of the workload).
 *
 *	m2mvbench-sqlcipher is the same program built against SQLCipher
 *	instead of SQLite: its --store sqlcipher replaces --store sqlite.
 *
 *   m2mvbench policies --dir DIR --records N [--reps R] [--secs S]
 *                      [--count N] [--csv FILE]
 *
 *	PUT 4 KiB into a store with one policy and into one with N policies,
 *	in R alternating windows of each (policies.c).
 *
 *   m2mvbench scale --dir DIR [--records 1000,100000,...] [--blob BYTES]
 *                   [--secs S] [--csv FILE]
 *
 *	For each record count: build a store with BATCH, detach it, then,
 *	with cold caches, time a sequential read of the file and an attach
 *	(index rebuild); the index size from the slab (SUnreclaim while
 *	attached minus after the detach) per record; random GETs per second.
 *
 * CSV columns: label,op,size,ops,seconds,ops_per_s,mb_per_s,p50_us,p99_us,
 * flushes_per_op (disk cache flushes completed during the phase per
 * operation, when M2MV_BENCH_DISK names the disk; -1 otherwise). Scale rows
 * use size for the record count; see tools/bench/report.
 *
 * Every operation's result is checked (GETs return the bytes written): any
 * failure ends the run with exit status 1 and a message naming it. Timings
 * never fail a run.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

struct bench_cfg cfg = {
	.store = &bench_m2mv, .mode = M2MV_MODE_WRAP, .batch = 1, .writers = 8,
	.count = 2000, .secs = 1.0, .blob = 256, .reps = 5,
	.containers = 16, .mni = 10,
};

static const struct bench_store *const stores[] = {
	&bench_m2mv, &bench_files, &bench_openssl, &bench_sqlite,
	&bench_fscrypt,
};

static const struct bench_store *find_store(const char *name)
{
	for (size_t i = 0; i < sizeof(stores) / sizeof(stores[0]); i++)
		if (!strcmp(stores[i]->name, name))
			return stores[i];
	return NULL;
}

static int parse_list(const char *s, uint64_t *out, int max)
{
	int n = 0;

	while (*s && n < max) {
		char *end;

		out[n++] = strtoull(s, &end, 10);
		if (end == s)
			return -1;
		s = *end == ',' ? end + 1 : end;
	}
	return n;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: m2mvbench ops --store m2mv|files|openssl|%s|fscrypt --dir DIR\n"
		"                     --label L [--mode wrap|dir|mic] [--batch N]\n"
		"                     [--sizes A,B] [--count N] [--secs S] [--writers N]\n"
		"                     [--containers C] [--mni M] [--csv FILE]\n"
		"                     [--phases put,get,getcold,sync1,sync8,wl1,wl8]\n"
		"       m2mvbench scale --dir DIR [--records A,B] [--blob N] [--count N]\n"
		"                     [--secs S] [--csv FILE]\n"
		"       m2mvbench policies --dir DIR --records N [--reps R] [--count N]\n"
		"                     [--secs S] [--csv FILE]\n", bench_sqlite.name);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "store", required_argument, NULL, 's' },
		{ "dir", required_argument, NULL, 'd' },
		{ "label", required_argument, NULL, 'l' },
		{ "mode", required_argument, NULL, 'm' },
		{ "batch", required_argument, NULL, 'b' },
		{ "sizes", required_argument, NULL, 'z' },
		{ "count", required_argument, NULL, 'n' },
		{ "secs", required_argument, NULL, 't' },
		{ "writers", required_argument, NULL, 'w' },
		{ "csv", required_argument, NULL, 'c' },
		{ "records", required_argument, NULL, 'r' },
		{ "blob", required_argument, NULL, 'B' },
		{ "phases", required_argument, NULL, 'P' },
		{ "reps", required_argument, NULL, 'R' },
		{ "containers", required_argument, NULL, 'C' },
		{ "mni", required_argument, NULL, 'M' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t list[16];
	const char *cmd;
	int c;

	if (argc < 2)
		usage();
	cmd = argv[1];
	optind = 2;
	cfg.sizes[0] = 4096;
	cfg.nsizes = 1;
	cfg.records[0] = 1000;
	cfg.nrecords = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			cfg.store = find_store(optarg);
			if (!cfg.store)
				usage();
			break;
		case 'd': cfg.dir = optarg; break;
		case 'l': cfg.label = optarg; break;
		case 'm':
			if (m2mv_mode_parse(optarg, &cfg.mode))
				usage();
			break;
		case 'b': cfg.batch = atoi(optarg); break;
		case 'z':
			cfg.nsizes = parse_list(optarg, list, 16);
			if (cfg.nsizes <= 0)
				usage();
			for (int i = 0; i < cfg.nsizes; i++)
				cfg.sizes[i] = list[i];
			break;
		case 'n': cfg.count = strtoull(optarg, NULL, 10); break;
		case 't': cfg.secs = atof(optarg); break;
		case 'w': cfg.writers = atoi(optarg); break;
		case 'c': cfg.csv = optarg; break;
		case 'r':
			cfg.nrecords = parse_list(optarg, cfg.records, 8);
			if (cfg.nrecords <= 0)
				usage();
			break;
		case 'B': cfg.blob = strtoull(optarg, NULL, 10); break;
		case 'P': cfg.phases = optarg; break;
		case 'R':
			cfg.reps = atoi(optarg);
			if (cfg.reps < 1)
				usage();
			break;
		case 'C': cfg.containers = atoi(optarg); break;
		case 'M': cfg.mni = atoi(optarg); break;
		default: usage();
		}
	}
	if (!cfg.dir || !cfg.count || !cfg.writers || !cfg.batch ||
	    cfg.containers < cfg.writers || cfg.containers > 1000 || !cfg.mni ||
	    cfg.batch > M2MV_BATCH_MAX || (cfg.batch > 1 && !cfg.store->batch))
		usage();
	cfg.out = stdout;
	if (cfg.csv) {
		cfg.out = fopen(cfg.csv, "a");
		if (!cfg.out)
			die("%s: %s", cfg.csv, strerror(errno));
	}
	if (!strcmp(cmd, "ops")) {
		if (!cfg.label)
			usage();
		cmd_ops();
	} else if (!strcmp(cmd, "scale")) {
		cfg.label = "scale";
		cmd_scale();
	} else if (!strcmp(cmd, "policies")) {
		cfg.label = "policies";
		cmd_policies();
	} else {
		usage();
	}
	if (cfg.out != stdout && fclose(cfg.out))
		die("%s: %s", cfg.csv, strerror(errno));
	return 0;
}
