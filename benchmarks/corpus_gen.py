"""Seeded synthetic coded corpora: MI-style conversations in the data shape of the utterance import.

Usage: python benchmarks/corpus_gen.py OUT.nt|OUT.csv [--conversations 130] [--utterances 10000]
       [--annotators 3] [--seed 1] [--no-annotator-column]

``write_corpus_nt`` writes the N-Triples `prc-kg import-utterances` writes (the BRIEF12 contract,
with the writer of corpus_nt.py), plus, unless ``ontology=False``, the structural triples of the
MI codes the analyses read (``corpus_nt.ontology_lines``). ``write_corpus_csv`` writes the same
corpus as a long CSV in the column layout of the public expert-annotated MI corpus
(``transcript_id``, ``mi_quality``, …, one row per utterance and annotator); imported with the
annomi layout it gives the same triples (tests/test_corpus_read.py).

What is planted: in high-quality conversations complex reflections and open questions are more
common, and change talk follows a complex reflection more often (0.55 against 0.25); in low-quality
ones sustain talk follows advice more often (0.45 against 0.15). A share of the utterances (30 %
by default) is coded by two or more annotators, each of whom gives the true main code with
probability 0.85 and the true subtype with probability 0.8. A therapist reading holds one behaviour:
its sub-type, and in the other two sub-type dimensions the absence code (the flag column False),
as the annomi layout imports it.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus_nt import CODES, DIMENSIONS, Dialogue, Turn, corpus_ntriples, ontology_lines

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
ABSENT = {"MISIMPLE:REFLECTION-TYPE": "MISIMPLE:NO-REFLECTION", "MISIMPLE:QUESTION-TYPE": "MISIMPLE:NO-QUESTION",
          "MISIMPLE:INPUT-TYPE": "MISIMPLE:NO-INPUT"}  # the annomi layout's `absent` codes
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
                for main, (_, dimension, codes) in SUBTYPES.items():
                    if main == value:
                        annotations.append((dimension, codes[subtype], subtype, who))
                    else:  # the flag column says False: the absence code, its cell as written
                        annotations.append((dimension, ABSENT[dimension], "False", who))
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
    # a therapist reading: the main code and, in each of the three sub-type dimensions, a sub-type or
    # (its flag False) the absence code; a client reading: the client code
    annotations = sum(1 + 3 * (row.speaker == "therapist") for _, _, rows in generated for row in rows
                      for _ in row.readings)
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


__all__ = ["CODES", "DIMENSIONS", "Dialogue", "Turn", "corpus_ntriples", "dialogues", "generate", "ontology_lines",
           "write_corpus_csv", "write_corpus_nt"]


if __name__ == "__main__":
    sys.exit(main())
