"""A researcher's whole run on a new coded corpus, command by command, as fresh processes.

Usage: python benchmarks/corpus_pipeline.py [--conversations 130] [--utterances 10000]
       [--annotators 3] [--seed 1]

Writes a synthetic corpus in the public MI corpus's CSV layout (benchmarks/corpus_gen.py: one row
per utterance and annotator, 30 % of utterances coded by several annotators), then times the
commands a researcher types, each in its own process as from the shell:

  prc-kg import-utterances corpus.csv --layout examples/layouts/annomi.yaml --out corpus.nt
  prc-kg load --store S --data corpus.nt
  prc-kg agreement --store S
  prc-kg transitions --store S --by mi_quality
  prc-kg profile --store S --by mi_quality
  prc-kg viz --store S --out html --views transcripts
  prc-kg search "drink" --store S

Baseline, in the same run: `prc-kg load` of the ontology and examples alone (no corpus), the fixed
cost every command that builds a store pays. The report gives each step's seconds, the corpus
steps' total, and that total as a ratio to the baseline.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from corpus_gen import write_corpus_csv

PRC = [sys.executable, "-m", "prc_kg.cli"]


def run(args: list[str]) -> float:
    """Seconds for one command in a fresh process; a failing command stops the benchmark."""
    start = time.perf_counter()
    done = subprocess.run(PRC + args, check=False, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=130)
    parser.add_argument("--utterances", type=int, default=10_000)
    parser.add_argument("--annotators", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="prckg-bench-") as tmp:
        work = Path(tmp)
        csv_file, nt, store, html = work / "corpus.csv", work / "corpus.nt", work / "store", work / "html"
        counts = write_corpus_csv(csv_file, args.conversations, args.utterances, args.annotators, args.seed)
        print(f"corpus: {counts['conversations']} conversations, {counts['utterances']} utterances, "
              f"{counts['rows']} rows ({csv_file.stat().st_size / 2**20:.1f} MiB)")
        baseline = run(["load", "--store", str(work / "bare"), "--data"])
        steps = [
            ("import-utterances", ["import-utterances", str(csv_file), "--layout",
                                   str(ROOT / "examples/layouts/annomi.yaml"), "--out", str(nt)]),
            ("load (ontology, examples, corpus)", ["load", "--store", str(store), "--data", str(nt)]),
            ("agreement (1000 bootstrap replicates)", ["agreement", "--store", str(store)]),
            ("transitions --by mi_quality", ["transitions", "--store", str(store), "--by", "mi_quality"]),
            ("profile --by mi_quality", ["profile", "--store", str(store), "--by", "mi_quality"]),
            ("viz --views transcripts", ["viz", "--store", str(store), "--out", str(html), "--views", "transcripts"]),
            ("search drink", ["search", "drink", "--store", str(store)]),
        ]
        total = 0.0
        print(f"{'baseline: load without the corpus':45s} {baseline:7.2f} s")
        for name, command in steps:
            seconds = run(command)
            total += seconds
            print(f"{name:45s} {seconds:7.2f} s")
        pages = len(list((html / "transcripts").glob("*.html")))
        print(f"{'all corpus steps':45s} {total:7.2f} s  ({total / baseline:.1f}x the baseline; {pages} pages)")


if __name__ == "__main__":
    main()
