# SPDX-License-Identifier: GPL-2.0
"""What make prove concludes from two runs of the tests, before and after a
fix: the cases that failed before it and passed after it.  A case skipped
before did not fail there; one that did not run after did not pass there;
and an after-run that did not finish (no marker from the guest, or QEMU
killed) proves nothing.

    python3 bench_prove.py cases RESULTS_DIR     writes failed, passed, finished
    python3 bench_prove.py fixed BEFORE AFTER    prints the proving cases;
                                                 exit 2 if AFTER did not finish
"""

import json
import os
import sys


def cases(results):
    """(failed, passed, finished) of one run's results.json."""
    failed, passed = [], []
    for s in results['suites']:
        for t in s['tests']:
            name = f"{s['name']}.{t['name']}"
            if t['status'] == 'failed':
                failed.append(name)
            elif t['status'] == 'passed':
                passed.append(name)
    # Failed suites are listed above; anything else (splats, a timeout) too.
    listed = tuple(f"{s['kind']} {s['name']}:" for s in results['suites'])
    for p in results['problems']:
        if not p.startswith(listed) and p != 'guest said FAIL':
            failed.append(f"({p})")
    finished = (results['marker'] in ('PASS', 'FAIL') and
                results['qemu']['status'] == 'exited')
    return failed, passed, finished


def fixed(before, after):
    """The cases that prove a fix, from the two runs' cases(); None if the
    after-run did not finish."""
    if not after[2]:
        return None
    return sorted(set(before[0]) & set(after[1]))


def _read(d):
    def names(f):
        with open(os.path.join(d, f)) as fh:
            return fh.read().split('\n')[:-1]
    return names('failed'), names('passed'), os.path.exists(os.path.join(d, 'finished'))


def main(argv):
    if len(argv) == 3 and argv[1] == 'cases':
        d = argv[2]
        with open(os.path.join(d, 'results.json')) as f:
            failed, passed, finished = cases(json.load(f))
        for name, items in (('failed', failed), ('passed', passed)):
            with open(os.path.join(d, name), 'w') as f:
                f.write(''.join(i + '\n' for i in items))
        if finished:
            open(os.path.join(d, 'finished'), 'w').close()
        elif os.path.exists(os.path.join(d, 'finished')):
            os.remove(os.path.join(d, 'finished'))
        return 0
    if len(argv) == 4 and argv[1] == 'fixed':
        proof = fixed(_read(argv[2]), _read(argv[3]))
        if proof is None:
            return 2
        print(''.join(c + '\n' for c in proof), end='')
        return 0
    print(__doc__, file=sys.stderr)
    return 1


if __name__ == '__main__':
    sys.exit(main(sys.argv))
