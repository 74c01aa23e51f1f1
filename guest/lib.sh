# Shell helpers for the guest tests (installed as /lib/bench.sh).

# Load test_hmm.  With the two reserved ranges the host puts on the command
# line (hmm_spm0/1, in init's environment), devices 2 and 3 are
# DEVICE_COHERENT; devices 0 and 1 are always DEVICE_PRIVATE.  Sets
# HMM_DEVICES to the device files.
load_test_hmm() {
	local params=
	HMM_DEVICES="/dev/hmm_dmirror0 /dev/hmm_dmirror1"
	if [ -n "${hmm_spm0:-}" ] && [ -n "${hmm_spm1:-}" ]; then
		params="spm_addr_dev0=$hmm_spm0 spm_addr_dev1=$hmm_spm1"
		HMM_DEVICES="$HMM_DEVICES /dev/hmm_dmirror2 /dev/hmm_dmirror3"
	fi
	insmod /lib/modules/test_hmm.ko $params
}

# Wait (up to 5 s) for a block device: libnvdimm probes asynchronously.
wait_pmem() {
	local i=0
	while [ ! -b "$1" ]; do
		i=$((i + 1))
		[ $i -le 50 ] || { echo "no $1 after 5s"; return 1; }
		sleep 0.1
	done
	echo "# $1: $(cat /sys/block/${1#/dev/}/size) sectors, dax $(cat /sys/block/${1#/dev/}/queue/dax)"
}

# Whether the filesystem mounted on $1 runs with DAX (/proc/mounts says
# "dax" or "dax=always"; xfs says "dax=never" when it turned DAX off).
mounted_with_dax() {
	local opts
	opts=$(awk -v m="$1" '$2 == m { print $4 }' /proc/mounts)
	case ",$opts," in
	*,dax,* | *,dax=always,*) return 0 ;;
	*) return 1 ;;
	esac
}

# put VALUE FILE: a sysfs write that says which one failed.
put() {
	echo "$1" >"$2" 2>/dev/null || { echo "writing '$1' to $2 failed" >&2; return 1; }
}

# devdax_ranges [ALIGN]: the pmem ranges the host set aside for device-dax
# (devdax_ranges=ADDRESS:ALIGN,... on the command line, from
# scripts/bench_qemu.py), one "ADDRESS ALIGN" per line; only those with
# ALIGN bytes alignment if given.
devdax_ranges() {
	[ -n "${devdax_ranges:-}" ] || { echo "no devdax_ranges on the command line" >&2; return 1; }
	echo "$devdax_ranges" | tr ',:' '\n ' | awk -v a="${1:-}" 'a == "" || $2 == a'
}

# make_devdax ADDRESS ALIGN: turn the legacy pmem range at ADDRESS (its nd
# region, see scripts/bench_qemu.py) into a device-dax device with ALIGN
# bytes alignment through libnvdimm's sysfs interface (what "ndctl
# create-namespace -m devdax" does); prints the new device's name.
make_devdax() {
	local nd=/sys/bus/nd r region='' ns dax i=0
	while :; do
		for r in $nd/devices/region*; do
			[ "$(cat $r/resource 2>/dev/null)" = "$1" ] && region=${r##*/}
		done
		[ -n "$region" ] && [ -n "$(ls -d $nd/devices/$region/namespace* 2>/dev/null)" ] && break
		i=$((i + 1)); [ $i -le 50 ] || { echo "no nd region at $1" >&2; return 1; }
		sleep 0.1
	done
	ns=$(ls -d $nd/devices/$region/namespace*.0 | head -n 1)
	ns=${ns##*/}
	dax=$(cat $nd/devices/$region/dax_seed)
	# Each write checked here: set -e does not reach into a function that
	# runs in a command substitution.
	if [ -e $nd/drivers/nd_pmem/$ns ]; then put "$ns" $nd/drivers/nd_pmem/unbind || return 1; fi
	put "$(cat /proc/sys/kernel/random/uuid)" $nd/devices/$dax/uuid || return 1
	put "$ns" $nd/devices/$dax/namespace || return 1
	put "$2" $nd/devices/$dax/align || return 1
	put pmem $nd/devices/$dax/mode || return 1
	put "$dax" $nd/drivers/dax_pmem/bind || return 1
	i=0
	while [ ! -c /dev/$dax ]; do
		i=$((i + 1)); [ $i -le 50 ] || { echo "no /dev/$dax" >&2; return 1; }
		sleep 0.1
	done
	# The alignment the device really has, not the one asked for.
	[ "$(cat /sys/bus/dax/devices/$dax/align 2>/dev/null)" = "$2" ] || {
		echo "$dax: alignment $(cat /sys/bus/dax/devices/$dax/align 2>&1), want $2" >&2
		return 1
	}
	echo "$dax"
}

# slow_disk NAME SECONDS: a 16 MiB memory-backed null_blk disk whose every
# I/O completes SECONDS after it is submitted (timer mode), made through
# null_blk's configfs interface; prints its device file.  An O_DIRECT
# write to it keeps its user pages pinned for that long.
slow_disk() {
	local nb=/sys/kernel/config/nullb
	[ -d $nb ] || mount -t configfs configfs /sys/kernel/config
	[ -d $nb ] || { echo "no $nb: null_blk not built in" >&2; return 1; }
	mkdir $nb/$1
	put 16 $nb/$1/size
	put 1 $nb/$1/memory_backed
	put 2 $nb/$1/irqmode
	put "${2}000000000" $nb/$1/completion_nsec
	put 1 $nb/$1/power
	[ -b /dev/$1 ] || { echo "no /dev/$1" >&2; return 1; }
	echo /dev/$1
}

# mkfs_xfs_aligned DEV [MKFS-OPTION...]: xfs whose data extents are aligned
# to 2 MiB (stripe unit), so that a 2 MiB extent can be mapped by one PMD.
# The 64 MiB log that such a stripe unit needs fits in two allocation groups
# of a 512 MiB device, with a log stripe unit of its own.
mkfs_xfs_aligned() {
	local dev=$1
	shift
	mkfs.xfs -q -f "$@" -d su=2m,sw=1,agcount=2 -l size=64m,su=4096 "$dev"
}

# mkfs_xfs_reflink DEV: the same, with reflink.
mkfs_xfs_reflink() {
	mkfs_xfs_aligned "$1" -m reflink=1
}
