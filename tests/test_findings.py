"""Findings and figures: every relation of the reference, with figures, sources and evidence kept apart."""

from __future__ import annotations

from collections import defaultdict

import pytest
from rdflib import Graph
from rdflib.namespace import RDF

from prc_kg.errors import InputError
from prc_kg.instances.findings import FindingBuilder
from prc_kg.vocab import DATA, PRC


def _local(term) -> str:
    return str(term).rsplit("/", 1)[-1]


def test_every_reference_relation_is_a_finding(examples):
    numbers = {int(n) for n in examples.graph.objects(None, PRC.findingNumber)}
    assert numbers == set(range(1, 38))


def test_findings_relate_ontology_classes_and_cite_sources(examples, release_graph):
    g = examples.graph
    classes = set(release_graph.subjects(RDF.type, None))
    for finding in g.subjects(RDF.type, PRC.Finding):
        for prop in (PRC.findingSubject, PRC.findingObject):
            values = list(g.objects(finding, prop))
            assert values and all(v in classes for v in values), (finding, prop)
        assert list(g.objects(finding, PRC.supportedBy)), finding
        assert g.value(finding, PRC.hasEvidenceLevel) is not None


def test_alliance_outcome_meta_analyses_keep_their_own_figures(examples):
    g = examples.graph
    rows = set()
    for f in g.subjects(PRC.findingNumber, None):
        if int(g.value(f, PRC.findingNumber)) == 19 and g.value(f, PRC.numberOfStudies) is not None:
            rows.add((int(g.value(f, PRC.year)), float(g.value(f, PRC.effectSizeR)), int(g.value(f, PRC.numberOfStudies))))
    assert {(1991, 0.26, 26), (2002, 0.21, 100), (2011, 0.275, 190), (2018, 0.278, 295), (2018, 0.275, 23)} <= rows
    f2018 = next(f for f in g.subjects(PRC.year, None) if "2018" in str(f) and "f19" in str(f))
    assert (float(g.value(f2018, PRC.confidenceLower)), float(g.value(f2018, PRC.confidenceUpper))) == (0.256, 0.299)


def test_skill_moderates_interpretation_to_productivity(examples):
    g = examples.graph
    hits = [f for f in g.subjects(PRC.findingNumber, None) if int(g.value(f, PRC.findingNumber)) == 2]
    assert hits
    f = hits[0]
    assert {_local(s) for s in g.objects(f, PRC.findingSubject)} >= {"InterpretationOfDefense", "TransferenceInterpretation"}
    assert "PatientProductivity" in {_local(o) for o in g.objects(f, PRC.findingObject)}
    assert "GoodIntervention" in {_local(m) for m in g.objects(f, PRC.findingModerator)}


def test_disagreeing_case_counts_stay_apart(examples):
    g = examples.graph
    counts = defaultdict(set)
    for fig in g.subjects(RDF.type, PRC.ReportedFigure):
        value = float(g.value(fig, PRC.figureValue))
        counts[value].add((str(g.value(fig, PRC.scope)), tuple(sorted(map(_local, g.objects(fig, PRC.supportedBy))))))
    for value, source in ((81, "P2"), (31, "X5"), (27, "X4")):
        assert any(source in sources for _, sources in counts[value]), (value, counts[value])
    scopes = {scope for v in (81, 31, 27) for scope, _ in counts[v]}
    assert len(scopes) >= 3


def test_both_tags_prc_and_literature_are_present(examples):
    tags = {str(t) for f in examples.graph.subjects(RDF.type, PRC.Finding)
            for t in examples.graph.objects(f, PRC.provenanceTag)}
    assert {"PRC", "APS", "LIT"} <= tags


GOOD = """prc-kg: findings/1
findings:
  - id: f-test
    statement: Test.
    subject: [TherapeuticAlliance]
    relation: predicts
    object: [TherapeuticBenefit]
    direction: positive
    r: 0.3
    evidence: meta-analysis
    source: [L3]
    tag: LIT
"""


@pytest.mark.parametrize("edit,field,message", [
    (("r: 0.3", "r: 1.3"), "r", "between -1 and 1"),
    (("direction: positive", "direction: up"), "direction", "expected one of"),
    (("evidence: meta-analysis", "evidence: anecdote"), "evidence", "expected one of"),
    (("object: [TherapeuticBenefit]", "object: [Wellbeing]"), "object", "'Wellbeing' is not a class"),
    (("source: [L3]", "source: []"), "source", "expected a list of source ids"),
    (("    relation: predicts\n", ""), "relation", "verb phrase"),
])
def test_bad_finding_is_named(tmp_path, terms, edit, field, message):
    path = tmp_path / "f.yaml"
    path.write_text(GOOD.replace(*edit), encoding="utf-8")
    with pytest.raises(InputError) as err:
        FindingBuilder(terms).add_file(path)
    assert err.value.field == field and message in err.value.message and err.value.path == path


def test_good_finding_loads(tmp_path, terms):
    path = tmp_path / "f.yaml"
    path.write_text(GOOD, encoding="utf-8")
    b = FindingBuilder(terms, Graph())
    assert b.add_file(path) == 1
    assert (DATA["finding/f-test"], PRC.hasDirection, PRC.PositiveDirection) in b.g


def test_library_cases_carry_their_findings(examples):
    g = examples.graph
    by_case = {}
    for f, case in g.subject_objects(PRC.concernsCase):
        by_case.setdefault(_local(case), set()).add(int(g.value(f, PRC.findingNumber)))
    assert 30 in by_case["giovanna"]
    assert 8 in by_case["annie"]
    assert 2 in by_case["saying-right-thing-1"]
    assert {4, 5} <= by_case["aps-pilot-2"]
