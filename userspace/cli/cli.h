/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The m2mvault command line tool: argument parsing (args.c), output
 * formatting (format.c), the data-plane commands (cmd_data.c) and the
 * control-plane commands (cmd_ctl.c). main.c only wires them together.
 *
 * Exit status: CLI_EXIT_OK, CLI_EXIT_FAIL (the operation failed; one line
 * "m2mvault: <command> <object>: <reason>" on stderr), CLI_EXIT_USAGE.
 */
#ifndef M2MV_CLI_H
#define M2MV_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "lib/m2mvault.h"

#define CLI_PROG "m2mvault"

enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAIL = 1,
	CLI_EXIT_USAGE = 2,
};

enum cli_parse_result {
	CLI_PARSE_RUN,		/* @a holds a command to run */
	CLI_PARSE_DONE,		/* help or version printed: exit 0 */
	CLI_PARSE_USAGE,	/* error printed: exit CLI_EXIT_USAGE */
};

struct cli_args;
struct option;

/* Where a positional argument goes. */
enum cli_slot {
	SLOT_STORE,
	SLOT_PATH,
	SLOT_FILE,
	SLOT_CREDID,
};

/* Which heading of 'm2mvault --help' a command is listed under. */
enum cli_group {
	CLI_GROUP_STORE,	/* control plane, CAP_NET_ADMIN */
	CLI_GROUP_DATA,		/* data plane, the credential keys */
};

struct cli_opts;

/**
 * struct cli_command - one command of the tool: a row of cli_commands[]
 * @name: as typed ("attach", "policy add", ...)
 * @run: runs the parsed command; a CLI_EXIT_* status
 * @synopsis: its arguments, for the usage lines
 * @help: what '--help' prints after the usage line
 * @shortopts: getopt_long's option string (':' first)
 * @longopts: getopt_long's long options
 * @min: positional arguments required
 * @max: and allowed
 * @slots: where each positional argument goes
 * @argnames: their names, for "missing NAME"
 * @group: where 'm2mvault --help' lists it
 * @path: its PATH is a resource path (1 or more bytes), not a prefix
 * @check: checks and completes what only this command needs (may be NULL),
 *	after the arguments common to all are checked
 */
struct cli_command {
	const char *name;
	int (*run)(const struct cli_args *a);
	const char *synopsis;
	const char *help;
	const char *shortopts;
	const struct option *longopts;
	unsigned int min;
	unsigned int max;
	enum cli_slot slots[3];
	const char *argnames[3];
	enum cli_group group;
	bool path;
	enum cli_parse_result (*check)(struct cli_args *a,
				       const struct cli_opts *o, FILE *err);
};

/**
 * struct cli_args - a parsed command line
 * @cmd: the command (its row)
 * @name: its name as typed ("attach", "policy add", ...)
 * @store: NAME or STORE
 * @path: PATH, or PREFIX (may be "")
 * @file: FILE (attach, put; NULL or "-" for standard input), NEWFILE
 *	(compact), -o FILE (get)
 * @credid: --key (attach), CREDID (policy add, key bind), --rotate
 *	(compact)
 * @mode: --mode (policy add)
 * @rcpt: --recipient (policy add), @nrcpt of them
 * @nrcpt: their number
 * @access: --owner, --group, --mode (attach): the fields given
 * @flags: M2MV_ATTACH_F_RDONLY, M2MV_ATTACH_F_CREATE (attach), M2MV_POLICY_F_INSTANCE (policy
 *	add), M2MV_F_SYNC (put, rm), M2MV_EXPORT_F_JSON (export)
 * @json: --json
 * @stats: --stats (status)
 * @esdata: --esdata (export): print the cnf and con a CSE hosts
 * @media_type: --media-type (export --esdata), or CLI_ESDATA_MEDIA_TYPE
 */
struct cli_args {
	const struct cli_command *cmd;
	const char *name;
	const char *store;
	const char *path;
	const char *file;
	const char *credid;
	enum m2mv_mode mode;
	const char *rcpt[M2MV_RECIPIENTS_MAX - 1];
	unsigned int nrcpt;
	struct m2mv_attach_access access;
	struct m2mv_anchor anchor;	/* attach --anchor */
	bool has_anchor;
	unsigned int flags;
	bool json;
	bool stats;
	bool esdata;
	const char *media_type;
};

/* ---------------------------------------------------------------- args.c */

/*
 * Parse @argv (getopt_long per command; @argv is permuted). Help and the
 * version go to @out, usage errors to @err.
 */
enum cli_parse_result cli_parse(int argc, char **argv, struct cli_args *a,
				FILE *out, FILE *err);

/* The overall usage, or one command's ("policy add", "policy", ...). */
void cli_usage(FILE *f, const char *command);

/*
 * A user (name or uid), a group (name or gid), permission bits (octal,
 * 0-0777): 0, or -EINVAL (malformed) or -ENOENT (no such name).
 */
int cli_parse_owner(const char *s, uint32_t *uid);
int cli_parse_group(const char *s, uint32_t *gid);
int cli_parse_perm(const char *s, uint32_t *perm);

/* 0, or -EINVAL: a store name of 1-31 of [A-Za-z0-9._-]. */
int cli_check_store(const char *s);

/*
 * 0, or -EINVAL (bad character, or empty when @may_be_empty is false) or
 * -ENAMETOOLONG: a path or prefix of [A-Za-z0-9._~/-].
 */
int cli_check_path(const char *s, bool may_be_empty);

/*
 * 0, or -EINVAL: a media type "type/subtype" of RFC 6838's restricted-name
 * characters, 1 to 127 each, without parameters (a contentInfo's
 * typeOfContent, oneM2M TS-0004 6.3.3).
 */
int cli_check_media_type(const char *s);

/* ------------------------------------------------------------- format.c */

/* What an operation was doing when it failed, to explain an errno. */
enum cli_ctx {
	CLI_CTX_NONE,
	CLI_CTX_BIND,		/* opening a store for data operations */
	CLI_CTX_PATH,		/* an operation on a path */
	CLI_CTX_CTL,		/* connecting to the control plane */
	CLI_CTX_STORE,		/* a control operation on a store */
	CLI_CTX_ATTACH,		/* attaching */
	CLI_CTX_CREATE,		/* attaching a new store (--create) */
	CLI_CTX_POLICY_SET,	/* setting a policy */
	CLI_CTX_POLICY_DEL,	/* deleting a policy */
	CLI_CTX_KEY_BIND,	/* binding a key */
	CLI_CTX_MONITOR,	/* subscribing to events */
};

/* @err (negative errno) explained for context @ctx. */
const char *cli_reason(enum cli_ctx ctx, int err);

/*
 * Print "m2mvault: <command> <object>: <reason>[ (<detail>)]" to @f;
 * @object and @detail may be NULL or "", and a @detail that repeats
 * @reason is left out. Return: CLI_EXIT_FAIL.
 */
int cli_fail(FILE *f, const char *command, const char *object,
	     const char *reason, const char *detail);

/* "STORE:PATH" into @buf ("STORE:''" for the empty prefix). */
const char *cli_object(char *buf, size_t size, const char *store,
		       const char *path);

/* CLOCK_REALTIME nanoseconds as "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ". */
size_t cli_format_time(char *buf, size_t size, uint64_t ns);

/* Bytes as "512 B", "1.5 KiB", "12.0 MiB", ... */
size_t cli_format_bytes(char *buf, size_t size, uint64_t n);

/* M2MV_STAT_F_* as "instance,bad", or "-" for none. */
size_t cli_format_rec_flags(char *buf, size_t size, unsigned int flags);

/* A uid or gid as its name, else as its number. */
const char *cli_format_owner(char *buf, size_t size, uint32_t uid);
const char *cli_format_group(char *buf, size_t size, uint32_t gid);

/* Permission bits as "0660", or "-" for M2MV_PERM_NONE. */
size_t cli_format_perm(char *buf, size_t size, uint32_t perm);

/* M2MV_POLICY_F_* as "instance", or "-" for none. */
size_t cli_format_policy_flags(char *buf, size_t size, unsigned int flags);

/* A positive errno's symbolic name ("EBADMSG"), or its number. */
const char *cli_errno_name(char *buf, size_t size, int err);

/* One event as a line: "integrity gw1 path=a/b seq=7 reason=EBADMSG". */
size_t cli_format_event(char *buf, size_t size,
			const struct m2mv_event_info *ev);

/* An aligned text table; the last column is never padded. */
struct cli_table {
	size_t ncols;
	size_t nrows;			/* the header included */
	size_t cap;
	char **cells;			/* row-major, nrows * ncols */
	unsigned int right;		/* bit c: right-align column c */
};

int cli_table_init(struct cli_table *t, size_t ncols, unsigned int right,
		   const char *const *heads);
/* Add a row of t->ncols cells (copied): 0 or -ENOMEM. */
int cli_table_add(struct cli_table *t, const char *const *cells);
void cli_table_print(const struct cli_table *t, FILE *f);
void cli_table_free(struct cli_table *t);

/* Progress of verify and compact: a bar on a terminal, else lines. */
struct cli_progress {
	FILE *f;
	const char *label;		/* "verify gw1" */
	bool tty;
	int last;			/* last percentage (tty) or tenth shown */
	bool drawn;			/* a bar is on the screen */
};

void cli_progress_init(struct cli_progress *p, FILE *f, const char *label,
		       bool tty);
void cli_progress_update(struct cli_progress *p, uint64_t done,
			 uint64_t total);
/* End the bar's line, if one is drawn. */
void cli_progress_end(struct cli_progress *p);
/* "[#####.....]  50%" of @width bar characters into @buf. */
size_t cli_progress_bar(char *buf, size_t size, uint64_t done,
			uint64_t total, int width);

/* ---------------------------------------------------------- JSON output */

/*
 * The typeOfContent of export --esdata without --media-type: a record's
 * plaintext is whatever bytes the CSE wrote, so nothing narrower is true
 * of every record (Documentation/m2mvault.8.rst, ESDATA).
 */
#define CLI_ESDATA_MEDIA_TYPE "application/octet-stream"

/* Print @v (its reference is taken) indented, with a newline: 0 or -EIO. */
int cli_json_print(FILE *f, json_t *v);

/* The JSON of a record's metadata, a listed entry, a store, an event... */
json_t *cli_json_record(const char *path, const struct m2mv_record_info *ri);
json_t *cli_json_list_item(const struct m2mv_list_item *it);
json_t *cli_json_store(const struct m2mv_store_info *si);
json_t *cli_json_policy(const struct m2mv_policy_info *pi);
json_t *cli_json_policy_rcpt(const struct m2mv_policy_rcpt *pr);
json_t *cli_json_event(const struct m2mv_event_info *ev);
json_t *cli_json_verify(const char *name, const struct m2mv_verify_info *vi);

/*
 * export --esdata: {"cnf": "<media_type>:0:<1|2>", "con": "<export>"},
 * the contentInfo and content a CSE sets on a <contentInstance> hosting
 * the export @con (@len bytes; compact unless @json_form). NULL if @con is
 * not UTF-8 or memory runs out.
 */
json_t *cli_json_esdata(const char *media_type, bool json_form,
			const char *con, size_t len);

/* ------------------------------------------------- cmd_data.c, cmd_ctl.c */

int cli_cmd_put(const struct cli_args *a);
int cli_cmd_get(const struct cli_args *a);
int cli_cmd_rm(const struct cli_args *a);
int cli_cmd_ls(const struct cli_args *a);
int cli_cmd_stat(const struct cli_args *a);
int cli_cmd_export(const struct cli_args *a);

int cli_cmd_attach(const struct cli_args *a);
int cli_cmd_detach(const struct cli_args *a);
int cli_cmd_policy_add(const struct cli_args *a);
int cli_cmd_policy_del(const struct cli_args *a);
int cli_cmd_policy_ls(const struct cli_args *a);
int cli_cmd_key_bind(const struct cli_args *a);
int cli_cmd_recovery_set(const struct cli_args *a);
int cli_cmd_recovery_clear(const struct cli_args *a);
int cli_cmd_recovery_show(const struct cli_args *a);
int cli_cmd_status(const struct cli_args *a);
int cli_cmd_anchor(const struct cli_args *a);
int cli_cmd_verify(const struct cli_args *a);
int cli_cmd_compact(const struct cli_args *a);
int cli_cmd_monitor(const struct cli_args *a);

/* Run the parsed command (its row's handler): a CLI_EXIT_* status. */
int cli_run(const struct cli_args *a);

#endif /* M2MV_CLI_H */
