"""Analytics over the findings: which constructs are central, and through which findings one
construct leads to another or to a case (each hop with its findings and sources).

Paths walk the evidence graph (``projection.evidence_graph``) hop by hop. A hop is one relation
edge (a finding, or a moderator's edge to the object of its finding) or one case link, taken from
the node reached or from a broader or a narrower class of it: a finding about a kind of X speaks
about X, and one about X about its kinds. The subclass links of one hop all go the same way, so a
path never jumps from a class to a sibling through their parent, and a case link is never taken
after going up (a case judged favourable is not thereby a case of every kind of benefit). The
length of a path is its number of hops; ``reachable_within_k_hops.rq`` counts the same way.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import networkx as nx

from ..errors import PrcKgError

EVIDENCE_KINDS = ("finding", "moderator")
Run = tuple[tuple[str, ...], bool | None, str]  # classes walked, upward (None: none walked), class reached


@dataclass(frozen=True, order=True)
class Step:
    """One piece of evidence behind a hop: a finding, a moderator condition of one, or a case link."""

    subject: str
    object: str
    finding: str
    relation: str
    direction: str
    evidence: str
    sources: tuple[str, ...]
    kind: str = "finding"  # finding | moderator | case
    level: str = ""  # for a moderator: the level at which the finding holds


@dataclass(frozen=True)
class Hop:
    """From ``start`` through the class hierarchy (``via``: the classes walked, ``start`` excluded,
    ending at ``subject``; all broader when ``upward``, all narrower when not) and then from
    ``subject`` to ``object`` by the evidence in ``steps``. A hop without steps only ends a path
    inside the class hierarchy (the target is a broader or narrower class of the last object)."""

    start: str
    via: tuple[str, ...]
    upward: bool | None
    subject: str
    object: str
    steps: tuple[Step, ...]


def hops_of(path: list[Hop]) -> int:
    """The length of a path: its hops along evidence or case links."""
    return sum(1 for hop in path if hop.steps)


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
    """A node named by short IRI (prc:X, data:case/annie), bare local name (X, annie) or label,
    case-insensitive."""
    wanted = name.strip().lower()
    for node, data in sorted(g.nodes(data=True)):
        if wanted in (node.lower(), node.split(":", 1)[-1].lower(), node.rsplit("/", 1)[-1].lower(),
                      str(data.get("label", "")).lower()):
            return node
    raise PrcKgError(f"no construct {name!r} in the findings graph; known constructs include "
                     + ", ".join(sorted(g)[:8]) + " …")


def _step(u: str, v: str, data: dict) -> Step:
    return Step(u, v, data.get("finding", ""), data.get("relation", ""), data.get("direction", ""),
                data.get("evidence", ""), tuple(data.get("sources", ())), data["kind"], data.get("level", ""))


def _runs_of(g: nx.MultiDiGraph) -> Callable[[str], list[Run]]:
    """For a node: itself, then each broader and each narrower class with the shortest chain of
    subclass links to it (ties broken by name, so paths come out the same every time)."""
    cache: dict[str, list[Run]] = {}

    def runs(node: str) -> list[Run]:
        if node not in cache:
            out: list[Run] = [((), None, node)]
            for upward, kind in ((True, "broader"), (False, "narrower")):
                chains, frontier = {node: ()}, [node]
                while frontier:
                    following = []
                    for u in frontier:
                        for _, v, key in sorted(g.out_edges(u, keys=True)):
                            if key == kind and v not in chains:
                                chains[v] = (*chains[u], v)
                                following.append(v)
                    frontier = sorted(following)
                out += [(chain, upward, v) for v, chain in sorted(chains.items()) if chain]
            cache[node] = out
        return cache[node]

    return runs


def _moves_of(g: nx.MultiDiGraph, runs: Callable[[str], list[Run]], directed: bool) -> Callable[[str], list[Hop]]:
    """For a node: every hop leaving it, one per (class walked to, next node), with all the
    evidence for that pair. Undirected moves also take a finding from its object to its subject."""
    cache: dict[str, list[Hop]] = {}

    def moves(node: str) -> list[Hop]:
        if node not in cache:
            hops = []
            for via, upward, c in runs(node):
                found: dict[str, list[Step]] = defaultdict(list)
                for _, w, data in g.out_edges(c, data=True):
                    if data["kind"] in EVIDENCE_KINDS or (data["kind"] == "case" and upward is not True):
                        found[w].append(_step(c, w, data))
                if not directed:
                    for u, _, data in g.in_edges(c, data=True):
                        if data["kind"] in EVIDENCE_KINDS:
                            found[u].append(_step(u, c, data))
                hops += [Hop(node, via, upward, c, w, tuple(sorted(set(steps)))) for w, steps in sorted(found.items())]
            cache[node] = hops
        return cache[node]

    return moves


def _ending(runs: Callable[[str], list[Run]], node: str, target: str) -> Hop | None:
    """A last hop without evidence when ``target`` is a broader or narrower class of ``node``."""
    return next((Hop(node, via, upward, target, target, ()) for via, upward, c in runs(node)
                 if c == target and via), None)


def _key(path: list[Hop]) -> tuple:
    return hops_of(path), sum(len(h.via) for h in path), [(h.subject, h.object) for h in path]


def evidence_paths(g: nx.MultiDiGraph, source: str, target: str, max_length: int = 4,
                   directed: bool = True) -> list[list[Hop]]:
    """All paths from source to target of up to ``max_length`` hops that never revisit the node a
    hop ends at, shortest first (then with fewer subclass links). Undirected search also walks a
    finding from object back to subject (for 'how are these related at all')."""
    a, b = resolve(g, source), resolve(g, target)
    runs = _runs_of(g)
    moves = _moves_of(g, runs, directed)
    found: list[list[Hop]] = []

    def walk(node: str, path: list[Hop], visited: frozenset[str]) -> None:
        if path and node == b:
            found.append(path)
            return
        if path and (last := _ending(runs, node, b)) is not None:
            found.append([*path, last])
        if hops_of(path) == max_length:
            return
        for hop in moves(node):
            if hop.object not in visited:
                walk(hop.object, [*path, hop], visited | {hop.object})

    walk(a, [], frozenset({a}))
    return sorted(found, key=_key)


def shortest_evidence_path(g: nx.MultiDiGraph, source: str, target: str, directed: bool = True) -> list[Hop]:
    """One path of the fewest hops (breadth first; among equals the first in name order), or []."""
    a, b = resolve(g, source), resolve(g, target)
    runs = _runs_of(g)
    moves = _moves_of(g, runs, directed)
    back: dict[str, Hop | None] = {a: None}
    frontier = [a]

    def trace(node: str) -> list[Hop]:
        path = []
        while (hop := back[node]) is not None:
            path.append(hop)
            node = hop.start
        return path[::-1]

    while frontier:
        reached = []
        for node, hop in itertools.chain.from_iterable(((h.object, h) for h in moves(n)) for n in frontier):
            if node not in back:
                back[node] = hop
                reached.append(node)
        if b in reached:
            return trace(b)
        for node in reached:
            if (last := _ending(runs, node, b)) is not None:
                return [*trace(node), last]
        frontier = reached
    return []


def reachable(g: nx.MultiDiGraph, source: str, max_length: int = 4) -> dict[str, int]:
    """Every node a path from ``source`` reaches within ``max_length`` hops, with its fewest hops: the
    answer of the library query ``reachable_within_k_hops``, by the same rules."""
    a = resolve(g, source)
    moves = _moves_of(g, _runs_of(g), directed=True)
    distance: dict[str, int] = {}
    frontier = [a]
    for hops in range(1, max_length + 1):
        frontier = sorted({hop.object for node in frontier for hop in moves(node)} - set(distance) - {a})
        distance.update((node, hops) for node in frontier)
    return distance
