// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the m2mvault CLI: argument parsing (what runs, what
 * is a usage error and what it says) and every output format.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cli/cli.h"

/* The outcome of one parse, with what it printed. */
struct parsed {
	enum cli_parse_result res;
	struct cli_args a;
	char *out;
	char *err;
	char *argv[16];
	int argc;
};

/* Parse the NULL-terminated words after "m2mvault". */
static void parse(struct parsed *p, ...)
{
	size_t olen, elen;
	FILE *out, *err;
	const char *w;
	va_list ap;

	memset(p, 0, sizeof(*p));
	p->argv[p->argc++] = strdup("m2mvault");
	va_start(ap, p);
	while ((w = va_arg(ap, const char *)))
		p->argv[p->argc++] = strdup(w);
	va_end(ap);
	out = open_memstream(&p->out, &olen);
	err = open_memstream(&p->err, &elen);
	p->res = cli_parse(p->argc, p->argv, &p->a, out, err);
	fclose(out);
	fclose(err);
}

/* The argument strings stay alive until done(): @a points into them. */
static void done(struct parsed *p)
{
	int i;

	for (i = 0; i < p->argc; i++)
		free(p->argv[i]);
	free(p->out);
	free(p->err);
}

static void expect_usage(const char *needle, ...)
{
	struct parsed p;
	const char *w[12] = { 0 };
	va_list ap;
	int n = 0;

	va_start(ap, needle);
	while ((w[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	w[n] = NULL;
	parse(&p, w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9],
	      w[10], NULL);
	if (p.res != CLI_PARSE_USAGE || !strstr(p.err, needle))
		fail_msg("'%s %s %s': result %d, stderr '%s' lacks '%s'",
			 w[0] ? w[0] : "", w[1] ? w[1] : "", w[2] ? w[2] : "",
			 p.res, p.err, needle);
	assert_string_equal(p.out, "");
	done(&p);
}

static void test_parse_data_commands(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, "put", "-s", "gw1", "cse/ae/cin1", "blob.bin", NULL);
	assert_int_equal(p.res, CLI_PARSE_RUN);
	assert_ptr_equal(p.a.cmd->run, cli_cmd_put);
	assert_string_equal(p.a.name, "put");
	assert_string_equal(p.a.store, "gw1");
	assert_string_equal(p.a.path, "cse/ae/cin1");
	assert_string_equal(p.a.file, "blob.bin");
	assert_int_equal(p.a.flags, M2MV_F_SYNC);
	done(&p);

	/* Options may follow the arguments; "-" is an argument. */
	parse(&p, "put", "gw1", "p", "-", "--sync", NULL);
	assert_int_equal(p.res, CLI_PARSE_RUN);
	assert_string_equal(p.a.file, "-");
	assert_int_equal(p.a.flags, M2MV_F_SYNC);
	done(&p);

	parse(&p, "put", "gw1", "p", NULL);
	assert_int_equal(p.res, CLI_PARSE_RUN);
	assert_null(p.a.file);
	assert_int_equal(p.a.flags, 0);
	done(&p);

	parse(&p, "get", "gw1", "/w/obj", "-o", "out.bin", NULL);
	assert_int_equal(p.res, CLI_PARSE_RUN);
	assert_ptr_equal(p.a.cmd->run, cli_cmd_get);
	assert_string_equal(p.a.path, "/w/obj");
	assert_string_equal(p.a.file, "out.bin");
	done(&p);

	parse(&p, "get", "--output=o2", "gw1", "p~1.x_y-z", NULL);
	assert_int_equal(p.res, CLI_PARSE_RUN);
	assert_string_equal(p.a.file, "o2");
	done(&p);

	parse(&p, "rm", "--sync", "gw1", "p", NULL);
	assert_ptr_equal(p.a.cmd->run, cli_cmd_rm);
	assert_int_equal(p.a.flags, M2MV_F_SYNC);
	done(&p);

	parse(&p, "ls", "gw1", NULL);
	assert_int_equal(p.res, CLI_PARSE_RUN);
	assert_ptr_equal(p.a.cmd->run, cli_cmd_ls);
	assert_null(p.a.path);
	assert_false(p.a.json);
	done(&p);

	/* The empty prefix is a prefix. */
	parse(&p, "ls", "-j", "gw1", "", NULL);
	assert_int_equal(p.res, CLI_PARSE_RUN);
	assert_string_equal(p.a.path, "");
	assert_true(p.a.json);
	done(&p);

	parse(&p, "stat", "gw1", "p", "--json", NULL);
	assert_ptr_equal(p.a.cmd->run, cli_cmd_stat);
	assert_true(p.a.json);
	done(&p);

	parse(&p, "export", "gw1", "p", NULL);
	assert_ptr_equal(p.a.cmd->run, cli_cmd_export);
	assert_int_equal(p.a.flags, M2MV_EXPORT_F_COMPACT);
	done(&p);

	parse(&p, "export", "gw1", "p", "--compact", NULL);
	assert_int_equal(p.res, CLI_PARSE_RUN);
	assert_int_equal(p.a.flags, M2MV_EXPORT_F_COMPACT);
	done(&p);

	parse(&p, "export", "--json", "gw1", "p", NULL);
	assert_int_equal(p.res, CLI_PARSE_RUN);
	assert_int_equal(p.a.flags, M2MV_EXPORT_F_JSON);
	assert_false(p.a.esdata);
	assert_null(p.a.media_type);
	done(&p);

	/* --esdata: the media type defaults; --media-type names another. */
	parse(&p, "export", "gw1", "p", "--esdata", NULL);
	assert_int_equal(p.res, CLI_PARSE_RUN);
	assert_true(p.a.esdata);
	assert_int_equal(p.a.flags, M2MV_EXPORT_F_COMPACT);
	assert_string_equal(p.a.media_type, "application/octet-stream");
	done(&p);

	parse(&p, "export", "--esdata", "--json", "--media-type",
	      "application/senml+json", "gw1", "p", NULL);
	assert_int_equal(p.res, CLI_PARSE_RUN);
	assert_true(p.a.esdata);
	assert_int_equal(p.a.flags, M2MV_EXPORT_F_JSON);
	assert_string_equal(p.a.media_type, "application/senml+json");
	done(&p);
}

static void test_parse_control_commands(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, "attach", "gw1", "/tmp/gw1.store", "--key",
	      "16-store@tef.example", NULL);
	assert_int_equal(p.res, CLI_PARSE_RUN);
	assert_ptr_equal(p.a.cmd->run, cli_cmd_attach);
	assert_string_equal(p.a.store, "gw1");
	assert_string_equal(p.a.file, "/tmp/gw1.store");
	assert_string_equal(p.a.credid, "16-store@tef.example");
	assert_int_equal(p.a.flags, 0);
	done(&p);

	parse(&p, "attach", "-r", "-k", "16-s", "gw1", "f", NULL);
	assert_int_equal(p.res, CLI_PARSE_RUN);
	assert_int_equal(p.a.flags, M2MV_ATTACH_F_RDONLY);
	done(&p);

	/* Only --create asks for a new store. */
	parse(&p, "attach", "--create", "gw1", "f", "-k", "16-s", NULL);
	assert_int_equal(p.res, CLI_PARSE_RUN);
	assert_int_equal(p.a.flags, M2MV_ATTACH_F_CREATE);
	done(&p);
	parse(&p, "attach", "gw1", "f", "-ck", "16-s", NULL);
	assert_int_equal(p.res, CLI_PARSE_RUN);
	assert_int_equal(p.a.flags, M2MV_ATTACH_F_CREATE);
	assert_string_equal(p.a.credid, "16-s");
	done(&p);

	/* No grant options: none given, the kernel's default. */
	parse(&p, "attach", "gw1", "f", "-k", "16-s", NULL);
	assert_int_equal(p.a.access.set, 0);
	done(&p);

	parse(&p, "attach", "gw1", "f", "-k", "16-s", "--owner", "4242",
	      "--group", "4243", "--mode", "0640", NULL);
	assert_int_equal(p.res, CLI_PARSE_RUN);
	assert_int_equal(p.a.access.set, M2MV_ACCESS_OWNER |
			 M2MV_ACCESS_GROUP | M2MV_ACCESS_PERM);
	assert_int_equal(p.a.access.owner, 4242);
	assert_int_equal(p.a.access.group, 4243);
	assert_int_equal(p.a.access.perm, 0640);
	done(&p);

	/* Names resolve (root is 0 everywhere); a group alone. */
	parse(&p, "attach", "gw1", "f", "-k", "16-s", "--owner", "root",
	      "--mode=660", NULL);
	assert_int_equal(p.res, CLI_PARSE_RUN);
	assert_int_equal(p.a.access.set, M2MV_ACCESS_OWNER | M2MV_ACCESS_PERM);
	assert_int_equal(p.a.access.owner, 0);
	assert_int_equal(p.a.access.perm, 0660);
	done(&p);
	parse(&p, "attach", "gw1", "f", "-k", "16-s", "--group", "0", NULL);
	assert_int_equal(p.a.access.set, M2MV_ACCESS_GROUP);
	assert_int_equal(p.a.access.group, 0);
	done(&p);

	parse(&p, "key", "bind", "gw1", "15-old@tef.example", NULL);
	assert_int_equal(p.res, CLI_PARSE_RUN);
	assert_ptr_equal(p.a.cmd->run, cli_cmd_key_bind);
	assert_string_equal(p.a.name, "key bind");
	assert_string_equal(p.a.store, "gw1");
	assert_string_equal(p.a.credid, "15-old@tef.example");
	done(&p);

	parse(&p, "detach", "gw1", NULL);
	assert_ptr_equal(p.a.cmd->run, cli_cmd_detach);
	done(&p);

	parse(&p, "policy", "add", "gw1", "", "14-dir@tef.example", "--mode",
	      "dir", "--per-instance", NULL);
	assert_int_equal(p.res, CLI_PARSE_RUN);
	assert_ptr_equal(p.a.cmd->run, cli_cmd_policy_add);
	assert_string_equal(p.a.name, "policy add");
	assert_string_equal(p.a.path, "");
	assert_string_equal(p.a.credid, "14-dir@tef.example");
	assert_int_equal(p.a.mode, M2MV_MODE_DIR);
	assert_int_equal(p.a.flags, M2MV_POLICY_F_INSTANCE);
	done(&p);

	parse(&p, "policy", "add", "gw1", "cse/", "16-mic", "-m", "mic", NULL);
	assert_int_equal(p.res, CLI_PARSE_RUN);
	assert_int_equal(p.a.mode, M2MV_MODE_MIC);
	assert_int_equal(p.a.nrcpt, 0);
	done(&p);

	parse(&p, "policy", "add", "gw1", "r/", "15-a", "--mode", "wrap",
	      "--recipient", "15-b", "--recipient", "15-c", NULL);
	assert_int_equal(p.res, CLI_PARSE_RUN);
	assert_int_equal(p.a.nrcpt, 2);
	assert_string_equal(p.a.rcpt[0], "15-b");
	assert_string_equal(p.a.rcpt[1], "15-c");
	done(&p);

	parse(&p, "policy", "del", "gw1", "cse/", NULL);
	assert_ptr_equal(p.a.cmd->run, cli_cmd_policy_del);
	assert_string_equal(p.a.path, "cse/");
	done(&p);

	parse(&p, "policy", "ls", NULL);
	assert_ptr_equal(p.a.cmd->run, cli_cmd_policy_ls);
	assert_null(p.a.store);
	done(&p);

	parse(&p, "policy", "ls", "gw1", "--json", NULL);
	assert_string_equal(p.a.store, "gw1");
	assert_true(p.a.json);
	done(&p);

	parse(&p, "status", NULL);
	assert_ptr_equal(p.a.cmd->run, cli_cmd_status);
	assert_false(p.a.stats);
	done(&p);

	parse(&p, "status", "-s", "--json", "gw1", NULL);
	assert_true(p.a.stats);
	assert_true(p.a.json);
	assert_int_equal(p.a.flags, 0);
	done(&p);

	parse(&p, "verify", "gw1", NULL);
	assert_ptr_equal(p.a.cmd->run, cli_cmd_verify);
	done(&p);

	parse(&p, "compact", "gw1", "/tmp/new", "--rotate", "15-k2@x", NULL);
	assert_int_equal(p.res, CLI_PARSE_RUN);
	assert_ptr_equal(p.a.cmd->run, cli_cmd_compact);
	assert_string_equal(p.a.file, "/tmp/new");
	assert_string_equal(p.a.credid, "15-k2@x");
	done(&p);

	parse(&p, "monitor", "--json", NULL);
	assert_ptr_equal(p.a.cmd->run, cli_cmd_monitor);
	assert_true(p.a.json);
	done(&p);
}

static void test_parse_help_and_version(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, "--help", NULL);
	assert_int_equal(p.res, CLI_PARSE_DONE);
	assert_non_null(strstr(p.out, "Usage: m2mvault"));
	assert_non_null(strstr(p.out, "policy add NAME PREFIX CREDID"));
	assert_non_null(strstr(p.out, "export STORE PATH"));
	assert_string_equal(p.err, "");
	done(&p);

	parse(&p, "-V", NULL);
	assert_int_equal(p.res, CLI_PARSE_DONE);
	assert_string_equal(p.out, "m2mvault " M2MV_LIB_VERSION
			    " (libm2mvault " M2MV_LIB_VERSION ", ABI 1)\n");
	done(&p);

	parse(&p, "put", "--help", NULL);
	assert_int_equal(p.res, CLI_PARSE_DONE);
	assert_non_null(strstr(p.out,
		"Usage: m2mvault put [-s|--sync] STORE PATH [FILE|-]"));
	done(&p);

	/* Help wins even with arguments that would be wrong. */
	parse(&p, "policy", "add", "-h", NULL);
	assert_int_equal(p.res, CLI_PARSE_DONE);
	assert_non_null(strstr(p.out, "--per-instance"));
	done(&p);

	parse(&p, "policy", "--help", NULL);
	assert_int_equal(p.res, CLI_PARSE_DONE);
	assert_non_null(strstr(p.out, "policy del NAME PREFIX"));
	done(&p);

	parse(&p, "help", "policy", "ls", NULL);
	assert_int_equal(p.res, CLI_PARSE_DONE);
	assert_non_null(strstr(p.out, "Usage: m2mvault policy ls"));
	done(&p);

	parse(&p, "help", "monitor", NULL);
	assert_int_equal(p.res, CLI_PARSE_DONE);
	assert_non_null(strstr(p.out, "Usage: m2mvault monitor [--json]"));
	done(&p);

	parse(&p, "help", NULL);
	assert_int_equal(p.res, CLI_PARSE_DONE);
	assert_non_null(strstr(p.out, "Exit status: 0 success"));
	done(&p);
}

static void test_parse_usage_errors(void **state)
{
	char longp[M2MV_PATH_MAX + 2];
	struct parsed p;

	(void)state;
	parse(&p, NULL);
	assert_int_equal(p.res, CLI_PARSE_USAGE);
	assert_non_null(strstr(p.err, "Usage: m2mvault"));
	assert_string_equal(p.out, "");
	done(&p);

	expect_usage("unknown command 'frob'", "frob", NULL);
	expect_usage("--owner: not a user name or uid '12x'", "attach", "gw1",
		     "f", "-k", "16-s", "--owner", "12x", NULL);
	expect_usage("--owner: not a user name or uid '4294967295'", "attach",
		     "gw1", "f", "-k", "16-s", "--owner", "4294967295", NULL);
	expect_usage("--mode: permission bits in octal, 0 to 0777, not '0800'",
		     "attach", "gw1", "f", "-k", "16-s", "--mode", "0800", NULL);
	expect_usage("--mode: permission bits in octal", "attach", "gw1", "f",
		     "-k", "16-s", "--mode", "1777", NULL);
	expect_usage("--mode: permission bits in octal", "attach", "gw1", "f",
		     "-k", "16-s", "--mode", "rw", NULL);
	expect_usage("option '--owner' needs an argument", "attach", "gw1", "f",
		     "-k", "16-s", "--owner", NULL);
	expect_usage("key: missing subcommand (bind)", "key", NULL);
	expect_usage("key: unknown subcommand 'add' (bind)", "key", "add", NULL);
	expect_usage("key bind: missing CREDID", "key", "bind", "gw1", NULL);
	expect_usage("key bind: invalid credential 'nokey'", "key", "bind",
		     "gw1", "nokey", NULL);
	/* --mode of attach is octal; that of policy add a protection mode. */
	expect_usage("invalid mode '0660'", "policy", "add", "gw1", "",
		     "15-w", "--mode", "0660", NULL);
	expect_usage("Try 'm2mvault --help'.", "frob", NULL);
	expect_usage("unknown option '--frob'", "--frob", NULL);
	expect_usage("unknown command 'nosuch'", "help", "nosuch", NULL);
	expect_usage("put: missing STORE", "put", NULL);
	expect_usage("put: missing PATH", "put", "gw1", NULL);
	expect_usage("Try 'm2mvault put --help'.", "put", "gw1", NULL);
	expect_usage("rm: unexpected argument 'b'", "rm", "gw1", "a", "b",
		     NULL);
	expect_usage("monitor: unexpected argument 'x'", "monitor", "x", NULL);
	expect_usage("get: unknown option '--bogus'", "get", "gw1", "p",
		     "--bogus", NULL);
	expect_usage("get: unknown option '-x'", "get", "-x", "gw1", "p", NULL);
	expect_usage("get: option '--output' needs an argument", "get", "gw1",
		     "p", "--output", NULL);
	expect_usage("get: option '-o' needs an argument", "get", "gw1", "p",
		     "-o", NULL);
	expect_usage("invalid path 'a b'", "get", "gw1", "a b", NULL);
	expect_usage("invalid path ''", "get", "gw1", "", NULL);
	expect_usage("invalid prefix 'a*'", "ls", "gw1", "a*", NULL);
	expect_usage("invalid store name 'g/w'", "stat", "g/w", "p", NULL);
	expect_usage("invalid store name ''", "detach", "", NULL);
	expect_usage("invalid store name", "detach",
		     "a-store-name-of-32-characters-xx", NULL);
	expect_usage("empty file name", "get", "gw1", "p", "-o", "", NULL);
	expect_usage("--compact and --json exclude each other", "export",
		     "gw1", "p", "--compact", "--json", NULL);
	expect_usage("--media-type needs --esdata", "export", "gw1", "p",
		     "--media-type", "text/plain", NULL);
	expect_usage("--media-type: a media type TYPE/SUBTYPE without parameters (RFC 6838), not 'text/plain:0'",
		     "export", "gw1", "p", "--esdata", "--media-type",
		     "text/plain:0", NULL);
	expect_usage("option '--media-type' needs an argument", "export",
		     "gw1", "p", "--esdata", "--media-type", NULL);
	expect_usage("unknown option '--esdata'", "get", "gw1", "p",
		     "--esdata", NULL);

	memset(longp, 'x', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	expect_usage("path longer than 512 bytes", "get", "gw1", longp, NULL);

	expect_usage("missing --key CREDID", "attach", "gw1", "f", NULL);
	expect_usage("option '--key' needs an argument", "attach", "gw1", "f",
		     "--key", NULL);
	expect_usage("store key '15-k' must be of type 16", "attach", "gw1",
		     "f", "--key", "15-k", NULL);
	expect_usage("invalid store key 'nonsense'", "attach", "gw1", "f",
		     "-k", "nonsense", NULL);
	expect_usage("attach: --create and --readonly exclude each other",
		     "attach", "gw1", "f", "-k", "16-s", "--create", "-r", NULL);

	expect_usage("policy: missing subcommand", "policy", NULL);
	expect_usage("policy: unknown subcommand 'set'", "policy", "set", NULL);
	expect_usage("missing --mode", "policy", "add", "gw1", "p", "15-k",
		     NULL);
	expect_usage("invalid mode 'none'", "policy", "add", "gw1", "p",
		     "15-k", "--mode", "none", NULL);
	expect_usage("credential '15-k' must be of type 14 for mode dir",
		     "policy", "add", "gw1", "p", "15-k", "--mode", "dir", NULL);
	expect_usage("credential '14-k' must be of type 16 for mode mic",
		     "policy", "add", "gw1", "p", "14-k", "--mode", "mic", NULL);
	expect_usage("--per-instance needs --mode dir", "policy", "add", "gw1",
		     "p", "15-k", "--mode", "wrap", "--per-instance", NULL);
	expect_usage("policy add: missing CREDID", "policy", "add", "gw1", "p",
		     NULL);
	expect_usage("--recipient needs --mode wrap", "policy", "add", "gw1",
		     "p", "14-k", "--mode", "dir", "--recipient", "15-b", NULL);
	expect_usage("recipient '14-b' must be of type 15 for mode wrap",
		     "policy", "add", "gw1", "p", "15-k", "--mode", "wrap",
		     "--recipient", "14-b", NULL);
	{
		struct parsed p;

		parse(&p, "policy", "add", "gw1", "p", "15-k", "--mode=wrap",
		      "--recipient=15-1", "--recipient=15-2",
		      "--recipient=15-3", "--recipient=15-4",
		      "--recipient=15-5", "--recipient=15-6",
		      "--recipient=15-7", "--recipient=15-8", NULL);
		assert_int_equal(p.res, CLI_PARSE_USAGE);
		assert_non_null(strstr(p.err, "at most 7 --recipient"));
		done(&p);
	}
	expect_usage("invalid credential '99-k'", "compact", "gw1", "new",
		     "--rotate", "99-k", NULL);
	expect_usage("missing NEWFILE", "compact", "gw1", NULL);
}

static void test_check_media_type(void **state)
{
	static const char *const good[] = {
		"application/octet-stream", "application/json", "text/plain",
		"application/vnd.onem2m-res+json", "x/y", "a-b/c!#$&^_.+-",
	};
	static const char *const bad[] = {
		"", "application", "/json", "application/", "text/plain/x",
		"text/plain; charset=utf-8", "text/plain;charset=utf-8",
		"application/json:0", "-x/y", "x/.y", "t\xc3\xa9xt/plain",
		"text /plain", "text/pl ain",
	};
	char longn[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(cli_check_media_type(good[i]), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cli_check_media_type(bad[i]), -EINVAL);
	assert_int_equal(cli_check_media_type(NULL), -EINVAL);

	/* 127 characters a name at most (RFC 6838 4.2). */
	memset(longn, 'a', sizeof(longn));
	memcpy(longn, "x/", 2);
	longn[2 + 127] = '\0';
	assert_int_equal(cli_check_media_type(longn), 0);
	longn[2 + 127] = 'a';
	longn[2 + 128] = '\0';
	assert_int_equal(cli_check_media_type(longn), -EINVAL);
}

static void test_check_store_and_path(void **state)
{
	char p[M2MV_PATH_MAX + 1];

	(void)state;
	assert_int_equal(cli_check_store("gw1"), 0);
	assert_int_equal(cli_check_store("A.b_c-9"), 0);
	assert_int_equal(cli_check_store(""), -EINVAL);
	assert_int_equal(cli_check_store(NULL), -EINVAL);
	assert_int_equal(cli_check_store("a~b"), -EINVAL);
	assert_int_equal(cli_check_store("a/b"), -EINVAL);
	assert_int_equal(cli_check_store("0123456789012345678901234567890"), 0);
	assert_int_equal(cli_check_store("01234567890123456789012345678901"),
			 -EINVAL);

	assert_int_equal(cli_check_path("/cse/ae-1/cnt_2/cin~3.x", false), 0);
	assert_int_equal(cli_check_path("", false), -EINVAL);
	assert_int_equal(cli_check_path("", true), 0);
	assert_int_equal(cli_check_path("a b", true), -EINVAL);
	assert_int_equal(cli_check_path("a\xc3\xa9", true), -EINVAL);
	memset(p, 'p', M2MV_PATH_MAX);
	p[M2MV_PATH_MAX] = '\0';
	assert_int_equal(cli_check_path(p, false), 0);
	{
		char q[M2MV_PATH_MAX + 2];

		memset(q, 'q', sizeof(q) - 1);
		q[sizeof(q) - 1] = '\0';
		assert_int_equal(cli_check_path(q, false), -ENAMETOOLONG);
	}
}

/* ----------------------------------------------------------------- output */

static void test_format_values(void **state)
{
	char buf[64];

	(void)state;
	cli_format_time(buf, sizeof(buf), 0);
	assert_string_equal(buf, "1970-01-01T00:00:00.000000000Z");
	cli_format_time(buf, sizeof(buf), 1700000000123456789ULL);
	assert_string_equal(buf, "2023-11-14T22:13:20.123456789Z");

	cli_format_perm(buf, sizeof(buf), 0660);
	assert_string_equal(buf, "0660");
	cli_format_perm(buf, sizeof(buf), 0);
	assert_string_equal(buf, "0000");
	cli_format_perm(buf, sizeof(buf), M2MV_PERM_NONE);
	assert_string_equal(buf, "-");
	assert_string_equal(cli_format_owner(buf, sizeof(buf), 0), "root");
	assert_string_equal(cli_format_group(buf, sizeof(buf), 0), "root");
	/*
	 * Names that no file defines would make glibc load more NSS modules
	 * (memory valgrind counts as a leak): cli_test.sh has those.
	 */

	cli_format_bytes(buf, sizeof(buf), 0);
	assert_string_equal(buf, "0 B");
	cli_format_bytes(buf, sizeof(buf), 1023);
	assert_string_equal(buf, "1023 B");
	cli_format_bytes(buf, sizeof(buf), 1024);
	assert_string_equal(buf, "1.0 KiB");
	cli_format_bytes(buf, sizeof(buf), 1536);
	assert_string_equal(buf, "1.5 KiB");
	cli_format_bytes(buf, sizeof(buf), 10ULL << 20);
	assert_string_equal(buf, "10.0 MiB");
	cli_format_bytes(buf, sizeof(buf), UINT64_MAX);
	assert_string_equal(buf, "16.0 EiB");
	/* Cut to the buffer, terminated. */
	assert_int_equal(cli_format_bytes(buf, 4, 1536), 3);
	assert_string_equal(buf, "1.5");

	cli_format_rec_flags(buf, sizeof(buf), 0);
	assert_string_equal(buf, "-");
	cli_format_rec_flags(buf, sizeof(buf), M2MV_STAT_F_INSTANCE);
	assert_string_equal(buf, "instance");
	cli_format_rec_flags(buf, sizeof(buf), M2MV_STAT_F_BAD);
	assert_string_equal(buf, "bad");
	cli_format_rec_flags(buf, sizeof(buf),
			     M2MV_STAT_F_INSTANCE | M2MV_STAT_F_BAD);
	assert_string_equal(buf, "instance,bad");
	cli_format_policy_flags(buf, sizeof(buf), 0);
	assert_string_equal(buf, "-");
	cli_format_policy_flags(buf, sizeof(buf), M2MV_POLICY_F_INSTANCE);
	assert_string_equal(buf, "instance");

	assert_string_equal(cli_errno_name(buf, sizeof(buf), EBADMSG),
			    "EBADMSG");
	assert_string_equal(cli_errno_name(buf, sizeof(buf), 9999), "9999");

	assert_string_equal(cli_object(buf, sizeof(buf), "gw1", "cse/a"),
			    "gw1:cse/a");
	assert_string_equal(cli_object(buf, sizeof(buf), "gw1", ""), "gw1:''");
}

static void test_reasons(void **state)
{
	(void)state;
	assert_string_equal(cli_reason(CLI_CTX_PATH, -ENOENT),
			    "no such path (or deleted)");
	assert_string_equal(cli_reason(CLI_CTX_BIND, -ENOENT),
			    "no such store attached");
	assert_string_equal(cli_reason(CLI_CTX_STORE, ENOENT),
			    "no such store attached");
	assert_non_null(strstr(cli_reason(CLI_CTX_CTL, -ENOENT),
			       "module not loaded"));
	assert_non_null(strstr(cli_reason(CLI_CTX_ATTACH, -EKEYREJECTED),
			       "does not match"));
	assert_non_null(strstr(cli_reason(CLI_CTX_POLICY_DEL, -ENOENT),
			       "no policy"));
	assert_non_null(strstr(cli_reason(CLI_CTX_BIND, -EACCES),
			       "Permission denied"));
	assert_non_null(strstr(cli_reason(CLI_CTX_PATH, -EKEYREJECTED),
			       "key rejected"));
	assert_non_null(strstr(cli_reason(CLI_CTX_POLICY_SET, -ENOKEY),
			       "not in your keyrings"));
	assert_non_null(strstr(cli_reason(CLI_CTX_KEY_BIND, -EKEYREJECTED),
			       "another key"));
	assert_string_equal(cli_reason(CLI_CTX_PATH, -EACCES),
			    m2mv_strerror(-EACCES));
	/* Attach: which EEXIST it can be depends on --create. */
	assert_string_equal(cli_reason(CLI_CTX_ATTACH, -EEXIST),
			    "a store of that name is already attached");
	assert_non_null(strstr(cli_reason(CLI_CTX_CREATE, -EEXIST),
			       "or the file is not empty"));
	assert_non_null(strstr(cli_reason(CLI_CTX_ATTACH, -ENODATA),
			       "--create makes a new store"));
	assert_string_equal(cli_reason(CLI_CTX_CREATE, -EKEYREJECTED),
			    cli_reason(CLI_CTX_ATTACH, -EKEYREJECTED));
	/* Anything else: the library's explanation. */
	assert_string_equal(cli_reason(CLI_CTX_PATH, -EBADMSG),
			    m2mv_strerror(-EBADMSG));
	assert_string_equal(cli_reason(CLI_CTX_NONE, -ENOENT),
			    m2mv_strerror(-ENOENT));
}

static void test_fail_line(void **state)
{
	char *s = NULL;
	size_t n;
	FILE *f;

	(void)state;
	f = open_memstream(&s, &n);
	assert_int_equal(cli_fail(f, "get", "gw1:cse/a", "no such path", NULL),
			 CLI_EXIT_FAIL);
	cli_fail(f, "status", NULL, "operation not supported",
		 "the loaded m2mvault module lacks netlink command STORE_GET");
	cli_fail(f, "policy add", "gw1:p", "invalid argument", "");
	cli_fail(f, "attach", "gw1", "name taken", "name taken");
	fclose(f);
	assert_string_equal(s,
		"m2mvault: get gw1:cse/a: no such path\n"
		"m2mvault: status: operation not supported (the loaded m2mvault module lacks netlink command STORE_GET)\n"
		"m2mvault: policy add gw1:p: invalid argument\n"
		"m2mvault: attach gw1: name taken\n");
	free(s);
}

static void test_event_line(void **state)
{
	struct m2mv_event_info ev;
	char buf[256];

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.event = M2MV_EVENT_INTEGRITY;
	ev.present = 1ULL << M2MV_A_EVENT | 1ULL << M2MV_A_NAME |
		     1ULL << M2MV_A_PATH | 1ULL << M2MV_A_SEQ |
		     1ULL << M2MV_A_REASON;
	strcpy(ev.name, "gw1");
	strcpy(ev.path, "cse/a");
	ev.seq = 17;
	ev.reason = EBADMSG;
	cli_format_event(buf, sizeof(buf), &ev);
	assert_string_equal(buf, "integrity gw1 path=cse/a seq=17 reason=EBADMSG");

	memset(&ev, 0, sizeof(ev));
	ev.event = M2MV_EVENT_SCRUB_PROGRESS;
	ev.present = 1ULL << M2MV_A_NAME | 1ULL << M2MV_A_DONE |
		     1ULL << M2MV_A_TOTAL;
	strcpy(ev.name, "gw1");
	ev.done = 10;
	ev.total = 20;
	/* Fields not present are not printed, even if set. */
	ev.seq = 5;
	cli_format_event(buf, sizeof(buf), &ev);
	assert_string_equal(buf, "scrub-progress gw1 done=10 total=20");
}

static void test_table(void **state)
{
	static const char *const heads[] = { "NAME", "SIZE", "PATH" };
	const char *r1[] = { "a", "5", "x/y" };
	const char *r2[] = { "longer-name", "12345", "z" };
	struct cli_table t;
	char *s = NULL;
	size_t n;
	FILE *f;

	(void)state;
	assert_int_equal(cli_table_init(&t, 3, 0x2, heads), 0);
	assert_int_equal(cli_table_add(&t, r1), 0);
	assert_int_equal(cli_table_add(&t, r2), 0);
	f = open_memstream(&s, &n);
	cli_table_print(&t, f);
	fclose(f);
	cli_table_free(&t);
	/* Padded columns, the numbers right-aligned, no trailing blanks. */
	assert_string_equal(s,
		"NAME          SIZE  PATH\n"
		"a                5  x/y\n"
		"longer-name  12345  z\n");
	free(s);
}

static void test_progress(void **state)
{
	struct cli_progress p;
	char buf[64], *s = NULL;
	size_t n;
	FILE *f;

	(void)state;
	cli_progress_bar(buf, sizeof(buf), 0, 100, 10);
	assert_string_equal(buf, "[..........]   0%");
	cli_progress_bar(buf, sizeof(buf), 50, 100, 10);
	assert_string_equal(buf, "[#####.....]  50%");
	cli_progress_bar(buf, sizeof(buf), 100, 100, 10);
	assert_string_equal(buf, "[##########] 100%");
	cli_progress_bar(buf, sizeof(buf), 7, 0, 4);
	assert_string_equal(buf, "[####] 100%");
	cli_progress_bar(buf, sizeof(buf), 300, 100, 4);
	assert_string_equal(buf, "[####] 100%");

	/* Not a terminal: a line per tenth reached. */
	f = open_memstream(&s, &n);
	cli_progress_init(&p, f, "verify gw1", false);
	cli_progress_update(&p, 0, 1000);
	cli_progress_update(&p, 50, 1000);
	cli_progress_update(&p, 100, 1000);
	cli_progress_update(&p, 550, 1000);
	cli_progress_update(&p, 560, 1000);
	cli_progress_update(&p, 1000, 1000);
	cli_progress_end(&p);
	fclose(f);
	assert_string_equal(s,
		"verify gw1: 0% (0 of 1000 bytes)\n"
		"verify gw1: 10% (100 of 1000 bytes)\n"
		"verify gw1: 55% (550 of 1000 bytes)\n"
		"verify gw1: 100% (1000 of 1000 bytes)\n");
	free(s);

	/* A terminal: the bar redraws in place and ends its line. */
	s = NULL;
	f = open_memstream(&s, &n);
	cli_progress_init(&p, f, "verify gw1", true);
	cli_progress_update(&p, 1, 2);
	cli_progress_update(&p, 1, 2);
	cli_progress_update(&p, 2, 2);
	cli_progress_end(&p);
	cli_progress_end(&p);
	fclose(f);
	assert_non_null(strstr(s, "\rverify gw1 ["));
	assert_non_null(strstr(s, "  50%"));
	assert_non_null(strstr(s, "] 100%  2 B / 2 B\033[K\n"));
	assert_int_equal(s[strlen(s) - 1], '\n');
	assert_null(strstr(s, "\n\n"));
	free(s);
}

static void expect_json(json_t *v, const char *want)
{
	char *s;

	assert_non_null(v);
	s = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	assert_non_null(s);
	assert_string_equal(s, want);
	free(s);
}

static void test_json(void **state)
{
	struct m2mv_record_info ri = {
		.version = 3, .seq = 17, .mtime_ns = 1700000000000000001ULL,
		.data_len = 10, .record_len = 256, .mode = M2MV_MODE_DIR,
		.flags = M2MV_STAT_F_INSTANCE, .credid = "14-d@x",
	};
	struct m2mv_list_item it = {
		.path = "cse/a", .path_len = 5, .version = 2, .data_len = 4,
		.mode = M2MV_MODE_WRAP, .flags = 0,
	};
	struct m2mv_store_info *si = calloc(1, sizeof(*si));
	struct m2mv_policy_info pi = {
		.store = "gw1", .prefix = "", .credid = "15-w",
		.mode = M2MV_MODE_WRAP,
	};
	struct m2mv_bad_record bad = { .path = "p", .seq = 4,
				       .reason = EBADMSG };
	struct m2mv_verify_info vi = {
		.records = 9, .integrity_errors = 1, .nbad = 1, .bad = &bad,
	};
	struct m2mv_event_info ev = {
		.event = M2MV_EVENT_DETACHED,
		.present = 1ULL << M2MV_A_NAME, .name = "gw1",
	};

	(void)state;
	expect_json(cli_json_record("cse/a", &ri),
		"{\"path\":\"cse/a\",\"version\":3,\"seq\":17,"
		"\"mtime_ns\":1700000000000000001,"
		"\"mtime\":\"2023-11-14T22:13:20.000000001Z\",\"size\":10,"
		"\"record_size\":256,\"mode\":\"dir\",\"credid\":\"14-d@x\","
		"\"flags\":[\"instance\"]}");
	ri.mtime_ns = 0;
	ri.flags = M2MV_STAT_F_BAD;
	ri.credid[0] = '\0';
	expect_json(cli_json_record("x", &ri),
		"{\"path\":\"x\",\"version\":3,\"seq\":17,\"mtime_ns\":0,"
		"\"mtime\":null,\"size\":10,\"record_size\":256,\"mode\":\"dir\","
		"\"credid\":\"\",\"flags\":[\"bad\"]}");
	expect_json(cli_json_list_item(&it),
		"{\"path\":\"cse/a\",\"version\":2,\"size\":4,\"mode\":\"wrap\","
		"\"flags\":[]}");

	strcpy(si->name, "gw1");
	strcpy(si->file, "/tmp/gw1.store");
	si->state = M2MV_STATE_READONLY;
	si->flags = M2MV_ATTACH_F_RDONLY;
	si->records = 5;
	si->counters[M2MV_CTR_GETS] = 2;
	si->owner = 0;
	si->group = 4242;
	si->perm = 0660;
	si->counters[M2MV_CTR_ACCESS_REFUSALS] = 3;
	expect_json(cli_json_store(si),
		"{\"name\":\"gw1\",\"file\":\"/tmp/gw1.store\","
		"\"state\":\"readonly\",\"readonly\":true,\"records\":5,"
		"\"file_bytes\":0,\"live\":0,\"live_bytes\":0,\"last_seq\":0,"
		"\"owner\":0,\"group\":4242,\"mode\":\"0660\","
		"\"counters\":{\"puts\":0,\"gets\":2,\"deletes\":0,"
		"\"integrity_failures\":0,\"key_refusals\":0,"
		"\"access_refusals\":3}}");
	/* A module that reports no grant: no owner, group or mode. */
	si->perm = M2MV_PERM_NONE;
	si->counters[M2MV_CTR_ACCESS_REFUSALS] = 0;
	expect_json(cli_json_store(si),
		"{\"name\":\"gw1\",\"file\":\"/tmp/gw1.store\","
		"\"state\":\"readonly\",\"readonly\":true,\"records\":5,"
		"\"file_bytes\":0,\"live\":0,\"live_bytes\":0,\"last_seq\":0,"
		"\"counters\":{\"puts\":0,\"gets\":2,\"deletes\":0,"
		"\"integrity_failures\":0,\"key_refusals\":0,"
		"\"access_refusals\":0}}");
	free(si);

	expect_json(cli_json_policy(&pi),
		"{\"store\":\"gw1\",\"prefix\":\"\",\"mode\":\"wrap\","
		"\"credid\":\"15-w\",\"per_instance\":false,\"profile\":\"seed\"}");
	expect_json(cli_json_verify("gw1", &vi),
		"{\"name\":\"gw1\",\"records\":9,\"integrity_errors\":1,"
		"\"bad\":[{\"path\":\"p\",\"seq\":4,\"reason\":\"EBADMSG\"}]}");
	expect_json(cli_json_event(&ev),
		"{\"event\":\"detached\",\"name\":\"gw1\"}");
}

/* export --esdata: cnf by serialization, con the export as it is. */
static void test_json_esdata(void **state)
{
	static const char jws[] = "eyJhbGciOiJIUzI1NiJ9.cGF5bG9hZA.c2ln";
	static const char flat[] =
		"{\"protected\":\"eyJhbGciOiJkaXIifQ\",\"iv\":\"aXY\","
		"\"ciphertext\":\"Yw\",\"tag\":\"dA\"}";
	static const char bad[] = "\xff\xfe";
	char longt[300];

	(void)state;
	expect_json(cli_json_esdata("application/octet-stream", false, jws,
				    strlen(jws)),
		"{\"cnf\":\"application/octet-stream:0:1\","
		"\"con\":\"eyJhbGciOiJIUzI1NiJ9.cGF5bG9hZA.c2ln\"}");
	expect_json(cli_json_esdata("application/json", true, flat,
				    strlen(flat)),
		"{\"cnf\":\"application/json:0:2\","
		"\"con\":\"{\\\"protected\\\":\\\"eyJhbGciOiJkaXIifQ\\\","
		"\\\"iv\\\":\\\"aXY\\\",\\\"ciphertext\\\":\\\"Yw\\\","
		"\\\"tag\\\":\\\"dA\\\"}\"}");
	/* Only @len bytes: a serialization is not read past its length. */
	expect_json(cli_json_esdata("text/plain", false, jws, 4),
		"{\"cnf\":\"text/plain:0:1\",\"con\":\"eyJh\"}");
	assert_null(cli_json_esdata("x/y", false, bad, 2));
	/* Longer than two names of 127: refused, not cut. */
	memset(longt, 'a', sizeof(longt) - 1);
	longt[sizeof(longt) - 1] = '\0';
	longt[1] = '/';
	assert_null(cli_json_esdata(longt, false, jws, strlen(jws)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_data_commands),
		cmocka_unit_test(test_parse_control_commands),
		cmocka_unit_test(test_parse_help_and_version),
		cmocka_unit_test(test_parse_usage_errors),
		cmocka_unit_test(test_check_store_and_path),
		cmocka_unit_test(test_check_media_type),
		cmocka_unit_test(test_format_values),
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_fail_line),
		cmocka_unit_test(test_event_line),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_progress),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_esdata),
	};

	return cmocka_run_group_tests_name("lib_cli", tests, NULL, NULL);
}
