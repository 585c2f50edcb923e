"""Agreement between annotators of a coded corpus, per coding dimension and per code.

A unit is an utterance that two or more annotators coded on the dimension. For each dimension all
its codes are taken together (nominal), and each code alone against every other code of the
dimension (binary: code or not), because a dimension can be reliable overall while one rare code
is not. Two statistics, from the libraries researchers cite:

- Fleiss' kappa (``statsmodels``) needs the same number of ratings per unit, so it is computed over
  the units with the most common number of annotations (the larger number on a tie), and how many
  units that is is reported;
- Krippendorff's alpha, nominal (the ``krippendorff`` package), takes every unit with two or more.

Confidence intervals come from a bootstrap over units: the units are drawn with replacement
(seeded, so the same call gives the same interval) and the percentile interval of the replicates is
reported. Calling the libraries a thousand times per code would take minutes on a large corpus, so
the replicates are computed here from the per-unit code counts with numpy, as weighted sums of the
same terms the statistics are made of; a test holds these formulas to the libraries' point
estimates (to 1e-12). Replicates where a statistic is undefined (one code only) are left out.
"""

from __future__ import annotations

import warnings
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass

import krippendorff
import numpy as np
from statsmodels.stats.inter_rater import fleiss_kappa

from .corpus import Conversation

CHUNK_CELLS = 2_000_000  # replicate weights held at once (replicates x units)


@dataclass(frozen=True)
class Agreement:
    dimension: str
    code: str | None  # None: all codes of the dimension (nominal); a code: that code against the others
    units: int  # utterances coded by two annotators or more on the dimension
    annotations: int  # annotations on those units
    observed: float  # mean over units of the share of annotator pairs that gave the same code
    share: float | None  # share of the annotations that give the code (None for the whole dimension)
    fleiss_units: int  # units with the most common number of annotations, over which Fleiss' kappa runs
    fleiss_raters: int  # that number of annotations per unit
    fleiss_kappa: float | None  # None when undefined (a single code in every annotation)
    fleiss_low: float | None  # bootstrap percentile interval
    fleiss_high: float | None
    alpha: float | None  # Krippendorff's alpha, nominal
    alpha_low: float | None
    alpha_high: float | None
    bootstrap: int  # replicates drawn (0: no interval)


def unit_counts(conversations: list[Conversation]) -> dict[str, tuple[list[str], np.ndarray]]:
    """Per dimension: its codes (sorted) and the units x codes matrix of how many annotators gave
    each code, over the utterances coded by two annotators or more on that dimension."""
    rows: dict[str, list[Counter]] = defaultdict(list)
    for conversation in conversations:
        for utterance in conversation.utterances:
            per_dimension: dict[str, Counter] = defaultdict(Counter)
            for annotation in utterance.annotations:
                per_dimension[annotation.dimension][annotation.code] += 1
            for dimension, counts in per_dimension.items():
                if sum(counts.values()) >= 2:
                    rows[dimension].append(counts)
    out = {}
    for dimension in sorted(rows):
        codes = sorted({code for counts in rows[dimension] for code in counts})
        matrix = np.array([[counts.get(code, 0) for code in codes] for counts in rows[dimension]], dtype=np.int64)
        out[dimension] = (codes, matrix)
    return out


def fleiss_subset(matrix: np.ndarray) -> np.ndarray:
    """Mask of the units with the most common number of annotations (the larger on a tie)."""
    sizes = matrix.sum(axis=1)
    values, counts = np.unique(sizes, return_counts=True)
    mode = values[counts == counts.max()].max()
    return sizes == mode


# -- the statistics as weighted sums over units (weights 1: the point estimate; bootstrap weights: replicates) --

def alpha_terms(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per unit: its number of annotations m, and its pairable agreements sum_c x(x-1)/(m-1)."""
    m = matrix.sum(axis=1).astype(float)
    return m, (matrix * (matrix - 1)).sum(axis=1) / (m - 1)


def alpha_from_weights(weights: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Krippendorff's alpha (nominal) for each row of unit weights: 1 - (n-1)(n-A) / (n² - sum n_c²),
    with n the pairable values, A the agreeing pairs and n_c the values of code c (the coincidence
    matrix summed by hand)."""
    m, agreeing = alpha_terms(matrix)
    n, a = weights @ m, weights @ agreeing
    by_code = weights @ matrix.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 1 - (n - 1) * (n - a) / (n * n - (by_code * by_code).sum(axis=1))
    return np.where(np.isfinite(out), out, np.nan)


def fleiss_from_weights(weights: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Fleiss' kappa for each row of unit weights, over units that all have r annotations:
    (mean P_u - P_e) / (1 - P_e) with P_u = (sum_c x² - r) / (r(r-1)) and P_e = sum_c p_c²."""
    r = float(matrix[0].sum())
    per_unit = ((matrix * matrix).sum(axis=1) - r) / (r * (r - 1))
    total = weights.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_mean = weights @ per_unit / total
        p_code = (weights @ matrix.astype(float)) / (total * r)[:, None]
        expected = (p_code * p_code).sum(axis=1)
        out = (p_mean - expected) / (1 - expected)
    return np.where(np.isfinite(out) & (expected < 1 - 1e-12), out, np.nan)


def bootstrap_weights(units: int, replicates: int, rng: np.random.Generator):
    """Blocks of replicate weights: how often each unit is drawn when ``units`` units are drawn
    with replacement, one row per replicate."""
    block = max(1, CHUNK_CELLS // max(units, 1))
    done = 0
    while done < replicates:
        size = min(block, replicates - done)
        draws = rng.integers(0, units, size=(size, units))
        flat = (draws + (np.arange(size) * units)[:, None]).ravel()
        yield np.bincount(flat, minlength=size * units).reshape(size, units).astype(float)
        done += size


# -- the libraries' point estimates ---------------------------------------------------------------

def library_fleiss(matrix: np.ndarray) -> float | None:
    if np.count_nonzero(matrix.sum(axis=0)) < 2:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        value = float(fleiss_kappa(matrix, method="fleiss"))
    return value if np.isfinite(value) else None


def library_alpha(matrix: np.ndarray) -> float | None:
    if np.count_nonzero(matrix.sum(axis=0)) < 2:
        return None
    value = float(krippendorff.alpha(value_counts=matrix, level_of_measurement="nominal"))
    return value if np.isfinite(value) else None


def _interval(replicates: list[np.ndarray], confidence: float) -> tuple[float | None, float | None]:
    if not replicates:
        return None, None
    values = np.concatenate(replicates)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None, None
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


def _tables(codes: list[str], matrix: np.ndarray) -> list[tuple[str | None, np.ndarray]]:
    """The nominal table of the dimension, then one binary table (code, not code) per code."""
    sizes = matrix.sum(axis=1)
    return [(None, matrix)] + [(code, np.column_stack([matrix[:, j], sizes - matrix[:, j]]))
                               for j, code in enumerate(codes)]


def agreement(conversations: list[Conversation], bootstrap: int = 1000, seed: int = 1,
              confidence: float = 0.95) -> list[Agreement]:
    """One Agreement per dimension coded by two annotators on some utterance, followed by one per
    code of that dimension; [] when no utterance has two annotations on one dimension. Each
    dimension's replicates are drawn from a generator seeded by ``seed`` and the dimension's name,
    so a dimension's interval does not change when other dimensions are added."""
    if bootstrap < 0 or not 0 < confidence < 1:
        raise ValueError("bootstrap must be 0 or more and confidence between 0 and 1")
    out = []
    for dimension, (codes, matrix) in unit_counts(conversations).items():
        subset = fleiss_subset(matrix)
        tables = _tables(codes, matrix)
        fleiss_reps: list[list[np.ndarray]] = [[] for _ in tables]
        alpha_reps: list[list[np.ndarray]] = [[] for _ in tables]
        rng = np.random.default_rng([seed, zlib.crc32(dimension.encode("utf-8"))])
        for weights in bootstrap_weights(len(matrix), bootstrap, rng):
            for i, (_, table) in enumerate(tables):
                alpha_reps[i].append(alpha_from_weights(weights, table))
                fleiss_reps[i].append(fleiss_from_weights(weights[:, subset], table[subset]))
        sizes = matrix.sum(axis=1)
        observed = float(np.mean((matrix * (matrix - 1)).sum(axis=1) / (sizes * (sizes - 1))))
        for i, (code, table) in enumerate(tables):
            pairs = (table * (table - 1)).sum(axis=1) / (sizes * (sizes - 1))
            share = None if code is None else float(table[:, 0].sum() / sizes.sum())
            out.append(Agreement(dimension, code, len(matrix), int(sizes.sum()),
                                 observed if code is None else float(pairs.mean()), share,
                                 int(subset.sum()), int(sizes[subset][0]), library_fleiss(table[subset]),
                                 *_interval(fleiss_reps[i], confidence), library_alpha(table),
                                 *_interval(alpha_reps[i], confidence), bootstrap))
    return out


__all__ = ["Agreement", "agreement", "alpha_from_weights", "fleiss_from_weights", "fleiss_subset", "library_alpha",
           "library_fleiss", "unit_counts"]
