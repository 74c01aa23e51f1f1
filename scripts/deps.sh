#!/bin/bash
# Install the Debian packages the bench needs, if any is missing.
# Usage: scripts/deps.sh [group...]   groups: base build run lint cross
set -eu

declare -A GROUP=(
	[base]="git xz-utils ca-certificates"
	[build]="build-essential flex bison bc libelf-dev libssl-dev cpio kmod ccache python3"
	[run]="qemu-system-x86 qemu-system-data busybox-static e2fsprogs xfsprogs"
	[lint]="b4 codespell perl python3-ply python3-git"
	[cross]="gcc-aarch64-linux-gnu gcc-riscv64-linux-gnu gcc-powerpc64le-linux-gnu qemu-system-arm qemu-system-ppc"
)

groups=${*:-base build run lint}
want=()
for g in $groups; do
	for p in ${GROUP[$g]}; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			want+=("$p")
	done
done
[ ${#want[@]} -eq 0 ] && exit 0

echo "deps: installing ${want[*]}"
SUDO=
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null ||
		{ echo "deps: not root and no sudo: as root, apt-get install ${want[*]}" >&2; exit 1; }
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
# A mirror that fails once (or a network that comes up late) gets two more tries.
for try in 1 2 3; do
	$SUDO apt-get update -qq && break
	[ $try -lt 3 ] ||
		{ echo "deps: apt-get update failed 3 times (no network?): install ${want[*]} by hand" >&2; exit 1; }
	sleep 5
done
$SUDO apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null ||
	{ echo "deps: apt-get install failed: ${want[*]}" >&2; exit 1; }
