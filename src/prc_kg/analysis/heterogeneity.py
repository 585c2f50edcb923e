"""Does an association differ between groups? Two tests over the 2 x 2 tables of one transition.

- ``q_between``: the groups' pooled log odds ratios (each with its standard error, e.g. from the
  random-effects model over the conversations of a stratum) compared with Cochran's Q, the
  subgroup test of meta-analysis. It keeps the conversation as the unit: a stratum whose
  conversations disagree among themselves has a wide standard error, and does not pass for a
  difference.
- ``breslow_day``: the Breslow–Day test of equal odds ratios on one summed table per group, with
  Tarone's correction, the classic test for stratified 2 x 2 tables. It treats each group's pairs
  as one long sequence, so it is the stronger test when conversations are alike and the looser
  one when they are not. statsmodels (``StratifiedTable.test_equal_odds``) computes the same
  statistic but divides by zero when the pooled odds ratio is exactly 1; written out here, that
  case solves a linear equation instead (a test holds the two to each other elsewhere).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.special import chdtrc  # the chi-squared upper tail (scipy.stats takes over a second to import)


@dataclass(frozen=True)
class ChiSquared:
    """A chi-squared test: the statistic, its degrees of freedom, and the upper-tail p."""

    statistic: float
    df: int
    p_value: float


def q_between(estimates: list[tuple[float, float]]) -> ChiSquared | None:
    """Cochran's Q over (estimate, standard error) pairs: sum w (y - weighted mean)², w = 1/se²,
    chi-squared with (groups - 1) degrees of freedom. None for fewer than two groups."""
    usable = [(y, se) for y, se in estimates if se > 0 and math.isfinite(y) and math.isfinite(se)]
    if len(usable) < 2:
        return None
    weights = [1 / (se * se) for _, se in usable]
    mean = sum(w * y for w, (y, _) in zip(weights, usable)) / sum(weights)
    q = sum(w * (y - mean) ** 2 for w, (y, _) in zip(weights, usable))
    df = len(usable) - 1
    return ChiSquared(q, df, float(chdtrc(df, q)))


def breslow_day(tables: list[tuple[float, float, float, float]], tarone: bool = True) -> ChiSquared | None:
    """Breslow–Day test that the odds ratio of the tables (a, b, c, d) = (A then B, A then not B,
    not A then B, neither) is the same in every group. A table with an empty cell gets 0.5 added to
    each cell (as ``StratifiedTable(shift_zeros=True)``); a table with an empty margin tells
    nothing about the odds ratio and is left out. None for fewer than two usable tables or when the
    Mantel–Haenszel odds ratio is 0 or infinite."""
    usable = []
    for cells in tables:
        a, b, c, d = cells
        if min(a + b, c + d, a + c, b + d) <= 0:
            continue
        usable.append(tuple(x + 0.5 for x in cells) if 0 in cells else (a, b, c, d))
    if len(usable) < 2:
        return None
    numerator = sum(a * d / (a + b + c + d) for a, b, c, d in usable)
    denominator = sum(b * c / (a + b + c + d) for a, b, c, d in usable)
    if numerator == 0 or denominator == 0:
        return None
    r = numerator / denominator  # Mantel–Haenszel pooled odds ratio
    statistic, observed, expected, variance = 0.0, 0.0, 0.0, 0.0
    for a, b, c, d in usable:
        row, column, shift = a + b, a + c, d - a
        # the count e of the first cell whose table, margins kept, has odds ratio r:
        # e (shift + e) = r (row - e)(column - e), a quadratic in e (linear when r = 1)
        linear = r * (row + column) + shift
        if abs(1 - r) < 1e-12:
            e = r * row * column / linear
        else:
            e = (-linear + math.sqrt(linear * linear + 4 * (1 - r) * r * row * column)) / (2 * (1 - r))
        v = 1 / (1 / e + 1 / (column - e) + 1 / (row - e) + 1 / (shift + e))
        statistic += (a - e) ** 2 / v
        observed, expected, variance = observed + a, expected + e, variance + v
    if tarone:
        statistic -= (observed - expected) ** 2 / variance
    df = len(usable) - 1
    return ChiSquared(statistic, df, float(chdtrc(df, statistic)))


__all__ = ["ChiSquared", "breslow_day", "q_between"]
