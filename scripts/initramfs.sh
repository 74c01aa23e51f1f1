#!/bin/bash
# Build the guest's initramfs: busybox, guest/init, the tests in guest/tests
# and guest/manual (run only when named: benchmarks),
# the C programs in guest/src, hmm-tests and gup_test (from SRC's selftests), all
# static and compiled against the kernel's own uapi headers, plus test_hmm.ko
# and mkfs.ext4/mkfs.xfs from the host with their libraries.
# Usage: scripts/initramfs.sh SRC KBUILD OUT.cpio.gz
#   SRC     kernel source tree (selftests, lib/test_hmm_uapi.h)
#   KBUILD  its build directory (usr/include from `make headers`, modules)
set -eu
. "$(dirname "$0")/lib.sh"

src=$(cd "$1" && pwd) kbuild=$(cd "$2" && pwd) out=$3
root=$out.d
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,mnt,tests,manual,lib/modules}

cp /bin/busybox "$root/bin/busybox"
for app in $("$root/bin/busybox" --list); do
	[ -e "$root/bin/$app" ] || ln -s busybox "$root/bin/$app"
done
install -m 755 "$TOP/guest/init" "$root/init"
install -m 644 "$TOP/guest/lib.sh" "$root/lib/bench.sh"
install -m 755 "$TOP/guest/tests"/* "$root/tests/"
install -m 755 "$TOP/guest/manual"/* "$root/manual/"

cflags=(-static -O2 -g0 -Wall -isystem "$kbuild/usr/include" -I "$src")
for c in "$TOP"/guest/src/*.c; do
	[ -e "$c" ] || continue
	name=$(basename "$c" .c)
	gcc "${cflags[@]}" -o "$root/bin/$name" "$c" -lpthread ||
		die "guest/src/$name.c does not build"
done
mm=$src/tools/testing/selftests/mm
# The selftests' Makefile writes local_config.h (liburing or not); ours is
# empty: no liburing, so gup_longterm leaves out its io_uring cases.
mkdir -p "$root.cfg" && : >"$root.cfg/local_config.h"
for t in hmm-tests gup_test gup_longterm; do
	# Their own headers redefine libc macros: show the warnings only on failure.
	# __FILE__ relative: gup_longterm makes its "local tmpfile" from it.
	cc_out=$(gcc "${cflags[@]}" -fmacro-prefix-map="$mm/"= -I "$root.cfg" \
		-I "$src/tools/testing/selftests" \
		-I "$src/tools/include/uapi" -o "$root/bin/$t" "$mm/$t.c" "$mm/vm_util.c" \
		-lpthread 2>&1) || { printf '%s\n' "$cc_out" >&2; die "selftests/mm/$t does not build"; }
done
rm -rf "$root.cfg"

for ko in lib/test_hmm.ko; do
	[ -f "$kbuild/$ko" ] && cp "$kbuild/$ko" "$root/lib/modules/"
done

# Dynamic host tools with the libraries they load.
for tool in /sbin/mkfs.ext4 /sbin/mkfs.xfs /sbin/fsck.ext4 /sbin/xfs_repair; do
	cp "$tool" "$root/sbin/"
	for lib in $(ldd "$tool" | grep -o '/[^ ]*'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
done
cp /etc/mke2fs.conf "$root/tmp/" 2>/dev/null && mkdir -p "$root/etc" && mv "$root/tmp/mke2fs.conf" "$root/etc/"

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -1 >"$out"
log "initramfs $(du -h "$out" | cut -f1) ($(ls "$root/tests" | wc -l) guest tests)"
