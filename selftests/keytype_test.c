// SPDX-License-Identifier: GPL-2.0
/*
 * The "m2mvault" key type: Credential-ID descriptions, 32-byte payloads,
 * no read-back, no update, revocation.
 */
#include "kselftest_harness.h"
#include "m2mv.h"

FIXTURE(keyring) {
	key_serial_t ring;
};

FIXTURE_SETUP(keyring)
{
	/* A fresh session keyring keeps the tests independent. */
	self->ring = keyctl_join_session_keyring(NULL);
	ASSERT_GT(self->ring, 0);
}

FIXTURE_TEARDOWN(keyring)
{
	keyctl_clear(self->ring);
}

TEST_F(keyring, add_each_known_type)
{
	static const char *const ids[] = {
		"14-abc@tef.example",
		"15-abc@tef.example",
		"16-abc@tef.example",
		"15-3f9a0c.d_e-f@tef.example.com",
		"15-x",
	};

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		key_serial_t k = mvt_key_add_sized(ids[i], M2MV_KEY_SIZE,
						   self->ring);

		EXPECT_GT(k, 0) TH_LOG("%s: %s", ids[i], strerror(errno));
	}
}

TEST_F(keyring, longest_description)
{
	char id[M2MV_CREDID_MAX + 2];

	memset(id, 'a', sizeof(id));
	memcpy(id, "15-", 3);
	id[M2MV_CREDID_MAX] = '\0';
	EXPECT_GT(mvt_key_add_sized(id, M2MV_KEY_SIZE, self->ring), 0);

	id[M2MV_CREDID_MAX] = 'a';
	id[M2MV_CREDID_MAX + 1] = '\0';
	EXPECT_EQ(-1, mvt_key_add_sized(id, M2MV_KEY_SIZE, self->ring));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(keyring, bad_descriptions)
{
	static const char *const bad[] = {
		"", "15", "15-", "-abc", "abc", "15abc", "x5-abc",
		"015-abc", "1500-abc", "13-abc", "17-abc", "0-abc",
		"15-a b", "15-a/b", "15-a:b", "15-a%b", "15-\xc3\xa9",
		"15-abc\n", "15-abc ",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		key_serial_t k = mvt_key_add_sized(bad[i], M2MV_KEY_SIZE,
						   self->ring);

		EXPECT_EQ(-1, k) TH_LOG("accepted \"%s\"", bad[i]);
		EXPECT_EQ(EINVAL, errno) TH_LOG("\"%s\": %s", bad[i],
						strerror(errno));
	}
}

TEST_F(keyring, bad_payload_sizes)
{
	static const size_t sizes[] = { 0, 1, 16, 31, 33, 48, 64 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		key_serial_t k = mvt_key_add_sized("15-abc@tef.example",
						   sizes[i], self->ring);

		EXPECT_EQ(-1, k) TH_LOG("accepted %zu bytes", sizes[i]);
		EXPECT_EQ(EINVAL, errno);
	}
}

TEST_F(keyring, cannot_read_back)
{
	unsigned char buf[64];
	key_serial_t k = mvt_key_add_sized("15-abc@tef.example",
					   M2MV_KEY_SIZE, self->ring);

	ASSERT_GT(k, 0);
	EXPECT_EQ(-1, keyctl_read(k, (char *)buf, sizeof(buf)));
	EXPECT_EQ(EOPNOTSUPP, errno);
}

TEST_F(keyring, cannot_update)
{
	unsigned char buf[M2MV_KEY_SIZE] = { 0 };
	key_serial_t k = mvt_key_add_sized("15-abc@tef.example",
					   M2MV_KEY_SIZE, self->ring);

	ASSERT_GT(k, 0);
	/* A type without ->update gets no write permission... */
	EXPECT_EQ(-1, keyctl_update(k, buf, sizeof(buf)));
	EXPECT_EQ(EACCES, errno);
	/* ...and granting it does not make the key mutable. */
	ASSERT_EQ(0, keyctl_setperm(k, KEY_POS_ALL | KEY_USR_VIEW));
	EXPECT_EQ(-1, keyctl_update(k, buf, sizeof(buf)));
	EXPECT_EQ(EOPNOTSUPP, errno);
}

TEST_F(keyring, describe)
{
	char *desc = NULL;
	key_serial_t k = mvt_key_add_sized("16-mic@tef.example",
					   M2MV_KEY_SIZE, self->ring);

	ASSERT_GT(k, 0);
	ASSERT_GT(keyctl_describe_alloc(k, &desc), 0);
	/* type;uid;gid;perm;description */
	EXPECT_EQ(0, strncmp(desc, "m2mvault;", 9)) TH_LOG("%s", desc);
	EXPECT_NE(NULL, strstr(desc, ";16-mic@tef.example"));
	free(desc);
}

TEST_F(keyring, revoke)
{
	char *desc = NULL;
	key_serial_t k = mvt_key_add_sized("15-abc@tef.example",
					   M2MV_KEY_SIZE, self->ring);

	ASSERT_GT(k, 0);
	ASSERT_EQ(0, keyctl_revoke(k));
	EXPECT_EQ(-1, keyctl_describe_alloc(k, &desc));
	EXPECT_EQ(EKEYREVOKED, errno);
}

TEST_HARNESS_MAIN
