#!/bin/bash
# The cross lines of guest/config/matrix (arm64, riscv64, ppc64le) with
# DEBUG_VM and DEBUG_VM_PGTABLE, built at every patch that touches the
# architecture's own code or the generic page table helpers, and at the
# last patch: an architecture's page table assertions must hold at every
# step of the series, not only at its end.  Too slow for CI.
# Usage: scripts/bisect-cross.sh [NAME...]   (default: every cross line)
set -eu
. "$(dirname "$0")/lib.sh"

generic='^(include/linux/(pgtable|huge_mm|pfn_t)\.h|include/asm-generic/|mm/(pgtable-generic|debug_vm_pgtable)\.c)'
declare -A own=([arm64]='^arch/arm64/' [riscv]='^arch/riscv/' [powerpc]='^arch/powerpc/')

lines=()
while read -r name arch baseconfig fragments; do
	case $name in ''|\#*) continue ;; esac
	[ -n "${own[$arch]:-}" ] || continue
	[ $# -eq 0 ] || [[ " $* " == *" $name "* ]] || continue
	lines+=("$name $arch $baseconfig $fragments debug-vm.config")
done <"$TOP/guest/config/matrix"
[ ${#lines[@]} -gt 0 ] || die "no cross line of guest/config/matrix matches: $*"

base=$(base_commit)
mapfile -t commits < <(git -C "$LINUX_TREE" rev-list --reverse "$base..HEAD")
t0=$SECONDS fail=0 builds=0
results=()
for i in "${!commits[@]}"; do
	c=${commits[$i]} n=$((i + 1))
	files=$(git -C "$LINUX_TREE" diff-tree --no-commit-id --name-only -r "$c")
	checked_out=
	for l in "${lines[@]}"; do
		read -r name arch baseconfig fragments <<<"$l"
		[ "$n" -eq ${#commits[@]} ] || grep -qE "$generic|${own[$arch]}" <<<"$files" || continue
		[ -n "$checked_out" ] || { src_checkout "$c"; checked_out=1; }
		out=$BUILD/kernel/cross-debug-$name t=$SECONDS
		matrix_build "$arch" "$baseconfig" "$fragments" "$out" "$BUILD/cross-debug-$name.log"
		r=$build_result warnings=$build_warnings
		[ "$r" = ok ] || fail=1
		[ "$warnings" -eq 0 ] || fail=1
		builds=$((builds + 1))
		results+=("$(printf 'patch %2d  %-8s %-7s %3s warnings  %s  %s' "$n" "$name" "$r" \
			"$warnings" "$(elapsed $((SECONDS - t)))" \
			"$(git -C "$LINUX_TREE" log -1 --format=%s "$c" | cut -c1-50)")")
		log "${results[-1]}"
	done
done

echo "=== bisect-cross: $builds builds ($(elapsed $((SECONDS - t0))))"
printf '%s\n' "${results[@]}"
[ $fail -eq 0 ] && log "every cross build with DEBUG_VM is clean" || die "some cross builds failed or warned"
