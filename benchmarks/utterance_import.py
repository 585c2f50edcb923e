"""Benchmark: importing a large utterance-coded corpus (rows/s, peak memory), against reading the same file.

Usage: python benchmarks/utterance_import.py [--rows-small 100000] [--rows-large 1000000] [--no-text]

For each size it writes a constructed corpus in the column layout of the public MI corpus
(examples/layouts/annomi.yaml: annotators, sub-types with their flags, conversation attributes) into
a temporary folder, then times, each in a fresh process: the baseline (a bare csv.reader pass over
the file, the floor any importer pays) and `prc-kg import-utterances` (layout, row checks, checks
across rows in SQLite, N-Triples output). It reports rows/s, peak resident memory and the ratios
import/baseline; the large/small memory ratio shows whether memory stays flat as the file grows.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
from pathlib import Path

from peak import run

ROOT = Path(__file__).resolve().parents[1]
LAYOUT = ROOT / "examples" / "layouts" / "annomi.yaml"
HEADER = ["mi_quality", "transcript_id", "video_title", "video_url", "topic", "utterance_id", "interlocutor",
          "timestamp", "utterance_text", "annotator_id", "therapist_input_exists", "therapist_input_subtype",
          "reflection_exists", "reflection_subtype", "question_exists", "question_subtype",
          "main_therapist_behaviour", "client_talk_type"]
TOPICS = ["reducing alcohol", "quitting smoking", "more exercise", "better sleep", "less sugar", "taking medication"]
THERAPIST = ["What would you like to talk about today?", "You want to change this, and it feels hard.",
             "How would your week look if you drank less?", "It sounds like your health matters a lot to you.",
             "Some people find it helps to start small. What do you think?", "You should cut down.",
             "Where would you like to go from here?", "So part of you is ready, and part of you is not."]
CLIENT = ["I know I should do something about it.", "It is how I relax after work.", "Maybe I could try.",
          "I am not sure I am ready.", "My doctor keeps telling me to stop.", "I would have more energy.",
          "It is not that bad.", "I could start next week."]
MAIN = [("reflection", "reflection"), ("question", "question"), ("therapist_input", "input"), ("other", None)]
SUBTYPES = {"input": ["information", "advice", "negotiation", "options"], "reflection": ["simple", "complex"],
            "question": ["open", "closed"]}
UTTERANCES = 80  # per conversation, as in longer demonstration sessions



def write_corpus(path: Path, rows_wanted: int, seed: int = 1) -> int:
    """A constructed corpus of about ``rows_wanted`` rows: conversations of 80 utterances, every third
    coded by a second annotator (who differs now and then), seeded so each run writes the same file."""
    rng = random.Random(seed)
    rows = 0
    conversation = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(HEADER)
        while rows < rows_wanted:
            quality = "high" if conversation % 5 else "low"
            topic = TOPICS[conversation % len(TOPICS)]
            title = f"constructed demonstration {conversation}"
            url = f"https://example.org/demo/{conversation}"
            annotators = ["a", "b"] if conversation % 3 == 0 else [str(conversation % 7)]
            turns = []
            for n in range(UTTERANCES):
                therapist = n % 2 == 0
                text = rng.choice(THERAPIST if therapist else CLIENT)
                main, kind = rng.choice(MAIN) if therapist else (None, None)
                sub = rng.choice(SUBTYPES[kind]) if kind else None
                talk = None if therapist else rng.choice(["change", "neutral", "neutral", "sustain"])
                turns.append((n, therapist, f"00:{n // 20:02d}:{(n * 3) % 60:02d}", text, main, kind, sub, talk))
            for annotator in annotators:
                for n, therapist, stamp, text, main, kind, sub, talk in turns:
                    if annotator == "b" and rng.random() < 0.15:  # a second annotator who disagrees at times
                        if therapist:
                            main, kind = rng.choice(MAIN)
                            sub = rng.choice(SUBTYPES[kind]) if kind else None
                        else:
                            talk = rng.choice(["change", "neutral", "sustain"])
                    if therapist:
                        flags = []
                        for k in ("input", "reflection", "question"):
                            flags += ["True", sub] if k == kind else ["False", "n/a"]
                        codes = [main, "n/a"]
                    else:
                        flags, codes = ["n/a"] * 6, ["n/a", talk]
                    out.writerow([quality, conversation, title, url, topic, n, "therapist" if therapist else "client",
                                  stamp, text, annotator, *flags, *codes])
                    rows += 1
            conversation += 1
    return rows




def measure(rows_wanted: int, folder: Path, text: bool) -> dict:
    csv_path = folder / f"corpus-{rows_wanted}.csv"
    rows = write_corpus(csv_path, rows_wanted)
    baseline = run([sys.executable, "-c",
                    ("import csv,sys; n=sum(1 for _ in csv.reader(open(sys.argv[1], encoding='utf-8', newline=''))); "
                    "print(n)"), str(csv_path)])
    out = folder / "out.nt"
    imported = run([sys.executable, "-m", "prc_kg.cli.main", "import-utterances", str(csv_path), "--layout",
                    str(LAYOUT), "--corpus", "bench", "--out", str(out), *([] if text else ["--no-text"])])
    result = {"rows": rows, "mb": csv_path.stat().st_size / 2**20, "out_mb": out.stat().st_size / 2**20,
              "baseline": baseline, "import": imported}
    csv_path.unlink()
    out.unlink()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows-small", type=int, default=100_000)
    parser.add_argument("--rows-large", type=int, default=1_000_000)
    parser.add_argument("--no-text", action="store_true", help="import with --no-text")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="prc-kg-bench-") as tmp:
        results = [measure(n, Path(tmp), not args.no_text) for n in (args.rows_small, args.rows_large)]
    print("| rows | CSV MiB | N-Triples MiB | baseline csv read s | import s | import rows/s | import / baseline time "
          "| baseline peak MiB | import peak MiB |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        (bt, bm), (it, im) = r["baseline"], r["import"]
        print(f"| {r['rows']:,} | {r['mb']:.0f} | {r['out_mb']:.0f} | {bt:.2f} | {it:.2f} | {r['rows'] / it:,.0f} "
              f"| {it / bt:.1f}x | {bm:.0f} | {im:.0f} |")
    small, large = results
    print(f"\nrows large/small: {large['rows'] / small['rows']:.1f}x; "
          f"import peak memory large/small: {large['import'][1] / small['import'][1]:.2f}x")


if __name__ == "__main__":
    main()
