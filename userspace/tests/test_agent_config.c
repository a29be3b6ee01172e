// SPDX-License-Identifier: GPL-2.0
/*
 * m2mvaultd's configuration: every key, its defaults, and an error with
 * the right line for each way of getting it wrong.
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

#define BASE \
	"[tef]\n" \
	"host = 127.0.0.1\n" \
	"fqdn = tef.example.com\n" \
	"identity = kpm-gw1\n" \
	"psk_file = /etc/m2mvault/kpm.psk\n" \
	"[store]\n" \
	"name = gw1\n" \
	"file = /var/lib/m2mvault/gw1.store\n"

struct fix {
	struct agent_config cfg;
	char err[1024];
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static int parse(struct fix *f, const char *text)
{
	return agent_config_parse("t.conf", text, &f->cfg, f->err,
				  sizeof(f->err));
}

/* Parsing @text fails with exactly @want. */
static void fails(struct fix *f, const char *text, const char *want)
{
	int ret = parse(f, text);

	if (ret != -EINVAL || strcmp(f->err, want))
		fail_msg("got %d \"%s\", want \"%s\"", ret, f->err, want);
}

static void test_minimal_defaults(void **state)
{
	struct fix *f = *state;
	struct agent_config *c = &f->cfg;

	assert_int_equal(parse(f, BASE "[policy /cse/]\n"), 0);
	assert_string_equal(f->err, "");
	assert_string_equal(c->tef_host, "127.0.0.1");
	assert_int_equal(c->tef_port, 5684);
	assert_string_equal(c->tef_fqdn, "tef.example.com");
	assert_string_equal(c->tef_identity, "kpm-gw1");
	assert_string_equal(c->tef_psk_file, "/etc/m2mvault/kpm.psk");
	assert_int_equal(c->tef_timeout_ms, 5000);
	assert_int_equal(c->n_targets, 0);
	assert_int_equal(c->lifetime, 86400);
	assert_int_equal(c->renew_before, 21600);	/* a quarter */
	assert_int_equal(c->keyring_mode, AGENT_KEYRING_SESSION);
	assert_string_equal(c->keyring_name, "m2mvault");
	assert_false(c->have_cse_uid);
	assert_false(c->have_cse_gid);
	assert_string_equal(c->store_name, "gw1");
	assert_string_equal(c->store_file, "/var/lib/m2mvault/gw1.store");
	assert_string_equal(c->state_file, "/var/lib/m2mvault/gw1.store.state");
	assert_int_equal(c->store_key_lifetime, 31536000);
	assert_int_equal(c->store_owner, 0);
	assert_int_equal(c->store_group, 0);
	assert_int_equal(c->store_perm, 0600);
	assert_int_equal(c->anchor, AGENT_ANCHOR_TEF);
	assert_int_equal(c->anchor_interval, 30);
	assert_int_equal(c->n_policies, 1);
	assert_string_equal(c->policies[0].prefix, "/cse/");
	assert_int_equal(c->policies[0].mode, M2MV_MODE_WRAP);
	assert_int_equal(c->policies[0].flags, 0);
	assert_int_equal(c->policies[0].line, 9);
}

static void test_every_key(void **state)
{
	struct fix *f = *state;
	struct agent_config *c = &f->cfg;
	static const char text[] =
		"; a comment\n"
		"# another\n"
		"[tef]\n"
		"  host = tef.local   ; inline comment\n"
		"port = 15684\n"
		"fqdn = tef.example.com\n"
		"identity = kpm:gw1/a_b.c-d\n"
		"psk_file = /k.psk\n"
		"timeout_ms = 2500\n"
		"[credentials]\n"
		"targets = Cae2, Cae3  /x/ae4\n"
		"targets = Cae5\n"
		"labels = site=lab, gw/1\n"
		"labels = x+y\n"
		"admin = ops.example.com\n"
		"lifetime = 2h\n"
		"renew_before = 15m\n"
		"[keyring]\n"
		"mode = session\n"
		"name = cse-gw1\n"
		"cse_gid = 4242\n"
		"[store]\n"
		"name = gw1.a-b_c\n"
		"file = /s/gw1.store\n"
		"state = /s/gw1.state\n"
		"store_key_lifetime = 30d\n"
		"owner = 4241\n"
		"group = 4242\n"
		"mode = 0640\n"
		"[ policy /cse/a/ ]\n"
		"mode = dir\n"
		"keys = instance\n"
		"[policy /cse/b/]\n"
		"mode = mic\n"
		"[policy]\n"
		"mode = wrap\n"
		"keys = container\n";

	assert_int_equal(parse(f, text), 0);
	assert_string_equal(c->tef_host, "tef.local");
	assert_int_equal(c->tef_port, 15684);
	assert_string_equal(c->tef_identity, "kpm:gw1/a_b.c-d");
	assert_int_equal(c->tef_timeout_ms, 2500);
	assert_int_equal(c->n_targets, 4);
	assert_string_equal(c->targets[0], "Cae2");
	assert_string_equal(c->targets[1], "Cae3");
	assert_string_equal(c->targets[2], "/x/ae4");
	assert_string_equal(c->targets[3], "Cae5");
	assert_int_equal(c->n_labels, 3);
	assert_string_equal(c->labels[0], "site=lab");
	assert_string_equal(c->labels[2], "x+y");
	assert_string_equal(c->admin, "ops.example.com");
	assert_int_equal(c->lifetime, 7200);
	assert_int_equal(c->renew_before, 900);
	assert_string_equal(c->keyring_name, "cse-gw1");
	assert_true(c->have_cse_gid);
	assert_int_equal(c->cse_gid, 4242);
	assert_string_equal(c->store_name, "gw1.a-b_c");
	assert_string_equal(c->state_file, "/s/gw1.state");
	assert_int_equal(c->store_key_lifetime, 30 * 86400);
	assert_int_equal(c->store_owner, 4241);
	assert_int_equal(c->store_group, 4242);
	assert_int_equal(c->store_perm, 0640);
	assert_int_equal(c->n_policies, 3);
	assert_string_equal(c->policies[0].prefix, "/cse/a/");
	assert_int_equal(c->policies[0].mode, M2MV_MODE_DIR);
	assert_int_equal(c->policies[0].flags, M2MV_POLICY_F_INSTANCE);
	assert_int_equal(c->policies[1].mode, M2MV_MODE_MIC);
	assert_string_equal(c->policies[2].prefix, "");
	assert_int_equal(c->policies[2].mode, M2MV_MODE_WRAP);
	assert_int_equal(c->policies[2].line, 35);
}

static void test_user_mode(void **state)
{
	struct fix *f = *state;

	assert_int_equal(parse(f, BASE "[keyring]\nmode = user\ncse_uid = 1234\n"
				  "[policy \"\"]\n"), 0);
	assert_int_equal(f->cfg.keyring_mode, AGENT_KEYRING_USER);
	assert_int_equal(f->cfg.cse_uid, 1234);
	assert_string_equal(f->cfg.policies[0].prefix, "");
	/* (Names go through NSS, which leaves dlopen()ed modules behind for
	 * valgrind to report: only numbers here.) */
	fails(f, BASE "[keyring]\nmode = user\n[policy /]\n",
	      "t.conf:10: [keyring] mode = user needs cse_uid (whose user keyring)");
	fails(f, BASE "[keyring]\nmode = user\ncse_uid = 1\ncse_gid = 2\n[policy /]\n",
	      "t.conf:12: [keyring] cse_gid is for mode = session (who may join the keyring)");
	fails(f, BASE "[keyring]\ncse_uid = 1\n[policy /]\n",
	      "t.conf:10: [keyring] cse_uid is for mode = user; in session mode cse_gid says who may join");
	fails(f, BASE "[keyring]\nmode = shared\n[policy /]\n",
	      "t.conf:10: [keyring] mode: session or user, not 'shared'");
	fails(f, BASE "[keyring]\nname = .hidden\n[policy /]\n",
	      "t.conf:10: [keyring] name: 1 to 64 characters of [A-Za-z0-9._:-], not starting with '.' or '_', not '.hidden'");
	fails(f, BASE "[keyring]\nname = _uid.0\n[policy /]\n",
	      "t.conf:10: [keyring] name: 1 to 64 characters of [A-Za-z0-9._:-], not starting with '.' or '_', not '_uid.0'");
}

/* [store] owner, group, mode: numbers only (see test_user_mode). */
static void test_store_grant(void **state)
{
	struct fix *f = *state;

	assert_int_equal(parse(f, BASE "group = 4242\nmode = 660\n[policy /]\n"), 0);
	assert_int_equal(f->cfg.store_owner, 0);
	assert_int_equal(f->cfg.store_group, 4242);
	assert_int_equal(f->cfg.store_perm, 0660);
	assert_int_equal(parse(f, BASE "mode = 0\n[policy /]\n"), 0);
	assert_int_equal(f->cfg.store_perm, 0);
	assert_int_equal(parse(f, BASE "mode = 0777\n[policy /]\n"), 0);
	assert_int_equal(f->cfg.store_perm, 0777);
	fails(f, BASE "mode = 0800\n[policy /]\n",
	      "t.conf:9: [store] mode: permission bits in octal, 0 to 0777 (e.g. 0660), not '0800'");
	fails(f, BASE "mode = 1777\n[policy /]\n",
	      "t.conf:9: [store] mode: permission bits in octal, 0 to 0777 (e.g. 0660), not '1777'");
	fails(f, BASE "mode = 00660\n[policy /]\n",
	      "t.conf:9: [store] mode: permission bits in octal, 0 to 0777 (e.g. 0660), not '00660'");
	fails(f, BASE "mode = rw-rw----\n[policy /]\n",
	      "t.conf:9: [store] mode: permission bits in octal, 0 to 0777 (e.g. 0660), not 'rw-rw----'");
	fails(f, BASE "mode = \n[policy /]\n",
	      "t.conf:9: [store] mode: permission bits in octal, 0 to 0777 (e.g. 0660), not ''");
	fails(f, BASE "group = 1\ngroup = 2\n[policy /]\n",
	      "t.conf:10: [store] group is set twice (first at line 9)");
}

static void test_anchor(void **state)
{
	struct fix *f = *state;

	assert_int_equal(parse(f, BASE "anchor = none\n[policy /]\n"), 0);
	assert_int_equal(f->cfg.anchor, AGENT_ANCHOR_NONE);
	assert_int_equal(parse(f, BASE "anchor = tef\nanchor_interval = 5m\n[policy /]\n"), 0);
	assert_int_equal(f->cfg.anchor, AGENT_ANCHOR_TEF);
	assert_int_equal(f->cfg.anchor_interval, 300);
	assert_int_equal(parse(f, BASE "anchor_interval = 1\n[policy /]\n"), 0);
	assert_int_equal(f->cfg.anchor_interval, 1);
	assert_int_equal(f->cfg.tpm_nv_index, AGENT_DEFAULT_TPM_NV_INDEX);
	assert_string_equal(f->cfg.tpm_tcti, AGENT_DEFAULT_TPM_TCTI);
	fails(f, BASE "anchor = disk\n[policy /]\n",
	      "t.conf:9: [store] anchor: 'tef', 'tpm' or 'none', not 'disk'");
	fails(f, BASE "anchor_interval = 0\n[policy /]\n",
	      "t.conf:9: [store] anchor_interval: 1 s to 1 d, not '0'");
	fails(f, BASE "anchor_interval = 2d\n[policy /]\n",
	      "t.conf:9: [store] anchor_interval: 1 s to 1 d, not '2d'");
	fails(f, BASE "anchor = none\nanchor_interval = 10\n[policy /]\n",
	      "t.conf:10: [store] anchor_interval has no use with anchor = none");
	fails(f, BASE "anchor = tef\nanchor = none\n[policy /]\n",
	      "t.conf:10: [store] anchor is set twice (first at line 9)");
}

/* anchor = tpm: its index, its TCTI, and a longer default interval. */
static void test_anchor_tpm(void **state)
{
	struct fix *f = *state;

	assert_int_equal(parse(f, BASE "anchor = tpm\n[policy /]\n"), 0);
	assert_int_equal(f->cfg.anchor, AGENT_ANCHOR_TPM);
	assert_int_equal(f->cfg.anchor_interval, AGENT_DEFAULT_TPM_INTERVAL);
	assert_int_equal(f->cfg.tpm_nv_index, AGENT_DEFAULT_TPM_NV_INDEX);
	assert_string_equal(f->cfg.tpm_tcti, "device:/dev/tpmrm0");
	assert_int_equal(parse(f, BASE "anchor = tpm\nanchor_interval = 20\n"
			       "tpm_nv_index = 0x01bfffff\n"
			       "tpm_tcti = swtpm:host=127.0.0.1,port=2321\n"
			       "[policy /]\n"), 0);
	assert_int_equal(f->cfg.anchor_interval, 20);
	assert_int_equal(f->cfg.tpm_nv_index, 0x01bfffff);
	assert_string_equal(f->cfg.tpm_tcti, "swtpm:host=127.0.0.1,port=2321");
	assert_int_equal(parse(f, BASE "tpm_nv_index = 0x1800000\n"
			       "anchor = tpm\n[policy /]\n"), 0);
	assert_int_equal(f->cfg.tpm_nv_index, AGENT_TPM_NV_FIRST);
	fails(f, BASE "anchor = tpm\ntpm_nv_index = 0x017fffff\n[policy /]\n",
	      "t.conf:10: [store] tpm_nv_index: an NV index of the owner range, 0x01800000 to 0x01bfffff, not '0x017fffff'");
	fails(f, BASE "anchor = tpm\ntpm_nv_index = 0x01c00000\n[policy /]\n",
	      "t.conf:10: [store] tpm_nv_index: an NV index of the owner range, 0x01800000 to 0x01bfffff, not '0x01c00000'");
	fails(f, BASE "anchor = tpm\ntpm_nv_index = 25165824\n[policy /]\n",
	      "t.conf:10: [store] tpm_nv_index: an NV index of the owner range, 0x01800000 to 0x01bfffff, not '25165824'");
	fails(f, BASE "anchor = tpm\ntpm_nv_index = 0x0180000g\n[policy /]\n",
	      "t.conf:10: [store] tpm_nv_index: an NV index of the owner range, 0x01800000 to 0x01bfffff, not '0x0180000g'");
	fails(f, BASE "anchor = tef\ntpm_nv_index = 0x01800000\n[policy /]\n",
	      "t.conf:10: [store] tpm_nv_index has no use without anchor = tpm");
	fails(f, BASE "tpm_tcti = device:/dev/tpm0\n[policy /]\n",
	      "t.conf:9: [store] tpm_tcti has no use without anchor = tpm");
}

static void test_missing(void **state)
{
	struct fix *f = *state;

	fails(f, "[store]\nname = a\nfile = /a\n[policy /]\n",
	      "t.conf: missing section [tef] (with 'host')");
	fails(f, "[tef]\nhost = h\nidentity = i\npsk_file = /p\n"
	      "[store]\nname = a\nfile = /a\n[policy /]\n",
	      "t.conf:1: [tef] needs 'fqdn'");
	fails(f, "[tef]\nhost = h\nfqdn = f\nidentity = i\npsk_file = /p\n"
	      "[store]\nfile = /a\n[policy /]\n",
	      "t.conf:6: [store] needs 'name'");
	fails(f, BASE, "t.conf: no [policy PREFIX] section: nothing would be protected");
}

static void test_syntax(void **state)
{
	struct fix *f = *state;
	char text[4096];
	int n;

	fails(f, BASE "[policy /]\nthis line is wrong\n",
	      "t.conf:10: expected '[section]', 'key = value' or a comment");
	fails(f, "host = x\n" BASE,
	      "t.conf:1: 'host' before any [section]");
	fails(f, BASE "[policy /\n",
	      "t.conf:9: a section header is '[NAME]'");
	fails(f, BASE "[tls]\nx = 1\n",
	      "t.conf:9: unknown section [tls] (sections: tef, credentials, keyring, store, policy PREFIX)");
	fails(f, BASE "[tef]\n[policy /]\n",
	      "t.conf:9: section [tef] appears twice (first at line 1)");
	fails(f, BASE "[policy /]\n[policy /]\n",
	      "t.conf:10: [policy /] appears twice (first at line 9)");
	fails(f, BASE "[policy /]\nmode = wrap\nmode = dir\n",
	      "t.conf:11: [policy /]: 'mode' is set twice (first at line 10)");
	fails(f, BASE "[policy /]\ncipher = aes\n",
	      "t.conf:10: [policy /]: unknown key 'cipher' (keys: mode, keys, profile)");
	fails(f, "[tef]\nhost = a\nhost = b\n",
	      "t.conf:3: [tef] host is set twice (first at line 2)");
	fails(f, BASE "[store]\n",
	      "t.conf:9: section [store] appears twice (first at line 6)");
	fails(f, BASE "[tef]\n", "t.conf:9: section [tef] appears twice (first at line 1)");
	fails(f, BASE "[policy /]\n[tef]\nretries = 3\n",
	      "t.conf:10: section [tef] appears twice (first at line 1)");
	fails(f, "[credentials]\nretries = 3\n",
	      "t.conf:2: [credentials]: unknown key 'retries'");

	/* inih cuts lines at 200 bytes: the agent refuses them instead. */
	n = snprintf(text, sizeof(text), BASE "[policy /]\n[credentials]\ntargets = ");
	memset(text + n, 'a', 250);
	strcpy(text + n + 250, "\n");
	fails(f, text, "t.conf:11: line longer than 198 characters (inih's limit for 'key = value')");
	/* Section headers are read by the agent and may be longer. */
	n = snprintf(text, sizeof(text), BASE "[policy /");
	memset(text + n, 'p', 400);
	strcpy(text + n + 400, "/]\nmode = mic\n");
	assert_int_equal(parse(f, text), 0);
	assert_int_equal(strlen(f->cfg.policies[0].prefix), 402);
	assert_int_equal(f->cfg.policies[0].mode, M2MV_MODE_MIC);
	/* Comments may be longer still. */
	n = snprintf(text, sizeof(text), "# ");
	memset(text + n, 'c', 900);
	strcpy(text + n + 900, "\n" BASE "[policy /]\n");
	assert_int_equal(parse(f, text), 0);
	/* Beyond the agent's own buffer. */
	n = snprintf(text, sizeof(text), BASE "[policy /");
	memset(text + n, 'p', 1100);
	strcpy(text + n + 1100, "/]\n");
	fails(f, text, "t.conf:9: line longer than 1024 characters");
}

static void test_values(void **state)
{
	struct fix *f = *state;
	char text[8192];
	size_t n;
	int i;

	fails(f, BASE "[policy /]\nmode = none\n",
	      "t.conf:10: [policy /]: mode is wrap, dir or mic, not 'none'");
	fails(f, BASE "[policy /]\nkeys = record\n",
	      "t.conf:10: [policy /]: keys is container or instance, not 'record'");
	fails(f, BASE "[policy /cse/a b/]\n",
	      "t.conf:9: [policy /cse/a b/]: a prefix is at most 512 characters of [A-Za-z0-9._~/-]");
	fails(f, BASE "[policy /cse/$x]\n",
	      "t.conf:9: [policy /cse/$x]: a prefix is at most 512 characters of [A-Za-z0-9._~/-]");
	fails(f, "[tef]\nport = 0\n", "t.conf:2: [tef] port: 1 to 65535, not '0'");
	fails(f, "[tef]\nport = 65536\n", "t.conf:2: [tef] port: 1 to 65535, not '65536'");
	fails(f, "[tef]\nport = -1\n", "t.conf:2: [tef] port: 1 to 65535, not '-1'");
	fails(f, "[tef]\nport = 12x\n", "t.conf:2: [tef] port: 1 to 65535, not '12x'");
	fails(f, "[tef]\nhost = a b\n",
	      "t.conf:2: [tef] host: an address or host name, not 'a b'");
	fails(f, "[tef]\nhost =\n", "t.conf:2: [tef] host: an address or host name, not ''");
	fails(f, "[tef]\nfqdn = tef_example\n",
	      "t.conf:2: [tef] fqdn: 1 to 253 characters of [A-Za-z0-9.-], not 'tef_example'");
	fails(f, "[tef]\nidentity = kpm gw1\n",
	      "t.conf:2: [tef] identity: the KpmId, 1 to 128 characters of [A-Za-z0-9._:/-], not 'kpm gw1'");
	fails(f, "[tef]\ntimeout_ms = 99\n",
	      "t.conf:2: [tef] timeout_ms: 100 to 600000 milliseconds, not '99'");
	fails(f, "[credentials]\nlifetime = 1\n",
	      "t.conf:2: [credentials] lifetime: 2 s to 365 d (a number of seconds, or with s, m, h or d), not '1'");
	fails(f, "[credentials]\nlifetime = 366d\n",
	      "t.conf:2: [credentials] lifetime: 2 s to 365 d (a number of seconds, or with s, m, h or d), not '366d'");
	fails(f, "[credentials]\nlifetime = 1w\n",
	      "t.conf:2: [credentials] lifetime: 2 s to 365 d (a number of seconds, or with s, m, h or d), not '1w'");
	fails(f, "[credentials]\nrenew_before = 0\n",
	      "t.conf:2: [credentials] renew_before: 1 s to 365 d, not '0'");
	fails(f, BASE "[policy /]\n[credentials]\nlifetime = 60\nrenew_before = 60\n",
	      "t.conf:12: [credentials] renew_before (60 s) must be less than lifetime (60 s)");
	fails(f, BASE "[policy /]\n[credentials]\nrenew_before = 1d\n",
	      "t.conf:11: [credentials] renew_before (86400 s) must be less than lifetime (86400 s)");
	fails(f, "[credentials]\ntargets = Cae2 Ca$e3\n",
	      "t.conf:2: [credentials] targets: 'Ca$e3' is not an AE-ID ([A-Za-z0-9._:/-])");
	fails(f, "[credentials]\ntargets = Cae2, Cae2\n",
	      "t.conf:2: [credentials] targets: 'Cae2' is listed twice");
	fails(f, "[credentials]\nlabels = a b a\n",
	      "t.conf:2: [credentials] labels: 'a' is listed twice");
	fails(f, "[credentials]\nlabels = a\"b\n",
	      "t.conf:2: [credentials] labels: 'a\"b' is not a label ([A-Za-z0-9._:/=+@-])");
	fails(f, "[credentials]\nlabels = 1 2 3 4 5 6 7 8 9\n",
	      "t.conf:2: [credentials] labels: at most 8 labels");
	fails(f, "[credentials]\nlabels = 01234567890123456789012345678901234567890123456789012345678901234\n",
	      "t.conf:2: [credentials] labels: a label is at most 64 characters");
	fails(f, "[credentials]\nadmin = ops..example\n",
	      "t.conf:2: [credentials] admin: an FQDN (labels of letters, digits and '-', no trailing dot), not 'ops..example'");
	fails(f, "[credentials]\nadmin = a.b\nadmin = c.d\n",
	      "t.conf:3: [credentials] admin is set twice (first at line 2)");
	fails(f, "[store]\nname = gw1/a\n",
	      "t.conf:2: [store] name: 1 to 31 characters of [A-Za-z0-9._-], not 'gw1/a'");
	fails(f, "[store]\nname = 0123456789012345678901234567890123\n",
	      "t.conf:2: [store] name: 1 to 31 characters of [A-Za-z0-9._-], not '0123456789012345678901234567890123'");
	fails(f, "[store]\nfile = gw1.store\n",
	      "t.conf:2: [store] file: an absolute path, not 'gw1.store'");
	fails(f, "[store]\nstate = rel\n",
	      "t.conf:2: [store] state: an absolute path, not 'rel'");
	fails(f, BASE "state = /var/lib/m2mvault/gw1.store\n[policy /]\n",
	      "t.conf:9: [store] state must not be the store file");
	fails(f, "[store]\nstore_key_lifetime = 59\n",
	      "t.conf:2: [store] store_key_lifetime: 60 s to 365 d, not '59'");

	/* 32 targets at most, over several lines. */
	n = (size_t)snprintf(text, sizeof(text), BASE "[policy /]\n[credentials]\n");
	for (i = 0; i < 33; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "targets = Cae%d\n", i);
	fails(f, text, "t.conf:43: [credentials] targets: at most 32 AE-IDs");
}

static void test_durations(void **state)
{
	unsigned int v;

	(void)state;
	assert_int_equal(agent_parse_duration("90", 1, 100, &v), 0);
	assert_int_equal(v, 90);
	assert_int_equal(agent_parse_duration("90s", 1, 100, &v), 0);
	assert_int_equal(v, 90);
	assert_int_equal(agent_parse_duration("2m", 1, 1000, &v), 0);
	assert_int_equal(v, 120);
	assert_int_equal(agent_parse_duration("3h", 1, 100000, &v), 0);
	assert_int_equal(v, 10800);
	assert_int_equal(agent_parse_duration("365d", 1, 31536000, &v), 0);
	assert_int_equal(v, 31536000);
	assert_int_equal(agent_parse_duration("", 0, 10, &v), -EINVAL);
	assert_int_equal(agent_parse_duration("s", 0, 10, &v), -EINVAL);
	assert_int_equal(agent_parse_duration("1.5h", 0, 100000, &v), -EINVAL);
	assert_int_equal(agent_parse_duration(" 5", 0, 10, &v), -EINVAL);
	assert_int_equal(agent_parse_duration("+5", 0, 10, &v), -EINVAL);
	assert_int_equal(agent_parse_duration("11", 0, 10, &v), -EINVAL);
	assert_int_equal(agent_parse_duration("99999999999999999999d", 0, 10, &v), -EINVAL);
	assert_int_equal(agent_parse_duration("4294967296", 0, 4294967295U, &v), -EINVAL);
}

static void test_registrations(void **state)
{
	struct fix *f = *state;
	unsigned int t[2][M2MV_TEF_MAX_TYPES];
	size_t n[2];

	assert_int_equal(parse(f, BASE "[policy /a/]\n[policy /b/]\nmode = wrap\n"), 0);
	assert_int_equal(agent_config_registrations(&f->cfg, t, n), 1);
	assert_int_equal(n[0], 1);
	assert_int_equal(n[1], 0);
	assert_int_equal(t[0][0], 15);

	assert_int_equal(parse(f, BASE "[policy /a/]\nmode = dir\n[policy /b/]\nmode = mic\n"), 0);
	assert_int_equal(agent_config_registrations(&f->cfg, t, n), 1);
	assert_int_equal(n[0], 2);
	assert_int_equal(t[0][0], 14);
	assert_int_equal(t[0][1], 16);

	/* 14 and 15 never share a registration. */
	assert_int_equal(parse(f, BASE "[policy /a/]\nmode = dir\nkeys = instance\n"
			       "[policy /b/]\nmode = mic\n[policy /c/]\n"), 0);
	assert_int_equal(agent_config_registrations(&f->cfg, t, n), 2);
	assert_int_equal(n[0], 2);
	assert_int_equal(t[0][0], 15);
	assert_int_equal(t[0][1], 16);
	assert_int_equal(n[1], 1);
	assert_int_equal(t[1][0], 14);

	/* Profiles: [store]'s for every policy, unless one has its own. */
	assert_int_equal(parse(f, BASE "[policy /a/]\nmode = dir\n"), 0);
	assert_int_equal(f->cfg.policies[0].profile, AGENT_PROFILE_SEED);
	assert_int_equal(f->cfg.policies[0].flags, 0);
	assert_int_equal(parse(f, BASE "[policy /a/]\nmode = dir\nprofile = ts0003\n"
			       "[policy /b/]\nmode = mic\n"), 0);
	assert_int_equal(f->cfg.policies[0].flags, M2MV_POLICY_F_TS0003);
	assert_int_equal(f->cfg.policies[1].flags, 0);
	assert_int_equal(f->cfg.policies[1].profile, AGENT_PROFILE_SEED);
	fails(f, BASE "[policy /a/]\nmode = dir\nprofile = ts0003\n"
	      "[policy /b/]\nmode = dir\nkeys = instance\n",
	      "t.conf:12: [policy /b/]: dir policies of both profiles would share one type-14 key (an HMAC key in seed, an AES key in ts0003): keep dir in one profile");
	assert_int_equal(parse(f, BASE "profile = ts0003\n[policy /a/]\nmode = dir\n"
			       "[policy /b/]\nmode = mic\nprofile = seed\n"
			       "[policy /c/]\nmode = wrap\n"), 0);
	assert_int_equal(f->cfg.policies[0].flags, M2MV_POLICY_F_TS0003);
	assert_int_equal(f->cfg.policies[1].flags, 0);
	assert_int_equal(f->cfg.policies[2].flags, M2MV_POLICY_F_TS0003);
	fails(f, BASE "profile = esdata\n[policy /]\n",
	      "t.conf:9: [store] profile: 'seed' or 'ts0003', not 'esdata'");
	fails(f, BASE "[policy /]\nprofile = ts0004\n",
	      "t.conf:10: [policy /]: profile is seed or ts0003, not 'ts0004'");
	fails(f, BASE "[policy /]\nmode = dir\nprofile = ts0003\nkeys = instance\n",
	      "t.conf:9: [policy /]: keys = instance is for the seed profile (ts0003 seals with the key itself)");
	fails(f, BASE "[policy /]\nprofile = seed\nprofile = seed\n",
	      "t.conf:11: [policy /]: 'profile' is set twice (first at line 10)");

	assert_int_equal(parse(f, BASE "[policy /a/]\nmode = mic\n"), 0);
	assert_int_equal(agent_config_registrations(&f->cfg, t, n), 1);
	assert_int_equal(n[0], 1);
	assert_int_equal(t[0][0], 16);

}

static void test_file(void **state)
{
	struct fix *f = *state;
	char path[] = "/tmp/test_agent_config.XXXXXX";
	int fd, ret;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_true(write(fd, BASE "[policy /]\nmode = dix\n", sizeof(BASE) + 22) > 0);
	close(fd);
	ret = agent_config_load(path, &f->cfg, f->err, sizeof(f->err));
	assert_int_equal(ret, -EINVAL);
	assert_non_null(strstr(f->err, ":10: [policy /]: mode is wrap, dir or mic, not 'dix'"));
	assert_memory_equal(f->err, path, strlen(path));
	unlink(path);
	ret = agent_config_load(path, &f->cfg, f->err, sizeof(f->err));
	assert_int_equal(ret, -ENOENT);
	assert_non_null(strstr(f->err, ": cannot read the configuration: No such file or directory"));
}

#define TEF_NO_PSK \
	"[tef]\n" \
	"host = 127.0.0.1\n" \
	"fqdn = tef.example.com\n" \
	"identity = kpm-gw1\n"
#define STORE_POLICY "[store]\nname = gw1\nfile = /s\n[policy /]\n"

/* The PSK from a systemd credential: $CREDENTIALS_DIRECTORY/NAME. */
static void test_psk_credential(void **state)
{
	struct fix *f = *state;

	assert_int_equal(setenv("CREDENTIALS_DIRECTORY",
				"/run/credentials/m2mvaultd.service", 1), 0);
	assert_int_equal(parse(f, TEF_NO_PSK "psk_credential = kpm\n"
			       STORE_POLICY), 0);
	assert_string_equal(f->cfg.tef_psk_credential, "kpm");
	assert_string_equal(f->cfg.tef_psk_file,
			    "/run/credentials/m2mvaultd.service/kpm");
	fails(f, TEF_NO_PSK "psk_credential = kpm\npsk_file = /k\n" STORE_POLICY,
	      "t.conf:5: [tef] psk_credential and psk_file (line 6) exclude each other");
	fails(f, TEF_NO_PSK "psk_credential = ../kpm\n" STORE_POLICY,
	      "t.conf:5: [tef] psk_credential: a systemd credential name, 1 to 64 characters of [A-Za-z0-9._-], not starting with '.', not '../kpm'");
	fails(f, TEF_NO_PSK "psk_credential = a/b\n" STORE_POLICY,
	      "t.conf:5: [tef] psk_credential: a systemd credential name, 1 to 64 characters of [A-Za-z0-9._-], not starting with '.', not 'a/b'");
	fails(f, TEF_NO_PSK STORE_POLICY, "t.conf:1: [tef] needs 'psk_file'");
	assert_int_equal(unsetenv("CREDENTIALS_DIRECTORY"), 0);
	fails(f, TEF_NO_PSK "psk_credential = kpm\n" STORE_POLICY,
	      "t.conf:5: [tef] psk_credential: $CREDENTIALS_DIRECTORY is not set: run the agent from a unit with LoadCredential=kpm:FILE or LoadCredentialEncrypted=kpm:FILE, or use psk_file");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_minimal_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_grant, setup, teardown),
		cmocka_unit_test_setup_teardown(test_anchor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_anchor_tpm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syntax, setup, teardown),
		cmocka_unit_test_setup_teardown(test_values, setup, teardown),
		cmocka_unit_test(test_durations),
		cmocka_unit_test_setup_teardown(test_registrations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_psk_credential, setup, teardown),
	};

	return cmocka_run_group_tests_name("agent_config", tests, NULL, NULL);
}
