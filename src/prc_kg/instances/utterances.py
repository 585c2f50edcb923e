"""The utterance import: a corpus of coded transcripts (CSV/TSV, one row per utterance and
annotator), read through a layout file, checked whole, then written as N-Triples.

As in the ratings import, rows are streamed into tables of SQLite's own temporary database (its
file unlinked as soon as it is opened), so memory stays flat however long the file is; the checks
across rows run there (an utterance given twice with different words, a gap in the order, an
attribute that changes, an annotator coding an utterance twice). Only a file without problems is
written, through a temporary file moved into place: all or nothing. With ``text=False`` the words
never leave the input: rows are compared by a digest of their text.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..ontology.terms import TermIndex
from .ratings_import import _working_database
from .ratings_rows import _shown
from .utterance_layout import Layout, read_layout
from .utterance_output import write_corpus
from .utterance_rows import MAX_ERRORS, CorpusError, Plan, RowChecker, read_rows

CORPUS_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
BATCH = 20_000


@dataclass
class UtteranceImportResult:
    """What one import wrote: the output file, and the counts a user checks it by."""

    output: Path
    corpus: str
    rows: int
    conversations: int
    utterances: int
    annotations: int
    annotators: int
    triples: int


def import_utterances(path: Path, layout_path: Path, output: Path, terms: TermIndex, corpus: str | None = None,
                      text: bool = True, progress: Callable[[int], None] | None = None) -> UtteranceImportResult:
    """Check the whole file against the layout, then write the corpus as N-Triples to ``output``.

    ``corpus`` names the corpus in IRIs (default: the file's stem); ``text`` False leaves the words
    out; ``progress`` is called with the bytes read as the file is read.
    """
    path, output = Path(path), Path(output)
    corpus = corpus if corpus is not None else path.stem
    if not CORPUS_NAME.fullmatch(corpus):
        raise InputError(path, f"the corpus name '{_shown(corpus)}' is not a name of letters, digits, '_', '.' or "
                         "'-' (it becomes part of IRIs); choose one with --corpus")
    layout = read_layout(layout_path, terms)
    plan, rows = read_rows(path, layout, progress)
    db = _working_database()
    try:
        count = _load(db, path, layout, plan, rows, text)
        counts = write_corpus(db, layout, plan, corpus, output, terms, text)
    finally:
        db.close()
    return UtteranceImportResult(output, corpus, count, *counts)


def _load(db: sqlite3.Connection, path: Path, layout: Layout, plan: Plan, rows, text: bool) -> int:
    """Stream the rows into the working tables, then run the checks across rows; raise on any problem."""
    attrs = [f"v{i}" for i in range(len(plan.attributes))]
    db.execute("CREATE TABLE u (line INTEGER PRIMARY KEY, conv TEXT, ord INTEGER, ord_text TEXT, speaker TEXT, "
               "text, ts TEXT, annotator TEXT)")
    db.execute("CREATE TABLE a (line INTEGER, dim TEXT, code TEXT, source TEXT)")
    db.execute(f"CREATE TABLE c (line INTEGER PRIMARY KEY, conv TEXT{''.join(f', {v} TEXT' for v in attrs)})")
    insert_c = f"INSERT INTO c VALUES (?, ?{', ?' * len(attrs)})"
    checker = RowChecker(layout, plan, text)
    problems: list[str] = []
    more = count = 0
    batch_u: list[tuple] = []
    batch_a: list[tuple] = []
    batch_c: list[tuple] = []
    last: tuple | None = None
    for line, cells in rows:
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue
        found, row = checker.check(cells)
        for column, message in found:
            if len(problems) < MAX_ERRORS:
                problems.append(f"row {line}{f', column {column}' if column else ''}: {message}")
            else:
                more += 1
        if row is None:
            continue
        count += 1
        batch_u.append((line, row.conversation, row.order, row.order_text, row.speaker, row.text, row.timestamp,
                        row.annotator))
        batch_a.extend((line, *annotation) for annotation in row.annotations)
        if last != (row.conversation, row.attributes):  # rows of a conversation usually follow each other
            last = (row.conversation, row.attributes)
            batch_c.append((line, row.conversation, *row.attributes))
        if len(batch_u) >= BATCH:
            _flush(db, insert_c, batch_u, batch_a, batch_c)
    _flush(db, insert_c, batch_u, batch_a, batch_c)
    if count == 0 and not problems:
        raise InputError(path, "the file has a header but no rows")
    if problems:  # checks across rows would see gaps where a row was refused: they wait for valid rows
        raise CorpusError(path, problems, more, "the checks across rows (repeated or missing utterances, "
                          "attributes that change, annotators coding an utterance twice) run once every row is valid")
    for finder in (_conflicts, _twice, _gaps, _changed_attributes):
        found_now, total = finder(db, layout, plan, MAX_ERRORS - len(problems))
        problems += found_now
        more += total - len(found_now)
    if problems:
        raise CorpusError(path, problems, more)
    return count


def _flush(db: sqlite3.Connection, insert_c: str, u: list, a: list, c: list) -> None:
    db.executemany("INSERT INTO u VALUES (?,?,?,?,?,?,?,?)", u)
    db.executemany("INSERT INTO a VALUES (?,?,?,?)", a)
    db.executemany(insert_c, c)
    u.clear()
    a.clear()
    c.clear()


# -- checks across rows --------------------------------------------------------------------------------

def _utterance(conv: str, order: int) -> str:
    return f"utterance {order} of conversation {_shown(conv)}"


def _conflicts(db: sqlite3.Connection, layout: Layout, plan: Plan, room: int) -> tuple[list[str], int]:
    """Rows of one utterance (several annotators') that disagree on its speaker, text or timestamp."""
    db.execute("CREATE INDEX u_utterance ON u (conv, ord, line)")
    out, total = [], 0
    for conv, order in db.execute(
            """SELECT conv, ord FROM u GROUP BY conv, ord
               HAVING COUNT(DISTINCT speaker) > 1 OR COUNT(DISTINCT IFNULL(ts, '')) > 1
                   OR COUNT(DISTINCT IFNULL(text, '')) > 1 ORDER BY MIN(line)""").fetchall():
        total += 1
        if len(out) >= room:
            continue
        rows = db.execute("SELECT line, speaker, text, ts FROM u WHERE conv = ? AND ord = ? ORDER BY line",
                          (conv, order)).fetchall()
        first = rows[0]
        for row in rows[1:]:
            differs = [role for role, i in (("speaker", 1), ("text", 2), ("timestamp", 3)) if row[i] != first[i]]
            if differs:
                role = differs[0]
                what = {"speaker": f"is a {row[1]} turn here but a {first[1]} turn",
                        "text": "has other words here than", "timestamp": "has another timestamp here than"}[role]
                out.append(f"row {row[0]}, column {plan.column(role)}: {_utterance(conv, order)} {what} on row "
                           f"{first[0]}; the rows of one utterance (one per annotator) must agree on its speaker, "
                           "text and timestamp")
                break
    return out, total


def _twice(db: sqlite3.Connection, layout: Layout, plan: Plan, room: int) -> tuple[list[str], int]:
    """An annotator with two rows for one utterance (only files with an annotator column can say)."""
    if "annotator" not in plan.roles:
        return [], 0
    db.execute("CREATE INDEX u_annotator ON u (conv, ord, annotator, line)")
    out, total = [], 0
    for conv, order, annotator, count in db.execute(
            """SELECT conv, ord, annotator, COUNT(*) FROM u GROUP BY conv, ord, annotator HAVING COUNT(*) > 1
               ORDER BY MIN(line)""").fetchall():
        total += 1
        if len(out) >= room:
            continue
        lines = [str(n) for (n,) in db.execute(
            "SELECT line FROM u WHERE conv = ? AND ord = ? AND annotator = ? ORDER BY line LIMIT 5",
            (conv, order, annotator))]
        rows = ", ".join(lines) + (f" and {count - len(lines)} more" if count > len(lines) else "")
        out.append(f"rows {rows}, column {plan.column('annotator')}: annotator {_shown(annotator)} codes "
                   f"{_utterance(conv, order)} more than once")
    return out, total


def _gaps(db: sqlite3.Connection, layout: Layout, plan: Plan, room: int) -> tuple[list[str], int]:
    """Missing utterances: the order numbers of a conversation must follow each other (any start)."""
    out, total = [], 0
    for conv, order, previous, line in db.execute(
            """SELECT conv, ord, prev, line FROM (
                   SELECT conv, ord, line, LAG(ord) OVER (PARTITION BY conv ORDER BY ord) AS prev
                   FROM (SELECT conv, ord, MIN(line) AS line FROM u GROUP BY conv, ord))
               WHERE ord != prev + 1 ORDER BY line"""):
        total += 1
        if len(out) < room:
            missing = f"utterance {previous + 1}" if order == previous + 2 else \
                f"utterances {previous + 1} to {order - 1}"
            out.append(f"row {line}, column {plan.column('order')}: conversation {_shown(conv)} has no {missing} "
                       f"(it goes from {previous} to {order}); the utterances of a conversation are numbered "
                       "without gaps")
    return out, total


def _changed_attributes(db: sqlite3.Connection, layout: Layout, plan: Plan, room: int) -> tuple[list[str], int]:
    """A conversation attribute whose value differs from the conversation's first row."""
    if not plan.attributes:
        return [], 0
    names = [attr.name for attr, _ in plan.attributes]
    values = [f"v{i}" for i in range(len(names))]
    differs = " OR ".join(f"c.{v} IS NOT f.{v}" for v in values)
    out, total = [], 0
    for row in db.execute(
            f"""SELECT c.line, c.conv, f.line, {', '.join(f'c.{v}, f.{v}' for v in values)}
                FROM c JOIN (SELECT conv, MIN(line) AS first FROM c GROUP BY conv) g ON c.conv = g.conv
                JOIN c AS f ON f.line = g.first WHERE c.line != g.first AND ({differs}) ORDER BY c.line"""):
        total += 1
        if len(out) >= room:
            continue
        line, conv, first = row[:3]
        for i, name in enumerate(names):
            here, there = row[3 + 2 * i], row[4 + 2 * i]
            if here != there:
                shown = (lambda v: "nothing" if v is None else f"'{_shown(v)}'")
                out.append(f"row {line}, column {name}: conversation {_shown(conv)} has {name} {shown(there)} on row "
                           f"{first} but {shown(here)} here; a conversation attribute is the same on every row of "
                           "the conversation")
                break
    return out, total
