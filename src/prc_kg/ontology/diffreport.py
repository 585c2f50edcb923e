"""An ontology diff written for people (text, Markdown), for programs (JSON), and as a draft
changelog entry in the Keep a Changelog form ``CHANGELOG.md`` uses. Same diff, same bytes."""

from __future__ import annotations

import difflib
import json
import re

from .diff import CHANGES, KINDS, OntologyDiff, Side, TermChange

_HEADINGS = {"added": "Added", "removed": "Removed", "relabelled": "Relabelled", "re-parented": "Re-parented",
             "definition changed": "Definition changed", "deprecated": "Deprecated", "undeprecated": "Undeprecated",
             "other": "Other changes"}
_PLURAL = {"class": "classes", "object property": "object properties", "data property": "data properties",
           "annotation property": "annotation properties", "individual": "individuals"}
_MAX_EDITS = 4  # word edits a reworded definition is summed up by; more are "…"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#])")


def summary_lines(d: OntologyDiff) -> list[str]:
    """One line per kind of term that changed: ``classes: 2 added, 1 relabelled``."""
    lines = []
    for kind in KINDS.values():
        counts = [f"{d.count(c, kind)} {c}" for c in CHANGES if d.count(c, kind)]
        if counts:
            lines.append(f"{_PLURAL[kind]}: {', '.join(counts)}")
    return lines or ["no term changed"]


def _side(side: Side) -> str:
    version = f", version {side.version}" if side.version else ""
    date = f" of {side.date}" if side.date and side.date != side.version else ""
    return f"{side.path} ({side.form}{version}{date})"


def _name(d: OntologyDiff, iri: str) -> str:
    label = d.labels.get(iri, "")
    curie = d.curie(iri)
    return f'{curie} "{label}"' if label and label != curie.split(":")[-1] else curie


def _detail(c: TermChange) -> list[tuple[str, str]]:
    """(sign, value) lines under a change: ``-`` what it was, ``+`` what it is (IRIs for parents)."""
    return [("-", v) for v in c.before] + [("+", v) for v in c.after]


def _names_iris(c: TermChange) -> bool:
    return c.change in ("re-parented", "added")


def reworded(c: TermChange) -> str:
    """The words a changed definition lost and gained, ``“targets” → “aims at”; …``, when it had one before and after."""
    if c.change != "definition changed" or len(c.before) != 1 or len(c.after) != 1:
        return ""
    a, b = c.before[0].split(), c.after[0].split()
    parts = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op != "equal":
            parts.append(f"“{' '.join(a[i1:i2])}” → “{' '.join(b[j1:j2])}”".replace("“”", "nothing"))
    return "; ".join(parts[:_MAX_EDITS]) + ("; …" if len(parts) > _MAX_EDITS else "")


def render_text(d: OntologyDiff) -> str:
    out = [f"old: {_side(d.old)}, {d.terms[0]} terms", f"new: {_side(d.new)}, {d.terms[1]} terms",
           *summary_lines(d)]
    for change in CHANGES:
        group = [c for c in d.changes if c.change == change]
        if not group:
            continue
        out += ["", f"{_HEADINGS[change]} ({len(group)})"]
        for c in group:
            out.append(f"  {c.kind} {_name(d, c.iri)}")
            out += [f"    {sign} {'under ' if c.change == 'added' else ''}{_name(d, v) if _names_iris(c) else v}"
                    for sign, v in _detail(c)]
            if reworded(c):
                out.append(f"    ~ {reworded(c)}")
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _md_name(d: OntologyDiff, iri: str) -> str:
    label = d.labels.get(iri, "")
    return f"`{d.curie(iri)}` {_md(label)}" if label else f"`{d.curie(iri)}`"


def _md_side(which: str, side: Side, terms: int) -> str:
    version = f", version {_md(side.version)}" if side.version else ""
    return f"- {which}: `{side.path}` ({_md(side.form)}{version}), {terms} terms"


def render_markdown(d: OntologyDiff) -> str:
    out = ["# Ontology diff", "", _md_side("old", d.old, d.terms[0]), _md_side("new", d.new, d.terms[1]), "",
           *[f"- {_md(line)}" for line in summary_lines(d)]]
    for change in CHANGES:
        group = [c for c in d.changes if c.change == change]
        if not group:
            continue
        out += ["", f"## {_HEADINGS[change]} ({len(group)})", ""]
        for c in group:
            out.append(f"- {c.kind} {_md_name(d, c.iri)}")
            for sign, v in _detail(c):
                shown = _md_name(d, v) if _names_iris(c) else _md(v)
                word = {"-": "was", "+": "under" if c.change == "added" else "now"}[sign]
                out.append(f"  - {word}: {shown}")
            if reworded(c):
                out.append(f"  - reworded: {_md(reworded(c))}")
    return "\n".join(out) + "\n"


def render_json(d: OntologyDiff) -> str:
    def side(s: Side, terms: int) -> dict:
        return {"path": str(s.path), "form": s.form, "ontology": s.ontology, "version": s.version, "date": s.date,
                "terms": terms}

    doc = {
        "old": side(d.old, d.terms[0]),
        "new": side(d.new, d.terms[1]),
        "summary": {kind: {c: d.count(c, kind) for c in CHANGES if d.count(c, kind)} for kind in KINDS.values()
                    if any(d.count(c, kind) for c in CHANGES)},
        "changes": [{"iri": c.iri, "curie": d.curie(c.iri), "kind": c.kind, "change": c.change, "label": c.label,
                     "before": list(c.before), "after": list(c.after)} for c in d.changes],
        "labels": d.labels,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def render_changelog(d: OntologyDiff) -> str:
    """A draft entry for the new side's version, to edit and paste into CHANGELOG.md: Keep a Changelog
    sections (Added, Changed, Deprecated, Removed), one line per term, labels first."""
    version = d.new.version or "VERSION"
    head = f"## [{version}] - {d.new.date or 'YYYY-MM-DD'}"
    sections: dict[str, list[str]] = {"Added": [], "Changed": [], "Deprecated": [], "Removed": []}
    for c in d.changes:
        name = f"{_md(c.label)} (`{d.curie(c.iri)}`)"
        if c.change == "added":
            under = ", ".join(_md(d.labels.get(p, d.curie(p))) for p in c.after)
            sections["Added"].append(f"- {c.kind.capitalize()} {name}" + (f", under {under}" if under else "") + ".")
        elif c.change == "removed":
            sections["Removed"].append(f"- {c.kind.capitalize()} {name}.")
        elif c.change == "deprecated":
            sections["Deprecated"].append(f"- {c.kind.capitalize()} {name}.")
        elif c.change == "relabelled":
            sections["Changed"].append(f"- {name} relabelled: {_quoted(c.before)} → {_quoted(c.after)}.")
        elif c.change == "re-parented":
            was = ", ".join(_md(d.labels.get(p, d.curie(p))) for p in c.before) or "no parent"
            now = ", ".join(_md(d.labels.get(p, d.curie(p))) for p in c.after) or "no parent"
            sections["Changed"].append(f"- {name} moved from under {was} to under {now}.")
        elif c.change == "definition changed":
            words = f" ({_md(reworded(c))})" if reworded(c) else ""
            sections["Changed"].append(f"- {name}: definition reworded{words}.")
        elif c.change == "undeprecated":
            sections["Changed"].append(f"- {name} no longer deprecated.")
        else:
            said = sorted({v.split(" ", 1)[0] for v in (*c.before, *c.after)})
            sections["Changed"].append(f"- {name}: {', '.join(f'`{s}`' for s in said)} changed.")
    out = [head]
    for title, lines in sections.items():
        if lines:
            out += ["", f"### {title}", "", *lines]
    if len(out) == 1:
        out += ["", "No class, property or individual changed."]
    return "\n".join(out) + "\n"


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"“{_md(v)}”" for v in values) or "no label"


FORMATS = {"text": render_text, "markdown": render_markdown, "json": render_json}

__all__ = ["FORMATS", "render_changelog", "render_json", "render_markdown", "render_text", "summary_lines"]
