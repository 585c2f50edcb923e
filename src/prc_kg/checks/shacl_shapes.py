"""The shapes graph read into plain records the SPARQL compiler (shacl_sparql.py) works from.

Reading is strict: a shape that uses a SHACL feature this reader does not know (sh:node, sh:closed,
sh:pattern, …) is refused with an error naming the shape and the feature, because silently skipping a
constraint would report clean data that pySHACL finds faulty. ``--engine pyshacl`` still runs such
shapes. Path rendering lives here too, so both engines print a result's path the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS

from ..errors import PrcKgError

SH = Namespace("http://www.w3.org/ns/shacl#")


class UnsupportedShape(PrcKgError):
    """A shape the fast engine cannot compile; ``--engine pyshacl`` runs it."""


# parameters of the constraint components the compiler knows, by the predicate that carries them
VALUE_COMPONENTS = {SH.datatype, SH["class"], SH.nodeKind, SH["in"], SH.minInclusive, SH.maxInclusive,
                    SH.minExclusive, SH.maxExclusive, SH["or"], SH.xone}
COUNT_COMPONENTS = {SH.minCount, SH.maxCount}
_TARGETS = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target}
_DESCRIPTIVE = {RDF.type, SH.message, SH.severity, SH.name, SH.description, SH.order, SH.group, RDFS.label,
                RDFS.comment, SH.defaultValue, SH.deactivated}
_KNOWN = VALUE_COMPONENTS | COUNT_COMPONENTS | _TARGETS | _DESCRIPTIVE | {SH.path, SH.property, SH.hasValue,
                                                                          SH.sparql}


@dataclass
class Sparql:
    """An sh:sparql constraint: its SELECT text ($this pre-bound), message and the prefixes it declares."""

    select: str
    message: str | None
    prefixes: dict[str, str]


@dataclass
class Shape:
    """A node or property shape: its targets, path (SPARQL text), constraints and nested shapes."""

    node: object
    name: str
    path: str | None = None  # SPARQL property path; None for a node shape
    path_text: str = ""  # the path as a result reports it (see path_text)
    last: str | None = None  # the predicate a value is read through last (None: the path ends otherwise)
    prefix_path: str | None = None  # the path before ``last`` (None: ``last`` is the whole path)
    targets: list[tuple[str, object]] = field(default_factory=list)
    constraints: list[tuple[object, object]] = field(default_factory=list)  # (component predicate, parameter)
    properties: list[Shape] = field(default_factory=list)
    sparql: list[Sparql] = field(default_factory=list)
    message: str | None = None
    severity: str = "Violation"


def _name(g: Graph, node) -> str:
    if isinstance(node, URIRef):
        return g.namespace_manager.normalizeUri(node) if ":" in str(node) else str(node)
    return f"a blank-node shape ({_describe(g, node)})"


def _describe(g: Graph, node) -> str:
    """A blank shape named by where it hangs: ``sh:property of prc:CaseShape, path rdfs:label``."""
    path = g.value(node, SH.path)
    owner = g.value(None, SH.property, node)
    parts = []
    if owner is not None:
        parts.append(f"sh:property of {_name(g, owner)}")
    if path is not None:
        parts.append(f"path {path_text(g, path)}")
    return ", ".join(parts) or "nested in sh:or/sh:xone"


def _items(g: Graph, node) -> list:
    return list(Collection(g, node))


def path_text(g: Graph, node) -> str:
    """A path as text: an IRI as itself, a complex path in SPARQL syntax with full IRIs."""
    if isinstance(node, URIRef):
        return str(node)
    return sparql_path(g, node, text=True)


def sparql_path(g: Graph, node, text: bool = False) -> str:
    """The SPARQL property path of a SHACL path node (``text``: IRIs bare, as results print them)."""
    if isinstance(node, URIRef):
        return str(node) if text else f"<{node}>"
    if g.value(node, RDF.first) is not None:
        return "(" + " / ".join(sparql_path(g, n, text) for n in _items(g, node)) + ")"
    for pred, fmt in ((SH.inversePath, "^{}"), (SH.zeroOrMorePath, "{}*"), (SH.oneOrMorePath, "{}+"),
                      (SH.zeroOrOnePath, "{}?")):
        inner = g.value(node, pred)
        if inner is not None:
            body = sparql_path(g, inner, text)
            return fmt.format(body if isinstance(inner, URIRef) else f"({body})")
    alt = g.value(node, SH.alternativePath)
    if alt is not None:
        return "(" + " | ".join(sparql_path(g, n, text) for n in _items(g, alt)) + ")"
    raise UnsupportedShape(f"a SHACL path node {node} is neither an IRI, a list nor one of sh:inversePath, "
                           "sh:alternativePath, sh:zeroOrMorePath, sh:oneOrMorePath, sh:zeroOrOnePath")


def _one(g: Graph, node, pred, name: str):
    values = list(g.objects(node, pred))
    if len(values) > 1:
        raise UnsupportedShape(f"{name}: more than one {g.namespace_manager.normalizeUri(pred)} "
                               f"({len(values)}); the fast engine reports one result per constraint")
    return values[0] if values else None


def _prefixes(g: Graph, node) -> dict[str, str]:
    """The sh:declare entries of the sh:prefixes of ``node`` (transitively through owl:imports)."""
    found: dict[str, str] = {}
    todo, seen = list(g.objects(node, SH.prefixes)), set()
    while todo:
        holder = todo.pop()
        if holder in seen:
            continue
        seen.add(holder)
        todo.extend(g.objects(holder, OWL.imports))
        for decl in g.objects(holder, SH.declare):
            prefix, ns = g.value(decl, SH.prefix), g.value(decl, SH.namespace)
            if prefix is not None and ns is not None:
                found[str(prefix)] = str(ns)
    return found


def deactivated(g: Graph, node) -> bool:
    return (node, SH.deactivated, Literal(True)) in g


def read_shape(g: Graph, node, nested: bool = True) -> Shape:
    """One shape and those nested in it (``nested``: a member of sh:or/sh:xone), refusing what the compiler
    does not know."""
    name = _name(g, node)
    if deactivated(g, node) and nested:
        raise UnsupportedShape(f"{name}: feature sh:deactivated inside sh:or/sh:xone")
    for pred in set(g.predicates(node, None)):
        if pred not in _KNOWN:
            raise UnsupportedShape(f"{name}: feature {g.namespace_manager.normalizeUri(pred)} is not compiled by "
                                   "the fast engine; run `prc-kg validate --engine pyshacl`")
    if (node, RDF.type, RDFS.Class) in g or (node, RDF.type, OWL.Class) in g:
        raise UnsupportedShape(f"{name}: feature implicit class target (a shape that is also a class)")
    shape = Shape(node, name)
    message = _one(g, node, SH.message, name)
    shape.message = str(message) if message is not None else None
    severity = _one(g, node, SH.severity, name)
    if severity is not None:
        shape.severity = str(severity).rsplit("#", 1)[-1]
    path = g.value(node, SH.path)
    if path is not None:
        shape.path, shape.path_text = sparql_path(g, path), path_text(g, path)
        if isinstance(path, URIRef):
            shape.last = str(path)
        elif g.value(path, RDF.first) is not None and isinstance(_items(g, path)[-1], URIRef):
            steps = _items(g, path)
            shape.last = str(steps[-1])
            shape.prefix_path = "/".join(sparql_path(g, s) for s in steps[:-1]) if len(steps) > 1 else None
    for pred, obj in sorted(g.predicate_objects(node)):
        if pred in VALUE_COMPONENTS or pred in COUNT_COMPONENTS or pred == SH.hasValue:
            if pred in COUNT_COMPONENTS and path is None:
                raise UnsupportedShape(f"{name}: {g.namespace_manager.normalizeUri(pred)} on a node shape")
            if pred in (SH["or"], SH.xone):
                obj = [read_shape(g, member) for member in _items(g, obj)]
            elif pred == SH["in"]:
                obj = _items(g, obj)
            elif pred == SH["class"] and obj in RDFS_VOCABULARY_CLASSES:
                raise UnsupportedShape(f"{name}: feature sh:class {g.namespace_manager.normalizeUri(obj)} (members "
                                       "from RDFS axioms the fast engine does not draw)")
            shape.constraints.append((pred, obj))
        elif pred == SH.property:
            if not deactivated(g, obj):  # a deactivated shape reports nothing, as in pySHACL
                shape.properties.append(read_shape(g, obj, nested=False))
        elif pred == SH.sparql:
            if path is not None:
                raise UnsupportedShape(f"{name}: feature sh:sparql on a property shape")
            select = g.value(obj, SH.select)
            unknown = set(g.predicates(obj, None)) - {SH.select, SH.message, SH.prefixes, RDF.type}
            if select is None or unknown:
                raise UnsupportedShape(f"{name}: feature sh:sparql without sh:select, or with "
                                       f"{sorted(str(u) for u in unknown)}")
            msg = _one(g, obj, SH.message, name)
            shape.sparql.append(Sparql(str(select), str(msg) if msg is not None else None, _prefixes(g, obj)))
        elif pred in _TARGETS:
            shape.targets.append(_target(g, name, pred, obj))
    return shape


# classes whose members pySHACL's RDFS reasoner (owlrl) derives from axioms the store does not draw
# (every node an rdfs:Resource, every predicate an rdf:Property, …): refused as targets and sh:class
RDFS_VOCABULARY_CLASSES = {RDFS.Resource, RDF.Property, RDFS.Class, RDFS.Datatype, RDFS.Literal,
                           RDFS.ContainerMembershipProperty, RDFS.Container}


def _target(g: Graph, name: str, pred, obj) -> tuple[str, object]:
    if pred == SH.targetClass and obj in RDFS_VOCABULARY_CLASSES:
        raise UnsupportedShape(f"{name}: feature sh:targetClass {g.namespace_manager.normalizeUri(obj)} (members "
                               "from RDFS axioms the fast engine does not draw)")
    if pred != SH.target:
        return str(pred).rsplit("#", 1)[-1], obj
    if (obj, RDF.type, SH.SPARQLTarget) not in g or g.value(obj, SH.select) is None:
        raise UnsupportedShape(f"{name}: feature sh:target other than an sh:SPARQLTarget with sh:select")
    unknown = set(g.predicates(obj, None)) - {SH.select, SH.prefixes, RDF.type}
    if unknown:
        raise UnsupportedShape(f"{name}: feature {sorted(str(u) for u in unknown)} on an sh:SPARQLTarget")
    return "sparqlTarget", (str(g.value(obj, SH.select)), _prefixes(g, obj))


def top_shapes(g: Graph) -> list[Shape]:
    """Every shape with a target (the ones validation starts from), in IRI order."""
    nodes = {s for p in _TARGETS for s in g.subjects(p, None)}
    return [read_shape(g, n, nested=False) for n in sorted(nodes, key=lambda n: (isinstance(n, BNode), str(n)))
            if not deactivated(g, n)]
