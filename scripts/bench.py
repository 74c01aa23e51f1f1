#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Boot the test kernel in QEMU and judge what it printed.

  bench.py boot KBUILD INITRD RESULTS [--timeout S] [--label L] [--append ARG]
  bench.py parse CONSOLE.LOG [RESULTS] [--label L]

A run passes only if the guest printed "bench-guest: PASS", QEMU exited on
its own before the timeout, every KUnit and guest test passed (a skip is not
a pass), every KUnit suite built in (by name, from the source) and every
guest test asked for (bench.tests=, else all of guest/tests) has a result,
and the console holds no splat (bench_log.SPLATS).  The verdict is the last
line printed; the exit status is 0 for PASS, 1 for FAIL.
"""

import argparse
import hashlib
import os
import re
import subprocess
import sys
import threading

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


def expected_kunit_suites(kbuild):
    """The KUnit suites built into the kernel in kbuild, by name.

    For every CONFIG_*_KUNIT_TEST=y of its .config, the objects that the
    source tree's Makefiles build for it, and the suites that their C files
    register with kunit_test_suites().  A config whose suites cannot be
    found there is expected under a name no result has, so that the boot
    fails and says so rather than expecting nothing.
    """
    try:
        with open(os.path.join(kbuild, '.config')) as f:
            configs = {m.group(1) for m in re.finditer(r'^(CONFIG_\w+_KUNIT_TEST)=y$',
                                                        f.read(), re.M)}
    except FileNotFoundError:
        return []
    src = os.path.join(kbuild, 'source')
    src = src if os.path.isdir(src) else kbuild
    names = []
    for config in sorted(configs):
        rules = subprocess.run(['git', '-C', src, 'grep', '-E',
                                r'^obj-\$\(' + config + r'\)\s*\+?=', '--', '*Makefile'],
                               capture_output=True, text=True).stdout
        found = []
        for rule in rules.splitlines():
            makefile, objs = rule.split(':', 1)
            for obj in objs.split('=', 1)[1].split():
                c = os.path.join(src, os.path.dirname(makefile), obj[:-2] + '.c')
                if obj.endswith('.o') and os.path.exists(c):
                    found += kunit_suites_in(read_text(c))
        names += found or [f'({config}: no suite found in {src})']
    return names


def read_text(path):
    with open(path, errors='replace') as f:
        return f.read()


def kunit_suites_in(text):
    """The names of the suites a C file registers with kunit_test_suites()."""
    names = {m.group(1): m.group(2) for m in re.finditer(
        r'struct kunit_suite\s+(\w+)\s*=\s*\{[^}]*?\.name\s*=\s*"([^"]+)"', text)}
    out = []
    for m in re.finditer(r'kunit_test_suites?\(([^;]*)\);', text):
        for var in re.findall(r'&\s*(\w+)', m.group(1)):
            if var in names:
                out.append(names[var])
    return out


# The result lines worth seeing as they come: each KUnit suite's and each
# guest test's (one and two levels of KTAP), not every parameter's.
PROGRESS = re.compile(r'^( {0}| {4})(not ok|ok) \d+ \S+')


def follow(path, done, out, poll=0.5):
    """Print the result lines of the console log at path as they arrive,
    until done is set and the log is read to its end."""
    pos, partial = 0, b''
    while True:
        finished = done.is_set()
        try:
            with open(path, 'rb') as f:
                f.seek(pos)
                data = f.read()
        except FileNotFoundError:
            data = b''
        pos += len(data)
        *complete, partial = (partial + data).split(b'\n')
        for raw in complete:
            line = raw.decode('utf-8', 'replace').rstrip('\r')
            if PROGRESS.match(line):
                print(f'  {line}', file=out, flush=True)
        if finished:
            return
        done.wait(poll)


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
    print(f'console: {log}', file=sys.stderr, flush=True)
    done = threading.Event()
    follower = threading.Thread(target=follow, args=(log, done, sys.stderr), daemon=True)
    follower.start()
    try:
        status, secs = bench_qemu.run(cmd, log, args.timeout)
    except FileNotFoundError as e:
        print(f'bench.py: error: {e}', file=sys.stderr)
        return 2
    finally:
        done.set()
        follower.join()
    lines = read_lines(log)
    kunit = [] if args.no_kunit else expected_kunit_suites(args.kbuild)
    result = bench_report.evaluate(lines, status, secs, expected_kunit=kunit,
                                   expected_guest=expected_guest_tests(args.append))
    result['tested'] = tested(args.kbuild, args.commit, extra)
    return finish(result, lines, args.results, args.label)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
