"""RDF terms written as N-Triples text: the one place prc-kg escapes a term by hand.

Writers that stream many triples (the ratings import, reliability estimates) build lines from these
functions instead of pyoxigraph objects, which would cost an object per term. Literals are escaped as
canonical N-Triples (RDF 1.2) writes them, as pyoxigraph does: ``\\b \\t \\n \\f \\r \\" \\\\`` as
ECHAR, every other control character (U+0000-U+001F, U+007F) as an uppercase ``\\uXXXX``.
"""

from __future__ import annotations

import re

XSD = "http://www.w3.org/2001/XMLSchema#"
_ECHAR = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}
_ESCAPED = re.compile(r'[\x00-\x1f\x7f"\\]')
# characters IRIREF does not allow (N-Triples grammar production [8])
_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def _escape(match: re.Match) -> str:
    char = match.group(0)
    return _ECHAR.get(char) or f"\\u{ord(char):04X}"


def iri(value: str) -> str:
    """``<value>``; an IRI holding a space, a control character or one of ``<>"{}|^`\\`` is refused,
    as N-Triples readers would refuse the line."""
    bad = _NOT_IN_IRI.search(value)
    if bad:
        raise ValueError(f"{value!r} is not an IRI: it holds {bad.group(0)!r}")
    return f"<{value}>"


def literal(text: str, datatype: str | None = None, language: str | None = None) -> str:
    """A literal: plain (xsd:string), with a language tag, or typed; ``datatype`` is a full IRI or an
    XSD local name such as ``decimal``."""
    quoted = '"' + _ESCAPED.sub(_escape, text) + '"'
    if language:
        return f"{quoted}@{language}"
    if datatype is None or datatype in ("string", XSD + "string"):
        return quoted
    return f"{quoted}^^{iri(datatype if ':' in datatype else XSD + datatype)}"


def triple(subject: str, predicate: str, obj: str) -> str:
    """One N-Triples line from three terms already written by ``iri`` / ``literal``."""
    return f"{subject} {predicate} {obj} .\n"


__all__ = ["iri", "literal", "triple"]
