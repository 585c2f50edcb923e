"""`prc-kg diff OLD NEW`: what changed between two releases or source trees, term by term."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    from .. import paths
    from ..api import diff_ontologies
    from ..fileio.files import write_files_atomically
    from ..fileio.outputs import check_outputs
    from ..ontology.diffreport import FORMATS, render_changelog

    if args.output is not None:  # refused before any work: never CHANGELOG.md, a compared file or a source folder
        sides = [Path(p) for p in (args.old, args.new)]
        check_outputs([args.output], inputs=[paths.changelog(), *(p for p in sides if not p.is_dir())],
                      sources=[("ontology folder", paths.ontology_dir()),
                               *(("folder compared", p) for p in sides if p.is_dir())])
    diff = diff_ontologies(args.old, args.new)
    text = render_changelog(diff) if args.changelog else FORMATS[args.format](diff)
    if args.output is None:
        sys.stdout.write(text)
    else:
        write_files_atomically({args.output: text.encode("utf-8")})
        print(f"wrote {args.output}: {len(diff.changes)} changes", file=sys.stderr)
    return EXIT_OK


def register(sub) -> None:
    """Add `diff` to the parser."""
    p = sub.add_parser(
        "diff", help="classes and properties added, removed, relabelled, re-parented, with changed definitions or "
                     "deprecated, between two release files, built release folders or ontology source trees")
    p.add_argument("old", type=Path, help="the earlier side: a release file (.ttl, .owl, .jsonld), a release folder "
                                          "(build/, build/release/VERSION/) or an ontology source folder")
    p.add_argument("new", type=Path, help="the later side, in any of the same forms")
    p.add_argument("--format", choices=["text", "markdown", "json"], default="text",
                   help="report format (default: text)")
    p.add_argument("--changelog", action="store_true",
                   help="instead of the report, draft the new version's CHANGELOG entry (Keep a Changelog sections) "
                        "to edit and paste into CHANGELOG.md; never written there")
    p.add_argument("--output", "-o", type=Path, default=None, help="write to this file instead of standard output")
    p.set_defaults(func=cmd_diff)
