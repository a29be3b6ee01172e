// SPDX-License-Identifier: GPL-2.0
/*
 * Known-answer tests of seal.c, included at its end so that they see
 * its static functions; __init, so they are gone once the module is loaded.
 */
/* RFC 3394 section 4.6: 256 bits of key data with a 256-bit KEK. */
static const u8 kw_kat_kek[32] __initconst = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

static const u8 kw_kat_key[32] __initconst = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
};

static const u8 kw_kat_wrapped[40] __initconst = {
	0x28, 0xc9, 0xf4, 0x04, 0xc4, 0xb8, 0x10, 0xf4,
	0xcb, 0xcc, 0xb3, 0x5c, 0xfb, 0x87, 0xf8, 0x26,
	0x3f, 0x57, 0x86, 0xe2, 0xd8, 0x0e, 0xd3, 0x26,
	0xcb, 0xc7, 0xf0, 0xe7, 0x1a, 0x99, 0xf4, 0x3b,
	0xfb, 0x98, 0x8b, 0x9b, 0x7a, 0x02, 0xdd, 0x21,
};

static int __init kw_selftest(void)
{
	u8 ekey[M2MV_WRAPPED_KEY_SIZE], kek[M2MV_KEY_SIZE], cek[M2MV_KEY_SIZE];
	int ret;

	ret = m2mv_kw_wrap(kw_kat_kek, kw_kat_key, ekey);
	if (ret || memcmp(ekey, kw_kat_wrapped, sizeof(ekey))) {
		pr_err("self-test RFC 3394 4.6 wrap failed (%d)\n", ret);
		return -EINVAL;
	}
	ret = m2mv_kw_unwrap(kw_kat_kek, kw_kat_wrapped, cek);
	if (ret || memcmp(cek, kw_kat_key, sizeof(cek))) {
		pr_err("self-test RFC 3394 4.6 unwrap failed (%d)\n", ret);
		return -EINVAL;
	}
	memcpy(kek, kw_kat_kek, sizeof(kek));
	kek[31] ^= 1;
	ret = m2mv_kw_unwrap(kek, kw_kat_wrapped, cek);
	if (ret != -EBADMSG) {
		pr_err("self-test RFC 3394 unwrap with a wrong key: %d\n", ret);
		return -EINVAL;
	}
	ekey[20] ^= 0x80;
	ret = m2mv_kw_unwrap(kw_kat_kek, ekey, cek);
	if (ret != -EBADMSG) {
		pr_err("self-test RFC 3394 unwrap of a changed key: %d\n", ret);
		return -EINVAL;
	}
	return 0;
}

struct seal_case {
	const char *name;
	u8 mode;
	u8 rflags;			/* M2MV_RECF_* */
	const char *kid;
	u32 len;
	bool vmapped;
};

static const struct seal_case seal_cases[] __initconst = {
	{ "wrap", M2MV_MODE_WRAP, 0, "15-selftest", 1000, false },
	{ "wrap empty", M2MV_MODE_WRAP, 0, "15-selftest", 0, false },
	{ "wrap vmalloc", M2MV_MODE_WRAP, 0, "15-selftest",
	  3 * PAGE_SIZE + 1001, true },
	{ "dir container", M2MV_MODE_DIR, M2MV_RECF_CRIT, "14-selftest", 1000,
	  false },
	{ "dir container, no crit", M2MV_MODE_DIR, 0, "14-selftest", 100,
	  false },
	{ "dir instance", M2MV_MODE_DIR, M2MV_RECF_INSTANCE | M2MV_RECF_CRIT,
	  "14-selftest", 17, false },
	{ "dir vmalloc", M2MV_MODE_DIR, M2MV_RECF_CRIT, "14-selftest",
	  2 * PAGE_SIZE + 5, true },
	{ "dir ts0003", M2MV_MODE_DIR, M2MV_RECF_DIRECT, "14-selftest", 1000,
	  false },
	{ "dir ts0003 vmalloc", M2MV_MODE_DIR, M2MV_RECF_DIRECT, "14-selftest",
	  PAGE_SIZE + 3, true },
	{ "mic", M2MV_MODE_MIC, 0, "16-selftest", 1000, false },
	{ "mic empty", M2MV_MODE_MIC, 0, "16-selftest", 0, false },
	{ "mic vmalloc", M2MV_MODE_MIC, 0, "16-selftest",
	  MIC_CHUNK * 3 + 2, true },
};

static void __init st_fill(u8 *p, u32 len)
{
	u32 i;

	for (i = 0; i < len; i++)
		p[i] = i * 7 + (i >> 8);
}

/* Build the record of @c with its plaintext, optionally moved to vmalloc. */
static int __init st_build(const struct seal_case *c, struct m2mv_rec *rec)
{
	static const char path[] = "CSEBase/ae1/cnt1/cin1";
	static const u8 store_id[M2MV_STORE_ID_SIZE] = { 0x5e, 0x1f };
	struct m2mv_rec_shape shape = {
		.type = M2MV_REC_PUT,
		.mode = c->mode,
		.flags = c->rflags,
		.path_len = sizeof(path) - 1,
		.hdr_max = M2MV_HDR_MAX,
		.payload_len = c->len,
	};
	struct m2mv_hdr_fields f = {
		.mode = c->mode,
		.instance = c->rflags & M2MV_RECF_INSTANCE,
		.crit = c->rflags & M2MV_RECF_CRIT,
		.direct = c->rflags & M2MV_RECF_DIRECT,
		.kid = c->kid,
		.path = path,
		.path_len = sizeof(path) - 1,
		.version = 1,
		.store_id = store_id,
	};
	struct m2mv_rec tmp;
	u32 len;
	u8 *vbuf;
	int ret;

	ret = m2mv_rec_alloc(&tmp, &shape);
	if (ret)
		return ret;
	memcpy(tmp.path, path, sizeof(path) - 1);
	tmp.head->version = cpu_to_le64(1);
	if (c->mode == M2MV_MODE_DIR && !(c->rflags & M2MV_RECF_DIRECT))
		get_random_bytes(tmp.head->nonce, M2MV_NONCE_SIZE);
	f.nonce = tmp.head->nonce;
	st_fill(tmp.payload, c->len);
	ret = m2mv_jose_header(tmp.hdr, M2MV_HDR_MAX, &f);
	if (ret >= 0)
		ret = m2mv_rec_set_hdr_len(&tmp, ret);
	if (ret || !c->vmapped) {
		if (ret)
			m2mv_rec_free(&tmp);
		else
			*rec = tmp;
		return ret;
	}

	len = m2mv_rec_len(&tmp);
	vbuf = vmalloc(len);
	if (!vbuf) {
		m2mv_rec_free(&tmp);
		return -ENOMEM;
	}
	memcpy(vbuf, tmp.buf, len);
	m2mv_rec_free(&tmp);
	ret = m2mv_rec_map(rec, vbuf, len);
	if (ret)
		vfree(vbuf);
	return ret;
}

/* Seal the plaintext @want, flip a bit at @damage, and open with @open_key. */
static int __init st_seal_open(const struct seal_case *c, struct m2mv_rec *rec,
			       const u8 *want, const u8 *key, const u8 *open_key,
			u8 *damage)
{
	int ret;

	memcpy(rec->payload, want, c->len);
	ret = m2mv_seal(rec, key);
	if (ret)
		return ret;
	/* wrap and dir: the payload must now be ciphertext. */
	if (c->mode != M2MV_MODE_MIC && c->len >= 16 &&
	    !memcmp(rec->payload, want, 16))
		return -EINVAL;
	if (damage)
		*damage ^= 0x01;
	ret = m2mv_open(rec, open_key);
	/* Undo damage outside the payload; the next seal rewrites that. */
	if (damage && (damage < rec->payload || damage >= rec->payload + c->len))
		*damage ^= 0x01;
	return ret;
}

static int __init st_case(const struct seal_case *c)
{
	struct m2mv_rec rec;
	u8 key[M2MV_KEY_SIZE], other[M2MV_KEY_SIZE];
	u8 *vec[3];
	unsigned int i;
	u8 *want;
	int ret;

	want = kvmalloc(c->len ?: 1, GFP_KERNEL);
	if (!want)
		return -ENOMEM;
	st_fill(want, c->len);
	ret = st_build(c, &rec);
	if (ret)
		goto out_want;
	if (c->vmapped && !is_vmalloc_addr(rec.payload)) {
		ret = -EINVAL;
		goto out;
	}

	for (i = 0; i < sizeof(key); i++)
		key[i] = 0x40 + i;
	memcpy(other, key, sizeof(other));
	other[0] ^= 0x80;

	/* Round trip. */
	ret = st_seal_open(c, &rec, want, key, key, NULL);
	if (ret || memcmp(rec.payload, want, c->len)) {
		ret = ret ?: -EINVAL;
		goto out;
	}

	/* Damage: payload (or tag), header, and a wrong key. */
	vec[0] = c->len ? rec.payload + c->len / 2 : rec.tag;
	vec[1] = rec.hdr + m2mv_rec_hdr_len(&rec) / 2;
	vec[2] = NULL;
	for (i = 0; i < ARRAY_SIZE(vec); i++) {
		ret = st_seal_open(c, &rec, want, key, vec[i] ? key : other,
				   vec[i]);
		if (ret != -EBADMSG || memchr_inv(rec.payload, 0, c->len)) {
			pr_err("self-test seal %s: damage %u gave %d\n",
			       c->name, i, ret);
			ret = -EINVAL;
			goto out;
		}
	}
	ret = 0;
out:
	m2mv_rec_free(&rec);
out_want:
	kvfree(want);
	if (ret)
		pr_err("self-test seal %s failed (%d)\n", c->name, ret);
	return ret;
}

/* The keys of the recipient self-test: recipient @i's, or a stranger's. */
static void __init st_rcpt_key(u8 key[M2MV_KEY_SIZE], u8 i)
{
	unsigned int j;

	for (j = 0; j < M2MV_KEY_SIZE; j++)
		key[j] = 0x10 * (i + 1) + j;
}

/* Seal @want for every key of @keys, then open as recipient @idx. */
static int __init st_rcpt_round(struct m2mv_rec *rec, const u8 *want, u32 len,
				const u8 keys[][M2MV_KEY_SIZE], u8 n,
				const u8 *open_key, u8 idx)
{
	int ret;

	memcpy(rec->payload, want, len);
	ret = m2mv_seal_keys(rec, keys, n);
	if (!ret)
		ret = m2mv_open_as(rec, open_key, idx);
	if (!ret && memcmp(rec->payload, want, len))
		ret = -EINVAL;
	return ret;
}

/*
 * m2mv_rec_map() of a copy of @rec with head byte @off set to @val (or
 * unchanged for @off 0): 0, or its error.
 */
static int __init st_rcpt_map(const struct m2mv_rec *rec, size_t off, u8 val)
{
	u32 len = m2mv_rec_len(rec);
	struct m2mv_rec view;
	u8 *copy;
	int ret;

	copy = kvmalloc(len, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, rec->buf, len);
	if (off)
		copy[off] = val;
	ret = m2mv_rec_map(&view, copy, len);
	if (ret)
		kvfree(copy);
	else
		m2mv_rec_free(&view);
	return ret;
}

/*
 * A record of several recipients maps as one only with 2 to 8 of them in
 * nonce[0], the other nonce bytes zero, in wrap mode, and no unknown flag.
 */
static int __init st_rcpt_maps(const struct m2mv_rec *rec)
{
	size_t nonce = offsetof(struct m2mv_disk_rec, nonce);
	size_t mode = offsetof(struct m2mv_disk_rec, mode);
	size_t flags = offsetof(struct m2mv_disk_rec, flags);
	u8 n = rec->head->nonce[0];

	if (st_rcpt_map(rec, 0, 0))
		return -EINVAL;
	/* Another count changes the layout; the head still says the size. */
	if (st_rcpt_map(rec, nonce, 1) != -EBADMSG ||
	    st_rcpt_map(rec, nonce, M2MV_RECIPIENTS_MAX + 1) != -EBADMSG ||
	    st_rcpt_map(rec, nonce, n == 2 ? 3 : 2) != -EBADMSG ||
	    st_rcpt_map(rec, nonce + 1, 1) != -EBADMSG ||
	    st_rcpt_map(rec, nonce + M2MV_NONCE_SIZE - 1, 0x80) != -EBADMSG ||
	    st_rcpt_map(rec, mode, M2MV_MODE_DIR) != -EBADMSG ||
	    st_rcpt_map(rec, flags, 1U << 7) != -EBADMSG)
		return -EINVAL;
	return 0;
}

/*
 * A wrap record of @n recipients: each key opens it as its recipient and
 * no other; the wrong number of keys, a recipient it does not have and a
 * damaged wrapped key are refused; re-sealing the first recipient's place
 * under the same content key leaves the others' keys working.
 */
static int __init st_rcpt(u8 n, u32 len)
{
	static const char path[] = "CSEBase/ae1/cnt1/cin1";
	static const u8 store_id[M2MV_STORE_ID_SIZE] = { 0x5e, 0x1f };
	struct m2mv_rec_shape shape = {
		.type = M2MV_REC_PUT,
		.mode = M2MV_MODE_WRAP,
		.flags = M2MV_RECF_RCPT,
		.nrcpt = n,
		.path_len = sizeof(path) - 1,
		.hdr_max = M2MV_HDR_MAX,
		.payload_len = len,
	};
	struct st_rcpt_buf {
		struct m2mv_kids kids;
		u8 keys[M2MV_RECIPIENTS_MAX + 1][M2MV_KEY_SIZE];
		u8 cek[M2MV_KEY_SIZE];
	} *b;
	struct m2mv_hdr_fields f = {
		.mode = M2MV_MODE_WRAP,
		.path = path,
		.path_len = sizeof(path) - 1,
		.version = 1,
		.store_id = store_id,
	};
	struct m2mv_rec rec = {};
	const u8 (*keys)[M2MV_KEY_SIZE];
	u8 *want, i;
	int ret;

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	want = kvmalloc(len ?: 1, GFP_KERNEL);
	ret = -ENOMEM;
	if (!b || !want)
		goto out;
	keys = (const u8 (*)[M2MV_KEY_SIZE])b->keys;
	st_fill(want, len);
	b->kids.n = n;
	for (i = 0; i <= n; i++) {
		st_rcpt_key(b->keys[i], i);
		if (i < n)
			snprintf(b->kids.kid[i], sizeof(b->kids.kid[i]),
				 "15-rcpt%u@selftest", i);
	}
	f.kid = b->kids.kid[0];
	f.rcpt = &b->kids;
	ret = m2mv_rec_alloc(&rec, &shape);
	if (ret)
		goto out;
	if (rec.head->nonce[0] != n || m2mv_rec_nkeys(&rec) != n ||
	    rec.iv != rec.ekey + n * M2MV_WRAPPED_KEY_SIZE) {
		ret = -EINVAL;
		goto out;
	}
	memcpy(rec.path, path, sizeof(path) - 1);
	ret = m2mv_jose_header(rec.hdr, M2MV_HDR_MAX, &f);
	if (ret >= 0)
		ret = m2mv_rec_set_hdr_len(&rec, ret);
	if (ret)
		goto out;

	ret = st_rcpt_maps(&rec);
	for (i = 0; i < n && !ret; i++)
		ret = st_rcpt_round(&rec, want, len, keys, n, b->keys[i], i);
	if (ret)
		goto out;
	/* Another recipient's key, a stranger's, and one position too far. */
	ret = -EINVAL;
	if (st_rcpt_round(&rec, want, len, keys, n, b->keys[1], 0) != -EBADMSG ||
	    memchr_inv(rec.payload, 0, len) ||
	    st_rcpt_round(&rec, want, len, keys, n, b->keys[n], n - 1) !=
	    -EBADMSG ||
	    st_rcpt_round(&rec, want, len, keys, n, b->keys[0], n) != -EINVAL ||
	    m2mv_seal_keys(&rec, keys, n - 1) != -EINVAL ||
	    m2mv_seal_keys(&rec, keys, n + 1) != -EINVAL)
		goto out;
	/* A damaged wrapped key fails its recipient only. */
	memcpy(rec.payload, want, len);
	if (m2mv_seal_keys(&rec, keys, n))
		goto out;
	rec.ekey[M2MV_WRAPPED_KEY_SIZE + 3] ^= 0x04;
	if (m2mv_open_as(&rec, b->keys[1], 1) != -EBADMSG)
		goto out;
	rec.ekey[M2MV_WRAPPED_KEY_SIZE + 3] ^= 0x04;

	/* Rotation's re-seal: recipient 0 gets key n, the others stay. */
	memcpy(rec.payload, want, len);
	if (m2mv_seal_keys(&rec, keys, n) ||
	    m2mv_open_cek(&rec, b->keys[0], 0, b->cek) ||
	    m2mv_seal_cek(&rec, b->cek, b->keys[n], 0) ||
	    m2mv_open_as(&rec, b->keys[n], 0) ||
	    memcmp(rec.payload, want, len))
		goto out;
	if (m2mv_seal_cek(&rec, b->cek, b->keys[n], 0) ||
	    m2mv_open_as(&rec, b->keys[n - 1], n - 1) ||
	    memcmp(rec.payload, want, len))
		goto out;
	if (m2mv_seal_cek(&rec, b->cek, b->keys[n], 0) ||
	    m2mv_open_as(&rec, b->keys[0], 0) != -EBADMSG)
		goto out;
	ret = 0;
out:
	m2mv_rec_free(&rec);
	kvfree(want);
	kfree_sensitive(b);
	if (ret)
		pr_err("self-test seal of %u recipients failed (%d)\n", n, ret);
	return ret;
}

/**
 * m2mv_seal_selftest() - known-answer and round-trip tests of this file
 *
 * RFC 3394 section 4.6 for "kw(aes)" (wrap, unwrap, and -EBADMSG for a
 * wrong key or changed input), then in each mode a seal/open round trip
 * (linear and vmalloc record buffers, empty payloads) and -EBADMSG with a
 * wiped payload for a flipped payload or tag bit, a flipped header bit and
 * a wrong key; and wrap records of several recipients (st_rcpt()).
 *
 * Return: 0 or a negative errno after a pr_err() naming the failing test.
 */
int __init m2mv_seal_selftest(void)
{
	unsigned int i;
	int ret;

	ret = kw_selftest();
	for (i = 0; !ret && i < ARRAY_SIZE(seal_cases); i++)
		ret = st_case(&seal_cases[i]);
	if (!ret)
		ret = st_rcpt(2, 1000);
	if (!ret)
		ret = st_rcpt(3, 0);
	if (!ret)
		ret = st_rcpt(M2MV_RECIPIENTS_MAX, 3 * PAGE_SIZE + 7);
	return ret;
}
