"""Commands on instance data: SHACL validation, the de-identification check, ratings import and export,
the study generator."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import (
    EXIT_FAILED,
    EXIT_OK,
    Progress,
    check_outputs_of,
    default_data_dir,
    graph_for,
    source_of,
    whole,
    with_allow,
    with_examples,
    with_ontology,
)


def cmd_validate(args: argparse.Namespace) -> int:
    """The instance gates of gates.py (the privacy check: the examples folder by line, the --data files
    by IRI; SHACL), as `prc-kg release` runs them: see api.KnowledgeGraph.validate."""
    report = graph_for(args).validate(args.data, args.allow, engine=args.engine)
    print("\n".join(report.lines()))
    return EXIT_OK if report.ok else EXIT_FAILED


def cmd_privacy_check(args: argparse.Namespace) -> int:
    from ..checks.privacy import check_examples, default_corpora

    corpora = default_corpora() if args.data is None else args.data
    if args.data is None and corpora:
        names = ", ".join(p.name for p in corpora)
        print(f"prc-kg: checking the imported corpora in {corpora[0].parent} too: {names} (--data to choose others, "
              "--data alone for none)", file=sys.stderr)
    report = check_examples(args.examples, args.files, args.allow, corpora)
    for finding in report.findings:
        print(finding)
    print(report.summary())
    return EXIT_OK if not report.findings else EXIT_FAILED


def cmd_import(args: argparse.Namespace) -> int:
    from ..analysis.reliability import format_table
    from ..instances.examples import default_examples_dir
    from ..instances.ratings import default_mapping_path, import_ratings
    from ..ontology.build import merged_release_graph
    from ..ontology.terms import TermIndex

    output = args.out or default_data_dir(args) / f"{args.file.stem}.nt"  # where `load` looks by default
    # the default item mapping is read from the examples folder, which is then a source in use
    check_outputs_of(args, files=[output], inputs=[args.file, args.mapping or default_mapping_path()],
                     sources=[] if args.mapping else [("examples folder", default_examples_dir())])
    terms = TermIndex(merged_release_graph(source_of(args)))
    size = args.file.stat().st_size if args.file.exists() else 0
    with Progress(f"importing {args.file.name}", size) as advance:
        result = import_ratings(args.file, output, terms, args.mapping, progress=advance, pairs=args.pairs)
    print(f"imported {result.rows} ratings from {args.file} into {result.output} ({result.triples} triples)")
    if result.reliability:
        print("inter-rater reliability (stored in the graph as prc:ReliabilityEstimate):")
        print("\n".join(format_table(result.reliability)))
    return EXIT_OK


def cmd_export_ratings(args: argparse.Namespace) -> int:
    from ..instances.ratings import export_ratings
    from ..ontology.build import merged_release_graph

    check_outputs_of(args, files=[args.out], inputs=[args.file])
    rows = export_ratings(args.file, args.out, merged_release_graph(source_of(args)))
    print(f"wrote {rows} ratings to {args.out}")
    return EXIT_OK


def cmd_generate_study(args: argparse.Namespace) -> int:
    from ..instances.study import StudyDesign, write_study

    check_outputs_of(args, files=[args.out])
    design = StudyDesign(args.study, args.dyads, args.sessions, args.segments, args.raters, args.seed)
    rows = write_study(design, args.out)
    print(f"wrote {rows} ratings ({design.dyads} dyads x {design.sessions} sessions x {design.segments} segments, "
          f"{design.raters} raters, seed {design.seed}) to {args.out}")
    return EXIT_OK


def register(sub) -> None:
    """Add this group's subcommands to the parser."""
    p = with_examples(with_ontology(sub.add_parser(
        "validate", help="check the example instances (and --data files) with the SHACL shapes and for personal "
                         "identifiers (as privacy-check does); exit 1 on violations or identifiers")))
    p.add_argument("--data", type=Path, nargs="*", default=[],
                   help="further RDF files of instance data (N-Triples of any size are streamed; other formats are "
                        "read whole, up to 32 MB)")
    p.add_argument("--engine", choices=["fast", "pyshacl"], default="fast",
                   help="SHACL engine: fast (the shapes compiled to SPARQL on Oxigraph, default) or pyshacl (the "
                        "reference implementation, slow on large data; it also runs shapes the fast one refuses)")
    with_allow(p)
    p.set_defaults(func=cmd_validate)

    p = with_examples(sub.add_parser(
        "privacy-check", help="look for personal identifiers (names, dates, ages over 89, phone numbers, e-mail, "
                              "street and web addresses, handles, IP addresses, towns, record and national numbers) "
                              "in the examples and further files; exit 1 if any"))
    p.add_argument("files", type=Path, nargs="*", default=[],
                   help="further files to check: ratings or other CSV, YAML, RDF (.nt, .ttl, …)")
    p.add_argument("--data", type=Path, nargs="*", default=None, metavar="FILE",
                   help="imported corpora (N-Triples, streamed) whose utterance texts and conversation attributes to "
                        "check (default: build/utterances/*.nt of the project, where import-utterances writes)")
    with_allow(p)
    p.set_defaults(func=cmd_privacy_check)

    p = with_ontology(sub.add_parser("import", help="import a ratings CSV as observations (all or nothing)"))
    p.add_argument("file", type=Path, help="ratings CSV in the long format of examples/README.md")
    p.add_argument("--mapping", type=Path, default=None, help="item mapping CSV (default: examples/mappings/items.csv)")
    p.add_argument("--out", type=Path, default=None,
                   help="N-Triples output (default: build/ratings/FILE.nt beside the ontology folder, where load looks)")
    p.add_argument("--pairs", action="store_true",
                   help="reliability for every rater pair, also for items with more than 4 raters (by default "
                        "those get one row for all raters: ICC(2,1) and Fleiss' kappa)")
    p.set_defaults(func=cmd_import)

    p = with_ontology(sub.add_parser("export-ratings", help="write the ratings of an imported graph back to CSV"))
    p.add_argument("file", type=Path, help="N-Triples file written by prc-kg import")
    p.add_argument("--out", type=Path, required=True, help="CSV to write")
    p.set_defaults(func=cmd_export_ratings)

    p = sub.add_parser("generate-study", help="write a seeded synthetic coded-session study as a ratings CSV")
    p.add_argument("--out", type=Path, default=Path("examples/study/ratings.csv"))
    p.add_argument("--study", default="example-study")
    p.add_argument("--dyads", type=whole(1), default=3)
    p.add_argument("--sessions", type=whole(1), default=8)
    p.add_argument("--segments", type=whole(1), default=20)
    p.add_argument("--raters", type=whole(1), default=2)
    p.add_argument("--seed", type=int, default=20261126)
    p.set_defaults(func=cmd_generate_study)
