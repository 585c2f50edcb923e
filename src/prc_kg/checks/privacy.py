"""De-identification check: find personal identifiers in instance data before it is shared.

Cases come from real treatments, and rating files from real studies, so a name, a date of birth, a
phone number, an e-mail or street address, or a record number must never reach the graph. This
module scans the human-written sources (YAML and CSV, reported by file and line) and RDF graphs
(reported by subject IRI and property). The detectors are in privacy_names.py (names, in any script)
and privacy_formats.py (e-mails, phones, IP addresses, links, handles, dates, ages over 89, record and
national numbers, addresses, towns); the word lists in privacy_data/ (privacy_lists.py); what a report
prints in privacy_report.py. Clinical prose, citations ("Waldron et al. 2004"), the field's historical
figures, fictional characters, years, page numbers, item codes ("PQS:36") and figure values pass.
Published pseudonyms go on an allow-list (``examples/privacy-allowlist.txt``).

The rules are explainable patterns over word lists; they catch the common slips, not every identifier
(README, "De-identification", says what they miss).
"""

from __future__ import annotations

import bisect
import csv
import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import yaml
from rdflib import Graph

from ..errors import InputError
from ..fileio.files import check_regular_input, read_utf8, utf8_error
from .privacy_formats import format_hits
from .privacy_lists import NAME, AllowList
from .privacy_names import id_hits, name_hits, person_field_hits
from .privacy_report import (
    ADDRESS,
    AGE,
    ALLOWLIST_NAME,
    DATE,
    DOB,
    EMAIL,
    HANDLE,
    IP,
    KINDS,
    NATIONAL_ID,
    PHONE,
    PLACE,
    RECORD,
    URL,
    Finding,
    Hit,
    PrivacyReport,
    mask,
)
from .privacy_report import without_overlaps as _without_overlaps

__all__ = ["ADDRESS", "AGE", "ALLOWLIST_NAME", "DATE", "DOB", "EMAIL", "HANDLE", "IP", "KINDS", "NAME", "NATIONAL_ID",
           "PHONE", "PLACE", "RECORD", "URL", "AllowList", "Finding", "Hit", "PrivacyReport", "allowlist_for",
           "check_examples", "check_file", "check_graph", "check_paths", "default_corpora", "example_files", "mask", "scan_text"]

TEXT_SUFFIXES = {".yaml", ".yml", ".csv"}
RDF_SUFFIXES = {".nt", ".ttl", ".rdf", ".owl", ".xml", ".jsonld"}  # what ontology.parse_file reads

# Field (YAML key, CSV column, RDF property) names that hold a person, an id, or a date of birth.
PERSON_FIELD = re.compile(r"(?i)(?:^|[^a-z])(?:patient|therapist|analyst|rater|raters|coder|annotator|annotators|"
                          r"interviewer|counsell?or|dyad|clinician|client|"
                          r"supervisor|person|name|names|surname|forename|given ?name|family ?name)(?:$|[^a-z])"
                          r"|^(?:givenName|familyName|firstName|lastName)$")
ID_FIELD = re.compile(r"(?i)^(?:id|study|case|cases)$")
BIRTH_FIELD = re.compile(r"(?i)dob|birth|(?:^|[^a-z])born(?:$|[^a-z])")


def allowlist_for(examples: Path | None, extra: Sequence[Path] = ()) -> AllowList:
    """The examples folder's allow-list (when it has one) plus any files given with --allow."""
    folder = _examples_folder(examples)
    default = folder / ALLOWLIST_NAME
    return AllowList.read(([default] if default.is_file() else []) + list(extra))


def scan_text(text: str, allow: AllowList, field_name: str | None = None) -> list[Hit]:
    """Every identifier in ``text``; ``field_name`` (a YAML key, CSV column or RDF property) turns on
    the stricter rules for fields that hold a person, an id or a date of birth."""
    hits = format_hits(text) + name_hits(text)
    if field_name:
        if PERSON_FIELD.search(field_name):
            hits += person_field_hits(text) + id_hits(text)
        elif ID_FIELD.match(field_name):
            hits += id_hits(text)
        if BIRTH_FIELD.search(field_name) and re.search(r"\d", text):
            stripped = text.strip()
            start = text.index(stripped)
            hits.append(Hit(start, start + len(stripped), DOB, stripped))
    return [h for h in _without_overlaps(hits) if not allow.allows(h.kind, h.text)]


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
    check_regular_input(path)
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


def check_graph(graph: Graph, allow: AllowList, source: str = "graph") -> list[Finding]:
    """String literals (labels of patients, therapists and raters get the person rules), utterance texts,
    conversation attributes, literals of birth-date properties, and the ids in data IRIs
    (``data:rater/ID``), each identifier once: see privacy_rdf.py."""
    from .privacy_rdf import check_graph as check

    return check(graph, allow, source)


def check_rdf(path: Path, allow: AllowList) -> list[Finding]:
    """An RDF file: N-Triples streamed (an imported corpus may not fit in memory), others read whole."""
    from ..fileio.rdfread import check_rdf as check_safe
    from ..ontology.source import parse_file
    from .privacy_rdf import check_ntriples

    if Path(path).suffix.lower() == ".nt":
        check_safe(Path(path))
        return check_ntriples(Path(path), allow)
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
    from ..instances.examples import default_examples_dir

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


def default_corpora() -> list[Path]:
    """The corpora ``prc-kg import-utterances`` wrote: ``*.nt`` in the project's ``build/utterances``."""
    from .. import paths

    return sorted((paths.build_dir() / "utterances").glob("*.nt"))


def check_examples(examples: Path | None = None, files: Sequence[Path] = (),
                   allow_files: Sequence[Path] = (), corpora: Sequence[Path] | None = None) -> PrivacyReport:
    """What ``prc-kg privacy-check`` does: the examples folder (with its allow-list), further files, and
    the imported corpora (``corpora``; None: ``default_corpora()``), their utterance texts and
    conversation attributes included."""
    allow = allowlist_for(examples, allow_files)
    corpora = default_corpora() if corpora is None else corpora
    return check_paths(example_files(examples) + [Path(p) for p in [*files, *corpora]], allow)
