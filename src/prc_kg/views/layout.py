"""Node positions computed once in Python, so the browser draws a still picture at once.

Letting vis-network's physics settle a 1,000-node graph takes about a minute and 10,000 nodes hang
the page; igraph lays out 10,000 nodes in under a second. Positions come from a seeded start and
are rounded to whole pixels, so the same graph always gives the same file.
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Sequence

import igraph as ig
import networkx as nx

Positions = dict[Hashable, tuple[int, int]]


def _to_igraph(g: nx.Graph, order: Sequence[Hashable]) -> ig.Graph:
    index = {node: i for i, node in enumerate(order)}
    edges = sorted({(index[u], index[v]) for u, v in g.edges() if u != v})
    return ig.Graph(n=len(order), edges=edges, directed=g.is_directed())


def _scaled(coords: list[list[float]], order: Sequence[Hashable], spacing: float) -> Positions:
    return {node: (round(x * spacing), round(y * spacing)) for node, (x, y) in zip(order, coords)}


def force_layout(g: nx.Graph, seed: int = 20261126, spacing: float = 60.0) -> Positions:
    """Fruchterman–Reingold with igraph's random numbers drawn from a seeded generator (igraph's
    generator is global state, so it is put back afterwards). From 500 nodes on, the grid variant
    keeps the time near-linear."""
    order = sorted(g.nodes(), key=str)
    if not order:
        return {}
    graph = _to_igraph(g, order)
    ig.set_random_number_generator(random.Random(seed))
    try:
        coords = graph.layout_fruchterman_reingold(grid="grid" if len(order) >= 500 else "nogrid")
    finally:
        ig.set_random_number_generator(random)
    return _scaled(coords.coords, order, spacing)


def radial_tree_layout(g: nx.DiGraph, roots: Sequence[Hashable], ring_gap: float = 420.0) -> Positions:
    """Rings of a hierarchy (Reingold–Tilford, circular, over a spanning tree): the roots on the
    first ring, their children on the next and so on, so a wide, shallow taxonomy fills a square
    screen instead of a tall strip. A hidden hub joins the roots."""
    order = sorted(g.nodes(), key=str)
    if not order:
        return {}
    hub = len(order)
    graph = _to_igraph(g, order)
    graph.add_vertices(1)
    index = {node: i for i, node in enumerate(order)}
    graph.add_edges([(hub, index[r]) for r in roots if r in index])
    coords = graph.layout_reingold_tilford_circular(mode="out", root=[hub]).coords
    return {node: (round(x * ring_gap), round(y * ring_gap)) for node, (x, y) in zip(order, coords)}


def column_layout(columns: Sequence[Sequence[Hashable]], column_gap: float = 300.0,
                  row_gap: float = 70.0) -> Positions:
    """Columns of nodes in a given order (a case: sessions, then its moments, then codes)."""
    positions: Positions = {}
    for c, column in enumerate(columns):
        offset = (len(column) - 1) * row_gap / 2
        for r, node in enumerate(column):
            positions.setdefault(node, (round(c * column_gap), round(r * row_gap - offset)))
    return positions



def _edge_length(g: nx.Graph, pos: Positions) -> float:
    lengths = sorted(((pos[u][0] - pos[v][0]) ** 2 + (pos[u][1] - pos[v][1]) ** 2) ** 0.5
                     for u, v in g.edges() if u != v)
    return lengths[len(lengths) // 2] if lengths else 1.0


def packed_layout(g: nx.Graph, width: float = 4000.0, seed: int = 20261126) -> Positions:
    """The largest connected part laid out by force_layout on its own and scaled to `width` (its
    larger side), and the small parts (pairs, threes, lone nodes) packed in rows beneath it at the
    same edge length. Laid out together, the small parts spread round the large one as a wide ring,
    so fitting the whole to a window shrank the large part, where most labels are, to a third of
    the screen. A fixed width also lets a page size its labels for the scale at which the whole
    fits a window."""
    parts = sorted((sorted(c, key=str) for c in nx.connected_components(g)), key=lambda c: (-len(c), str(c[0])))
    if not parts:
        return {}
    main = g.subgraph(parts[0])
    raw = force_layout(main, seed, 100.0)
    xs, ys = [x for x, _ in raw.values()], [y for _, y in raw.values()]
    factor = width / max(max(xs) - min(xs), max(ys) - min(ys), 1)
    positions: Positions = {n: (round((x - min(xs)) * factor), round((y - min(ys)) * factor)) for n, (x, y) in raw.items()}
    edge = _edge_length(main, positions)
    x, y, row = 0.0, (max(ys) - min(ys)) * factor + edge, 0.0
    for part in parts[1:]:
        local = force_layout(g.subgraph(part), seed, 100.0) if len(part) > 1 else {part[0]: (0, 0)}
        f = edge / _edge_length(g.subgraph(part), local) if len(part) > 1 else 1.0
        lx, ly = min(p[0] for p in local.values()), min(p[1] for p in local.values())
        part_width = (max(p[0] for p in local.values()) - lx) * f
        if x > 0 and x + part_width > width:  # start a new row
            x, y, row = 0.0, y + row + edge / 2, 0.0
        for node, (px, py) in local.items():
            positions[node] = (round(x + (px - lx) * f), round(y + (py - ly) * f))
        x, row = x + part_width + edge, max(row, (max(p[1] for p in local.values()) - ly) * f)
    return positions
