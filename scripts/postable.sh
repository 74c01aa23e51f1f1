#!/bin/bash
# The series as its poster sends it: every patch from, and signed off by,
# the poster's own git identity (the DCO wants a real one), and addressed
# to the maintainers and lists scripts/get_maintainer.pl names for it; the
# cover letter to all of them.  build/linux is not changed.
# Usage: scripts/postable.sh [OUTDIR]   (default: build/postable)
# Identity: POSTER="Name <email>", or user.name and user.email of git config.
set -eu
. "$(dirname "$0")/lib.sh"

repo=$BUILD/linux
out=${1:-$BUILD/postable}
base=$(base_commit)
placeholder=$(git -C "$repo" log -1 --format='%an <%ae>')
if [ -z "${POSTER:-}" ]; then
	name=$(git -C "$TOP" config user.name || true)
	email=$(git -C "$TOP" config user.email || true)
	[ -n "$name" ] && [ -n "$email" ] ||
		die "who posts the series? set POSTER=\"Name <email>\" or git config user.name and user.email"
	POSTER="$name <$email>"
fi
[[ $POSTER =~ ^([^<]+[^<\ ])\ \<([^>]+@[^>]+)\>$ ]] || die "POSTER must read \"Name <email>\": $POSTER"
name=${BASH_REMATCH[1]} email=${BASH_REMATCH[2]}
[ "$POSTER" != "$placeholder" ] ||
	die "$POSTER is the series' placeholder identity, not a person: set your own"

# The same trees, authored and signed off by the poster.
new=$base
for c in $(git -C "$repo" rev-list --reverse "$base..HEAD"); do
	msg=$(git -C "$repo" log -1 --format=%B "$c" |
		awk -v old="Signed-off-by: $placeholder" -v new="Signed-off-by: $POSTER" \
			'$0 == old { $0 = new } { print }')
	grep -qxF "Signed-off-by: $POSTER" <<<"$msg" || msg+=$'\n'"Signed-off-by: $POSTER"
	new=$(GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$email \
		GIT_AUTHOR_DATE=$(git -C "$repo" log -1 --format=%aD "$c") \
		GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email \
		git -C "$repo" commit-tree "$c^{tree}" -p "$new" <<<"$msg")
done
branch=postable
git -C "$repo" update-ref "refs/heads/$branch" "$new"
git -C "$repo" config "branch.$branch.description" \
	"$(git -C "$repo" config "branch.$(git -C "$repo" symbolic-ref --short HEAD).description")"
trap 'git -C "$repo" branch -q -D $branch; git -C "$repo" config --remove-section "branch.$branch" 2>/dev/null || true' EXIT

rm -rf "$out"; mkdir -p "$out"
GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email \
	git -C "$repo" format-patch -q --cover-letter --cover-from-description=subject \
	--base="$base" --no-signature --abbrev=12 -o "$out" "$base..$branch"

# addresses FILE...: "to" and "cc" lines for the patches, from
# get_maintainer.pl: maintainers and lists to, reviewers and the rest cc.
addresses() {
	(cd "$repo" && perl scripts/get_maintainer.pl --no-git --no-git-fallback --no-fixes \
		--no-tree "$@") |
	awk '/\((maintainer|open list|moderated list|list)[:)]/ { sub(/ \(.*$/, ""); print "to " $0; next }
	     { sub(/ \(.*$/, ""); print "cc " $0 }'
}
# header FILE KIND: KIND's addresses of FILE's list, each once, folded;
# an address that is "to" anywhere in the list is not also "cc".
header() {
	awk -v kind="$2" '{ a = substr($0, 4) } $1 == "to" { to[a] = 1 } { k[NR] = $1; v[NR] = a }
		END { for (i = 1; i <= NR; i++)
			if (k[i] == kind && !seen[v[i]]++ && !(kind == "cc" && v[i] in to)) print v[i] }' "$1" |
	paste -sd, | sed 's/,/,\n /g'
}
# put_headers PATCH LIST: To: and Cc: from LIST, before the patch's first
# blank line (the end of its mail headers).
put_headers() {
	local to cc
	to=$(header "$2" to) cc=$(header "$2" cc)
	awk -v to="$to" -v cc="$cc" '!done && /^$/ {
		if (to != "") print "To: " to; if (cc != "") print "Cc: " cc; done = 1 } { print }' \
		"$1" >"$1.new"
	mv "$1.new" "$1"
}
# A KUnit suite is KUnit's business too, though its file is mm's.
kunit=$(cd "$repo" && perl scripts/get_maintainer.pl --no-git --no-git-fallback \
	--no-tree -f lib/kunit/test.c | grep -E '\((open |moderated )?list' | sed 's/^/cc /; s/ (.*$//')
all=$out/.addresses
: >"$all"
for p in "$out"/[0-9]*.patch; do
	case $p in */0000-cover-letter.patch) continue ;; esac
	addresses "$p" >"$p.addresses"
	! grep -q '^+++ b/.*kunit' "$p" || echo "$kunit" >>"$p.addresses"
	cat "$p.addresses" >>"$all"
	put_headers "$p" "$p.addresses"
	rm "$p.addresses"
done
# The cover letter goes to everyone.
put_headers "$out/0000-cover-letter.patch" "$all"
rm -f "$all"

n=$(ls "$out" | grep -vc '^0000-')
log "$n patches from $POSTER in ${out#"$TOP"/}: git send-email --dry-run ${out#"$TOP"/}/*.patch"
