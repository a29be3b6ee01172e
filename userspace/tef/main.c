// SPDX-License-Identifier: GPL-2.0
/*
 * m2m-tefd: the reference oneM2M Trust Enabling Function.
 *
 *   m2m-tefd --db FILE --fqdn NAME [--listen ADDR] [--port N]
 *            [--admin FQDN] [--assign seed|random] [--verbose]
 *   m2m-tefd --db FILE enrol --kpm-id ID --ae-id AE-ID --psk-file FILE
 *   m2m-tefd --db FILE list
 *
 * Exit status: 0 done (the server after SIGTERM or SIGINT), 1 failure,
 * 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "tef/tef.h"

static int usage(FILE *f)
{
	fprintf(f,
		"usage: m2m-tefd --db FILE --fqdn NAME [--listen ADDR] [--port N]\n"
		"                [--admin FQDN] [--assign seed|random] [--verbose]\n"
		"       m2m-tefd --db FILE enrol --kpm-id ID --ae-id AE-ID --psk-file FILE\n"
		"       m2m-tefd --db FILE list\n"
		"\n"
		"The reference TEF: CoAP over DTLS 1.2 PSK (POST /cred; GET, POST and\n"
		"DELETE /cred/<Credential-ID>; /anchor/<store>), enrolees and\n"
		"credentials in an SQLite file.\n"
		"  --db FILE      the database (created mode 0600)\n"
		"  --fqdn NAME    the TEF-FQDN that ends every KeID and Credential-ID\n"
		"  --listen ADDR  numeric address to bind (default 127.0.0.1)\n"
		"  --port N       UDP port (default %u)\n"
		"  --admin FQDN   administrating stakeholder of registrations that name\n"
		"                 none (default: the --fqdn)\n"
		"  --assign HOW   Credential-IDs: seed (default: as the seeds derive\n"
		"                 them) or random (a random RelativeKeyID); test-malformed,\n"
		"                 test-wrong-type, test-duplicate, test-foreign answer\n"
		"                 with a bad one, for client tests only\n"
		"  --verbose      log sessions, and libcoap's and OpenSSL's messages\n"
		"  enrol          add or replace an enrolee; the PSK file holds Kpm as\n"
		"                 hex (16 to 64 bytes, whitespace ignored, mode 0600)\n"
		"  list           enrolees and credentials (never keys)\n",
		M2MV_TEF_PORT);
	return 2;
}

static int cmd_enrol(sqlite3 *db, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kpm-id", required_argument, NULL, 'i' },
		{ "ae-id", required_argument, NULL, 'a' },
		{ "psk-file", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	const char *id = NULL, *ae = NULL, *file = NULL;
	uint8_t kpm[M2MV_PSK_MAX];
	size_t len = 0;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'i')
			id = optarg;
		else if (c == 'a')
			ae = optarg;
		else if (c == 'k')
			file = optarg;
		else
			return usage(stderr);
	}
	if (!id || !ae || !file || optind != argc)
		return usage(stderr);
	if (!tef_id_ok(id) || !tef_id_ok(ae)) {
		fprintf(stderr, "m2m-tefd: KpmId and AE-ID are 1-128 of [A-Za-z0-9._:/-]\n");
		return 2;
	}
	ret = m2mv_hexkey_read(file, kpm, &len);
	if (ret) {
		fprintf(stderr, "m2m-tefd: %s: %s\n", file,
			ret == -EACCES ? "readable by others (chmod 600)" :
			ret == -EINVAL ? "not 16 to 64 bytes of hex" :
			strerror(-ret));
		return 1;
	}
	ret = tef_db_enrol(db, id, ae, kpm, len);
	OPENSSL_cleanse(kpm, sizeof(kpm));
	if (ret) {
		fprintf(stderr, "m2m-tefd: enrol %s: %s\n", id, strerror(-ret));
		return 1;
	}
	fprintf(stderr, "m2m-tefd: enrolled %s as %s\n", id, ae);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "fqdn", required_argument, NULL, 'f' },
		{ "listen", required_argument, NULL, 'l' },
		{ "port", required_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "admin", required_argument, NULL, 'a' },
		{ "assign", required_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tef_server_config cfg = { .listen = "127.0.0.1",
					 .port = M2MV_TEF_PORT };
	const char *dbpath = NULL, *cmd = NULL;
	sqlite3 *db;
	char *end;
	long port;
	int c, ret;

	/* "+": options after the subcommand belong to it. */
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dbpath = optarg;
			break;
		case 'f':
			cfg.fqdn = optarg;
			break;
		case 'l':
			cfg.listen = optarg;
			break;
		case 'p':
			errno = 0;
			port = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || port < 1 ||
			    port > 65535)
				return usage(stderr);
			cfg.port = (uint16_t)port;
			break;
		case 'v':
			cfg.verbose = 1;
			break;
		case 'a':
			if (!m2mv_tef_fqdn_ok(optarg)) {
				fprintf(stderr, "m2m-tefd: bad --admin %s: an FQDN\n",
					optarg);
				return 2;
			}
			cfg.admin = optarg;
			break;
		case 'A':
			if (tef_assign_parse(optarg, &cfg.assign)) {
				fprintf(stderr, "m2m-tefd: bad --assign %s: seed or random\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return usage(stderr);
		}
	}
	if (optind < argc)
		cmd = argv[optind];
	if (!dbpath || (cmd && strcmp(cmd, "enrol") && strcmp(cmd, "list")) ||
	    (cmd && !strcmp(cmd, "list") && optind + 1 != argc))
		return usage(stderr);
	if (!cmd) {
		if (!cfg.fqdn)
			return usage(stderr);
		/* The FQDN goes into every KeID and Credential-ID. */
		if (!tef_fqdn_ok(cfg.fqdn)) {
			fprintf(stderr, "m2m-tefd: bad --fqdn %s: 1 to %d of [A-Za-z0-9.-]\n",
				cfg.fqdn, TEF_FQDN_MAX);
			return 2;
		}
	}
	if (tef_db_open(dbpath, !cmd || !strcmp(cmd, "enrol"), &db))
		return 1;
	if (cmd && !strcmp(cmd, "enrol"))
		ret = cmd_enrol(db, argc - optind, argv + optind);
	else if (cmd)
		ret = tef_db_list(db, time(NULL), stdout) ? 1 : 0;
	else
		ret = tef_serve(db, &cfg) ? 1 : 0;
	sqlite3_close(db);
	return ret;
}
