"""Coded sequences out of the graph: which codes each therapist event carries and which codes the
patient event right after it carries, grouped per dyad (rated studies) or per case (coded turns).

Rated segments are coded by the constructs whose items the raters scored at or above a threshold
(mean over raters); coded turns by their most specific intervention types and patient
contributions. Only pairs the graph links with prc:immediatelyFollowedBy count, so a gap in a
transcript (Annie's session 1 jumps from turn 14 to 70) never makes a false pair.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ..store.backends import Store
from ..store.querylib import packaged_query, short
from .pooling import PooledTransition, random_effects
from .sequential import Transition, lag1_transitions


@dataclass(frozen=True)
class CodedPairs:
    """Lag-1 pairs (codes at t, codes at t+1) per group (dyad or case), with code labels."""

    source: str  # "ratings" or "turns"
    groups: dict[str, list[tuple[frozenset[str], frozenset[str]]]]
    group_labels: dict[str, str]
    labels: dict[str, str]

    def pooled(self) -> list[tuple[frozenset[str], frozenset[str]]]:
        return [pair for key in sorted(self.groups) for pair in self.groups[key]]

    def transitions(self, group: str | None = None, alpha: float = 0.05) -> list[Transition]:
        """Pooled over all groups when `group` is None (counts are summed, as Bakeman advises
        when single sequences are short)."""
        return lag1_transitions(self.pooled() if group is None else self.groups[group], alpha)

    def random_effects(self, alpha: float = 0.05) -> list[PooledTransition]:
        """Pooled over the groups by a random-effects model of their log odds ratios instead."""
        return random_effects(self.groups, alpha)


def _labels(store: Store) -> dict[str, str]:
    return {str(term.value): str(label.value) for term, label in store.query(packaged_query("sequences/labels")).rows}


def _grouped_pairs(store: Store, pairs_query: str, codes: dict[str, set[str]]):
    groups: dict[str, list[tuple[frozenset[str], frozenset[str]]]] = defaultdict(list)
    group_labels: dict[str, str] = {}
    rows = sorted(store.query(pairs_query).rows, key=lambda r: (r[0].value, r[2].value, r[3].value))
    for group, label, before, after in rows:
        key = short(group)
        group_labels[key] = str(label.value) if label is not None else key
        groups[key].append((frozenset(codes.get(before.value, ())), frozenset(codes.get(after.value, ()))))
    return dict(groups), group_labels


def rated_pairs(store: Store, threshold: float = 3.0) -> CodedPairs:
    """Lag-1 pairs of rated segments (therapist segment, next patient segment) per dyad."""
    codes: dict[str, set[str]] = defaultdict(set)
    for segment, construct, mean in store.query(packaged_query("sequences/segment_means")).rows:
        if float(mean.value) >= threshold:
            codes[segment.value].add(construct.value)
    groups, group_labels = _grouped_pairs(store, packaged_query("sequences/segment_pairs"), codes)
    return CodedPairs("ratings", groups, group_labels, _labels(store))


def turn_pairs(store: Store) -> CodedPairs:
    """Lag-1 pairs of coded turns (therapist turn, next patient turn) per case."""
    codes: dict[str, set[str]] = defaultdict(set)
    for turn, code in store.query(packaged_query("sequences/turn_codes")).rows:
        codes[turn.value].add(code.value)
    groups, group_labels = _grouped_pairs(store, packaged_query("sequences/turn_pairs"), codes)
    return CodedPairs("turns", groups, group_labels, _labels(store))


@dataclass(frozen=True)
class Trajectory:
    dyad: str
    dyad_label: str
    item: str  # item code, e.g. APS:PAT-PROD
    item_label: str
    points: tuple[tuple[int, float, int], ...]  # (session number, mean over raters and segments, ratings)


def trajectories(store: Store, items: list[str] | None = None) -> list[Trajectory]:
    """Per dyad and item, the mean rating of each session, in session order."""
    series: dict[tuple[str, str], list[tuple[int, float, int]]] = defaultdict(list)
    names: dict[str, str] = {}
    item_names: dict[str, str] = {}
    for dyad, dyad_label, number, code, item_label, mean, count in store.query(packaged_query("sequences/session_means")).rows:
        key = short(dyad)
        if items and code.value not in items:
            continue
        names[key] = dyad_label.value if dyad_label is not None else key
        item_names[code.value] = item_label.value if item_label is not None else code.value
        series[(key, code.value)].append((int(number.value), float(mean.value), int(count.value)))
    return [Trajectory(d, names[d], i, item_names[i], tuple(sorted(points)))
            for (d, i), points in sorted(series.items())]
