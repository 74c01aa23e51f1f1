# SPDX-License-Identifier: GPL-2.0
"""The one place that knows how the test guest is booted."""

import os
import shutil
import signal
import subprocess
import time

# Guest physical memory: 3.5 GiB of RAM, of which QEMU puts 3 GiB below
# 4 GiB and 512 MiB above:
#   0-2 GiB          System RAM
#   2-2.5 GiB        memmap=!: legacy e820 pmem -> /dev/pmem0 (FS-DAX)
#   2.5-2.75 GiB     memmap=$: reserved, test_hmm device 0 DEVICE_COHERENT range
#   2.75-3 GiB       memmap=$: reserved, test_hmm device 1 DEVICE_COHERENT range
#   4-4.0625 GiB     memmap=!: pmem, made device-dax with 4 KiB alignment
#   4.125-4.1875 GiB memmap=!: pmem, made device-dax with 2 MiB alignment
#   4.25-4.3125 GiB  memmap=$: reserved, for the KUnit suite's mapped types
#                    (zone_device_kunit.range)
#   the rest         System RAM
# Each pmem range is its own nd region.  The guest finds the device-dax ones
# by address, from the devdax_ranges word on the command line
# (guest/tests/devdax, guest/manual/perf).
MEMORY = '3584M'
CPUS = 2
FSDAX_PMEM = (0x80000000, '512M')
DEVDAX_PMEM = [(0x100000000, '64M', 4 << 10), (0x108000000, '64M', 2 << 20)]
SPM = [(0xa0000000, '256M'), (0xb0000000, '256M')]
KUNIT_RESERVED = (0x110000000, '64M')
# Boot-time 2 MiB huge pages for hmm-tests' hugetlbfs cases.
HUGEPAGES = 'hugepages=16'
# An NVMe controller with a controller memory buffer: the nvme driver
# registers it as PCI P2PDMA memory (guest/tests/p2pmem).  Its disk (a
# sparse file) is a block device without DAX (guest/tests/untrusted-input); xfs
# wants 300 MiB.
NVME_CMB_MB = 16
NVME_DISK_BYTES = 320 << 20

ARCHES = {
    'x86_64': {
        'qemu': 'qemu-system-x86_64',
        'image': 'arch/x86/boot/bzImage',
        'machine': ['-M', 'pc', '-cpu', 'max', '-bios', 'qboot.rom'],
        'console': 'ttyS0',
    },
}


def kernel_args(extra=()):
    """The guest kernel command line."""
    args = [f'console={ARCHES["x86_64"]["console"]}', 'panic=-1', HUGEPAGES]
    for addr, size, *_ in [FSDAX_PMEM, *DEVDAX_PMEM]:
        args.append(f'memmap={size}!{addr:#x}')
    for addr, size in [*SPM, KUNIT_RESERVED]:
        args.append(f'memmap={size}${addr:#x}')
    args.append('zone_device_kunit.range={1}@{0:#x}'.format(*KUNIT_RESERVED))
    # Unknown "key=value" words reach init's environment: guest/lib.sh.
    args += [f'hmm_spm{i}={addr:#x}' for i, (addr, _) in enumerate(SPM)]
    args.append('devdax_ranges=' + ','.join(f'{addr:#x}:{align}'
                                            for addr, _, align in DEVDAX_PMEM))
    return args + list(extra)


def command(kbuild, initrd, scratch, arch='x86_64', extra_args=(), icount=False):
    """The QEMU command line; its NVMe disk image is made in `scratch`."""
    a = ARCHES[arch]
    disk = os.path.join(scratch, 'nvme.img')
    with open(disk, 'wb') as f:
        f.truncate(NVME_DISK_BYTES)
    cmd = [a['qemu'], '-accel', 'tcg', *a['machine'],
           '-smp', str(CPUS), '-m', MEMORY,
           '-kernel', os.path.join(kbuild, a['image']), '-initrd', initrd,
           '-append', ' '.join(kernel_args(extra_args)),
           # A full disk is an I/O error in the guest, not a paused guest.
           '-drive', f'file={disk},if=none,id=nvm,format=raw,werror=report,rerror=report',
           '-device', f'nvme,serial=bench,drive=nvm,cmb_size_mb={NVME_CMB_MB}',
           '-nographic', '-no-reboot', '-serial', 'stdio', '-monitor', 'none']
    if icount:
        # Guest time counts instructions: repeatable timings under TCG.
        cmd += ['-icount', 'shift=0,sleep=off']
    return cmd


def run(cmd, log_path, timeout):
    """Run QEMU with its console going to log_path.

    Returns (status, seconds): status is 'exited', 'timeout' (QEMU was
    killed after `timeout` seconds; a hung guest is a failure, never a skip)
    or 'exit status N' (QEMU itself failed: its error is the log's end).
    QEMU runs in a session of its own, so that a terminal's Ctrl-C reaches
    only the runner: whatever ends the runner (Ctrl-C, SIGTERM, an
    exception) kills QEMU too.
    """
    if shutil.which(cmd[0]) is None:
        raise FileNotFoundError(f'{cmd[0]} not found (scripts/deps.sh run)')
    start = time.monotonic()
    with open(log_path, 'wb') as log:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        old_term = signal.signal(signal.SIGTERM, _terminated)
        try:
            rc = proc.wait(timeout=timeout)
            status = 'exited' if rc == 0 else f'exit status {rc}'
        except subprocess.TimeoutExpired:
            status = 'timeout'
        finally:
            signal.signal(signal.SIGTERM, old_term)
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    return status, time.monotonic() - start


def _terminated(signum, frame):
    raise SystemExit(128 + signum)
