"""Coded sessions: a long-format ratings CSV imported as SOSA observations, all or nothing.

The file is streamed row by row into a table of SQLite's own temporary database (which also
catches duplicate ratings), so memory stays bounded for large files; SQLite unlinks that file as
soon as it opens it, so not even a killed import leaves a copy of the ratings in the temp folder.
Only when every row is valid is RDF written, as N-Triples into a temporary file that is then moved
into place; a failing file leaves no output behind.

The export writes RFC 4180 CSV with cells a spreadsheet would run as formulas neutralised.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from rdflib import Graph, URIRef

from . import paths
from .errors import InputError, PrcKgError
from .files import check_size, not_utf8, streamed_output
from .reliability import Reliability, compute_reliability
from .terms import TermIndex
from .vocab import DATA_IRI, PRC, PRC_IRI

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


@dataclass(frozen=True)
class MappedItem:
    code: str
    item_code: str
    item: URIRef
    construct: URIRef | None
    scale_min: Decimal
    scale_max: Decimal


@dataclass
class ImportResult:
    output: Path
    rows: int
    triples: int
    reliability: list[Reliability] = field(default_factory=list)


def default_mapping_path() -> Path:
    return paths.item_mapping()


# -- mapping -------------------------------------------------------------------------------------

def read_mapping(path: Path, terms: TermIndex) -> dict[str, MappedItem]:
    """Read ``code,item,construct,scale_min,scale_max``; empty scale cells take the item's own scale."""
    check_size(path, "an item mapping CSV", 16, "it needs one row per code of your coding system")
    mapping: dict[str, MappedItem] = {}
    for line, row in _csv_rows(path, MAPPING_COLUMNS):
        code = row["code"].strip()
        if not code:
            raise InputError(path, "empty code", line=line, field="code")
        if not CODE.fullmatch(code):
            raise InputError(path, f"expected a code of letters, digits, '_', '.', ':' or '-' (it becomes part of "
                             f"an IRI), got '{_shown(code)}'", line=line, field="code")
        if code in mapping:
            raise InputError(path, f"code '{code}' is mapped twice", line=line, field="code")
        item_code = row["item"].strip()
        item = terms.items_by_code.get(item_code)
        if item is None:
            raise InputError(path, f"'{_shown(row['item'])}' is not an item code of the ontology (prc:itemCode)",
                             line=line, field="item")
        construct = None
        if row["construct"].strip():
            construct = terms.cls(row["construct"].strip())
            if construct is None:
                raise InputError(path, f"'{_shown(row['construct'])}' is not a class of the ontology", line=line,
                                 field="construct")
        bounds = []
        for col, prop in (("scale_min", PRC.scaleMin), ("scale_max", PRC.scaleMax)):
            text = row[col].strip()
            if text:
                if not DECIMAL.fullmatch(text):
                    raise InputError(path, f"expected a number, got '{_shown(text)}'", line=line, field=col)
                bounds.append(Decimal(text))
            else:
                value = terms.graph.value(item, prop)
                if value is None:
                    raise InputError(path, f"item {row['item']} has no {col} in the ontology; give one here",
                                     line=line, field=col)
                if not DECIMAL.fullmatch(str(value).strip()):
                    raise InputError(path, f"the ontology gives item {row['item']} the {col} '{value}', which is not "
                                     "a number; give one here", line=line, field=col)
                bounds.append(Decimal(str(value).strip()))
        if bounds[0] >= bounds[1]:
            raise InputError(path, f"scale_min {bounds[0]} is not below scale_max {bounds[1]}", line=line,
                             field="scale_min")
        mapping[code] = MappedItem(code, item_code, item, construct, bounds[0], bounds[1])
    if not mapping:
        raise InputError(path, "the mapping file has no rows")
    return mapping


# -- CSV reading ----------------------------------------------------------------------------------

def _decoded_lines(path: Path, progress: Callable[[int], None] | None) -> Iterator[str]:
    with open(path, "rb") as fh:
        number = 0
        while raw := fh.readline(MAX_LINE_BYTES + 1):
            number += 1
            if len(raw) > MAX_LINE_BYTES:
                raise InputError(path, f"line is longer than {MAX_LINE_BYTES} bytes; a row of this CSV format is a "
                                 "few dozen bytes: is this the right file?", line=number)
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


# -- import ----------------------------------------------------------------------------------------

def import_ratings(csv_path: Path, output: Path, terms: TermIndex, mapping_path: Path | None = None,
                   progress: Callable[[int], None] | None = None, pairs: bool = False) -> ImportResult:
    """Validate the whole file, then write its observations (and reliability) as N-Triples.

    ``pairs`` keeps reliability for every rater pair even when an item has more than
    ``reliability.PAIR_LIMIT`` raters (their number grows with the square of the raters).
    """
    csv_path, output = Path(csv_path), Path(output)
    mapping = read_mapping(mapping_path or default_mapping_path(), terms)
    db = _working_database()
    try:
        db.execute("""CREATE TABLE r (line INTEGER, study TEXT, dyad TEXT, session INTEGER, segment INTEGER,
                      kind TEXT, item TEXT, value TEXT, rater TEXT, date TEXT)""")
        problems: list[str] = []
        more = 0
        batch: list[tuple] = []
        rows = 0
        for line, row in _csv_rows(csv_path, COLUMNS, progress):
            found, values = _check_row(row, mapping)
            for col, msg in found:
                if len(problems) < MAX_ERRORS:
                    problems.append(f"row {line}, column {col}: {msg}")
                else:
                    more += 1
            if values is not None:
                batch.append((line, *values))
                rows += 1
            if len(batch) >= 50_000:
                db.executemany("INSERT INTO r VALUES (?,?,?,?,?,?,?,?,?,?)", batch)
                batch.clear()
        db.executemany("INSERT INTO r VALUES (?,?,?,?,?,?,?,?,?,?)", batch)
        if rows == 0 and not problems:
            raise InputError(csv_path, "the file has a header but no ratings")
        for finder in (_duplicates, _kind_conflicts):
            found, total = finder(db, MAX_ERRORS - len(problems))
            problems += found
            more += total - len(found)
        if problems:
            raise RatingsError(csv_path, problems, more)
        reliability = compute_reliability(db, mapping, pairs)
        triples = _write_ntriples(db, mapping, reliability, output)
    finally:
        db.close()
    return ImportResult(output, rows, triples, reliability)


def _working_database() -> sqlite3.Connection:
    """SQLite's own temporary database: its file (in $SQLITE_TMPDIR or $TMPDIR) is unlinked as soon as
    SQLite opens it, so even a killed import leaves no copy of the ratings behind in the temp folder."""
    db = sqlite3.connect("")
    db.execute("PRAGMA temp_store = FILE")  # sorts and indexes spill to unlinked files too, not to memory
    return db


def _duplicates(db: sqlite3.Connection, room: int) -> tuple[list[str], int]:
    """Messages for the first ``room`` repeated ratings, and how many there are in all.

    Only a few row numbers are listed per rating, so a file of one row repeated a million times
    gives a short message.
    """
    db.execute("CREATE INDEX r_key ON r (study, dyad, session, segment, item, rater)")
    out, total = [], 0
    for key in db.execute("""SELECT study, dyad, session, segment, item, rater, COUNT(*) FROM r
                             GROUP BY study, dyad, session, segment, item, rater HAVING COUNT(*) > 1
                             ORDER BY MIN(line)"""):
        total += 1
        if len(out) >= room:
            continue
        study, dyad, session, segment, item, rater, count = key
        lines = [str(n) for (n,) in db.execute(
            """SELECT line FROM r WHERE study = ? AND dyad = ? AND session = ? AND segment = ? AND item = ?
               AND rater = ? ORDER BY line LIMIT 5""", key[:6])]
        rows = ", ".join(lines) + (f" and {count - len(lines)} more" if count > len(lines) else "")
        out.append(f"rows {rows}: duplicate rating of {item} by rater {rater} for study {study}, "
                   f"dyad {dyad}, session {session}, segment {segment}")
    return out, total


def _kind_conflicts(db: sqlite3.Connection, room: int) -> tuple[list[str], int]:
    out, total = [], 0
    for study, dyad, session, segment, kinds, line in db.execute(
            """SELECT study, dyad, session, segment, GROUP_CONCAT(DISTINCT kind), MIN(line) FROM r
               GROUP BY study, dyad, session, segment HAVING COUNT(DISTINCT kind) > 1 ORDER BY MIN(line)"""):
        total += 1
        if len(out) < room:
            out.append(f"row {line}, column segment_kind: segment {segment} of session {session}, dyad {dyad}, "
                       f"study {study} is given more than one kind ({kinds})")
    return out, total


# -- RDF output --------------------------------------------------------------------------------------

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
NAMED = "<http://www.w3.org/2002/07/owl#NamedIndividual>"
SOSA = "http://www.w3.org/ns/sosa/"
XSD = "http://www.w3.org/2001/XMLSchema#"


def _iri(text: str) -> str:
    return f"<{text}>"


def _p(name: str) -> str:
    return f"<{PRC_IRI}{name}>"


def _lit(text: str, datatype: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"^^<{XSD}{datatype}>' if datatype else f'"{escaped}"'


def study_iri(study: str) -> str:
    return f"{DATA_IRI}study/{study}"


def _write_ntriples(db: sqlite3.Connection, mapping: dict[str, MappedItem], reliability: list, output: Path) -> int:
    count = 0
    with streamed_output(output) as out:
        def emit(s: str, p: str, o: str) -> None:
            nonlocal count
            out.write(f"{s} {p} {o} .\n")
            count += 1

        for (study,) in db.execute("SELECT DISTINCT study FROM r ORDER BY study"):
            s = _iri(study_iri(study))
            for t in (NAMED, _p("Study")):
                emit(s, RDF_TYPE, t)
            emit(s, LABEL, _lit(f"study {study}"))
        for (rater,) in db.execute("SELECT DISTINCT rater FROM r ORDER BY rater"):
            s = _iri(f"{DATA_IRI}rater/{rater}")
            for t in (NAMED, _p("Rater")):
                emit(s, RDF_TYPE, t)
            emit(s, LABEL, _lit(f"rater {rater}"))
        for study, dyad in db.execute("SELECT DISTINCT study, dyad FROM r ORDER BY study, dyad"):
            base = f"{study_iri(study)}/dyad/{dyad}"
            for t in (NAMED, _p("Dyad")):
                emit(_iri(base), RDF_TYPE, t)
            emit(_iri(base), LABEL, _lit(f"dyad {dyad} of study {study}"))
            emit(_iri(base), _p("inStudy"), _iri(study_iri(study)))
            treatment = _iri(f"{base}/treatment")
            for t in (NAMED, _p("Psychotherapy")):
                emit(treatment, RDF_TYPE, t)
            emit(treatment, LABEL, _lit(f"treatment of dyad {dyad} of study {study}"))
            emit(treatment, _p("hasDyad"), _iri(base))
            for role, cls, prop in (("patient", "Patient", "hasPatient"),
                                    ("therapist", "Psychotherapist", "hasTherapist")):
                person = _iri(f"{base}/{role}")
                for t in (NAMED, _p(cls)):
                    emit(person, RDF_TYPE, t)
                emit(person, LABEL, _lit(f"{role} of dyad {dyad} of study {study}"))
                emit(_iri(base), _p(prop), person)
                emit(treatment, _p(prop), person)
        for study, dyad, session in db.execute(
                "SELECT DISTINCT study, dyad, session FROM r ORDER BY study, dyad, session"):
            base = f"{study_iri(study)}/dyad/{dyad}"
            s = _iri(f"{base}/session/{session}")
            for t in (NAMED, _p("Session")):
                emit(s, RDF_TYPE, t)
            emit(s, LABEL, _lit(f"session {session} of dyad {dyad} of study {study}"))
            emit(s, _p("sessionNumber"), _lit(str(session), "positiveInteger"))
            emit(s, _p("partOfTreatment"), _iri(f"{base}/treatment"))
        previous = None
        for study, dyad, session, segment, kind in db.execute(
                """SELECT DISTINCT study, dyad, session, segment, kind FROM r
                   ORDER BY study, dyad, session, segment"""):
            sess = f"{study_iri(study)}/dyad/{dyad}/session/{session}"
            s = f"{sess}/segment/{segment}"
            for t in (NAMED, _p("Segment"), _p(SEGMENT_KINDS[kind])):
                emit(_iri(s), RDF_TYPE, t)
            emit(_iri(s), LABEL, _lit(f"segment {segment} of session {session} of dyad {dyad} of study {study}"))
            emit(_iri(s), _p("segmentNumber"), _lit(str(segment), "positiveInteger"))
            emit(_iri(s), _p("partOfSession"), _iri(sess))
            if previous is not None and previous[0] == sess and previous[1] == segment - 1:
                emit(_iri(previous[2]), _p("immediatelyFollowedBy"), _iri(s))
            previous = (sess, segment, s)
        for study, dyad, session, segment, item, value, rater, day in db.execute(
                """SELECT study, dyad, session, segment, item, value, rater, date FROM r
                   ORDER BY study, dyad, session, segment, item, rater"""):
            seg = f"{study_iri(study)}/dyad/{dyad}/session/{session}/segment/{segment}"
            s = _iri(f"{seg}/rating/{item.replace(':', '_')}/{rater}")
            mapped = mapping[item]
            for t in (NAMED, _p("Rating")):
                emit(s, RDF_TYPE, t)
            emit(s, f"<{SOSA}hasFeatureOfInterest>", _iri(seg))
            emit(s, f"<{SOSA}observedProperty>", _iri(str(mapped.item)))
            emit(s, f"<{SOSA}hasSimpleResult>", _lit(value, "decimal"))
            emit(s, f"<{SOSA}madeBySensor>", _iri(f"{DATA_IRI}rater/{rater}"))
            emit(s, f"<{SOSA}resultTime>", _lit(f"{day}T00:00:00", "dateTime"))
            if item != mapped.item_code:
                emit(s, _p("sourceCode"), _lit(item))
        for rel in reliability:
            count += rel.write(emit)
    return count


# -- export (for round trips and for users who want their data back) -----------------------------------

EXPORT_QUERY = """
PREFIX prc: <https://w3id.org/prc-kg/ontology/>
PREFIX sosa: <http://www.w3.org/ns/sosa/>
SELECT ?r ?study ?dyad ?session ?segment ?kind ?code ?value ?rater ?time WHERE {
  ?r sosa:hasFeatureOfInterest ?seg ; sosa:observedProperty ?item ;
     sosa:hasSimpleResult ?value ; sosa:madeBySensor ?raterNode ; sosa:resultTime ?time .
  ?seg prc:segmentNumber ?segment ; prc:partOfSession ?sess .
  ?sess prc:sessionNumber ?session ; prc:partOfTreatment ?treatment .
  ?treatment prc:hasDyad ?dyadNode .
  ?dyadNode prc:inStudy ?studyNode .
  VALUES ?kind { prc:TherapistSegment prc:PatientSegment prc:JointSegment }
  ?seg a ?kind .
  ?item prc:itemCode ?itemCode .
  OPTIONAL { ?r prc:sourceCode ?ownCode }
  BIND(COALESCE(?ownCode, ?itemCode) AS ?code)
  BIND(STRAFTER(STR(?studyNode), "/study/") AS ?study)
  BIND(STRAFTER(STR(?dyadNode), "/dyad/") AS ?dyad)
  BIND(STRAFTER(STR(?raterNode), "/rater/") AS ?rater)
}
"""
_KIND_NAMES = {v: k for k, v in SEGMENT_KINDS.items()}
# OWASP's CSV-injection advice: a spreadsheet reads a cell that starts with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralised(cell: str) -> str:
    """``cell`` with a leading ' when a spreadsheet would run it as a formula; plain numbers (-1, +2.5) stay.

    prc-kg import accepts ids and codes that start with a letter or digit, numbers and dates only, so
    nothing it wrote is ever changed here, and a quoted cell read back is refused, never mis-imported.
    """
    return "'" + cell if cell.startswith(FORMULA_START) and not DECIMAL.fullmatch(cell) else cell


def export_ratings(ntriples: Path, output: Path, ontology: Graph) -> int:
    """Write the ratings of an imported graph back to the long CSV format, sorted; returns rows.

    The file is RFC 4180 CSV: CRLF after every record, a cell quoted when it holds a comma, a
    double quote, CR or LF (a quote doubled), formula-like cells neutralised. The ontology supplies
    the item codes of the items the ratings point at.
    """
    from .files import write_files_atomically
    from .store import EmbeddedStore

    path = Path(ntriples)
    if not path.is_file():
        raise InputError(path, "is a folder; expected an N-Triples file written by prc-kg import" if path.is_dir()
                         else "file not found")
    store = EmbeddedStore()
    try:
        store.load_file(path)
    except SyntaxError as exc:
        raise InputError(path, f"RDF syntax error: {exc}") from exc
    except PrcKgError as exc:
        raise InputError(path, str(exc).removeprefix(f"{path}: ")) from exc
    store.load_graph(ontology)
    rows = []
    for b in store.ox.query(EXPORT_QUERY):
        kind = _KIND_NAMES[b["kind"].value[len(PRC_IRI):]]
        numbers = []
        for name in ("session", "segment"):
            text = b[name].value
            if not INTEGER.fullmatch(text):
                raise InputError(path, f"rating <{b['r'].value}> has the {name} number '{_shown(text)}'; "
                                 "expected a positive integer")
            numbers.append(int(text))
        row = (b["study"].value, b["dyad"].value, *numbers, kind, b["code"].value, b["value"].value,
               b["rater"].value, b["time"].value.split("T", 1)[0])
        for column, cell in zip(COLUMNS, row):
            if "\x00" in str(cell):
                raise InputError(path, f"rating <{b['r'].value}> has a NUL character in its {column} "
                                 f"('{_shown(str(cell))}'), which a CSV cell cannot carry safely")
        rows.append(row)
    rows.sort(key=lambda r: (r[0], r[1], r[2], r[3], r[5], r[7]))
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    writer.writerows([neutralised(str(cell)) for cell in row] for row in rows)
    write_files_atomically({Path(output): buffer.getvalue().encode("utf-8")})
    return len(rows)
