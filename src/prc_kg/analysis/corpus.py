"""Coded corpora read back from a store: conversations in order, their attributes, utterances and
every annotator's codes, and the primary code per coding dimension that the sequential analyses
and profiles count.

The whole corpus comes in one packaged query (``corpus/utterances``), so reading 10,000
utterances with 20,000 annotations costs one round trip, also against a remote endpoint. Codes
and dimensions are their item codes (``MISIMPLE:REFLECTION``); an annotation without an annotator
(a file without an annotator column) is named ``#k`` after its ``prc:annotationIndex``.
"""

from __future__ import annotations

import re
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyoxigraph as ox

from ..errors import PrcKgError
from ..store.backends import Store
from ..store.querylib import packaged_query
from ..vocab import DATA_IRI, PRC_IRI

if TYPE_CHECKING:
    from .codes import CodeIndex

CORPUS_IRI = DATA_IRI + "corpus/"
SPEAKERS = {PRC_IRI + "TherapistTurn": "therapist", PRC_IRI + "PatientTurn": "patient"}
TIE_RULE = ("primary code per dimension: the code most annotators gave; on a tie, the code of the annotator "
            "whose id sorts first among those who gave a tied code (numbers inside ids compared as numbers, "
            "so a2 before a10; unnamed annotations #k by the lowest k); a subtype whose main code lost on the "
            "main dimension is dropped (complex reflection where question won) unless an annotator who gave it "
            "also gave the winning main code; an absence code (no reflection, no question, no input) takes part "
            "in the vote like any code, and where it wins no sub-type is primary")


class UnknownName(PrcKgError):
    """A corpus, attribute, dimension or speaker asked for that the data does not have; the message
    lists the known ones."""


@dataclass(frozen=True)
class Annotation:
    dimension: str  # item code of the coding dimension, e.g. MISIMPLE:MAIN
    code: str  # item code of the code, e.g. MISIMPLE:REFLECTION
    annotator: str  # annotator id, or "#k" for the k-th unnamed annotation


@dataclass(frozen=True)
class Utterance:
    iri: str
    position: int  # 1..n within the conversation
    utterance_id: str  # the order value as the file wrote it
    speaker: str  # "therapist" or "patient"
    text: str | None
    timestamp: str | None
    annotations: tuple[Annotation, ...]


@dataclass(frozen=True)
class Conversation:
    iri: str
    corpus: str
    conversation_id: str
    attributes: dict[str, str]  # attribute name (the property's rdfs:label) → value as written
    utterances: tuple[Utterance, ...]


def natural_key(text: str) -> tuple:
    """Sort key that compares runs of digits as numbers: "2" before "10", "#2" before "#10"."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text) if part)


def primary_codes(utterance: Utterance, index: CodeIndex | None = None) -> dict[str, str]:
    """The primary code of each dimension the utterance is coded on: the code given by most of its
    annotators; on a tie, the code of the annotator whose id sorts first (``natural_key``) among
    the annotators who gave one of the tied codes, which for unnamed annotations ``#k`` is the
    lowest k. The rule is arbitrary but fixed, so the same data always gives the same codes.

    Each dimension is decided alone, so where annotators disagree on the main behaviour a subtype
    can survive whose main code lost (one says question and open, the other reflection and
    complex: question wins the tie, and complex is the only reflection type given). With the
    ontology's ``index``, such a code is dropped: a primary code that counts toward a code of
    another dimension of the utterance (complex reflection → reflection) is kept only when that
    code is the other dimension's primary code, or when an annotator who gave it also gave that
    dimension's primary code (an utterance one annotator codes as a question holding a complex
    reflection, as corpora that mark each behaviour present do, keeps both).

    An absence code (MISIMPLE:NO-REFLECTION: the annotator found no reflection) votes like any
    code: where most annotators found none, it is the dimension's primary code and no sub-type is.
    It counts toward nothing, so it is never dropped; the analyses that count behaviours leave it
    out (``behaviour_codes``)."""
    by_dimension: dict[str, list[Annotation]] = defaultdict(list)
    for annotation in utterance.annotations:
        by_dimension[annotation.dimension].append(annotation)
    out = {}
    for dimension, given in by_dimension.items():
        counts = Counter(a.code for a in given)
        top = max(counts.values())
        tied = [a for a in given if counts[a.code] == top]
        out[dimension] = min(tied, key=lambda a: (natural_key(a.annotator), a.code)).code
    if index is None or len(out) < 2:
        return out

    def consistent(dimension: str, code: str) -> bool:
        givers = {a.annotator for a in by_dimension[dimension] if a.code == code}
        for category in index.reaches(code):
            other = index.dimension.get(category)
            if (other is not None and other != dimension and other in out and out[other] != category
                    and not any(a.annotator in givers and a.code == out[other] for a in by_dimension[other])):
                return False
        return True

    return {dimension: code for dimension, code in out.items() if consistent(dimension, code)}


def behaviour_codes(codes: dict[str, str], index: CodeIndex | None, absence: bool = False) -> dict[str, str]:
    """Primary codes without the absence codes the ontology marks (``absence`` True keeps them):
    an absence code is a judgement that a behaviour is missing, not a behaviour to count."""
    if absence or index is None or not index.absence:
        return codes
    return {dimension: code for dimension, code in codes.items() if code not in index.absence}


def absence_codes_used(conversations: list[Conversation], index: CodeIndex | None) -> list[str]:
    """The absence codes the conversations' annotations give, sorted (for the notes of the analyses)."""
    if index is None or not index.absence:
        return []
    return sorted({a.code for c in conversations for u in c.utterances for a in u.annotations
                   if a.code in index.absence})


def corpus_names(store: Store) -> list[str]:
    """The names of the coded corpora in the store, sorted."""
    names = {_after(row[0].value, CORPUS_IRI) for row in store.query(packaged_query("corpus/corpora")).rows}
    return sorted(names, key=natural_key)


def read_corpus(store: Store, corpus: str | None = None) -> list[Conversation]:
    """Every conversation of ``corpus`` (all coded corpora when None), by corpus name and
    conversation id (numbers compared as numbers), utterances by position. An unknown corpus
    raises UnknownName listing the known ones; a store without any coded corpus gives []."""
    bindings = None
    if corpus is not None:
        known = corpus_names(store)
        if corpus not in known:
            raise UnknownName(f"no corpus {corpus!r} in the store; "
                              + (f"known corpora: {', '.join(known)}" if known else
                                 "it holds no coded corpus (import one with `prc-kg import-utterances` and load it)"))
        bindings = {"corpus": ox.NamedNode(CORPUS_IRI + urllib.parse.quote(corpus, safe=""))}
    attributes: dict[str, dict[str, str]] = defaultdict(dict)
    corpora: dict[str, str] = {}
    utterances: dict[str, dict[str, list]] = defaultdict(dict)
    for (corpus_term, conversation, attribute, value, utterance, position, utterance_id, kind, text, timestamp,
         dimension, dimension_code, code, code_code, annotator, index) in store.query(
            packaged_query("corpus/utterances"), bindings).rows:
        key = conversation.value
        corpora[key] = corpus_term.value
        if attribute is not None:
            attributes[key][attribute.value] = value.value
            continue
        entry = utterances[key].get(utterance.value)
        if entry is None:
            entry = utterances[key][utterance.value] = [
                int(position.value), utterance_id.value if utterance_id is not None else position.value,
                SPEAKERS.get(kind.value, "unknown") if kind is not None else "unknown",
                text.value if text is not None else None, timestamp.value if timestamp is not None else None, set()]
        if code is not None:
            who = (_after(annotator.value, corpus_term.value + "/annotator/") if annotator is not None
                   else f"#{index.value}" if index is not None else "#1")
            entry[5].add(Annotation(_code(dimension, dimension_code), _code(code, code_code), who))
    out = []
    for key, corpus_iri in corpora.items():
        found = sorted(utterances.get(key, {}).items(), key=lambda item: item[1][0])
        out.append(Conversation(
            key, _after(corpus_iri, CORPUS_IRI), _after(key, corpus_iri + "/conversation/"),
            dict(sorted(attributes.get(key, {}).items())),
            tuple(Utterance(iri, position, uid, speaker, text, timestamp,
                            tuple(sorted(given, key=lambda a: (a.dimension, natural_key(a.annotator), a.code))))
                  for iri, (position, uid, speaker, text, timestamp, given) in found)))
    out.sort(key=lambda c: (natural_key(c.corpus), natural_key(c.conversation_id)))
    return out


def _after(iri: str, prefix: str) -> str:
    """The decoded id at the end of an IRI made as the import makes it (``prefix`` + quoted id)."""
    return urllib.parse.unquote(iri[len(prefix):]) if iri.startswith(prefix) else iri


def _code(term, item_code) -> str:
    """An item code; for a code the store has no ``prc:itemCode`` for (the ontology not loaded),
    the one its IRI encodes (``prc:MISIMPLE_REFLECTION`` → ``MISIMPLE:REFLECTION``)."""
    if item_code is not None:
        return item_code.value
    value = term.value
    if value.startswith(PRC_IRI):
        return value[len(PRC_IRI):].replace("_", ":", 1)
    return value


def known_attributes(conversations: list[Conversation]) -> list[str]:
    return sorted({name for c in conversations for name in c.attributes}, key=natural_key)


def check_attribute(conversations: list[Conversation], name: str) -> None:
    """Raise UnknownName, listing the attributes the conversations have, when ``name`` is not one."""
    known = known_attributes(conversations)
    if name not in known:
        raise UnknownName(f"no conversation attribute {name!r}; "
                          + (f"known attributes: {', '.join(known)}" if known else "these conversations have none"))


def strata(conversations: list[Conversation], by: str) -> dict[str, list[Conversation]]:
    """Conversations grouped by the value of attribute ``by`` (sorted values; conversations without
    the attribute are left out)."""
    check_attribute(conversations, by)
    groups: dict[str, list[Conversation]] = defaultdict(list)
    for c in conversations:
        if by in c.attributes:
            groups[c.attributes[by]].append(c)
    return {value: groups[value] for value in sorted(groups, key=natural_key)}


__all__ = ["TIE_RULE", "Annotation", "Conversation", "UnknownName", "Utterance", "absence_codes_used",
           "behaviour_codes", "check_attribute", "corpus_names", "known_attributes", "natural_key", "primary_codes",
           "read_corpus", "strata"]
