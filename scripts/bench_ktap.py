# SPDX-License-Identifier: GPL-2.0
"""Read (K)TAP results out of a kernel console log.

The log holds KUnit's document (printed by the kernel at boot) and the
guest's (printed by guest/init), interleaved with whatever else the kernel
and the tests print.  Only result lines, plans and "# Subtest:" lines are
read; nesting comes from indentation, as in KTAP: a result line owns the
results printed before it at a deeper indentation.
"""

import re
from dataclasses import dataclass, field

# "[   12.345678] " printk time stamps, and QEMU's CRs.
_PREFIX = re.compile(r'^\[\s*\d+\.\d+\] ')
_VERSION = re.compile(r'^(\s*)K?TAP version \d+\s*$')
_PLAN = re.compile(r'^(\s*)1\.\.(\d+)\s*$')
_SUBTEST = re.compile(r'^(\s*)# Subtest: (.*?)\s*$')
_RESULT = re.compile(
    r'^(\s*)(ok|not ok) (\d+)(?: -)? ?([^#]*?)\s*(?:#\s*(SKIP|TODO|XFAIL|TIMEOUT)\b\s*(.*?))?\s*$',
    re.IGNORECASE)


@dataclass
class Test:
    name: str
    ok: bool
    directive: str = ''          # SKIP, TODO, XFAIL, TIMEOUT or ''
    reason: str = ''
    children: list = field(default_factory=list)
    plan: int | None = None      # the "1..N" its children announced

    @property
    def skipped(self):
        return self.directive.upper() == 'SKIP'

    def incomplete(self):
        """Children announced by the plan that never reported."""
        if self.plan is None:
            return 0
        return max(self.plan - len(self.children), 0)

    def leaves(self, prefix=''):
        """(path, test) for each test with no children below this one;
        the path names the tests in between: 'case.param'."""
        if not self.children:
            yield prefix or self.name, self
        for c in self.children:
            yield from c.leaves(f'{prefix}.{c.name}' if prefix else c.name)

    def status(self):
        """'passed', 'failed' or 'skipped', for the test and all below it."""
        if not self.ok or self.incomplete():
            return 'failed'
        st = [c.status() for c in self.children]
        if 'failed' in st:
            return 'failed'
        if self.skipped or 'skipped' in st:
            return 'skipped'
        return 'passed'


def clean(line):
    return _PREFIX.sub('', line.rstrip('\r\n').replace('\r', ''))


def parse(lines):
    """Return the top-level tests (KUnit suites, the guest suite) of a log.

    A document whose plan announces more top-level tests than reported
    (the kernel or the guest died in the middle) gets a failed test named
    '(missing N)'; results whose parent never reported go under a failed
    test named '(unfinished)'.
    """
    pending = []                 # (indent, Test) waiting for their parent
    plans = {}                   # indent -> the latest plan at that depth
    names = {}                   # indent -> the latest "# Subtest:" name
    top = []
    doc = {'plan': None, 'start': 0}

    def end_document():
        if pending:
            top.append(Test(name='(unfinished)', ok=False,
                            children=[t for _, t in pending]))
            pending.clear()
        want = doc['plan']
        got = len(top) - doc['start']
        if want is not None and got < want:
            top.append(Test(name=f'(missing {want - got})', ok=False))
        plans.clear()
        names.clear()

    def close(indent, test):
        while pending and pending[-1][0] > indent:
            test.children.insert(0, pending.pop()[1])
        deeper = sorted(d for d in plans if d > indent)
        if deeper:
            test.plan = plans[deeper[0]]
        for d in deeper:
            del plans[d]
        for d in [d for d in names if d > indent]:
            del names[d]
        if indent == 0:
            top.append(test)
        else:
            pending.append((indent, test))

    for raw in lines:
        line = clean(raw)
        m = _VERSION.match(line)
        if m:
            if not m.group(1):
                end_document()
                doc.update(plan=None, start=len(top))
            continue
        m = _PLAN.match(line)
        if m:
            if not m.group(1) and doc['plan'] is None:
                doc['plan'] = int(m.group(2))
            else:
                plans[len(m.group(1))] = int(m.group(2))
            continue
        m = _SUBTEST.match(line)
        if m:
            names[len(m.group(1))] = m.group(2)
            continue
        m = _RESULT.match(line)
        if not m:
            continue
        indent = len(m.group(1))
        name = m.group(4).strip()
        if not name:
            name = next((names[d] for d in sorted(names) if d > indent), '?')
        close(indent, Test(name=name, ok=m.group(2).lower() == 'ok',
                           directive=(m.group(5) or '').upper(),
                           reason=m.group(6) or ''))
    end_document()
    return top
