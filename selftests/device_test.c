// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/m2mvault and the generic netlink family exist and reject what they
 * must.
 */
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "kselftest_harness.h"
#include "m2mv.h"

TEST(device_node)
{
	struct stat st;

	ASSERT_EQ(0, stat(MVT_DEV, &st)) TH_LOG("%s", strerror(errno));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	/* Root's only, unless the packaged udev rule gives it to a group. */
	EXPECT_EQ(0600, st.st_mode & 07777);
}

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = open(MVT_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_GE(self->fd, 0) TH_LOG("%s", strerror(errno));
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

TEST_F(dev, version)
{
	struct m2mv_version v = { 0 };

	ASSERT_EQ(0, ioctl(self->fd, M2MV_IOC_VERSION, &v));
	EXPECT_EQ(M2MV_ABI_VERSION, v.abi);
}

TEST_F(dev, version_bad_pointer)
{
	EXPECT_EQ(-1, ioctl(self->fd, M2MV_IOC_VERSION, (void *)8));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(dev, unknown_ioctl)
{
	EXPECT_EQ(-1, ioctl(self->fd, _IO(M2MV_IOC_MAGIC, 0xff), 0));
	EXPECT_EQ(ENOTTY, errno);
}

TEST(genl_family_resolves)
{
	struct nl_sock *sk = nl_socket_alloc();

	ASSERT_NE(NULL, sk);
	ASSERT_EQ(0, genl_connect(sk));
	EXPECT_GT(genl_ctrl_resolve(sk, M2MV_GENL_NAME), 0);
	EXPECT_GE(genl_ctrl_resolve_grp(sk, M2MV_GENL_NAME,
					M2MV_GENL_MCGRP_EVENTS), 0);
	nl_socket_free(sk);
}

TEST_HARNESS_MAIN
