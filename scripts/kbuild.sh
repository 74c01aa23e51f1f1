#!/bin/bash
# Configure and build a kernel out of tree, quietly, with ccache.
# Usage: scripts/kbuild.sh SRC OUT [TARGET...]
#   SRC     kernel source tree
#   OUT     build directory (kept between runs; rebuilds are incremental)
#   TARGET  make targets (default: the config's image and modules)
# Environment: ARCH (x86_64), CROSS_COMPILE, FRAGMENTS (config fragments in
#   guest/config, default test.config; see guest/config/matrix), BASECONFIG
#   (allnoconfig), KBUILD_EXTRA (extra make arguments, e.g. W=1).
# The full log is OUT/build.log; on failure its errors are printed.
set -eu
. "$(dirname "$0")/lib.sh"

src=$(cd "$1" && pwd); out=$2; shift 2
mkdir -p "$out"; out=$(cd "$out" && pwd)
arch=${ARCH:-x86_64}
# Fragments: paths, or names in guest/config; a leading ~ applies a fragment
# without checking its symbols (a later fragment turns some of them off).
fragments=() checked=()
for f in ${FRAGMENTS:-test.config}; do
	path=${f#\~}; [ -f "$path" ] || path=$TOP/guest/config/$path
	[ -f "$path" ] || die "no config fragment $f"
	fragments+=("$path"); [ "${f:0:1}" = "~" ] || checked+=("$path")
done
baseconfig=${BASECONFIG:-allnoconfig}

export CCACHE_BASEDIR=$TOP CCACHE_NOHASHDIR=1 CCACHE_SLOPPINESS=time_macros
export KBUILD_BUILD_TIMESTAMP="$BASE_DATE" KBUILD_BUILD_USER=bench KBUILD_BUILD_HOST=bench
mk=(make -C "$src" O="$out" ARCH="$arch" -j"$(nproc)"
    CC="ccache ${CROSS_COMPILE:-}gcc" ${CROSS_COMPILE:+CROSS_COMPILE=$CROSS_COMPILE}
    ${KBUILD_EXTRA:-})

# Configure when the fragments, the recipe or the tree's Kconfig files
# changed since the last time: a patch that adds a symbol a fragment sets
# must get it set (an incremental build would give it its default).
if [ "$(git -C "$src" rev-parse --show-toplevel 2>/dev/null)" = "$src" ]; then
	kconfigs=$(git -C "$src" ls-files -s -- '*Kconfig*' | sha256sum)
else
	kconfigs=$(find "$src" -name 'Kconfig*' -exec cat {} + | sha256sum)
fi
stamp="$arch $baseconfig ${FRAGMENTS:-} $(cat "${fragments[@]}" | sha256sum) $kconfigs"
if [ ! -f "$out/.config" ] || [ "$(cat "$out/.bench-config" 2>/dev/null)" != "$stamp" ]; then
	cat "${fragments[@]}" >"$out/fragment.config"
	KCONFIG_ALLCONFIG="$out/fragment.config" "${mk[@]}" "$baseconfig" >"$out/build.log" 2>&1 ||
		{ tail -n 20 "$out/build.log"; die "configuration failed"; }
	[ ${#checked[@]} -eq 0 ] || "$TOP/scripts/checkconfig.sh" "$src" "$out/.config" "${checked[@]}"
	echo "$stamp" >"$out/.bench-config"
fi

[ $# -gt 0 ] || set -- all
# A line a minute while make runs, so a long build shows it is alive.  Its
# sleep must not hold our stderr open: a reader of it would wait for it.
( t=0; while sleep 60 </dev/null >/dev/null 2>&1; do t=$((t + 1))
	log "${out#"$TOP"/}: ${t}m, $(grep -c '^  CC' "$out/build.log") files compiled so far"
done ) &
ticker=$!
trap 'kill $ticker 2>/dev/null' EXIT
if ! "${mk[@]}" "$@" >>"$out/build.log" 2>&1; then
	grep -E 'error:|Error [0-9]|undefined reference|multiple definition' "$out/build.log" |
		head -n 20 >&2
	die "build failed in $src (log: $out/build.log)"
fi
# The build may have configured again (a patch changed a Kconfig file):
# what the fragments ask for must still be what was built.
[ ${#checked[@]} -eq 0 ] || "$TOP/scripts/checkconfig.sh" "$src" "$out/.config" "${checked[@]}" ||
	die "the kernel built in ${out#"$TOP"/} lacks what its config fragments ask for"

