"""De-identification check: find personal identifiers in instance data before it is shared.

Cases come from real treatments, and rating files from real studies, so a name, a date of birth, a
phone number, an e-mail or street address, or a record number must never reach the graph. This
module scans the human-written sources (YAML and CSV, reported by file and line) and RDF graphs
(reported by subject IRI and property) with plain pattern rules, tuned so that the shipped clinical
prose, citations ("Waldron et al. 2004"), years, page numbers, item codes ("PQS:36") and figure
values pass. Published pseudonyms and public figures go on an allow-list
(``examples/privacy-allowlist.txt``).

The rules are deliberately simple and explainable; they catch the common slips, not every
identifier. A person's name is found by honorific ("Mrs Smith"), by a compact list of common
given names, and, in fields that hold a person (``patient``, ``therapist``, ``rater`` …), by any
capitalised name there.
"""

from __future__ import annotations

import bisect
import csv
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import FOAF, RDF, RDFS, XSD

from .errors import InputError
from .files import read_utf8, utf8_error
from .vocab import DATA_IRI, PRC_IRI

ALLOWLIST_NAME = "privacy-allowlist.txt"
TEXT_SUFFIXES = {".yaml", ".yml", ".csv"}
RDF_SUFFIXES = {".nt", ".ttl", ".rdf", ".owl", ".xml", ".jsonld"}  # what ontology.parse_file reads

NAME, DOB, PHONE, EMAIL, ADDRESS, RECORD = "name", "date-of-birth", "phone", "email", "address", "record-number"
KINDS = (NAME, DOB, PHONE, EMAIL, ADDRESS, RECORD)

# -- word lists ------------------------------------------------------------------------------------

def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Common given names (English-speaking and European, a few beyond). Names that are also ordinary
# English words, months, places or common surnames (Will, Grace, Hope, May, Mark, Jordan, Gill, Lee …)
# are left out on purpose: as a capitalised sentence opener they would flag clinical prose.
GIVEN_NAMES = _words("""
aaron abigail adam adrian agnes aisha alan albert alessandro alexander alexandra alexis alfie alice alison
amanda amelia amy andrea andrew angela anna anne annie anthony antonio archie arthur ava barbara beatrice
benjamin bernard beth beverly brandon brenda brian bridget bruce bryan camille carl carlos caroline
carolyn catherine cecilia charles charlie charlotte chiara chloe christina christine christopher claire
clara claudia colin craig cynthia daniel daniela danielle david deborah debra denise dennis diana diane
diego dmitri donald donna doris dorothy douglas duncan dylan edward eleanor elena eliza elizabeth ella
ellen emily emma eric erin ethan eugene evelyn fatima fiona florian francesca francesco frances freddie
freya gabriel gareth gemma geoffrey george georgina gerald giorgio giovanna giovanni giulia giuseppe
gloria gordon graham gregory greta hannah harold harriet harry heidi helen henry hiroshi howard hugo
ingrid irene isabel isabella isla ivan jacob jacqueline james jamie janet janice jason javier jean
jeffrey jennifer jeremy jessica joan joanna joanne john jonathan joseph joshua joyce judith judy julia
julian julie justin karen katarzyna katherine kathleen kathryn katie kayla keith kelly kenneth kevin
klaus kyle lars laura lauren lawrence leila lisa lorenzo louis louise lucia lucy luis luke lydia
margaret maria marie marilyn martha martin mary matteo matthew megan mei melanie melissa michael
michelle miguel mohammed muhammad monica nancy natalie natasha nathan nicholas nicola nicole nora olga
oliver olivia omar pamela patricia patrick paul paula pedro peter philip pierre piotr priya rachel
rafael raymond rebecca richard rita robert ronald russell ruth ryan samantha samuel sandra sara sarah
sean sebastian sergei sharon shirley simon sofia sonia sophia sophie stefan stephanie stephen steven
susan sven teresa theresa thomas timothy tobias ursula valentina vanessa victoria vincent walter wendy
william yuki zachary zoe
""")
HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor"})
# Capitalised words that open a person field without being a name ("Constructed adult patient").
FIELD_WORDS = _words("""
a an the our their his her this that one two three same another other each every both no none not
unknown anonymous unnamed constructed invented fictional patient patients therapist therapists analyst
analysts psychoanalyst psychotherapist clinician clinicians rater raters coder judge supervisor trainee
adult child young older senior male female man woman site case study pilot pair dyad group team
""")

# -- patterns ----------------------------------------------------------------------------------------

_NAME_WORD = r"[A-Z][a-z]+(?:['’-][A-Z][a-z]+)*"
_HONORIFIC = r"(?:Mrs|Mr|Ms|Miss|Mx|Dr|Prof|Professor)"
_GAP = r"(?:[ \t]*\n[ \t]*|[ \t]+)"  # between the words of a name; a name may wrap in folded YAML prose
HONORIFIC_NAME = re.compile(rf"\b{_HONORIFIC}\.?{_GAP}(?:[A-Z]\.?[ \t]+)?(?:{_NAME_WORD}|[A-Z]\b)"
                            rf"(?:{_GAP}{_NAME_WORD})?")
NAME_WORD = re.compile(rf"\b{_NAME_WORD}\b")
SURNAME_AFTER = re.compile(rf"(?:{_GAP}(?:[A-Z]\.[ \t]*)?{_NAME_WORD}\b){{1,2}}")
_YEAR = r"(?:1[6-9]|20)\d{2}[a-z]?\b"
# What follows an author's name in a citation: "et al.", a year, or co-authors and then one of those.
CITATION_TAIL = re.compile(rf"(?:['’]s)?(?:\s*,\s*{_NAME_WORD})*(?:\s*,?\s*(?:and|&)\s+{_NAME_WORD}(?:['’]s)?)?"
                           rf"\s*,?\s*(?:et\.?\s+al\b|\(\s*(?:{_YEAR}|in press)|{_YEAR})")

EMAIL_RE = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")

_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
          r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?")
_ORD = r"(?:st|nd|rd|th)?"
# Full dates and month-year / day-month dates; a year alone is not an identifier here.
DATE_RE = re.compile(
    rf"(?<![\w./])(?<!\d-)(?:\d{{4}}-\d{{1,2}}-\d{{1,2}}|\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})"
    rf"|\d{{1,2}}{_ORD}(?:\s+of)?\s+{_MONTH},?(?:\s+\d{{4}})?|{_MONTH}\s+\d{{1,2}}{_ORD}(?:,?\s+\d{{4}})?"
    rf"|{_MONTH},?\s+\d{{4}})(?![\w/-])")
BIRTH_WORD = re.compile(r"(?i)(?<![a-z])(?:born|d\.?o\.?b|date[ _-]*of[ _-]*birth|birth[ _-]*(?:date|day)|birthdate"
                        r"|birthday|birth)(?![a-z])")
BIRTH_FIELD = re.compile(r"(?i)dob|birth|(?:^|[^a-z])born(?:$|[^a-z])")

PHONE_RES = (
    # international: +44 20 7946 0958, +1 (555) 123-4567
    re.compile(r"(?<![\w+])\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]?\d{2,4}){1,4}(?![\w])"),
    # national trunk prefix: 020 7946 0958, 07700 900123, (0161) 496-0000
    re.compile(r"(?<![\w./:,+-])(?:\(0\d{2,4}\)|0\d{2,4})[ .-]?\d{3,4}[ .-]?\d{3,4}(?![\w./-])"),
    # North American: (555) 123-4567, 555-123-4567
    re.compile(r"(?<![\w./:,+-])(?:\([2-9]\d{2}\)[ .-]?|[2-9]\d{2}[ .-])\d{3}[ .-]\d{4}(?![\w./-])"),
)
PHONE_CONTEXT = re.compile(r"(?i)\b(?:tel|telephone|phone|mobile|cell|fax)\b\.?(?:[ \t]*(?:no\.?|number|#))?"
                           r"[ \t]*[:.]?[ \t]*(\+?\(?\d[\d \t().-]{5,}\d)")

_STREET = (r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Boulevard|Blvd|Way|Court|Ct|Place|Terrace|Crescent"
           r"|Close|Square|Sq|Gardens|Grove|Parkway|Highway|Mews)")
ADDRESS_RES = (
    re.compile(rf"(?<![\w.:/-])\d{{1,5}}[A-Za-z]?,?[ \t]+(?:{_NAME_WORD}[ \t]+){{1,3}}(?:{_STREET}|{_STREET.lower()})"
               r"\b\.?"),
    re.compile(r"\bP\.?[ \t]?O\.?[ \t]+Box[ \t]+\d+\b"),
    # UK postcode: SW1A 1AA, M1 1AE (inward part letters exclude C, I, K, M, O, V)
    re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?[ \t]\d[ABD-HJLNP-UW-Z]{2}\b"),
)
RECORD_RES = (
    re.compile(r"(?i)\b(?:MRN|(?:medical[ \t]+)?record|hospital|patient|case|chart|file|NHS|clinic|client|subject)"
               r"[ \t]*(?:no\b\.?|number|num\b\.?|id\b|#)[ \t]*[:#.]?[ \t]*([A-Z]{0,3}[ \t-]?\d[\d \t-]{2,}\d)"),
    re.compile(r"\bMRN\b[ \t]*[:#]?[ \t]*([A-Z]{0,3}\d{3,})"),
    # US social security number
    re.compile(r"(?<![\w./-])\d{3}-\d{2}-\d{4}(?![\w/-])"),
)
NHS_LIKE = re.compile(r"(?<![\w./:,+-])(?:\d{3}[ -]\d{3}[ -]\d{4}|\d{10})(?![\w./-])")
QUOTED = re.compile(r"\"[^\"\n]*\"|“[^”\n]*”")
ID_TOKEN = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")

# Field (YAML key, CSV column, RDF property) names that hold a person, an id, or a date of birth.
PERSON_FIELD = re.compile(r"(?i)(?:^|[^a-z])(?:patient|therapist|analyst|rater|raters|coder|dyad|clinician|client|"
                          r"supervisor|person|name|names|surname|forename|given ?name|family ?name)(?:$|[^a-z])"
                          r"|^(?:givenName|familyName|firstName|lastName)$")
ID_FIELD = re.compile(r"(?i)^(?:id|study|case|cases)$")


# -- results --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Hit:
    """One identifier found in a piece of text, by character span."""

    start: int
    end: int
    kind: str
    text: str


@dataclass(frozen=True)
class Finding:
    """An identifier and where it is: file and line, or (for RDF) subject IRI and property."""

    kind: str
    text: str
    source: str
    line: int | None = None
    subject: str | None = None
    prop: str | None = None
    shown_subject: str | None = None  # the subject IRI with the identifiers in it masked
    more: int = 0  # further rows of a CSV file with the same identifier in the same column

    @property
    def where(self) -> str:
        if self.subject is not None:
            return f"{self.source}: <{self.shown_subject or self.subject}> <{self.prop}>"
        return f"{self.source}:{self.line}" if self.line is not None else self.source

    def __str__(self) -> str:
        more = f" (and {self.more} more rows)" if self.more else ""
        return f"{self.where}: {self.kind}: {mask(' '.join(self.text.split()))}{more}"


@dataclass
class PrivacyReport:
    findings: list[Finding] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        if not self.findings:
            return f"privacy: {len(self.files)} files checked, no identifiers found"
        flagged = len({f.source for f in self.findings})
        return (f"privacy: {len(self.findings)} possible identifiers in {flagged} of {len(self.files)} files; "
                f"remove them, or add a published pseudonym to the allow-list ({ALLOWLIST_NAME} or --allow)")


def mask(text: str) -> str:
    """Show enough to find the spot, not enough to read the identifier: ``j***@e***.org``, ``S*** B***``."""
    if "@" in text:
        local, _, domain = text.partition("@")
        labels = domain.split(".")
        return f"{_mask_runs(local)}@{'.'.join(_mask_runs(x) for x in labels[:-1])}.{labels[-1]}"
    return _mask_runs(text)


def _mask_runs(text: str) -> str:
    return re.sub(r"[^\W_]{2,}", lambda m: m.group(0)[0] + "***", text)


# -- allow-list --------------------------------------------------------------------------------------

def _name_words(text: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"[^\W\d_]+", text.casefold()) if w not in HONORIFICS)


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
        words = _name_words(text)
        return bool(words) and any(words <= _name_words(e) for e in self.entries)


def allowlist_for(examples: Path | None, extra: Sequence[Path] = ()) -> AllowList:
    """The examples folder's allow-list (when it has one) plus any files given with --allow."""
    folder = _examples_folder(examples)
    default = folder / ALLOWLIST_NAME
    return AllowList.read(([default] if default.is_file() else []) + list(extra))


# -- scanning text ---------------------------------------------------------------------------------------

def scan_text(text: str, allow: AllowList, field_name: str | None = None) -> list[Hit]:
    """Every identifier in ``text``; ``field_name`` (a YAML key, CSV column or RDF property) turns on
    the stricter rules for fields that hold a person, an id or a date of birth."""
    hits = _prose_hits(text)
    if field_name:
        if PERSON_FIELD.search(field_name):
            hits += _person_hits(text) + _id_hits(text)
        elif ID_FIELD.match(field_name):
            hits += _id_hits(text)
        if BIRTH_FIELD.search(field_name) and re.search(r"\d", text):
            stripped = text.strip()
            start = text.index(stripped)
            hits.append(Hit(start, start + len(stripped), DOB, stripped))
    return [h for h in _without_overlaps(hits) if not allow.allows(h.kind, h.text)]


def _prose_hits(text: str) -> list[Hit]:
    hits: list[Hit] = []
    if "@" in text:
        hits += [Hit(m.start(), m.end(), EMAIL, m.group(0)) for m in EMAIL_RE.finditer(text)]
    if any(c.isdigit() for c in text):
        hits += _birth_dates(text)
        hits += _numbers(text)
        for rx in ADDRESS_RES:
            hits += [Hit(m.start(), m.end(), ADDRESS, m.group(0)) for m in rx.finditer(text)]
    hits += _names(text)
    return hits


def _birth_dates(text: str) -> list[Hit]:
    out = []
    for m in DATE_RE.finditer(text):
        before, after = text[max(0, m.start() - 50):m.start()], text[m.end():m.end() + 25]
        if BIRTH_WORD.search(before) or BIRTH_WORD.search(after):
            out.append(Hit(m.start(), m.end(), DOB, m.group(0)))
    return out


def _digits(text: str) -> int:
    return sum(c.isdigit() for c in text)


def _nhs_valid(digits: str) -> bool:
    """The NHS number check digit (modulus 11), which separates record numbers from phone numbers."""
    if len(digits) != 10:
        return False
    check = 11 - sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1))) % 11
    return (0 if check == 11 else check) == int(digits[9])


def _numbers(text: str) -> list[Hit]:
    out: list[Hit] = []
    for rx in RECORD_RES:
        for m in rx.finditer(text):
            g = 1 if rx.groups else 0
            if _digits(m.group(g)) >= 4 or rx.groups and "MRN" in m.group(0).upper():
                out.append(Hit(m.start(g), m.end(g), RECORD, m.group(g)))
    for m in NHS_LIKE.finditer(text):
        if _nhs_valid(re.sub(r"\D", "", m.group(0))):
            out.append(Hit(m.start(), m.end(), RECORD, m.group(0)))
    for m in PHONE_CONTEXT.finditer(text):
        if _digits(m.group(1)) >= 7:
            out.append(Hit(m.start(1), m.end(1), PHONE, m.group(1)))
    for rx in PHONE_RES:
        for m in rx.finditer(text):
            if 9 <= _digits(m.group(0)) <= 15:
                out.append(Hit(m.start(), m.end(), PHONE, m.group(0)))
    return out


def _is_citation(text: str, end: int) -> bool:
    return CITATION_TAIL.match(text, end) is not None


def _names(text: str) -> list[Hit]:
    out = [Hit(m.start(), m.end(), NAME, m.group(0)) for m in HONORIFIC_NAME.finditer(text)
           if not _is_citation(text, m.end())]
    for m in NAME_WORD.finditer(text):
        if not any(part.lower() in GIVEN_NAMES for part in re.split(r"['’-]", m.group(0))):
            continue
        end = m.end()
        if tail := SURNAME_AFTER.match(text, end):
            words = tail.group(0).split()
            if not any(w.lower() in FIELD_WORDS for w in words):
                end = tail.end()
        if not _is_citation(text, end):
            out.append(Hit(m.start(), end, NAME, text[m.start():end]))
    return out


def _person_hits(text: str) -> list[Hit]:
    """In a person field: the capitalised words that open it, and capitalised pairs ("Jo Bloggs")."""
    visible = QUOTED.sub(lambda m: " " * len(m.group(0)), text)
    out = []
    for m in re.finditer(rf"{_NAME_WORD}(?:[ \t]+{_NAME_WORD})*", visible):
        words = m.group(0).split()
        opening = not visible[:m.start()].strip()
        named = [w for w in words if w.lower() not in FIELD_WORDS and w.lower() not in HONORIFICS]
        if named and (opening or len(words) >= 2):
            out.append(Hit(m.start(), m.end(), NAME, m.group(0)))
    return out


def _id_hits(text: str) -> list[Hit]:
    """In an id ("jane-doe", "JaneDoe", "r_smith"): the parts that are common given names."""
    return [Hit(m.start(), m.end(), NAME, m.group(0)) for m in ID_TOKEN.finditer(text)
            if len(m.group(0)) >= 3 and m.group(0).lower() in GIVEN_NAMES]


def _without_overlaps(hits: list[Hit]) -> list[Hit]:
    """Keep the longest of overlapping hits, so one identifier is reported once."""
    kept: list[Hit] = []
    for h in sorted(hits, key=lambda h: (h.start, -(h.end - h.start))):
        if kept and h.start < kept[-1].end:
            if h.end > kept[-1].end and h.end - h.start > kept[-1].end - kept[-1].start:
                kept[-1] = h
            continue
        kept.append(h)
    return kept


# -- files ------------------------------------------------------------------------------------------------

class _Lines:
    """Offsets to line numbers."""

    def __init__(self, text: str):
        self.starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)


def check_yaml(path: Path, allow: AllowList) -> list[Finding]:
    """The whole text (comments included) for prose identifiers, then each value under a key that
    names a person, an id or a birth date with the stricter rules; reported by line."""
    path = Path(path)
    text = read_utf8(path, "a YAML document")
    try:
        documents = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise InputError(path, f"YAML syntax error: {exc.problem}", line=line) from exc
    except yaml.YAMLError as exc:
        raise InputError(path, f"YAML syntax error: {exc}") from exc
    hits = scan_text(text, allow)
    for doc in documents:
        for key, node in _keyed_scalars(doc, None):
            if not (PERSON_FIELD.search(key) or ID_FIELD.match(key) or BIRTH_FIELD.search(key)):
                continue
            start, end = node.start_mark.index, node.end_mark.index
            if node.style in ("'", '"'):
                start, end = start + 1, end - 1
            elif node.style in (">", "|"):  # the value starts on the line after the block indicator
                start = text.find("\n", start, end) + 1 or start
            hits += [Hit(h.start + start, h.end + start, h.kind, h.text)
                     for h in scan_text(text[start:end], allow, key)]
    lines = _Lines(text)
    return [Finding(h.kind, h.text, str(path), lines.line(h.start)) for h in _without_overlaps(hits)]


def _keyed_scalars(node: yaml.Node | None, key: str | None) -> Iterator[tuple[str, yaml.ScalarNode]]:
    """Every scalar value with the nearest mapping key above it."""
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            yield from _keyed_scalars(v, str(k.value) if isinstance(k, yaml.ScalarNode) else key)
    elif isinstance(node, yaml.SequenceNode):
        for v in node.value:
            yield from _keyed_scalars(v, key)
    elif isinstance(node, yaml.ScalarNode) and key is not None:
        yield key, node


def check_csv(path: Path, allow: AllowList) -> list[Finding]:
    """Every cell, with the column name as its field (so a ``rater`` column gets the person rules);
    the header is checked too. Cells repeat a lot in rating files, so results are cached per value,
    and an identifier repeated down a column is reported once, at its first row, with a count."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file not found")
    findings: dict[tuple[str, str, str], Finding] = {}
    repeats: dict[tuple[str, str, str], int] = {}
    cache: dict[tuple[str, str], list[Hit]] = {}
    header: list[str] | None = None
    line = 1
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            for row in reader:
                columns = header if header is not None else [""] * len(row)
                for i, cell in enumerate(row):
                    column = columns[i] if i < len(columns) else ""
                    key = (column, cell)
                    if key not in cache:
                        cache[key] = scan_text(cell, allow, column or None) if cell.strip() else []
                    for h in cache[key]:
                        seen = (column, h.kind, h.text)
                        if seen in findings:
                            repeats[seen] = repeats.get(seen, 0) + 1
                        else:
                            findings[seen] = Finding(h.kind, h.text, str(path), line + cell.count("\n", 0, h.start))
                if header is None:
                    header = [h.strip() for h in row]
                line = reader.line_num + 1
    except UnicodeDecodeError:
        raise utf8_error(path) from None
    except csv.Error as exc:
        raise InputError(path, f"CSV syntax error: {exc}", line=line) from exc
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror}") from exc
    return [replace(f, more=repeats[k]) if k in repeats else f for k, f in findings.items()]


PERSON_CLASSES = {URIRef(PRC_IRI + n) for n in ("Patient", "Psychotherapist", "Rater")} | {FOAF.Person}
ID_CLASSES = {URIRef(PRC_IRI + n) for n in ("Dyad", "Study", "Case")}
_STRINGS = {None, XSD.string}
IRI_IDS = re.compile(r"/(rater|dyad|study|case)/([^/#?]+)")


def check_graph(graph: Graph, allow: AllowList, source: str = "graph") -> list[Finding]:
    """String literals (labels of patients, therapists and raters get the person rules), literals of
    birth-date properties, and the ids in data IRIs (``data:rater/ID``). An id recurs in thousands of
    IRIs and labels, so each identifier is reported once, at the shortest subject IRI that has it."""
    people = {s for c in PERSON_CLASSES for s in graph.subjects(RDF.type, c)}
    ids = {s for c in ID_CLASSES for s in graph.subjects(RDF.type, c)}
    found: dict[tuple[str, str], Finding] = {}
    cache: dict[tuple[str | None, str], list[Hit]] = {}
    flagged_ids: set[str] = set()

    def add(subject: str, prop: str, value: str, field_name: str | None) -> None:
        key = (field_name, value)
        if key not in cache:
            cache[key] = scan_text(value, allow, field_name)
        if cache[key] and prop == "(IRI)":
            flagged_ids.add(value)
        for h in cache[key]:
            new = Finding(h.kind, h.text, source, subject=subject, prop=prop)
            old = found.get((h.kind, h.text))
            if old is None or (len(subject), subject, prop) < (len(old.subject or ""), old.subject or "", old.prop or ""):
                found[(h.kind, h.text)] = new

    data_subjects: set[str] = set()
    for s, p, o in graph:
        if isinstance(s, URIRef) and s.startswith(DATA_IRI):
            data_subjects.add(str(s))
        if not isinstance(o, Literal):
            continue
        local = re.split(r"[/#]", str(p))[-1]
        if BIRTH_FIELD.search(local):
            add(str(s), str(p), str(o), local)
        elif o.datatype in _STRINGS:
            field_name = local
            if p == RDFS.label and s in people:
                field_name = "person"
            elif p == RDFS.label and s in ids:
                field_name = "id"
            add(str(s), str(p), str(o), field_name)
    seen: set[tuple[str, str]] = set()
    for s in sorted(data_subjects, key=lambda iri: (len(iri), iri)):
        for kind, value in IRI_IDS.findall(s[len(DATA_IRI) - 1:]):
            if (kind, value) not in seen:
                seen.add((kind, value))
                add(s, "(IRI)", value, kind if kind in ("rater", "dyad") else "id")
    # IRIs are printed in the report: mask the identifiers in them too (a whole flagged id, longest first).
    terms = sorted({f.text for f in found.values()} | flagged_ids, key=len, reverse=True)

    def shown(iri: str) -> str:
        for term in terms:
            iri = iri.replace(term, mask(term))
        return iri

    return sorted((replace(f, shown_subject=shown(f.subject or "")) for f in found.values()),
                  key=lambda f: (f.subject or "", f.prop or "", f.kind, f.text))


def check_rdf(path: Path, allow: AllowList) -> list[Finding]:
    from .ontology import parse_file

    return check_graph(parse_file(Path(path)), allow, str(path))


def check_file(path: Path, allow: AllowList) -> list[Finding]:
    """One file, by its type: YAML and CSV by line, RDF by subject and property."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return check_yaml(path, allow)
    if suffix == ".csv":
        return check_csv(path, allow)
    if suffix in RDF_SUFFIXES:
        return check_rdf(path, allow)
    raise InputError(path, f"cannot check '{suffix or path.name}' files; expected YAML, CSV or RDF "
                     f"({', '.join(sorted(TEXT_SUFFIXES | RDF_SUFFIXES))})")


def _examples_folder(examples: Path | None) -> Path:
    from .instances import default_examples_dir

    return Path(examples) if examples else default_examples_dir()


def example_files(examples: Path | None = None) -> list[Path]:
    """The instance data of an examples folder: every YAML and CSV file below it, sorted."""
    folder = _examples_folder(examples)
    if not folder.is_dir():
        raise InputError(folder, "examples folder not found")
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES
                  and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def check_paths(paths: Sequence[Path], allow: AllowList) -> PrivacyReport:
    report = PrivacyReport()
    for path in paths:
        report.findings += check_file(path, allow)
        report.files.append(Path(path))
    report.findings.sort(key=lambda f: (f.source, f.line or 0, f.subject or "", f.prop or "", f.kind))
    return report


def check_examples(examples: Path | None = None, files: Sequence[Path] = (),
                   allow_files: Sequence[Path] = ()) -> PrivacyReport:
    """What ``prc-kg privacy-check`` does: the examples folder (with its allow-list) and further files."""
    allow = allowlist_for(examples, allow_files)
    return check_paths(example_files(examples) + [Path(p) for p in files], allow)
