#!/bin/bash
# Build the test kernel and guest for one variant of the tree, boot it in
# QEMU and report.  Results go to build/results/VARIANT/.
# Usage: scripts/run.sh [VARIANT]
#   series  build/linux HEAD: the base plus the whole series (default)
#   base    the base alone: what the tests say without the series
# Environment: TIMEOUT (guest seconds, default 900), APPEND (extra kernel
#   arguments, e.g. bench.tests=hmm-tests to run only some guest tests),
#   DEBUG=1 (the debug kernel: guest/config/debug.config, panic_on_warn=1;
#   results in build/results/VARIANT-debug/).
set -eu
. "$(dirname "$0")/lib.sh"

variant=${1:-series}
case $variant in
series) rev=$(git -C "$LINUX_TREE" rev-parse HEAD) ;;
base) rev=$(base_commit) ;;
*) die "unknown variant '$variant' (series, base)" ;;
esac

name=$variant timeout=${TIMEOUT:-900} append=${APPEND:-}
export FRAGMENTS=test.config
if [ "${DEBUG:-0}" = 1 ]; then
	name=$variant-debug timeout=${TIMEOUT:-2400} append="panic_on_warn=1 $append"
	FRAGMENTS="test.config debug.config"
fi
kbuild=$BUILD/kernel/$name
results=$BUILD/results/$name
src_checkout "$rev"
t0=$SECONDS
log "$name: building $(git -C "$SRC" log -1 --format='%h %s' | cut -c1-70)"
"$TOP/scripts/kbuild.sh" "$SRC" "$kbuild" bzImage modules headers
log "$name: kernel built ($(elapsed $((SECONDS - t0))))"
"$TOP/scripts/initramfs.sh" "$SRC" "$kbuild" "$kbuild/initramfs.cpio.gz"

rm -rf "$results"
extra=()
for a in $append; do extra+=(--append "$a"); done
log "$name: booting (QEMU TCG, timeout ${timeout}s)"
python3 "$TOP/scripts/bench.py" boot "$kbuild" "$kbuild/initramfs.cpio.gz" "$results" \
	--timeout "$timeout" --label "run $name" --commit "$(git -C "$SRC" rev-parse HEAD)" \
	"${extra[@]}"
