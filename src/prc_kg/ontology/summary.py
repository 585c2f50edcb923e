"""Counts a curator wants after a build: classes per manual section, definition and source cover."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from ..vocab import PRC, PRC_IRI

SECTION_ROOTS = {
    "S0 cross-cutting notions": PRC_IRI + "CrossCuttingNotion",
    "S6 modalities": PRC_IRI + "Psychotherapy",
}


@dataclass(frozen=True)
class SectionCount:
    name: str
    classes: int


@dataclass(frozen=True)
class OntologySummary:
    classes: int
    object_properties: int
    datatype_properties: int
    annotation_properties: int
    individuals: int
    triples: int
    with_definition: int
    with_source: int
    with_tag: int
    sections: list[SectionCount]

    @property
    def definition_cover(self) -> float:
        return 100.0 * self.with_definition / self.classes if self.classes else 0.0

    @property
    def source_cover(self) -> float:
        return 100.0 * min(self.with_source, self.with_tag) / self.classes if self.classes else 0.0

    def lines(self) -> list[str]:
        out = [
            f"triples: {self.triples}",
            (f"classes: {self.classes}  object properties: {self.object_properties}  "
            f"data properties: {self.datatype_properties}  annotation properties: {self.annotation_properties}  "
            f"named individuals: {self.individuals}"),
            f"classes with a definition: {self.with_definition}/{self.classes} ({self.definition_cover:.1f}%)",
            (f"classes with a source and a provenance tag: {min(self.with_source, self.with_tag)}/{self.classes} "
            f"({self.source_cover:.1f}%)"),
            "classes per section:",
        ]
        out += [f"  {s.name}: {s.classes}" for s in self.sections]
        return out


def _own(g: Graph, kind: URIRef) -> set[URIRef]:
    return {s for s in g.subjects(RDF.type, kind) if isinstance(s, URIRef) and str(s).startswith(PRC_IRI)}


def _descendants(g: Graph, root: URIRef) -> set[URIRef]:
    return {s for s in g.transitive_subjects(RDFS.subClassOf, root) if isinstance(s, URIRef)} | {root}


def summarise(g: Graph) -> OntologySummary:
    classes = _own(g, OWL.Class)
    sections = []
    for section in sorted(g.subjects(RDF.type, PRC.ManualSection), key=lambda s: int(g.value(s, PRC.sectionNumber))):
        members = {c for c in classes if (c, PRC.inManualSection, section) in g}
        sections.append(SectionCount(str(g.value(section, RDFS.label)), len(members)))
    for name, root in SECTION_ROOTS.items():
        sections.append(SectionCount(name, len(_descendants(g, URIRef(root)) & classes)))
    return OntologySummary(
        classes=len(classes),
        object_properties=len(_own(g, OWL.ObjectProperty)),
        datatype_properties=len(_own(g, OWL.DatatypeProperty)),
        annotation_properties=len(_own(g, OWL.AnnotationProperty)),
        individuals=len({s for s in g.subjects(RDF.type, OWL.NamedIndividual)}),
        triples=len(g),
        with_definition=sum(1 for c in classes if (c, SKOS.definition, None) in g),
        with_source=sum(1 for c in classes if (c, DCTERMS.source, None) in g),
        with_tag=sum(1 for c in classes if (c, PRC.provenanceTag, None) in g),
        sections=sections,
    )


INSTANCE_KINDS = ("Case", "Psychotherapy", "Session", "TurnOfSpeech", "Segment", "Commentary", "Finding",
                  "ReportedFigure", "Study", "Rating", "ReliabilityEstimate")


def instance_lines(data: Graph) -> list[str]:
    """Instance counts by kind (asserted types; a psychoanalysis counts as a treatment)."""
    from rdflib.namespace import RDF as _RDF

    typed: dict[str, int] = {}
    for kind in INSTANCE_KINDS:
        cls = getattr(PRC, kind)
        typed[kind] = len(set(data.subjects(_RDF.type, cls)))
    treatments = {s for s, o in data.subject_objects(_RDF.type) if str(s).endswith("/treatment")}
    typed["Psychotherapy"] = max(typed["Psychotherapy"], len(treatments))
    return ["instances:"] + [f"  {kind}: {n}" for kind, n in typed.items() if n]
