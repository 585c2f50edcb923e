"""What a QC finding means for the person fixing it: the label of the term beside its IRI and a hint
of what is expected, from the graph itself: the opening a definition should have (its parent's
label), the declared term a misspelt IRI most likely meant (by edit distance over the known
terms), the other term holding a duplicated label, the allowed tags and item codes.

A check file may also carry a fixed ``# hint:`` line, used when no rule below knows better.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import cached_property

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from ..vocab import PRC, PREFIXES, PROVENANCE_TAGS
from .qc import QcViolation

_PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Edit distance of ``a`` and ``b`` (insertions, deletions, substitutions and swaps of two neighbours,
    the slips of typing), or ``limit + 1`` once it is sure to exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]


def closest(word: str, known: Iterable[str]) -> str | None:
    """The known word nearest ``word`` (case aside), if near enough to be a slip: at most a quarter of
    its letters (and at least two) changed; ties go to the alphabetically first, so the hint is stable."""
    limit = max(2, len(word) // 4)
    best: tuple[int, str] | None = None
    for candidate in sorted(set(known)):
        if candidate == word:
            continue
        distance = edit_distance(word.casefold(), candidate.casefold(), limit)
        if distance <= limit and (best is None or distance < best[0]):
            best = (distance, candidate)
    return best[1] if best else None


def curie(iri: str) -> str:
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns) and re.fullmatch(r"[A-Za-z0-9_.\-]+", iri[len(ns):]):
            return f"{prefix}:{iri[len(ns):]}"
    return f"<{iri}>"


def genus_opening(parent_label: str) -> str:
    """``A therapist intervention`` / ``An interpretation``: how a definition under ``parent_label`` opens."""
    genus = re.sub(r" \(.*\)$", "", parent_label)
    return ("An " if genus[:1].lower() in "aeiou" else "A ") + genus.lower()


class _Index:
    """The lookups hints need, over the graph the checks ran on."""

    def __init__(self, g: Graph) -> None:
        self.g = g

    def label(self, iri: str) -> str:
        values = sorted(self.g.objects(URIRef(iri), RDFS.label),
                        key=lambda v: (getattr(v, "language", None) not in ("en", None), str(v)))
        values = values or list(self.g.objects(URIRef(iri), SKOS.prefLabel))
        return str(values[0]) if values else ""

    def named(self, iri: str) -> str:
        label = self.label(iri)
        return f'{curie(iri)} "{label}"' if label else curie(iri)

    @cached_property
    def declared(self) -> dict[str, list[str]]:
        """Declared IRIs (those with any rdf:type) by namespace, for guessing what a misspelt one meant."""
        found: dict[str, list[str]] = {}
        for s in set(self.g.subjects(RDF.type, None)):
            if isinstance(s, URIRef):
                ns, local = _split(str(s))
                found.setdefault(ns, []).append(local)
        return found

    @cached_property
    def properties(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for kind in _PROPERTY_TYPES:
            for s in self.g.subjects(RDF.type, kind):
                if isinstance(s, URIRef):
                    ns, local = _split(str(s))
                    found.setdefault(ns, []).append(local)
        return found

    @cached_property
    def item_codes(self) -> list[str]:
        return [str(code) for code in self.g.objects(None, PRC.itemCode)]

    def guess(self, iri: str, known: dict[str, list[str]]) -> str:
        ns, local = _split(iri)
        match = closest(local, known.get(ns, []))
        return f"; did you mean {self.named(ns + match)}?" if match else ""


def _split(iri: str) -> tuple[str, str]:
    cut = max(iri.rfind("/"), iri.rfind("#")) + 1
    return iri[:cut], iri[cut:]


def _parent_opening(ix: _Index, v: QcViolation) -> str:
    parents = [p for p in ix.g.objects(URIRef(v.entity), RDFS.subClassOf) if isinstance(p, URIRef)]
    labels = [ix.label(str(p)) for p in parents]
    if len(parents) != 1 or not labels[0]:
        return ""
    return (f'expected it to open with "{genus_opening(labels[0])} …" (its parent is '
            f"{ix.named(str(parents[0]))})")


def _missing_definition(ix: _Index, v: QcViolation) -> str:
    opening = _parent_opening(ix, v)
    return opening.replace("expected it to open with", "add skos:definition, opening with") if opening else ""


def _dangling(ix: _Index, v: QcViolation) -> str:
    return f"{curie(v.value)} is declared nowhere" + ix.guess(v.value, ix.declared)


def _undeclared_property(ix: _Index, v: QcViolation) -> str:
    return f"{curie(v.property)} is not a declared property" + ix.guess(v.property, ix.properties)


def _duplicate(ix: _Index, v: QcViolation) -> str:
    others = sorted({str(o) for o in ix.g.subjects(RDFS.label, None) if isinstance(o, URIRef) and str(o) != v.entity
                     and any(str(lab).lower() == v.value.lower() for lab in ix.g.objects(o, RDFS.label)
                             if isinstance(lab, Literal))})
    return ("also the label of " + ", ".join(curie(o) for o in others[:3])) if others else ""


def _tag(ix: _Index, v: QcViolation) -> str:
    match = closest(v.value, PROVENANCE_TAGS)
    return f"expected one of {', '.join(sorted(PROVENANCE_TAGS))}" + (f"; did you mean {match}?" if match else "")


def _item(ix: _Index, v: QcViolation) -> str:
    match = closest(v.value, ix.item_codes)
    return f"no item has the code {v.value}" + (f"; did you mean {match}?" if match else "")


RULES: dict[str, Callable[[_Index, QcViolation], str]] = {
    "definition_parent_label": _parent_opening,
    "missing_definition": _missing_definition,
    "dangling_reference": _dangling,
    "undeclared_property": _undeclared_property,
    "duplicate_label": _duplicate,
    "invalid_provenance_tag": _tag,
    "dangling_item_xref": _item,
}


def explain(violations: list[QcViolation], g: Graph, fixed: dict[str, str] | None = None) -> list[QcViolation]:
    """The violations with the entity's label and a hint filled in (``fixed``: a check's ``# hint:`` line)."""
    ix, fixed = _Index(g), fixed or {}
    out = []
    for v in violations:
        rule = RULES.get(v.rule)
        hint = (rule(ix, v) if rule else "") or fixed.get(v.rule, "")
        out.append(replace(v, label=ix.label(v.entity), hint=hint))
    return out


__all__ = ["RULES", "closest", "curie", "edit_distance", "explain", "genus_opening"]
