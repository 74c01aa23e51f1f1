#!/bin/bash
# Prove that patches/ and series are exactly what `make export` writes from
# the tree `make tree` built: nobody edited a patch by hand, and the export
# is deterministic.
set -eu
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
SERIES_FILE=$tmp/series "$TOP/scripts/export.sh" "$tmp/patches" 2>/dev/null
(cd "$tmp/patches" && ls [0-9]*.patch | grep -v '^0000-') >"$tmp/names"
grep -vE '^[[:space:]]*(#|$)' "$SERIES_FILE" >"$tmp/listed"
if ! diff -u "$tmp/listed" "$tmp/names" >"$tmp/series.diff"; then
	cat "$tmp/series.diff"
	die "series differs from a fresh export"
fi
if ! diff -ru "$PATCH_DIR" "$tmp/patches" >"$tmp/patches.diff"; then
	head -n 40 "$tmp/patches.diff"
	die "patches/ differs from a fresh export of make tree: run make export (never edit a patch by hand)"
fi
log "patches/ matches a fresh export ($(wc -l <"$tmp/names") patches)"
