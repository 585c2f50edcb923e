"""The ratings import: a long-format CSV checked whole, then written as SOSA observations in N-Triples.

The file is streamed row by row into a table of SQLite's own temporary database (which also
catches duplicate ratings), so memory stays bounded for large files; SQLite unlinks that file as
soon as it opens it, so not even a killed import leaves a copy of the ratings in the temp folder.
Only when every row is valid is RDF written, as N-Triples into a temporary file that is then moved
into place; a failing file leaves no output behind.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..analysis.reliability import Reliability, compute_reliability
from ..errors import InputError
from ..fileio.files import streamed_output
from ..fileio.ntriples import iri, literal, triple
from ..ontology.terms import TermIndex
from ..vocab import DATA_IRI, PRC_IRI
from .ratings_mapping import MappedItem, default_mapping_path, read_mapping
from .ratings_rows import COLUMNS, MAX_ERRORS, SEGMENT_KINDS, RatingsError, _check_row, _csv_rows


@dataclass
class ImportResult:
    output: Path
    rows: int
    triples: int
    reliability: list[Reliability] = field(default_factory=list)


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

RDF_TYPE = iri("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = iri("http://www.w3.org/2000/01/rdf-schema#label")
NAMED = iri("http://www.w3.org/2002/07/owl#NamedIndividual")
SOSA = "http://www.w3.org/ns/sosa/"


def _p(name: str) -> str:
    return iri(f"{PRC_IRI}{name}")


def study_iri(study: str) -> str:
    return f"{DATA_IRI}study/{study}"


def _write_ntriples(db: sqlite3.Connection, mapping: dict[str, MappedItem], reliability: list, output: Path) -> int:
    count = 0
    with streamed_output(output) as out:
        def emit(s: str, p: str, o: str) -> None:
            nonlocal count
            out.write(triple(s, p, o))
            count += 1

        for (study,) in db.execute("SELECT DISTINCT study FROM r ORDER BY study"):
            s = iri(study_iri(study))
            for t in (NAMED, _p("Study")):
                emit(s, RDF_TYPE, t)
            emit(s, LABEL, literal(f"study {study}"))
        for (rater,) in db.execute("SELECT DISTINCT rater FROM r ORDER BY rater"):
            s = iri(f"{DATA_IRI}rater/{rater}")
            for t in (NAMED, _p("Rater")):
                emit(s, RDF_TYPE, t)
            emit(s, LABEL, literal(f"rater {rater}"))
        for study, dyad in db.execute("SELECT DISTINCT study, dyad FROM r ORDER BY study, dyad"):
            base = f"{study_iri(study)}/dyad/{dyad}"
            for t in (NAMED, _p("Dyad")):
                emit(iri(base), RDF_TYPE, t)
            emit(iri(base), LABEL, literal(f"dyad {dyad} of study {study}"))
            emit(iri(base), _p("inStudy"), iri(study_iri(study)))
            treatment = iri(f"{base}/treatment")
            for t in (NAMED, _p("Psychotherapy")):
                emit(treatment, RDF_TYPE, t)
            emit(treatment, LABEL, literal(f"treatment of dyad {dyad} of study {study}"))
            emit(treatment, _p("hasDyad"), iri(base))
            for role, cls, prop in (("patient", "Patient", "hasPatient"),
                                    ("therapist", "Psychotherapist", "hasTherapist")):
                person = iri(f"{base}/{role}")
                for t in (NAMED, _p(cls)):
                    emit(person, RDF_TYPE, t)
                emit(person, LABEL, literal(f"{role} of dyad {dyad} of study {study}"))
                emit(iri(base), _p(prop), person)
                emit(treatment, _p(prop), person)
        for study, dyad, session in db.execute(
                "SELECT DISTINCT study, dyad, session FROM r ORDER BY study, dyad, session"):
            base = f"{study_iri(study)}/dyad/{dyad}"
            s = iri(f"{base}/session/{session}")
            for t in (NAMED, _p("Session")):
                emit(s, RDF_TYPE, t)
            emit(s, LABEL, literal(f"session {session} of dyad {dyad} of study {study}"))
            emit(s, _p("sessionNumber"), literal(str(session), "integer"))
            emit(s, _p("partOfTreatment"), iri(f"{base}/treatment"))
        previous = None
        for study, dyad, session, segment, kind in db.execute(
                """SELECT DISTINCT study, dyad, session, segment, kind FROM r
                   ORDER BY study, dyad, session, segment"""):
            sess = f"{study_iri(study)}/dyad/{dyad}/session/{session}"
            s = f"{sess}/segment/{segment}"
            for t in (NAMED, _p("Segment"), _p(SEGMENT_KINDS[kind])):
                emit(iri(s), RDF_TYPE, t)
            emit(iri(s), LABEL, literal(f"segment {segment} of session {session} of dyad {dyad} of study {study}"))
            emit(iri(s), _p("segmentNumber"), literal(str(segment), "integer"))
            emit(iri(s), _p("partOfSession"), iri(sess))
            if previous is not None and previous[0] == sess and previous[1] == segment - 1:
                emit(iri(previous[2]), _p("immediatelyFollowedBy"), iri(s))
            previous = (sess, segment, s)
        for study, dyad, session, segment, item, value, rater, day in db.execute(
                """SELECT study, dyad, session, segment, item, value, rater, date FROM r
                   ORDER BY study, dyad, session, segment, item, rater"""):
            seg = f"{study_iri(study)}/dyad/{dyad}/session/{session}/segment/{segment}"
            s = iri(f"{seg}/rating/{item.replace(':', '_')}/{rater}")
            mapped = mapping[item]
            for t in (NAMED, _p("Rating")):
                emit(s, RDF_TYPE, t)
            emit(s, iri(f"{SOSA}hasFeatureOfInterest"), iri(seg))
            emit(s, iri(f"{SOSA}observedProperty"), iri(str(mapped.item)))
            emit(s, iri(f"{SOSA}hasSimpleResult"), literal(value, "decimal"))
            emit(s, iri(f"{SOSA}madeBySensor"), iri(f"{DATA_IRI}rater/{rater}"))
            emit(s, iri(f"{SOSA}resultTime"), literal(f"{day}T00:00:00", "dateTime"))
            if item != mapped.item_code:
                emit(s, _p("sourceCode"), literal(item))
        for rel in reliability:
            count += rel.write(emit)
    return count
