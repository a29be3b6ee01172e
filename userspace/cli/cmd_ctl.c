// SPDX-License-Identifier: GPL-2.0
/*
 * The control-plane commands: attach, detach, policy add/del/ls, key bind,
 * status, verify, compact, monitor.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

#define CLI_OBJ_MAX (M2MV_NAME_MAX + M2MV_PATH_MAX + 8)

/* Connect to the control plane, or say why not: 0 or CLI_EXIT_FAIL. */
static int cli_ctl_open(const struct cli_args *a, const char *object,
			struct m2mv_ctl **ctl)
{
	int ret = m2mv_ctl_open(ctl);

	if (!ret)
		return 0;
	return cli_fail(stderr, a->name, object, cli_reason(CLI_CTX_CTL, ret),
			NULL);
}

/* Report a failed control operation with the kernel's explanation. */
static int cli_ctl_fail(const struct cli_args *a, struct m2mv_ctl *ctl,
			const char *object, enum cli_ctx ctx, int err)
{
	cli_fail(stderr, a->name, object, cli_reason(ctx, err),
		 m2mv_ctl_last_error(ctl));
	m2mv_ctl_close(ctl);
	return CLI_EXIT_FAIL;
}

/*
 * Open @path for a store: read-only with @rdonly, else read-write. Only
 * with @create is it created (mode 0600) if missing, which *@created
 * reports so a failure can remove it again; otherwise it must exist.
 */
static int cli_open_store_file(const char *path, bool rdonly, bool create,
			       bool *created)
{
	int fd;

	*created = false;
	if (rdonly)
		return open(path, O_RDONLY | O_CLOEXEC);
	if (!create)
		return open(path, O_RDWR | O_CLOEXEC);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		*created = true;
		return fd;
	}
	if (errno != EEXIST)
		return -1;
	return open(path, O_RDWR | O_CLOEXEC);
}

/*
 * Make the directory entry of a store file this command created durable:
 * the module syncs the file's data, but a new name lives in its directory,
 * which only an fsync of that directory commits. 0, or an errno.
 */
static int cli_sync_parent(const char *path)
{
	char *copy = strdup(path);
	int fd, ret = 0;

	if (!copy)
		return ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd))
		ret = errno;
	if (fd >= 0)
		close(fd);
	free(copy);
	return ret;
}

int cli_cmd_attach(const struct cli_args *a)
{
	const bool create = a->flags & M2MV_ATTACH_F_CREATE;
	struct m2mv_attach_info info;
	struct m2mv_ctl *ctl;
	bool created;
	int fd, ret;

	fd = cli_open_store_file(a->file, a->flags & M2MV_ATTACH_F_RDONLY,
				 create, &created);
	if (fd < 0) {
		if (errno == ENOENT && !create)
			return cli_fail(stderr, a->name, a->file,
					"no such file (--create makes a new store)",
					NULL);
		return cli_fail(stderr, a->name, a->file, strerror(errno), NULL);
	}
	if (cli_ctl_open(a, a->store, &ctl)) {
		ret = CLI_EXIT_FAIL;
		goto out;
	}
	ret = m2mv_attach_anchored(ctl, a->store, fd, a->credid, a->flags,
				   a->access.set ? &a->access : NULL,
				   a->has_anchor ? &a->anchor : NULL, &info);
	if (ret) {
		ret = cli_ctl_fail(a, ctl, a->store,
				   create ? CLI_CTX_CREATE : CLI_CTX_ATTACH,
				   ret);
		goto out;
	}
	m2mv_ctl_close(ctl);
	if (created) {
		created = false;
		ret = cli_sync_parent(a->file);
		if (ret) {
			ret = cli_fail(stderr, a->name, a->file, strerror(ret),
				       "attached, but its directory entry may not survive a crash");
			goto out;
		}
	}
	printf("%s: %" PRIu64 " records, %" PRIu64 " live, %" PRIu64
	       " integrity errors, %" PRIu64 " bytes truncated\n",
	       a->store, info.records, info.live, info.integrity_errors,
	       info.truncated);
	if (info.integrity_errors)
		fprintf(stderr, CLI_PROG ": attach %s: warning: %" PRIu64
			" records failed integrity checks (store degraded)\n",
			a->store, info.integrity_errors);
	ret = CLI_EXIT_OK;
out:
	close(fd);
	if (created)
		unlink(a->file);
	return ret;
}

int cli_cmd_detach(const struct cli_args *a)
{
	struct m2mv_ctl *ctl;
	int ret;

	if (cli_ctl_open(a, a->store, &ctl))
		return CLI_EXIT_FAIL;
	ret = m2mv_detach(ctl, a->store);
	if (ret)
		return cli_ctl_fail(a, ctl, a->store, CLI_CTX_STORE, ret);
	m2mv_ctl_close(ctl);
	return CLI_EXIT_OK;
}

int cli_cmd_policy_add(const struct cli_args *a)
{
	char obj[CLI_OBJ_MAX];
	struct m2mv_ctl *ctl;
	int ret;

	cli_object(obj, sizeof(obj), a->store, a->path);
	if (cli_ctl_open(a, obj, &ctl))
		return CLI_EXIT_FAIL;
	if (a->nrcpt)
		ret = m2mv_policy_set_rcpt(ctl, a->store, a->path, a->credid,
					   a->mode, a->flags, a->rcpt,
					   a->nrcpt);
	else
		ret = m2mv_policy_set(ctl, a->store, a->path, a->credid,
				      a->mode, a->flags);
	if (ret)
		return cli_ctl_fail(a, ctl, obj, CLI_CTX_POLICY_SET, ret);
	m2mv_ctl_close(ctl);
	return CLI_EXIT_OK;
}

int cli_cmd_key_bind(const struct cli_args *a)
{
	struct m2mv_ctl *ctl;
	int ret;

	if (cli_ctl_open(a, a->store, &ctl))
		return CLI_EXIT_FAIL;
	ret = m2mv_key_bind(ctl, a->store, a->credid);
	if (ret)
		return cli_ctl_fail(a, ctl, a->store, CLI_CTX_KEY_BIND, ret);
	m2mv_ctl_close(ctl);
	return CLI_EXIT_OK;
}

int cli_cmd_recovery_set(const struct cli_args *a)
{
	struct m2mv_ctl *ctl;
	int ret;

	if (cli_ctl_open(a, a->store, &ctl))
		return CLI_EXIT_FAIL;
	ret = m2mv_recovery_set(ctl, a->store, a->credid);
	if (ret)
		return cli_ctl_fail(a, ctl, a->store, CLI_CTX_KEY_BIND, ret);
	m2mv_ctl_close(ctl);
	return CLI_EXIT_OK;
}

int cli_cmd_recovery_clear(const struct cli_args *a)
{
	struct m2mv_ctl *ctl;
	int ret;

	if (cli_ctl_open(a, a->store, &ctl))
		return CLI_EXIT_FAIL;
	ret = m2mv_recovery_set(ctl, a->store, NULL);
	if (ret)
		return cli_ctl_fail(a, ctl, a->store, CLI_CTX_STORE, ret);
	m2mv_ctl_close(ctl);
	return CLI_EXIT_OK;
}

int cli_cmd_recovery_show(const struct cli_args *a)
{
	char credid[M2MV_CREDID_MAX + 1];
	struct m2mv_ctl *ctl;
	int ret;

	if (cli_ctl_open(a, a->store, &ctl))
		return CLI_EXIT_FAIL;
	ret = m2mv_recovery_get(ctl, a->store, credid);
	if (ret == -ENODATA) {
		m2mv_ctl_close(ctl);
		fprintf(stderr, CLI_PROG ": %s: no recovery credential\n",
			a->store);
		return CLI_EXIT_FAIL;
	}
	if (ret)
		return cli_ctl_fail(a, ctl, a->store, CLI_CTX_STORE, ret);
	m2mv_ctl_close(ctl);
	printf("%s\n", credid);
	return CLI_EXIT_OK;
}

int cli_cmd_policy_del(const struct cli_args *a)
{
	char obj[CLI_OBJ_MAX];
	struct m2mv_ctl *ctl;
	int ret;

	cli_object(obj, sizeof(obj), a->store, a->path);
	if (cli_ctl_open(a, obj, &ctl))
		return CLI_EXIT_FAIL;
	ret = m2mv_policy_del(ctl, a->store, a->path);
	if (ret)
		return cli_ctl_fail(a, ctl, obj, CLI_CTX_POLICY_DEL, ret);
	m2mv_ctl_close(ctl);
	return CLI_EXIT_OK;
}

/*
 * The CREDID column: the credential, or with recipients all of them in
 * order, comma-separated (one word: scripts take the last column).
 */
static void cli_policy_credids(char *buf, size_t size,
			       const struct m2mv_policy_rcpt *pr)
{
	size_t len;
	unsigned int i;

	snprintf(buf, size, "%s", pr->info.credid);
	for (i = 0; i < pr->n; i++) {
		len = strlen(buf);
		snprintf(buf + len, size - len, ",%s", pr->recipients[i]);
	}
}

static int cli_policy_print(const struct m2mv_policy_rcpt *list, size_t n,
			    bool json)
{
	static const char *const heads[] = {
		"STORE", "PREFIX", "MODE", "FLAGS", "CREDID",
	};
	char ids[M2MV_RECIPIENTS_MAX * (M2MV_CREDID_MAX + 1)];
	const char *row[5];
	struct cli_table t;
	char flags[16];
	json_t *arr;
	size_t i;
	int ret = 0;

	if (json) {
		arr = json_array();
		for (i = 0; arr && i < n; i++)
			json_array_append_new(arr,
					      cli_json_policy_rcpt(&list[i]));
		return cli_json_print(stdout, arr);
	}
	if (!n)
		return 0;
	if (cli_table_init(&t, 5, 0, heads))
		return -ENOMEM;
	for (i = 0; i < n && !ret; i++) {
		const struct m2mv_policy_info *pi = &list[i].info;

		cli_format_policy_flags(flags, sizeof(flags), pi->flags);
		cli_policy_credids(ids, sizeof(ids), &list[i]);
		row[0] = pi->store;
		row[1] = pi->prefix[0] ? pi->prefix : "''";
		row[2] = m2mv_mode_name(pi->mode);
		row[3] = flags;
		row[4] = ids;
		ret = cli_table_add(&t, row);
	}
	if (!ret)
		cli_table_print(&t, stdout);
	cli_table_free(&t);
	return ret;
}

int cli_cmd_policy_ls(const struct cli_args *a)
{
	struct m2mv_policy_rcpt *list;
	struct m2mv_ctl *ctl;
	size_t n;
	int ret;

	if (cli_ctl_open(a, a->store, &ctl))
		return CLI_EXIT_FAIL;
	ret = m2mv_policy_list_rcpt(ctl, a->store, &list, &n);
	if (ret)
		return cli_ctl_fail(a, ctl, a->store, CLI_CTX_STORE, ret);
	m2mv_ctl_close(ctl);
	ret = cli_policy_print(list, n, a->json);
	free(list);
	return ret ? cli_fail(stderr, a->name, a->store, m2mv_strerror(ret),
			      NULL) : CLI_EXIT_OK;
}

/* The columns of the status table; the counters only with --stats. */
enum cli_status_col {
	COL_NAME, COL_STATE, COL_RECORDS, COL_LIVE, COL_LIVE_BYTES,
	COL_FILE_BYTES, COL_LAST_SEQ, COL_OWNER, COL_GROUP, COL_MODE,
	COL_PUTS, COL_GETS, COL_DELETES, COL_BAD, COL_KEY_REFUSED,
	COL_ACCESS_REFUSED, COL_FILE, COL_MAX
};

static int cli_status_print(const struct m2mv_store_info *list, size_t n,
			    bool json, bool stats)
{
	static const char *const heads[COL_MAX] = {
		"NAME", "STATE", "RECORDS", "LIVE", "LIVE-BYTES", "FILE-BYTES",
		"LAST-SEQ", "OWNER", "GROUP", "MODE", "PUTS", "GETS", "DELETES",
		"BAD", "KEY-REFUSED", "ACCESS-REFUSED", "FILE",
	};
	/* Right-aligned: the numbers. */
	static const unsigned int numeric =
		1U << COL_RECORDS | 1U << COL_LIVE | 1U << COL_LIVE_BYTES |
		1U << COL_FILE_BYTES | 1U << COL_LAST_SEQ | 1U << COL_PUTS |
		1U << COL_GETS | 1U << COL_DELETES | 1U << COL_BAD |
		1U << COL_KEY_REFUSED | 1U << COL_ACCESS_REFUSED;
	char cell[COL_MAX][40];
	const char *row[COL_MAX], *head[COL_MAX];
	unsigned int right = 0;
	struct cli_table t;
	json_t *arr;
	size_t i, c, ncols;
	int ret = 0;

	if (json) {
		arr = json_array();
		for (i = 0; arr && i < n; i++)
			json_array_append_new(arr, cli_json_store(&list[i]));
		return cli_json_print(stdout, arr);
	}
	if (!n)
		return 0;
	/* Without --stats the counter columns are left out. */
	ncols = 0;
	for (c = 0; c < COL_MAX; c++) {
		if (!stats && c >= COL_PUTS && c <= COL_ACCESS_REFUSED)
			continue;
		if (numeric & (1U << c))
			right |= 1U << ncols;
		head[ncols++] = heads[c];
	}
	if (cli_table_init(&t, ncols, right, head))
		return -ENOMEM;
	for (i = 0; i < n && !ret; i++) {
		const struct m2mv_store_info *si = &list[i];
		const uint64_t v[COL_MAX] = {
			[COL_RECORDS] = si->records,
			[COL_LIVE] = si->live,
			[COL_LIVE_BYTES] = si->live_bytes,
			[COL_FILE_BYTES] = si->file_bytes,
			[COL_LAST_SEQ] = si->last_seq,
			[COL_PUTS] = si->counters[M2MV_CTR_PUTS],
			[COL_GETS] = si->counters[M2MV_CTR_GETS],
			[COL_DELETES] = si->counters[M2MV_CTR_DELETES],
			[COL_BAD] = si->counters[M2MV_CTR_INTEGRITY_FAILURES],
			[COL_KEY_REFUSED] = si->counters[M2MV_CTR_KEY_REFUSALS],
			[COL_ACCESS_REFUSED] =
				si->counters[M2MV_CTR_ACCESS_REFUSALS],
		};
		bool grant = si->perm != M2MV_PERM_NONE;

		for (c = 0; c < COL_MAX; c++)
			if (numeric & (1U << c))
				snprintf(cell[c], sizeof(cell[c]), "%" PRIu64,
					 v[c]);
		if (grant) {
			cli_format_owner(cell[COL_OWNER], sizeof(cell[0]),
					 si->owner);
			cli_format_group(cell[COL_GROUP], sizeof(cell[0]),
					 si->group);
		} else {
			strcpy(cell[COL_OWNER], "-");
			strcpy(cell[COL_GROUP], "-");
		}
		cli_format_perm(cell[COL_MODE], sizeof(cell[0]), si->perm);
		ncols = 0;
		for (c = 0; c < COL_MAX; c++) {
			if (!stats && c >= COL_PUTS && c <= COL_ACCESS_REFUSED)
				continue;
			if (c == COL_NAME)
				row[ncols++] = si->name;
			else if (c == COL_STATE)
				row[ncols++] = m2mv_state_name(si->state);
			else if (c == COL_FILE)
				row[ncols++] = si->file[0] ? si->file : "-";
			else
				row[ncols++] = cell[c];
		}
		ret = cli_table_add(&t, row);
	}
	if (!ret)
		cli_table_print(&t, stdout);
	cli_table_free(&t);
	return ret;
}

int cli_cmd_status(const struct cli_args *a)
{
	struct m2mv_store_info *list;
	struct m2mv_ctl *ctl;
	size_t n;
	int ret;

	if (cli_ctl_open(a, a->store, &ctl))
		return CLI_EXIT_FAIL;
	ret = m2mv_status(ctl, a->store, &list, &n);
	if (ret)
		return cli_ctl_fail(a, ctl, a->store, CLI_CTX_STORE, ret);
	m2mv_ctl_close(ctl);
	ret = cli_status_print(list, n, a->json, a->stats);
	free(list);
	return ret ? cli_fail(stderr, a->name, a->store, m2mv_strerror(ret),
			      NULL) : CLI_EXIT_OK;
}

int cli_cmd_anchor(const struct cli_args *a)
{
	char text[M2MV_ANCHOR_STR_MAX];
	struct m2mv_anchor anchor;
	struct m2mv_ctl *ctl;
	int ret;

	if (cli_ctl_open(a, a->store, &ctl))
		return CLI_EXIT_FAIL;
	ret = m2mv_anchor_get(ctl, a->store, &anchor);
	if (ret)
		return cli_ctl_fail(a, ctl, a->store, CLI_CTX_STORE, ret);
	m2mv_ctl_close(ctl);
	m2mv_anchor_format(&anchor, text, sizeof(text));
	printf("%s\n", text);
	return CLI_EXIT_OK;
}

static void cli_on_progress(uint64_t done, uint64_t total, void *arg)
{
	cli_progress_update(arg, done, total);
}

int cli_cmd_verify(const struct cli_args *a)
{
	struct m2mv_verify_info vi;
	struct cli_progress p;
	struct m2mv_ctl *ctl;
	char label[M2MV_NAME_MAX + 16], num[16];
	size_t i;
	int ret;

	if (cli_ctl_open(a, a->store, &ctl))
		return CLI_EXIT_FAIL;
	snprintf(label, sizeof(label), "verify %s", a->store);
	cli_progress_init(&p, stderr, label, isatty(STDERR_FILENO));
	ret = m2mv_verify(ctl, a->store, cli_on_progress, &p, &vi);
	cli_progress_end(&p);
	if (ret)
		return cli_ctl_fail(a, ctl, a->store, CLI_CTX_STORE, ret);
	m2mv_ctl_close(ctl);

	if (a->json) {
		ret = cli_json_print(stdout, cli_json_verify(a->store, &vi));
	} else {
		printf("%s: %" PRIu64 " records checked, %" PRIu64
		       " integrity errors\n", a->store, vi.records,
		       vi.integrity_errors);
		for (i = 0; i < vi.nbad; i++)
			printf("  seq %" PRIu64 " %s: %s (%s)\n", vi.bad[i].seq,
			       vi.bad[i].path[0] ? vi.bad[i].path : "-",
			       m2mv_strerror(vi.bad[i].reason),
			       cli_errno_name(num, sizeof(num), vi.bad[i].reason));
		if (vi.nbad < vi.integrity_errors)
			printf("  (%" PRIu64 " more not listed)\n",
			       vi.integrity_errors - vi.nbad);
	}
	if (!ret && vi.integrity_errors) {
		fflush(stdout);
		snprintf(label, sizeof(label), "%" PRIu64
			 " records failed integrity checks", vi.integrity_errors);
		ret = cli_fail(stderr, a->name, a->store, label, NULL);
	} else if (ret) {
		ret = CLI_EXIT_FAIL;
	}
	m2mv_verify_info_free(&vi);
	return ret;
}

int cli_cmd_compact(const struct cli_args *a)
{
	struct m2mv_compact_info info;
	struct cli_progress p;
	struct m2mv_ctl *ctl;
	char label[M2MV_NAME_MAX + 16];
	bool created;
	int fd, ret;

	/* The new file, made if missing (the module wants it empty). */
	fd = cli_open_store_file(a->file, false, true, &created);
	if (fd < 0)
		return cli_fail(stderr, a->name, a->file, strerror(errno), NULL);
	if (cli_ctl_open(a, a->store, &ctl)) {
		ret = CLI_EXIT_FAIL;
		goto out;
	}
	snprintf(label, sizeof(label), "compact %s", a->store);
	cli_progress_init(&p, stderr, label, isatty(STDERR_FILENO));
	ret = m2mv_compact_flags(ctl, a->store, fd, a->credid, a->flags,
				 cli_on_progress, &p, &info);
	cli_progress_end(&p);
	if (ret) {
		ret = cli_ctl_fail(a, ctl, a->store, CLI_CTX_STORE, ret);
		goto out;
	}
	m2mv_ctl_close(ctl);
	if (created) {
		created = false;
		ret = cli_sync_parent(a->file);
		if (ret) {
			ret = cli_fail(stderr, a->name, a->file, strerror(ret),
				       "compacted, but its directory entry may not survive a crash");
			goto out;
		}
	}
	printf("%s: compacted into %s: %" PRIu64 " records, %" PRIu64
	       " bytes\n", a->store, a->file, info.records, info.file_bytes);
	ret = CLI_EXIT_OK;
out:
	close(fd);
	if (created)
		unlink(a->file);
	return ret;
}

static volatile sig_atomic_t cli_stop;

static void cli_on_signal(int sig)
{
	(void)sig;
	cli_stop = 1;
}

static int cli_on_event(const struct m2mv_event_info *ev, void *arg)
{
	const bool *json = arg;
	char line[1024];
	json_t *o;
	char *txt;

	if (*json) {
		o = cli_json_event(ev);
		txt = o ? json_dumps(o, JSON_COMPACT) : NULL;
		json_decref(o);
		if (!txt)
			return -ENOMEM;
		printf("%s\n", txt);
		free(txt);
	} else {
		cli_format_event(line, sizeof(line), ev);
		printf("%s\n", line);
	}
	/* Each event as it happens, also into a pipe. */
	fflush(stdout);
	return 0;
}

int cli_cmd_monitor(const struct cli_args *a)
{
	struct sigaction sa;
	struct m2mv_ctl *ctl;
	bool json = a->json;
	int ret;

	if (cli_ctl_open(a, NULL, &ctl))
		return CLI_EXIT_FAIL;
	ret = m2mv_events_subscribe(ctl, cli_on_event, &json);
	if (ret)
		return cli_ctl_fail(a, ctl, NULL, CLI_CTX_MONITOR, ret);

	/* No SA_RESTART: the wait returns -EINTR and the loop ends. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = cli_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	/* A signal just before the wait is seen within a second. */
	while (!cli_stop) {
		ret = m2mv_events_dispatch(ctl, 1000);
		if (ret == -EINTR || !ret)
			continue;
		if (ret == -ENOBUFS) {
			/* Say so and carry on: the next events still come. */
			fprintf(stderr, CLI_PROG ": monitor: %s\n",
				cli_reason(CLI_CTX_MONITOR, ret));
			continue;
		}
		return cli_ctl_fail(a, ctl, NULL, CLI_CTX_MONITOR, ret);
	}
	m2mv_ctl_close(ctl);
	return CLI_EXIT_OK;
}
