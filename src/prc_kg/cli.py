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


def _ontology_and_examples(args: argparse.Namespace):
    from .instances import load_examples
    from .release import merged_release_graph

    source = _source(args)
    ontology = merged_release_graph(source)
    return source, ontology, load_examples(ontology, args.examples)


def cmd_build(args: argparse.Namespace) -> int:
    from .release import EXAMPLES_TTL, WITH_EXAMPLES_OWL, build_release
    from .summary import instance_lines, summarise

    source, _, examples = _ontology_and_examples(args)
    paths, graph = build_release(source, args.out, examples.graph)
    for path in [*paths.all(), args.out / EXAMPLES_TTL, args.out / WITH_EXAMPLES_OWL]:
        print(f"wrote {path}")
    print("\n".join(summarise(graph).lines()))
    print("\n".join(instance_lines(examples.graph)))
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from .ontology import parse_file
    from .validation import validate

    _, ontology, examples = _ontology_and_examples(args)
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


def cmd_import(args: argparse.Namespace) -> int:
    from .ratings import import_ratings
    from .release import merged_release_graph
    from .reliability import format_table
    from .terms import TermIndex

    terms = TermIndex(merged_release_graph(_source(args)))
    output = args.out or Path("build") / "ratings" / f"{args.file.stem}.nt"
    size = args.file.stat().st_size if args.file.exists() else 0
    with _progress(f"importing {args.file.name}", size) as advance:
        result = import_ratings(args.file, output, terms, args.mapping, progress=advance)
    print(f"imported {result.rows} ratings from {args.file} into {result.output} ({result.triples} triples)")
    if result.reliability:
        print("inter-rater reliability (stored in the graph as prc:ReliabilityEstimate):")
        print("\n".join(format_table(result.reliability)))
    return EXIT_OK


def cmd_export_ratings(args: argparse.Namespace) -> int:
    from .ratings import export_ratings
    from .release import merged_release_graph

    rows = export_ratings(args.file, args.out, merged_release_graph(_source(args)))
    print(f"wrote {rows} ratings to {args.out}")
    return EXIT_OK


def cmd_generate_study(args: argparse.Namespace) -> int:
    from .study import StudyDesign, write_study

    design = StudyDesign(args.study, args.dyads, args.sessions, args.segments, args.raters, args.seed)
    rows = write_study(design, args.out)
    print(f"wrote {rows} ratings ({design.dyads} dyads x {design.sessions} sessions x {design.segments} segments, "
          f"{design.raters} raters, seed {design.seed}) to {args.out}")
    return EXIT_OK


class _progress:
    """A progress bar on standard error for long imports (bytes read); silent when not a terminal."""

    def __init__(self, title: str, total: int):
        self.title, self.total, self.bar = title, total, None

    def __enter__(self):
        if not sys.stderr.isatty() or self.total < 5_000_000:
            return lambda n: None
        from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

        self.bar = Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                            TimeRemainingColumn(), transient=True)
        self.bar.start()
        task = self.bar.add_task(self.title, total=self.total)
        return lambda n: self.bar.advance(task, n)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()


def _default_ratings() -> list[Path]:
    return sorted((Path("build") / "ratings").glob("*.nt"))


def _store_for(args: argparse.Namespace):
    """The store a query runs on: --endpoint, --store DIR, or the graph built in memory from the sources."""
    from .dataset import load_dataset
    from .store import open_store

    if args.endpoint or args.store:
        return open_store(args.store, args.endpoint)
    _, ontology, examples = _ontology_and_examples(args)
    store, _ = load_dataset(ontology, examples.graph, _default_ratings())
    return store


def cmd_load(args: argparse.Namespace) -> int:
    import tempfile
    import time

    import pyoxigraph as ox

    from .dataset import load_dataset
    from .store import RemoteStore

    _, ontology, examples = _ontology_and_examples(args)
    extra = args.data if args.data is not None else _default_ratings()
    start = time.perf_counter()
    if args.endpoint:
        store, added = load_dataset(ontology, examples.graph, extra)
        with tempfile.TemporaryDirectory(prefix="prc-kg-push-") as tmp:
            dump = Path(tmp) / "dataset.nt"
            store.ox.dump(output=str(dump), format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
            RemoteStore(args.endpoint).upload(dump, args.graph_store)
        print(f"pushed {len(store)} triples ({added} inferred) to {args.graph_store or args.endpoint} "
              f"in {time.perf_counter() - start:.1f} s")
        return EXIT_OK
    store, added = load_dataset(ontology, examples.graph, extra, args.store)
    print(f"loaded {len(store)} triples ({added} inferred) into {args.store} in {time.perf_counter() - start:.1f} s "
          f"from the ontology, {len(examples.files)} example files and {len(extra)} data files")
    return EXIT_OK


def cmd_queries(args: argparse.Namespace) -> int:
    from .querylib import load_library

    for name, q in load_library(args.queries).items():
        params = " ".join(f"{p.name}:{p.kind}" for p in q.params.values())
        print(f"{name:<40} {q.title}" + (f"  [{params}]" if params else ""))
    return EXIT_OK


def cmd_query(args: argparse.Namespace) -> int:
    from .querylib import find_query, format_result, parse_param_args
    from .store import QueryError

    q = find_query(args.name, args.queries)
    bindings = q.bindings(parse_param_args(args.param))
    try:
        result = _store_for(args).query(q.text, bindings)
    except QueryError as exc:
        raise InputError(q.path, str(exc)) from exc
    sys.stdout.write(format_result(result, args.format))
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from .serve import Limits, make_server

    store = _store_for(args)
    if not hasattr(store, "ox"):
        raise PrcKgError("serve needs the embedded store (--store DIR or the sources), not --endpoint")
    try:
        server = make_server(store.ox, args.host, args.port, Limits(args.timeout, args.max_rows), args.allow_remote)
    except ValueError as exc:
        raise PrcKgError(str(exc)) from exc
    host, port = server.server_address[:2]
    print(f"SPARQL endpoint on http://{host}:{port}/sparql ({len(store)} triples; read-only; "
          f"{args.timeout:g} s per query; at most {args.max_rows} rows). Ctrl-C stops it.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return EXIT_OK


def cmd_reason(args: argparse.Namespace) -> int:
    from .reasoning import run_hermit
    from .release import merged_release_graph, serialise

    if args.file:
        report = run_hermit(args.file)
    else:
        graph = merged_release_graph(_source(args))
        if args.with_examples:
            from .instances import load_examples
            from .release import canonical

            graph = canonical(graph + load_examples(graph, args.examples).graph)
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

    def with_examples(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--examples", type=Path, default=None,
                       help="folder of example YAML files (default: this checkout's examples/)")
        return p

    def with_ontology(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--ontology", type=Path, default=None,
                       help="folder holding prc-kg.ttl and catalog-v001.xml (default: this checkout's ontology/)")
        return p

    p = with_examples(with_ontology(sub.add_parser(
        "build", help="write the release files (Turtle, RDF/XML, JSON-LD), the example instances and a summary")))
    p.add_argument("--out", type=Path, default=Path("build"), help="output folder (default: build)")
    p.set_defaults(func=cmd_build)

    p = with_examples(with_ontology(sub.add_parser(
        "validate", help="check the example instances (and --data files) with the SHACL shapes; exit 1 on violations")))
    p.add_argument("--data", type=Path, nargs="*", default=[], help="further RDF files of instance data")
    p.set_defaults(func=cmd_validate)

    p = with_ontology(sub.add_parser("summary", help="print class counts per manual section and annotation cover"))
    p.set_defaults(func=cmd_summary)

    p = with_ontology(sub.add_parser("qc", help="run the quality-control queries; exit 1 on any ERROR"))
    p.add_argument("--queries", type=Path, default=None, help="folder of QC .rq files (default: queries/qc)")
    p.add_argument("--report", type=Path, default=None, help="also write the report as TSV to this file")
    p.add_argument("--show", choices=["ERROR", "WARN", "INFO"], default="WARN",
                   help="lowest level to print (default: WARN)")
    p.set_defaults(func=cmd_qc)

    p = with_examples(with_ontology(sub.add_parser("reason", help="check consistency and classify with HermiT (needs Java)")))
    p.add_argument("--with-examples", action="store_true", help="reason over the ontology and the example instances")
    p.add_argument("--file", type=Path, default=None, help="reason over this RDF/XML file instead of the source")
    p.add_argument("--show", type=int, default=20, help="how many inferred axioms to list (default: 20)")
    p.set_defaults(func=cmd_reason)

    p = with_ontology(sub.add_parser("import", help="import a ratings CSV as observations (all or nothing)"))
    p.add_argument("file", type=Path, help="ratings CSV in the long format of examples/README.md")
    p.add_argument("--mapping", type=Path, default=None, help="item mapping CSV (default: examples/mappings/items.csv)")
    p.add_argument("--out", type=Path, default=None, help="N-Triples output (default: build/ratings/FILE.nt)")
    p.set_defaults(func=cmd_import)

    def with_store(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--store", type=Path, default=None, help="persistent embedded store folder (see `load`)")
        p.add_argument("--endpoint", default=None, help="a SPARQL 1.1 query endpoint URL instead of the embedded store")
        return p

    p = with_examples(with_ontology(sub.add_parser(
        "load", help="load ontology, examples and data into a persistent store or push them to an endpoint")))
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--store", type=Path, help="folder of the persistent embedded store to (re)create")
    group.add_argument("--endpoint", help="SPARQL endpoint to push to (Graph Store Protocol)")
    p.add_argument("--graph-store", default=None, help="Graph Store Protocol URL when it is not ENDPOINT/../store")
    p.add_argument("--data", type=Path, nargs="*", default=None,
                   help="data files to add (default: build/ratings/*.nt)")
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("queries", help="list the query library with titles and parameters")
    p.add_argument("--queries", type=Path, default=None, help="query folder (default: queries/)")
    p.set_defaults(func=cmd_queries)

    p = with_store(with_examples(with_ontology(sub.add_parser("query", help="run a library query or a .rq file"))))
    p.add_argument("name", help="query name from `prc-kg queries`, or a path to a .rq file")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="bind a query parameter")
    p.add_argument("--format", choices=["table", "csv", "tsv", "json"], default="table")
    p.add_argument("--queries", type=Path, default=None, help="query folder (default: queries/)")
    p.set_defaults(func=cmd_query)

    p = with_examples(with_ontology(sub.add_parser("serve", help="a read-only SPARQL 1.1 endpoint on loopback")))
    p.add_argument("--store", type=Path, default=None, help="persistent store folder (default: built from the sources)")
    p.add_argument("--endpoint", default=None, help=argparse.SUPPRESS)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=7878)
    p.add_argument("--timeout", type=float, default=10.0, help="seconds a query may run (default 10)")
    p.add_argument("--max-rows", type=int, default=10_000, help="rows returned at most (default 10000)")
    p.add_argument("--allow-remote", action="store_true", help="allow binding to a non-loopback address")
    p.set_defaults(func=cmd_serve)

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
