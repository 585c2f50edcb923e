"""The word lists of the privacy check (given names, public figures, street words …) and the user's
allow-list. The lists are data files in ``privacy_data/``, each with a header saying what it is and where
it comes from, so they can be read, reviewed and extended without touching the detectors."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from ..fileio.files import read_utf8

NAME = "name"
DATA_FOLDER = "privacy_data"  # package data of prc_kg.checks (pyproject.toml, [tool.setuptools.package-data])


def _lines(name: str) -> list[str]:
    """The lines of a shipped list, comments (from '#') and blank lines dropped."""
    text = resources.files("prc_kg.checks").joinpath(DATA_FOLDER, name).read_text(encoding="utf-8")
    return [s for line in text.splitlines() if (s := line.split("#", 1)[0].strip())]


@cache
def words(name: str) -> frozenset[str]:
    """A list of case-folded words, several a line allowed."""
    return frozenset(w.casefold() for line in _lines(name) for w in line.split())


@cache
def sections(name: str) -> dict[str, tuple[str, ...]]:
    """A list of ``section: word "a phrase" …`` lines, by section (lines of one section add up); the
    words become regex alternations, so they are lower-cased, not case-folded."""
    out: dict[str, list[str]] = {}
    for line in _lines(name):
        key, _, rest = line.partition(":")
        out.setdefault(key.strip(), []).extend(w.lower() for w in shlex.split(rest))  # lower: ß stays ß
    return {k: tuple(v) for k, v in out.items()}


@cache
def cue_pattern(section: str) -> str:
    """A regex alternation of one section of cues.txt, longest first, spaces matching any blank run."""
    phrases = sorted(sections("cues.txt")[section], key=len, reverse=True)
    return "(?:" + "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in phrases) + ")"


def given_names() -> frozenset[str]:
    return words("given_names.txt")


def given_names_en() -> frozenset[str]:
    return words("given_names_en.txt")


def surnames() -> frozenset[str]:
    return words("surnames.txt")


def common_words() -> frozenset[str]:
    return words("common_words.txt")


def honorifics() -> frozenset[str]:
    return words("honorifics.txt")


def name_words(text: str) -> list[str]:
    """The words of a name, case-folded, without the titles that open it and a possessive 's (a title
    inside a name stays: "Peter Pan")."""
    out = []
    for w in re.findall(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", text.casefold()):
        w = re.sub(r"['’]s$", "", w)
        if out or w not in honorifics():
            out.append(w)
    return out


@dataclass(frozen=True)
class NameIndex:
    """Names that may appear (public figures, fictional characters): a name found passes when it holds
    an entry's last word (its surname) and all its other words belong to that entry, so "Winnicott",
    "Dr Winnicott" and "Donald Winnicott" pass, but "Anna" alone or "Sarah Freud" do not."""

    by_surname: dict[str, tuple[frozenset[str], ...]]

    @classmethod
    def of(cls, entries: Iterable[str]) -> NameIndex:
        index: dict[str, list[frozenset[str]]] = {}
        for entry in entries:
            ws = name_words(entry)
            if ws:
                index.setdefault(ws[-1], []).append(frozenset(ws))
        return cls({k: tuple(v) for k, v in index.items()})

    def covers(self, text: str) -> bool:
        found = set(name_words(text))
        # as written ("Anna O"), then without initials ("D. W. Winnicott")
        return any(ws and any(ws <= entry for w in ws for entry in self.by_surname.get(w, ()))
                   for ws in (found, {w for w in found if len(w) > 1}))


@cache
def known_names() -> NameIndex:
    """The field's historical figures and authors, and fictional characters used in teaching."""
    return NameIndex.of(_lines("public_figures.txt") + _lines("fictional_characters.txt"))


@dataclass(frozen=True)
class AllowList:
    """Pseudonyms and public figures that may appear. A name found is allowed when all its words
    (honorifics aside) belong to one entry, so "Merton Gill" also allows "Gill" alone; any other
    finding is allowed only when its text equals an entry."""

    entries: frozenset[str] = frozenset()

    @classmethod
    def read(cls, paths: Iterable[Path]) -> AllowList:
        entries: set[str] = set()
        for path in paths:
            text = read_utf8(path, "an allow-list file of pseudonyms, one per line")
            for line in text.splitlines():
                entry = line.split("#", 1)[0].strip()
                if entry:
                    entries.add(" ".join(entry.split()))
        return cls(frozenset(entries))

    def allows(self, kind: str, text: str) -> bool:
        folded = " ".join(text.casefold().split())
        if any(folded == e.casefold() for e in self.entries):
            return True
        if kind != NAME:
            return False
        found = set(name_words(text))
        return bool(found) and any(found <= set(name_words(e)) for e in self.entries)

