#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# m2mvaultd with [store] anchor = tpm, against the VM's TPM (tools/vmtest
# --tpm: swtpm behind a tpm-tis device) and the reference TEF: the agent
# defines the NV index and keeps the module's durable position in it; an
# older copy of the store file is refused, --accept-stale lets it through;
# another uid cannot reach the TPM; a TPM that is not there or an NV index
# of another kind stops the agent with a clear error.
. "$(dirname "$0")/lib.sh"

M2MV_TOP=$(cd "$(dirname "$0")/.." && pwd)
export M2MV_TOP
TEF_PORT=25690
# shellcheck source=selftests/tef_env.sh
. "$M2MV_TOP/selftests/tef_env.sh"
M=$BIN/m2mvault
AGENT=$BIN/m2mvaultd
NV=0x01800d4d
TCTI=device:/dev/tpmrm0

echo "TAP version 13"
if [ ! -c /dev/tpmrm0 ]; then
	echo "1..1"
	echo "not ok 1 - no TPM in this machine: run under tools/vmtest --tpm"
	exit 1
fi
for b in "$M" "$AGENT" "$BIN/m2m-tefd"; do
	if [ ! -x "$b" ]; then
		echo "1..0 # SKIP $b is not built"
		exit 0
	fi
done

cleanup() {
	"$M" detach e2e >/dev/null 2>&1
	tef_stop >/dev/null 2>&1
	tpm2_nvundefine -T "$TCTI" "$NV" >/dev/null 2>&1
	tpm2_nvundefine -T "$TCTI" 0x01800d4e >/dev/null 2>&1
	keyctl unlink "%keyring:$KEYRING" @u >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT

same() { [ "$1" = "$2" ] || { echo "got '$1', want '$2'"; return 1; }; }
# Equal, and not both empty (a TPM or module that says nothing).
same_n() { [ -n "$1" ] || { echo "empty"; return 1; }; same "$1" "$2"; }
has() { grep -Eq -- "$2" "$1" || { echo "no '$2' in $1:"; cat "$1"; return 1; }; }
agent() { keyctl session - "$AGENT" "$@"; }
# The sequence number the TPM holds (bytes 8..15, big-endian), or empty.
tpmseq() {
	local h
	h=$(tpm2_nvread -T "$TCTI" -s 56 "$NV" 2>/dev/null | od -An -tx1 -j8 -N8 | tr -d ' \n')
	[ -n "$h" ] && echo $((16#$h))
}
# What the module says the store's anchor is: SEQ:HEX.
modseq() { "$M" anchor e2e 2>/dev/null | cut -d: -f1; }

check "m2m-tefd starts on loopback" tef_start
enrol kpm-gw1 Cae-gw1
agent_conf "$W/a.conf" 600 60 Cae-gw1
sed -i 's/^mode = 0660$/mode = 0660\nanchor = tpm/' "$W/a.conf"
echo "data" >"$W/in"

agent -c "$W/a.conf" --once 2>"$W/a1.log"
rc=$?
check "anchor = tpm: the first run exits 0" \
	sh -c "[ $rc = 0 ] || { cat '$W/a1.log'; false; }"
check "... defining the NV index" has "$W/a1.log" "TPM NV index $NV defined"
check "... an ordinary index of 56 bytes that reads with its own authorization" \
	sh -c "tpm2_nvreadpublic -T '$TCTI' '$NV' | grep -q 'size: 56'"
check "... holding the module's durable position" same_n "$(tpmseq)" "$(modseq)"
check "... and the TEF holds no anchor for the store" \
	sh -c "! '$BIN/m2m-tefd' --db '$TEF_DB' list | grep -q '^e2e '"

keyctl session "$KEYRING" "$M" put -s e2e /cse/ae1/temp/t1 "$W/in" >/dev/null 2>&1
"$M" detach e2e >/dev/null 2>&1
cp "$W/gw1.store" "$W/old.store"
agent -c "$W/a.conf" --once 2>"$W/a2.log"
s1=$(tpmseq)
for i in 2 3 4; do
	keyctl session "$KEYRING" "$M" put -s e2e "/cse/ae1/temp/t$i" "$W/in" >/dev/null 2>&1
done
agent -c "$W/a.conf" --once 2>"$W/a3.log"
s2=$(tpmseq)
check "synchronous PUTs move the TPM's anchor ($s1 -> $s2)" \
	test "${s2:-0}" -gt "${s1:-0}"
"$M" detach e2e >/dev/null 2>&1
cp "$W/old.store" "$W/gw1.store"
agent -c "$W/a.conf" --once 2>"$W/a4.log"
rc=$?
check "an older copy of the store file is refused: exit 1" same "$rc" 1
check "... naming the TPM's anchor and the missing record" has "$W/a4.log" \
	"fails the freshness anchor the TPM holds \(seq $s2, reported at [0-9]+\): the log (ends before|does not hold) the freshness anchor's record"
check "... nothing attached" sh -c "! '$M' status e2e >/dev/null 2>&1"
check "... and the TPM's anchor unchanged" same_n "$(tpmseq)" "$s2"
agent -c "$W/a.conf" --once --accept-stale 2>"$W/a5.log"
rc=$?
check "--accept-stale attaches it, saying so" \
	sh -c "[ $rc = 0 ] && grep -q 'store e2e attached with --accept-stale' '$W/a5.log' || { cat '$W/a5.log'; false; }"
check "... and the TPM now holds its position" same_n "$(tpmseq)" "$(modseq)"

# Another uid, without root's access to the TPM device, cannot move it.
check "uid 65534 cannot write the NV index" \
	sh -c "! head -c 56 /dev/zero | setpriv --reuid=65534 --regid=65534 --clear-groups tpm2_nvwrite -T '$TCTI' -i - '$NV' 2>/dev/null"
check "... which still holds the anchor" same_n "$(tpmseq)" "$(modseq)"

# A removed store file while the TPM holds its anchor.
"$M" detach e2e >/dev/null 2>&1
mv "$W/gw1.store" "$W/moved.store"
agent -c "$W/a.conf" --once 2>"$W/a6.log"
rc=$?
check "a removed store file whose anchor the TPM holds: exit 1" same "$rc" 1
check "... saying so" has "$W/a6.log" \
	"the TPM holds its freshness anchor \(seq [0-9]+\), but the store file $W/gw1.store did not exist"
mv "$W/moved.store" "$W/gw1.store"

# No TPM where the configuration points, and an index of another kind.
sed "s|^anchor = tpm$|anchor = tpm\ntpm_tcti = device:/dev/no-tpm|" "$W/a.conf" >"$W/b.conf"
agent -c "$W/b.conf" --once 2>"$W/a7.log"
rc=$?
check "a TPM that is not there stops the agent: exit 1" same "$rc" 1
check "... naming it" has "$W/a7.log" "TPM device:/dev/no-tpm: cannot reach it"
check "... nothing attached" sh -c "! '$M' status e2e >/dev/null 2>&1"
tpm2_nvdefine -T "$TCTI" -s 8 -a "authread|authwrite" 0x01800d4e >/dev/null 2>&1
sed "s|^anchor = tpm$|anchor = tpm\ntpm_nv_index = 0x01800d4e|" "$W/a.conf" >"$W/c.conf"
agent -c "$W/c.conf" --once 2>"$W/a8.log"
rc=$?
check "an NV index of another kind stops the agent: exit 1" same "$rc" 1
check "... naming it" has "$W/a8.log" "TPM NV index 0x01800d4e is not one for the anchor \(8 bytes"

# The daemon reports at its interval and at its stop.
sed 's/^anchor = tpm$/anchor = tpm\nanchor_interval = 1/' "$W/a.conf" >"$W/d.conf"
keyctl session - "$AGENT" -c "$W/d.conf" --verbose 2>"$W/d.log" &
pid=$!
for _ in $(seq 1 150); do grep -q 'ready:' "$W/d.log" && break; sleep 0.2; done
check "the daemon with anchor = tpm is ready" has "$W/d.log" "ready: store e2e"
s3=$(tpmseq)
keyctl session "$KEYRING" "$M" put -s e2e /cse/ae1/temp/t5 "$W/in" >/dev/null 2>&1
for _ in $(seq 1 50); do [ "$(tpmseq)" -gt "$s3" ] && break; sleep 0.2; done
check "a synchronous PUT reaches the TPM within the interval" \
	test "$(tpmseq)" -gt "$s3"
kill -TERM "$pid"
wait "$pid"
rc=$?
check "... and the daemon stops with status 0" same "$rc" 0
check "... the TPM holding the durable position" same_n "$(tpmseq)" "$(modseq)"

echo "1..$_tap_n"
done_testing
