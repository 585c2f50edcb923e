"""A checked utterance corpus written from the working tables as N-Triples (see BRIEF of issue 12,
"Data written by the import"): the corpus, its attribute properties, conversations as sessions
with a therapist and a patient, utterances as turns of speech in order, and one SOSA observation
per annotation (utterance, dimension, code, annotator).

Everything is read back from SQLite in a fixed order, so the same file gives the same bytes.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from urllib.parse import quote

from ..fileio.files import streamed_output
from ..fileio.ntriples import iri, literal, triple
from ..ontology.terms import TermIndex
from ..vocab import DATA_IRI, PRC_IRI
from .utterance_layout import Layout
from .utterance_rows import Plan

RDF_TYPE = iri("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = iri("http://www.w3.org/2000/01/rdf-schema#label")
NAMED = iri("http://www.w3.org/2002/07/owl#NamedIndividual")
DATATYPE_PROPERTY = iri("http://www.w3.org/2002/07/owl#DatatypeProperty")
SUBPROPERTY = iri("http://www.w3.org/2000/01/rdf-schema#subPropertyOf")
RANGE = iri("http://www.w3.org/2000/01/rdf-schema#range")
XSD = "http://www.w3.org/2001/XMLSchema#"
SOSA = "http://www.w3.org/ns/sosa/"
SAFE = re.compile(r"[A-Za-z0-9_.-]+")
TURN = {"therapist": "TherapistTurn", "patient": "PatientTurn"}


def part(value: str) -> str:
    """An id as one segment of an IRI path: as it is when made of letters, digits, '_', '.' and '-'
    (but not only dots, which IRI resolution would read as "this" or "up"), else percent-encoded."""
    if SAFE.fullmatch(value) and value.strip("."):
        return value
    encoded = quote(value, safe="")
    return encoded if value.strip(".") else encoded.replace(".", "%2E")


def corpus_iri(corpus: str) -> str:
    return f"{DATA_IRI}corpus/{corpus}"


def conversation_iri(corpus: str, conversation: str) -> str:
    return f"{corpus_iri(corpus)}/conversation/{part(conversation)}"


def _p(name: str) -> str:
    return iri(f"{PRC_IRI}{name}")


def write_corpus(db: sqlite3.Connection, layout: Layout, plan: Plan, corpus: str, output: Path, terms: TermIndex,
                 text: bool) -> tuple[int, int, int, int, int]:
    """Write the corpus; return (conversations, utterances, annotations, annotators, triples)."""
    counts = {"conversations": 0, "utterances": 0, "annotations": 0, "annotators": 0, "triples": 0}
    codes = terms.utterance_codes
    with streamed_output(output) as out:
        def emit(s: str, p: str, o: str) -> None:
            out.write(triple(s, p, o))
            counts["triples"] += 1

        def individual(s: str, label: str, *classes: str) -> None:
            emit(s, RDF_TYPE, NAMED)
            for cls in classes:
                emit(s, RDF_TYPE, _p(cls))
            emit(s, LABEL, literal(label))

        base = corpus_iri(corpus)
        individual(iri(base), f"corpus {corpus}", "CodedCorpus")
        if layout.constructed:
            emit(iri(base), _p("constructedForTeaching"), literal("true", "boolean"))
        attributes = [(attr, iri(f"{base}/attribute/{part(attr.name)}")) for attr, _ in plan.attributes]
        for attr, prop in sorted(attributes, key=lambda a: a[0].name):
            emit(prop, RDF_TYPE, DATATYPE_PROPERTY)
            emit(prop, SUBPROPERTY, _p("conversationAttribute"))
            emit(prop, LABEL, literal(attr.name))
            emit(prop, RANGE, iri(XSD + attr.type))
        values = "".join(f", c.v{i}" for i in range(len(attributes)))
        for conv, *attrs in db.execute(
                f"""SELECT c.conv{values} FROM (SELECT MIN(line) AS line FROM c GROUP BY conv) f
                    JOIN c ON c.line = f.line ORDER BY c.conv"""):
            counts["conversations"] += 1
            v = conversation_iri(corpus, conv)
            individual(iri(v), f"conversation {conv} of corpus {corpus}", "Session")
            emit(iri(v), _p("inCorpus"), iri(base))
            for (attr, prop), value in zip(attributes, attrs):
                if value is not None:
                    emit(iri(v), prop, literal(value, attr.type))
            for role, cls in (("therapist", "Psychotherapist"), ("patient", "Patient")):
                individual(iri(f"{v}/{role}"), f"{role} of conversation {conv} of corpus {corpus}", cls)
        for (annotator,) in db.execute("SELECT DISTINCT annotator FROM u WHERE annotator IS NOT NULL "
                                       "ORDER BY annotator"):
            counts["annotators"] += 1
            individual(iri(f"{base}/annotator/{part(annotator)}"), f"annotator {annotator} of corpus {corpus}",
                       "Rater")
        _utterances(db, corpus, text, emit, individual, counts)
        _annotations(db, corpus, "annotator" in plan.roles, codes, emit, counts)
    return (counts["conversations"], counts["utterances"], counts["annotations"], counts["annotators"],
            counts["triples"])


def _utterances(db: sqlite3.Connection, corpus: str, text: bool, emit, individual, counts: dict) -> None:
    """Each utterance once (from its first row): its type, place, speaker, words, timestamp and successor."""
    previous: tuple[str, str] | None = None  # (conversation, IRI) of the utterance before
    position = 0
    for conv, order, order_text, speaker, words, stamp in db.execute(
            """SELECT u.conv, u.ord, u.ord_text, u.speaker, u.text, u.ts
               FROM (SELECT MIN(line) AS line FROM u GROUP BY conv, ord) f JOIN u ON u.line = f.line
               ORDER BY u.conv, u.ord"""):
        counts["utterances"] += 1
        v = conversation_iri(corpus, conv)
        u = iri(f"{v}/utterance/{order}")
        position = position + 1 if previous is not None and previous[0] == conv else 1
        individual(u, f"utterance {order_text} of conversation {conv} of corpus {corpus}", "TurnOfSpeech",
                   TURN[speaker])
        emit(u, _p("partOfSession"), iri(v))
        emit(u, _p("tosNumber"), literal(str(position), "positiveInteger"))
        emit(u, _p("positionInSession"), literal(str(position), "positiveInteger"))  # as the shapes ask of a turn
        emit(u, _p("utteranceId"), literal(order_text))
        emit(u, _p("spokenBy"), iri(f"{v}/{speaker}"))
        if text and words is not None:
            emit(u, _p("text"), literal(words))
        if stamp is not None:
            emit(u, _p("timestamp"), literal(stamp))
        if previous is not None and previous[0] == conv:
            emit(previous[1], _p("immediatelyFollowedBy"), u)
        previous = (conv, u)


def _annotations(db: sqlite3.Connection, corpus: str, named: bool, codes: dict, emit, counts: dict) -> None:
    """One observation per annotation: by the row's annotator, or the k-th row of the utterance."""
    base = corpus_iri(corpus)
    for conv, order, annotator, k, dim, code, source in db.execute(
            """WITH r AS (SELECT line, conv, ord, annotator,
                                 ROW_NUMBER() OVER (PARTITION BY conv, ord ORDER BY line) AS k FROM u)
               SELECT r.conv, r.ord, r.annotator, r.k, a.dim, a.code, a.source FROM a JOIN r ON r.line = a.line
               ORDER BY r.conv, r.ord, a.dim, r.annotator, r.k"""):
        counts["annotations"] += 1
        info = codes[code]
        u = f"{conversation_iri(corpus, conv)}/utterance/{order}"
        who = part(annotator) if named else str(k)
        s = iri(f"{u}/annotation/{dim.replace(':', '_')}/{who}")
        emit(s, RDF_TYPE, NAMED)
        emit(s, RDF_TYPE, _p("CodeAnnotation"))
        emit(s, iri(f"{SOSA}hasFeatureOfInterest"), iri(u))
        emit(s, iri(f"{SOSA}observedProperty"), iri(str(info.dimension_iri)))
        emit(s, _p("assignedCode"), iri(str(info.iri)))
        if named:
            emit(s, iri(f"{SOSA}madeBySensor"), iri(f"{base}/annotator/{part(annotator)}"))
        else:
            emit(s, _p("annotationIndex"), literal(str(k), "positiveInteger"))
        emit(s, _p("sourceCode"), literal(source))
