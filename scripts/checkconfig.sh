#!/bin/bash
# Check that every CONFIG_ symbol a fragment sets ended up set that way in
# .config (Kconfig silently drops what its dependencies do not allow).
# Usage: scripts/checkconfig.sh SRC DOTCONFIG FRAGMENT...
# A symbol no Kconfig file of SRC defines is reported as absent, not an error.
set -eu
src=$1 dotconfig=$2; shift 2
bad=0
while IFS= read -r line; do
	case "$line" in CONFIG_*=*) ;; *) continue ;; esac
	sym=${line%%=*} want=${line#*=}
	if [ "$want" = n ]; then
		grep -qx "# $sym is not set" "$dotconfig" || ! grep -q "^$sym=" "$dotconfig" ||
			{ echo "config: $sym: want n, got $(grep "^$sym=" "$dotconfig")"; bad=1; }
		continue
	fi
	got=$(grep "^$sym=" "$dotconfig" | cut -d= -f2-) || true
	[ "$got" = "$want" ] && continue
	# Kconfig entries may be indented (a choice's options often are).
	if ! grep -rqsE --include='Kconfig*' "^[[:space:]]*(menu)?config ${sym#CONFIG_}[[:space:]]*$" "$src"; then
		echo "config: $sym: not defined in this tree (skipped)"
		continue
	fi
	echo "config: $sym: want $want, got ${got:-unset}"; bad=1
done < <(cat "$@")
exit $bad
