"""How long the transcript view takes for a corpus of the size the issue names: 130 conversations,
10,000 utterances, every utterance coded, a share of them by two annotators.

Run: .venv/bin/python benchmarks/transcripts_view.py [--conversations 130] [--utterances 10000]
     [--double 0.3] [--seed 1]

The corpus is synthetic, written in the N-Triples shape the utterance import writes (BRIEF12
contract) with a seeded generator; it is loaded with the ontology and the examples as `prc-kg
viz` loads a graph. Timed in one process, each step once: the load (with the materialised
inferences), reading the transcripts (the packaged queries), drawing the pages, writing them
(atomically, each file synced to disk), then the whole `viz --views transcripts` and the taxonomy view with its links to
the turns.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

P = "https://w3id.org/prc-kg/ontology/"
D = "https://w3id.org/prc-kg/data/corpus/bench"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
XSD = "http://www.w3.org/2001/XMLSchema#"
SOSA = "http://www.w3.org/ns/sosa/"
THERAPIST = {"MISIMPLE_MAIN": ["MISIMPLE_REFLECTION", "MISIMPLE_QUESTION", "MISIMPLE_INPUT", "MISIMPLE_OTHER"]}
SUBTYPES = {"MISIMPLE_REFLECTION": ("MISIMPLE_REFLECTION-TYPE", ["MISIMPLE_SIMPLE", "MISIMPLE_COMPLEX"]),
            "MISIMPLE_QUESTION": ("MISIMPLE_QUESTION-TYPE", ["MISIMPLE_OPEN", "MISIMPLE_CLOSED"])}
CLIENT = ("MISIMPLE_CLIENT", ["MISIMPLE_CHANGE", "MISIMPLE_NEUTRAL", "MISIMPLE_SUSTAIN"])
WORDS = ("so", "you", "feel", "that", "it", "has", "been", "hard", "to", "stop", "and", "part", "of", "wants",
         "change", "what", "would", "help", "me", "think", "about", "my", "health", "work", "family", "drinking",
         "smoking", "tomorrow", "really", "not", "sure")


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_corpus(path: Path, conversations: int, utterances: int, double: float, seed: int) -> int:
    """The corpus as N-Triples; returns the number of annotations written."""
    rng = random.Random(seed)
    sizes = [utterances // conversations + (1 if i < utterances % conversations else 0) for i in range(conversations)]
    annotations = 0
    with open(path, "w", encoding="utf-8") as out:
        w = out.write
        w(f"<{D}> <{RDF_TYPE}> <{P}CodedCorpus> .\n<{D}> <{LABEL}> \"corpus bench\" .\n")
        quality = f"{D}/attribute/mi_quality"
        w(f"<{quality}> <http://www.w3.org/2000/01/rdf-schema#subPropertyOf> <{P}conversationAttribute> .\n"
          f"<{quality}> <{LABEL}> \"mi_quality\" .\n")
        for c, size in enumerate(sizes, start=1):
            v = f"{D}/conversation/{c}"
            w(f"<{v}> <{RDF_TYPE}> <{P}Session> .\n<{v}> <{P}inCorpus> <{D}> .\n"
              f"<{v}> <{LABEL}> \"conversation {c} of corpus bench\" .\n"
              f"<{v}> <{quality}> {_lit(rng.choice(['high', 'low']))} .\n")
            for role, cls in (("therapist", "Psychotherapist"), ("patient", "Patient")):
                w(f"<{v}/{role}> <{RDF_TYPE}> <{P}{cls}> .\n")
            for n in range(1, size + 1):
                u = f"{v}/utterance/{n}"
                therapist = n % 2 == 1
                w(f"<{u}> <{RDF_TYPE}> <{P}{'TherapistTurn' if therapist else 'PatientTurn'}> .\n"
                  f"<{u}> <{RDF_TYPE}> <{P}TurnOfSpeech> .\n<{u}> <{P}partOfSession> <{v}> .\n"
                  f"<{u}> <{P}tosNumber> \"{n}\"^^<{XSD}positiveInteger> .\n<{u}> <{P}utteranceId> \"{n}\" .\n"
                  f"<{u}> <{P}spokenBy> <{v}/{'therapist' if therapist else 'patient'}> .\n"
                  f"<{u}> <{P}text> {_lit(' '.join(rng.choice(WORDS) for _ in range(rng.randint(4, 30))))} .\n"
                  f"<{u}> <{P}timestamp> \"00:{n // 60 % 60:02d}:{n % 60:02d}\" .\n")
                if n < size:
                    w(f"<{u}> <{P}immediatelyFollowedBy> <{v}/utterance/{n + 1}> .\n")
                coders = ["a1", "a2"] if rng.random() < double else ["a1"]
                for who in coders:
                    codes = []
                    if therapist:
                        main = rng.choice(THERAPIST["MISIMPLE_MAIN"])
                        codes.append(("MISIMPLE_MAIN", main))
                        if main in SUBTYPES:
                            codes.append((SUBTYPES[main][0], rng.choice(SUBTYPES[main][1])))
                    else:
                        codes.append((CLIENT[0], rng.choice(CLIENT[1])))
                    for dim, code in codes:
                        a = f"{u}/annotation/{dim}/{who}"
                        w(f"<{a}> <{RDF_TYPE}> <{P}CodeAnnotation> .\n<{a}> <{SOSA}hasFeatureOfInterest> <{u}> .\n"
                          f"<{a}> <{SOSA}observedProperty> <{P}{dim}> .\n<{a}> <{P}assignedCode> <{P}{code}> .\n"
                          f"<{a}> <{SOSA}madeBySensor> <{D}/annotator/{who}> .\n")
                        annotations += 1
    return annotations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=130)
    parser.add_argument("--utterances", type=int, default=10_000)
    parser.add_argument("--double", type=float, default=0.3, help="share of utterances coded by two annotators")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from prc_kg import KnowledgeGraph
    from prc_kg.fileio.files import write_files_atomically
    from prc_kg.views.build import build_views
    from prc_kg.views.htmlpage import render_folder_page
    from prc_kg.views.registry import nav
    from prc_kg.views.transcriptdata import read_transcripts
    from prc_kg.views.transcripts import transcripts_view

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        corpus = folder / "bench.nt"
        annotations = write_corpus(corpus, args.conversations, args.utterances, args.double, args.seed)
        print(f"corpus: {args.conversations} conversations, {args.utterances} utterances, {annotations} annotations, "
              f"{corpus.stat().st_size / 2**20:.1f} MiB of N-Triples")
        timings = {}
        start = time.perf_counter()
        kg = KnowledgeGraph.from_sources(data=[corpus])
        timings["load (ontology, examples, corpus, inferences)"] = time.perf_counter() - start
        start = time.perf_counter()
        groups = read_transcripts(kg.store)
        timings["read: the packaged queries"] = time.perf_counter() - start
        start = time.perf_counter()
        view = transcripts_view(groups)
        timings["draw: the pages as HTML"] = time.perf_counter() - start
        size = sum(len(p.inner_html) for p in view.pages.values())
        start = time.perf_counter()
        outputs = {folder / "pages" / name: render_folder_page(view.name, name, sub, nav()).encode("utf-8")
                   for name, sub in view.pages.items()}
        write_files_atomically(outputs)
        timings["write: the pages, atomically (fsync each)"] = time.perf_counter() - start
        start = time.perf_counter()
        build_views(kg.store, folder / "html", ("transcripts",))
        timings["viz --views transcripts (read, draw, write)"] = time.perf_counter() - start
        start = time.perf_counter()
        build_views(kg.store, folder / "html-taxonomy", ("taxonomy",))
        timings["viz --views taxonomy (with its links to the turns)"] = time.perf_counter() - start
        written = sorted((folder / "html" / "transcripts").glob("*.html"))
        print(f"pages: {len(written)} ({sum(p.stat().st_size for p in written) / 2**20:.1f} MiB; "
              f"{size / 2**20:.1f} MiB of transcript markup)")
        for name, seconds in timings.items():
            print(f"{name:55s} {seconds:7.2f} s")


if __name__ == "__main__":
    main()
