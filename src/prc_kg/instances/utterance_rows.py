"""Utterance-coded CSV/TSV files read row by row against a layout, and the checks on one row.

The header must hold every column the layout needs and no column the layout does not name; each
row is then checked on its own (ids, order number, speaker, codes and their speaker, attribute
types, flags), with messages that name the row and the column. Checks across rows (repeated or
missing utterances, attributes that change) are the import's, in SQLite.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..errors import InputError
from ..fileio.xmltext import xml_problem
from ..ontology.terms import UtteranceCode
from .ratings_rows import DECIMAL, INTEGER, MAX_INTEGER_DIGITS, _decoded_lines, _shown
from .utterance_layout import Attribute, CodeColumn, Layout, summary_group

MAX_ERRORS = 25
# An utterance is a sentence or a paragraph; a physical line of a megabyte means a wrong file (or a
# missing quote), and reading it whole would take memory in proportion to the file.
MAX_LINE_BYTES = 1 << 20
TRUE, FALSE = frozenset({"true", "1", "yes"}), frozenset({"false", "0", "no"})
URL = re.compile(r"https?://[^\s<>\"{}|\\^`]+")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
SIGNED = re.compile(r"[+-]?[0-9]+")


class CorpusError(InputError):
    """One or more rows of an utterance file are invalid; ``problems`` lists each with row and column."""

    def __init__(self, path: Path, problems: list[str], more: int = 0, note: str = ""):
        self.problems = problems
        extra = (f"\n  … and {more} more problems" if more else "") + (f"\n  ({note})" if note else "")
        super().__init__(path, f"{len(problems) + more} problem(s); nothing was imported:\n  "
                         + "\n  ".join(problems) + extra)


@dataclass(frozen=True)
class Plan:
    """Where the columns the layout names sit in this file's header."""

    width: int
    roles: dict[str, tuple[str, int]]                        # role → (column name, index)
    codes: tuple[tuple[CodeColumn, int, int | None], ...]    # code column, its index, its flag's index
    attributes: tuple[tuple[Attribute, int], ...]

    def column(self, role: str) -> str:
        return self.roles[role][0]


# -- reading ---------------------------------------------------------------------------------------------

def read_rows(path: Path, layout: Layout,
              progress: Callable[[int], None] | None = None) -> tuple[Plan, Iterator[tuple[int, list[str]]]]:
    """The plan of this file's columns, and its rows as (line where the row starts, cells)."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "file not found")
    if path.is_dir():
        raise InputError(path, "is a folder; expected a CSV or TSV file of coded utterances")
    if path.stat().st_size == 0:
        raise InputError(path, f"file is empty; expected a header line naming the columns of {layout.path}")
    lines = _decoded_lines(path, progress, MAX_LINE_BYTES, "an utterance is at most a few thousand bytes")
    reader = csv.reader(lines, delimiter=layout.delimiter_for(path))
    rows = _numbered(reader, path)
    try:
        _, header = next(rows)
    except StopIteration:
        raise InputError(path, f"file is empty; expected a header line naming the columns of {layout.path}") from None
    return _plan(path, layout, [h.strip() for h in header]), rows


def _numbered(reader, path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line where the row starts, row); the csv module's complaints become input errors with their line."""
    start = 1
    try:
        for row in reader:
            yield start, row
            start = reader.line_num + 1
    except csv.Error as exc:
        detail = ("a bare CR line break (old Mac line ends?); expected LF or CRLF line ends"
                  if "new-line character" in str(exc) else str(exc))
        raise InputError(path, f"CSV syntax error: {detail}", line=reader.line_num) from exc


def _plan(path: Path, layout: Layout, header: list[str]) -> Plan:
    named = layout.columns()
    index: dict[str, int] = {}
    repeated, unknown = [], []
    for i, name in enumerate(header):
        if name in index:
            repeated.append(name)
        index.setdefault(name, i)
        if name not in named:
            unknown.append(f"'{_shown(name)}'" if name else f"column {i + 1} (no name: a spreadsheet's index?)")
    missing = [name for name, (_, optional) in named.items() if not optional and name not in index]
    missing += [code.exists for code in layout.codes
                if code.exists and code.name in index and code.exists not in index and code.exists not in missing]
    parts = []
    if unknown:
        parts.append(f"column(s) {', '.join(unknown)} not named in the layout {layout.path} (name each under "
                     "codes, attributes or ignore)")
    if missing:
        parts.append(f"column(s) {', '.join(sorted(missing))} of the layout {layout.path} missing")
    if repeated:
        parts.append(f"column(s) {', '.join(repeated)} repeated")
    if parts:
        raise InputError(path, "; ".join(parts), line=1, field="header")
    roles = {role: (col.name, index[col.name]) for role, col in layout.roles.items() if col.name in index}
    codes = tuple((code, index[code.name], index.get(code.exists) if code.exists else None)
                  for code in layout.codes if code.name in index)
    if not codes:
        raise InputError(path, f"none of the code columns of the layout {layout.path} is in the file "
                         f"({', '.join(c.name for c in layout.codes)})", line=1, field="header")
    attributes = tuple((attr, index[attr.name]) for attr in layout.attributes if attr.name in index)
    return Plan(len(header), roles, codes, attributes)


# -- one row -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    """One valid row: the utterance as this row gives it, its conversation attributes, its annotations."""

    conversation: str
    order: int
    order_text: str
    speaker: str
    text: str | bytes | None      # the words, or (with --no-text) a digest to compare rows by
    timestamp: str | None
    annotator: str | None
    attributes: tuple[str | None, ...]
    annotations: tuple[tuple[str, str, str], ...]   # (dimension code, code, cell value)


class RowChecker:
    """The checks of one row against the layout and the plan; ``text`` False keeps only a digest."""

    def __init__(self, layout: Layout, plan: Plan, text: bool = True):
        self.layout, self.plan, self.keep_text = layout, plan, text
        self.na = layout.not_applicable
        self._last: tuple[tuple, tuple, list] = ((None,), (), [])  # the last row's attribute cells, values, problems

    def check(self, cells: list[str]) -> tuple[list[tuple[str | None, str]], Row | None]:
        """(problems as (column or None, message), the row when it has none)."""
        if len(cells) != self.plan.width:
            return [(None, f"expected {self.plan.width} values, found {len(cells)}")], None
        problems: list[tuple[str | None, str]] = []
        roles = self.plan.roles

        def cell(role: str) -> str | None:
            return cells[roles[role][1]].strip() if role in roles else None

        conversation = self._id(cell("conversation"), "conversation", "a conversation id", problems)
        order_text = cell("order") or ""
        order = None
        digits = order_text.lstrip("0") or "0"
        if not INTEGER.fullmatch(order_text):
            problems.append((roles["order"][0], (f"expected a whole number (0 or more) giving the utterance's place "
                                                f"in its conversation, got '{_shown(order_text)}'")))
        elif len(digits) > MAX_INTEGER_DIGITS:
            problems.append((roles["order"][0], (f"'{_shown(order_text[:40])}' is too large; expected at most "
                                                f"{MAX_INTEGER_DIGITS} digits")))
        else:
            order = int(digits)
        spoken = cell("speaker") or ""
        speaker = self.layout.speakers.get(spoken.casefold())
        if speaker is None:
            allowed = ", ".join(sorted(self.layout.speakers))
            problems.append((roles["speaker"][0], (f"expected one of {allowed} (the layout's speakers), "
                                                  f"got '{_shown(spoken)}'")))
        text = self._text(cells, problems)
        timestamp = cell("timestamp")
        if timestamp is not None:
            timestamp = None if timestamp.casefold() in self.na else self._checked(timestamp, "timestamp", problems)
        annotator = self._id(cell("annotator"), "annotator", "an annotator id", problems) if "annotator" in roles \
            else None
        attributes = self._attributes(cells, problems)
        annotations = self._annotations(cells, speaker, spoken, problems)
        if problems:
            return problems, None
        assert conversation is not None and order is not None and speaker is not None
        return [], Row(conversation, order, order_text, speaker, text, timestamp, annotator, attributes,
                       annotations)

    def _checked(self, value: str, role: str, problems: list) -> str | None:
        problem = xml_problem(value)
        if problem is not None:
            problems.append((self.plan.column(role), problem))
            return None
        return value

    def _id(self, value: str | None, role: str, what: str, problems: list) -> str | None:
        if not value:
            problems.append((self.plan.column(role), f"expected {what}, got nothing"))
            return None
        return self._checked(value, role, problems)

    def _text(self, cells: list[str], problems: list) -> str | bytes | None:
        if "text" not in self.plan.roles:
            return None
        value = cells[self.plan.roles["text"][1]]
        if not value.strip():
            return None
        if self._checked(value, "text", problems) is None:
            return None
        return value if self.keep_text else hashlib.blake2b(value.encode("utf-8"), digest_size=16).digest()

    def _attributes(self, cells: list[str], problems: list) -> tuple[str | None, ...]:
        """The row's attribute values; checked once for a run of rows that repeat them (a conversation's)."""
        raw = tuple(cells[i] for _, i in self.plan.attributes)
        if raw != self._last[0]:
            found: list = []
            values = tuple(self._attribute(attr, value.strip(), found)
                           for (attr, _), value in zip(self.plan.attributes, raw))
            self._last = (raw, values, found)
        problems += self._last[2]
        return self._last[1]

    def _attribute(self, attr: Attribute, value: str, problems: list) -> str | None:
        if value.casefold() in self.na:
            return None
        canonical, expected = _typed(attr.type, value)
        if expected is not None:
            problems.append((attr.name, f"expected {expected} (attribute type {attr.type}), got '{_shown(value)}'"))
            return None
        problem = xml_problem(value)
        if problem is not None:
            problems.append((attr.name, problem))
        return canonical

    def _annotations(self, cells: list[str], speaker: str | None, spoken: str,
                     problems: list) -> tuple[tuple[str, str, str], ...]:
        found: dict[str, tuple[str, str]] = {}   # dimension → (column, cell value)
        out: list[tuple[str, str, str]] = []
        na = self.na
        for column, i, flag in self.plan.codes:
            raw = cells[i].strip()
            coded = False
            if raw.casefold() in na:  # most cells of a wide file: nothing coded here
                parts: list[str] = []
            else:
                parts = raw.split(column.separator) if column.separator else [raw]
            for part in (p.strip() for p in parts):
                if part.casefold() in self.na:
                    continue
                codes = self._lookup(column, part)
                if codes is None:
                    problems.append((column.name, self._unknown(column, part, speaker)))
                    continue
                coded = True
                for code in codes:
                    if code.groups:
                        problems.append((column.name, f"'{_shown(part)}': {summary_group(code)}"))
                    elif speaker is not None and code.speaker != speaker:
                        problems.append((column.name, self._wrong_speaker(part, code, speaker, spoken)))
                    else:
                        self._add(column.name, code, part, found, out, problems)
            if flag is not None:
                value = cells[flag].strip()
                self._flag(column, value, coded, problems)
                # the flag says False: the annotator judged the behaviour missing; with an absence code
                # in the layout that judgement is an annotation (on the rows of the dimension's speaker)
                if (column.absent is not None and not coded and value.casefold() in FALSE
                        and speaker == column.absent.speaker and all(p.strip().casefold() in na for p in parts)):
                    self._add(column.exists or column.name, column.absent, value, found, out, problems)
        return tuple(out)

    @staticmethod
    def _add(where: str, code: UtteranceCode, value: str, found: dict[str, tuple[str, str]],
             out: list[tuple[str, str, str]], problems: list) -> None:
        """Record one code of the row, unless the row has a code of its dimension already."""
        if code.dimension in found:
            column, earlier = found[code.dimension]
            place = "in this cell" if column == where else f"in column {column}"
            what = f"'{_shown(value)}'" + (f" ({code.code})" if code.absence else "")
            problems.append((where, (f"{what} is a second code of dimension {code.dimension} on this row "
                                     f"('{_shown(earlier)}' {place}); one code per dimension and annotator")))
        else:
            found[code.dimension] = (where, value)
            out.append((code.dimension, code.code, value))

    def _lookup(self, column: CodeColumn, value: str) -> tuple[UtteranceCode, ...] | None:
        if column.values is None:
            code = self.layout.item_codes.get(value.casefold())
            return (code,) if code is not None else None
        return column.values.get(value.casefold())

    def _unknown(self, column: CodeColumn, value: str, speaker: str | None) -> str:
        if column.values is None:
            codes = [c.code for c in self.layout.item_codes.values()
                     if (speaker is None or c.speaker == speaker) and not c.groups]
            allowed = ", ".join(codes)
            what = "an item code of an utterance coding dimension"
        else:
            allowed = ", ".join(column.shown)
            what = "one of the layout's values"
        na = ", ".join(f"'{v}'" for v in sorted(self.na))
        return f"unknown code '{_shown(value)}'; expected {what}: {allowed} (or, where nothing is coded, {na})"

    @staticmethod
    def _wrong_speaker(value: str, code: UtteranceCode, speaker: str, spoken: str) -> str:
        if code.speaker is None:
            return (f"the ontology does not say whose turns dimension {code.dimension} of '{_shown(value)}' codes "
                    "(prc:speakerRole therapist or patient)")
        return (f"'{_shown(value)}' ({code.code}) codes {code.speaker} turns (dimension {code.dimension}), but this "
                f"row is a {speaker} turn (speaker '{_shown(spoken)}')")

    def _flag(self, column: CodeColumn, value: str, coded: bool, problems: list) -> None:
        folded = value.casefold()
        if folded in TRUE:
            if not coded:
                problems.append((column.name, (f"{column.exists} is '{_shown(value)}' on this row, but {column.name} "
                                              "gives no code")))
        elif folded in FALSE or folded in self.na:
            if coded:
                problems.append((column.name, (f"{column.name} gives a code, but {column.exists} is "
                                              f"'{_shown(value)}' on this row")))
        else:
            problems.append((column.exists, (f"expected True or False (or, where nothing is coded, n/a), "
                                            f"got '{_shown(value)}'")))


def _typed(kind: str, value: str) -> tuple[str | None, str | None]:
    """(the value as written in RDF, None) or (None, what was expected)."""
    if kind == "string":
        return value, None
    if kind == "integer":
        if not SIGNED.fullmatch(value) or len(value.lstrip("+-").lstrip("0")) > MAX_INTEGER_DIGITS:
            return None, "a whole number"
        return str(int(value)), None
    if kind == "decimal":
        return (value, None) if DECIMAL.fullmatch(value) else (None, "a number such as 2 or -0.5")
    if kind == "boolean":
        folded = value.casefold()
        if folded in ("true", "1"):
            return "true", None
        if folded in ("false", "0"):
            return "false", None
        return None, "true or false"
    if kind == "date":
        try:
            if DATE.fullmatch(value):
                date.fromisoformat(value)
                return value, None
        except ValueError:
            pass
        return None, "a calendar date as YYYY-MM-DD"
    if URL.fullmatch(value):
        return value, None
    return None, "an http:// or https:// address without spaces"
