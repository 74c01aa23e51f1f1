#!/bin/bash
# Run the series' KUnit suites the upstream way, with the kernel's own
# tools/testing/kunit/kunit.py, on build/linux (HEAD), for one architecture.
# This is how a reviewer would run them; `make run` runs the same suites
# built into the test kernel alongside the guest tests.
# Usage: kunit/run.sh [ARCH]   (x86_64, default; arm64 needs gcc-aarch64-linux-gnu)
set -eu
. "$(dirname "$0")/../scripts/lib.sh"

arch=${1:-x86_64}
# Every .kunitconfig the series adds or changes.
mapfile -t configs < <(git -C "$LINUX_TREE" diff --name-only --diff-filter=AM \
	"$(base_commit)" HEAD -- '*.kunitconfig')
[ ${#configs[@]} -gt 0 ] || die "the series adds no .kunitconfig"
args=()
for c in "${configs[@]}"; do args+=(--kunitconfig="$c"); done
case $arch in
x86_64) cross= ;;
arm64) cross=aarch64-linux-gnu- ;;
*) die "unknown arch $arch" ;;
esac

out=$BUILD/kunit/$arch
mkdir -p "$out"
log "kunit.py run --arch=$arch ${args[*]} (log: $out/kunit.log)"
export CCACHE_BASEDIR=$TOP CCACHE_NOHASHDIR=1
rc=0
(cd "$LINUX_TREE" && python3 tools/testing/kunit/kunit.py run --arch="$arch" \
	${cross:+--cross_compile=$cross} --build_dir="$out/build" --jobs="$(nproc)" \
	--make_options=CC="ccache ${cross}gcc" --timeout=600 "${args[@]}") \
	>"$out/kunit.log" 2>&1 || rc=$?
grep -A 3 'Testing complete' "$out/kunit.log" || tail -n 30 "$out/kunit.log"
# kunit.py exits 0 with skipped tests; a skip is not a pass here.
[ $rc -eq 0 ] || die "kunit.py failed on $arch (exit $rc, log: $out/kunit.log)"
! grep -q 'Testing complete.*skipped: [1-9]' "$out/kunit.log" || die "skipped tests on $arch"
log "KUnit on $arch: passed"
