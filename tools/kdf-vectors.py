#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Compute the key-derivation test vectors of Documentation/key-management.rst
from the formulas alone, with Python's hmac and hashlib: no project code is
imported, so the C implementation (userspace/common/kdf.c) and the kernel's
(kmod/kdf.c) are checked against an independent computation."""
import hashlib
import hmac


def H(key, *parts):
    return hmac.new(key, b"".join(parts), hashlib.sha256).digest()


# H as HKDF-Extract, against RFC 5869's test cases 1 to 3 (PRK); in case 3
# the salt is absent, which HKDF defines as HashLen zero bytes.
for salt_, ikm_, prk_ in [
    (bytes(range(13)), b"\x0b" * 22,
     "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"),
    (bytes(range(0x60, 0xb0)), bytes(range(0x50)),
     "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244"),
    (bytes(32), b"\x0b" * 22,
     "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04"),
]:
    assert H(salt_, ikm_).hex() == prk_, "HMAC-SHA256 disagrees with RFC 5869"
assert H(b"", b"\x0b" * 22) == H(bytes(32), b"\x0b" * 22)


FQDN = b"tef.example.com"
exporter = bytes(range(0x00, 0x30))
salt = bytes(range(0x40, 0x60))
nonce = bytes(range(0xa0, 0xb0))
kpsa = bytes(range(0x80, 0xa0))

rel_keid, ke = exporter[:16], exporter[16:]
keid = rel_keid.hex().encode() + b"@" + FQDN
master = H(salt, ke)
t1 = H(master, b"Data Authenticity and Integrity", b"\x01")
t2 = H(master, t1, b"Data Confidentiality Key", b"\x02")
path = b"CSEBase/ae1/cnt1/cin1"
container = path[:path.rindex(b"/")]
dir_c = H(t2, b"Data Confidentiality", container, nonce)
dir_i = H(t2, b"Data Confidentiality", path, nonce)
dir_a = H(t1, b"Data Authenticity and Integrity", container, nonce)
kernel_dir = H(bytes(range(32)), b"Data Confidentiality", container, nonce)

e2e_master = H(salt, kpsa)
labels = [b"E2E Message Authentication Key", b"E2E Message Confidentiality Key",
          b"E2E Attribute Authenticity Key", b"E2E Attribute Confidentiality Key"]
t, e2e = b"", []
for i, label in enumerate(labels, 1):
    t = H(e2e_master, t, label, bytes([i]))
    e2e.append(t)


def credid(kind):
    d = hashlib.sha256(keid + salt + str(kind).encode()).digest()
    return "%d-%s@%s" % (kind, d[:16].hex(), FQDN.decode())


# The key that wraps a store's recovery key in its RCVY record.
store_key = bytes(range(0x00, 0x20))
store_id = bytes(range(0x20, 0x30))
recovery_kek = H(store_key, b"m2mvault recovery", store_id,
                 b"15-recovery@tef.example.com")

rows = [
    ("exporter", exporter.hex()),
    ("RelativeKeID", rel_keid.hex()),
    ("Ke", ke.hex()),
    ("KeID", keid.decode()),
    ("Salt", salt.hex()),
    ("K_master", master.hex()),
    ("K_data_auth", t1.hex()),
    ("K_data_conf", t2.hex()),
    ("nonce", nonce.hex()),
    ("K_c_conf (container CSEBase/ae1/cnt1)", dir_c.hex()),
    ("K_i_conf (instance CSEBase/ae1/cnt1/cin1)", dir_i.hex()),
    ("K_c_auth (container CSEBase/ae1/cnt1)", dir_a.hex()),
    ("kernel dir vector (key 00..1f)", kernel_dir.hex()),
    ("recovery KEK", recovery_kek.hex()),
    ("Kpsa", kpsa.hex()),
    ("Ke2e_master", e2e_master.hex()),
] + [("E2E T(%d)" % (i + 1), k.hex()) for i, k in enumerate(e2e)] + [
    ("Credential-ID 14", credid(14)),
    ("Credential-ID 15", credid(15)),
    ("Credential-ID 16", credid(16)),
]
for name, value in rows:
    print("%-42s %s" % (name, value))
