"""Benchmark: importing a ratings CSV with many raters (time, output size, printed lines), against reading it.

Usage: python benchmarks/many_raters.py [--raters 200] [--segments 4] [--pairs]

Generates one study (seed 1, one dyad, one session) whose every segment is scored by every rater
on every item of its kind: 200 raters and 4 segments make about 480 KB. Then, in fresh processes,
it times the baseline (a bare csv.reader pass over the file) and `prc-kg import` (with --pairs if
asked), and reports the ratio, the N-Triples size against the CSV size, and how many lines the
import printed. Reliability for every rater pair grows with the square of the raters (19,900 pairs
an item for 200 raters); the default output grows with the file.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from prc_kg.instances.study import StudyDesign, write_study

_WRAPPER = """
import resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], check=True, stdout=subprocess.PIPE)
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.stdout.count(b"\\n"))
"""


def run(cmd: list[str]) -> tuple[float, float, int]:
    """Wall time (s), peak RSS (MiB) and printed lines of one command, measured by a fresh wrapper process."""
    out = subprocess.run([sys.executable, "-c", _WRAPPER, *cmd], check=True, capture_output=True, text=True).stdout
    elapsed, peak_kib, lines = out.split()
    return float(elapsed), float(peak_kib) / 1024, int(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--raters", type=int, default=200)
    parser.add_argument("--segments", type=int, default=4)
    parser.add_argument("--pairs", action="store_true", help="pass --pairs to the import (every pair, on request)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="prc-kg-bench-") as tmp:
        folder = Path(tmp)
        source = folder / "raters.csv"
        rows = write_study(StudyDesign(study="bench", dyads=1, sessions=1, segments=args.segments,
                                       raters=args.raters, seed=1), source)
        baseline = run([sys.executable, "-c",
                        "import csv,sys; n=sum(1 for _ in csv.reader(open(sys.argv[1], encoding='utf-8'))); print(n)",
                        str(source)])
        output = folder / "raters.nt"
        imported = run([sys.executable, "-m", "prc_kg.cli.main", "import", str(source), "--out", str(output),
                        *(["--pairs"] if args.pairs else [])])
        csv_kb, nt_kb = source.stat().st_size / 1024, output.stat().st_size / 1024
    print("| raters | rows | CSV KB | baseline csv read s | import s | import / baseline time | import peak MiB "
          "| N-Triples KB | N-Triples / CSV size | lines printed |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    (bt, _, _), (it, im, lines) = baseline, imported
    print(f"| {args.raters} | {rows:,} | {csv_kb:,.0f} | {bt:.3f} | {it:.2f} | {it / bt:,.0f}x | {im:.0f} "
          f"| {nt_kb:,.0f} | {nt_kb / csv_kb:.1f}x | {lines:,} |")


if __name__ == "__main__":
    main()
