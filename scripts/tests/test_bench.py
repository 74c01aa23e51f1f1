#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tests of the log-reading half of the bench, on console logs kept in
fixtures/: each gate must say FAIL, and say why."""

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import bench         # noqa: E402
import bench_badinput  # noqa: E402
import bench_ktap    # noqa: E402
import bench_log     # noqa: E402
import bench_perf    # noqa: E402
import bench_prove   # noqa: E402
import bench_qemu    # noqa: E402
import bench_report  # noqa: E402


def fixture(name):
    return bench.read_lines(os.path.join(HERE, 'fixtures', name))


class ProveTest(unittest.TestCase):
    """make prove's verdict on a fix, from the runs before and after it."""

    @staticmethod
    def run_of(name):
        return bench_prove.cases(bench_report.evaluate(fixture(name)))

    # guest-fail.log: the tree just after "fs/dax: find busy pages of a file
    # that is no longer mapped", where three fsdax tests still fail.
    FAILED_THERE = ['fsdax-evict.fsdax-evict', 'fsdax-ext2.fsdax-ext2',
                    'fsdax-reflink.fsdax-reflink']

    def test_failed_before_and_passed_after_proves(self):
        self.assertEqual(sorted(bench_prove.fixed(self.run_of('guest-fail.log'),
                                                  self.run_of('pass.log'))),
                         self.FAILED_THERE)

    def test_skipped_before_is_not_failed_before(self):
        # skip.log: booted without zone_device_kunit.range=, so every type
        # but device private skipped.
        before, after = self.run_of('skip.log'), self.run_of('pass.log')
        self.assertIn('zone_device.zd_test_idle_at_zero.coherent', after[1])
        self.assertEqual(bench_prove.fixed(before, after), [])

    def test_not_run_after_is_not_passed_after(self):
        before = self.run_of('guest-fail.log')
        failed, passed, finished = self.run_of('pass.log')
        passed = [p for p in passed if p not in self.FAILED_THERE]
        self.assertEqual(bench_prove.fixed(before, (failed, passed, finished)), [])

    def test_an_after_run_that_did_not_finish_proves_nothing(self):
        self.assertIsNone(bench_prove.fixed(self.run_of('guest-fail.log'),
                                            self.run_of('no-marker.log')))

    def test_splats_fail_the_run(self):
        failed = self.run_of('warning.log')[0]
        self.assertTrue(any('WARNING' in f for f in failed), failed)


class KtapTest(unittest.TestCase):
    def test_nested_results(self):
        top = bench_ktap.parse([
            'KTAP version 1', '1..1',
            '    KTAP version 1', '    # Subtest: suite', '    1..2',
            '    ok 1 first', '[    1.5] unrelated kernel line',
            '    not ok 2 second', 'not ok 1 suite'])
        self.assertEqual([t.name for t in top], ['suite'])
        self.assertEqual([c.name for c in top[0].children], ['first', 'second'])
        self.assertEqual(top[0].status(), 'failed')

    def test_parameterised_cases_are_named_by_path(self):
        top = bench_ktap.parse([
            'KTAP version 1', '1..1', '    1..1', '        1..2',
            '        ok 1 private', '        not ok 2 p2pdma',
            '    not ok 1 case', 'not ok 1 suite'])
        self.assertEqual([(p, t.status()) for p, t in top[0].leaves()],
                         [('case.private', 'passed'), ('case.p2pdma', 'failed')])

    def test_skip_is_not_a_pass(self):
        top = bench_ktap.parse(['KTAP version 1', '1..1', '    1..1',
                                '    ok 1 a # SKIP no device', 'ok 1 s'])
        self.assertEqual(top[0].status(), 'skipped')
        self.assertEqual(top[0].children[0].reason, 'no device')

    def test_timeout_is_a_failure_with_its_reason(self):
        top = bench_ktap.parse(['KTAP version 1', '1..1', '    1..2',
                                '    not ok 1 slow # TIMEOUT after 600s',
                                '    ok 2 next', 'not ok 1 guest'])
        slow, nxt = top[0].children
        self.assertEqual((slow.status(), slow.directive, slow.reason),
                         ('failed', 'TIMEOUT', 'after 600s'))
        self.assertEqual(nxt.status(), 'passed')

    def test_plan_not_met(self):
        top = bench_ktap.parse(['KTAP version 1', '1..2', '    1..3',
                                '    ok 1 a', 'ok 1 s'])
        self.assertEqual(top[0].status(), 'failed')        # 1 of 3 cases
        self.assertEqual(top[-1].name, '(missing 1)')      # 1 of 2 suites

    def test_unfinished_suite(self):
        top = bench_ktap.parse(['KTAP version 1', '1..1', '    1..2', '    ok 1 a'])
        self.assertEqual(top[0].name, '(unfinished)')
        self.assertEqual(top[0].status(), 'failed')

    def test_passing_log(self):
        top = bench_ktap.parse(fixture('pass.log'))
        self.assertIn('guest', [t.name for t in top])
        self.assertTrue(all(t.status() == 'passed' for t in top), top)


class LogTest(unittest.TestCase):
    def test_splat_kinds(self):
        lines = ['ok', 'WARNING: CPU: 1 PID: 1 at mm/memremap.c:1 f+0x1/0x2',
                 'BUG: Bad page state in process x  pfn:123',
                 'refcount_t: underflow; use-after-free.',
                 'Bad page state in process kworker']
        kinds = [k for _, k, _ in bench_log.splats(lines)]
        self.assertEqual(kinds, ['warning', 'bug', 'refcount', 'bad page'])

    def test_rcu_stall_kinds(self):
        lines = ['rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:',
                 'rcu: INFO: rcu_sched self-detected stall on CPU',
                 'rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: {',
                 'INFO: rcu_tasks detected stalls on tasks:',
                 'INFO: rcu_tasks_trace detected stalls on tasks:']
        kinds = [k for _, k, _ in bench_log.splats(lines)]
        self.assertEqual(kinds, ['rcu stall'] * 5)

    def test_marker(self):
        self.assertEqual(bench_log.marker(['x', 'bench-guest: PASS']), 'PASS')
        self.assertEqual(bench_log.marker(['bench-guest: FAIL (1 of 2)']), 'FAIL')
        self.assertIsNone(bench_log.marker(['echo bench-guest: PASS']))


class VerdictTest(unittest.TestCase):
    def verdict(self, name, **kw):
        return bench_report.evaluate(fixture(name), **kw)

    def test_pass(self):
        r = self.verdict('pass.log', expected_kunit=['zone_device', 'zone_device_fsdax'])
        self.assertEqual(r['verdict'], 'PASS', r['problems'])
        self.assertGreater(r['totals']['passed'], 0)
        self.assertEqual(r['totals']['failed'] + r['totals']['skipped'], 0)

    def test_warning_splat_fails(self):
        r = self.verdict('warning.log')
        self.assertEqual(r['verdict'], 'FAIL')
        self.assertTrue(any('warning: WARNING:' in p for p in r['problems']), r['problems'])

    def test_missing_marker_fails(self):
        r = self.verdict('no-marker.log')
        self.assertEqual(r['verdict'], 'FAIL')
        self.assertIn('no bench-guest: PASS/FAIL marker from the guest', r['problems'])

    def test_failed_guest_test_is_named(self):
        r = self.verdict('guest-fail.log')
        self.assertEqual(r['verdict'], 'FAIL')
        self.assertIn('guest fsdax-reflink: failed', r['problems'])

    def test_skipped_case_fails(self):
        r = self.verdict('skip.log')
        self.assertEqual(r['verdict'], 'FAIL')
        self.assertTrue(any(p.endswith(': skipped') for p in r['problems']), r['problems'])

    def test_expected_kunit_suite_without_result_fails(self):
        # The log has zone_device and zone_device_fsdax, not this one.
        r = self.verdict('pass.log', expected_kunit=['zone_device', 'zone_device_idle_at_one'])
        self.assertEqual(r['verdict'], 'FAIL')
        self.assertEqual(r['problems'], ['kunit zone_device_idle_at_one: failed'])

    def test_kunit_suites_in_source(self):
        src = '''
static struct kunit_suite a_suite = {
	.name = "alpha",
	.init = a_init,
};
static struct kunit_suite unused_suite = {
	.name = "unused",
};
static struct kunit_suite b_suite = {
	.test_cases = b_cases,
	.name = "beta",
};
kunit_test_suites(&a_suite,
		  &b_suite);
'''
        self.assertEqual(bench.kunit_suites_in(src), ['alpha', 'beta'])

    def test_expected_kunit_suites_of_a_build(self):
        with tempfile.TemporaryDirectory() as d:
            src = os.path.join(d, 'src')
            os.makedirs(os.path.join(src, 'mm', 'tests'))
            with open(os.path.join(src, 'mm', 'tests', 'Makefile'), 'w') as f:
                f.write('obj-$(CONFIG_ZD_KUNIT_TEST) += zd.o\n'
                        'obj-$(CONFIG_OFF_KUNIT_TEST) += off.o\n')
            for name, suite in (('zd', 'zd_suite'), ('off', 'off_suite')):
                with open(os.path.join(src, 'mm', 'tests', name + '.c'), 'w') as f:
                    f.write(f'static struct kunit_suite s = {{ .name = "{suite}" }};\n'
                            'kunit_test_suites(&s);\n')
            subprocess.run(['git', 'init', '-q', src], check=True)
            subprocess.run(['git', '-C', src, 'add', '.'], check=True)
            kbuild = os.path.join(d, 'kbuild')
            os.makedirs(kbuild)
            os.symlink(src, os.path.join(kbuild, 'source'))
            with open(os.path.join(kbuild, '.config'), 'w') as f:
                f.write('CONFIG_ZD_KUNIT_TEST=y\n# CONFIG_OFF_KUNIT_TEST is not set\n')
            self.assertEqual(bench.expected_kunit_suites(kbuild), ['zd_suite'])
            # A config whose suite the source does not show is not dropped.
            with open(os.path.join(kbuild, '.config'), 'a') as f:
                f.write('CONFIG_GONE_KUNIT_TEST=y\n')
            self.assertEqual(bench.expected_kunit_suites(kbuild),
                             [f'(CONFIG_GONE_KUNIT_TEST: no suite found in {kbuild}/source)',
                              'zd_suite'])

    def test_timeout_fails(self):
        r = self.verdict('pass.log', qemu_status='timeout', seconds=30)
        self.assertEqual(r['verdict'], 'FAIL')
        self.assertIn('guest timed out after 30s', r['problems'])

    def test_expected_guest_test_without_result_fails(self):
        r = self.verdict('pass.log', expected_guest=['no-such-test'])
        self.assertEqual(r['verdict'], 'FAIL')
        self.assertIn('guest no-such-test: failed', r['problems'])
        self.assertEqual(r['totals']['failed'], 1)

    def test_empty_plan_fails(self):
        # What a guest that dropped an unknown bench.tests= name printed.
        lines = ['KTAP version 1', '1..1', '    KTAP version 1',
                 '    # Subtest: guest', '    1..0', 'ok 1 guest',
                 'bench-guest: PASS']
        asked = bench.expected_guest_tests(['bench.tests=no-such-test'])
        r = bench_report.evaluate(lines, expected_guest=asked)
        self.assertEqual(r['verdict'], 'FAIL')
        self.assertIn('guest no-such-test: failed', r['problems'])

    def test_tested_names_the_build(self):
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(os.path.join(d, 'include', 'config'))
            with open(os.path.join(d, '.config'), 'w') as f:
                f.write('CONFIG_ZONE_DEVICE=y\n')
            with open(os.path.join(d, 'include', 'config', 'kernel.release'), 'w') as f:
                f.write('6.12.107+\n')
            t = bench.tested(d, 'abc123', ['bench.tests=a'])
        self.assertEqual(t['commit'], 'abc123')
        self.assertEqual(t['kernel_release'], '6.12.107+')
        self.assertEqual(len(t['config_sha256']), 64)
        self.assertEqual(t['append'], ['bench.tests=a'])

    def test_progress_shows_suites_and_guest_tests_as_they_come(self):
        with tempfile.TemporaryDirectory() as d:
            log = os.path.join(d, 'console.log')
            with open(log, 'w') as f:
                f.write('\n'.join(fixture('pass.log')) + '\n')
            out, done = io.StringIO(), threading.Event()
            done.set()
            bench.follow(log, done, out)
        shown = out.getvalue().splitlines()
        self.assertIn('  ok 1 zone_device', shown)
        self.assertIn('      ok 7 fsdax-xfs', shown)
        self.assertIn('  ok 1 guest', shown)
        self.assertFalse(any(l.strip() == 'ok 2 coherent' for l in shown), shown)

    def test_expected_guest_tests(self):
        self.assertEqual(bench.expected_guest_tests(['x=1', 'bench.tests=a,b']),
                         ['a', 'b'])
        every = bench.expected_guest_tests(['x=1'])
        self.assertIn('fsdax-reflink', every)
        self.assertIn('fsdax-xfs', every)

    def test_results_files(self):
        lines = fixture('pass.log')
        with tempfile.TemporaryDirectory() as d:
            bench_report.write(bench_report.evaluate(lines), lines, d)
            self.assertTrue(os.path.exists(os.path.join(d, 'results.json')))
            ktap = os.listdir(os.path.join(d, 'ktap'))
            self.assertIn('guest.ktap', ktap)
            # The KTAP we write parses back to the same verdicts.
            for k in ktap:
                back = bench_ktap.parse(bench.read_lines(os.path.join(d, 'ktap', k)))
                self.assertEqual(back[0].status(), 'passed', k)


class QemuTest(unittest.TestCase):
    def test_hung_command_times_out(self):
        with tempfile.TemporaryDirectory() as d:
            status, secs = bench_qemu.run(['sleep', '30'], os.path.join(d, 'log'), 1)
        self.assertEqual(status, 'timeout')
        self.assertLess(secs, 10)

    def test_qemu_that_fails_to_start_says_why(self):
        with tempfile.TemporaryDirectory() as d:
            log = os.path.join(d, 'log')
            status, _ = bench_qemu.run(
                ['sh', '-c', 'echo "qemu-system-x86_64: -drive file=x: Could not open" >&2; exit 1'],
                log, 10)
            r = bench_report.evaluate(bench.read_lines(log), status)
        self.assertEqual(status, 'exit status 1')
        self.assertEqual(r['problems'][0],
                         'QEMU ended with exit status 1: qemu-system-x86_64: -drive file=x: Could not open')

    def test_missing_qemu_is_one_line(self):
        with tempfile.TemporaryDirectory() as d:
            err = io.StringIO()
            old = bench_qemu.ARCHES['x86_64']['qemu']
            bench_qemu.ARCHES['x86_64']['qemu'] = 'qemu-system-none'
            try:
                with contextlib.redirect_stderr(err):
                    rc = bench.main(['boot', d, os.path.join(d, 'initrd'), os.path.join(d, 'r')])
            finally:
                bench_qemu.ARCHES['x86_64']['qemu'] = old
        self.assertEqual(rc, 2)
        self.assertIn('bench.py: error: qemu-system-none not found (scripts/deps.sh run)',
                      err.getvalue())
        self.assertNotIn('Traceback', err.getvalue())

    def test_runner_that_ends_kills_qemu(self):
        arg = str(4000 + os.getpid() % 1000)

        def qemus():
            found = []
            for pid in filter(str.isdigit, os.listdir('/proc')):
                try:
                    with open(f'/proc/{pid}/cmdline', 'rb') as f:
                        if f.read() == f'sleep\0{arg}\0'.encode():
                            found.append(pid)
                except OSError:
                    pass
            return found

        for sig in (signal.SIGTERM, signal.SIGINT):
            with tempfile.TemporaryDirectory() as d:
                # A shell runs a background job with SIGINT ignored; a
                # terminal's Ctrl-C reaches a runner that has Python's handler.
                code = (f'import sys, signal; sys.path.insert(0, {os.path.dirname(HERE)!r}); '
                        f'signal.signal(signal.SIGINT, signal.default_int_handler); '
                        f'import bench_qemu; '
                        f'bench_qemu.run(["sleep", "{arg}"], {d + "/log"!r}, 600)')
                runner = subprocess.Popen([sys.executable, '-c', code],
                                          stderr=subprocess.DEVNULL)
                deadline = time.monotonic() + 10
                while not qemus() and time.monotonic() < deadline:
                    time.sleep(0.05)
                self.assertTrue(qemus(), 'the stand-in for QEMU did not start')
                runner.send_signal(sig)
                runner.wait(timeout=10)
                self.assertEqual(qemus(), [], f'QEMU outlived its runner ({sig.name})')

    def test_command_line(self):
        with tempfile.TemporaryDirectory() as d:
            cmd = bench_qemu.command('/k', '/i.cpio.gz', d)
            self.assertTrue(os.path.exists(os.path.join(d, 'nvme.img')))
        self.assertIn('-no-reboot', cmd)
        append = cmd[cmd.index('-append') + 1]
        words = append.split()
        # Every pmem range is reserved, and the device-dax ones are named
        # for the guest with their alignment.
        self.assertIn('memmap=512M!0x80000000', words)
        self.assertIn('memmap=64M!0x100000000', words)
        self.assertIn('memmap=64M!0x108000000', words)
        self.assertIn('memmap=256M$0xa0000000', words)
        self.assertIn('devdax_ranges=0x100000000:4096,0x108000000:2097152', words)


class PerfTest(unittest.TestCase):
    """bench_perf.py on small console logs, one per boot."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def log(self, name, figures, wall=None):
        """A console log as the guest writes it: figures indented by init."""
        d = os.path.join(self.tmp.name, name)
        os.makedirs(d)
        with open(os.path.join(d, 'console.log'), 'w') as f:
            f.write('[    1.0] boot noise\n        # Subtest: guest\n')
            for fig, value, unit in figures:
                f.write(f'        perf: {fig} {value} {unit}\n')
            f.write('    ok 1 perf\nbench-guest: PASS\n')
        if wall is not None:
            with open(os.path.join(d, 'wall_s'), 'w') as f:
                f.write(f'{wall}\n')
        return os.path.join(d, 'console.log')

    def test_parse(self):
        got = bench_perf.parse([
            'perf: a 12 ns/page', '        perf: b 3.5 ns/2MiB',
            '        # perf: c 1 ns/page', 'perf: mmap: No such device',
            'perf: /dev/dax1.0: size 0, align 4096', 'xperf: d 1 ns/page',
            '  perf: e 7 ns/page  '])
        self.assertEqual(got, [('a', 12.0, 'ns/page'), ('b', 3.5, 'ns/2MiB'),
                               ('e', 7.0, 'ns/page')])

    def test_report(self):
        base = [self.log(f'base-{i}', [('fault', v, 'ns/page'), ('pin', 10, 'ns/page')], w)
                for i, (v, w) in enumerate([(100, 20), (300, 22), (200, 21)])]
        series = [self.log(f'series-{i}', [('fault', v, 'ns/page'), ('pin', 10, 'ns/page'),
                                           ('new', 5, 'ns/page')])
                  for i, v in enumerate([150, 50])]
        out = os.path.join(self.tmp.name, 'out')
        table = bench_perf.report(base, series, out)
        with open(os.path.join(out, 'perf.json')) as f:
            rows = {r['name']: r for r in json.load(f)['figures']}
        self.assertEqual(rows['fault']['base']['median'], 200)
        self.assertEqual(rows['fault']['series']['median'], 100)
        self.assertAlmostEqual(rows['fault']['ratio'], 0.5)
        self.assertAlmostEqual(rows['pin']['ratio'], 1.0)
        self.assertIsNone(rows['new']['ratio'])          # no base figure
        self.assertEqual(rows['boot-wall']['base']['median'], 21)
        self.assertEqual(rows['boot-wall']['unit'], 's')
        self.assertIsNone(rows['boot-wall']['ratio'])    # no series wall times
        self.assertIn('| fault | ns/page | 200.0 | 100.0 | 0.500 | 3/2 |', table)
        with open(os.path.join(out, 'perf.md')) as f:
            self.assertEqual(f.read(), table)
        svg = ET.parse(os.path.join(out, 'perf.svg')).getroot()
        self.assertEqual(svg.tag, '{http://www.w3.org/2000/svg}svg')
        texts = [t.text for t in svg.iter('{http://www.w3.org/2000/svg}text')]
        for label in ('fault', 'pin', 'new', 'boot-wall', '0.500', '1.000', 'n/a'):
            self.assertIn(label, texts)

    def test_log_without_figures_fails(self):
        empty = self.log('empty', [])
        self.assertRaises(ValueError, bench_perf.collect, [empty])
        out = os.path.join(self.tmp.name, 'out')
        with contextlib.redirect_stderr(io.StringIO()) as err:
            rc = bench_perf.main(['report', '--base', empty, '--series', empty, '--out', out])
        self.assertEqual(rc, 1)
        self.assertIn('no "perf:" lines', err.getvalue())

    def test_unit_must_agree(self):
        a = self.log('a', [('fault', 1, 'ns/page')])
        b = self.log('b', [('fault', 1, 'ns/2MiB')])
        self.assertRaises(ValueError, bench_perf.collect, [a, b])
        self.assertRaises(ValueError, bench_perf.compare, bench_perf.collect([a]),
                          bench_perf.collect([b]))



class BadInputTest(unittest.TestCase):
    """bench_badinput.py on console lines as the guest prints them."""

    SERIES = [
        '        # devdax: MAP_PRIVATE                   EINVAL     ok',
        'device_dax dax2.0: badinput: dax_mmap: fail, attempted private mapping',
        '        # hmm READ: npages 2^40                 EINVAL     ok',
        '    ok 1 devdax',
        '        # hmm READ: npages 0                    EINVAL     ok',
        '        # hmm READ: npages 0                    EINVAL     ok',
        '        # hmm: unknown ioctl                    EINVAL     ok',
        '    ok 2 untrusted-input',
        '        # vma: mprotect READ|WRITE across       0          ok',
        '    ok 3 fsdax-ext4',
    ]
    BASE = [
        '        # hmm READ: npages 0                    EINVAL     ok',
        '        # hmm READ: npages 0                    0          unexpected',
    ]

    def test_cases_belong_to_the_test_that_ends_after_them(self):
        c = bench_badinput.cases(self.SERIES)
        self.assertEqual(c[('devdax', 'devdax: MAP_PRIVATE')], 'EINVAL ok')
        self.assertEqual(c[('devdax', 'hmm READ: npages 2^40')], 'EINVAL ok')
        # The same case on a second device is numbered.
        self.assertIn(('untrusted-input', 'hmm READ: npages 0 #2'), c)
        self.assertEqual(c[('untrusted-input', 'hmm: unknown ioctl')], 'EINVAL ok')
        self.assertEqual(len(c), 6)

    def test_unfinished_and_unreached(self):
        t = bench_badinput.table(bench_badinput.cases(self.BASE),
                                 bench_badinput.cases(self.SERIES))
        self.assertIn('| devdax | devdax: MAP_PRIVATE | not reached | EINVAL ok |', t)
        # The base hung in the test that ran these: they are its cases.
        self.assertIn('| untrusted-input | hmm READ: npages 0 #2 | 0 unexpected (test unfinished) '
                      '| EINVAL ok |', t)
        self.assertNotIn('(unfinished) |', t)
        # A "|" in a case stays in its cell.
        self.assertIn('| fsdax-ext4 | vma: mprotect READ\\|WRITE across | not reached | 0 ok |', t)
        self.assertTrue(all(r.count(' | ') == 3 for r in t.split('\n') if r.startswith('| ')))
        self.assertTrue(t.endswith('series: 6 cases, 0 unexpected; base: 2 reached, 1 unexpected'))

if __name__ == '__main__':
    unittest.main(verbosity=1)
