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
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
