#!/bin/bash
# Show that the series' tests catch what its fixes fix: run the KUnit
# suites and the guest tests that need nothing but the kernel (GUEST_TESTS)
# on trees that have the series' tests but not (all of) its fixes, and
# report which cases fail where.
#
#   base+tests     the base with every test patch (subject "mm/tests:")
#   before/after   for each patch with a Fixes: tag, the tree just before
#                  and just after it, each with every test patch
#   series         build/linux HEAD
#
# A fix passes its proof when at least one case fails before it and
# passes after it, in an after-run that finished (the guest's marker and
# QEMU's own exit): a case that was skipped before does not fail there,
# and one that did not run after does not pass there.  The series must
# pass every case.  Fixes of
# lib/test_hmm.c alone are listed as not proven: their tests load the
# module, and the trees here boot with the series' modules.  Test patches are
# cherry-picked onto the older trees; one that does not apply fails the
# proof.  Results: build/results/prove/TREE/ and a table on stdout.
set -eu
. "$(dirname "$0")/lib.sh"

base=$(base_commit)
head=$(git -C "$LINUX_TREE" rev-parse HEAD)
mapfile -t commits < <(git -C "$LINUX_TREE" rev-list --reverse "$base..$head")
tests=() fixes=() module_fixes=()
for c in "${commits[@]}"; do
	subject=$(git -C "$LINUX_TREE" log -1 --format=%s "$c")
	case $subject in mm/tests:*) tests+=("$c") ;; esac
	git -C "$LINUX_TREE" log -1 --format=%B "$c" | grep -q '^Fixes: ' || continue
	if [ "$(git -C "$LINUX_TREE" diff-tree --no-commit-id --name-only -r "$c")" = lib/test_hmm.c ]; then
		module_fixes+=("$c")
	else
		fixes+=("$c")
	fi
done
[ ${#tests[@]} -gt 0 ] || die "no test patches (subject mm/tests:) in the series"
kbuild=$BUILD/kernel/prove
out=$BUILD/results/prove
rm -rf "$out"; mkdir -p "$out"

# run_tree NAME REV: REV plus every test patch it lacks, built and booted;
# leaves the names of the cases that failed in $out/NAME/failed, of those
# that passed in $out/NAME/passed, and $out/NAME/finished if the run did.
run_tree() {
	local name=$1 rev=$2 t
	src_checkout "$rev"
	for t in "${tests[@]}"; do
		git -C "$SRC" merge-base --is-ancestor "$t" HEAD && continue
		git -C "$SRC" cherry-pick -x "$t" >/dev/null 2>&1 || {
			git -C "$SRC" cherry-pick --abort
			die "$name: $(git -C "$LINUX_TREE" log -1 --format=%s "$t") does not apply"
		}
	done
	log "$name: building $(git -C "$SRC" log -1 --format=%s "$rev" | cut -c1-60)"
	"$TOP/scripts/kbuild.sh" "$SRC" "$kbuild" bzImage
	# The KUnit suites and GUEST_TESTS, whatever the guest's marker says.
	python3 "$TOP/scripts/bench.py" boot "$kbuild" "$INITRD" "$out/$name" \
		--timeout 600 --append "bench.tests=$GUEST_TESTS" --label "$name" \
		--commit "$(git -C "$SRC" rev-parse HEAD)" \
		>"$out/$name.table" || true
	python3 "$TOP/scripts/bench_prove.py" cases "$out/$name"
	log "$name: $(wc -l <"$out/$name/failed") failing"
}

# Guest tests that load no module built with the series' kernel, so the
# series' initramfs runs them on any tree.
GUEST_TESTS=fsdax-evict,fsdax-ext4,fsdax-xfs,fsdax-ext2,fsdax-reflink
INITRD=$BUILD/kernel/series/initramfs.cpio.gz
[ -f "$INITRD" ] || die "no initramfs: make run first"

fail=0
run_tree base+tests "$base"
for k in "${fixes[@]}"; do
	n=$(git -C "$LINUX_TREE" rev-list --count "$base..$k")
	[ -d "$out/before-$n" ] || run_tree "before-$n" "$k~1"
	run_tree "after-$n" "$k"
	rc=0
	fixed=$(python3 "$TOP/scripts/bench_prove.py" fixed "$out/before-$n" "$out/after-$n") || rc=$?
	subject=$(git -C "$LINUX_TREE" log -1 --format=%s "$k")
	if [ $rc -ne 0 ]; then
		echo "prove: patch $n ($subject): the run after it did not finish"
		fail=1
	elif [ -n "$fixed" ]; then
		echo "prove: patch $n ($subject) makes these pass:"
		echo "$fixed" | sed 's/^/    /'
	else
		echo "prove: patch $n ($subject): no test fails before it and passes after it"
		fail=1
	fi
done
run_tree series "$head"

for k in "${module_fixes[@]}"; do
	n=$(git -C "$LINUX_TREE" rev-list --count "$base..$k")
	echo "prove: patch $n ($(git -C "$LINUX_TREE" log -1 --format=%s "$k")): NOT PROVEN, fixes the test_hmm module only"
done

echo "prove: on the base with the series' tests, these fail:"
sed 's/^/    /' "$out/base+tests/failed"
if [ -s "$out/series/failed" ]; then
	echo "prove: the series itself fails:"; sed 's/^/    /' "$out/series/failed"; fail=1
fi
[ $fail -eq 0 ] && log "${#fixes[@]} fixes proven by a test, ${#module_fixes[@]} test_hmm fixes not proven; the series passes every test"
exit $fail
