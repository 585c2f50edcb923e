"""Reading the ontology source: the main file, its modules and the Protégé catalog.

The source under ``ontology/`` belongs to people and Protégé, so this module only reads it. Imports
are resolved through ``catalog-v001.xml`` exactly as Protégé does, never over the network.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from .. import paths
from ..errors import InputError
from ..fileio.files import read_utf8
from ..fileio.rdfread import check_xml, parse_rdf
from ..progress import stepped

MAIN_FILE = "prc-kg.ttl"
CATALOG_FILE = "catalog-v001.xml"
_CATALOG_NS = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"
_FORMATS = {".ttl": "turtle", ".owl": "xml", ".rdf": "xml", ".xml": "xml", ".nt": "nt", ".jsonld": "json-ld"}


def default_ontology_dir() -> Path:
    """The project's ``ontology/`` folder (see paths: a chosen project, this checkout, or the wheel's copy)."""
    return paths.ontology_dir()


@dataclass
class OntologySource:
    """The parsed source: one graph per file, and their union."""

    main_path: Path
    files: dict[URIRef, Path] = field(default_factory=dict)
    graphs: dict[URIRef, Graph] = field(default_factory=dict)

    @property
    def ontology_iri(self) -> URIRef:
        return next(iter(self.graphs))

    def merged(self) -> Graph:
        """All triples of all files in one graph (module headers and imports included)."""
        g = Graph()
        for part in self.graphs.values():
            g += part
        return g


def read_catalog(folder: Path) -> dict[str, Path]:
    """Map ontology IRIs to local files as ``catalog-v001.xml`` says (empty when absent)."""
    path = folder / CATALOG_FILE
    if not path.exists():
        return {}
    check_xml(path)
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise InputError(path, f"not well-formed XML: {exc}", line=exc.position[0]) from exc
    inside = folder.resolve()
    mapping: dict[str, Path] = {}
    for el in root.iter(f"{_CATALOG_NS}uri"):
        name, uri = el.get("name"), el.get("uri")
        if not name or not uri:
            raise InputError(path, "a <uri> entry needs both a 'name' and a 'uri' attribute", field="uri")
        target = (folder / uri).resolve()  # symbolic links followed, so a link cannot lead out either
        if not target.is_relative_to(inside):
            raise InputError(path, f"entry '{uri}' for <{name}> leads outside the ontology folder {inside} "
                                   f"(to {target}); modules must be files inside it",
                             line=_line_of(path, f'"{uri}"') or _line_of(path, uri), field="uri")
        mapping[name] = target
    return mapping


def _line_of(path: Path, text: str) -> int | None:
    """The first line of ``path`` holding ``text`` (ElementTree keeps no line numbers)."""
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        if text in line:
            return number
    return None


def parse_file(path: Path) -> Graph:
    """Parse one RDF file, turning the parser's complaint into an error naming file and line."""
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(path, f"unknown RDF file type '{path.suffix}'; expected one of {sorted(_FORMATS)}")
    data = read_utf8(path, "an RDF document", max_mb=32,
                     too_big="ontology modules are a few hundred kB: is this the right file? Instance data "
                             "goes in with `prc-kg load --data`")
    try:
        g = parse_rdf(path, data, fmt, public_id=path.resolve().as_uri())
    except InputError:
        raise
    except Exception as exc:  # rdflib raises several unrelated types for bad syntax
        line, message = syntax_error_place(exc, data)
        raise InputError(path, f"{fmt} syntax error: {message}", line=line) from exc
    _check_iris(g, path, data)
    return g


# Characters N-Triples forbids in an IRI: rdflib reads them with a warning, then cannot write the
# release. Schemes that run code or read local files when a viewer follows a link are refused too.
_BAD_IRI_CHARS = re.compile(r'[\x00-\x20<>"{}|\\^`]')
_UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:", "file:")


def _check_iris(g: Graph, path: Path, data: str) -> None:
    """Refuse an IRI with spaces or other forbidden characters, or with an unsafe scheme; name the first line."""
    base = path.resolve().parent.as_uri() + "/"
    found: list[tuple[int, str]] = []
    for iri in sorted({str(t) for triple in g for t in triple if isinstance(t, URIRef)}):
        written = iri.removeprefix(base)
        if _BAD_IRI_CHARS.search(iri):
            problem = f"IRI <{written}> contains a space or another character IRIs may not hold; percent-encode it"
        elif iri.startswith(base):
            problem = f"relative IRI <{written}>; write a full http(s) IRI"
        elif iri.lower().startswith(_UNSAFE_SCHEMES):
            problem = f"IRI <{iri}> has an unsafe scheme; expected http(s)"
        else:
            continue
        at = data.find(f"<{written}>")
        at = at if at >= 0 else data.find(written)
        found.append((data.count("\n", 0, at) + 1 if at >= 0 else 0, problem))
    if found:
        line, problem = min(found)
        raise InputError(path, problem, line=line or None)


def _first_line(text: str) -> str:
    return " ".join(text.strip().split())[:300]


_END_OF_STATEMENT = "at end of statement"
_SAX_PLACE = re.compile(r"^<[^>]*>:(\d+):(\d+): (.*)$", re.DOTALL)
_SHOWN = 120  # characters of the offending line quoted in the message
_PLAIN = {  # rdflib's grammar words, in a Turtle writer's
    "objectList expected": "expected an object (an IRI, a prefixed name, a literal or a blank node)",
    "expected propertylist": "expected a property and its object",
    "expected directive or statement": "expected a statement (subject, property, object) or @prefix",
}


def syntax_error_place(exc: Exception, data: str) -> tuple[int | None, str]:
    """The line of a parser's complaint and a message that quotes the offending text as text.

    rdflib's Turtle parser (``BadSyntax``) knows the character where it stopped, but its message
    quotes Python byte strings and, when a statement lacks its closing ``;``/``,``/``.``, names the
    line of the *next* statement, where it noticed. The mistake is at the end of the last term
    before that point, so that is the line reported. Other parsers' messages keep their line."""
    at, why = getattr(exc, "_i", None), getattr(exc, "_why", None)
    sax = _SAX_PLACE.match(str(exc))  # the XML parser's "<unknown>:LINE:COLUMN: what"
    if sax:
        line_no, column = int(sax.group(1)), int(sax.group(2)) + 1
        lines = data.splitlines()
        text = lines[line_no - 1] if 0 < line_no <= len(lines) else ""
        return line_no, f"{sax.group(3)}, at column {column} of {_quote(text)}"
    if not isinstance(at, int) or not isinstance(why, str) or not 0 <= at <= len(data):
        return _error_line(str(exc)), _first_line(str(exc))
    if _END_OF_STATEMENT in why:
        end = _last_term_end(data, at)
        line_no, text = _line_at(data, end)
        following = _line_at(data, at)[1].strip()
        return line_no, (f"expected ';', ',' or '.' after the last term of this line: {_quote(text)}"
                         + (f"; what follows is {_quote(following)}" if following else ""))
    why = _PLAIN.get(why, why)
    while at < len(data) and data[at] in " \t":  # the parser stops before the blanks ahead of the culprit
        at += 1
    line_no, text = _line_at(data, at)
    column = at - (data.rfind("\n", 0, at) + 1) + 1
    return line_no, f"{why}, at column {column} of {_quote(text)}"  # column as an editor counts it


def _last_term_end(data: str, at: int) -> int:
    """The position just after the last term before ``at``, skipping white space and ``#`` comments."""
    pos = at
    while pos > 0:
        start = data.rfind("\n", 0, pos) + 1
        line = data[start:pos]
        content = _without_comment(line).rstrip()
        if content:
            return start + len(content) - 1
        pos = start - 1
    return 0


def _without_comment(line: str) -> str:
    """``line`` up to a ``#`` that opens a comment (not one inside an IRI or a string)."""
    quote, inside_iri = "", False
    for i, ch in enumerate(line):
        if quote:
            quote = "" if ch == quote and line[i - 1] != "\\" else quote
        elif inside_iri:
            inside_iri = ch != ">"
        elif ch in "\"'":
            quote = ch
        elif ch == "<":
            inside_iri = True
        elif ch == "#":
            return line[:i]
    return line


def _line_at(data: str, at: int) -> tuple[int, str]:
    """The 1-based number and the text of the line holding character ``at``."""
    start = data.rfind("\n", 0, at) + 1
    end = data.find("\n", at)
    return data.count("\n", 0, at) + 1, data[start: end if end >= 0 else len(data)]


def _quote(text: str) -> str:
    text = text.strip()
    return "«" + (text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…") + "»"


def _error_line(text: str) -> int | None:
    match = re.search(r"line (\d+)", text) or re.search(r":(\d+):\d+", text)
    return int(match.group(1)) if match else None


def _ontology_iri(g: Graph, path: Path) -> URIRef:
    iris = sorted(s for s in g.subjects(RDF.type, OWL.Ontology) if isinstance(s, URIRef))
    if len(iris) != 1:
        raise InputError(path, f"expected exactly one owl:Ontology header with an IRI, found {len(iris)}")
    return iris[0]


@stepped("reading the ontology source")
def load_source(folder: Path | None = None, main_file: str = MAIN_FILE) -> OntologySource:
    """Load the main file and, depth first, every module it imports through the catalog."""
    folder = Path(folder) if folder else default_ontology_dir()
    main_path = folder / main_file
    if not main_path.exists():
        raise InputError(main_path, "ontology main file not found; pass --ontology DIR pointing at the folder")
    catalog = read_catalog(folder)
    source = OntologySource(main_path=main_path)
    pending: list[tuple[Path, str | None]] = [(main_path, None)]
    while pending:
        path, expected_iri = pending.pop(0)
        g = parse_file(path)
        iri = _ontology_iri(g, path)
        if expected_iri is not None and str(iri) != expected_iri:
            raise InputError(path, f"catalog maps <{expected_iri}> to this file, but its header names <{iri}>")
        if iri in source.graphs:
            continue
        source.files[iri] = path
        source.graphs[iri] = g
        for imported in sorted(g.objects(iri, OWL.imports)):
            target = catalog.get(str(imported))
            if target is None:
                raise InputError(folder / CATALOG_FILE, f"no catalog entry for imported ontology <{imported}>",
                                 field="uri")
            if not target.exists():
                raise InputError(target, f"file for imported ontology <{imported}> not found")
            if imported not in source.graphs:
                pending.append((target, str(imported)))
    return source
