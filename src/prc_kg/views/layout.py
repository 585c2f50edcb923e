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
