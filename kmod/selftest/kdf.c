// SPDX-License-Identifier: GPL-2.0
/*
 * Known-answer tests of kdf.c, included at its end so that they see
 * its static functions; __init, so they are gone once the module is loaded.
 */
/* RFC 4231 section 4.2, test case 1 (a 160-bit key: also valid in FIPS). */
static const u8 kat_tc1_key[20] __initconst = {
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
	0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
};

static const u8 kat_tc1_mac[32] __initconst = {
	0xb0, 0x34, 0x4c, 0x61, 0xd8, 0xdb, 0x38, 0x53,
	0x5c, 0xa8, 0xaf, 0xce, 0xaf, 0x0b, 0xf1, 0x2b,
	0x88, 0x1d, 0xc2, 0x00, 0xc9, 0x83, 0x3d, 0xa7,
	0x26, 0xe9, 0x37, 0x6c, 0x2e, 0x32, 0xcf, 0xf7,
};

/* RFC 4231 section 4.3, test case 2: key "Jefe". */
static const u8 kat_tc2_mac[32] __initconst = {
	0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e,
	0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
	0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83,
	0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43,
};

/*
 * The dir KDF with key 00..1f, container id "CSEBase/ae1/cnt1" (derived
 * from the path "CSEBase/ae1/cnt1/cin1") and nonce a0..af, computed with
 *
 * /usr/bin/python3 -c 'import hmac,hashlib; print(hmac.new(bytes(range(32)),
 *   b"Data Confidentiality" + b"CSEBase/ae1/cnt1" + bytes(range(0xa0, 0xb0)),
 *   hashlib.sha256).hexdigest())'
 */
static const u8 kat_dir_cek[32] __initconst = {
	0x2e, 0xc8, 0xba, 0x04, 0xe7, 0xf7, 0xc0, 0x63,
	0xe9, 0x08, 0x69, 0xbf, 0xff, 0xa0, 0x2d, 0xf2,
	0xc3, 0x95, 0x4c, 0x7a, 0xbd, 0xd3, 0x4c, 0x25,
	0x0e, 0xae, 0xc6, 0x26, 0x14, 0x71, 0x7d, 0x54,
};

static int __init kdf_check(const char *name, int ret, const u8 *got,
			    const u8 *want)
{
	if (ret || memcmp(got, want, 32)) {
		pr_err("self-test %s failed (%d)\n", name, ret);
		return -EINVAL;
	}
	return 0;
}

static int __init dir_id_check(const char *path, bool instance, const char *want)
{
	const char *id;
	u16 id_len;

	m2mv_dir_id(path, strlen(path), instance, &id, &id_len);
	if (id != path || id_len != strlen(want) || memcmp(id, want, id_len)) {
		pr_err("self-test dir id of \"%s\"%s failed\n", path,
		       instance ? " (instance)" : "");
		return -EINVAL;
	}
	return 0;
}

/**
 * m2mv_kdf_selftest() - known-answer tests of this file
 *
 * RFC 4231 test cases 1 and 2 (test case 2's 32-bit key is refused by the
 * kernel's hmac in FIPS mode, so it is skipped there), the container/instance
 * id rules, and one m2mv_kdf_dir_cek() vector.
 *
 * Return: 0, or -EINVAL after a pr_err() naming the failing vector.
 */
int __init m2mv_kdf_selftest(void)
{
	static const char path[] = "CSEBase/ae1/cnt1/cin1";
	struct kvec vec[2];
	const char *id;
	u8 key[32], nonce[16], out[32];
	u16 id_len;
	unsigned int i;
	int ret;

	vec[0].iov_base = (void *)"Hi There";
	vec[0].iov_len = 8;
	ret = m2mv_hmac_sha256(kat_tc1_key, sizeof(kat_tc1_key), vec, 1, out);
	ret = kdf_check("RFC 4231 test case 1", ret, out, kat_tc1_mac);
	if (ret)
		return ret;

	if (!fips_enabled) {
		/* Split in two to exercise the kvec walk. */
		vec[0].iov_base = (void *)"what do ya ";
		vec[0].iov_len = 11;
		vec[1].iov_base = (void *)"want for nothing?";
		vec[1].iov_len = 17;
		ret = m2mv_hmac_sha256((const u8 *)"Jefe", 4, vec, 2, out);
		ret = kdf_check("RFC 4231 test case 2", ret, out, kat_tc2_mac);
		if (ret)
			return ret;
	}

	if (dir_id_check(path, false, "CSEBase/ae1/cnt1") ||
	    dir_id_check(path, true, path) ||
	    dir_id_check("cin1", false, "cin1") ||
	    dir_id_check("/cin1", false, "") ||
	    dir_id_check("a/", false, "a"))
		return -EINVAL;

	for (i = 0; i < sizeof(key); i++)
		key[i] = i;
	for (i = 0; i < sizeof(nonce); i++)
		nonce[i] = 0xa0 + i;
	m2mv_dir_id(path, sizeof(path) - 1, false, &id, &id_len);
	ret = m2mv_kdf_dir_cek(key, id, id_len, nonce, out);
	ret = kdf_check("dir CEK", ret, out, kat_dir_cek);
	memzero_explicit(out, sizeof(out));
	return ret;
}
