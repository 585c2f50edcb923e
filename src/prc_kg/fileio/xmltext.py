"""Text that XML 1.0 can carry, checked where text enters prc-kg.

RDF/XML is one of the release formats, and rdflib writes whatever a literal holds: a NUL or another
C0 control character gives a file no XML parser reads, a lone surrogate becomes "?" without a word.
YAML escapes ("\\0", "\\ud800") and Turtle escapes ("\\u0000") let such characters into otherwise
clean files, so every text value is checked once, where it is read, and refused with its file, line
and field; the RDF/XML writer checks again as a last line of defence.
"""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from ..errors import InputError, PrcKgError

# XML 1.0 Char: tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF. Python strings can also
# hold lone surrogates (U+D800–U+DFFF), which UTF-8 cannot encode at all.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
EXPECTED = "expected text without control characters (tab and line breaks are fine)"


def _kind(code: int) -> str:
    if code < 0x20:
        return "a control character"
    if 0xD800 <= code <= 0xDFFF:
        return "a lone surrogate, half of a UTF-16 pair"
    return "a non-character"


def xml_problem(text: str) -> str | None:
    """Why ``text`` cannot be written in XML 1.0 (naming the first bad character), or None."""
    match = NOT_XML.search(text)
    if match is None:
        return None
    code = ord(match.group())
    return (f"character U+{code:04X} ({_kind(code)}) at position {match.start() + 1} cannot be written in "
            f"XML 1.0 (the RDF/XML release); {EXPECTED}")


def check_text(text: str, path: Path, line: int | None = None, field: str | None = None) -> None:
    """Refuse one text value read from ``path``."""
    problem = xml_problem(text)
    if problem is not None:
        raise InputError(path, problem, line=line, field=field)


def _first_bad_literal(graph: Graph) -> tuple[tuple, str] | None:
    found = sorted((str(s), str(p), str(o)) for s, p, o in graph
                   if isinstance(o, Literal) and NOT_XML.search(str(o)))
    if not found:
        return None
    s, p, o = found[0]
    return (URIRef(s), URIRef(p), o), xml_problem(o) or ""


def _line_of(text: str, char: str) -> int | None:
    """The line where ``char`` is written in a Turtle file, raw or as a \\u or \\U escape."""
    code = ord(char)
    pattern = re.compile(f"{re.escape(char)}|\\\\u{code:04x}|\\\\U{code:08x}", re.IGNORECASE)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def check_graph_text(graph: Graph, path: Path, text: str | None = None) -> None:
    """Refuse the first literal of an RDF file that XML 1.0 cannot carry; ``text`` (the file's
    content, read here when not given) gives the line."""
    bad = _first_bad_literal(graph)
    if bad is None:
        return
    (subject, predicate, value), problem = bad
    if text is None:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    char = NOT_XML.search(value).group()  # type: ignore[union-attr]
    field = graph.namespace_manager.normalizeUri(predicate)
    raise InputError(path, f"literal of <{subject}>: {problem}", line=_line_of(text, char), field=field)


def check_serialisable(graph: Graph) -> None:
    """The RDF/XML writer's own check: a literal XML cannot carry is refused, never written."""
    bad = _first_bad_literal(graph)
    if bad is not None:
        (subject, predicate, _), problem = bad
        raise PrcKgError(f"cannot write RDF/XML: the literal of <{subject}> <{predicate}>: {problem}")
