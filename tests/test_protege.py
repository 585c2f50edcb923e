"""Protégé compatibility through OWLAPI 5 (the library Protégé runs on), both directions."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

from prc_kg.checks.qc import run_qc
from prc_kg.ontology.build import build_release
from prc_kg.ontology.locations import source_locations
from prc_kg.ontology.source import default_ontology_dir, load_source
from prc_kg.vocab import PRC, PRC_IRI

pytestmark = [pytest.mark.java, pytest.mark.slow]


def _summary(stdout: str) -> str:
    return [line for line in stdout.splitlines() if line.startswith("SUMMARY")][-1]


def test_source_opens_without_unparsed_triples_guesses_or_dl_violations(owlapi_checker):
    result = owlapi_checker(str(default_ontology_dir() / "prc-kg.ttl"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "problems=0" in _summary(result.stdout)
    assert "ontologies=12" in _summary(result.stdout)


def test_rdfxml_release_opens_cleanly(owlapi_checker, built):
    result = owlapi_checker(str(built.rdfxml))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "problems=0" in _summary(result.stdout)


def test_build_and_qc_work_after_a_protege_style_save(owlapi_checker, tmp_path):
    """OWLAPI adds a class and rewrites every module in its own Turtle layout, as Protégé's save does."""
    saved = tmp_path / "saved"
    result = owlapi_checker(str(default_ontology_dir() / "prc-kg.ttl"), "--resave", str(saved), "--add-class")
    assert result.returncode == 0, result.stdout + result.stderr
    original = (default_ontology_dir() / "modules" / "therapist.ttl").read_text(encoding="utf-8")
    assert (saved / "modules" / "therapist.ttl").read_text(encoding="utf-8") != original

    source = load_source(saved)
    paths, graph = build_release(source, tmp_path / "build")
    new = URIRef(PRC_IRI + "ReflectionOfFeeling")
    assert (new, RDFS.subClassOf, PRC.TherapistIntervention) in graph
    report = run_qc(graph)
    assert report.count("ERROR") == 0, [v for v in report.violations if v.level == "ERROR"]
    assert len(Graph().parse(paths.turtle)) == len(graph)
    # QC findings still point at the line in OWLAPI's layout
    where = source_locations(source)
    assert {str(s) for s in graph.subjects() if isinstance(s, URIRef)} <= set(where)
    path, line = where[str(new)].rsplit(":", 1)
    assert Path(path) == saved / "modules" / "therapist.ttl"
    opening = Path(path).read_text(encoding="utf-8").splitlines()[int(line) - 1]
    assert opening.split()[0] in (f"<{new}>", "prc:ReflectionOfFeeling", ":ReflectionOfFeeling"), opening


def test_ontology_with_examples_stays_owl2_dl(owlapi_checker, source, examples, tmp_path):
    """The findings' direct edges join construct classes with object properties (punning: OWL 2 DL reads
    the class IRI as an individual in the assertion); OWLAPI must parse every triple of the file the
    reasoner reads and find no OWL 2 DL violation."""
    from prc_kg.ontology.build import WITH_EXAMPLES_OWL

    build_release(source, tmp_path, examples.graph)
    path = tmp_path / WITH_EXAMPLES_OWL
    edge = ('<rdf:Description rdf:about="https://w3id.org/prc-kg/ontology/TherapistCompetence">', "predictsDecrease")
    text = path.read_text(encoding="utf-8")
    assert all(part in text for part in edge)
    result = owlapi_checker(str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "problems=0" in _summary(result.stdout)
