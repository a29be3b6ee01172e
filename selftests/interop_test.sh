#!/bin/bash
# Records exported by m2mvault (JWE for wrap and dir, JWS for mic, compact
# and flattened JSON) verify and decrypt with three independent JOSE
# implementations, given only the credential keys (and, for dir records
# of the seed profile, the derivation):
#   - the jose command line tool (libjose), dir keys derived with openssl;
#   - python3 jwcrypto, dir keys derived with python's hmac;
#   - node's npm "jose" package (tools/npm-deps), dir keys from node crypto.
# Each check compares the exit status and the plaintext. Tampered records
# and wrong keys must fail in every implementation.
#
# The dir-mode content key is HMAC-SHA256(K14, "Data Confidentiality" ||
# id || nonce) with id the container (m2mv_path up to its last '/') or the
# instance (m2mv_path), as m2mv_kdf says, and nonce the 16 bytes of
# m2mv_nonce (kmod/kdf.h, kmod/jose.h). Seed dir headers list both in
# "crit": jwcrypto and node's jose are told they understand them, and
# given the type-14 key itself (what a reader that does not know the
# derivation has) they must refuse the record naming m2mv_kdf, not fail
# its tag. A dir record of the ts0003 profile (mode letter t) decrypts
# with the type-14 key itself as the content key, as TS-0003's ESData
# direct mode says, with nothing derived.
#
# A wrap record of three recipients (mode letter r, policy /r/ with
# RECIPIENTS) exports as the General JSON serialization only: each
# implementation is given one recipient's key alone, for each of the
# three, and must decrypt it; a wrong key and a changed ciphertext fail.
. "$(dirname "$0")/lib.sh"

# Everything below runs in a fresh session keyring.
if [ -z "${M2MV_IN_SESSION:-}" ]; then
	M2MV_IN_SESSION=1 keyctl session - "$0" "$@" 2>&1 | grep --line-buffered -v '^Joined session'
	exit "${PIPESTATUS[0]}"
fi

top=$(cd "$(dirname "$0")/.." && pwd)
mvio=$top/build/selftests/mvio
py=/usr/bin/python3
W=$(mktemp -d /tmp/m2mv-interop.XXXXXX)
store=interop-$$
attached=

cleanup() {
	[ -n "$attached" ] && "$mvio" detach "$store" >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT

echo "TAP version 13"
# shellcheck disable=SC2154 # _tap_n is lib.sh's
finish() {
	echo "1..$_tap_n"
	done_testing
	exit
}

if [ ! -x "$mvio" ]; then
	not_ok "build/selftests/mvio is missing (selftests/tools.mk not included?)"
	finish
fi

b64url() { basenc --base64url -w0 | tr -d '='; }
hex() { od -An -tx1 -v | tr -d ' \n'; }

# The same conversions in bash alone, for the hot path (no exec).
B64A=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_
b64url_hex() {
	local s=$1 i c v acc=0 bits=0 out=''
	for (( i = 0; i < ${#s}; i++ )); do
		c=${s:i:1}
		v=${B64A%%"$c"*}
		acc=$(( (acc << 6) | ${#v} ))
		bits=$(( bits + 6 ))
		if (( bits >= 8 )); then
			bits=$(( bits - 8 ))
			printf -v out '%s%02x' "$out" $(( (acc >> bits) & 255 ))
			acc=$(( acc & ((1 << bits) - 1) ))
		fi
	done
	echo "$out"
}
hex_bytes() {
	local h=$1 e='' i
	for (( i = 0; i < ${#h}; i += 2 )); do e+="\\x${h:i:2}"; done
	printf '%b' "$e"
}
hex_b64url() {
	local h=$1 out='' i n v k
	for (( i = 0; i < ${#h}; i += 6 )); do
		n=${h:i:6}
		v=$(( 16#$n << ((6 - ${#n}) * 4) ))
		for (( k = 0; k < (${#n} * 4 + 5) / 6; k++ )); do
			out+=${B64A:$(( (v >> (18 - 6 * k)) & 63 )):1}
		done
	done
	echo "$out"
}
jwk() { printf '{"kty":"oct","k":"%s"}' "$(b64url <"$1")"; }

# ------------------------------------------------------------------ setup

for t in 14 14t 15 15a 15b 15c 16 store wrong; do
	head -c 32 /dev/urandom >"$W/k$t"
done
K14=14-interop@m2mv.test
K14T=14-ts0003@m2mv.test
K15=15-interop@m2mv.test
K16=16-interop@m2mv.test
KS=16-store@m2mv.test
K15A=15-rcpt-a@m2mv.test
K15B=15-rcpt-b@m2mv.test
K15C=15-rcpt-c@m2mv.test
ok_setup=1
for pair in "14:$K14" "14t:$K14T" "15:$K15" "16:$K16" "store:$KS" \
	    "15a:$K15A" "15b:$K15B" "15c:$K15C"; do
	if ! keyctl padd m2mvault "${pair#*:}" @s <"$W/k${pair%%:*}" >/dev/null; then
		ok_setup=
	fi
done
if [ -n "$ok_setup" ]; then ok "keys loaded"; else not_ok "keys loaded"; finish; fi

if "$mvio" attach "$store" "$W/store" "$KS" create >"$W/attach.out" 2>&1; then
	attached=1
	ok "store attached"
else
	not_ok "store attached: $(cat "$W/attach.out")"
	finish
fi
check "policy /w/ wrap" "$mvio" policy "$store" /w/ "$K15" wrap
check "policy /d/ dir (container)" "$mvio" policy "$store" /d/ "$K14" dir
check "policy /i/ dir (instance)" "$mvio" policy "$store" /i/ "$K14" dir-instance
check "policy /m/ mic" "$mvio" policy "$store" /m/ "$K16" mic
check "policy /t/ dir (profile ts0003)" "$mvio" policy "$store" /t/ "$K14T" dir-ts0003
check "policy /r/ wrap, three recipients" "$mvio" policy "$store" /r/ "$K15A" wrap "$K15B" "$K15C"
store_id=$(head -c 24 "$W/store" | tail -c 16 | hex)

# mode letter -> path prefix, key file, kdf
declare -A prefix=([w]=/w/ [d]=/d/c1/ [i]=/i/c1/ [m]=/m/ [t]=/t/c1/)
declare -A keyf=([w]=k15 [d]=k14 [i]=k14 [m]=k16 [t]=k14t)
# Under TCG every exec costs a fifth of a second or more: few sizes, few
# processes.
sizes="0 1000 102400"
for s in $sizes; do
	head -c "$s" /dev/urandom >"$W/pt$s"
done

# The manifest: ID MODE FORMAT FILE PLAINTEXT KEYFILE EXPECT PATH
: >"$W/manifest"
put_ok=1
for m in w d i m t; do
	for s in $sizes; do
		p=${prefix[$m]}s$s
		if ! "$mvio" put "$store" "$p" <"$W/pt$s" >"$W/ver" 2>"$W/err"; then
			put_ok=
			sed 's/^/# /' "$W/err"
		fi
		for f in compact json; do
			id=$m-$s-$f
			if "$mvio" export "$store" "$p" "$f" >"$W/$id" 2>"$W/err"; then
				echo "$id $m $f $W/$id $W/pt$s $W/${keyf[$m]} ok $p" >>"$W/manifest"
			else
				put_ok=
				sed 's/^/# /' "$W/err"
			fi
		done
	done
done
# Three recipients: General JSON, one entry per recipient's key alone.
for s in $sizes; do
	p=/r/c1/s$s
	if ! "$mvio" put "$store" "$p" <"$W/pt$s" >"$W/ver" 2>"$W/err" ||
	   ! "$mvio" export "$store" "$p" json >"$W/r-$s-json" 2>"$W/err"; then
		put_ok=
		sed 's/^/# /' "$W/err"
	fi
	for x in a b c; do
		echo "r-$s-json-$x r json $W/r-$s-json $W/pt$s $W/k15$x ok $p" >>"$W/manifest"
	done
done
if [ -n "$put_ok" ]; then ok "put and export $(wc -l <"$W/manifest") records"; else
	not_ok "put and export"; fi
if "$mvio" export "$store" /r/c1/s1000 compact >/dev/null 2>"$W/err"; then
	not_ok "compact export of three recipients refused"
elif grep -q "Invalid argument" "$W/err"; then
	ok "compact export of three recipients refused (EINVAL)"
else
	not_ok "compact export of three recipients: $(cat "$W/err")"
fi

# The GET path agrees with what went in (sanity for the comparisons).
if "$mvio" get "$store" /d/c1/s102400 >"$W/got" 2>"$W/err" &&
   cmp -s "$W/got" "$W/pt102400"; then
	ok "GET returns the plaintext"
else
	not_ok "GET returns the plaintext: $(cat "$W/err")"
fi

# Negative cases, compact only: one changed character, and a wrong key.
tamper() {
	# tamper FILE PART...: change the first character of the first
	# non-empty part among those given (0-based).
	local IFS=. parts i n
	read -r -a parts <"$1"
	for i in "${@:2}"; do
		n=${parts[$i]}
		[ -n "$n" ] || continue
		if [ "${n:0:1}" = A ]; then n="B${n:1}"; else n="A${n:1}"; fi
		parts[$i]=$n
		break
	done
	printf '%s' "${parts[*]}"
}
for m in w d i m t; do
	id=$m-1000-compact
	if [ "$m" = m ]; then
		tamper "$W/$id" 1 2 >"$W/$id.tampered"
	else
		tamper "$W/$id" 3 4 >"$W/$id.tampered"
	fi
	echo "$id.tampered $m compact $W/$id.tampered $W/pt1000 $W/${keyf[$m]} fail ${prefix[$m]}s1000" >>"$W/manifest"
	echo "$id.wrongkey $m compact $W/$id $W/pt1000 $W/kwrong fail ${prefix[$m]}s1000" >>"$W/manifest"
done
# A seed dir record given the type-14 key itself, as a reader that does
# not know the derivation would try: refused for its crit member.
for m in d i; do
	for f in compact json; do
		id=$m-1000-$f
		echo "$id.nokdf $m $f $W/$id $W/pt1000 $W/k14 crit ${prefix[$m]}s1000" >>"$W/manifest"
	done
done
# Three recipients: a key of none of them, and a changed ciphertext.
echo "r-1000-json.wrongkey r json $W/r-1000-json $W/pt1000 $W/kwrong fail /r/c1/s1000" >>"$W/manifest"
sed -e 's/"ciphertext":"A/"ciphertext":"B/;t' -e 's/"ciphertext":"./"ciphertext":"A/' \
	"$W/r-1000-json" >"$W/r-1000-json.tampered"
echo "r-1000-json.tampered r json $W/r-1000-json.tampered $W/pt1000 $W/k15b fail /r/c1/s1000" >>"$W/manifest"
# The tag of an empty plaintext, too.
tamper "$W/w-0-compact" 3 4 >"$W/w-0-compact.tampered"
echo "w-0-compact.tampered w compact $W/w-0-compact.tampered $W/pt0 $W/k15 fail /w/s0" >>"$W/manifest"

# ------------------------------------------------------------ checkers
#
# The three implementations run side by side (two vCPUs); each writes one
# line per manifest entry: "ok ID", "fail ID WHY" or "skip ID WHY".

# (b) python3 jwcrypto, dir keys from python's hmac.
cat >"$W/check.py" <<'EOF'
import base64, hashlib, hmac, json, sys
from jwcrypto import jwe, jwk, jws
from jwcrypto.common import JWSEHeaderParameter

store_id = sys.argv[2]
kids = {"w": sys.argv[3], "d": sys.argv[4], "i": sys.argv[4], "m": sys.argv[5],
        "t": sys.argv[6]}
rcpt = sys.argv[7].split(",")
# What a reader that knows the seed derivation declares it understands.
seed_registry = {
    "m2mv_kdf": JWSEHeaderParameter("m2mvault dir key scope", True, True, None),
    "m2mv_nonce": JWSEHeaderParameter("m2mvault dir nonce", True, True, None),
}

def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))

def b64e(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

def header(raw):
    if raw.startswith("{"):
        return json.loads(b64d(json.loads(raw)["protected"]))
    return json.loads(b64d(raw.split(".")[0]))

def check(mode, fmt, raw, pt, key, path, expect):
    hdr = header(raw)
    if expect == "crit":
        # The key itself and no extension declared: must name m2mv_kdf.
        try:
            o = jwe.JWE()
            o.deserialize(raw, key=jwk.JWK(kty="oct", k=b64e(key)))
        except Exception as e:
            return None if "m2mv_kdf" in str(e) else "refused, but not for crit: %s" % e
        return "accepted"
    if mode in "di":
        if hdr.get("crit") != ["m2mv_kdf", "m2mv_nonce"]:
            return "crit %r" % hdr.get("crit")
        kdf = hdr["m2mv_kdf"]
        want = "instance" if mode == "i" else "container"
        if kdf != want:
            return "m2mv_kdf %r" % kdf
        ident = hdr["m2mv_path"] if kdf == "instance" else hdr["m2mv_path"].rsplit("/", 1)[0]
        nonce = b64d(hdr["m2mv_nonce"])
        if len(nonce) != 16:
            return "nonce length %d" % len(nonce)
        key = hmac.new(key, b"Data Confidentiality" + ident.encode() + nonce,
                       hashlib.sha256).digest()
    k = jwk.JWK(kty="oct", k=b64e(key))
    if mode == "r":
        return check_rcpt(raw, hdr, pt, k, path)
    if mode == "m":
        o = jws.JWS()
        o.deserialize(raw)
        o.verify(k)
        got = o.payload
        if hdr.get("alg") != "HS256":
            return "alg %r" % hdr.get("alg")
    else:
        o = jwe.JWE(header_registry=seed_registry if mode in "di" else None)
        o.deserialize(raw, key=k)
        got = o.payload
        alg = "A256KW" if mode == "w" else "dir"
        if hdr.get("alg") != alg or hdr.get("enc") != "A256GCM":
            return "alg/enc %r/%r" % (hdr.get("alg"), hdr.get("enc"))
        if fmt == "json" and mode != "w" and "encrypted_key" in json.loads(raw):
            return "empty encrypted_key present"
    if got != pt:
        return "plaintext differs (%d vs %d bytes)" % (len(got), len(pt))
    if hdr.get("kid") != kids[mode] or hdr.get("m2mv_path") != path or \
       hdr.get("m2mv_store") != store_id or hdr.get("m2mv_ver") != 1:
        return "header %r" % hdr
    for bad in ("zip", "crit") if mode not in "di" else ("zip",):
        if bad in hdr:
            return "header has %s" % bad
    if mode == "t" and ("m2mv_kdf" in hdr or "m2mv_nonce" in hdr):
        return "ts0003 header with a derivation member %r" % hdr
    return None

# Three recipients: General JSON, alg and kid per recipient only.
def check_rcpt(raw, hdr, pt, k, path):
    j = json.loads(raw)
    if sorted(j) != ["ciphertext", "iv", "protected", "recipients", "tag"]:
        return "members %r" % sorted(j)
    if [r.get("header") for r in j["recipients"]] != \
       [{"alg": "A256KW", "kid": x} for x in rcpt]:
        return "recipients %r" % j["recipients"]
    if "alg" in hdr or "kid" in hdr or hdr.get("enc") != "A256GCM" or \
       hdr.get("m2mv_rcpt") != rcpt:
        return "protected header %r" % hdr
    if hdr.get("m2mv_path") != path or hdr.get("m2mv_store") != store_id or \
       hdr.get("m2mv_ver") != 1:
        return "header %r" % hdr
    o = jwe.JWE()
    o.deserialize(raw, key=k)
    if o.payload != pt:
        return "plaintext differs (%d vs %d bytes)" % (len(o.payload), len(pt))
    return None

# jwcrypto 1.1 cannot open a JWE with an empty plaintext, even its own:
# find out, and skip those instead of blaming the kernel.
def empty_jwe_works():
    k = jwk.JWK.generate(kty="oct", size=256)
    e = jwe.JWE(b"", protected='{"alg":"A256KW","enc":"A256GCM"}')
    e.add_recipient(k)
    try:
        d = jwe.JWE()
        d.deserialize(e.serialize(compact=True), key=k)
        return d.payload == b""
    except Exception:
        return False

empty_ok = empty_jwe_works()

for line in open(sys.argv[1]):
    rid, mode, fmt, f, ptf, kf, expect, path = line.split()
    raw = open(f).read()
    pt = open(ptf, "rb").read()
    key = open(kf, "rb").read()
    if not pt and mode != "m" and not empty_ok and expect == "ok":
        print("skip %s jwcrypto %s cannot decrypt an empty plaintext" %
              (rid, getattr(jwe, "__version__", "1.1")))
        continue
    try:
        err = check(mode, fmt, raw, pt, key, path, expect)
    except Exception as e:
        err = "%s: %s" % (type(e).__name__, e)
    if expect == "crit":
        print(("fail %s %s" % (rid, err)) if err else "ok %s" % rid)
    elif expect == "fail":
        print(("ok %s" if err else "fail %s accepted") % rid)
    else:
        print(("fail %s %s" % (rid, err)) if err else "ok %s" % rid)
    sys.stdout.flush()
EOF

# (c) node's jose, dir keys from node's crypto.
cat >"$W/check.js" <<'EOF'
const fs = require('fs');
const crypto = require('crypto');
const [manifest, nodedir, storeId, k15, k14, k16, k14t, rcptList] = process.argv.slice(2);
const rcpt = rcptList.split(',');
const jose = require(nodedir + '/node_modules/jose');
const kids = { w: k15, d: k14, i: k14, m: k16, t: k14t };
// What a reader that knows the seed derivation declares it understands.
const seedCrit = { crit: { m2mv_kdf: true, m2mv_nonce: true } };
const b64d = (s) => Buffer.from(s, 'base64url');

function header(raw) {
  const p = raw.startsWith('{') ? JSON.parse(raw).protected : raw.split('.')[0];
  return JSON.parse(b64d(p).toString());
}

async function check(mode, fmt, raw, pt, key, path, expect) {
  const hdr = header(raw);
  const seed = mode === 'd' || mode === 'i';
  if (expect === 'crit') {
    // The key itself and no extension declared: must name m2mv_kdf.
    try {
      if (fmt === 'json') await jose.flattenedDecrypt(JSON.parse(raw), new Uint8Array(key));
      else await jose.compactDecrypt(raw, new Uint8Array(key));
    } catch (e) {
      return /m2mv_kdf/.test(e.message) ? null : 'refused, but not for crit: ' + e.message;
    }
    return 'accepted';
  }
  if (seed && JSON.stringify(hdr.crit) !== '["m2mv_kdf","m2mv_nonce"]')
    return 'crit ' + JSON.stringify(hdr.crit);
  if (!seed && hdr.crit !== undefined) return 'header has crit';
  if (mode === 't' && (hdr.m2mv_kdf !== undefined || hdr.m2mv_nonce !== undefined))
    return 'ts0003 header with a derivation member ' + JSON.stringify(hdr);
  if (seed) {
    const kdf = hdr.m2mv_kdf;
    if (kdf !== (mode === 'i' ? 'instance' : 'container')) return 'm2mv_kdf ' + kdf;
    const id = kdf === 'instance' ? hdr.m2mv_path
      : hdr.m2mv_path.slice(0, hdr.m2mv_path.lastIndexOf('/'));
    const nonce = b64d(hdr.m2mv_nonce);
    if (nonce.length !== 16) return 'nonce length ' + nonce.length;
    key = crypto.createHmac('sha256', key)
      .update(Buffer.concat([Buffer.from('Data Confidentiality'), Buffer.from(id), nonce]))
      .digest();
  }
  const k = new Uint8Array(key);
  let got;
  if (mode === 'r') {
    const j = JSON.parse(raw);
    const want = JSON.stringify(rcpt.map((kid) => ({ alg: 'A256KW', kid })));
    if (JSON.stringify(j.recipients.map((r) => r.header)) !== want)
      return 'recipients ' + JSON.stringify(j.recipients);
    if (hdr.alg !== undefined || hdr.kid !== undefined || hdr.enc !== 'A256GCM' ||
        JSON.stringify(hdr.m2mv_rcpt) !== JSON.stringify(rcpt))
      return 'protected header ' + JSON.stringify(hdr);
    const r = await jose.generalDecrypt(j, k);
    got = Buffer.from(r.plaintext);
    if (!got.equals(pt)) return `plaintext differs (${got.length} vs ${pt.length} bytes)`;
    if (hdr.m2mv_path !== path || hdr.m2mv_store !== storeId || hdr.m2mv_ver !== 1)
      return 'header ' + JSON.stringify(hdr);
    return null;
  }
  if (mode === 'm') {
    const r = fmt === 'json' ? await jose.flattenedVerify(JSON.parse(raw), k)
      : await jose.compactVerify(raw, k);
    got = Buffer.from(r.payload);
  } else {
    const opt = seed ? seedCrit : {};
    const r = fmt === 'json' ? await jose.flattenedDecrypt(JSON.parse(raw), k, opt)
      : await jose.compactDecrypt(raw, k, opt);
    got = Buffer.from(r.plaintext);
  }
  if (!got.equals(pt)) return `plaintext differs (${got.length} vs ${pt.length} bytes)`;
  if (hdr.kid !== kids[mode] || hdr.m2mv_path !== path || hdr.m2mv_store !== storeId ||
      hdr.m2mv_ver !== 1) return 'header ' + JSON.stringify(hdr);
  return null;
}

(async () => {
  for (const line of fs.readFileSync(manifest, 'utf8').split('\n')) {
    if (!line) continue;
    const [id, mode, fmt, f, ptf, kf, expect, path] = line.split(' ');
    let err;
    try {
      err = await check(mode, fmt, fs.readFileSync(f, 'utf8'), fs.readFileSync(ptf),
                        fs.readFileSync(kf), path, expect);
    } catch (e) {
      err = (e.code || e.name) + ': ' + e.message;
    }
    if (expect === 'crit') console.log(err ? `fail ${id} ${err}` : `ok ${id}`);
    else if (expect === 'fail') console.log(err ? `ok ${id}` : `fail ${id} accepted`);
    else console.log(err ? `fail ${id} ${err}` : `ok ${id}`);
  }
})();
EOF

# (a) the jose tool (libjose), dir keys from openssl. Every exec costs
# under TCG, so derived keys are cached and the plaintext comparisons are
# left to one process at the end ("cmp ID OUT PLAINTEXT" lines).
#
# dir_jwk BASE KEYFILE: the JWK of the dir content key of record BASE.
dir_jwk() {
	local base=$1 kf=$2 jwkf=$W/$1.${2##*/}.jwk hdr h path kdf nonce cid mac
	if [ ! -e "$jwkf" ]; then
		IFS=. read -r h _ <"$W/$base-compact"
		hdr=$(hex_bytes "$(b64url_hex "$h")")
		[[ $hdr =~ \"m2mv_path\":\"([^\"]*)\" ]] && path=${BASH_REMATCH[1]}
		[[ $hdr =~ \"m2mv_kdf\":\"([^\"]*)\" ]] && kdf=${BASH_REMATCH[1]}
		[[ $hdr =~ \"m2mv_nonce\":\"([^\"]*)\" ]] && nonce=${BASH_REMATCH[1]}
		case $kdf in
		container) cid=${path%/*} ;;
		instance) cid=$path ;;
		*) echo "no m2mv_kdf in $hdr" >&2; return 1 ;;
		esac
		mac=$({ printf 'Data Confidentiality%s' "$cid"
			hex_bytes "$(b64url_hex "$nonce")"; } |
			openssl dgst -sha256 -mac HMAC -macopt "hexkey:${keyhex[$kf]}" -hex)
		mac=${mac##* }
		[ ${#mac} = 64 ] || { echo "openssl: $mac" >&2; return 1; }
		printf '{"kty":"oct","k":"%s"}' "$(hex_b64url "$mac")" >"$jwkf"
	fi
	echo "$jwkf"
}

# jose_check ID MODE FORMAT FILE PLAINTEXT KEYFILE EXPECT
jose_check() {
	local id=$1 m=$2 file=$4 pt=$5 kf=$6 expect=$7 base jwkf rc
	local out=$W/$id.jose
	# libjose 11 does not look at crit: given the type-14 key itself, a
	# seed dir record fails its tag, which is all it can say.
	local nokdf=
	[ "$expect" = crit ] && expect=fail nokdf=1
	if { [ "$m" = d ] || [ "$m" = i ]; } && [ -z "$nokdf" ]; then
		base=${id%%-compact*}
		base=${base%-json}
		jwkf=$(dir_jwk "$base" "$kf" 2>"$out.err") ||
			{ echo "fail $id $(cat "$out.err")"; return; }
	else
		jwkf=$kf.jwk
	fi
	if [ "$m" = m ]; then
		jose jws ver -i "$file" -k "$jwkf" -O "$out" 2>"$out.err"
	else
		jose jwe dec -i "$file" -k "$jwkf" >"$out" 2>"$out.err"
	fi
	rc=$?
	if [ "$expect" = fail ]; then
		# jose may print plaintext before it checks the tag: only the
		# status counts, the output is thrown away.
		rm -f "$out"
		if [ "$rc" != 0 ]; then echo "ok $id"; else echo "fail $id accepted"; fi
	elif [ "$rc" != 0 ]; then
		echo "fail $id exit $rc: $(head -c 200 "$out.err" | tr '\n' ' ')"
	else
		echo "cmp $id $out $pt"
	fi
}

echo "# ${SECONDS}s: records written and exported"
declare -A keyhex
for k in k14 kwrong; do
	keyhex[$W/$k]=$(hex <"$W/$k")
done
for k in k14 k14t k15 k15a k15b k15c k16 kwrong; do
	jwk "$W/$k" >"$W/$k.jwk"
done

nodedir=
for d in "${M2MV_CACHE:+$M2MV_CACHE/node}" \
	 "$( [ -r "$top/build/.m2mv_cache" ] && echo "$(cat "$top/build/.m2mv_cache")/node")" \
	 "${HOME:-/nonexistent}/.cache/m2mvault/node" /root/.cache/m2mvault/node; do
	if [ -n "$d" ] && [ -r "$d/node_modules/jose/package.json" ]; then
		nodedir=$d
		break
	fi
done

"$py" "$W/check.py" "$W/manifest" "$store_id" "$K15" "$K14" "$K16" "$K14T" \
	"$K15A,$K15B,$K15C" \
	>"$W/jwcrypto.out" 2>"$W/jwcrypto.err" &
pids=$!
if [ -n "$nodedir" ] && command -v node >/dev/null; then
	node "$W/check.js" "$W/manifest" "$nodedir" "$store_id" "$K15" "$K14" "$K16" "$K14T" \
		"$K15A,$K15B,$K15C" \
		>"$W/node.out" 2>"$W/node.err" &
	pids="$pids $!"
else
	while read -r id _; do
		echo "skip $id npm jose not found (tools/npm-deps, M2MV_CACHE)"
	done <"$W/manifest" >"$W/node.out"
fi
while read -r id m f file pt kf expect path; do
	jose_check "$id" "$m" "$f" "$file" "$pt" "$kf" "$expect" "$path"
done <"$W/manifest" >"$W/jose.cmp" 2>"$W/jose.err"
"$py" -c '
import sys
for line in open(sys.argv[1]):
    w = line.split()
    if w[0] == "cmp":
        same = open(w[2], "rb").read() == open(w[3], "rb").read()
        print(("ok %s" if same else "fail %s plaintext differs") % w[1])
    else:
        print(line, end="")
' "$W/jose.cmp" >"$W/jose.out" 2>>"$W/jose.err"
echo "# ${SECONDS}s: jose done"
# shellcheck disable=SC2086
wait $pids
echo "# ${SECONDS}s: jwcrypto and node done"

# report NAME: one TAP line per manifest entry from $W/NAME.out.
report() {
	local name=$1 id line
	while read -r id _; do
		line=$(grep -m1 -E "^(ok|fail|skip) $id( |$)" "$W/$name.out")
		case $line in
		"ok $id") ok "$name: $id" ;;
		"skip $id"*) ok "$name: $id # SKIP ${line#skip "$id" }" ;;
		"fail $id"*) not_ok "$name: $id: ${line#fail "$id" }" ;;
		*) not_ok "$name: $id: no result"
		   sed 's/^/# /' "$W/$name.err" | head -n 5 ;;
		esac
	done <"$W/manifest"
}
report jose
report jwcrypto
report node

# ------------------------------------------------ EXPORT needs no key

# A process in a session keyring of its own can export but not read.
keyctl session - bash -c "'$mvio' get '$store' /w/s1000 >/dev/null 2>'$W/noread.err';
	'$mvio' export '$store' /w/s1000 compact >'$W/noread.export'" >/dev/null 2>&1
if grep -q "Required key not available" "$W/noread.err"; then
	ok "GET without the key: ENOKEY"
else
	not_ok "GET without the key: $(cat "$W/noread.err")"
fi
if cmp -s "$W/noread.export" "$W/w-1000-compact"; then
	ok "EXPORT without the key gives the same bytes"
else
	not_ok "EXPORT without the key gives the same bytes"
fi

if "$mvio" detach "$store" 2>"$W/err"; then attached=; ok "detach"; else
	not_ok "detach: $(cat "$W/err")"; fi
finish
