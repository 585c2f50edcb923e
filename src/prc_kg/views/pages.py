"""The graph views as pages: each turns a networkx projection into positioned, styled nodes and
edges with the details a reader needs (definition, source, examples, figures, statistics). The
taxonomy (``taxonomypage``) and the cases (``casepage``) have modules of their own; their page
builders are taken from here too."""

from __future__ import annotations

import networkx as nx

from ..analysis.analytics import centrality
from .casepage import case_page  # noqa: F401  (the registry and the tests take it from here)
from .htmlpage import MIN_LABEL_PX, Dataset, GraphPage, clip
from .layout import force_layout, packed_layout
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
