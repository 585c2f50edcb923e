"""The ontology and example graphs as the release's documentation page reads them: names, labels
(English first), the class tree and the page's groups (manual sections, then the classes outside
them), each in a fixed order so the page is the same bytes on every run."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from ..vocab import FABIO, PRC, PRC_IRI, PREFIXES, SCHEMA

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,100}$")
_CROSS_CUTTING = URIRef(PRC_IRI + "CrossCuttingNotion")
PROPERTY_KINDS = ((OWL.ObjectProperty, "object property"), (OWL.DatatypeProperty, "data property"),
                  (OWL.AnnotationProperty, "annotation property"))


def first(values: Iterable) -> object | None:
    found = sorted(values, key=lambda v: (str(v), repr(v)))
    return found[0] if found else None


def natural(text: str) -> tuple:
    """Sort key that puts 'P2' before 'P10' and '3.2' before '3.10'."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text) if part)


@dataclass
class ClassGroup:
    """One part of the page: a manual section, or a family of classes outside the sections."""

    anchor: str
    title: str
    note: str = ""
    classes: list[URIRef] = field(default_factory=list)
    see_also: list[URIRef] = field(default_factory=list)


class DocGraph:
    """The ontology and example graphs, read in a fixed order for the page."""

    def __init__(self, g: Graph, examples: Graph):
        self.g, self.examples = g, examples
        self.classes = sorted({c for c in g.subjects(RDF.type, OWL.Class)
                               if isinstance(c, URIRef) and str(c).startswith(PRC_IRI)}, key=str)
        self.class_set = set(self.classes)
        self.sources = sorted({s for s in g.subjects(RDF.type, PRC.BibliographicSource) if isinstance(s, URIRef)},
                              key=lambda s: natural(self.local(s)))
        self.source_set = set(self.sources)
        self.properties = sorted({p for kind, _ in PROPERTY_KINDS for p in g.subjects(RDF.type, kind)
                                  if isinstance(p, URIRef) and str(p).startswith(PRC_IRI)}, key=str)
        self.property_set = set(self.properties)
        self.depth: dict[URIRef, int] = {}
        self.parents = {c: self.named(g.objects(c, RDFS.subClassOf)) for c in self.classes}
        self.children: dict[URIRef, list[URIRef]] = {c: [] for c in self.classes}
        for child, parents in self.parents.items():
            for parent in parents:
                if parent in self.children:
                    self.children[parent].append(child)
        for kids in self.children.values():
            kids.sort(key=self.order)

    # --- names and text -------------------------------------------------------------------
    @staticmethod
    def local(iri: URIRef) -> str:
        return re.split(r"[/#]", str(iri))[-1]

    def text(self, g: Graph, s: URIRef, p: URIRef) -> str | None:
        """One value, English first, so a term with labels in two languages shows the English one."""
        values = list(g.objects(s, p))
        english = [v for v in values if isinstance(v, Literal) and v.language in ("en", None)]
        chosen = first(english or values)
        return str(chosen) if chosen is not None else None

    def texts(self, s: URIRef, p: URIRef) -> list[str]:
        return sorted({str(v) for v in self.g.objects(s, p)}, key=natural)

    def qname(self, iri: URIRef) -> str:
        text = str(iri)
        for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
            if text.startswith(ns) and len(text) > len(ns):
                return f"{prefix}:{text[len(ns):]}"
        return text

    def label(self, iri: URIRef, g: Graph | None = None) -> str:
        g = g if g is not None else self.g
        return self.text(g, iri, RDFS.label) or self.text(g, iri, SKOS.prefLabel) or self.qname(iri)

    def definition_provenance(self, term: URIRef, definition: str) -> tuple[list[URIRef], list[str]]:
        """Sources and tags of ``term``'s definition with this text, from its OWL axiom annotation
        (kept apart from the concept's own source; CONVENTIONS.md, "Definition provenance")."""
        sources: set[URIRef] = set()
        tags: set[str] = set()
        for axiom in self.g.subjects(OWL.annotatedSource, term):
            target = self.g.value(axiom, OWL.annotatedTarget)
            if self.g.value(axiom, OWL.annotatedProperty) == SKOS.definition and str(target) == definition:
                sources.update(s for s in self.g.objects(axiom, DCTERMS.source) if isinstance(s, URIRef))
                tags.update(str(t) for t in self.g.objects(axiom, PRC.provenanceTag))
        return sorted(sources, key=lambda s: natural(self.local(s))), sorted(tags)

    def source_kind(self, source: URIRef) -> tuple[list[str], str]:
        """The labels of a source's types from FaBiO or schema.org (and of our own refinements of them,
        such as meta-analysis article) and whether it is a primary or a secondary source ("" when the
        ontology does not say)."""
        def standard(kind: object) -> bool:
            return isinstance(kind, URIRef) and str(kind).startswith((str(FABIO), str(SCHEMA)))

        kinds = sorted(self.label(k) for k in self.g.objects(source, RDF.type)
                       if standard(k) or any(standard(p) for p in self.g.objects(k, RDFS.subClassOf)))
        role = ("primary" if (source, RDF.type, PRC.PrimarySource) in self.g
                else "secondary" if (source, RDF.type, PRC.SecondarySource) in self.g else "")
        return kinds, role

    def order(self, cls: URIRef) -> tuple:
        return (natural(self.text(self.g, cls, PRC.taxonomyCode) or "~"), self.label(cls).lower(), str(cls))

    def named(self, terms: Iterable) -> list[URIRef]:
        return sorted({t for t in terms if isinstance(t, URIRef)}, key=str)

    @staticmethod
    def anchor(kind: str, iri: URIRef | str) -> str:
        """An id from the local name when it is plain, else from a hash: data never shapes markup."""
        name = re.split(r"[/#]", str(iri))[-1]
        if not _SAFE_NAME.match(name):
            name = "h" + hashlib.sha256(str(iri).encode("utf-8")).hexdigest()[:16]
        return f"{kind}-{name}"

    # --- grouping ---------------------------------------------------------------------------
    def groups(self) -> list[ClassGroup]:
        """Manual sections 1–5 first, then cross-cutting notions, modalities and everything else.

        A class taught in two sections has its entry in the first and a pointer in the second.
        """
        g = self.g
        sections = sorted((s for s in set(g.subjects(RDF.type, PRC.ManualSection)) if isinstance(s, URIRef)),
                          key=lambda s: (natural(self.text(g, s, PRC.sectionNumber) or "~"), str(s)))
        by_section = {s: ClassGroup(self.anchor("section", self.text(g, s, PRC.sectionNumber) or s),
                                self.label(s), self.text(g, s, SKOS.definition) or "") for s in sections}
        rank = {s: i for i, s in enumerate(sections)}
        cross = ClassGroup("cross-cutting", "Cross-cutting notions (outside the five sections)",
                       "Notions the manual uses to frame all five sections.")
        modalities = ClassGroup("modalities", "Forms of psychotherapy",
                            "The treatments whose process the components describe.")
        other = ClassGroup("other", "Core entities, measurement, findings and research constructs",
                       "The classes that record cases, sessions, turns, ratings and findings.")
        for cls in self.classes:
            homes = sorted((s for s in g.objects(cls, PRC.inManualSection) if s in by_section), key=rank.__getitem__)
            if homes:
                by_section[homes[0]].classes.append(cls)
                for extra in homes[1:]:
                    by_section[extra].see_also.append(cls)
            elif self.descends(cls, _CROSS_CUTTING):
                cross.classes.append(cls)
            elif self.descends(cls, PRC.Psychotherapy):
                modalities.classes.append(cls)
            else:
                other.classes.append(cls)
        groups = [*by_section.values(), cross, modalities, other]
        for group in groups:
            group.classes = self.tree_order(group.classes)
            group.see_also.sort(key=self.order)
        return [group for group in groups if group.classes or group.see_also]

    def descends(self, cls: URIRef, root: URIRef) -> bool:
        seen, todo = {cls}, [cls]
        while todo:
            current = todo.pop()
            if current == root:
                return True
            for parent in self.parents.get(current, []):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return False

    def tree_order(self, members: list[URIRef]) -> list[URIRef]:
        """Depth first from the group's own roots, so each class follows its parent."""
        inside = set(members)
        roots = sorted((c for c in members if not any(p in inside for p in self.parents[c])), key=self.order)
        ordered: list[URIRef] = []
        seen: set[URIRef] = set()

        def visit(cls: URIRef, depth: int) -> None:
            seen.add(cls)
            ordered.append(cls)
            self.depth[cls] = depth
            for child in self.children[cls]:
                if child in inside and child not in seen:
                    visit(child, depth + 1)

        for root in roots:
            visit(root, 0)
        for cls in sorted(inside - seen, key=self.order):  # only in a subclass cycle
            visit(cls, 0)
        return ordered
