#!/bin/bash
# Run the series' KUnit suites the upstream way, with the kernel's own
# tools/testing/kunit/kunit.py, on build/linux (HEAD), for one architecture.
# This is how a reviewer would run them; `make run` runs the same suites
# built into the test kernel alongside the guest tests.
# Usage: kunit/run.sh [ARCH]   (x86_64, default; arm64 needs gcc-aarch64-linux-gnu;
#   ppc64le needs gcc-powerpc64le-linux-gnu and qemu-system-ppc, and is a debug
#   kernel: DEBUG_VM, and DEBUG_VM_PGTABLE checking the page table helpers at boot)
set -eu
. "$(dirname "$0")/../scripts/lib.sh"

arch=${1:-x86_64}
# Every .kunitconfig the series adds or changes.
mapfile -t configs < <(git -C "$LINUX_TREE" diff --name-only --diff-filter=AM \
	"$(base_commit)" HEAD -- '*.kunitconfig')
[ ${#configs[@]} -gt 0 ] || die "the series adds no .kunitconfig"
args=()
for c in "${configs[@]}"; do args+=(--kunitconfig="$c"); done
machine=(--arch="$arch")
# kunit.py boots with 1 GiB of RAM.  The suite's types other than device
# private are added to the direct map, so they need memory that nothing
# else uses: the last 64 MiB, reserved (x86) or left out with mem=, given
# to the suite as zone_device_kunit.range.
reserve() { args+=(--kernel_args="$1 zone_device_kunit.range=64M@$2"); }
case $arch in
x86_64) cross=$(cross_prefix x86_64); reserve 'memmap=64M$0x3c000000' 0x3c000000 ;;
arm64) cross=$(cross_prefix arm64); reserve mem=960M 0x7c000000 ;;	# RAM at 1 GiB
ppc64le)
	cross=$(cross_prefix powerpc)
	reserve mem=960M 0x3c000000
	machine=(--qemu_config="$TOP/kunit/qemu_configs/ppc64le.py")
	args+=(--kconfig_add=CONFIG_DEBUG_KERNEL=y --kconfig_add=CONFIG_DEBUG_VM=y
	       --kconfig_add=CONFIG_DEBUG_VM_PGTABLE=y) ;;
*) die "unknown arch $arch" ;;
esac

out=$BUILD/kunit/$arch
mkdir -p "$out"
log "kunit.py run --arch=$arch ${args[*]} (log: $out/kunit.log)"
export CCACHE_BASEDIR=$TOP CCACHE_NOHASHDIR=1
rc=0
(cd "$LINUX_TREE" && python3 tools/testing/kunit/kunit.py run "${machine[@]}" \
	${cross:+--cross_compile=$cross} --build_dir="$out/build" --jobs="$(nproc)" \
	--make_options=CC="ccache ${cross}gcc" --timeout=600 "${args[@]}") \
	>"$out/kunit.log" 2>&1 || rc=$?
grep -A 3 'Testing complete' "$out/kunit.log" || tail -n 30 "$out/kunit.log"
# kunit.py exits 0 with skipped tests; a skip is not a pass here.
[ $rc -eq 0 ] || die "kunit.py failed on $arch (exit $rc, log: $out/kunit.log)"
# kunit.py reads only the KTAP lines: the rest of the console is ours to check.
console=$out/build/test.log
! grep -nE 'WARNING:|BUG:|Oops|Kernel panic|BUG kmalloc|Bad page state' "$console" ||
	die "the kernel reported a problem on $arch (console: $console)"
if grep -q '^CONFIG_DEBUG_VM_PGTABLE=y' "$out/build/.config"; then
	grep -q 'debug_vm_pgtable: .*Validating architecture page table helpers' "$console" ||
		die "debug_vm_pgtable did not run on $arch (console: $console)"
	log "debug_vm_pgtable on $arch: ran, no warning"
fi
! grep -q 'Testing complete.*skipped: [1-9]' "$out/kunit.log" || die "skipped tests on $arch"
log "KUnit on $arch: passed"
