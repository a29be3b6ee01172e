# shellcheck shell=bash
# The seed flow's cast, for the end-to-end test and the demo: a TEF on
# loopback with a temporary database, enrolees with their Kpm files, and
# agent configurations. Source it; set M2MV_TOP first (the work tree).
#
#   tef_start / tef_stop        m2m-tefd on 127.0.0.1:$TEF_PORT
#   enrol KPMID AE-ID           writes $W/KPMID.psk (hex) and enrols it
#   agent_conf FILE LIFETIME RENEW TARGETS...   a config for gw1's agent
#   consume KPMID FILE          m2m-consume with that enrolee's PSK

BIN=$M2MV_TOP/build/bin
W=${W:-$(mktemp -d /tmp/m2mv-tef.XXXXXX)}
TEF_PORT=${TEF_PORT:-5684}
TEF_FQDN=tef.example.com
TEF_DB=$W/tef.db
TEF_LOG=$W/tef.log
KEYRING=m2mvault-cse
CSE_GID=4242		# the store's group ([store] group): the CSE's
DEV_GID=4240		# /dev/m2mvault's group, as the udev rule's m2mvault
TEF_WRAP=${TEF_WRAP:-}	# e.g. "valgrind -q ..." for the TEF

tef_start() {
	: >"$TEF_LOG"
	$TEF_WRAP "$BIN/m2m-tefd" --db "$TEF_DB" --fqdn "$TEF_FQDN" \
		--listen 127.0.0.1 --port "$TEF_PORT" 2>>"$TEF_LOG" &
	TEF_PID=$!
	for _ in $(seq 1 200); do
		grep -q 'listening on' "$TEF_LOG" && return 0
		kill -0 "$TEF_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

tef_stop() {
	[ -n "${TEF_PID:-}" ] || return 0
	kill -TERM "$TEF_PID" 2>/dev/null
	wait "$TEF_PID"
	local rc=$?
	TEF_PID=
	return $rc
}

# The PSK is printable so that coap-client (-k takes the key as text) can
# use it too; the file holds its hex.
enrol() {
	local id=$1 ae=$2
	printf '%s-psk-%s' "$id" "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
		>"$W/$id.key"
	(umask 077 && od -An -tx1 "$W/$id.key" | tr -d ' \n' >"$W/$id.psk")
	"$BIN/m2m-tefd" --db "$TEF_DB" enrol --kpm-id "$id" --ae-id "$ae" \
		--psk-file "$W/$id.psk" 2>/dev/null
}

agent_conf() {
	local f=$1 lifetime=$2 renew=$3
	shift 3
	cat >"$f" <<EOC
[tef]
host = 127.0.0.1
port = $TEF_PORT
fqdn = $TEF_FQDN
identity = kpm-gw1
psk_file = $W/kpm-gw1.psk
timeout_ms = 3000

[credentials]
targets = $*
lifetime = $lifetime
renew_before = $renew

[keyring]
name = $KEYRING

[store]
name = e2e
file = $W/gw1.store
group = $CSE_GID
mode = 0660

[policy /cse/ae1/temp/]
mode = wrap

[policy /cse/ae1/hum/]
mode = dir
keys = container

[policy /cse/ae1/door/]
mode = dir
keys = instance

[policy /cse/acp/]
mode = mic
EOC
}

consume() {
	local id=$1
	shift
	"$BIN/m2m-consume" --tef "127.0.0.1:$TEF_PORT" --fqdn "$TEF_FQDN" \
		--identity "$id" --psk-file "$W/$id.psk" "$@"
}

# attacker GROUPS CREDID CMD...: uid 65534 with supplementary GROUPS in a
# session keyring of its own holding a key it made itself under CREDID
# (anyone may add a key under any description); stderr filtered as cse's.
attacker() {
	local g=$1 id=$2 rc=0
	shift 2
	setpriv --reuid=65534 --regid=65534 --groups="$g" keyctl session - \
		sh -c 'head -c 32 /dev/urandom | keyctl padd m2mvault "$0" @s >/dev/null &&
			exec "$@"' "$id" "$BIN/m2mvault" "$@" 2>"$W/attacker.err" || rc=$?
	grep -v '^Joined session' "$W/attacker.err" >&2
	return $rc
}

# The device node as the shipped udev rule sets it (root:m2mvault 0660),
# and back as it was.
dev_open() {
	DEV_WAS="$(stat -c %u:%g /dev/m2mvault) $(stat -c %a /dev/m2mvault)"
	chgrp "$DEV_GID" /dev/m2mvault && chmod 0660 /dev/m2mvault
}
dev_restore() {
	[ -n "${DEV_WAS:-}" ] || return 0
	chown "${DEV_WAS% *}" /dev/m2mvault
	chmod "${DEV_WAS#* }" /dev/m2mvault
	DEV_WAS=
}

# A CSE process: runs in the agent's named keyring, so it possesses the
# data keys and nothing else.
cse() {
	local rc=0
	keyctl session "$KEYRING" "$BIN/m2mvault" "$@" 2>"$W/cse.err" || rc=$?
	grep -v '^Joined session' "$W/cse.err" >&2
	return $rc
}
