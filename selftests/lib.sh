# shellcheck shell=bash
# Minimal TAP producer for the shell selftests. Source it, call plan N,
# then ok/fail per check; done_testing exits non-zero if anything failed.
_tap_n=0
_tap_fail=0

plan() { echo "TAP version 13"; echo "1..$1"; }

ok() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n $*"
}

not_ok() {
	_tap_n=$((_tap_n + 1))
	_tap_fail=$((_tap_fail + 1))
	echo "not ok $_tap_n $*"
}

# check DESCRIPTION COMMAND...: passes when COMMAND succeeds.
check() {
	local d=$1
	shift
	if "$@" >/tmp/tap-out.$$ 2>&1; then ok "$d"; else
		not_ok "$d"
		sed 's/^/# /' /tmp/tap-out.$$
	fi
	rm -f /tmp/tap-out.$$
}

# refuse DESCRIPTION COMMAND...: passes when COMMAND fails.
refuse() {
	local d=$1
	shift
	if "$@" >/tmp/tap-out.$$ 2>&1; then
		not_ok "$d (unexpectedly succeeded)"
		sed 's/^/# /' /tmp/tap-out.$$
	else ok "$d"; fi
	rm -f /tmp/tap-out.$$
}

done_testing() {
	echo "# $((_tap_n - _tap_fail)) passed, $_tap_fail failed"
	[ "$_tap_fail" = 0 ]
}
