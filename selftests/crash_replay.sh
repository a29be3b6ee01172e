#!/bin/bash
# crash_replay.sh [DATA LOG REPLAY COW]: no acknowledged record is lost in
# any crash state that a dm-log-writes log of a store's disk can replay.
#
# Run inside the test VM: tools/crash-check gives it four virtio disks
# (/dev/vda to /dev/vdd, all zeros); without arguments
# (selftests/run-suite crash_replay.sh) it makes the four on loop devices
# over files in /tmp. The disks are
#
#   DATA    the store's ext4 file system, written through dm-log-writes
#   LOG     the log of every write, flush and mark sent to DATA
#   REPLAY  the log is replayed onto it step by step, from the start
#   COW     a throwaway snapshot's exception store, so that mounting and
#           attaching a crash state never changes REPLAY
#
# Workload: a new store on a fresh ext4 (mkfs, mark "attached" once the
# attach that formats it returned), M2MV_CRASH_WRITERS writers (default 3),
# each issuing M2MV_CRASH_OPS synchronous PUTs and DELETEs (default 16) on
# its own four paths (one per sealing mode), a compaction into a new file
# after a third of the writes and a compaction with credential rotation
# (the wrap credential) after two thirds, while the writers go on. Before
# each operation its plaintext is kept in /tmp (tmpfs, outside the logged
# disk); after it is acknowledged, the version it got and the store's file
# at that moment (the kernel's view, m2mvault status) are noted, and then a
# mark "ack-OP" goes into the log. A mark is logged after every write that
# had completed before it was sent, and so after the flushes that made the
# acknowledged record durable.
#
# Crash states: after the log is complete, the mark "attached" and every
# entry with FLUSH or FUA after it are crash points
# (M2MV_CRASH_POINTS=all: every entry that writes, too, which adds the
# disks on which the writes between two flushes landed in part, in the
# order they completed). dm-log-writes logs a write only when a later
# flush finds it completed, so replaying up to a flush entry and nothing
# after it is the disk with every write that had not completed when that
# flush was issued lost (the unflushed writes dropped), and up to a FUA
# entry the disk right after that write. States that hold no other bytes than the one before are
# checked once. For each state: replay up to it (continuing from the last
# one); then ackcheck puts a snapshot over REPLAY, mounts it (ext4's
# journal recovery), attaches the store file writable and without
# M2MV_ATTACH_F_CREATE, as the agent would after a reboot, so that the
# attach's recovery (torn tail cut, superblock copies repaired) runs;
# reads every path; writes one synchronous record; detaches. The
# acknowledgements that count are those whose mark precedes the next entry
# that carries data, and the store file is the newest one that any of
# those notes names: a compaction switches files only after the new one is
# flushed, so the file in use at an acknowledgement holds every record
# acknowledged before it.
#
# Prints TAP, one line per class of check with its counts.
# M2MV_CRASH_SEED varies the workload; M2MV_CRASH_NOSYNC=1 drops
# M2MV_F_SYNC from it, to show that the check then finds records lost.
. "$(dirname "$0")/lib.sh"

if [ -z "${M2MV_IN_SESSION:-}" ]; then
	M2MV_IN_SESSION=1 keyctl session - "$0" "$@" 2>&1 | grep --line-buffered -v '^Joined session'
	exit "${PIPESTATUS[0]}"
fi

top=$(cd "$(dirname "$0")/.." && pwd)
M=$top/build/bin/m2mvault
B=$top/build/selftests
mvio=$B/mvio
logreplay=$B/logreplay
ackcheck=$B/ackcheck
writers=${M2MV_CRASH_WRITERS:-3}
ops=${M2MV_CRASH_OPS:-16}
points=${M2MV_CRASH_POINTS:-flush}
# Only to show that the test can fail: M2MV_CRASH_NOSYNC=1 writes without
# M2MV_F_SYNC and still counts each return as an acknowledgement.
sync=sync
[ -n "${M2MV_CRASH_NOSYNC:-}" ] && sync=
export DM_DISABLE_UDEV=1

T=/tmp/crash-replay
mnt=/mnt/crash
rmnt=/mnt/crash-replay
LW=m2mv-crash-lw
store=crash
loops=()

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
cleanup() {
	"$mvio" detach "$store" >/dev/null 2>&1
	"$mvio" detach crashck >/dev/null 2>&1
	mountpoint -q "$rmnt" && umount "$rmnt"
	mountpoint -q "$mnt" && umount "$mnt"
	dmsetup remove m2mv-ackcheck >/dev/null 2>&1
	dmsetup remove "$LW" >/dev/null 2>&1
	for l in "${loops[@]}"; do losetup -d "$l"; done
	rm -rf "$T"
}
trap cleanup EXIT

for x in "$M" "$mvio" "$logreplay" "$ackcheck"; do
	[ -x "$x" ] || bail "$x is missing: run 'make'"
done
case $points in
flush | all) ;;
*) bail "M2MV_CRASH_POINTS is flush or all, not '$points'" ;;
esac
for m in dm-mod dm-log-writes dm-snapshot; do
	modprobe "$m" 2>/dev/null
done
if ! dmsetup targets 2>/dev/null | grep -q '^log-writes'; then
	ok "crash replay # SKIP no dm-log-writes target in this kernel"
	finish
fi
rm -rf "$T"
mkdir -p "$T/plain" "$T/exp" "$mnt" "$rmnt"

# ---------------------------------------------------------------- disks

if [ $# = 4 ]; then
	data=$1 log=$2 replay=$3 cow=$4
	[[ $data == /dev/vd* ]] && modprobe virtio_blk 2>/dev/null
	for d in "$@"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			[ -b "$d" ] && break
			sleep 0.5
		done
		[ -b "$d" ] || bail "no disk $d (tools/crash-check attaches four)"
	done
elif [ $# = 0 ]; then
	modprobe loop 2>/dev/null
	devs=()
	for n in data:64M log:256M replay:64M cow:64M; do
		truncate -s "${n#*:}" "$T/${n%:*}.img" &&
			l=$(losetup -f --show "$T/${n%:*}.img") || bail "loop device for ${n%:*}"
		loops+=("$l")
		devs+=("$l")
	done
	data=${devs[0]} log=${devs[1]} replay=${devs[2]} cow=${devs[3]}
else
	echo "usage: $0 [DATA LOG REPLAY COW]" >&2
	exit 2
fi
sectors=$(blockdev --getsz "$data")
[ "$(blockdev --getsz "$replay")" -ge "$sectors" ] || bail "$replay is smaller than $data"

dmsetup create "$LW" --table "0 $sectors log-writes $data $log" ||
	bail "dmsetup create $LW"
mark() { dmsetup message "$LW" 0 mark "$1"; }
# No discards (the replayer writes them as zeros, which only holds for a
# device that reads zeros after one) and no lazy initialisation, which
# would write the inode tables behind the test's back.
mkfs.ext4 -F -q -b 4096 -E nodiscard,lazy_itable_init=0,lazy_journal_init=0 \
	"/dev/mapper/$LW" || bail "mkfs.ext4"
mark mkfs
mount "/dev/mapper/$LW" "$mnt" || bail "mount /dev/mapper/$LW"
ok "log-writes over $data (log $log), ext4 mounted; replay onto $replay"

# ----------------------------------------------------------------- keys

KS=16-crash-store@m2mv.test
K15A=15-crash-a@m2mv.test
K15B=15-crash-b@m2mv.test
K14=14-crash@m2mv.test
K16=16-crash-mic@m2mv.test
for id in $KS $K15A $K15B $K14 $K16; do
	head -c 32 /dev/urandom | keyctl padd m2mvault "$id" @s >/dev/null ||
		bail "key $id"
done

# --------------------------------------------------------------- workload

create=
"$M" attach --help 2>&1 | grep -q -- '--create' && create=--create
out=$("$M" attach "$store" "$mnt/store.0" --key "$KS" $create 2>&1) ||
	bail "attach a new store: $out"
store_id=$(od -An -tx1 -j8 -N16 "$mnt/store.0" | tr -d ' \n')
echo "file attached store.0" >"$T/ops.log"
mark attached
"$mvio" policy "$store" /w/ "$K15A" wrap &&
"$mvio" policy "$store" /d/ "$K14" dir &&
"$mvio" policy "$store" /i/ "$K14" dir-instance &&
"$mvio" policy "$store" /m/ "$K16" mic || bail "policies"

# The store's file as the kernel names it now.
store_file() {
	local f
	f=$("$M" status "$store" --json | jq -r '.[0].file') || return 1
	echo "${f##*/}"
}

# writer W: OPS synchronous operations on its own four paths. Operation
# numbers are W * 10000 + i, so they grow along each path.
writer() {
	local w=$1 i k p v f size kind
	local paths=("/w/c$w/r" "/d/c$w/r" "/i/c$w/r" "/m/c$w/r")
	local sizes=(40 100 300 700 1500 4000 9000 65536)
	local -A live=()
	RANDOM=$((w * 7919 + ${M2MV_CRASH_SEED:-1}))
	for ((i = 1; i <= ops; i++)); do
		k=$((w * 10000 + i))
		p=${paths[RANDOM % 4]}
		kind=put
		[ -n "${live[$p]:-}" ] && ((RANDOM % 4 == 0)) && kind=del
		echo "try $k $p $kind" >>"$T/ops.log"
		if [ $kind = put ]; then
			size=${sizes[RANDOM % 7]}
			((RANDOM % 16 == 0)) && size=${sizes[7]}
			{
				printf 'm2mv-crash op=%s path=%s\n' "$k" "$p"
				head -c "$size" /dev/urandom
			} >"$T/plain/$k"
			# shellcheck disable=SC2086 # $sync may be empty
			v=$("$mvio" put "$store" "$p" $sync <"$T/plain/$k" 2>&1)
			live[$p]=1
		else
			# shellcheck disable=SC2086
			v=$("$mvio" del "$store" "$p" $sync 2>&1)
			live[$p]=
		fi
		if [[ $v != [0-9]* ]]; then
			echo "fail $k $v" >>"$T/ops.log"
			continue
		fi
		f=$(store_file) || f=unknown
		echo "ack $k $v $f" >>"$T/ops.log"
		mark "ack-$k"
	done
}

acks() { grep -c '^ack ' "$T/ops.log"; }
t0=$SECONDS
pids=()
for ((w = 1; w <= writers; w++)); do
	writer "$w" &
	pids+=($!)
done
total=$((writers * ops))
compacted=
while [ "$(acks)" -lt $((total / 3)) ] && kill -0 "${pids[0]}" 2>/dev/null; do sleep 0.2; done
mark compact-start
if out=$("$M" compact "$store" "$mnt/store.1" 2>&1); then
	echo "file compact-done store.1" >>"$T/ops.log"
	mark compact-done
	compacted=1
else
	echo "# compact: $out"
fi
while [ "$(acks)" -lt $((2 * total / 3)) ] && kill -0 "${pids[0]}" 2>/dev/null; do sleep 0.2; done
mark rotate-start
if out=$("$M" compact "$store" "$mnt/store.2" --rotate "$K15B" 2>&1); then
	echo "file rotate-done store.2" >>"$T/ops.log"
	mark rotate-done
	"$mvio" policy "$store" /w/ "$K15B" wrap || echo "# policy /w/ $K15B failed"
else
	compacted=
	echo "# compact --rotate: $out"
fi
for p in "${pids[@]}"; do wait "$p"; done
nack=$(acks)
nfail=$(grep -c '^fail ' "$T/ops.log")
if [ "$nfail" = 0 ] && [ -n "$compacted" ]; then
	ok "workload: $nack synchronous operations by $writers writers acknowledged, a compaction and a rotation between them ($((SECONDS - t0))s)"
else
	not_ok "workload: $nfail of $total operations failed, compactions: ${compacted:-failed}"
	grep '^fail ' "$T/ops.log" | head -n 5 | sed 's/^/# /'
fi
"$M" detach "$store" || not_ok "detach"
mark detached
umount "$mnt" || bail "umount $mnt"
mark unmounted
dmsetup remove "$LW" || bail "dmsetup remove $LW"

# ------------------------------------------------------------ crash states

"$logreplay" list --all "$log" >"$T/entries" || bail "logreplay list"
# One awk pass over the log's entries and the notes: the states to check
# ("INDEX FILE CLASS" in $T/states) and, for each, what it must hold
# ($T/exp/INDEX, the lines ackcheck reads).
awk -v points="$points" -v expdir="$T/exp" '
FNR == NR {
	if ($1 == "#")
		next
	i = $1
	last = i
	fl[i] = $2
	if ($2 ~ /mark/)
		midx[$5] = i
	else if ($4 > 0)
		data[i] = 1
	if ($2 ~ /flush|fua/)
		point[i] = 1
	else if (points == "all" && (i in data))
		point[i] = 1
	next
}
$1 == "try" { nops++; opk[nops] = $2; oppath[$2] = $3; opkind[$2] = $4
	if (!($3 in seen)) { seen[$3] = 1; npaths++; paths[npaths] = $3 } }
$1 == "ack" { ackv[$2] = $3
	if (("ack-" $2) in midx) { nfile++; fidx[nfile] = midx["ack-" $2]; fname[nfile] = $4 } }
$1 == "file" { if ($2 in midx) { nfile++; fidx[nfile] = midx[$2]; fname[nfile] = $3 } }
END {
	if (!("attached" in midx)) { print "no mark attached" > "/dev/stderr"; exit 1 }
	for (k in ackv)
		if (!(("ack-" k) in midx)) missing++
	print missing + 0 > (expdir "/missing")
	a = midx["attached"]
	# The states: the mark itself, then each point that changed bytes.
	n = 0; st[++n] = a; prev = a
	for (i = a + 1; i <= last; i++) {
		if (i in data) changed = 1
		if ((i in point) && changed) { st[++n] = i; changed = 0 }
	}
	for (s = 1; s <= n; s++) {
		i = st[s]
		# The marks up to the next entry with data hold for this state.
		for (lim = i + 1; lim <= last && !(lim in data); lim++)
			;
		best = ""; gen = -1
		for (f = 1; f <= nfile; f++)
			if (fidx[f] < lim) {
				g = fname[f]; sub(/.*\./, "", g)
				if (g + 0 > gen) { gen = g + 0; best = fname[f] }
			}
		cls = "steady"
		if (("compact-start" in midx) && midx["compact-start"] < i &&
		    (!("compact-done" in midx) || i < midx["compact-done"]))
			cls = "compaction"
		if (("rotate-start" in midx) && midx["rotate-start"] < i &&
		    (!("rotate-done" in midx) || i < midx["rotate-done"]))
			cls = "rotation"
		print i, best, cls, fl[i]
		out = expdir "/" i
		printf "" > out
		for (p = 1; p <= npaths; p++) {
			newest = 0
			for (o = 1; o <= nops; o++) {
				k = opk[o]
				if (oppath[k] == paths[p] && (k in ackv) &&
				    midx["ack-" k] < lim && k + 0 > newest)
					newest = k + 0
			}
			for (o = 1; o <= nops; o++) {
				k = opk[o]
				if (oppath[k] != paths[p])
					continue
				put = opkind[k] == "put"
				if (newest && k + 0 < newest) {
					if (put) print "o", paths[p], 0, k > out
				} else if (k + 0 == newest) {
					print (put ? "P" : "D"), paths[p], ackv[k], k > out
				} else {
					print (put ? "p" : "d"), paths[p], 0, k > out
				}
			}
		}
		close(out)
	}
}' "$T/entries" "$T/ops.log" >"$T/states" || bail "crash states from the log"

nent=$(sed -n 's/^# entries=\([0-9]*\).*/\1/p' "$T/entries")
npoints=$(awk '$2 ~ /flush|fua/' "$T/entries" | wc -l)
nstates=$(wc -l <"$T/states")
missing=$(cat "$T/exp/missing")
if [ "$missing" = 0 ]; then
	ok "log: $nent entries, $npoints with FLUSH or FUA, a mark for each of the $nack acknowledgements"
else
	not_ok "log: $missing acknowledgements have no mark in the log"
fi

policies=(--policy "/w/=$K15A=wrap" --policy "/d/=$K14=dir"
	--policy "/i/=$K14=dir-instance" --policy "/m/=$K16=mic"
	--bind "$K15B")
declare -A cls_n=()
mounted=0 attached=0 after=0
declare -A cnt=([put]=0 [put_bad]=0 [del]=0 [del_bad]=0 [unacked]=0
	[unacked_bad]=0 [lost]=0)
bad_mount=0 bad_attach=0 bad_after=0 shown=0
t1=$SECONDS
while read -r idx file cls flags; do
	cls_n[$cls]=$((${cls_n[$cls]:-0} + 1))
	"$logreplay" replay "$log" "$replay" --to "$idx" --resume "$T/resume" ||
		bail "replay up to entry $idx"
	"$ackcheck" --snapshot "$replay" "$cow" "$rmnt" crashck "$file" "$KS" \
		"$store_id" "$T/exp/$idx" "$T/plain" "${policies[@]}" \
		--after /w/after >"$T/out" 2>&1
	rc=$?
	if [ "$rc" -gt 1 ]; then
		# It died half-way: clear up what it may have left.
		echo "FAIL setup ackcheck: exit status $rc" >>"$T/out"
		"$mvio" detach crashck >/dev/null 2>&1
		mountpoint -q "$rmnt" && umount "$rmnt"
		dmsetup remove m2mv-ackcheck >/dev/null 2>&1
	fi
	# What ackcheck said, read with builtins only: a program start costs
	# more than the check under the emulator.
	f_mount='' f_attach='' f_after='' got_attach=''
	while read -r w1 w2 rest; do
		case $w1 in
		attach) got_attach=1 ;;
		counts)
			for kv in $w2 $rest; do
				[ -n "${cnt[${kv%=*}]+x}" ] &&
					cnt[${kv%=*}]=$((cnt[${kv%=*}] + ${kv#*=}))
			done
			;;
		FAIL)
			case $w2 in
			mount | snapshot) f_mount=1 ;;
			attach) f_attach=1 ;;
			after | detach | setup) f_after=1 ;;
			esac
			;;
		esac
	done <"$T/out"
	if [ -n "$f_mount" ]; then
		bad_mount=$((bad_mount + 1))
	else
		mounted=$((mounted + 1))
		if [ -n "$f_attach" ] || [ -z "$got_attach" ]; then
			bad_attach=$((bad_attach + 1))
		else
			attached=$((attached + 1))
			if [ -n "$f_after" ]; then
				bad_after=$((bad_after + 1))
			else
				after=$((after + 1))
			fi
		fi
	fi
	if [ "$rc" != 0 ] && [ "$shown" -lt 20 ]; then
		shown=$((shown + 1))
		echo "# state $idx ($flags, $cls, $file): ackcheck exit $rc"
		grep -v '^counts ' "$T/out" | head -n 8 | sed 's/^/#   /'
	fi
done <"$T/states"
took=$((SECONDS - t1))

summary="${cls_n[steady]:-0} outside compactions, ${cls_n[compaction]:-0} during the compaction, ${cls_n[rotation]:-0} during the rotation"
if [ "$bad_mount" = 0 ]; then
	ok "$mounted crash states mount (ext4 journal recovery): $summary"
else
	not_ok "$bad_mount of $nstates crash states do not mount"
fi
if [ "$bad_attach" = 0 ] && [ "$attached" = "$mounted" ]; then
	ok "$attached crash states: the store attaches writable without being formatted, no integrity errors"
else
	not_ok "$bad_attach of $mounted crash states: the attach failed, formatted or found damage"
fi
if [ "${cnt[put_bad]}" = 0 ]; then
	ok "${cnt[put]} reads of acknowledged PUTs answer their version or a newer one: ${cnt[lost]} lost"
else
	not_ok "${cnt[put_bad]} reads of acknowledged PUTs failed (${cnt[lost]} lost), ${cnt[put]} passed"
fi
if [ "${cnt[del_bad]}" = 0 ]; then
	ok "${cnt[del]} reads of acknowledged DELETEs answer absent or a newer PUT"
else
	not_ok "${cnt[del_bad]} reads of acknowledged DELETEs failed, ${cnt[del]} passed"
fi
if [ "${cnt[unacked_bad]}" = 0 ]; then
	ok "${cnt[unacked]} reads of paths with nothing acknowledged yet answer absent or an issued PUT"
else
	not_ok "${cnt[unacked_bad]} reads of paths with nothing acknowledged yet failed, ${cnt[unacked]} passed"
fi
if [ "$bad_after" = 0 ]; then
	ok "$after recovered stores take a synchronous PUT and detach"
else
	not_ok "$bad_after recovered stores refused a synchronous PUT or the detach"
fi
echo "# $nstates crash states (of $npoints flush/FUA entries, M2MV_CRASH_POINTS=$points) checked in ${took}s"

# The replay target now holds every entry up to the last state; the rest
# of the log must leave it exactly as the logged disk.
if "$logreplay" replay "$log" "$replay" --all --resume "$T/resume" &&
   blockdev --flushbufs "$data" "$replay" &&
   cmp -s -n $((sectors * 512)) "$data" "$replay"; then
	ok "replaying the log in $nstates steps gives the logged disk, byte for byte"
else
	not_ok "the replayed disk differs from the logged one"
fi
finish
