"""What a Protégé (OWLAPI) save changes in the source, undone when the build reads it.

Protégé writes every file it saves through OWLAPI's Turtle writer, which keeps the OWL meaning but
not the triples a person wrote. Measured with OWLAPI 5.1.20 (``tests/test_protege.py`` re-saves
every module and small fixtures of each construct), a save

- types every cell of a list of literals ``rdf:type rdf:List`` (rdflib's JSON-LD writer drops those
  triples, so the release's read-back check refused a re-saved source);
- reorders the members of every OWL set (``owl:unionOf``, ``owl:oneOf``, ``owl:members``, …);
- writes a two-member ``owl:AllDifferent``/``owl:AllDisjointClasses``/``owl:AllDisjointProperties``
  as one ``owl:differentFrom``/``owl:disjointWith``/``owl:propertyDisjointWith`` triple, the
  members of ``owl:AllDifferent`` under ``owl:distinctMembers``, and every symmetric triple between
  two IRIs (``owl:disjointWith``, ``owl:equivalentClass``, ``owl:sameAs``, …) from the IRI that
  sorts first;
- gives an annotated axiom's anonymous target one blank node shared with the axiom's own triple;
- writes ``"x"^^xsd:string`` as ``"x"`` and ``"3"^^xsd:decimal`` as ``3``, which Turtle reads as an
  xsd:integer.

``normalise`` maps both the hand-written and the saved form to one form (as ROBOT's output is
always OWLAPI's), so the release is the same graph whatever tool saved the source. Each rule keeps
the OWL meaning: lists in set positions are sets, the symmetric properties are symmetric, an
integer is the decimal of the same value, and RDF 1.1 reads a plain literal as xsd:string. The
source files are only read; this works on the merged graph in memory.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

# Lists whose order carries no meaning (OWL 2 mapping to RDF: sets of class expressions,
# individuals, literals, properties or facet restrictions). owl:propertyChainAxiom is a sequence.
SET_LISTS = frozenset({OWL.unionOf, OWL.intersectionOf, OWL.oneOf, OWL.members, OWL.distinctMembers,
                       OWL.disjointUnionOf, OWL.hasKey, OWL.withRestrictions})
SYMMETRIC = frozenset({OWL.disjointWith, OWL.equivalentClass, OWL.equivalentProperty, OWL.propertyDisjointWith,
                       OWL.differentFrom, OWL.sameAs, OWL.inverseOf})
# n-ary axiom type -> the triple OWLAPI writes for it when it has two members
PAIRWISE = {OWL.AllDifferent: OWL.differentFrom, OWL.AllDisjointClasses: OWL.disjointWith,
            OWL.AllDisjointProperties: OWL.propertyDisjointWith}


def normalise(g: Graph, in_place: bool = False) -> Graph:
    """What ``g`` means, written the one way the build uses (see the module docstring): a new graph, or
    ``g`` itself changed when ``in_place`` (the build's merged graph is its own copy already)."""
    out = g if in_place else Graph()
    if not in_place:
        out += g
    decimal_props = set(out.subjects(RDFS.range, XSD.decimal))
    for s in [s for s in out.subjects(RDF.type, RDF.List) if isinstance(s, BNode) and (s, RDF.first, None) in out]:
        out.remove((s, RDF.type, RDF.List))  # implied by rdf:first; rdflib's JSON-LD writer cannot carry it
    for s, p, o in [t for t in out if isinstance(t[2], Literal)]:
        new = _literal(o, p in decimal_props)
        if new is not o:
            out.remove((s, p, o))
            out.add((s, p, new))
    _pairwise(out)
    _orient(out)
    _unshare_axiom_targets(out)
    _sort_sets(out)
    return out


def _literal(o: Node, decimal_range: bool) -> Node:
    if not isinstance(o, Literal):
        return o
    if o.datatype == XSD.string and o.language is None:
        return Literal(str(o))
    if decimal_range and o.datatype == XSD.integer:
        return Literal(str(o), datatype=XSD.decimal)
    return o


def list_items(g: Graph, head: Node) -> tuple[list[BNode], list[Node]] | None:
    """The cells and members of a well-formed list, or None (no rdf:first, two of a kind, a loop)."""
    cells: list[BNode] = []
    seen: set[BNode] = set()
    items: list[Node] = []
    node = head
    while node != RDF.nil:
        if not isinstance(node, BNode) or node in seen:
            return None
        first, rest = list(g.objects(node, RDF.first)), list(g.objects(node, RDF.rest))
        if len(first) != 1 or len(rest) != 1:
            return None
        cells.append(node)
        seen.add(node)
        items.append(first[0])
        node = rest[0]
    return cells, items


def _pairwise(g: Graph) -> None:
    """A two-member n-ary axiom with nothing else said of it becomes its pairwise triple (from the IRI
    when one member is anonymous, as OWLAPI writes it); the members of owl:AllDifferent sit under
    owl:distinctMembers."""
    for kind, pair_property in PAIRWISE.items():
        for axiom in [a for a in g.subjects(RDF.type, kind) if isinstance(a, BNode)]:
            statements = list(g.predicate_objects(axiom))
            lists = [(p, o) for p, o in statements if p in (OWL.members, OWL.distinctMembers)]
            if len(lists) != 1 or len(statements) != 2 or (None, None, axiom) in g:
                continue
            predicate, head = lists[0]
            found = list_items(g, head)
            if found is None:
                continue
            cells, items = found
            if len(items) == 2 and any(isinstance(i, URIRef) for i in items):
                g.remove((axiom, None, None))
                for cell in cells:
                    g.remove((cell, None, None))
                first, second = sorted(items, key=lambda i: not isinstance(i, URIRef))  # an IRI as subject
                g.add((first, pair_property, second))
            elif predicate == OWL.members and kind == OWL.AllDifferent:
                g.remove((axiom, OWL.members, head))
                g.add((axiom, OWL.distinctMembers, head))


def _orient(g: Graph) -> None:
    """A symmetric triple between two IRIs runs from the IRI that sorts first (with its axiom annotations)."""
    for p in SYMMETRIC:
        for s, o in list(g.subject_objects(p)):
            if isinstance(s, URIRef) and isinstance(o, URIRef) and str(o) < str(s):
                g.remove((s, p, o))
                g.add((o, p, s))
                for axiom in list(g.subjects(OWL.annotatedSource, s)):
                    if (axiom, OWL.annotatedProperty, p) in g and (axiom, OWL.annotatedTarget, o) in g:
                        g.set((axiom, OWL.annotatedSource, o))
                        g.set((axiom, OWL.annotatedTarget, s))


def _unshare_axiom_targets(g: Graph) -> None:
    """An owl:Axiom's anonymous target gets its own copy when the axiom's triple holds the same node,
    as Turtle's ``[ … ]`` writes it, so the blank nodes stay a forest."""
    for axiom, target in list(g.subject_objects(OWL.annotatedTarget)):
        if isinstance(target, BNode) and len(set(g.subject_predicates(target))) > 1:
            nodes = _subtree(g, target)
            if nodes is None:
                continue  # a loop of blank nodes: left as written
            copies = {node: BNode() for node in nodes}
            for node in nodes:
                for p, o in list(g.predicate_objects(node)):
                    g.add((copies[node], p, copies.get(o, o)))  # type: ignore[arg-type]
            g.remove((axiom, OWL.annotatedTarget, target))
            g.add((axiom, OWL.annotatedTarget, copies[target]))


def _subtree(g: Graph, root: BNode) -> list[BNode] | None:
    """The blank nodes reachable from ``root`` through blank nodes, or None when they loop."""
    found: list[BNode] = []
    todo: list[tuple[BNode, frozenset[BNode]]] = [(root, frozenset())]
    while todo:
        node, above = todo.pop()
        if node in above:
            return None
        if node not in found:
            found.append(node)
        todo.extend((o, above | {node}) for o in g.objects(node) if isinstance(o, BNode))
    return found


def _sort_sets(g: Graph) -> None:
    """Members of every list in a set position in the order of their content (blank nodes by what
    they hold, so the order does not depend on blank node labels)."""
    keys: dict[Node, str] = {}
    for p in SET_LISTS:
        for head in list(g.objects(None, p)):
            found = list_items(g, head)
            if found is None:
                continue
            cells, items = found
            ordered = sorted(items, key=lambda item: _content_key(g, item, keys, set()))
            if ordered != items:
                for cell, item in zip(cells, ordered):
                    g.set((cell, RDF.first, item))


def _content_key(g: Graph, node: Node, memo: dict[Node, str], path: set[Node]) -> str:
    """A text for ``node`` that equal content gives equal text: IRIs and literals as written, a blank
    node as the digest of its statements, lists in set positions as sorted multisets."""
    if not isinstance(node, BNode):
        return "0" + node.n3()
    if node in memo:
        return memo[node]
    if node in path:
        return "2loop"
    path = path | {node}
    parts = []
    by_predicate: dict[Node, list[Node]] = defaultdict(list)
    for p, o in g.predicate_objects(node):
        by_predicate[p].append(o)
    for p, objects in by_predicate.items():
        for o in objects:
            found = list_items(g, o) if isinstance(o, BNode) and p not in (RDF.first, RDF.rest) else None
            if found is not None:
                members = [_content_key(g, m, memo, path) for m in found[1]]
                text = ("set " + " ".join(sorted(members))) if p in SET_LISTS else ("seq " + " ".join(members))
            else:
                text = _content_key(g, o, memo, path)
            parts.append(p.n3() + " " + text)
    memo[node] = "1" + hashlib.sha256("\x1f".join(sorted(parts)).encode("utf-8", "surrogatepass")).hexdigest()
    return memo[node]
