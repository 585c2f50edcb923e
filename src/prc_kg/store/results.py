"""SPARQL results as bytes: the one serialiser of `prc-kg query`, the endpoint and the Python API.

SELECT answers are written in the SPARQL 1.1 results formats: JSON, XML, CSV (RFC 4180 lines
ending in CRLF; IRIs and literal values bare, blank nodes as ``_:label``) and TSV (a ``?name``
header, every term in N-Triples form: ``<iri>``, ``"text"``, ``"3"^^<…#integer>``, ``_:b``).
``table`` is the human format of the command line. pyoxigraph's ``QuerySolutions.serialize`` is not
used for SELECT: it has no cap, it only takes an answer of the embedded store (not rows from a
remote endpoint), and its CSV leaves an IRI holding a comma unquoted; tests check that what is
written here reads back through pyoxigraph's own results parser as the same terms. Graph answers
are pyoxigraph's serialisation: Turtle with the project's prefixes (only those the answer uses, so
``prc:Interpretation`` rather than the full IRI), N-Triples, RDF/XML or JSON-LD (expanded form).

The endpoint's cap is on the bytes of the answer it sends, not on rows: one literal of 32 MiB is a
single row. Each row (or triple) is serialised on its own, its size checked against what is left,
and writing stops before the answer would pass the cap, so neither the query process nor the
server ever holds more than the cap. ASK answers exist in every format offered: JSON and XML as the
SPARQL 1.1 results formats define them, CSV and TSV as Jena and Fuseki write them (a header line
``_askResult`` / ``?_askResult``, then ``true`` or ``false``)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

import pyoxigraph as ox

from ..prefixes import PREFIXES
from .backends import QueryError, QueryResult, Term
from .querylib import short

Row = Sequence  # one solution: a term or None per variable
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
NO_LIMIT = sys.maxsize


def term_to_json(term: Term) -> dict:
    """One RDF term in the SPARQL 1.1 JSON results form (the inverse of ``store.term_from_json``)."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


def _csv_cell(term) -> str:
    if term is None:
        return ""
    value = f"_:{term.value}" if isinstance(term, ox.BlankNode) else term.value  # as the SPARQL CSV format says
    return f'"{value.replace(chr(34), chr(34) * 2)}"' if any(c in value for c in ',"\n\r') else value


def _tsv_cell(term) -> str:
    return "" if term is None else str(term).replace("\t", "\\t").replace("\n", "\\n")


_XML_SPACE = " \t\n\r"


def _xml_text(text: str) -> str:
    """Literal text every XML reader gives back as it was: a CR as a character reference (a reader turns
    a bare one into LF), and white space at either end too (Oxigraph's reader trims it)."""
    core = text.strip(_XML_SPACE)
    if not core:
        return "".join(f"&#{ord(c)};" for c in text)
    start = text.index(core[0])
    head, tail = text[:start], text[start + len(core):]
    return ("".join(f"&#{ord(c)};" for c in head) + escape(core).replace("\r", "&#13;")
            + "".join(f"&#{ord(c)};" for c in tail))


def _xml_term(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if term.language:
        return f'<literal xml:lang="{escape(term.language)}">{_xml_text(term.value)}</literal>'
    return f'<literal datatype="{escape(term.datatype.value)}">{_xml_text(term.value)}</literal>'


@dataclass(frozen=True)
class SelectFormat:
    """How one results format writes its head, each row, the glue between rows, and its tail."""

    head: Callable[[list[str]], str]
    row: Callable[[list[str], Row], str]
    tail: str
    between: str
    ask: Callable[[bool], str]


_XML_HEAD = '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n<head>\n'

_JSON = SelectFormat(
    head=lambda vs: '{"head": {"vars": ' + json.dumps(vs) + '}, "results": {"bindings": [',
    row=lambda vs, row: json.dumps({v: term_to_json(t) for v, t in zip(vs, row) if t is not None}, ensure_ascii=False),
    tail="]}}", between=", ",
    ask=lambda b: json.dumps({"head": {}, "boolean": b}))
_XML = SelectFormat(
    head=lambda vs: _XML_HEAD + "".join(f'<variable name="{escape(v)}"/>\n' for v in vs) + "</head>\n<results>\n",
    row=lambda vs, row: "<result>\n" + "".join(f'<binding name="{escape(v)}">{_xml_term(t)}</binding>\n'
                                               for v, t in zip(vs, row) if t is not None) + "</result>\n",
    tail="</results>\n</sparql>\n", between="",
    ask=lambda b: _XML_HEAD + f"</head>\n<boolean>{'true' if b else 'false'}</boolean>\n</sparql>\n")
_CSV = SelectFormat(
    head=lambda vs: ",".join(vs) + "\r\n", row=lambda vs, row: ",".join(_csv_cell(t) for t in row) + "\r\n",
    tail="", between="", ask=lambda b: f"_askResult\r\n{'true' if b else 'false'}\r\n")
_TSV = SelectFormat(
    head=lambda vs: "\t".join("?" + v for v in vs) + "\n",
    row=lambda vs, row: "\t".join(_tsv_cell(t) for t in row) + "\n",
    tail="", between="", ask=lambda b: f"?_askResult\n{'true' if b else 'false'}\n")

SELECT_FORMATS = {
    "application/sparql-results+json": _JSON, "application/json": _JSON,
    "text/csv": _CSV, "text/tab-separated-values": _TSV,
    "application/sparql-results+xml": _XML, "application/xml": _XML,
}
GRAPH_FORMATS = {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
                 "application/ld+json": ox.RdfFormat.JSON_LD, "application/rdf+xml": ox.RdfFormat.RDF_XML}
# longest namespace first, so an IRI gets the most specific prefix that covers it
_NAMESPACES = sorted(((ns, name) for name, ns in PREFIXES.items()), key=lambda pair: -len(pair[0]))


def write_ask(boolean: bool, media: str) -> bytes:
    return SELECT_FORMATS[media].ask(bool(boolean)).encode("utf-8")


def _json_rows(variables: list[str]) -> Callable[[list[str], Row], str]:
    """``_JSON.row`` for one answer, the same text faster: each distinct term is written once (an answer
    repeats its few classes and properties row after row) and the row is joined as ``json.dumps`` joins a
    dict (", " and ": ")."""
    keys = [json.dumps(v, ensure_ascii=False) + ": " for v in variables]
    written: dict = {}

    def row(_: list[str], values: Row) -> str:
        parts = []
        for key, term in zip(keys, values):
            if term is not None:
                text = written.get(term)
                if text is None:
                    text = written[term] = json.dumps(term_to_json(term), ensure_ascii=False)
                parts.append(key + text)
        return "{" + ", ".join(parts) + "}"

    return row


def write_solutions(variables: list[str], rows: Iterable[Row], media: str, max_rows: int,
                    max_bytes: int) -> tuple[bytes, bool]:
    """The SELECT answer and whether it was cut (at ``max_rows`` rows or before passing ``max_bytes``)."""
    fmt = SELECT_FORMATS[media]
    head, tail, glue = fmt.head(variables).encode(), fmt.tail.encode(), fmt.between.encode()
    write_row = _json_rows(variables) if fmt is _JSON else fmt.row
    parts, size = [head], len(head) + len(tail)
    for count, row in enumerate(rows):
        if count == max_rows:
            return b"".join(parts + [tail]), True
        piece = (glue if count else b"") + write_row(variables, tuple(row)).encode("utf-8")
        if size + len(piece) > max_bytes:
            return b"".join(parts + [tail]), True
        parts.append(piece)
        size += len(piece)
    return b"".join(parts + [tail]), False


def _prefixes_of(triple: ox.Triple, namespaces: list[tuple[str, str]], seen: dict[str, tuple[str, str] | None]
                 ) -> dict[str, str]:
    """The prefixes (of ``namespaces``: namespace, name) the triple's IRIs (datatypes included) fall
    under; ``seen`` remembers the answer for each IRI (an answer repeats the same few predicates)."""
    found = {}
    for term in (triple.subject, triple.predicate, triple.object):
        iri = term.value if isinstance(term, ox.NamedNode) else (
            term.datatype.value if isinstance(term, ox.Literal) and not term.language else "")
        if iri in (XSD_STRING, _RDF_TYPE) and term is not triple.subject:  # written "…" and "a"
            continue
        if iri not in seen:
            seen[iri] = next(((ns, name) for ns, name in namespaces if iri.startswith(ns) and len(iri) > len(ns)),
                             None)
        if seen[iri] is not None:
            ns, name = seen[iri]
            found[name] = ns
    return found


def _prefix_lines(prefixes: dict[str, str]) -> int:
    """Bytes of the @prefix lines oxigraph writes for ``prefixes``."""
    return sum(len(f"@prefix {name}: <{ns}> .\n".encode()) for name, ns in prefixes.items())


def write_triples(triples: Iterable, media: str, max_rows: int, max_bytes: int,
                  prefixes: dict[str, str] | None = None) -> tuple[bytes, bool]:
    """The graph answer and whether it was cut. Each triple is measured serialised on its own in the
    asked format (for Turtle: its statement, plus the @prefix line of a prefix it is the first to
    use); a document of several is never larger than the sum (one header, shared subjects).
    ``prefixes``: the Turtle prefixes to use where the answer needs them (default: the project's)."""
    fmt = GRAPH_FORMATS[media]
    offered = PREFIXES if prefixes is None else prefixes
    namespaces = _NAMESPACES if prefixes is None else sorted(((ns, n) for n, ns in offered.items()),
                                                             key=lambda pair: -len(pair[0]))
    kept, pieces, size, truncated = [], [], 0, False
    used: dict[str, str] = {}
    seen: dict[str, tuple[str, str] | None] = {}
    for triple in triples:
        if len(kept) == max_rows:
            truncated = True
            break
        if fmt == ox.RdfFormat.TURTLE:
            own = _prefixes_of(triple, namespaces, seen)
            new = {name: ns for name, ns in own.items() if name not in used}
            piece = ox.serialize([triple], format=fmt, prefixes=own)
            cost = len(piece) - _prefix_lines(own) + _prefix_lines(new)
        else:
            new, piece = {}, ox.serialize([triple], format=fmt)
            cost = len(piece)
        if size + cost > max_bytes:
            truncated = True
            break
        kept.append(triple)
        used.update(new)
        if fmt == ox.RdfFormat.N_TRIPLES:
            pieces.append(piece)
        size += cost
    if fmt == ox.RdfFormat.N_TRIPLES:  # N-Triples statements stand on their own: no second pass
        return b"".join(pieces), truncated
    if not kept:
        return b"", truncated
    # only the prefixes the answer uses (oxigraph writes them in an order of its own, the same every time)
    prefixes = {name: offered[name] for name in offered if name in used}
    body = ox.serialize(kept, format=fmt, prefixes=prefixes) if prefixes else ox.serialize(kept, format=fmt)
    while len(body) > max_bytes and kept:  # never expected (the sum bounds the document); kept as a guard
        kept, truncated = kept[: len(kept) * max_bytes // len(body)], True
        body = ox.serialize(kept, format=fmt, prefixes=prefixes) if kept else b""
    return body, truncated


# -- whole answers, for the command line and the Python API -----------------------------------------------

MEDIA = {"csv": "text/csv", "tsv": "text/tab-separated-values", "json": "application/sparql-results+json"}
GRAPH_MEDIA = {"turtle": "text/turtle", "ntriples": "application/n-triples", "jsonld": "application/ld+json",
               "rdfxml": "application/rdf+xml"}
FORMATS = ("table", *MEDIA, *GRAPH_MEDIA)


def format_result(result: QueryResult, fmt: str) -> bytes:
    """The whole answer in ``fmt`` (a key of ``FORMATS``), byte for byte what the endpoint sends for the
    same answer in that media type. A graph answer (CONSTRUCT, DESCRIBE) is Turtle for ``table``, and
    JSON-LD for ``json`` (as Fuseki's ``output=json``); csv and tsv hold only SELECT and ASK answers,
    the graph formats only graphs: QueryError says which formats fit."""
    if result.kind == "graph":
        media = GRAPH_MEDIA.get({"table": "turtle", "json": "jsonld"}.get(fmt, fmt))
        if media is None:
            raise QueryError(f"a CONSTRUCT or DESCRIBE answer is a graph, which {fmt} cannot hold: "
                             f"use --format {', '.join(GRAPH_MEDIA)} (or table for Turtle, json for JSON-LD)")
        return write_triples(result.triples, media, NO_LIMIT, NO_LIMIT)[0]
    if fmt in GRAPH_MEDIA:
        raise QueryError(f"a{'n ASK' if result.kind == 'ask' else ' SELECT'} answer is not a graph, which {fmt} "
                         f"holds: use --format {', '.join(['table', *MEDIA])}")
    if fmt == "table":
        return _table(result).encode("utf-8")
    if result.kind == "ask":
        return write_ask(bool(result.boolean), MEDIA[fmt])
    return write_solutions(result.variables, result.rows, MEDIA[fmt], NO_LIMIT, NO_LIMIT)[0]


def _table(result: QueryResult) -> str:
    """Columns padded to their widest cell (at most 60 characters), IRIs as prefixed names."""
    if result.kind == "ask":
        return "yes\n" if result.boolean else "no\n"
    cells = [[short(t) for t in row] for row in result.rows]
    widths = [min(max([len(v)] + [len(r[i]) for r in cells]), 60) for i, v in enumerate(result.variables)]
    lines = ["  ".join(v.ljust(w) for v, w in zip(result.variables, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join((c if len(c) <= 60 else c[:59] + "…").ljust(w) for c, w in zip(r, widths)) for r in cells]
    lines.append(f"({len(result.rows)} rows)")
    return "\n".join(lines) + "\n"


__all__ = ["FORMATS", "GRAPH_FORMATS", "GRAPH_MEDIA", "MEDIA", "SELECT_FORMATS", "format_result", "term_to_json", "write_ask",
           "write_solutions", "write_triples"]
