"""What the transcript view shows, read from a store: every conversation of an imported corpus and
every case session that has turns, each turn with its speaker, words and codes, and the
commentaries on turns, sessions and cases, with where a real case's wording comes from.

A handful of packaged queries read everything at once (one for all turns, one for all codes), so
the view costs the same few queries for 10 conversations or 10,000. Everything comes back sorted,
so the pages built from it are the same bytes on every run. The speaker of a turn is its role
(therapist or patient), taken from the turn's class, never from who the speaker individual is.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import quote, unquote

from ..analysis.wording import Wording, statement_wordings
from ..store.backends import Store
from ..store.querylib import packaged_query, short
from ..vocab import DATA_IRI, PRC_IRI, PREFIXES
from .docgraph import natural

ROLE_OF_KIND = {"prc:TherapistTurn": "therapist", "prc:PatientTurn": "patient", "prc:TherapistSegment": "therapist",
                "prc:PatientSegment": "patient", "prc:JointSegment": "joint"}
CASE_SYSTEM = "PRC"  # the coding system of a case turn's classes: the PRC taxonomy itself
_SLUG = re.compile(r"[^a-z0-9]+")
_natural = cache(natural)  # dimensions, annotators and attribute names repeat on every row


@dataclass(frozen=True)
class Code:
    """A code or class as a chip shows it."""

    iri: str
    text: str  # what the chip says: the item code (MITI:CR) or the class label
    label: str  # the longer name, for the chip's tooltip ("" when the store has none)
    system: str  # the coding system's key, which gives the colour
    href: str  # where the chip links: the class in the taxonomy view, else the term's http(s) IRI, else ""
    absent: bool = False  # an absence code (prc:absenceCode): the annotator found the behaviour missing


@dataclass(frozen=True)
class Coding:
    """One code given to one turn: by an annotator on a dimension, or a class a case turn carries."""

    how: str  # "annotation", "type", "aim", "characteristic", "quality" or "shows"
    dimension: str  # the dimension's item code for an annotation, "" for a case turn's class
    code: Code
    annotator: str  # annotator id, "#k" for the k-th anonymous annotation, "" for a case turn


@dataclass
class Commentary:
    iri: str
    evaluation: str  # "helpful", "unhelpful", "mixed" or "unrated"
    text: str
    illustrates: list[Code] = field(default_factory=list)
    wording: Wording | None = None  # in a real case: prc-kg's reconstruction, or the source's own words


@dataclass
class Turn:
    iri: str
    anchor: str  # the element id on the page: turn-12 (turn of speech 12), turn-70-94 (a segment), turn-p5
    number: str  # as shown: "12", "70–94" or "–" for an unnumbered turn
    utterance_id: str  # the order value as written in an imported file ("" for case turns)
    role: str  # "therapist", "patient", "joint" or "" (not recorded)
    segment: bool
    text: str | None
    summary: str | None
    timestamp: str | None
    codings: list[Coding] = field(default_factory=list)
    commentaries: list[Commentary] = field(default_factory=list)
    wording: Wording | None = None  # in a real case: prc-kg's reconstruction, or the source's own words

    def disputed(self) -> dict[str, set[str]]:
        """The dimensions on which the annotators gave more than one distinct code, with those codes."""
        found: dict[str, set[str]] = defaultdict(set)
        for c in self.codings:
            if c.how == "annotation":
                found[c.dimension].add(c.code.iri)
        return {d: codes for d, codes in found.items() if len(codes) > 1}


@dataclass
class Transcript:
    iri: str
    file: str  # the page's file name inside the view's folder
    name: str  # short name within its group: "conversation 17", "session 3"
    label: str  # the full label from the store
    summary: str
    attributes: list[tuple[str, str]]
    turns: list[Turn] = field(default_factory=list)
    commentaries: list[Commentary] = field(default_factory=list)  # on the session as a whole


@dataclass
class Group:
    """An imported corpus or a case, with its transcripts in order."""

    iri: str
    kind: str  # "corpus" or "case"
    label: str
    description: str
    constructed: bool
    transcripts: list[Transcript] = field(default_factory=list)
    commentaries: list[Commentary] = field(default_factory=list)  # on the case as a whole


def page_file(iri: str) -> str:
    """A file name for a session's page: readable, fixed for the IRI and different for every IRI
    (a slug of the IRI's path plus the start of its SHA-256)."""
    path = iri[len(DATA_IRI):] if iri.startswith(DATA_IRI) else iri.split("://", 1)[-1]
    slug = _SLUG.sub("-", unquote(path).lower()).strip("-")[:60].rstrip("-") or "session"
    return f"{slug}-{hashlib.sha256(iri.encode('utf-8')).hexdigest()[:10]}.html"


def _value(term) -> str | None:
    return None if term is None else str(term.value)


def _int(term) -> int | None:
    try:
        return None if term is None else int(term.value)
    except ValueError:
        return None


def _local(iri: str) -> str:
    return unquote(iri.rstrip("/").rsplit("/", 1)[-1])


def _item_code(iri: str, given: str | None) -> str:
    """The item code given in the store, else the one the IRI spells (local name SYSTEM_NAME)."""
    if given:
        return given
    if iri.startswith(PRC_IRI):
        return iri[len(PRC_IRI):].replace("_", ":", 1)
    return short_iri(iri)


def short_iri(iri: str) -> str:
    """The short form the other views key nodes by (prc:WhyNow, data:case/annie/session/1/tos/14)."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and iri != ns:
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def _first(values: set[str]) -> str:
    return min(values) if values else ""


def taxonomy_classes(store: Store) -> set[str]:
    """The classes the taxonomy view draws a node for (keyed by short IRI)."""
    return {short(row[0]) for row in store.query(packaged_query("projection/taxonomy_classes")).rows}


def _sessions(store: Store) -> tuple[dict[str, Group], dict[str, Transcript], dict[str, str]]:
    groups: dict[str, Group] = {}
    transcripts: dict[str, Transcript] = {}
    owner: dict[str, str] = {}
    for (session, group, kind, glabel, description, constructed, label, number, summary) in store.query(
            packaged_query("transcripts/sessions")).rows:
        g, s = group.value, session.value
        if g not in groups or (glabel is not None and (not groups[g].label or glabel.value < groups[g].label)):
            groups[g] = Group(g, kind.value, _value(glabel) or short(group), _value(description) or "",
                              _value(constructed) == "true")
        if s in transcripts:
            if label is not None and label.value < transcripts[s].label:
                transcripts[s].label = label.value
        else:
            if kind.value == "corpus":
                name = f"conversation {_local(s)}"
            else:
                name = f"session {number.value}" if number is not None else _local(s)
            transcripts[s] = Transcript(s, page_file(s), name, _value(label) or short(session), _value(summary) or "",
                                        [])
            owner[s] = g
    return groups, transcripts, owner


def _attributes(store: Store, transcripts: dict[str, Transcript]) -> None:
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for session, attribute, name, value in store.query(packaged_query("transcripts/attributes")).rows:
        found[session.value].add((_value(name) or _local(attribute.value), value.value))
    for s, pairs in found.items():
        if s in transcripts:
            transcripts[s].attributes = sorted(pairs, key=lambda p: (natural(p[0]), p[1]))


def _anchor(tos: int | None, start: int | None, end: int | None, position: int | None) -> tuple[str, str]:
    if tos is not None:
        return f"turn-{tos}", str(tos)
    if start is not None and end is not None:
        return f"turn-{start}-{end}", f"{start}–{end}"
    return f"turn-p{position if position is not None else 0}", "–"


def _turns(store: Store, transcripts: dict[str, Transcript], cases_only: bool) -> dict[str, Turn]:
    query = packaged_query("transcripts/case_turns") if cases_only else packaged_query("transcripts/turns")
    rows: dict[str, dict] = {}
    for (session, turn, position, tos, start, end, utterance_id, kind, text, summary,
         timestamp) in store.query(query).rows:
        t = turn.value
        if session.value not in transcripts:
            continue
        r = rows.setdefault(t, {"session": session.value, "position": _int(position), "tos": _int(tos),
                                "start": _int(start), "end": _int(end), "id": _value(utterance_id) or "",
                                "kinds": set(), "text": set(), "summary": set(), "timestamp": set()})
        if kind is not None:
            r["kinds"].add(short(kind))
        for key, term in (("text", text), ("summary", summary), ("timestamp", timestamp)):
            if term is not None:
                r[key].add(term.value)
    by_session: dict[str, list[tuple[tuple, Turn]]] = defaultdict(list)
    turns: dict[str, Turn] = {}
    for t, r in rows.items():
        roles = sorted({ROLE_OF_KIND[k] for k in r["kinds"] if k in ROLE_OF_KIND})
        segment = r["start"] is not None or any("Segment" in k for k in r["kinds"])
        anchor, number = _anchor(r["tos"], r["start"], r["end"], r["position"])
        turn = Turn(t, anchor, number, r["id"], roles[0] if len(roles) == 1 else "", segment,
                    _first(r["text"]) or None, _first(r["summary"]) or None, _first(r["timestamp"]) or None)
        order = next((x for x in (r["position"], r["tos"], r["start"]) if x is not None), 1 << 62)
        by_session[r["session"]].append(((order, t), turn))
        turns[t] = turn
    for s, found in by_session.items():
        seen: set[str] = set()
        for _, turn in sorted(found, key=lambda pair: pair[0]):
            base, n = turn.anchor, 2
            while turn.anchor in seen:  # two turns with one number: keep every id unique on the page
                turn.anchor, n = f"{base}-{n}", n + 1
            seen.add(turn.anchor)
            transcripts[s].turns.append(turn)
    return turns


def _code(iri: str, text: str, label: str, system: str, in_taxonomy: set[str], absent: bool = False) -> Code:
    """A chip links to the class in the taxonomy view, else to the term's IRI when that is a web
    address (an IRI such as ``javascript:…`` is a valid IRI too: it gets no link)."""
    key = short_iri(iri)
    href = (f"../taxonomy.html#{quote(key, safe='')}" if key in in_taxonomy
            else iri if iri.startswith(("https://", "http://")) else "")
    return Code(iri, text, label, system, href, absent)


def _codes(store: Store, turns: dict[str, Turn], in_taxonomy: set[str]) -> None:
    labels: dict[str, set[str]] = defaultdict(set)
    rows = store.query(packaged_query("transcripts/codes")).rows
    for row in rows:
        if row[7] is not None:
            labels[row[2].value].add(row[7].value)
    found: dict[str, set[Coding]] = defaultdict(set)
    for (turn, how, code, dimension, annotator, index, _system, _label, item_code, dimension_code,
         system_code, absent) in rows:
        if turn.value not in turns:
            continue
        c = code.value
        label = _first(labels.get(c, set()))
        if how.value == "annotation":
            dim = _item_code(dimension.value, _value(dimension_code)) if dimension is not None else ""
            system = _value(system_code) or (dim.split(":", 1)[0] if ":" in dim else "codes")
            who = _local(annotator.value) if annotator is not None else f"#{index.value}" if index is not None else ""
            coding = Coding("annotation", dim, _code(c, _item_code(c, _value(item_code)), label, system, in_taxonomy,
                                                     _value(absent) in ("true", "1")), who)
        else:
            coding = Coding(how.value, "", _code(c, label or short(code), label, CASE_SYSTEM, in_taxonomy), "")
        found[turn.value].add(coding)
    order = {"type": 0, "aim": 1, "characteristic": 2, "quality": 3, "shows": 4, "annotation": 5}
    for t, codings in found.items():
        turns[t].codings = sorted(codings, key=lambda c: (order.get(c.how, 9), c.code.system, _natural(c.dimension),
                                                         _natural(c.annotator), c.code.text.lower(), c.code.iri))


def _commentaries(store: Store, in_taxonomy: set[str]) -> tuple[dict[str, Commentary], dict[str, list[str]]]:
    notes: dict[str, Commentary] = {}
    targets: dict[str, list[str]] = defaultdict(list)
    verdicts = {"prc:Helpful": "helpful", "prc:Unhelpful": "unhelpful", "prc:Mixed": "mixed"}
    for commentary, target, evaluation, text in store.query(packaged_query("projection/commentaries")).rows:
        c = commentary.value
        note = notes.setdefault(c, Commentary(c, verdicts.get(short(evaluation), "unrated"), _value(text) or ""))
        if text is not None and text.value < note.text:
            note.text = text.value
        targets[c].append(target.value)
    for commentary, code, label in store.query(packaged_query("projection/commentary_codes")).rows:
        if commentary.value in notes:
            notes[commentary.value].illustrates.append(
                _code(code.value, _value(label) or short(code), _value(label) or "", CASE_SYSTEM, in_taxonomy))
    for note in notes.values():
        unique = {c.iri: c for c in note.illustrates}
        note.illustrates = sorted(unique.values(), key=lambda c: (c.text.lower(), c.iri))
    return notes, {c: sorted(set(t)) for c, t in targets.items()}


def _group_order(g: Group) -> tuple:
    return (g.kind != "corpus", g.constructed, g.iri != DATA_IRI + "case/annie", g.label.lower(), g.iri)


def read_transcripts(store: Store, with_codes: bool = True, cases_only: bool = False) -> list[Group]:
    """Every corpus and case that has sessions with turns, in the order the index lists them:
    imported corpora, then real cases (Annie first), then the constructed vignettes. Without
    codes, or with the cases only, it reads less (what example_links needs)."""
    groups, transcripts, owner = _sessions(store)
    if cases_only:
        groups = {g: group for g, group in groups.items() if group.kind == "case"}
        transcripts = {s: t for s, t in transcripts.items() if owner[s] in groups}
    _attributes(store, transcripts)
    turns = _turns(store, transcripts, cases_only)
    in_taxonomy = taxonomy_classes(store) if with_codes else set()
    if with_codes:
        _codes(store, turns, in_taxonomy)
    notes, targets = _commentaries(store, in_taxonomy)
    wordings = statement_wordings(store)
    for iri, wording in wordings.items():
        for found in (turns.get(iri), notes.get(iri)):
            if found is not None:
                found.wording = wording
    for c in sorted(notes, key=natural):
        for target in targets[c]:
            if target in turns:
                turns[target].commentaries.append(notes[c])
            elif target in transcripts:
                transcripts[target].commentaries.append(notes[c])
            elif target in groups:
                groups[target].commentaries.append(notes[c])
    for s in sorted(transcripts, key=natural):
        groups[owner[s]].transcripts.append(transcripts[s])
    for g in groups.values():
        g.transcripts.sort(key=lambda t: (natural(t.name), t.iri))
    return sorted(groups.values(), key=_group_order)


def turn_links(groups: list[Group], folder: str = "transcripts") -> dict[str, str]:
    """Where each turn, segment and commentary can be read in the transcript view, keyed by short
    IRI: ``transcripts/<page>.html#turn-12`` (a commentary: the first turn it annotates, or its
    session's page)."""
    links: dict[str, str] = {}
    for g in groups:
        for t in g.transcripts:
            for turn in t.turns:
                links[short_iri(turn.iri)] = f"{folder}/{t.file}#{turn.anchor}"
                for note in turn.commentaries:
                    links.setdefault(short_iri(note.iri), f"{folder}/{t.file}#{turn.anchor}")
            for note in t.commentaries:
                links.setdefault(short_iri(note.iri), f"{folder}/{t.file}#session-notes")
    return links


def example_links(store: Store, folder: str = "transcripts") -> dict[str, str]:
    """turn_links for the taxonomy view's examples. Only case turns and their commentaries carry
    taxonomy classes, so only case sessions are read: the cost does not grow with imported corpora."""
    return turn_links(read_transcripts(store, with_codes=False, cases_only=True), folder)
