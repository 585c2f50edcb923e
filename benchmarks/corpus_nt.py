"""Coded corpora written as N-Triples in the data shape of `prc-kg import-utterances` (the BRIEF12
contract), from conversations given in Python: the writer behind benchmarks/corpus_gen.py, and
the way tests build small corpora whose figures they work out by hand. ``ontology_lines`` gives
the structural triples of the MI codes the analyses read (systems, dimensions with their
speaker, codes with dimension, prc:broaderCode, skos:exactMatch and prc:absenceCode; no labels, so they merge with
the ontology's own), for a store that holds no ontology.
"""

from __future__ import annotations

import sys
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from prc_kg.fileio.ntriples import iri, literal, triple

PRC = "https://w3id.org/prc-kg/ontology/"
DATA = "https://w3id.org/prc-kg/data/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SOSA = "http://www.w3.org/ns/sosa/"
SKOS = "http://www.w3.org/2004/02/skos/core#"

# dimension → (system, speaker whose turns it codes)
DIMENSIONS = {
    "MITI:BEHAVIOUR": ("MITI", "therapist"), "MISC:QUESTION": ("MISC", "therapist"), "MISC:CLIENT": ("MISC", "patient"),
    "MISIMPLE:MAIN": ("MISIMPLE", "therapist"), "MISIMPLE:REFLECTION-TYPE": ("MISIMPLE", "therapist"),
    "MISIMPLE:QUESTION-TYPE": ("MISIMPLE", "therapist"), "MISIMPLE:INPUT-TYPE": ("MISIMPLE", "therapist"),
    "MISIMPLE:CLIENT": ("MISIMPLE", "patient"),
}
# code → (dimension, broader code, exact match)
CODES = {
    "MITI:GI": ("MITI:BEHAVIOUR", None, None), "MITI:PERSUADE": ("MITI:BEHAVIOUR", "MITI:MINA", None),
    "MITI:PERSUADE-WP": ("MITI:BEHAVIOUR", None, None), "MITI:Q": ("MITI:BEHAVIOUR", None, None),
    "MITI:SR": ("MITI:BEHAVIOUR", "MITI:R", None), "MITI:CR": ("MITI:BEHAVIOUR", "MITI:R", None),
    "MITI:AF": ("MITI:BEHAVIOUR", "MITI:MIA", None), "MITI:SEEK": ("MITI:BEHAVIOUR", "MITI:MIA", None),
    "MITI:EMPH": ("MITI:BEHAVIOUR", "MITI:MIA", None), "MITI:CONFRONT": ("MITI:BEHAVIOUR", "MITI:MINA", None),
    "MITI:OTHER": ("MITI:BEHAVIOUR", None, None), "MITI:R": ("MITI:BEHAVIOUR", None, None),
    "MITI:MIA": ("MITI:BEHAVIOUR", None, None), "MITI:MINA": ("MITI:BEHAVIOUR", None, None),
    "MISC:OQ": ("MISC:QUESTION", "MITI:Q", None), "MISC:CQ": ("MISC:QUESTION", "MITI:Q", None),
    "MISC:CT": ("MISC:CLIENT", None, None), "MISC:ST": ("MISC:CLIENT", None, None),
    "MISC:FN": ("MISC:CLIENT", None, None),
    "MISIMPLE:REFLECTION": ("MISIMPLE:MAIN", None, "MITI:R"), "MISIMPLE:QUESTION": ("MISIMPLE:MAIN", None, "MITI:Q"),
    "MISIMPLE:INPUT": ("MISIMPLE:MAIN", None, None), "MISIMPLE:OTHER": ("MISIMPLE:MAIN", None, None),
    "MISIMPLE:SIMPLE": ("MISIMPLE:REFLECTION-TYPE", "MISIMPLE:REFLECTION", "MITI:SR"),
    "MISIMPLE:COMPLEX": ("MISIMPLE:REFLECTION-TYPE", "MISIMPLE:REFLECTION", "MITI:CR"),
    "MISIMPLE:OPEN": ("MISIMPLE:QUESTION-TYPE", "MISIMPLE:QUESTION", "MISC:OQ"),
    "MISIMPLE:CLOSED": ("MISIMPLE:QUESTION-TYPE", "MISIMPLE:QUESTION", "MISC:CQ"),
    "MISIMPLE:INFORMATION": ("MISIMPLE:INPUT-TYPE", "MISIMPLE:INPUT", "MITI:GI"),
    "MISIMPLE:ADVICE": ("MISIMPLE:INPUT-TYPE", "MISIMPLE:INPUT", None), "MISIMPLE:NEGOTIATION": ("MISIMPLE:INPUT-TYPE", "MISIMPLE:INPUT", None),
    "MISIMPLE:OPTIONS": ("MISIMPLE:INPUT-TYPE", "MISIMPLE:INPUT", None),
    "MISIMPLE:CHANGE": ("MISIMPLE:CLIENT", None, "MISC:CT"), "MISIMPLE:NEUTRAL": ("MISIMPLE:CLIENT", None, "MISC:FN"),
    "MISIMPLE:SUSTAIN": ("MISIMPLE:CLIENT", None, "MISC:ST"),
    # absence codes: an annotator's judgement that the sub-type dimension's behaviour is missing
    "MISIMPLE:NO-REFLECTION": ("MISIMPLE:REFLECTION-TYPE", None, None),
    "MISIMPLE:NO-QUESTION": ("MISIMPLE:QUESTION-TYPE", None, None),
    "MISIMPLE:NO-INPUT": ("MISIMPLE:INPUT-TYPE", None, None),
}
# the codes marked prc:absenceCode true
ABSENCE = frozenset({"MISIMPLE:NO-REFLECTION", "MISIMPLE:NO-QUESTION", "MISIMPLE:NO-INPUT"})


def item(code: str) -> str:
    """The ontology IRI of an item code (':' → '_')."""
    return PRC + code.replace(":", "_")


def _id(value: str) -> str:
    """An id part of an IRI, percent-encoded unless it is [A-Za-z0-9_.-]+ already."""
    return value if value and all(c.isalnum() and c.isascii() or c in "_.-" for c in value) else urllib.parse.quote(
        value, safe="")


def ontology_lines() -> Iterable[str]:
    """The structural triples of the MI coding systems the analyses read."""
    for system in sorted({s for s, _ in DIMENSIONS.values()}):
        yield triple(iri(PRC + system), iri(RDF_TYPE), iri(PRC + "CodingSystem"))
    for dimension, (system, speaker) in DIMENSIONS.items():
        d = iri(item(dimension))
        yield triple(d, iri(RDF_TYPE), iri(PRC + "CodingDimension"))
        yield triple(d, iri(PRC + "itemCode"), literal(dimension))
        yield triple(d, iri(PRC + "partOfInstrument"), iri(PRC + system))
        yield triple(d, iri(PRC + "speakerRole"), literal(speaker))
    for code, (dimension, broader, exact) in CODES.items():
        c = iri(item(code))
        yield triple(c, iri(RDF_TYPE), iri(PRC + "UtteranceCode"))
        yield triple(c, iri(PRC + "itemCode"), literal(code))
        yield triple(c, iri(PRC + "inDimension"), iri(item(dimension)))
        if broader:
            yield triple(c, iri(PRC + "broaderCode"), iri(item(broader)))
        if exact:
            yield triple(c, iri(SKOS + "exactMatch"), iri(item(exact)))
        if code in ABSENCE:
            yield triple(c, iri(PRC + "absenceCode"), literal("true", "boolean"))


@dataclass
class Turn:
    order: str  # the order value as a file writes it
    speaker: str  # therapist or patient
    annotations: list[tuple[str, str, str, str | None]]  # (dimension, code, cell value, annotator id or None)
    text: str | None = None
    timestamp: str | None = None


@dataclass
class Dialogue:
    conversation_id: str
    attributes: dict[str, str] = field(default_factory=dict)
    turns: list[Turn] = field(default_factory=list)


def corpus_ntriples(corpus: str, dialogues: list[Dialogue], attribute_types: dict[str, str], out: TextIO) -> int:
    """Write the corpus as the import writes it; returns the number of triples. An annotation
    without an annotator is numbered among the utterance's annotations on its dimension."""
    count = 0

    def emit(s: str, p: str, o: str) -> None:
        nonlocal count
        out.write(triple(s, p, o))
        count += 1

    a, named, label = iri(RDF_TYPE), iri(OWL + "NamedIndividual"), iri(RDFS + "label")
    root = DATA + "corpus/" + corpus
    emit(iri(root), a, iri(PRC + "CodedCorpus"))
    emit(iri(root), a, named)
    emit(iri(root), label, literal(f"corpus {corpus}"))
    for name, kind in attribute_types.items():
        prop = iri(f"{root}/attribute/{_id(name)}")
        emit(prop, a, iri(OWL + "DatatypeProperty"))
        emit(prop, iri(RDFS + "subPropertyOf"), iri(PRC + "conversationAttribute"))
        emit(prop, label, literal(name))
        emit(prop, iri(RDFS + "range"), iri(XSD + kind))
    annotators: set[str] = set()
    for dialogue in dialogues:
        cid = dialogue.conversation_id
        v = f"{root}/conversation/{_id(cid)}"
        emit(iri(v), a, iri(PRC + "Session"))
        emit(iri(v), a, named)
        emit(iri(v), iri(PRC + "inCorpus"), iri(root))
        emit(iri(v), label, literal(f"conversation {cid} of corpus {corpus}"))
        for name, value in dialogue.attributes.items():
            emit(iri(v), iri(f"{root}/attribute/{_id(name)}"), literal(value, attribute_types[name]))
        for role, cls in (("therapist", "Psychotherapist"), ("patient", "Patient")):
            emit(iri(f"{v}/{role}"), a, iri(PRC + cls))
            emit(iri(f"{v}/{role}"), a, named)
            emit(iri(f"{v}/{role}"), label, literal(f"{role} of conversation {cid} of corpus {corpus}"))
        for position, turn in enumerate(dialogue.turns, start=1):
            u = f"{v}/utterance/{_id(turn.order)}"
            emit(iri(u), a, iri(PRC + ("TherapistTurn" if turn.speaker == "therapist" else "PatientTurn")))
            emit(iri(u), a, iri(PRC + "TurnOfSpeech"))
            emit(iri(u), a, named)
            emit(iri(u), label, literal(f"utterance {turn.order} of conversation {cid} of corpus {corpus}"))
            emit(iri(u), iri(PRC + "partOfSession"), iri(v))
            emit(iri(u), iri(PRC + "tosNumber"), literal(str(position), "integer"))
            emit(iri(u), iri(PRC + "positionInSession"), literal(str(position), "integer"))
            emit(iri(u), iri(PRC + "utteranceId"), literal(turn.order))
            emit(iri(u), iri(PRC + "spokenBy"), iri(f"{v}/{turn.speaker}"))
            if turn.text is not None:
                emit(iri(u), iri(PRC + "text"), literal(turn.text))
            if turn.timestamp is not None:
                emit(iri(u), iri(PRC + "timestamp"), literal(turn.timestamp))
            if position < len(dialogue.turns):
                nxt = f"{v}/utterance/{_id(dialogue.turns[position].order)}"
                emit(iri(u), iri(PRC + "immediatelyFollowedBy"), iri(nxt))
            numbered: dict[str, int] = {}
            for dimension, code, cell, annotator in turn.annotations:
                local = dimension.replace(":", "_")
                if annotator is None:
                    numbered[dimension] = numbered.get(dimension, 0) + 1
                    n = iri(f"{u}/annotation/{local}/{numbered[dimension]}")
                else:
                    n = iri(f"{u}/annotation/{local}/{_id(annotator)}")
                emit(n, a, iri(PRC + "CodeAnnotation"))
                emit(n, a, named)
                emit(n, iri(SOSA + "hasFeatureOfInterest"), iri(u))
                emit(n, iri(SOSA + "observedProperty"), iri(item(dimension)))
                emit(n, iri(PRC + "assignedCode"), iri(item(code)))
                if annotator is None:
                    emit(n, iri(PRC + "annotationIndex"), literal(str(numbered[dimension]), "integer"))
                else:
                    emit(n, iri(SOSA + "madeBySensor"), iri(f"{root}/annotator/{_id(annotator)}"))
                    annotators.add(annotator)
                emit(n, iri(PRC + "sourceCode"), literal(cell))
    for annotator in sorted(annotators):
        r = iri(f"{root}/annotator/{_id(annotator)}")
        emit(r, a, iri(PRC + "Rater"))
        emit(r, a, named)
        emit(r, label, literal(f"annotator {annotator} of corpus {corpus}"))
    return count
