"""Benchmark: the privacy check on an imported corpus (utterance texts, labels, attributes, ids in IRIs),
streamed, against reading the same N-Triples file once.

Usage: python benchmarks/privacy_corpus.py [--sizes 10000 100000] [--seed 1]

The corpora are those of benchmarks/search_index.py (same generator and seed: N utterances in the
import's data shape, texts of Zipf-drawn words). Each measurement runs in a fresh process:

- baseline: one pass of pyoxigraph's N-Triples parser over the file, counting literals (the floor
  of any streamed check);
- check: ``privacy.check_file`` with the shipped allow-list (two streamed passes, every literal
  scanned by its field's rules).

Reported: time, utterances per second, check / baseline, peak resident memory of each, and how the
check's peak memory grows from the small corpus to the large one (flat when streamed).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search_index import write_corpus  # the sibling benchmark's generator

_RUN = """
import resource, sys, time
from pathlib import Path
start = time.perf_counter()
if sys.argv[1] == "baseline":
    import pyoxigraph as ox
    n = sum(isinstance(q.object, ox.Literal) for q in ox.parse(path=sys.argv[2], format=ox.RdfFormat.N_TRIPLES))
else:
    from prc_kg.checks.privacy import allowlist_for, check_file
    n = len(check_file(Path(sys.argv[2]), allowlist_for(None)))
print(time.perf_counter() - start, n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def run(kind: str, path: Path) -> tuple[float, int, float]:
    out = subprocess.run([sys.executable, "-c", _RUN, kind, str(path)], check=True, capture_output=True,
                         text=True).stdout.split()
    return float(out[0]), int(out[1]), float(out[2])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="prc-kg-bench-privacy-") as tmp:
        for size in args.sizes:
            path = Path(tmp) / f"utterances-{size}.nt"
            write_corpus(path, size, args.seed)
            rows.append((size, path.stat().st_size / 2**20, run("baseline", path), run("check", path)))
    print("| utterances | N-Triples MiB | baseline parse s (literals) | check s | utterances/s | check / baseline "
          "| findings | baseline peak MiB | check peak MiB |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size, mib, (bt, literals, bm), (ct, found, cm) in rows:
        print(f"| {size:,} | {mib:.0f} | {bt:.2f} ({literals:,}) | {ct:.2f} | {size / ct:,.0f} | {ct / bt:.1f}x "
              f"| {found} | {bm:.0f} | {cm:.0f} |")
    if len(rows) > 1:
        (s_size, _, _, s_check), (l_size, _, _, l_check) = rows[0], rows[-1]
        print(f"\nutterances large/small: {l_size / s_size:.0f}x; check time large/small: "
              f"{l_check[0] / s_check[0]:.1f}x; check peak memory large/small: {l_check[2] / s_check[2]:.2f}x")


if __name__ == "__main__":
    main()
