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

Floating point leaves a statistic that is exactly zero in theory (observed agreement equal to the
agreement expected by chance) a rounding error away, such as -2.5e-16; values within ``SNAP`` of
zero are reported as 0, so a table does not show a meaningless tiny negative number.

An absence code (MISIMPLE:NO-REFLECTION: the annotator found no reflection) is a judgement like any
other code, so it takes part: agreement on the reflection type runs over every utterance that two
annotators judged for a reflection, not only over those where both found one.
"""

from __future__ import annotations

import warnings
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, fields, replace

import krippendorff
import numpy as np
from statsmodels.stats.inter_rater import fleiss_kappa

from .corpus import Conversation

CHUNK_CELLS = 2_000_000  # replicate weights held at once (replicates x units)
SNAP = 1e-12  # a value this close to zero is reported as 0


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


def snap(value: float | None) -> float | None:
    """0.0 for a value within SNAP of zero (rounding error, or -0.0), else the value."""
    return 0.0 if value is not None and abs(value) < SNAP else value


def _snapped(result: Agreement) -> Agreement:
    return replace(result, **{f.name: snap(getattr(result, f.name)) for f in fields(result)
                              if isinstance(getattr(result, f.name), float)})


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

def replicate_statistics(weights: np.ndarray, matrix: np.ndarray, subset: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Krippendorff's alpha and Fleiss' kappa for each row of unit weights (a replicate: how often
    each unit was drawn) and each table of the dimension in the order of ``_tables`` (columns: all
    codes together, then each code against the rest), NaN where undefined. All tables of a dimension share the weighted sums, so a
    replicate costs a few matrix products for the whole dimension.

    Alpha (nominal) = 1 - (n-1)(n-A) / (n² - sum_c n_c²): n pairable values, A agreeing pairs
    (sum_u sum_c x(x-1)/(m-1)), n_c the values of code c (the coincidence matrix summed by hand).
    Kappa = (mean P_u - P_e) / (1 - P_e) over the units of ``subset``, which all have r
    annotations: P_u = (sum_c x² - r) / (r(r-1)), P_e = sum_c p_c²."""
    counts = matrix.astype(float)
    m = counts.sum(axis=1)
    rest = m[:, None] - counts
    agreeing = np.column_stack([(counts * (counts - 1)).sum(axis=1) / (m - 1),
                                (counts * (counts - 1) + rest * (rest - 1)) / (m - 1)[:, None]])
    n = weights @ m
    by_code = weights @ counts
    squares = np.column_stack([(by_code * by_code).sum(axis=1), by_code * by_code + (n[:, None] - by_code) ** 2])
    chosen, w = counts[subset], weights[:, subset]
    r = float(m[subset][0])
    per_unit = np.column_stack([((chosen * chosen).sum(axis=1) - r) / (r * (r - 1)),
                                (chosen * chosen + (r - chosen) ** 2 - r) / (r * (r - 1))])
    total = w.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = 1 - (n - 1)[:, None] * (n[:, None] - weights @ agreeing) / (n[:, None] ** 2 - squares)
        share = (w @ chosen) / (total * r)[:, None]
        expected = np.column_stack([(share * share).sum(axis=1), share * share + (1 - share) ** 2])
        kappa = ((w @ per_unit) / total[:, None] - expected) / (1 - expected)
    alpha = np.where(np.isfinite(alpha), alpha, np.nan)
    kappa = np.where(np.isfinite(kappa) & (expected < 1 - 1e-12), kappa, np.nan)
    return alpha, kappa


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
        alpha_reps: list[np.ndarray] = []
        fleiss_reps: list[np.ndarray] = []
        rng = np.random.default_rng([seed, zlib.crc32(dimension.encode("utf-8"))])
        for weights in bootstrap_weights(len(matrix), bootstrap, rng):
            alpha, kappa = replicate_statistics(weights, matrix, subset)
            alpha_reps.append(alpha)
            fleiss_reps.append(kappa)
        sizes = matrix.sum(axis=1)
        observed = float(np.mean((matrix * (matrix - 1)).sum(axis=1) / (sizes * (sizes - 1))))
        for i, (code, table) in enumerate(tables):
            pairs = (table * (table - 1)).sum(axis=1) / (sizes * (sizes - 1))
            share = None if code is None else float(table[:, 0].sum() / sizes.sum())
            result = Agreement(dimension, code, len(matrix), int(sizes.sum()),
                               observed if code is None else float(pairs.mean()), share,
                               int(subset.sum()), int(sizes[subset][0]), library_fleiss(table[subset]),
                               *_interval([r[:, i] for r in fleiss_reps], confidence), library_alpha(table),
                               *_interval([r[:, i] for r in alpha_reps], confidence), bootstrap)
            out.append(_snapped(result))
    return out


__all__ = ["SNAP", "Agreement", "agreement", "fleiss_subset", "library_alpha", "library_fleiss", "replicate_statistics",
           "snap", "unit_counts"]
