"""Finding people's names in prose, in any script: after a title ("Mrs Müller", "Frau Schröder"), by a
given-name list of many languages ("Łukasz Nowak", "José Núñez"), and as two capitalised words with a
known family name next to a person cue ("Jo Bloggs said"); in fields that hold a person, any
capitalised name. The field's historical figures, its authors in citations ("Waldron et al. 2004") and
fictional characters used in teaching pass."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .privacy_formats import UPPER
from .privacy_lists import (
    NAME,
    common_words,
    cue_pattern,
    given_names,
    given_names_en,
    honorifics,
    known_names,
    surnames,
    words,
)
from .privacy_report import Hit

_LETTERS = r"[^\W\d_]+(?:['’-][^\W\d_]+)*"
TOKEN = re.compile(rf"{_LETTERS}")
# What may stand between two words of one name: blanks, a line break in folded YAML prose, an initial's dot.
_GAP = re.compile(r"\.?(?:[ \t]*\n[ \t]*|[ \t]+)")
_PARTICLES = frozenset(["de", "des", "du", "da", "das", "do", "dos", "di", "del", "della", "van", "von", "der", "den", "ten", "ter", "le", "la", "al", "el", "bin", "ibn"])
_YEAR = r"(?:1[6-9]|20)\d{2}[a-z]?\b"
_NAME_WORD = rf"{UPPER}[^\W\d_]*(?:['’-][^\W\d_]+)*"
# What follows an author's name in a citation: "et al.", a year, or co-authors and then one of those.
CITATION_TAIL = re.compile(rf"(?:['’]s)?(?:\s*,\s*{_NAME_WORD})*(?:\s*,?\s*(?:and|&|und|et|e|y)\s+{_NAME_WORD}"
                           rf"(?:['’]s)?)?\s*,?\s*(?:et\.?\s+al\b|\(\s*(?:{_YEAR}|in press)|{_YEAR})")
# Capitalised words that open a person field without being a name ("Constructed adult patient").
FIELD_WORDS = frozenset(["a", "an", "the", "our", "their", "his", "her", "this", "that", "one", "two", "three", "same", "another", "other", "each", "every", "both", "no", "none", "not", "unknown", "anonymous", "unnamed", "constructed", "invented", "fictional", "patient", "patients", "therapist", "therapists", "analyst", "analysts", "psychoanalyst", "psychotherapist", "clinician", "clinicians", "rater", "raters", "coder", "judge", "supervisor", "trainee", "adult", "child", "young", "older", "senior", "male", "female", "man", "woman", "site", "case", "study", "pilot", "pair", "dyad", "group", "team", "patientin", "patiente", "paziente", "paciente", "session", "notes", "dear"])
QUOTED = re.compile(r"\"[^\"\n]*\"|“[^”\n]*”")
ID_TOKEN = re.compile(r"[^\W\d_][^\W\d_A-Z]+|[A-Z]+(?![a-z])")


@dataclass(frozen=True)
class _Word:
    start: int
    end: int
    text: str

    @property
    def folded(self) -> str:
        return self.text.casefold()

    @property
    def capital(self) -> bool:
        return self.text[0].isupper() and (len(self.text) == 1 or any(c.islower() for c in self.text))

    @property
    def honorific(self) -> bool:
        return self.folded in honorifics()

    @property
    def given(self) -> bool:
        """On the given-name list, and not a large place too ("Washington", "Paris")."""
        parts = re.split(r"['’-]", self.folded)
        return self.capital and self.folded not in words("places.txt") and \
            any(p in given_names() for p in parts if len(p) > 1)

    @property
    def given_en(self) -> bool:
        """On the weaker list of US given names, which holds some words ("Alpha", "Columbia")."""
        return self.capital and self.folded in given_names_en() and self.folded not in words("places.txt")

    @property
    def plain(self) -> bool:
        """A capitalised word that is an ordinary word, or a role ("The", "Der", "Patient")."""
        return self.folded in common_words() or self.folded in FIELD_WORDS


def _words(text: str) -> list[_Word]:
    out = []
    for m in TOKEN.finditer(text):
        end = m.end()
        if re.search(r"['’]s$", m.group(0)) and len(m.group(0)) > 3:
            end -= 2  # the possessive ("Hassan's") is not part of the name
        parts = m.group(0).split("-")
        if parts[0][:1].isupper() and len(parts) > 1 and not all(p[:1].isupper() for p in parts):
            # "Holm-adjusted", "Freud-inspired": the name is the capitalised part before the hyphen
            end = m.start() + len(parts[0])
        out.append(_Word(m.start(), end, text[m.start():end]))
    return out


def _groups(text: str) -> list[list[_Word]]:
    """Runs of capitalised words (and name particles between them) with only blanks between."""
    groups: list[list[_Word]] = []
    for w in _words(text):
        if not (w.capital or w.folded in _PARTICLES):
            groups.append([])
        elif groups and groups[-1] and _GAP.fullmatch(text[groups[-1][-1].end:w.start]):
            groups[-1].append(w)
        else:
            groups.append([w])
    return [g for g in groups if g and g[0].capital]


def _trim(group: list[_Word], family_names: bool = False) -> list[_Word]:
    """Drop the ordinary words that end a run; with ``family_names``, keep one that is also a family
    name after a name ("Jürgen Weiß", "Renée Côté")."""
    while group and (group[-1].folded in _PARTICLES or group[-1].plain):
        if family_names and len(group) > 1 and group[-1].folded in surnames() and not group[-2].plain:
            break
        group = group[:-1]
    return group


def _person_cue(text: str, start: int, end: int) -> bool:
    after = re.match(rf"(?i)\s*(?:['’]s\b|,?\s+{cue_pattern('person-after')}(?![\w]))", text[end:end + 40])
    before = re.search(rf"(?i)(?<![\w]){cue_pattern('person-before')}\s*[,:]?\s*$", text[max(0, start - 40):start])
    return bool(after or before)


def _is_citation(text: str, end: int) -> bool:
    return CITATION_TAIL.match(text, end) is not None


# Days named after people ("Valentine's Day", "St Patrick's Day", "New Year's Eve") and oaths ("Jesus,
# that's a lot"), common in everyday talk: the names in them are not anyone's.
NOT_PEOPLE = re.compile(r"(?i)\b(?:new\s+year['’]s|christmas|hallowe['’]?en|midsummer)\s+eve\b"
                        r"|\b(?:st\.?|saint)\s+[^\W\d_]+['’]s\s+day\b"
                        r"|\b(?:valentine|mother|father|mothering|boxing|remembrance|armistice|thanksgiving|"
                        r"independence|labou?r|martin\s+luther\s+king|presidents?)['’]?s?\s+day\b"
                        r"|\b(?:jesus(?:\s+christ)?|christ)(?=\s*[,!?])")


def name_hits(text: str) -> list[Hit]:
    """The names in prose."""
    out: list[Hit] = []
    skip = [(m.start(), m.end()) for m in NOT_PEOPLE.finditer(text)]
    for group in _groups(text):
        titled = [i for i, w in enumerate(group) if w.honorific]
        if titled and titled[0] + 1 < len(group):
            # a title and the capitalised words after it: "Mrs Müller", "Dr Ömer Yılmaz", "Mrs C"
            first = titled[0]
            rest = _trim(group[first + 1:]) or group[first + 1:first + 2]
            span = (group[first].start, rest[-1].end)
        else:
            start = next((i for i, w in enumerate(group) if not w.honorific and (w.given or (
                w.given_en and i + 1 < len(group) and not group[i + 1].plain))), None)
            if start is None:
                # no given name: two or more unusual capitalised words ending in a family name, next to a
                # person cue ("Jo Bloggs said", "the patient, Kwame Mensah,")
                start = next((i for i, w in enumerate(group) if not w.plain and w.folded not in _PARTICLES), len(group))
                core = _trim(group[start:])
                if len(core) < 2 or any(w.plain for w in core) or core[-1].folded not in surnames() or \
                        not _person_cue(text, core[0].start, core[-1].end):
                    continue
            while start > 0 and not group[start - 1].plain and not group[start - 1].honorific:
                start -= 1  # a first name missing from the list before one on it: "Çağla Öztürk"
            if len(group) - start >= 3 and any(w.plain and w.folded not in _PARTICLES for w in group[start:]):
                continue  # a title-case phrase, not a name: "Columbia Analytic Process Scale"
            rest = _trim(group[start:], family_names=True) or group[start:start + 1]
            span = (rest[0].start, rest[-1].end)
        found = text[span[0]:span[1]]
        # a known name may end in a common word that _trim dropped: "Melanie Klein", "André Green"
        whole = text[span[0]:group[-1].end]
        if _is_citation(text, span[1]) or known_names().covers(found) or known_names().covers(whole) or \
                any(a <= span[0] and span[1] <= b for a, b in skip):
            continue
        out.append(Hit(span[0], span[1], NAME, found))
    return out


def person_field_hits(text: str) -> list[Hit]:
    """In a person field: the capitalised words that open it, and capitalised pairs ("Jo Bloggs")."""
    visible = QUOTED.sub(lambda m: " " * len(m.group(0)), text)
    out = []
    for m in re.finditer(rf"{_NAME_WORD}(?:[ \t]+{_NAME_WORD})*", visible):
        words = m.group(0).split()
        if not all(len(w) == 1 or any(c.islower() for c in w) for w in words):
            continue  # an acronym ("MRN"), not a name
        opening = not visible[:m.start()].strip()
        named = [w for w in words if w.casefold() not in FIELD_WORDS and w.casefold() not in honorifics()]
        if named and (opening or len(words) >= 2) and not known_names().covers(m.group(0)):
            out.append(Hit(m.start(), m.end(), NAME, m.group(0)))
    return out


def id_hits(text: str) -> list[Hit]:
    """In an id ("jane-doe", "JaneDoe", "r_smith"): the parts that are given names."""
    out = []
    for m in ID_TOKEN.finditer(text):
        word = m.group(0).casefold()
        # author ids ("jones-pulos-1993") hold surnames: a family name or a known author is not taken
        if len(word) >= 3 and word in given_names() and word not in common_words() and word not in surnames() \
                and not known_names().covers(word):
            out.append(Hit(m.start(), m.end(), NAME, m.group(0)))
    return out
