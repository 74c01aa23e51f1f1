#!/bin/bash
# Lint the series in patches/ as a maintainer's tools would:
#  - checkpatch.pl --strict --codespell on every patch;
#  - `series` and patches/ agree (every listed file exists, every patch is
#    listed, [PATCH n/N] numbering follows the list);
#  - every patch has a Signed-off-by: from its author;
#  - the cover letter announces N patches and lists each subject.
# checkpatch comes from the base tree (build/linux, or LINUX_TREE).
# Usage: scripts/lint.sh   (PATCH_DIR and SERIES_FILE select another series)
set -eu
. "$(dirname "$0")/lib.sh"

# UNKNOWN_COMMIT_ID is ignored: the base is imported from a tarball without
# upstream history, so every "Fixes: <sha>" or "commit <sha>" reference to
# an upstream commit would be reported as unknown.
CHECKPATCH_IGNORE=UNKNOWN_COMMIT_ID
CODESPELL_DICT=/usr/lib/python3/dist-packages/codespell_lib/data/dictionary.txt

[ -x "$LINUX_TREE/scripts/checkpatch.pl" ] || die "no checkpatch.pl in $LINUX_TREE (make tree)"
[ -f "$CODESPELL_DICT" ] || die "no codespell dictionary (scripts/deps.sh lint)"

fail=0
bad() { echo "lint: $*"; fail=1; }

mapfile -t patches < <(series_patches)
total=${#patches[@]}
[ "$total" -gt 0 ] || bad "series: lists no patches"

# series vs patches/
for p in "${patches[@]}"; do
	[ -f "$p" ] || bad "series: ${p##*/} is listed but not in ${PATCH_DIR##*/}/"
done
for p in "$PATCH_DIR"/[0-9]*.patch; do
	[ -e "$p" ] || continue
	case ${p##*/} in 0000-cover-letter.patch) continue ;; esac
	printf '%s\n' "${patches[@]}" | grep -qxF "$p" || bad "${p##*/}: not listed in series"
done

cover=$PATCH_DIR/0000-cover-letter.patch
[ -f "$cover" ] || bad "no cover letter (${cover##*/})"

# Per patch: numbering, sign-off, checkpatch.  checkpatch's spdxcheck
# needs Debian's python3 (python3-ply), which may not be first on PATH.
n=0
for p in "${patches[@]}"; do
	n=$((n + 1)); name=${p##*/}
	[ -f "$p" ] || continue
	subj=$(sed -n '/^Subject: /{N;s/\n[ \t]\+/ /;p}' "$p" | head -n 1)
	# git format-patch pads n to the width of N: [PATCH 01/10].
	want=$(printf '[PATCH %0*d/%d]' ${#total} $n "$total")
	[[ "$subj" == *"$want"* ]] || bad "$name: subject says '${subj#Subject: }', want $want"
	author=$(sed -n 's/^From: //p' "$p" | head -n 1)
	grep -qxF "Signed-off-by: $author" "$p" || bad "$name: no Signed-off-by: $author"
	out=$(cd "$LINUX_TREE" && PATH=/usr/bin:$PATH ./scripts/checkpatch.pl --strict \
		--codespell --codespellfile="$CODESPELL_DICT" \
		--ignore "$CHECKPATCH_IGNORE" --summary-file "$p" 2>&1) ||
		{ bad "$name: checkpatch: $(echo "$out" | grep -o -m1 'total: .*')"; echo "$out" | sed 's/^/    /'; }
	# The cover letter lists each subject in its shortlog.
	s=$(sed -n '/^Subject: /{N;s/\n[ \t]\+/ /;s/^Subject: \[[^]]*\] *//;p}' "$p" | head -n 1)
	[ -f "$cover" ] && ! tr -s ' \n' '  ' <"$cover" | grep -qF " $s " &&
		bad "cover letter: no '$s' in its shortlog"
done

if [ -f "$cover" ]; then
	want=$(printf '[PATCH %0*d/%d]' ${#total} 0 "$total")
	grep -qF "Subject: $want" "$cover" || bad "cover letter: not ${want}"
fi

[ $fail -eq 0 ] && log "$total patches: checkpatch --strict clean, series, sign-offs and cover letter consistent"
exit $fail
