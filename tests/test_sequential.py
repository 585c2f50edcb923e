"""What follows what: lag-1 transition statistics against a hand-worked table, and the pattern
planted in the example study found again from the graph."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from conftest import DATA

from prc_kg.analysis.sequences import rated_pairs, turn_pairs
from prc_kg.analysis.sequential import adjusted_residual, allison_liker_z, fisher_exact_p, lag1_transitions
from prc_kg.instances.ratings import import_ratings
from prc_kg.store.dataset import load_dataset

INTERPRETATION = "https://w3id.org/prc-kg/ontology/Interpretation"
SUPPORT = "https://w3id.org/prc-kg/ontology/Support"
PRODUCTIVITY = "https://w3id.org/prc-kg/ontology/PatientProductivity"


@pytest.fixture(scope="module")
def hand_worked(release_graph, terms, tmp_path_factory):
    """tests/data/sequences/hand_worked.csv: one session, 20 therapist segments each followed by a
    patient segment. Segments 1-8 are interpretations (TYPE-INT 4), 9-20 support (TYPE-SUP 4);
    the next patient segment is productive (PAT-PROD 4, else 1) after pairs 1-7 and 9-11.

    By hand, for interpretation → productivity: N = 20, n_A = 8, n_B = 10, n_AB = 7;
    P(B|A) = 7/8 = 0.875, P(B) = 0.5, P(A) = 0.4;
    z = (0.875 - 0.5) / sqrt(0.5 * 0.5 * 0.6 / (20 * 0.4)) = 0.375 / 0.136931 = 2.7386;
    expected n_AB = 8 * 10 / 20 = 4; adjusted residual = (7 - 4) / sqrt(4 * 0.6 * 0.5) = 2.7386;
    two-sided p = 0.00617. Support → productivity: n_A = 12, n_AB = 3, P(B|A) = 0.25, z = -2.7386.
    Fisher's exact test: P(n_AB = k) = C(8, k) C(12, 10 - k) / C(20, 10), C(20, 10) = 184,756; the
    counts no likelier than k = 7 (8 * 220 = 1,760) are k = 0, 1, 7, 8 (66 + 1,760 + 1,760 + 66),
    so p = 3,652 / 184,756 = 0.019767.
    """
    out = tmp_path_factory.mktemp("hand") / "hand.nt"
    import_ratings(DATA / "sequences" / "hand_worked.csv", out, terms)
    store, _ = load_dataset(release_graph, None, [out])
    return rated_pairs(store, threshold=3)


def _find(transitions, a, b):
    return next(t for t in transitions if t.antecedent == a and t.consequent == b)


def test_transition_table_matches_the_hand_worked_counts_and_statistics(hand_worked):
    table = hand_worked.transitions()
    up = _find(table, INTERPRETATION, PRODUCTIVITY)
    assert (up.n, up.n_a, up.n_b, up.n_ab) == (20, 8, 10, 7)
    assert up.probability == pytest.approx(0.875) and up.base_rate == pytest.approx(0.5)
    assert up.expected == pytest.approx(4.0)
    assert up.z == pytest.approx(2.7386, abs=1e-4)
    assert up.adjusted_residual == pytest.approx(2.7386, abs=1e-4)
    assert up.p_value == pytest.approx(0.00617, abs=1e-5)
    assert up.p_exact == pytest.approx(3652 / 184756)
    assert up.significant
    down = _find(table, SUPPORT, PRODUCTIVITY)
    assert (down.n_a, down.n_ab) == (12, 3)
    assert down.z == pytest.approx(-2.7386, abs=1e-4) and down.significant
    # Two tests in the table: Holm multiplies the smaller p by 2 and keeps the order.
    assert up.p_holm == pytest.approx(2 * up.p_value)


def _fisher_by_definition(n_ab: int, n_a: int, n_b: int, n: int) -> Fraction:
    """Sum, in exact fractions, of every table with these margins no likelier than the observed one."""
    prob = {k: Fraction(math.comb(n_a, k) * math.comb(n - n_a, n_b - k), math.comb(n, n_b))
            for k in range(max(0, n_a + n_b - n), min(n_a, n_b) + 1)}
    return sum((p for p in prob.values() if p <= prob[n_ab] * Fraction(10_000_001, 10_000_000)), Fraction(0))


def test_exact_p_is_fishers_test():
    assert fisher_exact_p(3, 4, 4, 8) == pytest.approx(34 / 70)  # Fisher's tea-tasting table
    for n_ab, n_a, n_b, n in [(0, 4, 10, 25), (12, 12, 20, 40), (1, 2, 2, 50), (8, 67, 16, 357), (30, 60, 90, 400),
                              (0, 1, 1, 2), (5, 5, 5, 5 + 1)]:
        assert fisher_exact_p(n_ab, n_a, n_b, n) == pytest.approx(float(_fisher_by_definition(n_ab, n_a, n_b, n)),
                                                                  rel=1e-9)
    assert fisher_exact_p(1, 1, 1, 1) is None  # A (and B) in every pair: nothing to test


def test_a_gap_in_the_record_makes_no_pair(hand_worked):
    assert sum(len(pairs) for pairs in hand_worked.groups.values()) == 20


def test_both_statistics_agree_on_any_two_by_two_table():
    for n_ab, n_a, n_b, n in [(3, 5, 9, 30), (0, 4, 10, 25), (12, 12, 20, 40), (1, 2, 2, 50)]:
        assert allison_liker_z(n_ab, n_a, n_b, n) == pytest.approx(adjusted_residual(n_ab, n_a, n_b, n))


def test_undefined_statistics_are_reported_as_missing_not_as_numbers():
    table = lag1_transitions([(frozenset({"A"}), frozenset({"B"}))] * 5)
    assert table[0].z is None and table[0].p_value is None and not table[0].significant
    with pytest.raises(ValueError, match="alpha"):
        lag1_transitions([], alpha=1.5)


def test_pairs_never_seen_together_are_listed_with_their_negative_z():
    pairs = [(frozenset({"A"}), frozenset({"C"}))] * 6 + [(frozenset({"B"}), frozenset({"D"}))] * 6
    table = lag1_transitions(pairs)
    never = _find(table, "A", "D")
    assert never.n_ab == 0 and never.z < -3 and math.isclose(never.probability, 0.0)


def test_the_planted_pattern_of_the_example_study_comes_out_significant(kg_store):
    """The generator raises next-segment productivity after skilful interpretations; pooled over
    the three dyads, interpretation → productivity must stand out even after Holm's correction."""
    pairs = rated_pairs(kg_store)
    assert sorted(len(p) for p in pairs.groups.values()) == [80, 80, 80]
    t = _find(pairs.transitions(), INTERPRETATION, PRODUCTIVITY)
    assert t.z > 4 and t.p_holm < 0.001
    assert t.probability > 1.5 * t.base_rate
    per_dyad = [_find(pairs.transitions(group), INTERPRETATION, PRODUCTIVITY) for group in sorted(pairs.groups)]
    assert all(d.z > 2 for d in per_dyad)


def test_coded_turns_give_pairs_per_case(kg_store):
    pairs = turn_pairs(kg_store)
    assert len(pairs.groups) >= 50
    assert all(before and after for group in pairs.groups.values() for before, after in group[:1])
