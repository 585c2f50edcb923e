"""Shapes (shacl_shapes.Shape) compiled to SPARQL SELECT queries, each listing the results of one
constraint of one shape as (focus, value, path) rows.

A constraint is compiled to a boolean SPARQL expression "node ?x conforms", so sh:or and sh:xone
nest any shape the compiler knows. Results carry what pySHACL's carry: the focus node; the value
(the offending value for a value constraint, none for a count or sh:hasValue on a path, the focus
node for a constraint of a node shape); the path; the shape's message and severity. Datatype tests
read the WRITTEN records (shacl_store.py) where the store changed a literal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import count

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS

from .shacl_shapes import SH, Shape, UnsupportedShape
from .shacl_store import FOCUS, RECORDED, valid_graph

_TYPE = f"<{RDF.type}>"  # the store holds the RDFS closure: every superclass is asserted
_KINDS = {SH.IRI: "isIRI({v})", SH.BlankNode: "isBlank({v})", SH.Literal: "isLiteral({v})",
          SH.BlankNodeOrIRI: "(isIRI({v}) || isBlank({v}))", SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
          SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))"}
_W = "urn:prc-kg:shacl:"
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


@dataclass(frozen=True)
class Check:
    """One query and how to read its rows into results."""

    shape: Shape
    component: str
    query: str
    message: str | None
    path: str  # the result path printed (empty for node-level results)
    value: str  # "none", "focus" or "row": where the result's value comes from
    path_from_row: bool = False  # a SPARQL constraint's ?path binding
    prefixes: dict[str, str] = field(default_factory=dict)  # those an sh:sparql declares
    last: str | None = None  # a value read through this predicate from ?mid may have a WRITTEN lexical form


def instance_of(v: str, cls: str) -> str:
    """``v`` is an instance of ``cls`` after RDFS inference; never a literal, as pySHACL's sh:class has it
    (though its RDFS reasoner types a literal by a property's range, which makes the literal a focus node
    of a class target: see Compiler.targets)."""
    return f"EXISTS {{ {v} {_TYPE} {cls} }}"


def term(node) -> str:
    """An rdflib term as SPARQL text."""
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        return node.n3()
    raise UnsupportedShape(f"a blank node {node} as a constraint parameter")


class Compiler:
    """Turns shapes into expressions with fresh variable names."""

    def __init__(self) -> None:
        self._n = count()

    def var(self) -> str:
        return f"?v{next(self._n)}"

    # -- "conforms" expressions ---------------------------------------------------------------------------

    def conforms(self, shape: Shape, x: str, context: tuple[str, str | None] | None = None) -> str:
        """``x`` conforms to ``shape`` (its path read from ``x``); ``context``: (subject var, predicate) ``x``
        was reached through, for datatype tests on a value node."""
        parts = [self.component(shape, pred, param, x, context) for pred, param in shape.constraints]
        parts += [self.conforms(p, x) for p in shape.properties]
        if shape.sparql:
            raise UnsupportedShape(f"{shape.name}: feature sh:sparql inside sh:or/sh:xone")
        return "(" + " && ".join(parts) + ")" if parts else "true"

    def component(self, shape: Shape, pred, param, x: str, context) -> str:
        """``x`` satisfies one constraint of ``shape``: counted over its path, or on each value."""
        if shape.path is None:
            return self.value_ok(shape, pred, param, x, context)
        if pred == SH.minCount:
            n = int(param)
            return "true" if n == 0 else f"EXISTS {{ {self.distinct(shape, x, n)} }}"
        if pred == SH.maxCount:
            return f"NOT EXISTS {{ {self.distinct(shape, x, int(param) + 1)} }}"
        if pred == SH.hasValue:
            return f"EXISTS {{ {x} {shape.path} {term(param)} }}"
        v, mid = self.var(), self.mid(shape, x)
        ok = self.value_ok(shape, pred, param, v, (mid, shape.last))
        return f"NOT EXISTS {{ {self.reach(shape, x, v, mid)} FILTER(!COALESCE({ok}, false)) }}"

    def mid(self, shape: Shape, x: str) -> str:
        """The variable for the node a value is read from by the path's last predicate (``x`` for one step)."""
        return self.var() if shape.prefix_path else x

    @staticmethod
    def reach(shape: Shape, x: str, v: str, mid: str) -> str:
        """Graph pattern: ``v`` is a value of ``shape``'s path from ``x``, ``mid`` the node before the last step."""
        if shape.last is None or shape.prefix_path is None:
            return f"{x} {shape.path} {v} ."
        return f"{x} {shape.prefix_path} {mid} . {mid} <{shape.last}> {v} ."

    def distinct(self, shape: Shape, x: str, n: int) -> str:
        vs = [self.var() for _ in range(n)]
        pattern = " ".join(f"{x} {shape.path} {v} ." for v in vs)
        apart = " && ".join(f"!sameTerm({a}, {b})" for i, a in enumerate(vs) for b in vs[i + 1:])
        return pattern + (f" FILTER({apart})" if apart else "")

    def value_ok(self, shape: Shape, pred, param, v: str, context) -> str:
        """The value node ``v`` satisfies one value constraint."""
        if pred == SH["class"]:
            return instance_of(v, term(param))
        if pred == SH.datatype:
            return self.datatype_ok(shape, param, v, context)
        if pred == SH.nodeKind:
            if param not in _KINDS:
                raise UnsupportedShape(f"{shape.name}: sh:nodeKind {param} is not a SHACL node kind")
            return _KINDS[param].format(v=v)
        if pred == SH["in"]:
            return "(" + " || ".join(f"sameTerm({v}, {term(m)})" for m in param) + ")" if param else "false"
        if pred == SH.hasValue:
            return f"sameTerm({v}, {term(param)})"
        ops = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">", SH.maxExclusive: "<"}
        if pred in ops:
            return f"COALESCE(isLiteral({v}) && {v} {ops[pred]} {term(param)}, false)"
        if pred in (SH["or"], SH.xone):
            members = [self.conforms(m, v, context) for m in param]
            if pred == SH["or"]:
                return "(" + " || ".join(members) + ")" if members else "false"
            return "((" + " + ".join(f"IF({m}, 1, 0)" for m in members) + ") = 1)" if members else "false"
        raise UnsupportedShape(f"{shape.name}: feature {pred}")

    def datatype_ok(self, shape: Shape, datatype, v: str, context) -> str:
        if datatype in (RDFS.Datatype,):
            raise UnsupportedShape(f"{shape.name}: feature sh:datatype rdfs:Datatype")
        if datatype == RDFS.Literal:
            return f"isLiteral({v})"
        plain = f"(isLiteral({v}) && DATATYPE({v}) = {term(datatype)})"
        if context is None or context[1] is None:
            raise UnsupportedShape(f"{shape.name}: feature sh:datatype on a node not reached by a path that ends "
                                   "in a predicate (the store's canonical literals could not be told apart)")
        subject, predicate = context
        triple = f"{subject} <{predicate}> {v}"
        return (f"(({plain} && NOT EXISTS {{ GRAPH <{RECORDED.value}> {{ {triple} }} }}) || "
                f"EXISTS {{ GRAPH <{valid_graph(str(datatype))}> {{ {triple} }} }})")

    # -- result queries -----------------------------------------------------------------------------------

    def targets(self, shape: Shape, literal_props: list[str]) -> str:
        """Graph pattern binding ?this to each focus node of ``shape``; ``literal_props``: the properties
        whose range is (a subclass of) a target class, whose literal values pySHACL's reasoner types."""
        blocks = []
        for kind, param in shape.targets:
            if kind == "targetClass":
                blocks.append(f"?this {_TYPE} {term(param)} .")
            elif kind == "targetNode":
                blocks.append(f"VALUES ?this {{ {term(param)} }}")
            elif kind == "targetSubjectsOf":
                blocks.append(f"?this {term(param)} [] .")
            elif kind == "targetObjectsOf":
                blocks.append(f"[] {term(param)} ?this .")
            else:
                select, _ = param
                blocks.append(f"{{ {select} }}")
        if literal_props:
            blocks.append(f"VALUES ?p {{ {' '.join(literal_props)} }} [] ?p ?this . FILTER(isLiteral(?this))")
        return " UNION ".join(f"{{ {b} }}" for b in blocks)

    @staticmethod
    def focus(index: int) -> str:
        """Graph pattern binding ?this to the focus nodes of shape ``index``, kept in the FOCUS graph."""
        return f"GRAPH <{FOCUS}> {{ <{_W}shape{index}> <{_W}focus> ?this }}"

    def checks(self, shape: Shape, index: int) -> list[Check]:
        """One query per constraint of ``shape`` (shape ``index``) and of its property shapes."""
        focus = self.focus(index)
        out = []
        for pred, param in shape.constraints:
            ok = self.value_ok(shape, pred, param, "?this", None)
            out.append(Check(shape, _short(pred), f"SELECT ?this WHERE {{ {focus} FILTER(!COALESCE({ok}, false)) }}",
                             shape.message, "", "focus"))
        for prop in shape.properties:
            out += self.property_checks(prop, focus)
        for i, sparql in enumerate(shape.sparql):
            out.append(self.sparql_check(shape, sparql, focus, i))
        return out

    def property_checks(self, prop: Shape, focus: str) -> list[Check]:
        if prop.properties or prop.sparql:
            raise UnsupportedShape(f"{prop.name}: feature sh:property or sh:sparql on a property shape")
        out = []
        for pred, param in prop.constraints:
            if pred in (SH.minCount, SH.maxCount, SH.hasValue):
                ok = self.component(prop, pred, param, "?this", None)
                query = f"SELECT ?this WHERE {{ {focus} FILTER(!({ok})) }}"
                out.append(Check(prop, _short(pred), query, prop.message, prop.path_text, "none"))
                continue
            mid = self.mid(prop, "?this")
            ok = self.value_ok(prop, pred, param, "?value", (mid, prop.last))
            query = (f"SELECT DISTINCT ?this ?value ?mid WHERE {{ {focus} {self.reach(prop, '?this', '?value', mid)} "
                     f"FILTER(!COALESCE({ok}, false)) BIND({mid} AS ?mid) }}")
            out.append(Check(prop, _short(pred), query, prop.message, prop.path_text, "row", last=prop.last))
        return out

    def sparql_check(self, shape: Shape, sparql, focus: str, index: int) -> Check:
        select = sparql.select.replace("$this", "?this")
        where = _WHERE.search(select)
        if where is None:
            raise UnsupportedShape(f"{shape.name}: an sh:select without a WHERE clause")
        # the focus nodes joined first in the query's own group: what pre-binding $this means for a
        # pattern that names it, and it lets the store start from the focus nodes
        query = select[:where.end()] + f" {focus} " + select[where.end():]
        return Check(shape, f"sparql#{index}", query, sparql.message or shape.message, "", "row",
                     prefixes=sparql.prefixes,
                     path_from_row=True)


def _short(pred) -> str:
    return str(pred).rsplit("#", 1)[-1]


def all_prefixes(shape: Shape) -> dict[str, str]:
    """The prefixes the SPARQL targets of ``shape`` declare (they go at the head of every query on it)."""
    found: dict[str, str] = {}
    for kind, param in shape.targets:
        if kind == "sparqlTarget":
            found.update(param[1])
    return found

