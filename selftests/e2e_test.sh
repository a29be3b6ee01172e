#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The seed flow end to end, as assertions: the reference TEF, the agent
# bootstrapping and loading keys, a CSE writing through the kernel, the
# consumer AE2 decrypting exports of all three modes with keys from the
# TEF, AE3 refused, and the failure cases: wrong PSK, unknown enrolee, TEF
# down and restarted, malformed CoAP bodies from coap-client, revocation,
# expiry and renewal across expiry; a local attacker (uid 65534, with a
# forged key of the right name, with and without the store's group) gets
# nothing. The TEF and the consumer run under
# valgrind too (the agent's valgrind runs are in agent_test.sh).
set -u
export M2MV_TOP=${M2MV_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
. "$M2MV_TOP/selftests/lib.sh"
. "$M2MV_TOP/selftests/tef_env.sh"

M=$BIN/m2mvault
VG="valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99"
COAP=coap-client-openssl

cleanup() {
	[ -n "${AGENT_PID:-}" ] && kill "$AGENT_PID" 2>/dev/null
	[ -n "${WRITER_PID:-}" ] && kill "$WRITER_PID" 2>/dev/null
	tef_stop
	"$M" detach e2e >/dev/null 2>&1
	"$M" detach e2e2 >/dev/null 2>&1
	dev_restore
	keyctl unlink "%keyring:$KEYRING" @u >/dev/null 2>&1
	keyctl unlink "%keyring:$KEYRING" @s >/dev/null 2>&1
	rm -rf "$W"
}
trap cleanup EXIT

# coap-client with enrolee $1's PSK; prints "<code> <payload>".
coap() {
	local id=$1
	shift
	$COAP -B 5 -u "$id" -k "$(cat "$W/$id.key")" "$@" 2>&1 |
		grep -v -e ' WARN ' -e ' ERR ' -e ' INFO ' 
}
cred_url() { echo "coaps://127.0.0.1:$TEF_PORT/cred${1:+/$1}"; }
tef_alive() { kill -0 "$TEF_PID" 2>/dev/null; }
same() { [ "$1" = "$2" ] || { echo "got '$1', want '$2'"; return 1; }; }
has() { grep -q -- "$2" "$1" || { echo "no '$2' in:"; cat "$1"; return 1; }; }

plan 61
keyctl new_session >/dev/null

# ------------------------------------------------------------ bootstrap
check "m2m-tefd starts on loopback" tef_start
check "the TEF database is mode 0600" \
	same "$(stat -c %a "$TEF_DB")" 600
enrol kpm-gw1 Cae-gw1
enrol kpm-ae2 Cae2
enrol kpm-ae3 Cae3
agent_conf "$W/a.conf" 600 60 Cae2
check "the agent bootstraps, registers, loads, attaches (--once)" \
	sh -c "'$BIN/m2mvaultd' -c '$W/a.conf' --once 2>'$W/agent.log' || { cat '$W/agent.log'; false; }"
check "the agent logged its KeID and readiness" \
	sh -c "grep -q 'KeID [0-9a-f]\{32\}@$TEF_FQDN' '$W/agent.log' && grep -q 'ready:' '$W/agent.log'"
keyctl session "$KEYRING" keyctl show @s >"$W/keys" 2>/dev/null
check "the CSE keyring holds the type 14, 15 and 16 keys" \
	sh -c "grep -c 'm2mvault: 1[456]-[0-9a-f]\{32\}@$TEF_FQDN' '$W/keys' | grep -qx 3"
check "the store key is not in the CSE keyring" \
	sh -c "[ \$(grep -c 'm2mvault: 16-' '$W/keys') = 1 ]"
kid=$(awk '/m2mvault: 15-/ {print $1; exit}' "$W/keys")
refuse "keyctl print cannot read a loaded key back" \
	keyctl session "$KEYRING" keyctl print "$kid"
check "the store is attached" sh -c "'$M' status e2e | grep -q '^e2e '"
"$M" policy ls e2e >"$W/pol"
check "four policies point at the registered credentials" \
	sh -c "grep -c '@$TEF_FQDN' '$W/pol' | grep -qx 4"

# ------------------------------------------------------------ data plane
for p in temp/cin1:wrap-secret-1 hum/cin1:dir-c-secret-1 door/cin1:dir-i-secret-1; do
	printf '{"m2m:cin":{"con":"%s"}}' "${p#*:}" >"$W/in"
	cse put e2e "/cse/ae1/${p%%:*}" "$W/in" >/dev/null 2>&1
done
printf '{"m2m:acp":{"acor":["Cae2"]}}' | cse put e2e /cse/acp/acp1 - >/dev/null 2>&1
check "the CSE wrote four records" \
	sh -c "[ \$('$M' ls e2e | grep -c ' /cse/') = 4 ]"
refuse "the store file holds none of the encrypted plaintext" \
	grep -a -q 'secret-1' "$W/gw1.store"
check "GET returns the plaintext" \
	same "$(cse get e2e /cse/ae1/hum/cin1)" '{"m2m:cin":{"con":"dir-c-secret-1"}}'
refuse "a process outside the keyring is refused" \
	keyctl session - "$M" get e2e /cse/ae1/temp/cin1

# ------------------------------------------------------------ attacker
check "the agent attached the store with its grant: root, 4242, 0660" \
	same "$("$M" status e2e --json | jq -c '.[0] | [.owner, .group, .mode]')" "[0,$CSE_GID,\"0660\"]"
dev_open
wrapid=$("$M" stat e2e /cse/ae1/temp/cin1 --json | jq -r .credid)
attacker "$DEV_GID" "$wrapid" ls e2e >/dev/null 2>"$W/err"
check "outside the store's group the attacker cannot even list" \
	has "$W/err" "Permission denied"
echo forged | attacker "$DEV_GID,$CSE_GID" "$wrapid" put e2e /cse/ae1/temp/cin1 - >/dev/null 2>"$W/err"
check "in the group, a forged key of the record's name cannot overwrite it" \
	has "$W/err" "credential key rejected"
attacker "$DEV_GID,$CSE_GID" "$wrapid" rm e2e /cse/ae1/temp/cin1 >/dev/null 2>"$W/err"
check "... nor delete it" has "$W/err" "credential key rejected"
attacker "$DEV_GID,$CSE_GID" "$wrapid" get e2e /cse/ae1/temp/cin1 >/dev/null 2>"$W/err"
check "... nor read it" has "$W/err" "credential key rejected"
check "the CSE still reads its record" \
	same "$(cse get e2e /cse/ae1/temp/cin1)" '{"m2m:cin":{"con":"wrap-secret-1"}}'
check "the store stays ok" same "$("$M" status e2e --json | jq -r '.[0].state')" ok
check "the refusals are counted" \
	sh -c "[ \$('$M' status e2e --json | jq '.[0].counters.key_refusals') -ge 3 ] &&
	       [ \$('$M' status e2e --json | jq '.[0].counters.access_refusals') -ge 1 ]"
dev_restore

# ------------------------------------------------------------ consumer
for m in temp:wrap-secret-1 hum:dir-c-secret-1 door:dir-i-secret-1; do
	"$M" export e2e "/cse/ae1/${m%%:*}/cin1" --compact >"$W/${m%%:*}.jwe"
	check "AE2 decrypts the ${m%%:*} export with the TEF's key" \
		same "$(consume kpm-ae2 "$W/${m%%:*}.jwe" 2>&1)" \
		"{\"m2m:cin\":{\"con\":\"${m#*:}\"}}"
done
"$M" export e2e /cse/ae1/hum/cin1 --json >"$W/hum.json"
check "AE2 decrypts the flattened JSON form too" \
	sh -c "consume() { '$BIN/m2m-consume' --tef 127.0.0.1:$TEF_PORT --fqdn $TEF_FQDN --identity kpm-ae2 --psk-file '$W/kpm-ae2.psk' \"\$@\"; }; consume '$W/hum.json' | grep -q dir-c-secret-1"
# A record of two recipients: the store's recovery credential joins the
# policy's. AE2 opens the General JSON with the TEF's key of the first.
head -c 32 /dev/urandom >"$W/rcvy.key"
keyctl session - sh -c "keyctl padd m2mvault 15-e2e-recovery@$TEF_FQDN @s <'$W/rcvy.key' >/dev/null &&
	'$M' recovery set e2e 15-e2e-recovery@$TEF_FQDN" >/dev/null 2>&1
printf '{"m2m:cin":{"con":"wrap-secret-r"}}' | cse put e2e /cse/ae1/temp/rc1 - >/dev/null 2>&1
"$M" export e2e /cse/ae1/temp/rc1 --json >"$W/rc1.json"
check "AE2 decrypts a General JSON record of two recipients with its TEF key" \
	same "$(consume kpm-ae2 "$W/rc1.json" 2>/dev/null)" '{"m2m:cin":{"con":"wrap-secret-r"}}'
check "... and the recovery key file alone opens it, the TEF not asked" \
	same "$("$BIN/m2m-consume" --key-file "$W/rcvy.key" "$W/rc1.json" 2>/dev/null)" \
	'{"m2m:cin":{"con":"wrap-secret-r"}}'
"$M" recovery clear e2e
"$M" export e2e /cse/acp/acp1 --compact >"$W/acp.jws"
check "AE2 verifies the mic record's JWS" \
	same "$(consume kpm-ae2 "$W/acp.jws")" '{"m2m:acp":{"acor":["Cae2"]}}'
sed 's/\(.*\)\.\(.\)/\1.A/' "$W/acp.jws" >"$W/acp-bad.jws"
cmp -s "$W/acp.jws" "$W/acp-bad.jws" && sed -i 's/\(.*\)\.\(.\)/\1.B/' "$W/acp-bad.jws"
consume kpm-ae2 "$W/acp-bad.jws" >/dev/null 2>"$W/err"
check "a tampered JWS fails authentication" has "$W/err" "authentication failed"
consume kpm-ae3 "$W/temp.jwe" >/dev/null 2>"$W/err"
check "AE3, not in the ACP, is refused by the TEF" \
	has "$W/err" "not in its access control policy"
check "the TEF logged the refusal" has "$TEF_LOG" "identity kpm-ae3: not in the credential's access control policy"
echo 00112233445566778899aabbccddeeff >"$W/wrong.psk"
chmod 600 "$W/wrong.psk"
"$BIN/m2m-consume" --tef "127.0.0.1:$TEF_PORT" --fqdn "$TEF_FQDN" \
	--identity kpm-ae2 --psk-file "$W/wrong.psk" "$W/temp.jwe" 2>"$W/err" >/dev/null
check "a wrong PSK fails the handshake" has "$W/err" "wrong PSK"
"$BIN/m2m-consume" --tef "127.0.0.1:$TEF_PORT" --fqdn "$TEF_FQDN" \
	--identity nobody --psk-file "$W/wrong.psk" "$W/temp.jwe" 2>"$W/err" >/dev/null
check "an unknown enrolee fails the handshake" has "$W/err" "wrong PSK or unknown identity"
check "the TEF logged the unknown enrolee" has "$TEF_LOG" "unknown enrolee"

# ---------------------------------------------- malformed bodies (coap-client)
reg() { coap kpm-ae2 -m post -t 50 -e "$1" "$(cred_url)"; }
check "a well-formed register from coap-client gets 2.01 JSON" \
	sh -c "$COAP -B 5 -u kpm-ae2 -k '$(cat "$W/kpm-ae2.key")' -m post -t 50 -e '{\"targets\":[],\"lifetime\":60,\"types\":[16]}' '$(cred_url)' 2>/dev/null | grep -q '\"credentials\":\[{\"type\":16'"
n=0
for body in 'not json' '[]' '{"targets":"x","lifetime":60,"types":[16]}' \
	'{"targets":[],"lifetime":60,"types":[16],"extra":1}' \
	'{"targets":[],"lifetime":60,"types":[14,15]}' \
	'{"targets":[],"lifetime":0,"types":[16]}' \
	'{"targets":[],"lifetime":99999999,"types":[16]}' \
	'{"targets":[],"lifetime":60,"types":[16,16]}' \
	'{"targets":["a b"],"lifetime":60,"types":[16]}' \
	'{"targets":[],"lifetime":60,"types":[16],"types":[16]}' \
	'{"targets":[],"types":[16]}' ''; do
	out=$(reg "$body")
	case "$out" in 4.00*) n=$((n + 1)) ;; *) echo "# '$body' -> '$out'" ;; esac
done
check "12 malformed register bodies each get 4.00" same "$n" 12
head -c 5000 /dev/zero | tr '\0' 'x' >"$W/big"
out=$(coap kpm-ae2 -m post -t 50 -f "$W/big" "$(cred_url)")
check "a body past 4 KiB gets 4.13" same "${out%% *}" 4.13
head -c 300 /dev/urandom >"$W/garbage"
out=$(coap kpm-ae2 -m post -f "$W/garbage" "$(cred_url)")
check "binary garbage gets 4.00" same "${out%% *}" 4.00
out=$(coap kpm-ae2 -m get "$(cred_url "14-00@$TEF_FQDN")")
check "GET of an unknown credential is 4.04" same "${out%% *}" 4.04
out=$(coap kpm-ae2 -m get "$(cred_url bogus)")
check "GET of a non-Credential-ID is 4.00" same "${out%% *}" 4.00
out=$(coap kpm-ae2 -m put -e x "$(cred_url)")
check "PUT is 4.05" same "${out%% *}" 4.05
wrapid=$(awk '{print $NF}' "$W/pol" | grep '^15-')
out=$(coap kpm-ae2 -m delete "$(cred_url "$wrapid")")
check "revoke by a non-owner is 4.03" same "${out%% *}" 4.03
check "the TEF survived every malformed request" tef_alive

# ------------------------------------------------------ TEF down, restarted
tef_stop
"$BIN/m2mvaultd" -c "$W/a.conf" --once 2>"$W/err"
rc=$?
check "with the TEF down the agent fails clearly" \
	sh -c "[ $rc != 0 ] && grep -q 'unreachable' '$W/err'"
check "the TEF restarts" tef_start
check "after a restart the TEF still serves AE2 (state in SQLite)" \
	sh -c "'$BIN/m2m-consume' --tef 127.0.0.1:$TEF_PORT --fqdn $TEF_FQDN --identity kpm-ae2 --psk-file '$W/kpm-ae2.psk' '$W/temp.jwe' | grep -q wrap-secret-1"
check "a second agent run reloads its keys from the TEF" \
	sh -c "'$BIN/m2mvaultd' -c '$W/a.conf' --once 2>'$W/agent2.log' && grep -q 'already attached' '$W/agent2.log'"
check "records stay readable after the reload" \
	sh -c "keyctl session '$KEYRING' '$M' get e2e /cse/ae1/temp/cin1 2>/dev/null | grep -q wrap-secret-1"
sed "s|psk_file = .*|psk_file = $W/wrong.psk|" "$W/a.conf" >"$W/wrong.conf"
"$BIN/m2mvaultd" -c "$W/wrong.conf" --once 2>"$W/err"
check "a wrong PSK stops the agent with a clear error" has "$W/err" "wrong PSK"

# ---------------------------------------------------------- revocation
wrapkey=$(keyctl session "$KEYRING" keyctl search @s m2mvault "$wrapid" 2>/dev/null)
keyctl revoke "$wrapkey"
echo x | cse put e2e /cse/ae1/temp/cin2 - >/dev/null 2>"$W/err"
check "keyctl revoke stops the writer at once" has "$W/err" "revoked"
check "crypto-erase: the revoked key's records are unreadable" \
	sh -c "! keyctl session '$KEYRING' '$M' get e2e /cse/ae1/temp/cin1 >/dev/null 2>&1"
check "records of other keys stay readable" \
	sh -c "keyctl session '$KEYRING' '$M' get e2e /cse/ae1/hum/cin1 2>/dev/null | grep -q dir-c-secret-1"

# -------------------------------------------------- renewal across expiry
sed -e 's/^name = e2e$/name = e2e2/' -e "s|gw1.store|gw2.store|" \
	-e 's/^lifetime = .*/lifetime = 14/' -e 's/^renew_before = .*/renew_before = 7/' \
	"$W/a.conf" >"$W/r.conf"
"$BIN/m2mvaultd" -c "$W/r.conf" 2>"$W/renew.log" &
AGENT_PID=$!
for _ in $(seq 1 100); do grep -q 'ready:' "$W/renew.log" && break; sleep 0.2; done
"$M" policy ls e2e2 >"$W/pol-before"
echo first | cse put e2e2 /cse/ae1/temp/first - >/dev/null 2>&1
"$M" export e2e2 /cse/ae1/temp/first --compact >"$W/first.jwe"
fails=0
writes=0
end=$((SECONDS + 24))
while [ $SECONDS -lt $end ]; do
	echo "w$writes" | cse put e2e2 "/cse/ae1/temp/w$writes" - >/dev/null 2>>"$W/put-err" ||
		fails=$((fails + 1))
	writes=$((writes + 1))
	sleep 0.2
done
check "no PUT failed across two credential expiries ($writes writes)" same "$fails" 0
"$M" policy ls e2e2 >"$W/pol-after"
check "the policies moved to new credentials" \
	sh -c "! cmp -s '$W/pol-before' '$W/pol-after'"
check "the agent logged its renewals" \
	sh -c "[ \$(grep -c 'renewing the data credentials' '$W/renew.log') -ge 2 ]"
kill "$AGENT_PID"
wait "$AGENT_PID"
check "the agent exits cleanly on SIGTERM" same "$?" 0
AGENT_PID=
consume kpm-ae2 "$W/first.jwe" >/dev/null 2>"$W/err"
check "the TEF refuses an expired credential" has "$W/err" "expired"
check "the expired key no longer opens its records" \
	sh -c "! keyctl session '$KEYRING' '$M' get e2e2 /cse/ae1/temp/first >/dev/null 2>&1"

# --------------------------------------------------------------- valgrind
check "m2m-consume is valgrind-clean" \
	sh -c "$VG '$BIN/m2m-consume' --timeout 60000 --tef 127.0.0.1:$TEF_PORT --fqdn $TEF_FQDN --identity kpm-ae2 --psk-file '$W/kpm-ae2.psk' '$W/hum.jwe' >/dev/null"
tef_stop
TEF_WRAP=$VG
check "m2m-tefd starts under valgrind" tef_start
consume kpm-ae2 "$W/hum.jwe" >/dev/null 2>&1
reg 'not json' >/dev/null
consume kpm-ae3 "$W/hum.jwe" >/dev/null 2>&1
tef_stop
check "m2m-tefd is valgrind-clean over retrieve, refusals and SIGTERM" same "$?" 0
TEF_WRAP=

done_testing
