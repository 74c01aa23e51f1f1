#!/bin/bash
# New W=1 compiler warnings in the files the series changes.  Every .c file
# the series changes that the test config builds is compiled with W=1 at the
# base and at the series' last patch (in build/kernel/base and
# build/kernel/series, which `make run SERIES=none` and `make run` made), and
# the warnings are compared without their line and column numbers.
# Prints each new warning; exits non-zero if there is one.
# Usage: scripts/w1.sh
set -eu
. "$(dirname "$0")/lib.sh"

base=$(base_commit)
mapfile -t changed < <(git -C "$LINUX_TREE" diff --name-only "$base" HEAD -- '*.c')

# w1 REV KBUILD: the W=1 warnings of the changed files built at REV, one per
# line as "file: warning text".
w1() {
	local rev=$1 kbuild=$2 objs=() f
	src_checkout "$rev"
	for f in "${changed[@]}"; do
		[ -f "$kbuild/${f%.c}.o" ] && [ -f "$SRC/$f" ] && objs+=("${f%.c}.o")
	done
	[ ${#objs[@]} -gt 0 ] || die "none of the changed files is built in $kbuild"
	log "W=1 at $(git -C "$SRC" log -1 --format=%h "$rev"): ${#objs[@]} objects"
	build_log_mark "$kbuild"
	KBUILD_EXTRA=W=1 "$TOP/scripts/kbuild.sh" "$SRC" "$kbuild" "${objs[@]}" >&2
	build_log_since "$kbuild" | grep -E '^[^ ]+:[0-9]+:[0-9]+: warning:' |
		sed -E 's|^(\.\./)*||; s|^[^ ]*/src/||; s|:[0-9]+:[0-9]+: warning:|: warning:|' |
		sort -u
}

w1 "$base" "$BUILD/kernel/base" >"$BUILD/w1-base.txt"
w1 "$(git -C "$LINUX_TREE" rev-parse HEAD)" "$BUILD/kernel/series" >"$BUILD/w1-series.txt"
new=$(comm -13 "$BUILD/w1-base.txt" "$BUILD/w1-series.txt")
[ -z "$new" ] || printf '%s\n' "$new"
log "W=1: $(wc -l <"$BUILD/w1-base.txt") warnings at the base, $(wc -l <"$BUILD/w1-series.txt") with the series, $(printf '%s' "$new" | grep -c . || true) new"
[ -z "$new" ]
