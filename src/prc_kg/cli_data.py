"""Commands on instance data: SHACL validation, ratings import and export, the study generator."""

from __future__ import annotations

import argparse
from pathlib import Path

from .cli_common import EXIT_FAILED, EXIT_OK, Progress, ontology_and_examples, source_of, with_examples, with_ontology


def cmd_validate(args: argparse.Namespace) -> int:
    from .ontology import parse_file
    from .validation import validate

    _, ontology, examples = ontology_and_examples(args)
    data = examples.graph
    for path in args.data:
        data += parse_file(path)
    violations = validate(data, ontology)
    for v in violations:
        print(v)
    errors = sum(1 for v in violations if v.severity == "Violation")
    print(f"SHACL: {len(data)} instance triples from {len(examples.files) + len(args.data)} files; "
          f"{errors} violations, {len(violations) - errors} warnings")
    return EXIT_OK if errors == 0 else EXIT_FAILED


def cmd_import(args: argparse.Namespace) -> int:
    from .ratings import import_ratings
    from .release import merged_release_graph
    from .reliability import format_table
    from .terms import TermIndex

    terms = TermIndex(merged_release_graph(source_of(args)))
    output = args.out or Path("build") / "ratings" / f"{args.file.stem}.nt"
    size = args.file.stat().st_size if args.file.exists() else 0
    with Progress(f"importing {args.file.name}", size) as advance:
        result = import_ratings(args.file, output, terms, args.mapping, progress=advance)
    print(f"imported {result.rows} ratings from {args.file} into {result.output} ({result.triples} triples)")
    if result.reliability:
        print("inter-rater reliability (stored in the graph as prc:ReliabilityEstimate):")
        print("\n".join(format_table(result.reliability)))
    return EXIT_OK


def cmd_export_ratings(args: argparse.Namespace) -> int:
    from .ratings import export_ratings
    from .release import merged_release_graph

    rows = export_ratings(args.file, args.out, merged_release_graph(source_of(args)))
    print(f"wrote {rows} ratings to {args.out}")
    return EXIT_OK


def cmd_generate_study(args: argparse.Namespace) -> int:
    from .study import StudyDesign, write_study

    design = StudyDesign(args.study, args.dyads, args.sessions, args.segments, args.raters, args.seed)
    rows = write_study(design, args.out)
    print(f"wrote {rows} ratings ({design.dyads} dyads x {design.sessions} sessions x {design.segments} segments, "
          f"{design.raters} raters, seed {design.seed}) to {args.out}")
    return EXIT_OK


def register(sub) -> None:
    """Add this group's subcommands to the parser."""
    p = with_examples(with_ontology(sub.add_parser(
        "validate", help="check the example instances (and --data files) with the SHACL shapes; exit 1 on violations")))
    p.add_argument("--data", type=Path, nargs="*", default=[], help="further RDF files of instance data")
    p.set_defaults(func=cmd_validate)

    p = with_ontology(sub.add_parser("import", help="import a ratings CSV as observations (all or nothing)"))
    p.add_argument("file", type=Path, help="ratings CSV in the long format of examples/README.md")
    p.add_argument("--mapping", type=Path, default=None, help="item mapping CSV (default: examples/mappings/items.csv)")
    p.add_argument("--out", type=Path, default=None, help="N-Triples output (default: build/ratings/FILE.nt)")
    p.set_defaults(func=cmd_import)

    p = with_ontology(sub.add_parser("export-ratings", help="write the ratings of an imported graph back to CSV"))
    p.add_argument("file", type=Path, help="N-Triples file written by prc-kg import")
    p.add_argument("--out", type=Path, required=True, help="CSV to write")
    p.set_defaults(func=cmd_export_ratings)

    p = sub.add_parser("generate-study", help="write a seeded synthetic coded-session study as a ratings CSV")
    p.add_argument("--out", type=Path, default=Path("examples/study/ratings.csv"))
    p.add_argument("--study", default="example-study")
    p.add_argument("--dyads", type=int, default=3)
    p.add_argument("--sessions", type=int, default=8)
    p.add_argument("--segments", type=int, default=20)
    p.add_argument("--raters", type=int, default=2)
    p.add_argument("--seed", type=int, default=20261126)
    p.set_defaults(func=cmd_generate_study)
