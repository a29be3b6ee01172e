// SPDX-License-Identifier: GPL-2.0
/*
 * m2mvault: the command line tool for m2mvault stores, on libm2mvault.
 * See Documentation/m2mvault.8.rst.
 */
#include "cli/cli.h"

int cli_run(const struct cli_args *a)
{
	return a->cmd ? a->cmd->run(a) : CLI_EXIT_USAGE;
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
