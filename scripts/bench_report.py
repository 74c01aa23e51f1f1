# SPDX-License-Identifier: GPL-2.0
"""Turn a boot's console log into a verdict, a table, JSON and KTAP files."""

import json
import os

import bench_ktap
import bench_log

GUEST = 'guest'


def evaluate(lines, qemu_status='exited', seconds=None, expected_kunit=None,
             expected_guest=None):
    """Everything a run's verdict rests on, as one JSON-able dict.

    expected_kunit: the KUnit suites built into the kernel; expected_guest:
    the guest tests the host asked for.  Each one without a result is a
    failure of its own.
    """
    top = bench_ktap.parse(lines)
    rows = []
    for t in top:
        # "(missing N)" and "(unfinished)" stand for results that never came.
        kind = 'guest' if t.name == GUEST else 'log' if t.name.startswith('(') else 'kunit'
        for test in (t.children if kind == 'guest' else [t]):
            leaves = list(test.leaves())
            rows.append({
                'kind': kind, 'name': test.name, 'status': test.status(),
                'passed': sum(x.status() == 'passed' for _, x in leaves),
                'failed': sum(x.status() == 'failed' for _, x in leaves) + test.incomplete(),
                'skipped': sum(x.status() == 'skipped' for _, x in leaves),
                'tests': [{'name': path, 'status': x.status(), 'reason': x.reason}
                          for path, x in leaves],
            })
        if kind == 'guest' and t.incomplete():
            rows.append({'kind': 'guest', 'name': f'(missing {t.incomplete()})',
                         'status': 'failed', 'passed': 0, 'failed': t.incomplete(),
                         'skipped': 0, 'tests': []})
    for kind, expected in (('kunit', expected_kunit), ('guest', expected_guest)):
        seen = {r['name'] for r in rows if r['kind'] == kind}
        for name in expected or ():
            if name not in seen:
                rows.append({'kind': kind, 'name': name, 'status': 'failed',
                             'passed': 0, 'failed': 1, 'skipped': 0,
                             'tests': [{'name': name, 'status': 'failed',
                                        'reason': 'no result'}]})
    splats = bench_log.splats(lines)
    marker = bench_log.marker(lines)

    problems = []
    if qemu_status == 'timeout':
        problems.append(f'guest timed out after {seconds:.0f}s' if seconds
                        else 'guest timed out')
    elif qemu_status != 'exited':
        last = next((l.strip() for l in reversed(lines) if l.strip()), '(no output)')
        problems.append(f'QEMU ended with {qemu_status}: {last[:160]}')
    if marker is None:
        problems.append('no bench-guest: PASS/FAIL marker from the guest')
    elif marker != 'PASS':
        problems.append('guest said FAIL')
    if not any(t.name == GUEST for t in top):
        problems.append('no guest test results')
    for n, kind, line in splats[:5]:
        problems.append(f'console line {n}: {kind}: {line[:120]}')
    if len(splats) > 5:
        problems.append(f'... and {len(splats) - 5} more splat lines')
    for r in rows:
        if r['status'] != 'passed':
            problems.append(f"{r['kind']} {r['name']}: {r['status']}")

    totals = {k: sum(r[k] for r in rows) for k in ('passed', 'failed', 'skipped')}
    return {
        'verdict': 'PASS' if not problems else 'FAIL',
        'problems': problems,
        'qemu': {'status': qemu_status, 'seconds': seconds},
        'marker': marker,
        'splats': [{'line': n, 'kind': k, 'text': t} for n, k, t in splats],
        'totals': totals,
        'suites': rows,
    }


def table(result, label=''):
    out = []
    w = max([len(r['name']) for r in result['suites']] + [20])
    out.append(f"{'':6}{'test':{w}}  {'pass':>5} {'fail':>5} {'skip':>5}  result")
    for r in result['suites']:
        out.append(f"{r['kind']:6}{r['name']:{w}}  {r['passed']:5} {r['failed']:5} "
                   f"{r['skipped']:5}  {r['status'].upper()}")
        for t in r['tests']:
            if t['status'] != 'passed' and r['kind'] == 'kunit' or \
               t['status'] == 'failed':
                out.append(f"{'':8}{t['status']}: {t['name']} {t['reason']}".rstrip())
    for p in result['problems']:
        out.append(f'  ! {p}')
    t = result['totals']
    secs = result['qemu']['seconds']
    took = f', {secs:.0f}s' if secs is not None else ''
    out.append(f"{label + ': ' if label else ''}{result['verdict']} "
               f"({t['passed']} passed, {t['failed']} failed, {t['skipped']} skipped, "
               f"{len(result['splats'])} splats{took})")
    return '\n'.join(out)


def _ktap(test, indent=''):
    lines = []
    if test.children:
        lines += [f'{indent}    KTAP version 1', f'{indent}    # Subtest: {test.name}',
                  f'{indent}    1..{test.plan or len(test.children)}']
        for i, c in enumerate(test.children, 1):
            lines += _ktap(c, indent + '    ')[:-1]
            lines.append(_result(c, i, indent + '    '))
    lines.append(_result(test, 1, indent))
    return lines


def _result(test, n, indent):
    d = f' # {test.directive} {test.reason}'.rstrip() if test.directive else ''
    return f"{indent}{'ok' if test.ok else 'not ok'} {n} {test.name}{d}"


def write(result, lines, outdir):
    """results.json, console.log's KTAP split per suite under ktap/."""
    os.makedirs(os.path.join(outdir, 'ktap'), exist_ok=True)
    with open(os.path.join(outdir, 'results.json'), 'w') as f:
        json.dump(result, f, indent=1)
        f.write('\n')
    for t in bench_ktap.parse(lines):
        safe = ''.join(c if c.isalnum() or c in '-_.' else '_' for c in t.name)
        with open(os.path.join(outdir, 'ktap', f'{safe}.ktap'), 'w') as f:
            f.write('\n'.join(['KTAP version 1', '1..1'] + _ktap(t)) + '\n')
