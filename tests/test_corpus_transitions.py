"""What follows what between speakers of a coded corpus: pairs at lag 1 and lag k against
hand-worked tables, strata of a conversation attribute, and the tests of a difference between
strata on a corpus where one is planted."""

from __future__ import annotations

import math

import numpy as np
import pytest
from corpus_store import dialogue, store_of, write_corpus
from scipy.stats import chi2
from statsmodels.stats.contingency_tables import StratifiedTable

from prc_kg.analysis.corpus import UnknownName, read_corpus
from prc_kg.analysis.heterogeneity import breslow_day, q_between
from prc_kg.analysis.pooling import dersimonian_laird
from prc_kg.analysis.speaker_transitions import speaker_transitions, stratum_names
from prc_kg.errors import PrcKgError

R, Q, I = "MISIMPLE:REFLECTION", "MISIMPLE:QUESTION", "MISIMPLE:INPUT"
CT, FN, ST = "MISIMPLE:CHANGE", "MISIMPLE:NEUTRAL", "MISIMPLE:SUSTAIN"
MAIN = ["MISIMPLE:MAIN"]

# s1 (high): 1 T open question, 2 P change, 3 T complex reflection, 4 P change, 5 T simple reflection,
#   6 T closed question, 7 P neutral, 8 T input, 9 P sustain, 10 T complex reflection, 11 P change.
# s2 (low): 1 T input, 2 P sustain, 3 T closed question, 4 P neutral, 5 T simple reflection, 6 P sustain,
#   7 T input, 8 P neutral, 9 T (uncoded).
SEQUENCES = {"s1": ("high", "T:OQ P:CT T:CR P:CT T:SR T:CQ P:FN T:I P:ST T:CR P:CT"),
             "s2": ("low", "T:I P:ST T:CQ P:FN T:SR P:ST T:I P:FN T:-")}


@pytest.fixture(scope="module")
def seq(tmp_path_factory):
    path = write_corpus(tmp_path_factory.mktemp("seq") / "seq.nt", "seq",
                        [dialogue(cid, {"mi_quality": quality}, script) for cid, (quality, script) in SEQUENCES.items()])
    return read_corpus(store_of(path))


def _find(rows, a, b):
    return next(t for t in rows if t.antecedent == a and t.consequent == b)


def test_lag_1_therapist_to_patient_by_hand(seq):
    """Main-behaviour codes → the patient's next utterance, therapist utterances in between included:
    s1: Q→CT, R→CT, R→FN, Q→FN (5 and 6 both meet 7), I→ST, R→CT; s2: I→ST, Q→FN, R→ST, I→FN; s2's
    last therapist utterance has no patient utterance after it.
    Reflection → change: N = 10, n_A = 4, n_B = 3, n_AB = 2; P(B|A) = 1/2, P(B) = 3/10, expected 1.2;
    z = (0.5 - 0.3) / sqrt(0.3 * 0.7 * (1 - 0.4) / (10 * 0.4)) = 0.2 / sqrt(0.0315) = 1.126872;
    adjusted residual = (2 - 1.2) / sqrt(1.2 * 0.6 * 0.7) = 0.8 / sqrt(0.504) = 1.126872.
    Fisher: P(k) = C(3,k) C(7,4-k) / C(10,4) = 35, 105, 63, 7 (/210) for k = 0..3; the counts no
    likelier than k = 2 are 0, 2, 3: p = (35 + 63 + 7) / 210 = 1/2."""
    result = speaker_transitions(seq, "therapist", "patient", dimensions=MAIN)
    assert result.antecedent_dimensions == ("MISIMPLE:MAIN",) and result.consequent_dimensions == ("MISIMPLE:CLIENT",)
    assert (result.unpaired, result.uncoded) == (1, 0)
    t = _find(result.transitions(), R, CT)
    assert (t.n_ab, t.n_a, t.n_b, t.n) == (2, 4, 3, 10)
    assert (t.probability, t.base_rate, t.expected) == pytest.approx((0.5, 0.3, 1.2))
    assert t.z == pytest.approx(1.126872, abs=1e-6) and t.adjusted_residual == pytest.approx(1.126872, abs=1e-6)
    assert t.p_exact == pytest.approx(0.5, abs=1e-12)
    assert (_find(result.transitions(), Q, FN).n_ab, _find(result.transitions(), I, ST).n_ab) == (2, 2)


def test_lag_2_and_the_reverse_direction(seq):
    """Lag 2 (the patient's second utterance after): s1 Q→CT, R→FN, R→ST, Q→ST, I→CT, (10 none);
    s2 I→FN, Q→ST, R→FN, (7 and 9 none): 8 pairs, 3 unpaired, reflection never before change.
    Patient → therapist, lag 1, all therapist dimensions: s1 CT→{R, complex}, CT→{R, simple}, FN→{I},
    ST→{R, complex}; s2 ST→{Q, closed}, FN→{R, simple}, ST→{I}, FN→(uncoded); 11 unpaired."""
    lag2 = speaker_transitions(seq, dimensions=MAIN, lag=2)
    t = _find(lag2.transitions(), R, CT)
    assert (t.n_ab, t.n_a, t.n_b, t.n, lag2.unpaired) == (0, 3, 2, 8, 3)
    back = speaker_transitions(seq, "patient", "therapist")
    assert back.antecedent_dimensions == ("MISIMPLE:CLIENT",)
    assert back.consequent_dimensions == ("MISIMPLE:MAIN", "MISIMPLE:QUESTION-TYPE", "MISIMPLE:REFLECTION-TYPE")
    assert (back.unpaired, back.uncoded) == (1, 1)
    t = _find(back.transitions(), CT, R)
    assert (t.n_ab, t.n_a, t.n_b, t.n) == (2, 2, 4, 7)
    assert _find(back.transitions(), CT, "MISIMPLE:COMPLEX").n_ab == 1


def test_a_dimension_narrows_its_side_and_uncoded_pairs_are_left_out(seq):
    """Only reflection type before: four therapist utterances carry one (s1 3, 5, 10; s2 5), so six
    of the ten pairs are left out."""
    result = speaker_transitions(seq, dimensions=["MISIMPLE:REFLECTION-TYPE"])
    assert result.antecedent_dimensions == ("MISIMPLE:REFLECTION-TYPE",)
    assert result.uncoded == 6 and result.transitions()[0].n == 4
    assert _find(result.transitions(), "MISIMPLE:COMPLEX", CT).n_ab == 2


def test_pooling_over_conversations_uses_each_conversations_table(seq):
    """Reflection → neutral: s1 cells (1, 2, 1, 2), log OR 0, variance 3; s2 (0, 1, 2, 1) with 0.5
    added, log(0.5 * 1.5 / (1.5 * 2.5)) = log 0.2, variance 2 + 2/3 + 0.4 + 2/3."""
    pooled = _find(speaker_transitions(seq, dimensions=MAIN).random_effects(), R, FN)
    expected = dersimonian_laird([(0.0, 3.0), (math.log(0.2), 2 + 2 / 3 + 0.4 + 2 / 3)])
    assert pooled.groups == 2
    assert (pooled.log_odds_ratio, pooled.se, pooled.tau2) == pytest.approx((expected.estimate, expected.se,
                                                                            expected.tau2))


def test_strata_of_a_conversation_attribute(seq):
    result = speaker_transitions(seq, dimensions=MAIN, by="mi_quality")
    assert stratum_names(result) == ["all", "high", "low"] and result.without_attribute == 0
    t = _find(result.transitions("high"), R, CT)
    assert (t.n_ab, t.n_a, t.n_b, t.n) == (2, 3, 3, 6)
    assert all(t.consequent != CT for t in result.transitions("low"))  # no change talk in s2
    # one conversation a stratum: no random-effects estimate to compare, Breslow–Day on the summed tables only,
    # for the six pairs whose table both strata define (never reflection → change)
    differences = result.differences()
    assert [(d.antecedent, d.consequent) for d in differences] == [(a, b) for a in (I, Q, R) for b in (FN, ST)]
    assert all(d.q is None and d.estimates == () and 0 < d.p_breslow_day < 1 for d in differences)
    with pytest.raises(UnknownName, match="no conversation attribute 'quality'; known attributes: mi_quality"):
        speaker_transitions(seq, by="quality")
    with pytest.raises(UnknownName, match="no stratum 'medium'; strata: high, low"):
        result.transitions("medium")


def test_bad_requests_are_named(seq):
    with pytest.raises(UnknownName, match="no coding dimension 'MITI:BEHAVIOUR'.*known dimensions: MISIMPLE:CLIENT, "
                                          "MISIMPLE:MAIN"):
        speaker_transitions(seq, dimensions=["MITI:BEHAVIOUR"])
    with pytest.raises(UnknownName, match="codes neither the patient's nor the patient's"):
        speaker_transitions(seq, "patient", "patient", dimensions=MAIN)
    with pytest.raises(UnknownName, match="unknown speaker 'client'"):
        speaker_transitions(seq, "client", "therapist")
    with pytest.raises(PrcKgError, match="1 or more, got 0"):
        speaker_transitions(seq, lag=0)


def _planted(tmp_path, high: tuple[int, int, int, int], low: tuple[int, int, int, int]):
    """Ten conversations per stratum, each of therapist-patient pairs with the cells
    (reflection then change, reflection then neutral, question then change, question then neutral)."""
    def script(cells):
        return " ".join(pair for pair, n in zip(("T:R P:CT", "T:R P:FN", "T:Q P:CT", "T:Q P:FN"), cells)
                        for _ in range(n))
    dialogues = [dialogue(f"{quality}{i}", {"mi_quality": quality}, script(cells))
                 for quality, cells in (("high", high), ("low", low)) for i in range(10)]
    dialogues.append(dialogue("unrated", {}, script((1, 1, 1, 1))))
    return read_corpus(store_of(write_corpus(tmp_path / "planted.nt", "planted", dialogues)))


def test_a_planted_difference_between_strata_is_found(tmp_path):
    """High: every conversation (6, 2, 2, 6), odds ratio 9, variance 1/6+1/2+1/2+1/6 = 4/3; low:
    (4, 4, 4, 4), odds ratio 1, variance 1. Ten alike conversations pool to the same log odds
    ratio with variance 1/10 of one (tau² = 0), so Q = (ln 9 - 0)² / (4/30 + 1/10) = 20.69, 1 df.
    Breslow–Day on the summed tables (60, 20, 20, 60) and (40, 40, 40, 40): Mantel–Haenszel odds
    ratio (60*60 + 40*40)/160 / ((20*20 + 40*40)/160) = 2.6; both tables have margins 80 and
    d - a = 0, so the first cell expected at odds ratio 2.6 solves -1.6 e² + 416 e - 16640 = 0,
    e = 130 - sqrt(6500); its variance v = 1 / (2/e + 2/(80 - e)); statistic
    ((60 - e)² + (40 - e)²) / v, less Tarone's (100 - 2e)² / (2v)."""
    result = speaker_transitions(_planted(tmp_path, (6, 2, 2, 6), (4, 4, 4, 4)), dimensions=MAIN, by="mi_quality")
    assert result.without_attribute == 1
    d = _find(result.differences(), R, CT)
    q = math.log(9) ** 2 / (4 / 30 + 1 / 10)
    assert [name for name, *_ in d.estimates] == ["high", "low"]
    assert d.estimates[0][1:] == pytest.approx((math.log(9), math.sqrt(4 / 30), 10))
    assert (d.q, d.df, d.p_value) == pytest.approx((q, 1, chi2.sf(q, 1)))
    assert d.p_value < 1e-4 and d.p_holm == pytest.approx(min(1.0, 4 * d.p_value))
    e = 130 - math.sqrt(6500)
    v = 1 / (2 / e + 2 / (80 - e))
    bd = ((60 - e) ** 2 + (40 - e) ** 2) / v - (100 - 2 * e) ** 2 / (2 * v)
    assert d.breslow_day == pytest.approx(bd, rel=1e-9) and d.p_breslow_day == pytest.approx(chi2.sf(bd, 1))
    assert len(result.differences()) == 4  # R or Q before, change or neutral after: the same table turned


def test_no_difference_when_the_strata_agree(tmp_path):
    result = speaker_transitions(_planted(tmp_path, (6, 2, 2, 6), (6, 2, 2, 6)), dimensions=MAIN, by="mi_quality")
    d = _find(result.differences(), R, CT)
    assert d.q == pytest.approx(0, abs=1e-12) and d.p_value == pytest.approx(1.0)
    assert d.breslow_day == pytest.approx(0, abs=1e-12) and d.p_breslow_day == pytest.approx(1.0)


def test_breslow_day_is_statsmodels_test_and_also_defined_at_odds_ratio_one():
    tables = [(12, 5, 7, 20), (3, 9, 8, 4), (10, 0, 6, 7)]
    reference = StratifiedTable([np.array(t, dtype=float).reshape(2, 2) for t in tables], shift_zeros=True)
    for tarone in (True, False):
        ours = breslow_day(tables, tarone=tarone)
        theirs = reference.test_equal_odds(adjust=tarone)
        assert (ours.statistic, ours.p_value) == pytest.approx((theirs.statistic, theirs.pvalue), rel=1e-9)
    even = [(5, 5, 5, 5), (5, 5, 5, 5)]
    with np.errstate(all="ignore"):
        assert math.isnan(StratifiedTable([np.array(t, float).reshape(2, 2) for t in even]).test_equal_odds().statistic)
    assert breslow_day(even).statistic == pytest.approx(0, abs=1e-12)
    assert breslow_day([(5, 5, 5, 5), (0, 0, 4, 4)]) is None  # a table with an empty margin tells nothing
    assert q_between([(0.3, 0.2)]) is None
