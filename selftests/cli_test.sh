#!/bin/bash
# The m2mvault command line tool as an operator uses it, against the real
# module: every command, its output and its exit status (0 success, 1 the
# operation failed with "m2mvault: <command> <object>: <reason>", 2 usage).
# The store's grant (attach --owner/--group/--mode) and key bindings are
# tried from the attacker's side: uid 65534 in a session keyring of its
# own, with and without the store's group, with a forged key of the right
# Credential-ID. /dev/m2mvault is given to gid 4240 for that (as the
# shipped udev rule gives it to group m2mvault) and restored at the end.
#
# Commands that need the module's generic netlink commands (status, verify,
# compact, monitor, policy ls) are skipped, not failed, when the loaded
# module lacks them: the CLI then says "lacks netlink command".
. "$(dirname "$0")/lib.sh"

# Everything below runs in a fresh session keyring.
if [ -z "${M2MV_IN_SESSION:-}" ]; then
	M2MV_IN_SESSION=1 keyctl session - "$0" "$@" | grep -v '^Joined session'
	exit "${PIPESTATUS[0]}"
fi

top=$(cd "$(dirname "$0")/.." && pwd)
M=$top/build/bin/m2mvault
echo "TAP version 13"
if [ ! -x "$M" ]; then
	echo "1..0 # SKIP $M is not built"
	exit 0
fi

d=$(mktemp -d /tmp/m2mv-cli.XXXXXX)
chmod 755 "$d"
S=cli$$
cur=$d/s.store		# the file store $S lives in (compaction moves it)
DEV=/dev/m2mvault
DEV_GID=4240		# the udev rule's group m2mvault, by number
CSE_GID=4242		# a store's group
NOBODY=65534
dev_own=$(stat -c %u:%g "$DEV" 2>/dev/null)
dev_mode=$(stat -c %a "$DEV" 2>/dev/null)
cleanup() {
	for s in "$S" "${S}r" "${S}b" "${S}m" "${S}v" "${S}g" "${S}p" "${S}e"; do
		"$M" detach "$s" >/dev/null 2>&1
	done
	if [ -n "$dev_own" ]; then
		chown "$dev_own" "$DEV"
		chmod "$dev_mode" "$DEV"
	fi
	rm -rf "$d"
}
trap cleanup EXIT

# t DESC STATUS CMD...: passes when CMD exits with STATUS. Its output stays
# in $d/out and $d/err for the checks that follow.
t() {
	local desc=$1 want=$2 rc
	shift 2
	"$@" >"$d/out" 2>"$d/err"
	rc=$?
	if [ "$rc" = "$want" ]; then ok "$desc"; else
		not_ok "$desc (exit $rc, expected $want)"
		head -n 20 "$d/out" | sed 's/^/# out: /'
		head -n 20 "$d/err" | sed 's/^/# err: /'
	fi
}

# has DESC out|err GREP-ARGS...: passes when the last output matches.
has() {
	local desc=$1 f=$2
	shift 2
	if grep -q "$@" "$d/$f"; then ok "$desc"; else
		not_ok "$desc"
		head -n 20 "$d/$f" | sed "s/^/# $f: /"
	fi
}

# is DESC out|err TEXT: passes when the last output is exactly TEXT.
is() {
	local desc=$1 f=$2 want=$3
	if [ "$(cat "$d/$f")" = "$want" ]; then ok "$desc"; else
		not_ok "$desc"
		echo "# expected: $want"
		head -n 20 "$d/$f" | sed "s/^/# $f: /"
	fi
}

skip() { ok "$1 # SKIP $2"; }

# Did the last command fail only because the module lacks its netlink side
# (or implements the command as a stub that says "not supported")?
lacks_netlink() {
	grep -q 'lacks netlink command\|not supported by the m2mvault module' \
		"$d/err"
}

# nlt DESC STATUS CMD...: as t, for a command that needs the module's
# netlink side; skips (and returns 1) when the module lacks it.
nlt() {
	local desc=$1 want=$2 rc
	shift 2
	"$@" >"$d/out" 2>"$d/err"
	rc=$?
	if [ "$rc" = 1 ] && lacks_netlink; then
		skip "$desc" "module lacks the netlink command"
		return 1
	fi
	if [ "$rc" = "$want" ]; then ok "$desc"; else
		not_ok "$desc (exit $rc, expected $want)"
		head -n 20 "$d/out" | sed 's/^/# out: /'
		head -n 20 "$d/err" | sed 's/^/# err: /'
	fi
	return 0
}

# skip_all REASON DESC...: skip the checks that depended on a skipped one.
skip_all() {
	local why=$1
	shift
	for x in "$@"; do skip "$x" "$why"; done
}

key() { head -c 32 /dev/urandom | keyctl padd m2mvault "$1" @s >/dev/null; }

key 16-store@tef.example
key 15-wrap@tef.example
key 14-dir@tef.example
key 16-mic@tef.example

# ---------------------------------------------------------------- usage
t "--version" 0 "$M" --version
has "--version names the program" out '^m2mvault [0-9]'
t "--help" 0 "$M" --help
has "--help lists the commands" out 'policy add NAME PREFIX CREDID'
for c in attach detach "policy add" "policy del" "policy ls" "key bind" \
	 status put get rm ls stat export verify compact monitor; do
	# shellcheck disable=SC2086
	t "$c --help" 0 "$M" $c --help
	has "$c --help shows its synopsis" out "^Usage: m2mvault $c"
done
t "no command is a usage error" 2 "$M"
t "unknown command is a usage error" 2 "$M" frobnicate
has "unknown command is named" err "unknown command 'frobnicate'"
t "unknown option is a usage error" 2 "$M" get "$S" p --bogus
has "usage error points to --help" err "Try 'm2mvault get --help'"
t "missing PATH is a usage error" 2 "$M" put "$S"
has "missing argument is named" err 'put: missing PATH'
t "bad path is a usage error" 2 "$M" get "$S" 'a b'
t "attach without --key is a usage error" 2 "$M" attach "$S" "$d/x"
t "mode that does not fit the key is a usage error" 2 \
	"$M" policy add "$S" p 15-wrap@tef.example --mode dir
t "--compact with --json is a usage error" 2 \
	"$M" export "$S" p --compact --json
t "attach --create with --readonly is a usage error" 2 \
	"$M" attach "$S" "$d/x" --key 16-store@tef.example --create --readonly
has "... saying so" err "create and --readonly exclude each other"
t "attach --mode beyond 0777 is a usage error" 2 \
	"$M" attach "$S" "$d/x" --key 16-store@tef.example --mode 0800
has "... saying what a mode is" err "permission bits in octal, 0 to 0777"
t "attach --owner of an unknown user is a usage error" 2 \
	"$M" attach "$S" "$d/x" --key 16-store@tef.example --owner no-such-user-m2mv
has "... naming it" err "no such user 'no-such-user-m2mv'"
t "attach --group of an unknown group is a usage error" 2 \
	"$M" attach "$S" "$d/x" --key 16-store@tef.example --group no-such-group-m2mv
has "... naming it" err "no such group 'no-such-group-m2mv'"
check "usage errors create no store file" test ! -e "$d/x"
t "key bind without CREDID is a usage error" 2 "$M" key bind "$S"

# --------------------------------------------------------------- attach
# Only --create makes a store; without it nothing is created or formatted.
t "attach of a missing file without --create fails" 1 \
	"$M" attach "$S" "$d/s.store" --key 16-store@tef.example
has "... saying that --create makes a store" err \
	"^m2mvault: attach $d/s.store: no such file (--create makes a new store)"
check "... and creates no file" test ! -e "$d/s.store"
: >"$d/empty.store"
t "attach of an empty file without --create fails" 1 \
	"$M" attach "$S" "$d/empty.store" --key 16-store@tef.example
has "... saying it is empty" err \
	"^m2mvault: attach $S: the file is empty, not a store (--create makes a new store) (the file is empty: the create flag formats a new store)"
check "... and leaves it empty" test ! -s "$d/empty.store"
check "... and in place" test -f "$d/empty.store"
t "attach --create formats a new store" 0 \
	"$M" attach "$S" "$d/s.store" --key 16-store@tef.example --create
is "attach reports the scan" out \
	"$S: 0 records, 0 live, 0 integrity errors, 0 bytes truncated"
check "... in a file of mode 0600" test "$(stat -c %a "$d/s.store")" = 600
t "attach under a taken name fails" 1 \
	"$M" attach "$S" "$d/s2.store" --key 16-store@tef.example --create
has "the error names command, store and cause" err \
	"^m2mvault: attach $S: a store of that name is already attached"
check "a failed attach leaves no new file" test ! -e "$d/s2.store"
t "attach with a key not in the keyrings fails" 1 \
	"$M" attach "${S}b" "$d/b.store" --key 16-nobody@tef.example --create
has "... and says why" err "not in the caller's keyrings"
check "... and leaves no new file" test ! -e "$d/b.store"
t "attach -c of an existing empty file formats it" 0 \
	"$M" attach "${S}e" "$d/empty.store" -c --key 16-store@tef.example
check "... which is a store now" test "$(stat -c %s "$d/empty.store")" -ge 4096
"$M" detach "${S}e"
t "attach of a file that is not a store fails" 1 \
	"$M" attach "${S}b" /etc/os-release --key 16-store@tef.example --readonly
has "... and says why" err "not a m2mvault store"

mkdir -m 1777 "$d/pub"
t "non-root attach is refused" 1 setpriv --reuid=65534 --regid=65534 \
	--clear-groups "$M" attach "${S}b" "$d/pub/nr.store" \
	--key 16-store@tef.example --create
has "... for lack of CAP_NET_ADMIN" err "CAP_NET_ADMIN"
check "... and leaves no file" test ! -e "$d/pub/nr.store"

# -------------------------------------------------------------- policies
t "policy add wrap for everything" 0 \
	"$M" policy add "$S" '' 15-wrap@tef.example --mode wrap
t "policy add dir per instance" 0 \
	"$M" policy add "$S" dir/ 14-dir@tef.example --mode dir --per-instance
t "policy add mic" 0 "$M" policy add "$S" mic/ 16-mic@tef.example -m mic
t "policy add on a missing store fails" 1 \
	"$M" policy add nosuch p 15-wrap@tef.example --mode wrap
has "... naming the store" err "^m2mvault: policy add nosuch:p: no such store attached"
t "policy del of an unknown prefix fails" 1 "$M" policy del "$S" nope/
has "... saying so" err "no policy for that prefix"
t "policy add for a key the administrator lacks fails" 1 \
	"$M" policy add "$S" nokey/ 15-absent@tef.example --mode wrap
has "... with ENOKEY: the key is bound from the caller's keyrings" err \
	"^m2mvault: policy add $S:nokey/: credential key not in your keyrings"

if nlt "policy ls" 0 "$M" policy ls "$S"; then
	has "policy ls lists the policies" out \
		"^$S  *dir/  *dir  *instance  *14-dir@tef.example$"
	has "policy ls shows the empty prefix" out "^$S  *''  *wrap"
	t "policy ls --json" 0 "$M" policy ls "$S" --json
	check "policy ls --json has the 3 policies" \
		test "$(jq length "$d/out")" = 3
else
	skip_all "module lacks netlink POLICY_GET" \
		"policy ls lists the policies" \
		"policy ls shows the empty prefix" "policy ls --json" \
		"policy ls --json has the 3 policies"
fi

# ------------------------------------------------------------- put, get
head -c 102400 /dev/urandom >"$d/blob"
t "put from a file" 0 "$M" put "$S" cse/ae1/cin1 "$d/blob"
is "put prints nothing" out ""
t "get to a file" 0 "$M" get "$S" cse/ae1/cin1 -o "$d/got"
check "get returns the bytes put" cmp "$d/blob" "$d/got"
check "get -o creates the file 0600" \
	test "$(stat -c %a "$d/got")" = 600
"$M" get "$S" cse/ae1/cin1 >"$d/got2"
check "get to standard output" cmp "$d/blob" "$d/got2"
t "put from standard input" 0 bash -c "printf hello | '$M' put -s '$S' cse/ae1/cin2"
t "put from '-'" 0 bash -c "printf 'hello!' | '$M' put '$S' cse/ae2/cin1 -"
"$M" get "$S" cse/ae1/cin2 >"$d/out"
is "stdin round trip" out "hello"
t "put of an empty blob" 0 bash -c ": | '$M' put '$S' empty"
"$M" get "$S" empty >"$d/out"
check "an empty blob comes back empty" test ! -s "$d/out"
head -c 5000 /dev/urandom >"$d/blob2"
t "put in dir mode" 0 "$M" put "$S" dir/cnt/cin1 "$d/blob2"
t "put in mic mode" 0 "$M" put --sync "$S" mic/cnt/cin1 "$d/blob2"
"$M" get "$S" dir/cnt/cin1 >"$d/got"
check "dir round trip" cmp "$d/blob2" "$d/got"
"$M" get "$S" mic/cnt/cin1 >"$d/got"
check "mic round trip" cmp "$d/blob2" "$d/got"
t "put a second version" 0 "$M" put "$S" cse/ae1/cin1 "$d/blob2"
t "put from a missing file fails" 1 "$M" put "$S" p /nonexistent
is "... naming the file" err \
	"m2mvault: put /nonexistent: No such file or directory"
t "get of a missing store fails" 1 "$M" get nosuch p
is "... naming store and path" err \
	"m2mvault: get nosuch:p: no such store attached"
t "get without the key fails" 1 keyctl session - "$M" get "$S" cse/ae1/cin2
has "... saying the key is missing" err \
	"credential key not in the caller's keyrings"

# -------------------------------------------------------------- ls, stat
t "ls" 0 "$M" ls "$S"
has "ls has a header" out '^VERSION  *SIZE  *MODE  *FLAGS  *PATH$'
has "ls shows version, size, mode of a path" out \
	'^ *2  *5000  *wrap  *-  *cse/ae1/cin1$'
has "ls shows the dir instance flag" out 'dir  *instance  *dir/cnt/cin1$'
t "ls under a prefix" 0 "$M" ls "$S" cse/ae1/
check "ls under a prefix lists only it" test "$(wc -l <"$d/out")" = 3
t "ls --json" 0 "$M" ls "$S" --json
check "ls --json describes an entry" test \
	"$(jq -c '.[0]' "$d/out")" = \
	'{"path":"cse/ae1/cin1","version":2,"size":5000,"mode":"wrap","flags":[]}'
jq -r '.[].path' "$d/out" >"$d/paths"
is "ls --json paths" paths "$(printf '%s\n' cse/ae1/cin1 cse/ae1/cin2 \
	cse/ae2/cin1 dir/cnt/cin1 empty mic/cnt/cin1)"
t "ls of an empty prefix match" 0 "$M" ls "$S" zzz
is "... prints nothing" out ""

t "stat" 0 "$M" stat "$S" cse/ae1/cin1
has "stat shows the version" out '^version:  2$'
has "stat shows the size" out '^size:     5000$'
has "stat shows the mode" out '^mode:     wrap$'
has "stat shows the credential" out '^credid:   15-wrap@tef.example$'
has "stat shows the time" out '^mtime:    20[0-9-]*T[0-9:.]*Z$'
t "stat --json" 0 "$M" stat "$S" dir/cnt/cin1 --json
check "stat --json is dir, per instance" test \
	"$(jq -c '[.mode, .flags, .credid]' "$d/out")" = \
	'["dir",["instance"],"14-dir@tef.example"]'

# ----------------------------------------------------------------- export
t "export (JWE compact)" 0 "$M" export "$S" cse/ae1/cin1
check "a JWE has 5 parts" test "$(tr -cd . <"$d/out" | wc -c)" = 4
t "export of a mic record (JWS compact)" 0 "$M" export "$S" mic/cnt/cin1 --compact
check "a JWS has 3 parts" test "$(tr -cd . <"$d/out" | wc -c)" = 2
t "export --json" 0 "$M" export "$S" dir/cnt/cin1 --json
check "JWE JSON has ciphertext, iv, tag" \
	jq -e 'has("ciphertext") and has("iv") and has("tag")' "$d/out"
t "export --json of mic" 0 "$M" export "$S" mic/cnt/cin1 --json
check "JWS JSON has payload and signature" \
	jq -e 'has("payload") and has("signature")' "$d/out"

# The object exactly, as JOSE libraries read a file: no newline after it
# unless the output is a terminal (it is a file here).
t "export to a file" 0 "$M" export "$S" cse/ae1/cin1
cp "$d/out" "$d/cin1.jwe"
check "... its last byte is not a newline" \
	test "$(tail -c 1 "$d/cin1.jwe" | od -An -tx1 | tr -d ' ')" != 0a
check "... its size is the object's length (base64url and dots only)" \
	test "$(wc -c <"$d/cin1.jwe")" = \
	"$(tr -cd 'A-Za-z0-9_.-' <"$d/cin1.jwe" | wc -c)"
"$M" export "$S" mic/cnt/cin1 >"$d/mic.jws"
"$M" export "$S" dir/cnt/cin1 --json >"$d/dir.json"
check "export --json ends with its closing brace" \
	test "$(tail -c 1 "$d/dir.json")" = "}"
# jwcrypto 1.1 refuses a compact JWE with a newline after it.
py=/usr/bin/python3
if "$py" -c 'import jwcrypto' 2>/dev/null; then
	check "jwcrypto reads the exported files as they are" "$py" -c '
import sys
from jwcrypto import jwe, jws
for f, kid in zip(sys.argv[1::2], sys.argv[2::2]):
    o = jws.JWS() if f.endswith(".jws") else jwe.JWE()
    o.deserialize(open(f).read())
    if o.jose_header.get("kid") != kid:
        sys.exit("%s: kid %r, not %r" % (f, o.jose_header.get("kid"), kid))
' "$d/cin1.jwe" 15-wrap@tef.example "$d/mic.jws" 16-mic@tef.example \
		"$d/dir.json" 14-dir@tef.example
else
	skip "jwcrypto reads the exported files as they are" "no python3-jwcrypto"
fi

# export --esdata: the contentInfo (cnf) and content (con) of a
# <contentInstance> hosting the export. cnf is typeOfContent:0:1 for the
# compact serialization, :0:2 for JSON, alike for JWE and JWS (TS-0004
# Table 6.3.4.2.38-1); con is the plain export's bytes as a JSON string.
"$M" export "$S" mic/cnt/cin1 --json >"$d/mic.json"
# esd DESC PATH FILE CNF ARGS...: export --esdata ARGS of PATH has cnf CNF
# and a con equal byte for byte to FILE, the plain export.
esd() {
	local desc=$1 path=$2 file=$3 cnf=$4
	shift 4
	t "export --esdata $desc" 0 "$M" export "$S" "$path" --esdata "$@"
	check "... is an object of cnf and con only" 		test "$(jq -c 'keys' "$d/out")" = '["cnf","con"]'
	jq -r .cnf "$d/out" >"$d/cnf"
	is "... cnf $cnf" cnf "$cnf"
	jq -j .con "$d/out" >"$d/con"
	check "... con is the plain export byte for byte" cmp "$d/con" "$file"
}
esd "of wrap (JWE compact)" cse/ae1/cin1 "$d/cin1.jwe" \
	application/octet-stream:0:1
esd "of mic (JWS compact)" mic/cnt/cin1 "$d/mic.jws" \
	application/octet-stream:0:1 --compact
esd "--json of dir (JWE JSON)" dir/cnt/cin1 "$d/dir.json" \
	application/octet-stream:0:2 --json
esd "--json of mic (JWS JSON)" mic/cnt/cin1 "$d/mic.json" \
	application/octet-stream:0:2 --json
esd "--media-type" cse/ae1/cin1 "$d/cin1.jwe" application/json:0:1 \
	--media-type application/json
esd "--json --media-type" dir/cnt/cin1 "$d/dir.json" \
	application/senml+json:0:2 --json --media-type=application/senml+json
t "export --esdata output ends with a newline" 0 \
	test "$("$M" export "$S" cse/ae1/cin1 --esdata | tail -c 1 | od -An -tx1 | tr -d ' ')" = 0a
t "export --media-type without --esdata is a usage error" 2 \
	"$M" export "$S" cse/ae1/cin1 --media-type application/json
is "... saying so" err "$(printf '%s\n' \
	"m2mvault: export: --media-type needs --esdata" \
	"Try 'm2mvault export --help'.")"
check "... and prints nothing" test ! -s "$d/out"
t "export --esdata with a malformed media type is a usage error" 2 \
	"$M" export "$S" cse/ae1/cin1 --esdata --media-type 'text/plain;charset=utf-8'
has "... naming it" err \
	"^m2mvault: export: --media-type: a media type TYPE/SUBTYPE without parameters (RFC 6838), not 'text/plain;charset=utf-8'$"
t "export --esdata with a cnf separator in the media type is a usage error" 2 \
	"$M" export "$S" cse/ae1/cin1 --esdata --media-type text/plain:0
t "export --esdata --compact --json is a usage error" 2 \
	"$M" export "$S" cse/ae1/cin1 --esdata --compact --json
has "... saying so" err "export: --compact and --json exclude each other"
t "export --esdata --media-type without a type is a usage error" 2 \
	"$M" export "$S" cse/ae1/cin1 --esdata --media-type
has "... saying so" err "option '--media-type' needs an argument"
t "export --esdata of a missing path fails" 1 \
	"$M" export "$S" no/such --esdata
is "... naming store and path" err \
	"m2mvault: export $S:no/such: no such path (or deleted)"
check "... and prints nothing" test ! -s "$d/out"

# ----------------------------------------------------- several recipients
# A wrap policy of three: ls shows them, export --json is General JSON with
# three recipients and --compact fails. Removed again afterwards, so that
# the counts below stay what they were.
key 15-rcpt-b@tef.example
key 15-rcpt-c@tef.example
t "policy add --recipient needs --mode wrap" 2 \
	"$M" policy add "$S" rc/ 14-dir@tef.example --mode dir \
	--recipient 15-rcpt-b@tef.example
has "... saying so" err "recipient needs --mode wrap"
if nlt "policy add --recipient (three recipients)" 0 \
	"$M" policy add "$S" rc/ 15-wrap@tef.example --mode wrap \
	--recipient 15-rcpt-b@tef.example --recipient 15-rcpt-c@tef.example; then
	t "policy ls with recipients" 0 "$M" policy ls "$S"
	has "... lists all three, the policy's first" out \
		"^$S  *rc/  *wrap  *-  *15-wrap@tef.example,15-rcpt-b@tef.example,15-rcpt-c@tef.example$"
	t "policy ls --json with recipients" 0 "$M" policy ls "$S" --json
	check "... has the recipients beyond credid" jq -e \
		'.[] | select(.prefix == "rc/") | .recipients == ["15-rcpt-b@tef.example","15-rcpt-c@tef.example"]' \
		"$d/out"
	t "put under three recipients" 0 "$M" put "$S" rc/x "$d/blob"
	t "export --json of three recipients" 0 "$M" export "$S" rc/x --json
	check "... is General JSON with three recipients" jq -e \
		'(.recipients | length) == 3 and (.recipients[2].header.kid == "15-rcpt-c@tef.example") and (has("encrypted_key") | not)' \
		"$d/out"
	t "export --compact of three recipients fails" 1 \
		"$M" export "$S" rc/x --compact
	t "policy add --recipient without one of the keys fails" 1 \
		"$M" policy add "$S" rc2/ 15-wrap@tef.example --mode wrap \
		--recipient 15-absent@tef.example
	"$M" rm "$S" rc/x >/dev/null 2>&1
	"$M" policy del "$S" rc/ >/dev/null 2>&1
else
	skip_all "module lacks RECIPIENTS" "policy ls with recipients" \
		"... lists all three, the policy's first" \
		"policy ls --json with recipients" \
		"... has the recipients beyond credid" \
		"put under three recipients" "export --json of three recipients" \
		"... is General JSON with three recipients" \
		"export --compact of three recipients fails" \
		"policy add --recipient without one of the keys fails"
fi

# --------------------------------------------------------------------- rm
t "rm" 0 "$M" rm "$S" cse/ae1/cin2
t "get after rm fails" 1 "$M" get "$S" cse/ae1/cin2
is "... with a message naming the path" err \
	"m2mvault: get $S:cse/ae1/cin2: no such path (or deleted)"
t "rm again fails" 1 "$M" rm -s "$S" cse/ae1/cin2
t "stat after rm fails" 1 "$M" stat "$S" cse/ae1/cin2

# ----------------------------------------------------------------- status
if nlt "status" 0 "$M" status; then
	has "status table" out "^$S  *ok  .*$cur\$"
	t "status --json" 0 "$M" status "$S" --json
	check "status --json describes the store" test \
		"$(jq -c '.[0] | [.name, .state, .live]' "$d/out")" = \
		"[\"$S\",\"ok\",5]"
	t "status --stats" 0 "$M" status "$S" --stats
	has "status --stats has counters" out 'PUTS  *GETS  *DELETES'
	t "status of a missing store fails" 1 "$M" status nosuch
	nl=1
else
	skip_all "module lacks netlink STORE_GET" "status table" \
		"status --json" "status --json describes the store" \
		"status --stats" "status --stats has counters" \
		"status of a missing store fails"
	nl=0
fi

# ---------------------------------------------------------- key bind
t "key bind of the key a policy bound already" 0 \
	"$M" key bind "$S" 15-wrap@tef.example
is "... prints nothing" out ""
t "key bind of a key the administrator lacks fails" 1 \
	"$M" key bind "$S" 15-absent@tef.example
has "... with ENOKEY" err "^m2mvault: key bind $S: credential key not in your keyrings"
t "key bind on a missing store fails" 1 "$M" key bind nosuch 15-wrap@tef.example
has "... naming the store" err "^m2mvault: key bind nosuch: no such store attached"
# Root in a session of its own, with another key of the bound name.
# shellcheck disable=SC2016 # the inner shell expands them
t "key bind of another key of a bound Credential-ID fails" 1 \
	keyctl session - sh -c 'head -c 32 /dev/urandom |
		keyctl padd m2mvault 15-wrap@tef.example @s >/dev/null &&
		exec "$0" key bind "$1" 15-wrap@tef.example' "$M" "$S"
has "... as EKEYREJECTED" err "key rejected (another key of this Credential-ID is bound"

# ------------------------------------------ the grant, from the attacker's side
# nobody GROUPS CMD...: uid/gid 65534 with supplementary GROUPS, in a
# fresh session keyring (keyctl says "Joined session keyring" on stderr).
nobody() {
	local g=$1
	shift
	setpriv --reuid=$NOBODY --regid=$NOBODY --groups="$g" \
		keyctl session - "$@"
}
# forged GROUPS CREDID CMD...: the same with a random key of its own under
# CREDID, as anyone may add.
forged() {
	local g=$1 id=$2
	shift 2
	# shellcheck disable=SC2016 # the inner shell expands them
	nobody "$g" sh -c 'head -c 32 /dev/urandom |
		keyctl padd m2mvault "$0" @s >/dev/null && exec "$@"' "$id" "$@"
}
jqs() { "$M" status "$1" --json | jq -r ".[0] | $2"; }

check "the device node is root's, mode 0600, by default" \
	test "$dev_own $dev_mode" = "0:0 600"
t "a device node of 0600 keeps nobody out" 1 nobody "$DEV_GID" "$M" ls "$S"
has "... with EACCES" err "Permission denied"
# What the shipped udev rule does: root:m2mvault 0660.
chgrp "$DEV_GID" "$DEV" && chmod 0660 "$DEV"

t "the default grant (root, root, 0600) keeps nobody out" 1 \
	nobody "$DEV_GID" "$M" ls "$S"
has "... with EACCES" err "^m2mvault: ls $S:'': Permission denied"

# A store nobody owns (read and write): only the keys decide.
owner=$NOBODY
getent passwd nobody >/dev/null && owner=nobody
t "attach --owner --mode" 0 "$M" attach "${S}g" "$d/g.store" \
	--key 16-store@tef.example --owner "$owner" --mode 0600 --create
"$M" policy add "${S}g" '' 15-wrap@tef.example --mode wrap
"$M" put "${S}g" victim "$d/blob2"
if nlt "status shows owner, group and mode" 0 "$M" status "${S}g"; then
	has "... in the table" out "OWNER  *GROUP  *MODE  *FILE\$"
	has "... as nobody, root, 0600" out "^${S}g  *ok .* \(nobody\|$NOBODY\)  *root  *0600  *$d/g.store\$"
	check "status --json: owner, group, mode" \
		test "$(jqs "${S}g" '[.owner, .group, .mode] | @csv')" = "$NOBODY,0,\"0600\""
fi
cred=$(nobody "$DEV_GID" "$M" stat "${S}g" victim --json 2>/dev/null | jq -r .credid)
check "the owner may stat: the record's Credential-ID" \
	test "$cred" = 15-wrap@tef.example
t "a forged key of that name cannot delete the record" 1 \
	forged "$DEV_GID" "$cred" "$M" rm "${S}g" victim
has "... refused as EKEYREJECTED" err "^m2mvault: rm ${S}g:victim: credential key rejected"
t "nor overwrite it" 1 forged "$DEV_GID" "$cred" "$M" put "${S}g" victim "$d/blob"
has "... refused as EKEYREJECTED" err "^m2mvault: put ${S}g:victim: credential key rejected"
t "nor read it" 1 forged "$DEV_GID" "$cred" "$M" get "${S}g" victim
has "... refused as EKEYREJECTED" err "key rejected"
"$M" get "${S}g" victim >"$d/got"
check "the administrator's next get returns the data" cmp "$d/blob2" "$d/got"
"$M" stat "${S}g" victim >"$d/out"
has "... version 1, untouched" out '^version:  1$'
check "the store stays ok (not degraded)" test "$(jqs "${S}g" .state)" = ok
check "the refusals are counted as key refusals" \
	test "$(jqs "${S}g" .counters.key_refusals)" -ge 3
check "... and none as an integrity failure" \
	test "$(jqs "${S}g" .counters.integrity_failures)" = 0

# A store of group 4242, mode 0640: nobody without the group sees nothing.
t "attach --owner --group --mode (names)" 0 "$M" attach "${S}p" "$d/p.store" \
	--key 16-store@tef.example --owner root --group "$CSE_GID" --mode 640 -c
"$M" policy add "${S}p" '' 15-wrap@tef.example --mode wrap
"$M" put "${S}p" victim "$d/blob2"
check "status --json: root, 4242, 0640" \
	test "$(jqs "${S}p" '[.owner, .group, .mode] | @csv')" = "0,$CSE_GID,\"0640\""
"$M" status "${S}p" >"$d/out"
has "status: a group without a name shows as its number" out \
	"^${S}p  *ok .* root  *$CSE_GID  *0640  *$d/p.store\$"
for c in ls stat get export; do
	p=victim
	[ "$c" = ls ] && p=
	# shellcheck disable=SC2086
	t "without the group: $c is refused" 1 nobody "$DEV_GID" "$M" $c "${S}p" $p
	has "... with EACCES" err "Permission denied"
done
check "the refusals are counted as access refusals" \
	test "$(jqs "${S}p" .counters.access_refusals)" -ge 4
t "status --stats has the ACCESS-REFUSED column" 0 "$M" status "${S}p" --stats
has "... after KEY-REFUSED" out "KEY-REFUSED  *ACCESS-REFUSED  *FILE"
# With the group: read, no write.
t "with the group (read only): ls works" 0 \
	nobody "$DEV_GID,$CSE_GID" "$M" ls "${S}p"
has "... listing the path" out " victim\$"
t "with the group: stat works" 0 nobody "$DEV_GID,$CSE_GID" "$M" stat "${S}p" victim
t "with the group: export works" 0 \
	nobody "$DEV_GID,$CSE_GID" "$M" export "${S}p" victim
check "... a JWE" test "$(tr -cd . <"$d/out" | wc -c)" = 4
t "with the group: put is refused" 1 \
	forged "$DEV_GID,$CSE_GID" 15-wrap@tef.example "$M" put "${S}p" victim "$d/blob"
has "... with EACCES, before any key" err "^m2mvault: put ${S}p:victim: Permission denied"
t "with the group: rm is refused" 1 \
	nobody "$DEV_GID,$CSE_GID" "$M" rm "${S}p" victim
has "... with EACCES" err "Permission denied"
t "with the group: get needs the key" 1 \
	nobody "$DEV_GID,$CSE_GID" "$M" get "${S}p" victim
has "... ENOKEY" err "credential key not in the caller's keyrings"
"$M" get "${S}p" victim >"$d/got"
check "the record is intact" cmp "$d/blob2" "$d/got"
"$M" detach "${S}g"
"$M" detach "${S}p"

# ----------------------------------------------------------------- verify
if nlt "verify" 0 "$M" verify "$S"; then
	has "verify reports the records" out \
		"^$S: [0-9]* records checked, 0 integrity errors$"
	t "verify --json" 0 "$M" verify "$S" --json
	check "verify --json counts no errors" \
		test "$(jq .integrity_errors "$d/out")" = 0
else
	skip_all "module lacks netlink STORE_VERIFY" \
		"verify reports the records" "verify --json" \
		"verify --json counts no errors"
fi

# ---------------------------------------------------------------- compact
if nlt "compact into a new file" 0 "$M" compact "$S" "$d/c.store"; then
	[ -s "$d/c.store" ] && cur=$d/c.store
	has "compact reports" out "^$S: compacted into $d/c.store: "
	"$M" get "$S" dir/cnt/cin1 >"$d/got"
	check "data survives compaction" cmp "$d/blob2" "$d/got"
	t "compact into a non-empty file fails" 1 "$M" compact "$S" "$d/blob"
	key 15-wrap2@tef.example
	t "compact --rotate" 0 "$M" compact "$S" "$d/c2.store" \
		--rotate 15-wrap2@tef.example
	[ -s "$d/c2.store" ] && cur=$d/c2.store
	"$M" stat "$S" cse/ae1/cin1 >"$d/out"
	has "rotation re-seals under the new key" out \
		'^credid:   15-wrap2@tef.example$'
	"$M" get "$S" cse/ae1/cin1 >"$d/got"
	check "data survives rotation" cmp "$d/blob2" "$d/got"
else
	skip_all "module lacks netlink STORE_COMPACT" "compact reports" \
		"data survives compaction" \
		"compact into a non-empty file fails" "compact --rotate" \
		"rotation re-seals under the new key" "data survives rotation"
fi

# ---------------------------------------------------------------- monitor
# Events come from the netlink commands: without them nothing is sent.
if [ "$nl" = 1 ]; then
	"$M" monitor >"$d/mon" 2>"$d/monerr" &
	mon=$!
	"$M" monitor --json >"$d/monj" 2>/dev/null &
	monj=$!
	sleep 1
	"$M" attach "${S}m" "$d/m.store" --key 16-store@tef.example --create >/dev/null
	"$M" detach "${S}m"
	sleep 1
	kill -INT "$mon" "$monj"
	wait "$mon"
	rc=$?
	wait "$monj"
	check "monitor exits 0 on SIGINT" test "$rc" = 0
	check "monitor shows attach" grep -q "^attached ${S}m$" "$d/mon"
	check "monitor shows detach" grep -q "^detached ${S}m$" "$d/mon"
	check "monitor --json" test "$(jq -rs \
		'map(select(.name == "'"${S}m"'") | .event) | join(",")' \
		"$d/monj")" = "attached,detached"
else
	skip_all "module lacks the netlink control plane" \
		"monitor exits 0 on SIGINT" "monitor shows attach" \
		"monitor shows detach" "monitor --json"
fi

# ------------------------------------------------------- keys and damage
keyctl revoke "$(keyctl search @s m2mvault 16-mic@tef.example)"
t "get with a revoked key fails" 1 "$M" get "$S" mic/cnt/cin1
has "... saying so" err "credential key revoked"

# A second store with a record damaged on disk.
t "attach a store to damage" 0 \
	"$M" attach "${S}b" "$d/b.store" --key 16-store@tef.example --create
"$M" policy add "${S}b" '' 15-wrap@tef.example --mode wrap
"$M" put "${S}b" victim "$d/blob"
"$M" put --sync "${S}b" bystander "$d/blob2"
"$M" detach "${S}b"
cp "$d/b.store" "$d/b.copy"
t "attach --create of a store with records fails" 1 \
	"$M" attach "${S}b" "$d/b.store" --key 16-store@tef.example --create
has "... refusing to format over it" err \
	"^m2mvault: attach ${S}b: .*(the file is not empty: refusing to format over it)"
check "... and leaves the file byte for byte" cmp "$d/b.store" "$d/b.copy"
# The victim's ciphertext starts within the first kilobyte of its record.
printf 'X' | dd of="$d/b.store" bs=1 seek=$((4096 + 20000)) conv=notrunc \
	status=none
t "re-attach a damaged store" 0 \
	"$M" attach "${S}b" "$d/b.store" --key 16-store@tef.example
# Attached again, the store has no bindings: no policy names 15-wrap now.
t "key bind the records' key again" 0 "$M" key bind "${S}b" 15-wrap@tef.example
t "get of the damaged record fails" 1 "$M" get "${S}b" victim -o "$d/never"
has "... as an integrity failure" err "record failed integrity check"
check "... and writes no output file" test ! -e "$d/never"
"$M" get "${S}b" bystander >"$d/got"
check "the other record still reads" cmp "$d/blob2" "$d/got"
if nlt "verify of the damaged store fails" 1 "$M" verify "${S}b"; then
	has "verify names the damaged record" out "victim"
	has "verify fails with a count" err \
		"^m2mvault: verify ${S}b: 1 records failed integrity checks$"
else
	skip_all "module lacks netlink STORE_VERIFY" \
		"verify names the damaged record" "verify fails with a count"
fi
"$M" detach "${S}b"

# --------------------------------------------------------------- readonly
t "detach" 0 "$M" detach "$S"
is "detach prints nothing" out ""
t "detach again fails" 1 "$M" detach "$S"
has "... naming the store" err "^m2mvault: detach $S: no such store attached"
t "get after detach fails" 1 "$M" get "$S" dir/cnt/cin1
t "attach read-only" 0 "$M" attach "${S}r" "$cur" \
	--key 16-store@tef.example --readonly
"$M" policy add "${S}r" '' 15-wrap@tef.example --mode wrap
t "put on a read-only store fails" 1 "$M" put "${S}r" x "$d/blob2"
has "... saying so" err "store attached read-only"
# The rotation re-sealed the wrap records under 15-wrap2, which no policy
# names: attached again, the store has no binding for it.
if [ "$cur" = "$d/c2.store" ]; then
	t "after a re-attach, records of an unbound credential are refused" 1 \
		"$M" get "${S}r" cse/ae2/cin1
	has "... as EKEYREJECTED" err "credential key rejected"
	t "key bind the credential only older records use" 0 \
		"$M" key bind "${S}r" 15-wrap2@tef.example
else
	skip_all "no rotation" \
		"after a re-attach, records of an unbound credential are refused" \
		"... as EKEYREJECTED" "key bind the credential only older records use"
fi
t "get on a read-only store" 0 "$M" get "${S}r" cse/ae2/cin1
is "... returns the data" out "hello!"

# ------------------------------------------------------------------ leaks
# noleak DESC CMD...: valgrind finds no error or leak (it exits 99 if so).
noleak() {
	local desc=$1 rc
	shift
	valgrind -q --leak-check=full --errors-for-leak-kinds=all \
		--error-exitcode=99 "$@" >"$d/out" 2>"$d/err"
	rc=$?
	if [ "$rc" != 99 ]; then ok "$desc"; else
		not_ok "$desc"
		head -n 40 "$d/err" | sed 's/^/# err: /'
	fi
}

# The freshness anchor: an older copy of the file is refused with it.
"$M" attach "${S}a" "$d/a.store" --key 16-store@tef.example -c >/dev/null
"$M" policy add "${S}a" '' 15-wrap@tef.example --mode wrap
"$M" put -s "${S}a" p1 "$d/blob2"
"$M" detach "${S}a"
cp "$d/a.store" "$d/a-old.store"
"$M" attach "${S}a" "$d/a.store" --key 16-store@tef.example >/dev/null
"$M" policy add "${S}a" '' 15-wrap@tef.example --mode wrap
"$M" put -s "${S}a" p2 "$d/blob2"
t "anchor prints SEQ:HEX" 0 "$M" anchor "${S}a"
has "... a sequence number and 64 hex digits" out '^[0-9][0-9]*:[0-9a-f]\{64\}$'
a=$(cat "$d/out")
"$M" detach "${S}a"
t "attach --anchor of the file that holds it" 0 \
	"$M" attach "${S}a" "$d/a.store" --key 16-store@tef.example --anchor "$a"
"$M" detach "${S}a"
t "attach --anchor of an older copy is refused" 1 \
	"$M" attach "${S}a" "$d/a-old.store" --key 16-store@tef.example --anchor "$a"
has "... saying why" err 'freshness anchor'
t "attach --anchor --stale-ok attaches it anyway" 0 \
	"$M" attach "${S}a" "$d/a-old.store" --key 16-store@tef.example --anchor "$a" --stale-ok
has "... and counts it" err 'integrity'
"$M" detach "${S}a"
if command -v valgrind >/dev/null; then
	noleak "no leaks: get" "$M" get "${S}r" cse/ae2/cin1 -o "$d/vg"
	noleak "no leaks: ls --json" "$M" ls "${S}r" --json
	noleak "no leaks: a failed get" "$M" get "${S}r" nope
	noleak "no leaks: status" "$M" status --stats
	noleak "no leaks: verify with progress" "$M" verify "${S}r" --json
	noleak "no leaks: a usage error" "$M" policy add "${S}r" x 1-x -m wrap
	"$M" attach "${S}v" "$d/v.store" --key 16-store@tef.example -c >/dev/null
	"$M" policy add "${S}v" '' 15-wrap@tef.example --mode wrap
	"$M" put "${S}v" a "$d/blob2"
	noleak "no leaks: compact" "$M" compact "${S}v" "$d/v2.store"
	noleak "no leaks: monitor" timeout -s INT 2 "$M" monitor --json
	"$M" detach "${S}v"
else
	skip_all "valgrind not installed" "no leaks: get" "no leaks: ls --json" \
		"no leaks: a failed get" "no leaks: status" \
		"no leaks: verify with progress" "no leaks: a usage error" \
		"no leaks: compact" "no leaks: monitor"
fi
"$M" detach "${S}r"

echo "1..$_tap_n"
done_testing
