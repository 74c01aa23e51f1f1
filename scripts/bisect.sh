#!/bin/bash
# Build the kernel at every patch of the series (build/linux, base..HEAD),
# in order, in one incremental build directory, and stop at the first patch
# that does not build, or builds with a compiler warning, naming it.
#
# What is built at each patch (BISECT=quick, the default, used by make check):
#   - a full kernel and modules (compile and link) at the first and the last;
#   - at a patch that touches a build input other than .c files (headers,
#     Kconfig, Makefiles, assembly, linker scripts): the objects of every .c
#     file the whole series changes that this config builds, the main users
#     of what the series changes (a full build there costs minutes per patch
#     when the cache is cold, hours for the series);
#   - otherwise, the objects of the .c files the patch changes that this
#     config builds (files that are no build input, such as documentation,
#     need nothing).
#   A patch that breaks the link, or a file the series does not change, is
#   caught by the full build at the last patch if the breakage lasts until
#   then, and at that very patch by BISECT=full.
# BISECT=headers also builds a full kernel at every patch of the second kind.
# BISECT=full links at every patch (`make bisect-all`).  The config is the
# test kernel's (guest/config/test.config, x86_64); `make bisect-all` adds
# the others.
# Usage: scripts/bisect.sh [KBUILD]   (default build/kernel/series)
# Environment: BUILD_CMD replaces the kernel build (used by the bench's tests):
#   it is run as BUILD_CMD SRC KBUILD [TARGET...].
set -eu
. "$(dirname "$0")/lib.sh"

kbuild=${1:-$BUILD/kernel/series}
build=${BUILD_CMD:-$TOP/scripts/kbuild.sh}
base=$(base_commit)
mapfile -t series_c < <(git -C "$LINUX_TREE" diff --name-only "$base" HEAD -- '*.c')
mapfile -t revs < <(git -C "$LINUX_TREE" rev-list --reverse "$base..HEAD")
total=${#revs[@]}
[ "$total" -gt 0 ] || die "no patches in build/linux ($base..HEAD)"

t0=$SECONDS
n=0
prev=$base
for rev in "${revs[@]}"; do
	n=$((n + 1))
	subject=$(git -C "$LINUX_TREE" log -1 --format=%s "$rev")
	src_checkout "$rev"
	mapfile -t files < <(git -C "$SRC" diff --name-only "$prev" "$rev")
	targets=()
	mode=${BISECT:-quick}
	if printf '%s\n' "${files[@]}" | grep -qE '\.(h|S|lds|lds\.S)$|(^|/)(Kconfig|Makefile|Kbuild)[^/]*$'; then
		inputs=("${series_c[@]}")
		[ "$mode" = headers ] && mode=full
	else
		inputs=("${files[@]}")
	fi
	# Objects alone only where a full build of this directory came before.
	if [ "$mode" != full ] && [ $n -lt "$total" ] && [ -f "$kbuild/.bisect-full" ]; then
		for f in "${inputs[@]}"; do
			[ "${f%.c}" != "$f" ] && [ -f "$SRC/$f" ] || continue
			# Only objects this config builds (it has their .cmd file).
			[ -f "$kbuild/$(dirname "$f")/.$(basename "${f%.c}").o.cmd" ] &&
				targets+=("${f%.c}.o")
		done
		what="${#targets[@]} objects"
		[ ${#targets[@]} -gt 0 ] || { log "[$n/$total] $subject: nothing in this config"; prev=$rev; continue; }
	else
		targets=(bzImage modules)
		what="kernel"
	fi
	t=$SECONDS
	log "[$n/$total] building $what: $subject"
	build_log_mark "$kbuild"
	# The full log to a file; the build's once-a-minute progress lines on.
	set +e
	"$build" "$SRC" "$kbuild" "${targets[@]}" 2>&1 | tee "$BUILD/bisect.log" |
		grep --line-buffered 'files compiled so far' >&2
	rc=${PIPESTATUS[0]}
	set -e
	if [ "$rc" -ne 0 ]; then
		sed 's/^/    /' "$BUILD/bisect.log" | tail -n 25
		die "[$n/$total] does not build: $subject"
	fi
	# A compiler warning fails the patch as an error would: the base builds
	# this config without one.
	warnings=$(build_log_since "$kbuild" | grep -E '^[^ ]+:[0-9]+:[0-9]+: warning:' || true)
	if [ -n "$warnings" ]; then
		printf '    %s\n' "$warnings" | head -n 10
		die "[$n/$total] builds with compiler warnings: $subject"
	fi
	[ "$what" = kernel ] && touch "$kbuild/.bisect-full"
	log "[$n/$total] $what ok ($(elapsed $((SECONDS - t))), total $(elapsed $((SECONDS - t0)))): $subject"
	prev=$rev
done
log "all $total patches build ($(elapsed $((SECONDS - t0))))"
