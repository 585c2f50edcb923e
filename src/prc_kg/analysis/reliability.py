"""Inter-rater reliability per study and item, in time and output that grow with the file, not with rater pairs.

For every pair of raters (up to ``PAIR_LIMIT`` raters of an item, or on request): ICC(2,1), Cohen's
kappa and quadratic-weighted kappa over the units (segments) both scored. For three raters or more,
also one row for all of them: ICC(2,1) for k raters and Fleiss' kappa over the units every one of
them scored. Beyond ``PAIR_LIMIT`` raters only that row is kept: 200 raters make 19,900 pairs an
item, which took minutes and wrote gigabytes when every pair was stored and printed.

Formulas: Shrout & Fleiss (1979) ICC(2,1), two-way random effects, absolute agreement, single
rater; Cohen (1960) kappa; Cohen (1968) weighted kappa with squared-distance disagreement weights
on the rated values; Fleiss (1971) kappa. Everything is computed from running sums in one ordered
pass over the ratings, so memory holds one unit's ratings and the sums, not the file. The sums are
exact (decimal sums, rational arithmetic at the end), so a perfect agreement gives exactly 1 and a
zero variance gives n/a, not a number made of rounding errors.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from fractions import Fraction
from itertools import combinations, groupby

from ..fileio.ntriples import iri, literal
from ..vocab import DATA_IRI, PRC_IRI

RDF_TYPE = iri("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
PAIR_LIMIT = 4  # raters of an item up to which every pair is stored and printed (6 pairs)
PAIR_STATISTICS = ("ICC(2,1)", "Cohen's kappa", "weighted kappa (quadratic)")
ALL_STATISTICS = ("ICC(2,1)", "Fleiss' kappa")
SLUGS = {"ICC(2,1)": "icc-2-1", "Cohen's kappa": "kappa", "weighted kappa (quadratic)": "weighted-kappa",
         "Fleiss' kappa": "fleiss-kappa"}


def _decimal_text(value: float) -> str:
    """``value`` to 4 places in the canonical form Oxigraph stores (``0.5``, not ``0.5000``), so a dump
    of the store gives back the triples written."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


# -- running sums ---------------------------------------------------------------------------------------

@dataclass
class IccSums:
    """Two-way ANOVA sums for ICC(2,1) over units that all ``k`` raters scored (values in rater order)."""

    k: int
    n: int = 0
    total: Decimal = Decimal(0)
    squares: Decimal = Decimal(0)
    row_squares: Decimal = Decimal(0)
    columns: list[Decimal] = field(default_factory=list)

    def add(self, values: list[Decimal]) -> None:
        if not self.columns:
            self.columns = [Decimal(0)] * self.k
        row = sum(values, Decimal(0))
        self.n += 1
        self.total += row
        self.squares += sum(x * x for x in values)
        self.row_squares += row * row
        for j, x in enumerate(values):
            self.columns[j] += x

    def value(self) -> float | None:
        n, k = self.n, self.k
        if n < 2 or k < 2:
            return None
        correction = Fraction(self.total) ** 2 / (n * k)
        sst = Fraction(self.squares) - correction
        ssr = Fraction(self.row_squares) / k - correction
        ssc = sum(Fraction(c) ** 2 for c in self.columns) / n - correction
        sse = sst - ssr - ssc
        msr, msc, mse = ssr / (n - 1), ssc / (k - 1), sse / ((n - 1) * (k - 1))
        denominator = msr + (k - 1) * mse + k * (msc - mse) / n
        return None if denominator == 0 else float((msr - mse) / denominator)


@dataclass
class PairSums:
    """What Cohen's kappa, weighted kappa and ICC(2,1) of one rater pair need, unit by unit."""

    icc: IccSums = field(default_factory=lambda: IccSums(2))
    agree: int = 0
    a: Counter = field(default_factory=Counter)
    b: Counter = field(default_factory=Counter)
    squared_differences: Decimal = Decimal(0)

    def add(self, x: Decimal, y: Decimal) -> None:
        self.icc.add([x, y])
        self.agree += x == y
        self.a[x] += 1
        self.b[y] += 1
        self.squared_differences += (x - y) ** 2

    def kappa(self) -> float | None:
        n = self.icc.n
        if n == 0:
            return None
        expected = Fraction(sum(self.a[c] * self.b[c] for c in self.a), n * n)
        return None if expected == 1 else float((Fraction(self.agree, n) - expected) / (1 - expected))

    def weighted_kappa(self) -> float | None:
        """1 - observed / chance mean squared difference; chance is sum_ij n_a(i) n_b(j) (i - j)^2 / n^2,
        which expands to the raters' sums and sums of squares, so no table of value pairs is needed."""
        n = self.icc.n
        if n == 0:
            return None
        sa, sb = (sum(Fraction(v) * c for v, c in counts.items()) for counts in (self.a, self.b))
        qa, qb = (sum(Fraction(v) ** 2 * c for v, c in counts.items()) for counts in (self.a, self.b))
        expected = (qa + qb) / n - 2 * sa * sb / (n * n)
        return None if expected == 0 else float(1 - Fraction(self.squared_differences) / n / expected)


@dataclass
class FleissSums:
    """Fleiss' kappa over units that all ``k`` raters scored: mean per-unit agreement against chance."""

    k: int
    n: int = 0
    agreeing_pairs: int = 0  # sum over units of sum_c n_c (n_c - 1): ordered pairs of raters who agree
    categories: Counter = field(default_factory=Counter)

    def add(self, values: list[Decimal]) -> None:
        counts = Counter(values)
        self.n += 1
        self.agreeing_pairs += sum(c * (c - 1) for c in counts.values())
        self.categories.update(counts)

    def value(self) -> float | None:
        if self.n == 0:
            return None
        ratings = self.n * self.k
        observed = Fraction(self.agreeing_pairs, self.n * self.k * (self.k - 1))
        chance = sum(Fraction(c, ratings) ** 2 for c in self.categories.values())
        return None if chance == 1 else float((observed - chance) / (1 - chance))


# -- results --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reliability:
    """Estimates for one study and item: between two raters, or between all its raters (three or more)."""

    study: str
    item: str
    item_iri: str
    raters: tuple[str, ...]
    units: int
    estimates: tuple[tuple[str, float | None], ...]

    @property
    def is_pair(self) -> bool:
        return len(self.raters) == 2

    @property
    def rater_a(self) -> str:
        return self.raters[0]

    @property
    def rater_b(self) -> str:
        return self.raters[1]

    def values(self) -> dict[str, float | None]:
        return dict(self.estimates)

    @property
    def icc(self) -> float | None:
        return self.values().get("ICC(2,1)")

    @property
    def kappa(self) -> float | None:
        """Cohen's kappa for a pair, Fleiss' kappa for all raters."""
        values = self.values()
        return values.get("Cohen's kappa", values.get("Fleiss' kappa"))

    @property
    def weighted_kappa(self) -> float | None:
        return self.values().get("weighted kappa (quadratic)")

    def write(self, emit: Callable[[str, str, str], None]) -> int:
        """Emit one prc:ReliabilityEstimate per defined statistic (N-Triples terms); return triple count."""
        count = 0
        who = f"{self.rater_a}--{self.rater_b}" if self.is_pair else "all-raters"
        between = (f"raters {self.rater_a} and {self.rater_b}" if self.is_pair
                   else f"all {len(self.raters)} raters")
        for stat, value in self.estimates:
            if value is None:
                continue
            node = iri(f"{DATA_IRI}study/{self.study}/reliability/{self.item.replace(':', '_')}/{SLUGS[stat]}/{who}")
            triples = [
                (RDF_TYPE, iri("http://www.w3.org/2002/07/owl#NamedIndividual")),
                (RDF_TYPE, iri(f"{PRC_IRI}ReliabilityEstimate")),
                (iri("http://www.w3.org/2000/01/rdf-schema#label"),
                 literal(f"{stat} for {self.item} in study {self.study}, {between}")),
                (iri(f"{PRC_IRI}forItem"), iri(str(self.item_iri))),
                (iri(f"{PRC_IRI}reliabilityStatistic"), literal(stat)),
                (iri(f"{PRC_IRI}estimate"), literal(_decimal_text(value), "decimal")),
                (iri(f"{PRC_IRI}numberOfUnits"), literal(str(self.units), "integer")),
                (iri(f"{PRC_IRI}inStudy"), iri(f"{DATA_IRI}study/{self.study}")),
            ] + [(iri(f"{PRC_IRI}betweenRaters"), iri(f"{DATA_IRI}rater/{r}")) for r in self.raters]
            for p, o in triples:
                emit(node, p, o)
                count += 1
        return count


# -- computation ------------------------------------------------------------------------------------------

def _units(rows: Iterable[tuple]) -> Iterator[list[tuple[str, Decimal]]]:
    """(rater, value) lists, one per unit, from rows (…, dyad, session, segment, rater, value) in unit order."""
    for _, unit in groupby(rows, key=lambda r: r[2:5]):
        yield [(r[5], Decimal(r[6])) for r in unit]


def _item_reliability(study: str, item: str, item_iri: str, raters: list[str], rows: Iterable[tuple],
                      pairs: bool) -> list[Reliability]:
    k = len(raters)
    keep_pairs = pairs or k <= PAIR_LIMIT
    pair_sums: dict[tuple[str, str], PairSums] = {}
    icc, fleiss = IccSums(k), FleissSums(k)
    for unit in _units(rows):
        if k >= 3 and len(unit) == k:  # rows come sorted by rater, so the values line up with ``raters``
            values = [v for _, v in unit]
            icc.add(values)
            fleiss.add(values)
        if keep_pairs:
            for (a, x), (b, y) in combinations(unit, 2):
                pair_sums.setdefault((a, b), PairSums()).add(x, y)
    out = []
    if keep_pairs:
        for (a, b), sums in sorted(pair_sums.items()):
            if sums.icc.n >= 2:
                out.append(Reliability(study, item, item_iri, (a, b), sums.icc.n,
                                       tuple(zip(PAIR_STATISTICS, (sums.icc.value(), sums.kappa(),
                                                                   sums.weighted_kappa())))))
    if k >= 3 and icc.n >= 2:
        out.append(Reliability(study, item, item_iri, tuple(raters), icc.n,
                               tuple(zip(ALL_STATISTICS, (icc.value(), fleiss.value())))))
    return out


def compute_reliability(db: sqlite3.Connection, mapping: dict, pairs: bool = False) -> list[Reliability]:
    """Per study and item: every rater pair with two or more units in common while the item has at most
    ``PAIR_LIMIT`` raters (or ``pairs``), and all raters together when there are three or more."""
    db.execute("CREATE INDEX IF NOT EXISTS r_unit ON r (study, item, dyad, session, segment, rater, value)")
    raters: dict[tuple[str, str], list[str]] = {}
    for study, item, rater in db.execute("SELECT DISTINCT study, item, rater FROM r ORDER BY study, item, rater"):
        raters.setdefault((study, item), []).append(rater)
    out = []
    rows = db.execute("""SELECT study, item, dyad, session, segment, rater, value FROM r
                         ORDER BY study, item, dyad, session, segment, rater""")
    with localcontext() as exact:
        exact.prec = 80  # exact sums of squares for values of up to ~35 digits
        for (study, item), group in groupby(rows, key=lambda r: r[:2]):
            out += _item_reliability(study, item, str(mapping[item].item), raters[(study, item)], group, pairs)
    return out


def format_table(rows: list[Reliability]) -> list[str]:
    """One line per estimate row; a closing note when rows for all raters are shown."""
    def show(x: float | None) -> str:
        return "   n/a" if x is None else f"{x:6.3f}"

    lines = [f"{'study':<12} {'item':<20} {'raters':<16} {'units':>6} {'ICC(2,1)':>9} {'kappa':>7} {'w-kappa':>8}"]
    for r in rows:
        who = f"{r.rater_a}/{r.rater_b}" if r.is_pair else f"all {len(r.raters)}"
        lines.append(f"{r.study:<12} {r.item:<20} {who:<16} {r.units:>6} "
                     f"{show(r.icc):>9} {show(r.kappa):>7} {show(r.weighted_kappa):>8}")
    if any(not r.is_pair for r in rows):
        lines.append(f"rows 'all N': ICC(2,1) for N raters and Fleiss' kappa, over the units every rater scored; "
                     f"pairs are listed for items with at most {PAIR_LIMIT} raters (--pairs lists them all)")
    return lines
