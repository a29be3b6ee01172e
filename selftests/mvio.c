// SPDX-License-Identifier: GPL-2.0
/*
 * mvio: a minimal driver of the m2mvault ioctls for the shell selftests.
 * Not a product CLI (that is userspace/cli/m2mvault); no options beyond
 * what the tests need.
 *
 *   mvio attach NAME FILE STORE_CREDID [create]
 *                                        prints records= live=
 *                                        integrity_errors= truncated=;
 *                                        create: a new store (FILE made
 *                                        if missing, M2MV_ATTACH_F_CREATE)
 *   mvio detach NAME
 *   mvio policy NAME PREFIX CREDID wrap|dir|dir-instance|dir-ts0003|mic
 *                                        [RECIPIENT...] (wrap: the other
 *                                        credentials whose keys open it)
 *   mvio put NAME PATH [sync]            plaintext on stdin; prints version
 *   mvio get NAME PATH                   plaintext on stdout
 *   mvio del NAME PATH [sync]            prints the tombstone's version
 *   mvio stat NAME PATH                  version= data_len= mode= credid=
 *   mvio export NAME PATH compact|json   serialization on stdout
 *
 * Exit status 0 on success; 1 with "mvio: OP PATH: strerror" on stderr on
 * failure; 2 for usage errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "m2mv.h"

static const char *op_name;
static const char *op_arg;

static int usage(void)
{
	fprintf(stderr,
		"usage: mvio attach NAME FILE STORE_CREDID [create]\n"
		"       mvio detach NAME\n"
		"       mvio policy NAME PREFIX CREDID wrap|dir|dir-instance|dir-ts0003|mic [RECIPIENT...]\n"
		"       mvio put NAME PATH [sync] < data\n"
		"       mvio get NAME PATH > data\n"
		"       mvio del NAME PATH [sync]\n"
		"       mvio stat NAME PATH\n"
		"       mvio export NAME PATH compact|json\n");
	return 2;
}

static int fail(int err)
{
	fprintf(stderr, "mvio: %s %s: %s\n", op_name, op_arg, strerror(err));
	return 1;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= n;
	}
	return 0;
}

/* All of stdin into a malloc()ed buffer. */
static int read_stdin(uint8_t **out, size_t *len)
{
	size_t cap = 65536, n = 0;
	uint8_t *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t r;

		if (n == cap) {
			uint8_t *nb = realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(0, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			free(buf);
			return r;
		}
		if (!r)
			break;
		n += r;
	}
	*out = buf;
	*len = n;
	return 0;
}

static int cmd_attach(int argc, char **argv)
{
	struct mvt_nl_reply rep;
	bool create = false;
	int ctl, sfd, ret;

	if (argc == 6 && !strcmp(argv[5], "create"))
		create = true;
	else if (argc != 5)
		return usage();
	op_arg = argv[3];
	sfd = open(argv[3], O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0600);
	if (sfd < 0)
		return fail(errno);
	ctl = mvt_open_dev();
	if (ctl < 0)
		return fail(-ctl);
	ret = mvt_attach(argv[2], sfd, argv[4],
			 create ? M2MV_ATTACH_F_CREATE : 0, &rep);
	if (ret)
		return fail(-ret);
	printf("records=%llu live=%llu integrity_errors=%llu truncated=%llu\n",
	       (unsigned long long)rep.records, (unsigned long long)rep.live,
	       (unsigned long long)rep.integrity_errors,
	       (unsigned long long)rep.truncated);
	return 0;
}

static int cmd_detach(int argc, char **argv)
{
	int ctl, ret;

	if (argc != 3)
		return usage();
	ctl = mvt_open_dev();
	if (ctl < 0)
		return fail(-ctl);
	ret = mvt_detach(argv[2]);
	return ret ? fail(-ret) : 0;
}

static int cmd_policy(int argc, char **argv)
{
	uint32_t mode, flags = 0;
	int ctl, ret;

	if (argc < 6)
		return usage();
	op_arg = argv[3];
	if (argc > 6 && strcmp(argv[5], "wrap"))
		return usage();
	if (!strcmp(argv[5], "wrap")) {
		mode = M2MV_MODE_WRAP;
	} else if (!strcmp(argv[5], "dir")) {
		mode = M2MV_MODE_DIR;
	} else if (!strcmp(argv[5], "dir-instance")) {
		mode = M2MV_MODE_DIR;
		flags = M2MV_POLICY_F_INSTANCE;
	} else if (!strcmp(argv[5], "dir-ts0003")) {
		mode = M2MV_MODE_DIR;
		flags = M2MV_POLICY_F_TS0003;
	} else if (!strcmp(argv[5], "mic")) {
		mode = M2MV_MODE_MIC;
	} else {
		return usage();
	}
	ctl = mvt_open_dev();
	if (ctl < 0)
		return fail(-ctl);
	if (argc > 6)
		ret = mvt_policy_rcpt(argv[2], argv[3], argv[4], mode,
				      (const char *const *)argv + 6, argc - 6,
				      NULL);
	else
		ret = mvt_policy(argv[2], argv[3], argv[4], mode, flags);
	return ret ? fail(-ret) : 0;
}

static int bound(const char *name)
{
	int fd = mvt_open_bound(name);

	if (fd < 0) {
		op_arg = name;
		exit(fail(-fd));
	}
	return fd;
}

static int sync_flag(int argc, char **argv, int at, uint32_t *flags)
{
	*flags = 0;
	if (argc == at)
		return 0;
	if (argc == at + 1 && !strcmp(argv[at], "sync")) {
		*flags = M2MV_F_SYNC;
		return 0;
	}
	return -1;
}

static int cmd_put(int argc, char **argv)
{
	uint64_t version = 0;
	uint32_t flags;
	uint8_t *data = NULL;
	size_t len = 0;
	int fd, ret;

	if ((argc != 4 && argc != 5) || sync_flag(argc, argv, 4, &flags))
		return usage();
	ret = read_stdin(&data, &len);
	if (ret)
		return fail(-ret);
	fd = bound(argv[2]);
	ret = mvt_put(fd, argv[3], data, len, flags, &version);
	free(data);
	if (ret)
		return fail(-ret);
	printf("%llu\n", (unsigned long long)version);
	return 0;
}

static int cmd_get(int argc, char **argv)
{
	uint64_t version;
	void *data;
	size_t len;
	int fd, ret;

	if (argc != 4)
		return usage();
	fd = bound(argv[2]);
	ret = mvt_get_alloc(fd, argv[3], &data, &len, &version);
	if (ret)
		return fail(-ret);
	ret = write_all(1, data, len);
	free(data);
	return ret ? fail(-ret) : 0;
}

static int cmd_del(int argc, char **argv)
{
	uint64_t version = 0;
	uint32_t flags;
	int fd, ret;

	if ((argc != 4 && argc != 5) || sync_flag(argc, argv, 4, &flags))
		return usage();
	fd = bound(argv[2]);
	ret = mvt_del(fd, argv[3], flags, &version);
	if (ret)
		return fail(-ret);
	printf("%llu\n", (unsigned long long)version);
	return 0;
}

static int cmd_stat(int argc, char **argv)
{
	struct m2mv_stat st;
	int fd, ret;

	if (argc != 4)
		return usage();
	fd = bound(argv[2]);
	ret = mvt_stat(fd, argv[3], &st);
	if (ret)
		return fail(-ret);
	printf("version=%llu data_len=%u mode=%s credid=%s seq=%llu flags=%#x\n",
	       (unsigned long long)st.version, st.data_len,
	       mvt_mode_name(st.mode), st.credid, (unsigned long long)st.seq,
	       st.rec_flags);
	return 0;
}

static int cmd_export(int argc, char **argv)
{
	uint32_t flags;
	size_t len = 0;
	char *buf;
	int fd, ret;

	if (argc != 5)
		return usage();
	if (!strcmp(argv[4], "compact"))
		flags = M2MV_EXPORT_F_COMPACT;
	else if (!strcmp(argv[4], "json"))
		flags = M2MV_EXPORT_F_JSON;
	else
		return usage();
	fd = bound(argv[2]);
	/* Ask for the length first: EOVERFLOW reports it. */
	ret = mvt_export(fd, argv[3], flags, NULL, &len, NULL);
	if (ret && ret != -EOVERFLOW)
		return fail(-ret);
	buf = malloc(len ? len : 1);
	if (!buf)
		return fail(ENOMEM);
	ret = mvt_export(fd, argv[3], flags, buf, &len, NULL);
	if (ret)
		return fail(-ret);
	ret = write_all(1, buf, len);
	free(buf);
	return ret ? fail(-ret) : 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "attach", cmd_attach }, { "detach", cmd_detach },
		{ "policy", cmd_policy }, { "put", cmd_put },
		{ "get", cmd_get }, { "del", cmd_del }, { "stat", cmd_stat },
		{ "export", cmd_export },
	};

	if (argc < 3)
		return usage();
	op_name = argv[1];
	op_arg = argc > 3 ? argv[3] : argv[2];
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc, argv);
	return usage();
}
