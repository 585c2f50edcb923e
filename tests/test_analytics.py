"""Analytics over the findings: centrality, and evidence paths that follow findings, moderator edges,
subclass links and case outcomes, each hop with its findings and sources. Expected paths are worked out
by hand from examples/findings/findings.yaml and the class hierarchy of the ontology."""

from __future__ import annotations

import itertools

import pytest

from prc_kg.analysis.analytics import centrality, evidence_paths, hops_of, resolve, shortest_evidence_path
from prc_kg.analysis.projection import evidence_graph, findings_graph, taxonomy_graph
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
    alliance = findings.get_edge_data("prc:TherapeuticAlliance", "prc:TreatmentOutcome")
    assert {d["r"] for d in alliance.values()} >= {0.26, 0.21, 0.275}
    assert {d["relation"] for d in alliance.values()} == {"predicts more of"}
    assert {d["wording"] for d in alliance.values()} == {"predicts", "predicts across subgroups"}
    harm = findings.get_edge_data("prc:TransferenceWork", "prc:TherapeuticBenefit")["data:finding/f26-transference-work-harm"]
    assert harm["conditions"] == ["quality of object relations: high", "therapeutic alliance: high"]


def test_disagreeing_findings_are_marked_as_conflicts(findings):
    conflicts = [(u, v) for u, v, d in findings.edges(data=True) if d["conflict"]]
    assert conflicts
    for u, v in conflicts:
        directions = {d["direction"] for a, b, d in findings.edges(data=True) if {a, b} == {u, v}}
        assert len(directions) > 1 or "mixed" in directions


def test_centrality_ranks_the_most_connected_constructs_first(findings):
    scores = centrality(findings)
    # therapeutic benefit is the object of findings with 11 different subjects (relations 14-16, 26-28, 32, 34)
    top = max(scores, key=lambda n: scores[n]["degree"])
    assert top == "prc:TherapeuticBenefit"
    assert scores[top]["degree"] == 11 / (len(findings) - 1)
    assert all(0 <= s["betweenness"] <= 1 for s in scores.values())


@pytest.fixture(scope="module")
def evidence(kg_store):
    return evidence_graph(kg_store)


def test_intervention_quality_reaches_patient_productivity_through_a_narrower_class_and_a_moderator(evidence):
    path = shortest_evidence_path(evidence, "intervention quality", "patient productivity")
    # relation 2: core interpretations are followed by productivity only when skilful; good intervention is a
    # kind of intervention quality, and the moderator edge leads from it to productivity
    assert hops_of(path) == 1
    (hop,) = path
    assert (hop.start, hop.via, hop.upward, hop.subject, hop.object) == (
        "prc:InterventionQuality", ("prc:GoodIntervention",), False, "prc:GoodIntervention", "prc:PatientProductivity")
    assert {(s.finding, s.kind, s.relation, s.level) for s in hop.steps} == {
        ("data:finding/f02-core-interpretations-productivity", "moderator", "moderates", "skilful"),
        ("data:finding/f02-core-interpretations-productivity-interns", "moderator", "moderates", "skilful")}
    assert all(any(src.startswith("P14") for src in s.sources) for s in hop.steps)


def test_paths_end_at_cases_through_findings_drawn_from_them_and_through_case_outcomes(evidence):
    # relation 30 (Giovanna): kinds of intervention quality may have facilitated personality health
    path = shortest_evidence_path(evidence, "intervention quality", "giovanna")
    assert hops_of(path) == 2 and path[-1].object == "data:case/giovanna"
    assert path[0].object == "prc:PersonalityHealth" and path[0].via[0] in ("prc:AttunementToFeeling",
                                                                            "prc:GoodIntervention")
    assert {s.finding for s in path[1].steps} == {"data:finding/f30-giovanna-exploratory-quality-attunement"}
    # the alliance predicts outcome (19, 20); Annie's outcome is judged favourable, a kind of treatment outcome
    path = shortest_evidence_path(evidence, "therapeutic alliance", "annie")
    assert [h.object for h in path] == ["prc:TreatmentOutcome", "data:case/annie"]
    last = path[-1]
    assert last.via == ("prc:BenefitOrOutcome", "prc:FavourableTreatmentOutcome") and last.upward is False
    assert {(s.kind, s.finding) for s in last.steps} == {
        ("case", ""), ("case", "data:finding/f08-using-communications-foreshadows-outcome")}
    assert any(src.startswith("P10") for s in last.steps for src in s.sources)


def test_a_case_is_never_reached_by_going_up_first(evidence):
    # intervention quality predicts in-session progress (1), a kind of benefit or outcome; Annie's favourable
    # outcome is another kind of it. The graph holds that sibling route ...
    assert evidence.has_edge("prc:InSessionProgress", "prc:BenefitOrOutcome", key="broader")
    assert evidence.has_edge("prc:BenefitOrOutcome", "prc:FavourableTreatmentOutcome", key="narrower")
    assert evidence.has_edge("prc:FavourableTreatmentOutcome", "data:case/annie", key="outcome")
    # ... but a hop's subclass links all go one way and a case link never follows upward ones, so no path
    # leads from intervention quality to Annie, while the alliance, whose findings reach treatment outcome
    # itself, does reach her (see above)
    assert evidence_paths(evidence, "intervention quality", "annie", max_length=4) == []
    assert shortest_evidence_path(evidence, "intervention quality", "annie") == []


def test_a_path_may_end_at_a_broader_class_of_what_the_evidence_reaches(evidence):
    path = shortest_evidence_path(evidence, "intervention quality", "benefit or outcome")
    assert hops_of(path) == 1 and len(path) == 2
    assert {s.finding for s in path[0].steps} == {"data:finding/f01-quality-predicts-progress"}
    assert (path[1].start, path[1].via, path[1].upward, path[1].steps) == (
        "prc:InSessionProgress", ("prc:BenefitOrOutcome",), True, ())


def test_null_findings_are_not_followed(evidence):
    # relation 17: the CB-technique factor did not predict outcome; relation 34: no known harm of recording
    assert shortest_evidence_path(evidence, "CognitiveBehavioralTechnique", "TreatmentOutcome") == []
    assert shortest_evidence_path(evidence, "SessionRecording", "TherapeuticBenefit") == []
    # … but recording frees the therapist's attention (35)
    assert hops_of(shortest_evidence_path(evidence, "SessionRecording", "TherapistFullAttention")) == 1


def test_all_paths_come_shortest_first_and_respect_the_length_limit(evidence):
    paths = evidence_paths(evidence, "TherapeuticAlliance", "PatientProductivity", max_length=3, directed=False)
    assert paths and [hops_of(p) for p in paths] == sorted(hops_of(p) for p in paths)
    assert all(hops_of(p) <= 3 for p in paths)
    for path in paths:  # each hop leaves from where the one before it arrived
        for hop, following in itertools.pairwise(path):
            assert following.start == hop.object
    assert evidence_paths(evidence, "TherapeuticAlliance", "PatientProductivity", max_length=3) == []


def test_unknown_constructs_are_named_in_the_error(findings):
    with pytest.raises(PrcKgError, match="no construct 'Telepathy'"):
        resolve(findings, "Telepathy")


@pytest.mark.slow
def test_path_command_prints_steps_and_exits_nonzero_without_a_path(capsys, store_dir):
    store = ["--store", str(store_dir)]
    assert main(["path", "intervention quality", "patient productivity", *store]) == 0
    out = capsys.readouterr().out
    assert out.startswith("path 1: 1 hop(s), 1 subclass link(s)\n")
    assert "(from intervention quality to its narrower class good intervention)" in out
    assert "f02-core-interpretations-productivity: moderates at level skilful (positive, multi-case)" in out
    assert "P14" in out
    assert main(["path", "intervention quality", "giovanna", *store]) == 0
    assert "→ Giovanna (an empirically studied psychoanalysis)" in capsys.readouterr().out
    assert main(["path", "patient productivity", "intervention quality", *store]) == 1
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


@pytest.mark.parametrize("construct", ["InterventionQuality", "TherapeuticAlliance", "InterpretationOfDefense",
                                       "AttentiveListening", "Psychotherapy", "TransferenceWork"])
def test_paths_and_the_k_hop_query_reach_the_same_nodes_at_the_same_distance(evidence, kg_store, construct):
    from prc_kg.analysis.analytics import reachable
    from prc_kg.store.querylib import find_query, short

    q = find_query("reachable_within_k_hops")
    result = kg_store.query(q.text, q.bindings({"construct": f"prc:{construct}"}))
    by_query = {short(row[0]): int(row[3].value) for row in result.rows}
    assert by_query and reachable(evidence, construct, 4) == by_query
    for target, hops in by_query.items():
        # the fewest hops of a path whose last hop lands on the target (a shorter path may end by going
        # up to it from something narrower, which the query does not count as reaching it)
        landing = [p for p in evidence_paths(evidence, construct, target, max_length=hops) if p[-1].steps]
        assert min(hops_of(p) for p in landing) == hops, target
