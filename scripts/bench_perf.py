#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Base versus series: the figures of the guest's microbenchmarks.

  bench_perf.py collect CONSOLE.LOG...
  bench_perf.py report --base LOG... --series LOG... --out DIR

guest/src/perf.c prints each figure as a line "perf: NAME VALUE UNIT" (the
guest's init indents it).  Each console log is one boot; a variant's value
for a figure is the median over its boots.  A file "wall_s" next to a log
(scripts/perf.sh writes it) adds the boot's host wall time as the figure
"boot-wall"; unlike the guest's figures it is not counted in instructions,
so it varies with the host's load.

`report` writes DIR/perf.json, DIR/perf.md (the table it prints) and
DIR/perf.svg (series against base, base = 1.0).  Every figure is a time:
lower is better, and a ratio below 1 means the series is faster.
"""

import argparse
import json
import os
import re
import statistics
import sys
from xml.sax.saxutils import escape

LINE = re.compile(r'^\s*perf: (\S+) ([0-9]+(?:\.[0-9]*)?) (\S+)\s*$')


def parse(lines):
    """The (name, value, unit) of every figure line, in order."""
    out = []
    for line in lines:
        m = LINE.match(line)
        if m:
            out.append((m.group(1), float(m.group(2)), m.group(3)))
    return out


def read_log(path):
    with open(path, 'rb') as f:
        figures = parse(f.read().decode('utf-8', 'replace').splitlines())
    if not figures:
        raise ValueError(f'{path}: no "perf:" lines (did the guest run perf?)')
    wall = os.path.join(os.path.dirname(path), 'wall_s')
    if os.path.exists(wall):
        with open(wall) as f:
            figures.append(('boot-wall', float(f.read().strip()), 's'))
    return figures


def collect(paths):
    """{name: {'unit': UNIT, 'values': [one per boot]}}, in first-seen order."""
    figures = {}
    for path in paths:
        for name, value, unit in read_log(path):
            f = figures.setdefault(name, {'unit': unit, 'values': []})
            if f['unit'] != unit:
                raise ValueError(f'{path}: {name} in {unit}, elsewhere in {f["unit"]}')
            f['values'].append(value)
    return figures


def compare(base, series):
    """One row per figure of either variant: medians, ratio, runs."""
    rows = []
    for name in list(base) + [n for n in series if n not in base]:
        b, s = base.get(name), series.get(name)
        if b and s and b['unit'] != s['unit']:
            raise ValueError(f'{name}: base in {b["unit"]}, series in {s["unit"]}')
        bm = statistics.median(b['values']) if b else None
        sm = statistics.median(s['values']) if s else None
        rows.append({
            'name': name, 'unit': (b or s)['unit'],
            'base': {'median': bm, 'values': b['values'] if b else []},
            'series': {'median': sm, 'values': s['values'] if s else []},
            'ratio': sm / bm if bm and sm is not None else None,
        })
    return rows


def fmt(x, digits=1):
    return '-' if x is None else f'{x:.{digits}f}'


def markdown(rows):
    out = ['| figure | unit | base | series | series/base | runs (base/series) |',
           '|---|---|---:|---:|---:|---:|']
    for r in rows:
        out.append(f"| {r['name']} | {r['unit']} | {fmt(r['base']['median'])} | "
                   f"{fmt(r['series']['median'])} | {fmt(r['ratio'], 3)} | "
                   f"{len(r['base']['values'])}/{len(r['series']['values'])} |")
    return '\n'.join(out) + '\n'


def svg(rows):
    """Two bars a figure, base (1.0) and series (its ratio), on one scale."""
    label_w, bar_w, bar_h, gap, top = 190, 360, 14, 12, 40
    scale = bar_w / max([1.0] + [r['ratio'] for r in rows if r['ratio'] is not None])
    width = label_w + bar_w + 70
    height = top + len(rows) * (2 * bar_h + gap) + 10
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="11">',
           '<text x="10" y="16" font-size="13">series / base (base = 1.0; lower is faster)'
           '</text>',
           '<rect x="10" y="24" width="10" height="10" fill="#999"/>'
           '<text x="24" y="33">base</text>',
           '<rect x="70" y="24" width="10" height="10" fill="#36c"/>'
           '<text x="84" y="33">series</text>']
    y = top
    for r in rows:
        out.append(f'<text x="{label_w - 6}" y="{y + bar_h + 4}" text-anchor="end">'
                   f'{escape(r["name"])}</text>')
        bars = [(1.0 if r['base']['median'] else None, '#999'), (r['ratio'], '#36c')]
        for i, (value, colour) in enumerate(bars):
            by = y + i * bar_h
            if value is None:
                out.append(f'<text x="{label_w + 4}" y="{by + bar_h - 3}">n/a</text>')
                continue
            w = value * scale
            out.append(f'<rect x="{label_w}" y="{by}" width="{w:.1f}" '
                       f'height="{bar_h - 2}" fill="{colour}"/>')
            out.append(f'<text x="{label_w + w + 4:.1f}" y="{by + bar_h - 3}">'
                       f'{value:.3f}</text>')
        y += 2 * bar_h + gap
    x1 = label_w + scale
    out.append(f'<line x1="{x1:.1f}" y1="{top - 4}" x2="{x1:.1f}" y2="{y}" '
               'stroke="#000" stroke-dasharray="3,3"/>')
    out.append('</svg>')
    return '\n'.join(out) + '\n'


def report(base_logs, series_logs, out_dir):
    """Write perf.json, perf.md and perf.svg to out_dir; returns the table."""
    rows = compare(collect(base_logs), collect(series_logs))
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, 'perf.json'), 'w') as f:
        json.dump({'logs': {'base': base_logs, 'series': series_logs},
                   'figures': rows}, f, indent=1)
        f.write('\n')
    table = markdown(rows)
    with open(os.path.join(out_dir, 'perf.md'), 'w') as f:
        f.write(table)
    with open(os.path.join(out_dir, 'perf.svg'), 'w') as f:
        f.write(svg(rows))
    return table


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    c = sub.add_parser('collect')
    c.add_argument('logs', nargs='+')
    r = sub.add_parser('report')
    r.add_argument('--base', nargs='+', required=True)
    r.add_argument('--series', nargs='+', required=True)
    r.add_argument('--out', required=True)
    args = ap.parse_args(argv)

    try:
        if args.cmd == 'collect':
            for name, f in collect(args.logs).items():
                print(f"{name} {f['unit']} " + ' '.join(f'{v:g}' for v in f['values']))
        else:
            print(report(args.base, args.series, args.out), end='')
    except (OSError, ValueError) as e:
        print(f'bench_perf: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
