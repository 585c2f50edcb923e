"""Recall and precision of the privacy check on the labelled corpus in tests/data/privacy/corpus.tsv.

Run ``python tests/privacy_corpus.py`` (with the package importable) to print the figures quoted in the
README; tests/test_privacy_corpus.py asserts floors on the same numbers. A sentence counts as flagged
when the check reports anything in it, as `prc-kg privacy-check` would fail on it; the shipped
examples' allow-list is used, as `privacy-check` does by default."""

from __future__ import annotations

import csv
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from prc_kg.checks.privacy import allowlist_for, scan_text

CORPUS = Path(__file__).parent / "data" / "privacy" / "corpus.tsv"


@dataclass(frozen=True)
class Sentence:
    label: str  # identifier | clean
    kind: str
    text: str


@dataclass
class Figures:
    sentences: list[Sentence]
    flagged: dict[str, list[str]]  # sentence text -> what was found (masked kinds and texts)

    def _count(self, label: str, flagged: bool, kind: str | None = None) -> int:
        return sum(1 for s in self.sentences if s.label == label and (kind is None or s.kind == kind)
                   and bool(self.flagged[s.text]) == flagged)

    @property
    def recall(self) -> float:
        tp, fn = self._count("identifier", True), self._count("identifier", False)
        return tp / (tp + fn)

    @property
    def precision(self) -> float:
        tp, fp = self._count("identifier", True), self._count("clean", True)
        return tp / (tp + fp) if tp + fp else 1.0

    def misses(self) -> list[Sentence]:
        return [s for s in self.sentences if s.label == "identifier" and not self.flagged[s.text]]

    def false_alarms(self) -> list[Sentence]:
        return [s for s in self.sentences if s.label == "clean" and self.flagged[s.text]]

    def per_kind(self, label: str) -> dict[str, tuple[int, int]]:
        """kind -> (flagged, total)."""
        totals = Counter(s.kind for s in self.sentences if s.label == label)
        return {k: (self._count(label, True, k), n) for k, n in sorted(totals.items())}


def read_corpus(path: Path = CORPUS) -> list[Sentence]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    rows = list(csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
    assert rows[0] == ["label", "kind", "sentence"], rows[0]
    return [Sentence(*row) for row in rows[1:]]


def measure(path: Path = CORPUS) -> Figures:
    allow = allowlist_for(None)
    sentences = read_corpus(path)
    return Figures(sentences, {s.text: [f"{h.kind}:{h.text}" for h in scan_text(s.text, allow)] for s in sentences})


def report(fig: Figures) -> str:
    n_id = sum(s.label == "identifier" for s in fig.sentences)
    out = [f"corpus: {len(fig.sentences)} sentences ({n_id} with an identifier, {len(fig.sentences) - n_id} clean)",
           f"recall {fig.recall:.3f}, precision {fig.precision:.3f}",
           "identifiers found, by kind:"]
    out += [f"  {kind:16} {hit}/{n}" for kind, (hit, n) in fig.per_kind("identifier").items()]
    out.append("clean sentences flagged, by kind:")
    out += [f"  {kind:16} {hit}/{n}" for kind, (hit, n) in fig.per_kind("clean").items()]
    out += ["missed:"] + [f"  [{s.kind}] {s.text}" for s in fig.misses()]
    out += ["false alarms:"] + [f"  [{s.kind}] {s.text} -> {fig.flagged[s.text]}" for s in fig.false_alarms()]
    return "\n".join(out)


if __name__ == "__main__":
    print(report(measure(Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS)))
