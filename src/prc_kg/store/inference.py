"""Materialised inferences that every store (embedded or remote) can serve without a reasoner.

Three things are added to instance data, by SPARQL UPDATE, until nothing changes:
- the subclass closure of every asserted type (a Psychoanalysis is also a Psychotherapy);
- the broader relation properties of the findings' direct edges (an edge ``X prc:predictsIncrease Y``
  also gives ``X prc:predicts Y`` and ``X prc:associatedWith Y``), so property paths such as
  ``prc:associatedWith+`` walk every edge, as a reasoner's sub-property entailment would;
- membership of the *defined* classes of the ontology, read from their ``owl:equivalentClass``
  axioms when these are intersections of named classes and ``owl:someValuesFrom`` restrictions on
  named classes, or unions of named classes (the patterns prc-kg uses, e.g.
  InterpretationOfDefense ≡ Interpretation ⊓ ∃hasAim.PatientsDefense).
Materialising at load time keeps queries simple and lets any SPARQL engine answer them; a test
checks that the result matches what HermiT infers for the example instances.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, RDF

from ..progress import stepped
from .querylib import packaged_query


@dataclass(frozen=True)
class DefinedClass:
    """``cls`` ≡ all of ``named`` and, for each (p, c) in ``some``, some p-value of class c; or a union."""

    cls: URIRef
    named: tuple[URIRef, ...]
    some: tuple[tuple[URIRef, URIRef], ...]
    union: bool = False

    def update(self) -> str:
        if self.union:
            branches = " UNION ".join(f"{{ ?x a <{c}> }}" for c in self.named)
            return f"INSERT {{ ?x a <{self.cls}> }} WHERE {{ {branches} FILTER NOT EXISTS {{ ?x a <{self.cls}> }} }}"
        patterns = [f"?x a <{c}> ." for c in self.named]
        patterns += [f"?x <{p}> ?v{i} . ?v{i} a <{c}> ." for i, (p, c) in enumerate(self.some)]
        return (f"INSERT {{ ?x a <{self.cls}> }} WHERE {{ {' '.join(patterns)} "
                f"FILTER NOT EXISTS {{ ?x a <{self.cls}> }} }}")


def defined_classes(ontology: Graph) -> list[DefinedClass]:
    """The equivalent-class definitions of the supported shapes; others are skipped."""
    out = []
    for cls, expr in sorted(ontology.subject_objects(OWL.equivalentClass)):
        if not isinstance(cls, URIRef) or not isinstance(expr, BNode):
            continue
        if (members := ontology.value(expr, OWL.unionOf)) is not None:
            named = list(ontology.items(members))
            if all(isinstance(m, URIRef) for m in named):
                out.append(DefinedClass(cls, tuple(named), (), union=True))
            continue
        members = ontology.value(expr, OWL.intersectionOf)
        if members is None:
            continue
        named, some, ok = [], [], True
        for m in ontology.items(members):
            if isinstance(m, URIRef):
                named.append(m)
            elif (m, RDF.type, OWL.Restriction) in ontology and isinstance(ontology.value(m, OWL.someValuesFrom), URIRef):
                some.append((ontology.value(m, OWL.onProperty), ontology.value(m, OWL.someValuesFrom)))
            else:
                ok = False
        if ok and (named or some):
            out.append(DefinedClass(cls, tuple(named), tuple(some)))
    return out


@stepped("materialising the inferences")
def materialise(store, ontology: Graph, max_rounds: int = 10) -> int:
    """Apply the closure and the definitions to a pyoxigraph store until a fixpoint; return triples added."""
    updates = ([packaged_query("inference/rdfs_type_closure.ru"), packaged_query("inference/relation_closure.ru")]
               + [d.update() for d in defined_classes(ontology)])
    before = len(store)
    for _ in range(max_rounds):
        size = len(store)
        for update in updates:
            store.update(update)
        if len(store) == size:
            break
    return len(store) - before


__all__ = ["DefinedClass", "defined_classes", "materialise"]
