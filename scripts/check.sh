#!/bin/bash
# Everything CI runs, in order; each stage's output also goes to
# build/check/STAGE.log.  Ends with a table of stages and their times and the
# line "N passed, N failed"; exits non-zero if any stage failed.  A stage
# whose prerequisite failed is counted as failed, not skipped.  The debug
# stage is `make run DEBUG=1` (KASAN, lockdep, DEBUG_VM, panic_on_warn); its
# time, and the whole check's, are in README.md ("Measured times").
set -u
. "$(dirname "$0")/lib.sh"

STAGES=(
	"tree      scripts/tree.sh"
	"lint      scripts/lint.sh"
	"roundtrip scripts/roundtrip.sh"
	"bisect    scripts/bisect.sh"
	"run       scripts/run.sh series"
	"debug     env DEBUG=1 scripts/run.sh series"
	"prove     scripts/prove.sh"
	"bench     scripts/tests/run.sh"
)
# Stages that need an earlier one to have passed.
declare -A NEEDS=([lint]=tree [roundtrip]=tree [bisect]=tree [run]=bisect [debug]=bisect [prove]=run)

mkdir -p "$BUILD/check"
declare -A RESULT
summary=()
passed=0 failed=0
t0=$SECONDS
for s in "${STAGES[@]}"; do
	read -r name cmd <<<"$s"
	need=${NEEDS[$name]:-}
	t=$SECONDS
	if [ -n "$need" ] && [ "${RESULT[$need]}" != PASS ]; then
		RESULT[$name]=FAIL
		summary+=("$(printf '%-10s %-5s %8s  (not run: %s failed)' "$name" FAIL - "$need")")
		failed=$((failed + 1))
		continue
	fi
	echo "=== $name: $cmd"
	if (cd "$TOP" && $cmd) 2>&1 | tee "$BUILD/check/$name.log"; [ "${PIPESTATUS[0]}" -eq 0 ]; then
		RESULT[$name]=PASS; passed=$((passed + 1))
	else
		RESULT[$name]=FAIL; failed=$((failed + 1))
	fi
	summary+=("$(printf '%-10s %-5s %8s' "$name" "${RESULT[$name]}" "$(elapsed $((SECONDS - t)))")")
done

echo
echo "=== make check ($(elapsed $((SECONDS - t0))))"
printf '%s\n' "${summary[@]}"
echo "check: $passed passed, $failed failed"
[ $failed -eq 0 ]
