"""Analytics over the findings graph: which constructs are central, and through which findings
one construct leads to another (each step with its finding and sources)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import networkx as nx

from ..errors import PrcKgError


@dataclass(frozen=True)
class Step:
    subject: str
    object: str
    finding: str
    relation: str
    direction: str
    evidence: str
    sources: tuple[str, ...]


def centrality(g: nx.MultiDiGraph) -> dict[str, dict[str, float]]:
    """Degree, in/out degree, betweenness and closeness of every construct. Parallel findings
    between the same two constructs count once (a path is a path)."""
    simple = nx.DiGraph(g)
    n = max(len(g) - 1, 1)
    betweenness = nx.betweenness_centrality(simple, normalized=True)
    closeness = nx.closeness_centrality(simple)
    return {node: {"degree": simple.degree(node) / n, "in": simple.in_degree(node) / n,
                   "out": simple.out_degree(node) / n, "betweenness": betweenness.get(node, 0.0),
                   "closeness": closeness.get(node, 0.0)} for node in g}


def resolve(g: nx.MultiDiGraph, name: str) -> str:
    """A construct named by short IRI (prc:X), bare local name (X) or label, case-insensitive."""
    wanted = name.strip().lower()
    for node, data in sorted(g.nodes(data=True)):
        if wanted in (node.lower(), node.split(":", 1)[-1].lower(), str(data.get("label", "")).lower()):
            return node
    raise PrcKgError(f"no construct {name!r} in the findings graph; known constructs include "
                     + ", ".join(sorted(g)[:8]) + " …")


def _hop(g: nx.MultiDiGraph, u: str, v: str, directed: bool) -> list[Step]:
    """The findings behind one hop; an undirected hop takes findings of either direction."""
    pairs = [(u, v)] if directed else [(u, v), (v, u)]
    return [Step(a, b, key, d["relation"], d["direction"], d["evidence"], tuple(d["sources"]))
            for a, b in pairs if g.has_edge(a, b) for key, d in sorted(g.get_edge_data(a, b).items())]


def evidence_paths(g: nx.MultiDiGraph, source: str, target: str, max_length: int = 4,
                   directed: bool = True) -> list[list[list[Step]]]:
    """All simple paths from source to target up to max_length findings, shortest first; each
    path is a list of hops, each hop the findings that support it. Undirected search also walks
    a finding from object back to subject (for 'how are these related at all')."""
    a, b = resolve(g, source), resolve(g, target)
    graph = nx.DiGraph(g) if directed else nx.Graph(g)
    paths = sorted(nx.all_simple_paths(graph, a, b, cutoff=max_length), key=lambda p: (len(p), p))
    return [[_hop(g, u, v, directed) for u, v in itertools.pairwise(path)] for path in paths]


def shortest_evidence_path(g: nx.MultiDiGraph, source: str, target: str, directed: bool = True) -> list[list[Step]]:
    a, b = resolve(g, source), resolve(g, target)
    graph = nx.DiGraph(g) if directed else nx.Graph(g)
    try:
        path = nx.shortest_path(graph, a, b)
    except nx.NetworkXNoPath:
        return []
    return [_hop(g, u, v, directed) for u, v in itertools.pairwise(path)]
