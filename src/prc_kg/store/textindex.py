"""Full-text search over what was said: an SQLite FTS5 index of the text of every turn of speech and
commentary in a store, so a word can be found among a million utterances without scanning them.

The index is the file ``text-index.sqlite`` inside the store folder. ``prc-kg load --store`` builds
it in the new folder after the RDF, before the folder is swapped in, so a store and its index are
always from the same load: there is no moment when one is new and the other old. It records the
store's marker (``prc-kg-store.json``), and a search refuses an index whose marker is not the store's.

What is indexed: every ``prc:text`` literal of a ``prc:TurnOfSpeech`` (keyed on the turn's IRI, with
its session from ``prc:partOfSession``) and of a ``prc:Commentary`` (with the session of the turn it
annotates), and each one's ``rdfs:label``. Texts are read from the store one at a time and written to
SQLite in batches, so memory does not grow with the corpus. The tokenizer is ``unicode61
remove_diacritics 2``: words are runs of letters and digits in any script, compared without case
and diacritics ("Müller" finds "muller", "cafe" finds "café").

A query is read as words, all of which must occur; a part in double quotes is a phrase, and a word
ending in ``*`` matches as a prefix. Nothing else in it is an operator: ``"AND OR NEAR(`` searches
for the three words. ``fts=True`` passes FTS5's own query syntax through instead. Hits are ranked
by bm25 (ties by IRI, so the same index gives the same order), with a snippet of the text whose
matched words are set between ``MATCH_START`` and ``MATCH_END``. Snippets and labels are made safe
for a terminal: control and bidirectional formatting characters (an ESC starting an ANSI sequence,
a right-to-left override) are shown as ``\\x1b``-style escapes, never passed through.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import pyoxigraph as ox

from ..errors import InputError, PrcKgError
from ..prefixes import PRC_IRI
from ..progress import stepped
from .storedir import MARKER, read_marker

INDEX_FILE = "text-index.sqlite"
SCHEMA_VERSION = 1
MATCH_START, MATCH_END = "⟦", "⟧"
# What snippet() writes around a match before the text is made safe: private-use characters, which
# the indexed text is cleared of (a transcript has no use for them).
_RAW_START, _RAW_END = "\ue000", "\ue001"
_BATCH = 2000

_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
_TEXT = ox.NamedNode(PRC_IRI + "text")
_TURN = ox.NamedNode(PRC_IRI + "TurnOfSpeech")
_COMMENTARY = ox.NamedNode(PRC_IRI + "Commentary")
_SESSION = ox.NamedNode(PRC_IRI + "Session")
_PART_OF_SESSION = ox.NamedNode(PRC_IRI + "partOfSession")
_ANNOTATES = ox.NamedNode(PRC_IRI + "annotates")

_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE doc(id INTEGER PRIMARY KEY, iri TEXT NOT NULL, conversation TEXT, label TEXT NOT NULL,
                 kind TEXT NOT NULL, text TEXT NOT NULL, UNIQUE(iri, text));
CREATE VIRTUAL TABLE doc_fts USING fts5(text, content='doc', content_rowid='id',
                                        tokenize='unicode61 remove_diacritics 2');
"""


@dataclass(frozen=True)
class Hit:
    """One turn or commentary that matched: its IRI (to use in SPARQL), its session's IRI (None when
    it has none), its label, and an excerpt with the matched words between MATCH_START and MATCH_END;
    label and snippet are safe to print."""

    iri: str
    conversation_iri: str | None
    label: str
    snippet: str


@dataclass(frozen=True)
class IndexSummary:
    turns: int
    commentaries: int


class NoIndexError(InputError):
    """The store has no text index (made by an earlier prc-kg, or not by ``load --store``)."""


# -- building ---------------------------------------------------------------------------------------------

@stepped("building the text index")
def build_index(store: ox.Store, folder: Path) -> IndexSummary:
    """Write ``folder/text-index.sqlite`` from the texts in ``store`` (the store being built in
    ``folder``, whose marker is already there). The file is new: a leftover is an error, not reused."""
    path = Path(folder) / INDEX_FILE
    con = sqlite3.connect(f"file:{path}?mode=rwc", uri=True, isolation_level=None)
    try:
        # The folder is thrown away whole if this fails, so no journal or sync is needed until the end.
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("PRAGMA synchronous=OFF")
        con.executescript(_SCHEMA)
        con.execute("BEGIN")
        rows = _documents(store)
        while batch := list(islice(rows, _BATCH)):
            con.executemany("INSERT OR IGNORE INTO doc(iri, conversation, label, kind, text) VALUES (?,?,?,?,?)",
                            batch)
        con.execute("INSERT INTO doc_fts(doc_fts) VALUES ('rebuild')")
        counts = dict(con.execute("SELECT kind, COUNT(*) FROM doc GROUP BY kind").fetchall())
        summary = IndexSummary(counts.get("turn", 0), counts.get("commentary", 0))
        meta = {"schema": str(SCHEMA_VERSION), "store": _stamp(Path(folder)),
                "turns": str(summary.turns), "commentaries": str(summary.commentaries)}
        con.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
        con.execute("COMMIT")
        con.execute("INSERT INTO doc_fts(doc_fts) VALUES ('optimize')")
    finally:
        con.close()
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())
    return summary


def _stamp(folder: Path) -> str:
    """The store's marker as one canonical string: what ties an index to the store it was built with."""
    return json.dumps(read_marker(folder), sort_keys=True)


def _documents(store: ox.Store) -> Iterator[tuple[str, str | None, str, str, str]]:
    """(iri, session, label, kind, text) for each text of a turn or commentary, read one at a time."""
    for quad in store.quads_for_pattern(None, _TEXT, None, None):
        subject, text = quad.subject, quad.object
        if not isinstance(subject, ox.NamedNode) or not isinstance(text, ox.Literal):
            continue
        if _has(store, subject, _RDF_TYPE, _TURN):
            kind, session = "turn", _first(store, subject, _PART_OF_SESSION)
        elif _has(store, subject, _RDF_TYPE, _COMMENTARY):
            kind, session = "commentary", _commentary_session(store, subject)
        else:
            continue
        value = text.value.replace(_RAW_START, "\ufffd").replace(_RAW_END, "\ufffd")
        yield subject.value, session, _label(store, subject), kind, value


def _has(store: ox.Store, s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode) -> bool:
    return next(iter(store.quads_for_pattern(s, p, o, None)), None) is not None


def _first(store: ox.Store, s: ox.NamedNode, p: ox.NamedNode) -> str | None:
    """The smallest IRI object (several are rare; the smallest keeps the index the same every load)."""
    found = [q.object.value for q in store.quads_for_pattern(s, p, None, None) if isinstance(q.object, ox.NamedNode)]
    return min(found) if found else None


def _commentary_session(store: ox.Store, commentary: ox.NamedNode) -> str | None:
    sessions = []
    for quad in store.quads_for_pattern(commentary, _ANNOTATES, None, None):
        target = quad.object
        if not isinstance(target, ox.NamedNode):
            continue
        if _has(store, target, _RDF_TYPE, _SESSION):
            sessions.append(target.value)
        elif (session := _first(store, target, _PART_OF_SESSION)) is not None:
            sessions.append(session)
    return min(sessions) if sessions else None


def _label(store: ox.Store, s: ox.NamedNode) -> str:
    """The English or untagged label (the smallest if several), else any, else ''."""
    labels = [q.object for q in store.quads_for_pattern(s, _LABEL, None, None) if isinstance(q.object, ox.Literal)]
    preferred = [lit.value for lit in labels if (lit.language or "en").lower().startswith("en")]
    return min(preferred or [lit.value for lit in labels] or [""])


# -- searching --------------------------------------------------------------------------------------------

def index_path(store_dir: Path) -> Path:
    return Path(store_dir) / INDEX_FILE


def search(store_dir: Path, text: str, limit: int = 20, *, fts: bool = False) -> list[Hit]:
    """The ``limit`` best hits for ``text`` in the store folder's index (see the module's docstring for
    the query language); NoIndexError for a store without one, InputError for a query with no words or
    (``fts``) bad FTS5 syntax."""
    with _open(Path(store_dir)) as con:
        return _search(con, text, limit, fts, f"rebuild the store with `prc-kg load --store {store_dir}`")


def search_file(path: Path, text: str, limit: int = 20, *, fts: bool = False) -> list[Hit]:
    """``search`` in an index file of its own (``build_index`` into a scratch folder, for a graph that
    has no store folder), without the check against a store's marker."""
    con = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    try:
        return _search(con, text, limit, fts, "build it again")
    finally:
        con.close()


def _search(con: sqlite3.Connection, text: str, limit: int, fts: bool, remedy: str) -> list[Hit]:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise PrcKgError(f"limit: expected a whole number of 1 or more, got {limit!r}")
    query = text if fts else words_query(text)
    try:
        rows = con.execute(
            "SELECT d.iri, d.conversation, d.label, snippet(doc_fts, 0, ?, ?, '…', 24) "
            "FROM doc_fts JOIN doc AS d ON d.id = doc_fts.rowid WHERE doc_fts MATCH ? "
            "ORDER BY bm25(doc_fts), d.iri LIMIT ?", (_RAW_START, _RAW_END, query, limit)).fetchall()
    except sqlite3.OperationalError as exc:
        if fts:
            raise InputError("query", f"not a valid FTS5 query ({exc}): {text!r}; leave out --fts "
                                      "(fts=False) to search for the words as written") from None
        raise PrcKgError(f"the text index failed ({exc}); {remedy}") from None
    return [Hit(iri, conversation, safe_text(label), _snippet(snippet)) for iri, conversation, label, snippet in rows]


def indexed(store_dir: Path) -> IndexSummary:
    """How many turns and commentaries the store folder's index holds (NoIndexError without one)."""
    with _open(Path(store_dir)) as con:
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    return IndexSummary(int(meta.get("turns", 0)), int(meta.get("commentaries", 0)))


class _open:
    """The index of a store folder, read-only, checked to belong to the store beside it."""

    def __init__(self, store_dir: Path):
        self.store_dir = store_dir

    def __enter__(self) -> sqlite3.Connection:
        store_dir, path = self.store_dir, index_path(self.store_dir)
        reload = f"rebuild the store with `prc-kg load --store {store_dir}`"
        if not store_dir.is_dir():
            raise InputError(store_dir, f"no store here; create it with `prc-kg load --store {store_dir}`")
        marker = read_marker(store_dir)
        if marker is None:
            raise InputError(store_dir, f"not a store made by `prc-kg load --store` (no {MARKER})")
        if not path.is_file():
            raise NoIndexError(store_dir, f"this store has no text index ({INDEX_FILE}): it was made by an earlier "
                                          f"prc-kg, before search; {reload}")
        # immutable: the file never changes once its folder is swapped in, so no lock or journal is needed
        # (and a read-only store folder is fine); a new load replaces the folder, not the file.
        self.con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            meta = dict(self.con.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.DatabaseError as exc:
            self.con.close()
            raise InputError(path, f"not a text index prc-kg wrote ({exc}); {reload}") from None
        if meta.get("schema") != str(SCHEMA_VERSION):
            self.con.close()
            raise NoIndexError(path, f"a text index of another version (schema {meta.get('schema')}, this prc-kg "
                                     f"reads {SCHEMA_VERSION}); {reload}")
        if meta.get("store") != json.dumps(marker, sort_keys=True):
            self.con.close()
            raise InputError(path, f"this text index was built with another store than the one beside it "
                                   f"(its {MARKER} differs); {reload}")
        return self.con

    def __exit__(self, *exc) -> None:
        self.con.close()


# -- the query language -----------------------------------------------------------------------------------

_PART = re.compile(r'"([^"]*)"|(\S+)')
_WORD_CHAR = re.compile(r"[^\W_]")


def words_query(text: str) -> str:
    """Plain words (and "quoted phrases", and ``word*`` prefixes) as an FTS5 query in which every part
    is a quoted string, so no operator, column filter or bracket of the user's text is ever read as
    syntax. InputError when the text holds no word at all."""
    parts = []
    for m in _PART.finditer(text if text.count('"') % 2 == 0 else _unpaired(text)):
        phrase, word = m.group(1), m.group(2)
        chunk = phrase if phrase is not None else word
        if not _WORD_CHAR.search(chunk):
            continue
        prefix = phrase is None and chunk.endswith("*") and _WORD_CHAR.search(chunk[-2:-1] or "")
        chunk = chunk.rstrip("*") if prefix else chunk
        parts.append('"' + chunk.replace('"', '""') + '"' + (" *" if prefix else ""))
    if not parts:
        raise InputError("query", f"no words to search for in {text!r}")
    return " ".join(parts)


def _unpaired(text: str) -> str:
    """A text with an odd number of double quotes: the last one pairs with nothing and is dropped."""
    last = text.rfind('"')
    return text[:last] + " " + text[last + 1:]


# -- safe display -----------------------------------------------------------------------------------------

_UNSAFE_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs"}
_KEEP = {"\u200d"}  # zero-width joiner: inside emoji sequences, and harmless on a terminal


def safe_text(text: str) -> str:
    """``text`` on one line with nothing a terminal would act on: tabs and line breaks become spaces,
    other control and formatting characters (ESC, C1 controls, bidirectional overrides) visible
    escapes such as ``\\x1b`` and ``\\u202e``."""
    out = []
    for char in text:
        if char in "\t\n\r":
            out.append(" ")
        elif char not in _KEEP and unicodedata.category(char) in _UNSAFE_CATEGORIES:
            out.append(f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out)


def _snippet(raw: str) -> str:
    return safe_text(raw).replace(_RAW_START, MATCH_START).replace(_RAW_END, MATCH_END)
