#!/bin/bash
# The bench's own tests: every gate must fail when it should, and name the
# patch or test that made it fail.
#   - the log-reading half (bench_*.py) on console logs in fixtures/;
#   - lint on a patch with a checkpatch error;
#   - tree on a series whose second patch does not apply;
#   - bisect on a toy tree whose middle patch does not build, and on one whose
#     patch builds with a compiler warning;
#   - checkconfig on an indented Kconfig entry;
#   - postable on the series, as a made-up poster;
#   - a real hung guest: the test kernel booted with an init that sleeps, a
#     guest test blocked in the kernel (the hung-task detector), and a guest
#     test that runs out of its time budget.
# Needs build/linux (make tree) and, for the hung guest, a built test kernel.
set -u
. "$(dirname "$0")/../lib.sh"
HERE=$TOP/scripts/tests
FIX=$HERE/fixtures

n=0 passed=0 failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect NAME WANT-STATUS PATTERN CMD...: CMD must exit WANT-STATUS (0, or
# "fail" for any non-zero) and print a line matching PATTERN.
expect() {
	local name=$1 want=$2 pattern=$3 rc=0
	shift 3
	n=$((n + 1))
	"$@" >"$tmp/out" 2>&1 || rc=$?
	if { [ "$want" = fail ] && [ $rc -ne 0 ]; } || [ "$want" = "$rc" ]; then
		if grep -qE -- "$pattern" "$tmp/out"; then
			echo "ok $n $name"; passed=$((passed + 1)); return
		fi
		echo "# no line matches /$pattern/"
	else
		echo "# exit status $rc, want $want"
	fi
	sed 's/^/#   /' "$tmp/out" | tail -n 15
	echo "not ok $n $name"; failed=$((failed + 1))
}

echo "KTAP version 1"

expect "log parsing and verdicts (unittest)" 0 '^OK' \
	python3 "$HERE/test_bench.py"

# A series made of the real first patch plus a fixture patch.
fixture_series() {
	local dir=$1 extra=$2
	mkdir -p "$dir"
	cp "$PATCH_DIR/0000-cover-letter.patch" "$(series_patches | head -n 1)" "$FIX/$extra" "$dir/"
	{ basename "$(series_patches | head -n 1)"; echo "$extra"; } >"$dir/series"
}

fixture_series "$tmp/style" 0002-checkpatch-error.patch
expect "lint fails on a checkpatch error and names the patch" fail \
	'^lint: 0002-checkpatch-error\.patch: checkpatch: total: [1-9][0-9]* errors' \
	env PATCH_DIR="$tmp/style" SERIES_FILE="$tmp/style/series" "$TOP/scripts/lint.sh"

fixture_series "$tmp/apply" 0002-does-not-apply.patch
expect "tree fails on a patch that does not apply and names it" fail \
	'patch 2/2 does not apply: .*mm/memremap: a patch against code that is not there' \
	env PATCH_DIR="$tmp/apply" SERIES_FILE="$tmp/apply/series" BUILD="$tmp/build" \
	LINUX_TREE="$tmp/build/linux" "$TOP/scripts/tree.sh"

# A toy "kernel": one C file per patch, a build that compiles what it is
# asked to (or everything), leaving .o.cmd files as Kbuild does.
toy=$tmp/toy
git init -q -b main "$toy/base" && (cd "$toy/base" &&
	echo 'int a(void) { return 0; }' >a.c && git add a.c &&
	git -c user.name=t -c user.email=t@t commit -qm base)
git clone -q "$toy/base" "$toy/linux"
toy_commit() { (cd "$toy/linux" && printf '%s\n' "$2" >"$1" && git add "$1" &&
	git -c user.name=t -c user.email=t@t commit -qm "$3"); }
toy_commit b.c 'int b(void) { return 1; }' "toy: add b"
toy_commit a.c 'int a(void) { return 0 }' "toy: break a"
toy_commit a.c 'int a(void) { return 2; }' "toy: mend a"
cat >"$toy/build" <<'TOY'
#!/bin/bash
src=$1 out=$2; shift 2
mkdir -p "$out"
case "$1" in *.o) objs=("$@") ;; *) objs=($(cd "$src" && ls *.c | sed 's/c$/o/')) ;; esac
for o in "${objs[@]}"; do
	gcc -Wall -c "$src/${o%.o}.c" -o "$out/$o" 2>>"$out/build.log" &&
		touch "$out/.$o.cmd" || exit 1
done
TOY
chmod +x "$toy/build"
expect "bisect stops at the patch that does not build and names it" fail \
	'\[2/3\] does not build: toy: break a' \
	env LINUX="$toy/base" LINUX_TREE="$toy/linux" BUILD="$tmp/toybuild" \
	BUILD_CMD="$toy/build" "$TOP/scripts/bisect.sh" "$tmp/toybuild/kernel"
# The same toy base, one patch that builds with a warning.
git clone -q "$toy/base" "$toy/warn"
(cd "$toy/warn" && echo 'int c(void) { int unused; return 0; }' >c.c && git add c.c &&
	git -c user.name=t -c user.email=t@t commit -qm "toy: add c, with a warning")
expect "bisect stops at a patch that builds with a compiler warning" fail \
	'\[1/1\] builds with compiler warnings: toy: add c, with a warning' \
	env LINUX="$toy/base" LINUX_TREE="$toy/warn" BUILD="$tmp/toywarn" \
	BUILD_CMD="$toy/build" "$TOP/scripts/bisect.sh" "$tmp/toywarn/kernel"

# Another run holds the lock on a build folder: a second one must stop at
# once, before it checks anything out.
mkdir -p "$tmp/locked"
flock "$tmp/locked/.lock" sleep 30 &
holder=$!
sleep 0.5
expect "a second run on a build folder in use stops and says so" fail \
	'is in use by another bench run' \
	timeout 20 env BUILD="$tmp/locked" LINUX_TREE="$LINUX_TREE" "$TOP/scripts/run.sh" series
kill $holder 2>/dev/null; wait $holder 2>/dev/null
# A run that leaves a process behind (a progress line's sleep) must not
# keep the lock once it has ended: the next run takes it.
printf '%s\n' '#!/bin/bash' '. "$1/scripts/lib.sh"' 'lock_build' 'sleep 30 &' \
	>"$tmp/leave-behind"
chmod +x "$tmp/leave-behind"
BUILD="$tmp/linger" "$tmp/leave-behind" "$TOP"
expect "the lock goes with the run that held it, not with what it left behind" 0 \
	'^locked$' env BUILD="$tmp/linger" bash -c \
	". '$TOP/scripts/lib.sh'; lock_build && echo locked"

# checkconfig: a symbol defined by an indented Kconfig entry (a choice's
# option) that the .config lacks is an error, not "not defined".
mkdir -p "$tmp/kconfig"
printf 'choice\n\tprompt "x"\n\tconfig BENCH_INDENTED\n\t\tbool "y"\nendchoice\n' >"$tmp/kconfig/Kconfig"
echo 'CONFIG_BENCH_INDENTED=y' >"$tmp/kconfig/fragment"
: >"$tmp/kconfig/.config"
expect "checkconfig finds an indented Kconfig entry" fail 'CONFIG_BENCH_INDENTED: want y, got unset' \
	"$TOP/scripts/checkconfig.sh" "$tmp/kconfig" "$tmp/kconfig/.config" "$tmp/kconfig/fragment"

# postable: the series as a person posts it, from and signed off by them
# only, each patch addressed as get_maintainer.pl says.
expect "postable refuses the series' placeholder identity" fail 'placeholder identity' \
	env POSTER="$(git -C "$LINUX_TREE" log -1 --format='%an <%ae>')" \
	"$TOP/scripts/postable.sh" "$tmp/postable"
postable_check() {
	local out=$1 who="Test Poster <poster@example.org>" nr ppc
	POSTER=$who "$TOP/scripts/postable.sh" "$out" || return 1
	nr=$(grep -vc '^#' "$TOP/series")
	[ "$(ls "$out"/[0-9]*.patch | grep -vc /0000-)" -eq "$nr" ] || { echo "not $nr patches"; return 1; }
	[ "$(grep -lx "From: $who" "$out"/*.patch | wc -l)" -eq $((nr + 1)) ] || { echo "a From: is not the poster's"; return 1; }
	[ "$(grep -x "Signed-off-by: .*" "$out"/[0-9]*.patch | grep -vc "$who")" -eq 0 ] || { echo "another sign-off is left"; return 1; }
	[ "$(grep -lx "Signed-off-by: $who" "$out"/[0-9]*.patch | wc -l)" -eq "$nr" ] || { echo "a patch is not signed off by the poster"; return 1; }
	ppc=$(grep -l '^+++ b/arch/powerpc/' "$out"/[0-9]*.patch | head -n 1)
	[ -z "$ppc" ] || sed '/^$/q' "$ppc" | grep -q 'linuxppc-dev@lists.ozlabs.org' || { echo "$ppc: no linuxppc-dev"; return 1; }
	sed '/^$/q' "$out/0000-cover-letter.patch" | grep -q 'linux-mm@kvack.org' || { echo "cover letter: no linux-mm"; return 1; }
	echo postable-ok
}
expect "postable: every patch from and signed off by the poster, addressed by get_maintainer.pl" 0 \
	'^postable-ok$' postable_check "$tmp/postable"

# A tree of another version, given relative to the top, is named as such.
mkdir -p "$tmp/other"
git init -q "$tmp/other"
printf 'VERSION = 6\nPATCHLEVEL = 13\nSUBLEVEL = 2\nEXTRAVERSION =\n' >"$tmp/other/Makefile"
git -C "$tmp/other" add Makefile
git -C "$tmp/other" -c user.name=t -c user.email=t@t commit -q -m v6.13.2
expect "a LINUX= tree that is not the base's version is named before anything is applied" 0 \
	"LINUX=$tmp/other is Linux 6.13.2, not $BASE_VERSION" \
	env LINUX="$(realpath --relative-to="$TOP" "$tmp/other")" bash -c "cd '$TOP' && scripts/base.sh"

kbuild=$BUILD/kernel/series
if [ -f "$kbuild/arch/x86/boot/bzImage" ] && [ -f "$kbuild/initramfs.cpio.gz" ]; then
	expect "a hung guest is a timeout and a failure" fail \
		'guest timed out after' \
		python3 "$TOP/scripts/bench.py" boot "$kbuild" "$kbuild/initramfs.cpio.gz" \
		"$tmp/hung" --timeout 20 --append=rdinit=/bin/sleep --append=600
	# A task blocked for longer than the hung-task timeout is a splat.
	expect "a task blocked in the kernel is reported as a hung task" fail \
		'hung task: INFO: task touch:[0-9]+ blocked for more than' \
		python3 "$TOP/scripts/bench.py" boot "$kbuild" "$kbuild/initramfs.cpio.gz" \
		"$tmp/blocked" --timeout 300 --no-kunit --append bench.tests=blocked
	# A guest test that hangs runs out of its own budget, and the next runs.
	n=$((n + 1))
	python3 "$TOP/scripts/bench.py" boot "$kbuild" "$kbuild/initramfs.cpio.gz" \
		"$tmp/hang" --timeout 300 --no-kunit --append bench.tests=hang,p2pmem \
		--append bench.test_timeout=10 >"$tmp/out" 2>&1
	if grep -q 'failed: hang after 10s' "$tmp/out" &&
	   grep -qE '^guest +p2pmem .* PASSED$' "$tmp/out" &&
	   grep -q 'run: FAIL\|^FAIL' "$tmp/out"; then
		echo "ok $n a hung guest test times out on its own and the next one runs"
		passed=$((passed + 1))
	else
		sed 's/^/#   /' "$tmp/out" | tail -n 15
		echo "not ok $n a hung guest test times out on its own and the next one runs"
		failed=$((failed + 1))
	fi
else
	n=$((n + 3)); failed=$((failed + 3))
	echo "# no test kernel in $kbuild: make run first"
	echo "not ok $((n - 2)) a hung guest is a timeout and a failure"
	echo "not ok $((n - 1)) a task blocked in the kernel is reported as a hung task"
	echo "not ok $n a hung guest test times out on its own and the next one runs"
fi

echo "1..$n"
echo "bench: $passed passed, $failed failed"
[ $failed -eq 0 ]
