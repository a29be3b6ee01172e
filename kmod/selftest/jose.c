// SPDX-License-Identifier: GPL-2.0
/*
 * Known-answer tests of jose.c, included at its end so that they see
 * its static functions; __init, so they are gone once the module is loaded.
 */
struct b64_kat {
	const char *in;
	size_t len;
	const char *out;
};

/* RFC 4648 section 10, without padding, and the two characters that differ. */
static const struct b64_kat b64_kats[] __initconst = {
	{ "", 0, "" },
	{ "f", 1, "Zg" },
	{ "fo", 2, "Zm8" },
	{ "foo", 3, "Zm9v" },
	{ "foob", 4, "Zm9vYg" },
	{ "fooba", 5, "Zm9vYmE" },
	{ "foobar", 6, "Zm9vYmFy" },
	{ "\xfb\xff", 2, "-_8" },
	{ "\xfb\xff\xbf", 3, "-_-_" },
};

static int __init b64_selftest(void)
{
	char out[16];
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(b64_kats); i++) {
		const struct b64_kat *k = &b64_kats[i];

		n = m2mv_b64url_encode(out, (const u8 *)k->in, k->len);
		if (n != strlen(k->out) || m2mv_b64url_len(k->len) != n ||
		    memcmp(out, k->out, n)) {
			pr_err("self-test base64url of \"%s\" failed\n", k->out);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Expected headers for path "CSEBase/ae1/cnt1/cin1", version 7, store id
 * 00..0f and (dir) nonce a0..af, written out by hand from jose.h and
 * checked with python3 json.loads(); in pieces, joined by kat_join().
 */
static const char * const hdr_kat_wrap[] __initconst = {
	"{\"alg\":\"A256KW\",\"enc\":\"A256GCM\",\"kid\":\"15-wrap@tef.example.com\",",
	"\"m2mv_path\":\"CSEBase/ae1/cnt1/cin1\",\"m2mv_ver\":7,",
	"\"m2mv_store\":\"000102030405060708090a0b0c0d0e0f\"}",
	NULL
};

static const char * const hdr_kat_dir[] __initconst = {
	"{\"alg\":\"dir\",\"enc\":\"A256GCM\",\"kid\":\"14-dir@tef.example.com\",",
	"\"m2mv_path\":\"CSEBase/ae1/cnt1/cin1\",\"m2mv_ver\":7,",
	"\"m2mv_store\":\"000102030405060708090a0b0c0d0e0f\",",
	"\"m2mv_kdf\":\"instance\",\"m2mv_nonce\":\"oKGio6SlpqeoqaqrrK2urw\"}",
	NULL
};

static const char * const hdr_kat_dir_crit[] __initconst = {
	"{\"alg\":\"dir\",\"enc\":\"A256GCM\",\"kid\":\"14-dir@tef.example.com\",",
	"\"m2mv_path\":\"CSEBase/ae1/cnt1/cin1\",\"m2mv_ver\":7,",
	"\"m2mv_store\":\"000102030405060708090a0b0c0d0e0f\",",
	"\"m2mv_kdf\":\"container\",\"m2mv_nonce\":\"oKGio6SlpqeoqaqrrK2urw\",",
	"\"crit\":[\"m2mv_kdf\",\"m2mv_nonce\"]}",
	NULL
};

static const char * const hdr_kat_dir_ts0003[] __initconst = {
	"{\"alg\":\"dir\",\"enc\":\"A256GCM\",\"kid\":\"14-dir@tef.example.com\",",
	"\"m2mv_path\":\"CSEBase/ae1/cnt1/cin1\",\"m2mv_ver\":7,",
	"\"m2mv_store\":\"000102030405060708090a0b0c0d0e0f\"}",
	NULL
};

static const char * const hdr_kat_mic[] __initconst = {
	"{\"alg\":\"HS256\",\"kid\":\"16-mic@tef.example.com\",",
	"\"m2mv_path\":\"CSEBase/ae1/cnt1/cin1\",\"m2mv_ver\":7,",
	"\"m2mv_store\":\"000102030405060708090a0b0c0d0e0f\"}",
	NULL
};

static const char * const hdr_kat_rcpt[] __initconst = {
	"{\"enc\":\"A256GCM\",\"m2mv_path\":\"CSEBase/ae1/cnt1/cin1\",",
	"\"m2mv_ver\":7,\"m2mv_store\":\"000102030405060708090a0b0c0d0e0f\",",
	"\"m2mv_rcpt\":[\"15-a@tef.example.com\",\"15-b@tef.example.com\",",
	"\"15-c@tef.example.com\"]}",
	NULL
};

/* Concatenate the NULL-terminated @parts into @buf of @size bytes. */
static void __init kat_join(char *buf, size_t size, const char * const *parts)
{
	buf[0] = '\0';
	for (; *parts; parts++)
		strlcat(buf, *parts, size);
}

static int __init hdr_selftest_one(struct m2mv_hdr_fields *f, const char *kid,
				   const char *want, char *buf)
{
	char got_kid[M2MV_CREDID_MAX + 1];
	size_t n = strlen(want);
	int ret;

	f->kid = kid;
	ret = m2mv_jose_header(buf, M2MV_HDR_MAX, f);
	if (ret != (int)n || memcmp(buf, want, n) ||
	    m2mv_jose_header(NULL, 0, f) != (int)n ||
	    m2mv_jose_header(buf, n - 1, f) != -ENOSPC) {
		pr_err("self-test header of %s failed (%d)\n", kid, ret);
		return -EINVAL;
	}
	if (m2mv_jose_header_kid(buf, n, got_kid) || strcmp(got_kid, kid)) {
		pr_err("self-test header kid of %s failed\n", kid);
		return -EINVAL;
	}
	/* One byte changed in the fixed prefix, or the kid's closing quote. */
	buf[3] ^= 0x20;
	ret = m2mv_jose_header_kid(buf, n, got_kid);
	buf[3] ^= 0x20;
	if (ret != -EBADMSG || got_kid[0]) {
		pr_err("self-test tampered header of %s accepted\n", kid);
		return -EINVAL;
	}
	buf[strstr(want, kid) - want + strlen(kid)] = 'x';
	ret = m2mv_jose_header_kid(buf, n, got_kid);
	if (ret != -EBADMSG) {
		pr_err("self-test unterminated kid of %s accepted\n", kid);
		return -EINVAL;
	}
	return 0;
}

static int __init hdr_selftest(char *buf)
{
	static const char path[] = "CSEBase/ae1/cnt1/cin1";
	static const char bad_paths[][8] = { "a\"b", "a b", "a\\b", "a%b" };
	char *long_kid = buf + M2MV_HDR_MAX;
	char *want = buf + 2 * M2MV_HDR_MAX;
	u8 store[M2MV_STORE_ID_SIZE], nonce[M2MV_NONCE_SIZE];
	struct m2mv_hdr_fields f = {
		.path = path,
		.path_len = sizeof(path) - 1,
		.version = 7,
		.store_id = store,
		.nonce = nonce,
	};
	size_t i;
	int ret;

	for (i = 0; i < sizeof(store); i++)
		store[i] = i;
	for (i = 0; i < sizeof(nonce); i++)
		nonce[i] = 0xa0 + i;

	f.mode = M2MV_MODE_WRAP;
	kat_join(want, M2MV_HDR_MAX, hdr_kat_wrap);
	ret = hdr_selftest_one(&f, "15-wrap@tef.example.com", want, buf);
	if (ret)
		return ret;
	f.mode = M2MV_MODE_DIR;
	f.instance = true;
	kat_join(want, M2MV_HDR_MAX, hdr_kat_dir);
	ret = hdr_selftest_one(&f, "14-dir@tef.example.com", want, buf);
	if (ret)
		return ret;
	f.instance = false;
	f.crit = true;
	kat_join(want, M2MV_HDR_MAX, hdr_kat_dir_crit);
	ret = hdr_selftest_one(&f, "14-dir@tef.example.com", want, buf);
	if (ret)
		return ret;
	f.crit = false;
	f.direct = true;
	kat_join(want, M2MV_HDR_MAX, hdr_kat_dir_ts0003);
	ret = hdr_selftest_one(&f, "14-dir@tef.example.com", want, buf);
	if (ret)
		return ret;
	/* The profiles exclude each other, and belong to dir alone. */
	f.instance = true;
	ret = m2mv_jose_header(buf, M2MV_HDR_MAX, &f);
	f.instance = false;
	f.crit = true;
	ret = ret == -EINVAL ? m2mv_jose_header(buf, M2MV_HDR_MAX, &f) : 0;
	f.direct = false;
	f.mode = M2MV_MODE_WRAP;
	ret = ret == -EINVAL ? m2mv_jose_header(buf, M2MV_HDR_MAX, &f) : 0;
	f.crit = false;
	f.direct = true;
	ret = ret == -EINVAL ? m2mv_jose_header(buf, M2MV_HDR_MAX, &f) : 0;
	f.direct = false;
	if (ret != -EINVAL) {
		pr_err("self-test header profile refusals failed (%d)\n", ret);
		return -EINVAL;
	}
	f.mode = M2MV_MODE_MIC;
	kat_join(want, M2MV_HDR_MAX, hdr_kat_mic);
	ret = hdr_selftest_one(&f, "16-mic@tef.example.com", want, buf);
	if (ret)
		return ret;

	/* Refusals. */
	f.kid = "16-mic@tef.example.com";
	f.mode = M2MV_MODE_NONE;
	ret = m2mv_jose_header(buf, M2MV_HDR_MAX, &f);
	f.mode = M2MV_MODE_MIC;
	f.kid = "16-a b";
	ret = ret == -EINVAL ? m2mv_jose_header(buf, M2MV_HDR_MAX, &f) : 0;
	f.kid = "16-a\"b";
	ret = ret == -EINVAL ? m2mv_jose_header(buf, M2MV_HDR_MAX, &f) : 0;
	f.kid = "16-mic@tef.example.com";
	for (i = 0; i < ARRAY_SIZE(bad_paths) && ret == -EINVAL; i++) {
		f.path = bad_paths[i];
		f.path_len = strlen(bad_paths[i]);
		ret = m2mv_jose_header(buf, M2MV_HDR_MAX, &f);
	}
	if (ret != -EINVAL) {
		pr_err("self-test header refusals failed (%d)\n", ret);
		return -EINVAL;
	}

	/* The longest header fits M2MV_HDR_MAX (also checked at build time). */
	memset(long_kid, 'k', M2MV_CREDID_MAX);
	memcpy(long_kid, "14-", 3);
	long_kid[M2MV_CREDID_MAX] = '\0';
	memset(buf, 'p', M2MV_PATH_MAX);
	f.kid = long_kid;
	f.path = buf;
	f.path_len = M2MV_PATH_MAX;
	f.version = U64_MAX;
	f.mode = M2MV_MODE_DIR;
	f.crit = true;
	ret = m2mv_jose_header(NULL, 0, &f);
	if (ret != (int)J_DIR_MAX) {
		pr_err("self-test longest header failed (%d)\n", ret);
		return -EINVAL;
	}
	return 0;
}

/*
 * The header of several recipients: byte for byte, its recipients read
 * back, its refusals (too few or too many, duplicates, another mode, a
 * profile flag), tampered lists, and the longest such header. @k is
 * scratch.
 */
static int __init hdr_rcpt_selftest(char *buf, struct m2mv_kids *k)
{
	static const char path[] = "CSEBase/ae1/cnt1/cin1";
	static const char * const names[] = {
		"15-a@tef.example.com", "15-b@tef.example.com",
		"15-c@tef.example.com",
	};
	char *want = buf + 2 * M2MV_HDR_MAX;
	char kid[M2MV_CREDID_MAX + 1];
	u8 store[M2MV_STORE_ID_SIZE];
	struct m2mv_kids *got = k + 1;
	struct m2mv_hdr_fields f = {
		.mode = M2MV_MODE_WRAP,
		.path = path,
		.path_len = sizeof(path) - 1,
		.version = 7,
		.store_id = store,
		.rcpt = k,
	};
	size_t i, n;
	int ret;

	for (i = 0; i < sizeof(store); i++)
		store[i] = i;
	memset(k, 0, sizeof(*k));
	k->n = ARRAY_SIZE(names);
	for (i = 0; i < k->n; i++)
		strscpy(k->kid[i], names[i], sizeof(k->kid[i]));
	f.kid = k->kid[0];
	kat_join(want, M2MV_HDR_MAX, hdr_kat_rcpt);
	n = strlen(want);
	ret = m2mv_jose_header(buf, M2MV_HDR_MAX, &f);
	if (ret != (int)n || memcmp(buf, want, n) ||
	    m2mv_jose_header(NULL, 0, &f) != (int)n ||
	    m2mv_jose_header(buf, n - 1, &f) != -ENOSPC) {
		pr_err("self-test header of recipients failed (%d)\n", ret);
		return -EINVAL;
	}
	if (m2mv_jose_header_kids(buf, n, got) || got->n != k->n ||
	    strcmp(got->kid[0], names[0]) || strcmp(got->kid[1], names[1]) ||
	    strcmp(got->kid[2], names[2]) ||
	    m2mv_jose_header_kid(buf, n, kid) || strcmp(kid, names[0])) {
		pr_err("self-test header recipients read back wrong\n");
		return -EINVAL;
	}
	/* A header of one kid reads as one. */
	kat_join(want, M2MV_HDR_MAX, hdr_kat_wrap);
	if (m2mv_jose_header_kids(want, strlen(want), got) || got->n != 1 ||
	    strcmp(got->kid[0], "15-wrap@tef.example.com")) {
		pr_err("self-test header kids of one kid failed\n");
		return -EINVAL;
	}

	/* Tampered: the list's end, a kid's quote, a truncated header. */
	buf[n - 2] = ')';
	ret = m2mv_jose_header_kids(buf, n, got);
	buf[n - 2] = ']';
	buf[strnstr(buf, names[1], n) - buf + strlen(names[1])] = 'x';
	ret = ret == -EBADMSG ? m2mv_jose_header_kids(buf, n, got) : 0;
	m2mv_jose_header(buf, M2MV_HDR_MAX, &f);
	ret = ret == -EBADMSG ? m2mv_jose_header_kids(buf, n - 1, got) : 0;
	if (ret != -EBADMSG || got->n) {
		pr_err("self-test tampered recipients accepted (%d)\n", ret);
		return -EINVAL;
	}

	/* Refusals. */
	strscpy(k->kid[2], names[0], sizeof(k->kid[2]));
	ret = m2mv_jose_header(buf, M2MV_HDR_MAX, &f);
	strscpy(k->kid[2], names[2], sizeof(k->kid[2]));
	k->n = 1;
	ret = ret == -EINVAL ? m2mv_jose_header(buf, M2MV_HDR_MAX, &f) : 0;
	k->n = M2MV_RECIPIENTS_MAX + 1;
	ret = ret == -EINVAL ? m2mv_jose_header(buf, M2MV_HDR_MAX, &f) : 0;
	k->n = 3;
	f.mode = M2MV_MODE_DIR;
	ret = ret == -EINVAL ? m2mv_jose_header(buf, M2MV_HDR_MAX, &f) : 0;
	f.mode = M2MV_MODE_WRAP;
	f.crit = true;
	ret = ret == -EINVAL ? m2mv_jose_header(buf, M2MV_HDR_MAX, &f) : 0;
	f.crit = false;
	if (ret != -EINVAL) {
		pr_err("self-test header recipient refusals failed (%d)\n", ret);
		return -EINVAL;
	}

	/* The longest: M2MV_RECIPIENTS_MAX distinct longest kids. */
	k->n = M2MV_RECIPIENTS_MAX;
	for (i = 0; i < k->n; i++) {
		memset(k->kid[i], 'k', M2MV_CREDID_MAX);
		memcpy(k->kid[i], "15-", 3);
		k->kid[i][3] = 'a' + i;
		k->kid[i][M2MV_CREDID_MAX] = '\0';
	}
	memset(buf, 'p', M2MV_PATH_MAX);
	f.path = buf;
	f.path_len = M2MV_PATH_MAX;
	f.version = U64_MAX;
	ret = m2mv_jose_header(NULL, 0, &f);
	if (ret != (int)J_RCPT_MAX) {
		pr_err("self-test longest recipients header failed (%d)\n", ret);
		return -EINVAL;
	}
	ret = m2mv_jose_header(want, M2MV_HDR_MAX, &f);
	if (ret < 0 || m2mv_jose_header_kids(want, ret, got) ||
	    got->n != M2MV_RECIPIENTS_MAX ||
	    strcmp(got->kid[7], k->kid[7])) {
		pr_err("self-test longest recipients read back wrong\n");
		return -EINVAL;
	}
	return 0;
}

/*
 * Export of hand-made records (the parts are not a real seal): header
 * {"a":1}, ekey 40 x 0x11, iv 00..0b, payload "hello", tag 16 or 32 x 0xee.
 * Expected strings from
 * /usr/bin/python3 -c 'import base64; b=lambda x: base64.urlsafe_b64encode(x)
 *   .rstrip(b"=").decode(); print(b(b"{\"a\":1}"), b(b"\x11"*40),
 *   b(bytes(range(12))), b(b"hello"), b(b"\xee"*16), b(b"\xee"*32))'
 */
#define EXP_H	"eyJhIjoxfQ"
#define EXP_E	"EREREREREREREREREREREREREREREREREREREREREREREREREREREQ"
#define EXP_I	"AAECAwQFBgcICQoL"
#define EXP_P	"aGVsbG8"
#define EXP_T16	"7u7u7u7u7u7u7u7u7u7u7g"
#define EXP_T32	"7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u4"

static const char exp_wrap_compact[] __initconst =
	EXP_H "." EXP_E "." EXP_I "." EXP_P "." EXP_T16;
static const char exp_wrap_json[] __initconst =
	"{\"protected\":\"" EXP_H "\",\"encrypted_key\":\"" EXP_E
	"\",\"iv\":\"" EXP_I "\",\"ciphertext\":\"" EXP_P "\",\"tag\":\""
	EXP_T16 "\"}";
static const char exp_dir_compact[] __initconst = EXP_H ".." EXP_I "." EXP_P "." EXP_T16;
static const char exp_dir_json[] __initconst =
	"{\"protected\":\"" EXP_H "\",\"iv\":\"" EXP_I "\",\"ciphertext\":\""
	EXP_P "\",\"tag\":\"" EXP_T16 "\"}";
static const char exp_mic_compact[] __initconst = EXP_H "." EXP_P "." EXP_T32;
static const char exp_mic_json[] __initconst =
	"{\"payload\":\"" EXP_P "\",\"protected\":\"" EXP_H
	"\",\"signature\":\"" EXP_T32 "\"}";

static int __init export_check(const struct m2mv_rec *rec, bool json,
			       const char *want, char *buf)
{
	size_t n = strlen(want);
	ssize_t ret;

	ret = m2mv_jose_export_len(rec, json);
	if (ret == (ssize_t)n)
		ret = m2mv_jose_export(rec, json, buf, n);
	if (ret != (ssize_t)n || memcmp(buf, want, n) ||
	    m2mv_jose_export(rec, json, buf, n - 1) != -EOVERFLOW) {
		pr_err("self-test export mode %u%s failed (%zd)\n",
		       rec->head->mode, json ? " json" : "", ret);
		return -EINVAL;
	}
	return 0;
}

static int __init export_selftest(u8 mode, const char *compact, const char *json,
				  char *buf)
{
	static const char hdr[] = "{\"a\":1}";
	struct m2mv_rec_shape shape = {
		.type = M2MV_REC_PUT,
		.mode = mode,
		.path_len = 1,
		.hdr_max = sizeof(hdr) - 1,
		.payload_len = 5,
	};
	struct m2mv_rec rec;
	int ret, i;

	ret = m2mv_rec_alloc(&rec, &shape);
	if (ret)
		return ret;
	rec.path[0] = 'p';
	memset(rec.ekey, 0x11, rec.head->ekey_len);
	for (i = 0; i < rec.head->iv_len; i++)
		rec.iv[i] = i;
	memcpy(rec.payload, "hello", 5);
	memset(rec.tag, 0xee, rec.head->tag_len);
	memcpy(rec.hdr, hdr, sizeof(hdr) - 1);
	ret = m2mv_rec_set_hdr_len(&rec, sizeof(hdr) - 1);
	if (!ret)
		ret = export_check(&rec, false, compact, buf);
	if (!ret)
		ret = export_check(&rec, true, json, buf);
	m2mv_rec_free(&rec);
	return ret;
}

/*
 * A record of two recipients (header as below, wrapped keys 40 x 0x11 and
 * 40 x 0x22, the rest as above): General JSON only, one "recipients" entry
 * per key with its alg and kid; no compact form.
 */
#define EXP_RH	"eyJlbmMiOiJBMjU2R0NNIiwibTJtdl9wYXRoIjoicCIsIm0ybXZfdmVyIjoxLCJt" \
		"Mm12X3N0b3JlIjoiMDAiLCJtMm12X3JjcHQiOlsiMTUtYSIsIjE1LWIiXX0"
#define EXP_E2	"IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIg"

#define EXP_RCPT(kid, ek)						\
	"{\"header\":{\"alg\":\"A256KW\",\"kid\":\"" kid		\
	"\"},\"encrypted_key\":\"" ek "\"}"

static const char exp_rcpt_json[] __initconst =
	"{\"protected\":\"" EXP_RH "\",\"recipients\":[" EXP_RCPT("15-a", EXP_E)
	"," EXP_RCPT("15-b", EXP_E2) "],\"iv\":\"" EXP_I
	"\",\"ciphertext\":\"" EXP_P "\",\"tag\":\"" EXP_T16 "\"}";

static int __init export_rcpt_selftest(char *buf)
{
	/* Only the recipients matter to the export: a short store id. */
	static const char hdr[] = J_PFX_RCPT "p" J_VER "1" J_STORE "00" J_RCPT
		"15-a" J_RCPT_SEP "15-b" J_RCPT_END;
	struct m2mv_rec_shape shape = {
		.type = M2MV_REC_PUT,
		.mode = M2MV_MODE_WRAP,
		.flags = M2MV_RECF_RCPT,
		.nrcpt = 2,
		.path_len = 1,
		.hdr_max = sizeof(hdr) - 1,
		.payload_len = 5,
	};
	struct m2mv_rec rec;
	int ret, i;

	ret = m2mv_rec_alloc(&rec, &shape);
	if (ret)
		return ret;
	rec.path[0] = 'p';
	memset(rec.ekey, 0x11, M2MV_WRAPPED_KEY_SIZE);
	memset(rec.ekey + M2MV_WRAPPED_KEY_SIZE, 0x22, M2MV_WRAPPED_KEY_SIZE);
	for (i = 0; i < rec.head->iv_len; i++)
		rec.iv[i] = i;
	memcpy(rec.payload, "hello", 5);
	memset(rec.tag, 0xee, rec.head->tag_len);
	memcpy(rec.hdr, hdr, sizeof(hdr) - 1);
	ret = m2mv_rec_set_hdr_len(&rec, sizeof(hdr) - 1);
	if (!ret)
		ret = export_check(&rec, true, exp_rcpt_json, buf);
	if (!ret && (m2mv_jose_export_len(&rec, false) != -EINVAL ||
		     m2mv_jose_export(&rec, false, buf, 3 * M2MV_HDR_MAX) !=
		     -EINVAL)) {
		pr_err("self-test compact export of recipients not refused\n");
		ret = -EINVAL;
	}
	/* A header naming more recipients than the record has keys. */
	rec.head->nonce[0] = 1;
	if (!ret && m2mv_jose_export_len(&rec, true) != -EINVAL) {
		pr_err("self-test export of a short recipient list accepted\n");
		ret = -EINVAL;
	}
	m2mv_rec_free(&rec);
	return ret;
}

/**
 * m2mv_jose_selftest() - known-answer tests of this file
 *
 * BASE64URL (RFC 4648 section 10 vectors), the header of each mode byte for
 * byte, header_kid() round trips and refusals, the four serializations,
 * and the header and General JSON export of several recipients.
 *
 * Return: 0, -ENOMEM, or -EINVAL after a pr_err() naming the failing test.
 */
int __init m2mv_jose_selftest(void)
{
	struct m2mv_kids *kids;
	char *buf;
	int ret;

	ret = b64_selftest();
	if (ret)
		return ret;

	buf = kmalloc(3 * M2MV_HDR_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = hdr_selftest(buf);
	if (!ret)
		ret = export_selftest(M2MV_MODE_WRAP, exp_wrap_compact,
				      exp_wrap_json, buf);
	if (!ret)
		ret = export_selftest(M2MV_MODE_DIR, exp_dir_compact,
				      exp_dir_json, buf);
	if (!ret)
		ret = export_selftest(M2MV_MODE_MIC, exp_mic_compact,
				      exp_mic_json, buf);
	if (!ret)
		ret = export_rcpt_selftest(buf);
	kfree(buf);
	if (ret)
		return ret;

	kids = kmalloc_array(2, sizeof(*kids), GFP_KERNEL);
	buf = kmalloc(3 * M2MV_HDR_MAX, GFP_KERNEL);
	ret = kids && buf ? hdr_rcpt_selftest(buf, kids) : -ENOMEM;
	kfree(kids);
	kfree(buf);
	return ret;
}
