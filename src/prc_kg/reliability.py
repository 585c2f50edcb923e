"""Inter-rater reliability per item: ICC(2,1), Cohen's kappa and quadratic-weighted kappa.

Computed for every pair of raters over the units (segments) both scored, per study and item.
Formulas: Shrout & Fleiss (1979) ICC(2,1), two-way random effects, absolute agreement, single
rater; Cohen (1960) kappa; Cohen (1968) weighted kappa with squared-distance disagreement
weights on the rated values.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations

from .vocab import DATA_IRI, PRC_IRI

STATISTICS = ("ICC(2,1)", "Cohen's kappa", "weighted kappa (quadratic)")


def icc_2_1(pairs: Sequence[tuple[float, float]]) -> float | None:
    n, k = len(pairs), 2
    if n < 2:
        return None
    grand = sum(a + b for a, b in pairs) / (n * k)
    ssr = k * sum(((a + b) / k - grand) ** 2 for a, b in pairs)
    col_means = (sum(a for a, _ in pairs) / n, sum(b for _, b in pairs) / n)
    ssc = n * sum((m - grand) ** 2 for m in col_means)
    sst = sum((x - grand) ** 2 for pair in pairs for x in pair)
    sse = sst - ssr - ssc
    msr, msc, mse = ssr / (n - 1), ssc / (k - 1), sse / ((n - 1) * (k - 1))
    denominator = msr + (k - 1) * mse + k * (msc - mse) / n
    return None if denominator == 0 else (msr - mse) / denominator


def cohen_kappa(pairs: Sequence[tuple[float, float]]) -> float | None:
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(1 for a, b in pairs if a == b) / n
    ca, cb = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(ca[c] * cb[c] for c in ca) / (n * n)
    return None if expected == 1 else (observed - expected) / (1 - expected)


def weighted_kappa(pairs: Sequence[tuple[float, float]]) -> float | None:
    n = len(pairs)
    if n == 0:
        return None
    observed = sum((a - b) ** 2 for a, b in pairs) / n
    ca, cb = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(ca[i] * cb[j] * (i - j) ** 2 for i in ca for j in cb) / (n * n)
    return None if expected == 0 else 1 - observed / expected


@dataclass(frozen=True)
class Reliability:
    study: str
    item: str
    item_iri: str
    rater_a: str
    rater_b: str
    units: int
    icc: float | None
    kappa: float | None
    weighted_kappa: float | None

    def values(self) -> dict[str, float | None]:
        return dict(zip(STATISTICS, (self.icc, self.kappa, self.weighted_kappa)))

    def write(self, emit: Callable[[str, str, str], None]) -> int:
        """Emit one prc:ReliabilityEstimate per defined statistic (N-Triples terms); return triple count."""
        count = 0
        slug = {"ICC(2,1)": "icc-2-1", "Cohen's kappa": "kappa", "weighted kappa (quadratic)": "weighted-kappa"}
        for stat, value in self.values().items():
            if value is None:
                continue
            node = (f"<{DATA_IRI}study/{self.study}/reliability/{self.item.replace(':', '_')}/"
                    f"{slug[stat]}/{self.rater_a}--{self.rater_b}>")
            triples = [
                ("<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>", "<http://www.w3.org/2002/07/owl#NamedIndividual>"),
                ("<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>", f"<{PRC_IRI}ReliabilityEstimate>"),
                ("<http://www.w3.org/2000/01/rdf-schema#label>",
                 f'"{stat} for {self.item} in study {self.study}, raters {self.rater_a} and {self.rater_b}"'),
                (f"<{PRC_IRI}forItem>", f"<{self.item_iri}>"),
                (f"<{PRC_IRI}reliabilityStatistic>", f'"{stat}"'),
                (f"<{PRC_IRI}estimate>", f'"{value:.4f}"^^<http://www.w3.org/2001/XMLSchema#decimal>'),
                (f"<{PRC_IRI}numberOfUnits>",
                 f'"{self.units}"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>'),
                (f"<{PRC_IRI}inStudy>", f"<{DATA_IRI}study/{self.study}>"),
                (f"<{PRC_IRI}betweenRaters>", f"<{DATA_IRI}rater/{self.rater_a}>"),
                (f"<{PRC_IRI}betweenRaters>", f"<{DATA_IRI}rater/{self.rater_b}>"),
            ]
            for p, o in triples:
                emit(node, p, o.replace("'", "'"))
                count += 1
        return count


def compute_reliability(db: sqlite3.Connection, mapping: dict) -> list[Reliability]:
    """Every study × item × rater pair with at least two units rated by both raters."""
    out = []
    groups = db.execute("SELECT DISTINCT study, item FROM r ORDER BY study, item").fetchall()
    for study, item in groups:
        raters = [r for (r,) in db.execute(
            "SELECT DISTINCT rater FROM r WHERE study = ? AND item = ? ORDER BY rater", (study, item))]
        for a, b in combinations(raters, 2):
            pairs = [(float(x), float(y)) for x, y in db.execute(
                """SELECT x.value, y.value FROM r x JOIN r y
                   ON x.study = y.study AND x.dyad = y.dyad AND x.session = y.session
                      AND x.segment = y.segment AND x.item = y.item
                   WHERE x.study = ? AND x.item = ? AND x.rater = ? AND y.rater = ?
                   ORDER BY x.dyad, x.session, x.segment""", (study, item, a, b))]
            if len(pairs) < 2:
                continue
            out.append(Reliability(study, item, str(mapping[item].item), a, b, len(pairs),
                                   icc_2_1(pairs), cohen_kappa(pairs), weighted_kappa(pairs)))
    return out


def format_table(rows: list[Reliability]) -> list[str]:
    def show(x: float | None) -> str:
        return "   n/a" if x is None else f"{x:6.3f}"

    lines = [f"{'study':<12} {'item':<20} {'raters':<16} {'units':>6} {'ICC(2,1)':>9} {'kappa':>7} {'w-kappa':>8}"]
    for r in rows:
        lines.append(f"{r.study:<12} {r.item:<20} {r.rater_a + '/' + r.rater_b:<16} {r.units:>6} "
                     f"{show(r.icc):>9} {show(r.kappa):>7} {show(r.weighted_kappa):>8}")
    return lines
