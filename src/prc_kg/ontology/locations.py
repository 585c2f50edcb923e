"""Where each term is written in the ontology source, so a QC finding names a file and line that an
ontology engineer can open. Hand-written modules and Protégé's saves alike start each subject's
block at column 0 (Protégé puts a `###  IRI` comment above it).
"""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import URIRef

from .source import OntologySource

_PREFIX = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([^\s:]*):\s*<([^>]*)>", re.IGNORECASE)
_BASE = re.compile(r"^\s*(?:@base|BASE)\s+<([^>]*)>", re.IGNORECASE)
_SUBJECT = re.compile(r"<([^>\s]*)>|([^\s<>\"';,()\[\]]*):([^\s;,()\[\]\"']*)")


def _subject_iri(line: str, prefixes: dict[str, str], base: str) -> str | None:
    """The IRI a line at column 0 opens a block for, or None for anything else."""
    match = _SUBJECT.match(line)
    if not match:
        return None
    if match.group(1) is not None:
        iri = match.group(1)
        return iri if ":" in iri else base + iri
    prefix, local = match.group(2), match.group(3).rstrip(".")
    namespace = prefixes.get(prefix)
    return namespace + local.replace("\\", "") if namespace is not None else None


def module_lines(text: str, subjects: set[URIRef]) -> dict[str, int]:
    """The first line of each subject's block in one Turtle file (only subjects the file's graph has)."""
    prefixes: dict[str, str] = {}
    base = ""
    found: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if (m := _PREFIX.match(line)) is not None:
            prefixes[m.group(1)] = m.group(2)
            continue
        if (m := _BASE.match(line)) is not None:
            base = m.group(1)
            continue
        if not line or line[0] in " \t#":
            continue
        iri = _subject_iri(line, prefixes, base)
        if iri is not None and iri not in found and URIRef(iri) in subjects:
            found[iri] = number
    return found


def source_locations(source: OntologySource) -> dict[str, str]:
    """``file:line`` of the first block each term has in the source, paths as the source holds them.
    The modules are read once more here, not kept from parsing: only `qc` needs their lines."""
    where: dict[str, str] = {}
    for iri, path in source.files.items():
        text = Path(path).read_text(encoding="utf-8-sig")
        subjects = {s for s in source.graphs[iri].subjects() if isinstance(s, URIRef)}
        for term, number in module_lines(text, subjects).items():
            where.setdefault(term, f"{path}:{number}")
    return where


__all__ = ["module_lines", "source_locations"]
