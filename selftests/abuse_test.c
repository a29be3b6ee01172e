// SPDX-License-Identifier: GPL-2.0
/*
 * The module as an attacker drives it (issue 11): each test is one way a
 * local user, or whoever controls the storage, tried to make a call write
 * past its caller's buffer, change something while failing, cost the
 * kernel more than it should, or answer an error the documentation does
 * not list.
 *
 * Each test runs in its own process with a fresh session keyring, its own
 * store file and its own store name; a racing writer is another process
 * in a session keyring of its own, an unprivileged sender another uid.
 */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "kselftest_harness.h"
#include "m2mv.h"

#define K_STORE	"16-abuse-store@m2mv.test"
#define K_WRAP	"15-abuse-wrap@m2mv.test"

/* The largest max_blob the module accepts (Documentation/uapi.rst). */
#define BLOB_LIMIT	(1U << 30)

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A page holding a copy of @len bytes of @src at @off, then read-only. */
static void *ro_copy(const void *src, size_t len, size_t off)
{
	long page = sysconf(_SC_PAGESIZE);
	uint8_t *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memcpy(p + off, src, len);
	if (mprotect(p, 2 * page, PROT_READ))
		return NULL;
	return p + off;
}

/*
 * @len bytes of @src placed across a page boundary: the first @rw bytes
 * on a writable page, the rest on a read-only one.
 */
static void *straddle_copy(const void *src, size_t len, size_t rw)
{
	long page = sysconf(_SC_PAGESIZE);
	uint8_t *p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memcpy(p + page - rw, src, len);
	if (mprotect(p + page, page, PROT_READ))
		return NULL;
	return p + page - rw;
}

FIXTURE(abuse) {
	key_serial_t ring;
	uint8_t wrap[M2MV_KEY_SIZE];
	char name[M2MV_NAME_MAX];
	char file[256];
	char mnt[64];		/* a small tmpfs mounted by the test, or "" */
	char filler[96];	/* a file filling it, or "" */
	int sfd;
	int fd;
	bool attached;
	char saved_max_blob[32];
};

/* A new store file in @dir (NULL: /tmp), attached, a policy, a bound fd. */
static int open_store(FIXTURE_DATA(abuse) *self, const char *dir)
{
	int ret;

	mvt_store_name(self->name, "abuse");
	self->sfd = mvt_store_file(self->file, sizeof(self->file), dir,
				    "abuse");
	if (self->sfd < 0)
		return self->sfd;
	ret = mvt_attach(self->name, self->sfd, K_STORE, M2MV_ATTACH_F_CREATE,
			 NULL);
	if (ret)
		return ret;
	self->attached = true;
	ret = mvt_policy(self->name, "/", K_WRAP, M2MV_MODE_WRAP, 0);
	if (ret)
		return ret;
	self->fd = mvt_open_bound(self->name);
	return self->fd < 0 ? self->fd : 0;
}

static void close_store(FIXTURE_DATA(abuse) *self)
{
	if (self->fd >= 0)
		close(self->fd);
	self->fd = -1;
	if (self->attached)
		mvt_detach(self->name);
	self->attached = false;
	if (self->sfd >= 0)
		close(self->sfd);
	self->sfd = -1;
	if (self->file[0])
		unlink(self->file);
	self->file[0] = '\0';
}

/* Mount a tmpfs of @size bytes for this test: 0 or -errno. */
static int small_fs(FIXTURE_DATA(abuse) *self, const char *size)
{
	char opts[64];

	snprintf(self->mnt, sizeof(self->mnt), "/tmp/m2mv-abuse-XXXXXX");
	if (!mkdtemp(self->mnt)) {
		self->mnt[0] = '\0';
		return -errno;
	}
	snprintf(opts, sizeof(opts), "size=%s,mode=0700", size);
	if (mount("m2mv-abuse", self->mnt, "tmpfs", 0, opts)) {
		int err = -errno;

		rmdir(self->mnt);
		self->mnt[0] = '\0';
		return err;
	}
	return 0;
}

/* Write a file into the small tmpfs until it is full: 0 or -errno. */
static int fill_fs(FIXTURE_DATA(abuse) *self)
{
	static char chunk[4096];
	int fd;

	snprintf(self->filler, sizeof(self->filler), "%s/filler", self->mnt);
	fd = open(self->filler, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		  0600);
	if (fd < 0)
		return -errno;
	memset(chunk, 0xf1, sizeof(chunk));
	for (;;) {
		ssize_t n = write(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == ENOSPC)
			break;
		if (n <= 0) {
			close(fd);
			return n < 0 ? -errno : -EIO;
		}
	}
	/* Whatever a page less than full still takes. */
	while (write(fd, chunk, 1) == 1)
		;
	close(fd);
	return 0;
}

static void unfill_fs(FIXTURE_DATA(abuse) *self)
{
	if (self->filler[0])
		unlink(self->filler);
	self->filler[0] = '\0';
}

FIXTURE_SETUP(abuse)
{
	int ret;

	self->sfd = self->fd = -1;
	self->ring = keyctl_join_session_keyring(NULL);
	ASSERT_GT(self->ring, 0) TH_LOG("join session: %s", strerror(errno));
	ASSERT_GT(mvt_key_add(K_STORE, NULL, self->ring, NULL), 0);
	ASSERT_GT(mvt_key_add(K_WRAP, NULL, self->ring, self->wrap), 0);
	ret = open_store(self, NULL);
	ASSERT_EQ(0, ret) TH_LOG("store: %s", strerror(-ret));
}

FIXTURE_TEARDOWN(abuse)
{
	if (self->saved_max_blob[0])
		mvt_param_write("max_blob", self->saved_max_blob);
	close_store(self);
	unfill_fs(self);
	if (self->mnt[0]) {
		umount2(self->mnt, MNT_DETACH);
		rmdir(self->mnt);
	}
}

/* --------------------------------------------------- item 3: GET race */

#define RACE_PATH	"/race/obj"
#define RACE_BUF	64
#define RACE_CANARY	256

/*
 * Another process, in a session keyring of its own holding the same key,
 * alternates 8- and 3000-byte versions while this one GETs into a 64-byte
 * buffer followed by canary bytes and an unmapped page. Every GET must
 * return the short version or EOVERFLOW with the long one's length; no
 * byte after the buffer may change.
 */
TEST_F(abuse, get_never_writes_past_the_buffer)
{
	long page = sysconf(_SC_PAGESIZE);
	static uint8_t big[3000], small[8];
	unsigned long ok = 0, over = 0, other = 0;
	uint8_t *map, *buf, *canary;
	int last_err = 0, status;
	bool damaged = false;
	uint64_t deadline;
	pid_t writer;

	memset(big, 'B', sizeof(big));
	memset(small, 's', sizeof(small));
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, mprotect(map + page, page, PROT_NONE));
	canary = map + page - RACE_CANARY;
	buf = canary - RACE_BUF;
	memset(canary, 0x5a, RACE_CANARY);
	ASSERT_EQ(0, mvt_put(self->fd, RACE_PATH, small, sizeof(small), 0,
			      NULL));

	writer = fork();
	ASSERT_GE(writer, 0);
	if (writer == 0) {
		int fd;

		if (keyctl_join_session_keyring(NULL) < 0 ||
		    mvt_key_add(K_WRAP, self->wrap, 0, NULL) < 0)
			_exit(2);
		fd = mvt_open_bound(self->name);
		if (fd < 0)
			_exit(3);
		for (unsigned int i = 0; i < 60000; i++) {
			bool b = i & 1;

			if (mvt_put(fd, RACE_PATH, b ? big : small,
				     b ? sizeof(big) : sizeof(small), 0, NULL))
				_exit(4);
		}
		_exit(0);
	}

	deadline = mono_ms() + 8000;
	for (unsigned int i = 0; i < 200000 && mono_ms() < deadline; i++) {
		size_t len = RACE_BUF;
		int ret = mvt_get(self->fd, RACE_PATH, buf, &len, NULL);

		if (ret == 0 && len == sizeof(small)) {
			ok++;
		} else if (ret == -EOVERFLOW && len == sizeof(big)) {
			over++;
		} else {
			other++;
			last_err = ret;
		}
		for (size_t j = 0; j < RACE_CANARY; j++)
			damaged |= canary[j] != 0x5a;
		if (damaged || other)
			break;
	}
	kill(writer, SIGKILL);
	ASSERT_EQ(writer, waitpid(writer, &status, 0));
	if (WIFEXITED(status))
		EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_FALSE(damaged) TH_LOG("a GET wrote past its %d-byte buffer",
				     RACE_BUF);
	EXPECT_EQ(0, other) TH_LOG("a GET returned %d (%s)", last_err,
				   strerror(-last_err));
	EXPECT_GT(ok, 0);
	EXPECT_GT(over, 0);
	TH_LOG("%lu short, %lu EOVERFLOW", ok, over);
}

/* ------------------------------------- item 4: failed calls change nothing */

static void put_arg(struct m2mv_put *p, const char *path, const void *data,
		    size_t len, uint32_t flags)
{
	memset(p, 0, sizeof(*p));
	p->path = mvt_ptr(path);
	p->path_len = strlen(path);
	p->data = mvt_ptr(data);
	p->data_len = len;
	p->flags = flags;
}

TEST_F(abuse, put_with_readonly_argument_writes_nothing)
{
	static const uint32_t flags[] = { 0, M2MV_F_SYNC };
	struct m2mv_put p, *ro;
	struct m2mv_stat st;
	uint64_t v = 0;

	for (size_t i = 0; i < 2; i++) {
		put_arg(&p, "/ro/new", "payload", 7, flags[i]);
		ro = ro_copy(&p, sizeof(p), 0);
		ASSERT_NE(NULL, ro);
		EXPECT_EQ(-EFAULT, mvt_ioc(self->fd, M2MV_IOC_PUT, ro));
		EXPECT_EQ(-ENOENT, mvt_stat(self->fd, "/ro/new", &st))
			TH_LOG("a PUT that failed with EFAULT wrote a record");
		/* Only the last bytes of the structure read-only. */
		ro = straddle_copy(&p, sizeof(p), sizeof(p) - 8);
		ASSERT_NE(NULL, ro);
		EXPECT_EQ(-EFAULT, mvt_ioc(self->fd, M2MV_IOC_PUT, ro));
		EXPECT_EQ(-ENOENT, mvt_stat(self->fd, "/ro/new", &st));
	}

	/* An existing path keeps its version, and the next one follows. */
	ASSERT_EQ(0, mvt_put(self->fd, "/ro/old", "one", 3, 0, &v));
	ASSERT_EQ(1, v);
	put_arg(&p, "/ro/old", "two", 3, 0);
	ro = ro_copy(&p, sizeof(p), 64);
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-EFAULT, mvt_ioc(self->fd, M2MV_IOC_PUT, ro));
	ASSERT_EQ(0, mvt_stat(self->fd, "/ro/old", &st));
	EXPECT_EQ(1, st.version);
	ASSERT_EQ(0, mvt_put(self->fd, "/ro/old", "three", 5, 0, &v));
	EXPECT_EQ(2, v);
}

TEST_F(abuse, delete_with_readonly_argument_deletes_nothing)
{
	struct m2mv_del d, *ro;
	struct m2mv_stat st;
	char buf[16];
	size_t len = sizeof(buf);
	uint64_t v = 0;

	ASSERT_EQ(0, mvt_put(self->fd, "/ro/keep", "kept", 4, 0, NULL));
	memset(&d, 0, sizeof(d));
	d.path = mvt_ptr("/ro/keep");
	d.path_len = strlen("/ro/keep");
	ro = ro_copy(&d, sizeof(d), 0);
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-EFAULT, mvt_ioc(self->fd, M2MV_IOC_DELETE, ro));
	ro = straddle_copy(&d, sizeof(d), 8);
	ASSERT_NE(NULL, ro);
	EXPECT_EQ(-EFAULT, mvt_ioc(self->fd, M2MV_IOC_DELETE, ro));

	ASSERT_EQ(0, mvt_get(self->fd, "/ro/keep", buf, &len, &v))
		TH_LOG("a DELETE that failed with EFAULT deleted the path");
	EXPECT_EQ(1, v);
	ASSERT_EQ(0, mvt_stat(self->fd, "/ro/keep", &st));
	EXPECT_EQ(1, st.version);
	ASSERT_EQ(0, mvt_del(self->fd, "/ro/keep", 0, &v));
	EXPECT_EQ(2, v);
}

TEST_F(abuse, batch_with_readonly_arguments_runs_nothing)
{
	struct m2mv_batch_op op, *ro_ops;
	struct m2mv_batch b, *ro_b;
	struct m2mv_stat st;

	memset(&op, 0, sizeof(op));
	op.op = M2MV_BATCH_PUT;
	op.path = mvt_ptr("/ro/batch");
	op.path_len = strlen("/ro/batch");
	op.data = mvt_ptr("batched");
	op.data_len = 7;

	/* The operations read-only. */
	ro_ops = ro_copy(&op, sizeof(op), 0);
	ASSERT_NE(NULL, ro_ops);
	memset(&b, 0, sizeof(b));
	b.ops = mvt_ptr(ro_ops);
	b.count = 1;
	EXPECT_EQ(-EFAULT, mvt_ioc(self->fd, M2MV_IOC_BATCH, &b));
	EXPECT_EQ(-ENOENT, mvt_stat(self->fd, "/ro/batch", &st))
		TH_LOG("a BATCH that failed with EFAULT ran its PUT");

	/* The batch structure read-only, the operations writable. */
	memset(&b, 0, sizeof(b));
	b.ops = mvt_ptr(&op);
	b.count = 1;
	ro_b = ro_copy(&b, sizeof(b), 0);
	ASSERT_NE(NULL, ro_b);
	EXPECT_EQ(-EFAULT, mvt_ioc(self->fd, M2MV_IOC_BATCH, ro_b));
	EXPECT_EQ(-ENOENT, mvt_stat(self->fd, "/ro/batch", &st));

	/* Writable, it runs. */
	EXPECT_EQ(0, mvt_batch(self->fd, &op, 1, NULL));
	EXPECT_EQ(0, op.result);
	EXPECT_EQ(1, op.version);
}

TEST_F(abuse, batch_on_a_detached_store_is_enodev)
{
	struct m2mv_batch_op ops[2];
	uint32_t done = 7;

	ASSERT_EQ(0, mvt_put(self->fd, "/gone/obj", "x", 1, 0, NULL));
	memset(ops, 0, sizeof(ops));
	ops[0].op = M2MV_BATCH_PUT;
	ops[0].path = mvt_ptr("/gone/obj");
	ops[0].path_len = strlen("/gone/obj");
	ops[0].data = mvt_ptr("y");
	ops[0].data_len = 1;
	ops[1].op = M2MV_BATCH_DELETE;
	ops[1].path = ops[0].path;
	ops[1].path_len = ops[0].path_len;

	ASSERT_EQ(0, mvt_detach(self->name));
	self->attached = false;
	EXPECT_EQ(-ENODEV, mvt_batch(self->fd, ops, 2, &done));
	EXPECT_EQ(0, ops[0].result);
	EXPECT_EQ(0, ops[1].result);
}

/*
 * A PUT that fails for want of space uses up no version: once space is
 * back, the next PUT of the path gets the version after the last one
 * written.
 */
TEST_F(abuse, failed_put_uses_up_no_version)
{
	static uint8_t big[64 << 10];
	uint64_t v = 0;
	char buf[16];
	size_t len = sizeof(buf);
	int ret;

	close_store(self);
	ret = small_fs(self, "512k");
	if (ret)
		SKIP(return, "cannot mount a tmpfs: %s", strerror(-ret));
	ASSERT_EQ(0, open_store(self, self->mnt));
	ASSERT_EQ(0, mvt_put(self->fd, "/v/obj", "first", 5, 0, &v));
	ASSERT_EQ(1, v);

	ASSERT_EQ(0, fill_fs(self));
	memset(big, 0xb1, sizeof(big));
	EXPECT_EQ(-ENOSPC, mvt_put(self->fd, "/v/obj", big, sizeof(big), 0,
				    &v));
	EXPECT_EQ(-ENOSPC, mvt_put(self->fd, "/v/obj", big, sizeof(big),
				    M2MV_F_SYNC, &v));
	unfill_fs(self);

	ASSERT_EQ(0, mvt_put(self->fd, "/v/obj", "second", 6, 0, &v));
	EXPECT_EQ(2, v) TH_LOG("failed PUTs left a gap in the versions");
	ASSERT_EQ(0, mvt_get(self->fd, "/v/obj", buf, &len, &v));
	EXPECT_EQ(2, v);
	EXPECT_EQ(6, len);
}

/* --------------------------------------------------- item 5: max_blob */

TEST_F(abuse, max_blob_is_bounded)
{
	static const char *const refused[] = {
		"4294967295", "4294967296", "99999999999999999999",
		"2147483648", "2147483647", "1073741825", "-1", "16M",
	};
	char buf[32], want[32];
	struct m2mv_put p;
	int ret, status;
	pid_t pid;

	ret = mvt_param_read("max_blob", self->saved_max_blob,
			      sizeof(self->saved_max_blob));
	ASSERT_EQ(0, ret) TH_LOG("max_blob: %s", strerror(-ret));

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		EXPECT_EQ(-EINVAL, mvt_param_write("max_blob", refused[i]))
			TH_LOG("max_blob=%s accepted", refused[i]);
		ASSERT_EQ(0, mvt_param_read("max_blob", buf, sizeof(buf)));
		EXPECT_STREQ(self->saved_max_blob, buf);
	}
	snprintf(want, sizeof(want), "%u", BLOB_LIMIT);
	EXPECT_EQ(0, mvt_param_write("max_blob", want));
	ASSERT_EQ(0, mvt_param_read("max_blob", buf, sizeof(buf)));
	EXPECT_STREQ(want, buf);
	EXPECT_EQ(0, mvt_param_write("max_blob", "0"));
	EXPECT_EQ(0, mvt_param_write("max_blob", self->saved_max_blob));

	/* A 2 GiB PUT is refused before anything is allocated. */
	put_arg(&p, "/big/obj", "x", 1, 0);
	p.data_len = 0x80000000U;
	EXPECT_EQ(-EMSGSIZE, mvt_ioc(self->fd, M2MV_IOC_PUT, &p));

	/* Nobody else may change it. */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(100);
		_exit(mvt_param_write("max_blob", "4096") == -EACCES ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* ------------------------------------ item 6: what the disk may claim */

struct mem_sampler {
	pthread_t thread;
	volatile bool stop;
	long min_kb;
};

static long mem_available_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void *sample_mem(void *arg)
{
	struct mem_sampler *m = arg;

	while (!m->stop) {
		long kb = mem_available_kb();

		if (kb >= 0 && kb < m->min_kb)
			m->min_kb = kb;
		usleep(2000);
	}
	return NULL;
}

/*
 * A record head at the end of a (sparse) store file that claims 1 GiB: the
 * attach scan must not allocate or read that much; the head is no record,
 * so it and what follows are the torn tail, cut and reported.
 */
TEST_F_TIMEOUT(abuse, huge_record_head_is_not_read, 120)
{
	const uint32_t claim = 1U << 30;
	struct mem_sampler m = { .stop = false };
	struct mvt_nl_reply rep;
	struct m2mv_disk_rec h;
	long before, drop_kb;
	char buf[16];
	size_t len = sizeof(buf);
	struct stat st;
	uint32_t used;
	uint64_t t0, ms;
	off_t end;

	ASSERT_EQ(0, mvt_put(self->fd, "/h/obj", "intact", 6, 0, NULL));
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, mvt_detach(self->name));
	self->attached = false;
	ASSERT_EQ(0, fstat(self->sfd, &st));
	end = st.st_size;
	ASSERT_EQ(0, end % 8);

	/* A PUT head whose lengths describe exactly @claim bytes. */
	memset(&h, 0, sizeof(h));
	h.magic = M2MV_REC_MAGIC;
	h.len = claim;
	h.type = M2MV_REC_PUT;
	h.mode = M2MV_MODE_WRAP;
	h.iv_len = M2MV_IV_SIZE;
	h.ekey_len = M2MV_WRAPPED_KEY_SIZE;
	h.tag_len = M2MV_GCM_TAG_SIZE;
	h.path_len = 8;
	h.hdr_len = 200;
	h.seq = 1000;
	h.version = 1;
	used = sizeof(h) + h.path_len + h.ekey_len + h.iv_len + h.tag_len +
	       h.hdr_len;
	h.payload_len = claim - used;
	ASSERT_EQ(sizeof(h), pwrite(self->sfd, &h, sizeof(h), end));
	ASSERT_EQ(0, ftruncate(self->sfd, end + claim));

	before = mem_available_kb();
	ASSERT_GT(before, 0);
	m.min_kb = before;
	ASSERT_EQ(0, pthread_create(&m.thread, NULL, sample_mem, &m));
	t0 = mono_ms();
	EXPECT_EQ(0, mvt_attach(self->name, self->sfd, K_STORE, 0, &rep));
	ms = mono_ms() - t0;
	m.stop = true;
	pthread_join(m.thread, NULL);
	self->attached = rep.err == 0;
	drop_kb = before - m.min_kb;
	TH_LOG("attach took %llu ms, MemAvailable fell by %ld KiB",
	       (unsigned long long)ms, drop_kb);
	EXPECT_LT(drop_kb, 128L << 10)
		TH_LOG("the scan allocated what the disk claimed");

	ASSERT_TRUE(self->attached);
	EXPECT_EQ(claim, rep.truncated);
	ASSERT_EQ(0, fstat(self->sfd, &st));
	EXPECT_EQ(end, st.st_size);
	ASSERT_EQ(0, mvt_policy(self->name, "/", K_WRAP, M2MV_MODE_WRAP, 0));
	self->fd = mvt_open_bound(self->name);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(0, mvt_get(self->fd, "/h/obj", buf, &len, NULL));
	EXPECT_EQ(6, len);
}

/* ------------------------------- item 7: attach and compaction errors */

static int compact(const char *name, int fd)
{
	struct mvt_nl_args a = { .name = name, .has_fd = true, .fd = fd };

	return mvt_nl(M2MV_CMD_STORE_COMPACT, &a, NULL);
}

TEST_F(abuse, attach_of_an_attached_file_is_ebusy)
{
	char other[M2MV_NAME_MAX];
	int fd2;

	mvt_store_name(other, "other");
	EXPECT_EQ(-EBUSY, mvt_attach(other, self->sfd, K_STORE, 0, NULL));
	fd2 = open(self->file, O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd2, 0);
	EXPECT_EQ(-EBUSY, mvt_attach(other, fd2, K_STORE, 0, NULL));
	EXPECT_EQ(-EBUSY, mvt_attach(other, fd2, K_STORE,
				      M2MV_ATTACH_F_RDONLY, NULL));
	close(fd2);
}

TEST_F(abuse, attach_formatting_on_a_full_file_system_is_enospc)
{
	char name[M2MV_NAME_MAX], path[256];
	struct stat st;
	int ret, fd;

	ret = small_fs(self, "256k");
	if (ret)
		SKIP(return, "cannot mount a tmpfs: %s", strerror(-ret));
	fd = mvt_store_file(path, sizeof(path), self->mnt, "full");
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, fill_fs(self));
	mvt_store_name(name, "full");
	EXPECT_EQ(-ENOSPC, mvt_attach(name, fd, K_STORE, M2MV_ATTACH_F_CREATE,
				      NULL));
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(0, st.st_size);
	close(fd);
	unlink(path);
}

TEST_F(abuse, compaction_errors)
{
	char path[256], path2[256], name[M2MV_NAME_MAX];
	struct stat st;
	int nfd, nfd2, ret;

	ASSERT_EQ(0, mvt_put(self->fd, "/c/obj", "live", 4, 0, NULL));
	nfd = mvt_store_file(path, sizeof(path), NULL, "compact");
	ASSERT_GE(nfd, 0);

	mvt_store_name(name, "nosuch");
	EXPECT_EQ(-ENOENT, compact(name, nfd));
	/* Into the store's own file, or another store's. */
	EXPECT_EQ(-EBUSY, compact(self->name, self->sfd));

	ret = small_fs(self, "256k");
	if (ret) {
		TH_LOG("no tmpfs (%s): ENOSPC not tried", strerror(-ret));
	} else {
		nfd2 = mvt_store_file(path2, sizeof(path2), self->mnt, "c");
		ASSERT_GE(nfd2, 0);
		ASSERT_EQ(0, fill_fs(self));
		EXPECT_EQ(-ENOSPC, compact(self->name, nfd2));
		ASSERT_EQ(0, fstat(nfd2, &st));
		EXPECT_EQ(0, st.st_size);
		close(nfd2);
		unlink(path2);
		unfill_fs(self);
	}

	/* The backing file cut below its superblock: damage, not ENODATA. */
	ASSERT_EQ(0, ftruncate(self->sfd, 100));
	EXPECT_EQ(-EBADMSG, compact(self->name, nfd));
	ASSERT_EQ(0, fstat(nfd, &st));
	EXPECT_EQ(0, st.st_size);
	close(nfd);
	unlink(path);
}

/* ------------------------------ item 7: the netlink header comes first */

/*
 * One raw generic netlink request (DETACH of "x") with the given header
 * flags and reserved byte; returns the errno the kernel acknowledged.
 */
static int raw_request(int family, uint8_t cmd, uint16_t flags,
		       uint8_t reserved)
{
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
		struct nlattr a;
		char name[8];
	} req;
	struct {
		struct nlmsghdr n;
		struct nlmsgerr e;
		char more[512];
	} ans;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	ssize_t n;
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return 1000 + errno;
	memset(&req, 0, sizeof(req));
	req.n.nlmsg_len = sizeof(req);
	req.n.nlmsg_type = family;
	req.n.nlmsg_flags = flags;
	req.n.nlmsg_seq = 1;
	req.g.cmd = cmd;
	req.g.version = M2MV_GENL_VERSION;
	req.g.reserved = reserved;
	req.a.nla_len = NLA_HDRLEN + 2;
	req.a.nla_type = M2MV_A_NAME;
	strcpy(req.name, "x");
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) != sizeof(req)) {
		close(fd);
		return 2000 + errno;
	}
	n = recv(fd, &ans, sizeof(ans), 0);
	close(fd);
	if (n < (ssize_t)(sizeof(ans.n) + sizeof(ans.e)) ||
	    ans.n.nlmsg_type != NLMSG_ERROR)
		return 3000;
	return ans.e.error;
}

TEST(netlink_header_is_checked_before_the_capability)
{
	struct nl_sock *sk = nl_socket_alloc();
	int family, status;
	pid_t pid;

	ASSERT_NE(NULL, sk);
	ASSERT_EQ(0, genl_connect(sk));
	family = genl_ctrl_resolve(sk, M2MV_GENL_NAME);
	nl_socket_free(sk);
	ASSERT_GT(family, 0);

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		const uint16_t req = NLM_F_REQUEST | NLM_F_ACK;
		int bad = 0;

		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(100);
		if (keyctl_join_session_keyring(NULL) < 0)
			_exit(101);
		/* A well-formed request: the capability decides. */
		bad |= (raw_request(family, M2MV_CMD_STORE_DETACH, req, 0) !=
			-EPERM) << 0;
		/* The header is checked first, for everyone. */
		bad |= (raw_request(family, M2MV_CMD_STORE_DETACH,
				    req | NLM_F_APPEND, 0) != -EINVAL) << 1;
		bad |= (raw_request(family, M2MV_CMD_STORE_DETACH, req, 1) !=
			-EINVAL) << 2;
		/* So is the command. */
		bad |= (raw_request(family, 200, req, 0) != -EOPNOTSUPP) << 3;
		_exit(bad);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
