"""The SPARQL service description (https://www.w3.org/TR/sparql11-service-description/) the endpoint
gives on a GET of ``/sparql`` without a query: what a client can learn before it asks anything (the
language, the result formats, the limits), in any of the graph formats, as Fuseki and Virtuoso do."""

from __future__ import annotations

import pyoxigraph as ox

from ..store.results import GRAPH_FORMATS, write_triples
from ..vocab import PREFIXES
from .limits import Limits

SD = "http://www.w3.org/ns/sparql-service-description#"
_FORMATS = "http://www.w3.org/ns/formats/"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_TITLE, _COMMENT = "http://purl.org/dc/terms/title", "http://www.w3.org/2000/01/rdf-schema#comment"
# the W3C name of each media type the endpoint answers in
FORMAT_IRIS = {
    "application/sparql-results+json": "SPARQL_Results_JSON", "application/sparql-results+xml": "SPARQL_Results_XML",
    "text/csv": "SPARQL_Results_CSV", "text/tab-separated-values": "SPARQL_Results_TSV",
    "text/turtle": "Turtle", "application/n-triples": "N-Triples", "application/ld+json": "JSON-LD",
    "application/rdf+xml": "RDF_XML",
}


def description_triples(endpoint_url: str, limits: Limits) -> list[ox.Triple]:
    """The description of the service at ``endpoint_url`` (blank nodes with fixed labels: same bytes)."""
    service, dataset, graph = ox.BlankNode("service"), ox.BlankNode("dataset"), ox.BlankNode("defaultGraph")

    def sd(local: str) -> ox.NamedNode:
        return ox.NamedNode(SD + local)

    a = ox.NamedNode(_RDF_TYPE)
    triples = [
        ox.Triple(service, a, sd("Service")),
        ox.Triple(service, sd("endpoint"), ox.NamedNode(endpoint_url)),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(service, ox.NamedNode(_TITLE), ox.Literal("prc-kg SPARQL endpoint")),
        ox.Triple(service, ox.NamedNode(_COMMENT), ox.Literal(
            f"Read-only SPARQL 1.1 query endpoint (updates, LOAD and SERVICE are refused). A query may run "
            f"{limits.timeout:g} s; answers hold at most {limits.max_rows} rows and "
            f"{limits.max_result_bytes >> 20} MiB. Choose the format with the Accept header or "
            "format=json|xml|csv|tsv|turtle|ntriples|jsonld|rdfxml.")),
    ]
    names = sorted({FORMAT_IRIS[media] for media in FORMAT_IRIS})
    triples += [ox.Triple(service, sd("resultFormat"), ox.NamedNode(_FORMATS + name)) for name in names]
    return triples + [ox.Triple(dataset, a, sd("Dataset")), ox.Triple(dataset, sd("defaultGraph"), graph),
                      ox.Triple(graph, a, sd("Graph"))]


def service_description(endpoint_url: str, limits: Limits, media: str) -> bytes:
    """The description serialised in ``media`` (a key of GRAPH_FORMATS)."""
    if media not in GRAPH_FORMATS:
        raise ValueError(f"not a graph format: {media}")
    prefixes = {**PREFIXES, "sd": SD, "formats": _FORMATS}
    return write_triples(description_triples(endpoint_url, limits), media, len(FORMAT_IRIS) + 16, 1 << 20,
                         prefixes)[0]


__all__ = ["FORMAT_IRIS", "SD", "description_triples", "service_description"]
