"""Seeded synthetic coded-session corpora for the store benchmarks, cached as N-Triples files.

Usage: python benchmarks/corpus.py [--sizes 10k 100k 1M 5M] [--seed 1] [--force]

A corpus is what `prc-kg load` would put in a store: the merged ontology, the example cases and
findings, the ratings of a synthetic study (``write_study`` with ``StudyDesign(dyads=N, sessions=8,
segments=20, raters=2, seed=SEED)`` for the study "example-study", which the library's default
parameters name, imported with ``import_ratings``) and the materialised inferences. It is built with ``load_dataset`` into an in-memory store and dumped, so every engine
benchmarked reads exactly the same triples.

The number of dyads is chosen so that the corpus comes close to the nominal size. The ontology,
examples and their inferences alone are about 22k triples and each dyad adds about 29.7k, so the
nominal "10k" corpus is the smallest possible one: ontology + examples without ratings (≈ 22k).

Files are cached under ``build/bench/`` as ``corpus-<size>-seed<seed>.nt`` with a ``.json`` next to
it (triple count, dyads, rows, build times and a fingerprint of the ontology and example sources;
a changed source rebuilds the corpus). Reruns reuse them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
CACHE_DIR = ROOT / "build" / "bench"
DEFAULT_SEED = 1
BASE_TRIPLES = 21_600  # ontology + examples + their inferences (checked when a corpus is built)
TRIPLES_PER_DYAD = 29_700  # 3,520 ratings x about 7.4 triples + reliability + inferences
SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000, "5M": 5_000_000}
FORMAT_VERSION = 2  # bump when the way a corpus is made changes
STUDY = "example-study"  # the study the library's default parameters name (data:study/example-study/dyad/d1)


@dataclass
class Corpus:
    label: str
    seed: int
    path: Path
    triples: int
    dyads: int
    rating_rows: int
    inferred: int
    build_s: dict
    fingerprint: str

    @property
    def mib(self) -> float:
        return self.path.stat().st_size / 2**20


def parse_size(label: str) -> int:
    if label in SIZES:
        return SIZES[label]
    text = label.strip().lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * factor)


def dyads_for(target: int) -> int:
    """Dyads that bring ontology + examples + ratings closest to ``target`` triples (0 for tiny targets)."""
    return max(0, round((target - BASE_TRIPLES) / TRIPLES_PER_DYAD))


def source_fingerprint() -> str:
    """A hash of everything a corpus is made from: ontology and example sources, mapping, generator."""
    h = hashlib.sha256(f"v{FORMAT_VERSION}".encode())
    folders = [ROOT / "ontology", ROOT / "examples"]
    files = sorted(p for folder in folders for p in folder.rglob("*") if p.is_file() and "study" not in p.parts)
    files += sorted((ROOT / "src" / "prc_kg").rglob("*.py"))  # the generator, importers and loader, wherever they live
    for path in files:
        h.update(str(path.relative_to(ROOT)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def corpus_path(label: str, seed: int, cache_dir: Path = CACHE_DIR) -> Path:
    return cache_dir / f"corpus-{label}-seed{seed}.nt"


def load_cached(label: str, seed: int, cache_dir: Path = CACHE_DIR, fingerprint: str | None = None) -> Corpus | None:
    path = corpus_path(label, seed, cache_dir)
    meta = path.with_suffix(".json")
    if not (path.exists() and meta.exists()):
        return None
    data = json.loads(meta.read_text())
    if data.get("fingerprint") != (fingerprint or source_fingerprint()):
        return None
    return Corpus(label, seed, path, data["triples"], data["dyads"], data["rating_rows"], data["inferred"],
                  data["build_s"], data["fingerprint"])


def build(label: str, seed: int = DEFAULT_SEED, cache_dir: Path = CACHE_DIR, force: bool = False,
          log=print) -> Corpus:
    """The corpus of nominal size ``label`` for ``seed``, from the cache or built now."""
    fingerprint = source_fingerprint()
    if not force and (cached := load_cached(label, seed, cache_dir, fingerprint)) is not None:
        return cached

    from prc_kg.instances.examples import load_examples
    from prc_kg.instances.ratings import import_ratings
    from prc_kg.instances.study import StudyDesign, write_study
    from prc_kg.ontology.build import merged_release_graph
    from prc_kg.ontology.source import load_source
    from prc_kg.ontology.terms import TermIndex
    from prc_kg.store.dataset import load_dataset

    dyads = dyads_for(parse_size(label))
    log(f"building corpus {label} (seed {seed}, {dyads} dyads) in {cache_dir} …")
    times: dict[str, float] = {}
    cache_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    ontology = merged_release_graph(load_source())
    examples = load_examples(ontology)
    times["ontology_examples"] = time.perf_counter() - start
    rows = 0
    with tempfile.TemporaryDirectory(prefix="prc-kg-corpus-", dir=cache_dir) as tmp:
        extra = []
        if dyads:
            start = time.perf_counter()
            csv_path, nt_path = Path(tmp) / "ratings.csv", Path(tmp) / "ratings.nt"
            rows = write_study(StudyDesign(study=STUDY, dyads=dyads, sessions=8, segments=20, raters=2,
                                           seed=seed), csv_path)
            times["write_study"] = time.perf_counter() - start
            start = time.perf_counter()
            import_ratings(csv_path, nt_path, TermIndex(ontology))
            times["import_ratings"] = time.perf_counter() - start
            csv_path.unlink()
            extra.append(nt_path)
        start = time.perf_counter()
        store, inferred = load_dataset(ontology, examples.graph, extra)
        times["load_dataset"] = time.perf_counter() - start  # bulk loads + materialised inferences
        start = time.perf_counter()
        staged = Path(tmp) / "corpus.nt"
        store.ox.dump(output=str(staged), format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
        triples = len(store)
        del store
        times["dump"] = time.perf_counter() - start
        path = corpus_path(label, seed, cache_dir)
        os.replace(staged, path)
    meta = {"label": label, "seed": seed, "triples": triples, "dyads": dyads, "rating_rows": rows,
            "inferred": inferred, "build_s": {k: round(v, 2) for k, v in times.items()},
            "fingerprint": fingerprint, "design": {"study": STUDY, "sessions": 8, "segments": 20, "raters": 2}}
    path.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")
    log(f"  {triples:,} triples ({inferred:,} inferred) from {rows:,} ratings; " +
        ", ".join(f"{k} {v:.1f} s" for k, v in times.items()))
    return Corpus(label, seed, path, triples, dyads, rows, inferred, meta["build_s"], fingerprint)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), help="nominal sizes (10k 100k 1M 5M or e.g. 250k)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--cache-dir", type=Path, default=CACHE_DIR)
    parser.add_argument("--force", action="store_true", help="rebuild even when cached")
    args = parser.parse_args(argv)
    for label in args.sizes:
        c = build(label, args.seed, args.cache_dir, args.force)
        print(f"{c.label}: {c.path} — {c.triples:,} triples, {c.mib:.0f} MiB, {c.dyads} dyads, "
              f"{c.rating_rows:,} ratings, {c.inferred:,} inferred")
    return 0


if __name__ == "__main__":
    sys.exit(main())

__all__ = ["Corpus", "build", "dyads_for", "parse_size"]
