"""The MI coding systems of the coding module, as the issue-12 contract fixes them, and the shapes of coded corpora.

Every code of the contract is checked at its IRI with its dimension and speaker; broader codes and exact
matches are compared with the contract's lists as sets, so a link added or dropped fails. The SHACL shapes
are run on a hand-written corpus in N-Triples (tests/data/utterances/good.nt) and on a copy with ten
planted faults (bad.nt), whose reports are listed here one by one.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, run_library_query
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from prc_kg.checks.qc import run_qc
from prc_kg.ontology.mappings import has_mappings, mapping_file
from prc_kg.ontology.source import default_ontology_dir
from prc_kg.vocab import PRC, PRC_IRI

DATA = ROOT / "tests" / "data" / "utterances"
CORPUS = "https://w3id.org/prc-kg/data/corpus/demo/"

# The contract (BRIEF12.md, "Ontology terms"): system -> dimension -> (speaker, codes).
CONTRACT = {
    "MITI": {"MITI:BEHAVIOUR": ("therapist", ["MITI:GI", "MITI:PERSUADE", "MITI:PERSUADE-WP", "MITI:Q", "MITI:SR",
                                              "MITI:CR", "MITI:AF", "MITI:SEEK", "MITI:EMPH", "MITI:CONFRONT",
                                              "MITI:OTHER", "MITI:R", "MITI:MIA", "MITI:MINA"])},
    "MISC": {"MISC:QUESTION": ("therapist", ["MISC:OQ", "MISC:CQ"]),
             "MISC:CLIENT": ("patient", ["MISC:CT", "MISC:ST", "MISC:FN"])},
    "MISIMPLE": {"MISIMPLE:MAIN": ("therapist", ["MISIMPLE:REFLECTION", "MISIMPLE:QUESTION", "MISIMPLE:INPUT",
                                                 "MISIMPLE:OTHER"]),
                 "MISIMPLE:REFLECTION-TYPE": ("therapist", ["MISIMPLE:SIMPLE", "MISIMPLE:COMPLEX",
                                                             "MISIMPLE:NO-REFLECTION"]),
                 "MISIMPLE:QUESTION-TYPE": ("therapist", ["MISIMPLE:OPEN", "MISIMPLE:CLOSED", "MISIMPLE:NO-QUESTION"]),
                 "MISIMPLE:INPUT-TYPE": ("therapist", ["MISIMPLE:INFORMATION", "MISIMPLE:ADVICE",
                                                       "MISIMPLE:NEGOTIATION", "MISIMPLE:OPTIONS",
                                                       "MISIMPLE:NO-INPUT"]),
                 "MISIMPLE:CLIENT": ("patient", ["MISIMPLE:CHANGE", "MISIMPLE:NEUTRAL", "MISIMPLE:SUSTAIN"])},
}
BROADER = {("MISC:OQ", "MITI:Q"), ("MISC:CQ", "MITI:Q"), ("MITI:SR", "MITI:R"), ("MITI:CR", "MITI:R"),
           ("MITI:AF", "MITI:MIA"), ("MITI:SEEK", "MITI:MIA"), ("MITI:EMPH", "MITI:MIA"),
           ("MITI:CONFRONT", "MITI:MINA"), ("MITI:PERSUADE", "MITI:MINA"),
           # the simplified set's subtypes under their main code (another dimension, so no group)
           ("MISIMPLE:SIMPLE", "MISIMPLE:REFLECTION"), ("MISIMPLE:COMPLEX", "MISIMPLE:REFLECTION"),
           ("MISIMPLE:OPEN", "MISIMPLE:QUESTION"), ("MISIMPLE:CLOSED", "MISIMPLE:QUESTION"),
           ("MISIMPLE:INFORMATION", "MISIMPLE:INPUT"), ("MISIMPLE:ADVICE", "MISIMPLE:INPUT"),
           ("MISIMPLE:NEGOTIATION", "MISIMPLE:INPUT"), ("MISIMPLE:OPTIONS", "MISIMPLE:INPUT")}
EXACT = {("MISIMPLE:REFLECTION", "MITI:R"), ("MISIMPLE:QUESTION", "MITI:Q"), ("MISIMPLE:SIMPLE", "MITI:SR"),
         ("MISIMPLE:COMPLEX", "MITI:CR"), ("MISIMPLE:OPEN", "MISC:OQ"), ("MISIMPLE:CLOSED", "MISC:CQ"),
         ("MISIMPLE:INFORMATION", "MITI:GI"), ("MISIMPLE:CHANGE", "MISC:CT"), ("MISIMPLE:NEUTRAL", "MISC:FN"),
         ("MISIMPLE:SUSTAIN", "MISC:ST")}
GROUPS = {"MITI:R", "MITI:MIA", "MITI:MINA"}
# codes that record a judgement that the dimension's behaviour is missing (prc:absenceCode true)
ABSENCE = {"MISIMPLE:NO-REFLECTION", "MISIMPLE:NO-QUESTION", "MISIMPLE:NO-INPUT"}


def iri(code: str) -> URIRef:
    return URIRef(PRC_IRI + code.replace(":", "_"))


def code_of(term) -> str:
    return str(term)[len(PRC_IRI):].replace("_", ":", 1)


ALL_CODES = {c for dims in CONTRACT.values() for _, codes in dims.values() for c in codes}
ALL_DIMENSIONS = {d for dims in CONTRACT.values() for d in dims}


# -- the terms of the contract ------------------------------------------------------------------------

@pytest.mark.parametrize("system", sorted(CONTRACT))
def test_system_is_a_coding_system_of_turns_seen_by_observers(release_graph, system):
    s = iri(system)
    assert (s, RDF.type, PRC.CodingSystem) in release_graph and (s, RDF.type, OWL.NamedIndividual) in release_graph
    assert release_graph.value(s, URIRef(PRC_IRI + "ratesUnit")) == URIRef(PRC_IRI + "TurnUnit")
    assert release_graph.value(s, URIRef(PRC_IRI + "hasPerspective")) == URIRef(PRC_IRI + "ObserverPerspective")
    version = release_graph.value(s, URIRef(PRC_IRI + "hasVersion"))
    assert (version, RDF.type, URIRef(PRC_IRI + "InstrumentVersion")) in release_graph


@pytest.mark.parametrize("system,dimension", [(s, d) for s, dims in sorted(CONTRACT.items()) for d in sorted(dims)])
def test_every_contract_code_has_its_dimension_and_speaker(release_graph, system, dimension):
    speaker, codes = CONTRACT[system][dimension]
    d = iri(dimension)
    assert (d, RDF.type, PRC.CodingDimension) in release_graph
    assert release_graph.value(d, PRC.itemCode) == Literal(dimension)
    assert release_graph.value(d, PRC.partOfInstrument) == iri(system)
    assert list(release_graph.objects(d, PRC.speakerRole)) == [Literal(speaker)]
    for code in codes:
        c = iri(code)
        assert (c, RDF.type, PRC.UtteranceCode) in release_graph, code
        assert (c, RDF.type, OWL.NamedIndividual) in release_graph, code
        assert list(release_graph.objects(c, PRC.itemCode)) == [Literal(code)], code
        assert list(release_graph.objects(c, PRC.inDimension)) == [d], code
        assert release_graph.value(c, RDFS.label) is not None and release_graph.value(c, SKOS.definition) is not None


def test_no_code_or_dimension_beyond_the_contract(release_graph):
    codes = {code_of(c) for c in release_graph.subjects(RDF.type, PRC.UtteranceCode)}
    dimensions = {code_of(d) for d in release_graph.subjects(RDF.type, PRC.CodingDimension)}
    systems = {code_of(s) for s in release_graph.subjects(RDF.type, PRC.CodingSystem)}
    assert (codes, dimensions, systems) == (ALL_CODES, ALL_DIMENSIONS, set(CONTRACT))


def test_broader_codes_and_exact_matches_are_exactly_the_listed_ones(release_graph):
    broader = {(code_of(s), code_of(o)) for s, o in release_graph.subject_objects(PRC.broaderCode)}
    assert broader == BROADER
    exact = {(code_of(s), code_of(o)) for s, o in release_graph.subject_objects(SKOS.exactMatch)
             if (s, RDF.type, PRC.UtteranceCode) in release_graph}
    assert exact == EXACT


def test_summary_groups_are_the_codes_counting_others_of_their_own_dimension(release_graph):
    """The rule the shapes use to refuse a group as an assigned code (MITI:Q counts MISC:OQ of another dimension)."""
    groups = {code_of(o) for s, o in release_graph.subject_objects(PRC.broaderCode)
              if release_graph.value(s, PRC.inDimension) == release_graph.value(o, PRC.inDimension)}
    assert groups == GROUPS


def test_absence_codes_are_marked_and_count_toward_nothing(release_graph, source):
    """An absence code says the dimension's behaviour is missing: it is marked prc:absenceCode true, one per
    MISIMPLE sub-type dimension, and no code is broader or matching, nor is it mapped to a PRC class."""
    marked = {code_of(s): o for s, o in release_graph.subject_objects(PRC.absenceCode)}
    assert marked == {code: Literal(True) for code in ABSENCE}
    assert {code_of(release_graph.value(iri(c), PRC.inDimension)) for c in ABSENCE} == {
        "MISIMPLE:REFLECTION-TYPE", "MISIMPLE:QUESTION-TYPE", "MISIMPLE:INPUT-TYPE"}
    for code in ABSENCE:
        c = iri(code)
        links = [(p, o) for p, o in release_graph.predicate_objects(c) if str(p).startswith(str(SKOS)) and "Match" in str(p)]
        links += [(p, s) for s, p in release_graph.subject_predicates(c) if p in (PRC.broaderCode, SKOS.exactMatch)]
        assert links == [] and release_graph.value(c, PRC.broaderCode) is None, code
        assert "no " in str(release_graph.value(c, RDFS.label)), code
    prop = PRC.absenceCode
    core = source.graphs[URIRef("https://w3id.org/prc-kg/ontology/module/core")]
    assert (prop, RDF.type, OWL.AnnotationProperty) in core
    assert core.value(prop, RDFS.label) == Literal("absence code", lang="en") and core.value(prop, SKOS.definition)


def test_the_module_is_imported_and_in_the_catalog(source):
    module = URIRef("https://w3id.org/prc-kg/ontology/module/coding")
    assert module in source.graphs and source.files[module].name == "coding.ttl"
    assert (iri("MITI"), RDF.type, PRC.CodingSystem) in source.graphs[module]


def test_qc_passes_and_finds_nothing_on_the_coding_terms(release_graph):
    report = run_qc(release_graph)
    coding = {str(iri(c)) for c in ALL_CODES | ALL_DIMENSIONS | set(CONTRACT)}
    assert report.ok
    assert [v for v in report.violations if v.entity in coding] == []


# -- mappings to the PRC taxonomy ---------------------------------------------------------------------

def _table() -> list[dict[str, str]]:
    with open(mapping_file(default_ontology_dir()), encoding="utf-8", newline="") as fh:
        return list(csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t"))


def test_every_code_is_mapped_or_its_gap_is_recorded(release_graph):
    """A code links to a PRC class, says that none fits (sssom:NoTermFound), or takes the links of its exact match."""
    rows = {}
    for row in _table():
        rows.setdefault(code_of(URIRef(PRC_IRI + row["subject_id"][4:])), set()).add(row["object_id"])
    exact = dict(EXACT)
    # an absence code is no behaviour, so no PRC class can fit it and no gap is recorded for it
    assert not ABSENCE & set(rows)
    unaccounted = sorted(c for c in ALL_CODES - ABSENCE if c not in rows and exact.get(c) not in rows)
    assert unaccounted == []
    for code, objects in rows.items():
        if code in ALL_CODES:
            assert objects == {"sssom:NoTermFound"} or "sssom:NoTermFound" not in objects, code
            for obj in objects - {"sssom:NoTermFound"}:
                assert (URIRef(PRC_IRI + obj[4:]), RDF.type, OWL.Class) in release_graph, (code, obj)
    # the codes the brief names as having no PRC counterpart
    assert {c for c, o in rows.items() if o == {"sssom:NoTermFound"} and c in ALL_CODES} == {
        "MITI:OTHER", "MITI:MIA", "MISC:FN", "MISIMPLE:OTHER"}


def test_mappings_named_in_the_brief(release_graph):
    def has(code, predicate, cls):
        return (iri(code), predicate, URIRef(PRC_IRI + cls)) in release_graph
    assert has("MITI:SR", SKOS.closeMatch, "Clarification")
    assert has("MITI:CR", SKOS.relatedMatch, "Interpretation") and has("MITI:CR", SKOS.relatedMatch, "Clarification")
    assert has("MISC:OQ", SKOS.broadMatch, "EncourageElaboration")
    assert has("MITI:AF", SKOS.broadMatch, "Support")
    assert has("MISIMPLE:ADVICE", SKOS.closeMatch, "GivingAdvice")
    assert has("MISC:CT", SKOS.relatedMatch, "PatientProductivity")
    assert has("MISC:ST", SKOS.relatedMatch, "PatientObstacle")
    assert not list(release_graph.triples((None, None, URIRef("https://w3id.org/sssom/NoTermFound"))))


def test_code_matches_asserted_in_the_ontology_do_not_pass_for_the_mapping_set(source, release_graph):
    bare = source.merged()
    assert list(bare.triples((None, SKOS.exactMatch, None)))  # the coding module's own matches
    assert not has_mappings(bare) and has_mappings(release_graph)


# -- the query ---------------------------------------------------------------------------------------

def _expected_query_rows(release_graph, system: str) -> set[tuple]:
    """(dimension, speaker, code, relation, PRC class, via) worked out from the mapping table and EXACT."""
    links: dict[str, set[tuple[str, str]]] = {}
    for row in _table():
        if row["object_id"].startswith("prc:"):
            links.setdefault(code_of(URIRef(PRC_IRI + row["subject_id"][4:])), set()).add(
                (str(SKOS) + row["predicate_id"][5:], PRC_IRI + row["object_id"][4:]))
    equivalents = {}
    for a, b in EXACT:
        equivalents.setdefault(a, set()).add(b)
        equivalents.setdefault(b, set()).add(a)
    out = set()
    for dimension, (speaker, codes) in CONTRACT[system].items():
        for code in codes:
            found = {(r, c, None) for r, c in links.get(code, set())}
            found |= {(r, c, other) for other in equivalents.get(code, set()) for r, c in links.get(other, set())}
            out |= {(dimension, speaker, code, r, c, v) for r, c, v in found} or {(dimension, speaker, code, None, None, None)}
    return out


@pytest.mark.parametrize("system", sorted(CONTRACT))
def test_query_lists_codes_with_their_nearest_prc_component(kg_store, release_graph, system):
    result = run_library_query(kg_store, "coding_system_prc_components", system=f"prc:{system}")
    rows = [dict(zip(result.variables, r)) for r in result.rows]
    got = {tuple(None if r[k] is None else r[k].value for k in ("dimension", "speaker", "code", "relation",
                                                              "component", "via")) for r in rows}
    assert got == _expected_query_rows(release_graph, system)
    assert len(rows) == len(got)
    for r in rows:
        if r["component"] is not None:
            assert r["componentLabel"].value == str(release_graph.value(URIRef(r["component"].value), RDFS.label))


def test_query_reaches_the_prc_class_through_an_exact_match(kg_store):
    rows = run_library_query(kg_store, "coding_system_prc_components", system="prc:MISIMPLE").rows
    by_code = {}
    for r in rows:
        by_code.setdefault(r[2].value, []).append(r)
    (open_q,) = by_code["MISIMPLE:OPEN"]
    assert (open_q[4].value, open_q[6].value, open_q[7].value) == (
        str(SKOS.broadMatch), "encourage elaboration", "MISC:OQ")
    (other,) = by_code["MISIMPLE:OTHER"]
    assert other[5] is None and other[7] is None


# -- SHACL on coded corpora --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shacl_reports(release_graph):
    from prc_kg.checks.shacl import validate

    return {name: validate(Graph().parse(DATA / f"{name}.nt", format="nt"), release_graph)
            for name in ("good", "bad")}


def _short(iri_text: str) -> str:
    return iri_text.removeprefix(CORPUS)


@pytest.mark.slow
def test_shapes_accept_the_hand_written_corpus(shacl_reports):
    assert shacl_reports["good"] == [], "\n".join(map(str, shacl_reports["good"]))


U = "conversation/c1/utterance/"
PLANTED = {
    # F1 a code of another dimension
    (U + "12/annotation/MISIMPLE_MAIN/a1", "the assigned code is not a code of the annotation's dimension"),
    # F2 a therapist dimension on a patient turn
    (U + "11/annotation/MISIMPLE_MAIN/a2", "the annotation's dimension codes the other speaker's utterances"),
    # F3 two annotators
    (U + "10/annotation/MITI_BEHAVIOUR/a1", "a code annotation is made by at most one annotator, a rater"),
    # F4 an annotation of a conversation: not a turn, so no speaker either
    ("conversation/c1/annotation/MITI_BEHAVIOUR/a1", "a code annotation codes exactly one utterance, a turn of speech"),
    ("conversation/c1/annotation/MITI_BEHAVIOUR/a1", "the annotation's dimension codes the other speaker's utterances"),
    # F5 a summary group assigned
    (U + "12/annotation/MITI_BEHAVIOUR/a3", "the assigned code is a summary group, which is counted, never assigned"),
    # F6 an APS item as dimension: not a coding dimension, and the code is not one of its codes
    (U + "10/annotation/APS_TYPE-EE/a1", "a code annotation is on exactly one coding dimension"),
    (U + "10/annotation/APS_TYPE-EE/a1", "the assigned code is not a code of the annotation's dimension"),
    # F7 neither annotator nor index
    (U + "11/annotation/MISC_CLIENT/x",
     "a code annotation names its annotator or, when the corpus names none, its index (not both)"),
    # F8 position 0 as an integer and no utterance id
    (U + "13", "a turn has at most one turn number, a positive integer"),
    (U + "13", "an utterance of a corpus has exactly one position in its conversation, a positive integer"),
    (U + "13", "an utterance of a corpus keeps exactly one order value from its file, as a string"),
    # F9 two utterances at position 3
    (U + "12", "two utterances of the conversation share a position"),
    (U + "14", "two utterances of the conversation share a position"),
    # F10 a string for an integer attribute, and so a second value
    ("conversation/c1", "a conversation attribute value is not of the datatype its attribute declares"),
    ("conversation/c1", "a conversation has more than one value for an attribute"),
}


@pytest.mark.slow
def test_shapes_report_each_planted_fault_and_nothing_else(shacl_reports):
    got = {(_short(v.focus), v.message) for v in shacl_reports["bad"]}
    assert got == PLANTED


def test_bad_fixture_is_the_good_one_with_faults_added():
    good = Graph().parse(DATA / "good.nt", format="nt")
    bad = Graph().parse(DATA / "bad.nt", format="nt")
    assert set(good) < set(bad)


# -- HermiT ------------------------------------------------------------------------------------------

@pytest.mark.java
@pytest.mark.slow
@pytest.mark.skipif(shutil.which("java") is None, reason="needs a Java runtime")
def test_hermit_accepts_the_corpus_and_refuses_two_codes_on_one_annotation(release_graph, tmp_path: Path):
    from prc_kg.ontology.build import serialise
    from prc_kg.ontology.reasoning import run_hermit

    good = Graph()
    good += release_graph
    good += Graph().parse(DATA / "good.nt", format="nt")
    path = tmp_path / "corpus.owl"
    path.write_bytes(serialise(good, "xml"))
    report = run_hermit(path)
    assert report.consistent and not report.unsatisfiable, report.message
    # prc:assignedCode is functional and the codes are all different: two codes on one annotation clash
    annotation = URIRef(CORPUS + U + "12/annotation/MITI_BEHAVIOUR/a1")
    good.add((annotation, PRC.assignedCode, iri("MITI:SR")))
    path.write_bytes(serialise(good, "xml"))
    assert not run_hermit(path).consistent
