"""`prc-kg reason --with-examples`: today's path (HermiT on ontology + examples) against the fast one.

Usage: python benchmarks/reasoning.py [--runs 3]

Every measurement is the whole command in a fresh process (start-up, reading the ontology and the
examples included), interleaved round by round so that load from other jobs falls on all of them:

- baseline: ``reason --with-examples --engine hermit --no-cache`` with the JVM's default options
  (``PRC_KG_HERMIT_JVM_FLAGS=""``): HermiT reads ontology and examples together, as every run did
  before the fast way;
- ``--engine hermit``, cold: the same with prc-kg's JVM options (``reasoning.JVM_FLAGS``);
- fast, cold: ``reason --with-examples`` with an empty cache: HermiT classifies the ontology alone
  (in a thread, while Python reads the examples and runs the OWL 2 RL rules with ``reasonable``);
- fast, warm: the same with HermiT's answer for the ontology in the cache: what every run costs
  while the ontology is unchanged, whatever the examples or instance data hold;
- hermit, warm: ``--engine hermit`` with its answer for the exact ontology + examples cached;
- floor of the cold run: ``reason --file prc-kg.owl --no-cache``, HermiT alone on the ontology's
  RDF/XML (start-up, owlready2 reading the file, Java): what a cold fast run cannot go below.

Prints a Markdown table: median wall seconds, ratio to the baseline, median CPU seconds (user +
system of the command and its Java, less sensitive than wall time to other jobs on the machine),
peak memory, and the load average (``/proc/loadavg``) before and after.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

ROOT = Path(__file__).resolve().parents[1]
BASE = [sys.executable, "-m", "prc_kg.cli", "reason", "-q", "--with-examples", "--show", "0"]
BASELINE_ENV = {"PRC_KG_HERMIT_JVM_FLAGS": ""}  # the JVM's defaults, as before
MODES = {  # name: (extra arguments, cache kept between runs)
    "baseline: HermiT on ontology + examples, no cache, JVM defaults (today's path)": (["--engine", "hermit", "--no-cache"], False),
    "--engine hermit, no cache, prc-kg's JVM options (serial GC)": (["--engine", "hermit", "--no-cache"], False),
    "fast (HermiT on the ontology, OWL 2 RL on the examples), cold cache": ([], False),
    "fast, warm cache (ontology unchanged)": ([], True),
    "--engine hermit, warm cache (ontology and examples unchanged)": (["--engine", "hermit"], True),
    "floor of a cold run: HermiT alone on the ontology's RDF/XML (`reason --file prc-kg.owl --no-cache`)": (None, False),
}
_WRAPPER = """
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(time.perf_counter() - start, r.ru_utime + r.ru_stime, r.ru_maxrss)
"""


def run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MiB) of ``cmd``, measured from a fresh wrapper process."""
    out = subprocess.run([sys.executable, "-c", _WRAPPER, *cmd], check=True, capture_output=True, text=True,
                         env={**os.environ, **(env or {})}).stdout
    wall, cpu, peak_kib = out.split()
    return float(wall), float(cpu), float(peak_kib) / 1024


def ontology_rdfxml(folder: Path) -> Path:
    """The ontology's release graph as RDF/XML, the bytes the fast way gives HermiT."""
    code = ("import sys; from prc_kg.ontology.source import load_source; "
            "from prc_kg.ontology.build import merged_release_graph, serialise; "
            "open(sys.argv[1], 'wb').write(serialise(merged_release_graph(load_source(None)), 'xml'))")
    path = folder / "prc-kg.owl"
    subprocess.run([sys.executable, "-c", code, str(path)], check=True)
    return path


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    os.environ["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")
    samples: dict[str, list[tuple[float, float, float]]] = {m: [] for m in MODES}
    before = load_average()
    with tempfile.TemporaryDirectory(prefix="prc-kg-reason-bench-") as tmp:
        warm = Path(tmp) / "warm"
        owl = ontology_rdfxml(Path(tmp))
        for mode, (extra, keep) in MODES.items():  # fill the warm cache once, untimed
            if keep and extra is not None:
                subprocess.run(BASE + extra, check=True, stdout=subprocess.DEVNULL,
                               env={**os.environ, "PRC_KG_CACHE": str(warm)})
        for i in range(args.runs):
            for mode, (extra, keep) in MODES.items():
                cache = warm if keep else Path(tmp) / f"cold-{i}"
                shutil.rmtree(cache, ignore_errors=True) if not keep else None
                os.environ["PRC_KG_CACHE"] = str(cache)
                cmd = BASE + extra if extra is not None else [*BASE[:3], "reason", "-q", "--file", str(owl), "--no-cache"]
                samples[mode].append(run(cmd, BASELINE_ENV if mode.startswith("baseline") else None))
                print(f"round {i + 1} {mode}: {samples[mode][-1][0]:.2f} s", file=sys.stderr)
    after = load_average()
    base = statistics.median(s for s, _, _ in samples[next(iter(MODES))])
    print(f"Command: `.venv/bin/python benchmarks/reasoning.py --runs {args.runs}` (median of {args.runs} "
          f"fresh processes per row, interleaved; load average before {before}, after {after})\n")
    print("| run | median wall s | runs s | ratio to baseline | median CPU s | peak MiB |")
    print("|---|---:|---|---:|---:|---:|")
    for mode, runs in samples.items():
        med = statistics.median(s for s, _, _ in runs)
        shown = ", ".join(f"{s:.2f}" for s, _, _ in runs)
        print(f"| {mode} | {med:.2f} | {shown} | {med / base:.2f} | {statistics.median(c for _, c, _ in runs):.2f} | "
              f"{max(m for _, _, m in runs):.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
