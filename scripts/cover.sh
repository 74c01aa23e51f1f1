#!/bin/bash
# Print the subject and text of a cover letter made by git format-patch,
# in the form of a branch description: the subject, a blank line, the text
# (everything before the shortlog, "Author Name (N):").
# Usage: scripts/cover.sh COVER-LETTER
set -eu
awk '
	hdr && /^Subject: / { sub(/^Subject: (\[[^]]*\] *)?/, ""); subj = $0; insubj = 1; next }
	hdr && insubj && /^[ \t]/ { sub(/^[ \t]+/, " "); subj = subj $0; next }
	hdr { insubj = 0 }
	hdr && /^$/ { hdr = 0; next }
	NR == 1 { hdr = 1; next }
	!hdr && /^[^ ].* \([0-9]+\):$/ { exit }
	!hdr { body[++n] = $0 }
	END {
		if (subj == "" || subj ~ /\*\*\*/) { print "cover letter has no subject" > "/dev/stderr"; exit 1 }
		while (n > 0 && body[n] == "") n--
		s = 1; while (s <= n && body[s] == "") s++
		print subj; print ""
		for (i = s; i <= n; i++) print body[i]
	}' "$1"
