"""The transcript view: a page per conversation or case session that reads like a transcript, and
an index of them all.

Each turn is a list item with the id ``turn-N`` (other views link to it), its number, speaker
(coloured by role), time, words and codes as chips coloured by coding system; where annotators
gave different codes on a dimension each annotator's code is shown and the dimension marked. An
absence code (no reflection: the annotator found none) is shown only in such a disagreement, where
it says who found the behaviour missing; where all agree that it is missing, nothing is shown.
Commentaries sit beside the turn they annotate, closed until their marker is clicked (a
``<details>`` element, so it works even without the script). The script (web/transcripts.js)
only searches the words and filters the index; it puts text on the page with text nodes, never
as markup. Every text from the data is escaped here, and nothing is loaded from anywhere.
"""

from __future__ import annotations

from html import escape

from ..analysis.wording import Wording
from .htmlpage import FolderPage, FolderView, asset
from .transcriptdata import CASE_SYSTEM, Code, Coding, Commentary, Group, Transcript, Turn, page_file

FOLDER = "transcripts"
OWNED = r"[a-z0-9-]+-[0-9a-f]{10}\.html"  # the names page_file gives
SYSTEM_COLOURS = {CASE_SYSTEM: "#6a1b9a", "MITI": "#1565c0", "MISC": "#00838f", "MISIMPLE": "#2e7d32"}
PALETTE = ("#ad1457", "#4e342e", "#283593", "#558b2f", "#e65100", "#37474f", "#00695c", "#6d4c41")
ROLE_NAMES = {"therapist": "therapist", "patient": "patient", "joint": "both", "": "speaker not recorded"}
HOW_NAMES = {"type": "", "aim": "aim", "characteristic": "characteristic", "quality": "quality", "shows": "shows"}


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _systems(groups: list[Group]) -> dict[str, int]:
    """Each coding system's colour slot: the known ones first, then the others by name."""
    found = {c.code.system for g in groups for t in g.transcripts for turn in t.turns for c in turn.codings}
    found |= {CASE_SYSTEM}
    order = [s for s in SYSTEM_COLOURS if s in found] + sorted(found - set(SYSTEM_COLOURS))
    return {s: i for i, s in enumerate(order)}


def _system_css(systems: dict[str, int]) -> str:
    rules = []
    for name, i in systems.items():
        colour = SYSTEM_COLOURS.get(name) or PALETTE[(i - len(SYSTEM_COLOURS)) % len(PALETTE)]
        rules.append(f".sys-{i}{{--sys:{colour}}}")
    return "\n".join(rules) + "\n"


def _bare(code: str, system: str) -> str:
    """An item code without its system's prefix (MITI:CR -> CR): the chip's colour names the system."""
    return code.removeprefix(system + ":") if code != system + ":" else code


def _chip(code: Code, systems: dict[str, int], tag: str = "", who: str = "", title: str = "",
          extra: str = "") -> str:
    how = f'<small class="how">{_e(tag)}</small> ' if tag else ""
    who_html = f' <small class="who">{_e(who)}</small>' if who else ""
    tip = title or code.label or code.text
    element, link = ("a", f' href="{_e(code.href)}"') if code.href else ("span", "")
    return (f'<{element} class="chip sys-{systems[code.system]}{extra}"{link} title="{_e(tip)}">'
            f"{how}{_e(_bare(code.text, code.system))}{who_html}</{element}>")


def _annotation_chips(codings: list[Coding], disputed: dict[str, set[str]], systems: dict[str, int]) -> list[str]:
    out = []
    by_dimension: dict[str, list[Coding]] = {}
    for c in codings:
        by_dimension.setdefault(c.dimension, []).append(c)
    for dim, given in by_dimension.items():
        who = sorted({c.annotator for c in given if c.annotator})
        if dim not in disputed:
            code = given[0].code
            if code.absent:  # all agree the behaviour is missing: nothing to show
                continue
            tip = f"{dim}: {code.text}" + (f", {code.label}" if code.label else "") + (
                f" (annotators {', '.join(who)})" if who else "")
            out.append(_chip(code, systems, who=f"×{len(who)}" if len(who) > 1 else "", title=tip))
            continue
        chips = []
        for iri in sorted(disputed[dim], key=lambda i: min(c.code.text for c in given if c.code.iri == i)):
            mine = [c for c in given if c.code.iri == iri]
            names = ", ".join(sorted({c.annotator for c in mine if c.annotator}, key=str))
            code = mine[0].code
            chips.append(_chip(code, systems, who=names, extra=" disputed" + (" absent" if code.absent else ""),
                               title=f"{dim}: {code.text}" + (f", {code.label}" if code.label else "")
                               + f", given by {names or 'an annotator'}"))
        system = given[0].code.system
        out.append(f'<span class="dispute" title="{_e("the annotators gave different codes on " + dim)}">'
                   f'<span class="dim">{_e(_bare(dim, system))} ≠</span> {" ".join(chips)}</span>')
    return out


def _chips(turn: Turn, systems: dict[str, int]) -> str:
    case = [c for c in turn.codings if c.how != "annotation"]
    chips = [_chip(c.code, systems, HOW_NAMES.get(c.how, c.how), extra=" shows" if c.how == "shows" else "",
                   title=f"{HOW_NAMES.get(c.how) or 'coded as'}: {c.code.label or c.code.text}") for c in case]
    chips += _annotation_chips([c for c in turn.codings if c.how == "annotation"], turn.disputed(), systems)
    return f'<div class="chips">{" ".join(chips)}</div>' if chips else ""


def _wording(wording: Wording | None) -> str:
    """Where a real case's statement comes from, in words: "reconstructed by prc-kg from …" or "as
    worded in …" (nothing for a vignette or an imported corpus, which are not marked)."""
    if wording is None:
        return ""
    kind = "reconstructed" if wording.reconstructed else "verbatim"
    return f'<p class="wording {kind}">{_e(wording.label())}</p>'


def _note(note: Commentary, systems: dict[str, int], open_: bool = False) -> str:
    shows = " ".join(_chip(c, systems) for c in note.illustrates)
    rebuilt = note.wording is not None and note.wording.reconstructed
    return (f'<details class="note ev-{note.evaluation}{" reconstructed" if rebuilt else ""}"{" open" if open_ else ""}>'
            f'<summary title="{note.evaluation} commentary: click to show or hide">'
            f'<span class="mark">✎</span> {note.evaluation}'
            + (' <span class="recon" title="reconstructed by prc-kg, not the source\'s words">reconstructed</span>'
               if rebuilt else "") + "</summary>"
            f'<div class="note-body"><p class="ev">{note.evaluation} commentary</p>'
            f'<p class="note-text">{_e(note.text) or "<em>no text</em>"}</p>{_wording(note.wording)}'
            + (f'<p class="shows">illustrates: {shows}</p>' if shows else "") + "</div></details>")


def _words(turn: Turn) -> str:
    if turn.text is not None:
        return f'<p class="text">{_e(turn.text)}</p>'
    if turn.summary is not None:
        return f'<p class="text summary" title="what the turn is about; its words are not recorded">{_e(turn.summary)}</p>'
    if turn.utterance_id:
        return '<p class="missing">text not imported</p>'
    return '<p class="missing">no words recorded</p>'


def _turn(turn: Turn, systems: dict[str, int]) -> str:
    disputed = turn.disputed()
    classes = f"turn role-{turn.role or 'none'}" + (" segment" if turn.segment else "") + (" has-dispute" if disputed
                                                                                         else "")
    speaker = ("segment" + (f", {ROLE_NAMES[turn.role]}" if turn.role else "")) if turn.segment else ROLE_NAMES[turn.role]
    meta = [f'<a class="num" href="#{turn.anchor}" title="link to this turn">{_e(turn.number)}</a>',
            f'<span class="speaker">{_e(speaker)}</span>']
    if turn.timestamp:
        meta.append(f'<span class="ts">{_e(turn.timestamp)}</span>')
    if turn.utterance_id and turn.utterance_id != turn.number:
        meta.append(f'<span class="uid" title="utterance id in the imported file">id {_e(turn.utterance_id)}</span>')
    if disputed:
        meta.append('<span class="dispute-mark" title="the annotators disagree on this turn">≠ disagreement</span>')
    notes = "".join(_note(n, systems) for n in turn.commentaries)
    return (f'<li class="{classes}" id="{turn.anchor}" data-iri="{_e(turn.iri)}">'
            f'<div class="meta">{"".join(meta)}</div>'
            f'<div class="body">{_words(turn)}{_wording(turn.wording)}{_chips(turn, systems)}</div>'
            f'<div class="notes">{notes}</div></li>\n')


def _has_reconstruction(t: Transcript) -> bool:
    wordings = ([turn.wording for turn in t.turns] + [n.wording for turn in t.turns for n in turn.commentaries]
                + [n.wording for n in t.commentaries])
    return any(w is not None and w.reconstructed for w in wordings)


def _legend(t: Transcript, systems: dict[str, int]) -> str:
    roles = sorted({turn.role for turn in t.turns}, key=lambda r: list(ROLE_NAMES).index(r))
    used = sorted({c.code.system for turn in t.turns for c in turn.codings}
                  | {c.system for turn in t.turns for n in turn.commentaries for c in n.illustrates},
                  key=lambda s: systems[s])
    items = [f'<span class="swatch-role role-{r or "none"}">{_e(ROLE_NAMES[r])}</span>' for r in roles]
    items += [f'<span class="chip sys-{systems[s]}">{_e("PRC taxonomy" if s == CASE_SYSTEM else s)}</span>'
              for s in used]
    if any(turn.disputed() for turn in t.turns):
        items.append('<span class="dispute-mark">≠ annotators disagree</span>')
    if any(turn.commentaries for turn in t.turns):
        items.append('<span>✎ commentary: click to read</span>')
    if _has_reconstruction(t):
        items.append('<span class="recon">reconstructed</span><span> by prc-kg from a summary in its source, '
                     "not the source's words</span>")
    return f'<p class="legend">{" ".join(items)}</p>'


def _facts(t: Transcript, group: Group) -> str:
    coded = sum(1 for turn in t.turns if turn.codings)
    disputed = sum(1 for turn in t.turns if turn.disputed())
    rows = [("in", f'<a href="index.html#{_group_id(group)}">{_e(group.label)}</a>'
                   + (" (constructed for teaching)" if group.constructed else "")),
            ("turns", f"{len(t.turns)} ({coded} coded" + (f", {disputed} with disagreement" if disputed else "") + ")")]
    if t.summary:
        rows.append(("summary", _e(t.summary)))
    rows += [(_e(name), _e(value)) for name, value in t.attributes]
    return '<dl class="facts">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>"


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _group_id(group: Group) -> str:
    return "g-" + page_file(group.iri).removesuffix(".html")


FIND = ('<form class="find" id="find" role="search"><input id="find-q" type="search" '
        'placeholder="Find words in this transcript" aria-label="Find words in this transcript">'
        '<button type="submit">Find</button><button type="button" id="find-prev" title="previous match">↑</button>'
        '<button type="button" id="find-next" title="next match">↓</button><output id="find-status"></output>'
        "</form>\n")


def transcript_page(t: Transcript, group: Group, systems: dict[str, int], style: str) -> FolderPage:
    notes = "".join(_note(n, systems, open_=True) for n in t.commentaries)
    inner = (f'<div class="transcript">\n<p class="crumbs"><a href="index.html">all transcripts</a> · '
             f"{_e(group.label)} · {_e(t.name)}</p>\n{_facts(t, group)}\n{_legend(t, systems)}\n"
             + (f'<section id="session-notes"><h2>On the session as a whole</h2>{notes}</section>\n' if notes else "")
             + FIND + '<ol class="turns">\n' + "".join(_turn(turn, systems) for turn in t.turns) + "</ol>\n</div>\n")
    return FolderPage(t.label, inner, style, asset("transcripts.js"))


def _index_rows(group: Group) -> str:
    names = sorted({name for t in group.transcripts for name, _ in t.attributes})
    head = ("<tr><th>" + ("conversation" if group.kind == "corpus" else "session") + "</th>"
            + "".join(f"<th>{_e(n)}</th>" for n in names)
            + ("" if group.kind == "corpus" else "<th>summary</th>")
            + "<th>turns</th><th>coded</th><th>disagreements</th><th>commentaries</th></tr>")
    rows = []
    for t in group.transcripts:
        values = dict(t.attributes)
        notes = len(t.commentaries) + len({n.iri for turn in t.turns for n in turn.commentaries})
        rows.append(f'<tr><td><a href="{_e(t.file)}">{_e(t.name)}</a></td>'
                    + "".join(f"<td>{_e(values.get(n, ''))}</td>" for n in names)
                    + ("" if group.kind == "corpus" else f"<td>{_e(t.summary)}</td>")
                    + f"<td>{len(t.turns)}</td><td>{sum(1 for turn in t.turns if turn.codings)}</td>"
                    f"<td>{sum(1 for turn in t.turns if turn.disputed())}</td><td>{notes}</td></tr>")
    return f'<table class="sessions">{head}{"".join(rows)}</table>'


def index_page(groups: list[Group], systems: dict[str, int], style: str) -> FolderPage:
    sections = []
    for g in groups:
        kind = ("imported corpus" if g.kind == "corpus" else "case") + (", constructed for teaching"
                                                                         if g.constructed else "")
        notes = "".join(_note(n, systems) for n in g.commentaries)
        sections.append(f'<section class="group" id="{_group_id(g)}"><h2>{_e(g.label)} <small>({_e(kind)}, '
                        f"{_count(len(g.transcripts), 'conversation' if g.kind == 'corpus' else 'session')})</small></h2>"
                        + (f'<p class="description">{_e(g.description)}</p>' if g.description else "")
                        + (f'<div class="case-notes">{notes}</div>' if notes else "")
                        + _index_rows(g) + "</section>\n")
    total = sum(len(g.transcripts) for g in groups)
    inner = ('<div class="transcript-index">\n<p>Every imported conversation and every case session with turns, '
             "grouped by corpus or case. Open one to read it turn by turn, with its codes and commentaries.</p>\n"
             '<form class="find" id="filter" role="search"><input id="filter-q" type="search" '
             'placeholder="Filter conversations and sessions" aria-label="Filter conversations and sessions">'
             f'<output id="filter-status">{total} shown</output></form>\n'
             + ("".join(sections) if sections else "<p>No conversation or session with turns in this graph.</p>\n")
             + "</div>\n")
    return FolderPage("Transcripts", inner, style, asset("transcripts.js"))


def transcripts_view(groups: list[Group]) -> FolderView:
    """The index and one page per conversation or session; file names are fixed by the session IRIs."""
    systems = _systems(groups)
    style = asset("transcripts.css") + _system_css(systems)
    pages = {"index.html": index_page(groups, systems, style)}
    for g in groups:
        for t in g.transcripts:
            if t.file in pages:
                raise ValueError(f"two sessions would share the page {t.file}: {t.iri}")
            pages[t.file] = transcript_page(t, g, systems, style)
    turns = sum(len(t.turns) for g in groups for t in g.transcripts)
    return FolderView(FOLDER, pages, datasets=0,  # pages, not graphs: the note counts them
                      note=f"{len(pages) - 1} transcript pages, {turns} turns, in {FOLDER}/", owned=OWNED)
