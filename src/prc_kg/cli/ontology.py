"""Commands on the ontology: build, versioned release, summarise, quality control, reasoning."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from pathlib import Path

from .common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_TIMEOUT,
    check_outputs_of,
    number,
    ontology_and_examples,
    source_folders,
    source_of,
    whole,
    with_allow,
    with_examples,
    with_ontology,
)


def cmd_build(args: argparse.Namespace) -> int:
    from ..ontology.build import EXAMPLES_TTL, WITH_EXAMPLES_OWL, build_release, release_paths
    from ..ontology.summary import instance_lines, summarise

    files = [*release_paths(args.out).all(), args.out / EXAMPLES_TTL, args.out / WITH_EXAMPLES_OWL]
    check_outputs_of(args, files=files, folders=[args.out])
    source, ontology, examples = ontology_and_examples(args)
    _paths, graph = build_release(source, args.out, examples.graph)
    for path in files:
        print(f"wrote {path}")
    print("\n".join(summarise(graph).lines()))
    print("\n".join(instance_lines(examples.graph)))
    return _qc_after_build(args, source, ontology, examples.graph)


def _qc_after_build(args: argparse.Namespace, source, ontology, instances) -> int:
    """The QC of `prc-kg qc` on what was built: its count, the first ERRORs, exit 1 when there is any."""
    from ..checks.qc import build_verdict, run_qc
    from ..ontology.locations import source_locations

    report = run_qc(ontology, args.queries, source_locations(source), instances=instances)
    lines, ok = build_verdict(report)
    print("\n".join(lines))
    return EXIT_OK if ok else EXIT_FAILED


def cmd_release(args: argparse.Namespace) -> int:
    """Check, then write a versioned release folder; a failed check writes nothing (exit 1)."""
    from ..api import default_corpus_files
    from ..release.bundle import assemble_release, default_changelog, stray_files, write_release
    from ..release.redirects import DEFAULT_RELEASES

    corpora = default_corpus_files(args.ontology) if args.data is None else args.data
    check_outputs_of(args, folders=[args.out], inputs=[args.changelog or default_changelog(), *corpora])
    if corpora:
        print(f"corpora checked for identifiers (not released): {', '.join(str(p) for p in corpora)}")
    bundle = assemble_release(source_of(args), args.examples, args.changelog, args.version, args.date,
                              allow=args.allow, corpora=corpora, releases_url=args.releases_url)
    for check in bundle.checks:
        print(f"ok  {check.name}: {check.detail} ({check.seconds:.2f} s)")
    keep_apart = [*source_folders(args), ("changelog", args.changelog or default_changelog())]
    folder = write_release(bundle, args.out, keep_apart)
    for name, data in bundle.files.items():
        print(f"wrote {folder / name} ({len(data):,} bytes)")
    for path in stray_files(folder, bundle):
        print(f"note: {path} is not part of release {bundle.version.version} (left in place)")
    steps = [*bundle.timings.items(), ("checks", sum(c.seconds for c in bundle.checks))]
    print("time: " + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in steps))
    if args.releases_url == DEFAULT_RELEASES:
        print(f"note: w3id.htaccess sends the permanent IRIs to {DEFAULT_RELEASES}/{bundle.version.version}/ "
              "(the default); give --releases-url URL if the releases are published elsewhere")
    print(f"release {bundle.version.version} of {bundle.version.date}: {len(bundle.files)} files in {folder}")
    return EXIT_OK


def _checked(module: str, name: str) -> Callable[[str], str]:
    """An argparse type from a check of the release layer (imported when the argument is read, so the
    CLI starts without it); the check's ValueError becomes argparse's message."""
    def parse(text: str) -> str:
        check = getattr(importlib.import_module(module, __package__), name)
        try:
            return check(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from exc

    return parse


_version_arg = _checked("..release.bundle", "check_version")
_date_arg = _checked("..release.bundle", "check_date")
_releases_url_arg = _checked("..release.redirects", "check_releases_url")


def _default_releases() -> str:
    from ..release.redirects import DEFAULT_RELEASES

    return DEFAULT_RELEASES


def cmd_summary(args: argparse.Namespace) -> int:
    from ..ontology.build import merged_release_graph
    from ..ontology.summary import summarise

    print("\n".join(summarise(merged_release_graph(source_of(args))).lines()))
    return EXIT_OK


def cmd_qc(args: argparse.Namespace) -> int:
    from ..checks.qc import LEVELS, run_qc
    from ..fileio.files import write_files_atomically
    from ..instances.examples import load_examples
    from ..ontology.build import merged_release_graph
    from ..ontology.locations import source_locations

    check_outputs_of(args, files=[args.report] if args.report else [])
    source = source_of(args)
    ontology = merged_release_graph(source)
    examples = None
    if not args.no_examples:  # checks on case data and findings (marked statements, typed relations) need them
        examples = load_examples(ontology, args.examples).graph
    report = run_qc(ontology, args.queries, source_locations(source), instances=examples)
    shown = LEVELS[: LEVELS.index(args.show) + 1]
    for v in report.violations:
        if v.level in shown:
            print(v.text())
    if args.report:
        write_files_atomically({args.report: report.to_tsv().encode("utf-8")})
        print(f"wrote {args.report}")
    print(f"QC: {len(report.checks)} checks; " + ", ".join(f"{report.count(lv)} {lv}" for lv in LEVELS))
    return EXIT_OK if report.ok else EXIT_FAILED


def cmd_reason(args: argparse.Namespace) -> int:
    from ..ontology.reasoning import ReasonerTimeout

    try:
        return _reason(args)
    except ReasonerTimeout as exc:
        print(f"prc-kg: {exc}", file=sys.stderr)
        return EXIT_TIMEOUT


def _reason(args: argparse.Namespace) -> int:
    from ..ontology.build import merged_release_graph
    from ..ontology.reasoncache import cached_hermit
    from ..ontology.reasonplan import reason

    if args.file:
        report, cached = cached_hermit(args.file, args.timeout, use_cache=not args.no_cache)
        if cached and not args.quiet:  # on stderr, so the report reads the same whether HermiT ran or not
            print("prc-kg: HermiT's answer for this file kept from an earlier run on the same bytes "
                  "(--no-cache runs it again)", file=sys.stderr)
    else:
        graph = merged_release_graph(source_of(args))
        instances = None
        if args.with_examples:
            from ..instances.examples import load_examples

            def instances():  # read while HermiT classifies the ontology
                return load_examples(graph, args.examples).graph
        report = reason(graph, instances, args.engine, args.timeout, use_cache=not args.no_cache)
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


def register(sub) -> None:
    """Add this group's subcommands to the parser."""
    p = with_examples(with_ontology(sub.add_parser(
        "build", help="write the release files (Turtle, RDF/XML, JSON-LD), the example instances and a summary")))
    p.add_argument("--out", type=Path, default=Path("build"), help="output folder (default: build)")
    p.add_argument("--queries", type=Path, default=None, help="folder of QC .rq files run after the build "
                                                              "(default: queries/qc); exit 1 on any ERROR")
    p.set_defaults(func=cmd_build)

    p = with_allow(with_examples(with_ontology(sub.add_parser(
        "release", help="check and write a versioned release: ontology, examples, documentation page, changelog, "
                        "manifest and checksums; refused (exit 1) when a check fails, QC, SHACL and the privacy "
                        "check of validate included"))))
    p.add_argument("--out", type=Path, default=Path("build") / "release",
                   help="parent folder; the release goes into OUT/VERSION/ (default: build/release)")
    p.add_argument("--version", type=_version_arg, default=None,
                   help="release version X.Y.Z (default: owl:versionInfo of the ontology header)")
    p.add_argument("--date", type=_date_arg, default=None,
                   help="release date YYYY-MM-DD (default: the date in the header's owl:versionIRI)")
    p.add_argument("--changelog", type=Path, default=None,
                   help="changelog holding the entry for the version (default: the project's CHANGELOG.md, see --project)")
    p.add_argument("--data", type=Path, nargs="*", default=None, metavar="FILE",
                   help="imported corpora the privacy check reads too, utterance texts and conversation attributes "
                        "(default: build/utterances/*.nt beside the ontology folder; --data alone for none)")
    p.add_argument("--releases-url", type=_releases_url_arg, default=_default_releases(), metavar="URL",
                   help="where the release folders are published, one per version: the w3id.htaccess of the "
                        f"release redirects the permanent IRIs there (default: {_default_releases()})")
    p.set_defaults(func=cmd_release)

    p = with_ontology(sub.add_parser("summary", help="print class counts per manual section and annotation cover"))
    p.set_defaults(func=cmd_summary)

    p = with_examples(with_ontology(sub.add_parser(
        "qc", help="run the quality-control queries on the ontology and the examples; exit 1 on any ERROR")))
    p.add_argument("--no-examples", action="store_true", help="check the ontology alone, without the example instances")
    p.add_argument("--queries", type=Path, default=None, help="folder of QC .rq files (default: queries/qc)")
    p.add_argument("--report", type=Path, default=None, help="also write the report as TSV to this file")
    p.add_argument("--show", choices=["ERROR", "WARN", "INFO"], default="WARN",
                   help="lowest level to print (default: WARN)")
    p.set_defaults(func=cmd_qc)

    p = with_examples(with_ontology(sub.add_parser("reason", help="check consistency and classify with HermiT (needs Java), instances with OWL 2 RL")))
    p.add_argument("--with-examples", action="store_true", help="reason over the ontology and the example instances")
    p.add_argument("--file", type=Path, default=None, help="reason over this RDF/XML file instead of the source")
    p.add_argument("--show", type=whole(0), default=20, help="how many inferred axioms to list (default: 20)")
    p.add_argument("--timeout", type=number(0, 86400, open_low=True), default=600.0,
                   help="seconds HermiT may run before it is stopped, with exit code 4 (default 600)")
    p.add_argument("--engine", choices=["fast", "hermit"], default="fast",
                   help="with --with-examples: fast (default) = HermiT judges and classifies the ontology, OWL 2 RL "
                        "(reasonable) the instances; hermit = HermiT on ontology and instances together, the "
                        "complete check (slower)")
    p.add_argument("--no-cache", action="store_true",
                   help="run HermiT even when its answer for the same input is kept in the cache")
    p.set_defaults(func=cmd_reason)
