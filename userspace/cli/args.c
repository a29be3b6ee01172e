// SPDX-License-Identifier: GPL-2.0
/*
 * Command line parsing: global options, the command word(s), then the
 * command's own options with getopt_long and its positional arguments,
 * checked completely before anything runs. Each command is one row of
 * cli_commands[]: its name, help, argument spec, check and handler.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/credid.h"
#include "common/mode.h"

#define OPT_HELP { "help", no_argument, NULL, 'h' }
#define OPT_END { NULL, 0, NULL, 0 }
/* Long-only options get values outside the printable range. */
#define OPT_COMPACT 0x100
#define OPT_ROTATE 0x101
#define OPT_OWNER 0x102
#define OPT_GROUP 0x103
#define OPT_PERM 0x104
#define OPT_ANCHOR 0x105
#define OPT_STALE_OK 0x106
#define OPT_ESDATA 0x120
#define OPT_MEDIA_TYPE 0x121
#define OPT_RECIPIENT 0x122
#define OPT_RECOVERY 0x123

static const struct option opts_plain[] = { OPT_HELP, OPT_END };

static const struct option opts_attach[] = {
	{ "key", required_argument, NULL, 'k' },
	{ "readonly", no_argument, NULL, 'r' },
	{ "create", no_argument, NULL, 'c' },
	{ "owner", required_argument, NULL, OPT_OWNER },
	{ "group", required_argument, NULL, OPT_GROUP },
	{ "mode", required_argument, NULL, OPT_PERM },
	{ "anchor", required_argument, NULL, OPT_ANCHOR },
	{ "stale-ok", no_argument, NULL, OPT_STALE_OK },
	OPT_HELP, OPT_END,
};

static const struct option opts_policy_add[] = {
	{ "mode", required_argument, NULL, 'm' },
	{ "per-instance", no_argument, NULL, 'i' },
	{ "profile", required_argument, NULL, 'p' },
	{ "recipient", required_argument, NULL, OPT_RECIPIENT },
	OPT_HELP, OPT_END,
};

static const struct option opts_json[] = {
	{ "json", no_argument, NULL, 'j' },
	OPT_HELP, OPT_END,
};

static const struct option opts_status[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "stats", no_argument, NULL, 's' },
	OPT_HELP, OPT_END,
};

static const struct option opts_sync[] = {
	{ "sync", no_argument, NULL, 's' },
	OPT_HELP, OPT_END,
};

static const struct option opts_get[] = {
	{ "output", required_argument, NULL, 'o' },
	OPT_HELP, OPT_END,
};

static const struct option opts_export[] = {
	{ "compact", no_argument, NULL, OPT_COMPACT },
	{ "json", no_argument, NULL, 'j' },
	{ "esdata", no_argument, NULL, OPT_ESDATA },
	{ "media-type", required_argument, NULL, OPT_MEDIA_TYPE },
	OPT_HELP, OPT_END,
};

static const struct option opts_compact[] = {
	{ "rotate", required_argument, NULL, OPT_ROTATE },
	{ "recovery", no_argument, NULL, OPT_RECOVERY },
	OPT_HELP, OPT_END,
};


static enum cli_parse_result cli_bad(FILE *err, const char *command,
				     const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A usage error: the problem, then where to look. */
static enum cli_parse_result cli_bad(FILE *err, const char *command,
				     const char *fmt, ...)
{
	va_list ap;

	fprintf(err, CLI_PROG ": %s%s", command ? command : "",
		command ? ": " : "");
	va_start(ap, fmt);
	vfprintf(err, fmt, ap);
	va_end(ap);
	fprintf(err, "\nTry '" CLI_PROG "%s%s --help'.\n", command ? " " : "",
		command ? command : "");
	return CLI_PARSE_USAGE;
}

static int cli_store_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

int cli_check_store(const char *s)
{
	size_t i;

	if (!s || !*s || strlen(s) >= M2MV_NAME_MAX)
		return -EINVAL;
	for (i = 0; s[i]; i++)
		if (!cli_store_char((unsigned char)s[i]))
			return -EINVAL;
	return 0;
}

int cli_check_path(const char *s, bool may_be_empty)
{
	size_t i;

	if (!s)
		return -EINVAL;
	if (!*s)
		return may_be_empty ? 0 : -EINVAL;
	for (i = 0; s[i]; i++) {
		if (i == M2MV_PATH_MAX)
			return -ENAMETOOLONG;
		if (!cli_store_char((unsigned char)s[i]) && s[i] != '~' &&
		    s[i] != '/')
			return -EINVAL;
	}
	return 0;
}

/* RFC 6838 4.2: a restricted-name of 1 to 127 characters, up to @end. */
static int cli_mt_name(const char *s, const char *end)
{
	const char *p;

	if (end - s < 1 || end - s > 127 ||
	    !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
	      (*s >= '0' && *s <= '9')))
		return -EINVAL;
	for (p = s; p < end; p++)
		if (!cli_store_char((unsigned char)*p) &&
		    !strchr("!#$&^+", *p))
			return -EINVAL;
	return 0;
}

int cli_check_media_type(const char *s)
{
	const char *slash = s ? strchr(s, '/') : NULL;

	if (!slash || cli_mt_name(s, slash) ||
	    cli_mt_name(slash + 1, slash + 1 + strlen(slash + 1)))
		return -EINVAL;
	return 0;
}

/* A decimal number up to @max, all of @s: 0 or -EINVAL. */
static int cli_number(const char *s, unsigned long max, uint32_t *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int cli_parse_owner(const char *s, uint32_t *uid)
{
	struct passwd *pw;

	if (!s || !*s)
		return -EINVAL;
	/* (uid_t)-1 means "no change" to the kernel: not an owner. */
	if (!cli_number(s, (uid_t)-2, uid))
		return 0;
	if (*s >= '0' && *s <= '9')
		return -EINVAL;
	pw = getpwnam(s);
	if (!pw)
		return -ENOENT;
	*uid = pw->pw_uid;
	return 0;
}

int cli_parse_group(const char *s, uint32_t *gid)
{
	struct group *gr;

	if (!s || !*s)
		return -EINVAL;
	if (!cli_number(s, (gid_t)-2, gid))
		return 0;
	if (*s >= '0' && *s <= '9')
		return -EINVAL;
	gr = getgrnam(s);
	if (!gr)
		return -ENOENT;
	*gid = gr->gr_gid;
	return 0;
}

int cli_parse_perm(const char *s, uint32_t *perm)
{
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '7' || strlen(s) > 4)
		return -EINVAL;
	v = strtoul(s, &end, 8);
	if (*end || v > 0777)
		return -EINVAL;
	*perm = (uint32_t)v;
	return 0;
}

/* The option the last getopt_long() call stumbled over, for a message. */
static const char *cli_bad_option(int argc, char **argv, char *buf,
				  size_t size)
{
	const char *arg = optind > 0 && optind - 1 < argc ?
			  argv[optind - 1] : NULL;
	size_t n;

	if (arg && !strncmp(arg, "--", 2)) {
		n = strcspn(arg, "=");
		snprintf(buf, size, "%.*s", (int)n, arg);
	} else if (optopt > 0 && optopt < 0x100) {
		snprintf(buf, size, "-%c", optopt);
	} else {
		snprintf(buf, size, "%s", arg ? arg : "?");
	}
	return buf;
}

/*
 * Credential-ID @id must be valid, and of @want's type unless it is 0
 * (@why says what asks for that type).
 */
static enum cli_parse_result cli_check_credid(FILE *err, const char *command,
					      const char *what,
					      const char *id,
					      unsigned int want,
					      const char *why)
{
	unsigned int type;

	if (m2mv_credid_parse(id, &type))
		return cli_bad(err, command,
			       "invalid %s '%s' (a Credential-ID is <type>-<value>, type 14, 15 or 16)",
			       what, id);
	if (want && type != want)
		return cli_bad(err, command, "%s '%s' must be of type %u %s",
			       what, id, want, why);
	return CLI_PARSE_RUN;
}

/* ------------------------------------------- checks of single commands */

/*
 * What the options said beyond struct cli_args, for a command's check:
 * the meaning of -s and --compact is the command's.
 */
struct cli_opts {
	bool s;			/* -s */
	bool compact;		/* --compact */
	const char *owner;	/* --owner */
	const char *group;	/* --group */
	const char *perm;	/* --mode of attach */
	const char *anchor;	/* --anchor of attach */
};

static enum cli_parse_result cli_check_attach(struct cli_args *a,
					      const struct cli_opts *o,
					      FILE *err)
{
	struct m2mv_attach_access *acc = &a->access;
	int ret;

	if (!a->credid)
		return cli_bad(err, a->name, "missing --key CREDID");
	if ((a->flags & M2MV_ATTACH_F_CREATE) &&
	    (a->flags & M2MV_ATTACH_F_RDONLY))
		return cli_bad(err, a->name,
			       "--create and --readonly exclude each other");
	if (o->owner) {
		ret = cli_parse_owner(o->owner, &acc->owner);
		if (ret)
			return cli_bad(err, a->name, "--owner: %s '%s'",
				       ret == -ENOENT ? "no such user" :
				       "not a user name or uid", o->owner);
		acc->set |= M2MV_ACCESS_OWNER;
	}
	if (o->group) {
		ret = cli_parse_group(o->group, &acc->group);
		if (ret)
			return cli_bad(err, a->name, "--group: %s '%s'",
				       ret == -ENOENT ? "no such group" :
				       "not a group name or gid", o->group);
		acc->set |= M2MV_ACCESS_GROUP;
	}
	if (o->perm) {
		if (cli_parse_perm(o->perm, &acc->perm))
			return cli_bad(err, a->name,
				       "--mode: permission bits in octal, 0 to 0777, not '%s'",
				       o->perm);
		acc->set |= M2MV_ACCESS_PERM;
	}
	if (o->anchor) {
		if (m2mv_anchor_parse(o->anchor, &a->anchor))
			return cli_bad(err, a->name,
				       "--anchor: SEQ:HEX as 'm2mvault anchor' prints it, not '%s'",
				       o->anchor);
		a->has_anchor = true;
	}
	if ((a->flags & M2MV_ATTACH_F_STALE_OK) && !a->has_anchor)
		return cli_bad(err, a->name, "--stale-ok needs --anchor");
	return cli_check_credid(err, a->name, "store key", a->credid,
				M2MV_CRED_TYPE_ESDATA_HMAC, "(an HMAC key)");
}

static enum cli_parse_result cli_check_key_bind(struct cli_args *a,
						const struct cli_opts *o,
						FILE *err)
{
	(void)o;
	return cli_check_credid(err, a->name, "credential", a->credid, 0, "");
}

static enum cli_parse_result cli_check_policy_add(struct cli_args *a,
						  const struct cli_opts *o,
						  FILE *err)
{
	enum cli_parse_result r;
	char why[32];
	unsigned int i;

	(void)o;
	if (a->mode == M2MV_MODE_NONE)
		return cli_bad(err, a->name, "missing --mode wrap|dir|mic");
	if ((a->flags & M2MV_POLICY_F_INSTANCE) && a->mode != M2MV_MODE_DIR)
		return cli_bad(err, a->name, "--per-instance needs --mode dir");
	if ((a->flags & M2MV_POLICY_F_INSTANCE) &&
	    (a->flags & M2MV_POLICY_F_TS0003))
		return cli_bad(err, a->name,
			       "--per-instance is for the seed profile: ts0003 seals with the key itself");
	if (a->nrcpt && a->mode != M2MV_MODE_WRAP)
		return cli_bad(err, a->name, "--recipient needs --mode wrap");
	for (i = 0; i < a->nrcpt; i++) {
		r = cli_check_credid(err, a->name, "recipient", a->rcpt[i],
				     M2MV_CRED_TYPE_ESDATA_WRAP, "for mode wrap");
		if (r != CLI_PARSE_RUN)
			return r;
	}
	snprintf(why, sizeof(why), "for mode %s", m2mv_mode_name(a->mode));
	return cli_check_credid(err, a->name, "credential", a->credid,
				m2mv_mode_cred_type(a->mode), why);
}

/* status: -s is --stats. */
static enum cli_parse_result cli_check_status(struct cli_args *a,
					      const struct cli_opts *o,
					      FILE *err)
{
	(void)err;
	a->stats = o->s;
	return CLI_PARSE_RUN;
}

/* put, rm: -s is --sync. */
static enum cli_parse_result cli_check_sync(struct cli_args *a,
					    const struct cli_opts *o,
					    FILE *err)
{
	(void)err;
	if (o->s)
		a->flags |= M2MV_F_SYNC;
	return CLI_PARSE_RUN;
}

static enum cli_parse_result cli_check_export(struct cli_args *a,
					      const struct cli_opts *o,
					      FILE *err)
{
	if (o->compact && a->json)
		return cli_bad(err, a->name,
			       "--compact and --json exclude each other");
	if (a->json)
		a->flags |= M2MV_EXPORT_F_JSON;
	if (a->media_type && !a->esdata)
		return cli_bad(err, a->name, "--media-type needs --esdata");
	if (a->media_type && cli_check_media_type(a->media_type))
		return cli_bad(err, a->name,
			       "--media-type: a media type TYPE/SUBTYPE without parameters (RFC 6838), not '%s'",
			       a->media_type);
	if (a->esdata && !a->media_type)
		a->media_type = CLI_ESDATA_MEDIA_TYPE;
	return CLI_PARSE_RUN;
}

static enum cli_parse_result cli_check_compact(struct cli_args *a,
					       const struct cli_opts *o,
					       FILE *err)
{
	(void)o;
	if (a->credid && (a->flags & M2MV_COMPACT_F_RECOVERY))
		return cli_bad(err, a->name,
			       "--rotate and --recovery are separate runs");
	if (a->credid)
		return cli_check_credid(err, a->name, "credential", a->credid,
					0, "");
	return CLI_PARSE_RUN;
}

static enum cli_parse_result cli_check_recovery(struct cli_args *a,
						const struct cli_opts *o,
						FILE *err)
{
	(void)o;
	return cli_check_credid(err, a->name, "recovery credential", a->credid,
				M2MV_CRED_TYPE_ESDATA_WRAP, "(a key-wrap key)");
}

/* --------------------------------------------------------- the commands */

/*
 * Every command, in the order 'm2mvault --help' lists them in its groups.
 * A row says how to parse the command line and which function runs it.
 */
static const struct cli_command cli_commands[] = {
	{
		.name = "attach",
		.run = cli_cmd_attach,
		.synopsis = "NAME FILE --key CREDID [--create|--readonly] [--owner USER] [--group GROUP] [--mode OCTAL] [--anchor SEQ:HEX [--stale-ok]]",
		.help =
			"Attach the store file FILE under NAME. CREDID names the store key\n"
			"(a type-16 m2mvault key in your keyrings) that authenticates the\n"
			"store's structure. Prints what the scan of the file found.\n"
			"\n"
			"Only --create makes a new store: FILE is created (mode 0600) if\n"
			"missing, and must be empty; it is formatted and keyed with CREDID.\n"
			"Without --create, FILE must be an existing store: an empty file is\n"
			"refused, and nothing is ever formatted over data.\n"
			"\n"
			"The store's data commands are granted like a file's: read (get,\n"
			"ls, stat, export) and write (put, rm) permission by the owner's,\n"
			"the group's or the others' bits of the mode. Default: owner root,\n"
			"group root, mode 0600. The credential keys are needed as well.\n"
			"\n"
			"  -k, --key CREDID    the store key's Credential-ID (required)\n"
			"  -c, --create        make a new store in FILE (missing or empty)\n"
			"  -r, --readonly      never write to FILE (nor cut a torn tail)\n"
			"      --owner USER    the store's owner: a user name or uid\n"
			"      --group GROUP   the store's group: a group name or gid\n"
			"      --mode OCTAL    permission bits, e.g. 0660 (0 to 0777)\n"
			"      --anchor SEQ:HEX  the freshness anchor 'm2mvault anchor' printed:\n"
			"                      refuse a file that does not hold that record\n"
			"      --stale-ok      attach even so (logged and counted)\n"
			"  -h, --help          show this help\n",
		.shortopts = ":k:crh",
		.longopts = opts_attach,
		.min = 2,
		.max = 2,
		.slots = { SLOT_STORE, SLOT_FILE },
		.argnames = { "NAME", "FILE" },
		.group = CLI_GROUP_STORE,
		.check = cli_check_attach,
	},
	{
		.name = "detach",
		.run = cli_cmd_detach,
		.synopsis = "NAME",
		.help =
			"Detach the store NAME (after writing a checkpoint) and drop its\n"
			"policies.\n"
			"\n"
			"  -h, --help         show this help\n",
		.shortopts = ":h",
		.longopts = opts_plain,
		.min = 1,
		.max = 1,
		.slots = { SLOT_STORE },
		.argnames = { "NAME" },
		.group = CLI_GROUP_STORE,
	},
	{
		.name = "policy add",
		.run = cli_cmd_policy_add,
		.synopsis = "NAME PREFIX CREDID --mode wrap|dir|mic [--per-instance] [--profile seed|ts0003] [--recipient CREDID]...",
		.help =
			"Seal what is written under PREFIX in store NAME with the key\n"
			"CREDID, in the given mode. The longest matching prefix decides;\n"
			"'' covers every path. The Credential-ID type must fit the mode:\n"
			"15 for wrap, 14 for dir, 16 for mic. Replaces the prefix's policy.\n"
			"\n"
			"  -m, --mode MODE      wrap, dir or mic (required)\n"
			"  -i, --per-instance   dir, seed profile: a key per resource\n"
			"                       instance instead of per container\n"
			"  -p, --profile P      seed (default): dir derives a key per\n"
			"                       container from CREDID's key; ts0003: dir\n"
			"                       seals with CREDID's key itself, so any JOSE\n"
			"                       library given that key decrypts an export\n"
			"                       (wrap and mic are the same in both)\n"
			"      --recipient ID   wrap: another credential whose key opens\n"
			"                       the records (type 15; up to 7, repeat the\n"
			"                       option); a put then needs every key, and\n"
			"                       export --json gives one JWE recipient each\n"
			"  -h, --help           show this help\n",
		.shortopts = ":m:ip:h",
		.longopts = opts_policy_add,
		.min = 3,
		.max = 3,
		.slots = { SLOT_STORE, SLOT_PATH, SLOT_CREDID },
		.argnames = { "NAME", "PREFIX", "CREDID" },
		.group = CLI_GROUP_STORE,
		.check = cli_check_policy_add,
	},
	{
		.name = "policy del",
		.run = cli_cmd_policy_del,
		.synopsis = "NAME PREFIX",
		.help =
			"Remove the policy of exactly PREFIX from store NAME.\n"
			"\n"
			"  -h, --help         show this help\n",
		.shortopts = ":h",
		.longopts = opts_plain,
		.min = 2,
		.max = 2,
		.slots = { SLOT_STORE, SLOT_PATH },
		.argnames = { "NAME", "PREFIX" },
		.group = CLI_GROUP_STORE,
	},
	{
		.name = "key bind",
		.run = cli_cmd_key_bind,
		.synopsis = "NAME CREDID",
		.help =
			"Bind the key of CREDID in your keyrings to store NAME, as 'policy\n"
			"add' does for its credential: from then on records under CREDID\n"
			"are read and written only with that very key. For credentials\n"
			"that only older records use, after the store was attached again.\n"
			"\n"
			"  -h, --help         show this help\n",
		.shortopts = ":h",
		.longopts = opts_plain,
		.min = 2,
		.max = 2,
		.slots = { SLOT_STORE, SLOT_CREDID },
		.argnames = { "NAME", "CREDID" },
		.group = CLI_GROUP_STORE,
		.check = cli_check_key_bind,
	},
	{
		.name = "recovery set",
		.run = cli_cmd_recovery_set,
		.synopsis = "NAME CREDID",
		.help =
			"Give store NAME the recovery credential CREDID (type 15), whose key\n"
			"must be in your keyrings for this command only: the store keeps it,\n"
			"wrapped under its store key in its own log, and makes it the last\n"
			"recipient of every wrap record it seals from now on, also after it\n"
			"is attached again. Keep the key file offline and remove the key from\n"
			"the keyring. Records sealed before keep their recipients until\n"
			"'compact --recovery'. Replaces an earlier recovery credential.\n"
			"\n"
			"  -h, --help         show this help\n",
		.shortopts = ":h",
		.longopts = opts_plain,
		.min = 2,
		.max = 2,
		.slots = { SLOT_STORE, SLOT_CREDID },
		.argnames = { "NAME", "CREDID" },
		.group = CLI_GROUP_STORE,
		.check = cli_check_recovery,
	},
	{
		.name = "recovery clear",
		.run = cli_cmd_recovery_clear,
		.synopsis = "NAME",
		.help =
			"Remove the recovery credential of store NAME: records sealed from\n"
			"now on have none ('compact --recovery' takes it from the others).\n"
			"\n"
			"  -h, --help         show this help\n",
		.shortopts = ":h",
		.longopts = opts_plain,
		.min = 1,
		.max = 1,
		.slots = { SLOT_STORE },
		.argnames = { "NAME" },
		.group = CLI_GROUP_STORE,
	},
	{
		.name = "recovery show",
		.run = cli_cmd_recovery_show,
		.synopsis = "NAME",
		.help =
			"Print the Credential-ID of the recovery credential of store NAME;\n"
			"exit 1 if it has none.\n"
			"\n"
			"  -h, --help         show this help\n",
		.shortopts = ":h",
		.longopts = opts_plain,
		.min = 1,
		.max = 1,
		.slots = { SLOT_STORE },
		.argnames = { "NAME" },
		.group = CLI_GROUP_STORE,
	},
	{
		.name = "policy ls",
		.run = cli_cmd_policy_ls,
		.synopsis = "[NAME] [--json]",
		.help =
			"List the policies of store NAME, or of every store.\n"
			"\n"
			"  -j, --json         print a JSON array\n"
			"  -h, --help         show this help\n",
		.shortopts = ":jh",
		.longopts = opts_json,
		.min = 0,
		.max = 1,
		.slots = { SLOT_STORE },
		.argnames = { "NAME" },
		.group = CLI_GROUP_STORE,
	},
	{
		.name = "status",
		.run = cli_cmd_status,
		.synopsis = "[NAME] [--stats] [--json]",
		.help =
			"Show the state, sizes and grant (owner, group, mode) of store\n"
			"NAME, or of every attached store, as a table.\n"
			"\n"
			"  -s, --stats        add the operation counters since attach\n"
			"                     (refusals of keys and of the grant included)\n"
			"  -j, --json         print a JSON array (counters included)\n"
			"  -h, --help         show this help\n",
		.shortopts = ":jsh",
		.longopts = opts_status,
		.min = 0,
		.max = 1,
		.slots = { SLOT_STORE },
		.argnames = { "NAME" },
		.group = CLI_GROUP_STORE,
		.check = cli_check_status,
	},
	{
		.name = "anchor",
		.run = cli_cmd_anchor,
		.synopsis = "NAME",
		.help =
			"Print the freshness anchor of store NAME: the sequence number\n"
			"and chain value (SEQ:HEX) of its last record known to be on\n"
			"stable storage. Keep it off the gateway's disk and give it to\n"
			"'attach --anchor' later: an older copy of the file, or one that\n"
			"lost acknowledged records, is then refused. A compaction starts\n"
			"a new log: take the anchor again after it.\n"
			"\n"
			"  -h, --help         show this help\n",
		.shortopts = ":h",
		.longopts = opts_plain,
		.min = 1,
		.max = 1,
		.slots = { SLOT_STORE },
		.argnames = { "NAME" },
		.group = CLI_GROUP_STORE,
	},
	{
		.name = "verify",
		.run = cli_cmd_verify,
		.synopsis = "NAME [--json]",
		.help =
			"Check every record of store NAME. Shows progress (a bar on a\n"
			"terminal); lists the records that failed and exits 1 if any did.\n"
			"\n"
			"  -j, --json         print the result as a JSON object\n"
			"  -h, --help         show this help\n",
		.shortopts = ":jh",
		.longopts = opts_json,
		.min = 1,
		.max = 1,
		.slots = { SLOT_STORE },
		.argnames = { "NAME" },
		.group = CLI_GROUP_STORE,
	},
	{
		.name = "compact",
		.run = cli_cmd_compact,
		.synopsis = "NAME NEWFILE [--rotate CREDID | --recovery]",
		.help =
			"Rewrite the live records of store NAME into NEWFILE (created; it\n"
			"must not exist or be empty); the store continues on NEWFILE.\n"
			"\n"
			"      --rotate CREDID  re-seal every live record of CREDID's mode\n"
			"                       under CREDID\n"
			"      --recovery       give every live wrap record the store's\n"
			"                       recovery credential as it is now (added,\n"
			"                       replaced, or removed); needs the key of one\n"
			"                       of each record's other recipients\n"
			"  -h, --help           show this help\n",
		.shortopts = ":h",
		.longopts = opts_compact,
		.min = 2,
		.max = 2,
		.slots = { SLOT_STORE, SLOT_FILE },
		.argnames = { "NAME", "NEWFILE" },
		.group = CLI_GROUP_STORE,
		.check = cli_check_compact,
	},
	{
		.name = "monitor",
		.run = cli_cmd_monitor,
		.synopsis = "[--json]",
		.help =
			"Print events as they happen (integrity failures, refused keys,\n"
			"stores attached, detached, compacted, scrub progress) until\n"
			"interrupted.\n"
			"\n"
			"  -j, --json         one JSON object per line\n"
			"  -h, --help         show this help\n",
		.shortopts = ":jh",
		.longopts = opts_json,
		.min = 0,
		.max = 0,
		.slots = { SLOT_STORE },
		.argnames = { NULL },
		.group = CLI_GROUP_STORE,
	},
	{
		.name = "put",
		.run = cli_cmd_put,
		.synopsis = "[-s|--sync] STORE PATH [FILE|-]",
		.help =
			"Seal the contents of FILE (standard input if absent or '-') and\n"
			"store them as the next version of PATH. Needs the key of the\n"
			"policy covering PATH.\n"
			"\n"
			"  -s, --sync         return once the record is on stable storage\n"
			"  -h, --help         show this help\n",
		.shortopts = ":sh",
		.longopts = opts_sync,
		.min = 2,
		.max = 3,
		.slots = { SLOT_STORE, SLOT_PATH, SLOT_FILE },
		.argnames = { "STORE", "PATH", "FILE" },
		.group = CLI_GROUP_DATA,
		.path = true,
		.check = cli_check_sync,
	},
	{
		.name = "get",
		.run = cli_cmd_get,
		.synopsis = "STORE PATH [-o FILE]",
		.help =
			"Verify and decrypt the newest version of PATH and write it to\n"
			"standard output or FILE (created with mode 0600, written only if\n"
			"the record verifies). Needs the key that sealed it.\n"
			"\n"
			"  -o, --output FILE  write to FILE instead of standard output\n"
			"  -h, --help         show this help\n",
		.shortopts = ":o:h",
		.longopts = opts_get,
		.min = 2,
		.max = 2,
		.slots = { SLOT_STORE, SLOT_PATH },
		.argnames = { "STORE", "PATH" },
		.group = CLI_GROUP_DATA,
		.path = true,
	},
	{
		.name = "rm",
		.run = cli_cmd_rm,
		.synopsis = "[-s|--sync] STORE PATH",
		.help =
			"Delete PATH (append a tombstone). Needs the key of the policy\n"
			"covering PATH.\n"
			"\n"
			"  -s, --sync         return once the tombstone is on stable storage\n"
			"  -h, --help         show this help\n",
		.shortopts = ":sh",
		.longopts = opts_sync,
		.min = 2,
		.max = 2,
		.slots = { SLOT_STORE, SLOT_PATH },
		.argnames = { "STORE", "PATH" },
		.group = CLI_GROUP_DATA,
		.path = true,
		.check = cli_check_sync,
	},
	{
		.name = "ls",
		.run = cli_cmd_ls,
		.synopsis = "STORE [PREFIX] [--json]",
		.help =
			"List the live paths of STORE (under PREFIX) in bytewise order with\n"
			"version, size, mode and flags. Needs no key.\n"
			"\n"
			"  -j, --json         print a JSON array\n"
			"  -h, --help         show this help\n",
		.shortopts = ":jh",
		.longopts = opts_json,
		.min = 1,
		.max = 2,
		.slots = { SLOT_STORE, SLOT_PATH },
		.argnames = { "STORE", "PREFIX" },
		.group = CLI_GROUP_DATA,
	},
	{
		.name = "stat",
		.run = cli_cmd_stat,
		.synopsis = "STORE PATH [--json]",
		.help =
			"Show the metadata of the newest version of PATH. Needs no key.\n"
			"\n"
			"  -j, --json         print a JSON object\n"
			"  -h, --help         show this help\n",
		.shortopts = ":jh",
		.longopts = opts_json,
		.min = 2,
		.max = 2,
		.slots = { SLOT_STORE, SLOT_PATH },
		.argnames = { "STORE", "PATH" },
		.group = CLI_GROUP_DATA,
		.path = true,
	},
	{
		.name = "export",
		.run = cli_cmd_export,
		.synopsis = "STORE PATH [--compact|--json] [--esdata [--media-type TYPE]]",
		.help =
			"Print the newest version of PATH as sealed, without a key: JWE for\n"
			"wrap and dir records, JWS for mic records.\n"
			"\n"
			"      --compact      compact serialization (the default)\n"
			"  -j, --json         flattened JSON serialization\n"
			"      --esdata       print {\"cnf\": ..., \"con\": ...}: the contentInfo\n"
			"                     and content of a <contentInstance> hosting it\n"
			"      --media-type TYPE  with --esdata: the plaintext's media type\n"
			"                     in cnf (default " CLI_ESDATA_MEDIA_TYPE ")\n"
			"  -h, --help         show this help\n",
		.shortopts = ":jh",
		.longopts = opts_export,
		.min = 2,
		.max = 2,
		.slots = { SLOT_STORE, SLOT_PATH },
		.argnames = { "STORE", "PATH" },
		.group = CLI_GROUP_DATA,
		.path = true,
		.check = cli_check_export,
	},
};

#define CLI_NCOMMANDS (sizeof(cli_commands) / sizeof(cli_commands[0]))

static const struct cli_command *cli_find(const char *name)
{
	size_t i;

	for (i = 0; i < CLI_NCOMMANDS; i++)
		if (!strcmp(cli_commands[i].name, name))
			return &cli_commands[i];
	return NULL;
}

/* The synopses of the commands of @group. */
static void cli_usage_group(FILE *f, enum cli_group group)
{
	size_t i;

	for (i = 0; i < CLI_NCOMMANDS; i++)
		if (cli_commands[i].group == group)
			fprintf(f, "  %s %s\n", cli_commands[i].name,
				cli_commands[i].synopsis);
}

static void cli_usage_all(FILE *f)
{
	fprintf(f, "Usage: " CLI_PROG " [--help] [--version] COMMAND [ARGS]\n"
		"\nStores (need CAP_NET_ADMIN):\n");
	cli_usage_group(f, CLI_GROUP_STORE);
	fprintf(f, "\nData (need the credential keys in your keyrings):\n");
	cli_usage_group(f, CLI_GROUP_DATA);
	fprintf(f, "\n'" CLI_PROG " COMMAND --help' describes a command.\n"
		"Exit status: 0 success, 1 the operation failed, 2 usage error.\n");
}

/* Commands of two words: the first, and what it takes after it. */
static const struct {
	const char *word;
	const char *subs;
} cli_families[] = {
	{ "policy", "add, del or ls" },
	{ "key", "bind" },
	{ "recovery", "set, clear or show" },
};

#define CLI_NFAMILIES (sizeof(cli_families) / sizeof(cli_families[0]))

static int cli_family(const char *word)
{
	size_t i;

	for (i = 0; i < CLI_NFAMILIES; i++)
		if (!strcmp(cli_families[i].word, word))
			return (int)i;
	return -1;
}

static void cli_usage_family(FILE *f, int fam)
{
	const char *word = cli_families[fam].word;
	size_t i, n = strlen(word);

	fprintf(f, "Usage:\n");
	for (i = 0; i < CLI_NCOMMANDS; i++)
		if (!strncmp(cli_commands[i].name, word, n) &&
		    cli_commands[i].name[n] == ' ')
			fprintf(f, "  " CLI_PROG " %s %s\n", cli_commands[i].name,
				cli_commands[i].synopsis);
	fprintf(f, "\n'" CLI_PROG " %s %s --help' describes %s.\n", word,
		cli_families[fam].subs, strchr(cli_families[fam].subs, ' ') ?
		"each" : "it");
}

void cli_usage(FILE *f, const char *command)
{
	const struct cli_command *s = command ? cli_find(command) : NULL;
	int fam = command ? cli_family(command) : -1;

	if (fam >= 0) {
		cli_usage_family(f, fam);
		return;
	}
	if (!s) {
		cli_usage_all(f);
		return;
	}
	fprintf(f, "Usage: " CLI_PROG " %s %s\n\n%s", s->name, s->synopsis,
		s->help);
}

/* Checks of the whole command line, after the options. */
static enum cli_parse_result cli_check(const struct cli_command *c,
				       struct cli_args *a,
				       const struct cli_opts *o, FILE *err)
{
	int ret;

	if (a->store && cli_check_store(a->store))
		return cli_bad(err, a->name,
			       "invalid store name '%s' (1 to %d of [A-Za-z0-9._-])",
			       a->store, M2MV_NAME_MAX - 1);
	if (a->path) {
		ret = cli_check_path(a->path, !c->path);
		if (ret == -ENAMETOOLONG)
			return cli_bad(err, a->name, "path longer than %d bytes",
				       M2MV_PATH_MAX);
		if (ret)
			return cli_bad(err, a->name,
				       "invalid %s '%s' (%s[A-Za-z0-9._~/-])",
				       c->path ? "path" : "prefix", a->path,
				       c->path ? "1 to 512 of " : "");
	}
	if (a->file && !*a->file)
		return cli_bad(err, a->name, "empty file name");
	return c->check ? c->check(a, o, err) : CLI_PARSE_RUN;
}

/* The command's options and arguments: @argv[0] is the command word. */
static enum cli_parse_result cli_parse_cmd(const struct cli_command *s,
					   int argc, char **argv,
					   struct cli_args *a, FILE *out,
					   FILE *err)
{
	struct cli_opts o = { 0 };
	unsigned int i, n;
	char opt[64];
	int c;

	a->cmd = s;
	a->name = s->name;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, s->shortopts, s->longopts,
				NULL)) != -1) {
		switch (c) {
		case 'h':
			cli_usage(out, s->name);
			return CLI_PARSE_DONE;
		case 'k':
		case OPT_ROTATE:
			a->credid = optarg;
			break;
		case 'r':
			a->flags |= M2MV_ATTACH_F_RDONLY;
			break;
		case 'c':
			a->flags |= M2MV_ATTACH_F_CREATE;
			break;
		case 'm':
			if (m2mv_mode_parse(optarg, &a->mode))
				return cli_bad(err, s->name,
					       "invalid mode '%s' (wrap, dir or mic)",
					       optarg);
			break;
		case 'i':
			a->flags |= M2MV_POLICY_F_INSTANCE;
			break;
		case OPT_RECIPIENT:
			if (a->nrcpt == M2MV_RECIPIENTS_MAX - 1)
				return cli_bad(err, s->name,
					       "at most %d --recipient",
					       M2MV_RECIPIENTS_MAX - 1);
			a->rcpt[a->nrcpt++] = optarg;
			break;
		case 'p':
			if (!strcmp(optarg, "ts0003"))
				a->flags |= M2MV_POLICY_F_TS0003;
			else if (!strcmp(optarg, "seed"))
				a->flags &= ~M2MV_POLICY_F_TS0003;
			else
				return cli_bad(err, s->name,
					       "invalid profile '%s' (seed or ts0003)",
					       optarg);
			break;
		case 'j':
			a->json = true;
			break;
		case 's':
			o.s = true;
			break;
		case 'o':
			a->file = optarg;
			break;
		case OPT_COMPACT:
			o.compact = true;
			break;
		case OPT_OWNER:
			o.owner = optarg;
			break;
		case OPT_GROUP:
			o.group = optarg;
			break;
		case OPT_PERM:
			o.perm = optarg;
			break;
		case OPT_ANCHOR:
			o.anchor = optarg;
			break;
		case OPT_STALE_OK:
			a->flags |= M2MV_ATTACH_F_STALE_OK;
			break;
		case OPT_ESDATA:
			a->esdata = true;
			break;
		case OPT_RECOVERY:
			a->flags |= M2MV_COMPACT_F_RECOVERY;
			break;
		case OPT_MEDIA_TYPE:
			a->media_type = optarg;
			break;
		case ':':
			return cli_bad(err, s->name, "option '%s' needs an argument",
				       cli_bad_option(argc, argv, opt, sizeof(opt)));
		default:
			return cli_bad(err, s->name, "unknown option '%s'",
				       cli_bad_option(argc, argv, opt, sizeof(opt)));
		}
	}

	n = (unsigned int)(argc - optind);
	if (n < s->min)
		return cli_bad(err, s->name, "missing %s", s->argnames[n]);
	if (n > s->max)
		return cli_bad(err, s->name, "unexpected argument '%s'",
			       argv[optind + (int)s->max]);
	for (i = 0; i < n; i++) {
		const char *v = argv[optind + (int)i];

		switch (s->slots[i]) {
		case SLOT_STORE:
			a->store = v;
			break;
		case SLOT_PATH:
			a->path = v;
			break;
		case SLOT_FILE:
			a->file = v;
			break;
		case SLOT_CREDID:
			a->credid = v;
			break;
		}
	}
	return cli_check(s, a, &o, err);
}

enum cli_parse_result cli_parse(int argc, char **argv, struct cli_args *a,
				FILE *out, FILE *err)
{
	static const struct option global[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		OPT_END,
	};
	const struct cli_command *s;
	char name[32], opt[64];
	const char *word;
	int c, k, fam;

	memset(a, 0, sizeof(*a));
	a->mode = M2MV_MODE_NONE;
	optind = 0;
	opterr = 0;
	/* '+': stop at the command word; its options are its own. */
	while ((c = getopt_long(argc, argv, "+:hV", global, NULL)) != -1) {
		switch (c) {
		case 'h':
			cli_usage(out, NULL);
			return CLI_PARSE_DONE;
		case 'V':
			fprintf(out, CLI_PROG " %s (libm2mvault %s, ABI %d)\n",
				M2MV_LIB_VERSION, m2mv_lib_version(),
				M2MV_ABI_VERSION);
			return CLI_PARSE_DONE;
		default:
			return cli_bad(err, NULL, "unknown option '%s'",
				       cli_bad_option(argc, argv, opt, sizeof(opt)));
		}
	}
	k = optind;
	if (k >= argc) {
		cli_usage(err, NULL);
		return CLI_PARSE_USAGE;
	}
	word = argv[k];

	if (!strcmp(word, "help")) {
		if (k + 1 >= argc) {
			cli_usage(out, NULL);
			return CLI_PARSE_DONE;
		}
		if (cli_family(argv[k + 1]) >= 0 && k + 2 < argc)
			snprintf(name, sizeof(name), "%s %.20s", argv[k + 1],
				 argv[k + 2]);
		else
			snprintf(name, sizeof(name), "%.31s", argv[k + 1]);
		if (!cli_find(name) && cli_family(name) < 0)
			return cli_bad(err, NULL, "unknown command '%s'", name);
		cli_usage(out, name);
		return CLI_PARSE_DONE;
	}

	fam = cli_family(word);
	if (fam >= 0) {
		if (k + 1 >= argc)
			return cli_bad(err, word, "missing subcommand (%s)",
				       cli_families[fam].subs);
		if (!strcmp(argv[k + 1], "-h") ||
		    !strcmp(argv[k + 1], "--help")) {
			cli_usage(out, word);
			return CLI_PARSE_DONE;
		}
		snprintf(name, sizeof(name), "%s %.20s", word, argv[k + 1]);
		s = cli_find(name);
		if (!s)
			return cli_bad(err, word,
				       "unknown subcommand '%s' (%s)",
				       argv[k + 1], cli_families[fam].subs);
		k++;
	} else {
		s = cli_find(word);
		if (!s)
			return cli_bad(err, NULL, "unknown command '%s'", word);
	}
	return cli_parse_cmd(s, argc - k, argv + k, a, out, err);
}

