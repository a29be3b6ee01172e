#!/bin/bash
# The store's recovery credential (m2mvault recovery set/clear/show and
# compact --recovery) and the recovery drill of Documentation/admin-guide.rst:
# with only the offline recovery key file, no TEF and no other credential
# key, every wrap record comes back through 'm2mvault export --json' and
# 'm2m-consume --key-file', and through python3-jwcrypto as any standard
# reader. Refusals are tried from outside: without the key, another uid,
# the wrong type, a policy that leaves no room, a damaged RCVY record. The
# RCVY record's wrapped key is recomputed from the documented derivation.
. "$(dirname "$0")/lib.sh"

if [ -z "${M2MV_IN_SESSION:-}" ]; then
	M2MV_IN_SESSION=1 keyctl session - "$0" "$@" | grep -v '^Joined session'
	exit "${PIPESTATUS[0]}"
fi

top=$(cd "$(dirname "$0")/.." && pwd)
M=$top/build/bin/m2mvault
C=$top/build/bin/m2m-consume
echo "TAP version 13"
if [ ! -x "$M" ] || [ ! -x "$C" ]; then
	echo "1..0 # SKIP the command line tools are not built"
	exit 0
fi

W=$(mktemp -d /tmp/m2mv-rcvy.XXXXXX)
chmod 755 "$W"
S=rcvy$$
R1=15-recovery1@tef.example
R2=15-recovery2@tef.example
CNT=15-cnt@tef.example
CNT2=15-cnt2@tef.example
cleanup() {
	"$M" detach "$S" >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT

# Key files, as an operator keeps them; load FILE CREDID into @s.
for k in store r1 r2 cnt cnt2 wrong; do
	head -c 32 /dev/urandom >"$W/$k.key"
done
chmod 600 "$W"/*.key
load() { keyctl padd m2mvault "$2" @s <"$W/$1.key" >/dev/null; }
unload() { keyctl purge -s m2mvault "$1" >/dev/null 2>&1; }

# t DESC STATUS CMD...: CMD exits with STATUS; output in $W/out, $W/err.
t() {
	local desc=$1 want=$2 rc
	shift 2
	"$@" >"$W/out" 2>"$W/err"
	rc=$?
	if [ "$rc" = "$want" ]; then ok "$Wesc"; else
		not_ok "$Wesc (exit $rc, expected $want)"
		head -n 5 "$W/err" | sed 's/^/# err: /'
	fi
}
# kids PATH: the recipients' kids of PATH's General JSON export, one line.
kids() {
	"$M" export "$S" "$1" --json |
		jq -r '[.recipients[]?.header.kid // empty] | join(" ")'
}
# back KEYFILE PATH WANT: the record of PATH opens with KEYFILE alone.
back() {
	"$M" export "$S" "$2" --json >"$W/rec.jwe" &&
		"$C" --key-file "$W/$1.key" "$W/rec.jwe" >"$W/pt" &&
		test "$(cat "$W/pt")" = "$3"
}

plan 40
load store 16-store@tef.example
load cnt "$CNT"
t "attach --create" 0 "$M" attach "$S" "$W/s.store" \
	--key 16-store@tef.example --create
t "policy add wrap" 0 "$M" policy add "$S" /cse/ "$CNT" --mode wrap
echo '{"con":"old"}' | "$M" put -s "$S" /cse/ae/cnt/old - >/dev/null
t "recovery show: none yet, exit 1" 1 "$M" recovery show "$S"

export M C S W
export -f kids back

# ------------------------------------------------------------- refusals
t "recovery set without the key in a keyring fails" 1 \
	"$M" recovery set "$S" "$R1"
has() { grep -q "$2" "$W/$1" || { head -3 "$W/$1" | sed 's/^/# /'; false; }; }
check "... saying the key is not possessed" has err "possess"
t "recovery set of a type-14 Credential-ID is a usage error" 2 \
	"$M" recovery set "$S" 14-dir@tef.example
t "recovery set by uid 65534 holding the key itself fails" 1 \
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	keyctl session - bash -c \
	"keyctl padd m2mvault $R1 @s <'$W/r1.key' >/dev/null && '$M' recovery set '$S' '$R1'"
t "... and the store still has none" 1 "$M" recovery show "$S"

# ------------------------------------------------------------- set, put
load r1 "$R1"
t "recovery set with the key" 0 "$M" recovery set "$S" "$R1"
unload "$R1"
check "the recovery key left the keyring" \
	bash -c "! keyctl show @s | grep -q recovery1"
t "recovery show names it" 0 "$M" recovery show "$S"
check "... as $R1" test "$(cat "$W/out")" = "$R1"
echo '{"con":"21.5"}' | "$M" put -s "$S" /cse/ae/cnt/new - >/dev/null
check "a PUT without the recovery key seals for it last" \
	test "$(kids /cse/ae/cnt/new)" = "$CNT $R1"
check "a record sealed before keeps one recipient" \
	test "$(kids /cse/ae/cnt/old)" = ""
t "compact export of a record of two recipients is refused" 1 \
	"$M" export "$S" /cse/ae/cnt/new --compact
check "GET still needs only the policy's key" \
	test "$("$M" get "$S" /cse/ae/cnt/new)" = '{"con":"21.5"}'
check "m2m-consume --key-file with the recovery key alone recovers it" \
	back r1 /cse/ae/cnt/new '{"con":"21.5"}'
check "another key file does not open it" bash -c "! \
	'$C' --key-file '$W/wrong.key' '$W/rec.jwe' >/dev/null 2>&1"
check "python3-jwcrypto opens it with the recovery key as a JWK" \
	python3 -c '
import base64, json, sys
from jwcrypto import jwe, jwk
k = open(sys.argv[1], "rb").read()
key = jwk.JWK(kty="oct", k=base64.urlsafe_b64encode(k).rstrip(b"=").decode())
e = jwe.JWE()
e.deserialize(open(sys.argv[2]).read(), key=key)
assert e.payload == b"{\"con\":\"21.5\"}\n", e.payload
' "$W/r1.key" "$W/rec.jwe"

check "in a fresh keyring, a forged key under the recovery Credential-ID opens nothing (refused by the binding: the store stays ok)" \
	keyctl session - bash -c "head -c 32 /dev/urandom | keyctl padd m2mvault $R1 @s >/dev/null &&
	! '$M' get '$S' /cse/ae/cnt/new &&
	test \"\$('$M' status '$S' --json | jq -r '.[0].state')\" = ok"
check "... while the real recovery key there opens it in the kernel too" \
	keyctl session - bash -c "keyctl padd m2mvault $R1 @s <'$W/r1.key' >/dev/null &&
	test \"\$('$M' get '$S' /cse/ae/cnt/new)\" = '{\"con\":\"21.5\"}'"

# The RCVY record: A256KW(HMAC-SHA256(store key, "m2mvault recovery" ||
# store id || kid), recovery key), as key-management.rst derives it.
check "the RCVY record wraps the key as documented" python3 -c '
import hmac, hashlib, struct, sys
from cryptography.hazmat.primitives.keywrap import aes_key_wrap
f = open(sys.argv[1], "rb").read()
sk, rk, kid = open(sys.argv[2], "rb").read(), open(sys.argv[3], "rb").read(), sys.argv[4].encode()
store_id = f[8:24]
kek = hmac.new(sk, b"m2mvault recovery" + store_id + kid, hashlib.sha256).digest()
want = aes_key_wrap(kek, rk)
off, found = 8192, False
while off + 104 <= len(f):
    magic, crc, ln, typ = struct.unpack_from("<IIIB", f, off)
    if magic != 0x4345524d or ln < 104:
        break
    if typ == 4:
        body = f[off + 104:off + ln]
        n = body[0]
        found = body[8:48] == want and body[48:48 + n] == kid
    off += ln
assert found
' "$W/s.store" "$W/store.key" "$W/r1.key" "$R1"

# ---------------------------------------------- re-attach, fresh keyring
"$M" detach "$S"
check "after a re-attach in a fresh keyring without it, the store keeps it" \
	keyctl session - bash -c "
	keyctl padd m2mvault 16-store@tef.example @s <'$W/store.key' >/dev/null &&
	keyctl padd m2mvault $CNT @s <'$W/cnt.key' >/dev/null &&
	'$M' attach '$S' '$W/s.store' --key 16-store@tef.example >/dev/null &&
	'$M' policy add '$S' /cse/ '$CNT' --mode wrap &&
	test \"\$('$M' recovery show '$S')\" = '$R1' &&
	echo '{\"con\":\"after\"}' | '$M' put -s '$S' /cse/ae/cnt/after - >/dev/null"
check "... and a PUT there seals for it" \
	back r1 /cse/ae/cnt/after '{"con":"after"}'

# ------------------------------------------------------ compact --recovery
t "compact --recovery in a fresh keyring without the policy's key fails" 1 \
	keyctl session - "$M" compact "$S" "$W/c0.store" --recovery
check "... and changes nothing" bash -c \
	"test ! -s '$W/c0.store' && test \"\$(kids /cse/ae/cnt/old)\" = ''"
t "compact --recovery" 0 "$M" compact "$S" "$W/c1.store" --recovery
check "the older record now has the recovery recipient" \
	test "$(kids /cse/ae/cnt/old)" = "$CNT $R1"
check "... and the recovery key alone recovers it" \
	back r1 /cse/ae/cnt/old '{"con":"old"}'
load cnt2 "$CNT2"
t "rotation of the policy's credential" 0 \
	"$M" compact "$S" "$W/c2.store" --rotate "$CNT2"
check "... keeps the recovery recipient, the key still opens it" \
	bash -c "test \"\$(kids /cse/ae/cnt/new)\" = '$CNT2 $R1' && back r1 /cse/ae/cnt/new '{\"con\":\"21.5\"}'"
"$M" policy add "$S" /cse/ "$CNT2" --mode wrap

load r2 "$R2"
"$M" recovery set "$S" "$R2" && unload "$R2"
t "replacing it, then compact --recovery" 0 \
	"$M" compact "$S" "$W/c3.store" --recovery
check "... every record has the new one, the old key opens none" \
	bash -c "test \"\$(kids /cse/ae/cnt/old)\" = '$CNT2 $R2' &&
	back r2 /cse/ae/cnt/old '{\"con\":\"old\"}' && ! back r1 /cse/ae/cnt/old x 2>/dev/null"

# ------------------------------------------------ room for the recipient
more=()
for i in 1 2 3 4 5 6 7; do
	head -c 32 /dev/urandom | keyctl padd m2mvault "15-r$i@tef.example" @s >/dev/null
	more+=(--recipient "15-r$i@tef.example")
done
t "a policy of 8 recipients in a store with recovery is refused" 1 \
	"$M" policy add "$S" /big/ "$CNT2" --mode wrap "${more[@]}"
t "recovery clear" 0 "$M" recovery clear "$S"
t "compact --recovery takes it from every record" 0 \
	"$M" compact "$S" "$W/c4.store" --recovery
check "... so compact export works again" \
	"$M" export "$S" /cse/ae/cnt/old --compact
"$M" policy add "$S" /big/ "$CNT2" --mode wrap "${more[@]}"
load r1 "$R1"
t "recovery set while a policy names 8 recipients is refused" 1 \
	"$M" recovery set "$S" "$R1"
"$M" policy del "$S" /big/

# -------------------------------------------- a damaged RCVY record
"$M" recovery set "$S" "$R1"
"$M" detach "$S"
python3 - "$W/c4.store" <<'EOF'
import struct, sys
p = sys.argv[1]
f = bytearray(open(p, "rb").read())
off = 8192
while off + 104 <= len(f):
    magic, crc, ln, typ = struct.unpack_from("<IIIB", f, off)
    if magic != 0x4345524d or ln < 104:
        break
    if typ == 4:
        last = off
    off += ln
f[last + 104 + 20] ^= 1		# a byte of the wrapped key
open(p, "wb").write(f)
EOF
t "a store whose RCVY record was altered still attaches" 0 \
	"$M" attach "$S" "$W/c4.store" --key 16-store@tef.example
check "... reporting an integrity error, without the credential" \
	bash -c "grep -q '[1-9][0-9]* integrity' '$W/out' && ! '$M' recovery show '$S' 2>/dev/null"
done_testing
