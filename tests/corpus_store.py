"""Small coded corpora for the corpus-analysis tests, in the data shape of the utterance import.

The hand-written files live in tests/data/utterances/ (``analysis-*.ttl``): the codes the analyses
read, the corpus "agree" (three named annotators) and the corpus "anon" (no annotator column).
Corpora whose figures are worked out in a test are written from a short script with the corpus
writer of benchmarks/corpus_nt.py (tests/test_corpus_read.py holds that writer to the
hand-written files and to the importer). A script is a string of turns ``T:CR P:CT …``: T therapist, P patient, then
the codes, joined by ``+``: shorthands (below) or item codes such as ``MITI:AF``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import DATA, ROOT

from prc_kg.store.backends import EmbeddedStore

sys.path.insert(0, str(ROOT / "benchmarks"))

from corpus_nt import CODES, Dialogue, Turn, corpus_ntriples

UTTERANCES = DATA / "utterances"
CODES_FILE = UTTERANCES / "analysis-codes.ttl"
SHORT = {  # shorthand → item codes
    "R": ("MISIMPLE:REFLECTION",), "SR": ("MISIMPLE:REFLECTION", "MISIMPLE:SIMPLE"),
    "CR": ("MISIMPLE:REFLECTION", "MISIMPLE:COMPLEX"), "Q": ("MISIMPLE:QUESTION",),
    "OQ": ("MISIMPLE:QUESTION", "MISIMPLE:OPEN"), "CQ": ("MISIMPLE:QUESTION", "MISIMPLE:CLOSED"),
    "I": ("MISIMPLE:INPUT",), "ADV": ("MISIMPLE:INPUT", "MISIMPLE:ADVICE"), "O": ("MISIMPLE:OTHER",),
    "CT": ("MISIMPLE:CHANGE",), "FN": ("MISIMPLE:NEUTRAL",), "ST": ("MISIMPLE:SUSTAIN",),
}


def dialogue(conversation_id: str, attributes: dict[str, str], script: str, annotator: str | None = None) -> Dialogue:
    """A conversation from a script; every code given by ``annotator`` (None: no annotator column).
    A turn written ``T:-`` is uncoded."""
    turns = []
    for order, token in enumerate(script.split()):
        speaker, _, codes = token.partition(":")
        annotations = []
        for part in codes.split("+"):
            if part == "-":
                continue
            for code in SHORT.get(part, (part,)):
                annotations.append((CODES[code][0], code, code.split(":")[1].lower(), annotator))
        turns.append(Turn(str(order), {"T": "therapist", "P": "patient"}[speaker], annotations))
    return Dialogue(conversation_id, attributes, turns)


def write_corpus(path: Path, corpus: str, dialogues: list[Dialogue]) -> Path:
    types = {name: "string" for d in dialogues for name in d.attributes}
    with open(path, "w", encoding="utf-8") as out:
        corpus_ntriples(corpus, dialogues, types, out)
    return path


def store_of(*files: Path, codes: bool = True) -> EmbeddedStore:
    """An in-memory store holding ``files`` and, with ``codes``, the hand-written code triples."""
    store = EmbeddedStore()
    for path in ([CODES_FILE] if codes else []) + list(files):
        store.load_file(path)
    return store


__all__ = ["CODES_FILE", "UTTERANCES", "dialogue", "store_of", "write_corpus"]
