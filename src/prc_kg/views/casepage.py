"""The case view as a page: per case, its sessions, turns or segments in order (coloured by who
speaks), the commentaries on them and the components they are coded with, in columns."""

from __future__ import annotations

import networkx as nx

from .htmlpage import Dataset, GraphPage, clip
from .layout import column_layout

CASE_COLOURS = {"case": "#263238", "session": "#1565c0", "component": "#7b1fa2", "helpful": "#2e7d32",
                "unhelpful": "#c62828", "unrated": "#9e9e9e", "therapist": "#ef6c00", "patient": "#00897b",
                "joint": "#6d4c41", "": "#78909c"}
CASE_FONT = 18  # a case fits a 1400×1000 window at a scale of about 0.6: labels of 11 px, not 8
SPEAKER_NAMES = {"therapist": "therapist", "patient": "patient", "joint": "both (joint segment)",
                 "": "not recorded"}


def _case_dataset(g: nx.DiGraph) -> Dataset:
    """A case in columns: the case, its sessions, their moments in order, commentaries, components."""
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
                "tip": [t for t in (d.get("title", ""), clip(d.get("text", "")), clip(wording)) if t],
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
    """One dataset per case, Annie first, then the other real cases, then the constructed vignettes."""
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
