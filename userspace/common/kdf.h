/* SPDX-License-Identifier: GPL-2.0 */
/*
 * oneM2M key derivations on OpenSSL (Documentation/key-management.rst):
 * the bootstrap exporter split, K_master, the data security expansion
 * chain, the "dir" mode per-container/per-instance keys, the E2E chain of
 * TS-0003 10.3.6, and Credential-ID construction.
 *
 * Every function returns 0 or a negative errno (-EINVAL for bad arguments,
 * -ENOSPC for a short output buffer, -ENOMEM, -EIO when OpenSSL fails).
 * Outputs are wiped on failure; callers wipe their key buffers with
 * OPENSSL_cleanse() after use.
 */
#ifndef M2MV_KDF_H
#define M2MV_KDF_H

#include <stddef.h>
#include <stdint.h>

#define M2MV_KEY_LEN		32
#define M2MV_SALT_LEN		32
#define M2MV_NONCE_LEN		16
#define M2MV_EXPORTER_LABEL	"EXPORTER-oneM2M-Bootstrap"
#define M2MV_EXPORTER_LEN	48
#define M2MV_REL_KEID_LEN	16
/* "<32 hex>@<fqdn>", fqdn at most 253 bytes, plus the terminator. */
#define M2MV_KEID_BUFSZ		(2 * M2MV_REL_KEID_LEN + 1 + 253 + 1)

#define M2MV_LABEL_DATA_AUTH	"Data Authenticity and Integrity"
#define M2MV_LABEL_DATA_CONF	"Data Confidentiality Key"
#define M2MV_LABEL_DIR_CONF	"Data Confidentiality"
#define M2MV_LABEL_DIR_AUTH	"Data Authenticity and Integrity"

/* Ke and its identity, from one (D)TLS session's exporter. */
struct m2mv_ke {
	uint8_t rel_keid[M2MV_REL_KEID_LEN];
	uint8_t ke[M2MV_KEY_LEN];
	char keid[M2MV_KEID_BUFSZ];	/* lowercase-hex(RelativeKeID) "@" fqdn */
};

/* The four keys of the E2E chain (seed 002, TS-0003 10.3.6). */
struct m2mv_e2e_keys {
	uint8_t msg_auth[M2MV_KEY_LEN];		/* T(1) */
	uint8_t msg_conf[M2MV_KEY_LEN];		/* T(2) */
	uint8_t attr_auth[M2MV_KEY_LEN];	/* T(3) */
	uint8_t attr_conf[M2MV_KEY_LEN];	/* T(4) */
};

/**
 * m2mv_kdf_split_exporter() - RelativeKeID, Ke and KeID from the exporter
 * @exporter: the 48 bytes of the RFC 5705 exporter, label
 *	M2MV_EXPORTER_LABEL, no context
 * @fqdn: the TEF's FQDN (1..253 bytes of [A-Za-z0-9.-])
 * @out: out: bytes 0..15 are RelativeKeID, 16..47 Ke
 */
int m2mv_kdf_split_exporter(const uint8_t exporter[M2MV_EXPORTER_LEN],
			    const char *fqdn, struct m2mv_ke *out);

/**
 * m2mv_kdf_exporter() - run the exporter on an established OpenSSL session
 * @ssl: an SSL * (void * so that this header needs no OpenSSL include)
 * @fqdn: as for m2mv_kdf_split_exporter()
 * @out: out
 */
int m2mv_kdf_exporter(void *ssl, const char *fqdn, struct m2mv_ke *out);

/**
 * m2mv_kdf_extract() - HKDF-Extract (RFC 5869 2.2) with SHA-256:
 * PRK = HMAC-SHA256(key=@salt, msg=@ikm); an empty salt is HashLen zeros
 */
int m2mv_kdf_extract(const uint8_t *salt, size_t salt_len,
		     const uint8_t *ikm, size_t ikm_len,
		     uint8_t prk[M2MV_KEY_LEN]);

/** m2mv_kdf_master() - K_master = HMAC-SHA256(key=@salt, msg=@ke) */
int m2mv_kdf_master(const uint8_t *salt, size_t salt_len,
		    const uint8_t ke[M2MV_KEY_LEN],
		    uint8_t master[M2MV_KEY_LEN]);

/**
 * m2mv_kdf_data_keys() - the K_data_auth, K_data_conf expansion chain
 * K_data_auth = T(1) = HMAC(K_master, "Data Authenticity and Integrity" || 0x01)
 * K_data_conf = T(2) = HMAC(K_master, T(1) || "Data Confidentiality Key" || 0x02)
 */
int m2mv_kdf_data_keys(const uint8_t master[M2MV_KEY_LEN],
		       uint8_t auth[M2MV_KEY_LEN], uint8_t conf[M2MV_KEY_LEN]);

/**
 * m2mv_kdf_dir_id() - the id a "dir" key is derived from, as the kernel
 * takes it: the whole path per instance; per container the path up to its
 * last '/' (the whole path if it has none; empty for "/x").
 * @path: resource path (NUL-terminated)
 * @instance: per-instance instead of per-container
 * @id_len: out: bytes of the id, which starts at @path
 */
int m2mv_kdf_dir_id(const char *path, int instance, size_t *id_len);

/**
 * m2mv_kdf_dir_conf() - HMAC(K_data_conf, "Data Confidentiality" || id || nonce16):
 * the CEK of a "dir" mode record (the kernel derives the same)
 */
int m2mv_kdf_dir_conf(const uint8_t conf[M2MV_KEY_LEN], const char *id,
		      size_t id_len, const uint8_t nonce[M2MV_NONCE_LEN],
		      uint8_t out[M2MV_KEY_LEN]);

/** m2mv_kdf_dir_auth() - HMAC(K_data_auth, "Data Authenticity and Integrity" || id || nonce16) */
int m2mv_kdf_dir_auth(const uint8_t auth[M2MV_KEY_LEN], const char *id,
		      size_t id_len, const uint8_t nonce[M2MV_NONCE_LEN],
		      uint8_t out[M2MV_KEY_LEN]);

/**
 * m2mv_kdf_e2e() - Ke2e_master = HMAC(Salt, Kpsa), then T(1..4) with the
 * labels "E2E Message Authentication Key", "E2E Message Confidentiality
 * Key", "E2E Attribute Authenticity Key", "E2E Attribute Confidentiality
 * Key": T(n) = HMAC(master, T(n-1) || label(n) || n), T(0) empty.
 */
int m2mv_kdf_e2e(const uint8_t *salt, size_t salt_len, const uint8_t *kpsa,
		 size_t kpsa_len, struct m2mv_e2e_keys *out);

/**
 * m2mv_kdf_credid() - the Credential-ID of a key registered with the TEF
 * @buf: out, at least M2MV_CREDID_BUFSZ bytes (credid.h)
 * @size: its size
 * @type: 14, 15 or 16
 * @keid: the KeID of the session that registered it
 * @salt: the Salt the TEF returned (M2MV_SALT_LEN bytes)
 * @fqdn: the TEF's FQDN
 *
 * "<type>-" lowercase-hex(SHA-256(ASCII(KeID) || Salt || ASCII(type))[0..15]) "@" fqdn
 * The reference TEF assigns it (m2m-tefd --assign seed); the client does
 * not insist on it, as a TS-0003 MEF chooses its RelativeKeyIDs, and takes
 * any well-formed ID of the right type (m2mv_tef_assigned_ok()). No key
 * depends on it.
 */
int m2mv_kdf_credid(char *buf, size_t size, unsigned int type,
		    const char *keid, const uint8_t salt[M2MV_SALT_LEN],
		    const char *fqdn);

/**
 * m2mv_kdf_credential_key() - the key behind a registered credential:
 * type 14 and 15 take K_data_conf, type 16 K_data_auth, all from
 * K_master = HMAC(Salt, Ke).
 */
int m2mv_kdf_credential_key(const uint8_t ke[M2MV_KEY_LEN],
			    const uint8_t salt[M2MV_SALT_LEN],
			    unsigned int type, uint8_t key[M2MV_KEY_LEN]);

#endif /* M2MV_KDF_H */
