#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Boot the test kernel in QEMU and judge what it printed.

  bench.py boot KBUILD INITRD RESULTS [--timeout S] [--label L] [--append ARG]
  bench.py parse CONSOLE.LOG [RESULTS] [--label L]

A run passes only if the guest printed "bench-guest: PASS", QEMU exited on
its own before the timeout, every KUnit and guest test passed (a skip is not
a pass), every guest test asked for (bench.tests=, else all of guest/tests)
has a result, and the console holds no splat (bench_log.SPLATS).  The verdict is
the last line printed; the exit status is 0 for PASS, 1 for FAIL.
"""

import argparse
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_qemu    # noqa: E402
import bench_report  # noqa: E402


def read_lines(path):
    with open(path, 'rb') as f:
        return f.read().decode('utf-8', 'replace').splitlines()


GUEST_TESTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                           'guest', 'tests')


def expected_guest_tests(appends):
    """The guest tests a boot must report: bench.tests=, else guest/tests."""
    for a in appends:
        if a.startswith('bench.tests='):
            return [n for n in a.split('=', 1)[1].split(',') if n]
    return sorted(os.listdir(GUEST_TESTS))


def tested(kbuild, commit, extra):
    """What was booted: recorded in results.json."""
    def read(name):
        try:
            with open(os.path.join(kbuild, name), 'rb') as f:
                return f.read()
        except FileNotFoundError:
            return None
    config = read('.config')
    release = read('include/config/kernel.release')
    return {'commit': commit or None,
            'kernel_release': release.decode().strip() if release else None,
            'config_sha256': hashlib.sha256(config).hexdigest() if config else None,
            'append': list(extra)}


def kunit_built_in(kbuild):
    try:
        with open(os.path.join(kbuild, '.config')) as f:
            return any(l.startswith('CONFIG_') and '_KUNIT_TEST=y' in l for l in f)
    except FileNotFoundError:
        return False


def finish(result, lines, results, label):
    if results:
        bench_report.write(result, lines, results)
    print(bench_report.table(result, label))
    return 0 if result['verdict'] == 'PASS' else 1


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    b = sub.add_parser('boot')
    b.add_argument('kbuild')
    b.add_argument('initrd')
    b.add_argument('results')
    b.add_argument('--timeout', type=int, default=900)
    b.add_argument('--append', action='append', default=[])
    b.add_argument('--icount', action='store_true')
    b.add_argument('--no-kunit', action='store_true',
                   help='do not run the built-in KUnit suites (kunit.enable=0)')
    b.add_argument('--label', default='')
    b.add_argument('--commit', default='',
                   help='the commit the kernel was built from (for results.json)')
    p = sub.add_parser('parse')
    p.add_argument('log')
    p.add_argument('results', nargs='?')
    p.add_argument('--label', default='')
    args = ap.parse_args(argv)

    if args.cmd == 'parse':
        lines = read_lines(args.log)
        return finish(bench_report.evaluate(lines), lines, args.results, args.label)

    os.makedirs(args.results, exist_ok=True)
    log = os.path.join(args.results, 'console.log')
    extra = args.append + (['kunit.enable=0'] if args.no_kunit else [])
    cmd = bench_qemu.command(args.kbuild, args.initrd, args.results,
                             extra_args=extra, icount=args.icount)
    with open(os.path.join(args.results, 'qemu.cmdline'), 'w') as f:
        f.write(' '.join(cmd) + '\n')
    status, secs = bench_qemu.run(cmd, log, args.timeout)
    lines = read_lines(log)
    need_kunit = not args.no_kunit and kunit_built_in(args.kbuild)
    result = bench_report.evaluate(lines, status, secs, need_kunit=need_kunit,
                                   expected_guest=expected_guest_tests(args.append))
    result['tested'] = tested(args.kbuild, args.commit, extra)
    return finish(result, lines, args.results, args.label)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
