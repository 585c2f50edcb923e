"""Example instances: the Annie case, library cases, vignettes for every leaf component, SHACL."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from prc_kg.checks.shacl import validate
from prc_kg.errors import InputError
from prc_kg.instances.cases import CaseBuilder
from prc_kg.instances.examples import load_examples
from prc_kg.vocab import DATA, PRC, PRC_IRI

ANNIE = DATA["case/annie"]


def _q(graph: Graph, query: str):
    return list(graph.query("PREFIX prc: <https://w3id.org/prc-kg/ontology/>\n" + query))


def test_all_example_files_load(examples):
    names = {p.name for p in examples.files}
    assert {"annie.yaml", "library.yaml", "findings.yaml"} <= names
    assert {f"section{n}.yaml" for n in range(1, 6)} <= names
    assert examples.cases >= 60 and examples.findings >= 37


@pytest.mark.slow
def test_examples_conform_to_the_shapes(examples, release_graph):
    violations = validate(examples.graph, release_graph)
    assert violations == [], "\n".join(map(str, violations))


def _leaf_components(ontology: Graph) -> set[URIRef]:
    in_section = set(ontology.subjects(PRC.inManualSection, None))
    return {c for c in in_section
            if not any(sub in in_section for sub in ontology.subjects(RDFS.subClassOf, c) if sub != c)}


def _linked_components(data: Graph, ontology: Graph) -> set[URIRef]:
    """Classes shown by an example: illustrated by a commentary or turn, or a coded turn's type or facet."""
    linked = set(data.objects(None, PRC.illustrates))
    for node, cls in data.subject_objects(RDF.type):
        if str(node).startswith(str(DATA)) and isinstance(cls, URIRef):
            linked.add(cls)
    return linked


def test_every_leaf_component_has_an_example(examples, release_graph):
    leaves = _leaf_components(release_graph)
    assert len(leaves) > 150  # derived from the ontology: a new leaf without an example fails below
    missing = sorted(str(c).rsplit("/", 1)[-1] for c in leaves - _linked_components(examples.graph, release_graph))
    assert missing == [], f"components without a linked example: {missing}"


def test_vignettes_are_marked_constructed_and_name_no_one(examples):
    g = examples.graph
    vignettes = [c for c in g.subjects(RDF.type, PRC.Case) if "/case/v" in str(c)]
    assert len(vignettes) >= 50
    for case in vignettes:
        assert g.value(case, PRC.constructedForTeaching) == Literal(True), case
        treatment = g.value(case, PRC.documentsTreatment)
        patient = g.value(treatment, PRC.hasPatient)
        assert "constructed" in str(g.value(patient, RDFS.label)).lower(), patient


def test_vignettes_show_rupture_repair_transference_countertransference_enactment(examples):
    shown = {str(o).rsplit("/", 1)[-1] for o in examples.graph.objects(None, PRC.illustrates)}
    assert {"WithdrawalRupture", "ConfrontationRupture", "RuptureRepairEpisode", "NonDefensiveResponse",
            "Transference", "Countertransference", "Enactment", "InducedRoleEnactment"} & shown >= {
        "RuptureRepairEpisode", "NonDefensiveResponse", "Transference", "Countertransference"}
    assert any(name.endswith("Enactment") for name in shown)


def test_annie_treatment_is_typed_not_prose(examples):
    g = examples.graph
    treatment = g.value(ANNIE, PRC.documentsTreatment)
    assert (treatment, RDF.type, URIRef(PRC_IRI + "Psychoanalysis")) in g
    assert g.value(treatment, PRC.durationYears).toPython() == pytest.approx(2.5)
    assert g.value(treatment, PRC.hasOutcome) == PRC.FavourableOutcome
    phases = sorted((int(g.value(p, PRC.phaseNumber)), float(g.value(p, PRC.sessionsPerWeek)))
                    for p in g.objects(treatment, PRC.hasPhase))
    assert phases == [(1, 4.0), (2, 2.0)]
    sessions = sorted(int(g.value(s, PRC.sessionNumber)) for s in g.subjects(PRC.partOfTreatment, treatment))
    assert sessions == [1, 2, 3, 4]


def test_annie_session_one_turns_in_order(examples):
    rows = _q(examples.graph, """
        SELECT ?pos ?tos ?start ?end WHERE {
          ?x prc:partOfSession <https://w3id.org/prc-kg/data/case/annie/session/1> ; prc:positionInSession ?pos .
          OPTIONAL { ?x prc:tosNumber ?tos } OPTIONAL { ?x prc:startTosNumber ?start ; prc:endTosNumber ?end }
        } ORDER BY ?pos""")
    shape = [(int(r.pos), r.tos and int(r.tos), r.start and int(r.start), r.end and int(r.end)) for r in rows]
    assert shape == [(1, 14, None, None), (2, None, 70, 94), (3, 105, None, None), (4, 114, None, None),
                     (5, None, None, None)]
    # the suicide-risk turn's number is unknown, and so is every speaker: stated, not guessed
    unknown = _q(examples.graph, """SELECT (COUNT(?t) AS ?n) WHERE {
        ?t prc:partOfSession <https://w3id.org/prc-kg/data/case/annie/session/1> ; prc:speakerNotRecorded true }""")
    assert int(unknown[0].n) == 4
    text = _q(examples.graph, """SELECT ?t WHERE { ?t prc:partOfSession ?s ; prc:text ?x .
        FILTER(STRSTARTS(STR(?s), "https://w3id.org/prc-kg/data/case/annie/")) }""")
    assert text == []  # no transcript line is invented for a real case


def test_annie_commentaries_link_turns_to_components(examples):
    rows = _q(examples.graph, """
        SELECT ?tos ?component ?eval WHERE {
          ?c a prc:Commentary ; prc:annotates ?turn ; prc:illustrates ?component ; prc:hasEvaluation ?eval .
          ?turn prc:partOfSession <https://w3id.org/prc-kg/data/case/annie/session/1> .
          OPTIONAL { ?turn prc:tosNumber ?tos }
        }""")
    pairs = {(r.tos and int(r.tos), str(r.component).rsplit("/", 1)[-1]) for r in rows}
    assert (14, "EncourageElaboration") in pairs and (14, "WhyNow") in pairs
    assert {str(r.eval).rsplit("/", 1)[-1] for r in rows} == {"Helpful"}
    assert (114, "CollaborativeProblemDefinition") in pairs


def test_library_cases_record_the_instruments_applied(examples):
    g = examples.graph
    studied = {str(c).rsplit("/", 1)[-1]: {str(i).rsplit("/", 1)[-1] for i in g.objects(c, PRC.studiedWith)}
               for c in g.subjects(RDF.type, PRC.Case)}
    assert studied["giovanna"] >= {"SWAP200", "DMRS", "APS"}
    assert len(studied["gill-recording"]) == 9
    assert "PHI" in studied["mrs-c"]


# -- bad input: each mistake is reported with file, line and field, and nothing is loaded ---------

GOOD_CASE = """prc-kg: cases/1
cases:
  - id: v9-test
    title: A test vignette
    constructed: true
    tag: BK
    source: [Reference]
    patient: constructed adult patient
    therapist: constructed therapist
    sessions:
      - number: 1
        turns:
          - speaker: patient
            text: I keep changing the subject.
          - speaker: therapist
            text: You moved away from it just now.
            type: [Interpretation]
            aim: [PatientsDefense]
        commentaries:
          - on: [2]
            illustrates: [InterpretationOfDefense]
            evaluation: helpful
"""

BAD_CASES = [
    ("unknown class", ("illustrates: [InterpretationOfDefense]", "illustrates: [InterpretationOfDefence]"),
     21, "illustrates", "'InterpretationOfDefence' is not a class of the ontology"),
    ("class of the wrong kind", ("aim: [PatientsDefense]", "aim: [Interpretation]"), 18, "aim",
     "not a kind of intervention aim"),
    ("therapist code on a patient turn", ("text: I keep changing the subject.",
                                          "text: I keep changing the subject.\n            type: [Support]"),
     15, "type", "only a therapist turn"),
    ("bad evaluation", ("evaluation: helpful", "evaluation: great"), 22, "evaluation", "expected one of"),
    ("missing constructed flag", ("    constructed: true\n", ""), 3, "constructed", "expected true"),
    ("unknown field", ("    tag: BK\n", "    tag: BK\n    colour: red\n"), 7, "colour", "unknown field"),
    ("unknown turn in commentary", ("on: [2]", "on: [7]"), 20, "on", "not a turn number"),
    ("bad slug", ("id: v9-test", "id: V9 Test"), 3, "id", "expected a slug"),
    ("unknown source", ("source: [Reference]", "source: [Z99]"), 7, "source", "'Z99' is not a source"),
]


@pytest.mark.parametrize("name,edit,line,field,message", BAD_CASES, ids=[b[0] for b in BAD_CASES])
def test_bad_case_file_names_line_field_and_expectation(tmp_path, terms, name, edit, line, field, message):
    path = tmp_path / "cases" / "bad.yaml"
    path.parent.mkdir()
    assert edit[0] in GOOD_CASE
    path.write_text(GOOD_CASE.replace(edit[0], edit[1], 1), encoding="utf-8")
    with pytest.raises(InputError) as err:
        CaseBuilder(terms).add_file(path)
    assert (err.value.path, err.value.line, err.value.field) == (path, line, field)
    assert message in err.value.message


def test_good_case_file_loads(tmp_path, terms):
    path = tmp_path / "good.yaml"
    path.write_text(GOOD_CASE, encoding="utf-8")
    builder = CaseBuilder(terms)
    assert builder.add_file(path) == 1
    turn = DATA["case/v9-test/session/1/tos/2"]
    assert (turn, PRC.hasAim, URIRef(f"{turn}/aim/PatientsDefense")) in builder.g


@pytest.mark.parametrize("content,message,line", [
    (b"", "file is empty", None),
    (b"prc-kg: cases/1\ncases:\n  - id: [unclosed\n", "YAML syntax error", 4),
    (b"prc-kg: findings/1\ncases: []\n", "expected 'prc-kg: cases/1'", 1),
    (b"prc-kg: cases/1\ncases:\n  - id: x\n    title: caf\xe9\n", "not UTF-8", 4),
    (b"prc-kg: cases/1\ncases:\n  - id: a\n    id: b\n", "duplicate key 'id'", 4),
])
def test_malformed_yaml_is_rejected_with_its_line(tmp_path, terms, content, message, line):
    path = tmp_path / "broken.yaml"
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        CaseBuilder(terms).add_file(path)
    assert message in err.value.message
    assert err.value.line == line


def test_duplicate_case_id_across_files_names_the_first_file(tmp_path, release_graph):
    folder = tmp_path / "examples"
    (folder / "vignettes").mkdir(parents=True)
    (folder / "vignettes" / "a.yaml").write_text(GOOD_CASE, encoding="utf-8")
    (folder / "vignettes" / "b.yaml").write_text(GOOD_CASE, encoding="utf-8")
    with pytest.raises(InputError, match="case id 'v9-test' is already used in .*a.yaml"):
        load_examples(release_graph, folder)


@pytest.mark.slow
def test_shapes_catch_what_the_loader_cannot(release_graph, examples):
    bad = Graph()
    turn, rating = DATA["t/orphan"], DATA["r/too-high"]
    bad.add((turn, RDF.type, PRC.TurnOfSpeech))
    bad.add((rating, RDF.type, PRC.Rating))
    bad.add((rating, URIRef("http://www.w3.org/ns/sosa/observedProperty"), URIRef(PRC_IRI + "APS_TYPE-INT")))
    bad.add((rating, URIRef("http://www.w3.org/ns/sosa/hasSimpleResult"), Literal("7", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal"))))
    found = validate(bad, release_graph)
    messages = {(v.focus, v.message) for v in found}
    assert (str(turn), "a turn belongs to exactly one session") in messages
    assert (str(rating), "the rating's value lies outside its item's scale") in messages
    assert (str(rating), "a rating is made by exactly one rater") in messages


@pytest.mark.java
@pytest.mark.slow
def test_examples_are_consistent_and_coded_turns_are_classified(release_graph, examples, tmp_path):
    import shutil

    from prc_kg.ontology.build import canonical, serialise
    from prc_kg.ontology.reasoning import run_hermit

    if shutil.which("java") is None:
        pytest.skip("needs Java")
    path = tmp_path / "with-examples.owl"
    path.write_bytes(serialise(canonical(release_graph + examples.graph), "xml"))
    report = run_hermit(path)
    assert report.consistent and not report.unsatisfiable
    inferred = {(i.rsplit("/data/", 1)[-1], c.rsplit("/", 1)[-1]) for i, c in report.inferred_types}
    assert ("case/v3-defense-interpretation-skilful/session/1/tos/2", "InterpretationOfDefense") in inferred or any(
        i.startswith("case/v3-defense-interpretation-skilful/") and c == "InterpretationOfDefense" for i, c in inferred)
    assert any(c == "TransferenceInterpretation" for _, c in inferred)
    assert any(c == "SkilfulIntervention" for _, c in inferred)
    assert not any(i.startswith("case/v3-defense-interpretation-unskilful/") and c == "SkilfulIntervention"
                   for i, c in inferred)
