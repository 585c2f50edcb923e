"""How does `prc-kg qc` grow with the length of an RDF list in a module?

Usage: python benchmarks/long_lists.py [--sizes 1000 3000] [--kinds iri blank] [--rdflib] [--runs 1]

A scratch copy of the ontology gains one class equivalent to ``owl:unionOf ( … )`` of n items:
IRIs (the same class repeated) or blank nodes (``[ a owl:Class ; owl:complementOf … ]``). Each
variant runs `prc-kg qc` in a fresh process; the table gives its wall time as a ratio against the
unchanged ontology's qc in the same run. ``--rdflib`` also times the labelling prc-kg used before
(rdflib's ``to_canonical_graph``, quadratic on a list) for comparison; it takes minutes.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
# Run in the child instead of `prc-kg qc`: optionally swap the old labelling back in.
CHILD = """
import sys
if sys.argv[1] == "rdflib":
    import rdflib.compare, prc_kg.ontology.build
    prc_kg.ontology.build.canonical_graph = rdflib.compare.to_canonical_graph
from prc_kg.cli.main import main
sys.exit(main(sys.argv[2:]))
"""


def existing_classes() -> list[str]:
    """The ontology's own named classes, as list items that exist (distinct IRIs, as in a real list)."""
    from rdflib import Graph, URIRef
    from rdflib.namespace import OWL, RDF

    g = Graph()
    for path in sorted((ROOT / "ontology" / "modules").glob("*.ttl")):
        g.parse(path, format="turtle")
    return sorted(str(c) for c in g.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef))


def scratch_ontology(dest: Path, n: int, kind: str) -> Path:
    onto = dest / "ontology"
    shutil.copytree(ROOT / "ontology", onto)
    if n:
        module = onto / "modules" / "modalities.ttl"
        if kind == "iri":
            items = " ".join(f"<{iri}>" for iri, _ in zip(itertools.cycle(existing_classes()), range(n)))
        else:
            items = " ".join(f'[ a owl:Class ; owl:complementOf prc:Psychoanalysis ; rdfs:comment "item {i}" ]'
                             for i in range(n))
        module.write_text(module.read_text(encoding="utf-8")
                          + f'\nprc:LongList a owl:Class ; rdfs:label "long list"@en ;\n'
                          f"    owl:equivalentClass [ a owl:Class ; owl:unionOf ( {items} ) ] .\n", encoding="utf-8")
    return onto


def time_qc(onto: Path, labelling: str, runs: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        argv = [sys.executable, "-c", CHILD, labelling, "qc", "--ontology", str(onto), "--show", "ERROR"]
        done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
        times.append(time.perf_counter() - start)
        if "QC:" not in done.stdout:
            raise SystemExit(f"qc failed on {onto}:\n{done.stderr[-2000:]}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 3000])
    parser.add_argument("--kinds", nargs="+", choices=["iri", "blank"], default=["iri", "blank"])
    parser.add_argument("--rdflib", action="store_true", help="also time rdflib's labelling (the code before)")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    labellings = ["prc-kg", "rdflib"] if args.rdflib else ["prc-kg"]
    with tempfile.TemporaryDirectory(prefix="prc-kg-bench-lists-") as tmp:
        base = Path(tmp)
        baseline = {lab: time_qc(scratch_ontology(base / f"plain-{lab}", 0, "iri"), lab, args.runs)
                    for lab in labellings}
        print("| list items | kind | labelling | qc s | / unchanged ontology's qc |")
        print("|---:|---|---|---:|---:|")
        for lab in labellings:
            print(f"| 0 | - | {lab} | {baseline[lab]:.1f} | 1.0x |", flush=True)
        for kind in args.kinds:
            for n in args.sizes:
                for lab in labellings:
                    seconds = time_qc(scratch_ontology(base / f"{kind}-{n}-{lab}", n, kind), lab, args.runs)
                    print(f"| {n:,} | {kind} | {lab} | {seconds:.1f} | {seconds / baseline[lab]:.1f}x |", flush=True)


if __name__ == "__main__":
    main()
