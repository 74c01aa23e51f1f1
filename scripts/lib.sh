# Shared shell helpers for the bench scripts.  Source it; it sets TOP.
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=base.conf
. "$TOP/scripts/base.conf"

BUILD=${BUILD:-$TOP/build}
CACHE=${BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/zone-device-bench}
BASE_REPO=$CACHE/linux-$BASE_VERSION.git

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

# Patch files of the series, in order, as paths.
series_patches() {
	grep -vE '^[[:space:]]*(#|$)' "$TOP/series" | while read -r p; do
		echo "$TOP/patches/$p"
	done
}
