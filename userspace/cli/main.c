// SPDX-License-Identifier: GPL-2.0
/*
 * m2mvault: the command line tool for m2mvault stores, on libm2mvault.
 * See Documentation/m2mvault.8.rst.
 */
#include "cli/cli.h"

int cli_run(const struct cli_args *a)
{
	switch (a->cmd) {
	case CLI_ATTACH:
		return cli_cmd_attach(a);
	case CLI_DETACH:
		return cli_cmd_detach(a);
	case CLI_POLICY_ADD:
		return cli_cmd_policy_add(a);
	case CLI_POLICY_DEL:
		return cli_cmd_policy_del(a);
	case CLI_POLICY_LS:
		return cli_cmd_policy_ls(a);
	case CLI_STATUS:
		return cli_cmd_status(a);
	case CLI_PUT:
		return cli_cmd_put(a);
	case CLI_GET:
		return cli_cmd_get(a);
	case CLI_RM:
		return cli_cmd_rm(a);
	case CLI_LS:
		return cli_cmd_ls(a);
	case CLI_STAT:
		return cli_cmd_stat(a);
	case CLI_EXPORT:
		return cli_cmd_export(a);
	case CLI_VERIFY:
		return cli_cmd_verify(a);
	case CLI_COMPACT:
		return cli_cmd_compact(a);
	case CLI_MONITOR:
		return cli_cmd_monitor(a);
	case CLI_NONE:
		break;
	}
	return CLI_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	struct cli_args a;
	int ret;

	switch (cli_parse(argc, argv, &a, stdout, stderr)) {
	case CLI_PARSE_DONE:
		ret = CLI_EXIT_OK;
		break;
	case CLI_PARSE_USAGE:
		ret = CLI_EXIT_USAGE;
		break;
	default:
		ret = cli_run(&a);
		break;
	}
	/* Output that could not be written is a failure too. */
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, CLI_PROG ": %s: cannot write output\n",
			a.name ? a.name : "output");
		if (ret == CLI_EXIT_OK)
			ret = CLI_EXIT_FAIL;
	}
	return ret;
}
