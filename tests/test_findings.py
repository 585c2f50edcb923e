"""Findings and figures: every relation of the reference, with figures, sources and evidence kept apart."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict

import pytest
from conftest import ROOT
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from prc_kg.errors import InputError
from prc_kg.instances.findings import FindingBuilder
from prc_kg.vocab import DATA, PRC, PRC_IRI


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
    condition = g.value(f, PRC.hasCondition)
    assert (g.value(condition, PRC.conditionConstruct), g.value(condition, PRC.conditionLevel)) == (
        URIRef(PRC_IRI + "GoodIntervention"), PRC.SkilfulLevel)


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


GOOD = """prc-kg: findings/2
findings:
  - id: f-test
    statement: Test.
    subject: [TherapeuticAlliance]
    relation: predictsIncrease
    object: [TreatmentOutcome]
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
    (("object: [TreatmentOutcome]", "object: [Wellbeing]"), "object", "'Wellbeing' is not a class"),
    (("source: [L3]", "source: []"), "source", "expected a list of source ids"),
    (("    relation: predictsIncrease\n", ""), "relation", "expected a relation property of the ontology"),
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


# -- typed relations, direct edges, moderator conditions, typed figures (issue 13) -----------------------------

def _yaml_findings() -> list[dict]:
    from prc_kg.instances.yamlfile import read_yaml

    return read_yaml(ROOT / "examples" / "findings" / "findings.yaml", "findings/2")["findings"]


def _p(name: str) -> URIRef:
    return URIRef(PRC_IRI + name)


# Findings per relation property, counted by hand from examples/findings/findings.yaml (60 in all).
RELATION_COUNTS = {"increases": 14, "predictsIncrease": 11, "isFollowedBy": 6, "positivelyAssociatedWith": 5,
                   "influences": 5, "variesWith": 5, "decreases": 4, "constitutes": 3, "associatedWith": 2,
                   "predicts": 2, "negativelyAssociatedWith": 2, "predictsDecrease": 1}


def test_every_finding_asserts_one_relation_of_the_hierarchy(examples, terms):
    g = examples.graph
    relations = set(terms.relations.values())
    assert len(relations) == 13  # prc:associatedWith and the twelve properties under it
    got = Counter()
    for f in g.subjects(RDF.type, PRC.Finding):
        asserted = list(g.objects(f, PRC.assertsRelation))
        assert len(asserted) == 1 and asserted[0] in relations, f
        got[_local(asserted[0])] += 1
    assert dict(got) == RELATION_COUNTS and sum(got.values()) == 60


def test_the_source_wording_is_kept_beside_the_typed_relation(examples):
    g = examples.graph
    wordings = {str(w) for w in g.objects(None, PRC.relationKind)}
    assert len(wordings) == 39  # the 39 distinct verbs of the reference, "composed of" turned round as "make up"
    f = DATA["finding/f26-transference-work-harm"]
    assert (str(g.value(f, PRC.relationKind)), _local(g.value(f, PRC.assertsRelation))) == ("harms", "decreases")


def test_signs_of_the_relations_follow_the_hierarchy(terms):
    signs = {name: terms.relation_sign(p) for name, p in terms.relations.items()}
    assert {n for n, s in signs.items() if s == "positive"} == {"positivelyAssociatedWith", "predictsIncrease",
                                                                 "increases"}
    assert {n for n, s in signs.items() if s == "negative"} == {"negativelyAssociatedWith", "predictsDecrease",
                                                                 "decreases"}


def test_direct_edges_are_exactly_those_of_the_findings_that_are_not_null(examples, terms):
    expected = set()
    for f in _yaml_findings():
        if f["direction"] == "null":
            continue
        for s, o in itertools.product(f["subject"], f["object"]):
            expected.add((s, f["relation"], o))
        for m, o in itertools.product(f.get("moderator") or [], f["object"]):
            expected.add((m["construct"], "moderates", o))
    relations = set(terms.relations.values())
    got = {(_local(s), _local(p), _local(o)) for s, p, o in examples.graph if p in relations}
    assert got == expected
    # checked by hand against the YAML
    assert ("TherapistCompetence", "predictsIncrease", "TreatmentOutcome") in got
    assert ("TherapistCompetence", "predictsDecrease", "TreatmentOutcome") in got
    assert ("TherapeuticAlliance", "moderates", "TreatmentOutcome") in got          # f29: alliance growing/stagnant
    assert ("GoodIntervention", "moderates", "PatientProductivity") in got           # f02: skilful interventions
    assert ("GreaterUnderstanding", "constitutes", "PatientProductivity") in got     # f03, part to whole
    # the null findings assert nothing: brand and benefit, CB technique and outcome, recording and benefit
    assert not {t for t in got if t[0] in ("TherapyBrand", "CognitiveBehavioralTechnique", "SessionRecording")
                and t[2] in ("TherapeuticBenefit", "TreatmentOutcome", "ProcessComponent")}
    assert (DATA["finding/f17-cb-technique-does-not-predict"], PRC.assertsRelation, _p("predicts")) in examples.graph


def test_moderators_are_conditions_with_a_typed_level(examples):
    g = examples.graph
    got = {}
    for f, cond in g.subject_objects(PRC.hasCondition):
        assert (cond, RDF.type, PRC.ModeratorCondition) in g
        got.setdefault(str(f).rsplit("/", 1)[-1], set()).add(
            (_local(g.value(cond, PRC.conditionConstruct)), _local(g.value(cond, PRC.conditionLevel))))
    assert got == {
        "f02-core-interpretations-productivity": {("GoodIntervention", "SkilfulLevel")},
        "f02-core-interpretations-productivity-interns": {("GoodIntervention", "SkilfulLevel")},
        "f26-transference-work-benefit": {("QualityOfObjectRelations", "LowLevel"), ("PersonalityDisorder", "PresentLevel")},
        "f26-transference-work-harm": {("QualityOfObjectRelations", "HighLevel"), ("TherapeuticAlliance", "HighLevel")},
        "f28-psychoanalysis-introjective": {("IntrojectivePersonality", "PresentLevel")},
        "f28-supportive-expressive-anaclitic": {("AnacliticPersonality", "PresentLevel")},
        "f29-competence-growing-alliance": {("TherapeuticAlliance", "GrowingLevel")},
        "f29-competence-stagnant-alliance": {("TherapeuticAlliance", "StagnantLevel")},
    }
    # the words stay as a note
    assert "grew" in str(g.value(DATA["finding/f29-competence-growing-alliance"], PRC.condition))


def _figure(g: Graph, node: URIRef) -> tuple:
    return (float(g.value(node, PRC.figureValue)), _local(g.value(node, PRC.figureQualifier)),
            _local(g.value(node, PRC.counts)) if g.value(node, PRC.counts) is not None else None)


def test_typed_figures_keep_what_they_count_and_their_qualifier(examples):
    g = examples.graph
    f2018 = DATA["finding/f19-alliance-outcome-2018"]
    by_field = {str(fig).rsplit("/", 1)[-1]: fig for fig in g.objects(f2018, PRC.reportsFigure)}
    assert _figure(g, by_field["n"]) == (30000.0, "MoreThan", "Patient")      # "more than 30,000 patients"
    assert _figure(g, by_field["k"]) == (295.0, "Exactly", "Study")
    assert int(g.value(f2018, PRC.sampleSize)) == 30000                       # the plain figure stays for old queries
    assert _figure(g, DATA["finding/f19-alliance-outcome-2011/n"]) == (14000.0, "MoreThan", "Psychotherapy")
    assert _figure(g, DATA["finding/f27-transference-treatments-symptoms/k"]) == (30.0, "MoreThan", "Study")
    assert _figure(g, DATA["figure/fig-recording-experience-newer-page"]) == (35.0, "MoreThan", None)
    assert _figure(g, DATA["figure/fig-recording-experience-older-page"]) == (12.0, "About", None)
    assert _figure(g, DATA["figure/fig-recorded-cases-library"]) == (81.0, "Exactly", "Case")
    assert _figure(g, DATA["figure/fig-jones-pulos-transcripts"]) == (186.0, "Exactly", "Session")
    # every figure has a qualifier; 104 = 75 listed figures + 18 sample sizes + 11 study counts of findings
    figures = set(g.subjects(RDF.type, PRC.ReportedFigure))
    assert len(figures) == 104 and all(g.value(f, PRC.figureQualifier) is not None for f in figures)


OUTCOMES = {  # class -> told parent, in the outcome hierarchy under prc:TreatmentOutcome
    "TreatmentOutcome": "HelpSeekingAndChange", "BenefitOrOutcome": "TreatmentOutcome",
    "UnfavourableTreatmentOutcome": "TreatmentOutcome", "Relapse": "TreatmentOutcome",
    "TherapeuticBenefit": "BenefitOrOutcome", "InSessionProgress": "BenefitOrOutcome",
    "FavourableTreatmentOutcome": "BenefitOrOutcome", "BestTreatmentOutcome": "FavourableTreatmentOutcome",
    "SymptomRelief": "BenefitOrOutcome",
}


def test_outcomes_form_a_hierarchy_and_findings_point_at_the_right_one(release_graph, examples):
    for cls, parent in OUTCOMES.items():
        assert (_p(cls), RDFS.subClassOf, _p(parent)) in release_graph, cls
    # progress, a favourable and a best outcome no longer collapse into therapeutic benefit
    alt = {str(a) for a in release_graph.objects(_p("TherapeuticBenefit"), SKOS.altLabel)}
    assert not alt & {"patient progress", "favourable outcome", "outcome"}
    g = examples.graph
    objects = {str(f).rsplit("/", 1)[-1]: {_local(o) for o in g.objects(f, PRC.findingObject)}
               for f in g.subjects(RDF.type, PRC.Finding)}
    assert objects["f01-quality-predicts-progress"] == {"InSessionProgress"}
    assert objects["f08-using-communications-foreshadows-outcome"] == {"FavourableTreatmentOutcome"}
    assert objects["f10-agreement-best-outcome"] == {"BestTreatmentOutcome"}
    assert objects["f22-negative-process-poor-outcome"] == {"UnfavourableTreatmentOutcome"}
    assert all(objects[f"f19-alliance-outcome-{y}"] == {"TreatmentOutcome"} for y in ("1991", "2002", "2011", "2018"))
    assert sum(o == {"TherapeuticBenefit"} for o in objects.values()) == 12


def test_case_outcome_judgements_are_linked_into_the_outcome_hierarchy(release_graph):
    links = {(_local(c), _local(j)) for c, j in release_graph.subject_objects(PRC.matchesOutcomeJudgement)}
    assert links == {("FavourableTreatmentOutcome", "FavourableOutcome"),
                     ("UnfavourableTreatmentOutcome", "UnfavourableOutcome"), ("TreatmentOutcome", "MixedOutcome")}


TYPED = """prc-kg: findings/2
findings:
  - id: f-typed
    statement: Test.
    subject: [TherapistCompetence]
    relation: predictsIncrease
    object: [TreatmentOutcome]
    direction: positive
    moderator: [{construct: TherapeuticAlliance, level: growing}, QualityOfObjectRelations]
    n: {value: 78, qualifier: at least, counts: Patient}
    evidence: multi-case
    source: [L20]
    tag: LIT
  - id: f-null
    statement: Test.
    subject: [SessionRecording]
    relation: decreases
    wording: has no known harmful effect on
    object: [TherapeuticBenefit]
    direction: "null"
    evidence: expert-claim
    source: [P25]
    tag: PRC
"""


def test_typed_finding_writes_edges_conditions_and_figure(tmp_path, terms):
    path = tmp_path / "f.yaml"
    path.write_text(TYPED, encoding="utf-8")
    b = FindingBuilder(terms, Graph())
    assert b.add_file(path) == 2
    g, f = b.g, DATA["finding/f-typed"]
    assert (_p("TherapistCompetence"), _p("predictsIncrease"), _p("TreatmentOutcome")) in g
    assert {(_local(s), _local(o)) for s, o in g.subject_objects(PRC.moderates)} == {
        ("TherapeuticAlliance", "TreatmentOutcome"), ("QualityOfObjectRelations", "TreatmentOutcome")}
    levels = {_local(g.value(c, PRC.conditionConstruct)): g.value(c, PRC.conditionLevel)
              for c in g.objects(f, PRC.hasCondition)}
    assert levels == {"TherapeuticAlliance": PRC.GrowingLevel, "QualityOfObjectRelations": None}  # QC reports the second
    assert _figure(g, DATA["finding/f-typed/n"]) == (78.0, "AtLeast", "Patient")
    assert g.value(f, PRC.relationKind) is None and "predicts more of" in str(g.value(f, RDFS.label))
    # the null finding names the harm looked for, and asserts no edge
    assert (DATA["finding/f-null"], PRC.assertsRelation, _p("decreases")) in g
    assert not list(g.triples((_p("SessionRecording"), None, None)))


@pytest.mark.parametrize("edit,field,message", [
    (("relation: predictsIncrease", "relation: predicts more"), "relation", "the source's verb goes in 'wording'"),
    (("relation: predictsIncrease", "relation: decreases"), "relation", "'decreases' is negative, but the direction"),
    (("level: growing", "level: rising"), "moderator", "expected a level, one of low, high, growing"),
    (("QualityOfObjectRelations]", "Wellbeing]"), "moderator", "moderator 2: 'Wellbeing' is not a class"),
    (("counts: Patient", "counts: patients"), "n", "'counts' names the class of what is counted"),
    (("qualifier: at least", "qualifier: roughly"), "n", "expected a qualifier, one of exact, about"),
    (("value: 78,", "value: 0,"), "n", "expected a positive whole number"),
    (("counts: Patient}", "counts: Patient, unit: people}"), "unit", "unknown field(s) unit in 'n'"),
    (("prc-kg: findings/2", "prc-kg: findings/1"), "prc-kg", "findings/1 gave relations as free verbs"),
])
def test_bad_typed_finding_is_named(tmp_path, terms, edit, field, message):
    path = tmp_path / "f.yaml"
    path.write_text(TYPED.replace(*edit, 1), encoding="utf-8")
    with pytest.raises(InputError) as err:
        FindingBuilder(terms).add_file(path)
    assert err.value.field == field and message in err.value.message and err.value.path == path
