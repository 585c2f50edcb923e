"""Lag-1 sequential analysis of coded sessions: what follows what, and more often than chance?

Each event (a segment or turn) carries a set of codes, so one event can hold several. For every
antecedent code A and consequent code B the lag-1 pairs form a 2 x 2 table (A at t or not, B at
t+1 or not). From it come the transition probability P(B | A), the Allison–Liker z and Bakeman's
adjusted residual. On a 2 x 2 table the two statistics are the same number; both formulas are
kept so each can be checked against its textbook form (Allison & Liker 1982; Bakeman & Quera 2011).
Short sessions leave expected counts below 5, where the normal approximation is poor, so Fisher's
exact test on the same table is given beside it.

With many code pairs tested at once (17 therapist by 5 patient codes is 85 tests; the coded turns
of the example cases give 950 on 141 pairs) about one in twenty passes p < .05 by chance, and a
single co-occurrence of two rare codes gives a small large-sample p. So what the views colour and
``--significant`` keeps is one rule, ``significance``: the exact p, Holm-adjusted over every pair
of the table, below alpha, on at least ``MIN_COUNT`` pairs.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Protocol, TypeVar

Z_CRITICAL_05 = 1.959963984540054  # two-sided alpha .05 under the normal approximation
MIN_COUNT = 5  # fewest pairs that may carry a significant transition (see significance)


@dataclass(frozen=True)
class Transition:
    antecedent: str
    consequent: str
    n_ab: int  # pairs with A at t and B at t+1
    n_a: int  # pairs with A at t
    n_b: int  # pairs with B at t+1
    n: int  # all lag-1 pairs
    probability: float  # P(B | A)
    base_rate: float  # P(B)
    expected: float  # n_a * n_b / n
    z: float | None  # Allison–Liker; None when undefined (A or B in every pair or in none)
    adjusted_residual: float | None  # Bakeman
    p_value: float | None
    significant: bool  # p < alpha, one test at a time
    p_holm: float | None = None  # Holm-adjusted over all pairs of the table (many pairs are tested at once)
    p_exact: float | None = None  # Fisher's exact test, two-sided; for small expected counts
    p_exact_holm: float | None = None  # the exact p, Holm-adjusted over all pairs of the table


def allison_liker_z(n_ab: int, n_a: int, n_b: int, n: int) -> float | None:
    """z = (P(B|A) - P(B)) / sqrt(P(B) (1 - P(B)) (1 - P(A)) / (n P(A)))."""
    if n == 0 or n_a in (0, n) or n_b in (0, n):
        return None
    p_a, p_b = n_a / n, n_b / n
    return (n_ab / n_a - p_b) / math.sqrt(p_b * (1 - p_b) * (1 - p_a) / (n * p_a))


def adjusted_residual(n_ab: int, n_a: int, n_b: int, n: int) -> float | None:
    """(observed - expected) / sqrt(expected (1 - row share) (1 - column share))."""
    if n == 0 or n_a in (0, n) or n_b in (0, n):
        return None
    expected = n_a * n_b / n
    return (n_ab - expected) / math.sqrt(expected * (1 - n_a / n) * (1 - n_b / n))


def two_sided_p(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


def fisher_exact_p(n_ab: int, n_a: int, n_b: int, n: int) -> float | None:
    """Two-sided p of Fisher's exact test on the lag-1 table: the probability, with the margins
    fixed, of a count of A-then-B pairs no more likely than the one observed (the hypergeometric
    distribution; the usual two-sided rule, as in R's fisher.test). The distribution is unimodal,
    so the sum walks out from the mode and stops once the terms are too small to change it, which
    keeps it fast for hundreds of thousands of pairs."""
    if n == 0 or n_a in (0, n) or n_b in (0, n):
        return None
    low, high = max(0, n_a + n_b - n), min(n_a, n_b)

    def log_pmf(k: int) -> float:
        return (math.lgamma(n_a + 1) - math.lgamma(k + 1) - math.lgamma(n_a - k + 1)
                + math.lgamma(n - n_a + 1) - math.lgamma(n_b - k + 1) - math.lgamma(n - n_a - n_b + k + 1)
                - math.lgamma(n + 1) + math.lgamma(n_b + 1) + math.lgamma(n - n_b + 1))

    def step(k: int) -> float:  # log pmf(k + 1) - log pmf(k)
        return math.log((n_a - k) * (n_b - k)) - math.log((k + 1) * (n - n_a - n_b + k + 1))

    observed = log_pmf(n_ab) + 1e-7  # relative tolerance for ties, as R uses
    mode = min(high, max(low, math.floor((n_a + 1) * (n_b + 1) / (n + 2))))
    top = log_pmf(mode)
    total = 1.0 if top <= observed else 0.0  # terms are summed relative to the mode's
    for direction in (1, -1):
        k, log_p = mode, top
        while low <= k + direction <= high:
            log_p += step(k) if direction == 1 else -step(k - 1)
            k += direction
            if log_p <= observed:
                term = math.exp(log_p - top)
                total += term
                if term < total * 1e-17:  # the rest of this tail falls faster still: it cannot change the sum
                    break
    return min(1.0, total * math.exp(top))


Pairs = Iterable[tuple[frozenset[str], frozenset[str]]]


def lag1_tables(pairs: Pairs) -> Iterator[tuple[str, str, int, int, int, int]]:
    """(A, B, n_AB, n_A, n_B, N) for every antecedent code seen at t and consequent code seen at
    t+1, including pairs never seen together. `pairs` holds (codes at t, codes at t+1)."""
    n = 0
    count_a: Counter[str] = Counter()
    count_b: Counter[str] = Counter()
    count_ab: Counter[tuple[str, str]] = Counter()
    for before, after in pairs:
        n += 1
        count_a.update(before)
        count_b.update(after)
        count_ab.update((a, b) for a in before for b in after)
    for a in count_a:
        for b in count_b:
            yield a, b, count_ab[(a, b)], count_a[a], count_b[b], n


def lag1_transitions(pairs: Pairs, alpha: float = 0.05) -> list[Transition]:
    """One Transition per table of lag1_tables (a pair never seen together has a negative z: B
    avoids following A), sorted by antecedent, then falling z."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie between 0 and 1, got {alpha}")
    out = []
    for a, b, n_ab, n_a, n_b, n in lag1_tables(pairs):
        z = allison_liker_z(n_ab, n_a, n_b, n)
        p = two_sided_p(z) if z is not None else None
        out.append(Transition(a, b, n_ab, n_a, n_b, n, n_ab / n_a, n_b / n, n_a * n_b / n, z,
                              adjusted_residual(n_ab, n_a, n_b, n), p, p is not None and p < alpha,
                              p_exact=fisher_exact_p(n_ab, n_a, n_b, n)))
    out = holm_adjusted(out)
    exact = _holm({(t.antecedent, t.consequent): t.p_exact for t in out})
    out = [replace(t, p_exact_holm=exact.get((t.antecedent, t.consequent))) for t in out]
    out.sort(key=lambda t: (t.antecedent, -(t.z if t.z is not None else -math.inf), t.consequent))
    return out


T = TypeVar("T", bound="Transition | PooledLike")


class PooledLike(Protocol):  # any table of tests keyed by antecedent and consequent (pooling.PooledTransition)
    antecedent: str
    consequent: str
    p_value: float | None
    p_holm: float | None


def holm_adjusted(transitions: list[T]) -> list[T]:
    """Fill in Holm's step-down adjusted p-values: with 17 therapist and 5 patient codes there are
    85 tests, and about four of them pass p < .05 by chance alone."""
    adjusted = _holm({(t.antecedent, t.consequent): t.p_value for t in transitions})
    return [replace(t, p_holm=adjusted.get((t.antecedent, t.consequent))) for t in transitions]


def _holm(p_values: dict[tuple[str, str], float | None]) -> dict[tuple[str, str], float]:
    """Holm's step-down adjustment of the p-values that are defined, keyed as given."""
    tested = sorted(((p, key) for key, p in p_values.items() if p is not None))
    m, running, adjusted = len(tested), 0.0, {}
    for rank, (p, key) in enumerate(tested):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[key] = running
    return adjusted


def significance(t: Transition, alpha: float = 0.05, min_count: int = MIN_COUNT) -> int:
    """+1 when B follows A more often than chance, -1 when less often, 0 when the table shows
    neither: the rule the transitions view colours by and ``--significant`` keeps, so the two agree.

    The exact p is used because most tables of coded turns have expected counts below 5, where the
    large-sample p is too small; it is Holm-adjusted over every pair of the table, because hundreds
    of pairs are tested at once. The count that carries the evidence must reach ``min_count``:
    n_AB for "more often" (one co-occurrence of two rare codes is no pattern) and the expected
    n_AB for "less often" (a pair seldom expected cannot be seen to be avoided)."""
    if t.p_exact_holm is None or t.p_exact_holm >= alpha:
        return 0
    if t.n_ab > t.expected:
        return 1 if t.n_ab >= min_count else 0
    return -1 if t.expected >= min_count else 0
