"""The query library: ``.rq`` files with a header that says what they answer, and how to run them.

Header lines (comments at the top of the file)::

    # title: Intervention types in Annie's first session
    # question: Which therapist intervention types are illustrated in session 1, at which turns? (CQ 1)
    # param: session iri = data:case/annie/session/1
    # answer: one row per (component, turn number)

A parameter has a name, a kind (``iri``, ``string``, ``integer`` or ``decimal``) and an optional
default. Values are turned into RDF terms and bound as initial bindings, never pasted into the
query text.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .. import paths
from ..errors import InputError
from ..fileio.files import read_utf8
from ..prefixes import PREFIXES  # (not vocab: no rdflib on a query's path)
from .backends import Term

_HEADER = re.compile(r"^#\s*(title|question|param|answer):\s*(.*)$")
_PARAM = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<kind>iri|string|integer|decimal)"
                    r"(?:\s*=\s*(?P<default>.+))?$")
XSD = "http://www.w3.org/2001/XMLSchema#"


def default_query_dir() -> Path:
    return paths.queries_dir()


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    default: str | None


@dataclass
class QueryFile:
    name: str
    path: Path
    text: str
    title: str = ""
    question: str = ""
    answer: str = ""
    params: dict[str, Param] = field(default_factory=dict)

    def bindings(self, given: dict[str, str]) -> dict[str, Term]:
        unknown = sorted(set(given) - set(self.params))
        if unknown:
            known = ", ".join(self.params) or "none"
            raise InputError(self.path, f"unknown parameter(s) {', '.join(unknown)}; this query takes: {known}",
                             field=unknown[0])
        out = {}
        for name, param in self.params.items():
            value = given.get(name, param.default)
            if value is None:
                raise InputError(self.path, f"parameter '{name}' ({param.kind}) is required", field=name)
            out[name] = to_term(value, param.kind, self.path, name)
        return out


def expand(value: str) -> str:
    """An IRI written in full, in <...>, or as a prefixed name (prc:, data:, src:, …)."""
    value = value.strip()
    if value.startswith("<") and value.endswith(">"):
        return value[1:-1]
    prefix, _, local = value.partition(":")
    if prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return value


def to_term(value: str, kind: str, path: Path, name: str) -> Term:
    try:
        if kind == "iri":
            iri = expand(value)
            if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$", iri) or iri.lower().startswith(
                    ("javascript:", "data:text")):
                raise ValueError(f"'{value}' is not an absolute IRI")
            return ox.NamedNode(iri)
        if kind == "integer":
            if not re.fullmatch(r"[+-]?[0-9]{1,18}", value.strip()):
                raise ValueError(f"'{value}' is not a whole number")
            return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
        if kind == "decimal":
            # float() would also take nan, inf, 1e3 and 1_0, none of them an xsd:decimal
            if not re.fullmatch(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)", value.strip()):
                raise ValueError(f"'{value}' is not a decimal number such as 3 or 2.5")
            return ox.Literal(value.strip(), datatype=ox.NamedNode(XSD + "decimal"))
        return ox.Literal(value)
    except ValueError as exc:
        raise InputError(path, f"parameter '{name}' expects {kind}: {exc}", field=name) from None


def read_query(path: Path, *, title_required: bool = True) -> QueryFile:
    """A query file: the library's need a ``# title:`` line (the listing and the query page show it);
    a file run by ``prc-kg query`` may go without one."""
    text = read_utf8(path, "a SPARQL query" + (" with a '# title:' header line" if title_required else ""), max_mb=1)
    return parse_query(text, path, title_required=title_required)


def parse_query(text: str, path: Path, *, title_required: bool = True) -> QueryFile:
    """A query's header lines (title, question, params, answer) read from its text; ``path`` names
    where the text came from in errors (a file, or ``<stdin>``)."""
    q = QueryFile(path.stem, path, text)
    for number, line in enumerate(text.splitlines(), start=1):
        match = _HEADER.match(line)
        if not match:
            continue
        key, value = match.group(1), match.group(2).strip()
        if key == "param":
            p = _PARAM.match(value)
            if p is None:
                raise InputError(path, "a param line reads '# param: NAME KIND [= DEFAULT]' with KIND one of "
                                 "iri, string, integer, decimal", line=number, field="param")
            q.params[p["name"]] = Param(p["name"], p["kind"], p["default"].strip() if p["default"] else None)
        else:
            setattr(q, key, value)
    if not q.title and title_required:
        raise InputError(path, "missing '# title:' header line", line=1, field="title")
    return q


PACKAGED_QUERIES = Path(__file__).resolve().parent / "sparql"


@functools.cache
def packaged_query(name: str) -> str:
    """The text of a query prc-kg runs for its own views, analyses and exports: ``sparql/NAME.rq``
    inside the package (e.g. ``projection/sections``; an update is named with its ``.ru``), read and
    header-checked as library queries are, once per process."""
    return read_query(PACKAGED_QUERIES / (name if name.endswith(".ru") else f"{name}.rq")).text


def load_library(folder: Path | None = None) -> dict[str, QueryFile]:
    """Every competency and analysis query (``queries/*.rq``; QC checks live in ``queries/qc``)."""
    folder = Path(folder) if folder else default_query_dir()
    return {p.stem: read_query(p) for p in sorted(folder.glob("*.rq"))}


QUERY_SUFFIXES = (".rq", ".sparql")


def find_query(name_or_file: str, folder: Path | None = None) -> QueryFile:
    """A query file (a name ending in .rq or .sparql, or holding a folder; its title optional) or a
    library query by name."""
    path = Path(name_or_file)
    if path.suffix in QUERY_SUFFIXES or path.parent != Path("."):
        if not path.exists():
            raise InputError(path, "query file not found")
        return read_query(path, title_required=False)
    library = load_library(folder)
    if name_or_file in library:
        return library[name_or_file]
    close = [n for n in library if name_or_file.lower() in n.lower()]
    hint = f"; did you mean {', '.join(close[:5])}?" if close else "; `prc-kg queries` lists them"
    raise InputError(path, f"no query named '{name_or_file}' in the library{hint}")


def parse_param_args(args: list[str]) -> dict[str, str]:
    out = {}
    for arg in args:
        name, sep, value = arg.partition("=")
        if not sep or not name:
            raise InputError(Path("--param"), f"expected name=value, got '{arg}'")
        out[name.strip()] = value
    return out


# -- output ----------------------------------------------------------------------------------------

def short(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for prefix, ns in PREFIXES.items():
            if term.value.startswith(ns) and term.value != ns:
                return f"{prefix}:{term.value[len(ns):]}"
        return term.value
    return term.value
