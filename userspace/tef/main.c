// SPDX-License-Identifier: GPL-2.0
/*
 * m2m-tefd: the reference oneM2M Trust Enabling Function.
 *
 *   m2m-tefd --db FILE --fqdn NAME [--listen ADDR] [--port N] [--verbose]
 *   m2m-tefd --db FILE enrol --kpm-id ID --ae-id AE-ID --psk-file FILE
 *   m2m-tefd --db FILE list
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "tef/tef.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: m2m-tefd --db FILE --fqdn NAME [--listen ADDR] [--port N] [--verbose]\n"
		"       m2m-tefd --db FILE enrol --kpm-id ID --ae-id AE-ID --psk-file FILE\n"
		"       m2m-tefd --db FILE list\n");
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
	size_t len;
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
			return usage();
	}
	if (!id || !ae || !file || optind != argc)
		return usage();
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tef_server_config cfg = { .listen = "127.0.0.1",
					 .port = M2MV_TEF_PORT };
	const char *dbpath = NULL;
	sqlite3 *db;
	char *end;
	long port;
	int c, ret;

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
			port = strtol(optarg, &end, 10);
			if (*end || port < 1 || port > 65535)
				return usage();
			cfg.port = (uint16_t)port;
			break;
		case 'v':
			cfg.verbose = 1;
			break;
		case 'h':
			usage();
			return 0;
		default:
			return usage();
		}
	}
	if (!dbpath)
		return usage();
	if (optind < argc && strcmp(argv[optind], "enrol") &&
	    strcmp(argv[optind], "list"))
		return usage();
	if (optind == argc && !cfg.fqdn)
		return usage();
	if (tef_db_open(dbpath, &db))
		return 1;
	if (optind < argc && !strcmp(argv[optind], "enrol")) {
		ret = cmd_enrol(db, argc - optind, argv + optind);
	} else if (optind < argc) {
		ret = tef_db_list(db, stdout) ? 1 : 0;
	} else {
		/* The FQDN goes into every KeID and Credential-ID. */
		struct m2mv_ke probe;
		uint8_t zero[M2MV_EXPORTER_LEN] = { 0 };

		if (m2mv_kdf_split_exporter(zero, cfg.fqdn, &probe)) {
			fprintf(stderr, "m2m-tefd: bad --fqdn %s\n", cfg.fqdn);
			ret = 2;
		} else {
			ret = tef_serve(db, &cfg) ? 1 : 0;
		}
	}
	sqlite3_close(db);
	return ret;
}
