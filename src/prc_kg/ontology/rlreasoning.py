"""Instance reasoning in OWL 2 RL with ``reasonable`` (a Rust rule engine): class memberships and clashes.

HermiT needs seconds of Java for the example instances; the OWL 2 RL rules give the same class
memberships on them in a fraction of a second (``tests/test_reasoning.py`` compares the two), once
the class hierarchy HermiT inferred for the ontology is added to the rules' input. ``reasonable``
materialises but reports no inconsistency, so the OWL 2 RL rules whose conclusion is *false*
(W3C OWL 2 Profiles, tables 4–9) are checked here on its output, together with two checks past
OWL 2 RL that HermiT makes on this ontology: data values outside their property's range datatype,
and a domain or range that is a union all of whose members the individual is disjoint with.
What stays unseen (a clash that needs an existential, a closed ``owl:oneOf`` or a union elsewhere
than a domain or range) is HermiT's: ``prc-kg reason --engine hermit``.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

Triple = tuple
# rdflib builds a new URIRef on every namespace attribute access: looked up once here.
OWL_ALLDIFFERENT = OWL.AllDifferent
OWL_ALLDISJOINTCLASSES = OWL.AllDisjointClasses
OWL_ASYMMETRICPROPERTY = OWL.AsymmetricProperty
OWL_FUNCTIONALPROPERTY = OWL.FunctionalProperty
OWL_IRREFLEXIVEPROPERTY = OWL.IrreflexiveProperty
OWL_NAMEDINDIVIDUAL = OWL.NamedIndividual
OWL_NOTHING = OWL.Nothing
OWL_COMPLEMENTOF = OWL.complementOf
OWL_DIFFERENTFROM = OWL.differentFrom
OWL_DISJOINTWITH = OWL.disjointWith
OWL_DISTINCTMEMBERS = OWL.distinctMembers
OWL_MEMBERS = OWL.members
OWL_PROPERTYDISJOINTWITH = OWL.propertyDisjointWith
OWL_SAMEAS = OWL.sameAs
OWL_UNIONOF = OWL.unionOf
RDF_FIRST = RDF.first
RDF_LANGSTRING = RDF.langString
RDF_REST = RDF.rest
RDF_TYPE = RDF.type
RDFS_DOMAIN = RDFS.domain
RDFS_RANGE = RDFS.range
RDFS_SUBCLASSOF = RDFS.subClassOf
RDFS_SUBPROPERTYOF = RDFS.subPropertyOf
OWL_NS = str(OWL)
BUILTIN = (str(OWL), str(RDF), str(RDFS), str(XSD))


@dataclass(frozen=True)
class RuleClash:
    """An inconsistency one rule found: the individual, the rule (OWL 2 RL name or ours) and why."""

    individual: str
    rule: str
    why: str

    def __str__(self) -> str:
        return f"{self.individual}: {self.why} ({self.rule})"


@dataclass
class RlResult:
    """What the rules entail about the named individuals, and the clashes among them."""

    entailed_types: set[tuple[str, str]]
    told_types: set[tuple[str, str]]
    superclasses: dict[str, set[str]]
    clashes: list[RuleClash]

    def add_subclass_axioms(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Extend the class hierarchy with subclass axioms inferred elsewhere (HermiT's), closed transitively."""
        changed = True
        for c, d in pairs:
            self.superclasses.setdefault(c, set()).add(d)
        while changed:
            changed = False
            for c, supers in self.superclasses.items():
                more = set().union(*(self.superclasses.get(d, set()) for d in supers)) - supers - {c}
                if more:
                    supers |= more
                    changed = True

    def inferred_types(self) -> list[tuple[str, str]]:
        """New memberships, most specific only: not told, not implied by a told type (as HermiT lists them)."""
        told: dict[str, set[str]] = defaultdict(set)
        for ind, cls in self.told_types:
            told[ind] |= self.superclasses.get(cls, set()) | {cls}
        new: dict[str, set[str]] = defaultdict(set)
        for ind, cls in self.entailed_types:
            if cls not in told[ind]:
                new[ind].add(cls)
        return sorted((ind, c) for ind, classes in new.items() for c in classes
                      if not any(c in self.superclasses.get(d, ()) for d in classes if d != c))


def materialise(triples: Iterable[Triple]) -> list[Triple]:
    """All triples OWL 2 RL entails from ``triples`` (given ones included), by ``reasonable``."""
    import reasonable

    reasoner = reasonable.PyReasoner()
    reasoner.from_graph(list(triples))
    return reasoner.reason()


@functools.lru_cache(maxsize=1 << 16)
def _named_class(term) -> bool:
    return isinstance(term, URIRef) and not str.startswith(term, BUILTIN)  # rdflib's startswith takes no tuple


DECLARATIONS = {OWL.Class, RDFS.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
                RDF.Property, OWL.Ontology, RDFS.Datatype}

# What the clash checks read of the axioms: a small graph of these triples, not a copy of the data.
AXIOM_PREDICATES = {OWL_DISJOINTWITH, OWL_COMPLEMENTOF, OWL_DIFFERENTFROM, OWL_MEMBERS, OWL_DISTINCTMEMBERS,
                    OWL_UNIONOF, OWL_PROPERTYDISJOINTWITH, RDF_FIRST, RDF_REST, RDFS_DOMAIN, RDFS_RANGE}


def _axioms(triples: list[Triple]) -> Graph:
    g = Graph()
    for t in triples:
        if t[1] in AXIOM_PREDICATES or (t[1] == RDF_TYPE and isinstance(t[2], URIRef) and t[2].startswith(OWL_NS)
                                        and not isinstance(t[0], Literal)):
            g.add(t)
    return g


def rl_reason(ontology: Graph, instances: Graph, extra_subclass_of: Iterable[tuple[str, str]] = ()) -> RlResult:
    """Materialise ``ontology`` + ``instances`` (+ subclass axioms inferred elsewhere) and check the result."""
    extra = [(URIRef(a), RDFS_SUBCLASSOF, URIRef(b)) for a, b in extra_subclass_of]
    told_graph = [t for g in (ontology, instances) for t in g]
    entailed = materialise(_logical(told_graph) + extra)
    types: dict = defaultdict(set)
    sub: dict = defaultdict(set)
    values: dict = defaultdict(set)  # (s, p) -> objects
    same: set = set()
    superprops: dict = defaultdict(set)
    for s, p, o in entailed:
        if p == RDF_TYPE:
            types[s].add(o)
        elif p == RDFS_SUBCLASSOF and _named_class(s) and _named_class(o):
            sub[s].add(o)
        elif p == OWL_SAMEAS:
            if s != o:
                same.add((s, o))
        elif p == RDFS_SUBPROPERTYOF:
            superprops[s].add(o)
        elif not isinstance(o, Literal) and not str.startswith(p, BUILTIN):
            values[(s, p)].add(o)
    # Data values from the told triples (and their super-properties) only: reasonable applies owl:sameAs
    # to literals too, so after one clash every holder of either value would seem to clash as well.
    for s, p, o in told_graph:
        if isinstance(o, Literal) and not str.startswith(p, BUILTIN):
            for q in superprops.get(p, set()) | {p}:
                values[(s, q)].add(o)
    individuals = _individuals(told_graph)
    told = {(str(s), str(o)) for s, p, o in told_graph if p == RDF_TYPE and s in individuals and _named_class(o)}
    entailed_types = {(str(i), str(c)) for i in individuals for c in types.get(i, ()) if _named_class(c)}
    superclasses = {str(c): {str(d) for d in ds if d != c} for c, ds in sub.items()}
    clashes = _clashes(_axioms(told_graph), individuals, types, values, same, sub)
    return RlResult(entailed_types, told, superclasses, sorted(set(clashes), key=lambda c: (c.individual, c.rule, c.why)))


BUILTIN_ANNOTATIONS = {RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy, OWL.versionInfo, OWL.deprecated,
                       OWL.priorVersion, OWL.backwardCompatibleWith, OWL.incompatibleWith}


def _logical(triples: list[Triple]) -> list[Triple]:
    """The triples that carry OWL meaning: annotation assertions and annotated-axiom records dropped
    (HermiT ignores them too; they are a third of the ontology and would only slow the rules)."""
    annotation = {s for s, p, o in triples if p == RDF_TYPE and o == OWL.AnnotationProperty} | BUILTIN_ANNOTATIONS
    records = {s for s, p, o in triples if p == RDF_TYPE and o == OWL.Axiom}
    return [t for t in triples if t[1] not in annotation and t[0] not in records]


def _individuals(triples: list[Triple]) -> set[URIRef]:
    """IRIs declared owl:NamedIndividual or typed with a class of the ontology, less declared classes and
    properties (punned names): the individuals owlready2 lists, so the two engines' answers compare."""
    typed = {s for s, p, o in triples if isinstance(s, URIRef) and p == RDF_TYPE
             and (o == OWL_NAMEDINDIVIDUAL or _named_class(o))}
    return typed - {s for s, p, o in triples if p == RDF_TYPE and o in DECLARATIONS}


def _pairs(g: Graph, prop, kind) -> set[frozenset]:
    """Pairs said to be disjoint/different, by ``prop`` and by the n-ary ``kind`` axioms (members lists)."""
    out = {frozenset((a, b)) for a, b in g.subject_objects(prop) if a != b}
    for axiom in g.subjects(RDF_TYPE, kind):
        for listprop in (OWL_MEMBERS, OWL_DISTINCTMEMBERS):
            head = g.value(axiom, listprop)
            if head is not None:
                items = list(g.items(head))
                out.update(frozenset((x, y)) for i, x in enumerate(items) for y in items[i + 1:] if x != y)
    return out


def _clashes(g: Graph, individuals, types, values, same, sub) -> list[RuleClash]:
    out: list[RuleClash] = []
    told_disjoint = {frozenset((a, b)) for a, b in g.subject_objects(OWL_DISJOINTWITH) if a != b}
    disjoint = _pairs(g, OWL_DISJOINTWITH, OWL_ALLDISJOINTCLASSES)
    complement = {frozenset((a, b)) for a, b in g.subject_objects(OWL_COMPLEMENTOF)}
    different = _pairs(g, OWL_DIFFERENTFROM, OWL_ALLDIFFERENT)
    for ind in sorted(individuals):
        ts = types.get(ind, set())
        if OWL_NOTHING in ts:
            out.append(RuleClash(str(ind), "cls-nothing2", "is a member of owl:Nothing"))
        for rule, pairs in (("cax-dw", disjoint), ("cls-com", complement)):
            for pair in pairs:
                if pair <= ts:
                    a, b = sorted(pair)
                    word = "disjoint" if rule == "cax-dw" else "complements"
                    rule = rule if rule != "cax-dw" or pair in told_disjoint else "cax-adc"  # owl:AllDisjointClasses
                    out.append(RuleClash(str(ind), rule, f"is both {a} and {b}, which are {word}"))
    for pair in sorted({frozenset(p) for p in same} & different, key=sorted):
        a, b = sorted(pair)
        holders = sorted(f"{s} {p}" for (s, p), objs in values.items() if pair <= objs)
        why = f"{a} and {b} are declared different but entailed to be the same"
        out.append(RuleClash(holders[0].split()[0] if holders else str(a), "eq-diff1",
                             why + (f" (both values of {holders[0].split()[1]})" if holders else "")))
    out += _property_clashes(g, values)
    out += _data_clashes(g, values)
    out += _union_clashes(g, types, values, disjoint)
    return out


def _property_clashes(g: Graph, values) -> list[RuleClash]:
    out = []
    for p in g.subjects(RDF_TYPE, OWL_IRREFLEXIVEPROPERTY):
        out += [RuleClash(str(s), "prp-irp", f"is related to itself by irreflexive {p}")
                for (s, q), objs in values.items() if q == p and s in objs]
    for p in g.subjects(RDF_TYPE, OWL_ASYMMETRICPROPERTY):
        out += [RuleClash(str(s), "prp-asyp", f"{p} holds both ways with {o}, but is asymmetric")
                for (s, q), objs in values.items() if q == p for o in objs if s in values.get((o, p), ())]
    for p1, p2 in g.subject_objects(OWL_PROPERTYDISJOINTWITH):
        out += [RuleClash(str(s), "prp-pdw", f"{p1} and {p2} both relate it to {o}, but are disjoint")
                for (s, q), objs in values.items() if q == p1 for o in objs & values.get((s, p2), set())]
    return out


def _data_clashes(g: Graph, values) -> list[RuleClash]:
    """Functional data properties with two different values, and values outside the range datatype."""
    functional = set(g.subjects(RDF_TYPE, OWL_FUNCTIONALPROPERTY))
    ranges = {p: r for p, r in g.subject_objects(RDFS_RANGE) if isinstance(r, URIRef) and str(r).startswith(str(XSD))}
    out = []
    for (s, p), objs in values.items():
        literals = [o for o in objs if isinstance(o, Literal)]
        if p in functional and len({_data_value(o) for o in literals}) > 1:
            shown = ", ".join(sorted(o.n3() for o in literals))
            out.append(RuleClash(str(s), "prp-fp", f"functional {p} has different values {shown}"))
        if p in ranges:
            for o in literals:
                if not in_datatype(o, ranges[p]):
                    out.append(RuleClash(str(s), "dt-range", f"{p} value {o.n3()} is not in its range {ranges[p]}"))
    return out


def _data_value(lit: Literal):
    """The value a literal denotes, so that ``1``, ``01`` and ``1.0`` (one number) are one value."""
    if lit.datatype in NUMERIC:
        try:
            return ("number", Decimal(str(lit)))
        except InvalidOperation:
            pass
    return ("lexical", str(lit), lit.datatype, lit.language)


INTEGER = {XSD.integer, XSD.positiveInteger, XSD.nonNegativeInteger, XSD.negativeInteger, XSD.nonPositiveInteger,
           XSD.long, XSD.int, XSD.short, XSD.byte, XSD.unsignedLong, XSD.unsignedInt, XSD.unsignedShort, XSD.unsignedByte}
NUMERIC = INTEGER | {XSD.decimal}
_BOUNDS = {XSD.positiveInteger: (1, None), XSD.nonNegativeInteger: (0, None),
           XSD.negativeInteger: (None, -1), XSD.nonPositiveInteger: (None, 0)}
_STRINGS = {XSD.string, XSD.normalizedString, XSD.token}


def in_datatype(lit: Literal, datatype: URIRef) -> bool:
    """Whether ``lit``'s value lies in ``datatype``'s value space, for the XSD types OWL 2 knows.

    Numbers count by value across the integer types and decimal (OWL 2 shares their value space);
    a datatype not handled here is taken as satisfied (HermiT's ``--engine hermit`` decides it).
    """
    dt = lit.datatype or (RDF_LANGSTRING if lit.language else XSD.string)
    if datatype in NUMERIC:
        if dt not in NUMERIC:
            return False
        try:
            value = Decimal(str(lit).strip())
        except InvalidOperation:
            return False
        if datatype in INTEGER and value != value.to_integral_value():
            return False
        low, high = _BOUNDS.get(datatype, (None, None))
        return (low is None or value >= low) and (high is None or value <= high)
    if datatype in _STRINGS:
        return dt in _STRINGS
    if datatype in (XSD.boolean, XSD.dateTime, XSD.anyURI, XSD.date):
        return dt == datatype and lit.ill_typed is not True
    return True


def _union_clashes(g: Graph, types, values, disjoint) -> list[RuleClash]:
    """A subject (object) of a property whose domain (range) is a union, disjoint with every member of it."""
    out = []
    for position, axiom in ((0, RDFS_DOMAIN), (1, RDFS_RANGE)):
        for p, union in g.subject_objects(axiom):
            head = g.value(union, OWL_UNIONOF) if isinstance(union, BNode) else None
            if head is None:
                continue
            members = list(g.items(head))
            for (s, q), objs in values.items():
                if q != p:
                    continue
                for x in [s] if position == 0 else [o for o in objs if not isinstance(o, Literal)]:
                    ts = types.get(x, set())
                    if members and all(any(frozenset((m, t)) in disjoint for t in ts) for m in members):
                        names = " or ".join(sorted(str(m) for m in members))
                        side = "domain" if position == 0 else "range"
                        out.append(RuleClash(str(x), f"{side}-union", f"{p} needs it to be {names}, "
                                                                      "but it is disjoint with each"))
    return out
