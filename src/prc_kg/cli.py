"""The ``prc-kg`` command: argument parsing only; the work is done by the library modules."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from .errors import InputError, JavaMissingError, PrcKgError

EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_NO_JAVA = 0, 1, 2, 3


def _source(args: argparse.Namespace):
    from .ontology import load_source

    return load_source(args.ontology)


def cmd_build(args: argparse.Namespace) -> int:
    from .release import build_release
    from .summary import summarise

    paths, graph = build_release(_source(args), args.out)
    for path in paths.all():
        print(f"wrote {path}")
    print("\n".join(summarise(graph).lines()))
    return EXIT_OK


def cmd_summary(args: argparse.Namespace) -> int:
    from .release import merged_release_graph
    from .summary import summarise

    print("\n".join(summarise(merged_release_graph(_source(args))).lines()))
    return EXIT_OK


def cmd_qc(args: argparse.Namespace) -> int:
    from .files import write_files_atomically
    from .qc import LEVELS, run_qc
    from .release import merged_release_graph

    report = run_qc(merged_release_graph(_source(args)), args.queries)
    shown = LEVELS[: LEVELS.index(args.show) + 1]
    for v in report.violations:
        if v.level in shown:
            value = f"  {v.value[:100]}" if v.value else ""
            print(f"{v.level}\t{v.rule}\t{v.entity}\t{v.property}{value}")
    if args.report:
        write_files_atomically({args.report: report.to_tsv().encode("utf-8")})
        print(f"wrote {args.report}")
    print(f"QC: {len(report.checks)} checks; " + ", ".join(f"{report.count(lv)} {lv}" for lv in LEVELS))
    return EXIT_OK if report.ok else EXIT_FAILED


def cmd_reason(args: argparse.Namespace) -> int:
    from .reasoning import run_hermit
    from .release import merged_release_graph, serialise

    if args.file:
        report = run_hermit(args.file)
    else:
        graph = merged_release_graph(_source(args))
        with tempfile.TemporaryDirectory(prefix="prc-kg-reason-") as tmp:
            path = Path(tmp) / "prc-kg.owl"
            path.write_bytes(serialise(graph, "xml"))
            report = run_hermit(path)
    print(f"{report.message} ({report.seconds:.2f} s)")
    for clash in report.clashes:
        print(f"  clash: {clash}")
    for cls in report.unsatisfiable:
        print(f"  unsatisfiable class: {cls}")
    if report.inferred_subclass_of:
        print(f"inferred subclass axioms not asserted: {len(report.inferred_subclass_of)}")
        for child, parent in report.inferred_subclass_of[: args.show]:
            print(f"  {child} SubClassOf {parent}")
    if report.inferred_types:
        print(f"inferred class memberships not asserted: {len(report.inferred_types)}")
        for ind, cls in report.inferred_types[: args.show]:
            print(f"  {ind} a {cls}")
    return EXIT_OK if report.ok else EXIT_FAILED


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="prc-kg", description="Knowledge graph of the psychotherapy process.")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_ontology(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--ontology", type=Path, default=None,
                       help="folder holding prc-kg.ttl and catalog-v001.xml (default: this checkout's ontology/)")
        return p

    p = with_ontology(sub.add_parser("build", help="write the release files (Turtle, RDF/XML, JSON-LD) and a summary"))
    p.add_argument("--out", type=Path, default=Path("build"), help="output folder (default: build)")
    p.set_defaults(func=cmd_build)

    p = with_ontology(sub.add_parser("summary", help="print class counts per manual section and annotation cover"))
    p.set_defaults(func=cmd_summary)

    p = with_ontology(sub.add_parser("qc", help="run the quality-control queries; exit 1 on any ERROR"))
    p.add_argument("--queries", type=Path, default=None, help="folder of QC .rq files (default: queries/qc)")
    p.add_argument("--report", type=Path, default=None, help="also write the report as TSV to this file")
    p.add_argument("--show", choices=["ERROR", "WARN", "INFO"], default="WARN",
                   help="lowest level to print (default: WARN)")
    p.set_defaults(func=cmd_qc)

    p = with_ontology(sub.add_parser("reason", help="check consistency and classify with HermiT (needs Java)"))
    p.add_argument("--file", type=Path, default=None, help="reason over this RDF/XML file instead of the source")
    p.add_argument("--show", type=int, default=20, help="how many inferred axioms to list (default: 20)")
    p.set_defaults(func=cmd_reason)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except JavaMissingError as exc:
        print(f"prc-kg: {exc}", file=sys.stderr)
        return EXIT_NO_JAVA
    except InputError as exc:
        print(f"prc-kg: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except PrcKgError as exc:
        print(f"prc-kg: {exc}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
