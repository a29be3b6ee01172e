// SPDX-License-Identifier: GPL-2.0
/*
 * The data-plane commands: put, get, rm, ls, stat, export. Each binds a
 * handle to the named store for the one invocation.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

/* Room for "STORE:PATH". */
#define CLI_OBJ_MAX (M2MV_NAME_MAX + M2MV_PATH_MAX + 8)

/* Open STORE, or say why not: 0 or CLI_EXIT_FAIL. */
static int cli_open_store(const struct cli_args *a, struct m2mv_store **s)
{
	char obj[CLI_OBJ_MAX];
	int ret = m2mv_store_open(a->store, s);

	if (!ret)
		return 0;
	return cli_fail(stderr, a->name,
			cli_object(obj, sizeof(obj), a->store, a->path),
			cli_reason(CLI_CTX_BIND, ret), NULL);
}

static int cli_path_fail(const struct cli_args *a, int err)
{
	char obj[CLI_OBJ_MAX];

	return cli_fail(stderr, a->name,
			cli_object(obj, sizeof(obj), a->store, a->path),
			cli_reason(CLI_CTX_PATH, err), NULL);
}

/* Free a buffer that held plaintext, wiping it first. */
static void cli_free_secret(void *p, size_t len)
{
	if (!p)
		return;
	explicit_bzero(p, len);
	free(p);
}

/*
 * Read all of @fd into a malloc()ed buffer. Growing copies by hand so no
 * stale copy of the plaintext is left behind in freed memory.
 * Return: 0 or -errno (-EFBIG beyond what the ABI carries).
 */
static int cli_read_all(int fd, unsigned char **out, size_t *len)
{
	size_t cap = 64 << 10, n = 0;
	unsigned char *buf = malloc(cap), *nb;
	ssize_t r;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (n == cap) {
			if (cap > UINT32_MAX) {
				cli_free_secret(buf, n);
				return -EFBIG;
			}
			nb = malloc(cap * 2);
			if (!nb) {
				cli_free_secret(buf, n);
				return -ENOMEM;
			}
			memcpy(nb, buf, n);
			cli_free_secret(buf, n);
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			cli_free_secret(buf, n);
			return (int)r;
		}
		if (!r)
			break;
		n += (size_t)r;
	}
	*out = buf;
	*len = n;
	return 0;
}

static int cli_write_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	ssize_t w;

	while (len) {
		w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* A local file (or standard input/output) failed: name it. */
static int cli_file_fail(const struct cli_args *a, const char *file, int err)
{
	return cli_fail(stderr, a->name, file, strerror(-err), NULL);
}

int cli_cmd_put(const struct cli_args *a)
{
	const char *file = a->file && strcmp(a->file, "-") ? a->file : NULL;
	unsigned char *buf = NULL;
	struct m2mv_store *s;
	size_t len = 0;
	int fd, ret;

	if (cli_open_store(a, &s))
		return CLI_EXIT_FAIL;
	fd = file ? open(file, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	ret = fd < 0 ? -errno : cli_read_all(fd, &buf, &len);
	if (file && fd >= 0)
		close(fd);
	if (ret) {
		m2mv_store_close(s);
		return cli_file_fail(a, file ? file : "standard input", ret);
	}
	ret = m2mv_put(s, a->path, buf, len, a->flags, NULL, NULL);
	cli_free_secret(buf, len);
	m2mv_store_close(s);
	return ret ? cli_path_fail(a, ret) : CLI_EXIT_OK;
}

int cli_cmd_get(const struct cli_args *a)
{
	struct m2mv_store *s;
	void *buf = NULL;
	size_t len = 0;
	int fd, ret;

	if (cli_open_store(a, &s))
		return CLI_EXIT_FAIL;
	ret = m2mv_get(s, a->path, &buf, &len, NULL);
	m2mv_store_close(s);
	if (ret)
		return cli_path_fail(a, ret);

	/* The output file is touched only once the record has verified. */
	fd = a->file ? open(a->file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			    0600) : STDOUT_FILENO;
	ret = fd < 0 ? -errno : cli_write_all(fd, buf, len);
	if (a->file && fd >= 0 && close(fd) && !ret)
		ret = -errno;
	cli_free_secret(buf, len);
	if (ret)
		return cli_file_fail(a, a->file ? a->file : "standard output",
				     ret);
	return CLI_EXIT_OK;
}

int cli_cmd_rm(const struct cli_args *a)
{
	struct m2mv_store *s;
	int ret;

	if (cli_open_store(a, &s))
		return CLI_EXIT_FAIL;
	ret = m2mv_delete(s, a->path, a->flags, NULL);
	m2mv_store_close(s);
	return ret ? cli_path_fail(a, ret) : CLI_EXIT_OK;
}

/* ls --json: a JSON array, streamed one entry at a time. */
static int cli_ls_json(struct m2mv_list_iter *it)
{
	struct m2mv_list_item item;
	size_t n = 0;
	json_t *o;
	char *txt;
	int ret;

	fputs("[", stdout);
	while ((ret = m2mv_list_next(it, &item)) > 0) {
		o = cli_json_list_item(&item);
		txt = o ? json_dumps(o, JSON_COMPACT) : NULL;
		json_decref(o);
		if (!txt)
			return -ENOMEM;
		printf("%s\n  %s", n++ ? "," : "", txt);
		free(txt);
	}
	fputs(n ? "\n]\n" : "]\n", stdout);
	return ret;
}

static int cli_ls_table(struct m2mv_list_iter *it)
{
	static const char *const heads[] = {
		"VERSION", "SIZE", "MODE", "FLAGS", "PATH",
	};
	struct m2mv_list_item item;
	char ver[24], size[24], flags[32];
	const char *row[] = { ver, size, NULL, flags, NULL };
	struct cli_table t;
	int ret;

	if (cli_table_init(&t, 5, 0x3, heads))
		return -ENOMEM;
	while ((ret = m2mv_list_next(it, &item)) > 0) {
		snprintf(ver, sizeof(ver), "%" PRIu64, item.version);
		snprintf(size, sizeof(size), "%" PRIu32, item.data_len);
		cli_format_rec_flags(flags, sizeof(flags), item.flags);
		row[2] = m2mv_mode_name(item.mode);
		row[4] = item.path;
		if (cli_table_add(&t, row)) {
			ret = -ENOMEM;
			break;
		}
	}
	/* An empty listing prints nothing, not a lone header. */
	if (!ret && t.nrows > 1)
		cli_table_print(&t, stdout);
	cli_table_free(&t);
	return ret;
}

int cli_cmd_ls(const struct cli_args *a)
{
	struct m2mv_list_iter *it;
	struct m2mv_store *s;
	int ret;

	if (cli_open_store(a, &s))
		return CLI_EXIT_FAIL;
	ret = m2mv_list_open(s, a->path, 0, &it);
	if (!ret) {
		ret = a->json ? cli_ls_json(it) : cli_ls_table(it);
		m2mv_list_close(it);
	}
	m2mv_store_close(s);
	if (ret) {
		fflush(stdout);
		return cli_path_fail(a, ret);
	}
	return CLI_EXIT_OK;
}

int cli_cmd_stat(const struct cli_args *a)
{
	struct m2mv_record_info ri;
	struct m2mv_store *s;
	char when[48], flags[32];
	int ret;

	if (cli_open_store(a, &s))
		return CLI_EXIT_FAIL;
	ret = m2mv_stat(s, a->path, &ri);
	m2mv_store_close(s);
	if (ret)
		return cli_path_fail(a, ret);
	if (a->json)
		return cli_json_print(stdout, cli_json_record(a->path, &ri)) ?
		       CLI_EXIT_FAIL : CLI_EXIT_OK;

	if (!ri.mtime_ns || !cli_format_time(when, sizeof(when), ri.mtime_ns))
		snprintf(when, sizeof(when), "-");
	cli_format_rec_flags(flags, sizeof(flags), ri.flags);
	printf("path:     %s\n", a->path);
	printf("version:  %" PRIu64 "\n", ri.version);
	printf("seq:      %" PRIu64 "\n", ri.seq);
	printf("mtime:    %s\n", when);
	printf("size:     %" PRIu32 "\n", ri.data_len);
	printf("record:   %" PRIu32 "\n", ri.record_len);
	printf("mode:     %s\n", m2mv_mode_name(ri.mode));
	printf("credid:   %s\n", ri.credid[0] ? ri.credid : "-");
	printf("flags:    %s\n", flags);
	return CLI_EXIT_OK;
}

/*
 * export --esdata: the serialization @out as the con of a JSON object
 * beside the cnf a CSE sets for it.
 */
static int cli_export_esdata(const struct cli_args *a, const char *out,
			     size_t len)
{
	json_t *o = cli_json_esdata(a->media_type,
				    a->flags & M2MV_EXPORT_F_JSON, out, len);
	char obj[CLI_OBJ_MAX];

	if (!o)
		return cli_fail(stderr, a->name,
				cli_object(obj, sizeof(obj), a->store, a->path),
				"cannot build the ESData object",
				"out of memory, or the export is not UTF-8");
	if (cli_json_print(stdout, o) || fflush(stdout))
		return cli_file_fail(a, "standard output", -EIO);
	return CLI_EXIT_OK;
}

int cli_cmd_export(const struct cli_args *a)
{
	struct m2mv_store *s;
	char *out = NULL;
	size_t len = 0;
	int ret;

	if (cli_open_store(a, &s))
		return CLI_EXIT_FAIL;
	ret = m2mv_export(s, a->path, a->flags, &out, &len, NULL);
	m2mv_store_close(s);
	if (ret)
		return cli_path_fail(a, ret);
	if (a->esdata) {
		ret = cli_export_esdata(a, out, len);
		free(out);
		return ret;
	}
	/*
	 * The object exactly: JOSE libraries refuse a compact serialization
	 * with a trailing newline, so one is added only for a terminal.
	 */
	ret = cli_write_all(STDOUT_FILENO, out, len);
	if (!ret && isatty(STDOUT_FILENO))
		ret = cli_write_all(STDOUT_FILENO, "\n", 1);
	free(out);
	if (ret)
		return cli_file_fail(a, "standard output", ret);
	return CLI_EXIT_OK;
}
