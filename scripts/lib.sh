# Shared shell helpers for the bench scripts.  Source it; it sets TOP.
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=base.conf
. "$TOP/scripts/base.conf"

BUILD=${BUILD:-$TOP/build}
# A tree given as LINUX= relative to where make runs (the top) works too.
if [ -n "${LINUX:-}" ] && [ -d "$LINUX" ]; then
	LINUX=$(cd "$LINUX" && pwd)
	export LINUX
fi
LINUX_TREE=${LINUX_TREE:-$BUILD/linux}
CACHE=${BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/zone-device-bench}
BASE_REPO=$CACHE/linux-$BASE_VERSION.git
# The series: a list of patch files and the folder they are in.
SERIES_FILE=${SERIES_FILE:-$TOP/series}
PATCH_DIR=${PATCH_DIR:-$TOP/patches}

# A fixed identity for every commit the bench makes (import, git am), so
# commit ids do not depend on who ran it or when.
export GIT_COMMITTER_NAME="Zone Device Bench"
export GIT_COMMITTER_EMAIL="bench@localhost"

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# elapsed SECONDS -> "3m05s"
elapsed() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# The base commit: $LINUX's HEAD when the user brings a tree, else our import.
base_repo() { if [ -n "${LINUX:-}" ]; then echo "$LINUX"; else echo "$BASE_REPO"; fi; }
base_commit() { git -C "$(base_repo)" rev-parse HEAD; }
# tree_version REPO: the kernel version of REPO's HEAD, from its Makefile.
tree_version() {
	git -C "$1" show HEAD:Makefile 2>/dev/null | awk -F' = ' '
		$1 == "VERSION" { v = $2 } $1 == "PATCHLEVEL" { p = $2 }
		$1 == "SUBLEVEL" { s = $2 } $1 == "EXTRAVERSION" { e = $2 }
		END { if (v != "") printf "%s.%s.%s%s\n", v, p, s, e }'
}

# Patch files of the series, in order, as paths.
series_patches() {
	grep -vE '^[[:space:]]*(#|$)' "$SERIES_FILE" | while read -r p; do
		echo "$PATCH_DIR/$p"
	done
}

# One bench run at a time on $BUILD: the first checkout of build/src takes
# this lock for the script (and the scripts it runs).  A watcher holds it
# until the script ends; the script itself lets go of the descriptor, so
# that no process it leaves behind (a sleeping progress line) holds it on.
lock_build() {
	[ -n "${BENCH_BUILD_LOCKED:-}" ] && return
	mkdir -p "$BUILD"
	exec 9>>"$BUILD/.lock"
	flock -w 5 9 || die "$BUILD is in use by another bench run" \
		"($(cat "$BUILD/.lock.owner" 2>/dev/null || echo unknown)):" \
		"wait for it, or give this one another BUILD="
	echo "${0##*/} (pid $$), since $(date '+%F %T')" >"$BUILD/.lock.owner"
	( while kill -0 $$ 2>/dev/null; do sleep 1 9>&-; done ) </dev/null >/dev/null 2>&1 &
	exec 9>&-
	export BENCH_BUILD_LOCKED=1
}

# The bench's own checkout for builds (a worktree of build/linux), moved to
# REV; only files that differ are rewritten, so builds stay incremental.
SRC=$BUILD/src
src_checkout() {
	lock_build
	if ! git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
		rm -rf "$SRC"
		git -C "$LINUX_TREE" worktree prune
		git -C "$LINUX_TREE" worktree add -q --detach "$SRC" "$1"
	fi
	git -C "$SRC" checkout -q -f --detach "$1"
}

# Print "stage: message (elapsed)" progress lines; STAGE_START is set by stage.
stage() { STAGE=$1; STAGE_START=$SECONDS; log "$*"; }

# kbuild.sh appends to OUT/build.log (and starts it again when it configures
# from scratch).  build_log_mark OUT before a build, build_log_since OUT
# after it prints what that build wrote.
BUILD_LOG_MARK="=== bench: build starts"
build_log_mark() { mkdir -p "$1" && echo "$BUILD_LOG_MARK" >>"$1/build.log"; }
build_log_since() {
	awk -v m="$BUILD_LOG_MARK" '$0 == m { n = 0; delete l; next } { l[++n] = $0 }
		END { for (i = 1; i <= n; i++) print l[i] }' "$1/build.log" 2>/dev/null
}

# cross_prefix ARCH: the CROSS_COMPILE prefix of guest/config/matrix's arches.
cross_prefix() {
	case $1 in
	x86_64) echo "" ;;
	arm64) echo aarch64-linux-gnu- ;;
	riscv) echo riscv64-linux-gnu- ;;
	powerpc) echo powerpc64le-linux-gnu- ;;
	*) die "no cross compiler known for $1" ;;
	esac
}

# matrix_build ARCH BASECONFIG FRAGMENTS OUT LOG: build $SRC as one line of
# guest/config/matrix into OUT, its output in LOG; sets build_result (ok or
# FAILED, with LOG's tail printed) and build_warnings (the compiler warnings
# of this build only: Kconfig's "override: reassigning" notes about the
# layered fragments are expected).
matrix_build() {
	build_log_mark "$4"
	if ARCH=$1 CROSS_COMPILE=$(cross_prefix "$1") BASECONFIG=$2 FRAGMENTS=$3 \
		"$TOP/scripts/kbuild.sh" "$SRC" "$4" >"$5" 2>&1; then
		build_result=ok
	else
		build_result=FAILED
		sed 's/^/    /' "$5" | tail -n 15
	fi
	build_warnings=$(build_log_since "$4" | grep 'warning:' |
		grep -vc 'fragment.config:.*override: reassigning' || true)
}
