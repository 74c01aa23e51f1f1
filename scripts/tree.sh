#!/bin/bash
# Build build/linux: the base plus one commit per patch of `series`,
# applied the way a user would: b4 am (offline) on the series mbox, then
# git am.  Committer identity and dates are fixed, so the same patches give
# the same commit ids everywhere.  Also keeps the cover letter's subject and
# text as the branch description, which `make export` writes back.
set -eu
. "$(dirname "$0")/lib.sh"

"$TOP/scripts/base.sh"
repo=$BUILD/linux
base=$(base_commit)

if [ -d "$repo/.git" ]; then
	[ -z "$(git -C "$repo" status --porcelain --untracked-files=no)" ] ||
		die "build/linux has uncommitted changes: commit them and 'make export', or stash them"
	git -C "$repo" fetch -q "$(base_repo)" "$base"
	# Commits made in build/linux since the last `make tree` that patches/
	# does not have yet would be lost: refuse, unless FORCE=1.
	head=$(git -C "$repo" rev-parse -q --verify HEAD || true)
	applied=$(git -C "$repo" rev-parse -q --verify refs/bench/applied || true)
	if [ -n "$head" ] && [ "$head" != "$applied" ] && [ -z "${FORCE:-}" ] &&
		! "$TOP/scripts/roundtrip.sh" >/dev/null 2>&1; then
		die "build/linux has commits that patches/ does not: run make export (or FORCE=1 make tree to drop them)"
	fi
else
	mkdir -p "$BUILD"
	git clone -q --no-checkout "$(base_repo)" "$repo"
fi

mbox=$("$TOP/scripts/mbox.sh")
npatches=$(series_patches | wc -l)

rm -rf "$BUILD/b4"
export XDG_CACHE_HOME=$BUILD/b4/cache XDG_DATA_HOME=$BUILD/b4/data
export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=b4.attestation-policy GIT_CONFIG_VALUE_0=off
b4log=$BUILD/b4/b4.log
mkdir -p "$BUILD/b4"
if ! (cd "$repo" && b4 --offline-mode --no-stdin --no-interactive \
	am -m "$mbox" -o "$BUILD/b4" -n series -C) >"$b4log" 2>&1; then
	cat "$b4log" >&2
	die "b4 am failed on $mbox"
fi
[ -f "$BUILD/b4/series.mbx" ] || { cat "$b4log" >&2; die "b4 am wrote no series.mbx"; }
got=$(grep -c '^From ' "$BUILD/b4/series.mbx" || true)
[ "$got" = "$npatches" ] || { cat "$b4log" >&2; die "b4 am kept $got of $npatches patches"; }

git -C "$repo" checkout -q -f -B series "$base"
if ! git -C "$repo" am -q --committer-date-is-author-date "$BUILD/b4/series.mbx" \
	>"$BUILD/b4/am.log" 2>&1; then
	failed=$(sed -n 's/^Patch failed at \([0-9]*\) \(.*\)/\1 \2/p' "$BUILD/b4/am.log")
	git -C "$repo" am --abort 2>/dev/null || true
	cat "$BUILD/b4/am.log" >&2
	[ -n "$failed" ] ||
		die "git am failed before any patch: $(grep -m1 -E 'error|fatal' "$BUILD/b4/am.log" || tail -n 1 "$BUILD/b4/am.log")"
	die "patch $((10#${failed%% *}))/$npatches does not apply: ${failed#* }"
fi

git -C "$repo" update-ref refs/bench/applied HEAD

# The cover letter's subject and text, kept for `make export`.
desc=$("$TOP/scripts/cover.sh" "$PATCH_DIR/0000-cover-letter.patch")
git -C "$repo" config branch.series.description "$desc"

log "build/linux: $npatches patches on $(git -C "$repo" rev-parse --short=12 "$base") (Linux $BASE_VERSION), HEAD $(git -C "$repo" rev-parse --short=12 HEAD)"
