"""Pooling a transition over dyads with a random-effects model: against an independent
implementation's figures, on a table where summing the counts misleads, and on the example study."""

from __future__ import annotations

import csv
import io
import math

import pytest

from prc_kg.analysis.pooling import dersimonian_laird, log_odds_ratio, random_effects

INTERPRETATION = "https://w3id.org/prc-kg/ontology/Interpretation"
PRODUCTIVITY = "https://w3id.org/prc-kg/ontology/PatientProductivity"


def pairs(a: int, b: int, c: int, d: int) -> list[tuple[frozenset[str], frozenset[str]]]:
    """Lag-1 pairs whose table for A → B has the cells a (A then B), b (A then not B), c (not A then
    B), d (neither)."""
    A, Y, B, X = frozenset({"A"}), frozenset({"Y"}), frozenset({"B"}), frozenset({"X"})
    return [(A, B)] * a + [(A, X)] * b + [(Y, B)] * c + [(Y, X)] * d


def _find(table, a="A", b="B"):
    return next(t for t in table if t.antecedent == a and t.consequent == b)


def test_pooled_figures_match_statsmodels():
    """Four dyads, the last with an empty cell (0.5 added to each of its cells). Reference figures
    from statsmodels 0.15.0, ``combine_effects(log_or, var, method_re="dl")``, computed once outside
    this project (statsmodels is not a dependency)."""
    groups = {f"d{i}": pairs(*cells) for i, cells in
              enumerate([(12, 8, 10, 30), (5, 15, 6, 34), (20, 5, 9, 16), (0, 10, 4, 20)], start=1)}
    t = _find(random_effects(groups))
    assert t.groups == 4
    assert t.log_odds_ratio == pytest.approx(1.114140508571069, rel=1e-9)
    assert t.se == pytest.approx(0.5092812771733695, rel=1e-9)
    assert t.tau2 == pytest.approx(0.450703980087397, rel=1e-9)
    assert t.q == pytest.approx(5.4603012136316895, rel=1e-9)
    assert t.i2 == pytest.approx(0.45057976059810145, rel=1e-9)
    assert (math.log(t.ci_low), math.log(t.ci_high)) == pytest.approx((0.11596755, 2.11231347), rel=1e-6)
    assert t.p_value == pytest.approx(0.02869348610717317, rel=1e-9) and t.significant


def test_haldane_correction_and_undefined_tables():
    y, v = log_odds_ratio(0, 10, 4, 34)  # cells 0, 10, 4, 20 → 0.5, 10.5, 4.5, 20.5
    assert y == pytest.approx(math.log(0.5 * 20.5 / (10.5 * 4.5)))
    assert v == pytest.approx(1 / 0.5 + 1 / 10.5 + 1 / 4.5 + 1 / 20.5)
    assert log_odds_ratio(5, 5, 7, 20) is not None
    assert log_odds_ratio(3, 20, 5, 20) is None  # A in every pair
    assert log_odds_ratio(0, 4, 0, 20) is None  # B never follows anything
    with pytest.raises(ValueError, match="two groups"):
        dersimonian_laird([(0.3, 0.1)])


def test_equal_dyads_have_no_heterogeneity():
    t = _find(random_effects({"d1": pairs(10, 5, 5, 10), "d2": pairs(10, 5, 5, 10), "d3": pairs(10, 5, 5, 10)}))
    assert t.tau2 == 0 and t.i2 == 0 and t.q == pytest.approx(0)
    assert t.odds_ratio == pytest.approx(4.0)
    assert t.se == pytest.approx(math.sqrt((1 / 10 + 1 / 5 + 1 / 5 + 1 / 10) / 3))


def test_dyads_that_differ_in_level_do_not_make_a_pattern_that_no_dyad_has():
    """In each dyad B follows A exactly as often as it follows anything else (odds ratio 1), but one
    dyad has far more of both: summing the counts shows B following A, pooling the dyads does not."""
    groups = {"busy": pairs(40, 10, 40, 10), "quiet": pairs(1, 9, 9, 81)}
    from prc_kg.analysis.sequential import lag1_transitions

    summed = _find(lag1_transitions([p for g in groups.values() for p in g]))
    assert summed.significant and summed.z > 4
    pooled = _find(random_effects(groups))
    assert pooled.odds_ratio == pytest.approx(1.0) and pooled.p_value == pytest.approx(1.0)
    assert not pooled.significant


def test_the_planted_pattern_survives_random_effects_pooling(kg_store):
    from prc_kg.analysis.sequences import rated_pairs

    t = _find(rated_pairs(kg_store).random_effects(), INTERPRETATION, PRODUCTIVITY)
    assert t.groups == 3 and t.odds_ratio > 3 and t.ci_low > 1
    assert t.p_holm is not None and t.p_holm < 0.05


@pytest.mark.slow
def test_cli_prints_the_random_effects_table(store_dir, capsys):
    from prc_kg.cli.main import main

    assert main(["analyze", "transitions", "--store", str(store_dir), "--random-effects", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    row = next(r for r in rows if r["antecedent (t)"] == "interpretation" and r["consequent (t+1)"] ==
               "patient productivity")
    assert row["groups"] == "3" and float(row["odds ratio"]) > 3 and row["Holm p < alpha"] == "yes"
    assert set(rows[0]) >= {"95% CI low", "95% CI high", "tau²", "I²", "p (Holm)"}
