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
from ..fileio.ntriples import iri, literal
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


P = {name: _p(name) for name in (
    "CodedCorpus", "Session", "Psychotherapist", "Patient", "Rater", "TurnOfSpeech", "TherapistTurn", "PatientTurn",
    "CodeAnnotation", "constructedForTeaching", "conversationAttribute", "inCorpus", "partOfSession", "tosNumber",
    "positionInSession", "utteranceId", "spokenBy", "text", "timestamp", "immediatelyFollowedBy", "assignedCode",
    "annotationIndex", "sourceCode")}
FOI, OBSERVED, SENSOR = (iri(f"{SOSA}{name}") for name in ("hasFeatureOfInterest", "observedProperty", "madeBySensor"))
# Positive integers are written as xsd:integer, the datatype Oxigraph keeps (it stores xsd:positiveInteger
# as xsd:integer), so a dump of the store holds the same triples; the shapes check the value is >= 1.
POSITIVE = "^^<http://www.w3.org/2001/XMLSchema#integer>"


class _Lines:
    """N-Triples lines gathered and written in blocks; ``count`` is the number of triples."""

    def __init__(self, out):
        self.out, self.lines, self.count = out, [], 0

    def emit(self, s: str, p: str, o: str) -> None:
        self.lines.append(f"{s} {p} {o} .\n")
        if len(self.lines) >= 8192:
            self.flush()

    def individual(self, s: str, label: str, *classes: str) -> None:
        self.emit(s, RDF_TYPE, NAMED)
        for cls in classes:
            self.emit(s, RDF_TYPE, P[cls])
        self.emit(s, LABEL, literal(label))

    def flush(self) -> None:
        self.count += len(self.lines)
        self.out.write("".join(self.lines))
        self.lines.clear()


def write_corpus(db: sqlite3.Connection, layout: Layout, plan: Plan, corpus: str, output: Path, terms: TermIndex,
                 text: bool) -> tuple[int, int, int, int, int]:
    """Write the corpus; return (conversations, utterances, annotations, annotators, triples)."""
    counts = {"conversations": 0, "utterances": 0, "annotations": 0, "annotators": 0}
    with streamed_output(output) as out:
        lines = _Lines(out)
        emit, individual = lines.emit, lines.individual
        base = corpus_iri(corpus)
        individual(iri(base), f"corpus {corpus}", "CodedCorpus")
        if layout.constructed:
            emit(iri(base), P["constructedForTeaching"], literal("true", "boolean"))
        attributes = [(attr, iri(f"{base}/attribute/{part(attr.name)}")) for attr, _ in plan.attributes]
        for attr, prop in sorted(attributes, key=lambda a: a[0].name):
            emit(prop, RDF_TYPE, DATATYPE_PROPERTY)
            emit(prop, SUBPROPERTY, P["conversationAttribute"])
            emit(prop, LABEL, literal(attr.name))
            emit(prop, RANGE, iri(XSD + attr.type))
        values = "".join(f", c.v{i}" for i in range(len(attributes)))
        for conv, *attrs in db.execute(
                f"""SELECT c.conv{values} FROM (SELECT MIN(line) AS line FROM c GROUP BY conv) f
                    JOIN c ON c.line = f.line ORDER BY c.conv"""):
            counts["conversations"] += 1
            v = conversation_iri(corpus, conv)
            individual(iri(v), f"conversation {conv} of corpus {corpus}", "Session")
            emit(iri(v), P["inCorpus"], iri(base))
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
        _utterances(db, corpus, text, lines, counts)
        _annotations(db, corpus, "annotator" in plan.roles, terms.utterance_codes, lines, counts)
        lines.flush()
    return (counts["conversations"], counts["utterances"], counts["annotations"], counts["annotators"], lines.count)


# The IRIs below are built from the corpus name (checked), ids made safe by ``part`` and item codes of the
# ontology, so they are written as <…> without ``iri``'s check, which would cost a search per term.

def _utterances(db: sqlite3.Connection, corpus: str, text: bool, lines: _Lines, counts: dict) -> None:
    """Each utterance once (from its first row): its type, place, speaker, words, timestamp and successor."""
    emit = lines.emit
    previous: tuple[str, str] | None = None  # (conversation, IRI) of the utterance before
    position = 0
    conv_iri = ""
    for conv, order, order_text, speaker, words, stamp in db.execute(
            """SELECT u.conv, u.ord, u.ord_text, u.speaker, u.text, u.ts
               FROM (SELECT MIN(line) AS line FROM u GROUP BY conv, ord) f JOIN u ON u.line = f.line
               ORDER BY u.conv, u.ord"""):
        counts["utterances"] += 1
        same = previous is not None and previous[0] == conv
        if not same:
            v = conversation_iri(corpus, conv)
            conv_iri = f"<{v}>"
        u = f"<{conv_iri[1:-1]}/utterance/{order}>"
        position = position + 1 if same else 1
        lines.individual(u, f"utterance {order_text} of conversation {conv} of corpus {corpus}", "TurnOfSpeech",
                         TURN[speaker])
        emit(u, P["partOfSession"], conv_iri)
        number = f'"{position}"{POSITIVE}'
        emit(u, P["tosNumber"], number)
        emit(u, P["positionInSession"], number)  # as the shapes ask of a turn
        emit(u, P["utteranceId"], literal(order_text))
        emit(u, P["spokenBy"], f"<{conv_iri[1:-1]}/{speaker}>")
        if text and words is not None:
            emit(u, P["text"], literal(words))
        if stamp is not None:
            emit(u, P["timestamp"], literal(stamp))
        if same:
            emit(previous[1], P["immediatelyFollowedBy"], u)
        previous = (conv, u)


def _annotations(db: sqlite3.Connection, corpus: str, named: bool, codes: dict, lines: _Lines, counts: dict) -> None:
    """One observation per annotation: by the row's annotator, or the k-th row of the utterance."""
    emit = lines.emit
    base = corpus_iri(corpus)
    terms = {code: (f"<{info.dimension_iri}>", f"<{info.iri}>", info.dimension.replace(":", "_"))
             for code, info in codes.items()}
    last: tuple[str, int] | None = None
    u = ""
    for conv, order, annotator, k, dim, code, source in db.execute(
            """WITH r AS (SELECT line, conv, ord, annotator,
                                 ROW_NUMBER() OVER (PARTITION BY conv, ord ORDER BY line) AS k FROM u)
               SELECT r.conv, r.ord, r.annotator, r.k, a.dim, a.code, a.source FROM a JOIN r ON r.line = a.line
               ORDER BY r.conv, r.ord, a.dim, r.annotator, r.k"""):
        counts["annotations"] += 1
        if last != (conv, order):
            last = (conv, order)
            u = f"{conversation_iri(corpus, conv)}/utterance/{order}"
        dimension, assigned, dim_part = terms[code]
        if named:
            who = part(annotator)
            sensor = f"<{base}/annotator/{who}>"
        else:
            who, sensor = str(k), ""
        s = f"<{u}/annotation/{dim_part}/{who}>"
        emit(s, RDF_TYPE, NAMED)
        emit(s, RDF_TYPE, P["CodeAnnotation"])
        emit(s, FOI, f"<{u}>")
        emit(s, OBSERVED, dimension)
        emit(s, P["assignedCode"], assigned)
        if named:
            emit(s, SENSOR, sensor)
        else:
            emit(s, P["annotationIndex"], f'"{k}"{POSITIVE}')
        emit(s, P["sourceCode"], literal(source))
