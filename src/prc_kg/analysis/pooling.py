"""Pooling a transition over dyads (or cases) with a random-effects model.

Summing the counts of all dyads (the pooled table of sequential.py) treats the dyads as one long
session: one talkative dyad can carry the result, and a pattern that holds in one dyad and reverses
in another can vanish or appear. Here each dyad's 2 x 2 table gives a log odds ratio for B
following A; the DerSimonian–Laird model pools them, lets the true effect differ between dyads
(tau²) and says how much of the spread is more than chance (I²).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from .sequential import Z_CRITICAL_05, Pairs, holm_adjusted, lag1_tables, two_sided_p


@dataclass(frozen=True)
class PooledTransition:
    antecedent: str
    consequent: str
    groups: int  # dyads (or cases) whose table is defined: A and B each occur, and not in every pair
    log_odds_ratio: float
    se: float
    odds_ratio: float
    ci_low: float  # 95 % interval of the odds ratio
    ci_high: float
    z: float
    p_value: float
    tau2: float  # between-group variance of the log odds ratio
    q: float  # Cochran's Q
    i2: float  # share of the spread beyond chance, 0 to 1
    significant: bool
    p_holm: float | None = None


def log_odds_ratio(n_ab: int, n_a: int, n_b: int, n: int) -> tuple[float, float] | None:
    """The log odds that B follows A rather than another code, against the same odds after the
    other codes, with its variance; 0.5 is added to every cell of a table with an empty cell
    (Haldane–Anscombe). None when A or B is in every pair or in none."""
    if n == 0 or n_a in (0, n) or n_b in (0, n):
        return None
    cells = [n_ab, n_a - n_ab, n_b - n_ab, n - n_a - n_b + n_ab]
    if 0 in cells:
        cells = [c + 0.5 for c in cells]
    a, b, c, d = cells
    return math.log(a * d / (b * c)), 1 / a + 1 / b + 1 / c + 1 / d


@dataclass(frozen=True)
class RandomEffect:
    estimate: float
    se: float
    tau2: float
    q: float
    i2: float


def dersimonian_laird(estimates: list[tuple[float, float]]) -> RandomEffect:
    """Pool (estimate, variance) pairs: tau² by the method of moments, then inverse-variance
    weights with tau² added to each variance (DerSimonian & Laird 1986)."""
    if len(estimates) < 2:
        raise ValueError("a random-effects model needs at least two groups")
    weights = [1 / v for _, v in estimates]
    total = sum(weights)
    fixed = sum(w * y for w, (y, _) in zip(weights, estimates)) / total
    q = sum(w * (y - fixed) ** 2 for w, (y, _) in zip(weights, estimates))
    df = len(estimates) - 1
    scale = total - sum(w * w for w in weights) / total
    tau2 = max(0.0, (q - df) / scale) if scale > 0 else 0.0
    star = [1 / (v + tau2) for _, v in estimates]
    estimate = sum(w * y for w, (y, _) in zip(star, estimates)) / sum(star)
    i2 = max(0.0, (q - df) / q) if q > 0 else 0.0
    return RandomEffect(estimate, math.sqrt(1 / sum(star)), tau2, q, i2)


def random_effects(groups: Mapping[str, Pairs], alpha: float = 0.05) -> list[PooledTransition]:
    """One PooledTransition per code pair defined in two groups or more, sorted by antecedent, then
    falling z; Holm's adjustment runs over the pairs pooled."""
    tables: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for key in sorted(groups):
        for a, b, n_ab, n_a, n_b, n in lag1_tables(groups[key]):  # counts only: no per-dyad tests
            estimate = log_odds_ratio(n_ab, n_a, n_b, n)
            if estimate is not None:
                tables[(a, b)].append(estimate)
    out = []
    for (a, b), estimates in tables.items():
        if len(estimates) < 2:
            continue
        effect = dersimonian_laird(estimates)
        z = effect.estimate / effect.se
        p = two_sided_p(z)
        half = Z_CRITICAL_05 * effect.se
        out.append(PooledTransition(a, b, len(estimates), effect.estimate, effect.se, math.exp(effect.estimate),
                                    math.exp(effect.estimate - half), math.exp(effect.estimate + half), z, p,
                                    effect.tau2, effect.q, effect.i2, p < alpha))
    out = holm_adjusted(out)
    out.sort(key=lambda t: (t.antecedent, -t.z, t.consequent))
    return out


__all__ = ["PooledTransition", "RandomEffect", "dersimonian_laird", "log_odds_ratio", "random_effects"]
