"""`prc-kg search`: full-text search over the turns and commentaries of a store (store/textindex.py)."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
from pathlib import Path

from .common import EXIT_OK, whole

EPILOG = """\
The hits are utterance IRIs, ready for SPARQL. Two steps, e.g. the codes of the turns that mention
drinking (the IRIs pasted from `prc-kg search drink --store build/store --format csv`):

  # title: codes of the search hits      (in a file codes.rq)
  PREFIX prc: <https://w3id.org/prc-kg/ontology/>
  PREFIX sosa: <http://www.w3.org/ns/sosa/>
  SELECT ?utterance ?code WHERE {
    VALUES ?utterance { <https://w3id.org/prc-kg/data/corpus/demo/conversation/1/utterance/4> }
    ?annotation sosa:hasFeatureOfInterest ?utterance ; prc:assignedCode ?code .
  }

  prc-kg query codes.rq --store build/store

The text is searched as words, all of which must occur ("quoted words" as a phrase, word* as a
prefix; case and diacritics do not matter). --fts passes SQLite FTS5 query syntax instead
(OR, NOT, NEAR(a b, 5), ^first).
"""


def cmd_search(args: argparse.Namespace) -> int:
    from .. import paths
    from ..api import KnowledgeGraph

    store = args.store or paths.build_dir() / "store"
    hits = KnowledgeGraph.from_store(store).search(args.text, args.limit, fts=args.fts)
    sys.stdout.write(format_hits(hits, args.format, color=_color()))
    return EXIT_OK


def _color() -> bool:
    """Bold matches only on a terminal, and not when NO_COLOR is set (https://no-color.org)."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def format_hits(hits, fmt: str, color: bool = False) -> str:
    """The hits as a table (one line each, IRIs in full), CSV (iri, conversation, label, snippet) or JSON.
    Every field is printed through textindex.safe_text: nothing from the data reaches the terminal
    as a control sequence."""
    from ..store.textindex import MATCH_END, MATCH_START, safe_text

    rows = [(safe_text(h.iri), safe_text(h.conversation_iri or ""), h.label, h.snippet) for h in hits]
    if fmt == "json":
        doc = [dict(zip(("iri", "conversation", "label", "snippet"), row)) for row in rows]
        return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["iri", "conversation", "label", "snippet"])
        writer.writerows(rows)
        return out.getvalue()
    if not rows:
        return "no hits\n"
    lines = []
    for iri, conversation, _, snippet in rows:
        if color:
            snippet = snippet.replace(MATCH_START, "\x1b[1m").replace(MATCH_END, "\x1b[22m")
        lines.append(f"<{iri}>\n    in <{conversation}>\n    {snippet}" if conversation else f"<{iri}>\n    {snippet}")
    return "\n".join(lines) + f"\n({len(rows)} hit{'s' if len(rows) != 1 else ''})\n"


def register(sub) -> None:
    """Add the search command to the parser."""
    p = sub.add_parser("search", help="full-text search over the turns and commentaries of a store",
                       description="Find turns of speech and commentaries by their words; prints each hit's IRI,\n"
                                   "its conversation (session) and a snippet with the matches marked ⟦ ⟧.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("text", help="words to find (all must occur); \"a phrase\" in double quotes; word* for a prefix")
    p.add_argument("--store", type=Path, default=None,
                   help="store folder made by `prc-kg load --store` (default: the project's build/store, where "
                        "`make demo` loads)")
    p.add_argument("--limit", type=whole(1, 100_000), default=20, help="best hits to show (default 20)")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table",
                   help="table (for reading), csv or json (iri, conversation, label, snippet)")
    p.add_argument("--fts", action="store_true", help="read TEXT as an SQLite FTS5 query (OR, NOT, NEAR, ^, *)")
    p.set_defaults(func=cmd_search)
