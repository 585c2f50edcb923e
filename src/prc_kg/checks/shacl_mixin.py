"""What pySHACL mixes into the data graph from ``ont_graph``: its "inoculation", recomputed here in
linear time (pySHACL's own function took 295 s on the shipped ontology, most of its 150 s runs).

pySHACL does not mix in the whole ontology. It copies (pyshacl.rdfutil.inoculate):
- every ``s rdf:type C`` where C is an RDFS or OWL class of classes (owl:Class, owl:ObjectProperty, …);
- every triple whose predicate is an RDFS or OWL property (rdfs:subClassOf, rdfs:range, owl:onProperty, …);
- for an owl:NamedIndividual, everything reachable from it through IRIs, up to 10 steps, and every
  triple that points at it;
and with each blank node in those triples, the blank node's own triples, recursively. So an individual
of the ontology that is not declared owl:NamedIndividual brings only its type declarations along.
``PYSHACL_USE_FULL_MIXIN`` makes pySHACL take the whole graph; so does this.
"""

from __future__ import annotations

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, RDF

_DEPTH = 10  # pySHACL's clone_node stops there


def _vocab():
    from pyshacl.rdfutil.consts import OWL_classes, OWL_properties, RDFS_classes, RDFS_properties

    return set(RDFS_classes) | set(OWL_classes), set(RDFS_properties) | set(OWL_properties)


def mixed_in(ontology: Graph) -> Graph:
    """The part of ``ontology`` pySHACL validates along with the data (see the module's docstring)."""
    from pyshacl.validator import USE_FULL_MIXIN

    if USE_FULL_MIXIN:
        return ontology
    classes, properties = _vocab()
    out = Graph()
    done_bnodes: set = set()

    def bnode_tree(node) -> None:
        todo = [node]
        while todo:
            b = todo.pop()
            if b in done_bnodes:
                continue
            done_bnodes.add(b)
            for p, o in ontology.predicate_objects(b):
                out.add((b, p, o))
                if isinstance(o, BNode):
                    todo.append(o)

    def add(s, p, o) -> None:
        out.add((s, p, o))
        for n in (s, o):
            if isinstance(n, BNode):
                bnode_tree(n)

    individuals = []
    for s, _, c in ontology.triples((None, RDF.type, None)):
        if c in classes:
            add(s, RDF.type, c)
            if c == OWL.NamedIndividual and isinstance(s, URIRef):
                individuals.append(s)
    for s, p, o in ontology:
        if p in properties:
            add(s, p, o)
    depth: dict = {}
    frontier = [(ni, 0) for ni in individuals]
    while frontier:  # deep clone: breadth first, so each IRI is expanded at its smallest depth
        nxt = []
        for node, d in frontier:
            if node in depth or d >= _DEPTH:
                continue
            depth[node] = d
            for p, o in ontology.predicate_objects(node):
                add(node, p, o)
                if isinstance(o, URIRef):
                    nxt.append((o, d + 1))
        frontier = nxt
    for ni in individuals:
        for s, p in ontology.subject_predicates(ni):
            add(s, p, ni)
    return out
