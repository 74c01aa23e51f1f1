# SPDX-License-Identifier: GPL-2.0
# kunit.py --qemu_config for 64-bit little-endian Book3S powerpc with the
# radix MMU: QEMU's pseries machine with a POWER9 CPU (the kernel's own
# powerpc.py is big-endian on POWER8, whose hash MMU has no PUD leaves).
from ..qemu_config import QemuArchParams

QEMU_ARCH = QemuArchParams(linux_arch='powerpc',
			   kconfig='''
CONFIG_PPC64=y
CONFIG_PPC_BOOK3S_64=y
CONFIG_CPU_LITTLE_ENDIAN=y
CONFIG_PPC_PSERIES=y
CONFIG_PPC_RADIX_MMU=y
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y
CONFIG_HVC_CONSOLE=y''',
			   qemu_arch='ppc64',
			   kernel_path='vmlinux',
			   kernel_command_line='console=ttyS0',
			   extra_qemu_params=['-M', 'pseries', '-cpu', 'power9'])
