"""Release files: the source modules and the SKOS mapping set merged into one ontology, in three serialisations.

Outputs are deterministic (same source, same bytes): blank nodes get canonical labels and the
triples are serialised in sorted order, so a release diff shows only what changed.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, XSD

from ..fileio.files import write_files_atomically
from ..fileio.xmltext import check_graph_text, check_serialisable
from ..progress import stepped
from ..vocab import MODULE_IRI_PREFIX, PRC, PREFIXES
from .bnodes import canonical_graph
from .mappings import load_mappings, mapping_file
from .normalise import normalise
from .source import OntologySource

RELEASE_NAME = "prc-kg"
FORMATS = {"ttl": "turtle", "owl": "xml", "jsonld": "json-ld"}
EXAMPLES_TTL = "examples.ttl"
WITH_EXAMPLES_OWL = "prc-kg-with-examples.owl"


@dataclass(frozen=True)
class ReleaseFiles:
    turtle: Path
    rdfxml: Path
    jsonld: Path

    def all(self) -> list[Path]:
        return [self.turtle, self.rdfxml, self.jsonld]


def release_paths(build_dir: Path) -> ReleaseFiles:
    return ReleaseFiles(*(build_dir / f"{RELEASE_NAME}.{ext}" for ext in FORMATS))


@stepped("merging the modules into the release graph")
def merged_release_graph(source: OntologySource) -> Graph:
    """One ontology: the main header kept, module headers and the imports between them dropped.

    The SKOS mappings of ``mappings/prc-kg.sssom.tsv`` beside the main file, when it is there, are
    merged in (checked against the merged modules): they are annotations on our own terms, so the
    release stays one OWL 2 DL file and every store built from it can cross coding systems.
    Every module's literals are checked first: text XML 1.0 cannot carry is refused at its file and line.
    What a Protégé (OWLAPI) save changes is undone first (``normalise``), so the release is the same
    graph whether a person or Protégé wrote the source.
    """
    for iri, path in source.files.items():
        check_graph_text(source.graphs[iri], path)
    merged = normalise(source.merged(), in_place=True)
    main_iri = source.ontology_iri
    for module in [m for m in merged.subjects(RDF.type, OWL.Ontology) if m != main_iri]:
        merged.remove((module, None, None))
    for imported in list(merged.objects(main_iri, OWL.imports)):
        if str(imported).startswith(MODULE_IRI_PREFIX) or imported in source.graphs:
            merged.remove((main_iri, OWL.imports, imported))
    merged += derived_item_xrefs(merged)
    mappings = mapping_file(source.main_path.parent)
    if mappings.exists():
        merged += load_mappings(mappings, merged)
    return canonical(merged)


def derived_item_xrefs(g: Graph) -> Graph:
    """``class prc:itemXref "CODE"`` for every item that names the class with ``prc:measuresConstruct``
    or ``prc:proxyFor``.

    Authors write the link once, on the item (an IRI Protégé follows and QC checks); the class side
    that the documentation pages and the code-based queries read is derived here, so the two
    directions cannot disagree. ``prc:itemXref`` carries a literal code, so it cannot be declared the
    inverse of an annotation property in OWL 2 DL; deriving it is the way to keep both.
    Instruments, which have no item code, give no cross-reference.
    """
    out = Graph()
    for prop in (PRC.measuresConstruct, PRC.proxyFor):
        for item, construct in g.subject_objects(prop):
            for code in g.objects(item, PRC.itemCode):
                if isinstance(construct, URIRef):
                    out.add((construct, PRC.itemXref, Literal(str(code))))
    return out


class _SortedGraph(Graph):
    """A graph that lists subjects and their statements in sorted order.

    rdflib's RDF/XML writer walks ``subjects()`` and ``predicate_objects()``, whose order follows
    hashing; sorting them here makes the RDF/XML bytes the same on every run.
    """

    def subjects(self, predicate=None, object=None, unique=False):  # type: ignore[override]
        found = {s for s, _, _ in self.triples((None, predicate, object))}
        return iter(sorted(found, key=_term_key))

    def predicate_objects(self, subject=None, unique=False):  # type: ignore[override]
        pairs = {(p, o) for _, p, o in self.triples((subject, None, None))}
        return iter(sorted(pairs, key=lambda po: (_term_key(po[0]), _term_key(po[1]))))


def canonical(g: Graph) -> Graph:
    """Relabel blank nodes from their content, then rebuild the graph in sorted triple order."""
    canon = canonical_graph(g)
    out = _SortedGraph()
    for prefix, ns in PREFIXES.items():
        out.bind(prefix, ns, override=True, replace=True)
    for s, p, o in sorted(canon, key=_sort_key):
        out.add((s, p, _decimal_with_point(o)))
    return out


def _decimal_with_point(term):
    """Write xsd:decimal as ``4.0``, not ``4``: Turtle prints decimals with a point, so the three
    release syntaxes then read back as exactly the same graph."""
    if isinstance(term, Literal) and term.datatype == XSD.decimal and term.value is not None:
        text = format(term.value, "f")
        if "." not in text:
            return Literal(text + ".0", datatype=XSD.decimal)
    return term


def _term_key(term) -> tuple:
    return (0 if isinstance(term, URIRef) else 1 if isinstance(term, BNode) else 2, str(term), repr(term))


def _sort_key(triple: tuple) -> tuple:
    return tuple(_term_key(t) for t in triple)


@stepped(lambda g, fmt: f"serialising {len(g):,} triples as {fmt}")
def serialise(g: Graph, fmt: str) -> bytes:
    buf = io.BytesIO()
    if fmt == "json-ld":
        return _sorted_jsonld(g.serialize(format="json-ld", context=dict(PREFIXES)))
    if fmt == "xml":
        check_serialisable(g)  # rdflib would write a NUL as it is, and a lone surrogate as "?"
    g.serialize(buf, format=fmt, encoding="utf-8")
    return buf.getvalue()


def _sorted_jsonld(text: str) -> bytes:
    """Order JSON-LD nodes by @id and every multi-valued property by value."""
    doc = json.loads(text)
    nodes = doc.get("@graph", [])
    for node in nodes:
        for key, value in node.items():
            if isinstance(value, list):
                node[key] = sorted(value, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    doc["@graph"] = sorted(nodes, key=lambda n: (str(n.get("@id", "")), json.dumps(n, sort_keys=True)))
    return (json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


@stepped(lambda source, build_dir, *a, **k: f"writing the release files into {build_dir}")
def build_release(source: OntologySource, build_dir: Path,
                  examples: Graph | None = None) -> tuple[ReleaseFiles, Graph]:
    """Write the release files into ``build_dir`` (all or none) and return them with the graph.

    The release carries the SKOS mapping triples of the SSSOM mapping set (see ``merged_release_graph``),
    so the file list and its byte-for-byte stability stay as they were. With ``examples``, also write
    the instance graph (Turtle) and ontology plus instances in RDF/XML, the file the reasoner reads to
    classify coded turns.
    """
    g = merged_release_graph(source)
    paths = release_paths(build_dir)
    outputs = {path: serialise(g, fmt) for path, fmt in zip(paths.all(), FORMATS.values())}
    if examples is not None:
        data = canonical(examples)
        outputs[build_dir / EXAMPLES_TTL] = serialise(data, "turtle")
        combined = Graph()
        combined += g
        combined += data
        outputs[build_dir / WITH_EXAMPLES_OWL] = serialise(canonical(combined), "xml")
    write_files_atomically(outputs)
    return paths, g
