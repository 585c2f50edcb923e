"""Wall time and peak memory of one command, for the import benchmarks.

Each measurement runs under a fresh wrapper process, because ru_maxrss of children accumulates per
parent: measured from the benchmark itself, every later command would report the largest peak so far.
"""

from __future__ import annotations

import subprocess
import sys

_WRAPPER = """
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def run(cmd: list[str]) -> tuple[float, float]:
    """Wall time (s) and peak RSS (MiB) of ``cmd``."""
    out = subprocess.run([sys.executable, "-c", _WRAPPER, *cmd], check=True, capture_output=True, text=True).stdout
    elapsed, peak_kib = out.split()
    return float(elapsed), float(peak_kib) / 1024
