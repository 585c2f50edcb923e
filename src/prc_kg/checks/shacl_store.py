"""The Oxigraph store the fast SHACL engine queries: ontology + instance data + the RDFS closure that
pySHACL's ``inference="rdfs"`` computes, and a record of every literal the store would not keep as
rdflib reads it.

Why the record: Oxigraph canonicalises literals as it stores them ("07"^^xsd:positiveInteger becomes
"7"^^xsd:integer), so ``sh:datatype xsd:positiveInteger`` could not be checked on the store, and a
reported value would not read as pySHACL prints it. For each such literal (and each one rdflib calls
ill-typed) the graph ``RECORDED`` holds the triple it sits in, the graph ``valid_graph(D)`` holds it
too when the literal as written is a valid D, and ``WRITTEN`` keeps the lexical form rdflib gives it. Literals are found
with a byte scan of the N-Triples, so a large file is loaded by Oxigraph's own bulk loader and
Python only touches the few lines holding such a literal.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

W = "urn:prc-kg:shacl:"
WRITTEN = ox.NamedNode(W + "written")
RECORDED = ox.NamedNode(W + "recorded")
FOCUS = W + "focus-nodes"  # the graph of each shape's focus nodes (shacl_fast.py fills it)
_S, _P, _O = ox.NamedNode(W + "s"), ox.NamedNode(W + "p"), ox.NamedNode(W + "o")
_LEX = ox.NamedNode(W + "lexical")
_NT = ox.RdfFormat.N_TRIPLES
# a typed literal whose datatype is not xsd:string (plain strings are kept as they are)
_TYPED = re.compile(rb'"((?:[^"\\\n]|\\.)*)"\^\^<(?!http://www\.w3\.org/2001/XMLSchema#string>)([^>\n]*)>')
_CHUNK = 32 << 20
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

RDFS_RULES = (
    "INSERT { ?s ?q ?o } WHERE { ?p rdfs:subPropertyOf+ ?q . FILTER(?p != ?q) ?s ?p ?o }",
    "INSERT { ?s a ?c } WHERE { ?p rdfs:domain ?c . ?s ?p ?o }",
    "INSERT { ?o a ?c } WHERE { ?p rdfs:range ?c . ?s ?p ?o . FILTER(!isLiteral(?o)) }",
    "INSERT { ?s a ?d } WHERE { ?c rdfs:subClassOf+ ?d . FILTER(?c != ?d) ?s a ?c }",
)
_RDFS = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
_SCHEMA = ("SELECT (COUNT(*) AS ?n) WHERE { VALUES ?p { rdfs:subClassOf rdfs:subPropertyOf rdfs:domain rdfs:range } "
           "?s ?p ?o }")
_TYPE_FEEDS_RULES = ("ASK { VALUES ?p { rdfs:domain rdfs:range rdfs:subPropertyOf } "
                     "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ?p ?o }")


def _valid(value, datatype: str) -> bool:
    """pySHACL's datatype test beyond the IRI: rdflib's parsed value has the Python type the datatype means."""
    from datetime import date, datetime, time
    from decimal import Decimal

    xsd = "http://www.w3.org/2001/XMLSchema#"
    wanted = {"integer": int, "float": float, "decimal": Decimal, "boolean": bool, "date": date, "time": time,
              "dateTime": datetime, "string": (str, bytes)}
    kind = wanted.get(datatype.removeprefix(xsd)) if datatype.startswith(xsd) else None
    return kind is None or isinstance(value, kind)


class LiteralLedger:
    """Decides, once per distinct (lexical form, datatype), whether a literal needs a WRITTEN record."""

    def __init__(self) -> None:
        self._seen: dict[tuple[bytes, bytes], tuple[str, bool] | None] = {}
        self._scratch = ox.Store()

    def verdict(self, literal: ox.Literal, ill_typed: bool = False) -> tuple[str, bool] | None:
        """(rdflib's lexical form, valid?) when the store would change the literal or it is ill-typed; else
        None. ``ill_typed``: rdflib read it so (a literal of a parsed graph, already in rdflib's form)."""
        key = (literal.value.encode(), literal.datatype.value.encode())
        if key not in self._seen:
            self._seen[key] = self._decide(literal)
        found = self._seen[key]
        if ill_typed:
            return literal.value, False
        return found

    def _decide(self, literal: ox.Literal) -> tuple[str, bool] | None:
        from rdflib import Literal, URIRef

        node = ox.NamedNode(W + "x")
        self._scratch.add(ox.Quad(node, node, literal))
        stored = next(iter(self._scratch)).object
        self._scratch.clear()
        read = Literal(literal.value, datatype=URIRef(literal.datatype.value))
        ok = read.ill_typed is not True and _valid(read.value, literal.datatype.value)
        if stored == literal and ok and str(read) == literal.value:
            return None
        return str(read), ok


def valid_graph(datatype: str) -> str:
    """The graph holding each recorded triple whose literal, as written, is a valid ``datatype``."""
    return W + "valid/" + datatype


def _records(triple: ox.Triple, lexical: str, ok: bool) -> Iterator[ox.Quad]:
    """The triple itself in RECORDED (and, when valid, in the graph of its datatype), so a datatype test
    is two index lookups; the lexical form hangs on a record node in WRITTEN."""
    s, p, obj = triple.subject, triple.predicate, triple.object
    yield ox.Quad(s, p, obj, RECORDED)
    if ok:
        yield ox.Quad(s, p, obj, ox.NamedNode(valid_graph(obj.datatype.value)))
    record = ox.BlankNode()
    for pred, value in ((_S, s), (_P, p), (_O, obj), (_LEX, ox.Literal(lexical))):
        yield ox.Quad(record, pred, value, WRITTEN)


def _line_records(chunk: bytes, ledger: LiteralLedger) -> list[ox.Quad]:
    """Records for the lines of ``chunk`` (whole N-Triples lines) holding a literal the store would change.
    Distinct typed literals are judged once; only the lines holding one that needs a record are parsed."""
    needy = []
    for lex, dt in set(_TYPED.findall(chunk)):
        line = b'"' + lex + b'"^^<' + dt + b'> .'
        for triple in ox.parse(b"<urn:x:s> <urn:x:p> " + line, format=_NT, lenient=True):
            if ledger.verdict(triple.object) is not None:
                needy.append(b'"' + lex + b'"^^<' + dt + b">")
    if not needy:
        return []
    lines, done = [], -1
    for match in re.finditer(b"|".join(re.escape(n) for n in needy), chunk):
        start = chunk.rfind(b"\n", 0, match.start()) + 1
        if start > done:
            end = chunk.find(b"\n", match.end())
            lines.append(chunk[start:len(chunk) if end < 0 else end])
            done = start
    out = []
    for triple in ox.parse(b"\n".join(lines), format=_NT, lenient=True):
        obj = triple.object
        if isinstance(obj, ox.Literal) and (found := ledger.verdict(obj)) is not None:
            out += _records(triple, *found)
    return out


def _batches(triples, size: int = 100_000) -> Iterator[list[ox.Quad]]:
    batch: list = []
    for t in triples:
        batch.append(ox.Quad(t.subject, t.predicate, t.object))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _chunks(path: Path) -> Iterator[bytes]:
    """The file in pieces of about ``_CHUNK`` bytes that end at a line end."""
    with path.open("rb") as fh:
        rest = b""
        while block := fh.read(_CHUNK):
            block = rest + block
            cut = block.rfind(b"\n") + 1
            rest = block[cut:]
            if cut:
                yield block[:cut]
            else:
                rest = block
        if rest:
            yield rest


class ValidationStore:
    """An in-memory Oxigraph store being filled for one validation run."""

    def __init__(self) -> None:
        self.ox = ox.Store()
        self.ledger = LiteralLedger()
        self.loaded = 0  # instance triples read (the caller sets it before inference)

    def add_file(self, path: Path) -> None:
        """A large N-Triples file, streamed: Oxigraph reads it, Python scans it in chunks for records. Oxigraph's
        loader renames blank nodes, so a file that has any is read through Python instead (slower, exact)."""
        from concurrent.futures import ThreadPoolExecutor

        from ..fileio.rdfread import check_rdf

        check_rdf(path)
        if any(b"_:" in chunk for chunk in _chunks(path)):
            for batch in _batches(ox.parse(path=str(path), format=_NT)):
                self.ox.extend(batch)
                self.ox.extend(q for t in batch if isinstance(t.object, ox.Literal)
                               and (found := self.ledger.verdict(t.object)) is not None for q in _records(t, *found))
            return
        with ThreadPoolExecutor(1) as pool:  # the scan runs while Oxigraph loads (it releases the GIL)
            scan = pool.submit(lambda: [q for chunk in _chunks(path) for q in _line_records(chunk, self.ledger)])
            self.ox.bulk_load(path=str(path), format=_NT)
            self.ox.extend(scan.result())

    def add_graph(self, graph) -> None:
        """A parsed rdflib graph, term by term, so blank nodes keep the ids pySHACL prints. Records come from
        the rdflib terms: rdflib reads an ill-typed literal into a valid form ("maybe"^^xsd:boolean as
        "false") and keeps the flag."""
        from rdflib import BNode, Literal

        def node(t):
            if isinstance(t, BNode):
                return ox.BlankNode(str(t))
            if isinstance(t, Literal):
                if t.language:
                    return ox.Literal(str(t), language=t.language)
                return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype)) if t.datatype else None)
            return ox.NamedNode(str(t))

        quads, records = [], []
        for s, p, o in graph:
            triple = ox.Triple(node(s), node(p), node(o))
            quads.append(triple)
            if isinstance(o, Literal) and o.datatype is not None and o.datatype != _XSD_STRING:
                found = self.ledger.verdict(triple.object, ill_typed=o.ill_typed is True)
                if found is not None:
                    records += _records(triple, *found)
        self.ox.extend(ox.Quad(t.subject, t.predicate, t.object) for t in quads)
        self.ox.extend(records)

    def close_rdfs(self) -> None:
        """Apply the RDFS rules (sub-properties, domains, ranges, sub-classes) until nothing is added.

        One round in this order is the closure unless a round derives new schema triples (a property
        declared a sub-property of rdfs:subClassOf, say) or rdf:type itself has a domain, range or
        super-property, whose new type triples would feed the earlier rules: only then is another
        round run (a second round over a million triples costs as much as the first)."""
        while True:
            before = self._schema()
            for rule in RDFS_RULES:
                self.ox.update(_RDFS + rule)
            if self._schema() == before and not self.ox.query(_RDFS + _TYPE_FEEDS_RULES):
                return

    def _schema(self) -> int:
        return int(next(iter(self.ox.query(_RDFS + _SCHEMA)))["n"].value)

    def size(self) -> int:
        """Triples in the default graph (the records and focus nodes are in named graphs)."""
        return int(next(iter(self.ox.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))["n"].value)
