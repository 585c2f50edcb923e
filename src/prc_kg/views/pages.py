"""The graph views as pages: each turns a networkx projection into positioned, styled nodes and
edges with the details a reader needs (definition, source, examples, figures, statistics). The
taxonomy (``taxonomypage``) and the cases (``casepage``) have modules of their own; their page
builders are taken from here too."""

from __future__ import annotations

import networkx as nx

from ..analysis.analytics import centrality
from ..analysis.pooling import PooledTransition
from ..analysis.sequences import CodedPairs
from ..analysis.sequential import Transition
from .casepage import case_page  # noqa: F401  (the registry and the tests take it from here)
from .htmlpage import MIN_LABEL_PX, Dataset, GraphPage, clip
from .layout import column_layout, force_layout, packed_layout
from .taxonomypage import GROUP_COLOURS, taxonomy_page  # noqa: F401  (taxonomy_page: as case_page)

DIRECTION_COLOURS = {"positive": "#2e7d32", "negative": "#c62828", "null": "#616161", "mixed": "#ef6c00",
                     "not-directional": "#3f51b5", "unknown": "#9e9e9e"}
EVIDENCE_DASHES = {"meta-analysis": False, "rct": False, "multi-case": [10, 5], "single-case": [4, 4],
                   "expert-claim": [2, 6], "unknown": [2, 6]}


def _fmt(x: float | None, digits: int = 3) -> str:
    return "" if x is None else f"{x:.{digits}f}"


# -- findings ----------------------------------------------------------------------------------
FINDINGS_WIDTH = 4000.0  # of the connected part of the findings, in the network's units


def _findings_font(degree: int) -> dict:
    """The node options sizing a construct's label, which grows with its number of findings: the
    findings fit a 1400×1000 window at a scale of about 0.2, where a construct with three or more
    findings is labelled at 11 px or more, one with two at about 9, and one with a single finding
    only from a scale of about 0.3."""
    size = min(70, 20 + 10 * degree)
    return {"font": {"size": size, "strokeWidth": max(2, size // 8), "strokeColor": "#ffffff"},
            "widthConstraint": {"maximum": 12 * size}}


def findings_page(g: nx.MultiDiGraph) -> GraphPage:
    pos = packed_layout(nx.Graph(g), width=FINDINGS_WIDTH)
    scores = centrality(g)
    top = max((v["degree"] for v in scores.values()), default=1.0) or 1.0
    nodes = [{"id": n, "label": d["label"], "x": pos[n][0], "y": pos[n][1], "group": "construct",
              "color": "#455a64", "size": 8 + round(22 * scores[n]["degree"] / top), **_findings_font(g.degree(n)),
              "tip": [clip(d["definition"])] if d["definition"] else [],
              "info": {"IRI": n, "definition": d["definition"],
                       "degree centrality": _fmt(scores[n]["degree"]),
                       "betweenness centrality": _fmt(scores[n]["betweenness"]),
                       "in the taxonomy": {"page": "taxonomy.html", "link": n, "text": d["label"]}}}
             for n, d in sorted(g.nodes(data=True))]
    edges, rows = [], []
    parallel: dict[frozenset, int] = {}
    for u, v, key, d in sorted(g.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2])):
        k = parallel.get(frozenset((u, v)), 0)
        parallel[frozenset((u, v))] = k + 1
        effect = d["effect"]
        figures = ", ".join(f for f in (
            f"r = {d['r']:g}" if d["r"] is not None else "", f"d = {d['d']:g}" if d["d"] is not None else "",
            f"95% CI {d['ci'][0]:g} to {d['ci'][1]:g}" if d["ci"] else "",
            f"k = {d['k']:g} studies" if d["k"] is not None else "", f"N = {d['n']:g}" if d["n"] is not None else "")
            if f)
        edges.append({
            "id": f"{key}|{u}|{v}", "from": u, "to": v, "color": DIRECTION_COLOURS[d["direction"]],
            "width": 1.5 if effect is None else round(1.5 + 14 * abs(effect), 2),
            "dashes": EVIDENCE_DASHES[d["evidence"]],
            "smooth": {"enabled": True, "type": "curvedCW" if k % 2 else "curvedCCW",
                       "roundness": round(0.12 * (k + 1), 2)} if k else {"enabled": False},
            "label": "conflict" if d["conflict"] else "", "font": {"color": "#b71c1c", "size": 12},
            "tip": [clip(d["text"]), f"{d['relation']} · {d['direction']} · {d['evidence']}" + (f" · {figures}" if figures else ""),
                    "Source: " + "; ".join(d["sources"]) if d["sources"] else ""],
            "info": {"finding": key, "statement": d["text"], "relation": d["relation"],
                     "relation property": d["relationType"], "source's wording": d["wording"],
                     "direction": d["direction"], "evidence": d["evidence"], "figures": figures,
                     "moderators": d["conditions"],
                     "condition": d["condition"], "sample": d["sample"], "year": d["year"] or "",
                     "sources": d["sources"], "provenance tag": d["tag"],
                     "conflict": "directions disagree between findings on these two constructs" if d["conflict"]
                     else ""}})
        rows.append({"strong": d["conflict"], "cells": [g.nodes[u]["label"], d["relation"], g.nodes[v]["label"],
                                                       d["direction"], d["evidence"], figures,
                                                       "; ".join(d["sources"]), "yes" if d["conflict"] else "", key]})
    rows.sort(key=lambda r: ([c.lower() for c in r["cells"][:3]], r["cells"][-1]))
    table = {"title": "Findings (conflicting ones highlighted)",
             "columns": ["subject", "relation", "object", "direction", "evidence", "figures", "sources", "conflict",
                         "finding (IRI)"],
             "rows": rows}
    legend = ([{"kind": "edge", "label": f"{name} direction", "color": colour}
               for name, colour in DIRECTION_COLOURS.items() if name != "unknown"]
              + [{"kind": "edge", "label": "meta-analysis or RCT (solid)", "color": "#333", "width": 3},
                 {"kind": "edge", "label": "multi-case or single-case (dashed)", "color": "#333", "dashes": True},
                 {"kind": "edge", "label": "width grows with the effect size (r, or d as r)", "color": "#333",
                  "width": 6}])
    return GraphPage(
        name="findings", title="Findings: how the constructs relate",
        description="Constructs are nodes, sized by degree centrality; each finding is an arrow from subject to "
                    "object. Colour gives the direction, width the effect size where one was reported, the line "
                    "style the level of evidence (dotted: expert claim). Findings on the same two constructs that "
                    "disagree are labelled 'conflict'. The constructs with most findings are labelled first; zoom in "
                    "for the others. The table below the graph lists every finding; click a heading to sort.",
        datasets={"findings": Dataset("all findings", nodes, edges, table)}, legend=legend, min_label_px=MIN_LABEL_PX,
        declutter=True)


# -- what follows what -------------------------------------------------------------------------
def _pooled_cells(t: PooledTransition | None) -> list[str]:
    if t is None:
        return ["–", "–", "–"]
    i2 = f"{100 * t.i2:.0f}\u00a0%"  # no line break between the number and its sign
    return [f"{t.odds_ratio:.2f} [{t.ci_low:.2f}, {t.ci_high:.2f}]", _fmt(t.p_value, 4), i2]


def _transition_dataset(title: str, transitions: list[Transition], labels: dict[str, str],
                        alpha: float = 0.05, pooled: list[PooledTransition] | None = None) -> Dataset:
    """One network and table; ``pooled`` (random-effects results over the groups) adds columns to
    the table of a pooled dataset."""
    shown = [t for t in transitions if t.n_ab > 0 or t.significant]
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
    edges, rows = [], []
    for t in shown:
        up = t.significant and (t.z or 0) > 0
        colour = "#c62828" if up else "#1565c0" if t.significant else {"color": "#b0b7c0", "opacity": 0.3}
        stats = {"pairs with both (n_AB)": t.n_ab, "pairs with A at t (n_A)": t.n_a, "pairs with B at t+1 (n_B)": t.n_b,
                 "lag-1 pairs (N)": t.n, "P(B | A)": _fmt(t.probability), "P(B)": _fmt(t.base_rate),
                 "expected n_AB": _fmt(t.expected, 2), "Allison–Liker z": _fmt(t.z, 2),
                 "adjusted residual": _fmt(t.adjusted_residual, 2), "p (two-sided)": _fmt(t.p_value, 4),
                 "p (Holm)": _fmt(t.p_holm, 4), "p (Fisher's exact)": _fmt(t.p_exact, 4),
                 "note": "expected count below 5: the normal approximation is rough; read the exact p"
                         if t.expected < 5 else ""}
        edges.append({"id": f"{t.antecedent}|{t.consequent}", "from": "t:" + t.antecedent, "to": "p:" + t.consequent,
                      "color": colour, "width": round(0.5 + 10 * t.probability, 2) if t.significant else 1,
                      "dashes": [5, 5] if t.significant and not up else False,
                      "label": (f"z = {t.z:.1f}" + (", Holm ✓" if t.p_holm is not None and t.p_holm < alpha else ""))
                      if t.significant and t.z is not None else "",
                      "font": {"size": 12, "color": colour if t.significant else "#888"},
                      "tip": [f"P(B | A) = {t.probability:.2f} (base rate {t.base_rate:.2f})",
                              f"z = {_fmt(t.z, 2)}, p = {_fmt(t.p_value, 4)}, Holm p = {_fmt(t.p_holm, 4)}",
                              f"{t.n_ab} of {t.n_a} pairs"],
                      "info": {"antecedent": labels.get(t.antecedent, t.antecedent),
                               "consequent": labels.get(t.consequent, t.consequent), **stats}})
    by_pair = {(p.antecedent, p.consequent): p for p in pooled or []}
    for t in sorted(transitions, key=lambda t: (-(t.z if t.z is not None else float("-inf")), t.antecedent,
                                                t.consequent)):
        rows.append({"strong": t.significant, "cells": [labels.get(t.antecedent, t.antecedent),
                                                        labels.get(t.consequent, t.consequent), str(t.n_ab),
                                                        str(t.n_a), str(t.n_b), str(t.n), _fmt(t.probability),
                                                        _fmt(t.base_rate), _fmt(t.z, 2), _fmt(t.adjusted_residual, 2),
                                                        _fmt(t.p_value, 4), _fmt(t.p_holm, 4),
                                                        _fmt(t.p_exact, 4)]
                     + (_pooled_cells(by_pair.get((t.antecedent, t.consequent))) if pooled is not None else [])})
    table = {"title": "Lag-1 transitions, strongest first (significant at p < .05 highlighted)",
             "columns": ["therapist code at t (A)", "patient code at t+1 (B)", "n_AB", "n_A", "n_B", "N", "P(B|A)",
                         "P(B)", "z (Allison–Liker)", "adjusted residual", "p", "p (Holm)", "p (exact)"]
             + (["odds ratio, random effects [95 % CI]", "p (random effects)", "I²"] if pooled is not None else []),
             "rows": rows}
    return Dataset(title, nodes, edges, table)


def transitions_page(sources: list[CodedPairs], alpha: float = 0.05) -> GraphPage:
    datasets: dict[str, Dataset] = {}
    for pairs in sources:
        what = "rated segments" if pairs.source == "ratings" else "coded turns of the example cases"
        datasets[f"{pairs.source}:pooled"] = _transition_dataset(
            f"{what}, pooled over {len(pairs.groups)} {'dyads' if pairs.source == 'ratings' else 'cases'}",
            pairs.transitions(None, alpha), pairs.labels, alpha, pairs.random_effects(alpha))
        if pairs.source == "ratings":
            for group in sorted(pairs.groups):
                datasets[f"ratings:{group}"] = _transition_dataset(
                    f"rated segments, {pairs.group_labels[group]}", pairs.transitions(group, alpha), pairs.labels,
                    alpha)
    return GraphPage(
        name="transitions", title="What follows what: therapist at t, patient at t+1",
        description="Lag-1 sequential analysis. Left: therapist codes of a segment or turn (a segment carries a "
                    "code when its raters' mean on the item reaches the threshold); right: codes of the patient's "
                    "next segment or turn. Red arrows follow more often than chance, blue dashed ones less often "
                    "(Allison–Liker z, two-sided p < .05), their width the transition probability P(B | A); "
                    "'Holm ✓' marks those that stay significant after Holm's correction for the many pairs "
                    "tested. Thin grey arrows are not significant. The pooled table sums the counts of all "
                    "dyads (or cases), and also pools each dyad's odds ratio with a random-effects model "
                    "(DerSimonian–Laird), which lets the effect differ between dyads; I² is the share of "
                    "that spread beyond chance.",
        datasets=datasets,
        legend=[{"kind": "edge", "label": "follows more often than chance", "color": "#c62828", "width": 4},
                {"kind": "edge", "label": "follows less often than chance", "color": "#1565c0", "dashes": True},
                {"kind": "edge", "label": "not significant (thin, faint)", "color": "#cfd4da"},
                {"kind": "node", "label": "therapist code at t", "color": "#ef6c00"},
                {"kind": "node", "label": "patient code at t+1", "color": "#00897b"}])


# -- scale -------------------------------------------------------------------------------------
def random_graph_page(n: int, seed: int = 20261126) -> GraphPage:
    """A seeded random graph of n nodes and 2n edges drawn the way the real views are, to measure
    how large a view the browser still draws at once (benchmarks/viz_render.py, tests/test_browser.py)."""
    g = nx.gnm_random_graph(n, 2 * n, seed=seed)
    pos = force_layout(g)
    colours = list(GROUP_COLOURS.values())
    nodes = [{"id": f"n{i}", "label": f"node {i}", "x": pos[i][0], "y": pos[i][1], "group": f"g{i % 5}",
              "color": colours[i % 5], "tip": [f"degree {g.degree(i)}"], "info": {"degree": g.degree(i)}}
             for i in sorted(g)]
    edges = [{"id": f"e{u}-{v}", "from": f"n{u}", "to": f"n{v}", "color": "#9aa3ae", "arrows": "", "tip": [],
              "info": {}} for u, v in sorted(g.edges())]
    return GraphPage(name=f"random-{n}", title=f"Random graph of {n} nodes", description="A scale test.",
                     datasets={"random": Dataset(f"{n} nodes", nodes, edges)})
