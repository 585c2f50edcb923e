"""How long the coded-corpus analyses take on a synthetic corpus (benchmarks/corpus_gen.py).

Usage: python benchmarks/corpus_analyses.py [--conversations 130] [--utterances 10000]
       [--annotators 3] [--seed 1] [--runs 3] [--bootstrap 1000] [--library-replicates 20]

Steps, each timed in this process (median of --runs): loading the N-Triples into an in-memory store
(the baseline: what any analysis pays to have the data), reading the corpus back (one packaged
query, then Python), agreement with the bootstrap, speaker transitions (therapist → patient, lag 1,
stratified by mi_quality: summed tables per stratum, random effects, tests of a difference between
strata), the code profiles. For the bootstrap it also times the libraries called once per replicate
on --library-replicates replicates and scales that to --bootstrap, which is what the numpy
formulas of analysis/agreement.py replace.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from corpus_gen import write_corpus_nt


def timed(runs: int, step):
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = step()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def library_bootstrap(conversations, replicates: int, seed: int) -> float:
    """Seconds for ``replicates`` bootstrap replicates with one library call per table and replicate."""
    import krippendorff
    import numpy as np
    from statsmodels.stats.inter_rater import fleiss_kappa

    from prc_kg.analysis.agreement import _tables, fleiss_subset, unit_counts

    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    for codes, matrix in unit_counts(conversations).values():
        subset = fleiss_subset(matrix)
        for _, table in _tables(codes, matrix):
            for _ in range(replicates):
                drawn = rng.integers(0, len(table), len(table))
                sample = table[drawn]
                if np.count_nonzero(sample.sum(axis=0)) > 1:
                    krippendorff.alpha(value_counts=sample, level_of_measurement="nominal")
                    with np.errstate(all="ignore"):
                        fleiss_kappa(sample[subset[drawn]], method="fleiss")
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=130)
    parser.add_argument("--utterances", type=int, default=10_000)
    parser.add_argument("--annotators", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--library-replicates", type=int, default=20)
    args = parser.parse_args(argv)

    from prc_kg.analysis.agreement import agreement
    from prc_kg.analysis.codes import read_code_index
    from prc_kg.analysis.corpus import read_corpus
    from prc_kg.analysis.profiles import code_profiles
    from prc_kg.analysis.speaker_transitions import speaker_transitions
    from prc_kg.store.backends import EmbeddedStore

    with tempfile.TemporaryDirectory(prefix="prc-kg-corpus-bench-") as tmp:
        path = Path(tmp) / "corpus.nt"
        counts = write_corpus_nt(path, args.conversations, args.utterances, args.annotators, args.seed)

        def load():
            store = EmbeddedStore()
            store.load_file(path, trusted=True)
            return store

        t_load, store = timed(args.runs, load)
    t_read, conversations = timed(args.runs, lambda: read_corpus(store))
    t_agree, rows = timed(args.runs, lambda: agreement(conversations, args.bootstrap, args.seed))

    def transitions():
        result = speaker_transitions(conversations, by="mi_quality")
        return [result.transitions(s) for s in ("all", "high", "low")], result.random_effects(), result.differences()

    t_trans, (tables, pooled, differences) = timed(args.runs, transitions)
    t_profile, _ = timed(args.runs, lambda: code_profiles(conversations, read_code_index(store), "mi_quality"))
    t_library = library_bootstrap(conversations, args.library_replicates, args.seed) * (
        args.bootstrap / args.library_replicates)
    analyses = t_read + t_agree + t_trans + t_profile
    print(f"corpus: {counts['conversations']} conversations, {counts['utterances']:,} utterances, "
          f"{counts['annotations']:,} annotations, {counts['triples']:,} triples; {len(rows)} agreement rows, "
          f"{sum(map(len, tables))} transition rows, {len(pooled)} pooled, {len(differences)} strata tests")
    print(f"| load (baseline) s | read s | agreement s (B={args.bootstrap}) | transitions s | profiles s | "
          "analyses s | analyses / load | bootstrap by library calls s (scaled) | library / numpy |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {t_load:.2f} | {t_read:.2f} | {t_agree:.2f} | {t_trans:.2f} | {t_profile:.2f} | {analyses:.2f} | "
          f"{analyses / t_load:.1f}x | {t_library:.0f} | {t_library / t_agree:.0f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
