"""Analytics over the findings graph: centrality and evidence paths with their findings."""

from __future__ import annotations

import itertools

import pytest

from prc_kg.analysis.analytics import centrality, evidence_paths, resolve, shortest_evidence_path
from prc_kg.analysis.projection import findings_graph, taxonomy_graph
from prc_kg.cli.main import main
from prc_kg.errors import PrcKgError


@pytest.fixture(scope="module")
def findings(kg_store):
    return findings_graph(kg_store)


def test_findings_graph_has_one_edge_per_finding_and_subject_object_pair(findings, examples):
    from prc_kg.vocab import PRC

    g = examples.graph
    expected = sum(len(list(g.objects(f, PRC.findingSubject))) * len(list(g.objects(f, PRC.findingObject)))
                   for f in set(g.subjects(PRC.findingSubject, None)))
    assert findings.number_of_edges() == expected
    alliance = findings.get_edge_data("prc:TherapeuticAlliance", "prc:TherapeuticBenefit")
    assert {d["r"] for d in alliance.values()} >= {0.26, 0.21, 0.275}


def test_disagreeing_findings_are_marked_as_conflicts(findings):
    conflicts = [(u, v) for u, v, d in findings.edges(data=True) if d["conflict"]]
    assert conflicts
    for u, v in conflicts:
        directions = {d["direction"] for a, b, d in findings.edges(data=True) if {a, b} == {u, v}}
        assert len(directions) > 1 or "mixed" in directions


def test_centrality_ranks_the_most_connected_constructs_first(findings):
    scores = centrality(findings)
    top = max(scores, key=lambda n: scores[n]["degree"])
    assert top in {"prc:TherapeuticAlliance", "prc:PatientProductivity", "prc:TherapeuticBenefit"}
    assert all(0 <= s["betweenness"] <= 1 for s in scores.values())


def test_shortest_path_names_each_finding_and_its_source(findings):
    path = shortest_evidence_path(findings, "intervention quality", "prc:TherapeuticBenefit")
    assert len(path) == 1
    assert path[0][0].finding == "data:finding/f01-quality-predicts-progress"
    assert any(s.startswith("P14") for s in path[0][0].sources)


def test_all_paths_come_shortest_first_and_respect_the_length_limit(findings):
    paths = evidence_paths(findings, "TherapeuticAlliance", "PatientProductivity", max_length=3, directed=False)
    assert paths and [len(p) for p in paths] == sorted(len(p) for p in paths)
    assert all(len(p) <= 3 for p in paths)
    for path in paths:  # consecutive hops share a construct
        for hop, following in itertools.pairwise(path):
            assert {hop[0].subject, hop[0].object} & {following[0].subject, following[0].object}


def test_unknown_constructs_are_named_in_the_error(findings):
    with pytest.raises(PrcKgError, match="no construct 'Telepathy'"):
        resolve(findings, "Telepathy")


@pytest.mark.slow
def test_path_command_prints_steps_and_exits_nonzero_without_a_path(capsys, store_dir):
    store = ["--store", str(store_dir)]
    assert main(["path", "intervention quality", "therapeutic benefit", *store]) == 0
    out = capsys.readouterr().out
    assert "f01-quality-predicts-progress" in out and "P14" in out
    assert main(["path", "therapeutic benefit", "intervention quality", *store]) == 1
    assert "try --undirected" in capsys.readouterr().out
    assert main(["path", "Telepathy", "therapeutic benefit", *store]) == 2


@pytest.mark.slow
def test_analyze_transitions_reports_the_planted_pattern_as_csv(capsys, store_dir):
    assert main(["analyze", "transitions", "--significant", "--format", "csv", "--store", str(store_dir)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("group,antecedent (t),consequent (t+1)")
    assert any(line.startswith("pooled,interpretation,patient productivity,") for line in lines)


def test_taxonomy_projection_covers_every_component_class(kg_store, terms):
    from prc_kg.vocab import PRC

    g = taxonomy_graph(kg_store)
    components = {c for c in terms.classes if terms.is_a(c, PRC.ProcessComponent) or terms.is_a(c, PRC.Psychotherapy)}
    assert {"prc:" + str(c).rsplit("/", 1)[-1] for c in components} <= set(g)
    assert g.nodes["prc:InterpretationOfDefense"]["group"] == "section 3"
    assert "prc:APS" in g and g.nodes["prc:APS"]["kind"] == "instrument"
