"""Benchmark: SHACL validation of the shipped shapes, the fast engine against pySHACL in the same run.

Usage: python benchmarks/validate.py [--folder DIR] [--pyshacl-timeout 900] [--skip-pyshacl-100k]

Inputs: the ontology and examples, alone and with rating triples generated with `prc-kg generate-study`
and imported with `prc-kg import` (seed of the generator; 4 dyads give about 100k triples, 38 about 1M).
Each measurement runs in a fresh process (wall time and peak RSS from peak.py; the process reads the
sources, then validates, printing the validation's own seconds). pySHACL is the baseline where it
finishes within the timeout; the fast engine is also run at 1M, and its 100k to 1M scaling is shown.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
_CHILD = """
import sys, time
from pathlib import Path
from prc_kg.api import KnowledgeGraph
from prc_kg.checks.shacl import load_shapes, run
start = time.perf_counter()
_source, ontology, examples = KnowledgeGraph.from_sources().sources()
shapes = load_shapes()
read = time.perf_counter()
found, triples = run(examples.graph, ontology, shapes, engine=sys.argv[1], data_files=[Path(p) for p in sys.argv[2:]])
print(read - start, time.perf_counter() - read, triples, len(found))
"""
_WRAPPER = """
import resource, subprocess, sys, time
start = time.perf_counter()
out = subprocess.run(sys.argv[1:], check=True, capture_output=True, text=True).stdout
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, out)
"""


def measure(engine: str, files: list[Path], timeout: float | None = None) -> dict | None:
    """Wall s, peak MiB, validation s, triples and results of one run; None when it timed out."""
    cmd = [sys.executable, "-c", _WRAPPER, sys.executable, "-W", "ignore", "-c", _CHILD, engine, *map(str, files)]
    try:
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=timeout).stdout.split()
    except subprocess.TimeoutExpired:
        return None
    wall, peak_kib, _read, shacl, triples, results = out
    return {"wall": float(wall), "peak": float(peak_kib) / 1024, "shacl": float(shacl), "triples": int(triples),
            "results": int(results)}


_FLOOR = """
import sys, time
import pyoxigraph as ox
start = time.perf_counter()
ox.Store().bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES)
print(0, time.perf_counter() - start, 0, 0)
"""


def floor(path: Path) -> dict:
    """Oxigraph's own bulk load of the file into a fresh in-memory store: what any engine on the store pays."""
    cmd = [sys.executable, "-c", _WRAPPER, sys.executable, "-c", _FLOOR, str(path)]
    wall, peak_kib, *_ = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.split()
    return {"wall": float(wall), "peak": float(peak_kib) / 1024}


def ratings(folder: Path, dyads: int) -> Path:
    """An imported ratings file of ``dyads`` dyads (made once, kept in ``folder``)."""
    out = folder / f"ratings-{dyads}.nt"
    if not out.exists():
        csv_path = folder / f"study-{dyads}.csv"
        cli = [sys.executable, "-m", "prc_kg.cli.main"]
        subprocess.run([*cli, "generate-study", "-q", "--dyads", str(dyads), "--out", str(csv_path)], check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([*cli, "import", "-q", str(csv_path), "--out", str(out)], check=True, stdout=subprocess.DEVNULL)
    return out


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def row(name: str, base: dict | None, fast: dict, base_name: str, timeout: float) -> str:
    if base is None:
        b, ratio = f"{base_name} did not finish in {timeout:.0f} s", f"> {timeout / fast['wall']:.0f}x"
    else:
        b, ratio = f"{base['wall']:.1f} (validation {base['shacl']:.1f}, peak {base['peak']:.0f} MiB)", \
            f"{base['wall'] / fast['wall']:.1f}x"
    return (f"| {name} | {fast['triples']:,} | {b} | {fast['wall']:.1f} (validation {fast['shacl']:.1f}) "
            f"| {fast['peak']:.0f} | {ratio} | {fast['results']} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folder", type=Path, help="where the generated rating files are kept (default: a temp folder)")
    parser.add_argument("--pyshacl-timeout", type=float, default=900.0)
    parser.add_argument("--skip-pyshacl-100k", action="store_true")
    parser.add_argument("--fast-only", action="store_true", help="no pySHACL run at all")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="prc-kg-bench-") as tmp:
        folder = args.folder or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        small, large = ratings(folder, 4), ratings(folder, 38)
        print(f"load average before: {load()}", flush=True)
        start = time.perf_counter()
        lines = []
        for name, files, run_base in (("ontology + examples", [], True),
                                      ("+ ~100k rating triples", [small], not args.skip_pyshacl_100k),
                                      ("+ ~1M rating triples", [large], False)):
            fast = measure("fast", files)
            run_base = run_base and not args.fast_only
            base = measure("pyshacl", files, args.pyshacl_timeout) if run_base else None
            if not run_base:
                base_name = "pySHACL not run (issue 15: killed after 300 s at ~1.1M)" if files == [large] \
                    else "pySHACL skipped"
                lines.append(row(name, None, fast, base_name, args.pyshacl_timeout).replace(
                    f" did not finish in {args.pyshacl_timeout:.0f} s", "").replace(
                    f"> {args.pyshacl_timeout / fast['wall']:.0f}x", "–"))
            else:
                lines.append(row(name, base, fast, "pySHACL", args.pyshacl_timeout))
            print(lines[-1], flush=True)
            if files == [small]:
                fast_small = fast
            fast_large = fast
        low = floor(large)
        print(f"floor: Oxigraph bulk load of the ~1M file alone {low['wall']:.1f} s, peak {low['peak']:.0f} MiB "
              f"(the fast engine's 1M wall is {fast_large['wall'] / low['wall']:.1f}x that)")
        print(f"load average after: {load()} ({time.perf_counter() - start:.0f} s)")
        print("| data | instance triples | baseline pySHACL s | fast s | fast peak MiB | ratio | results |")
        print("|---|---:|---|---|---:|---:|---:|")
        print("\n".join(lines))
        print(f"\nfast engine 100k -> 1M: triples {fast['triples'] / fast_small['triples']:.1f}x, "
              f"wall {fast['wall'] / fast_small['wall']:.1f}x, validation {fast['shacl'] / fast_small['shacl']:.1f}x, "
              f"peak memory {fast['peak'] / fast_small['peak']:.1f}x")


if __name__ == "__main__":
    main()
