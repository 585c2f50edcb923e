"""Ratings CSV files read row by row, and the checks on one row of coded-session ratings.

Shared by the item mapping (same CSV rules) and the import: a header of exactly the expected
columns, UTF-8 (a BOM allowed), bounded line length, and messages that name row and column.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError
from ..fileio.files import not_utf8

if TYPE_CHECKING:
    from .ratings_mapping import MappedItem

COLUMNS = ("study", "dyad", "session", "segment", "segment_kind", "item", "value", "rater", "date")
MAPPING_COLUMNS = ("code", "item", "construct", "scale_min", "scale_max")
SEGMENT_KINDS = {"therapist": "TherapistSegment", "patient": "PatientSegment", "joint": "JointSegment"}
ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# Codes, numbers and dates in ASCII only: Python's int(), Decimal() and fromisoformat() also take
# other scripts' digits, '_' and exponents, which are not valid in the RDF written from them.
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]*")
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
INTEGER = re.compile(r"[0-9]+")
MAX_INTEGER_DIGITS = 18  # SQLite integers are 64-bit
DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
MAX_ERRORS = 25
# A ratings or mapping row is a few dozen bytes; a longer line means a wrong file, and reading it
# whole would take memory in proportion to the file.
MAX_LINE_BYTES = 65_536


class RatingsError(InputError):
    """One or more rows of a ratings file are invalid; ``problems`` lists each with row and column."""

    def __init__(self, path: Path, problems: list[str], more: int = 0):
        self.problems = problems
        extra = f"\n  … and {more} more problems" if more else ""
        super().__init__(path, f"{len(problems) + more} problem(s); nothing was imported:\n  "
                         + "\n  ".join(problems) + extra)



# -- CSV reading ----------------------------------------------------------------------------------

def _decoded_lines(path: Path, progress: Callable[[int], None] | None, limit: int = MAX_LINE_BYTES,
                   usual: str = "a row of this CSV format is a few dozen bytes") -> Iterator[str]:
    """The file's lines as text, each at most ``limit`` bytes (``usual`` says why, for the error)."""
    with open(path, "rb") as fh:
        number = 0
        while raw := fh.readline(limit + 1):
            number += 1
            if len(raw) > limit:
                raise InputError(path, f"line is longer than {limit} bytes; {usual}: is this the right file?",
                                 line=number)
            if progress is not None:
                progress(len(raw))
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(path, not_utf8(raw, exc.start, "column"), line=number) from exc


def _csv_rows(path: Path, columns: tuple[str, ...],
              progress: Callable[[int], None] | None = None) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) after checking that the header has exactly ``columns``."""
    if not path.exists():
        raise InputError(path, "file not found")
    if path.is_dir():
        raise InputError(path, f"is a folder; expected a CSV file with the header {','.join(columns)}")
    if path.stat().st_size == 0:
        raise InputError(path, f"file is empty; expected a header line: {','.join(columns)}")
    reader = _checked(csv.reader(_decoded_lines(path, progress)), path)
    try:
        _, header = next(reader)
    except StopIteration:
        raise InputError(path, f"file is empty; expected a header line: {','.join(columns)}") from None
    header = [h.strip() for h in header]
    missing = [c for c in columns if c not in header]
    extra = [h for h in header if h not in columns]
    if missing or extra or len(header) != len(columns):
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if extra:
            parts.append(f"unexpected column(s) {', '.join(extra)}")
        if not parts:
            parts.append("a column is repeated")
        raise InputError(path, "; ".join(parts) + f"; expected exactly: {','.join(columns)}", line=1, field="header")
    index = [header.index(c) for c in columns]
    for line, row in reader:
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != len(columns):
            raise InputError(path, f"expected {len(columns)} values, found {len(row)}", line=line)
        yield line, {c: row[i] for c, i in zip(columns, index)}


def _checked(reader, path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, row) pairs; the csv module's own complaints become input errors with their line."""
    try:
        for row in reader:
            yield reader.line_num, row
    except csv.Error as exc:
        detail = ("a bare CR line break (old Mac line ends?); expected LF or CRLF line ends"
                  if "new-line character" in str(exc) else str(exc))
        raise InputError(path, f"CSV syntax error: {detail}", line=reader.line_num) from exc


# -- validation of one row -------------------------------------------------------------------------

def _shown(text: str) -> str:
    """``text`` for a message: control, format and other invisible characters (NUL, a lone surrogate,
    a bidi override) as \\x/\\u escapes, so the message shows what is wrong instead of passing it on."""
    return "".join(c if unicodedata.category(c)[0] not in "CZ" or c == " " else
                   (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}" if ord(c) < 0x10000
                    else f"\\U{ord(c):08x}") for c in text)


def _check_row(row: dict[str, str], mapping: dict[str, MappedItem]) -> tuple[list[tuple[str, str]], tuple | None]:
    """Return (problems as (column, message), normalised values or None)."""
    problems: list[tuple[str, str]] = []
    values = {k: v.strip() for k, v in row.items()}
    for col in ("study", "dyad", "rater"):
        if not ID.match(values[col]):
            problems.append((col, f"expected an id of letters, digits, '_', '.' or '-', got '{_shown(values[col])}'"))
    numbers = {}
    for col in ("session", "segment"):
        text = values[col]
        digits = text.lstrip("0")
        if not INTEGER.fullmatch(text) or not digits:
            problems.append((col, f"expected a positive integer, got '{_shown(text)}'"))
        elif len(digits) > MAX_INTEGER_DIGITS:
            problems.append((col, f"'{_shown(text[:40])}' is too large; expected at most {MAX_INTEGER_DIGITS} digits"))
        else:
            numbers[col] = int(digits)
    if values["segment_kind"] not in SEGMENT_KINDS:
        problems.append(("segment_kind",
                         f"expected therapist, patient or joint, got '{_shown(values['segment_kind'])}'"))
    item = mapping.get(values["item"])
    if item is None:
        problems.append(("item", f"unknown item code '{_shown(values['item'])}' (not in the mapping file)"))
    value = Decimal(values["value"]) if DECIMAL.fullmatch(values["value"]) else None
    if value is None:
        problems.append(("value", f"expected a number, got '{_shown(values['value'])}'"))
    if value is not None and item is not None and not item.scale_min <= value <= item.scale_max:
        problems.append(("value", (f"{values['value']} is outside the scale of {item.code} "
                                   f"({item.scale_min} to {item.scale_max})")))
    if not DATE.match(values["date"]):
        problems.append(("date", f"expected a date as YYYY-MM-DD, got '{_shown(values['date'])}'"))
    else:
        try:
            date.fromisoformat(values["date"])
        except ValueError:
            problems.append(("date", f"'{values['date']}' is not a calendar date"))
    if problems:
        return problems, None
    return [], (values["study"], values["dyad"], numbers["session"], numbers["segment"], values["segment_kind"],
                values["item"], values["value"], values["rater"], values["date"])
