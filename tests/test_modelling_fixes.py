"""Modelling slips a process researcher would notice (issue 13), each pinned so it cannot come back:
a class is filed under what it is, and its definition says what it is, not how it is rated."""

from __future__ import annotations

import re

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDFS, SKOS

from prc_kg.vocab import PRC, PRC_IRI, SRC


def _c(name: str) -> URIRef:
    return URIRef(PRC_IRI + name)


def _ancestors(g: Graph, cls: URIRef) -> set[URIRef]:
    return {a for a in g.transitive_objects(cls, RDFS.subClassOf) if isinstance(a, URIRef)} - {cls}


def _descendants(g: Graph, cls: URIRef) -> set[URIRef]:
    return {d for d in g.transitive_subjects(RDFS.subClassOf, cls) if isinstance(d, URIRef)} - {cls}


def _definition(g: Graph, cls: URIRef) -> str:
    return str(g.value(cls, SKOS.definition))


def test_acting_out_and_acting_in_are_the_patients_not_joint_enactments(release_graph):
    """An enactment is played out by patient and therapist together; acting out (outside the sessions)
    and acting in (inside them) are the patient's own actions in place of words, transference put into
    action, so they sit under transference, still in section 5 (node 5.4), with a pointer to enactment."""
    g = release_graph
    assert "jointly" in _definition(g, _c("Enactment"))
    for name in ("ActingOut", "ActingIn"):
        cls = _c(name)
        assert _c("Enactment") not in _ancestors(g, cls), f"{name} is still filed as an enactment"
        assert set(g.objects(cls, RDFS.subClassOf)) == {_c("Transference")}
        assert _definition(g, cls).startswith("A transference ")
        assert (cls, RDFS.seeAlso, _c("Enactment")) in g
        assert (cls, PRC.inManualSection, PRC.Section5) in g and str(g.value(cls, PRC.taxonomyCode)) == "5.4"
    # what is left under enactment is played out by both: each definition names the pair's two sides
    for cls in _descendants(g, _c("Enactment")):
        text = _definition(g, cls)
        assert re.search(r"\b(both|together|psychotherapist)\b", text) and "the patient expresses" not in text, cls


def test_patient_contributions_are_defined_as_what_is_rated_not_as_rating_dimensions(release_graph):
    """Expression of feeling and patient productivity are things the patient does in a session; how
    much of them a segment shows is the business of the APS items that score them."""
    g = release_graph
    rating_words = re.compile(r"\b(dimension|rates|scores|captures)\b")
    offenders = [str(c) for c in _descendants(g, PRC.PatientContribution)
                 if rating_words.search(_definition(g, c))]
    assert offenders == []
    for cls, item in ((_c("ExpressionOfFeeling"), "APS:PAT-FEEL"),
                      (_c("PatientProductivity"), "APS:PAT-PROD")):
        assert _definition(g, cls).startswith("An APS-rated patient contribution in which the patient")
        # the rating side stays on the instrument item, which scores the construct
        node = _c(item.replace(":", "_"))
        assert "scores" in _definition(g, node)
        assert (node, PRC.measuresConstruct, cls) in g or item in {str(x) for x in g.objects(cls, PRC.itemXref)}
    productivity = _c("PatientProductivity")
    assert {"understanding", "emotionally"} <= set(re.findall(r"[a-z]+", _definition(g, productivity)))


def test_agreement_on_problem_and_treatment_is_a_state_beside_the_process_that_seeks_it(release_graph):
    """Collaborative problem definition is a process (working out the problem together); agreement on
    problem and treatment is the state it may reach, so it is not a kind of that process."""
    g = release_graph
    agreement = _c("AgreementOnProblemAndTreatment")
    process = _c("CollaborativeProblemDefinition")
    assert process not in _ancestors(g, agreement)
    assert set(g.objects(agreement, RDFS.subClassOf)) == {_c("HelpSeekingAndChange")}
    assert "state" in _definition(g, agreement) and "partners" in _definition(g, process)
    assert (agreement, RDFS.seeAlso, process) in g
    assert (agreement, PRC.inManualSection, PRC.Section1) in g and str(g.value(agreement, PRC.taxonomyCode)) == "1.4"


def test_instruments_are_not_filed_as_manual_components(release_graph):
    """An alliance instrument scores the alliance; it is not something the manual teaches as part of
    the process. No instrument class carries a manual section or a taxonomy code of the process tree;
    the reference node it answers (2.6, alliance measures) is kept in a note."""
    g = release_graph
    instruments = _descendants(g, PRC.Instrument) | {PRC.Instrument}
    filed = sorted(str(c) for c in instruments
                   if (c, PRC.inManualSection, None) in g or (c, PRC.taxonomyCode, None) in g)
    assert filed == []
    alliance = _c("AllianceInstrument")
    assert PRC.ProcessComponent not in _ancestors(g, alliance)
    assert any("2.6" in str(note) for note in g.objects(alliance, SKOS.scopeNote))


def test_only_factor_analysis_factors_sit_under_the_factor_classes(release_graph):
    """The therapist and patient factor classes hold the factors found by the APS+DIS factor analysis
    (X4). Therapist competence, from a separate study of competence and alliance growth (L20), is a
    therapist contribution of its own, not one of those factors."""
    g = release_graph
    for root in (_c("TherapistFactor"),
                 _c("PatientFactor")):
        for cls in _descendants(g, root):
            assert SRC.X4 in set(g.objects(cls, DCTERMS.source)), f"{cls} does not rest on the factor analysis"
            assert str(g.value(cls, PRC.provenanceTag)) == "DIS", cls
    competence = _c("TherapistCompetence")
    assert set(g.objects(competence, RDFS.subClassOf)) == {_c("TherapistContribution")}
    assert SRC.L20 in set(g.objects(competence, DCTERMS.source))
