#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# m2mvaultd against the reference TEF (m2m-tefd) and the real module: the
# agent bootstraps, loads the keys where a CSE process possesses them and
# nobody else does, attaches the store and sets the policies; a CSE writes
# and reads; the TEF hands the same keys to a target; the failures say
# what is wrong; a TEF restart, a detached store and an emptied keyring
# are recovered; the TEF's freshness anchor refuses an older copy or a
# removed store file; the key registrations carry the SUID, labels and
# admin FQDN, the agent takes Credential-IDs the TEF chooses and refuses
# bad ones, and updates and de-registers its registrations; renewal with 20-second credentials loses no write; and
# the agent is valgrind-clean.
#
# The CSE runs as uid/gid 4242 (no passwd entry needed) in the agent's
# named keyring: "keyctl session RING m2mvault ...". The agent attaches
# the store with the grant of its [store] section (group 4242, mode
# 0660); the CSE opens /dev/m2mvault through gid 4240, which the test
# gives the node as the shipped udev rule gives it to group m2mvault.
# Everything the test makes (TEF, agents, writers, stores, keyrings,
# files) goes at the end, and the device node gets its owner and mode back.
. "$(dirname "$0")/lib.sh"

top=$(cd "$(dirname "$0")/.." && pwd)
BIN=$top/build/bin
M=$BIN/m2mvault
AGENT=$BIN/m2mvaultd
TEFD=$BIN/m2m-tefd
CONSUME=$BIN/m2m-consume
PORT=25684
FQDN=tef.example.com
RING=m2mv-agent-test-$$
STORE=agt$$
RSTORE=agtr$$
CSE_ID=4242
OTHER_ID=4243
DEV=/dev/m2mvault
DEV_GID=4240
VG="valgrind -q --leak-check=full --error-exitcode=1"

echo "TAP version 13"
# shellcheck disable=SC2154 # _tap_n is lib.sh's
finish() {
	echo "1..$_tap_n"
	done_testing
	exit
}
skip() { ok "$1 # SKIP $2"; }

for b in "$M" "$AGENT" "$TEFD"; do
	if [ ! -x "$b" ]; then
		echo "1..0 # SKIP $b is not built"
		exit 0
	fi
done

W=$(mktemp -d /tmp/m2mv-agent.XXXXXX)
chmod 755 "$W"		# the CSE (uid 4242) reads its input files here
mkdir "$W/cse"		# and writes there
chown "$CSE_ID:$CSE_ID" "$W/cse"
TEF_PID=
AGENT_PID=
WRITER_PID=
dev_own=$(stat -c %u:%g "$DEV")
dev_mode=$(stat -c %a "$DEV")
chgrp "$DEV_GID" "$DEV" && chmod 0660 "$DEV"

cleanup() {
	local r
	[ -n "$WRITER_PID" ] && kill "$WRITER_PID" 2>/dev/null
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null
	[ -n "$TEF_PID" ] && kill "$TEF_PID" 2>/dev/null
	wait 2>/dev/null
	"$M" detach "$STORE" >/dev/null 2>&1
	"$M" detach "$RSTORE" >/dev/null 2>&1
	"$M" detach "agtu$$" >/dev/null 2>&1
	"$M" detach "agte$$" >/dev/null 2>&1
	"$M" detach "agta$$" >/dev/null 2>&1
	"$M" detach "agtg$$" >/dev/null 2>&1
	while r=$(keyctl search @u keyring "$RING" 2>/dev/null); do
		keyctl unlink "$r" @u >/dev/null 2>&1 || break
	done
	chown "$dev_own" "$DEV"
	chmod "$dev_mode" "$DEV"
	rm -rf "$W"
}
trap cleanup EXIT

# ------------------------------------------------------------- helpers

tef_start() {
	: >"$W/tef.log"
	"$TEFD" --db "$W/tef.db" --fqdn "$FQDN" --listen 127.0.0.1 \
		--port "$PORT" ${TEF_ARGS:-} 2>>"$W/tef.log" &
	TEF_PID=$!
	for _ in $(seq 1 300); do
		grep -q 'listening on' "$W/tef.log" && return 0
		kill -0 "$TEF_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$W/tef.log"
	return 1
}

tef_stop() {
	[ -n "$TEF_PID" ] || return 0
	kill -TERM "$TEF_PID" 2>/dev/null
	wait "$TEF_PID" 2>/dev/null
	TEF_PID=
}

# enrol KPMID AE-ID: a random Kpm in $W/KPMID.psk (hex, 0600), enrolled.
enrol() {
	(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$W/$1.psk")
	"$TEFD" --db "$W/tef.db" enrol --kpm-id "$1" --ae-id "$2" \
		--psk-file "$W/$1.psk"
}

# conf FILE STORE LIFETIME RENEW [EXTRA-TEF-LINE]
conf() {
	cat >"$1" <<EOF
# agent_test.sh
[tef]
host = 127.0.0.1
port = $PORT
fqdn = $FQDN
identity = kpm-gw1
psk_file = $W/kpm-gw1.psk
timeout_ms = ${TIMEOUT_MS:-5000}

[credentials]
targets = Cae2
lifetime = $3
renew_before = $4

[keyring]
name = $RING
cse_gid = $CSE_ID

[store]
name = $2
file = $W/$2.store
group = $CSE_ID
mode = 0660

[policy /cse/ae1/temp/]
mode = wrap

[policy /cse/ae1/hum/]
mode = dir
keys = container

[policy /cse/acp/]
mode = mic
EOF
}

# cse CMD...: a CSE process, uid/gid 4242 (the store's group), in the
# agent's keyring (keyctl says "Joined session keyring: N" on stderr
# first), with the device's group.
cse() {
	setpriv --reuid="$CSE_ID" --regid="$CSE_ID" --groups="$DEV_GID" \
		keyctl session "$RING" "$@"
}

# other CMD...: uid/gid 4243, who may open the device but is not in the
# store's group, trying to join the same keyring by name.
other() {
	setpriv --reuid="$OTHER_ID" --regid="$OTHER_ID" --groups="$DEV_GID" \
		keyctl session "$RING" "$@"
}

# agent ARGS...: m2mvaultd in a session keyring of its own that does not
# link its user keyring, as systemd starts services (KeyringMode=private).
agent() { keyctl session - "$AGENT" "$@"; }

same() { [ "$1" = "$2" ] || { echo "got '$1', want '$2'"; return 1; }; }
has() { grep -Eq -- "$2" "$1" || { echo "no '$2' in $1:"; cat "$1"; return 1; }; }
lacks() { ! grep -Eq -- "$2" "$1" || { echo "'$2' in $1:"; cat "$1"; return 1; }; }
# credid TYPE: the Credential-ID of that type in the current policies.
credid() { "$M" policy ls "$STORE" | awk -v t="^$1-" '$NF ~ t {print $NF; exit}'; }

# --------------------------------------------------------- bootstrap

check "m2m-tefd starts with a temporary database" tef_start
check "enrol the agent (kpm-gw1, Cgw1)" enrol kpm-gw1 Cgw1
check "enrol the target AE2 (kpm-ae2, Cae2)" enrol kpm-ae2 Cae2
check "enrol AE3, not a target (kpm-ae3, Cae3)" enrol kpm-ae3 Cae3
conf "$W/a.conf" "$STORE" 600 60

agent -c "$W/a.conf" --once 2>"$W/agent.log"
rc=$?
check "m2mvaultd --once sets up and exits 0" same "$rc" 0
check "it logs its KeID, registrations and readiness" \
	sh -c "grep -q 'KeID [0-9a-f]\{32\}@$FQDN' '$W/agent.log' &&
	       grep -q 'registered 15-' '$W/agent.log' &&
	       grep -q 'ready: store $STORE attached' '$W/agent.log'"
check "the store file is created mode 0600" \
	same "$(stat -c %a "$W/$STORE.store")" 600
check "... on the first run, as a new store" \
	sh -c "grep -q 'store file $W/$STORE.store did not exist: first run, making a new store' '$W/agent.log' &&
	       grep -q 'attached store $STORE .*: 0 records, 0 live' '$W/agent.log'"
check "the state file is mode 0600 and names the store key" \
	sh -c "[ \$(stat -c %a '$W/$STORE.store.state') = 600 ] &&
	       grep -q '^store 0 16 [0-9]* 16-[0-9a-f]\{32\}@$FQDN\$' '$W/$STORE.store.state'"
storekey=$(awk '$1 == "store" {print $5}' "$W/$STORE.store.state")

# ------------------------------------------------------------ keyrings

ring=$(keyctl search @u keyring "$RING" 2>/dev/null)
check "the named keyring is in the agent's user keyring" test -n "$ring"
# keyring;uid;gid;perm;name: possessors view/read/search, owner all,
# group 4242 view/read/search, others nothing.
check "the keyring is the agent's, group 4242, perm 0b3f0b00" \
	same "$(keyctl rdescribe "$ring" 2>&1)" "keyring;0;$CSE_ID;0b3f0b00;$RING"
cse keyctl show @s >"$W/keys" 2>/dev/null
check "the CSE's keyring lists the three data keys by Credential-ID" \
	sh -c "[ \$(grep -c 'm2mvault: 1[456]-[0-9a-f]\{32\}@$FQDN\$' '$W/keys') = 3 ]"
check "the store key is not in the CSE's keyring" lacks "$W/keys" "$storekey"
kid=$(cse keyctl search @s m2mvault "$(credid 15)" 2>/dev/null)
check "the CSE finds the wrap key by its Credential-ID" test -n "$kid"
# key: possessors view/search/link, owner view/link/setattr, nothing else.
check "keys grant possessors view/search/link, the owner view/link/setattr" \
	sh -c "keyctl rdescribe '$kid' | grep -q '^m2mvault;0;0;19310000;15-'"
check "the key's timeout is the credential lifetime (10 minutes)" \
	sh -c "cse() { setpriv --reuid=$CSE_ID --regid=$CSE_ID --clear-groups keyctl session '$RING' \"\$@\"; };
	       cse cat /proc/keys 2>/dev/null | awk -v k=\$(printf %08x '$kid') '\$1 == k {print \$4}' | grep -Eq '^(9|10)m\$'"
refuse "keyctl print cannot read a key back" cse keyctl print "$kid"
refuse "keyctl read cannot either" cse keyctl read "$kid"
refuse "keyctl pipe cannot either" cse keyctl pipe "$kid"
refuse "a possessor cannot change a key's timeout" cse keyctl timeout "$kid" 0

# ------------------------------------------------------------ store, policies

"$M" status "$STORE" >"$W/status" 2>&1
check "m2mvault status shows the store attached, state ok" \
	has "$W/status" "^$STORE +ok .*$W/$STORE.store"
check "... with the grant of [store]: owner root, group 4242, mode 0660" \
	has "$W/status" "^$STORE +ok .* root +$CSE_ID +0660 +$W/$STORE.store"
check "... also in status --json" \
	same "$("$M" status "$STORE" --json | jq -c '.[0] | [.owner, .group, .mode]')" "[0,$CSE_ID,\"0660\"]"
"$M" policy ls "$STORE" >"$W/pol" 2>&1
check "policy ls shows the three prefixes under the loaded credentials" \
	sh -c "grep -q '/cse/ae1/temp/ *wrap .*15-[0-9a-f]\{32\}@$FQDN' '$W/pol' &&
	       grep -q '/cse/ae1/hum/ *dir .*14-[0-9a-f]\{32\}@$FQDN' '$W/pol' &&
	       grep -q '/cse/acp/ *mic .*16-[0-9a-f]\{32\}@$FQDN' '$W/pol' &&
	       for c in \$(awk 'NR > 1 {print \$NF}' '$W/pol'); do grep -q \"\$c\" '$W/keys' || exit 1; done"

# ------------------------------------------------------------ data plane

printf '{"m2m:cin":{"con":"wrap-secret-1"}}' >"$W/in-temp"
printf '{"m2m:cin":{"con":"dir-secret-1"}}' >"$W/in-hum"
printf '{"m2m:acp":{"acor":["Cae2"]}}' >"$W/in-acp"
check "the CSE puts a wrap record" cse "$M" put "$STORE" /cse/ae1/temp/cin1 "$W/in-temp"
check "the CSE puts a dir record" cse "$M" put "$STORE" /cse/ae1/hum/cin1 "$W/in-hum"
check "the CSE puts a mic record" cse "$M" put "$STORE" /cse/acp/acp1 "$W/in-acp"
check "the CSE gets the plaintext back" \
	same "$(cse "$M" get "$STORE" /cse/ae1/temp/cin1 2>/dev/null)" '{"m2m:cin":{"con":"wrap-secret-1"}}'
refuse "the store file holds no plaintext" grep -aq 'secret-1' "$W/$STORE.store"
other "$M" get "$STORE" /cse/ae1/temp/cin1 >/dev/null 2>"$W/err"
check "another uid, not in the store's group, cannot read: EACCES" \
	has "$W/err" "Permission denied"
other "$M" put "$STORE" /cse/ae1/temp/x "$W/in-temp" >/dev/null 2>"$W/err"
check "nor write: EACCES" has "$W/err" "Permission denied"
other "$M" ls "$STORE" >/dev/null 2>"$W/err"
check "nor list: EACCES" has "$W/err" "Permission denied"
# In group 4242 it could join the keyring (cse_gid): in a session of its
# own, with a key it made under the wrap credential's name instead.
setpriv --reuid="$OTHER_ID" --regid="$OTHER_ID" --groups="$DEV_GID,$CSE_ID" \
	keyctl session - sh -c 'head -c 32 /dev/urandom | keyctl padd m2mvault "$0" @s >/dev/null &&
		exec "$@"' "$(credid 15)" "$M" put "$STORE" /cse/ae1/temp/cin1 "$W/in-hum" >/dev/null 2>"$W/err"
check "in the store's group, a forged key of a record's name cannot overwrite it: EKEYREJECTED" \
	has "$W/err" "credential key rejected"
check "... the record is the CSE's still" \
	same "$(cse "$M" get "$STORE" /cse/ae1/temp/cin1 2>/dev/null)" '{"m2m:cin":{"con":"wrap-secret-1"}}'
check "... and the store is ok" \
	same "$("$M" status "$STORE" --json | jq -r '.[0].state')" ok
keyctl session - "$M" get "$STORE" /cse/ae1/temp/cin1 >/dev/null 2>"$W/err"
check "root in a session without the keyring: ENOKEY" \
	has "$W/err" "credential key not in the caller's keyrings"
other keyctl show @s >"$W/other-keys" 2>/dev/null
check "the other uid sees none of the keys" lacks "$W/other-keys" "m2mvault"

# ------------------------------------------------------------ the target

if [ -x "$CONSUME" ]; then
	consume() {
		local id=$1
		shift
		"$CONSUME" --tef "127.0.0.1:$PORT" --fqdn "$FQDN" --identity "$id" \
			--psk-file "$W/$id.psk" "$@"
	}
	for p in temp/cin1:wrap-secret-1 hum/cin1:dir-secret-1; do
		"$M" export "$STORE" "/cse/ae1/${p%%:*}" --compact >"$W/x.jwe"
		check "AE2 decrypts the ${p%%/*} export with the TEF's key" \
			same "$(consume kpm-ae2 "$W/x.jwe" 2>&1)" "{\"m2m:cin\":{\"con\":\"${p#*:}\"}}"
	done
	"$M" export "$STORE" /cse/acp/acp1 --json >"$W/acp.json"
	check "AE2 verifies the mic record (JWS) with the TEF's key" \
		same "$(consume kpm-ae2 "$W/acp.json" 2>&1)" '{"m2m:acp":{"acor":["Cae2"]}}'
	consume kpm-ae3 "$W/x.jwe" >/dev/null 2>"$W/err"
	check "AE3, not among the targets, is refused by the TEF" \
		has "$W/err" "access control|not allowed|forbid|4\.03"
else
	skip "AE2 decrypts exports with the TEF's keys" "$CONSUME is not built"
	skip "AE3 is refused by the TEF" "$CONSUME is not built"
fi

# ------------------------------------------------------------ failures

(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$W/wrong.psk")
sed "s|^psk_file = .*|psk_file = $W/wrong.psk|" "$W/a.conf" >"$W/wrong.conf"
agent -c "$W/wrong.conf" --once 2>"$W/err"
rc=$?
check "a wrong PSK: exit 1" same "$rc" 1
check "... with a clear message" \
	has "$W/err" "^m2mvaultd: TEF 127.0.0.1:$PORT: DTLS handshake refused: wrong PSK or unknown identity"
chmod 644 "$W/wrong.psk"
agent -c "$W/wrong.conf" --once 2>"$W/err"
rc=$?
chmod 600 "$W/wrong.psk"
check "a PSK file others may read is refused" \
	sh -c "[ $rc = 1 ] && grep -q 'group or others (chmod 600)' '$W/err'"
printf '[tef]\nhost = 127.0.0.1\nport = 99999\n' >"$W/bad.conf"
agent -c "$W/bad.conf" --once 2>"$W/err"
rc=$?
check "a bad configuration: exit 2, FILE:LINE and the reason" \
	sh -c "[ $rc = 2 ] && grep -q '^m2mvaultd: $W/bad.conf:3: \[tef\] port: 1 to 65535' '$W/err'"
agent -c "$W/missing.conf" --once 2>"$W/err"
rc=$?
check "a missing configuration: exit 2" \
	sh -c "[ $rc = 2 ] && grep -q 'cannot read the configuration' '$W/err'"
unshare -n "$AGENT" -c "$W/a.conf" --once 2>"$W/err"
rc=$?
check "no m2mvault family (another network namespace): exit 1, clear message" \
	sh -c "[ $rc = 1 ] && grep -q '^m2mvaultd: m2mvault module not loaded (generic netlink family m2mvault not found)' '$W/err'"

# The first-run rule: only a file that is not there is made a store. One
# that exists, empty or foreign, is refused and left as it was.
ESTORE=agte$$
conf "$W/e.conf" "$ESTORE" 600 60
: >"$W/$ESTORE.store"
agent -c "$W/e.conf" --once 2>"$W/err"
rc=$?
check "an existing empty store file: exit 1" same "$rc" 1
check "... saying what to do" has "$W/err" \
	"^m2mvaultd: store file $W/$ESTORE.store exists but is empty: m2mvaultd formats only a store file it creates itself; remove the empty file to have a new store made"
check "... the file left empty, in place" \
	sh -c "[ -f '$W/$ESTORE.store' ] && [ ! -s '$W/$ESTORE.store' ]"
check "... nothing attached" sh -c "! '$M' status '$ESTORE' >/dev/null 2>&1"
check "... and nothing registered" lacks "$W/err" "registered"
head -c 8192 /dev/urandom >"$W/$ESTORE.store"
cp "$W/$ESTORE.store" "$W/foreign.copy"
agent -c "$W/e.conf" --once 2>"$W/err"
rc=$?
check "an existing file that is not the store: exit 1" same "$rc" 1
check "... with a clear message" has "$W/err" "store file $W/$ESTORE.store is not empty"
check "... the file left byte for byte" cmp "$W/$ESTORE.store" "$W/foreign.copy"
check "... nothing attached" sh -c "! '$M' status '$ESTORE' >/dev/null 2>&1"

tef_stop
TIMEOUT_MS=2000 conf "$W/down.conf" "$STORE" 600 60
agent -c "$W/down.conf" --once 2>"$W/err"
rc=$?
check "the TEF down: exit 1" same "$rc" 1
check "... with a clear message" has "$W/err" "^m2mvaultd: TEF 127.0.0.1:$PORT unreachable: "

# ---------------------------------------------- TEF restarted, recoveries

check "the TEF restarts on its database" tef_start
agent -c "$W/a.conf" --once 2>"$W/agent2.log"
rc=$?
check "after the TEF restarted, a second agent run works" same "$rc" 0
check "... finds the store attached and reuses the credentials" \
	sh -c "grep -q 'already attached' '$W/agent2.log' &&
	       grep -q 'still good' '$W/agent2.log' && ! grep -q registered '$W/agent2.log'"
check "... and the records stay readable" \
	same "$(cse "$M" get "$STORE" /cse/ae1/hum/cin1 2>/dev/null)" '{"m2m:cin":{"con":"dir-secret-1"}}'

"$M" detach "$STORE" >/dev/null 2>&1
agent -c "$W/a.conf" --once 2>"$W/agent3.log"
rc=$?
check "after a detach the agent re-attaches the store" same "$rc" 0
check "... with the store key retrieved from the TEF" \
	has "$W/agent3.log" "loaded store key $storekey"
check "... finding the records in it" \
	has "$W/agent3.log" "attached store $STORE .*: [1-9][0-9]* records, 3 live, 0 integrity errors"
check "... the policies are back" \
	sh -c "[ \$('$M' policy ls '$STORE' | grep -c '@$FQDN') = 3 ]"
check "... and the records readable" \
	same "$(cse "$M" get "$STORE" /cse/acp/acp1 2>/dev/null)" '{"m2m:acp":{"acor":["Cae2"]}}'
check "the store key is not left in any keyring it could be found in" \
	sh -c "! keyctl search @u m2mvault '$storekey' >/dev/null 2>&1"

# A reboot empties the keyrings: the agent fetches the keys back.
keyctl clear "$ring"
refuse "with the keyring emptied the CSE cannot read" \
	cse "$M" get "$STORE" /cse/ae1/temp/cin1
agent -c "$W/a.conf" --once 2>"$W/agent4.log"
rc=$?
check "the agent restores the keys of live credentials from the TEF" \
	sh -c "[ $rc = 0 ] && [ \$(grep -c 'loaded data key' '$W/agent4.log') = 3 ]"
check "... and the records are readable again" \
	same "$(cse "$M" get "$STORE" /cse/ae1/temp/cin1 2>/dev/null)" '{"m2m:cin":{"con":"wrap-secret-1"}}'

# Crypto-erase: the operator revokes the current wrap key.
wrapid=$(credid 15)
wrapkey=$(cse keyctl search @s m2mvault "$wrapid" 2>/dev/null)
check "root, the keys' owner, can revoke the wrap key without possessing it" \
	keyctl session - keyctl revoke "$wrapkey"
cse "$M" put "$STORE" /cse/ae1/temp/cin2 "$W/in-temp" >/dev/null 2>"$W/err"
check "writes under it stop at once: EKEYREVOKED" has "$W/err" "credential key revoked"
refuse "its records are unreadable" cse "$M" get "$STORE" /cse/ae1/temp/cin1
agent -c "$W/a.conf" --once 2>"$W/agent5.log"
rc=$?
check "the agent does not restore a revoked key" \
	sh -c "[ $rc = 0 ] && grep -q '$wrapid was revoked in the keyring: not restoring it' '$W/agent5.log'"
check "... and registers a new generation" has "$W/agent5.log" "registered 15-"
check "the policy names the new wrap key" test "$(credid 15)" != "$wrapid"
check "writes work again" cse "$M" put "$STORE" /cse/ae1/temp/cin2 "$W/in-temp"
refuse "the revoked key's records stay unreadable" \
	cse "$M" get "$STORE" /cse/ae1/temp/cin1
check "records of the other keys stay readable" \
	same "$(cse "$M" get "$STORE" /cse/ae1/hum/cin1 2>/dev/null)" '{"m2m:cin":{"con":"dir-secret-1"}}'

# A re-attach drops the store's key bindings; the policies bind the new
# generation, and the agent binds the older ones (KEY_BIND).
old14=$(awk '$1 == "data" && $2 == 1 && $3 == 14 {print $5}' "$W/$STORE.store.state")
"$M" detach "$STORE" >/dev/null 2>&1
agent -c "$W/a.conf" --once 2>"$W/agent6.log"
rc=$?
check "after a re-attach the agent binds the older generation's keys" \
	sh -c "[ $rc = 0 ] && [ -n '$old14' ] && grep -q 'bound $old14 (generation 1) to store $STORE' '$W/agent6.log' || { cat '$W/agent6.log'; false; }"
check "... so the records sealed under them stay readable" \
	same "$(cse "$M" get "$STORE" /cse/ae1/hum/cin1 2>/dev/null)" '{"m2m:cin":{"con":"dir-secret-1"}}'
check "... the mic record too" \
	same "$(cse "$M" get "$STORE" /cse/acp/acp1 2>/dev/null)" '{"m2m:acp":{"acor":["Cae2"]}}'
check "... and the store key of the re-attach is gone again" \
	sh -c "! keyctl search @u m2mvault '$storekey' >/dev/null 2>&1"

# ---------------------------------------------------- freshness anchor

# The TEF keeps the store's last durable position ([store] anchor = tef,
# the default). At the next attach a file that does not hold it (an older
# copy, a file compacted since) is refused, and so is a store whose file
# is gone; --accept-stale lets one run through, and says so.
ASTORE=agta$$
tefseq() {
	"$TEFD" --db "$W/tef.db" list |
		awk -v s="$ASTORE" '$1 == s && $2 == "owner=Cgw1" {sub("seq=", "", $3); print $3}'
}
attached() { "$M" status "$ASTORE" >/dev/null 2>&1; }
conf "$W/an.conf" "$ASTORE" 600 60
agent -c "$W/an.conf" --once 2>"$W/an1.log"
rc=$?
check "anchor: a new store's first run exits 0" \
	sh -c "[ $rc = 0 ] || { cat '$W/an1.log'; false; }"
check "... and the TEF keeps its anchor under the agent's AE-ID" test -n "$(tefseq)"
check "... said in the log" \
	has "$W/an1.log" "store $ASTORE: freshness anchor seq [0-9]+ kept by the TEF \(attach\)"
cse "$M" put -s "$ASTORE" /cse/ae1/temp/a1 "$W/in-temp" >/dev/null 2>&1
"$M" detach "$ASTORE" >/dev/null 2>&1
cp "$W/$ASTORE.store" "$W/an-old.store"
agent -c "$W/an.conf" --once 2>"$W/an2.log"
rc=$?
check "a re-attach of the file that holds the anchor works" \
	sh -c "[ $rc = 0 ] && grep -q 'store $ASTORE: the freshness anchor the TEF holds is seq' '$W/an2.log' || { cat '$W/an2.log'; false; }"
s1=$(tefseq)
for i in 2 3 4; do
	cse "$M" put -s "$ASTORE" "/cse/ae1/temp/a$i" "$W/in-temp" >/dev/null 2>&1
done
agent -c "$W/an.conf" --once 2>"$W/an3.log"
s2=$(tefseq)
check "synchronous PUTs move the anchor at the next report ($s1 -> $s2)" \
	test "${s2:-0}" -gt "${s1:-0}"
"$M" detach "$ASTORE" >/dev/null 2>&1
cp "$W/an-old.store" "$W/$ASTORE.store"
agent -c "$W/an.conf" --once 2>"$W/an4.log"
rc=$?
check "an older copy of the store file is refused: exit 1" same "$rc" 1
check "... naming the record that is missing" has "$W/an4.log" \
	"store $ASTORE: the store file $W/$ASTORE.store fails the freshness anchor the TEF holds \(seq $s2, reported at [0-9]+\): the log (ends before|does not hold) the freshness anchor's record"
check "... nothing attached" sh -c "! '$M' status '$ASTORE' >/dev/null 2>&1"
check "... and the TEF's anchor unchanged" same "$(tefseq)" "$s2"
agent -c "$W/an.conf" --once --accept-stale 2>"$W/an5.log"
rc=$?
check "--accept-stale attaches the older copy, saying so" \
	sh -c "[ $rc = 0 ] && grep -q 'store $ASTORE attached with --accept-stale' '$W/an5.log' || { cat '$W/an5.log'; false; }"
check "... the module counted it as an integrity error" \
	has "$W/an5.log" "attached store $ASTORE .*, [1-9][0-9]* integrity errors"
check "... and the TEF now holds the older copy's position" \
	test "$(tefseq)" -lt "$s2"
check "... whose records read" cse "$M" get "$ASTORE" /cse/ae1/temp/a1

# A store file that is gone, while the TEF holds its anchor.
"$M" detach "$ASTORE" >/dev/null 2>&1
mv "$W/$ASTORE.store" "$W/an-moved.store"
agent -c "$W/an.conf" --once 2>"$W/an6.log"
rc=$?
check "a removed store file whose anchor the TEF holds: exit 1" same "$rc" 1
check "... saying what happened and what to do" has "$W/an6.log" \
	"store $ASTORE: the TEF holds its freshness anchor \(seq [0-9]+\), but the store file $W/$ASTORE.store did not exist: the store was removed or moved"
check "... no new store made" \
	sh -c "[ ! -e '$W/$ASTORE.store' ] && ! '$M' status '$ASTORE' >/dev/null 2>&1"
mv "$W/an-moved.store" "$W/$ASTORE.store"

# The daemon reports at its interval, at once after a compaction, and at
# its stop.
sed 's/^mode = 0660$/mode = 0660\nanchor_interval = 1/' "$W/an.conf" >"$W/and.conf"
keyctl session - "$AGENT" -c "$W/and.conf" --verbose 2>"$W/and.log" &
AGENT_PID=$!
for _ in $(seq 1 150); do grep -q 'ready:' "$W/and.log" && break; sleep 0.2; done
check "the daemon with anchor_interval = 1 is ready" has "$W/and.log" "ready: store $ASTORE"
s3=$(tefseq)
cse "$M" put -s "$ASTORE" /cse/ae1/temp/a5 "$W/in-temp" >/dev/null 2>&1
for _ in $(seq 1 50); do [ "$(tefseq)" -gt "$s3" ] && break; sleep 0.2; done
check "a synchronous PUT reaches the TEF within the interval" \
	sh -c "[ \$('$TEFD' --db '$W/tef.db' list | awk '\$1 == \"$ASTORE\" {sub(\"seq=\", \"\", \$3); print \$3}') -gt $s3 ] &&
	       grep -q 'store $ASTORE: freshness anchor seq [0-9]* reported (interval)' '$W/and.log' || { cat '$W/and.log'; false; }"
cp "$W/$ASTORE.store" "$W/an-precompact.store"
n0=$(wc -l <"$W/and.log")
check "compaction while the daemon runs" "$M" compact "$ASTORE" "$W/an-new.store"
# The COMPACTED event makes the daemon report at once; with a 1 s interval
# its poll may see the new anchor first and report it as an interval
# report, after which the event finds nothing new to say. Either way the
# new anchor must be reported within a few seconds.
after() { tail -n +"$((n0 + 1))" "$W/and.log"; }
for _ in $(seq 1 50); do
	after | grep -Eq 'reported \((compaction|interval)\)' && break
	sleep 0.2
done
check "... is reported at once" \
	sh -c "tail -n +$((n0 + 1)) '$W/and.log' | grep -Eq 'store $ASTORE: freshness anchor seq [0-9]+ reported \((compaction|interval)\)'"
kill -TERM "$AGENT_PID"
wait "$AGENT_PID"
rc=$?
AGENT_PID=
check "... and the daemon stops with status 0" same "$rc" 0
"$M" detach "$ASTORE" >/dev/null 2>&1
mv "$W/an-new.store" "$W/$ASTORE.store"
agent -c "$W/an.conf" --once 2>"$W/an7.log"
rc=$?
check "the compacted file attaches with the anchor reported after compaction" \
	sh -c "[ $rc = 0 ] || { cat '$W/an7.log'; false; }"
"$M" detach "$ASTORE" >/dev/null 2>&1
cp "$W/an-precompact.store" "$W/$ASTORE.store"
agent -c "$W/an.conf" --once 2>"$W/an8.log"
rc=$?
check "the file from before the compaction is refused" \
	sh -c "[ $rc = 1 ] && grep -q 'fails the freshness anchor the TEF holds .*: the log \(ends before\|does not hold\) the freshness anchor.s record' '$W/an8.log' || { cat '$W/an8.log'; false; }"

# anchor = none: no anchor is fetched, checked or reported.
sed 's/^mode = 0660$/mode = 0660\nanchor = none/' "$W/an.conf" >"$W/ann.conf"
agent -c "$W/ann.conf" --once 2>"$W/an9.log"
rc=$?
check "anchor = none attaches the older file without a word about anchors" \
	sh -c "[ $rc = 0 ] && ! grep -qi 'anchor' '$W/an9.log' || { cat '$W/an9.log'; false; }"
"$M" detach "$ASTORE" >/dev/null 2>&1

# ------------------------------------------------------------ user mode

# The keys of a third store go into the user keyring of uid 4244 instead.
USTORE=agtu$$
U_ID=4244
conf "$W/u.conf" "$USTORE" 600 60
sed -i -e "s/^name = $RING\$/mode = user/" -e "s/^cse_gid = .*/cse_uid = $U_ID/" \
	-e "s/^mode = 0660\$/owner = $U_ID\nmode = 0660/" "$W/u.conf"
agent -c "$W/u.conf" --once 2>"$W/agentu.log"
rc=$?
check "user mode: the agent sets up (exit 0)" \
	sh -c "[ $rc = 0 ] || { cat '$W/agentu.log'; false; }"
# A process of uid 4244 whose session keyring links its user keyring, as
# pam_keyinit sets it up.
ucse() {
	setpriv --reuid="$U_ID" --regid="$U_ID" --groups="$DEV_GID" \
		keyctl session - sh -c 'keyctl link @u @s && exec "$@"' ucse "$@"
}
ucse keyctl show @u >"$W/ukeys" 2>/dev/null
check "the data keys are in uid 4244's user keyring" \
	sh -c "[ \$(grep -c 'm2mvault: 1[456]-[0-9a-f]\{32\}@$FQDN\$' '$W/ukeys') = 3 ]"
ucse "$M" put "$USTORE" /cse/ae1/temp/u1 "$W/in-temp" 2>"$W/err"
rc=$?
check "uid 4244 writes" sh -c "[ $rc = 0 ] || { cat '$W/err'; false; }"
check "... and reads" \
	same "$(ucse "$M" get "$USTORE" /cse/ae1/temp/u1 2>/dev/null)" '{"m2m:cin":{"con":"wrap-secret-1"}}'
cse "$M" get "$USTORE" /cse/ae1/temp/u1 >/dev/null 2>"$W/err"
check "the session-mode CSE (uid 4242) cannot: ENOKEY" \
	has "$W/err" "credential key not in the caller's keyrings"
check "back as root after acting as uid 4244, the agent attached and set policies" \
	has "$W/agentu.log" "ready: store $USTORE attached, keyring \\(user keyring\\)"
check "... owned by uid 4244 ([store] owner)" \
	same "$("$M" status "$USTORE" --json | jq -c '.[0] | [.owner, .group, .mode]')" "[$U_ID,$CSE_ID,\"0660\"]"
ucse keyctl clear @u >/dev/null 2>&1
"$M" detach "$USTORE" >/dev/null 2>&1

# ------------------------------------ key registrations (TS-0003 8.3.5)

# A TEF that chooses its own RelativeKeyIDs, as a MEF does: the agent
# takes them (they are no input to the keys), registers with the SUID,
# labels and admin FQDN of [credentials], and the operator updates and
# de-registers the registrations. Then TEFs that answer with bad IDs.
GSTORE=agtg$$
tefq() { sqlite3 "file:$W/tef.db?mode=ro" "$1"; }
gcred() { "$M" policy ls "$GSTORE" | awk -v t="^$1-" '$NF ~ t {print $NF; exit}'; }
tef_stop
TEF_ARGS="--assign random --admin ops.example.com"
check "the TEF restarts choosing its own RelativeKeyIDs (--assign random)" tef_start
conf "$W/g.conf" "$GSTORE" 600 60
sed -i 's|^targets = Cae2$|targets = Cae2\nlabels = site=lab gw/1\nadmin = adm.example.com|' "$W/g.conf"
agent -c "$W/g.conf" --once 2>"$W/g1.log"
rc=$?
check "the agent sets up with the IDs that TEF assigns (exit 0)" \
	sh -c "[ $rc = 0 ] || { cat '$W/g1.log'; false; }"
g15=$(gcred 15)
gstore=$(awk '$1 == "store" {print $5}' "$W/$GSTORE.store.state")
check "... the policies name them, as the TEF holds them for Cgw1" \
	same "$(tefq "SELECT owner FROM credential WHERE id='$g15'")" Cgw1
check "... registered with SUID 24, the labels and the admin of [credentials]" \
	same "$(tefq "SELECT suid, admin, labels, targets FROM credential WHERE id='$g15'")" \
	'24|adm.example.com|["site=lab","gw/1"]|["Cae2"]'
check "... the store key with SUID 25 and no target" \
	same "$(tefq "SELECT suid, targets FROM credential WHERE id='$gstore'")" '25|[]'
check "... and the agent logged the SUIDs" has "$W/g1.log" "registered 15-[^ ]+ \(SUID 24, targets: 1"
check "the CSE writes under those keys" cse "$M" put "$GSTORE" /cse/ae1/temp/g1 "$W/in-temp"
check "... and reads back" \
	same "$(cse "$M" get "$GSTORE" /cse/ae1/temp/g1 2>/dev/null)" "$(cat "$W/in-temp")"

sed -i 's|^targets = Cae2$|targets = Cae3|; s|^labels = .*|labels = site=lab2|' "$W/g.conf"
agent -c "$W/g.conf" --update-registrations 2>"$W/g2.log"
rc=$?
n_live=$(grep -c . "$W/$GSTORE.store.state")
check "--update-registrations exits 0" sh -c "[ $rc = 0 ] || { cat '$W/g2.log'; false; }"
check "... having updated every live registration" \
	has "$W/g2.log" "updated $((n_live - 1)) of $((n_live - 1)) registrations \(targets: 1, labels: 1\)"
check "... the data key's targets and labels at the TEF are the configuration's" \
	same "$(tefq "SELECT targets, labels FROM credential WHERE id='$g15'")" '["Cae3"]|["site=lab2"]'
check "... the store key keeps no target" \
	same "$(tefq "SELECT targets, labels FROM credential WHERE id='$gstore'")" '[]|["site=lab2"]'
check "... and the TEF logged the updates" has "$W/tef.log" "updated $g15 by Cgw1: targets labels"

agent -c "$W/g.conf" --deregister "$g15" 2>"$W/g3.log"
rc=$?
check "--deregister of the wrap key exits 0" sh -c "[ $rc = 0 ] || { cat '$W/g3.log'; false; }"
check "... warning that it is the newest generation's" has "$W/g3.log" "is of the newest generation"
check "... the TEF holds it revoked, its key wiped" \
	same "$(tefq "SELECT revoked, hex(key) FROM credential WHERE id='$g15'")" "1|$(printf '0%.0s' $(seq 1 64))"
check "... and it left the state file" lacks "$W/$GSTORE.store.state" "$g15"
agent -c "$W/g.conf" --deregister "$g15" 2>"$W/g4.log"
rc=$?
check "--deregister of a credential not in the state: exit 1, saying so" \
	sh -c "[ $rc = 1 ] && grep -q 'not a live credential of $W/$GSTORE.store.state' '$W/g4.log' || { cat '$W/g4.log'; false; }"
agent -c "$W/g.conf" --deregister 'no id' 2>"$W/g5.log"
rc=$?
check "--deregister of something that is no Credential-ID: exit 2" same "$rc" 2
agent -c "$W/g.conf" --once --update-registrations 2>"$W/g6.log"
rc=$?
check "--update-registrations with --once: exit 2" same "$rc" 2
"$M" detach "$GSTORE" >/dev/null 2>&1

BSTORE=agtb$$
conf "$W/b.conf" "$BSTORE" 600 60
for how in malformed wrong-type duplicate foreign; do
	tef_stop
	TEF_ARGS="--assign test-$how"
	tef_start
	agent -c "$W/b.conf" --once 2>"$W/b-$how.log"
	rc=$?
	check "a TEF answering with a $how Credential-ID: exit 1" \
		sh -c "[ $rc = 1 ] && grep -q 'registering the store credentials with the TEF: malformed or inconsistent answer from the TEF' '$W/b-$how.log' || { cat '$W/b-$how.log'; false; }"
	check "... nothing attached, no store file left" \
		sh -c "! '$M' status '$BSTORE' >/dev/null 2>&1 && [ ! -e '$W/$BSTORE.store' ]"
done
tef_stop
TEF_ARGS=
check "the TEF restarts as before (--assign seed)" tef_start

# ------------------------------------------------------------ renewal

# 20-second credentials renewed 10 s before they expire, while a CSE
# writes for about two and a half lifetimes.
conf "$W/r.conf" "$RSTORE" 20 10
keyctl session - "$AGENT" -c "$W/r.conf" --foreground 2>"$W/renew.log" &
AGENT_PID=$!
for _ in $(seq 1 150); do grep -q 'ready:' "$W/renew.log" && break; sleep 0.2; done
check "the agent runs as a daemon (ready)" has "$W/renew.log" "ready: store $RSTORE"
"$M" policy ls "$RSTORE" >"$W/pol-before" 2>&1
old15=$(awk '$NF ~ /^15-/ {print $NF}' "$W/pol-before")
oldkey=$(cse keyctl search @s m2mvault "$old15" 2>/dev/null)
check "the first generation's wrap key is in the keyring" test -n "$oldkey"
cse "$M" put "$RSTORE" /cse/ae1/temp/first "$W/in-temp" >/dev/null 2>&1
# One CSE process session: PUTs as fast as the CLI goes, for 50 s.
cat >"$W/writer.sh" <<EOF
#!/bin/bash
n=0 fails=0 end=\$((SECONDS + 50))
while [ \$SECONDS -lt \$end ]; do
	echo "w\$n" | "$M" put "$RSTORE" "/cse/ae1/temp/w\$n" - >/dev/null 2>>"$W/cse/put-err" ||
		fails=\$((fails + 1))
	echo "m\$n" | "$M" put "$RSTORE" "/cse/acp/m\$n" - >/dev/null 2>>"$W/cse/put-err" ||
		fails=\$((fails + 1))
	n=\$((n + 1))
done
echo "\$n \$fails" >"$W/cse/writer.out"
EOF
chmod 755 "$W/writer.sh"
cse "$W/writer.sh" 2>/dev/null &
WRITER_PID=$!
wait "$WRITER_PID"
WRITER_PID=
writes=0 fails=unknown
read -r writes fails <"$W/cse/writer.out"
check "no PUT failed across the renewals ($((writes * 2)) PUTs)" \
	sh -c "[ '$fails' = 0 ] && [ '$writes' -gt 20 ] || { cat '$W/cse/put-err'; false; }"
"$M" policy ls "$RSTORE" >"$W/pol-after" 2>&1
check "the policies name new Credential-IDs" \
	sh -c "! grep -q '$old15' '$W/pol-after' && [ \$(grep -c '@$FQDN' '$W/pol-after') = 3 ]"
check "the agent renewed at least three times and logged it" \
	sh -c "[ \$(grep -c 'renewed: generation' '$W/renew.log') -ge 3 ]"
keyctl describe "$oldkey" >"$W/err" 2>&1
check "the first generation's key has expired in the keyring" \
	has "$W/err" "expired|not available"
cse "$M" get "$RSTORE" /cse/ae1/temp/first >/dev/null 2>"$W/err"
check "its records are unreadable now: crypto-erase by expiry" \
	has "$W/err" "credential key expired|not in the caller's keyrings"
echo fresh | cse "$M" put "$RSTORE" /cse/ae1/temp/fresh - >/dev/null 2>&1
check "a record written now reads back under the current generation" \
	same "$(cse "$M" get "$RSTORE" /cse/ae1/temp/fresh 2>/dev/null)" fresh
kill -TERM "$AGENT_PID"
wait "$AGENT_PID"
rc=$?
AGENT_PID=
check "SIGTERM ends the agent with status 0" same "$rc" 0
check "... and it says so" has "$W/renew.log" "stopping on signal 15"

# ------------------------------------------------------------ valgrind

TIMEOUT_MS=60000 conf "$W/vg.conf" "$STORE" 600 60
keyctl session - $VG "$AGENT" -c "$W/vg.conf" --once 2>"$W/vg.log"
rc=$?
check "m2mvaultd --once is valgrind-clean" \
	sh -c "[ $rc = 0 ] || { cat '$W/vg.log'; false; }"
"$M" detach "$RSTORE" >/dev/null 2>&1
TIMEOUT_MS=60000 conf "$W/vgr.conf" "$RSTORE" 20 10
keyctl session - $VG "$AGENT" -c "$W/vgr.conf" --once 2>"$W/vg2.log"
rc=$?
check "... also when it attaches a store (valgrind)" \
	sh -c "[ $rc = 0 ] && grep -q 'attached store $RSTORE' '$W/vg2.log' || { cat '$W/vg2.log'; false; }"
# What this run checks is the failure path under valgrind. How the client
# names a refused handshake depends on timing (a wrong PSK is only seen
# as the handshake not finishing), and valgrind's slowness moves it: the
# classification itself is checked above, without valgrind.
keyctl session - $VG "$AGENT" -c "$W/wrong.conf" --once 2>"$W/vg3.log"
rc=$?
check "... and when the handshake fails (valgrind)" \
	sh -c "[ $rc = 1 ] && grep -Eq '^m2mvaultd: TEF 127.0.0.1:$PORT(: DTLS handshake refused| unreachable|: no DTLS handshake)' '$W/vg3.log' && ! grep -q '==[0-9]*==' '$W/vg3.log' || { cat '$W/vg3.log'; false; }"

TIMEOUT_MS=60000 conf "$W/vgd.conf" "$STORE" 600 60
keyctl session - $VG "$AGENT" -c "$W/vgd.conf" 2>"$W/vgd.log" &
AGENT_PID=$!
for _ in $(seq 1 600); do grep -q 'ready:' "$W/vgd.log" && break; sleep 0.2; done
kill -HUP "$AGENT_PID"
for _ in $(seq 1 600); do grep -q 'renewed: generation' "$W/vgd.log" && break; sleep 0.2; done
kill -TERM "$AGENT_PID"
wait "$AGENT_PID"
rc=$?
AGENT_PID=
check "... as a daemon through a SIGHUP renewal and SIGTERM (valgrind)" \
	sh -c "[ $rc = 0 ] && grep -q 'renewed: generation' '$W/vgd.log' && grep -q 'stopping on signal 15' '$W/vgd.log' || { cat '$W/vgd.log'; false; }"

finish
