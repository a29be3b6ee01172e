// SPDX-License-Identifier: GPL-2.0
/*
 * tefcli: a test driver of the TEF client library (userspace/common/
 * tefclient.c) for selftests/tef_test.sh. It prints what an enrolee
 * derives on its own side of the session, so that the test can hold the
 * TEF's answers against it:
 *
 *   tefcli OPTIONS connect
 *       keid=<KeID from this side's exporter>
 *   tefcli OPTIONS register [--target AE-ID]... --lifetime N | --expires T
 *          --type T... [--suid S] [--label L]... [--admin FQDN]
 *       keid=..., salt=..., expires=..., owner=..., admin=..., then per
 *       credential
 *       cred=<type> <Credential-ID> <key in hex, derived here from Ke+Salt>
 *   tefcli OPTIONS update CREDENTIAL-ID [--lifetime N | --expires T]
 *          [--target AE-ID]... [--no-targets] [--label L]... [--no-labels]
 *       expires=... when an expiry was asked for, else "updated"
 *   tefcli OPTIONS retrieve CREDENTIAL-ID      the JWK on one line
 *   tefcli OPTIONS revoke|deregister CREDENTIAL-ID
 *
 * OPTIONS: --host H --port N --fqdn F --identity KPMID --psk-file FILE
 * [--timeout MS]. Errors: "tefcli: <op>: <ERRNO NAME> ..." on stderr and
 * exit 1; usage errors exit 2. Test use only: it prints keys.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "common/b64url.h"
#include "common/hexkey.h"
#include "common/tefclient.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: tefcli --host H --port N --fqdn F --identity ID --psk-file FILE\n"
		"              [--timeout MS] connect | register [--target AE]...\n"
		"              --lifetime N|--expires T --type T... [--suid S] [--label L]...\n"
		"              [--admin FQDN] | update ID [--lifetime N|--expires T]\n"
		"              [--target AE]... [--no-targets] [--label L]... [--no-labels]\n"
		"              | retrieve ID | revoke ID | deregister ID\n");
	return 2;
}

static int fail(const char *op, int err, const char *diag)
{
	fprintf(stderr, "tefcli: %s: %s (%s)%s%s\n", op,
		strerrorname_np(-err) ? strerrorname_np(-err) : "?",
		strerror(-err), diag ? ": " : "", diag ? diag : "");
	return 1;
}

static void hex(char *out, const uint8_t *in, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int cmd_register(struct m2mv_tef *t, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 'T' },
		{ "lifetime", required_argument, NULL, 'l' },
		{ "type", required_argument, NULL, 'y' },
		{ "expires", required_argument, NULL, 'e' },
		{ "suid", required_argument, NULL, 's' },
		{ "label", required_argument, NULL, 'L' },
		{ "admin", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	/* Room past the limits, so that the library's own checks are tested. */
	const char *targets[M2MV_TEF_MAX_TARGETS + 8];
	const char *labels[M2MV_TEF_MAX_LABELS + 8];
	unsigned int types[M2MV_TEF_MAX_TYPES + 2];
	struct m2mv_tef_reg_req req = { .targets = targets, .types = types,
					.labels = labels };
	char salt[M2MV_B64URL_BUFSZ(M2MV_SALT_LEN)], khex[2 * M2MV_KEY_LEN + 1];
	uint8_t key[M2MV_KEY_LEN];
	struct m2mv_tef_reg reg;
	size_t i;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'T' && req.n_targets < M2MV_TEF_MAX_TARGETS + 8)
			targets[req.n_targets++] = optarg;
		else if (c == 'l')
			req.lifetime = (unsigned int)strtoul(optarg, NULL, 10);
		else if (c == 'y' && req.n_types < M2MV_TEF_MAX_TYPES + 2)
			types[req.n_types++] =
				(unsigned int)strtoul(optarg, NULL, 10);
		else if (c == 'e')
			req.expires = (time_t)strtoll(optarg, NULL, 10);
		else if (c == 's')
			req.suid = (unsigned int)strtoul(optarg, NULL, 10);
		else if (c == 'L' && req.n_labels < M2MV_TEF_MAX_LABELS + 8)
			labels[req.n_labels++] = optarg;
		else if (c == 'a')
			req.admin = optarg;
		else
			return usage();
	}
	if (optind != argc)
		return usage();
	ret = m2mv_tef_register(t, &req, &reg);
	if (ret)
		return fail("register", ret, NULL);
	m2mv_b64url_encode(salt, sizeof(salt), reg.salt, sizeof(reg.salt));
	printf("keid=%s\nsalt=%s\nexpires=%lld\nowner=%s\nadmin=%s\n",
	       m2mv_tef_ke(t)->keid, salt, (long long)reg.expires, reg.owner,
	       reg.admin);
	for (i = 0; i < reg.n_creds; i++) {
		ret = m2mv_kdf_credential_key(m2mv_tef_ke(t)->ke, reg.salt,
					      reg.creds[i].type, key);
		if (ret)
			return fail("derive", ret, NULL);
		hex(khex, key, sizeof(key));
		printf("cred=%u %s %s\n", reg.creds[i].type, reg.creds[i].id,
		       khex);
	}
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(khex, sizeof(khex));
	OPENSSL_cleanse(&reg, sizeof(reg));
	return 0;
}

static int cmd_update(struct m2mv_tef *t, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "target", required_argument, NULL, 'T' },
		{ "no-targets", no_argument, NULL, 'N' },
		{ "label", required_argument, NULL, 'L' },
		{ "no-labels", no_argument, NULL, 'n' },
		{ "lifetime", required_argument, NULL, 'l' },
		{ "expires", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	const char *targets[M2MV_TEF_MAX_TARGETS + 8];
	const char *labels[M2MV_TEF_MAX_LABELS + 8];
	struct m2mv_tef_update_req req = { .targets = targets,
					   .labels = labels };
	struct m2mv_tef_update got;
	int c, ret;

	/* 0, not 1: start afresh, permuting (main() stopped at the command). */
	optind = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'T' && req.n_targets < M2MV_TEF_MAX_TARGETS + 8) {
			targets[req.n_targets++] = optarg;
			req.set_targets = 1;
		} else if (c == 'N') {
			req.set_targets = 1;
		} else if (c == 'L' && req.n_labels < M2MV_TEF_MAX_LABELS + 8) {
			labels[req.n_labels++] = optarg;
			req.set_labels = 1;
		} else if (c == 'n') {
			req.set_labels = 1;
		} else if (c == 'l') {
			req.lifetime = (unsigned int)strtoul(optarg, NULL, 10);
		} else if (c == 'e') {
			req.expires = (time_t)strtoll(optarg, NULL, 10);
		} else {
			return usage();
		}
	}
	if (optind + 1 != argc)
		return usage();
	ret = m2mv_tef_update(t, argv[optind], &req, &got);
	if (ret)
		return fail("update", ret, NULL);
	if (got.expires)
		printf("expires=%lld\n", (long long)got.expires);
	else
		printf("updated\n");
	return 0;
}

static int cmd_retrieve(struct m2mv_tef *t, const char *id)
{
	char *diag = NULL, *text;
	void *jwk = NULL;
	json_t *k;
	int ret;

	ret = m2mv_tef_retrieve(t, id, &jwk, &diag);
	if (ret) {
		fail("retrieve", ret, diag);
		free(diag);
		return 1;
	}
	text = json_dumps(jwk, JSON_COMPACT | JSON_SORT_KEYS);
	if (text) {
		printf("%s\n", text);
		OPENSSL_cleanse(text, strlen(text));
		free(text);
	}
	k = json_object_get(jwk, "k");
	OPENSSL_cleanse((char *)json_string_value(k), json_string_length(k));
	json_decref(jwk);
	return text ? 0 : 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'p' },
		{ "fqdn", required_argument, NULL, 'f' },
		{ "identity", required_argument, NULL, 'i' },
		{ "psk-file", required_argument, NULL, 'k' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct m2mv_tef_config cfg = { .host = "127.0.0.1" };
	const char *pskfile = NULL, *cmd;
	uint8_t psk[M2MV_PSK_MAX];
	struct m2mv_tef *t = NULL;
	size_t len = 0;
	int c, ret;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			cfg.host = optarg;
			break;
		case 'p':
			cfg.port = (uint16_t)strtoul(optarg, NULL, 10);
			break;
		case 'f':
			cfg.fqdn = optarg;
			break;
		case 'i':
			cfg.psk_identity = optarg;
			break;
		case 'k':
			pskfile = optarg;
			break;
		case 't':
			cfg.timeout_ms = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		default:
			return usage();
		}
	}
	if (optind >= argc || !pskfile)
		return usage();
	cmd = argv[optind];
	ret = m2mv_hexkey_read(pskfile, psk, &len);
	if (ret)
		return fail("psk-file", ret, pskfile);
	cfg.psk = psk;
	cfg.psk_len = len;
	ret = m2mv_tef_connect(&cfg, &t);
	OPENSSL_cleanse(psk, sizeof(psk));
	if (ret)
		return fail("connect", ret, NULL);
	if (!strcmp(cmd, "connect") && optind + 1 == argc) {
		printf("keid=%s\n", m2mv_tef_ke(t)->keid);
		ret = 0;
	} else if (!strcmp(cmd, "register")) {
		ret = cmd_register(t, argc - optind, argv + optind);
	} else if (!strcmp(cmd, "update")) {
		ret = cmd_update(t, argc - optind, argv + optind);
	} else if (!strcmp(cmd, "retrieve") && optind + 2 == argc) {
		ret = cmd_retrieve(t, argv[optind + 1]);
	} else if ((!strcmp(cmd, "revoke") || !strcmp(cmd, "deregister")) &&
		   optind + 2 == argc) {
		ret = m2mv_tef_revoke(t, argv[optind + 1]);
		ret = ret ? fail(cmd, ret, NULL) : 0;
	} else {
		ret = usage();
	}
	m2mv_tef_close(t);
	return ret;
}
