// SPDX-License-Identifier: GPL-2.0
/*
 * logreplay: read a dm-log-writes log and replay it onto a block device,
 * for the crash-state test (selftests/crash_replay.sh).
 *
 *   logreplay list [--all] LOG
 *	One line per crash point: every entry with FLUSH or FUA, and every
 *	mark (--all: every entry). Each line is
 *	"INDEX FLAGS SECTOR NR_SECTORS [MARK]", FLAGS being a comma list of
 *	flush, fua, discard, mark, meta, or "write" for none.
 *   logreplay replay LOG TARGET (--to INDEX | --to-mark NAME | --all)
 *		[--resume STATE]
 *	Write the entries from the start (or from where STATE says the last
 *	run stopped) up to and including entry INDEX, or the first mark NAME,
 *	or the last entry, onto TARGET; flush TARGET; record in STATE where
 *	to continue. Replaying in steps with one STATE gives the same TARGET
 *	as one replay to the last step.
 *
 * Exit status 0 on success, 1 on an error (one line on stderr naming the
 * entry and the cause), 2 for usage errors.
 *
 * The log format is the one drivers/md/dm-log-writes.c writes (format
 * version 1): a super in the first sector of the log (magic, version,
 * number of entries, sector size, little endian), then entry after entry.
 * An entry is one sector whose first 32 bytes are the entry head (target
 * sector, number of sectors, flags, data length; sectors of the logged
 * device's sector size), followed by the data written, NR_SECTORS sectors;
 * a mark carries its text in the rest of its head's sector and no data; a
 * discard carries no data. The super's count of entries is rewritten after
 * every FUA write and every mark, and at the last mark, which the target
 * writes when it is removed ("dm-log-writes-end"), so read the log only
 * after "dmsetup remove".
 *
 * Every length read from the log is checked against the log's size and the
 * target's before it is used. A discarded range is written as zeros: the
 * test's disks start as zeros and read back as zeros after a discard.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fs.h>

#define LW_MAGIC	0x6a736677736872ULL
#define LW_VERSION	1ULL

#define LW_FLUSH	(1U << 0)
#define LW_FUA		(1U << 1)
#define LW_DISCARD	(1U << 2)
#define LW_MARK		(1U << 3)
#define LW_META		(1U << 4)
#define LW_KNOWN	(LW_FLUSH | LW_FUA | LW_DISCARD | LW_MARK | LW_META)

#define LW_HEAD_SIZE	32
#define LW_SECTOR_MIN	512
#define LW_SECTOR_MAX	65536
#define COPY_CHUNK	(1U << 20)

struct lw_log {
	int fd;
	uint64_t size;		/* bytes of the log device */
	uint64_t nr_entries;
	uint32_t sectorsize;
};

/* One entry as read from the log, and where it lies. */
struct lw_entry {
	uint64_t index;
	uint64_t off;		/* byte offset of its head in the log */
	uint64_t sector;
	uint64_t nr_sectors;
	uint64_t flags;
	uint64_t data_len;
	char mark[LW_SECTOR_MAX];	/* NUL-terminated, marks only */
};

static const char *prog_cmd = "logreplay";

static int usage(void)
{
	fprintf(stderr,
		"usage: logreplay list [--all] LOG\n"
		"       logreplay replay LOG TARGET (--to INDEX | --to-mark NAME | --all)\n"
		"                 [--resume STATE]\n");
	return 2;
}

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "logreplay: %s: ", prog_cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static uint64_t get_le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static uint32_t get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Read exactly @len bytes at @off: 0, or -errno (-EIO for a short file). */
static int pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	unsigned char *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!n)
			return -EIO;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static int pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	const unsigned char *p = buf;

	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* Bytes of a block device or a regular file. */
static int dev_size(int fd, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (S_ISBLK(st.st_mode))
		return ioctl(fd, BLKGETSIZE64, size) ? -errno : 0;
	if (!S_ISREG(st.st_mode))
		return -ENOTBLK;
	*size = (uint64_t)st.st_size;
	return 0;
}

static int log_open(struct lw_log *log, const char *path)
{
	unsigned char sb[LW_SECTOR_MIN];
	int ret;

	log->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (log->fd < 0)
		return fail("%s: %s", path, strerror(errno));
	ret = dev_size(log->fd, &log->size);
	if (ret)
		return fail("%s: size: %s", path, strerror(-ret));
	/*
	 * The target wrote the log with bios, past this device's page
	 * cache: drop whatever an earlier reader (a partition scan at boot)
	 * left there, or the super read could be stale.
	 */
	posix_fadvise(log->fd, 0, 0, POSIX_FADV_DONTNEED);
	ret = pread_all(log->fd, sb, sizeof(sb), 0);
	if (ret)
		return fail("%s: super: %s", path, strerror(-ret));
	if (get_le64(sb) != LW_MAGIC)
		return fail("%s: not a dm-log-writes log (magic %#" PRIx64 ")",
			    path, get_le64(sb));
	if (get_le64(sb + 8) != LW_VERSION)
		return fail("%s: log format version %" PRIu64 ", not %llu",
			    path, get_le64(sb + 8), LW_VERSION);
	log->nr_entries = get_le64(sb + 16);
	log->sectorsize = get_le32(sb + 24);
	if (log->sectorsize < LW_SECTOR_MIN || log->sectorsize > LW_SECTOR_MAX ||
	    (log->sectorsize & (log->sectorsize - 1)))
		return fail("%s: bad sector size %" PRIu32, path,
			    log->sectorsize);
	return 0;
}

/*
 * Read the head of entry @e->index at @e->off and check that the entry
 * lies within the log. Return: 0, or 1 after printing why not.
 */
static int entry_read(const struct lw_log *log, struct lw_entry *e)
{
	static unsigned char buf[LW_SECTOR_MAX];
	uint64_t ss = log->sectorsize, max_sectors;
	int ret;

	if (e->off > log->size || log->size - e->off < ss)
		return fail("entry %" PRIu64 ": head at %" PRIu64
			    " is past the end of the log", e->index, e->off);
	ret = pread_all(log->fd, buf, ss, e->off);
	if (ret)
		return fail("entry %" PRIu64 ": %s", e->index, strerror(-ret));
	e->sector = get_le64(buf);
	e->nr_sectors = get_le64(buf + 8);
	e->flags = get_le64(buf + 16);
	e->data_len = get_le64(buf + 24);
	e->mark[0] = '\0';
	if (e->flags & ~(uint64_t)LW_KNOWN)
		return fail("entry %" PRIu64 ": unknown flags %#" PRIx64,
			    e->index, e->flags);
	if (e->flags & LW_MARK) {
		if (e->nr_sectors || e->data_len > ss - LW_HEAD_SIZE)
			return fail("entry %" PRIu64 ": mark of %" PRIu64
				    " bytes and %" PRIu64 " sectors", e->index,
				    e->data_len, e->nr_sectors);
		memcpy(e->mark, buf + LW_HEAD_SIZE, e->data_len);
		e->mark[e->data_len] = '\0';
		return 0;
	}
	/* Only marks carry data of their own in this format version. */
	if (e->data_len)
		return fail("entry %" PRIu64 ": %" PRIu64
			    " bytes of inline data in a non-mark entry",
			    e->index, e->data_len);
	if (e->flags & LW_DISCARD)
		return 0;
	max_sectors = (log->size - e->off) / ss - 1;
	if (e->nr_sectors > max_sectors)
		return fail("entry %" PRIu64 ": %" PRIu64
			    " sectors of data run past the end of the log",
			    e->index, e->nr_sectors);
	return 0;
}

/* Offset of the entry after @e. */
static uint64_t entry_next(const struct lw_log *log, const struct lw_entry *e)
{
	uint64_t n = 1;

	if (!(e->flags & (LW_DISCARD | LW_MARK)))
		n += e->nr_sectors;
	return e->off + n * log->sectorsize;
}

static void flags_str(char *buf, size_t size, uint64_t flags)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} names[] = {
		{ LW_FLUSH, "flush" }, { LW_FUA, "fua" },
		{ LW_DISCARD, "discard" }, { LW_MARK, "mark" },
		{ LW_META, "meta" },
	};
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(flags & names[i].bit))
			continue;
		n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? "," : "",
				      names[i].name);
		if (n >= size)
			return;
	}
	if (!n)
		snprintf(buf, size, "write");
}

static int cmd_list(int argc, char **argv)
{
	struct lw_entry *e;
	struct lw_log log;
	bool all = false;
	char fl[64];
	int ret = 0;

	prog_cmd = "list";
	if (argc == 4 && !strcmp(argv[2], "--all"))
		all = true;
	else if (argc != 3)
		return usage();
	if (log_open(&log, argv[argc - 1]))
		return 1;
	e = calloc(1, sizeof(*e));
	if (!e)
		return fail("%s", strerror(ENOMEM));
	printf("# entries=%" PRIu64 " sectorsize=%" PRIu32 "\n",
	       log.nr_entries, log.sectorsize);
	e->off = log.sectorsize;
	for (e->index = 0; e->index < log.nr_entries; e->index++) {
		ret = entry_read(&log, e);
		if (ret)
			break;
		if (all || (e->flags & (LW_FLUSH | LW_FUA | LW_MARK))) {
			flags_str(fl, sizeof(fl), e->flags);
			printf("%" PRIu64 " %s %" PRIu64 " %" PRIu64 "%s%s\n",
			       e->index, fl, e->sector, e->nr_sectors,
			       e->mark[0] ? " " : "", e->mark);
		}
		e->off = entry_next(&log, e);
	}
	free(e);
	if (fflush(stdout) || ferror(stdout))
		return fail("stdout: %s", strerror(errno));
	return ret;
}

/* Where a replay continues: the next entry's index and offset. */
struct resume {
	uint64_t index;
	uint64_t off;
};

static int resume_load(const char *path, struct resume *r, uint32_t ss)
{
	unsigned long long idx, off;
	FILE *f = fopen(path, "re");
	int n;

	r->index = 0;
	r->off = ss;
	if (!f)
		return errno == ENOENT ? 0 : fail("%s: %s", path, strerror(errno));
	n = fscanf(f, "next=%llu offset=%llu", &idx, &off);
	fclose(f);
	if (n != 2 || off < ss || off % ss)
		return fail("%s: not a replay state", path);
	r->index = idx;
	r->off = off;
	return 0;
}

static int resume_save(const char *path, const struct resume *r)
{
	char tmp[4096];
	FILE *f;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return fail("%s: name too long", path);
	f = fopen(tmp, "we");
	if (!f)
		return fail("%s: %s", tmp, strerror(errno));
	fprintf(f, "next=%" PRIu64 " offset=%" PRIu64 "\n", r->index, r->off);
	if (fclose(f))
		return fail("%s: %s", tmp, strerror(errno));
	if (rename(tmp, path))
		return fail("%s: %s", path, strerror(errno));
	return 0;
}

/* Copy or zero one entry's sectors onto the target. */
static int entry_apply(const struct lw_log *log, const struct lw_entry *e,
		       int tfd, uint64_t tsize, unsigned char *buf)
{
	uint64_t ss = log->sectorsize;
	uint64_t len, dst, src, done;
	bool zero = e->flags & LW_DISCARD;
	int ret;

	if (e->flags & LW_MARK || !e->nr_sectors)
		return 0;
	if (e->nr_sectors > tsize / ss || e->sector > tsize / ss - e->nr_sectors)
		return fail("entry %" PRIu64 ": sectors %" PRIu64 "+%" PRIu64
			    " lie past the end of the target (%" PRIu64
			    " bytes)", e->index, e->sector, e->nr_sectors,
			    tsize);
	len = e->nr_sectors * ss;
	dst = e->sector * ss;
	src = e->off + ss;
	if (zero)
		memset(buf, 0, COPY_CHUNK);
	for (done = 0; done < len;) {
		size_t n = len - done > COPY_CHUNK ? COPY_CHUNK
						   : (size_t)(len - done);

		if (!zero) {
			ret = pread_all(log->fd, buf, n, src + done);
			if (ret)
				return fail("entry %" PRIu64 ": log: %s",
					    e->index, strerror(-ret));
		}
		ret = pwrite_all(tfd, buf, n, dst + done);
		if (ret)
			return fail("entry %" PRIu64 ": target: %s", e->index,
				    strerror(-ret));
		done += n;
	}
	return 0;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

static int cmd_replay(int argc, char **argv)
{
	enum { TO_NONE, TO_INDEX, TO_MARK, TO_END } mode = TO_NONE;
	const char *state = NULL, *to_mark = NULL;
	unsigned char *buf = NULL;
	struct lw_entry *e = NULL;
	bool reached = false;
	uint64_t to = 0, tsize;
	struct resume r;
	struct lw_log log;
	int tfd, i, ret;

	prog_cmd = "replay";
	if (argc < 5)
		return usage();
	for (i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "--all") && mode == TO_NONE) {
			mode = TO_END;
		} else if (!strcmp(argv[i], "--to") && i + 1 < argc &&
			   mode == TO_NONE) {
			if (parse_u64(argv[++i], &to))
				return usage();
			mode = TO_INDEX;
		} else if (!strcmp(argv[i], "--to-mark") && i + 1 < argc &&
			   mode == TO_NONE) {
			to_mark = argv[++i];
			mode = TO_MARK;
		} else if (!strcmp(argv[i], "--resume") && i + 1 < argc) {
			state = argv[++i];
		} else {
			return usage();
		}
	}
	if (mode == TO_NONE)
		return usage();
	if (log_open(&log, argv[2]))
		return 1;
	r.index = 0;
	r.off = log.sectorsize;
	if (state && resume_load(state, &r, log.sectorsize))
		return 1;
	if (r.index > log.nr_entries || r.off > log.size)
		return fail("%s: entry %" PRIu64 " at %" PRIu64
			    " is not in this log", state, r.index, r.off);
	if (mode == TO_INDEX && to >= log.nr_entries)
		return fail("entry %" PRIu64 " asked for, the log has %" PRIu64
			    " entries", to, log.nr_entries);
	if (mode == TO_INDEX && to + 1 < r.index)
		return fail("entry %" PRIu64 " asked for, %s has replayed up to %"
			    PRIu64 " already", to, state, r.index - 1);
	tfd = open(argv[3], O_WRONLY | O_CLOEXEC);
	if (tfd < 0)
		return fail("%s: %s", argv[3], strerror(errno));
	ret = dev_size(tfd, &tsize);
	if (ret) {
		fail("%s: size: %s", argv[3], strerror(-ret));
		goto out_close;
	}
	ret = 1;
	e = calloc(1, sizeof(*e));
	buf = malloc(COPY_CHUNK);
	if (!e || !buf) {
		fail("%s", strerror(ENOMEM));
		goto out;
	}
	e->off = r.off;
	for (e->index = r.index; e->index < log.nr_entries; e->index++) {
		if (mode == TO_INDEX && e->index > to)
			break;
		if (entry_read(&log, e) || entry_apply(&log, e, tfd, tsize, buf))
			goto out;
		e->off = entry_next(&log, e);
		if (mode == TO_MARK && (e->flags & LW_MARK) &&
		    !strcmp(e->mark, to_mark)) {
			e->index++;
			reached = true;
			break;
		}
	}
	if (mode == TO_MARK && !reached) {
		fail("no mark '%s' at or after entry %" PRIu64, to_mark,
		     r.index);
		goto out;
	}
	if (fsync(tfd)) {
		fail("%s: fsync: %s", argv[3], strerror(errno));
		goto out;
	}
	r.index = e->index;
	r.off = e->off;
	if (state && resume_save(state, &r))
		goto out;
	ret = 0;
out:
	free(buf);
	free(e);
out_close:
	close(tfd);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "list"))
		return cmd_list(argc, argv);
	if (!strcmp(argv[1], "replay"))
		return cmd_replay(argc, argv);
	return usage();
}
