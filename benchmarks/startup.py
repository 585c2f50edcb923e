"""Benchmark: start-up of a library query without ``--store`` (the store cached against the hashes of
the sources) against ``--store DIR`` (a store made by ``prc-kg load``) in the same run, and with
``--gates``, the gate cache of ``validate`` and ``release``.

Usage: python benchmarks/startup.py [--repeats 7] [--query cq01_session_intervention_types] [--gates]

Each command runs in a fresh process (``python -m prc_kg.cli``, the code of this checkout), with its
own empty cache folder (``PRC_KG_CACHE``), on this checkout's sources and whatever data files
``prc-kg query`` would load by default (``build/ratings/*.nt``, ``build/utterances/*.nt``). Measured:

- ``store``: ``query Q --store DIR`` — the baseline: the fastest a query from a store folder gets;
- ``cached``: ``query Q`` after the first run has built the cache (median of ``--repeats``);
- ``first``: ``query Q`` on an empty cache (builds the store: once per change of the sources);
- ``no-cache``: ``query Q --no-cache`` — how every query without --store ran before (in memory);

store, cached and no-cache runs are interleaved, so a change in the machine's load hits them alike.
With ``--gates``: ``validate`` on an empty cache, ``validate`` again, then ``release`` (into a
temporary folder), which reuses validate's SHACL run. Load averages (``os.getloadavg``) are printed
before and after. Output: a Markdown table on stdout.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "prc_kg.cli", *args, "-q"], check=True, env=env, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--query", default="cq01_session_intervention_types")
    parser.add_argument("--gates", action="store_true", help="also validate, validate again, release")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="prc-kg-startup-") as tmp:
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "PRC_KG_CACHE": str(Path(tmp) / "cache")}
        env.pop("PRC_KG_NO_CACHE", None)
        store = Path(tmp) / "store"
        before = _load()
        _run(["load", "--store", str(store)], env)
        first = _run(["query", opts.query], env)
        times: dict[str, list[float]] = {"store": [], "cached": [], "no-cache": []}
        for i in range(opts.repeats):
            times["store"].append(_run(["query", opts.query, "--store", str(store)], env))
            times["cached"].append(_run(["query", opts.query], env))
            if i < 3:  # seconds each: three are enough to see it
                times["no-cache"].append(_run(["query", opts.query, "--no-cache"], env))
        med = {k: statistics.median(v) for k, v in times.items()}
        after = _load()
        print(f"command: python benchmarks/startup.py --repeats {opts.repeats} --query {opts.query}"
              f"{' --gates' if opts.gates else ''}\n")
        print("| run | median s (runs) | / store |\n|---|---:|---:|")
        for name in ("store", "cached", "no-cache"):
            print(f"| `query {opts.query}` {name} | {med[name]:.3f} ({len(times[name])}) | "
                  f"{med[name] / med['store']:.2f}x |")
        print(f"| `query {opts.query}` first (builds the cache) | {first:.3f} (1) | {first / med['store']:.2f}x |")
        print(f"\nload average before: {before}; after: {after}")
        if opts.gates:
            before = _load()
            cold = _run(["validate"], env)
            warm = _run(["validate"], env)
            release = _run(["release", "--out", str(Path(tmp) / "release")], env)
            release_warm = _run(["release", "--out", str(Path(tmp) / "release")], env)
            print("\n| gates | s | / validate on an empty cache |\n|---|---:|---:|")
            for name, sec in (("validate, empty cache", cold), ("validate again", warm),
                              ("release after validate (SHACL reused; QC, privacy of the corpora run)", release),
                              ("release again (every gate reused)", release_warm)):
                print(f"| {name} | {sec:.2f} | {sec / cold:.3f}x |")
            print(f"\nload average before: {before}; after: {_load()}")


if __name__ == "__main__":
    main()
