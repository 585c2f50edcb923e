"""`prc-kg reason`: HermiT finds the ontology consistent, classifies coded turns, names what breaks it."""

from __future__ import annotations

import shutil

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from prc_kg.errors import JavaMissingError
from prc_kg.ontology.build import serialise
from prc_kg.ontology.reasoning import run_hermit
from prc_kg.vocab import PRC, PRC_IRI

DATA = "https://w3id.org/prc-kg/data/test/"
needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="needs a Java runtime (.ci/run installs one)")


def _variant(release_graph, tmp_path, triples) -> str:
    g = Graph()
    g += release_graph
    for t in triples:
        g.add(t)
    path = tmp_path / "variant.owl"
    path.write_bytes(serialise(g, "xml"))
    return path


@pytest.mark.java
@needs_java
def test_ontology_is_consistent_with_no_unsatisfiable_class(built):
    report = run_hermit(built.rdfxml)
    assert report.consistent, report.message
    assert report.unsatisfiable == []


@pytest.mark.java
@needs_java
def test_coded_turn_is_classified_as_interpretation_of_defense(release_graph, tmp_path):
    turn, aim = URIRef(DATA + "turn7"), URIRef(DATA + "turn7-aim")
    other, other_aim = URIRef(DATA + "turn9"), URIRef(DATA + "turn9-aim")
    path = _variant(release_graph, tmp_path, [
        (turn, RDF.type, OWL.NamedIndividual), (turn, RDF.type, PRC.TherapistTurn), (turn, RDF.type, PRC.Interpretation),
        (aim, RDF.type, OWL.NamedIndividual), (aim, RDF.type, PRC.PatientsDefense), (turn, PRC.hasAim, aim),
        # a clarification with the same aim is not an interpretation of defense
        (other, RDF.type, OWL.NamedIndividual), (other, RDF.type, URIRef(PRC_IRI + "Clarification")),
        (other_aim, RDF.type, OWL.NamedIndividual), (other_aim, RDF.type, PRC.PatientsDefense), (other, PRC.hasAim, other_aim),
    ])
    report = run_hermit(path)
    assert report.consistent
    inferred = set(report.inferred_types)
    assert (str(turn), str(PRC.InterpretationOfDefense)) in inferred
    assert (str(other), str(PRC.InterpretationOfDefense)) not in inferred


@pytest.mark.java
@needs_java
def test_violated_disjointness_is_reported_with_the_offending_classes(release_graph, tmp_path):
    seg = URIRef(DATA + "segment3")
    path = _variant(release_graph, tmp_path, [
        (seg, RDF.type, OWL.NamedIndividual), (seg, RDF.type, PRC.TherapistSegment), (seg, RDF.type, PRC.PatientSegment),
    ])
    report = run_hermit(path)
    assert not report.consistent
    assert [(c.individual, {c.class_a, c.class_b}) for c in report.clashes] == [
        (str(seg), {str(PRC.TherapistSegment), str(PRC.PatientSegment)})]


@pytest.mark.java
@needs_java
def test_unsatisfiable_class_is_named(release_graph, tmp_path):
    bad = URIRef("https://w3id.org/prc-kg/ontology/SpeakerOfBoth")
    path = _variant(release_graph, tmp_path, [
        (bad, RDF.type, OWL.Class), (bad, RDFS.subClassOf, PRC.TherapistSegment),
        (bad, RDFS.subClassOf, PRC.PatientSegment),
    ])
    report = run_hermit(path)
    assert report.consistent
    assert report.unsatisfiable == [str(bad)]


def test_missing_java_is_not_reported_as_inconsistency(built, monkeypatch, capsys):
    import owlready2

    from prc_kg.cli.main import main

    monkeypatch.setattr(owlready2, "JAVA_EXE", "no-such-java-binary")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(JavaMissingError, match="no Java runtime found"):
        run_hermit(built.rdfxml)
    assert main(["reason", "--file", str(built.rdfxml)]) == 3
    assert "no Java runtime found" in capsys.readouterr().err
