"""The utterance codes the ontology defines, as the corpus analyses use them: labels, dimensions,
and which summary categories a code counts toward.

A code counts toward a category when the category is the code itself, a code it is
``skos:exactMatch`` to (read both ways, and transitively, as SKOS defines the relation), or a code
reached from those by ``prc:broaderCode`` (and their exact matches in turn). So MISIMPLE:COMPLEX
counts as MITI:CR and as MITI:R, and MISC:OQ as MITI:Q. An absence code (``prc:absenceCode``, such
as MISIMPLE:NO-REFLECTION) records an annotator's judgement that a behaviour is missing: it counts
toward nothing, and the analyses that count behaviours leave it out (``CodeIndex.absence``). All
links come from one packaged query.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ..store.backends import Store
from ..store.querylib import packaged_query


@dataclass(frozen=True)
class CodeIndex:
    labels: dict[str, str]  # item code → label
    dimension: dict[str, str]  # code → its dimension's item code
    role: dict[str, str]  # dimension → "therapist" or "patient"
    broader: dict[str, frozenset[str]]  # code → codes it has prc:broaderCode to
    exact: dict[str, frozenset[str]]  # code → codes exactly matching it (either direction)
    absence: frozenset[str] = frozenset()  # the absence codes: a judgement that a behaviour is missing
    _reach: dict[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)

    def reaches(self, code: str) -> frozenset[str]:
        """The code and every category it counts toward (exact matches and broader codes, closed)."""
        found = self._reach.get(code)
        if found is None:
            seen, todo = {code}, [code]
            while todo:
                current = todo.pop()
                for nxt in self.exact.get(current, frozenset()) | self.broader.get(current, frozenset()):
                    if nxt not in seen:
                        seen.add(nxt)
                        todo.append(nxt)
            found = self._reach[code] = frozenset(seen)
        return found

    def label(self, code: str) -> str:
        return self.labels.get(code, code)


def read_code_index(store: Store) -> CodeIndex:
    """Every code with an item code and a dimension, its label and links (empty when the store
    holds no coding ontology)."""
    labels: dict[str, set[str]] = defaultdict(set)
    dimension, role = {}, {}
    broader: dict[str, set[str]] = defaultdict(set)
    exact: dict[str, set[str]] = defaultdict(set)
    absence: set[str] = set()
    for code, dimension_code, speaker, label, relation, target, absent in store.query(
            packaged_query("corpus/code_links")).rows:
        if absent is not None and absent.value.strip() in ("true", "1"):
            absence.add(code.value)
        if dimension_code is not None:
            dimension[code.value] = dimension_code.value
            if speaker is not None:
                role[dimension_code.value] = speaker.value
        if label is not None:
            labels[code.value].add(label.value)
        if relation is not None and target is not None and target.value != code.value:
            if relation.value == "broader":
                broader[code.value].add(target.value)
            else:
                exact[code.value].add(target.value)
                exact[target.value].add(code.value)
    return CodeIndex({code: min(names) for code, names in labels.items()}, dimension, role,
                     {code: frozenset(targets) for code, targets in broader.items()},
                     {code: frozenset(targets) for code, targets in exact.items()}, frozenset(absence))


__all__ = ["CodeIndex", "read_code_index"]
