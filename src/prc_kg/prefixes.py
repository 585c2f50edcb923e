"""The prefixes prc-kg reads and writes, as plain strings: what a query needs to expand ``data:…`` or
shorten an IRI, with no rdflib import (0.15–0.3 s of every command's start-up). vocab.py builds its
namespaces on the same IRIs and checks, when imported, that its rdflib namespaces agree.

Bottom layer: imports nothing.
"""

PRC_IRI = "https://w3id.org/prc-kg/ontology/"
SRC_IRI = "https://w3id.org/prc-kg/source/"
DATA_IRI = "https://w3id.org/prc-kg/data/"

PREFIXES: dict[str, str] = {
    "prc": PRC_IRI,
    "src": SRC_IRI,
    "data": DATA_IRI,
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "sosa": "http://www.w3.org/ns/sosa/",
    "fabio": "http://purl.org/spar/fabio/",
    "schema": "https://schema.org/",
    "bibo": "http://purl.org/ontology/bibo/",
}
