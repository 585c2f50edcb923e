"""Seeded synthetic coded corpora: MI-style conversations in the data shape of the utterance import.

Usage: python benchmarks/corpus_gen.py OUT.nt|OUT.csv [--conversations 130] [--utterances 10000]
       [--annotators 3] [--seed 1] [--no-annotator-column]

``write_corpus_nt`` writes the N-Triples `prc-kg import-utterances` writes (the BRIEF12 contract),
plus, unless ``ontology=False``, the structural triples of the MI codes the analyses read (systems,
dimensions with their speaker, codes with dimension, prc:broaderCode and skos:exactMatch; no labels,
so they merge with the ontology's own). ``write_corpus_csv`` writes the same corpus as a long CSV in
the column layout of the public expert-annotated MI corpus (``transcript_id``, ``mi_quality``, …,
one row per utterance and annotator), for the importer. ``corpus_ntriples`` writes given
conversations (tests build small corpora with it).

What is planted: in high-quality conversations complex reflections and open questions are more
common, and change talk follows a complex reflection more often (0.55 against 0.25); in low-quality
ones sustain talk follows advice more often (0.45 against 0.15). A share of the utterances (30 %
by default) is coded by two or more annotators, each of whom gives the true main code with
probability 0.85 and the true subtype with probability 0.8.
"""

from __future__ import annotations

import argparse
import csv
import random
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
    "MISIMPLE:SIMPLE": ("MISIMPLE:REFLECTION-TYPE", None, "MITI:SR"),
    "MISIMPLE:COMPLEX": ("MISIMPLE:REFLECTION-TYPE", None, "MITI:CR"),
    "MISIMPLE:OPEN": ("MISIMPLE:QUESTION-TYPE", None, "MISC:OQ"),
    "MISIMPLE:CLOSED": ("MISIMPLE:QUESTION-TYPE", None, "MISC:CQ"),
    "MISIMPLE:INFORMATION": ("MISIMPLE:INPUT-TYPE", None, "MITI:GI"),
    "MISIMPLE:ADVICE": ("MISIMPLE:INPUT-TYPE", None, None), "MISIMPLE:NEGOTIATION": ("MISIMPLE:INPUT-TYPE", None, None),
    "MISIMPLE:OPTIONS": ("MISIMPLE:INPUT-TYPE", None, None),
    "MISIMPLE:CHANGE": ("MISIMPLE:CLIENT", None, "MISC:CT"), "MISIMPLE:NEUTRAL": ("MISIMPLE:CLIENT", None, "MISC:FN"),
    "MISIMPLE:SUSTAIN": ("MISIMPLE:CLIENT", None, "MISC:ST"),
}


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
            emit(iri(u), iri(PRC + "tosNumber"), literal(str(position), "positiveInteger"))
            emit(iri(u), iri(PRC + "positionInSession"), literal(str(position), "positiveInteger"))
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
                    emit(n, iri(PRC + "annotationIndex"), literal(str(numbered[dimension]), "positiveInteger"))
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


# -- the generator --------------------------------------------------------------------------------

MAIN = {"reflection": "MISIMPLE:REFLECTION", "question": "MISIMPLE:QUESTION", "therapist_input": "MISIMPLE:INPUT",
        "other": "MISIMPLE:OTHER"}
SUBTYPES = {"reflection": ("reflection_subtype", "MISIMPLE:REFLECTION-TYPE", {"simple": "MISIMPLE:SIMPLE",
                                                                               "complex": "MISIMPLE:COMPLEX"}),
            "question": ("question_subtype", "MISIMPLE:QUESTION-TYPE", {"open": "MISIMPLE:OPEN",
                                                                       "closed": "MISIMPLE:CLOSED"}),
            "therapist_input": ("therapist_input_subtype", "MISIMPLE:INPUT-TYPE", {
                "information": "MISIMPLE:INFORMATION", "advice": "MISIMPLE:ADVICE",
                "negotiation": "MISIMPLE:NEGOTIATION", "options": "MISIMPLE:OPTIONS"})}
CLIENT = {"change": "MISIMPLE:CHANGE", "neutral": "MISIMPLE:NEUTRAL", "sustain": "MISIMPLE:SUSTAIN"}
ATTRIBUTES = {"mi_quality": "string", "topic": "string", "video_title": "string", "video_url": "anyURI"}
TOPICS = ("reducing alcohol", "smoking cessation", "more exercise", "medication adherence", "diet")
WORDS = ("maybe", "really", "drink", "week", "family", "work", "try", "change", "feel", "worried", "plan", "time",
         "sleep", "friends", "health", "money", "stop", "start", "doctor", "morning")
CSV_COLUMNS = ("transcript_id", "mi_quality", "video_title", "video_url", "topic", "utterance_id", "interlocutor",
               "timestamp", "utterance_text", "annotator_id", "main_therapist_behaviour", "client_talk_type",
               "therapist_input_exists", "therapist_input_subtype", "reflection_exists", "reflection_subtype",
               "question_exists", "question_subtype")


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _therapist(rng: random.Random, high: bool) -> tuple[str, str | None]:
    main = _pick(rng, {"reflection": .35, "question": .35, "therapist_input": .2, "other": .1})
    if main == "reflection":
        return main, _pick(rng, {"complex": .6, "simple": .4} if high else {"complex": .3, "simple": .7})
    if main == "question":
        return main, _pick(rng, {"open": .6, "closed": .4} if high else {"open": .35, "closed": .65})
    if main == "therapist_input":
        return main, _pick(rng, {"information": .5, "advice": .25, "negotiation": .15, "options": .1})
    return main, None


def _patient(rng: random.Random, high: bool, before: tuple[str, str | None] | None) -> str:
    if high and before == ("reflection", "complex"):
        return _pick(rng, {"change": .55, "neutral": .35, "sustain": .10})
    if not high and before == ("therapist_input", "advice"):
        return _pick(rng, {"change": .15, "neutral": .40, "sustain": .45})
    return _pick(rng, {"change": .25, "neutral": .60, "sustain": .15})


def _coded(rng: random.Random, truth: tuple[str, str | None], speaker: str) -> tuple[str, str | None]:
    """One annotator's reading of the true codes."""
    if speaker == "patient":
        return (truth[0] if rng.random() < .85 else rng.choice([c for c in CLIENT if c != truth[0]])), None
    main = truth[0] if rng.random() < .85 else rng.choice([m for m in MAIN if m != truth[0]])
    if main not in SUBTYPES:
        return main, None
    values = list(SUBTYPES[main][2])
    if main == truth[0] and truth[1] is not None and rng.random() < .8:
        return main, truth[1]
    return main, rng.choice(values)


@dataclass
class _Row:
    speaker: str
    readings: list[tuple[str, tuple[str, str | None]]]  # (annotator, (main or client code value, subtype value))
    text: str
    timestamp: str


def generate(conversations: int = 130, utterances: int = 10_000, annotators: int = 3, seed: int = 1,
             multi_share: float = 0.3) -> list[tuple[str, dict[str, str], list[_Row]]]:
    """(conversation id, attributes, utterances) for each conversation; ``utterances`` in all."""
    if conversations < 1 or utterances < 2 * conversations or annotators < 1:
        raise ValueError("need a conversation or more, two utterances a conversation, an annotator or more")
    rng = random.Random(seed)
    base, extra = divmod(utterances, conversations)
    lengths = [base + (i < extra) for i in range(conversations)]
    for i in range(conversations):  # uneven lengths, same total
        shift = rng.randint(0, max(0, (lengths[i] - 2) // 2))
        j = (i + 1) % conversations
        if i != j and lengths[i] - shift >= 2:
            lengths[i] -= shift
            lengths[j] += shift
    out = []
    names = [str(n) for n in range(1, annotators + 1)]
    for number, length in enumerate(lengths):
        high = rng.random() < 0.5
        attributes = {"mi_quality": "high" if high else "low", "topic": rng.choice(TOPICS),
                      "video_title": f"constructed session {number}", "video_url": f"https://example.org/video/{number}"}
        lead = names[number % annotators]
        rows, speaker, last_therapist, seconds = [], "therapist", None, 0
        for _ in range(length):
            truth = _therapist(rng, high) if speaker == "therapist" else (_patient(rng, high, last_therapist), None)
            if speaker == "therapist":
                last_therapist = truth
            who = [lead] if rng.random() >= multi_share or annotators == 1 else sorted(
                rng.sample(names, rng.randint(2, annotators)), key=int)
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9))).capitalize() + "."
            seconds += rng.randint(2, 15)
            stamp = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
            rows.append(_Row(speaker, [(name, _coded(rng, truth, speaker)) for name in who], text, stamp))
            speaker = ("patient" if speaker == "therapist" else "therapist") if rng.random() < .8 else speaker
        out.append((str(number), attributes, rows))
    return out


def dialogues(generated, annotator_column: bool = True, text: bool = True) -> list[Dialogue]:
    """The generated conversations as the writer's Dialogues (utterance order from 0, as in the file)."""
    result = []
    for cid, attributes, rows in generated:
        turns = []
        for order, row in enumerate(rows):
            annotations = []
            for name, (value, subtype) in row.readings:
                who = name if annotator_column else None
                if row.speaker == "patient":
                    annotations.append(("MISIMPLE:CLIENT", CLIENT[value], value, who))
                    continue
                annotations.append(("MISIMPLE:MAIN", MAIN[value], value, who))
                if subtype is not None:
                    _, dimension, codes = SUBTYPES[value]
                    annotations.append((dimension, codes[subtype], subtype, who))
            turns.append(Turn(str(order), row.speaker, sorted(annotations, key=lambda x: x[0]),
                              row.text if text else None, row.timestamp))
        result.append(Dialogue(cid, attributes, turns))
    return result


def write_corpus_nt(path: Path | str, conversations: int = 130, utterances: int = 10_000, annotators: int = 3,
                    seed: int = 1, corpus: str = "synthetic", ontology: bool = True, annotator_column: bool = True,
                    text: bool = True, multi_share: float = 0.3) -> dict[str, int]:
    """Write the generated corpus as N-Triples; returns counts (conversations, utterances,
    annotations, triples)."""
    generated = generate(conversations, utterances, annotators, seed, multi_share)
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        triples = 0
        if ontology:
            for line in ontology_lines():
                out.write(line)
                triples += 1
        triples += corpus_ntriples(corpus, dialogues(generated, annotator_column, text), ATTRIBUTES, out)
    return _counts(generated, triples)


def write_corpus_csv(path: Path | str, conversations: int = 130, utterances: int = 10_000, annotators: int = 3,
                     seed: int = 1, annotator_column: bool = True, multi_share: float = 0.3) -> dict[str, int]:
    """Write the generated corpus as a long CSV in the public MI corpus's layout: one row per
    utterance and annotator, "n/a" where a column does not apply (the other speaker's columns,
    a subtype of another behaviour). Without ``annotator_column`` the annotator_id column is left out."""
    generated = generate(conversations, utterances, annotators, seed, multi_share)
    columns = [c for c in CSV_COLUMNS if annotator_column or c != "annotator_id"]
    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for cid, attributes, utterance_rows in generated:
            for order, row in enumerate(utterance_rows):
                for name, (value, subtype) in row.readings:
                    cells = {"transcript_id": cid, **attributes, "utterance_id": order,
                             "interlocutor": "therapist" if row.speaker == "therapist" else "client",
                             "timestamp": row.timestamp, "utterance_text": row.text, "annotator_id": name,
                             "main_therapist_behaviour": "n/a", "client_talk_type": "n/a"}
                    for main, (column, _, _) in SUBTYPES.items():
                        exists = row.speaker == "therapist" and value == main
                        cells[column.replace("_subtype", "_exists")] = str(exists)
                        cells[column] = subtype if exists else "n/a"
                    cells["main_therapist_behaviour" if row.speaker == "therapist" else "client_talk_type"] = value
                    writer.writerow([cells[c] for c in columns])
                    rows += 1
    counts = _counts(generated, 0)
    counts["rows"] = rows
    return counts


def _counts(generated, triples: int) -> dict[str, int]:
    annotations = sum(1 + (subtype is not None) for _, _, rows in generated for row in rows
                      for _, (_, subtype) in row.readings)
    return {"conversations": len(generated), "utterances": sum(len(rows) for _, _, rows in generated),
            "annotations": annotations, "triples": triples}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="a .nt or .csv file to write")
    parser.add_argument("--conversations", type=int, default=130)
    parser.add_argument("--utterances", type=int, default=10_000)
    parser.add_argument("--annotators", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-annotator-column", action="store_true")
    args = parser.parse_args(argv)
    options = {"conversations": args.conversations, "utterances": args.utterances, "annotators": args.annotators,
               "seed": args.seed, "annotator_column": not args.no_annotator_column}
    counts = (write_corpus_csv if args.out.suffix == ".csv" else write_corpus_nt)(args.out, **options)
    print(f"{args.out}: " + ", ".join(f"{v:,} {k}" for k, v in counts.items() if v))
    return 0


if __name__ == "__main__":
    sys.exit(main())
