"""The import of utterance-coded corpora: ``prc-kg import-utterances FILE --layout LAYOUT``."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import EXIT_OK, Progress, graph_for, with_ontology


def cmd_import_utterances(args: argparse.Namespace) -> int:
    """See api.KnowledgeGraph.import_utterances: the output guard, then the all-or-nothing import."""
    size = args.file.stat().st_size if args.file.is_file() else 0
    with Progress(f"importing {args.file.name}", size) as advance:
        result = graph_for(args).import_utterances(args.file, args.layout, args.out, corpus=args.corpus,
                                                   text=not args.no_text, progress=advance)
    annotators = f", {result.annotators} annotators" if result.annotators else ""
    print(f"imported {result.rows} rows of {args.file} as corpus {result.corpus}: {result.conversations} "
          f"conversations, {result.utterances} utterances, {result.annotations} annotations{annotators}"
          f"{' (without the text)' if args.no_text else ''}")
    print(f"wrote {result.output} ({result.triples} triples)")
    return EXIT_OK


def register(sub) -> None:
    """Add this group's subcommands to the parser."""
    p = with_ontology(sub.add_parser(
        "import-utterances", help="import a corpus of coded utterances (CSV/TSV, one row per utterance and "
                                  "annotator) through a layout file (all or nothing)"))
    p.add_argument("file", type=Path, help="CSV or TSV file of coded utterances")
    p.add_argument("--layout", type=Path, required=True,
                   help="layout YAML saying which column is which (see examples/layouts/ and examples/README.md)")
    p.add_argument("--corpus", default=None,
                   help="corpus name used in IRIs: letters, digits, '_', '.', '-' (default: the file's name "
                        "without extension)")
    p.add_argument("--out", type=Path, default=None,
                   help="N-Triples output (default: build/utterances/CORPUS.nt beside the ontology folder, where "
                        "load looks)")
    p.add_argument("--no-text", action="store_true",
                   help="leave the words of the utterances out: codes, order, speakers and timestamps only")
    p.set_defaults(func=cmd_import_utterances)
