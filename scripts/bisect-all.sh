#!/bin/bash
# The heavy build check, too slow for CI: every patch of the series fully
# built and linked with the test config (BISECT=full), then the last patch
# built with every other config of guest/config/matrix, cross builds included.
# Usage: scripts/bisect-all.sh [NAME...]   (default: every matrix line)
set -eu
. "$(dirname "$0")/lib.sh"

t0=$SECONDS
if [ $# -eq 0 ]; then
	log "every patch, test config, linked at each"
	BISECT=full "$TOP/scripts/bisect.sh"
fi

head=$(git -C "$LINUX_TREE" rev-parse HEAD)
src_checkout "$head"
fail=0 n=0
results=()
while read -r name arch baseconfig fragments; do
	case $name in ''|\#*) continue ;; esac
	[ "$name" = test ] && continue            # built above, at every patch
	[ $# -eq 0 ] || [[ " $* " == *" $name "* ]] || continue
	n=$((n + 1)); t=$SECONDS
	matrix_build "$arch" "$baseconfig" "$fragments" "$BUILD/kernel/matrix-$name" \
		"$BUILD/matrix-$name.log"
	r=$build_result warnings=$build_warnings
	[ "$r" = ok ] || fail=1
	results+=("$(printf '%-20s %-8s %-7s %4s warnings  %s' "$name" "$arch" "$r" "$warnings" "$(elapsed $((SECONDS - t)))")")
	log "${results[-1]}"
done <"$TOP/guest/config/matrix"

echo "=== bisect-all at $(git -C "$LINUX_TREE" log -1 --format='%h %s' "$head") ($(elapsed $((SECONDS - t0))))"
printf '%s\n' "${results[@]}"
[ $fail -eq 0 ] && log "all $n configs build" || die "some configs do not build"
