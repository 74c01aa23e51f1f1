#!/bin/bash
# Base versus series, in one run: boot each already-built test kernel
# (build/kernel/base and build/kernel/series, from `make run SERIES=none` and
# `make run`) REPEAT times with only the guest's microbenchmarks
# (guest/manual/perf, guest/src/perf.c), then compare the medians
# (scripts/bench_perf.py).  QEMU runs with -icount: guest time counts
# instructions, so the figures repeat under TCG and do not depend on the
# host's load.  The boots skip the KUnit suites (make run runs them): under
# -icount QEMU runs the two vCPUs in turn on one host thread, and the
# suite's two-thread case then waits seconds for a spinlock whose holder's
# vCPU is not running.  Builds nothing: it stops if a kernel or initramfs
# is missing.
# Results: build/results/perf/VARIANT-N/ (console.log, results.json, wall_s:
# the boot's host wall time) and build/results/perf/perf.{md,json,svg}.
# Usage: scripts/perf.sh
# Environment: REPEAT (boots per variant, default 3), TIMEOUT (seconds a
#   boot, default 900).
set -eu
. "$(dirname "$0")/lib.sh"

repeat=${REPEAT:-3} timeout=${TIMEOUT:-900}
out=$BUILD/results/perf
case $repeat in '' | *[!0-9]* | 0) die "REPEAT must be a number of boots, not '$repeat'" ;; esac
for variant in base series; do
	kbuild=$BUILD/kernel/$variant
	case $variant in base) make="make run SERIES=none" ;; *) make="make run" ;; esac
	if [ ! -f "$kbuild/arch/x86/boot/bzImage" ] || [ ! -f "$kbuild/initramfs.cpio.gz" ]; then
		die "no $variant kernel in $kbuild: $make first"
	fi
	gzip -dc "$kbuild/initramfs.cpio.gz" | cpio -it --quiet 2>/dev/null | grep -qxE '(\./)?manual/perf' ||
		die "$kbuild/initramfs.cpio.gz has no manual/perf: $make again"
done

rm -rf "$out"
mkdir -p "$out"
logs_base=() logs_series=()
for variant in base series; do
	kbuild=$BUILD/kernel/$variant
	for n in $(seq 1 "$repeat"); do
		results=$out/$variant-$n
		log "$variant $n/$repeat: booting (QEMU TCG, -icount, timeout ${timeout}s)"
		t0=$(date +%s.%N)
		python3 "$TOP/scripts/bench.py" boot "$kbuild" "$kbuild/initramfs.cpio.gz" "$results" \
			--timeout "$timeout" --label "perf $variant $n" --icount --no-kunit \
			--append bench.tests=perf ||
			die "$variant $n/$repeat: the boot failed (see $results/console.log)"
		wall=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
		echo "$wall" >"$results/wall_s"
		log "$variant $n/$repeat: booted in ${wall}s"
		if [ "$variant" = base ]; then
			logs_base+=("$results/console.log")
		else
			logs_series+=("$results/console.log")
		fi
	done
done

python3 "$TOP/scripts/bench_perf.py" report --base "${logs_base[@]}" \
	--series "${logs_series[@]}" --out "$out"
log "report: $out/perf.md, $out/perf.svg, $out/perf.json"
