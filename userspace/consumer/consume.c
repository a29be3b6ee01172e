// SPDX-License-Identifier: GPL-2.0
/*
 * m2m-consume: the consumer (AE2) of the seeds. It takes a record that
 * m2mvault exported (JWE or JWS, compact or flattened JSON), retrieves the
 * credential named by its "kid" from the TEF over DTLS-PSK with its own
 * Kpm, derives the per-container or per-instance key for "dir" records,
 * and decrypts or verifies the record with libjose (record.c). The
 * plaintext goes to standard output or --output; with --json, a JSON
 * object describing the record and carrying the plaintext.
 *
 * With --key-file instead of the TEF options, the key is the raw 32 bytes
 * of a file (keyfile.c), typically the operator's offline recovery key:
 * the recipient it is for is the one --kid names, else the first whose
 * encrypted key it unwraps (consume_record_pick_key()). Everything after
 * the key is the same as with the TEF's.
 *
 * The record is checked before the TEF is asked: a malformed record, or
 * one bound to another path than --path, never costs a key retrieval.
 *
 * Exit status: 0 success; 1 refused or failed (the message says why);
 * 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "common/credid.h"
#include "common/hexkey.h"
#include "common/kdf.h"
#include "common/tefclient.h"
#include "consumer/keyfile.h"
#include "consumer/record.h"

#define PROG			"m2m-consume"
#define CONSUME_MAX_INPUT	(64U << 20)

struct opts {
	const char *tef;
	const char *fqdn;
	const char *identity;
	const char *psk_file;
	const char *key_file;
	const char *kid;
	const char *output;
	const char *path;
	const char *input;
	unsigned int timeout_ms;
	int json;
	int verbose;
};

static int usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " --tef HOST[:PORT] --fqdn TEF-FQDN --identity KPMID\n"
		"                   --psk-file FILE [--timeout MS] [OPTION...] [INPUT|-]\n"
		"       " PROG " --key-file FILE [--kid CREDID] [OPTION...] [INPUT|-]\n"
		"options: [--output FILE] [--json] [--path PATH] [--verbose]\n"
		"\n"
		"Decrypts or verifies a record exported by 'm2mvault export' (JWE or JWS,\n"
		"compact, flattened or General JSON; standard input if INPUT is absent\n"
		"or '-') with the key the TEF gives for its kid, or with the key of\n"
		"--key-file (no TEF), and writes the plaintext.\n"
		"\n"
		"  --tef HOST[:PORT]  the TEF (CoAP over DTLS-PSK; port %u by default)\n"
		"  --fqdn TEF-FQDN    the TEF's FQDN, as in Credential-IDs\n"
		"  --identity KPMID   this consumer's PSK identity at the TEF\n"
		"  --psk-file FILE    Kpm as hex text, whitespace ignored, 16 to 64\n"
		"                     bytes; the file must not be readable by others\n"
		"  --output FILE      write there (created mode 0600), not to stdout\n"
		"  --json             print a JSON object: kid, alg, enc, path,\n"
		"                     version, store, keys, form, size, payload\n"
		"                     (BASE64URL) and text (if the plaintext is UTF-8)\n"
		"  --path PATH        refuse a record bound to another resource path\n"
		"  --timeout MS       per TEF request and handshake (default 5000)\n"
		"  --key-file FILE    instead of the TEF: the raw 32-byte key, as\n"
		"                     'keyctl padd' loads it ('-': standard input);\n"
		"                     a file others may read is used with a warning\n"
		"  --kid CREDID       with --key-file: the recipient the key is for\n"
		"                     (default: the one whose encrypted key it unwraps)\n"
		"  --verbose          say what is being done on stderr\n"
		"\n"
		"Exit status: 0 done; 1 refused, unauthentic or failed; 2 usage.\n",
		M2MV_TEF_PORT);
	return f == stdout ? 0 : 2;
}

/* The whole input; NULL with errno set (EFBIG past the limit). */
static char *read_all(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t cap = 65536, n = 0, r;
	char *buf, *nb;
	int err = 0;

	if (!f)
		return NULL;
	buf = malloc(cap);
	if (!buf)
		err = ENOMEM;
	while (!err && (r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n < cap)
			continue;
		if (cap >= CONSUME_MAX_INPUT) {
			err = EFBIG;
			break;
		}
		nb = realloc(buf, cap * 2);
		if (!nb) {
			err = ENOMEM;
			break;
		}
		buf = nb;
		cap *= 2;
	}
	if (!err && ferror(f))
		err = EIO;
	if (f != stdin)
		fclose(f);
	if (err) {
		free(buf);
		errno = err;
		return NULL;
	}
	*len = n;
	return buf;
}

static int parse_hostport(const char *arg, char *host, size_t size,
			  uint16_t *port)
{
	const char *colon = strrchr(arg, ':');
	char *end;
	long p;

	*port = M2MV_TEF_PORT;
	if (!colon) {
		if (!*arg || strlen(arg) >= size)
			return -EINVAL;
		strcpy(host, arg);
		return 0;
	}
	p = strtol(colon + 1, &end, 10);
	if (colon == arg || *end || p < 1 || p > 65535 ||
	    (size_t)(colon - arg) >= size)
		return -EINVAL;
	memcpy(host, arg, (size_t)(colon - arg));
	host[colon - arg] = '\0';
	*port = (uint16_t)p;
	return 0;
}

/* The credential key for @rec's kid, from the TEF: 0 or an exit status. */
static int fetch_key(const struct opts *o, const struct consume_record *rec,
		     uint8_t key[M2MV_KEY_LEN])
{
	struct m2mv_tef_config cfg = { .fqdn = o->fqdn,
				       .psk_identity = o->identity,
				       .timeout_ms = o->timeout_ms };
	uint8_t psk[M2MV_PSK_MAX];
	struct m2mv_tef *t = NULL;
	char host[256], *diag = NULL;
	const char *why;
	json_t *jwk = NULL;
	size_t psk_len;
	int ret;

	if (parse_hostport(o->tef, host, sizeof(host), &cfg.port)) {
		fprintf(stderr, PROG ": --tef %s: not HOST or HOST:PORT\n",
			o->tef);
		return 2;
	}
	cfg.host = host;
	mlock(psk, sizeof(psk));
	ret = m2mv_hexkey_read(o->psk_file, psk, &psk_len);
	if (ret) {
		fprintf(stderr, PROG ": %s: %s\n", o->psk_file,
			ret == -EACCES ? "readable by others (chmod 600)" :
			ret == -EINVAL ? "not 16 to 64 bytes of hex" :
			strerror(-ret));
		return 1;
	}
	cfg.psk = psk;
	cfg.psk_len = psk_len;
	if (o->verbose)
		fprintf(stderr, PROG ": retrieving %s from the TEF at %s:%u as %s\n",
			rec->kid, host, cfg.port, o->identity);
	ret = m2mv_tef_connect(&cfg, &t);
	OPENSSL_cleanse(psk, sizeof(psk));
	if (ret) {
		if (ret == -EACCES)
			fprintf(stderr, PROG ": TEF %s: DTLS handshake refused: wrong PSK or unknown identity, or the TEF is not %s\n",
				o->tef, o->fqdn);
		else
			fprintf(stderr, PROG ": TEF %s: %s\n", o->tef,
				ret == -ETIMEDOUT || ret == -EHOSTUNREACH ||
				ret == -ECONNREFUSED ? "no answer (unreachable)" :
				strerror(-ret));
		return 1;
	}
	ret = m2mv_tef_retrieve(t, rec->kid, (void **)&jwk, &diag);
	if (ret == -EPERM) {
		fprintf(stderr, PROG ": TEF refused credential %s: not in its access control policy\n",
			rec->kid);
	} else if (ret == -ENOENT) {
		/* The TEF's diagnostic says unknown, expired or revoked. */
		fprintf(stderr, PROG ": TEF has no usable credential %s: %s\n",
			rec->kid, diag ? diag : "unknown, expired or revoked");
	} else if (ret) {
		fprintf(stderr, PROG ": retrieving %s: %s\n", rec->kid,
			diag ? diag : strerror(-ret));
	} else if (consume_jwk_key(rec, jwk, key, &why)) {
		fprintf(stderr, PROG ": %s: %s\n", rec->kid, why);
		ret = -EPROTO;
	}
	if (jwk) {
		json_t *k = json_object_get(jwk, "k");

		if (json_is_string(k))
			OPENSSL_cleanse((char *)json_string_value(k),
					json_string_length(k));
		json_decref(jwk);
	}
	free(diag);
	m2mv_tef_close(t);
	return ret ? 1 : 0;
}

static int write_out(const struct opts *o, const struct consume_record *rec,
		     const uint8_t *pt, size_t ptl)
{
	json_t *summary = NULL;
	char *text = NULL;
	const void *data = pt;
	size_t n = ptl, done = 0;
	ssize_t w;
	int fd = 1, ret = 0;

	if (o->json) {
		summary = consume_record_summary(rec, pt, ptl);
		text = summary ? json_dumps(summary, JSON_COMPACT) : NULL;
		if (!text) {
			json_decref(summary);
			fprintf(stderr, PROG ": out of memory\n");
			return 1;
		}
		data = text;
		n = strlen(text);
	}
	if (o->output) {
		fd = open(o->output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			  0600);
		if (fd < 0) {
			fprintf(stderr, PROG ": %s: %s\n", o->output,
				strerror(errno));
			ret = 1;
		}
	}
	while (!ret && done < n) {
		w = write(fd, (const char *)data + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fprintf(stderr, PROG ": writing %s: %s\n",
				o->output ? o->output : "the output",
				w < 0 ? strerror(errno) : "short write");
			ret = 1;
			break;
		}
		done += (size_t)w;
	}
	if (!ret && o->json && write(fd, "\n", 1) != 1)
		ret = 1;
	if (o->output && fd >= 0 && close(fd) && !ret) {
		fprintf(stderr, PROG ": %s: %s\n", o->output, strerror(errno));
		ret = 1;
	}
	if (text) {
		OPENSSL_cleanse(text, strlen(text));
		free(text);
	}
	if (summary) {
		json_t *t = json_object_get(summary, "text");

		if (json_is_string(t))
			OPENSSL_cleanse((char *)json_string_value(t),
					json_string_length(t));
		json_decref(summary);
	}
	return ret;
}

/*
 * Several recipients: the first whose credential the TEF gives us (each
 * refusal is reported), else the last refusal's exit status.
 */
static int fetch_rcpt_key(const struct opts *o, struct consume_record *rec,
			  uint8_t key[M2MV_KEY_LEN])
{
	size_t i;
	int ret = 1;

	for (i = 0; i < rec->nrcpt; i++) {
		if (consume_record_pick(rec, i)) {
			fprintf(stderr, PROG ": out of memory\n");
			return 1;
		}
		ret = fetch_key(o, rec, key);
		if (!ret)
			return 0;
		if (i + 1 < rec->nrcpt)
			fprintf(stderr, PROG ": trying the next of %zu recipients\n",
				rec->nrcpt);
	}
	return ret;
}

static void list_rcpt(const struct consume_record *rec)
{
	size_t i;

	for (i = 0; i < rec->nrcpt; i++)
		fprintf(stderr, "%s%s", i ? ", " : "", rec->rcpt[i]);
}

/* The key of --key-file and the recipient it opens: 0 or an exit status. */
static int file_key(const struct opts *o, struct consume_record *rec,
		    uint8_t key[M2MV_KEY_LEN])
{
	const char *name = strcmp(o->key_file, "-") ? o->key_file :
			   "standard input";
	struct consume_keyfile_info info;
	size_t i;
	int ret;

	ret = consume_keyfile_read(o->key_file, key, &info);
	if (info.exposed)
		fprintf(stderr, PROG ": warning: %s: group or others may access it (chmod 600); treat the key as exposed\n",
			name);
	if (ret == -EINVAL && info.hex) {
		fprintf(stderr, PROG ": %s: hex text, not the raw 32-byte key (convert it: xxd -r -p)\n",
			name);
		return 1;
	}
	if (ret == -EINVAL && info.len > CONSUME_KEYFILE_PROBE) {
		fprintf(stderr, PROG ": %s: more than %u bytes, not the raw 32-byte key\n",
			name, CONSUME_KEYFILE_PROBE);
		return 1;
	}
	if (ret == -EINVAL) {
		fprintf(stderr, PROG ": %s: %zu bytes, not the raw 32-byte key (as 'keyctl padd' loads it, no newline)\n",
			name, info.len);
		return 1;
	}
	if (ret) {
		fprintf(stderr, PROG ": %s: %s\n", name, strerror(-ret));
		return 1;
	}
	ret = consume_record_pick_key(rec, key, o->kid, &i);
	if (ret == -ENOENT && !rec->nrcpt) {
		fprintf(stderr, PROG ": the record is for %s, not --kid %s\n",
			rec->kid, o->kid);
	} else if (ret == -ENOENT) {
		fprintf(stderr, PROG ": --kid %s is not a recipient of the record (its %zu: ",
			o->kid, rec->nrcpt);
		list_rcpt(rec);
		fprintf(stderr, ")\n");
	} else if (ret == -EBADMSG && rec->nrcpt && !o->kid) {
		fprintf(stderr, PROG ": authentication failed: the key of %s unwraps the encrypted key of none of the %zu recipients (",
			name, rec->nrcpt);
		list_rcpt(rec);
		fprintf(stderr, ")\n");
	} else if (ret == -EBADMSG) {
		fprintf(stderr, PROG ": authentication failed: the key of %s does not unwrap the encrypted key of %s\n",
			name, rec->kid);
	} else if (ret) {
		fprintf(stderr, PROG ": %s\n", strerror(-ret));
	} else if (o->verbose && rec->nrcpt) {
		fprintf(stderr, PROG ": the key of %s opens recipient %zu of %zu, %s\n",
			name, i + 1, rec->nrcpt, rec->kid);
	} else if (o->verbose) {
		fprintf(stderr, PROG ": the key of %s taken for %s\n", name,
			rec->kid);
	}
	return ret ? 1 : 0;
}

static int consume(const struct opts *o, struct consume_record *rec)
{
	uint8_t key[M2MV_KEY_LEN];
	uint8_t *pt = NULL;
	size_t ptl = 0;
	int ret;

	mlock(key, sizeof(key));
	if (o->key_file)
		ret = file_key(o, rec, key);
	else if (rec->nrcpt)
		ret = fetch_rcpt_key(o, rec, key);
	else
		ret = fetch_key(o, rec, key);
	if (ret)
		goto out;
	ret = consume_record_open(rec, key, &pt, &ptl);
	if (ret == -EBADMSG) {
		fprintf(stderr, PROG ": authentication failed: the %s does not verify under %s\n",
			rec->mode == CONSUME_MIC ? "JWS" : "JWE", rec->kid);
	} else if (ret) {
		fprintf(stderr, PROG ": opening the record: %s\n",
			strerror(-ret));
	} else {
		if (o->verbose)
			fprintf(stderr, PROG ": %zu bytes %s\n", ptl,
				rec->mode == CONSUME_MIC ? "verified" :
				"verified and decrypted");
		ret = write_out(o, rec, pt, ptl);
	}
	ret = ret ? 1 : 0;
out:
	if (pt) {
		OPENSSL_cleanse(pt, ptl);
		free(pt);
	}
	OPENSSL_cleanse(key, sizeof(key));
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "tef", required_argument, NULL, 't' },
		{ "fqdn", required_argument, NULL, 'f' },
		{ "identity", required_argument, NULL, 'i' },
		{ "psk-file", required_argument, NULL, 'k' },
		{ "key-file", required_argument, NULL, 'K' },
		{ "kid", required_argument, NULL, 'I' },
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "path", required_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .input = "-" };
	struct consume_record rec;
	const char *why = NULL;
	char *text, *end;
	size_t len = 0;
	int c, ret;

	while ((c = getopt_long(argc, argv, "o:v", lo, NULL)) != -1) {
		switch (c) {
		case 't': o.tef = optarg; break;
		case 'f': o.fqdn = optarg; break;
		case 'i': o.identity = optarg; break;
		case 'k': o.psk_file = optarg; break;
		case 'K': o.key_file = optarg; break;
		case 'I': o.kid = optarg; break;
		case 'o': o.output = optarg; break;
		case 'j': o.json = 1; break;
		case 'p': o.path = optarg; break;
		case 'v': o.verbose = 1; break;
		case 'T':
			errno = 0;
			o.timeout_ms = (unsigned int)strtoul(optarg, &end, 10);
			if (errno || *end || o.timeout_ms < 100 ||
			    o.timeout_ms > 600000) {
				fprintf(stderr, PROG ": --timeout takes 100 to 600000 ms\n");
				return 2;
			}
			break;
		case 'h': return usage(stdout);
		default: return usage(stderr);
		}
	}
	if (optind + 1 == argc)
		o.input = argv[optind];
	else if (optind != argc)
		return usage(stderr);
	if (o.key_file) {
		if (o.tef || o.fqdn || o.identity || o.psk_file ||
		    o.timeout_ms) {
			fprintf(stderr, PROG ": --key-file is instead of the TEF: not with --tef, --fqdn, --identity, --psk-file or --timeout\n");
			return usage(stderr);
		}
		if (!strcmp(o.key_file, "-") && !strcmp(o.input, "-")) {
			fprintf(stderr, PROG ": --key-file - reads the key from standard input: name the INPUT file\n");
			return usage(stderr);
		}
		if (o.kid && m2mv_credid_parse(o.kid, NULL)) {
			fprintf(stderr, PROG ": --kid %s: not a Credential-ID\n",
				o.kid);
			return usage(stderr);
		}
	} else if (o.kid) {
		fprintf(stderr, PROG ": --kid goes with --key-file\n");
		return usage(stderr);
	} else if (!o.tef || !o.fqdn || !o.identity || !o.psk_file) {
		fprintf(stderr, PROG ": --tef, --fqdn, --identity and --psk-file are required (or --key-file)\n");
		return usage(stderr);
	}

	text = read_all(o.input, &len);
	if (!text) {
		fprintf(stderr, PROG ": %s: %s\n",
			strcmp(o.input, "-") ? o.input : "standard input",
			errno == EFBIG ? "larger than 64 MiB" : strerror(errno));
		return 1;
	}
	ret = consume_record_parse(text, len, &rec, &why);
	free(text);
	if (ret) {
		fprintf(stderr, PROG ": %s: not an m2mvault export: %s\n",
			strcmp(o.input, "-") ? o.input : "standard input",
			ret == -ENOMEM ? "out of memory" : why);
		ret = 1;
	} else if (o.path && (!rec.path || strcmp(rec.path, o.path))) {
		fprintf(stderr, PROG ": the record is bound to path %s, not %s\n",
			rec.path ? rec.path : "(none)", o.path);
		ret = 1;
	} else {
		if (o.verbose)
			fprintf(stderr, PROG ": %s record, kid %s, path %s\n",
				rec.alg, rec.kid, rec.path ? rec.path : "(none)");
		ret = consume(&o, &rec);
	}
	consume_record_free(&rec);
	return ret;
}
