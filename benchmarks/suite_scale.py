"""Does the query library scale linearly on a disk store? Every query at two corpus sizes, per query.

Usage: python benchmarks/suite_scale.py [--sizes 1M 10M] [--repeats 3] [--workdir DIR]
                                        [--store 1M=DIR ...] [--queries-dir DIR]

For each size a persistent store is made the way ``prc-kg load --store`` makes one
(``EmbeddedStore(dir).load_file(corpus)`` then ``flush()``, which compacts the RocksDB files) from the
corpus of benchmarks/corpus.py (a corpus already in ``--workdir`` is reused whatever the source
fingerprint, so a code change does not cost a 10M rebuild), or ``--store SIZE=DIR`` names a store
made before. Then one fresh process per size opens it read-only and runs every query of the library
(``--queries-dir``, default ``queries/``) ``--repeats`` times, interleaved; the table gives the median
per query at each size, the ratio between sizes and the ratio of triples: a query whose time grows by
more than the triples do scales worse than linearly. The parts of ``interpretation_productivity_lag1``
are timed alone too (its floor). ``uptime``'s load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import corpus as corpus_mod

_CHILD = """
import json, sys, time
from prc_kg.store.backends import EmbeddedStore
from prc_kg.store.querylib import load_library
store = EmbeddedStore(sys.argv[1], read_only=True)
library = load_library(sys.argv[2])
repeats = int(sys.argv[3])
times = {name: [] for name in library}
rows = {}
for _ in range(repeats):
    for name, q in library.items():
        start = time.perf_counter()
        result = store.query(q.text, q.bindings({}))
        times[name].append(time.perf_counter() - start)
        rows[name] = len(result.rows) if result.kind == "select" else len(result.triples)
parts = {}
for name, text in json.loads(sys.argv[4]).items():
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        store.query(text)
        samples.append(time.perf_counter() - start)
    parts[name] = samples
print(json.dumps({"times": times, "rows": rows, "triples": len(store), "parts": parts}))
"""

# The parts of interpretation_productivity_lag1, timed alone: the ratings of one item with their segment
# and value (three index lookups per rating; the query does this for three items) and the pairs of a
# therapist segment and the patient segment after it. Their sum is the query's own floor.
_PREFIXES = "PREFIX prc: <https://w3id.org/prc-kg/ontology/> PREFIX sosa: <http://www.w3.org/ns/sosa/> "
PARTS = {
    "ratings of one item (segment, value)": _PREFIXES + "SELECT (COUNT(*) AS ?n) WHERE { ?r sosa:observedProperty "
    "prc:APS_TYPE-INT ; sosa:hasFeatureOfInterest ?s ; sosa:hasSimpleResult ?v }",
    "therapist segment → next patient segment": _PREFIXES + "SELECT (COUNT(*) AS ?n) WHERE { ?s a prc:TherapistSegment ; "
    "prc:immediatelyFollowedBy ?n . ?n a prc:PatientSegment }",
}

_LOAD = """
import sys, time
from prc_kg.store.backends import EmbeddedStore
start = time.perf_counter()
store = EmbeddedStore(sys.argv[2])
store.load_file(sys.argv[1])
store.flush()
print(time.perf_counter() - start)
"""


def load_average() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=str(ROOT / "src"))


def corpus_file(label: str, workdir: Path, seed: int) -> Path:
    """A corpus already in ``workdir`` (any fingerprint: the data, not the code, matters here), else built."""
    path = corpus_mod.corpus_path(label, seed, workdir)
    if path.exists() and path.with_suffix(".json").exists():
        return path
    return corpus_mod.build(label, seed, workdir, log=lambda m: print(m, file=sys.stderr)).path


def store_for(label: str, workdir: Path, seed: int, given: dict[str, Path]) -> tuple[Path, float | None]:
    if label in given:
        return given[label], None
    location = workdir / f"store-{label}-seed{seed}"
    done = location / ".benchmark-complete"
    if done.exists():
        return location, None
    location.mkdir(parents=True, exist_ok=True)
    out = subprocess.run([sys.executable, "-c", _LOAD, str(corpus_file(label, workdir, seed)), str(location)],
                         check=True, capture_output=True, text=True, env=_env(), timeout=7200).stdout
    done.write_text("made by benchmarks/suite_scale.py\n")
    return location, float(out)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", nargs="+", default=["1M", "10M"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=corpus_mod.DEFAULT_SEED)
    parser.add_argument("--workdir", type=Path, default=corpus_mod.CACHE_DIR)
    parser.add_argument("--store", nargs="*", default=[], help="SIZE=DIR: a store made before")
    parser.add_argument("--queries-dir", type=Path, default=ROOT / "queries")
    args = parser.parse_args()
    given = {k: Path(v) for k, v in (s.split("=", 1) for s in args.store)}
    before = load_average()
    results = {}
    for label in args.sizes:
        location, load_s = store_for(label, args.workdir, args.seed, given)
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", _CHILD, str(location), str(args.queries_dir), str(args.repeats),
                              json.dumps(PARTS)],
                             check=True, capture_output=True, text=True, env=_env(), timeout=7200).stdout
        results[label] = {**json.loads(out), "load_s": load_s, "wall_s": time.perf_counter() - start}
        print(f"  {label}: {results[label]['triples']:,} triples, suite run in {results[label]['wall_s']:.0f} s",
              file=sys.stderr, flush=True)
    after = load_average()
    small, large = args.sizes[0], args.sizes[-1]
    grow = results[large]["triples"] / results[small]["triples"]
    print(f"Command: `.venv/bin/python benchmarks/suite_scale.py --sizes {' '.join(args.sizes)} "
          f"--repeats {args.repeats}` (disk stores, read-only, median of {args.repeats}; "
          f"load average before {before}, after {after})\n")
    for label in args.sizes:
        r = results[label]
        load = f", loaded and compacted in {r['load_s']:.1f} s" if r["load_s"] else ""
        print(f"- {label}: {r['triples']:,} triples{load}")
    print(f"\n| query | rows {small} | {small} ms | rows {large} | {large} ms | ratio | ≤ triples ratio ({grow:.1f})? |")
    print("|---|---:|---:|---:|---:|---:|---|")
    totals = {label: 0.0 for label in args.sizes}
    for name in results[small]["times"]:
        t = {label: statistics.median(results[label]["times"][name]) for label in args.sizes}
        for label in args.sizes:
            totals[label] += t[label]
        ratio = t[large] / t[small] if t[small] else float("inf")
        print(f"| {name} | {results[small]['rows'][name]} | {t[small] * 1000:.1f} | {results[large]['rows'][name]} | "
              f"{t[large] * 1000:.1f} | {ratio:.1f} | {'yes' if ratio <= grow else 'no'} |")
    ratio = totals[large] / totals[small]
    print(f"| **whole suite** | | {totals[small] * 1000:.0f} | | {totals[large] * 1000:.0f} | {ratio:.1f} | "
          f"{'yes' if ratio <= grow else 'no'} |")
    print(f"\nParts of interpretation_productivity_lag1 alone (median ms):\n\n| part | {small} | {large} | ratio |\n|---|---:|---:|---:|")
    for name in PARTS:
        t = {label: statistics.median(results[label]["parts"][name]) for label in args.sizes}
        print(f"| {name} | {t[small] * 1000:.1f} | {t[large] * 1000:.1f} | {t[large] / t[small]:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
