"""The graph views as pages: each turns a networkx projection into positioned, styled nodes and
edges with the details a reader needs (definition, source, examples, figures, statistics)."""

from __future__ import annotations

import networkx as nx

from ..analysis.analytics import centrality
from .htmlpage import Dataset, GraphPage
from .layout import column_layout, force_layout, radial_tree_layout

GROUP_COLOURS = {"section 1": "#1f77b4", "section 2": "#2ca02c", "section 3": "#d62728", "section 4": "#9467bd",
                 "section 5": "#ff7f0e", "cross-cutting": "#7f7f7f", "modality": "#17becf",
                 "instrument": "#8c564b"}
GROUP_NAMES = {"section 1": "1 why patients come and how they get better", "section 2": "2 the therapeutic alliance",
               "section 3": "3 what psychotherapists say", "section 4": "4 what patients say",
               "section 5": "5 interactions", "cross-cutting": "cross-cutting notions", "modality": "modalities",
               "instrument": "instruments"}
DIRECTION_COLOURS = {"positive": "#2e7d32", "negative": "#c62828", "null": "#616161", "mixed": "#ef6c00",
                     "not-directional": "#3f51b5", "unknown": "#9e9e9e"}
EVIDENCE_DASHES = {"meta-analysis": False, "rct": False, "multi-case": [10, 5], "single-case": [4, 4],
                   "expert-claim": [2, 6], "unknown": [2, 6]}
TIP_CHARS = 280


def _clip(text: str, n: int = TIP_CHARS) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _fmt(x: float | None, digits: int = 3) -> str:
    return "" if x is None else f"{x:.{digits}f}"


# -- taxonomy ----------------------------------------------------------------------------------
def _example(e: dict, transcript_links: dict[str, str]) -> dict | str:
    """An example of a class: a link to its case, and to the very turn in the transcript view when
    it is a turn (or a commentary on one)."""
    kind = "constructed vignette" if e["constructed"] else "case material"
    if e.get("reconstructed"):  # prc-kg's reconstruction, never to be read as the source's words
        kind += f", {e['reconstructed']}"
    item: dict | str = ({"page": "case.html", "link": e["case"], "text": f"{e['label']} ({kind})"}
                        if e["case"] else e["label"])
    link = transcript_links.get(e["id"])
    if link is None:
        return item
    page, anchor = link.split("#", 1)
    turn = {"page": page, "link": anchor, "text": "read it in the transcript"}
    if isinstance(item, str):
        return {**turn, "text": f"{item} (in the transcript)"}
    return {**item, "more": [turn]}


def taxonomy_page(g: nx.DiGraph, transcript_links: dict[str, str] | None = None) -> GraphPage:
    """``transcript_links`` (short IRI of a turn or commentary -> transcripts/PAGE.html#turn-N) adds
    to each example that is one a link to the exact turn in the transcript view."""
    roots = ["prc:ProcessComponent", "prc:Psychotherapy", "prc:Instrument"]
    hierarchy = nx.DiGraph((u, v) for u, v, k in g.edges(data="kind") if k != "measures")
    hierarchy.add_nodes_from(g)
    pos = radial_tree_layout(hierarchy, roots)
    nodes = []
    for key in sorted(g):
        d = g.nodes[key]
        examples = [_example(e, transcript_links or {}) for e in d["examples"]]
        nodes.append({
            "id": key, "label": d["label"], "x": pos[key][0], "y": pos[key][1], "group": d["group"],
            "color": GROUP_COLOURS[d["group"]], "shape": "diamond" if d["kind"] == "instrument" else "dot",
            "tip": [t for t in (_clip(d["definition"]), "Source: " + "; ".join(d["sources"]) if d["sources"] else "")
                    if t],
            "info": {"IRI": key, "taxonomy code": d["code"], "definition": d["definition"],
                     "manual sections": d["sections"], "sources": d["sources"], "provenance tag": d["tag"],
                     f"examples ({len(examples)})": examples},
        })
    styles = {"subclass": ("#9aa3ae", False), "instance": ("#8c564b", [2, 4]),
              "measures": ({"color": "#b39ddb", "opacity": 0.35}, [8, 6])}
    edges = [{"id": f"{u}|{v}|{k}", "from": u, "to": v, "color": styles[k][0], "dashes": styles[k][1],
              "info": {"relation": k, "from": u, "to": v}, "tip": [f"{k}: {u} → {v}"]}
             for u, v, k in sorted(g.edges(data="kind"))]
    groups = [grp for grp in GROUP_COLOURS if any(n["group"] == grp for n in nodes)]
    return GraphPage(
        name="taxonomy", title="Taxonomy of the psychotherapy process",
        description="Every class of the five manual sections, the modalities and the instruments, in rings from "
                    "the roots at the centre to the most specific classes outside. Colour gives the manual "
                    "section; instruments are diamonds, with dashed lines to the constructs their items score. "
                    "Click a class for its definition, sources and examples.",
        datasets={"taxonomy": Dataset("taxonomy", nodes, edges)},
        filters=[{"group": grp, "label": GROUP_NAMES[grp], "color": GROUP_COLOURS[grp]} for grp in groups],
        legend=[{"kind": "edge", "label": "subclass of (parent → child)", "color": styles["subclass"][0]},
                {"kind": "edge", "label": "instrument → construct it scores", "color": "#a48cc0", "dashes": True}])


# -- cases -------------------------------------------------------------------------------------
CASE_COLOURS = {"case": "#263238", "session": "#1565c0", "component": "#7b1fa2", "helpful": "#2e7d32",
                "unhelpful": "#c62828", "unrated": "#9e9e9e", "therapist": "#ef6c00", "patient": "#00897b",
                "": "#78909c"}


def _case_dataset(g: nx.DiGraph) -> Dataset:
    kinds = {k: sorted((n for n, d in g.nodes(data=True) if d["kind"] == k),
                       key=lambda n: (g.nodes[n]["order"], n)) for k in ("case", "session", "moment", "commentary",
                                                                        "component")}
    moments = sorted(kinds["moment"], key=lambda m: (g.nodes[g.nodes[m]["session"]]["order"], g.nodes[m]["order"], m))
    columns = [kinds["case"], kinds["session"], moments, kinds["commentary"], kinds["component"]]
    pos = column_layout(columns)
    nodes = []
    for key in [n for column in columns for n in column]:
        d = g.nodes[key]
        kind = d["kind"]
        colour_key = d.get("evaluation", "") if kind == "commentary" else d.get("speaker", "") if kind == "moment" \
            else kind
        wording = d.get("wording", "")  # on a real case's turns and commentaries: reconstructed or verbatim
        node = {"id": key, "label": d["label"] + (" (reconstructed)" if d.get("reconstructed") else ""),
                "x": pos[key][0], "y": pos[key][1], "group": kind,
                "color": CASE_COLOURS.get(colour_key, "#78909c"), "shape": "box" if kind == "commentary" else
                "square" if kind == "session" else "diamond" if kind == "component" else "dot",
                "tip": [t for t in (d.get("title", ""), _clip(d.get("text", "")), _clip(wording)) if t],
                "info": {"IRI": key, "kind": kind, "speaker": d.get("speaker", ""),
                         "evaluation": d.get("evaluation", ""), "text": d.get("text", ""), "wording": wording}}
        if d.get("reconstructed"):
            node["shapeProperties"], node["borderWidth"] = {"borderDashes": [5, 4]}, 2
        if kind == "commentary":
            node["font"] = {"color": "#ffffff"}
        if kind == "component":
            node["info"]["in the taxonomy"] = {"page": "taxonomy.html", "link": key, "text": d["label"]}
        nodes.append(node)
    edge_style = {"session": ("#1565c0", False), "opens": ("#1565c0", [4, 4]), "next": ("#455a64", False),
                  "coded": ("#7b1fa2", [6, 4]), "comments": ("#9e9e9e", False),
                  "illustrates": ({"color": "#7b1fa2", "opacity": 0.4}, [2, 4])}
    edges = []
    for u, v, kind in sorted(g.edges(data="kind")):
        colour, dashes = edge_style[kind]
        if kind == "comments":
            colour = CASE_COLOURS.get(g.nodes[u].get("evaluation", ""), colour)
            dashes = [3, 3] if g.nodes[u].get("evaluation") == "unhelpful" else False
        edges.append({"id": f"{u}|{v}", "from": u, "to": v, "color": colour, "dashes": dashes,
                      "info": {"relation": kind}, "tip": [kind]})
    return Dataset(g.graph["label"] + (" (constructed vignette)" if g.graph["constructed"] else ""), nodes, edges)


def case_page(graphs: dict[str, nx.DiGraph]) -> GraphPage:
    order = sorted(graphs, key=lambda k: (graphs[k].graph["constructed"], k != "data:case/annie",
                                          graphs[k].graph["label"].lower(), k))
    return GraphPage(
        name="case", title="Cases: sessions, turns, codes and commentary",
        description="Choose a case. From left to right: the case, its sessions in order, the turns or segments "
                    "in order (orange: therapist, teal: patient, grey: speaker not recorded), the commentaries "
                    "(green: helpful, red with a dashed line: unhelpful) and the components the moments are coded "
                    "with. Constructed teaching vignettes are marked as such. In a real case, a turn or commentary "
                    "that prc-kg reconstructed from a summary of its source says '(reconstructed)' and has a dashed "
                    "outline; its details say what it was reconstructed from, or where the source gives the words.",
        datasets={k: _case_dataset(graphs[k]) for k in order},
        legend=[{"kind": "node", "label": "session", "color": CASE_COLOURS["session"]},
                {"kind": "node", "label": "therapist turn", "color": CASE_COLOURS["therapist"]},
                {"kind": "node", "label": "patient turn", "color": CASE_COLOURS["patient"]},
                {"kind": "node", "label": "speaker not recorded", "color": CASE_COLOURS[""]},
                {"kind": "node", "label": "helpful commentary", "color": CASE_COLOURS["helpful"]},
                {"kind": "node", "label": "unhelpful commentary", "color": CASE_COLOURS["unhelpful"]},
                {"kind": "node", "label": "coded component", "color": CASE_COLOURS["component"]}])


# -- findings ----------------------------------------------------------------------------------
def findings_page(g: nx.MultiDiGraph) -> GraphPage:
    pos = force_layout(nx.Graph(g), spacing=380.0)
    scores = centrality(g)
    top = max((v["degree"] for v in scores.values()), default=1.0) or 1.0
    nodes = [{"id": n, "label": d["label"], "x": pos[n][0], "y": pos[n][1], "group": "construct",
              "color": "#455a64", "size": 8 + round(22 * scores[n]["degree"] / top),
              "tip": [_clip(d["definition"])] if d["definition"] else [],
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
            "tip": [_clip(d["text"]), f"{d['relation']} · {d['direction']} · {d['evidence']}" + (f" · {figures}" if figures else ""),
                    "Source: " + "; ".join(d["sources"]) if d["sources"] else ""],
            "info": {"finding": key, "statement": d["text"], "relation": d["relation"],
                     "relation property": d["relationType"], "source's wording": d["wording"],
                     "direction": d["direction"], "evidence": d["evidence"], "figures": figures,
                     "moderators": d["conditions"],
                     "condition": d["condition"], "sample": d["sample"], "year": d["year"] or "",
                     "sources": d["sources"], "provenance tag": d["tag"],
                     "conflict": "directions disagree between findings on these two constructs" if d["conflict"]
                     else ""}})
        rows.append({"strong": d["conflict"], "cells": [key, f"{g.nodes[u]['label']} → {g.nodes[v]['label']}",
                                                       d["direction"], d["evidence"], figures,
                                                       "; ".join(d["sources"]), "yes" if d["conflict"] else ""]})
    table = {"title": "Findings (conflicting ones highlighted)",
             "columns": ["finding", "subject → object", "direction", "evidence", "figures", "sources", "conflict"],
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
                    "disagree are labelled 'conflict'.",
        datasets={"findings": Dataset("all findings", nodes, edges, table)}, legend=legend)


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
