# The bench for the ZONE_DEVICE refcounting series.  See README.md.
#
#   make run      apply, build, boot in QEMU, test, report (SERIES=none: the base;
#                 DEBUG=1: the debug kernel, KASAN, lockdep, DEBUG_VM, panic_on_warn)
#   make check    everything CI runs (.ci/run)
#
# Pieces: deps base tree export mbox lint roundtrip bisect bisect-all bisect-cross kunit-arm64
# kunit-ppc64le postable prove perf test clean.

SHELL := /bin/bash
SERIES ?= full
DEBUG ?= 0
VARIANT := $(if $(filter none,$(SERIES)),base,series)

.PHONY: all deps base tree export mbox lint roundtrip bisect bisect-all bisect-cross kunit-arm64 kunit-ppc64le postable prove run perf badinput check test clean

all: run

deps:
	@scripts/deps.sh

base: deps
	@scripts/base.sh

tree: base
	@scripts/tree.sh

export:
	@scripts/export.sh

# The series as one threaded mbox, for `b4 am -m build/series.mbox`.
mbox:
	@scripts/mbox.sh

lint: tree
	@scripts/lint.sh

# The series as you post it: from and signed off by your git identity
# (or POSTER="Name <email>"), To/Cc from get_maintainer.pl, in OUT.
OUT ?= build/postable
postable: tree
	@scripts/postable.sh $(OUT)

# patches/ is exactly what `make export` writes from `make tree`.
roundtrip: tree
	@scripts/roundtrip.sh

bisect: tree
	@scripts/bisect.sh

bisect-all: bisect
	@scripts/deps.sh cross
	@scripts/bisect-all.sh

# arm64, riscv64 and ppc64le with DEBUG_VM and DEBUG_VM_PGTABLE at every
# patch that touches their page table code or the generic helpers: not in CI.
bisect-cross: tree
	@scripts/deps.sh cross
	@scripts/bisect-cross.sh

# The series' KUnit suites with the kernel's kunit.py on arm64 (TCG): the
# second architecture they are proven on.
kunit-arm64: tree
	@scripts/deps.sh cross
	@kunit/run.sh arm64

# The same on ppc64le (radix, POWER9, TCG) as a debug kernel: DEBUG_VM, and
# debug_vm_pgtable checking the page table helpers at boot.  Not in CI.
kunit-ppc64le: tree
	@scripts/deps.sh cross
	@kunit/run.sh ppc64le

run: $(if $(filter none,$(SERIES)),base,tree)
	@DEBUG=$(DEBUG) scripts/run.sh $(VARIANT)

# Microbenchmarks, base against series, on the kernels the two runs built
# (make run SERIES=none; make run): not in CI.
perf:
	@scripts/perf.sh

# The bad-input cases, base against series, from the console logs of the
# last make run SERIES=none and make run: not in CI.
badinput:
	@python3 scripts/bench_badinput.py build/results/base/console.log \
		build/results/series/console.log | tee build/results/badinput.md

# The series' KUnit cases on trees without (some of) its fixes.
prove: run
	@scripts/prove.sh

# The bench's own tests (fixtures under scripts/tests/).
test: tree
	@scripts/tests/run.sh

check: deps
	@scripts/check.sh

clean:
	rm -rf build
