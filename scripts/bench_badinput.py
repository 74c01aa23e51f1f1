#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Base versus series: what each bad-input case got.

  bench_badinput.py BASE_CONSOLE.LOG SERIES_CONSOLE.LOG

guest/src/badinput.c prints each case as a line
"# GROUP: CASE   RESULT   ok|unexpected" inside the guest test that ran it
(devdax, fsdax-*, untrusted-input).  The table has one row per test and
case, with the result and verdict on each side; a case the base never
reached (an earlier check of its test failed) says so, and the cases of a
test that never ended (the guest hung or timed out) are marked.
"""

import re
import sys

CASE = re.compile(r'^\s*# ([^:]+: .*?)\s{2,}(\S+)\s+(ok|unexpected)\s*$')
RESULT = re.compile(r'^\s*(?:not )?ok \d+ (\S+)')


def cases(lines):
    """{(test, case): 'RESULT verdict'} in the order the log has them.  A
    case that a test runs more than once (on each of several devices) is
    numbered: "case #2"."""
    out, pending = {}, []
    for line in lines:
        m = CASE.match(line)
        if m:
            n = sum(1 for case, _, _ in pending if case == m.group(1))
            pending.append((m.group(1), f'{m.group(1)} #{n + 1}' if n else m.group(1),
                            f'{m.group(2)} {m.group(3)}'))
            continue
        m = RESULT.match(line)
        if m and pending:
            for _, case, got in pending:
                out[(m.group(1), case)] = got
            pending = []
    # A test that never ended (a hang): its cases so far.
    for _, case, got in pending:
        out[('(unfinished)', case)] = got
    return out


def lookup(side, test, case):
    """What @side got for @case of @test.  The cases of a test that never
    ended are filed under "(unfinished)": only the last test can be that."""
    if (test, case) in side:
        return side[(test, case)]
    if ('(unfinished)', case) in side:
        return side[('(unfinished)', case)] + ' (test unfinished)'
    return 'not reached'


def table(base, series):
    """Markdown: every case of either side, series order first.  A "|" in
    a case (mprotect READ|WRITE) is escaped, so that it stays in its cell."""
    keys = list(series) + [k for k in base if k not in series and
                           not (k[0] == '(unfinished)' and
                                any(c == k[1] for _, c in series))]
    rows = ['| test | case | base | series |', '|---|---|---|---|']
    for test, case in keys:
        cells = (test, case, lookup(base, test, case), lookup(series, test, case))
        rows.append('| ' + ' | '.join(c.replace('|', '\\|') for c in cells) + ' |')
    unexpected = sum(1 for v in series.values() if v.endswith('unexpected'))
    rows.append('')
    rows.append(f'series: {len(series)} cases, {unexpected} unexpected; '
                f'base: {len(base)} reached, '
                f'{sum(1 for v in base.values() if v.endswith("unexpected"))} unexpected')
    return '\n'.join(rows)


def read(path):
    with open(path, errors='replace') as f:
        return [line.rstrip('\r\n').replace('\r', '') for line in f]


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__.strip().split('\n\n')[1])
    print(table(cases(read(argv[0])), cases(read(argv[1]))))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
