// SPDX-License-Identifier: GPL-2.0
/*
 * The freshness anchor in a TPM NV index (userspace/agent/tpm.c), against
 * a software TPM (swtpm, reached over its TCP TCTI) that each test starts
 * afresh: the layout, the index the agent defines, one an operator
 * defined, indexes that are not ours, a TPM that is not there, and an
 * anchor that outlives a restart of the TPM. tpm2-tools play the operator.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "agent/agent.h"

#define INDEX	0x01800d4dU
#define OTHER	0x01800001U

struct fix {
	char dir[64];
	int port;
	pid_t swtpm;
	struct agent_config cfg;
};

static int reachable(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = fd >= 0 && !connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (fd >= 0)
		close(fd);
	return ok;
}

/* swtpm on @f->port (commands) and the next port (control). */
static void swtpm_start(struct fix *f)
{
	char state[96], server[64], ctrl[64];
	int i;

	snprintf(state, sizeof(state), "dir=%s", f->dir);
	snprintf(server, sizeof(server), "type=tcp,port=%d,bindaddr=127.0.0.1",
		 f->port);
	snprintf(ctrl, sizeof(ctrl), "type=tcp,port=%d,bindaddr=127.0.0.1",
		 f->port + 1);
	f->swtpm = fork();
	assert_true(f->swtpm >= 0);
	if (!f->swtpm) {
		execlp("swtpm", "swtpm", "socket", "--tpm2", "--tpmstate",
		       state, "--server", server, "--ctrl", ctrl, "--flags",
		       "not-need-init,startup-clear", (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 100 && !reachable(f->port); i++)
		usleep(50 * 1000);
	assert_true(reachable(f->port));
	/* Still running: the port is this swtpm's, not another program's. */
	usleep(100 * 1000);
	assert_int_equal(waitpid(f->swtpm, &i, WNOHANG), 0);
}

static void swtpm_stop(struct fix *f)
{
	int st;

	if (f->swtpm <= 0)
		return;
	kill(f->swtpm, SIGTERM);
	waitpid(f->swtpm, &st, 0);
	f->swtpm = 0;
}

static int setup(void **state)
{
	static int n;
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/m2mv-tpm-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	/* Two ports per test, apart from those of other runs. */
	f->port = 20000 + (int)(getpid() % 4000) * 8 + 2 * n++;
	f->cfg.anchor = AGENT_ANCHOR_TPM;
	f->cfg.tpm_nv_index = INDEX;
	snprintf(f->cfg.tpm_tcti, sizeof(f->cfg.tpm_tcti),
		 "swtpm:host=127.0.0.1,port=%d", f->port);
	swtpm_start(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	char cmd[128];

	swtpm_stop(f);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* A tpm2-tools command against this test's TPM: its exit status. */
static int tools(struct fix *f, const char *fmt, ...)
{
	char cmd[1024], args[384];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "TPM2TOOLS_TCTI='%s' %s >/dev/null 2>&1",
		 f->cfg.tpm_tcti, args);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void anchor_fill(struct m2mv_tef_anchor *an, uint64_t seq, int byte)
{
	memset(an, 0, sizeof(*an));
	an->seq = seq;
	memset(an->chain, byte, sizeof(an->chain));
	an->chain[31] = (uint8_t)seq;
	an->updated = 1795348072 + (time_t)seq;
}

static void assert_anchor_equal(const struct m2mv_tef_anchor *a,
				const struct m2mv_tef_anchor *b)
{
	assert_int_equal(a->seq, b->seq);
	assert_int_equal(a->updated, b->updated);
	assert_memory_equal(a->chain, b->chain, sizeof(a->chain));
}

/* The 56 bytes, and what decode refuses. */
static void test_layout(void **state)
{
	uint8_t buf[AGENT_TPM_ANCHOR_SIZE];
	struct m2mv_tef_anchor an, back;
	size_t i;

	(void)state;
	anchor_fill(&an, 0x0102030405060708ULL, 0xa5);
	agent_tpm_anchor_encode(buf, &an);
	assert_memory_equal(buf, "M2VA\0\1\0\0\1\2\3\4\5\6\7\10", 16);
	assert_int_equal(buf[23], (uint8_t)an.updated);
	assert_int_equal(buf[24], 0xa5);
	assert_int_equal(buf[55], 0x08);
	assert_int_equal(agent_tpm_anchor_decode(buf, sizeof(buf), &back), 0);
	assert_anchor_equal(&an, &back);
	assert_int_equal(agent_tpm_anchor_decode(buf, sizeof(buf) - 1, &back),
			 -EBADMSG);
	/* Magic, version and the reserved field, one byte at a time. */
	for (i = 0; i < 8; i++) {
		buf[i] ^= 0x10;
		assert_int_equal(agent_tpm_anchor_decode(buf, sizeof(buf),
							 &back), -EBADMSG);
		buf[i] ^= 0x10;
	}
}

/* None at first; the agent defines the index; it reads back; it moves. */
static void test_define_write_read(void **state)
{
	struct fix *f = *state;
	struct m2mv_tef_anchor an, back;

	assert_int_equal(agent_tpm_anchor_read(&f->cfg, &back), -ENOENT);
	anchor_fill(&an, 1042, 0x11);
	assert_int_equal(agent_tpm_anchor_write(&f->cfg, &an), 0);
	assert_int_equal(agent_tpm_anchor_read(&f->cfg, &back), 0);
	assert_anchor_equal(&an, &back);
	/* What the operator sees of it. */
	assert_int_equal(tools(f, "tpm2_nvreadpublic 0x%08x", INDEX), 0);
	/* A compaction numbers afresh: the anchor goes down, too. */
	anchor_fill(&an, 3, 0x22);
	assert_int_equal(agent_tpm_anchor_write(&f->cfg, &an), 0);
	assert_int_equal(agent_tpm_anchor_read(&f->cfg, &back), 0);
	assert_anchor_equal(&an, &back);
}

/* The TPM's NV memory keeps it over a restart (a reboot of the machine). */
static void test_survives_restart(void **state)
{
	struct fix *f = *state;
	struct m2mv_tef_anchor an, back;

	anchor_fill(&an, 77, 0x33);
	assert_int_equal(agent_tpm_anchor_write(&f->cfg, &an), 0);
	swtpm_stop(f);
	assert_int_equal(agent_tpm_anchor_read(&f->cfg, &back), -ENODEV);
	swtpm_start(f);
	assert_int_equal(agent_tpm_anchor_read(&f->cfg, &back), 0);
	assert_anchor_equal(&an, &back);
}

/* An operator defined it beforehand (an owner password): it is used. */
static void test_operator_defined(void **state)
{
	struct fix *f = *state;
	struct m2mv_tef_anchor an, back;

	assert_int_equal(tools(f, "tpm2_nvdefine -s %d -a 'authread|authwrite|no_da' 0x%08x",
			       AGENT_TPM_ANCHOR_SIZE, INDEX), 0);
	/* Defined, never written: a crash between the two, or a new index. */
	assert_int_equal(agent_tpm_anchor_read(&f->cfg, &back), -ENOENT);
	anchor_fill(&an, 9, 0x44);
	assert_int_equal(agent_tpm_anchor_write(&f->cfg, &an), 0);
	assert_int_equal(agent_tpm_anchor_read(&f->cfg, &back), 0);
	assert_anchor_equal(&an, &back);
}

/* Indexes that are not the anchor's are neither read nor written. */
static void test_not_ours(void **state)
{
	struct fix *f = *state;
	struct m2mv_tef_anchor an, back;
	char junk[128];

	anchor_fill(&an, 5, 0x55);
	/* Another size. */
	f->cfg.tpm_nv_index = OTHER;
	assert_int_equal(tools(f, "tpm2_nvdefine -s 8 -a 'authread|authwrite' 0x%08x",
			       OTHER), 0);
	assert_int_equal(agent_tpm_anchor_write(&f->cfg, &an), -EBADMSG);
	assert_int_equal(agent_tpm_anchor_read(&f->cfg, &back), -EBADMSG);
	/* The owner's, not the index's, authorization. */
	f->cfg.tpm_nv_index = OTHER + 1;
	assert_int_equal(tools(f, "tpm2_nvdefine -s %d -a 'ownerread|ownerwrite' 0x%08x",
			       AGENT_TPM_ANCHOR_SIZE, OTHER + 1), 0);
	assert_int_equal(agent_tpm_anchor_write(&f->cfg, &an), -EBADMSG);
	/* The right kind, holding something else. */
	f->cfg.tpm_nv_index = INDEX;
	assert_int_equal(tools(f, "tpm2_nvdefine -s %d -a 'authread|authwrite|no_da' 0x%08x",
			       AGENT_TPM_ANCHOR_SIZE, INDEX), 0);
	snprintf(junk, sizeof(junk),
		 "head -c %d /dev/urandom | tpm2_nvwrite -i - 0x%08x",
		 AGENT_TPM_ANCHOR_SIZE, INDEX);
	assert_int_equal(tools(f, "sh -c \"%s\"", junk), 0);
	assert_int_equal(agent_tpm_anchor_read(&f->cfg, &back), -EBADMSG);
}

/* No TPM where the TCTI points. */
static void test_unreachable(void **state)
{
	struct fix *f = *state;
	struct m2mv_tef_anchor an, back;

	anchor_fill(&an, 1, 0x66);
	snprintf(f->cfg.tpm_tcti, sizeof(f->cfg.tpm_tcti),
		 "device:%s/no-tpm", f->dir);
	assert_int_equal(agent_tpm_anchor_read(&f->cfg, &back), -ENODEV);
	assert_int_equal(agent_tpm_anchor_write(&f->cfg, &an), -ENODEV);
	snprintf(f->cfg.tpm_tcti, sizeof(f->cfg.tpm_tcti), "no-such-tcti");
	assert_int_equal(agent_tpm_anchor_read(&f->cfg, &back), -ENODEV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test_setup_teardown(test_define_write_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_survives_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_operator_defined, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_ours, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreachable, setup, teardown),
	};

	agent_log_init(0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
