// SPDX-License-Identifier: GPL-2.0
/*
 * Module lifetime: unloading is refused while /dev/m2mvault is open and
 * succeeds once it is closed, keys of the type included; the module loads
 * again afterwards. Needs M2MV_KO (set by tools/vmtest) and CAP_SYS_MODULE.
 */
#include <stdlib.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "m2mv.h"

static int delete_module(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK);
}

static int load_module(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -1;
	ret = syscall(SYS_finit_module, fd, "", 0);
	close(fd);
	return ret;
}

TEST(unload_refused_while_open)
{
	const char *ko = getenv("M2MV_KO");
	key_serial_t ring, key;
	int fd;

	if (!ko || !*ko)
		SKIP(return, "M2MV_KO is not set");

	ring = keyctl_join_session_keyring(NULL);
	ASSERT_GT(ring, 0);
	key = mvt_key_add_sized("15-unload@tef.example", M2MV_KEY_SIZE, ring);
	ASSERT_GT(key, 0);

	fd = open(MVT_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-1, delete_module("m2mvault"));
	EXPECT_EQ(EWOULDBLOCK, errno);
	EXPECT_EQ(0, access(MVT_DEV, F_OK));

	close(fd);
	ASSERT_EQ(0, delete_module("m2mvault")) TH_LOG("%s", strerror(errno));
	EXPECT_NE(0, access(MVT_DEV, F_OK));
	/* With the type gone its keys are dead: no longer usable. */
	EXPECT_EQ(-1, keyctl_revoke(key));

	ASSERT_EQ(0, load_module(ko)) TH_LOG("reload %s: %s", ko,
					     strerror(errno));
	EXPECT_EQ(0, access(MVT_DEV, F_OK));
	EXPECT_GT(mvt_key_add_sized("15-again@tef.example", M2MV_KEY_SIZE,
				    ring), 0);
	keyctl_clear(ring);
}

TEST_HARNESS_MAIN
