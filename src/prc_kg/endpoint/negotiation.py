"""Content negotiation for the endpoint: which result format a request asks for, by its Accept header
or, as Fuseki and Virtuoso allow, by an ``output=`` / ``format=`` parameter (a short name or a media
type), which then takes precedence over Accept.

A short name stands for the SELECT/ASK format and the graph format of the same family, so
``format=json`` gives SPARQL JSON results to a SELECT and JSON-LD to a CONSTRUCT, and ``format=xml``
gives SPARQL XML results or RDF/XML (what Fuseki does); SPARQLWrapper sends its return format this way
(``format=json-ld``, ``format=n3``, …) besides the Accept header."""

from __future__ import annotations

from ..store.results import GRAPH_FORMATS, SELECT_FORMATS

SELECT_TYPES, GRAPH_TYPES = SELECT_FORMATS, GRAPH_FORMATS
_JSON, _XML = "application/sparql-results+json", "application/sparql-results+xml"
_TTL, _NT, _JSONLD, _RDFXML = "text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"
# short name → (media type for SELECT and ASK, media type for CONSTRUCT and DESCRIBE); None: not offered
SHORT_NAMES: dict[str, tuple[str | None, str | None]] = {
    "json": (_JSON, _JSONLD), "srj": (_JSON, None), "xml": (_XML, _RDFXML), "srx": (_XML, None),
    "csv": ("text/csv", None), "tsv": ("text/tab-separated-values", None),
    "turtle": (None, _TTL), "ttl": (None, _TTL), "n3": (None, _TTL),  # Turtle is N3 too
    "ntriples": (None, _NT), "nt": (None, _NT), "n-triples": (None, _NT),
    "jsonld": (None, _JSONLD), "json-ld": (None, _JSONLD),
    "rdfxml": (None, _RDFXML), "rdf+xml": (None, _RDFXML), "rdf": (None, _RDFXML),
}
FORMAT_PARAMS = ("output", "format", "results")  # in this order, as SPARQLWrapper sends them all


class UnknownFormat(ValueError):
    """A format parameter names no format the endpoint offers."""


def negotiate(accept: str, offered: list[str]) -> str | None:
    """The offered media type the Accept header prefers (q-values honoured; */* takes the first)."""
    if not accept.strip():
        return offered[0]
    best, best_q = None, 0.0
    for part in accept.split(","):
        media, *params = [p.strip() for p in part.split(";")]
        media = media.lower()
        q = 1.0
        for p in params:
            if p.startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        for candidate in offered:
            if media == candidate or media == "*/*" or (media.endswith("/*") and candidate.startswith(media[:-1])):
                if q > best_q:
                    best, best_q = candidate, q
                break
    return best


def requested_format(params: dict[str, list[str]]) -> str | None:
    """The value of the first format parameter the request carries (None: negotiate by Accept)."""
    for name in FORMAT_PARAMS:
        values = [v.strip() for v in params.get(name, []) if v.strip()]
        if values:  # a "+" left unescaped in a URL reads as a space: rdf+xml, sparql-results+json
            return values[0].replace(" ", "+")
    return None


def choose(accept: str, fmt: str | None) -> tuple[str | None, str | None]:
    """The media types for a SELECT/ASK answer and for a graph answer (None where nothing fits).
    ``fmt`` (a format parameter) overrides Accept: a short name of SHORT_NAMES, or media types as an
    Accept header would give them (``format=application/sparql-results+json``); UnknownFormat else."""
    if fmt is None:
        return negotiate(accept, list(SELECT_TYPES)), negotiate(accept, list(GRAPH_TYPES))
    if "/" in fmt:
        chosen = negotiate(fmt, list(SELECT_TYPES)), negotiate(fmt, list(GRAPH_TYPES))
        if chosen == (None, None):
            raise UnknownFormat(f"format {fmt!r} is none of the media types offered: "
                                f"{', '.join([*SELECT_TYPES, *GRAPH_TYPES])}")
        return chosen
    try:
        return SHORT_NAMES[fmt.lower()]
    except KeyError:
        raise UnknownFormat(f"format {fmt!r} is not known: use one of {', '.join(SHORT_NAMES)} "
                            "or a media type") from None


__all__ = ["FORMAT_PARAMS", "GRAPH_TYPES", "SELECT_TYPES", "SHORT_NAMES", "UnknownFormat", "choose", "negotiate",
           "requested_format"]
