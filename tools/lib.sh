# shellcheck shell=bash
# Shared settings for the m2mvault tools. Source it; do not run it.

# Build caches that outlive a work tree (debug kernel, kernel source, npm).
M2MV_CACHE=${M2MV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/m2mvault}
export M2MV_CACHE

M2MV_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export M2MV_TOP

die() {
	echo "$(basename "$0"): $*" >&2
	exit 1
}
