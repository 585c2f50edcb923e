"""Namespaces of prc-kg and the W3C vocabularies it reuses.

``PRC`` is a closed namespace: code that names a term that the ontology does not define fails
with an AttributeError instead of minting a silent new IRI. A test keeps the list in step with
the ontology source.
"""

from rdflib import Namespace
from rdflib.namespace import DefinedNamespace, DCTERMS, OWL, PROV, RDF, RDFS, SKOS, SOSA, XSD
from rdflib.term import URIRef

PRC_IRI = "https://w3id.org/prc-kg/ontology/"
SRC_IRI = "https://w3id.org/prc-kg/source/"
ONTOLOGY_IRI = URIRef("https://w3id.org/prc-kg/ontology")
MODULE_IRI_PREFIX = PRC_IRI + "module/"

SRC = Namespace(SRC_IRI)


class PRC(DefinedNamespace):
    """Terms of the prc-kg ontology that the code refers to by name."""

    _NS = Namespace(PRC_IRI)
    _fail = True

    # annotation properties
    provenanceTag: URIRef
    itemXref: URIRef
    taxonomyCode: URIRef
    inManualSection: URIRef
    codingGuidance: URIRef
    illustrates: URIRef
    measuresConstruct: URIRef
    findingSubject: URIRef
    findingObject: URIRef
    findingModerator: URIRef
    # classes
    ProcessComponent: URIRef
    ManualSection: URIRef
    Instrument: URIRef
    InstrumentItem: URIRef
    Interpretation: URIRef
    InterpretationOfDefense: URIRef
    PatientsDefense: URIRef
    TherapistIntervention: URIRef
    TherapistSegment: URIRef
    PatientSegment: URIRef
    TherapistTurn: URIRef
    # object and data properties
    hasAim: URIRef
    itemCode: URIRef
    sectionNumber: URIRef
    # individuals
    Section1: URIRef
    Section2: URIRef
    Section3: URIRef
    Section4: URIRef
    Section5: URIRef


PROVENANCE_TAGS = frozenset({"PRC", "APS", "DIS", "PHI", "PQS", "CPPS", "WAI", "PIRS", "PIL", "LIT", "BK"})

PREFIXES: dict[str, str] = {
    "prc": PRC_IRI,
    "src": SRC_IRI,
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "sosa": str(SOSA),
}

__all__ = ["PRC", "SRC", "PREFIXES", "PROVENANCE_TAGS", "ONTOLOGY_IRI", "MODULE_IRI_PREFIX",
           "DCTERMS", "OWL", "PROV", "RDF", "RDFS", "SKOS", "SOSA", "XSD"]
