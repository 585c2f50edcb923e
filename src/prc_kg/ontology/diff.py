"""What changed between two versions of the ontology, term by term (the ``robot diff`` habit).

Each side is a release file (Turtle, RDF/XML, JSON-LD), a built release folder (``build/`` or
``build/release/VERSION/``) or an ontology source tree; a source tree is merged as the build merges
it, so a source and the release built from it compare equal. The changes are told per term
(class, property, individual): added, removed, relabelled, re-parented, definition changed,
deprecated or undeprecated, and any other statement about it, blank-node structures (restrictions,
lists, axiom annotations) written out so they compare by content rather than by node name, and
what OWL reads the same however a tool writes it (see ``SET_LISTS``) compared as OWL reads it.
``diffreport`` writes them as text, Markdown, JSON or a draft changelog entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD, NamespaceManager

from ..errors import InputError
from ..vocab import PREFIXES
from .build import RELEASE_NAME, merged_release_graph
from .normalise import SET_LISTS, SYMMETRIC  # the lists that are sets, the symmetric axioms: as the build reads them
from .source import CATALOG_FILE, MAIN_FILE, load_source, parse_file

KINDS = {  # rdf:type → kind of term, in the order reports list them
    OWL.Class: "class",
    OWL.ObjectProperty: "object property",
    OWL.DatatypeProperty: "data property",
    OWL.AnnotationProperty: "annotation property",
    OWL.NamedIndividual: "individual",
}
CHANGES = ("added", "removed", "relabelled", "re-parented", "definition changed", "deprecated", "undeprecated",
           "other")
_PARENT = {"class": RDFS.subClassOf}  # every property kind: rdfs:subPropertyOf; individuals: none
_TOLD = {RDFS.label, SKOS.definition, RDFS.subClassOf, RDFS.subPropertyOf, OWL.deprecated}
_AXIOM_SKIP = {RDF.type, OWL.annotatedSource, OWL.annotatedTarget}
# What OWL 2 reads the same however it is written, so a Protégé (OWLAPI) save of an unchanged source shows
# no change: the operands of these lists are sets, these properties are symmetric (OWLAPI may write
# "A disjointWith B" on B), and numbers of the owl:real family compare by value ("4"^^xsd:decimal = 4).
_REAL = {XSD.decimal, XSD.integer, XSD.int, XSD.long, XSD.short, XSD.byte, XSD.nonNegativeInteger,
         XSD.positiveInteger, XSD.nonPositiveInteger, XSD.negativeInteger, XSD.unsignedLong, XSD.unsignedInt,
         XSD.unsignedShort, XSD.unsignedByte}
_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")
_DEPTH = 6  # blank nodes nest a few levels (a restriction on a union); deeper ones are cut with "…"


@dataclass(frozen=True)
class Side:
    """One side of a comparison: where it was read from, what it is, and its ontology header."""

    path: Path
    form: str  # "release file", "built release folder" or "source tree"
    graph: Graph
    ontology: str = ""
    version: str = ""
    date: str = ""


@dataclass(frozen=True)
class TermChange:
    """One change of one term; ``before``/``after`` hold the values (labels, parent IRIs, definitions,
    statements written as Turtle), sorted; empty for a change that has none (added, deprecated)."""

    iri: str
    kind: str
    change: str
    label: str
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()


@dataclass
class OntologyDiff:
    old: Side
    new: Side
    changes: list[TermChange]
    labels: dict[str, str] = field(default_factory=dict)  # every IRI a change names → its label (new side first)
    terms: tuple[int, int] = (0, 0)  # terms on each side

    def count(self, change: str, kind: str | None = None) -> int:
        return sum(1 for c in self.changes if c.change == change and (kind is None or c.kind == kind))

    def curie(self, iri: str) -> str:
        return _curie(iri)


def read_side(path: Path) -> Side:
    """Read a release file, a built release folder or a source tree (a project folder holding
    ``ontology/`` counts as its source tree)."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "not found; expected a release file (.ttl, .owl, .jsonld), a built release folder "
                               "or an ontology source folder")
    if path.is_file():
        return _with_header(Side(path, "release file", parse_file(path)))
    if (path / MAIN_FILE).exists() and (path / CATALOG_FILE).exists():
        return _with_header(Side(path, "source tree", merged_release_graph(load_source(path))))
    if (path / "ontology" / MAIN_FILE).exists():
        return _with_header(Side(path, "source tree", merged_release_graph(load_source(path / "ontology"))))
    versioned = sorted(p for p in path.glob(f"{RELEASE_NAME}-*.ttl") if not p.name.endswith("-examples.ttl"))
    if len(versioned) > 1:
        raise InputError(path, f"holds {len(versioned)} release files ({', '.join(p.name for p in versioned)}); "
                               "name the one to compare")
    built = versioned[0] if versioned else path / f"{RELEASE_NAME}.ttl"
    if built.exists():
        return _with_header(Side(path, "built release folder", parse_file(built)))
    inside = sorted(p.name for p in path.iterdir() if p.is_dir() and any(p.glob(f"{RELEASE_NAME}-*.ttl")))
    hint = f"; it holds the releases {', '.join(inside)}: name one of them" if inside else ""
    raise InputError(path, f"neither a release folder ({RELEASE_NAME}.ttl or {RELEASE_NAME}-VERSION.ttl) nor an "
                           f"ontology source folder ({MAIN_FILE} with {CATALOG_FILE}){hint}")


def _with_header(side: Side) -> Side:
    g = side.graph
    onto = sorted(s for s in g.subjects(RDF.type, OWL.Ontology) if isinstance(s, URIRef))
    if not onto:
        return side
    version_iri = g.value(onto[0], OWL.versionIRI)
    date = _DATE.search(str(version_iri)) if version_iri is not None else None
    info = g.value(onto[0], OWL.versionInfo)
    return Side(side.path, side.form, g, str(onto[0]), str(info) if info is not None else "",
                date.group(1) if date else "")


def diff_sides(old: Side, new: Side) -> OntologyDiff:
    """Compare two sides term by term."""
    before, after = _Terms(old.graph), _Terms(new.graph)
    changes: list[TermChange] = []
    for iri in sorted(set(before.kinds) | set(after.kinds)):
        if iri not in after.kinds:
            changes.append(TermChange(iri, before.kinds[iri], "removed", before.label(iri)))
            continue
        kind, label = after.kinds[iri], after.label(iri)
        if iri not in before.kinds:
            changes.append(TermChange(iri, kind, "added", label, (), after.parents(iri, kind)))
            continue
        for change, a, b in (("relabelled", before.labels(iri), after.labels(iri)),
                             ("re-parented", before.parents(iri, kind), after.parents(iri, kind)),
                             ("definition changed", before.definitions(iri), after.definitions(iri))):
            if a != b:
                changes.append(TermChange(iri, kind, change, label, a, b))
        was, now = before.deprecated(iri), after.deprecated(iri)
        if was != now:
            changes.append(TermChange(iri, kind, "deprecated" if now else "undeprecated", label))
        was_said, now_said = before.other(iri), after.other(iri)
        gone, came = was_said - now_said, now_said - was_said
        if gone or came:
            changes.append(TermChange(iri, kind, "other", label, tuple(sorted(gone)), tuple(sorted(came))))
    order = {c: i for i, c in enumerate(CHANGES)}
    kinds = {k: i for i, k in enumerate(KINDS.values())}
    changes.sort(key=lambda c: (order[c.change], kinds[c.kind], c.label.casefold(), c.iri))
    named = {c.iri for c in changes} | {v for c in changes if c.change in ("re-parented", "added")
                                         for v in (*c.before, *c.after)}
    labels = {iri: after.label(iri) if iri in after.known else before.label(iri) for iri in sorted(named)}
    return OntologyDiff(old, new, changes, labels, (len(before.kinds), len(after.kinds)))


def diff_paths(old: Path, new: Path) -> OntologyDiff:
    return diff_sides(read_side(old), read_side(new))


class _Terms:
    """The terms of one graph with what a diff compares about each."""

    def __init__(self, g: Graph) -> None:
        self.g = g
        self.kinds: dict[str, str] = {}
        for rdf_type, kind in reversed(list(KINDS.items())):  # a punned term is listed by its first kind
            for s in g.subjects(RDF.type, rdf_type):
                if isinstance(s, URIRef):
                    self.kinds[str(s)] = kind
        self.known = {str(s) for s in g.subjects() if isinstance(s, URIRef)}
        self.axioms: dict[str, list[BNode]] = {}
        for axiom in g.subjects(RDF.type, OWL.Axiom):
            source = g.value(axiom, OWL.annotatedSource)
            if isinstance(axiom, BNode) and isinstance(source, URIRef):
                self.axioms.setdefault(str(source), []).append(axiom)
        self.nm = NamespaceManager(Graph(bind_namespaces="none"))
        for prefix, ns in PREFIXES.items():
            self.nm.bind(prefix, ns, override=True, replace=True)

    def label(self, iri: str) -> str:
        values = sorted(self.g.objects(URIRef(iri), RDFS.label), key=lambda v: (_lang_rank(v), str(v)))
        values = values or sorted(self.g.objects(URIRef(iri), SKOS.prefLabel), key=lambda v: (_lang_rank(v), str(v)))
        return str(values[0]) if values else re.split(r"[/#]", iri)[-1]

    def labels(self, iri: str) -> tuple[str, ...]:
        return tuple(sorted(_literal_text(v) for v in self.g.objects(URIRef(iri), RDFS.label)))

    def definitions(self, iri: str) -> tuple[str, ...]:
        return tuple(sorted(_literal_text(v) for v in self.g.objects(URIRef(iri), SKOS.definition)))

    def parents(self, iri: str, kind: str) -> tuple[str, ...]:
        if kind == "individual":
            return ()
        prop = _PARENT.get(kind, RDFS.subPropertyOf)
        return tuple(sorted(str(o) for o in self.g.objects(URIRef(iri), prop) if isinstance(o, URIRef)))

    def deprecated(self, iri: str) -> bool:
        return any(isinstance(v, Literal) and v.toPython() is True
                   for v in self.g.objects(URIRef(iri), OWL.deprecated))

    def other(self, iri: str) -> frozenset[str]:
        """Every other statement about the term as Turtle text; named parents, labels and definitions are told
        apart above, blank-node objects (restrictions) written out, axiom annotations included."""
        found = set()
        for p, o in self.g.predicate_objects(URIRef(iri)):
            if p in _TOLD and not isinstance(o, BNode):
                continue
            found.add(f"{self.n3(p)} {self.describe(o, ordered=p not in SET_LISTS)}")
        for p in SYMMETRIC:  # told on the other term: the same axiom
            found.update(f"{self.n3(p)} {self.n3(s)}" for s in self.g.subjects(p, URIRef(iri)) if isinstance(s, URIRef))
        for axiom in self.axioms.get(iri, []):
            found.add("owl:Axiom " + self.describe(axiom, skip=_AXIOM_SKIP))  # an annotation of one of its statements
        return frozenset(found)

    def n3(self, term) -> str:
        if isinstance(term, Literal) and term.datatype in _REAL and isinstance(term.value, (int, Decimal)):
            return _number(term.value)
        if isinstance(term, Literal):
            return term.n3(self.nm).replace("\n", "\\n")
        return term.n3(self.nm)

    def describe(self, node, depth: int = 0, skip: frozenset | set = frozenset(), ordered: bool = True) -> str:
        """A blank node written out as Turtle (``[ p o ; … ]`` or a list ``( … )``, sorted when ``ordered`` is
        false: the list is a set), anything else as its n3."""
        if not isinstance(node, BNode):
            return self.n3(node)
        if depth >= _DEPTH:
            return "[ … ]"
        if (node, RDF.first, None) in self.g:
            items, rest = [], node
            while rest != RDF.nil and rest is not None and len(items) < 1000:
                items.append(self.describe(self.g.value(rest, RDF.first), depth + 1))
                rest = self.g.value(rest, RDF.rest)
            if not ordered:  # a set: named operands first, as people write them, then the structures
                items.sort(key=lambda item: (item.startswith(("[", "(")), item))
            return "( " + " ".join(items) + " )"
        parts = sorted((p != RDF.type, "a" if p == RDF.type else self.n3(p),  # "a …" first, as Turtle has it
                        self.describe(o, depth + 1, ordered=p not in SET_LISTS))
                       for p, o in self.g.predicate_objects(node) if p not in skip)
        parts = [f"{p} {o}" for _, p, o in parts]
        return "[ " + " ; ".join(parts) + " ]"


def _number(value: int | Decimal) -> str:
    """A number of the owl:real family by its value: ``4`` for "4"^^xsd:decimal, 4.0 and 4; ``2.5`` for 2.50."""
    text = format(Decimal(value).normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _lang_rank(value) -> int:
    lang = getattr(value, "language", None)
    return 0 if lang == "en" else 1 if not lang else 2


def _literal_text(value) -> str:
    lang = getattr(value, "language", None)
    return f"{value}@{lang}" if lang and lang != "en" else str(value)


def _curie(iri: str) -> str:
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns) and re.fullmatch(r"[A-Za-z0-9_.\-]+", iri[len(ns):]):
            return f"{prefix}:{iri[len(ns):]}"
    return f"<{iri}>"


__all__ = ["CHANGES", "KINDS", "OntologyDiff", "Side", "TermChange", "diff_paths", "diff_sides", "read_side"]
