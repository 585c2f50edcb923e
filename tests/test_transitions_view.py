"""What follows what: the arrows the view colours and the rows `--significant` keeps come from one
rule (Fisher's exact p, Holm-adjusted over every pair of the table, below alpha, on at least a
minimum count), checked by hand on a small table and for agreement between page and CLI on the
example graph; and the trajectories are named by their items' labels."""

from __future__ import annotations

import json
import math

import pytest

from prc_kg.analysis.sequences import rated_pairs, turn_pairs
from prc_kg.analysis.sequential import MIN_COUNT, fisher_exact_p, lag1_transitions, significance
from prc_kg.cli.main import main
from prc_kg.views.registry import VIEWS, ViewOptions
from prc_kg.views.transitions import LESS, MORE

ALPHA = 0.05


def _find(table, a, b):
    return next(t for t in table if t.antecedent == a and t.consequent == b)


def _hand_table():
    """20 lag-1 pairs: A at t eight times, followed by B seven times and by C once; S twelve times,
    followed by B three times and by C nine times. Every one of the four 2 x 2 tables is the
    hand-worked one of test_sequential (N = 20, margins 8/12 and 10/10), so each has z = ±2.7386,
    large-sample p = 0.00617 and exact p = 3,652 / 184,756 = 0.019767; Holm multiplies the smallest
    of four equal p-values by 4: 0.079068 for all four."""
    pairs = ([(frozenset("A"), frozenset("B"))] * 7 + [(frozenset("A"), frozenset("C"))]
             + [(frozenset("S"), frozenset("B"))] * 3 + [(frozenset("S"), frozenset("C"))] * 9)
    return lag1_transitions(pairs)


def test_the_rule_by_hand_holm_over_the_exact_p_and_a_minimum_count():
    table = _hand_table()
    assert len(table) == 4
    for t in table:
        assert t.p_exact == pytest.approx(3652 / 184756, rel=1e-9)
        assert t.p_exact_holm == pytest.approx(4 * 3652 / 184756, rel=1e-9)
        assert t.significant  # the old rule: large-sample p = 0.00617 < .05, one test at a time
        assert significance(t, ALPHA) == 0  # but 0.079 after Holm: nothing is marked at .05
    # at alpha .10 all four pass Holm; the count carrying the evidence then decides
    a_b, a_c, s_b, s_c = (_find(table, *k) for k in (("A", "B"), ("A", "C"), ("S", "B"), ("S", "C")))
    assert significance(a_b, 0.10) == 1  # n_AB = 7 >= 5: more often than chance
    assert significance(s_c, 0.10) == 1  # n_AB = 9
    assert significance(s_b, 0.10) == -1  # n_AB = 3 where 6 were expected (>= 5): less often
    assert a_c.expected == pytest.approx(4.0) and significance(a_c, 0.10) == 0  # only 4 expected: too few to see avoided
    assert significance(a_b, 0.10, min_count=8) == 0  # n_AB = 7 below a minimum of 8


def test_one_co_occurrence_of_two_rare_codes_is_never_marked():
    """Two codes seen once each, once together, among 400 pairs: the exact p is 1/400 and
    survives Holm over the two tests, but one pair is no pattern."""
    pairs = [(frozenset("R"), frozenset("Q"))] + [(frozenset("X"), frozenset("Y"))] * 399
    t = _find(lag1_transitions(pairs), "R", "Q")
    assert t.n_ab == 1 and t.p_exact_holm < ALPHA
    assert significance(t, ALPHA) == 0 and significance(t, ALPHA, min_count=1) == 1


@pytest.fixture(scope="module")
def page(kg_store):
    view = next(v for v in VIEWS if v.name == "transitions")
    return view.build(kg_store, ViewOptions(alpha=ALPHA)).payload()


def _marked_edges(dataset: dict) -> dict[tuple[str, str], str]:
    """(antecedent label, consequent label) -> "more" or "less", by the arrow's colour."""
    out = {}
    for e in dataset["edges"]:
        if e["color"] in (MORE, LESS):
            out[(e["info"]["antecedent"], e["info"]["consequent"])] = "more" if e["color"] == MORE else "less"
    return out


def _cli_marked(store_dir, capsys, *extra: str) -> dict[tuple[str, str, str], str]:
    assert main(["analyze", "transitions", "--significant", "--format", "json", "--store", str(store_dir),
                 *extra]) == 0
    rows = json.loads(capsys.readouterr().out)
    return {(r["group"], r["antecedent (t)"], r["consequent (t+1)"]): r["significant"] for r in rows}


@pytest.mark.slow
def test_page_and_cli_mark_the_same_transitions(page, kg_store, store_dir, capsys):
    datasets = page["datasets"]
    cli = _cli_marked(store_dir, capsys, "--by-group")
    pairs = rated_pairs(kg_store)
    for group in [None, *sorted(pairs.groups)]:
        shown = _marked_edges(datasets["ratings:" + (group or "pooled")])
        assert shown == {(a, b): mark for (g, a, b), mark in cli.items() if g == (group or "pooled")}, group
    pooled = _marked_edges(datasets["ratings:pooled"])
    assert pooled[("interpretation", "patient productivity")] == "more"  # the pattern the example study plants
    turns = _cli_marked(store_dir, capsys, "--source", "turns")
    assert _marked_edges(datasets["turns:pooled"]) == {(a, b): m for (_, a, b), m in turns.items()}
    # every row the CLI keeps passes the rule, and no unmarked row would
    assert main(["analyze", "transitions", "--format", "json", "--store", str(store_dir), "--source", "turns"]) == 0
    for row in json.loads(capsys.readouterr().out):
        passes = (row["p (exact, Holm)"] is not None and row["p (exact, Holm)"] < ALPHA
                  and (row["n_AB"] >= MIN_COUNT if row["n_AB"] > row["expected n_AB"]
                       else row["expected n_AB"] >= MIN_COUNT))
        assert bool(row["significant"]) == passes, row


def test_no_coloured_arrow_fails_the_rule_and_sparse_turns_colour_none(page, kg_store):
    for key, dataset in page["datasets"].items():
        for e in dataset["edges"]:
            if e["color"] not in (MORE, LESS):
                assert e["info"]["significant"] == "no" and e["label"] == ""
                continue
            info = e["info"]
            assert float(info["p (exact, Holm)"]) < ALPHA, (key, e["id"])
            count = info["pairs with both (n_AB)"] if e["color"] == MORE else float(info["expected n_AB"])
            assert count >= MIN_COUNT, (key, e["id"])
    # the coded turns: 141 pairs, 950 tables. The large-sample p marked dozens, many on a single
    # co-occurrence; none survives the exact test with Holm's correction.
    transitions = turn_pairs(kg_store).transitions()
    old = [t for t in transitions if t.significant]
    assert len(old) > 40 and sum(t.n_ab == 1 for t in old) > 20
    assert _marked_edges(page["datasets"]["turns:pooled"]) == {}
    assert page["datasets"]["turns:pooled"]["title"].endswith(f": 0 of {len(transitions)} pairs significant")


def test_hand_check_of_interpretation_then_productivity(page, kg_store):
    """The Holm-adjusted exact p of the planted pair, recomputed here from the counts of every
    table: Fisher's p of each, sorted, p_(i) times (m - i + 1), running maximum."""
    table = rated_pairs(kg_store).transitions()
    ps = sorted((fisher_exact_p(t.n_ab, t.n_a, t.n_b, t.n), t.antecedent, t.consequent) for t in table
                if t.p_exact is not None)
    running, holm = 0.0, {}
    for rank, (p, a, b) in enumerate(ps):
        running = max(running, min(1.0, (len(ps) - rank) * p))
        holm[(a, b)] = running
    t = next(t for t in table if t.antecedent.endswith("/Interpretation") and t.consequent.endswith("/PatientProductivity"))
    assert math.isclose(t.p_exact_holm, holm[(t.antecedent, t.consequent)], rel_tol=1e-12)
    assert (t.n_ab, t.n_a, t.n_b, t.n) == (41, 121, 43, 240) and t.p_exact_holm < 1e-6
    edge = next(e for e in page["datasets"]["ratings:pooled"]["edges"] if e["id"] == f"{t.antecedent}|{t.consequent}")
    assert edge["color"] == MORE and edge["info"]["significant"].startswith("yes")
    legend = " ".join(item["label"] for item in page["legend"])
    assert f"Holm exact p < {ALPHA:g}" in legend and f"n_AB ≥ {MIN_COUNT}" in legend


@pytest.mark.slow
def test_random_effects_significant_keeps_only_holm_below_alpha(store_dir, capsys):
    assert main(["analyze", "transitions", "--random-effects", "--format", "json", "--store", str(store_dir)]) == 0
    every = json.loads(capsys.readouterr().out)
    assert main(["analyze", "transitions", "--random-effects", "--significant", "--format", "json",
                 "--store", str(store_dir)]) == 0
    kept = json.loads(capsys.readouterr().out)
    assert kept and all(r["p (Holm)"] < ALPHA for r in kept)
    assert len(kept) == sum(1 for r in every if r["p (Holm)"] is not None and r["p (Holm)"] < ALPHA)
    assert any(r["p"] < ALPHA <= r["p (Holm)"] for r in every)  # rows the old "p < alpha" column said yes to


def test_trajectories_are_named_by_item_labels(kg_store):
    from prc_kg.analysis.sequences import trajectories
    from prc_kg.views.charts import trajectories_html
    from prc_kg.views.registry import DEFAULT_ITEMS

    series = trajectories(kg_store, list(DEFAULT_ITEMS))
    html = trajectories_html(series)
    legend = [chunk.split("</title>", 1)[1].split("</text>", 1)[0]
              for chunk in html.split('<text x="') if "</title>" in chunk.split("</text>", 1)[0]]
    assert "APS productivity (patient)" in legend and "APS interpretation (type)" in legend
    assert not any(name.startswith("APS:") for name in legend)  # codes are no longer the names
    assert ('<tr><th>APS productivity (patient)</th><td style="white-space:nowrap"><code>APS:PAT-PROD</code></td>'
            in html)


# -- `prc-kg transitions` on a coded corpus keeps the same rule ------------------------------------
def _planted_corpus() -> list:
    """Twenty conversations of reflection → change and question → neutral (six each) against two
    crossed pairs, and one conversation where an input is followed by sustain talk once: on
    its own that pair has a tiny large-sample p, an exact p of 1/N that survives Holm over the nine
    tables, and one co-occurrence, below the minimum count."""
    from corpus_store import dialogue

    cells = " ".join(["T:R P:CT"] * 6 + ["T:R P:FN"] * 2 + ["T:Q P:CT"] * 2 + ["T:Q P:FN"] * 6)
    return [dialogue(f"c{i}", {}, cells) for i in range(20)] + [dialogue("rare", {}, "T:I P:ST T:R P:CT")]


@pytest.mark.slow
def test_corpus_transitions_significant_keeps_the_same_rule(release_graph, tmp_path, capsys):
    from corpus_store import write_corpus

    from prc_kg import KnowledgeGraph
    from prc_kg.store.dataset import load_dataset

    corpus = write_corpus(tmp_path / "planted.nt", "planted", _planted_corpus())
    store, _ = load_dataset(release_graph, None, [corpus], tmp_path / "store")
    del store  # closes the store, so the command can open it
    args = ["transitions", "--store", str(tmp_path / "store"), "--dimension", "MISIMPLE:MAIN", "--format", "json"]
    assert main(args) == 0
    every = json.loads(capsys.readouterr().out)
    rare = next(r for r in every if r["antecedent (t)"] == "MISIMPLE:INPUT" and r["consequent"] == "MISIMPLE:SUSTAIN")
    assert (rare["n_AB"], rare["n_A"], rare["n_B"]) == (1, 1, 1)
    assert rare["p"] < 1e-10 and rare["p (exact, Holm)"] < ALPHA and rare["significant"] == ""
    assert main([*args, "--significant"]) == 0
    kept = {(r["antecedent (t)"], r["consequent"]): r["significant"] for r in json.loads(capsys.readouterr().out)}
    table = KnowledgeGraph.from_store(tmp_path / "store").speaker_transitions(dimensions=["MISIMPLE:MAIN"]).transitions()
    expected = {(t.antecedent, t.consequent): {1: "more", -1: "less"}[significance(t, ALPHA)] for t in table
                if significance(t, ALPHA)}
    assert kept == expected
    assert kept[("MISIMPLE:REFLECTION", "MISIMPLE:CHANGE")] == "more"
    assert kept[("MISIMPLE:REFLECTION", "MISIMPLE:NEUTRAL")] == "less"
    assert main([*args, "--significant", "--min-count", "1"]) == 0
    assert any(r["antecedent (t)"] == "MISIMPLE:INPUT" for r in json.loads(capsys.readouterr().out))
