"""How fast can a corpus be loaded into a disk store, against Oxigraph's own loader in the same run?

Usage: python benchmarks/bulk_load.py [--size 5M] [--seed 1] [--runs 1] [--corpus FILE.nt] [--memory]

Every variant loads the same N-Triples file (the cached corpus of benchmarks/corpus.py, or
``--corpus``) in a fresh process, one after another, ``--runs`` times each (median reported):

- baseline ``oxigraph load --location DIR --file F`` (the venv's oxigraph CLI, same engine version);
  it leaves the RocksDB files as the bulk loader wrote them, uncompacted, which queries answer up to
  10× slower at 10M triples (benchmarks/suite_scale.py), so ``oxigraph load`` + ``oxigraph optimize``
  is the baseline for a store ready to query; and ``oxigraph load --lenient``;
- ``EmbeddedStore(DIR).load_file(F)`` then ``flush()`` (bulk load, flush, compaction): the store part
  of ``prc-kg load --store``; raw ``pyoxigraph.Store(DIR).bulk_load(lenient=True)`` + flush + optimize
  (for files prc-kg wrote itself);
- ``prc-kg load --store DIR --data F`` end to end (ontology, mappings, examples, the file, the
  materialised inferences, the text index).
With ``--memory`` the in-memory ``bulk_load`` is timed too. Each row gives its ratio to the CLI
baseline and whether the 15 s target is met; ``uptime``'s load average is printed before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus as corpus_mod

TARGET_S = 15.0
_CHILD = """
import json, sys, time
path, location, mode = sys.argv[1], sys.argv[2], sys.argv[3]
start = time.perf_counter()
if mode.startswith("ours"):
    from prc_kg.store.backends import EmbeddedStore
    store = EmbeddedStore(location)
    store.load_file(path)
    store.flush()
    n = len(store)
else:
    import pyoxigraph as ox
    store = ox.Store(location) if location != "-" else ox.Store()
    store.bulk_load(path=path, format=ox.RdfFormat.N_TRIPLES, lenient=mode == "lenient")
    if location != "-":
        store.flush()
        store.optimize()
    n = len(store)
print(json.dumps({"s": time.perf_counter() - start, "triples": n}))
"""

VARIANTS = {  # name → (description, how)
    "cli": ("baseline: `oxigraph load` (CLI; leaves the RocksDB files uncompacted)", "cli"),
    "cli+optimize": ("`oxigraph load` + `oxigraph optimize` (CLI; a store as fast to query as ours)", "cli"),
    "cli-lenient": ("`oxigraph load --lenient` (CLI)", "cli"),
    "ours": ("`EmbeddedStore(dir).load_file` + `flush` (bulk load + compaction, as `prc-kg load`)", "child"),
    "lenient": ("raw `Store(dir).bulk_load(lenient=True)` + `flush` + `optimize`", "child"),
    "prc-kg": ("`prc-kg load --store DIR --data F` end to end (+ ontology, examples, inferences, text index)",
               "prc-kg"),
}


def load_average() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def run_variant(name: str, corpus: Path, location: str) -> float:
    env = dict(os.environ, PYTHONPATH=str(HERE.parent / "src"))
    if VARIANTS[name][1] in ("cli", "prc-kg"):
        oxigraph = str(Path(sys.executable).parent / "oxigraph")
        cmds = [[oxigraph, "load", "--location", location, "--file", str(corpus)]]
        if name == "cli-lenient":
            cmds[0].append("--lenient")
        if name == "cli+optimize":
            cmds.append([oxigraph, "optimize", "--location", location])
        if name == "prc-kg":
            cmds = [[sys.executable, "-m", "prc_kg.cli", "load", "-q", "--store", location, "--data", str(corpus)]]
        start = time.perf_counter()
        for cmd in cmds:
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=3600, env=env)
        return time.perf_counter() - start
    out = subprocess.run([sys.executable, "-c", _CHILD, str(corpus), location, name], check=True,
                         capture_output=True, text=True, timeout=3600, env=env).stdout
    return json.loads(out)["s"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="5M")
    parser.add_argument("--seed", type=int, default=corpus_mod.DEFAULT_SEED)
    parser.add_argument("--corpus", type=Path, help="an N-Triples file to load instead of the cached corpus")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--memory", action="store_true", help="time the in-memory bulk_load too")
    parser.add_argument("--workdir", type=Path, default=corpus_mod.CACHE_DIR)
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS),
                        help="which loads to time (the baseline `cli` is always timed)")
    args = parser.parse_args()
    if args.corpus:
        with open(args.corpus, "rb") as fh:
            path, what = args.corpus, f"{args.corpus.name}, {sum(1 for _ in fh):,} lines"
    else:
        c = corpus_mod.build(args.size, args.seed, log=lambda m: print(m, file=sys.stderr))
        path, what = c.path, f"{c.triples:,} triples"
    mib = path.stat().st_size / 2**20
    names = ["cli"] + [v for v in args.variants if v != "cli"] + (["memory"] if args.memory else [])
    before = load_average()
    samples: dict[str, list[float]] = {n: [] for n in names}
    args.workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bulk-", dir=args.workdir) as tmp:
        for i in range(args.runs):
            for name in names:  # interleaved, so that drift in the machine's load hits every variant alike
                location = "-" if name == "memory" else str(Path(tmp) / f"db-{name}-{i}")
                samples[name].append(run_variant("lenient" if name == "memory" else name, path, location))
                if location != "-":
                    shutil.rmtree(location, ignore_errors=True)
                print(f"  {name} run {i + 1}: {samples[name][-1]:.2f} s", file=sys.stderr, flush=True)
    after = load_average()
    base = statistics.median(samples["cli"])
    print(f"Command: `.venv/bin/python benchmarks/bulk_load.py "
          f"{'--corpus ' + str(path) if args.corpus else '--size ' + args.size} --runs {args.runs}"
          f"{' --variants ' + ' '.join(args.variants) if args.variants != list(VARIANTS) else ''}"
          f"{' --memory' if args.memory else ''}` ({what}, {mib:.0f} MiB N-Triples; median of {args.runs} "
          f"fresh process(es) per variant, interleaved)\n")
    print(f"Load average before: {before}; after: {after}\n")
    print("| variant | s | ratio to `oxigraph load` | ≤ 15 s? |")
    print("|---|---:|---:|---|")
    for name in names:
        s = statistics.median(samples[name])
        label = VARIANTS[name][0] if name in VARIANTS else "raw in-memory `Store().bulk_load(lenient=True)`"
        print(f"| {label} | {s:.2f} | {s / base:.2f} | {'yes' if s <= TARGET_S else 'no'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
