"""How long the transcript view takes for a corpus of the size the issue names: 130 conversations,
10,000 utterances, every utterance coded, a share of them by two annotators.

Run: .venv/bin/python benchmarks/transcripts_view.py [--conversations 130] [--utterances 10000]
     [--double 0.3] [--seed 1]

The corpus is synthetic, written in the N-Triples shape the utterance import writes by the seeded
generator of benchmarks/corpus_gen.py (3 annotators, the --double share coded by several); it is loaded with the ontology and the examples as `prc-kg
viz` loads a graph. Timed in one process, each step once: the load (with the materialised
inferences), reading the transcripts (the packaged queries), drawing the pages, writing them
(atomically, each file synced to disk), then the whole `viz --views transcripts` and the taxonomy view with its links to
the turns.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

sys.path.insert(0, str(ROOT / "benchmarks"))

from corpus_gen import write_corpus_nt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=130)
    parser.add_argument("--utterances", type=int, default=10_000)
    parser.add_argument("--double", type=float, default=0.3, help="share of utterances coded by several annotators")
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
        annotations = write_corpus_nt(corpus, args.conversations, args.utterances, seed=args.seed, corpus="bench",
                                      ontology=False, multi_share=args.double)["annotations"]
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
