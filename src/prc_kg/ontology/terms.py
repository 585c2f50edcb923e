"""What the ontology defines, indexed for checking human-written examples against it."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from ..vocab import PRC, PRC_IRI, SRC_IRI


@dataclass(frozen=True)
class UtteranceCode:
    """One category of an utterance coding dimension: its item code and IRI, and the dimension's,
    with whose turns the dimension codes (``"therapist"`` or ``"patient"``; None when not said).
    ``groups`` lists the codes of the same dimension that are narrower (``prc:broaderCode``): a code
    that has any is a summary group for counting (MITI:R over SR and CR), not a category an annotator
    assigns, since the codes of one dimension exclude each other. ``absence`` marks a code that records
    that the dimension's behaviour is missing (``prc:absenceCode true``, MISIMPLE:NO-REFLECTION)."""

    code: str
    iri: URIRef
    dimension: str
    dimension_iri: URIRef
    speaker: str | None
    groups: tuple[str, ...] = ()
    absence: bool = False


@dataclass
class TermIndex:
    """Classes with their told superclasses, instruments, items and sources of one ontology graph."""

    graph: Graph
    _ancestors: dict[URIRef, frozenset[URIRef]] = field(default_factory=dict)

    @cached_property
    def classes(self) -> frozenset[URIRef]:
        return frozenset(c for c in self.graph.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef))

    @cached_property
    def sources(self) -> frozenset[str]:
        return frozenset(str(s)[len(SRC_IRI):] for s in self.graph.subjects(RDF.type, PRC.BibliographicSource)
                         if str(s).startswith(SRC_IRI))

    @cached_property
    def instruments(self) -> frozenset[str]:
        found = set()
        for ind in self.graph.subjects(RDF.type, OWL.NamedIndividual):
            if str(ind).startswith(PRC_IRI) and any(self.is_a(t, PRC.Instrument) for t in self.graph.objects(ind, RDF.type)
                                                    if isinstance(t, URIRef) and t in self.classes):
                found.add(str(ind)[len(PRC_IRI):])
        return frozenset(found)

    @cached_property
    def items_by_code(self) -> dict[str, URIRef]:
        return {str(code): item for item, code in self.graph.subject_objects(PRC.itemCode)}

    @cached_property
    def utterance_codes(self) -> dict[str, UtteranceCode]:
        """Item code → code of an utterance coding dimension (``prc:inDimension``), with the
        dimension's item code and speaker role (``prc:speakerRole``) and the codes it groups."""
        g = self.graph
        found: dict[str, UtteranceCode] = {}
        for code_iri, dimension in g.subject_objects(PRC.inDimension):
            code, dim_code = g.value(code_iri, PRC.itemCode), g.value(dimension, PRC.itemCode)
            if not isinstance(code_iri, URIRef) or not isinstance(dimension, URIRef) or code is None or dim_code is None:
                continue
            speaker = g.value(dimension, PRC.speakerRole)
            groups = sorted(str(g.value(narrow, PRC.itemCode)) for narrow in g.subjects(PRC.broaderCode, code_iri)
                            if g.value(narrow, PRC.inDimension) == dimension and g.value(narrow, PRC.itemCode))
            absence = g.value(code_iri, PRC.absenceCode)
            found[str(code)] = UtteranceCode(str(code), code_iri, str(dim_code), dimension,
                                             str(speaker) if speaker is not None else None, tuple(groups),
                                             absence is not None and absence.toPython() is True)
        return dict(sorted(found.items()))

    @cached_property
    def relations(self) -> dict[str, URIRef]:
        """The relation properties a finding may assert, by local name: ``prc:associatedWith`` and
        every property under it (``rdfs:subPropertyOf``, any depth)."""
        found, todo = {PRC.associatedWith}, [PRC.associatedWith]
        while todo:
            for sub in self.graph.subjects(RDFS.subPropertyOf, todo.pop()):
                if isinstance(sub, URIRef) and sub not in found:
                    found.add(sub)
                    todo.append(sub)
        return {str(p)[len(PRC_IRI):]: p for p in sorted(found) if str(p).startswith(PRC_IRI)}

    def relation_sign(self, prop: URIRef) -> str | None:
        """"positive" or "negative" when ``prop`` lies under the signed relation of that name, else None."""
        seen, todo = {prop}, [prop]
        while todo:
            for sup in self.graph.objects(todo.pop(), RDFS.subPropertyOf):
                if isinstance(sup, URIRef) and sup not in seen:
                    seen.add(sup)
                    todo.append(sup)
        signs = {sign for sign, top in (("positive", PRC_IRI + "positivelyAssociatedWith"),
                                        ("negative", PRC_IRI + "negativelyAssociatedWith"))
                 if URIRef(top) in seen}
        return signs.pop() if len(signs) == 1 else None

    def cls(self, name: str) -> URIRef | None:
        iri = URIRef(PRC_IRI + name)
        return iri if iri in self.classes else None

    def ancestors(self, cls: URIRef) -> frozenset[URIRef]:
        if cls not in self._ancestors:
            seen, todo = {cls}, [cls]
            while todo:
                for parent in self.graph.objects(todo.pop(), RDFS.subClassOf):
                    if isinstance(parent, URIRef) and parent not in seen:
                        seen.add(parent)
                        todo.append(parent)
            self._ancestors[cls] = frozenset(seen)
        return self._ancestors[cls]

    def is_a(self, cls: URIRef, root: URIRef) -> bool:
        return root in self.ancestors(cls)

    def label(self, iri: URIRef) -> str:
        value = self.graph.value(iri, RDFS.label) or self.graph.value(iri, SKOS.prefLabel)
        return str(value) if value is not None else str(iri).rsplit("/", 1)[-1]
