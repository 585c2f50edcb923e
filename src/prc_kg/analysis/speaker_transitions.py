"""What follows what between the speakers of a coded corpus.

For every utterance of the source speaker (say the therapist) at position t, the consequent is the
k-th utterance of the target speaker (the patient) after t in the same conversation (lag k; lag 1
is the patient's next utterance, however many therapist utterances come between). The antecedent
codes are the utterance's primary codes (``corpus.primary_codes``) in the chosen dimensions, the
consequent codes those of the target utterance; absence codes (MISIMPLE:NO-REFLECTION: an annotator
found no reflection) are judgements, not behaviours, and are left out of both unless asked for
(``absence``). A pair where either side has no code in the chosen
dimensions is left out, so base rates are over coded utterances; a source utterance with no k-th
target utterance after it makes no pair. Both are counted and reported.

The pairs, grouped per conversation, go to the machinery the rated sessions use (sequences.py:
summed counts, P(B|A), P(B), Allison–Liker z, adjusted residual, Fisher's exact p, Holm; pooling.py:
DerSimonian–Laird random effects over conversations). With a conversation attribute (``by``) the
same is done per stratum, and for each code pair the strata are compared (heterogeneity.py): Q
between the strata's random-effects log odds ratios, and Breslow–Day (Tarone) on their summed tables.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, replace

from ..errors import PrcKgError
from .codes import CodeIndex
from .corpus import Conversation, UnknownName, behaviour_codes, natural_key, primary_codes, strata
from .heterogeneity import ChiSquared, breslow_day, q_between
from .pooling import PooledTransition, random_effects
from .sequences import CodedPairs
from .sequential import Transition, holm_adjusted, lag1_tables

SPEAKERS = ("therapist", "patient")
ALL = "all"  # the stratum of every conversation


@dataclass(frozen=True)
class StratumDifference:
    """Whether the association of antecedent A with consequent B differs between strata."""

    antecedent: str
    consequent: str
    estimates: tuple[tuple[str, float, float, int], ...]  # (stratum, pooled log odds ratio, se, conversations)
    q: float | None  # Cochran's Q between the strata's random-effects estimates
    df: int | None
    p_value: float | None  # of Q
    breslow_day: float | None  # Breslow–Day with Tarone's correction, on the strata's summed tables
    breslow_day_df: int | None
    p_breslow_day: float | None
    p_holm: float | None = None  # Holm over the code pairs tested, for Q
    p_breslow_day_holm: float | None = None


@dataclass(frozen=True)
class _P:  # a p-value keyed by code pair, for holm_adjusted
    antecedent: str
    consequent: str
    p_value: float | None
    p_holm: float | None = None


@dataclass(frozen=True)
class SpeakerTransitions:
    source: str
    target: str
    lag: int
    antecedent_dimensions: tuple[str, ...]
    consequent_dimensions: tuple[str, ...]
    by: str | None
    pairs: CodedPairs  # every conversation
    strata: dict[str, CodedPairs]  # attribute value → its conversations' pairs (empty without ``by``)
    uncoded: int  # pairs left out: a side without a code in the chosen dimensions
    unpaired: int  # source utterances without a k-th target utterance after them
    without_attribute: int  # conversations left out of the strata: no value for ``by``

    def _stratum(self, stratum: str | None) -> CodedPairs:
        if stratum in (None, ALL):
            return self.pairs
        if stratum not in self.strata:
            raise UnknownName(f"no stratum {stratum!r}; strata: {', '.join(self.strata) or 'none'}")
        return self.strata[stratum]

    def transitions(self, stratum: str | None = None, alpha: float = 0.05) -> list[Transition]:
        """Counts summed over the conversations (of a stratum), with the tests of sequential.py."""
        pairs = self._stratum(stratum)
        return pairs.transitions(alpha=alpha) if pairs.groups else []

    def random_effects(self, stratum: str | None = None, alpha: float = 0.05) -> list[PooledTransition]:
        """Each conversation's log odds ratio pooled by DerSimonian–Laird (pairs defined in two
        conversations or more)."""
        return self._stratum(stratum).random_effects(alpha)

    def differences(self) -> list[StratumDifference]:
        """For each code pair seen in two strata or more, the tests of a difference between the
        strata, with Holm's adjustment over the pairs; [] without ``by``."""
        if len(self.strata) < 2:
            return []
        pooled = {name: {(t.antecedent, t.consequent): t for t in random_effects(pairs.groups)}
                  for name, pairs in self.strata.items()}
        tables: dict[tuple[str, str], list] = defaultdict(list)
        for pairs in self.strata.values():
            for a, b, n_ab, n_a, n_b, n in lag1_tables(pairs.pooled()):
                tables[(a, b)].append((n_ab, n_a - n_ab, n_b - n_ab, n - n_a - n_b + n_ab))
        out = []
        for key in sorted(tables):
            if len(tables[key]) < 2:
                continue
            estimates = tuple((name, pooled[name][key].log_odds_ratio, pooled[name][key].se, pooled[name][key].groups)
                              for name in self.strata if key in pooled[name])
            q = q_between([(y, se) for _, y, se, _ in estimates])
            bd = breslow_day(tables[key])
            if q is None and bd is None:
                continue
            out.append(StratumDifference(key[0], key[1], estimates, *_parts(q), *_parts(bd)))
        q_holm = {(t.antecedent, t.consequent): t.p_holm for t in holm_adjusted(out)}
        bd_holm = {(t.antecedent, t.consequent): t.p_holm for t in holm_adjusted(
            [_P(d.antecedent, d.consequent, d.p_breslow_day) for d in out])}
        return [replace(d, p_holm=q_holm[(d.antecedent, d.consequent)],
                        p_breslow_day_holm=bd_holm[(d.antecedent, d.consequent)]) for d in out]


def _parts(result: ChiSquared | None) -> tuple[float | None, int | None, float | None]:
    return (result.statistic, result.df, result.p_value) if result is not None else (None, None, None)


def dimensions_by_speaker(conversations: list[Conversation]) -> dict[str, set[str]]:
    """The dimensions each speaker's utterances are coded on (the import allows a dimension on the
    turns of one speaker only)."""
    found: dict[str, set[str]] = defaultdict(set)
    for conversation in conversations:
        for utterance in conversation.utterances:
            found[utterance.speaker].update(a.dimension for a in utterance.annotations)
    return found


def _sides(conversations: list[Conversation], source: str, target: str,
           dimensions: list[str] | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The antecedent and consequent dimensions: each dimension given goes to the side whose speaker
    it codes; a side given none takes every dimension of its speaker."""
    found = dimensions_by_speaker(conversations)
    chosen = list(dict.fromkeys(dimensions or []))
    known = sorted(set().union(*found.values()) if found else set())
    for dimension in chosen:
        if dimension not in known:
            raise UnknownName(f"no coding dimension {dimension!r} in these conversations; known dimensions: "
                              + (", ".join(known) or "none"))
        if dimension not in found[source] | found[target]:
            raise UnknownName(f"dimension {dimension!r} codes neither the {source}'s nor the {target}'s utterances")
    pick = [d for d in chosen if d in found[source]]
    take = [d for d in chosen if d in found[target]]
    return (tuple(sorted(pick or found[source])), tuple(sorted(take or found[target])))


def conversation_pairs(conversation: Conversation, source: str, target: str, lag: int,
                       antecedent: tuple[str, ...], consequent: tuple[str, ...], index: CodeIndex | None = None,
                       absence: bool = False):
    """The lag-k (antecedent codes, consequent codes) pairs of one conversation, with the number of
    pairs left out for want of codes and of source utterances without a k-th target utterance."""
    codes = [behaviour_codes(primary_codes(u, index), index, absence) for u in conversation.utterances]
    targets = [i for i, u in enumerate(conversation.utterances) if u.speaker == target]
    pairs, uncoded, unpaired = [], 0, 0
    for i, utterance in enumerate(conversation.utterances):
        if utterance.speaker != source:
            continue
        k = bisect.bisect_right(targets, i) + lag - 1
        if k >= len(targets):
            unpaired += 1
            continue
        before = frozenset(codes[i][d] for d in antecedent if d in codes[i])
        after = frozenset(codes[targets[k]][d] for d in consequent if d in codes[targets[k]])
        if before and after:
            pairs.append((before, after))
        else:
            uncoded += 1
    return pairs, uncoded, unpaired


def _coded_pairs(conversations: list[Conversation], per_conversation: dict[str, list],
                 labels: dict[str, str]) -> CodedPairs:
    groups = {c.iri: per_conversation[c.iri] for c in conversations if per_conversation[c.iri]}
    names = {c.iri: f"conversation {c.conversation_id} of corpus {c.corpus}" for c in conversations}
    return CodedPairs("utterances", groups, {key: names[key] for key in groups}, labels)


def speaker_transitions(conversations: list[Conversation], source: str = "therapist", target: str = "patient",
                        lag: int = 1, dimensions: list[str] | None = None, by: str | None = None,
                        index: CodeIndex | None = None, absence: bool = False) -> SpeakerTransitions:
    """Lag-``lag`` pairs from ``source`` utterances to ``target`` utterances, per conversation and,
    with ``by``, per value of that conversation attribute. ``dimensions`` (item codes) narrows
    either side to the dimensions named for it. With the ontology's ``index``, primary codes drop
    subtypes whose main code lost (``corpus.primary_codes``), the codes' labels are kept and the
    absence codes it marks are left out (``absence`` True keeps them as codes)."""
    for speaker in (source, target):
        if speaker not in SPEAKERS:
            raise UnknownName(f"unknown speaker {speaker!r}; choose therapist or patient")
    if lag < 1:
        raise PrcKgError(f"the lag counts utterances ahead: 1 or more, got {lag}")
    antecedent, consequent = _sides(conversations, source, target, dimensions)
    per_conversation, uncoded, unpaired = {}, 0, 0
    for c in conversations:
        per_conversation[c.iri], left, alone = conversation_pairs(c, source, target, lag, antecedent, consequent,
                                                                  index, absence)
        uncoded, unpaired = uncoded + left, unpaired + alone
    labels = index.labels if index is not None else {}
    groups: dict[str, CodedPairs] = {}
    without = 0
    if by is not None:
        split = strata(conversations, by)
        without = len(conversations) - sum(len(members) for members in split.values())
        groups = {value: _coded_pairs(members, per_conversation, labels) for value, members in split.items()}
    return SpeakerTransitions(source, target, lag, antecedent, consequent, by,
                              _coded_pairs(conversations, per_conversation, labels), groups, uncoded, unpaired,
                              without)


def stratum_names(result: SpeakerTransitions) -> list[str]:
    """``all`` first, then the strata in order."""
    return [ALL, *sorted(result.strata, key=natural_key)]


__all__ = ["ALL", "SpeakerTransitions", "StratumDifference", "conversation_pairs", "dimensions_by_speaker",
           "speaker_transitions", "stratum_names"]
