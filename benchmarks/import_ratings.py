"""Benchmark: importing a large ratings CSV (rows/s, peak memory), against reading the same file.

Usage: python benchmarks/import_ratings.py [--rows-small 100000] [--rows-large 1000000]

For each size it times, in fresh processes: the baseline (a bare csv.reader pass over the file,
the floor any importer pays) and `prc-kg import` (validation, duplicate check, reliability and
N-Triples output). It reports rows/s, peak resident memory, and the ratios import/baseline; the
large/small memory ratio shows whether memory stays bounded as the file grows.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from peak import run

from prc_kg.instances.study import StudyDesign, write_study

ROWS_PER_DYAD = 8 * (10 * 17 + 10 * 5) * 2  # sessions x (therapist + patient items) x raters, 20 segments






def measure(rows_wanted: int, folder: Path) -> dict:
    dyads = max(1, round(rows_wanted / ROWS_PER_DYAD))
    csv_path = folder / f"ratings-{rows_wanted}.csv"
    rows = write_study(StudyDesign(study="bench", dyads=dyads, seed=1), csv_path)
    baseline = run([sys.executable, "-c",
                    "import csv,sys; n=sum(1 for _ in csv.reader(open(sys.argv[1], encoding='utf-8'))); print(n)",
                    str(csv_path)])
    imported = run([sys.executable, "-m", "prc_kg.cli.main", "import", str(csv_path), "--out", str(folder / "out.nt")])
    return {"rows": rows, "mb": csv_path.stat().st_size / 2**20, "baseline": baseline, "import": imported}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows-small", type=int, default=100_000)
    parser.add_argument("--rows-large", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="prc-kg-bench-") as tmp:
        results = [measure(n, Path(tmp)) for n in (args.rows_small, args.rows_large)]
    print("| rows | CSV MiB | baseline csv read s | import s | import rows/s | import / baseline time "
          "| baseline peak MiB | import peak MiB |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        (bt, bm), (it, im) = r["baseline"], r["import"]
        print(f"| {r['rows']:,} | {r['mb']:.0f} | {bt:.2f} | {it:.2f} | {r['rows'] / it:,.0f} | {it / bt:.1f}x "
              f"| {bm:.0f} | {im:.0f} |")
    small, large = results
    print(f"\nrows large/small: {large['rows'] / small['rows']:.1f}x; "
          f"import peak memory large/small: {large['import'][1] / small['import'][1]:.2f}x")


if __name__ == "__main__":
    main()
