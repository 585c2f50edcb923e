"""`prc-kg reason --with-examples`: today's path (HermiT on ontology + examples) against the fast one.

Usage: python benchmarks/reasoning.py [--runs 3]

Every measurement is the whole command in a fresh process (start-up, reading the ontology and the
examples included), interleaved round by round so that load from other jobs falls on all of them:

- baseline: ``reason --with-examples --engine hermit --no-cache``: HermiT reads ontology and examples
  together, as every run did before the fast way (the complete check, still available);
- fast, cold: ``reason --with-examples`` with an empty cache: HermiT classifies the ontology alone
  (in a thread, while Python reads the examples and runs the OWL 2 RL rules with ``reasonable``);
- fast, warm: the same with HermiT's answer for the ontology in the cache: what every run costs
  while the ontology is unchanged, whatever the examples or instance data hold;
- hermit, warm: ``--engine hermit`` with its answer for the exact ontology + examples cached.

Prints a Markdown table: median seconds, ratio to the baseline, peak memory, and the load average
(``uptime``) before and after.
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

import peak

ROOT = Path(__file__).resolve().parents[1]
BASE = [sys.executable, "-m", "prc_kg.cli", "reason", "-q", "--with-examples", "--show", "0"]
MODES = {  # name: (extra arguments, cache kept between runs)
    "baseline: HermiT on ontology + examples, no cache (today's path)": (["--engine", "hermit", "--no-cache"], False),
    "fast (HermiT on the ontology, OWL 2 RL on the examples), cold cache": ([], False),
    "fast, warm cache (ontology unchanged)": ([], True),
    "--engine hermit, warm cache (ontology and examples unchanged)": (["--engine", "hermit"], True),
}


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    os.environ["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")
    samples: dict[str, list[tuple[float, float]]] = {m: [] for m in MODES}
    before = load_average()
    with tempfile.TemporaryDirectory(prefix="prc-kg-reason-bench-") as tmp:
        warm = Path(tmp) / "warm"
        for mode, (extra, keep) in MODES.items():  # fill the warm cache once, untimed
            if keep:
                subprocess.run(BASE + extra, check=True, stdout=subprocess.DEVNULL,
                               env={**os.environ, "PRC_KG_CACHE": str(warm)})
        for i in range(args.runs):
            for mode, (extra, keep) in MODES.items():
                cache = warm if keep else Path(tmp) / f"cold-{i}"
                shutil.rmtree(cache, ignore_errors=True) if not keep else None
                os.environ["PRC_KG_CACHE"] = str(cache)
                samples[mode].append(peak.run(BASE + extra))
                print(f"round {i + 1} {mode}: {samples[mode][-1][0]:.2f} s", file=sys.stderr)
    after = load_average()
    base = statistics.median(s for s, _ in samples[next(iter(MODES))])
    print(f"Command: `.venv/bin/python benchmarks/reasoning.py --runs {args.runs}` (median of {args.runs} "
          f"fresh processes per row, interleaved; load average before {before}, after {after})\n")
    print("| run | median s | runs s | ratio to baseline | speed-up | peak MiB |")
    print("|---|---:|---|---:|---:|---:|")
    for mode, runs in samples.items():
        med = statistics.median(s for s, _ in runs)
        shown = ", ".join(f"{s:.2f}" for s, _ in runs)
        print(f"| {mode} | {med:.2f} | {shown} | {med / base:.2f} | {base / med:.1f}x | "
              f"{max(m for _, m in runs):.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
