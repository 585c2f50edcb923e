"""Code profiles of coded conversations: how often each code occurs, and the summary scores MI
researchers report, per conversation, per stratum of a conversation attribute, and over all.

Counts are of utterances by their primary codes (``corpus.primary_codes``, with the ontology's
links, so a subtype whose main code lost the vote is not counted; absence codes such as
MISIMPLE:NO-REFLECTION, a judgement that a behaviour is missing, are not counted unless asked for).
A code's rate is per
100 utterances of the speaker it was given to (therapist codes per 100 therapist utterances). The
summary categories are counted through the ontology (``codes.CodeIndex.reaches``), one per
utterance however many of its codes reach the category: an utterance coded question on the main
dimension and open on the question type counts once as a question.

Scores: reflection-to-question ratio R:Q, % complex reflections CR/(SR+CR), % open questions
OQ/(OQ+CQ), % change talk CT/(CT+ST), and the MI-adherent and non-adherent counts. The MITI 4.2
manual gives proficiency thresholds for two of them (``THRESHOLDS``); they are shown beside the
scores as the manual's, not as a judgement of this project.

A category is counted only where the corpus's coding can express it: some code of a dimension the
corpus annotates must count toward it. Otherwise its count is None, not 0: the simplified MI set,
for one, has no code for affirming or for advice without permission, so a corpus coded with it
says nothing about MI-adherent or non-adherent talk, and a file without the reflection-type
column says nothing about complex reflections. A profile over several corpora counts a category
only when every one of them can express it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .codes import CodeIndex
from .corpus import Conversation, behaviour_codes, primary_codes, strata

CATEGORIES = {"R": "MITI:R", "Q": "MITI:Q", "SR": "MITI:SR", "CR": "MITI:CR", "OQ": "MISC:OQ", "CQ": "MISC:CQ",
              "CT": "MISC:CT", "ST": "MISC:ST", "MIA": "MITI:MIA", "MINA": "MITI:MINA"}
# the MITI 4.2 manual's proficiency thresholds: (fair, good), a score at or above the value
THRESHOLDS = {"R:Q": (1.0, 2.0), "%CR": (40.0, 50.0)}
THRESHOLD_NOTE = ("MITI 4.2 proficiency thresholds (the manual's): R:Q at least 1 fair, 2 good; "
                  "%CR at least 40 fair, 50 good")


@dataclass(frozen=True)
class CodeCount:
    code: str
    speaker: str  # whose utterances carried it
    count: int  # utterances with this primary code
    rate: float  # per 100 utterances of that speaker


@dataclass(frozen=True)
class Profile:
    name: str  # the conversation ("corpus/id"), the stratum's attribute value, or "all"
    conversations: int
    utterances: int
    therapist: int  # therapist utterances
    patient: int
    codes: tuple[CodeCount, ...]  # by code
    summary: dict[str, int | None]  # category (R, Q, SR, CR, OQ, CQ, CT, ST, MIA, MINA) → utterances;
    #   None: the coding of (one of) the corpora has no code counting toward the category

    @property
    def r_to_q(self) -> float | None:
        r, q = self.summary["R"], self.summary["Q"]
        return r / q if r is not None and q else None

    @property
    def unmeasured(self) -> tuple[str, ...]:
        """The categories this profile cannot count (None), in CATEGORIES order."""
        return tuple(key for key in CATEGORIES if self.summary[key] is None)

    @property
    def percent_cr(self) -> float | None:
        return _percent(self.summary["CR"], _plus(self.summary["SR"], self.summary["CR"]))

    @property
    def percent_oq(self) -> float | None:
        return _percent(self.summary["OQ"], _plus(self.summary["OQ"], self.summary["CQ"]))

    @property
    def percent_ct(self) -> float | None:
        return _percent(self.summary["CT"], _plus(self.summary["CT"], self.summary["ST"]))

    def scores(self) -> dict[str, float | None]:
        return {"R:Q": self.r_to_q, "%CR": self.percent_cr, "%OQ": self.percent_oq, "%CT": self.percent_ct}


@dataclass(frozen=True)
class ProfileReport:
    by: str | None
    conversations: list[Profile]  # one per conversation, in corpus order
    strata: list[Profile]  # one per value of ``by`` (empty without it)
    total: Profile  # all conversations together
    linked: bool  # False when the store held no code links (categories only count the codes themselves)


def level(score: str, value: float | None) -> str | None:
    """Where a score stands against the manual's thresholds: "good", "fair", "below fair", or None
    (no threshold for the score, or no value)."""
    if value is None or score not in THRESHOLDS:
        return None
    fair, good = THRESHOLDS[score]
    return "good" if value >= good else "fair" if value >= fair else "below fair"


def _plus(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a + b


def _percent(part: int | None, whole: int | None) -> float | None:
    return 100 * part / whole if part is not None and whole else None


@dataclass
class _Tally:
    conversations: int = 0
    utterances: int = 0
    speakers: Counter = field(default_factory=Counter)
    codes: Counter = field(default_factory=Counter)  # (code, speaker) → utterances
    summary: Counter = field(default_factory=Counter)
    measurable: frozenset[str] = frozenset(CATEGORIES)  # categories every conversation's coding can express

    def add(self, other: _Tally) -> None:
        self.conversations += other.conversations
        self.utterances += other.utterances
        self.speakers.update(other.speakers)
        self.codes.update(other.codes)
        self.summary.update(other.summary)
        self.measurable &= other.measurable

    def profile(self, name: str) -> Profile:
        codes = tuple(CodeCount(code, speaker, n, 100 * n / self.speakers[speaker])
                      for (code, speaker), n in sorted(self.codes.items()))
        return Profile(name, self.conversations, self.utterances, self.speakers["therapist"], self.speakers["patient"],
                       codes, {key: self.summary[key] if key in self.measurable else None for key in CATEGORIES})


def _measurable(conversations: list[Conversation], index: CodeIndex) -> dict[str, frozenset[str]]:
    """Per corpus, the categories (keys of CATEGORIES) its coding can express: those that some code
    of a dimension the corpus annotates counts toward. Without the ontology's codes in the store
    (no dimensions known) nothing can be told apart, so every category stays countable."""
    if not index.dimension:
        return {c.corpus: frozenset(CATEGORIES) for c in conversations}
    codes_of: dict[str, set[str]] = defaultdict(set)
    for code, dimension in index.dimension.items():
        codes_of[dimension].add(code)
    used: dict[str, set[str]] = defaultdict(set)  # corpus → codes it annotates and their dimensions' codes
    for conversation in conversations:
        for utterance in conversation.utterances:
            for annotation in utterance.annotations:
                used[conversation.corpus].add(annotation.code)
                used[conversation.corpus] |= codes_of.get(annotation.dimension, set())
    wanted = {iri: key for key, iri in CATEGORIES.items()}
    return {c.corpus: frozenset(wanted[r] for code in used[c.corpus] for r in index.reaches(code) if r in wanted)
            for c in conversations}


def _tally(conversation: Conversation, index: CodeIndex, measurable: frozenset[str], absence: bool) -> _Tally:
    tally = _Tally(conversations=1, utterances=len(conversation.utterances), measurable=measurable)
    wanted = {iri: key for key, iri in CATEGORIES.items()}
    for utterance in conversation.utterances:
        tally.speakers[utterance.speaker] += 1
        reached: set[str] = set()
        for code in behaviour_codes(primary_codes(utterance, index), index, absence).values():
            tally.codes[(code, utterance.speaker)] += 1
            reached.update(index.reaches(code))
        tally.summary.update(wanted[c] for c in reached if c in wanted)
    return tally


def code_profiles(conversations: list[Conversation], index: CodeIndex, by: str | None = None,
                  absence: bool = False) -> ProfileReport:
    """Profiles per conversation, per value of attribute ``by`` (conversations without it are in
    the total only), and over all; ``absence`` True counts the absence codes as codes too."""
    measurable = _measurable(conversations, index)
    tallies = {c.iri: _tally(c, index, measurable[c.corpus], absence) for c in conversations}
    total = _Tally()
    for tally in tallies.values():
        total.add(tally)
    per_stratum = []
    if by is not None:
        for value, members in strata(conversations, by).items():
            group = _Tally()
            for c in members:
                group.add(tallies[c.iri])
            per_stratum.append(group.profile(value))
    return ProfileReport(by, [tallies[c.iri].profile(f"{c.corpus}/{c.conversation_id}") for c in conversations],
                         per_stratum, total.profile("all"), bool(index.dimension))


__all__ = ["CATEGORIES", "THRESHOLDS", "THRESHOLD_NOTE", "CodeCount", "Profile", "ProfileReport", "code_profiles",
           "level"]
