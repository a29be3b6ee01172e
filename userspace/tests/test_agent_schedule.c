// SPDX-License-Identifier: GPL-2.0
/*
 * m2mvaultd's timing: key timeouts against the TEF's expiry, when a
 * generation is renewed, how failed renewals back off; and the state file
 * that remembers the credentials across restarts.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent/agent.h"

#define T0 1800000000

static void test_key_timeout(void **state)
{
	unsigned int t = 0;

	(void)state;
	assert_int_equal(agent_key_timeout(T0, T0 + 20, 20, &t), 0);
	assert_int_equal(t, 20);
	/* The TEF's clock behind ours: the key goes when the TEF says. */
	assert_int_equal(agent_key_timeout(T0, T0 + 15, 20, &t), 0);
	assert_int_equal(t, 15);
	/* Ahead of ours: never longer than the lifetime asked for. */
	assert_int_equal(agent_key_timeout(T0, T0 + 500, 20, &t), 0);
	assert_int_equal(t, 20);
	assert_int_equal(agent_key_timeout(T0, T0 + 1, 20, &t), 0);
	assert_int_equal(t, 1);
	assert_int_equal(agent_key_timeout(T0, T0, 20, &t), -EKEYEXPIRED);
	assert_int_equal(agent_key_timeout(T0, T0 - 5, 20, &t), -EKEYEXPIRED);
}

static void test_renew_at(void **state)
{
	(void)state;
	/* 20 s keys renewed 10 s before they expire. */
	assert_int_equal(agent_renew_at(T0, T0 + 20, 10), T0 + 10);
	assert_int_equal(agent_renew_at(T0, T0 + 86400, 21600), T0 + 64800);
	/* Less left than renew_before: half way. */
	assert_int_equal(agent_renew_at(T0, T0 + 8, 10), T0 + 4);
	assert_int_equal(agent_renew_at(T0, T0 + 10, 10), T0 + 5);
	/* Never sooner than a second from now, even when expired. */
	assert_int_equal(agent_renew_at(T0, T0 + 1, 10), T0 + 1);
	assert_int_equal(agent_renew_at(T0, T0, 10), T0 + 1);
	assert_int_equal(agent_renew_at(T0, T0 - 100, 10), T0 + 1);
}

static void test_retry_delay(void **state)
{
	(void)state;
	/* Plenty of time: 1, 2, 4, ... 32, then 60 s. */
	assert_int_equal(agent_retry_delay(1, T0, T0 + 86400), 1);
	assert_int_equal(agent_retry_delay(2, T0, T0 + 86400), 2);
	assert_int_equal(agent_retry_delay(3, T0, T0 + 86400), 4);
	assert_int_equal(agent_retry_delay(6, T0, T0 + 86400), 32);
	assert_int_equal(agent_retry_delay(7, T0, T0 + 86400), 60);
	assert_int_equal(agent_retry_delay(1000, T0, T0 + 86400), 60);
	/* At most a quarter of what is left. */
	assert_int_equal(agent_retry_delay(7, T0, T0 + 100), 25);
	assert_int_equal(agent_retry_delay(5, T0, T0 + 20), 5);
	assert_int_equal(agent_retry_delay(7, T0, T0 + 3), 1);
	/* Already expired: keep trying at the normal pace. */
	assert_int_equal(agent_retry_delay(3, T0, T0 - 10), 4);
	assert_int_equal(agent_retry_delay(9, T0, T0), 60);
}

/*
 * The whole renewal timeline with short lifetimes, as the selftest runs
 * it: every generation is renewed while the previous one still has
 * renew_before left, so a writer always finds its policy's key.
 */
static void test_timeline(void **state)
{
	unsigned int lifetime = 20, renew_before = 10, timeout;
	time_t now = T0, expiry, prev_expiry = 0, due;
	int gen;

	(void)state;
	for (gen = 1; gen <= 10; gen++) {
		/* The TEF answers with its expiry, 1 s behind our clock. */
		assert_int_equal(agent_key_timeout(now, now + lifetime - 1,
						   lifetime, &timeout), 0);
		expiry = now + timeout;
		if (prev_expiry)
			assert_true(prev_expiry - now >= 5);	/* old keys overlap */
		due = agent_renew_at(now, expiry, renew_before);
		assert_true(due > now);
		assert_true(expiry - due >= 5);
		prev_expiry = expiry;
		now = due;
	}
}

static void test_state_file(void **state)
{
	char dir[] = "/tmp/test_agent_state.XXXXXX", path[128], err[256];
	struct agent_state *st, *st2;
	struct agent_cred c;
	FILE *f;

	(void)state;
	st = calloc(1, sizeof(*st));
	st2 = calloc(1, sizeof(*st2));
	assert_non_null(st);
	assert_non_null(st2);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s.state", dir);

	/* A missing file is an empty state. */
	assert_int_equal(agent_state_load(path, T0, st, err, sizeof(err)), 0);
	assert_int_equal(st->n, 0);
	assert_null(agent_state_store_key(st));
	assert_int_equal(agent_state_newest_gen(st), 0);

	memset(&c, 0, sizeof(c));
	strcpy(c.id, "16-aaaa@tef.example.com");
	c.type = 16;
	c.expires = T0 + 1000;
	c.gen = 0;
	assert_int_equal(agent_state_add(st, &c, T0), 0);
	strcpy(c.id, "15-bbbb@tef.example.com");
	c.type = 15;
	c.expires = T0 + 20;
	c.gen = 1;
	assert_int_equal(agent_state_add(st, &c, T0), 0);
	strcpy(c.id, "15-cccc@tef.example.com");
	c.expires = T0 + 30;
	c.gen = 2;
	assert_int_equal(agent_state_add(st, &c, T0), 0);
	strcpy(c.id, "16-dddd@tef.example.com");
	c.type = 16;
	c.gen = 2;
	assert_int_equal(agent_state_add(st, &c, T0), 0);
	/* Adding one again replaces it. */
	assert_int_equal(agent_state_add(st, &c, T0), 0);
	assert_int_equal(st->n, 4);

	assert_int_equal(agent_state_save(path, st), 0);
	assert_int_equal(access(path, R_OK), 0);
	assert_int_equal(agent_state_load(path, T0, st2, err, sizeof(err)), 0);
	assert_int_equal(st2->n, 4);
	assert_string_equal(agent_state_store_key(st2)->id, "16-aaaa@tef.example.com");
	assert_int_equal(agent_state_newest_gen(st2), 2);
	assert_string_equal(agent_state_find(st2, 2, 15)->id, "15-cccc@tef.example.com");
	assert_string_equal(agent_state_find(st2, 2, 16)->id, "16-dddd@tef.example.com");
	assert_string_equal(agent_state_find(st2, 1, 15)->id, "15-bbbb@tef.example.com");
	assert_null(agent_state_find(st2, 1, 16));
	assert_null(agent_state_find(st2, 3, 15));
	/* A de-registered credential leaves; the others stay. */
	assert_int_equal(agent_state_remove(st2, "15-bbbb@tef.example.com"), 0);
	assert_int_equal(agent_state_remove(st2, "15-bbbb@tef.example.com"),
			 -ENOENT);
	assert_int_equal(st2->n, 3);
	assert_null(agent_state_find(st2, 1, 15));
	assert_string_equal(agent_state_find(st2, 2, 16)->id, "16-dddd@tef.example.com");
	assert_string_equal(agent_state_store_key(st2)->id, "16-aaaa@tef.example.com");
	/* Credential-IDs of any RelativeKeyID the TEF chose are kept. */
	strcpy(c.id, "15-Rel.Key_ID-7@tef.example.com");
	c.type = 15;
	c.gen = 3;
	assert_int_equal(agent_state_add(st2, &c, T0), 0);
	assert_int_equal(agent_state_save(path, st2), 0);
	assert_int_equal(agent_state_load(path, T0, st2, err, sizeof(err)), 0);
	assert_string_equal(agent_state_find(st2, 3, 15)->id,
			    "15-Rel.Key_ID-7@tef.example.com");
	assert_int_equal(agent_state_save(path, st), 0);

	/* Expired credentials are dropped when read. */
	assert_int_equal(agent_state_load(path, T0 + 25, st2, err, sizeof(err)), 0);
	assert_int_equal(st2->n, 3);
	assert_null(agent_state_find(st2, 1, 15));
	agent_state_prune(st2, T0 + 30);
	assert_int_equal(st2->n, 1);
	assert_int_equal(agent_state_newest_gen(st2), 0);

	/* A damaged file is refused with its line. */
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "m2mvaultd-state 1\nstore 0 16 %d 16-aaaa@tef.example.com\n"
		"data 1 14 %d 15-type-mismatch@tef\n", T0 + 10, T0 + 10);
	fclose(f);
	assert_int_equal(agent_state_load(path, T0, st2, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "s.state:3: not a m2mvaultd state line"));
	assert_int_equal(st2->n, 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "something else\n");
	fclose(f);
	assert_int_equal(agent_state_load(path, T0, st2, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "s.state:1: not a m2mvaultd state line"));
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "m2mvaultd-state 1\ndata 0 16 %d 16-x@tef\n", T0 + 10);
	fclose(f);
	assert_int_equal(agent_state_load(path, T0, st2, err, sizeof(err)), -EINVAL);

	/* Full: expired ones make room; otherwise -ENOSPC. */
	st->n = 0;
	for (c.gen = 1; c.gen <= AGENT_MAX_CREDS; c.gen++) {
		snprintf(c.id, sizeof(c.id), "16-n%lu@tef", c.gen);
		c.expires = c.gen == 1 ? T0 + 1 : T0 + 100;
		assert_int_equal(agent_state_add(st, &c, T0), 0);
	}
	strcpy(c.id, "16-extra@tef");
	assert_int_equal(agent_state_add(st, &c, T0 + 50), 0);
	strcpy(c.id, "16-extra2@tef");
	assert_int_equal(agent_state_add(st, &c, T0 + 50), -ENOSPC);

	unlink(path);
	rmdir(dir);
	free(st);
	free(st2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_timeout),
		cmocka_unit_test(test_renew_at),
		cmocka_unit_test(test_retry_delay),
		cmocka_unit_test(test_timeline),
		cmocka_unit_test(test_state_file),
	};

	return cmocka_run_group_tests_name("agent_schedule", tests, NULL, NULL);
}
