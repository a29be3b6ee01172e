// SPDX-License-Identifier: GPL-2.0
/*
 * The TEF protocol end to end on loopback: the real m2m-tefd (TEFD_PATH,
 * run as a child process, outside valgrind) against the client library
 * (userspace/common/tefclient.c, in this process, under valgrind).
 * Covers the handshake outcomes the client must tell apart, register,
 * retrieve and revoke with their refusals, block-wise bodies, expiry,
 * re-enrolment, and the server's log lines.
 */
#include <errno.h>
#include <fcntl.h>
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

#include <jansson.h>
#include <openssl/crypto.h>

#include "common/b64url.h"
#include "common/tefclient.h"
#include "tef/tef.h"

#define FQDN "tef.example.com"

static char dir[] = "/tmp/test_tef_proto.XXXXXX";
static char dbpath[64], logpath[64];
static uint16_t port;
static pid_t tefd;

static const uint8_t kpm1[16] = { [0 ... 15] = 0x11 };
static const uint8_t kpm2[20] = { [0 ... 19] = 0x22 };
static const uint8_t kpm3[32] = { [0 ... 31] = 0x33 };
static const uint8_t kpm2b[16] = { [0 ... 15] = 0x2b };

static uint16_t free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(fd, (struct sockaddr *)&a, &len))
		return 0;
	close(fd);
	return ntohs(a.sin_port);
}

static char *slurp(const char *path)
{
	char *buf = calloc(1, 1 << 16);
	FILE *f = fopen(path, "r");

	if (f && buf)
		fread(buf, 1, (1 << 16) - 1, f);
	if (f)
		fclose(f);
	return buf;
}

static int log_has(const char *needle)
{
	char *text = slurp(logpath);
	int found = text && strstr(text, needle);

	free(text);
	return found;
}

static int log_count(const char *needle)
{
	char *text = slurp(logpath), *p = text;
	int n = 0;

	while (p && (p = strstr(p, needle))) {
		n++;
		p += strlen(needle);
	}
	free(text);
	return n;
}

static int enrol(const char *id, const char *ae, const uint8_t *k, size_t n)
{
	sqlite3 *db;
	int ret;

	if (tef_db_open(dbpath, 1, &db))
		return -1;
	ret = tef_db_enrol(db, id, ae, k, n);
	sqlite3_close(db);
	return ret;
}

/* Run m2m-tefd --assign @assign; its log goes on in the same file. */
static int spawn(const char *assign)
{
	int fd, i, before = log_count("m2m-tefd: listening on 127.0.0.1:");
	char ps[8];

	snprintf(ps, sizeof(ps), "%u", port);
	fflush(NULL);
	tefd = fork();
	if (tefd < 0)
		return -1;
	if (tefd == 0) {
		fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(127);
		execl(TEFD_PATH, "m2m-tefd", "--db", dbpath, "--fqdn", FQDN,
		      "--listen", "127.0.0.1", "--port", ps, "--assign", assign,
		      "--admin", "ops.example.com", (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 100; i++) {
		if (log_count("m2m-tefd: listening on 127.0.0.1:") > before)
			return 0;
		usleep(50000);
	}
	return -1;
}

/* Stop the TEF (it must exit 0) and start it again with @assign. */
static void respawn(const char *assign)
{
	int status = -1;

	kill(tefd, SIGTERM);
	assert_int_equal(waitpid(tefd, &status, 0), tefd);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	tefd = 0;
	assert_int_equal(spawn(assign), 0);
}

static int start(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(dbpath, sizeof(dbpath), "%s/tef.db", dir);
	snprintf(logpath, sizeof(logpath), "%s/tef.log", dir);
	if (enrol("kpm-ae1", "Cae1", kpm1, sizeof(kpm1)) ||
	    enrol("kpm-ae2", "Cae2", kpm2, sizeof(kpm2)) ||
	    enrol("kpm-ae3", "Cae3", kpm3, sizeof(kpm3)))
		return -1;
	port = free_port();
	return spawn("seed");
}

static int stop(void **state)
{
	char cmd[128];
	int status = -1;

	(void)state;
	if (tefd > 0) {
		kill(tefd, SIGTERM);
		waitpid(tefd, &status, 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		return -1;
	/* A clean exit on SIGTERM is part of the contract. */
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int connect_as(const char *id, const uint8_t *k, size_t n,
		      unsigned int timeout_ms, struct m2mv_tef **t)
{
	struct m2mv_tef_config cfg = {
		.host = "127.0.0.1", .port = port, .fqdn = FQDN,
		.psk_identity = id, .psk = k, .psk_len = n,
		.timeout_ms = timeout_ms,
	};

	return m2mv_tef_connect(&cfg, t);
}

static void test_handshake(void **state)
{
	struct m2mv_tef_config cfg = {
		.host = "127.0.0.1", .fqdn = FQDN, .psk_identity = "kpm-ae1",
		.psk = kpm1, .psk_len = sizeof(kpm1),
	};
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	const struct m2mv_ke *ke;
	struct m2mv_tef *t = NULL;
	int silent;
	size_t i;

	(void)state;
	assert_int_equal(connect_as("kpm-ae1", kpm1, sizeof(kpm1), 3000, &t), 0);
	ke = m2mv_tef_ke(t);
	assert_int_equal(strlen(ke->keid), 32 + 1 + strlen(FQDN));
	for (i = 0; i < 32; i++)
		assert_non_null(strchr("0123456789abcdef", ke->keid[i]));
	assert_string_equal(ke->keid + 32, "@" FQDN);
	m2mv_tef_close(t);

	/* A wrong key: the handshake never completes. */
	assert_int_equal(connect_as("kpm-ae1", kpm2b, sizeof(kpm2b), 1500, &t),
			 -EACCES);
	assert_null(t);
	/* An unknown identity: refused at once. */
	assert_int_equal(connect_as("kpm-nobody", kpm1, sizeof(kpm1), 3000, &t),
			 -EACCES);
	/* Nothing listening. */
	cfg.port = free_port();
	cfg.timeout_ms = 3000;
	assert_int_equal(m2mv_tef_connect(&cfg, &t), -ECONNREFUSED);
	/* A socket that never answers. */
	silent = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(silent >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(silent, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(silent, (struct sockaddr *)&a, &alen), 0);
	cfg.port = ntohs(a.sin_port);
	cfg.timeout_ms = 1000;
	assert_int_equal(m2mv_tef_connect(&cfg, &t), -ETIMEDOUT);
	close(silent);
	/* Bad configurations never reach the network. */
	cfg.port = port;
	cfg.psk_len = 8;
	assert_int_equal(m2mv_tef_connect(&cfg, &t), -EINVAL);
	cfg.psk_len = sizeof(kpm1);
	cfg.psk_identity = "";
	assert_int_equal(m2mv_tef_connect(&cfg, &t), -EINVAL);
	cfg.psk_identity = "kpm-ae1";
	cfg.fqdn = NULL;
	assert_int_equal(m2mv_tef_connect(&cfg, &t), -EINVAL);
	assert_int_equal(m2mv_tef_connect(NULL, &t), -EINVAL);
	m2mv_tef_close(NULL);

	assert_true(log_has("refused handshake from 127.0.0.1:"));
	assert_true(log_has("identity kpm-nobody: unknown enrolee"));
}

/* The name the client puts in SNI, and what it leaves out. */
static void test_sni_name(void **state)
{
	static const char *const literal[] = {
		"192.0.2.1", "127.1", "2130706433", "0x7f000001", "::1",
		"10.0.0.1.", "example.123",
	};
	char buf[M2MV_TEF_SNI_BUFSZ], big[300];
	size_t i;

	(void)state;
	assert_int_equal(m2mv_tef_sni(buf, sizeof(buf), FQDN), 1);
	assert_string_equal(buf, FQDN);
	assert_int_equal(m2mv_tef_sni(buf, sizeof(buf), FQDN "."), 1);
	assert_string_equal(buf, FQDN);
	assert_int_equal(m2mv_tef_sni(buf, sizeof(buf), "1.example.com"), 1);
	assert_int_equal(m2mv_tef_sni(buf, sizeof(buf), "localhost"), 1);
	for (i = 0; i < sizeof(literal) / sizeof(literal[0]); i++) {
		assert_int_equal(m2mv_tef_sni(buf, sizeof(buf), literal[i]), 0);
		assert_string_equal(buf, "");
	}
	assert_int_equal(m2mv_tef_sni(buf, sizeof(buf), ""), -EINVAL);
	assert_int_equal(m2mv_tef_sni(buf, sizeof(buf), "."), -EINVAL);
	assert_int_equal(m2mv_tef_sni(buf, sizeof(buf), NULL), -EINVAL);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(m2mv_tef_sni(buf, sizeof(buf), big), -EINVAL);
}

static int connect_fqdn(const char *fqdn, struct m2mv_tef **t)
{
	struct m2mv_tef_config cfg = {
		.host = "127.0.0.1", .port = port, .fqdn = fqdn,
		.psk_identity = "kpm-ae1", .psk = kpm1, .psk_len = sizeof(kpm1),
		.timeout_ms = 3000,
	};

	return m2mv_tef_connect(&cfg, t);
}

/* The TEF is the host its SNI names; a client without SNI still gets in. */
static void test_sni(void **state)
{
	const char *none = "identity kpm-ae1: no SNI, accepted";
	struct m2mv_tef *t = NULL;
	int before = log_count(none);

	(void)state;
	/* SNI = the FQDN, in any case, with or without the root's dot. */
	assert_int_equal(connect_fqdn(FQDN, &t), 0);
	m2mv_tef_close(t);
	assert_int_equal(connect_fqdn("TEF.Example.COM", &t), 0);
	m2mv_tef_close(t);
	assert_int_equal(connect_fqdn(FQDN ".", &t), 0);
	m2mv_tef_close(t);
	assert_int_equal(log_count(none), before);

	/* Another host's name: refused at the handshake, the SNI logged. */
	assert_int_equal(connect_fqdn("other.example.com", &t), -EACCES);
	assert_null(t);
	assert_true(log_has("refused handshake from 127.0.0.1:"));
	assert_true(log_has("identity kpm-ae1: SNI other.example.com names "
			    "another host than " FQDN "\n"));
	assert_int_equal(connect_fqdn("tef.example.com.evil", &t), -EACCES);
	assert_true(log_has("identity kpm-ae1: SNI tef.example.com.evil names another host"));

	/* An address as the FQDN goes without SNI, and that is accepted. */
	assert_int_equal(connect_fqdn("127.0.0.1", &t), 0);
	assert_string_equal(m2mv_tef_ke(t)->keid + 32, "@127.0.0.1");
	m2mv_tef_close(t);
	assert_int_equal(log_count(none), before + 1);
	assert_true(log_has("m2m-tefd: handshake from 127.0.0.1:"));
}

/* The JWK's key, decoded. */
static void jwk_key(void *jwk, uint8_t key[M2MV_KEY_LEN])
{
	json_t *k = json_object_get(jwk, "k");

	assert_int_equal(m2mv_b64url_decode(key, M2MV_KEY_LEN,
					    json_string_value(k)), M2MV_KEY_LEN);
	json_decref(jwk);
}

static void test_register_retrieve_revoke(void **state)
{
	const char *targets[] = { "Cae2" };
	unsigned int types[] = { 15, 16 };
	struct m2mv_tef_reg_req req = {
		.targets = targets, .n_targets = 1, .lifetime = 600,
		.types = types, .n_types = 2,
	};
	uint8_t mine[2][M2MV_KEY_LEN], got[M2MV_KEY_LEN];
	struct m2mv_tef *t1, *t2, *t3;
	struct m2mv_tef_reg reg;
	char *diag = NULL;
	void *jwk = NULL;
	size_t i;

	(void)state;
	assert_int_equal(connect_as("kpm-ae1", kpm1, sizeof(kpm1), 3000, &t1), 0);
	assert_int_equal(connect_as("kpm-ae2", kpm2, sizeof(kpm2), 3000, &t2), 0);
	assert_int_equal(connect_as("kpm-ae3", kpm3, sizeof(kpm3), 3000, &t3), 0);
	assert_int_equal(m2mv_tef_register(t1, &req, &reg), 0);
	assert_int_equal(reg.n_creds, 2);
	assert_int_equal(reg.creds[0].type, 15);
	assert_int_equal(reg.creds[1].type, 16);
	assert_true(reg.expires > time(NULL) + 590);
	for (i = 0; i < 2; i++)
		assert_int_equal(m2mv_kdf_credential_key(m2mv_tef_ke(t1)->ke,
							 reg.salt,
							 reg.creds[i].type,
							 mine[i]), 0);

	/* The owner and the target get the key the owner derived. */
	for (i = 0; i < 2; i++) {
		assert_int_equal(m2mv_tef_retrieve(t1, reg.creds[i].id, &jwk,
						   &diag), 0);
		assert_null(diag);
		jwk_key(jwk, got);
		assert_memory_equal(got, mine[i], M2MV_KEY_LEN);
		assert_int_equal(m2mv_tef_retrieve(t2, reg.creds[i].id, &jwk,
						   NULL), 0);
		jwk_key(jwk, got);
		assert_memory_equal(got, mine[i], M2MV_KEY_LEN);
	}
	/* Another enrolee is refused, with the reason. */
	assert_int_equal(m2mv_tef_retrieve(t3, reg.creds[0].id, &jwk, &diag),
			 -EPERM);
	assert_null(jwk);
	assert_string_equal(diag, "not in the credential's access control policy");
	free(diag);
	assert_int_equal(m2mv_tef_retrieve(t3, "15-0123@" FQDN, &jwk, &diag),
			 -ENOENT);
	assert_string_equal(diag, "unknown credential");
	free(diag);
	assert_int_equal(m2mv_tef_retrieve(t3, "not an id", &jwk, NULL),
			 -EINVAL);

	/* Only the owner revokes; then nobody retrieves. */
	assert_int_equal(m2mv_tef_revoke(t2, reg.creds[0].id), -EPERM);
	assert_int_equal(m2mv_tef_revoke(t1, reg.creds[0].id), 0);
	assert_int_equal(m2mv_tef_retrieve(t2, reg.creds[0].id, &jwk, &diag),
			 -ENOENT);
	assert_string_equal(diag, "revoked");
	free(diag);
	assert_int_equal(m2mv_tef_retrieve(t2, reg.creds[1].id, &jwk, NULL), 0);
	jwk_key(jwk, got);
	assert_int_equal(m2mv_tef_revoke(t1, "16-0123@" FQDN), -ENOENT);

	m2mv_tef_close(t1);
	m2mv_tef_close(t2);
	m2mv_tef_close(t3);
	assert_true(log_has("identity kpm-ae3: not in the credential's access control policy"));
	assert_true(log_has("identity kpm-ae2: only the owner may revoke"));
}

static void test_blockwise(void **state)
{
	static char names[M2MV_TEF_MAX_TARGETS][TEF_ID_MAX + 1];
	const char *targets[M2MV_TEF_MAX_TARGETS];
	unsigned int types[] = { 14 };
	struct m2mv_tef_reg_req req = {
		.targets = targets, .lifetime = 60, .types = types,
		.n_types = 1,
	};
	struct m2mv_tef_reg reg;
	struct m2mv_tef *t;
	void *jwk;
	size_t i;

	(void)state;
	/* 32 targets of 100 bytes: some 3.4 KB, several Block1 blocks. */
	for (i = 0; i < M2MV_TEF_MAX_TARGETS; i++) {
		snprintf(names[i], sizeof(names[i]), "C%02zu", i);
		memset(names[i] + 3, 'x', 97);
		names[i][100] = '\0';
		targets[i] = names[i];
	}
	req.n_targets = M2MV_TEF_MAX_TARGETS;
	strcpy(names[31], "Cae2");
	assert_int_equal(connect_as("kpm-ae1", kpm1, sizeof(kpm1), 3000, &t), 0);
	assert_int_equal(m2mv_tef_register(t, &req, &reg), 0);
	m2mv_tef_close(t);
	assert_int_equal(connect_as("kpm-ae2", kpm2, sizeof(kpm2), 3000, &t), 0);
	assert_int_equal(m2mv_tef_retrieve(t, reg.creds[0].id, &jwk, NULL), 0);
	json_decref(jwk);
	m2mv_tef_close(t);

	/* 32 of 128 bytes: over 4 KiB, refused as 4.13. */
	for (i = 0; i < M2MV_TEF_MAX_TARGETS; i++) {
		memset(names[i] + 3, 'y', TEF_ID_MAX - 3);
		names[i][TEF_ID_MAX] = '\0';
	}
	assert_int_equal(connect_as("kpm-ae1", kpm1, sizeof(kpm1), 3000, &t), 0);
	assert_int_equal(m2mv_tef_register(t, &req, &reg), -E2BIG);
	/* The session still serves. */
	req.n_targets = 1;
	assert_int_equal(m2mv_tef_register(t, &req, &reg), 0);
	m2mv_tef_close(t);
	assert_true(log_has("body larger than 4096 bytes"));
}

static void test_client_checks(void **state)
{
	const char *targets[] = { "Cae2", NULL };
	const char *bad_utf8[] = { "\xff\xfe" };
	unsigned int types[] = { 16 };
	struct m2mv_tef_reg_req req = {
		.targets = targets, .n_targets = 1, .lifetime = 60,
		.types = types, .n_types = 1,
	};
	struct m2mv_tef_reg reg;
	struct m2mv_tef *t;

	(void)state;
	assert_int_equal(connect_as("kpm-ae1", kpm1, sizeof(kpm1), 3000, &t), 0);
	req.lifetime = 0;
	assert_int_equal(m2mv_tef_register(t, &req, &reg), -EINVAL);
	req.lifetime = M2MV_TEF_MAX_LIFETIME + 1;
	assert_int_equal(m2mv_tef_register(t, &req, &reg), -EINVAL);
	req.lifetime = 60;
	req.n_targets = 2;
	assert_int_equal(m2mv_tef_register(t, &req, &reg), -EINVAL);
	req.n_targets = 1;
	req.targets = bad_utf8;
	assert_int_equal(m2mv_tef_register(t, &req, &reg), -EINVAL);
	req.targets = targets;
	req.n_types = 0;
	assert_int_equal(m2mv_tef_register(t, &req, &reg), -EINVAL);
	/* The TEF's own checks: bad type, 14 with 15, a repeated target. */
	types[0] = 13;
	req.n_types = 1;
	assert_int_equal(m2mv_tef_register(t, &req, &reg), -EINVAL);
	m2mv_tef_close(t);
	assert_true(log_has("types are 14, 15 or 16"));
}

static void test_expired(void **state)
{
	unsigned int types[] = { 16 };
	struct m2mv_tef_reg_req req = { .lifetime = 1, .types = types,
					.n_types = 1 };
	struct m2mv_tef_reg reg;
	struct m2mv_tef *t;
	char *diag = NULL;
	void *jwk;

	(void)state;
	assert_int_equal(connect_as("kpm-ae1", kpm1, sizeof(kpm1), 3000, &t), 0);
	assert_int_equal(m2mv_tef_register(t, &req, &reg), 0);
	sleep(2);
	assert_int_equal(m2mv_tef_retrieve(t, reg.creds[0].id, &jwk, &diag),
			 -ENOENT);
	assert_string_equal(diag, "expired");
	free(diag);
	m2mv_tef_close(t);
}

static void test_reenrol(void **state)
{
	unsigned int types[] = { 16 };
	struct m2mv_tef_reg_req req = { .lifetime = 60, .types = types,
					.n_types = 1 };
	struct m2mv_tef_reg reg;
	struct m2mv_tef *t, *u;

	(void)state;
	assert_int_equal(connect_as("kpm-ae2", kpm2, sizeof(kpm2), 3000, &t), 0);
	assert_int_equal(m2mv_tef_register(t, &req, &reg), 0);
	/* A new key for the enrolee, while the server runs. */
	assert_int_equal(enrol("kpm-ae2", "Cae2", kpm2b, sizeof(kpm2b)), 0);
	assert_int_equal(m2mv_tef_register(t, &req, &reg), -EACCES);
	m2mv_tef_close(t);
	assert_int_equal(connect_as("kpm-ae2", kpm2b, sizeof(kpm2b), 3000, &u), 0);
	assert_int_equal(m2mv_tef_register(u, &req, &reg), 0);
	m2mv_tef_close(u);
	assert_true(log_has("enrolled again with another key"));
}

static void fill(struct m2mv_tef_anchor *a, uint64_t seq, uint8_t b)
{
	memset(a, 0, sizeof(*a));
	a->seq = seq;
	memset(a->chain, b, sizeof(a->chain));
}

/* Anchors: kept per enrolee and store, returned only to their owner. */
static void test_anchor(void **state)
{
	struct m2mv_tef_anchor a, got;
	struct m2mv_tef *t1, *t3;
	time_t now = time(NULL);

	(void)state;
	assert_int_equal(connect_as("kpm-ae1", kpm1, sizeof(kpm1), 3000, &t1), 0);
	assert_int_equal(connect_as("kpm-ae3", kpm3, sizeof(kpm3), 3000, &t3), 0);
	assert_int_equal(m2mv_tef_anchor_get(t1, "gw1", &got), -ENOENT);

	fill(&a, 5, 0xa5);
	assert_int_equal(m2mv_tef_anchor_put(t1, "gw1", &a), 0);
	assert_int_equal(m2mv_tef_anchor_get(t1, "gw1", &got), 0);
	assert_true(got.seq == 5);
	assert_memory_equal(got.chain, a.chain, sizeof(a.chain));
	assert_true(got.updated >= now - 5 && got.updated <= time(NULL) + 5);
	assert_true(log_has("anchor of store gw1 by Cae1: seq 5 (first)"));

	/* Another enrolee neither sees nor touches it. */
	assert_int_equal(m2mv_tef_anchor_get(t3, "gw1", &got), -ENOENT);
	assert_int_equal(m2mv_tef_anchor_drop(t3, "gw1"), -ENOENT);
	fill(&a, 9, 0x39);
	assert_int_equal(m2mv_tef_anchor_put(t3, "gw1", &a), 0);
	assert_int_equal(m2mv_tef_anchor_get(t1, "gw1", &got), 0);
	assert_true(got.seq == 5 && got.chain[0] == 0xa5);
	assert_int_equal(m2mv_tef_anchor_get(t3, "gw1", &got), 0);
	assert_true(got.seq == 9 && got.chain[0] == 0x39);

	/* A lower seq (compaction numbers afresh) replaces it, logged. */
	fill(&a, 2, 0x02);
	assert_int_equal(m2mv_tef_anchor_put(t1, "gw1", &a), 0);
	assert_int_equal(m2mv_tef_anchor_get(t1, "gw1", &got), 0);
	assert_true(got.seq == 2 && got.chain[31] == 0x02);
	assert_true(log_has("anchor of store gw1 by Cae1: seq 2, lower than 5"));
	/* Stores are apart. */
	assert_int_equal(m2mv_tef_anchor_get(t1, "gw2", &got), -ENOENT);

	/* Names the module would refuse never leave the client. */
	assert_int_equal(m2mv_tef_anchor_put(t1, "a/b", &a), -EINVAL);
	assert_int_equal(m2mv_tef_anchor_get(t1, "", &got), -EINVAL);

	assert_int_equal(m2mv_tef_anchor_drop(t1, "gw1"), 0);
	assert_int_equal(m2mv_tef_anchor_get(t1, "gw1", &got), -ENOENT);
	assert_int_equal(m2mv_tef_anchor_drop(t1, "gw1"), -ENOENT);
	assert_int_equal(m2mv_tef_anchor_get(t3, "gw1", &got), 0);
	assert_true(log_has("anchor of store gw1 dropped by Cae1"));
	assert_true(log_has("refused anchor fetch from 127.0.0.1:"));
	m2mv_tef_close(t1);
	m2mv_tef_close(t3);
}

/* The standard's fields, and a registration update, over the wire. */
static void test_fields_update(void **state)
{
	const char *targets[] = { "Cae2" }, *t3[] = { "Cae3" };
	const char *labels[] = { "gw=1", "site/a" };
	unsigned int types[] = { 15 };
	struct m2mv_tef_reg_req req = {
		.targets = targets, .n_targets = 1, .lifetime = 600,
		.types = types, .n_types = 1, .suid = 24, .labels = labels,
		.n_labels = 2, .admin = "adm.example.com",
	};
	struct m2mv_tef_update_req u = { .set_targets = 1, .targets = t3,
					 .n_targets = 1 };
	struct m2mv_tef_update got;
	struct m2mv_tef *t1, *t2, *t3s;
	char id[M2MV_CREDID_BUFSZ];
	struct m2mv_tef_reg reg;
	time_t now = time(NULL);
	void *jwk;

	(void)state;
	assert_int_equal(connect_as("kpm-ae1", kpm1, sizeof(kpm1), 3000, &t1), 0);
	assert_int_equal(m2mv_tef_register(t1, &req, &reg), 0);
	assert_string_equal(reg.owner, "Cae1");
	assert_string_equal(reg.admin, "adm.example.com");
	assert_int_equal(reg.creds[0].suid, 24);
	assert_true(log_has("labels 2 admin adm.example.com"));
	/* No admin asked for: the TEF's --admin. An absolute expiry. */
	req.admin = NULL;
	req.suid = 0;
	req.lifetime = 0;
	req.expires = now + 300;
	assert_int_equal(m2mv_tef_register(t1, &req, &reg), 0);
	assert_string_equal(reg.admin, "ops.example.com");
	assert_true(reg.expires == now + 300);
	strcpy(id, reg.creds[0].id);
	/* Refused before sending: both expiries, a bad label or SUID. */
	req.lifetime = 60;
	assert_int_equal(m2mv_tef_register(t1, &req, &reg), -EINVAL);
	req.expires = 0;
	req.suid = 25;
	assert_int_equal(m2mv_tef_register(t1, &req, &reg), -EINVAL);
	req.suid = 0;
	labels[1] = "a b";
	assert_int_equal(m2mv_tef_register(t1, &req, &reg), -EINVAL);
	labels[1] = "gw=1";
	assert_int_equal(m2mv_tef_register(t1, &req, &reg), -EINVAL);
	labels[1] = "site/a";
	req.admin = "bad_admin";
	assert_int_equal(m2mv_tef_register(t1, &req, &reg), -EINVAL);
	req.admin = NULL;

	/* The update: Cae3 in, Cae2 out; then a new expiry. */
	assert_int_equal(m2mv_tef_update(t1, id, &u, &got), 0);
	assert_int_equal(got.expires, 0);
	assert_int_equal(connect_as("kpm-ae2", kpm2b, sizeof(kpm2b), 3000, &t2), 0);
	assert_int_equal(connect_as("kpm-ae3", kpm3, sizeof(kpm3), 3000, &t3s), 0);
	assert_int_equal(m2mv_tef_retrieve(t3s, id, &jwk, NULL), 0);
	json_decref(jwk);
	assert_int_equal(m2mv_tef_retrieve(t2, id, &jwk, NULL),
			 -EPERM);
	memset(&u, 0, sizeof(u));
	u.lifetime = 900;
	assert_int_equal(m2mv_tef_update(t1, id, &u, &got), 0);
	assert_true(got.expires >= now + 900 && got.expires <= time(NULL) + 900);
	assert_true(log_has("updated "));
	/* Only the owner; something to update; a live credential. */
	assert_int_equal(m2mv_tef_update(t3s, id, &u, &got), -EPERM);
	assert_true(log_has("only the owner may update a registration"));
	memset(&u, 0, sizeof(u));
	assert_int_equal(m2mv_tef_update(t1, id, &u, &got), -EINVAL);
	u.set_labels = 1;
	assert_int_equal(m2mv_tef_update(t1, id, &u, NULL), 0);
	/* De-registration: then nothing is left to update or retrieve. */
	assert_int_equal(m2mv_tef_revoke(t1, id), 0);
	assert_int_equal(m2mv_tef_update(t1, id, &u, NULL), -ENOENT);
	assert_int_equal(m2mv_tef_retrieve(t3s, id, &jwk, NULL),
			 -ENOENT);
	m2mv_tef_close(t1);
	m2mv_tef_close(t2);
	m2mv_tef_close(t3s);
}

/*
 * A TEF that chooses its own RelativeKeyIDs: the client takes them, the
 * keys are the same derivation, and the IDs work for retrieval. Then the
 * test modes: a reply with a bad ID is refused.
 */
static void test_assigned_ids(void **state)
{
	static const char *const bad[] = {
		"test-malformed", "test-wrong-type", "test-duplicate",
		"test-foreign",
	};
	const char *targets[] = { "Cae2" };
	unsigned int types[] = { 15, 16 }, one[] = { 16 };
	struct m2mv_tef_reg_req req = {
		.targets = targets, .n_targets = 1, .lifetime = 600,
		.types = types, .n_types = 2,
	};
	char seed[M2MV_CREDID_BUFSZ];
	uint8_t mine[M2MV_KEY_LEN], got[M2MV_KEY_LEN];
	struct m2mv_tef *t1, *t2;
	struct m2mv_tef_reg reg;
	void *jwk;
	size_t i, j;

	(void)state;
	respawn("random");
	assert_int_equal(connect_as("kpm-ae1", kpm1, sizeof(kpm1), 3000, &t1), 0);
	assert_int_equal(connect_as("kpm-ae2", kpm2b, sizeof(kpm2b), 3000, &t2), 0);
	assert_int_equal(m2mv_tef_register(t1, &req, &reg), 0);
	assert_int_equal(reg.n_creds, 2);
	for (i = 0; i < reg.n_creds; i++) {
		assert_int_equal(m2mv_kdf_credid(seed, sizeof(seed),
						 reg.creds[i].type,
						 m2mv_tef_ke(t1)->keid,
						 reg.salt, FQDN), 0);
		assert_string_not_equal(reg.creds[i].id, seed);
		assert_true(m2mv_tef_assigned_ok(reg.creds[i].id,
						 reg.creds[i].type, FQDN));
		assert_int_equal(m2mv_kdf_credential_key(m2mv_tef_ke(t1)->ke,
							 reg.salt,
							 reg.creds[i].type,
							 mine), 0);
		assert_int_equal(m2mv_tef_retrieve(t2, reg.creds[i].id, &jwk,
						   NULL), 0);
		jwk_key(jwk, got);
		assert_memory_equal(mine, got, sizeof(got));
	}
	m2mv_tef_close(t1);
	m2mv_tef_close(t2);
	for (j = 0; j < sizeof(bad) / sizeof(bad[0]); j++) {
		respawn(bad[j]);
		assert_int_equal(connect_as("kpm-ae1", kpm1, sizeof(kpm1), 3000,
					    &t1), 0);
		req.types = types;
		req.n_types = 2;
		assert_int_equal(m2mv_tef_register(t1, &req, &reg), -EPROTO);
		req.types = one;
		req.n_types = 1;
		assert_int_equal(m2mv_tef_register(t1, &req, &reg), -EPROTO);
		m2mv_tef_close(t1);
	}
	respawn("seed");
	OPENSSL_cleanse(mine, sizeof(mine));
	OPENSSL_cleanse(got, sizeof(got));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake),
		cmocka_unit_test(test_sni_name),
		cmocka_unit_test(test_sni),
		cmocka_unit_test(test_register_retrieve_revoke),
		cmocka_unit_test(test_blockwise),
		cmocka_unit_test(test_client_checks),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_anchor),
		cmocka_unit_test(test_reenrol),
		cmocka_unit_test(test_fields_update),
		cmocka_unit_test(test_assigned_ids),
	};

	return cmocka_run_group_tests(tests, start, stop);
}
