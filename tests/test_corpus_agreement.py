"""Agreement between annotators: hand-worked Fleiss' kappa and Krippendorff's alpha on the corpus
"agree" (tests/data/utterances/analysis-agree.ttl), the numpy formulas behind the bootstrap held to
the libraries, and the bootstrap interval held to one computed by calling the libraries."""

from __future__ import annotations

import zlib
from fractions import Fraction

import krippendorff
import numpy as np
import pytest
from corpus_store import UTTERANCES, dialogue, store_of, write_corpus
from statsmodels.stats.inter_rater import fleiss_kappa

from prc_kg.analysis.agreement import _tables, agreement, fleiss_subset, replicate_statistics, unit_counts
from prc_kg.analysis.corpus import read_corpus


@pytest.fixture(scope="module")
def agree():
    return read_corpus(store_of(UTTERANCES / "analysis-agree.ttl"))


def _row(rows, dimension, code=None):
    return next(r for r in rows if r.dimension == dimension and r.code == code)


# MISIMPLE:MAIN, units = utterances with two annotations or more (columns reflection, question, input):
#   u1 (3,0,0)  u2 (2,1,0)  u3 (0,3,0)  u4 (0,1,2)  u5 (0,0,3)  u6 (1,1,0), the last by two annotators;
#   the utterance coded "other" by a3 alone is no unit.
# Fleiss over u1-u5 (three annotations each, the most common count): P_u = (sum x² - 3) / 6 =
#   1, 1/3, 1, 1/3, 1, mean 11/15; p = (5/15, 5/15, 5/15), P_e = 1/3; kappa = (11/15 - 1/3) / (2/3) = 3/5.
# Krippendorff over u1-u6: n = 17 values; agreeing pairs A = sum_u sum_c x(x-1)/(m-1) = 3+1+3+1+3+0 = 11;
#   n_c = (6, 6, 5), sum n_c² = 97; alpha = 1 - (n-1)(n-A) / (n² - sum n_c²) = 1 - 16*6/192 = 1/2.
# Observed agreement, mean share of agreeing annotator pairs: (1 + 1/3 + 1 + 1/3 + 1 + 0) / 6 = 11/18.
# Reflection against the rest: columns (reflection, other) u1 (3,0) u2 (2,1) u3-u5 (0,3) u6 (1,1).
#   Fleiss: P_u = 1, 1/3, 1, 1, 1, mean 13/15; p = (1/3, 2/3), P_e = 5/9; kappa = (13/15 - 5/9)/(4/9) = 7/10.
#   Krippendorff: A = 3+1+3+3+3+0 = 13, n_c = (6, 11), sum n_c² = 157; alpha = 1 - 16*4/132 = 17/33.
# MISIMPLE:CLIENT, two annotators on four units (change, neutral, sustain): (2,0,0) (0,2,0) (0,1,1) (2,0,0).
#   Fleiss: P_u = 1,1,0,1, mean 3/4; p = (1/2, 3/8, 1/8), P_e = 13/32; kappa = (3/4-13/32)/(19/32) = 11/19.
#   Krippendorff: n = 8, A = 6, n_c = (4,3,1), sum 26; alpha = 1 - 7*2/38 = 12/19.
# MISIMPLE:REFLECTION-TYPE, one unit (complex, complex, simple): P_u = 1/3, P_e = 5/9, kappa = -1/2;
#   n = 3, A = 1, n_c = (2, 1): alpha = 1 - 2*2/(9-5) = 0.
HAND = {("MISIMPLE:MAIN", None): (6, 17, Fraction(11, 18), 5, 3, Fraction(3, 5), Fraction(1, 2)),
        ("MISIMPLE:MAIN", "MISIMPLE:REFLECTION"): (6, 17, Fraction(13, 18), 5, 3, Fraction(7, 10), Fraction(17, 33)),
        ("MISIMPLE:CLIENT", None): (4, 8, Fraction(3, 4), 4, 2, Fraction(11, 19), Fraction(12, 19)),
        ("MISIMPLE:REFLECTION-TYPE", None): (1, 3, Fraction(1, 3), 1, 3, Fraction(-1, 2), Fraction(0))}


@pytest.mark.parametrize("key", sorted(HAND, key=str))
def test_hand_worked_kappa_and_alpha(agree, key):
    units, annotations, observed, fleiss_units, raters, kappa, alpha = HAND[key]
    row = _row(agreement(agree, bootstrap=200), *key)
    assert (row.units, row.annotations, row.fleiss_units, row.fleiss_raters) == (units, annotations, fleiss_units,
                                                                                  raters)
    assert row.observed == pytest.approx(float(observed), abs=1e-12)
    assert row.fleiss_kappa == pytest.approx(float(kappa), abs=1e-12)
    assert row.alpha == pytest.approx(float(alpha), abs=1e-12)
    assert row.fleiss_low <= row.fleiss_kappa <= row.fleiss_high and row.alpha_low <= row.alpha <= row.alpha_high


def test_the_libraries_give_the_hand_worked_figures_from_the_count_tables():
    main = np.array([[3, 0, 0], [2, 1, 0], [0, 3, 0], [0, 1, 2], [0, 0, 3], [1, 1, 0]])
    assert fleiss_kappa(main[:5], method="fleiss") == pytest.approx(0.6, abs=1e-12)
    assert krippendorff.alpha(value_counts=main, level_of_measurement="nominal") == pytest.approx(0.5, abs=1e-12)


def test_every_row_and_the_share_of_each_code(agree):
    rows = agreement(agree, bootstrap=0)
    assert [(r.dimension, r.code) for r in rows] == [
        ("MISIMPLE:CLIENT", None), ("MISIMPLE:CLIENT", "MISIMPLE:CHANGE"), ("MISIMPLE:CLIENT", "MISIMPLE:NEUTRAL"),
        ("MISIMPLE:CLIENT", "MISIMPLE:SUSTAIN"), ("MISIMPLE:MAIN", None), ("MISIMPLE:MAIN", "MISIMPLE:INPUT"),
        ("MISIMPLE:MAIN", "MISIMPLE:QUESTION"), ("MISIMPLE:MAIN", "MISIMPLE:REFLECTION"),
        ("MISIMPLE:REFLECTION-TYPE", None), ("MISIMPLE:REFLECTION-TYPE", "MISIMPLE:COMPLEX"),
        ("MISIMPLE:REFLECTION-TYPE", "MISIMPLE:SIMPLE")]
    assert _row(rows, "MISIMPLE:MAIN", "MISIMPLE:REFLECTION").share == pytest.approx(6 / 17)
    assert all(r.fleiss_low is None and r.alpha_high is None and r.bootstrap == 0 for r in rows)


def _random_counts(rng: np.random.Generator, units: int, codes: int, sizes: list[int]) -> np.ndarray:
    matrix = np.zeros((units, codes), dtype=np.int64)
    for row in matrix:
        for _ in range(rng.choice(sizes)):
            row[rng.integers(codes)] += 1
    return matrix


@pytest.mark.parametrize("seed", range(6))
def test_the_bootstrap_formulas_give_the_libraries_point_estimates(seed):
    """Every table of a dimension (all codes, then each code against the rest): the weighted sums
    with weight 1 per unit are the libraries' statistics, and with whole-number weights they are
    the statistics of the units repeated that often (a bootstrap replicate)."""
    rng = np.random.default_rng(seed)
    codes = 2 + seed % 4
    matrix = _random_counts(rng, 40 + 30 * seed, codes, [2, 3, 3, 4])
    subset = fleiss_subset(matrix)
    tables = _tables([str(c) for c in range(codes)], matrix)
    alpha, kappa = replicate_statistics(np.ones((1, len(matrix))), matrix, subset)
    for i, (_, table) in enumerate(tables):
        assert alpha[0, i] == pytest.approx(krippendorff.alpha(value_counts=table, level_of_measurement="nominal"),
                                            abs=1e-12)
        assert kappa[0, i] == pytest.approx(fleiss_kappa(table[subset], method="fleiss"), abs=1e-12)
    weights = rng.integers(0, 3, size=(1, len(matrix)))
    alpha, kappa = replicate_statistics(weights.astype(float), matrix, subset)
    repeated = np.repeat(matrix, weights[0], axis=0)
    kept = np.repeat(subset, weights[0])
    for i, (_, table) in enumerate(_tables([str(c) for c in range(codes)], repeated)):
        assert alpha[0, i] == pytest.approx(krippendorff.alpha(value_counts=table, level_of_measurement="nominal"),
                                            abs=1e-12)
        assert kappa[0, i] == pytest.approx(fleiss_kappa(table[kept], method="fleiss"), abs=1e-12)


def test_the_interval_is_the_percentile_interval_of_library_replicates(tmp_path):
    """The bootstrap draws units with replacement; recomputing each replicate with the libraries
    on the drawn units gives the same interval."""
    conversations = read_corpus(store_of(_disagreeing_corpus(tmp_path)))
    row = _row(agreement(conversations, bootstrap=60, seed=7), "MISIMPLE:MAIN")
    _, matrix = unit_counts(conversations)["MISIMPLE:MAIN"]
    rng = np.random.default_rng([7, zlib.crc32(b"MISIMPLE:MAIN")])
    draws = rng.integers(0, len(matrix), size=(60, len(matrix)))
    alphas, kappas = [], []
    for drawn in draws:
        sample = matrix[drawn]
        alphas.append(krippendorff.alpha(value_counts=sample, level_of_measurement="nominal"))
        kappas.append(fleiss_kappa(sample[fleiss_subset(matrix)[drawn]], method="fleiss"))
    assert (row.alpha_low, row.alpha_high) == pytest.approx(tuple(np.percentile(alphas, [2.5, 97.5])), abs=1e-12)
    assert (row.fleiss_low, row.fleiss_high) == pytest.approx(tuple(np.percentile(kappas, [2.5, 97.5])), abs=1e-12)
    assert agreement(conversations, bootstrap=60, seed=7) == agreement(conversations, bootstrap=60, seed=7)
    assert _row(agreement(conversations, bootstrap=60, seed=8), "MISIMPLE:MAIN").alpha_low != row.alpha_low


def _disagreeing_corpus(tmp_path):
    """Twenty therapist utterances with two or three annotators who half agree."""
    from corpus_gen import Dialogue, Turn

    rng = np.random.default_rng(3)
    codes = ["MISIMPLE:REFLECTION", "MISIMPLE:QUESTION", "MISIMPLE:INPUT"]
    turns = []
    for order in range(20):
        truth = codes[order % 3]
        who = ["a1", "a2", "a3"][: 2 + order % 2]
        turns.append(Turn(str(order), "therapist", [
            ("MISIMPLE:MAIN", truth if rng.random() < .6 else codes[rng.integers(3)], "x", name) for name in who]))
    return write_corpus(tmp_path / "disagree.nt", "disagree", [Dialogue("1", {}, turns)])


def test_no_doubly_coded_utterance_means_no_rows_and_one_code_means_no_statistic(tmp_path):
    single = write_corpus(tmp_path / "single.nt", "single", [dialogue("1", {}, "T:R P:CT T:Q", annotator="a1")])
    assert agreement(read_corpus(store_of(single))) == []
    from corpus_gen import Dialogue, Turn

    same = [Turn(str(i), "therapist", [("MISIMPLE:MAIN", "MISIMPLE:QUESTION", "question", who) for who in ("a", "b")])
            for i in range(3)]
    rows = agreement(read_corpus(store_of(write_corpus(tmp_path / "same.nt", "same", [Dialogue("1", {}, same)]))))
    assert [(r.code, r.observed, r.fleiss_kappa, r.alpha, r.fleiss_low) for r in rows] == [
        (None, 1.0, None, None, None), ("MISIMPLE:QUESTION", 1.0, None, None, None)]
