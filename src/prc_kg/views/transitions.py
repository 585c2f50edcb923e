"""The "what follows what" page: therapist codes at t on the left, the patient's codes at t+1 on the
right, and an arrow per pair of codes seen in sequence.

An arrow is coloured only when sequential.significance marks it (the exact p, Holm-adjusted over
every pair of its table, below alpha, on at least a minimum count), the rule `prc-kg analyze
transitions --significant` keeps too; the large-sample z and p stay in the details and the table,
but they no longer decide what looks significant: on the sparse tables of coded turns they mark
dozens of pairs that one co-occurrence of two rare codes produced.
"""

from __future__ import annotations

from ..analysis.pooling import PooledTransition
from ..analysis.sequences import CodedPairs
from ..analysis.sequential import MIN_COUNT, Transition, significance
from .htmlpage import Dataset, GraphPage
from .layout import column_layout

MORE, LESS, FAINT = "#c62828", "#1565c0", {"color": "#b0b7c0", "opacity": 0.3}
VERDICTS = {1: "yes: follows more often than chance", -1: "yes: follows less often than chance", 0: "no"}


def _fmt(x: float | None, digits: int = 3) -> str:
    return "" if x is None else f"{x:.{digits}f}"


def _p(x: float | None) -> str:
    """A p-value readable at any size: 0.0123, 4.7e-10."""
    return "" if x is None else f"{x:.4f}" if x >= 0.0001 else f"{x:.1e}"


def rule(alpha: float, min_count: int, tests: int | None = None) -> str:
    """The marking rule in words, for the legend, the description and the table's title."""
    over = f"over the {tests} pairs tested" if tests is not None else "over every pair tested"
    return (f"Fisher's exact p, Holm-adjusted {over}, below {alpha:g}, on at least {min_count} pairs "
            f"(n_AB for more often, the expected n_AB for less often)")


def _pooled_cells(t: PooledTransition | None) -> list[str]:
    if t is None:
        return ["–", "–", "–"]
    i2 = f"{100 * t.i2:.0f}\u00a0%"  # no line break between the number and its sign
    return [f"{t.odds_ratio:.2f} [{t.ci_low:.2f}, {t.ci_high:.2f}]", _fmt(t.p_value, 4), i2]


def _edge(t: Transition, mark: int, labels: dict[str, str]) -> dict:
    colour = MORE if mark > 0 else LESS if mark < 0 else FAINT
    stats = {"significant": VERDICTS[mark], "p (exact, Holm)": _p(t.p_exact_holm), "p (Fisher's exact)": _p(t.p_exact),
             "pairs with both (n_AB)": t.n_ab, "pairs with A at t (n_A)": t.n_a, "pairs with B at t+1 (n_B)": t.n_b,
             "lag-1 pairs (N)": t.n, "P(B | A)": _fmt(t.probability), "P(B)": _fmt(t.base_rate),
             "expected n_AB": _fmt(t.expected, 2), "Allison–Liker z": _fmt(t.z, 2),
             "adjusted residual": _fmt(t.adjusted_residual, 2), "p (two-sided, large-sample)": _p(t.p_value),
             "p (Holm, large-sample)": _p(t.p_holm),
             "note": "expected count below 5: the large-sample z and p are rough here; the exact p decides"
                     if t.expected < 5 else ""}
    return {"id": f"{t.antecedent}|{t.consequent}", "from": "t:" + t.antecedent, "to": "p:" + t.consequent,
            "color": colour, "width": round(0.5 + 10 * t.probability, 2) if mark else 1,
            "dashes": [5, 5] if mark < 0 else False,
            "label": f"z = {t.z:.1f}, Holm exact p = {_p(t.p_exact_holm)}" if mark and t.z is not None else "",
            "font": {"size": 12, "color": colour if mark else "#888"},
            "tip": [f"P(B | A) = {t.probability:.2f} (base rate {t.base_rate:.2f}), {t.n_ab} of {t.n_a} pairs",
                    f"exact p = {_p(t.p_exact)}, Holm-adjusted {_p(t.p_exact_holm)}",
                    f"significant: {VERDICTS[mark]}"],
            "info": {"antecedent": labels.get(t.antecedent, t.antecedent),
                     "consequent": labels.get(t.consequent, t.consequent), **stats}}


def transition_dataset(title: str, transitions: list[Transition], labels: dict[str, str], alpha: float = 0.05,
                       pooled: list[PooledTransition] | None = None, min_count: int = MIN_COUNT) -> Dataset:
    """One network and table; ``pooled`` (random-effects results over the groups) adds columns to
    the table of a pooled dataset. Arrows are drawn for pairs seen together and for marked ones."""
    marks = {(t.antecedent, t.consequent): significance(t, alpha, min_count) for t in transitions}
    before = sorted({t.antecedent for t in transitions}, key=lambda c: labels.get(c, c).lower())
    after = sorted({t.consequent for t in transitions}, key=lambda c: labels.get(c, c).lower())
    height = 44.0 * max(len(before) - 1, 1)  # both columns span the same height
    pos = {**column_layout([["t:" + c for c in before]], row_gap=44.0),
           **{n: (700, y) for n, (_, y) in column_layout([["p:" + c for c in after]],
                                                          row_gap=height / max(len(after) - 1, 1)).items()}}

    def node(side: str, code: str, colour: str) -> dict:
        return {"id": f"{side}:{code}", "label": labels.get(code, code), "x": pos[f"{side}:{code}"][0],
                "y": pos[f"{side}:{code}"][1], "group": "therapist" if side == "t" else "patient", "color": colour,
                "shape": "dot", "tip": ["therapist code at t" if side == "t" else "patient code at t+1"],
                "info": {"code": code, "role": "antecedent (therapist, t)" if side == "t"
                         else "consequent (patient, t+1)"}}

    nodes = [node("t", c, "#ef6c00") for c in before] + [node("p", c, "#00897b") for c in after]
    edges = [_edge(t, marks[(t.antecedent, t.consequent)], labels) for t in transitions
             if t.n_ab > 0 or marks[(t.antecedent, t.consequent)]]
    by_pair = {(p.antecedent, p.consequent): p for p in pooled or []}
    rows = []
    for t in sorted(transitions, key=lambda t: (not marks[(t.antecedent, t.consequent)],
                                                t.p_exact_holm if t.p_exact_holm is not None else 2.0,
                                                -(t.z if t.z is not None else float("-inf")), t.antecedent,
                                                t.consequent)):
        mark = marks[(t.antecedent, t.consequent)]
        rows.append({"strong": bool(mark), "cells": [labels.get(t.antecedent, t.antecedent),
                                                     labels.get(t.consequent, t.consequent), str(t.n_ab),
                                                     str(t.n_a), str(t.n_b), str(t.n), _fmt(t.probability),
                                                     _fmt(t.base_rate), _fmt(t.expected, 2), _fmt(t.z, 2),
                                                     _p(t.p_value), _p(t.p_exact), _p(t.p_exact_holm),
                                                     "more" if mark > 0 else "less" if mark < 0 else ""]
                     + (_pooled_cells(by_pair.get((t.antecedent, t.consequent))) if pooled is not None else [])})
    tested = sum(1 for t in transitions if t.p_exact is not None)
    marked = sum(1 for m in marks.values() if m)
    table = {"title": f"Lag-1 transitions: {marked} of {tested} pairs significant ({rule(alpha, min_count, tested)}), "
                      "listed first and highlighted",
             "columns": ["therapist code at t (A)", "patient code at t+1 (B)", "n_AB", "n_A", "n_B", "N", "P(B|A)",
                         "P(B)", "expected n_AB", "z (Allison–Liker)", "p (large-sample)", "p (exact)",
                         "p (exact, Holm)", "significant"]
             + (["odds ratio, random effects [95 % CI]", "p (random effects)", "I²"] if pooled is not None else []),
             "rows": rows}
    return Dataset(f"{title}: {marked} of {tested} pairs significant", nodes, edges, table)


def transitions_page(sources: list[CodedPairs], alpha: float = 0.05, min_count: int = MIN_COUNT) -> GraphPage:
    datasets: dict[str, Dataset] = {}
    for pairs in sources:
        what = "rated segments" if pairs.source == "ratings" else "coded turns of the example cases"
        datasets[f"{pairs.source}:pooled"] = transition_dataset(
            f"{what}, pooled over {len(pairs.groups)} {'dyads' if pairs.source == 'ratings' else 'cases'}",
            pairs.transitions(None, alpha), pairs.labels, alpha, pairs.random_effects(alpha), min_count)
        if pairs.source == "ratings":
            for group in sorted(pairs.groups):
                datasets[f"ratings:{group}"] = transition_dataset(
                    f"rated segments, {pairs.group_labels[group]}", pairs.transitions(group, alpha), pairs.labels,
                    alpha, None, min_count)
    return GraphPage(
        name="transitions", title="What follows what: therapist at t, patient at t+1",
        description="Lag-1 sequential analysis. Left: therapist codes of a segment or turn (a segment carries a "
                    "code when its raters' mean on the item reaches the threshold); right: codes of the patient's "
                    "next segment or turn. A red arrow follows more often than chance, a blue dashed one less "
                    f"often, by one rule: {rule(alpha, min_count)}. Many pairs are tested at once and most "
                    "expected counts are small, so neither the large-sample z nor an uncorrected p decides; "
                    "both stay in the details and the table. A red arrow's width is the transition probability "
                    "P(B | A). Thin grey arrows are pairs seen together but not significant. The pooled table sums "
                    "the counts of all dyads (or cases), and also pools each dyad's odds ratio with a "
                    "random-effects model (DerSimonian–Laird), which lets the effect differ between dyads; I² is "
                    "the share of that spread beyond chance. `prc-kg analyze transitions --significant` lists "
                    "the same pairs.",
        datasets=datasets,
        legend=[{"kind": "edge", "label": f"follows more often than chance (Holm exact p < {alpha:g}, "
                                          f"n_AB ≥ {min_count})", "color": MORE, "width": 4},
                {"kind": "edge", "label": f"follows less often than chance (Holm exact p < {alpha:g}, "
                                          f"expected ≥ {min_count})", "color": LESS, "dashes": True},
                {"kind": "edge", "label": "seen together, not significant (thin, faint)", "color": "#cfd4da"},
                {"kind": "node", "label": "therapist code at t", "color": "#ef6c00"},
                {"kind": "node", "label": "patient code at t+1", "color": "#00897b"}])
