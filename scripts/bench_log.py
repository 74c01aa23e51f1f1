# SPDX-License-Identifier: GPL-2.0
"""What a console log says beyond test results: kernel splats and the
guest's end-of-run marker."""

import re

# Anything here in a console log fails the run, whatever the tests said.
SPLATS = [
    ('warning', r'WARNING:'),             # WARN*(), lockdep, RCU, KCSAN ...
    ('bug', r'\bBUG[: ]'),                 # BUG:, kernel BUG at, BUG kmalloc-
    ('oops', r'\bOops\b'),
    ('gpf', r'general protection fault'),
    ('panic', r'Kernel panic'),
    ('kasan', r'KASAN:'),
    ('ubsan', r'UBSAN:'),
    ('kfence', r'KFENCE:'),
    ('refcount', r'refcount_t:'),
    ('bad page', r'Bad page (state|map)'),
    ('page dump', r'page dumped because'),
    ('lockdep', r'possible (recursive|circular) locking|inconsistent lock state'),
    ('hung task', r'INFO: task .* blocked for more than'),
    # Normal, expedited and RCU-tasks stalls (rcu_tasks, rcu_tasks_trace).
    ('rcu stall', r'INFO: rcu_\w+ (detected (expedited )?stalls|self-detected stall)'),
    ('soft lockup', r'soft lockup'),
    ('list corruption', r'list_(add|del) corruption'),
    ('call trace', r'Call Trace:'),
]
_SPLAT = re.compile('|'.join(f'(?P<s{i}>{p})' for i, (_, p) in enumerate(SPLATS)))

# guest/init prints exactly one of these as its last word.
MARKER = re.compile(r'^bench-guest: (PASS|FAIL)\b(.*)$')


def splats(lines):
    """[(line number, kind, line)] for every splat line in the log."""
    found = []
    for n, line in enumerate(lines, 1):
        m = _SPLAT.search(line)
        if m:
            kind = SPLATS[int(m.lastgroup[1:])][0]
            found.append((n, kind, line.strip()))
    return found


def marker(lines):
    """'PASS', 'FAIL' or None: the guest's verdict on its own tests."""
    for line in reversed(lines):
        m = MARKER.match(line.strip().split('] ', 1)[-1])
        if m:
            return m.group(1)
    return None
