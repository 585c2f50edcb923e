"""The graph views as pages: each turns a networkx projection into positioned, styled nodes and
edges with the details a reader needs (definition, source, examples, figures, statistics)."""

from __future__ import annotations

import networkx as nx

from ..analysis.analytics import centrality
from ..analysis.pooling import PooledTransition
from ..analysis.sequences import CodedPairs
from ..analysis.sequential import Transition
from .htmlpage import Dataset, GraphPage
from .layout import column_layout, force_layout, packed_layout, radial_tree_layout

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
def _depths(hierarchy: nx.DiGraph, roots: list[str]) -> tuple[dict[str, int], dict[str, str]]:
    """Each class's distance from the nearest root (breadth first, in sorted order so ties are always
    broken the same way) and the parent it was reached from."""
    depth = dict.fromkeys(roots, 0)
    parent: dict[str, str] = {}
    frontier = sorted(roots)
    while frontier:
        nxt = []
        for u in frontier:
            for v in sorted(hierarchy.successors(u)):
                if v not in depth:
                    depth[v], parent[v] = depth[u] + 1, u
                    nxt.append(v)
        frontier = nxt
    return depth, parent


def _example(e: dict, transcript_links: dict[str, str]) -> dict | str:
    """An example of a class: a link to the example itself on the case page (the page opens its
    case and selects it there), and to the very turn in the transcript view when it is a turn (or a
    commentary on one)."""
    kind = "constructed vignette" if e["constructed"] else "case material"
    if e.get("reconstructed"):  # prc-kg's reconstruction, never to be read as the source's words
        kind += f", {e['reconstructed']}"
    item: dict | str = ({"page": "case.html", "link": e["id"], "text": f"{e['label']} ({kind})"}
                        if e["case"] else e["label"])
    link = transcript_links.get(e["id"])
    if link is None:
        return item
    page, anchor = link.split("#", 1)
    turn = {"page": page, "link": anchor, "text": "read it in the transcript"}
    if isinstance(item, str):
        return {**turn, "text": f"{item} (in the transcript)"}
    return {**item, "more": [turn]}


# Label sizes of the taxonomy in the network's own units. Drawn at the scale that fits the whole
# taxonomy into a 1400×1000 window (about 0.2), the roots and the section classes come out at 12–14
# screen pixels; the others are below the page's smallest drawn label (MIN_LABEL_PX) and appear as
# one zooms in: the next ring from a scale of about 0.3, the rest from about 0.5.
TAXONOMY_FONT = {"root": 80, "section": 72, "near": 30, "deep": 16}
MIN_LABEL_PX = 9.0


def _taxonomy_font(depth: int, parent: str) -> dict:
    """The node options that size a class's label by how near the roots it is."""
    level = ("root" if depth == 0 else "section" if depth == 1 and parent == "prc:ProcessComponent"
             else "near" if depth <= 2 else "deep")
    size = TAXONOMY_FONT[level]
    font = {"size": size, "strokeWidth": max(2, size // 8), "strokeColor": "#ffffff"}
    # a long label of a root or section wraps onto two lines rather than run into its neighbour's
    return {"font": font, "widthConstraint": {"maximum": 11 * size}} if level in ("root", "section") else {"font": font}


def taxonomy_page(g: nx.DiGraph, transcript_links: dict[str, str] | None = None) -> GraphPage:
    """``transcript_links`` (short IRI of a turn or commentary -> transcripts/PAGE.html#turn-N) adds
    to each example that is one a link to the exact turn in the transcript view."""
    roots = ["prc:ProcessComponent", "prc:Psychotherapy", "prc:Instrument"]
    hierarchy = nx.DiGraph((u, v) for u, v, k in g.edges(data="kind") if k != "measures")
    hierarchy.add_nodes_from(g)
    pos = radial_tree_layout(hierarchy, roots)
    depth, parent = _depths(hierarchy, [r for r in roots if r in hierarchy])
    nodes = []
    for key in sorted(g):
        d = g.nodes[key]
        examples = [_example(e, transcript_links or {}) for e in d["examples"]]
        nodes.append({
            "id": key, "label": d["label"], "x": pos[key][0], "y": pos[key][1], "group": d["group"],
            **_taxonomy_font(depth.get(key, 99), parent.get(key, "")),
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
                    "The roots and the sections are labelled first; zoom in (the + button or the mouse wheel) "
                    "to read the classes under them. Click a class for its definition, sources and examples.",
        datasets={"taxonomy": Dataset("taxonomy", nodes, edges)}, min_label_px=MIN_LABEL_PX, declutter=True,
        filters=[{"group": grp, "label": GROUP_NAMES[grp], "color": GROUP_COLOURS[grp]} for grp in groups],
        legend=[{"kind": "edge", "label": "subclass of (parent → child)", "color": styles["subclass"][0]},
                {"kind": "edge", "label": "instrument → construct it scores", "color": "#a48cc0", "dashes": True}])


# -- cases -------------------------------------------------------------------------------------
CASE_COLOURS = {"case": "#263238", "session": "#1565c0", "component": "#7b1fa2", "helpful": "#2e7d32",
                "unhelpful": "#c62828", "unrated": "#9e9e9e", "therapist": "#ef6c00", "patient": "#00897b",
                "joint": "#6d4c41", "": "#78909c"}
CASE_FONT = 18  # a case fits a 1400×1000 window at a scale of about 0.6: labels of 11 px, not 8
SPEAKER_NAMES = {"therapist": "therapist", "patient": "patient", "joint": "both (joint segment)",
                 "": "not recorded"}


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
                "info": {"IRI": key, "kind": kind,
                         "speaker": SPEAKER_NAMES[d.get("speaker", "")] if kind == "moment" else "",
                         "spoken by": d.get("spokenBy", ""),
                         "evaluation": d.get("evaluation", ""), "text": d.get("text", ""), "wording": wording}}
        if d.get("reconstructed"):
            node["shapeProperties"], node["borderWidth"] = {"borderDashes": [5, 4]}, 2
        node["font"] = {"size": CASE_FONT, "color": "#ffffff"} if kind == "commentary" else {"size": CASE_FONT}
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
                    "in order (orange: therapist, teal: patient, brown: a joint segment, grey: speaker not recorded), the commentaries "
                    "(green: helpful, red with a dashed line: unhelpful) and the components the moments are coded "
                    "with. Constructed teaching vignettes are marked as such. In a real case, a turn or commentary "
                    "that prc-kg reconstructed from a summary of its source says '(reconstructed)' and has a dashed "
                    "outline; its details say what it was reconstructed from, or where the source gives the words.",
        datasets={k: _case_dataset(graphs[k]) for k in order},
        legend=[{"kind": "node", "label": "session", "color": CASE_COLOURS["session"]},
                {"kind": "node", "label": "therapist turn", "color": CASE_COLOURS["therapist"]},
                {"kind": "node", "label": "patient turn", "color": CASE_COLOURS["patient"]},
                {"kind": "node", "label": "joint segment (both speak)", "color": CASE_COLOURS["joint"]},
                {"kind": "node", "label": "speaker not recorded", "color": CASE_COLOURS[""]},
                {"kind": "node", "label": "helpful commentary", "color": CASE_COLOURS["helpful"]},
                {"kind": "node", "label": "unhelpful commentary", "color": CASE_COLOURS["unhelpful"]},
                {"kind": "node", "label": "coded component", "color": CASE_COLOURS["component"]}])


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
