"""Code profiles of coded conversations: how often each code occurs, and the summary scores MI
researchers report, per conversation, per stratum of a conversation attribute, and over all.

Counts are of utterances by their primary codes (``corpus.primary_codes``, with the ontology's
links, so a subtype whose main code lost the vote is not counted). A code's rate is per
100 utterances of the speaker it was given to (therapist codes per 100 therapist utterances). The
summary categories are counted through the ontology (``codes.CodeIndex.reaches``), one per
utterance however many of its codes reach the category: an utterance coded question on the main
dimension and open on the question type counts once as a question.

Scores: reflection-to-question ratio R:Q, % complex reflections CR/(SR+CR), % open questions
OQ/(OQ+CQ), % change talk CT/(CT+ST), and the MI-adherent and non-adherent counts. The MITI 4.2
manual gives proficiency thresholds for two of them (``THRESHOLDS``); they are shown beside the
scores as the manual's, not as a judgement of this project.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .codes import CodeIndex
from .corpus import Conversation, primary_codes, strata

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
    summary: dict[str, int]  # category (R, Q, SR, CR, OQ, CQ, CT, ST, MIA, MINA) → utterances

    @property
    def r_to_q(self) -> float | None:
        return self.summary["R"] / self.summary["Q"] if self.summary["Q"] else None

    @property
    def percent_cr(self) -> float | None:
        return _percent(self.summary["CR"], self.summary["SR"] + self.summary["CR"])

    @property
    def percent_oq(self) -> float | None:
        return _percent(self.summary["OQ"], self.summary["OQ"] + self.summary["CQ"])

    @property
    def percent_ct(self) -> float | None:
        return _percent(self.summary["CT"], self.summary["CT"] + self.summary["ST"])

    def scores(self) -> dict[str, float | None]:
        return {"R:Q": self.r_to_q, "%CR": self.percent_cr, "%OQ": self.percent_oq, "%CT": self.percent_ct}


@dataclass(frozen=True)
class ProfileReport:
    by: str | None
    conversations: list[Profile]  # one per conversation, in corpus order
    strata: list[Profile]  # one per value of ``by`` (empty without it)
    total: Profile  # all conversations together
    linked: bool  # False when the store held no code links (categories only count the codes themselves)
    # categories no code of the corpus's coding dimensions counts toward (the simplified MI set has no
    # affirm or confront, so its MI-adherent count is not a zero but not coded); empty without links
    not_coded: frozenset[str] = frozenset()


def level(score: str, value: float | None) -> str | None:
    """Where a score stands against the manual's thresholds: "good", "fair", "below fair", or None
    (no threshold for the score, or no value)."""
    if value is None or score not in THRESHOLDS:
        return None
    fair, good = THRESHOLDS[score]
    return "good" if value >= good else "fair" if value >= fair else "below fair"


def _percent(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


@dataclass
class _Tally:
    conversations: int = 0
    utterances: int = 0
    speakers: Counter = field(default_factory=Counter)
    codes: Counter = field(default_factory=Counter)  # (code, speaker) → utterances
    summary: Counter = field(default_factory=Counter)

    def add(self, other: _Tally) -> None:
        self.conversations += other.conversations
        self.utterances += other.utterances
        self.speakers.update(other.speakers)
        self.codes.update(other.codes)
        self.summary.update(other.summary)

    def profile(self, name: str) -> Profile:
        codes = tuple(CodeCount(code, speaker, n, 100 * n / self.speakers[speaker])
                      for (code, speaker), n in sorted(self.codes.items()))
        return Profile(name, self.conversations, self.utterances, self.speakers["therapist"], self.speakers["patient"],
                       codes, {key: self.summary[key] for key in CATEGORIES})


def _tally(conversation: Conversation, index: CodeIndex) -> _Tally:
    tally = _Tally(conversations=1, utterances=len(conversation.utterances))
    wanted = {iri: key for key, iri in CATEGORIES.items()}
    for utterance in conversation.utterances:
        tally.speakers[utterance.speaker] += 1
        reached: set[str] = set()
        for code in primary_codes(utterance, index).values():
            tally.codes[(code, utterance.speaker)] += 1
            reached.update(index.reaches(code))
        tally.summary.update(wanted[c] for c in reached if c in wanted)
    return tally


def code_profiles(conversations: list[Conversation], index: CodeIndex, by: str | None = None) -> ProfileReport:
    """Profiles per conversation, per value of attribute ``by`` (conversations without it are in
    the total only), and over all."""
    tallies = {c.iri: _tally(c, index) for c in conversations}
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
                         per_stratum, total.profile("all"), bool(index.dimension), _not_coded(conversations, index))


def _not_coded(conversations: list[Conversation], index: CodeIndex) -> frozenset[str]:
    """The summary categories that no code of the dimensions the corpus uses can reach."""
    if not index.dimension:
        return frozenset()
    used = {a.dimension for c in conversations for u in c.utterances for a in u.annotations}
    reachable = set().union(*(index.reaches(code) for code, dim in index.dimension.items() if dim in used))
    return frozenset(key for key, iri in CATEGORIES.items() if iri not in reachable)


__all__ = ["CATEGORIES", "THRESHOLDS", "THRESHOLD_NOTE", "CodeCount", "Profile", "ProfileReport", "code_profiles",
           "level"]
