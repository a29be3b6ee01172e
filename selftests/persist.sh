#!/bin/bash
# persist.sh write|crash|verify [DIR]: records survive a reboot of the VM.
#
# Run inside the test VM, twice, with the same disk image attached:
#
#   mkfs.ext4 -F -q IMG (on the host, IMG of a few tens of MiB)
#   tools/vmtest --disk IMG -- selftests/persist.sh write  /mnt/disk
#   tools/vmtest --disk IMG -- selftests/persist.sh verify /mnt/disk
#
# or, for a power cut instead of a clean shutdown,
#
#   tools/vmtest --disk IMG -- selftests/persist.sh crash  /mnt/disk
#   tools/vmtest --disk IMG -- selftests/persist.sh verify /mnt/disk
#
# DIR (default /mnt/disk) is where /dev/vda (M2MV_PERSIST_DEV) is mounted
# unless something is mounted there already. Keyrings do not survive a
# reboot, so the keys are derived from fixed labels (SHA-256), the same in
# both runs.
#
# write: attaches DIR/store, writes records (some with M2MV_F_SYNC),
#   overwrites and deletes a few, records what to expect in DIR/expect and
#   the plaintexts in DIR/plain/, detaches, unmounts.
# crash: writes the expectations first and syncs only those files, then
#   writes every record with M2MV_F_SYNC and reboots at once with
#   sysrq-b: no detach, no unmount, no other sync. Only the module's own
#   flushes can have put the store on the disk. Skips if there is no
#   sysrq. Because the VM dies, it writes the run's rc file that
#   tools/vmtest reads ($M2MV_RUN/rc) itself, with its own result.
# verify: attaches the store again and checks that every record reads back
#   identical, with its version, and that deleted paths stay deleted.
. "$(dirname "$0")/lib.sh"

mode=${1:-}
dir=${2:-/mnt/disk}
dev=${M2MV_PERSIST_DEV:-/dev/vda}
case $mode in
write|crash|verify|persist-crash) ;;
*) echo "usage: $0 write|crash|verify [DIR]" >&2; exit 2 ;;
esac
[ "$mode" = persist-crash ] && mode=crash

if [ -z "${M2MV_IN_SESSION:-}" ]; then
	M2MV_IN_SESSION=1 keyctl session - "$0" "$@" 2>&1 | grep --line-buffered -v '^Joined session'
	exit "${PIPESTATUS[0]}"
fi

top=$(cd "$(dirname "$0")/.." && pwd)
mvio=$top/build/selftests/mvio
store=persist
N=20

echo "TAP version 13"
# shellcheck disable=SC2154 # _tap_n and _tap_fail are lib.sh's
finish() {
	echo "1..$_tap_n"
	done_testing
	exit
}
bail() {
	not_ok "$*"
	finish
}

[ -x "$mvio" ] || bail "build/selftests/mvio is missing (selftests/tools.mk)"

# ---------------------------------------------------------- disk, keys

mounted=
if ! mountpoint -q "$dir"; then
	if [ ! -b "$dev" ] && [[ $dev == /dev/vd* ]]; then
		# Debian's kernel has virtio_blk as a module.
		modprobe virtio_blk 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			[ -b "$dev" ] && break
			sleep 0.5
		done
	fi
	[ -b "$dev" ] || bail "no disk $dev (tools/vmtest --disk IMG)"
	mkdir -p "$dir"
	mount "$dev" "$dir" 2>/tmp/persist.err ||
		bail "mount $dev $dir: $(cat /tmp/persist.err)"
	mounted=1
fi
ok "$dev mounted on $dir"

K14=14-persist@m2mv.test
K15=15-persist@m2mv.test
K16=16-persist@m2mv.test
KS=16-persist-store@m2mv.test
keys_ok=1
for id in $K14 $K15 $K16 $KS; do
	printf 'm2mvault persist.sh key %s' "$id" | openssl dgst -sha256 -binary |
		keyctl padd m2mvault "$id" @s >/dev/null || keys_ok=
done
if [ -n "$keys_ok" ]; then ok "keys derived and loaded"; else bail "keys"; fi

# ---------------------------------------------------------- the records

# Record i lives at path_of i; the prefixes cycle through the modes.
path_of() {
	case $(( $1 % 4 )) in
	0) echo "/w/r$1" ;;
	1) echo "/d/c$(( $1 % 3 ))/r$1" ;;
	2) echo "/i/c/r$1" ;;
	3) echo "/m/r$1" ;;
	esac
}
# Plaintext sizes, 0 to 64 KiB.
size_of() {
	local sizes=(0 1 100 4096 5000 65536 333)
	echo "${sizes[$(( $1 % ${#sizes[@]} ))]}"
}

# attach [create]: the store, a new one with "create".
attach() {
	local out
	out=$("$mvio" attach "$store" "$dir/store" "$KS" "$@" 2>&1) || bail "attach: $out"
	attach_report=$out
	"$mvio" policy "$store" /w/ "$K15" wrap &&
	"$mvio" policy "$store" /d/ "$K14" dir &&
	"$mvio" policy "$store" /i/ "$K14" dir-instance &&
	"$mvio" policy "$store" /m/ "$K16" mic || bail "policies"
}

# The plan, in order: "put I VERSION" (plaintext DIR/plain/I.VERSION) or
# "del I VERSION". Records 0-3 get a second version, 4 and 5 are deleted.
plan_ops() {
	local i
	for (( i = 0; i < N; i++ )); do echo "put $i 1"; done
	for i in 0 1 2 3; do echo "put $i 2"; done
	echo "del 4 2"
	echo "del 5 2"
}

if [ "$mode" = write ] || [ "$mode" = crash ]; then
	if [ "$mode" = crash ] && [ ! -w /proc/sysrq-trigger ]; then
		ok "crash # SKIP no /proc/sysrq-trigger"
		mode="write"
	fi
	rm -rf "$dir/store" "$dir/plain" "$dir/expect"
	mkdir -p "$dir/plain"
	plan_ops >"$dir/expect"
	while read -r op i v; do
		[ "$op" = put ] && head -c "$(size_of "$i$v")" /dev/urandom >"$dir/plain/$i.$v"
	done <"$dir/expect"
	if [ "$mode" = crash ]; then
		# The expectations are durable before the store sees a write.
		sync "$dir/expect" "$dir"/plain/* "$dir/plain" "$dir" ||
			bail "sync the expectations"
	fi
	attach create
	ok "store attached: $attach_report"

	fails=0
	k=0
	while read -r op i v; do
		p=$(path_of "$i")
		# Clean shutdown: every other write synchronous. Crash: all.
		flag=sync
		[ "$mode" = write ] && (( k++ % 2 )) && flag=
		# Only to show that verify can fail: M2MV_PERSIST_NOSYNC=1.
		[ -n "${M2MV_PERSIST_NOSYNC:-}" ] && flag=
		if [ "$op" = put ]; then
			# shellcheck disable=SC2086
			got=$("$mvio" put "$store" "$p" $flag <"$dir/plain/$i.$v" 2>&1)
		else
			# shellcheck disable=SC2086
			got=$("$mvio" del "$store" "$p" $flag 2>&1)
		fi
		if [ "$got" != "$v" ]; then
			fails=$((fails + 1))
			echo "# $op $p: $got (want version $v)"
		fi
	done <"$dir/expect"
	if [ "$fails" = 0 ]; then ok "$(wc -l <"$dir/expect") writes acknowledged"; else
		not_ok "$fails writes failed"; fi

	if [ "$mode" = crash ]; then
		ok "power cut now (sysrq-b), store still attached"
		echo "1..$_tap_n"
		# shellcheck disable=SC2154
		echo "# $((_tap_n - _tap_fail)) passed, $_tap_fail failed"
		# The VM dies before tools/vm-stage2 can record the status:
		# record it for tools/vmtest here (the work tree is 9p, no cache).
		if [ -n "${M2MV_RUN:-}" ] && [ -d "$M2MV_RUN" ]; then
			dmesg >"$M2MV_RUN/dmesg" 2>&1
			if [ "$_tap_fail" = 0 ]; then echo 0; else echo 1; fi >"$M2MV_RUN/rc"
		fi
		# Let the TAP lines reach the console; this flushes nothing of
		# the store's.
		sleep 1
		echo b >/proc/sysrq-trigger
		sleep 10
		exit 1
	fi

	if "$mvio" detach "$store" 2>/tmp/persist.err; then ok "detached"; else
		not_ok "detach: $(cat /tmp/persist.err)"; fi
	if [ -n "$mounted" ]; then
		if umount "$dir"; then ok "unmounted"; else not_ok "umount"; fi
	fi
	finish
fi

# -------------------------------------------------------------- verify

[ -s "$dir/expect" ] || bail "no $dir/expect: run 'write' or 'crash' first"
attach
case $attach_report in
*" integrity_errors=0 "*) ok "store attached: $attach_report" ;;
*) not_ok "store attached with damage: $attach_report" ;;
esac

# The final state the plan leads to: path -> "VERSION" or "VERSION del".
declare -A want
while read -r op i v; do
	if [ "$op" = put ]; then want[$i]=$v; else want[$i]="$v del"; fi
done <"$dir/expect"

for (( i = 0; i < N; i++ )); do
	p=$(path_of "$i")
	w=${want[$i]}
	if [ "${w#* }" = del ]; then
		err=$("$mvio" get "$store" "$p" 2>&1 >/dev/null)
		case $err in
		*"No such file or directory"*) ok "$p stays deleted" ;;
		*) not_ok "$p deleted at version ${w% *}: get says '$err'" ;;
		esac
		continue
	fi
	if ! "$mvio" get "$store" "$p" >/tmp/persist.got 2>/tmp/persist.err; then
		not_ok "$p: $(cat /tmp/persist.err)"
		continue
	fi
	st=$("$mvio" stat "$store" "$p" 2>&1)
	if ! cmp -s /tmp/persist.got "$dir/plain/$i.$w"; then
		not_ok "$p: content differs from version $w"
	elif [[ $st != "version=$w "* ]]; then
		not_ok "$p: $st, want version $w"
	else
		ok "$p version $w intact"
	fi
done

# The store takes new writes after the reboot, and lets go cleanly.
if printf 'after the reboot' | "$mvio" put "$store" /w/after sync >/dev/null 2>/tmp/persist.err; then
	ok "new write after the reboot"
else
	not_ok "new write after the reboot: $(cat /tmp/persist.err)"
fi
if "$mvio" detach "$store" 2>/tmp/persist.err; then ok "detached"; else
	not_ok "detach: $(cat /tmp/persist.err)"; fi
if [ -n "$mounted" ]; then
	if umount "$dir"; then ok "unmounted"; else not_ok "umount"; fi
fi
finish
