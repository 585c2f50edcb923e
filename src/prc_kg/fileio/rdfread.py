"""Reading a user's RDF file offline and in bounded time: the checks every parser call goes through.

rdflib's JSON-LD parser fetches a remote ``@context`` (and reads a ``file:`` one from anywhere on
disk); pyoxigraph refuses it, but with a bare syntax error. An XML DOCTYPE lets a 1 kB RDF/XML file
declare entities that expand to gigabytes ("billion laughs") in both parsers. So, before any parser
or store sees a file, ``check_rdf`` refuses JSON-LD whose contexts are not inline and XML with a
DOCTYPE or ENTITY declaration, naming the file and line. Turtle and N-Triples have neither feature.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InputError

if TYPE_CHECKING:  # imported where a file is parsed: the checks here serve stores too, which need no rdflib
    from rdflib import Graph

SUFFIX_FORMATS = {".ttl": "turtle", ".owl": "xml", ".rdf": "xml", ".xml": "xml", ".nt": "nt", ".nq": "nquads",
                  ".jsonld": "json-ld"}
JSONLD_MAX_MB = 64  # read whole to check the contexts; pyoxigraph streams N-Triples of any size instead
_CHUNK = 1 << 20
_XML_DECLARATIONS = (b"<!doctype", b"<!entity")


def rdf_format(path: Path) -> str | None:
    """rdflib's name of the syntax a file's suffix says, or None for an unknown suffix."""
    return SUFFIX_FORMATS.get(Path(path).suffix.lower())


def parse_rdf(path: Path, data: str, fmt: str, public_id: str | None = None) -> Graph:
    """Parse ``data`` (the text of ``path``) with rdflib after ``check_rdf``: the one place prc-kg
    hands a user's RDF text to rdflib. Parser errors propagate for the caller to locate."""
    check_rdf(path, data, fmt)
    from rdflib import Graph

    g = Graph()
    g.parse(data=data, format=fmt, publicID=public_id)
    return g


def check_rdf(path: Path, data: str | bytes | None = None, fmt: str | None = None) -> None:
    """Refuse what would make a parser leave the machine or blow up: JSON-LD contexts that are not
    inline, XML DOCTYPE/ENTITY declarations. ``data`` is the file's content when the caller has
    read it already; otherwise the file is scanned in bounded chunks (XML) or read whole up to
    ``JSONLD_MAX_MB`` (JSON-LD)."""
    path = Path(path)
    fmt = fmt or rdf_format(path)
    if fmt == "xml":
        check_xml(path, data)
    elif fmt == "json-ld":
        if data is None:
            data = _read_bounded(path, JSONLD_MAX_MB)
        check_jsonld(path, data)


# -- XML ---------------------------------------------------------------------------------------------

def check_xml(path: Path, data: str | bytes | None = None) -> None:
    """Refuse a DOCTYPE or ENTITY declaration anywhere in an XML file (RDF/XML, a Protégé catalog),
    and XML that is not UTF-8 (a UTF-16 file would hide the declaration from a byte scan)."""
    if data is not None:
        raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
        _scan_xml(path, [raw])
        return
    with open(path, "rb") as fh:
        _scan_xml(path, iter(lambda: fh.read(_CHUNK), b""))


def _scan_xml(path: Path, chunks) -> None:
    line, tail, first = 1, b"", True
    keep = max(len(d) for d in _XML_DECLARATIONS) - 1
    for chunk in chunks:
        if first:
            first = False
            if chunk[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in chunk[:4]:
                raise InputError(path, "XML that is not UTF-8 (UTF-16 or UTF-32) is not read; save it as UTF-8",
                                 line=1)
        window = (tail + chunk).lower()
        hits = [at for at in (window.find(d) for d in _XML_DECLARATIONS) if at >= 0]
        if hits:
            at = min(hits)
            where = line - tail.count(b"\n") + window.count(b"\n", 0, at)
            kind = "a DOCTYPE" if window.startswith(b"<!doctype", at) else "an ENTITY"
            raise InputError(path, f"XML with {kind} declaration is refused: entities can expand a small file to "
                                   "gigabytes or pull in other files; remove the declaration and write the "
                                   "entities out", line=where)
        line += chunk.count(b"\n")
        tail = window[-keep:] if keep else b""


# -- JSON-LD -----------------------------------------------------------------------------------------

class _NotInline(Exception):
    def __init__(self, iri: str, keyword: str):
        super().__init__(iri)
        self.iri, self.keyword = iri, keyword


def _check_object(pairs: list[tuple[str, object]]) -> None:
    """json ``object_pairs_hook``: refuse a context given by reference; return None, so the
    document is never held in memory as objects (children are checked before their parents)."""
    for key, value in pairs:
        if key == "@context":
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str):
                    raise _NotInline(item, "@context")
        elif key == "@import" and value is not None:
            raise _NotInline(str(value), "@import")


def check_jsonld(path: Path, data: str | bytes) -> None:
    """Refuse JSON-LD whose ``@context`` (at any depth, in any list) or ``@import`` names a document
    instead of holding the context inline: prc-kg reads nothing from the network or other files."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    try:
        json.loads(text, object_pairs_hook=_check_object)
    except _NotInline as ref:
        at = text.find(json.dumps(ref.iri)[1:-1])
        raise InputError(path, f"JSON-LD {ref.keyword} <{ref.iri}> is not inline: prc-kg reads no context from "
                               "the network or from other files; copy the context object into this file in "
                               "its place", line=text.count("\n", 0, at) + 1 if at >= 0 else None) from None
    except json.JSONDecodeError as exc:
        raise InputError(path, f"json-ld syntax error: {exc.msg}", line=exc.lineno) from None
    except RecursionError:
        raise InputError(path, "JSON-LD nested too deeply to read") from None


def _read_bounded(path: Path, max_mb: int) -> bytes:
    with open(path, "rb") as fh:
        raw = fh.read((max_mb << 20) + 1)
    if len(raw) > max_mb << 20:
        raise InputError(path, f"JSON-LD file over {max_mb} MB: its contexts cannot be checked without reading "
                               "it whole; convert it to N-Triples, which is streamed")
    return raw
