#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# m2m-tefd, the reference TEF, from the outside: coap-client (libcoap's
# own client, independent of ours) speaks the protocol over DTLS-PSK on
# loopback, tefcli (build/selftests/tefcli, on the client library) checks
# what only an enrolee can: the session exporter's KeID, the
# Credential-IDs and the keys the owner derives on its own side.
# Covers the handshake refusals, who may retrieve, update and revoke
# (de-register), the key registration's SUID, labels, admin FQDN and
# expiry, Credential-IDs the TEF chooses (--assign), malformed
# and oversized bodies (the server keeps serving), expiry, persistence
# across a restart, the database's mode, the log line of every refusal,
# and a run under valgrind that ends cleanly on SIGTERM.
#
# Needs no kernel module: runs on the host too (bash selftests/tef_test.sh).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/selftests/lib.sh"

BIN=$top/build/bin
TEFCLI=$top/build/selftests/tefcli
COAP=$(command -v coap-client-openssl || command -v coap-client || echo coap-client-openssl)
PY=$(command -v python3 || echo python3)
W=$(mktemp -d /tmp/tef_test.XXXXXX)
PORT=$((20000 + RANDOM % 20000))
FQDN=tef.example.com
DB=$W/tef.db
URL=coaps://127.0.0.1:$PORT
TEF_PID=
RUN=0

cleanup() {
	[ -n "$TEF_PID" ] && kill -TERM "$TEF_PID" 2>/dev/null && wait "$TEF_PID"
	rm -rf "$W"
}
trap cleanup EXIT

# tef_start [WRAPPER...]: start m2m-tefd, wait for its readiness line.
# Each run logs to its own file, $LOG.
tef_start() {
	RUN=$((RUN + 1))
	LOG=$W/tef.$RUN.log
	: >"$LOG"
	"$@" "$BIN/m2m-tefd" --db "$DB" --fqdn "$FQDN" --listen 127.0.0.1 \
		--port "$PORT" ${TEF_ARGS:-} 2>>"$LOG" &
	TEF_PID=$!
	for _ in $(seq 1 600); do
		grep -q "^m2m-tefd: listening on 127.0.0.1:$PORT\$" "$LOG" && return 0
		kill -0 "$TEF_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$LOG"
	return 1
}

# tef_stop: SIGTERM; succeeds if the server exits 0 (valgrind: 1 on errors).
tef_stop() {
	local rc
	kill -TERM "$TEF_PID" 2>/dev/null
	wait "$TEF_PID"
	rc=$?
	TEF_PID=
	[ "$rc" = 0 ] || { echo "exit status $rc"; cat "$LOG"; return 1; }
}

tef_alive() { kill -0 "$TEF_PID" 2>/dev/null; }

# enrol KPMID AE-ID: a printable 32-character PSK (coap-client -k takes
# text), its hex in a mode 0600 file for m2m-tefd and tefcli.
enrol() {
	local id=$1 ae=$2
	printf '%s-%s' "${id#kpm-}" "$(head -c 14 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
		| head -c 32 >"$W/$id.key"
	(umask 077 && od -An -tx1 "$W/$id.key" | tr -d ' \n' >"$W/$id.psk")
	"$BIN/m2m-tefd" --db "$DB" enrol --kpm-id "$id" --ae-id "$ae" \
		--psk-file "$W/$id.psk"
}

# coap KPMID METHOD PATH [coap-client options...]: one request with that
# enrolee's PSK. Sets CODE (e.g. 2.05, empty if no answer) and writes the
# payload (or the diagnostic of an error) to $W/body.
coap_as() {
	local key=$1 id=$2 m=$3 path=$4
	shift 4
	rm -f "$W/body" "$W/out"
	"$COAP" -v 6 -B "${COAP_WAIT:-5}" -m "$m" -u "$id" -k "$key" \
		-o "$W/out" "$@" "$URL/$path" >"$W/coap.log" 2>&1
	CODE=$(sed -n 's/.* t:[A-Z]* c:\([0-9]\.[0-9][0-9]\) .*/\1/p' "$W/coap.log" | tail -n 1)
	if [ -f "$W/out" ]; then
		cp "$W/out" "$W/body"
	else
		grep -E '^[45]\.[0-9]{2} ' "$W/coap.log" | tail -n 1 | cut -d' ' -f2- >"$W/body"
	fi
}
coap() { local id=$1; shift; coap_as "$(cat "$W/$id.key")" "$id" "$@"; }

# code WANT [DIAG]: the last answer had that code (and diagnostic).
code() {
	[ "$CODE" = "$1" ] || { echo "code '$CODE', want $1"; cat "$W/coap.log"; return 1; }
	[ $# -lt 2 ] || [ "$(cat "$W/body")" = "$2" ] ||
		{ echo "diagnostic '$(cat "$W/body")', want '$2'"; return 1; }
}

tc() {
	local id=$1
	shift
	"$TEFCLI" --host 127.0.0.1 --port "$PORT" --fqdn "$FQDN" \
		--identity "$id" --psk-file "$W/$id.psk" --timeout "${TC_WAIT:-5000}" "$@"
}

has() { grep -Eq -- "$2" "$1" || { echo "no /$2/ in $1:"; cat "$1"; return 1; }; }
same() { [ "$1" = "$2" ] || { echo "got '$1', want '$2'"; return 1; }; }

# json FILE PYTHON: run checks on the JSON in FILE (as d); fail on assert.
json() {
	"$PY" - "$1" "$2" <<'EOF'
import base64, json, re, sys, time
def b64(s):
    assert re.fullmatch(r'[A-Za-z0-9_-]*', s), s
    return base64.urlsafe_b64decode(s + '=' * (-len(s) % 4))
def strict(pairs):
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys)), 'duplicate member'
    return dict(pairs)
d = json.load(open(sys.argv[1]), object_pairs_hook=strict)
exec(sys.argv[2])
EOF
}

# The JWK's key as hex.
jwk_hex() {
	"$PY" -c 'import base64,json,sys; k=json.load(open(sys.argv[1]))["k"]; print(base64.urlsafe_b64decode(k+"="*(-len(k)%4)).hex())' "$1"
}

echo "TAP version 13"

# ------------------------------------------------------------- start
check "m2m-tefd starts on 127.0.0.1 and says so" tef_start
check "enrol AE1 (the owner), AE2 (a target), AE3 (not a target)" \
	sh -c "$(declare -f enrol); W='$W' BIN='$BIN' DB='$DB'; enrol kpm-ae1 Cae1 && enrol kpm-ae2 Cae2 && enrol kpm-ae3 Cae3"
check "the database is mode 0600" same "$(stat -c %a "$DB")" 600
check "its WAL is mode 0600" same "$(stat -c %a "$DB-wal")" 600
"$BIN/m2m-tefd" --db "$DB" list >"$W/list" 2>&1
check "list shows the enrolees but no key" \
	sh -c "grep -q '^  kpm-ae2 ae_id=Cae2\$' '$W/list' && ! grep -qi -e '$(cat "$W/kpm-ae1.psk")' -e '$(cat "$W/kpm-ae1.key")' '$W/list'"
refuse "enrol refuses a PSK file others may read" \
	sh -c "chmod 644 '$W/kpm-ae1.psk'; '$BIN/m2m-tefd' --db '$DB' enrol --kpm-id x --ae-id y --psk-file '$W/kpm-ae1.psk'; rc=\$?; chmod 600 '$W/kpm-ae1.psk'; exit \$rc"
refuse "enrol refuses an AE-ID outside [A-Za-z0-9._:/-]" \
	"$BIN/m2m-tefd" --db "$DB" enrol --kpm-id kpm-x --ae-id 'a b' --psk-file "$W/kpm-ae1.psk"
refuse "an FQDN too long for Credential-IDs is refused at start" \
	"$BIN/m2m-tefd" --db "$DB" --fqdn "$(printf 'a%.0s' $(seq 1 230))" --port 1

# ------------------------------------------------- register, retrieve
now=$(date +%s)
coap kpm-ae1 post cred -t 50 -e '{"targets":["Cae2"],"lifetime":600,"types":[15,16]}'
check "AE1 registers through coap-client: 2.01" code 2.01
cp "$W/body" "$W/reg.json"
check "... with keid, salt (32 bytes), expires and one Credential-ID per type" \
	json "$W/reg.json" "
assert set(d) == {'keid', 'salt', 'expires', 'owner', 'admin', 'credentials'}, d
assert re.fullmatch(r'[0-9a-f]{32}@tef\.example\.com', d['keid'])
assert len(b64(d['salt'])) == 32
assert abs(d['expires'] - ($now + 600)) <= 5
assert d['owner'] == 'Cae1' and d['admin'] == 'tef.example.com', d
assert [c['type'] for c in d['credentials']] == [15, 16]
assert [c['suid'] for c in d['credentials']] == [24, 25]
for c in d['credentials']:
    assert set(c) == {'type', 'suid', 'id'}
    assert re.fullmatch(r'%d-[0-9a-f]{32}@tef\.example\.com' % c['type'], c['id'])
"
ID15=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["credentials"][0]["id"])' "$W/reg.json")
ID16=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["credentials"][1]["id"])' "$W/reg.json")
check "... and the Credential-IDs follow from KeID and Salt (SHA-256, here in Python)" \
	json "$W/reg.json" "
import hashlib
for c in d['credentials']:
    h = hashlib.sha256(d['keid'].encode() + b64(d['salt']) + str(c['type']).encode())
    assert c['id'] == '%d-%s@tef.example.com' % (c['type'], h.hexdigest()[:32]), c
"

coap kpm-ae1 get "cred/$ID15"
check "the owner retrieves its credential: 2.05" code 2.05
cp "$W/body" "$W/jwk1.json"
check "... a JWK: kty oct, its kid, alg A256KW, a 32-byte k, exp" \
	json "$W/jwk1.json" "
assert set(d) == {'kty', 'kid', 'alg', 'k', 'exp'}, d
assert d['kty'] == 'oct' and d['kid'] == '$ID15' and d['alg'] == 'A256KW'
assert len(b64(d['k'])) == 32
assert abs(d['exp'] - ($now + 600)) <= 5
"
coap kpm-ae2 get "cred/$ID15"
check "AE2, a target, retrieves it: 2.05" code 2.05
cp "$W/body" "$W/jwk2.json"
check "... the same key" same "$(jwk_hex "$W/jwk2.json")" "$(jwk_hex "$W/jwk1.json")"
coap kpm-ae2 get "cred/$ID16"
check "... and the type 16 one: alg HS256" \
	sh -c "[ '$CODE' = 2.05 ] && grep -q '\"alg\":\"HS256\"' '$W/body'"
coap kpm-ae3 get "cred/$ID15"
check "AE3, not a target, is refused: 4.03" code 4.03 "not in the credential's access control policy"
check "... and the TEF logged it with peer and identity" \
	has "$LOG" "^m2m-tefd: refused retrieve from 127\.0\.0\.1:[0-9]+ identity kpm-ae3: not in the credential's access control policy\$"
coap kpm-ae1 get "cred/15-00000000000000000000000000000000@$FQDN"
check "an unknown credential: 4.04" code 4.04 "unknown credential"

# ---------------------------------------- the exporter, from our client
check "tefcli (the client library) completes the handshake: KeID from the exporter" \
	sh -c "$(declare -f tc); TEFCLI='$TEFCLI' PORT=$PORT FQDN=$FQDN W='$W'; tc kpm-ae1 connect | grep -Eq '^keid=[0-9a-f]{32}@$FQDN\$'"
tc kpm-ae1 register --target Cae2 --lifetime 600 --type 14 --type 16 >"$W/tc.reg" 2>&1
check "tefcli registers; the library took every Credential-ID the TEF assigned" \
	has "$W/tc.reg" "^cred=14 14-[0-9a-f]{32}@$FQDN [0-9a-f]{64}\$"
check "... computed from its own session's KeID and the Salt" \
	"$PY" -c "
import base64, hashlib, sys
kv = dict(l.split('=', 1) for l in open('$W/tc.reg').read().split('\n') if '=' in l and not l.startswith('cred='))
salt = base64.urlsafe_b64decode(kv['salt'] + '=' * (-len(kv['salt']) % 4))
for l in open('$W/tc.reg'):
    if l.startswith('cred='):
        t, i, _ = l[5:].split()
        h = hashlib.sha256(kv['keid'].encode() + salt + t.encode()).hexdigest()[:32]
        assert i == '%s-%s@$FQDN' % (t, h), (i, h)
"
TC14=$(sed -n 's/^cred=14 \([^ ]*\) \([0-9a-f]*\)$/\1/p' "$W/tc.reg")
TC14KEY=$(sed -n 's/^cred=14 \([^ ]*\) \([0-9a-f]*\)$/\2/p' "$W/tc.reg")
coap kpm-ae2 get "cred/$TC14"
check "AE2 gets from the TEF the very key the owner derived from Ke and Salt" \
	sh -c "[ '$CODE' = 2.05 ] && [ \"\$('$PY' -c 'import base64,json,sys; k=json.load(open(sys.argv[1]))[\"k\"]; print(base64.urlsafe_b64decode(k+\"=\"*(-len(k)%4)).hex())' '$W/body')\" = '$TC14KEY' ] && grep -q '\"alg\":\"dir\"' '$W/body'"
TC_WAIT=1500 tc kpm-ae1 retrieve "$ID15" >"$W/tc.ret" 2>&1
check "tefcli retrieves as the owner too" has "$W/tc.ret" "\"kid\":\"$ID15\""
tc kpm-ae3 retrieve "$ID15" >"$W/tc.ae3" 2>&1
check "... and as AE3 it is told EPERM with the TEF's reason" \
	has "$W/tc.ae3" "EPERM .*not in the credential's access control policy"

# --------------------------------------------------------------- revoke
coap kpm-ae2 delete "cred/$ID16"
check "AE2 may not revoke: 4.03" code 4.03 "only the owner may revoke"
coap kpm-ae1 delete "cred/$ID16"
check "the owner revokes: 2.02" code 2.02
coap kpm-ae2 get "cred/$ID16"
check "then AE2 gets 4.04 revoked" code 4.04 "revoked"
coap kpm-ae1 get "cred/$ID16"
check "... and so does the owner" code 4.04 "revoked"
check "the revoked key is zeros in the database" \
	same "$(sqlite3 "file:$DB?mode=ro" "SELECT hex(key) FROM credential WHERE id='$ID16'")" \
	"$(printf '0%.0s' $(seq 1 64))"
coap kpm-ae2 get "cred/$ID15"
check "the other credential of that registration still serves" code 2.05

# ---------------------------------------------------------- handshakes
COAP_WAIT=2 coap_as "0123456789abcdef0123456789abcdef" kpm-ae1 get "cred/$ID15"
check "a wrong PSK gets no answer (coap-client)" same "$CODE" ""
TC_WAIT=1500 tc kpm-ae2 connect >"$W/tc.err" 2>&1 <<<"" ; :
sed 's/^/x/' "$W/kpm-ae3.psk" >/dev/null
(umask 077 && printf '%s' "$(cat "$W/kpm-ae3.psk" | sed 's/^../00/')" >"$W/kpm-bad.psk")
TC_WAIT=1500 "$TEFCLI" --host 127.0.0.1 --port "$PORT" --fqdn "$FQDN" --identity kpm-ae3 \
	--psk-file "$W/kpm-bad.psk" --timeout 1500 connect >"$W/tc.bad" 2>&1
check "a wrong PSK fails the handshake: EACCES (tefcli)" has "$W/tc.bad" "connect: EACCES"
COAP_WAIT=2 coap_as "$(cat "$W/kpm-ae1.key")" kpm-nobody get "cred/$ID15"
check "an unknown identity gets no answer (coap-client)" same "$CODE" ""
"$TEFCLI" --host 127.0.0.1 --port "$PORT" --fqdn "$FQDN" --identity kpm-nobody \
	--psk-file "$W/kpm-ae1.psk" --timeout 3000 connect >"$W/tc.unk" 2>&1
check "an unknown identity fails the handshake: EACCES (tefcli)" has "$W/tc.unk" "connect: EACCES"
check "... logged as unknown enrolee" \
	has "$LOG" "^m2m-tefd: refused handshake from 127\.0\.0\.1:[0-9]+ identity kpm-nobody: unknown enrolee\$"
check "an identity with control characters is logged harmlessly" \
	sh -c "'$COAP' -B 2 -u \"\$(printf 'evil\\033[31m\\nx')\" -k k0123456789abcdef -m get '$URL/cred' >/dev/null 2>&1; grep -q 'identity evil??31m?x: not a KpmId' '$LOG'"

# ------------------------------------------------------ malformed bodies
n_before=$(grep -c '^m2m-tefd: refused register' "$LOG")
bad() {
	local desc=$1 want=$2
	shift 2
	coap kpm-ae1 post cred "$@"
	check "$desc: $want" code "$want"
}
bad "not JSON" 4.00 -t 50 -e 'hello'
bad "a JSON array" 4.00 -t 50 -e '[1,2]'
bad "targets not an array" 4.00 -t 50 -e '{"targets":"Cae2","lifetime":60,"types":[16]}'
bad "lifetime a string" 4.00 -t 50 -e '{"targets":[],"lifetime":"60","types":[16]}'
bad "lifetime a real" 4.00 -t 50 -e '{"targets":[],"lifetime":60.0,"types":[16]}'
bad "a type not an integer" 4.00 -t 50 -e '{"targets":[],"lifetime":60,"types":["16"]}'
bad "an unknown member" 4.00 -t 50 -e '{"targets":[],"lifetime":60,"types":[16],"owner":"Cae3"}'
bad "a duplicate member" 4.00 -t 50 -e '{"targets":[],"lifetime":60,"lifetime":60,"types":[16]}'
bad "both 14 and 15" 4.00 -t 50 -e '{"targets":[],"lifetime":60,"types":[14,15]}'
bad "type 13" 4.00 -t 50 -e '{"targets":[],"lifetime":60,"types":[13]}'
bad "lifetime 0" 4.00 -t 50 -e '{"targets":[],"lifetime":0,"types":[16]}'
bad "lifetime over a year" 4.00 -t 50 -e '{"targets":[],"lifetime":31536001,"types":[16]}'
bad "a member missing" 4.00 -t 50 -e '{"targets":[],"types":[16]}'
t33=$("$PY" -c 'import json; print(json.dumps({"targets": ["C%d" % i for i in range(33)], "lifetime": 60, "types": [16]}))')
bad "33 targets" 4.00 -t 50 -e "$t33"
bad "a repeated target" 4.00 -t 50 -e '{"targets":["Cae2","Cae2"],"lifetime":60,"types":[16]}'
bad "a target that is no AE-ID" 4.00 -t 50 -e '{"targets":["a b"],"lifetime":60,"types":[16]}'
bad "a NUL in a string" 4.00 -t 50 -e '{"targets":["a\u0000b"],"lifetime":60,"types":[16]}'
bad "trailing text" 4.00 -t 50 -e '{"targets":[],"lifetime":60,"types":[16]} x'
bad "an empty body" 4.00 -t 50
head -c 700 /dev/urandom >"$W/garbage"
bad "binary garbage" 4.00 -t 50 -f "$W/garbage"
"$PY" -c 'print("[" * 2000 + "]" * 2000)' >"$W/deep"
bad "2000 nested arrays" 4.00 -t 50 -f "$W/deep"
"$PY" -c 'import json; print(json.dumps({"targets": ["C%02d%s" % (i, "x" * 125) for i in range(32)], "lifetime": 60, "types": [16]}))' >"$W/huge"
bad "a body over 4 KiB (block-wise)" 4.13 -t 50 -f "$W/huge"
bad "a Size1 claiming 2 GB" 4.13 -t 50 -O 60,0x7fffffff -O 27,0x0e -e "$(head -c 1024 /dev/zero | tr '\0' ' ')"
bad "Block1 out of order" 4.08 -t 50 -b 2,64 -f "$W/huge"
bad "a text/plain body" 4.15 -t 0 -e '{"targets":[],"lifetime":60,"types":[16]}'
n_after=$(grep -c '^m2m-tefd: refused register' "$LOG")
check "one log line per refused body (peer, identity, reason)" \
	sh -c "[ \$(( $n_after - $n_before )) -ge 25 ] && grep -Eq '^m2m-tefd: refused register from 127\.0\.0\.1:[0-9]+ identity kpm-ae1: unknown member\$' '$LOG'"
coap kpm-ae1 put cred -e x
check "PUT: 4.05" code 4.05
coap kpm-ae1 get cred
check "GET on /cred: 4.05" code 4.05
coap kpm-ae1 get other
check "an unknown path: 4.04" code 4.04
coap kpm-ae1 get "cred/not%20an%20id"
check "a path that is no Credential-ID: 4.00" code 4.00
coap kpm-ae1 get "cred/$ID15" -e 'x'
check "a body on GET: 4.00" code 4.00
check "the server is still alive" tef_alive
"$PY" -c 'import json; print(json.dumps({"targets": ["C%02d%s" % (i, "x" * 90) for i in range(32)] + [], "lifetime": 60, "types": [16]}))' >"$W/big"
coap kpm-ae1 post cred -t 50 -f "$W/big"
check "... and still registers, a 3.2 KB body block-wise: 2.01" code 2.01

# --------------------------------------------------------------- expiry
coap kpm-ae1 post cred -t 50 -e '{"targets":["Cae2"],"lifetime":2,"types":[16]}'
IDX=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["credentials"][0]["id"])' "$W/body" 2>/dev/null)
coap kpm-ae2 get "cred/$IDX"
check "a 2-second credential is there at first" code 2.05
sleep 3
coap kpm-ae2 get "cred/$IDX"
check "... and 3 seconds later: 4.04 expired" code 4.04 "expired"

# --------------------------------- the standard's registration fields
coap kpm-ae1 post cred -t 50 -e "{\"types\":[15],\"expires\":$((now + 900)),\"suid\":24,\"labels\":[\"gw=1\",\"site/a\"],\"admin\":\"adm.example.com\",\"targets\":[\"Cae2\"]}"
check "a registration with SUID, labels, admin FQDN and an absolute expiry: 2.01" code 2.01
cp "$W/body" "$W/std.json"
check "... the reply gives the expiry asked for, the owner, the admin, SUID 24" \
	json "$W/std.json" "
assert d['expires'] == $((now + 900)), d
assert d['owner'] == 'Cae1' and d['admin'] == 'adm.example.com', d
assert d['credentials'][0]['suid'] == 24
"
IDS=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["credentials"][0]["id"])' "$W/std.json")
check "... and the database holds them (schema version 3)" \
	same "$(sqlite3 "file:$DB?mode=ro" "PRAGMA user_version; SELECT suid, admin, labels, expires FROM credential WHERE id='$IDS'" | tr '\n' ' ')" \
	"3 24|adm.example.com|[\"gw=1\",\"site/a\"]|$((now + 900)) "
"$BIN/m2m-tefd" --db "$DB" list >"$W/list2" 2>&1
check "list shows SUID, admin and labels" \
	has "$W/list2" "^  $IDS owner=Cae1 .* suid=24 admin=adm\.example\.com labels=\[\"gw=1\",\"site/a\"\]\$"
bad "suid 25 for type 15" 4.00 -t 50 -e '{"lifetime":60,"types":[15],"suid":25}'
check "... said so" same "$(cat "$W/body")" "suid 24 is for types 14 and 15, 25 for type 16"
bad "suid 21" 4.00 -t 50 -e '{"lifetime":60,"types":[16],"suid":21}'
bad "both lifetime and expires" 4.00 -t 50 -e "{\"lifetime\":60,\"expires\":$((now + 60)),\"types\":[16]}"
bad "an expiry in the past" 4.00 -t 50 -e "{\"expires\":$((now - 1)),\"types\":[16]}"
bad "a label with a space" 4.00 -t 50 -e '{"lifetime":60,"types":[16],"labels":["a b"]}'
bad "nine labels" 4.00 -t 50 -e '{"lifetime":60,"types":[16],"labels":["1","2","3","4","5","6","7","8","9"]}'
bad "an admin that is no FQDN" 4.00 -t 50 -e '{"lifetime":60,"types":[16],"admin":"a..b"}'
coap kpm-ae1 post cred -t 50 -e '{"lifetime":60,"types":[16]}'
check "targets may be left out: 2.01" code 2.01
tc kpm-ae1 register --target Cae2 --expires $((now + 800)) --type 16 --suid 25 \
	--label gw=2 --admin adm.example.com >"$W/tc.std" 2>&1
check "tefcli registers with the standard's fields" \
	sh -c "grep -qx 'expires=$((now + 800))' '$W/tc.std' && grep -qx 'admin=adm.example.com' '$W/tc.std' && grep -qx 'owner=Cae1' '$W/tc.std'"
tc kpm-ae1 register --lifetime 60 --type 15 --suid 25 >"$W/tc.suid" 2>&1
check "... and the library refuses a SUID that is not the type's" has "$W/tc.suid" "register: EINVAL"

# ----------------------------------------- registration update (8.3.5.2.9)
coap kpm-ae1 post "cred/$IDS" -t 50 -e '{"targets":["Cae3"]}'
check "the owner updates the targets: 2.04" code 2.04
check "... the reply carries no expiry it was not asked about" same "$(cat "$W/body")" "{}"
coap kpm-ae3 get "cred/$IDS"
check "... then AE3 may retrieve" code 2.05
coap kpm-ae2 get "cred/$IDS"
check "... and AE2 no longer" code 4.03
t0=$(date +%s)
coap kpm-ae1 post "cred/$IDS" -t 50 -e '{"lifetime":1200,"labels":[]}'
t1=$(date +%s)
check "a new lifetime and labels: 2.04 with the new expiry" \
	sh -c "[ '$CODE' = 2.04 ] && $PY -c 'import json,sys; e=json.load(open(sys.argv[1]))[\"expires\"]; assert $t0 + 1200 <= e <= $t1 + 1200, e' '$W/body'"
check "... stored" \
	same "$(sqlite3 "file:$DB?mode=ro" "SELECT labels, targets FROM credential WHERE id='$IDS'")" '[]|["Cae3"]'
coap kpm-ae3 post "cred/$IDS" -t 50 -e '{"lifetime":60}'
check "only the owner updates: 4.03" code 4.03 "only the owner may update a registration"
coap kpm-ae1 post "cred/$IDS" -t 50 -e '{}'
check "an update of nothing: 4.00" code 4.00 "nothing to update: lifetime, expires, targets or labels"
coap kpm-ae1 post "cred/$IDS" -t 50 -e '{"types":[16]}'
check "an update of the types: 4.00" code 4.00 "unknown member"
coap kpm-ae1 post "cred/15-00000000000000000000000000000000@$FQDN" -t 50 -e '{"lifetime":60}'
check "an update of an unknown credential: 4.04" code 4.04 "unknown credential"
check "updates are logged" has "$LOG" "^m2m-tefd: updated $IDS by Cae1: expiry labels expires [0-9]+\$"
tc kpm-ae1 update "$IDS" --target Cae2 --label x >"$W/tc.upd" 2>&1
check "tefcli updates targets and labels" has "$W/tc.upd" "^updated\$"
tc kpm-ae1 update "$IDS" --lifetime 300 >"$W/tc.upd2" 2>&1
check "... and the expiry" has "$W/tc.upd2" "^expires=[0-9]+\$"
tc kpm-ae3 update "$IDS" --lifetime 300 >"$W/tc.upd3" 2>&1
check "... refused for AE3: EPERM" has "$W/tc.upd3" "update: EPERM"
coap kpm-ae2 get "cred/$IDS"
check "AE2 retrieves again after the update" code 2.05

# ------------------------------------------ de-registration (8.3.5.2.10)
tc kpm-ae1 deregister "$IDS" >"$W/tc.dereg" 2>&1
check "tefcli de-registers (DELETE)" sh -c "[ ! -s '$W/tc.dereg' ]"
coap kpm-ae2 get "cred/$IDS"
check "... then the key is gone: 4.04 revoked" code 4.04 "revoked"
coap kpm-ae1 post "cred/$IDS" -t 50 -e '{"lifetime":60}'
check "... and the registration cannot be updated: 4.04" code 4.04 "revoked"
check "... its key and labels wiped in the database" \
	same "$(sqlite3 "file:$DB?mode=ro" "SELECT hex(key), labels FROM credential WHERE id='$IDS'")" \
	"$(printf '0%.0s' $(seq 1 64))|[]"

# ----------------------------------------------- wrong PSK, logged late
check "the wrong-PSK handshakes are logged as not completed" \
	sh -c "for i in \$(seq 1 150); do [ \$(grep -c 'identity kpm-ae[13]: not completed' '$LOG') -ge 2 ] && exit 0; sleep 0.1; done; cat '$LOG'; exit 1"

# -------------------------------------------------------------- restart
check "SIGTERM stops it cleanly (exit 0)" tef_stop
check "... saying so" has "$LOG" "^m2m-tefd: stopping\$"
check "it starts again on the same database" tef_start
coap kpm-ae2 get "cred/$ID15"
check "credentials survive the restart" code 2.05
check "... with the same key" same "$(jwk_hex "$W/body")" "$(jwk_hex "$W/jwk1.json")"
coap kpm-ae1 get "cred/$ID16"
check "... and so does a revocation" code 4.04 "revoked"
check "SIGINT stops it cleanly too" sh -c "kill -INT $TEF_PID; for i in \$(seq 1 50); do kill -0 $TEF_PID 2>/dev/null || exit 0; sleep 0.1; done; exit 1"
wait "$TEF_PID" 2>/dev/null
TEF_PID=

# ------------------------------------- Credential-IDs the TEF chooses
refuse "m2m-tefd refuses an unknown --assign" \
	"$BIN/m2m-tefd" --db "$DB" --fqdn "$FQDN" --assign sometimes --port 1
refuse "... and an --admin that is no FQDN" \
	"$BIN/m2m-tefd" --db "$DB" --fqdn "$FQDN" --admin 'a b' --port 1
TEF_ARGS="--assign random --admin ops.example.com"
check "m2m-tefd --assign random starts" tef_start
tc kpm-ae1 register --target Cae2 --lifetime 600 --type 15 --type 16 >"$W/tc.rnd" 2>&1
check "tefcli takes the Credential-IDs the TEF chose" \
	sh -c "grep -Eq '^cred=15 15-[0-9a-f]{32}@$FQDN [0-9a-f]{64}\$' '$W/tc.rnd' && grep -qx 'admin=ops.example.com' '$W/tc.rnd'"
check "... which are not the seed's derivation" \
	"$PY" -c "
import base64, hashlib
kv = dict(l.split('=', 1) for l in open('$W/tc.rnd').read().split('\n') if '=' in l and not l.startswith('cred='))
salt = base64.urlsafe_b64decode(kv['salt'] + '=' * (-len(kv['salt']) % 4))
for l in open('$W/tc.rnd'):
    if l.startswith('cred='):
        t, i, _ = l[5:].split()
        h = hashlib.sha256(kv['keid'].encode() + salt + t.encode()).hexdigest()[:32]
        assert i != '%s-%s@$FQDN' % (t, h), i
"
RND15=$(sed -n 's/^cred=15 \([^ ]*\) \([0-9a-f]*\)$/\1/p' "$W/tc.rnd")
RND15KEY=$(sed -n 's/^cred=15 \([^ ]*\) \([0-9a-f]*\)$/\2/p' "$W/tc.rnd")
coap kpm-ae2 get "cred/$RND15"
check "... and AE2 gets under that ID the key the owner derived from Ke and Salt" \
	sh -c "[ '$CODE' = 2.05 ] && [ \"\$('$PY' -c 'import base64,json,sys; k=json.load(open(sys.argv[1]))[\"k\"]; print(base64.urlsafe_b64decode(k+\"=\"*(-len(k)%4)).hex())' '$W/body')\" = '$RND15KEY' ]"
check "SIGTERM stops it" tef_stop
for how in malformed wrong-type duplicate foreign; do
	TEF_ARGS="--assign test-$how"
	check "m2m-tefd --assign test-$how starts" tef_start
	tc kpm-ae1 register --lifetime 60 --type 15 --type 16 >"$W/tc.$how" 2>&1
	check "... tefcli refuses the reply: EPROTO" has "$W/tc.$how" "register: EPROTO"
	check "... stops" tef_stop
done
TEF_ARGS=

# ------------------------------------------------------------- valgrind
if command -v valgrind >/dev/null; then
	VG="valgrind -q --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible"
	check "m2m-tefd starts under valgrind" tef_start $VG
	export COAP_WAIT=20
	coap kpm-ae1 post cred -t 50 -e '{"targets":["Cae2"],"lifetime":60,"types":[14,16]}'
	IDV=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["credentials"][0]["id"])' "$W/body" 2>/dev/null)
	check "valgrind: register" code 2.01
	coap kpm-ae2 get "cred/$IDV"
	check "valgrind: retrieve" code 2.05
	coap kpm-ae3 get "cred/$IDV"
	check "valgrind: retrieve refused" code 4.03
	coap kpm-ae1 post cred -t 50 -f "$W/garbage"
	check "valgrind: garbage" code 4.00
	coap kpm-ae1 post cred -t 50 -f "$W/huge"
	check "valgrind: a body over 4 KiB" code 4.13
	coap kpm-ae1 post cred -t 50 -f "$W/big"
	check "valgrind: block-wise" code 2.01
	coap kpm-ae1 post cred -t 50 -b 2,64 -f "$W/huge"
	check "valgrind: Block1 out of order" code 4.08
	coap kpm-ae1 post "cred/$IDV" -t 50 -e '{"lifetime":30,"targets":["Cae3"],"labels":["v"]}'
	check "valgrind: update" code 2.04
	coap kpm-ae1 post "cred/$IDV" -t 50 -e '{"lifetime":30,"lifetime":3}'
	check "valgrind: update refused" code 4.00
	coap kpm-ae1 delete "cred/$IDV"
	check "valgrind: revoke" code 2.02
	COAP_WAIT=3 coap_as "$(cat "$W/kpm-ae1.key")" kpm-nobody get cred
	COAP_WAIT=3 coap_as "0123456789abcdef0123456789abcdef" kpm-ae1 get cred
	unset COAP_WAIT
	check "valgrind: no error or leak, exit 0 on SIGTERM" tef_stop
else
	ok "# SKIP valgrind is not installed"
fi

echo "1..$_tap_n"
done_testing
