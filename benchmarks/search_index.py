"""Benchmark: building the full-text index of a store and searching it, against SPARQL scans of the
same texts.

Usage: python benchmarks/search_index.py [--sizes 10000 100000] [--seed 1] [--repeats 5]

For each size it writes a seeded corpus of N utterances in the import's data shape (77 utterances a
conversation, as 10k utterances in 130 conversations; every utterance with its type, session,
position, id, speaker, text, label, successor and one code annotation), loads it with the ontology and
examples into a persistent store (`load_dataset`, which builds the index too), and then, each in a
fresh process:

- the index build alone (`build_index` on the loaded store, into a scratch folder), against the
  baseline of reading the same texts from the store (`quads_for_pattern` on prc:text), and the
  store load itself; peak memory of both (ru_maxrss);
- queries (median of --repeats after one warm-up): `search` (bm25-ranked, best 20) for a common
  word, a rare word, a phrase and two words, against the SPARQL scans a user would otherwise write
  over the same store: REGEX with word boundaries (the same matches as the index) and
  CONTAINS(LCASE(...)) (substrings: "drink" also finds "drinking").

Texts are drawn from about 2,100 words with Zipf weights (English words of the privacy check's
common-word list and hand-written words of MI talk); "drink" is planted in 1 utterance in 20,
"cut down" in 1 in 100, "porcupine" in 1 in 10,000.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
P = "https://w3id.org/prc-kg/ontology/"
D = "https://w3id.org/prc-kg/data/corpus/bench"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SOSA = "http://www.w3.org/ns/sosa/"
PER_CONVERSATION = 77
MI_TALK = ("feel feeling week weekend worry worried want change stop smoke smoking drinking beer wine pub "
            "friends family wife husband kids doctor health sleep work job money stress tired angry sad "
            "better worse really maybe think sounds like important ready confident reasons goal plan try "
            "tried before after night morning mother father brother sister home life time")
QUERIES = {"common word": ("drink", "drink"), "rare word": ("porcupine", "porcupine"),
           "phrase": ('"cut down"', "cut down"), "two words": ("drink cut", ("drink", "cut"))}


def vocabulary() -> list[str]:
    listed = (ROOT / "src" / "prc_kg" / "checks" / "privacy_data" / "common_words.txt").read_text(encoding="utf-8")
    english = [w for w in listed.split() if re.fullmatch(r"[a-z]{3,}", w)][:2000]
    return list(dict.fromkeys(MI_TALK.split() + english))


def sentence(rng: random.Random, words: list[str], weights: list[float]) -> str:
    n = min(40, max(2, int(rng.expovariate(1 / 12))))
    chosen = rng.choices(words, weights, k=n)
    roll = rng.random()
    if roll < 0.05:
        chosen.insert(rng.randrange(n), "drink")
    if rng.random() < 0.01:
        chosen.insert(rng.randrange(n), "cut down")
    if rng.random() < 0.0001:
        chosen.insert(rng.randrange(n), "porcupine")
    text = " ".join(chosen)
    return text[0].upper() + text[1:] + rng.choice([".", "?", ".", "!", "…"])


def write_corpus(path: Path, utterances: int, seed: int) -> None:
    from prc_kg.fileio.ntriples import iri, literal, triple

    rng = random.Random(seed)
    words = vocabulary()
    weights = [1 / (rank + 1) for rank in range(len(words))]
    rng.shuffle(words)  # which words are frequent is seeded, not alphabetical
    t, code = iri(RDF_TYPE), iri(P + "assignedCode")
    with open(path, "w", encoding="utf-8") as out:
        for c in range(utterances // PER_CONVERSATION + 1):
            count = min(PER_CONVERSATION, utterances - c * PER_CONVERSATION)
            if count <= 0:
                break
            conv = f"{D}/conversation/{c}"
            out.write(triple(iri(conv), t, iri(P + "Session")))
            out.write(triple(iri(conv), iri(LABEL), literal(f"conversation {c} of corpus bench")))
            for n in range(1, count + 1):
                u = iri(f"{conv}/utterance/{n}")
                role = "therapist" if n % 2 else "patient"
                lines = [(t, iri(P + ("TherapistTurn" if n % 2 else "PatientTurn"))), (t, iri(P + "TurnOfSpeech")),
                         (iri(P + "partOfSession"), iri(conv)),
                         (iri(P + "tosNumber"), literal(str(n), "positiveInteger")),
                         (iri(P + "utteranceId"), literal(str(n))), (iri(P + "spokenBy"), iri(f"{conv}/{role}")),
                         (iri(P + "text"), literal(sentence(rng, words, weights))),
                         (iri(LABEL), literal(f"utterance {n} of conversation {c} of corpus bench"))]
                if n < count:
                    lines.append((iri(P + "immediatelyFollowedBy"), iri(f"{conv}/utterance/{n + 1}")))
                out.writelines(triple(u, p, o) for p, o in lines)
                a = iri(f"{conv}/utterance/{n}/annotation/MISIMPLE_MAIN/1")
                out.write(triple(a, t, iri(P + "CodeAnnotation")))
                out.write(triple(a, iri(SOSA + "hasFeatureOfInterest"), u))
                out.write(triple(a, code, iri(P + ("MISIMPLE_QUESTION" if n % 2 else "MISIMPLE_CHANGE"))))


_LOAD = """
import sys, time
from pathlib import Path
from prc_kg.api import KnowledgeGraph
from prc_kg.store.dataset import load_dataset
_, ontology, examples = KnowledgeGraph.open().sources()
start = time.perf_counter()
load_dataset(ontology, examples.graph, [Path(sys.argv[1])], Path(sys.argv[2]))
print(time.perf_counter() - start)
"""

_BUILD = """
import resource, sys, tempfile, time
from pathlib import Path
import pyoxigraph as ox
from prc_kg.store.textindex import build_index, _TEXT
store = ox.Store.read_only(sys.argv[2])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
if sys.argv[1] == "baseline":
    n = sum(len(q.object.value) > -1 for q in store.quads_for_pattern(None, _TEXT, None, None))
else:
    with tempfile.TemporaryDirectory() as tmp:
        s = build_index(store, Path(tmp))
        n = s.turns + s.commentaries
print(time.perf_counter() - start, n, before / 1024, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""

_QUERY = """
import json, statistics, sys, time
from pathlib import Path
import pyoxigraph as ox
from prc_kg.store.textindex import search
store_dir, repeats, queries = Path(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
store = ox.Store.read_only(str(store_dir))
P = "https://w3id.org/prc-kg/ontology/"
def scan(kind, words):
    words = [words] if isinstance(words, str) else words
    if kind == "regex":
        test = " && ".join(f'REGEX(?t, "\\\\\\\\b{w}\\\\\\\\b", "i")' for w in words)
    else:
        test = " && ".join(f'CONTAINS(LCASE(?t), "{w}")' for w in words)
    q = f"SELECT ?u ?t WHERE {{ ?u a <{P}TurnOfSpeech> ; <{P}text> ?t FILTER({test}) }}"
    return sum(1 for _ in store.query(q))
def timed(fn):
    fn()
    runs = []
    for _ in range(repeats):
        start = time.perf_counter(); n = fn(); runs.append(time.perf_counter() - start)
    return statistics.median(runs), n
out = {}
for name, (fts, words) in queries.items():
    out[name] = {"search": timed(lambda: len(search(store_dir, fts, 20))),
                 "search all": timed(lambda: len(search(store_dir, fts, 10**9))),
                 "regex": timed(lambda: scan("regex", words)), "contains": timed(lambda: scan("contains", words))}
print(json.dumps(out))
"""


def _python(code: str, *args: str) -> str:
    return subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True).stdout


def measure(size: int, seed: int, repeats: int, folder: Path) -> dict:
    corpus = folder / f"utterances-{size}.nt"
    start = time.perf_counter()
    write_corpus(corpus, size, seed)
    written = time.perf_counter() - start
    store = folder / f"store-{size}"
    load_s = float(_python(_LOAD, str(corpus), str(store)))
    build = _python(_BUILD, "index", str(store)).split()
    base = _python(_BUILD, "baseline", str(store)).split()
    queries = json.loads(_python(_QUERY, str(store), str(repeats), json.dumps(QUERIES)))
    return {"size": size, "mib": corpus.stat().st_size / 2**20, "written": written, "load": load_s,
            "index": (float(build[0]), int(build[1]), float(build[2]), float(build[3])),
            "baseline": (float(base[0]), int(base[1]), float(base[2]), float(base[3])),
            "index_mib": (store / "text-index.sqlite").stat().st_size / 2**20, "queries": queries}


def report(results: list[dict]) -> None:
    print("| utterances | N-Triples MiB | store load s (index included) | index build s | read texts s (baseline) "
          "| build / read | build / load | texts indexed | index MiB | peak MiB build / read |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        (bt, bn, _, bm), (rt, _, _, rm) = r["index"], r["baseline"]
        print(f"| {r['size']:,} | {r['mib']:.0f} | {r['load']:.2f} | {bt:.2f} | {rt:.2f} | {bt / rt:.1f}x "
              f"| {bt / r['load']:.2f} | {bn:,} | {r['index_mib']:.1f} | {bm:.0f} / {rm:.0f} |")
    print()
    print("| utterances | query | hits | search best 20 ms | search all ms | SPARQL REGEX ms (matches) "
          "| SPARQL CONTAINS ms (matches) | REGEX / search | CONTAINS / search |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        for name, q in r["queries"].items():
            (s, _), (sa, hits), (rg, rn), (ct, cn) = q["search"], q["search all"], q["regex"], q["contains"]
            print(f"| {r['size']:,} | {name} | {hits:,} | {s * 1000:.2f} | {sa * 1000:.1f} | {rg * 1000:.0f} ({rn:,}) "
                  f"| {ct * 1000:.0f} ({cn:,}) | {rg / s:,.0f}x | {ct / s:,.0f}x |")
    if len(results) > 1:
        small, large = results[0], results[-1]
        print(f"\nindex build large/small: {large['index'][0] / small['index'][0]:.1f}x for "
              f"{large['size'] / small['size']:.0f}x the utterances; build peak memory large/small: "
              f"{large['index'][3] / small['index'][3]:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="prc-kg-bench-search-") as tmp:
        results = [measure(size, args.seed, args.repeats, Path(tmp)) for size in args.sizes]
    report(results)


if __name__ == "__main__":
    main()
