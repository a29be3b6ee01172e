// SPDX-License-Identifier: GPL-2.0
/*
 * Output of the CLI: error lines, aligned tables, times, sizes, flags,
 * events, the progress bar, and the JSON of every object it prints.
 */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"

/* ---------------------------------------------------------------- errors */

const char *cli_reason(enum cli_ctx ctx, int err)
{
	if (err > 0)
		err = -err;
	switch (ctx) {
	case CLI_CTX_BIND:
		if (err == -ENOENT)
			return "no such store attached";
		if (err == -ENODEV)
			return "m2mvault module not loaded (no " M2MV_DEVICE_PATH ")";
		if (err == -EACCES)
			return "Permission denied (the store's owner, group and mode grant you neither read nor write, or " M2MV_DEVICE_PATH " is not open to you)";
		break;
	case CLI_CTX_PATH:
		if (err == -ENOENT)
			return "no such path (or deleted)";
		if (err == -ENODEV)
			return "store detached";
		if (err == -EKEYREJECTED)
			return "credential key rejected (not the key bound to this Credential-ID in the store)";
		break;
	case CLI_CTX_POLICY_SET:
	case CLI_CTX_KEY_BIND:
		if (err == -ENOENT)
			return "no such store attached";
		if (err == -ENOKEY)
			return "credential key not in your keyrings (the store binds the key you possess)";
		if (err == -EKEYREJECTED)
			return "credential key rejected (another key of this Credential-ID is bound to the store, or its type does not fit)";
		break;
	case CLI_CTX_CTL:
		if (err == -ENOENT)
			return "m2mvault module not loaded (no generic netlink family \""
			       M2MV_GENL_NAME "\")";
		break;
	case CLI_CTX_STORE:
		if (err == -ENOENT)
			return "no such store attached";
		break;
	case CLI_CTX_CREATE:
	case CLI_CTX_ATTACH:
		if (err == -EEXIST && ctx == CLI_CTX_CREATE)
			return "a store of that name is already attached, or the file is not empty (--create formats only an empty file)";
		if (err == -EEXIST)
			return "a store of that name is already attached";
		if (err == -ENODATA)
			return "the file is empty, not a store (--create makes a new store)";
		if (err == -EBADMSG)
			return "not a m2mvault store file (bad superblock)";
		if (err == -EKEYREJECTED)
			return "store key does not match this store, or is not a type-16 key";
		if (err == -EBADF)
			return "store file not open for reading and writing";
		if (err == -ENODEV)
			return "m2mvault module not loaded (no " M2MV_DEVICE_PATH ")";
		break;
	case CLI_CTX_POLICY_DEL:
		if (err == -ENOENT)
			return "no such store, or no policy for that prefix";
		break;
	case CLI_CTX_MONITOR:
		if (err == -ENOBUFS)
			return "events lost (reader too slow)";
		break;
	case CLI_CTX_NONE:
		break;
	}
	return m2mv_strerror(err);
}

int cli_fail(FILE *f, const char *command, const char *object,
	     const char *reason, const char *detail)
{
	fprintf(f, CLI_PROG ": %s%s%s: %s", command,
		object && *object ? " " : "", object ? object : "", reason);
	/* The kernel's explanation, unless it says the same again. */
	if (detail && *detail && strcmp(detail, reason))
		fprintf(f, " (%s)", detail);
	fputc('\n', f);
	return CLI_EXIT_FAIL;
}

const char *cli_object(char *buf, size_t size, const char *store,
		       const char *path)
{
	snprintf(buf, size, "%s:%s", store, path && *path ? path : "''");
	return buf;
}

const char *cli_format_owner(char *buf, size_t size, uint32_t uid)
{
	struct passwd *pw = getpwuid((uid_t)uid);

	if (pw && strlen(pw->pw_name) < size)
		snprintf(buf, size, "%s", pw->pw_name);
	else
		snprintf(buf, size, "%" PRIu32, uid);
	return buf;
}

const char *cli_format_group(char *buf, size_t size, uint32_t gid)
{
	struct group *gr = getgrgid((gid_t)gid);

	if (gr && strlen(gr->gr_name) < size)
		snprintf(buf, size, "%s", gr->gr_name);
	else
		snprintf(buf, size, "%" PRIu32, gid);
	return buf;
}

size_t cli_format_perm(char *buf, size_t size, uint32_t perm)
{
	int n;

	if (perm == M2MV_PERM_NONE)
		n = snprintf(buf, size, "-");
	else
		n = snprintf(buf, size, "%04" PRIo32, perm & 0777);
	return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size ? size - 1 : 0;
}

const char *cli_errno_name(char *buf, size_t size, int err)
{
	const char *n = strerrorname_np(err);

	if (n)
		return n;
	snprintf(buf, size, "%d", err);
	return buf;
}

/* ----------------------------------------------------------------- values */

/* snprintf that returns what it wrote, never more than the buffer. */
static size_t cli_put(char *buf, size_t size, size_t len, const char *fmt,
		      ...) __attribute__((format(printf, 4, 5)));

static size_t cli_put(char *buf, size_t size, size_t len, const char *fmt,
		      ...)
{
	va_list ap;
	int n;

	if (!size || len >= size - 1)
		return len;
	va_start(ap, fmt);
	n = vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return len;
	len += (size_t)n;
	return len < size ? len : size - 1;
}

size_t cli_format_time(char *buf, size_t size, uint64_t ns)
{
	time_t secs = (time_t)(ns / 1000000000ULL);
	struct tm tm;
	size_t n;

	if (!size)
		return 0;
	if (!gmtime_r(&secs, &tm)) {
		buf[0] = '\0';
		return 0;
	}
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!n)
		return 0;
	return cli_put(buf, size, n, ".%09" PRIu64 "Z", (uint64_t)(ns % 1000000000U));
}

size_t cli_format_bytes(char *buf, size_t size, uint64_t n)
{
	static const char *const units[] = {
		"KiB", "MiB", "GiB", "TiB", "PiB", "EiB",
	};
	double v = (double)n;
	size_t u = 0;

	if (n < 1024)
		return cli_put(buf, size, 0, "%" PRIu64 " B", n);
	v /= 1024;
	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	return cli_put(buf, size, 0, "%.1f %s", v, units[u]);
}

size_t cli_format_rec_flags(char *buf, size_t size, unsigned int flags)
{
	size_t len = 0;

	if (size)
		buf[0] = '\0';
	if (flags & M2MV_STAT_F_INSTANCE)
		len = cli_put(buf, size, len, "instance");
	if (flags & M2MV_STAT_F_TS0003)
		len = cli_put(buf, size, len, "%sts0003", len ? "," : "");
	if (flags & M2MV_STAT_F_BAD)
		len = cli_put(buf, size, len, "%sbad", len ? "," : "");
	if (!len)
		len = cli_put(buf, size, len, "-");
	return len;
}

size_t cli_format_policy_flags(char *buf, size_t size, unsigned int flags)
{
	if (flags & M2MV_POLICY_F_TS0003)
		return cli_put(buf, size, 0, "ts0003");
	return cli_put(buf, size, 0, "%s",
		       flags & M2MV_POLICY_F_INSTANCE ? "instance" : "-");
}

size_t cli_format_event(char *buf, size_t size,
			const struct m2mv_event_info *ev)
{
	char num[16];
	size_t len;

	len = cli_put(buf, size, 0, "%s", m2mv_event_name(ev->event));
	if (M2MV_EVENT_HAS(ev, M2MV_A_NAME))
		len = cli_put(buf, size, len, " %s", ev->name);
	if (M2MV_EVENT_HAS(ev, M2MV_A_PATH))
		len = cli_put(buf, size, len, " path=%s", ev->path);
	if (M2MV_EVENT_HAS(ev, M2MV_A_SEQ))
		len = cli_put(buf, size, len, " seq=%" PRIu64, ev->seq);
	if (M2MV_EVENT_HAS(ev, M2MV_A_CREDID))
		len = cli_put(buf, size, len, " credid=%s", ev->credid);
	if (M2MV_EVENT_HAS(ev, M2MV_A_REASON))
		len = cli_put(buf, size, len, " reason=%s",
			      cli_errno_name(num, sizeof(num), ev->reason));
	if (M2MV_EVENT_HAS(ev, M2MV_A_DONE))
		len = cli_put(buf, size, len, " done=%" PRIu64, ev->done);
	if (M2MV_EVENT_HAS(ev, M2MV_A_TOTAL))
		len = cli_put(buf, size, len, " total=%" PRIu64, ev->total);
	if (M2MV_EVENT_HAS(ev, M2MV_A_RECORDS))
		len = cli_put(buf, size, len, " records=%" PRIu64, ev->records);
	if (M2MV_EVENT_HAS(ev, M2MV_A_FILE_BYTES))
		len = cli_put(buf, size, len, " file_bytes=%" PRIu64,
			      ev->file_bytes);
	if (M2MV_EVENT_HAS(ev, M2MV_A_INTEGRITY_ERRORS))
		len = cli_put(buf, size, len, " integrity_errors=%" PRIu64,
			      ev->integrity_errors);
	return len;
}

/* ----------------------------------------------------------------- tables */

int cli_table_init(struct cli_table *t, size_t ncols, unsigned int right,
		   const char *const *heads)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->right = right;
	return cli_table_add(t, heads);
}

int cli_table_add(struct cli_table *t, const char *const *cells)
{
	char **row;
	size_t c;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;

		row = realloc(t->cells, cap * t->ncols * sizeof(*row));
		if (!row)
			return -ENOMEM;
		t->cells = row;
		t->cap = cap;
	}
	row = t->cells + t->nrows * t->ncols;
	for (c = 0; c < t->ncols; c++) {
		row[c] = strdup(cells[c] ? cells[c] : "");
		if (!row[c]) {
			while (c--)
				free(row[c]);
			return -ENOMEM;
		}
	}
	t->nrows++;
	return 0;
}

void cli_table_print(const struct cli_table *t, FILE *f)
{
	size_t *w, r, c, len;

	w = calloc(t->ncols ? t->ncols : 1, sizeof(*w));
	if (!w)
		return;
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++) {
			len = strlen(t->cells[r * t->ncols + c]);
			if (len > w[c])
				w[c] = len;
		}
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * t->ncols + c];
			bool last = c + 1 == t->ncols;
			int pad = (int)w[c];

			if (c)
				fputs("  ", f);
			if (t->right >> c & 1)
				fprintf(f, "%*s", pad, cell);
			else if (last)
				fputs(cell, f);
			else
				fprintf(f, "%-*s", pad, cell);
		}
		fputc('\n', f);
	}
	free(w);
}

void cli_table_free(struct cli_table *t)
{
	size_t i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

/* --------------------------------------------------------------- progress */

#define CLI_BAR_WIDTH 30

size_t cli_progress_bar(char *buf, size_t size, uint64_t done,
			uint64_t total, int width)
{
	unsigned int pct;
	size_t len;
	int i, fill;

	if (done > total)
		done = total;
	/* Nothing to do is all done. */
	pct = total ? (unsigned int)(done * 100 / total) : 100;
	fill = (int)((uint64_t)width * pct / 100);
	len = cli_put(buf, size, 0, "[");
	for (i = 0; i < width; i++)
		len = cli_put(buf, size, len, "%c", i < fill ? '#' : '.');
	return cli_put(buf, size, len, "] %3u%%", pct);
}

void cli_progress_init(struct cli_progress *p, FILE *f, const char *label,
		       bool tty)
{
	p->f = f;
	p->label = label;
	p->tty = tty;
	p->last = -1;
	p->drawn = false;
}

void cli_progress_update(struct cli_progress *p, uint64_t done,
			 uint64_t total)
{
	char bar[64], a[24], b[24];
	int pct;

	if (done > total)
		done = total;
	pct = total ? (int)(done * 100 / total) : 100;
	if (p->tty) {
		if (pct == p->last)
			return;
		cli_progress_bar(bar, sizeof(bar), done, total, CLI_BAR_WIDTH);
		cli_format_bytes(a, sizeof(a), done);
		cli_format_bytes(b, sizeof(b), total);
		/* \r and erase-to-end: the bar redraws over itself. */
		fprintf(p->f, "\r%s %s  %s / %s\033[K", p->label, bar, a, b);
		p->drawn = true;
		p->last = pct;
	} else {
		/* A line per tenth, so logs stay short. */
		if (pct / 10 <= p->last)
			return;
		p->last = pct / 10;
		fprintf(p->f, "%s: %d%% (%" PRIu64 " of %" PRIu64 " bytes)\n",
			p->label, pct, done, total);
	}
	fflush(p->f);
}

void cli_progress_end(struct cli_progress *p)
{
	if (p->tty && p->drawn) {
		fputc('\n', p->f);
		fflush(p->f);
		p->drawn = false;
	}
}

/* ------------------------------------------------------------------- JSON */

int cli_json_print(FILE *f, json_t *v)
{
	int ret;

	if (!v)
		return -ENOMEM;
	ret = json_dumpf(v, f, JSON_INDENT(2));
	json_decref(v);
	if (ret)
		return -EIO;
	fputc('\n', f);
	return 0;
}

/* JSON integers are signed 64-bit; the ABI's counters never get there. */
static json_t *cli_json_u64(uint64_t v)
{
	return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX :
			    (json_int_t)v);
}

static json_t *cli_json_rec_flags(unsigned int flags)
{
	json_t *a = json_array();

	if (!a)
		return NULL;
	if (flags & M2MV_STAT_F_INSTANCE)
		json_array_append_new(a, json_string("instance"));
	if (flags & M2MV_STAT_F_TS0003)
		json_array_append_new(a, json_string("ts0003"));
	if (flags & M2MV_STAT_F_BAD)
		json_array_append_new(a, json_string("bad"));
	return a;
}

json_t *cli_json_record(const char *path, const struct m2mv_record_info *ri)
{
	char when[48];

	cli_format_time(when, sizeof(when), ri->mtime_ns);
	return json_pack("{s:s, s:o, s:o, s:o, s:s?, s:o, s:o, s:s, s:s, s:o}",
			 "path", path,
			 "version", cli_json_u64(ri->version),
			 "seq", cli_json_u64(ri->seq),
			 "mtime_ns", cli_json_u64(ri->mtime_ns),
			 "mtime", ri->mtime_ns ? when : NULL,
			 "size", cli_json_u64(ri->data_len),
			 "record_size", cli_json_u64(ri->record_len),
			 "mode", m2mv_mode_name(ri->mode),
			 "credid", ri->credid,
			 "flags", cli_json_rec_flags(ri->flags));
}

json_t *cli_json_list_item(const struct m2mv_list_item *it)
{
	return json_pack("{s:s, s:o, s:o, s:s, s:o}",
			 "path", it->path,
			 "version", cli_json_u64(it->version),
			 "size", cli_json_u64(it->data_len),
			 "mode", m2mv_mode_name(it->mode),
			 "flags", cli_json_rec_flags(it->flags));
}

json_t *cli_json_store(const struct m2mv_store_info *si)
{
	bool grant = si->perm != M2MV_PERM_NONE;
	json_t *ctr = json_object(), *o;
	unsigned int i;
	char mode[8];

	if (!ctr)
		return NULL;
	for (i = 1; i <= M2MV_CTR_MAX; i++)
		if (m2mv_counter_name(i))
			json_object_set_new(ctr, m2mv_counter_name(i),
					    cli_json_u64(si->counters[i]));
	cli_format_perm(mode, sizeof(mode), si->perm);
	o = json_pack("{s:s, s:s, s:s, s:b, s:o, s:o, s:o, s:o, s:o, s:o*, s:o*, s:s*, s:o}",
		      "name", si->name,
		      "file", si->file,
		      "state", m2mv_state_name(si->state),
		      "readonly", !!(si->flags & M2MV_ATTACH_F_RDONLY),
		      "records", cli_json_u64(si->records),
		      "file_bytes", cli_json_u64(si->file_bytes),
		      "live", cli_json_u64(si->live),
		      "live_bytes", cli_json_u64(si->live_bytes),
		      "last_seq", cli_json_u64(si->last_seq),
		      "owner", grant ? cli_json_u64(si->owner) : NULL,
		      "group", grant ? cli_json_u64(si->group) : NULL,
		      "mode", grant ? mode : NULL,
		      "counters", ctr);
	return o;
}

json_t *cli_json_policy(const struct m2mv_policy_info *pi)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}",
			 "store", pi->store,
			 "prefix", pi->prefix,
			 "mode", m2mv_mode_name(pi->mode),
			 "credid", pi->credid,
			 "per_instance", !!(pi->flags & M2MV_POLICY_F_INSTANCE),
			 "profile", pi->flags & M2MV_POLICY_F_TS0003 ?
				    "ts0003" : "seed");
}

/* A policy, with "recipients" (beyond credid) if it has any. */
json_t *cli_json_policy_rcpt(const struct m2mv_policy_rcpt *pr)
{
	json_t *o = cli_json_policy(&pr->info);
	json_t *arr;
	unsigned int i;

	if (!o || !pr->n)
		return o;
	arr = json_array();
	for (i = 0; arr && i < pr->n; i++)
		json_array_append_new(arr, json_string(pr->recipients[i]));
	if (!arr || json_object_set_new(o, "recipients", arr)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *cli_json_event(const struct m2mv_event_info *ev)
{
	json_t *o = json_pack("{s:s}", "event", m2mv_event_name(ev->event));
	char num[16];

	if (!o)
		return NULL;
	if (M2MV_EVENT_HAS(ev, M2MV_A_NAME))
		json_object_set_new(o, "name", json_string(ev->name));
	if (M2MV_EVENT_HAS(ev, M2MV_A_PATH))
		json_object_set_new(o, "path", json_string(ev->path));
	if (M2MV_EVENT_HAS(ev, M2MV_A_SEQ))
		json_object_set_new(o, "seq", cli_json_u64(ev->seq));
	if (M2MV_EVENT_HAS(ev, M2MV_A_CREDID))
		json_object_set_new(o, "credid", json_string(ev->credid));
	if (M2MV_EVENT_HAS(ev, M2MV_A_REASON))
		json_object_set_new(o, "reason",
				    json_string(cli_errno_name(num, sizeof(num),
							       ev->reason)));
	if (M2MV_EVENT_HAS(ev, M2MV_A_DONE))
		json_object_set_new(o, "done", cli_json_u64(ev->done));
	if (M2MV_EVENT_HAS(ev, M2MV_A_TOTAL))
		json_object_set_new(o, "total", cli_json_u64(ev->total));
	if (M2MV_EVENT_HAS(ev, M2MV_A_RECORDS))
		json_object_set_new(o, "records", cli_json_u64(ev->records));
	if (M2MV_EVENT_HAS(ev, M2MV_A_FILE_BYTES))
		json_object_set_new(o, "file_bytes",
				    cli_json_u64(ev->file_bytes));
	if (M2MV_EVENT_HAS(ev, M2MV_A_INTEGRITY_ERRORS))
		json_object_set_new(o, "integrity_errors",
				    cli_json_u64(ev->integrity_errors));
	return o;
}

json_t *cli_json_verify(const char *name, const struct m2mv_verify_info *vi)
{
	json_t *bad = json_array();
	char num[16];
	size_t i;

	if (!bad)
		return NULL;
	for (i = 0; i < vi->nbad; i++)
		json_array_append_new(bad,
			json_pack("{s:s, s:o, s:s}",
				  "path", vi->bad[i].path,
				  "seq", cli_json_u64(vi->bad[i].seq),
				  "reason", cli_errno_name(num, sizeof(num),
							   vi->bad[i].reason)));
	return json_pack("{s:s, s:o, s:o, s:o}",
			 "name", name,
			 "records", cli_json_u64(vi->records),
			 "integrity_errors", cli_json_u64(vi->integrity_errors),
			 "bad", bad);
}

/*
 * m2m:contentInfo is typeOfContent ":" encodingType ":" contentSecurity
 * (oneM2M TS-0004 6.3.3, Tables 6.3.4.2.28-1 and 6.3.4.2.38-1). The
 * encodingType is 0, no transfer encoding: the kernel sealed the bytes the
 * CSE wrote, not a base64 text of them. The contentSecurity is 1 for JWE or
 * JWS in the compact serialization, 2 in the JSON serialization carried as
 * it is (3 would be that JSON base64-encoded once more); TS-0004 gives
 * JWE and JWS the same values, so the mode does not enter.
 */
#define CLI_CNF_PLAIN 0
#define CLI_CNF_JOSE_COMPACT 1
#define CLI_CNF_JOSE_JSON 2

json_t *cli_json_esdata(const char *media_type, bool json_form,
			const char *con, size_t len)
{
	/* type "/" subtype, 127 characters each at most, ":0:1" */
	char cnf[2 * 127 + 16];
	int n;

	n = snprintf(cnf, sizeof(cnf), "%s:%d:%d", media_type, CLI_CNF_PLAIN,
		     json_form ? CLI_CNF_JOSE_JSON : CLI_CNF_JOSE_COMPACT);
	if (n < 0 || (size_t)n >= sizeof(cnf))
		return NULL;
	/* The serialization as a string, byte for byte: see m2mvault(8). */
	return json_pack("{s:s, s:s%}", "cnf", cnf, "con", con, len);
}
