#!/bin/bash
# Write the series as one mbox, build/series.mbox, threaded under the cover
# letter as it would arrive from a list archive, and print its path: what
# `b4 am -m` takes (make tree applies it so).  b4 needs a Message-Id on
# every message, and b4 0.12 on Python 3.11 chokes on folded headers:
# unfold them (RFC 5322 unfolding does not change a header's value).
set -eu
. "$(dirname "$0")/lib.sh"

mkdir -p "$BUILD"
mbox=$BUILD/series.mbox
: >"$mbox"
n=0
for p in "$PATCH_DIR/0000-cover-letter.patch" $(series_patches); do
	[ -f "$p" ] || die "series: $(basename "$p") listed but not in patches/"
	id="<$n.$(sha1sum <"$p" | cut -c1-16)@zone-device-bench>"
	[ $n -eq 0 ] && cover_id=$id
	awk -v id="$id" -v irt="$cover_id" -v first=$n '
		NR == 1 { print; print "Message-Id: " id; if (first) print "In-Reply-To: " irt; hdr = 1; next }
		hdr && /^[ \t]/ { sub(/^[ \t]+/, " "); held = held $0; next }
		hdr { if (held != "") print held; held = $0; if ($0 == "") { hdr = 0; print; held = "" } next }
		{ print }' "$p" >>"$mbox"
	n=$((n + 1))
done
echo "$mbox"
