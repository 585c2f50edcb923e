"""The taxonomy view as a page: every class in rings from the roots outwards, labelled by how near
the roots it is, with each class's definition, sources and examples (linked to their turn)."""

from __future__ import annotations

import networkx as nx

from .htmlpage import MIN_LABEL_PX, Dataset, GraphPage, clip
from .layout import radial_tree_layout

GROUP_COLOURS = {"section 1": "#1f77b4", "section 2": "#2ca02c", "section 3": "#d62728", "section 4": "#9467bd",
                 "section 5": "#ff7f0e", "cross-cutting": "#7f7f7f", "modality": "#17becf",
                 "instrument": "#8c564b"}
GROUP_NAMES = {"section 1": "1 why patients come and how they get better", "section 2": "2 the therapeutic alliance",
               "section 3": "3 what psychotherapists say", "section 4": "4 what patients say",
               "section 5": "5 interactions", "cross-cutting": "cross-cutting notions", "modality": "modalities",
               "instrument": "instruments"}


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
            "tip": [t for t in (clip(d["definition"]), "Source: " + "; ".join(d["sources"]) if d["sources"] else "")
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
