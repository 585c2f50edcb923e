"""Checks shared by the YAML example formats: field names, ids, tags, sources and class names."""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path

from rdflib import URIRef

from ..ontology.terms import TermIndex
from ..vocab import PROVENANCE_TAGS, SRC
from .yamlfile import Located

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def check_keys(entry: Located, allowed: set[str], what: str) -> None:
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise entry.fail(f"unknown field(s) {', '.join(unknown)} in {what}; allowed: {', '.join(sorted(allowed))}",
                         unknown[0])


def take_id(entry: Located, seen: dict[str, Path], kind: str) -> str:
    """The entry's slug id, which must not have been used before (``seen`` maps ids to files)."""
    eid = entry.get("id")
    if not isinstance(eid, str) or not SLUG.match(eid):
        raise entry.fail(f"expected a slug of lower-case letters, digits and '-', got {eid!r}", "id")
    if eid in seen:
        raise entry.fail(f"{kind} id '{eid}' is already used in {seen[eid]}", "id")
    seen[eid] = entry.path
    return eid


def take_choice(entry: Located, field: str, choices: Collection[str], required: bool = True) -> str | None:
    """One word out of ``choices``; checked as text first, since a YAML list or mapping is unhashable."""
    value = entry.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, str) or value not in choices:
        raise entry.fail(f"expected one of {', '.join(choices)}, got {_short(value)}", field)
    return value


def take_names(entry: Located, field: str, what: str) -> list[str]:
    """A list of names (one name alone is accepted as a list of one)."""
    names = entry.get(field)
    if names is None:
        return []
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise entry.fail(f"expected a list of {what}, got {_short(names)}", field)
    return names


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def take_tag(entry: Located) -> str:
    return take_choice(entry, "tag", sorted(PROVENANCE_TAGS))


def take_sources(entry: Located, terms: TermIndex) -> list[URIRef]:
    ids = entry.get("source")
    ids = [ids] if isinstance(ids, str) else ids
    if not ids or not isinstance(ids, list) or not all(isinstance(sid, (str, int)) for sid in ids):
        raise entry.fail("expected a list of source ids such as [P10]", "source")
    for sid in ids:
        if str(sid) not in terms.sources:
            raise entry.fail(f"'{sid}' is not a source of the ontology (sources.ttl)", "source")
    return [SRC[str(sid)] for sid in ids]


def take_classes(entry: Located, field: str, terms: TermIndex, root: URIRef | None = None,
                 required: bool = False) -> list[URIRef]:
    """Class names listed under ``field``, each defined by the ontology and, given ``root``, a kind of it."""
    names = entry.get(field) or []
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list):
        raise entry.fail(f"expected a list of class names, got {type(names).__name__}", field)
    for name in names:
        if not isinstance(name, str):
            raise entry.fail(f"expected a class name, got {_short(name)}", field)
    if required and not names:
        raise entry.fail("name at least one construct class", field)
    out = []
    for name in names:
        cls = terms.cls(str(name))
        if cls is None:
            raise entry.fail(f"'{name}' is not a class of the ontology", field)
        if root is not None and not terms.is_a(cls, root):
            raise entry.fail(f"'{name}' is not a kind of {terms.label(root)}", field)
        out.append(cls)
    return out
