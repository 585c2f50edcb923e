"""Where does ``EmbeddedStore.query`` spend time that raw pyoxigraph does not?

Usage: python benchmarks/profile_store.py [--size 1M] [--seed 1] [--runs 15] [--cprofile]

One process, one in-memory store (the ``pyoxigraph.Store`` inside an ``EmbeddedStore``), so the
data, allocator and caches are the same for every variant. For every library query (default
parameters) it times, interleaved and ``--runs`` times (median):

- ``bind``: ``bind_with_values(text, bindings)`` alone (regex + string building), timed with
  ``timeit`` over 200 calls because it takes microseconds;
- ``raw``: ``store.ox.query(values_text)`` with the solutions iterated but not converted — what
  the raw-pyoxigraph engine of query_suite.py does;
- ``raw+tuples``: the same, converting each solution to a tuple of terms exactly as
  ``prc_kg.store.backends._collect`` does (``tuple(solution[v] for v in variables)``);
- ``raw+tuple(solution)``: converting with ``tuple(solution)`` (a cheaper spelling, for comparison);
- ``ours``: ``EmbeddedStore.query(text, bindings)``.

The four query variants run in a rotating order (so no variant always runs first, on colder
caches). So ``ours − raw`` splits into the VALUES binding (``bind``), the result conversion
(``raw+tuples − raw``) and the rest. With ``--cprofile`` it also prints the top functions of one
pass of ``ours`` over the whole library.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus as corpus_mod
import pyoxigraph as ox

from prc_kg.store.backends import EmbeddedStore, bind_with_values
from prc_kg.store.querylib import load_library


def _iterate(result) -> int:
    if isinstance(result, ox.QueryBoolean):
        return 1
    return sum(1 for _ in result)


def _tuples(result) -> int:
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        return len([tuple(s[v] for v in variables) for s in result])
    return _iterate(result)


def _tuple_solution(result) -> int:
    if isinstance(result, ox.QuerySolutions):
        return len([tuple(s) for s in result])
    return _iterate(result)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="1M")
    parser.add_argument("--seed", type=int, default=corpus_mod.DEFAULT_SEED)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--cprofile", action="store_true")
    args = parser.parse_args()

    c = corpus_mod.build(args.size, args.seed, log=lambda m: print(m, file=sys.stderr))
    store = EmbeddedStore()
    store.load_file(c.path)
    library = load_library()
    prepared = {}
    for name, q in library.items():
        bindings = q.bindings({})
        prepared[name] = (q.text, bindings, bind_with_values(q.text, bindings))

    variants = {
        "raw": lambda text, b, vt: _iterate(store.ox.query(vt)),
        "raw+tuples": lambda text, b, vt: _tuples(store.ox.query(vt)),
        "raw+tuple(solution)": lambda text, b, vt: _tuple_solution(store.ox.query(vt)),
        "ours": lambda text, b, vt: store.query(text, b),
    }
    times = {name: {v: [] for v in variants} for name in prepared}
    rows = {}
    order = list(variants)
    for run in range(args.runs):  # bounded: runs x queries x variants
        for name, (text, b, vt) in prepared.items():
            for i in range(len(order)):
                v = order[(run + i) % len(order)]
                fn = variants[v]
                start = time.perf_counter()
                out = fn(text, b, vt)
                times[name][v].append(time.perf_counter() - start)
                if v == "ours":
                    rows[name] = len(out.rows) if out.kind == "select" else 1

    med = {name: {v: statistics.median(t) for v, t in tv.items()} for name, tv in times.items()}
    for name, (text, b, _) in prepared.items():
        med[name]["bind"] = timeit.timeit(lambda: bind_with_values(text, b), number=200) / 200  # noqa: B023
    variants = {"bind": None, **variants}
    print(f"Command: `.venv/bin/python benchmarks/profile_store.py --size {args.size} --runs {args.runs}`  "
          f"({c.triples:,} triples; median of {args.runs} interleaved runs, one process, one store)\n")
    print("| query | rows | bind µs | raw ms | raw+tuples ms | raw+tuple(solution) ms | ours ms | ours / raw |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, m in sorted(med.items(), key=lambda kv: -kv[1]["ours"]):
        print(f"| {name} | {rows[name]} | {m['bind'] * 1e6:.0f} | {m['raw'] * 1e3:.2f} | {m['raw+tuples'] * 1e3:.2f} | "
              f"{m['raw+tuple(solution)'] * 1e3:.2f} | {m['ours'] * 1e3:.2f} | {m['ours'] / m['raw']:.2f}× |")
    total = {v: sum(m[v] for m in med.values()) for v in variants}
    print(f"| **suite (sum of medians)** | {sum(rows.values())} | {total['bind'] * 1e6:.0f} | {total['raw'] * 1e3:.1f} | "
          f"{total['raw+tuples'] * 1e3:.1f} | {total['raw+tuple(solution)'] * 1e3:.1f} | {total['ours'] * 1e3:.1f} | "
          f"{total['ours'] / total['raw']:.3f}× |")
    gap = total["ours"] - total["raw"]
    conv = total["raw+tuples"] - total["raw"]
    print(f"\nours − raw = {gap * 1e3:.2f} ms over the suite: VALUES binding {total['bind'] * 1e3:.3f} ms, "
          f"result conversion to tuples {conv * 1e3:.2f} ms, rest {(gap - total['bind'] - conv) * 1e3:.2f} ms; "
          f"tuple(solution) instead of solution[v] would convert in "
          f"{(total['raw+tuple(solution)'] - total['raw']) * 1e3:.2f} ms")

    if args.cprofile:
        prof = cProfile.Profile()
        prof.enable()
        for text, b, _ in prepared.values():
            store.query(text, b)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(8)
    return 0


if __name__ == "__main__":
    sys.exit(main())
