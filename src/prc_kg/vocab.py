"""Namespaces of prc-kg and the W3C vocabularies it reuses.

``PRC`` is a closed namespace: code that names a term that the ontology does not define fails
with an AttributeError instead of minting a silent new IRI. A test keeps the list in step with
the ontology source.
"""

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, SOSA, XSD, DefinedNamespace
from rdflib.term import URIRef

from . import prefixes as _prefixes

PRC_IRI = "https://w3id.org/prc-kg/ontology/"
SRC_IRI = "https://w3id.org/prc-kg/source/"
ONTOLOGY_IRI = URIRef("https://w3id.org/prc-kg/ontology")
MODULE_IRI_PREFIX = PRC_IRI + "module/"

DATA_IRI = "https://w3id.org/prc-kg/data/"
SRC = Namespace(SRC_IRI)
# Vocabularies whose source types and DOI property the ontology declares locally (core.ttl)
FABIO = Namespace("http://purl.org/spar/fabio/")
SCHEMA = Namespace("https://schema.org/")
BIBO = Namespace("http://purl.org/ontology/bibo/")
DATA = Namespace(DATA_IRI)


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
    proxyFor: URIRef
    findingSubject: URIRef
    findingObject: URIRef
    findingModerator: URIRef
    absenceCode: URIRef
    assertsRelation: URIRef
    conditionConstruct: URIRef
    counts: URIRef
    matchesOutcomeJudgement: URIRef
    # classes
    ProcessComponent: URIRef
    Person: URIRef
    Patient: URIRef
    Psychotherapist: URIRef
    Rater: URIRef
    Dyad: URIRef
    Case: URIRef
    Psychotherapy: URIRef
    TreatmentPhase: URIRef
    Session: URIRef
    TurnOfSpeech: URIRef
    PatientTurn: URIRef
    Segment: URIRef
    JointSegment: URIRef
    Commentary: URIRef
    Study: URIRef
    Rating: URIRef
    Finding: URIRef
    ReportedFigure: URIRef
    ReliabilityEstimate: URIRef
    BibliographicSource: URIRef
    PrimarySource: URIRef
    SecondarySource: URIRef
    MetaAnalysisArticle: URIRef
    publicationYear: URIRef
    ReasonForSeekingHelp: URIRef
    PatientContribution: URIRef
    InterventionAim: URIRef
    InterventionCharacteristic: URIRef
    InterventionQuality: URIRef
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
    CodingSystem: URIRef
    CodingDimension: URIRef
    UtteranceCode: URIRef
    CodeAnnotation: URIRef
    CodedCorpus: URIRef
    ModeratorCondition: URIRef
    ConditionLevel: URIRef
    FigureQualifier: URIRef
    TreatmentOutcome: URIRef
    # object and data properties
    hasAim: URIRef
    hasCharacteristic: URIRef
    hasQuality: URIRef
    hasPatient: URIRef
    hasTherapist: URIRef
    hasDyad: URIRef
    documentsTreatment: URIRef
    hasPhase: URIRef
    hasOutcome: URIRef
    presentsWith: URIRef
    partOfTreatment: URIRef
    partOfSession: URIRef
    spokenBy: URIRef
    speakerNotRecorded: URIRef
    followedBy: URIRef
    immediatelyFollowedBy: URIRef
    annotates: URIRef
    hasEvaluation: URIRef
    studiedWith: URIRef
    inStudy: URIRef
    supportedBy: URIRef
    concernsCase: URIRef
    hasEvidenceLevel: URIRef
    hasDirection: URIRef
    forItem: URIRef
    betweenRaters: URIRef
    constructedForTeaching: URIRef
    isReconstruction: URIRef
    reconstructedFrom: URIRef
    verbatimFrom: URIRef
    text: URIRef
    summary: URIRef
    sessionNumber: URIRef
    segmentNumber: URIRef
    tosNumber: URIRef
    startTosNumber: URIRef
    endTosNumber: URIRef
    positionInSession: URIRef
    phaseNumber: URIRef
    sessionsPerWeek: URIRef
    durationYears: URIRef
    scaleMin: URIRef
    scaleMax: URIRef
    findingNumber: URIRef
    relationKind: URIRef
    effectSizeR: URIRef
    effectSizeD: URIRef
    confidenceLower: URIRef
    confidenceUpper: URIRef
    numberOfStudies: URIRef
    sampleSize: URIRef
    sampleDescription: URIRef
    condition: URIRef
    year: URIRef
    figureValue: URIRef
    quantity: URIRef
    scope: URIRef
    reliabilityStatistic: URIRef
    estimate: URIRef
    numberOfUnits: URIRef
    itemCode: URIRef
    sectionNumber: URIRef
    sourceCode: URIRef
    partOfInstrument: URIRef
    inDimension: URIRef
    speakerRole: URIRef
    broaderCode: URIRef
    assignedCode: URIRef
    inCorpus: URIRef
    conversationAttribute: URIRef
    timestamp: URIRef
    utteranceId: URIRef
    annotationIndex: URIRef
    associatedWith: URIRef
    moderates: URIRef
    hasCondition: URIRef
    conditionLevel: URIRef
    figureQualifier: URIRef
    reportsFigure: URIRef
    # individuals
    Helpful: URIRef
    Unhelpful: URIRef
    Mixed: URIRef
    FavourableOutcome: URIRef
    UnfavourableOutcome: URIRef
    MixedOutcome: URIRef
    OutcomeUnknown: URIRef
    PositiveDirection: URIRef
    NegativeDirection: URIRef
    NullDirection: URIRef
    MixedDirection: URIRef
    NotDirectional: URIRef
    MetaAnalysisEvidence: URIRef
    RandomisedTrialEvidence: URIRef
    MultiCaseProcessEvidence: URIRef
    SingleCaseEvidence: URIRef
    ExpertClaimEvidence: URIRef
    Section1: URIRef
    Section2: URIRef
    Section3: URIRef
    Section4: URIRef
    Section5: URIRef
    MITI: URIRef
    MISC: URIRef
    MISIMPLE: URIRef
    Exactly: URIRef
    About: URIRef
    MoreThan: URIRef
    AtLeast: URIRef
    AtMost: URIRef
    LowLevel: URIRef
    HighLevel: URIRef
    GrowingLevel: URIRef
    StagnantLevel: URIRef
    PresentLevel: URIRef
    AbsentLevel: URIRef
    SkilfulLevel: URIRef
    UnskilfulLevel: URIRef


PROVENANCE_TAGS = frozenset({"PRC", "APS", "DIS", "PHI", "PQS", "CPPS", "WAI", "PIRS", "PIL", "LIT", "BK"})

PREFIXES: dict[str, str] = _prefixes.PREFIXES  # plain strings, for code that must not import rdflib
_WRITTEN = {"prc": PRC_IRI, "src": SRC_IRI, "data": DATA_IRI, "owl": str(OWL), "rdf": str(RDF), "rdfs": str(RDFS),
            "xsd": str(XSD), "skos": str(SKOS), "dcterms": str(DCTERMS), "prov": str(PROV), "sosa": str(SOSA),
            "fabio": str(FABIO), "schema": str(SCHEMA), "bibo": str(BIBO)}
if _WRITTEN != PREFIXES:  # one list, two spellings: they may not drift apart
    raise ImportError(f"prefixes.py and vocab.py name different namespaces: {set(_WRITTEN.items()) ^ set(PREFIXES.items())}")

# The same prefixes as a SPARQL prologue, for queries written in code.
SPARQL_PREFIXES = "".join(f"PREFIX {prefix}: <{ns}>\n" for prefix, ns in PREFIXES.items())

__all__ = [
    "BIBO",
    "DATA",
    "DATA_IRI",
    "DCTERMS",
    "FABIO",
    "MODULE_IRI_PREFIX",
    "ONTOLOGY_IRI",
    "OWL",
    "PRC",
    "PRC_IRI",
    "PREFIXES",
    "PROV",
    "PROVENANCE_TAGS",
    "RDF",
    "RDFS",
    "SCHEMA",
    "SKOS",
    "SOSA",
    "SPARQL_PREFIXES",
    "SRC",
    "SRC_IRI",
    "XSD",
]
