"""Stores behind one query interface: the embedded Oxigraph store (in memory or on disk) and any
remote SPARQL 1.1 endpoint.

Results come back as ``QueryResult``: variable names and rows of pyoxigraph terms (for SELECT),
a boolean (ASK) or triples (CONSTRUCT/DESCRIBE), whatever the store.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from ..errors import PrcKgError
from ..fileio.rdfread import check_rdf

Term = ox.NamedNode | ox.BlankNode | ox.Literal
RDF_FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES, ".owl": ox.RdfFormat.RDF_XML,
               ".rdf": ox.RdfFormat.RDF_XML, ".nq": ox.RdfFormat.N_QUADS, ".jsonld": ox.RdfFormat.JSON_LD}


class QueryError(PrcKgError):
    """The store refused or failed a query (syntax, timeout, HTTP error)."""


@dataclass
class QueryResult:
    kind: str  # "select", "ask" or "graph"
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Term | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[ox.Triple] = field(default_factory=list)


class Store(Protocol):
    def query(self, sparql: str, bindings: dict[str, Term] | None = None) -> QueryResult: ...


def collect(result) -> QueryResult:
    """A pyoxigraph query answer as a QueryResult."""
    if isinstance(result, ox.QueryBoolean):
        return QueryResult("ask", boolean=bool(result))
    if isinstance(result, ox.QuerySolutions):
        variables = [v.value for v in result.variables]
        rows = [tuple(solution) for solution in result]  # values in variable order, cheaper than by name
        return QueryResult("select", variables, rows)
    return QueryResult("graph", triples=list(result))


class EmbeddedStore:
    """Oxigraph in this process: in memory, or persistent in a folder that reopens in well under a second."""

    def __init__(self, path: Path | None = None, read_only: bool = False):
        self.path = Path(path) if path else None
        if self.path is None:
            self.ox = ox.Store()
        elif read_only:
            self.ox = ox.Store.read_only(str(self.path))
        else:
            self.ox = ox.Store(str(self.path))

    def __len__(self) -> int:
        return len(self.ox)

    def load_file(self, path: Path, trusted: bool = False) -> None:
        """Bulk-load a file; ``trusted`` skips Oxigraph's input checks, for files prc-kg itself wrote."""
        fmt = RDF_FORMATS.get(Path(path).suffix.lower())
        if fmt is None:
            raise PrcKgError(f"{path}: unknown RDF file type; expected one of {', '.join(RDF_FORMATS)}")
        if not trusted:
            check_rdf(path)
        self.ox.bulk_load(path=str(path), format=fmt, lenient=trusted)

    def load_graph(self, graph) -> None:
        """Add an rdflib graph (serialised by rdflib, so Oxigraph's input checks are skipped)."""
        self.ox.bulk_load(input=graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES,
                          lenient=True)

    def query(self, sparql: str, bindings: dict[str, Term] | None = None) -> QueryResult:
        """Run ``sparql``; ``bindings`` become a VALUES block, as for a remote endpoint, so every
        store answers a parameterised query the same way."""
        text = bind_with_values(sparql, bindings or {})
        try:
            return collect(self.ox.query(text))
        except SyntaxError as exc:
            from .sparqlerror import explain

            raise QueryError(f"SPARQL syntax error: {explain(text, str(exc))}") from exc
        except (RuntimeError, OSError) as exc:
            raise QueryError(f"query failed: {exc}") from exc

    def flush(self) -> None:
        """Write a disk store out and compact it. Compaction is not optional: a bulk load leaves
        overlapping RocksDB files that every lookup must visit, so an uncompacted 10M-triple store
        answered the library's queries about ten times slower (benchmarks/suite_scale.py)."""
        if self.path is not None:
            self.ox.flush()
            self.ox.optimize()


# -- remote endpoints --------------------------------------------------------------------------------

_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
# An IRI or a string may hold '#' (rdf-schema#), and a string "WHERE {": comments and strings are
# blanked before the WHERE block is looked for, IRIs kept as they are.
_IRI_STRING_OR_COMMENT = re.compile(
    r'<[^<>"{}|^`\\\s]*>'  # an IRI
    r'|"""[\s\S]*?"""'  # long strings
    r"|'''[\s\S]*?'''"
    r'|"(?:[^"\\\n]|\\.)*"'  # strings
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|#[^\n]*"  # a comment
)


def _blank(match: re.Match) -> str:
    text = match.group(0)
    return text if text.startswith("<") else " " * len(text)


def term_to_sparql(term: Term) -> str:
    """An RDF term in SPARQL/N-Triples syntax (escaped by pyoxigraph, never pasted user text)."""
    return str(term)


def bind_with_values(sparql: str, bindings: dict[str, Term]) -> str:
    """Insert ``VALUES ?name { term }`` at the start of the outermost WHERE block.

    This is the SPARQL way of giving a remote endpoint initial bindings: the value is an RDF term
    serialised by pyoxigraph, so a value such as ``x" } DROP ALL #`` stays one harmless literal.
    """
    if not bindings:
        return sparql
    match = _WHERE.search(_IRI_STRING_OR_COMMENT.sub(_blank, sparql))
    if match is None:
        raise QueryError("cannot bind parameters: the query has no WHERE block")
    values = " ".join(f"VALUES ?{name} {{ {term_to_sparql(term)} }}" for name, term in sorted(bindings.items()))
    return sparql[: match.end()] + " " + values + " " + sparql[match.end():]


def term_from_json(value: dict) -> Term:
    kind = value["type"]
    if kind == "uri":
        return ox.NamedNode(value["value"])
    if kind == "bnode":
        return ox.BlankNode(value["value"])
    if "xml:lang" in value:
        return ox.Literal(value["value"], language=value["xml:lang"])
    if "datatype" in value:
        return ox.Literal(value["value"], datatype=ox.NamedNode(value["datatype"]))
    return ox.Literal(value["value"])


def check_http_url(url: str) -> str:
    """Refuse an endpoint or graph-store URL that is not http(s): urllib would read ``file:`` and
    ``ftp:`` URLs too, and echo a local file's content as the endpoint's answer."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"expected an http:// or https:// URL, got {url!r}")
    return url


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to another http(s) URL (urllib would also follow one to ftp:)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        target = urllib.parse.urljoin(req.full_url, newurl)
        if urllib.parse.urlsplit(target).scheme.lower() not in ("http", "https"):
            raise urllib.error.URLError(f"redirect to a URL that is not http(s): {target}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


# Only HTTP and HTTPS handlers: no file:, ftp: or data: handler exists to be reached.
_OPENER = urllib.request.OpenerDirector()
for _handler in (urllib.request.ProxyHandler(), urllib.request.HTTPHandler(), urllib.request.HTTPSHandler(),
                 urllib.request.HTTPDefaultErrorHandler(), _HttpOnlyRedirects(), urllib.request.HTTPErrorProcessor()):
    _OPENER.add_handler(_handler)


class RemoteStore:
    """A SPARQL 1.1 Protocol endpoint over HTTP (Oxigraph server, Virtuoso, Fuseki, prc-kg serve…)."""

    def __init__(self, url: str, timeout: float = 120.0):
        try:
            self.url = check_http_url(url)
        except ValueError as exc:
            raise PrcKgError(f"SPARQL endpoint: {exc}") from exc
        self.timeout = timeout

    def _post(self, url: str, body: bytes, content_type: str, accept: str) -> tuple[str, bytes]:
        request = urllib.request.Request(url, data=body, method="POST",
                                         headers={"Content-Type": content_type, "Accept": accept})
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                return response.headers.get("Content-Type", ""), response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:500]
            raise QueryError(f"{url} answered HTTP {exc.code}: {detail}") from exc
        except (urllib.error.URLError, TimeoutError) as exc:
            raise QueryError(f"cannot reach SPARQL endpoint {url}: {exc}") from exc

    def query(self, sparql: str, bindings: dict[str, Term] | None = None) -> QueryResult:
        text = bind_with_values(sparql, bindings or {})
        accept = "application/sparql-results+json, application/n-triples;q=0.9"
        # Form-encoded POST ("query via URL-encoded POST" in the SPARQL protocol): every server
        # answers it, while Virtuoso 7.2 leaves a direct application/sparql-query POST hanging.
        form = urllib.parse.urlencode({"query": text}).encode("ascii")
        ctype, body = self._post(self.url, form, "application/x-www-form-urlencoded", accept)
        if "json" in ctype:
            data = json.loads(body)
            if "boolean" in data:
                return QueryResult("ask", boolean=bool(data["boolean"]))
            variables = data["head"].get("vars", [])
            rows = [tuple(term_from_json(b[v]) if v in b else None for v in variables)
                    for b in data["results"]["bindings"]]
            return QueryResult("select", variables, rows)
        triples = list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES if "n-triples" in ctype else ox.RdfFormat.TURTLE))
        return QueryResult("graph", triples=[t.triple if hasattr(t, "triple") else t for t in triples])

    def upload(self, path: Path, graph_store_url: str | None = None) -> None:
        """Push a file with the SPARQL 1.1 Graph Store HTTP Protocol (POST to the default graph)."""
        fmt = RDF_FORMATS.get(Path(path).suffix.lower())
        if fmt is None:
            raise PrcKgError(f"{path}: unknown RDF file type")
        target = graph_store_url or self.url.rsplit("/", 1)[0] + "/store"
        try:
            check_http_url(target)
        except ValueError as exc:
            raise PrcKgError(f"graph store: {exc}") from exc
        url = target + ("&" if "?" in target else "?") + "default"
        self._post(url, Path(path).read_bytes(), fmt.media_type, "*/*")


def open_store(store_dir: Path | None = None, endpoint: str | None = None, read_only: bool = True) -> Store:
    if endpoint:
        return RemoteStore(endpoint)
    if store_dir is None:
        raise PrcKgError("no store: pass --store DIR (made by `prc-kg load --store DIR`) or --endpoint URL")
    if not Path(store_dir).exists():
        raise PrcKgError(f"{store_dir}: no store here; create it with `prc-kg load --store {store_dir}`")
    return EmbeddedStore(store_dir, read_only=read_only)
