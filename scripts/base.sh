#!/bin/bash
# Make the base tree available as a git repository in the cache:
# Debian's pristine orig tarball of $BASE_VERSION, checksum verified, imported
# as one commit with fixed identity and dates (the same id on every machine).
# With LINUX=/path/to/tree, that tree's HEAD is the base and nothing is fetched.
set -eu
. "$(dirname "$0")/lib.sh"

if [ -n "${LINUX:-}" ]; then
	git -C "$LINUX" rev-parse --verify -q HEAD >/dev/null ||
		die "LINUX=$LINUX is not a git tree with a HEAD"
	version=$(tree_version "$LINUX")
	if [ "$version" != "$BASE_VERSION" ]; then
		log "LINUX=$LINUX is Linux ${version:-(no version in its Makefile)}, not $BASE_VERSION: the series may not apply there"
	fi
	exit 0
fi
if git -C "$BASE_REPO" rev-parse --verify -q HEAD >/dev/null 2>&1; then
	exit 0
fi

mkdir -p "$CACHE"
tarball=$CACHE/$BASE_TARBALL
if ! echo "$BASE_SHA256  $tarball" | sha256sum -c --status 2>/dev/null; then
	src=/etc/apt/sources.list.d/zone-device-bench-src.sources
	if ! [ -f $src ]; then
		log "adding a deb-src entry for bookworm-security ($src)"
		cat >$src <<-SRC
		Types: deb-src
		URIs: http://deb.debian.org/debian-security
		Suites: bookworm-security
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
		SRC
		apt-get update -qq
	fi
	log "downloading $BASE_DEBIAN_SOURCE=$BASE_DEBIAN_VERSION (orig tarball)"
	(cd "$CACHE" && apt-get source -qq --download-only \
		"$BASE_DEBIAN_SOURCE=$BASE_DEBIAN_VERSION") >/dev/null
	echo "$BASE_SHA256  $tarball" | sha256sum -c --status ||
		die "$BASE_TARBALL: checksum mismatch (want $BASE_SHA256)"
	rm -f "$CACHE"/*.dsc "$CACHE"/*.debian.tar.xz
fi

log "importing $BASE_TARBALL into $BASE_REPO"
tmp=$(mktemp -d "$CACHE/import.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tar -C "$tmp" -xf "$tarball" --strip-components=1 --no-same-owner
export GIT_AUTHOR_NAME=$BASE_AUTHOR_NAME GIT_AUTHOR_EMAIL=$BASE_AUTHOR_EMAIL
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
export GIT_AUTHOR_DATE=$BASE_DATE GIT_COMMITTER_DATE=$BASE_DATE
git -C "$tmp" init -q -b base
git -C "$tmp" add -Af .
git -C "$tmp" -c core.autocrlf=false commit -q --no-verify \
	-m "Linux $BASE_VERSION" \
	-m "Imported from Debian's $BASE_TARBALL (sha256 $BASE_SHA256)."
rm -rf "$BASE_REPO.tmp"
git clone -q --bare "$tmp" "$BASE_REPO.tmp"
mv "$BASE_REPO.tmp" "$BASE_REPO"
log "base $(base_commit) (Linux $BASE_VERSION)"
