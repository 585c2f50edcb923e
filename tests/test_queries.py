"""The query library: every competency question and analysis query gives the answer the example data imply.

Expected answers are worked out here from the sources of the graph (the example YAML files, the ratings
CSV and the ontology), not copied from the queries' output.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections import Counter, defaultdict
from pathlib import Path
from statistics import mean

import pyoxigraph as ox
import pytest
from conftest import ROOT, run_library_query
from rdflib import URIRef
from rdflib.namespace import RDF, RDFS

from prc_kg.instances.yamlfile import read_yaml
from prc_kg.store.querylib import load_library
from prc_kg.vocab import PRC, PRC_IRI, SRC

EXAMPLES = ROOT / "examples"
LIBRARY = load_library()
EMPTY_BY_DESIGN = {"components_without_examples"}
PRC_RESEARCH_TAGS = {"PRC", "APS", "DIS", "PHI"}


# -- helpers -------------------------------------------------------------------------------------------

def local(term) -> str | None:
    """The local name of an IRI (after the last '/'), or a literal's lexical value; None when unbound."""
    if term is None:
        return None
    value = term.value
    return value.rsplit("/", 1)[-1] if value.startswith(("http://", "https://")) else value


def num(term) -> float | None:
    return None if term is None else float(term.value)


def rows(store, name: str, **params) -> list[dict[str, object]]:
    result = run_library_query(store, name, **params)
    assert result.kind == "select"
    return [dict(zip(result.variables, row)) for row in result.rows]


def _load_yaml(path: Path, marker: str) -> dict:
    """Read an example file as the loader does (a key such as `on` stays a string)."""
    return read_yaml(path, marker)


def all_cases() -> list[dict]:
    files = sorted((EXAMPLES / "cases").glob("*.yaml")) + sorted((EXAMPLES / "vignettes").glob("*.yaml"))
    return [case for f in files for case in _load_yaml(f, "cases/1")["cases"]]


def case_by_id(case_id: str) -> dict:
    return next(c for c in all_cases() if c["id"] == case_id)


def numbered_turns(session: dict) -> list[tuple[int | None, dict]]:
    """(turn number, turn) in listed order, numbering as the loader does (position when `tos` is left out)."""
    out = []
    for position, turn in enumerate(session.get("turns") or [], start=1):
        if "tos_range" in turn:
            out.append((turn["tos_range"][0], turn))
        else:
            out.append((turn.get("tos", position), turn))
    return out


def findings() -> list[dict]:
    return _load_yaml(EXAMPLES / "findings" / "findings.yaml", "findings/2")["findings"]


def ratings() -> list[dict[str, str]]:
    with open(EXAMPLES / "study" / "ratings.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def ancestors(release_graph):
    """Local class name -> local names of all its superclasses (itself included)."""
    def up(name: str) -> set[str]:
        cls = URIRef(PRC_IRI + name)
        return {local_rdflib(c) for c in release_graph.transitive_objects(cls, RDFS.subClassOf)}
    return up


def local_rdflib(term) -> str:
    return str(term).rsplit("/", 1)[-1]


def most_specific(names: list[str], up) -> set[str]:
    return {n for n in names if not any(n != m and n in up(m) for m in names)}


# -- the library as a whole ----------------------------------------------------------------------------

def test_one_query_per_competency_question():
    numbers = sorted(int(m.group(1)) for name in LIBRARY if (m := re.match(r"cq(\d\d)_", name)))
    assert numbers == list(range(1, 31))


@pytest.mark.parametrize("name", sorted(LIBRARY))
def test_every_query_says_what_it_answers(name):
    q = LIBRARY[name]
    assert q.title and q.question and q.answer, name
    if name.startswith("cq"):
        assert q.question.endswith(f"(CQ {int(name[2:4])})"), q.question
    assert "PREFIX" in q.text
    for param in q.params.values():
        assert param.default is not None, f"{name}: parameter {param.name} needs a default"


@pytest.mark.parametrize("name", sorted(LIBRARY))
def test_every_query_answers_on_the_examples(kg_store, name):
    result = run_library_query(kg_store, name)
    if name in EMPTY_BY_DESIGN:
        assert result.rows == []
        assert "empty" in LIBRARY[name].answer
    else:
        assert result.rows, f"{name} returned no rows on the examples"


# -- the queries prc-kg runs itself (views, analyses, export), shipped as package data -------------------

PACKAGE_DIR = ROOT / "src" / "prc_kg"
SPARQL_DIR = PACKAGE_DIR / "store" / "sparql"
PACKAGED = sorted(p.relative_to(SPARQL_DIR).as_posix().removesuffix(".rq") for p in SPARQL_DIR.rglob("*.r[qu]"))
USED = sorted({m.group(1) for path in PACKAGE_DIR.rglob("*.py")
               for m in re.finditer(r'packaged_query\(\s*"([^"]+)"', path.read_text(encoding="utf-8"))})


def _help_text_lines(path: Path) -> set[int]:
    """Line numbers of a module's ``*EPILOG`` strings: --help text showing the user a query, not code."""
    import ast

    lines: set[int] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                and any(isinstance(t, ast.Name) and t.id.endswith("EPILOG") for t in node.targets)):
            lines.update(range(node.value.lineno, node.value.end_lineno + 1))
    return lines


def test_no_sparql_query_is_written_inline_in_python():
    inline = [f"{path.relative_to(PACKAGE_DIR)}:{number}" for path in sorted(PACKAGE_DIR.rglob("*.py"))
              for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
              if re.match(r'\s*(PREFIX\s+\w*:\s*<|SELECT\s+(DISTINCT\s+)?[?(*]|CONSTRUCT\s*\{|ASK\s*\{)', line)
              and "</textarea>" not in line  # the endpoint page's example query is text for the user, not code
              and number not in _help_text_lines(path)]
    assert inline == []


def test_every_packaged_query_is_used_and_every_used_one_exists():
    assert USED == PACKAGED and len(PACKAGED) >= 23


@pytest.mark.parametrize("name", PACKAGED)
def test_every_packaged_query_has_a_header_and_runs(kg_store, name):
    from prc_kg.store.querylib import PACKAGED_QUERIES, packaged_query, read_query

    q = read_query(PACKAGED_QUERIES / (name if name.endswith(".ru") else f"{name}.rq"))
    assert q.title and q.answer and packaged_query(name) == q.text
    if name.endswith(".ru"):
        ox.Store().update(q.text)  # an update: it parses and runs
    else:
        assert kg_store.query(q.text).kind == "select"


STRING_PARAMS = [(name, p.name) for name, q in sorted(LIBRARY.items()) for p in q.params.values()
                 if p.kind == "string"]


@pytest.mark.parametrize("name,param", STRING_PARAMS)
def test_hostile_string_parameter_is_harmless(kg_store, name, param):
    size = len(kg_store)
    result = run_library_query(kg_store, name, **{param: 'x" } DROP ALL #'})
    assert result.kind == "select" and result.rows == []
    assert len(kg_store) == size


def test_there_is_a_string_parameter_to_attack():
    assert ("cq28_definition_provenance", "label") in STRING_PARAMS


# -- competency questions -----------------------------------------------------------------------------

def _intervention_classes(release_graph) -> set[str]:
    root = PRC.TherapistIntervention
    return {local_rdflib(c) for c in release_graph.transitive_subjects(RDFS.subClassOf, root)}


def test_cq01_intervention_types_in_annie_session_1(kg_store, release_graph):
    interventions = _intervention_classes(release_graph)
    session = case_by_id("annie")["sessions"][0]
    expected = {(cls, n) for c in session["commentaries"] if isinstance(c.get("on"), list)
                for n in c["on"] for cls in c["illustrates"] if cls in interventions}
    got = {(local(r["type"]), int(r["tos"].value)) for r in rows(kg_store, "cq01_session_intervention_types")}
    assert ("EncourageElaboration", 14) in got
    assert got == expected == {("EncourageElaboration", 14), ("EncourageElaboration", 70), ("Support", 70),
                               ("AttentiveListening", 70), ("EncourageElaboration", 105),
                               ("AttentiveListening", 105)}


def test_cq02_interventions_and_what_follows(kg_store):
    got = {(int(r["tos"].value), local(r["intervention"]), int(r["nextTos"].value), local(r["contribution"]))
           for r in rows(kg_store, "cq02_interventions_and_next_contributions")}
    assert {(t, n) for t, _, n, _ in got} == {(2, 3), (4, 5), (6, 7)}
    assert (2, "EncourageElaboration", 3, "ExpressionOfFeeling") in got
    assert (4, "AttentiveListening", 5, "EmotionalElaboration") in got
    # tos 6 is coded Interpretation with aim PatientsDefense: the defined class is the most specific type
    assert (6, "InterpretationOfDefense", 7, "SelfReflection") in got
    assert not any(i == "Interpretation" for _, i, _, _ in got)
    # Annie's session 2 has no turns in the sources
    annie2 = "data:case/annie/session/2"
    assert rows(kg_store, "cq02_interventions_and_next_contributions", session=annie2) == []


def test_cq03_components_per_section(kg_store, release_graph):
    got = defaultdict(set)
    for r in rows(kg_store, "cq03_section_components"):
        got[int(r["sectionNumber"].value)].add(local(r["component"]))
    expected = defaultdict(set)
    for cls, section in release_graph.subject_objects(PRC.inManualSection):
        expected[int(local_rdflib(section)[-1])].add(local_rdflib(cls))
    assert got == expected
    assert set(got) == {1, 2, 3, 4, 5}
    assert {"EncourageElaboration", "Clarification", "Interpretation", "Support"} <= got[3]
    assert {"Bond", "GoalAgreement", "TaskAgreement"} <= got[2]
    assert "AllianceRupture" in got[2] & got[5]


def test_cq04_components_with_examples_in_annie(kg_store):
    annie = case_by_id("annie")
    expected = set()
    for s in annie["sessions"]:
        for c in s.get("commentaries") or []:
            expected |= set(c["illustrates"])
        for t in s.get("turns") or []:
            expected |= set(t.get("shows") or [])
    result = rows(kg_store, "cq04_components_with_case_examples")
    assert {local(r["component"]) for r in result} == expected
    moments = {local(r["component"]): int(r["moments"].value) for r in result}
    # turns 14, 70-94 and 105, and the session as a whole (whose commentary lists the reference's components)
    assert moments["EncourageElaboration"] == 4 and moments["WhyNow"] == 2
    # the remark on the case as a whole is not a moment
    assert "UsingTheTherapistsCommunications" not in moments


@pytest.mark.parametrize("component,expected", [
    ("prc:Support", {(1, 70), (1, 105), (1, None)}),   # 105 through attentive listening, a kind of support
    ("prc:EncourageElaboration", {(1, 14), (1, 70), (1, 105), (1, None)}),
    ("prc:WhyNow", {(1, 14), (1, None)}),  # None: the whole session, as the reference lists it
])
def test_cq05_turns_illustrating_a_component(kg_store, component, expected):
    got = {(int(r["sessionNumber"].value), None if r["tos"] is None else int(r["tos"].value))
           for r in rows(kg_store, "cq05_component_moments", component=component)}
    assert got == expected


def test_cq06_unhelpful_therapist_utterances(kg_store):
    expected = set()
    for case in all_cases():
        for s in case.get("sessions") or []:
            speaker = {n: t.get("speaker") for n, t in numbered_turns(s)}
            for c in s.get("commentaries") or []:
                if c["evaluation"] != "unhelpful" or not isinstance(c.get("on"), list):
                    continue
                for n in c["on"]:
                    if speaker.get(n) == "therapist":
                        expected |= {(case["id"], s["number"], n, cls) for cls in c["illustrates"]}
    got = {(local(r["case"]), int(r["sessionNumber"].value), int(r["tos"].value), local(r["component"]))
           for r in rows(kg_store, "cq06_unhelpful_remarks")}
    assert expected and got == expected
    assert ("v3-defense-interpretation-unskilful", 5, 2, "InterpretationOfDefense") in got


def test_cq07_aims_and_their_pqs_cpps_items(kg_store):
    got = defaultdict(set)
    aps = {}
    for r in rows(kg_store, "cq07_aims_and_items"):
        aim = local(r["aim"])
        aps[aim] = local(r["apsItem"])
        if r["item"] is not None:
            got[aim].add(local(r["item"]))
    assert len(aps) == 7   # the APS has seven aims (reference section 6)
    assert aps["PatientsDefense"] == "APS:AIM-DEF"
    # instruments module: PQS 36 and CPPS 10 score the defense aim, PQS 98 and CPPS 7 the relationship aim,
    # PQS 50 the conflicts aim, CPPS 4 the developmental aim
    assert dict(got) == {"PatientsDefense": {"PQS:36", "CPPS:PI-AVOIDANCE"},
                         "PatientsReactionToAnalyst": {"PQS:98", "CPPS:PI-RELATIONSHIP"},
                         "PatientsConflicts": {"PQS:50"}, "DevelopmentalFocus": {"CPPS:PI-PAST"}}


def test_cq08_alliance_instruments_and_perspective(kg_store):
    result = rows(kg_store, "cq08_alliance_instruments")
    got = {local(r["instrument"]): local(r["perspective"]) for r in result}
    assert got == {"HAR": "ObserverPerspective", "WAI": None, "CALPAS": None, "HAQ": None, "VPPS": None}


def test_cq09_bordin_components_and_wai_subscales(kg_store):
    got = {local(r["component"]): local(r["code"]) for r in rows(kg_store, "cq09_bordin_wai_subscales")}
    assert got == {"Bond": "WAI:BOND", "GoalAgreement": "WAI:GOAL", "TaskAgreement": "WAI:TASK"}


def test_cq10_moderated_findings(kg_store):
    expected = {(f["id"], s, o, m["construct"], m["level"], src) for f in findings() if f["moderator"]
                for s, o, m, src in itertools.product(f["subject"], f["object"], f["moderator"], f["source"])}
    got = {(local(r["finding"]), local(r["predictor"]), local(r["outcome"]), local(r["moderator"]),
            local(r["level"]), local(r["source"])) for r in rows(kg_store, "cq10_moderated_findings")}
    assert got == expected
    assert ("f29-competence-growing-alliance", "TherapistCompetence", "TreatmentOutcome",
            "TherapeuticAlliance", "growing", "L20") in got


def test_cq11_activities_followed_by_productivity_when_skilful(kg_store):
    result = rows(kg_store, "cq11_activities_followed_by_productivity")
    assert {local(r["activity"]) for r in result} == {"InterpretationOfDefense", "TransferenceInterpretation",
                                                       "InterpretationOfConflict"}
    assert {local(r["moderator"]) for r in result} == {"GoodIntervention"}
    assert {local(r["finding"]) for r in result} == {"f02-core-interpretations-productivity",
                                                      "f02-core-interpretations-productivity-interns"}
    assert all("skilful" in r["condition"].value for r in result)


def test_cq12_findings_partitioned_by_provenance(kg_store):
    expected = defaultdict(set)
    for f in findings():
        expected["PRC research" if f["tag"] in PRC_RESEARCH_TAGS else "other literature"].add(f["id"])
    got = defaultdict(set)
    for r in rows(kg_store, "cq12_findings_by_provenance"):
        got[r["origin"].value].add(local(r["finding"]))
    assert got == expected
    assert "f02-core-interpretations-productivity" in got["PRC research"]
    assert "f19-alliance-outcome-2018" in got["other literature"]


def test_cq13_reasons_for_help_and_annie(kg_store):
    result = rows(kg_store, "cq13_reasons_for_help")
    assert {local(r["reason"]) for r in result} == {
        "DistressingFeeling", "LifeDifficulty", "RelationshipDifficulty", "WorkDifficulty",
        "SelfFeelingDifficulty", "FeelingStuck", "IdentifiableSymptom"}
    assert all(r["listedByPrc"].value == "true" for r in result)
    presented = {local(r["reason"]) for r in result if r["presentedByCase"].value == "true"}
    assert presented == set(case_by_id("annie")["reasons_for_help"]) == {"IdentifiableSymptom"}


def test_cq14_modalities_with_recordings_and_aps(kg_store):
    got = {local(r["modality"]): (int(r["recordedCases"].value), int(r["apsCases"].value))
           for r in rows(kg_store, "cq14_modalities_evidence")}
    real = [c for c in all_cases() if not c["constructed"]]
    analyses = [c for c in real if c.get("modality") == "Psychoanalysis"]
    expected_aps = sum("APS" in (c.get("studied_with") or []) for c in analyses)
    assert got["Psychoanalysis"] == (len(analyses), expected_aps) == (8, 7)
    assert {"GroupPsychotherapy", "MaritalPsychotherapy", "PlayPsychotherapyWithChildren",
            "BehavioralTherapy", "CognitiveBehavioralTherapy", "ShortTermPsychodynamicTherapy"} <= set(got)
    assert got["CognitiveBehavioralTherapy"] == (0, 0)
    assert "SupportiveExpressivePsychotherapy" not in got   # from the literature, not named by the site


def test_cq15_factor_analysis_three_two_one(kg_store):
    got = defaultdict(set)
    for r in rows(kg_store, "cq15_factor_analysis_factors"):
        got[r["side"].value].add(local(r["factor"]))
    assert dict(got) == {
        "patient": {"PatientExperienceOfTheWorld", "PatientExperienceOfTheAnalyst",
                    "PatientDynamicCompetence"},
        "therapist": {"TherapistRelationalCompetence", "TherapistDynamicCompetence"},
        "interaction": {"InteractionQuality"},
    }


def test_cq16_rupture_repair_strategies_and_source(kg_store):
    got = defaultdict(set)
    for r in rows(kg_store, "cq16_rupture_repair_strategies"):
        got[local(r["strategy"])].add(local(r["source"]))
    assert dict(got) == {"AttendToRupture": {"L8"}, "ExploreNegativeFeelings": {"L8"},
                         "NonDefensiveResponse": {"L8"}}


def test_cq17_interaction_phenomena_and_proxies(kg_store):
    got = defaultdict(set)
    instruments = defaultdict(set)
    for r in rows(kg_store, "cq17_interaction_phenomena_proxies"):
        got[local(r["phenomenon"])].add(r["proxyItem"].value)
        instruments[local(r["phenomenon"])].add(local(r["proxyInstrument"]))
    assert got["Transference"] == {"APS:AIM-TRANS"}
    assert got["Countertransference"] == {"APS:CHAR-FEEL"}
    assert got["Enactment"] == {"none"} and instruments["Enactment"] == {None}
    assert got["InteractionQuality"] == {"none"} and instruments["InteractionQuality"] == {"DIS"}


def test_cq18_unit_of_each_instrument(kg_store, release_graph):
    got = {local(r["instrument"]): local(r["unit"]) for r in rows(kg_store, "cq18_instrument_units")}
    kinds = ("ProcessInstrument", "OutcomeInstrument", "AllianceInstrument", "CodingSystem")
    instruments = {local_rdflib(i) for kind in kinds
                   for i in release_graph.subjects(RDF.type, URIRef(PRC_IRI + kind))}
    assert set(got) == instruments
    assert got["APS"] == "SegmentUnit" and got["PQS"] == "SessionUnit" and got["PIRS"] == "TurnUnit"
    assert got["PHI"] == "CaseUnit" and got["DIS"] is None
    assert got["MITI"] == got["MISC"] == got["MISIMPLE"] == "TurnUnit"


def test_cq19_alliance_outcome_meta_analyses(kg_store):
    got = {(int(r["year"].value), num(r["r"]), int(r["k"].value))
           for r in rows(kg_store, "cq19_alliance_outcome_meta_analyses")}
    # reference section 6: r = .26 (k = 26, 1991); .21 (k = 100, 2002); .275 (k = 190, 2011);
    # .278 (295 studies, 2018); internet therapy r = .275 (k = 23)
    assert got == {(1991, 0.26, 26), (2002, 0.21, 100), (2011, 0.275, 190), (2018, 0.278, 295),
                   (2018, 0.275, 23)}


def test_cq20_prc_publications_on_reliability(kg_store):
    result = rows(kg_store, "cq20_reliability_reports")
    by_source = defaultdict(set)
    for r in result:
        by_source[local(r["publication"])].add((r["quantity"].value, num(r["value"])))
    assert ("APS variables shown to be reliably rated", 25.0) in by_source["P12"]
    assert any(value == 9.0 for _, value in by_source["P13"])    # the nine-session pilot
    assert not {"L14", "L19"} & set(by_source)                   # CPPS and CAPS figures are not PRC work


def test_cq21_cases_studied_with_several_instruments(kg_store):
    expected = {c["id"]: set(c["studied_with"]) for c in all_cases()
                if not c["constructed"] and len(c.get("studied_with") or []) > 1}
    got = defaultdict(set)
    for r in rows(kg_store, "cq21_cases_with_several_instruments"):
        got[local(r["case"])].add(local(r["instrument"]))
        assert int(r["instruments"].value) == len(expected[local(r["case"])])
    assert dict(got) == expected
    assert set(expected) == {"gill-recording", "giovanna", "mrs-c"}


def test_cq22_obstacles_and_aims(kg_store):
    got = {(local(r["obstacle"]), local(r["aim"])) for r in rows(kg_store, "cq22_obstacles_and_aims")}
    assert got == {("CannotExploreFurther", "PatientsDefense"), ("ShameOrGuilt", "PatientsDefense"),
                   ("DistrustOrHostility", "PatientsReactionToAnalyst"),
                   ("DistrustOrHostility", "AggressiveHostileIssues")}


def test_cq23_assessment_tasks_in_annie_session_1(kg_store):
    got = defaultdict(set)
    for r in rows(kg_store, "cq23_assessment_tasks_in_session"):
        got[local(r["task"])].add((r["where"].value, None if r["tos"] is None else int(r["tos"].value)))
    assert got["WhyNow"] == {("turn", 14), ("whole session", None)}
    # the suicide-risk enquiry is a turn without a number in the sources
    assert got["SeverityAndNatureOfProblem"] == {("turn", None), ("whole session", None)}
    assert got["RelationalPatterns"] == {("not shown", None)}
    assert {"MakingConnection", "TreatmentPlan", "SelfView"} <= set(got)


def test_cq24_sources_on_patient_therapist_match(kg_store):
    result = rows(kg_store, "cq24_match_sources")
    assert {local(r["source"]) for r in result} == {"P8", "P20", "L21"}
    expected_findings = {f["id"] for f in findings() if f["number"] == 11}
    assert {local(r["finding"]) for r in result if r["finding"] is not None} == expected_findings


def test_cq25_components_in_two_sections(kg_store):
    got = defaultdict(set)
    for r in rows(kg_store, "cq25_components_in_several_sections"):
        got[local(r["component"])].add(int(r["sectionNumber"].value))
    assert dict(got) == {"AllianceRupture": {2, 5}, "RuptureRepair": {2, 5}, "RealRelationship": {2, 5},
                         "EmpathicResonanceReflectionCycle": {1, 2}}


def test_cq26_most_used_intervention_types_in_session_1(kg_store):
    result = rows(kg_store, "cq26_most_used_intervention_types")
    ranked = [(local(r["type"]), int(r["moments"].value)) for r in result]
    # reference 3.1: session 1 is mostly encourage-elaboration, plus support
    # (attentive listening counts as support)
    assert ranked[0] == ("EncourageElaboration", 3)
    assert ("Support", 2) in ranked
    counts = [n for _, n in ranked]
    assert counts == sorted(counts, reverse=True)


def test_cq27_outcome_and_process_measures(kg_store):
    result = rows(kg_store, "cq27_outcome_measures_and_cases")
    roles = defaultdict(set)
    for r in result:
        if r["instrument"] is not None:
            roles[local(r["instrument"])].add(r["role"].value)
    assert all(len(v) == 1 for v in roles.values())
    assert {i for i, v in roles.items() if v == {"outcome"}} == {"PHI", "RADIO", "SWAP200", "DMRS", "GAF"}
    assert {"APS", "PQS", "WAI", "CPPS"} <= {i for i, v in roles.items() if v == {"process"}}
    with_cases = {(local(r["instrument"]), local(r["case"]), local(r["outcome"])) for r in result
                  if r["role"].value == "outcome" and r["case"] is not None}
    assert ("SWAP200", "giovanna", "FavourableOutcome") in with_cases
    assert ("PHI", "mrs-c", None) in with_cases
    only = {(local(r["case"]), local(r["outcome"])) for r in result
            if r["role"].value == "outcome judgement only"}
    assert only == {("annie", "FavourableOutcome")}


@pytest.mark.parametrize("label", ["joint segment", "Joint Segment"])
def test_cq28_provenance_of_joint_segment(kg_store, release_graph, label):
    result = rows(kg_store, "cq28_definition_provenance", label=label)
    assert {local(r["term"]) for r in result} == {"JointSegment"}
    assert {local(r["source"]) for r in result} == {"P12"}
    urls = {str(u) for u in release_graph.objects(SRC.P12, URIRef(PRC_IRI + "url"))}
    assert urls and {r["url"].value for r in result} == urls


def test_cq29_pqs_items_about_the_relationship(kg_store):
    result = rows(kg_store, "cq29_pqs_relationship_items")
    # reference 3.7: relationship as focus (98), links therapy relationship to other relationships (100)
    assert [r["code"].value for r in result] == ["PQS:98", "PQS:100"]


def _construct_items(store, construct: str) -> dict[str, tuple]:
    out = {}
    for r in rows(store, "construct_items_across_instruments", construct=construct):
        mapped = set(r["mappedTo"].value.split("; ")) - {""} if r["mappedTo"] is not None else set()
        out[r["code"].value] = (local(r["instrument"]), num(r["number"]), local(r["subscale"]), local(r["scored"]),
                                r["link"].value, mapped)
    return out


def test_construct_items_across_instruments_meet_on_the_relationship_aim(kg_store):
    # instruments module: APS aim AIM-TRANS, PQS 98 and CPPS 7 each name prc:PatientsReactionToAnalyst;
    # the mapping set links each pair (APS-PQS related, APS-CPPS close, CPPS-PQS close)
    got = _construct_items(kg_store, "prc:PatientsReactionToAnalyst")
    assert got == {
        "APS:AIM-TRANS": ("APS", None, None, "PatientsReactionToAnalyst", "measures",
                          {"relatedMatch PQS:98", "closeMatch CPPS:PI-RELATIONSHIP"}),
        "CPPS:PI-RELATIONSHIP": ("CPPS", 7.0, "CPPS:PI", "PatientsReactionToAnalyst", "measures",
                                 {"closeMatch APS:AIM-TRANS", "closeMatch PQS:98"}),
        "PQS:98": ("PQS", 98.0, None, "PatientsReactionToAnalyst", "measures",
                   {"relatedMatch APS:AIM-TRANS", "closeMatch CPPS:PI-RELATIONSHIP"}),
    }


def test_construct_items_across_instruments_follow_narrower_classes_in_order(kg_store):
    result = rows(kg_store, "construct_items_across_instruments", construct="prc:Interpretation")
    # APS type, the two PIRS interpretation categories (defense and transference interpretation are
    # defined below interpretation), and PQS 40, 67, 82 (interpretation) and 100 (transference
    # interpretation); APS, PIRS, PQS in IRI order, PQS items by number
    assert [(r["code"].value, local(r["scored"])) for r in result] == [
        ("APS:TYPE-INT", "Interpretation"), ("PIRS:DEF-INT", "InterpretationOfDefense"),
        ("PIRS:TRANS-INT", "TransferenceInterpretation"), ("PQS:40", "Interpretation"), ("PQS:67", "Interpretation"),
        ("PQS:82", "Interpretation"), ("PQS:100", "TransferenceInterpretation")]
    # PQS 40 and 82 are narrower than the APS type, so read from the APS item they are narrowMatch
    aps = _construct_items(kg_store, "prc:Interpretation")["APS:TYPE-INT"]
    assert aps[-1] == {"narrowMatch PQS:40", "narrowMatch PQS:67", "narrowMatch PQS:82"}


def test_construct_items_across_instruments_mark_a_proxy(kg_store):
    got = _construct_items(kg_store, "prc:Transference")
    assert got == {"APS:AIM-TRANS": ("APS", None, None, "Transference", "proxy", set())}
    cpps = _construct_items(kg_store, "prc:CognitiveBehavioralTechnique")
    assert len(cpps) == 11 and {v[0] for v in cpps.values()} == {"CPPS"}   # the subscale and its ten items
    assert all(v[-1] == set() for v in cpps.values())                         # no other instrument scores CB work


def test_cq30_aps_authors_and_the_board(kg_store):
    result = rows(kg_store, "cq30_aps_authors_on_board")
    got = {r["person"].value: r["namedOnBoardPage"].value == "true" for r in result}
    # the two 2004 APS papers (Waldron, Scharf, Hurst, Firestein, Burton; Crouse on the second);
    # of them only Waldron is on the board page (P20)
    assert got == {"Waldron": True, "Scharf": False, "Hurst": False, "Firestein": False, "Burton": False,
                   "Crouse": False}


# -- analysis queries ----------------------------------------------------------------------------------

def _hierarchy(release_graph) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Local class name -> its told parents, and -> its told children (from the ontology, not from a query)."""
    parents, children = defaultdict(set), defaultdict(set)
    for child, parent in release_graph.subject_objects(RDFS.subClassOf):
        if isinstance(parent, URIRef) and str(child).startswith(PRC_IRI) and str(parent).startswith(PRC_IRI):
            parents[local_rdflib(child)].add(local_rdflib(parent))
            children[local_rdflib(parent)].add(local_rdflib(child))
    return parents, children


def _closure(start: str, links: dict[str, set[str]]) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for n in links[todo.pop()] - seen:
            seen.add(n)
            todo.append(n)
    return seen


def _edges() -> dict[str, set[str]]:
    """The direct edges the findings assert, worked out from the YAML: subject -> object and moderator ->
    object for every finding that is not null."""
    edges = defaultdict(set)
    for f in findings():
        if f["direction"] != "null":
            for s, o in itertools.product(f["subject"] + [m["construct"] for m in f.get("moderator") or []],
                                          f["object"]):
                edges[s].add(o)
    return edges


def _reachable(release_graph, start: str, max_steps: int) -> dict[str, int]:
    """Hops of one edge each, taken from the node reached or from a broader or narrower class of it."""
    parents, children = _hierarchy(release_graph)
    edges = _edges()
    distance, frontier = {}, {start}
    for step in range(1, max_steps + 1):
        frontier = {o for n in frontier for c in _closure(n, parents) | _closure(n, children) for o in edges[c]}
        for o in frontier:
            distance.setdefault(o, step)
    distance.pop(start, None)
    return distance


@pytest.mark.parametrize("construct,expected", [
    # alliance -> outcome (relations 19, 20), and as a moderator -> benefit (26) and -> outcome (29)
    ("TherapeuticAlliance", {"TreatmentOutcome": 1, "TherapeuticBenefit": 1}),
    # followed by (2, 23); an interpretation of defense is a therapist intervention, whose style is fitted to
    # the patient's distress (25)
    ("InterpretationOfDefense", {"PatientProductivity": 1, "EmotionalElaboration": 1,
                                 "PatientDistressAndFunctioning": 1}),
    # quality predicts progress (1); its kinds good intervention and attunement moderate productivity (2) and
    # may have facilitated personality health and defensive maturity (30)
    ("InterventionQuality", {"InSessionProgress": 1, "PatientProductivity": 1, "PersonalityHealth": 1,
                             "RadioDefensiveOrganization": 1}),
])
def test_factors_reachable_by_findings(kg_store, release_graph, construct, expected):
    got = {local(r["target"]): int(r["distance"].value)
           for r in rows(kg_store, "factors_reachable_by_findings", construct=f"prc:{construct}")}
    assert got == _reachable(release_graph, construct, 3) == expected


def _cases_of_outcome_classes(release_graph) -> dict[str, set[str]]:
    """Outcome class -> ids of the cases whose judged outcome falls under it (from the YAML cases)."""
    verdicts = {"favourable": "FavourableOutcome", "unfavourable": "UnfavourableOutcome", "mixed": "MixedOutcome"}
    parents, _ = _hierarchy(release_graph)
    classes = {local_rdflib(j): local_rdflib(c) for c, j in release_graph.subject_objects(PRC.matchesOutcomeJudgement)}
    out = defaultdict(set)
    for case in all_cases():
        verdict = verdicts.get((case.get("treatment") or {}).get("outcome"))
        if verdict:
            for cls in _closure(classes[verdict], parents):
                out[cls].add(case["id"])
    return out


def test_k_hop_reachability_reaches_constructs_and_cases(kg_store, release_graph):
    got = {(local(r["target"]), r["kind"].value): int(r["distance"].value)
           for r in rows(kg_store, "reachable_within_k_hops", construct="prc:InterventionQuality")}
    # worked out by hand: the four constructs one hop away (see test_factors_reachable_by_findings); two hops
    # to the cases relations 2 and 30 were drawn from (no finding leaves those four constructs)
    assert got == {("InSessionProgress", "construct"): 1, ("PatientProductivity", "construct"): 1,
                   ("PersonalityHealth", "construct"): 1, ("RadioDefensiveOrganization", "construct"): 1,
                   ("saying-right-thing-1", "case"): 2, ("saying-right-thing-2", "case"): 2,
                   ("saying-right-thing-3", "case"): 2, ("giovanna", "case"): 2}
    alliance = {(local(r["target"]), r["kind"].value): int(r["distance"].value)
                for r in rows(kg_store, "reachable_within_k_hops", construct="prc:TherapeuticAlliance", k="4")}
    constructs = _reachable(release_graph, "TherapeuticAlliance", 4)
    parents, _ = _hierarchy(release_graph)
    drawn = {case for f in findings() if f["direction"] != "null" for case in f.get("cases", [])
             if any(_closure(o, parents) & {"TreatmentOutcome", "TherapeuticBenefit"} for o in f["object"])}
    by_outcome = _cases_of_outcome_classes(release_graph)
    cases = drawn | by_outcome["TreatmentOutcome"] | by_outcome["TherapeuticBenefit"]
    assert alliance == {**{(c, "construct"): d for c, d in constructs.items()}, **{(c, "case"): 2 for c in cases}}
    # every case judged favourable or unfavourable is reached through the outcome hierarchy, Gill's (unknown) is not
    assert {"annie", "giovanna", "v1-unfavourable-ending", "aps-pilot-1"} <= cases and "gill-recording" not in cases
    assert len(cases) == 10
    # k bounds the chains: with k = 1 only the two constructs remain
    one = {local(r["target"]) for r in rows(kg_store, "reachable_within_k_hops", construct="prc:TherapeuticAlliance",
                                          k="1")}
    assert one == {"TreatmentOutcome", "TherapeuticBenefit"}


RELATION_COUNTS = {"increases": 14, "predictsIncrease": 11, "isFollowedBy": 6, "positivelyAssociatedWith": 5,
                   "influences": 5, "variesWith": 5, "decreases": 4, "constitutes": 3, "associatedWith": 2,
                   "predicts": 2, "negativelyAssociatedWith": 2, "predictsDecrease": 1, "moderates": 0}


def test_findings_per_relation_type(kg_store):
    result = rows(kg_store, "findings_per_relation_type")
    got = {local(r["relation"]): (int(r["asserting"].value), int(r["assertingOrNarrower"].value)) for r in result}
    assert {k: direct for k, (direct, _) in got.items()} == RELATION_COUNTS
    # a property's count with its narrower ones, by hand from the hierarchy in core.ttl
    assert got["associatedWith"][1] == 60
    assert got["predicts"][1] == 2 + 11 + 1
    assert got["influences"][1] == 5 + 14 + 4
    assert got["positivelyAssociatedWith"][1] == 5 + 11 + 14
    assert got["negativelyAssociatedWith"][1] == 2 + 1 + 4
    assert [int(r["assertingOrNarrower"].value) for r in result] == sorted(
        (int(r["assertingOrNarrower"].value) for r in result), reverse=True)


def test_findings_of_a_relation_type_ranked_by_evidence(kg_store, release_graph):
    result = rows(kg_store, "findings_of_a_relation_type_by_evidence")  # default: prc:predicts
    under = {local_rdflib(p) for p in release_graph.transitive_subjects(RDFS.subPropertyOf, URIRef(PRC_IRI + "predicts"))}
    assert under == {"predicts", "predictsIncrease", "predictsDecrease"}
    expected = {f["id"] for f in findings() if f["relation"] in under}
    assert {local(r["finding"]) for r in result} == expected and len(result) == 14
    keys = [(int(r["rank"].value), -(int(r["year"].value) if r["year"] is not None else -1)) for r in result]
    assert keys == sorted(keys)
    by_rank = Counter(int(r["rank"].value) for r in result)
    assert by_rank == {1: 6, 3: 7, 4: 1}  # f19 x5 + f20; f01 f04 f17 x2 f24 f29 x2; f08 (Annie)
    null = [local(r["finding"]) for r in result if r["direction"].value == "no effect"]
    assert null == ["f17-cb-technique-does-not-predict"]
    decreasing = rows(kg_store, "findings_of_a_relation_type_by_evidence",
                      relationType="prc:negativelyAssociatedWith")
    assert {local(r["finding"]) for r in decreasing} == {
        "f11-attachment-anxiety-match-symptom-increase", "f37-controlling-challenging-worse",
        "f29-competence-stagnant-alliance", "f13-depth-work-prevents-relapse", "f26-transference-work-harm",
        "f27-high-transference-frequency-harm", "f34-recording-no-known-harm"}


def test_contradictions_by_moderator_level(kg_store):
    got = {(local(r["subject"]), local(r["object"]), local(r["positive"]), local(r["negative"]), local(r["moderator"]),
            local(r["positiveLevel"]), local(r["negativeLevel"])) for r in rows(kg_store, "contradictions_by_moderator_level")}
    assert got == {
        ("TransferenceWork", "TherapeuticBenefit", "f26-transference-work-benefit", "f26-transference-work-harm",
         "QualityOfObjectRelations", "low", "high"),
        ("TherapistCompetence", "TreatmentOutcome", "f29-competence-growing-alliance",
         "f29-competence-stagnant-alliance", "TherapeuticAlliance", "growing", "stagnant"),
        # opposite signs that no moderator level explains: the condition text says which similarity
        ("PersonalityAttachmentConvergence", "SymptomRelief", "f11-personality-match-symptom-decrease",
         "f11-attachment-anxiety-match-symptom-increase", None, None, None),
    }


def _expected_counted_figures() -> dict[str, tuple[str, str, float]]:
    """Figure IRI tail -> (counted class, qualifier, value), from the YAML figures and the n and k of findings."""
    yaml = _load_yaml(EXAMPLES / "findings" / "findings.yaml", "findings/2")
    out = {}
    for fig in yaml["figures"]:
        if "counts" in fig:
            out[f"figure/{fig['id']}"] = (fig["counts"], fig.get("qualifier", "exact"), float(fig["value"]))
    for f in yaml["findings"]:
        for field in ("n", "k"):
            spec = f.get(field)
            if spec is None:
                continue
            spec = spec if isinstance(spec, dict) else {"value": spec}
            counts = spec.get("counts", "Study" if field == "k" else None)
            if counts:
                out[f"finding/{f['id']}/{field}"] = (counts, spec.get("qualifier", "exact"), float(spec["value"]))
    return out


def test_figures_by_counted_entity(kg_store):
    result = rows(kg_store, "figures_by_counted_entity")
    labels = {"exactly": "exact", "about": "about", "more than": "more than", "at least": "at least"}
    got = {r["figure"].value.split("/data/", 1)[1]: (local(r["counted"]), labels[r["qualifier"].value],
                                                     num(r["value"])) for r in result}
    # 52 listed figures that count something, 18 sample sizes and 11 study counts of findings
    assert got == _expected_counted_figures() and len(result) == len(got) == 52 + 18 + 11
    assert got["finding/f19-alliance-outcome-2018/n"] == ("Patient", "more than", 30000.0)
    # the conflicting case counts stand side by side under one counted class, each with its scope
    cases = [(num(r["value"]), r["scope"].value) for r in result if local(r["counted"]) == "Case"]
    assert {v for v, _ in cases} >= {81.0, 31.0, 27.0} and len({s for _, s in cases}) == len(cases)
    order = [r["countedLabel"].value for r in result]
    assert order == sorted(order)


def test_findings_ranked_by_evidence_then_year(kg_store):
    result = rows(kg_store, "findings_by_evidence")
    assert len(result) == len(findings()) == 60
    keys = [(int(r["rank"].value), -(int(r["year"].value) if r["year"] is not None else -1)) for r in result]
    assert keys == sorted(keys)
    top = {local(r["finding"]) for r in result if r["rank"].value == "1"}
    assert top == {f["id"] for f in findings() if f["evidence"] == "meta-analysis"}
    assert local(result[0]["evidence"]) == "meta-analysis"


def test_no_leaf_component_lacks_an_example(kg_store):
    assert rows(kg_store, "components_without_examples") == []


def _follows_from_yaml(up) -> tuple[dict[tuple[str, str], int], dict[str, int]]:
    """Counts for the asserted intervention types, straight from the case files."""
    pairs, totals = defaultdict(int), defaultdict(int)
    for case in all_cases():
        for s in case.get("sessions") or []:
            turns = numbered_turns(s)
            for (n1, t1), (n2, t2) in itertools.pairwise(turns):
                if n1 is None or n2 != n1 + 1:
                    continue
                if t1.get("speaker") != "therapist" or t2.get("speaker") != "patient":
                    continue
                for kind in t1.get("type") or []:
                    totals[kind] += 1
                    for contribution in most_specific(t2.get("contributions") or [], up):
                        pairs[(kind, contribution)] += 1
    return pairs, totals


def test_what_follows_what_overall(kg_store, ancestors):
    result = rows(kg_store, "what_follows_what_overall")
    got = {(local(r["intervention"]), local(r["contribution"])): (int(r["n"].value), int(r["total"].value),
                                                                   num(r["rate"])) for r in result}
    pairs, totals = _follows_from_yaml(ancestors)
    # EncourageElaboration has no subclasses and no defined class adds members to it,
    # so its counts are the asserted ones
    ee = {c: v for (i, c), v in got.items() if i == "EncourageElaboration"}
    expected = {c: n for (i, c), n in pairs.items() if i == "EncourageElaboration"}
    assert expected and {c: n for c, (n, _, _) in ee.items()} == expected
    assert {t for _, t, _ in ee.values()} == {totals["EncourageElaboration"]}
    for n, total, rate in got.values():
        assert 0 < n <= total and rate == pytest.approx(n / total)
    # the pattern of finding 23 is in the vignettes: defense interpretation followed by emotional elaboration
    assert ("InterpretationOfDefense", "EmotionalElaboration") in got


def test_what_follows_what_by_case_adds_up_to_overall(kg_store):
    overall = {}
    for r in rows(kg_store, "what_follows_what_overall"):
        key = (local(r["intervention"]), local(r["contribution"]))
        overall[key] = (int(r["n"].value), int(r["total"].value))
    by_case = rows(kg_store, "what_follows_what_by_case")
    n_sum, totals = defaultdict(int), defaultdict(dict)
    for r in by_case:
        key = (local(r["intervention"]), local(r["contribution"]))
        n_sum[key] += int(r["n"].value)
        totals[local(r["intervention"])][local(r["case"])] = int(r["total"].value)
        assert num(r["rate"]) == pytest.approx(int(r["n"].value) / int(r["total"].value))
    assert dict(n_sum) == {k: n for k, (n, _) in overall.items()}
    for (intervention, _), (_, total) in overall.items():
        assert sum(totals[intervention].values()) == total
    four_types = {(local(r["intervention"]), local(r["contribution"])): num(r["rate"]) for r in by_case
                  if local(r["case"]) == "v3-four-types"}
    assert four_types[("EncourageElaboration", "CommunicationOfExperience")] == 1.0


@pytest.mark.parametrize("dyad,item", [("d1", "APS:PAT-PROD"), ("d2", "APS:TYPE-INT")])
def test_mean_rating_per_session(kg_store, dyad, item):
    values = defaultdict(list)
    for row in ratings():
        if row["dyad"] == dyad and row["item"] == item:
            values[int(row["session"])].append(float(row["value"]))
    dyad_iri = f"data:study/example-study/dyad/{dyad}"
    result = rows(kg_store, "mean_rating_per_session", dyad=dyad_iri, item=item)
    got = [(int(r["sessionNumber"].value), num(r["mean"]), int(r["ratings"].value)) for r in result]
    assert [s for s, _, _ in got] == sorted(values) == list(range(1, 9))
    for s, m, n in got:
        assert m == pytest.approx(mean(values[s])) and n == len(values[s]) == 20


def test_planted_pattern_interpretation_then_productivity(kg_store):
    by_segment = defaultdict(list)
    for row in ratings():
        key = (row["dyad"], row["session"], int(row["segment"]), row["item"])
        by_segment[key].append(float(row["value"]))
    groups = defaultdict(list)
    for (dyad, session, segment, item), values in by_segment.items():
        if item != "APS:TYPE-INT":
            continue
        skill = mean(by_segment[(dyad, session, segment, "APS:QUAL-GOOD")])
        skilful = mean(values) >= 3 and skill >= 3
        nxt = by_segment[(dyad, session, segment + 1, "APS:PAT-PROD")]
        groups["skilful interpretation" if skilful else "other"].append(mean(nxt))
    got = {r["group"].value: (int(r["therapistSegments"].value), num(r["meanNextProductivity"]))
           for r in rows(kg_store, "interpretation_productivity_lag1")}
    assert set(got) == {"skilful interpretation", "other"}
    for group, values in groups.items():
        assert got[group][0] == len(values)
        assert got[group][1] == pytest.approx(mean(values))
    assert got["skilful interpretation"][1] - got["other"][1] > 1.0


def test_property_paths_walk_the_direct_edges_of_every_kind(kg_store):
    """The store adds each edge's broader relation properties (as a reasoner would entail), so a plain
    property path over prc:associatedWith walks predicts, moderates, constitutes … edges alike."""
    def reached(start: str, path: str) -> set[str]:
        result = kg_store.query(f"PREFIX prc: <{PRC_IRI}> SELECT DISTINCT ?x WHERE {{ prc:{start} {path} ?x }}")
        return {local(row[0]) for row in result.rows}

    # by hand from the YAML: attentive listening counts as support (9); support goes with symptom relief
    # (24, 37) and, with no consistent sign, with the alliance (37); the alliance predicts outcome (19, 20)
    # and moderates benefit (26) and outcome (29)
    assert reached("AttentiveListening", "prc:associatedWith+") == {
        "Support", "SymptomRelief", "TherapeuticAlliance", "TreatmentOutcome", "TherapeuticBenefit"}
    assert reached("TherapeuticAlliance", "prc:predicts+") == {"TreatmentOutcome"}
    assert reached("TherapeuticAlliance", "prc:positivelyAssociatedWith") == {"TreatmentOutcome"}
    assert reached("TherapistCompetence", "prc:negativelyAssociatedWith") == {"TreatmentOutcome"}  # f29, stagnant
    # null findings assert nothing: the CB technique factor predicted nothing (17)
    assert reached("CognitiveBehavioralTechnique", "prc:associatedWith+") == set()
