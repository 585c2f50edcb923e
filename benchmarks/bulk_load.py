"""How fast can a corpus be bulk-loaded, and what would ``lenient=True`` change?

Usage: python benchmarks/bulk_load.py [--size 5M] [--seed 1] [--runs 1]

Times ``pyoxigraph.Store.bulk_load`` of the cached corpus (benchmarks/corpus.py) in fresh
processes: in memory and on disk (then ``flush`` + ``optimize``, as ``EmbeddedStore.flush`` does),
each with the default validation and with ``lenient=True`` (pyoxigraph skips most validation of
the RDF input; only safe for trusted files such as prc-kg's own dumps). ``EmbeddedStore.load_file``
is the strict in-memory/on-disk case.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus as corpus_mod

_CHILD = """
import json, sys, time
import pyoxigraph as ox
path, location, lenient = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
start = time.perf_counter()
store = ox.Store(location) if location != "-" else ox.Store()
store.bulk_load(path=path, format=ox.RdfFormat.N_TRIPLES, lenient=lenient)
load = time.perf_counter() - start
flush = 0.0
if location != "-":
    start = time.perf_counter()
    store.flush()
    store.optimize()
    flush = time.perf_counter() - start
print(json.dumps({"load_s": load, "flush_optimize_s": flush}))
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="5M")
    parser.add_argument("--seed", type=int, default=corpus_mod.DEFAULT_SEED)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    c = corpus_mod.build(args.size, args.seed, log=lambda m: print(m, file=sys.stderr))
    print(f"Command: `.venv/bin/python benchmarks/bulk_load.py --size {args.size} --runs {args.runs}` "
          f"({c.triples:,} triples, {c.mib:.0f} MiB N-Triples; median of {args.runs} fresh processes)\n")
    print("| target | validation | bulk_load s | flush + optimize s | total s |")
    print("|---|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="bulk-", dir=corpus_mod.CACHE_DIR) as tmp:
        for target in ("memory", "disk"):
            for lenient in (False, True):
                samples = []
                for i in range(args.runs):
                    location = "-" if target == "memory" else str(Path(tmp) / f"db-{int(lenient)}-{i}")
                    out = subprocess.run([sys.executable, "-c", _CHILD, str(c.path), location, str(int(lenient))],
                                         check=True, capture_output=True, text=True, timeout=1800).stdout
                    samples.append(json.loads(out))
                    if location != "-":
                        shutil.rmtree(location, ignore_errors=True)
                load = statistics.median(s["load_s"] for s in samples)
                flush = statistics.median(s["flush_optimize_s"] for s in samples)
                print(f"| {target} | {'lenient' if lenient else 'default (validating)'} | {load:.2f} | "
                      f"{flush:.2f} | {load + flush:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
