"""`prc-kg qc`: zero ERRORs on main, and every check catches the fault it is written for."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from prc_kg.checks.qc import LEVELS, load_checks, run_qc
from prc_kg.vocab import PRC, SRC

BAD = URIRef("https://w3id.org/prc-kg/ontology/PlantedFault")


def _class(g: Graph, iri: URIRef = BAD, label: str = "planted fault", parent: URIRef = PRC.TherapistIntervention,
           definition: str = "A therapist intervention that exists only to test the QC checks.") -> None:
    g.add((iri, RDF.type, OWL.Class))
    g.add((iri, RDFS.subClassOf, parent))
    g.add((iri, RDFS.label, Literal(label, lang="en")))
    g.add((iri, SKOS.definition, Literal(definition, lang="en")))
    g.add((iri, PRC.provenanceTag, Literal("BK")))
    g.add((iri, DCTERMS.source, SRC.Reference))
    g.add((iri, PRC.inManualSection, PRC.Section3))
    axiom = BNode()  # the definition's own provenance (CONVENTIONS.md, "Definition provenance")
    for p, o in ((RDF.type, OWL.Axiom), (OWL.annotatedSource, iri), (OWL.annotatedProperty, SKOS.definition),
                 (OWL.annotatedTarget, Literal(definition, lang="en")), (DCTERMS.source, SRC.Reference),
                 (PRC.provenanceTag, Literal("BK"))):
        g.add((axiom, p, o))


def _remove(g: Graph, p) -> None:
    g.remove((BAD, p, None))


def _unmarked_real_case(g: Graph) -> None:
    """A real case (not constructed for teaching) with one turn that says nothing of where its wording comes from."""
    case, treatment = URIRef(f"{BAD}/case"), URIRef(f"{BAD}/treatment")
    session, turn = URIRef(f"{BAD}/session"), URIRef(f"{BAD}/turn")
    g.add((case, RDF.type, PRC.Case))
    g.add((case, PRC.constructedForTeaching, Literal(False)))
    g.add((case, PRC.documentsTreatment, treatment))
    g.add((session, PRC.partOfTreatment, treatment))
    g.add((turn, RDF.type, PRC.TurnOfSpeech))
    g.add((turn, PRC.partOfSession, session))
    g.add((turn, PRC.summary, Literal("what the turn is about")))


# One planted fault per check: (check name, how to plant it on a well-formed extra class).
PLANTS = {
    "missing_label": lambda g: _remove(g, RDFS.label),
    "missing_definition": lambda g: _remove(g, SKOS.definition),
    "duplicate_label": lambda g: (_remove(g, RDFS.label), g.add((BAD, RDFS.label, Literal("Interpretation", lang="en")))),
    "multiple_labels": lambda g: g.add((BAD, RDFS.label, Literal("second label", lang="en"))),
    "multiple_definitions": lambda g: g.add((BAD, SKOS.definition, Literal("A second one.", lang="en"))),
    "missing_superclass": lambda g: _remove(g, RDFS.subClassOf),
    "undeclared_property": lambda g: g.add((BAD, URIRef("https://w3id.org/prc-kg/ontology/noSuchProperty"), Literal(1))),
    "dangling_reference": lambda g: g.add((BAD, RDFS.seeAlso, URIRef("https://w3id.org/prc-kg/ontology/Typo"))),
    "definition_parent_label": lambda g: (_remove(g, SKOS.definition),
                                          g.add((BAD, SKOS.definition, Literal("Something else entirely.", lang="en")))),
    "missing_provenance": lambda g: _remove(g, PRC.provenanceTag),
    "invalid_provenance_tag": lambda g: (_remove(g, PRC.provenanceTag), g.add((BAD, PRC.provenanceTag, Literal("WIKI")))),
    "dangling_item_xref": lambda g: g.add((BAD, PRC.itemXref, Literal("APS:NO-SUCH-ITEM"))),
    "item_xref_not_derived": lambda g: g.add((BAD, PRC.itemXref, Literal("APS:TYPE-INT"))),
    "label_whitespace": lambda g: (_remove(g, RDFS.label), g.add((BAD, RDFS.label, Literal("planted  fault ", lang="en")))),
    "component_without_section": lambda g: _remove(g, PRC.inManualSection),
    "ontology_header": lambda g: g.remove((None, OWL.versionIRI, None)),
    "individual_without_definition": lambda g: (g.add((PRC.Section3, RDF.type, OWL.NamedIndividual)),
                                                g.remove((PRC.Section3, SKOS.definition, None))),
    "subclass_cycle": lambda g: g.add((PRC.TherapistIntervention, RDFS.subClassOf, BAD)),
    "label_markup": lambda g: (_remove(g, RDFS.label),
                               g.add((BAD, RDFS.label, Literal("planted <img src=x onerror=alert(1)>", lang="en")))),
    "item_scale": lambda g: (g.add((BAD, PRC.scaleMin, Literal(Decimal(5)))), g.add((BAD, PRC.scaleMax, Literal(Decimal(1))))),
    "case_statement_unmarked": _unmarked_real_case,
    "source_without_type": lambda g: (_remove(g, DCTERMS.source), g.add((BAD, DCTERMS.source, SRC.Planted))),
    "definition_provenance": lambda g: g.remove((None, OWL.annotatedSource, BAD)),
    "stale_definition_axiom": lambda g: (_remove(g, SKOS.definition),
                                         g.add((BAD, SKOS.definition, Literal("A therapist intervention reworded.",
                                                                                lang="en")))),
    # checks on findings, planted as a finding (or a condition, or an edge) with the IRI of the planted class
    "finding_without_typed_relation": lambda g: g.add((BAD, RDF.type, PRC.Finding)),
    "moderator_without_level": lambda g: (g.add((BAD, RDF.type, PRC.ModeratorCondition)),
                                          g.add((BAD, PRC.conditionConstruct, _prc("TherapeuticAlliance")))),
    "finding_without_direct_edge": lambda g: _finding(g, "increases", PRC.PositiveDirection),
    "direct_edge_without_finding": lambda g: g.add((BAD, _prc("increases"), _prc("Relapse"))),
    "finding_sign_contradicts_direction": lambda g: _finding(g, "increases", PRC.NegativeDirection, edge=True),
}


def _prc(name: str) -> URIRef:
    return URIRef("https://w3id.org/prc-kg/ontology/" + name)


def _finding(g: Graph, relation: str, direction: URIRef, edge: bool = False) -> None:
    """A finding "support <relation> relapse" with the given direction, with or without its direct edge."""
    for p, o in ((RDF.type, PRC.Finding), (PRC.assertsRelation, _prc(relation)), (PRC.hasDirection, direction),
                 (PRC.findingSubject, _prc("Support")), (PRC.findingObject, _prc("Relapse"))):
        g.add((BAD, p, o))
    if edge:
        g.add((_prc("Support"), _prc(relation), _prc("Relapse")))


def test_main_has_no_errors(release_graph, examples):
    for instances in (None, examples.graph):  # the ontology alone, and as `prc-kg qc` runs it: with the examples
        report = run_qc(release_graph, instances=instances)
        errors = [v for v in report.violations if v.level == "ERROR"]
        assert errors == [], "\n".join(f"{v.rule} {v.entity} {v.value}" for v in errors)


def test_every_check_has_a_planted_fault_case():
    names = {c.name for c in load_checks()}
    assert names == set(PLANTS), "add a planted-fault case for each new QC check"
    assert {c.level for c in load_checks()} <= set(LEVELS)


@pytest.mark.parametrize("rule", sorted(PLANTS))
def test_check_catches_its_fault(release_graph, rule):
    g = Graph()
    g += release_graph
    _class(g)
    PLANTS[rule](g)
    fired = [v for v in run_qc(g).violations if v.rule == rule]
    assert fired, f"{rule} did not fire"
    if rule == "case_statement_unmarked":
        assert [v.entity for v in fired] == [f"{BAD}/turn"]
    elif rule not in ("ontology_header", "individual_without_definition"):
        assert any(v.entity == str(BAD) for v in fired), [v.entity for v in fired]


def test_clean_planted_class_raises_nothing(release_graph):
    g = Graph()
    g += release_graph
    _class(g)
    assert [v for v in run_qc(g).violations if v.entity == str(BAD)] == []


@pytest.mark.slow
def test_cli_exits_nonzero_on_error_and_writes_report(tmp_path, capsys):
    from conftest import copy_ontology

    from prc_kg.cli.main import main

    onto = copy_ontology(tmp_path)
    module = onto / "modules" / "modalities.ttl"
    text = module.read_text(encoding="utf-8")
    module.write_text(text.replace('rdfs:label "group psychotherapy"@en', 'rdfs:comment "label removed"@en'),
                      encoding="utf-8")
    report = tmp_path / "qc.tsv"
    assert main(["qc", "--ontology", str(onto), "--report", str(report)]) == 1
    out = capsys.readouterr().out
    block = text[: text.index("prc:GroupPsychotherapy a owl:Class")].count("\n") + 1
    assert (f"ERROR\tmissing_label\thttps://w3id.org/prc-kg/ontology/GroupPsychotherapy\t{RDFS.label}"
            f"  at {module}:{block}\n") in out
    assert report.read_text().startswith("Level\tRule Name\tSubject\tProperty\tValue\tLocation\tLabel\tHint\n")
    hint = 'add rdfs:label "…"@en: lower case, as the term is said in running text'
    assert f"\t{module}:{block}\t\t{hint}\n" in report.read_text()  # no label to show: it is the one missing
    assert f"  at {module}:{block}\n\t{hint}\n" in out
    assert main(["qc"]) == 0


def test_every_term_is_located_at_the_line_that_opens_its_block(release_graph):
    from prc_kg.ontology.locations import source_locations
    from prc_kg.ontology.source import default_ontology_dir, load_source

    source = load_source(default_ontology_dir())
    where = source_locations(source)
    named = {str(s) for s in release_graph.subjects() if isinstance(s, URIRef)}
    assert named <= set(where), sorted(named - set(where))[:5]
    for iri in named:
        path, line = where[iri].rsplit(":", 1)
        opening = Path(path).read_text(encoding="utf-8").splitlines()[int(line) - 1]
        first = opening.split()[0]
        assert first == f"<{iri}>" or first.endswith(":" + re.split("[/#]", iri)[-1]), (iri, where[iri], opening)


# -- the checks on findings, on the real examples with one thing broken -----------------------------------------

def _fired(g: Graph, rule: str) -> set[tuple[str, str]]:
    return {(v.entity.rsplit("/", 2)[-1] if "/condition/" not in v.entity else v.entity.split("/finding/")[-1],
             v.value.replace("https://w3id.org/prc-kg/ontology/", "")) for v in run_qc(g).violations if v.rule == rule}


@pytest.fixture
def with_examples(release_graph, examples) -> Graph:
    g = Graph()
    g += release_graph
    g += examples.graph
    return g


def test_a_missing_direct_edge_is_reported_for_each_finding_that_asserts_it(with_examples):
    with_examples.remove((_prc("TherapeuticAlliance"), _prc("predictsIncrease"), _prc("TreatmentOutcome")))
    # the alliance-outcome findings of relations 19 and 20 (examples/findings/findings.yaml)
    edge = "TherapeuticAlliance predictsIncrease TreatmentOutcome"
    assert _fired(with_examples, "finding_without_direct_edge") == {
        (f, edge) for f in ("f19-alliance-outcome-1991", "f19-alliance-outcome-2002", "f19-alliance-outcome-2011",
                            "f19-alliance-outcome-2018", "f19-alliance-outcome-internet-2018",
                            "f20-alliance-outcome-robust")}


def test_a_missing_moderator_edge_is_reported(with_examples):
    with_examples.remove((_prc("GoodIntervention"), PRC.moderates, _prc("PatientProductivity")))
    edge = "GoodIntervention moderates PatientProductivity"
    assert _fired(with_examples, "finding_without_direct_edge") == {
        ("f02-core-interpretations-productivity", edge), ("f02-core-interpretations-productivity-interns", edge)}


def test_an_edge_no_finding_backs_is_reported_and_a_broader_one_is_not(with_examples):
    with_examples.add((_prc("Support"), _prc("decreases"), _prc("Relapse")))
    with_examples.add((_prc("TherapeuticAlliance"), _prc("predicts"), _prc("TreatmentOutcome")))  # entailed by f19
    # null findings assert no edge, so an edge matching one is reported too (f17: CB technique and outcome)
    with_examples.add((_prc("CognitiveBehavioralTechnique"), _prc("predicts"), _prc("TreatmentOutcome")))
    got = {(v.entity.rsplit("/", 1)[-1], v.property.rsplit("/", 1)[-1], v.value.rsplit("/", 1)[-1])
           for v in run_qc(with_examples).violations if v.rule == "direct_edge_without_finding"}
    assert got == {("Support", "decreases", "Relapse"), ("CognitiveBehavioralTechnique", "predicts", "TreatmentOutcome")}


def test_a_moderator_without_level_is_reported(with_examples):
    from prc_kg.vocab import DATA

    condition = DATA["finding/f29-competence-stagnant-alliance/condition/1"]
    with_examples.remove((condition, PRC.conditionLevel, None))
    assert _fired(with_examples, "moderator_without_level") == {
        ("f29-competence-stagnant-alliance/condition/1", "TherapeuticAlliance")}
    # a moderator named on a finding but given as no condition at all
    with_examples.add((DATA["finding/f01-quality-predicts-progress"], PRC.findingModerator, _prc("GoodIntervention")))
    assert ("f01-quality-predicts-progress", "GoodIntervention") in _fired(with_examples, "moderator_without_level")


def test_a_finding_without_typed_relation_or_with_a_contradicting_sign_is_reported(with_examples):
    from prc_kg.vocab import DATA

    f13, f01 = DATA["finding/f13-depth-work-prevents-relapse"], DATA["finding/f01-quality-predicts-progress"]
    with_examples.remove((f01, PRC.assertsRelation, None))
    with_examples.add((f01, PRC.assertsRelation, PRC.relationKind))  # a property, but not a relation of findings
    with_examples.set((f13, PRC.hasDirection, PRC.PositiveDirection))  # "prevents" with a positive sign
    assert _fired(with_examples, "finding_without_typed_relation") == {("f01-quality-predicts-progress", "relationKind")}
    assert _fired(with_examples, "finding_sign_contradicts_direction") == {("f13-depth-work-prevents-relapse",
                                                                            "decreases")}


@pytest.mark.slow
def test_cli_checks_the_examples_too(tmp_path, capsys):
    import shutil

    from conftest import ROOT

    from prc_kg.cli.main import main

    examples = tmp_path / "examples"
    shutil.copytree(ROOT / "examples", examples)
    findings = examples / "findings" / "findings.yaml"
    text = findings.read_text(encoding="utf-8")
    findings.write_text(text.replace("[{construct: TherapeuticAlliance, level: growing}]", "[TherapeuticAlliance]", 1),
                        encoding="utf-8")
    assert main(["qc", "--examples", str(examples)]) == 1
    out = capsys.readouterr().out
    assert ("ERROR\tmoderator_without_level\thttps://w3id.org/prc-kg/data/finding/f29-competence-growing-alliance/"
            "condition/1\thttps://w3id.org/prc-kg/ontology/conditionLevel") in out
    assert main(["qc", "--examples", str(examples), "--no-examples"]) == 0


# -- Turtle syntax errors: the line of the mistake, the offending text as text -------------------------------------

_MODALITIES = Path(__file__).resolve().parents[1] / "ontology" / "modules" / "modalities.ttl"
_LABEL = 'rdfs:label "group psychotherapy"@en ;'


@pytest.mark.parametrize(("case", "old", "new", "expected"), [
    ("a ';' left out at the end of a line", _LABEL, _LABEL[:-2],
     ("expected ';', ',' or '.' after the last term of this line: «rdfs:label \"group psychotherapy\"@en»; "
     "what follows is «skos:altLabel \"group therapy\"@en ;»")),
    ("a string left open", _LABEL, _LABEL.replace('y"@en', "y@en"),
     "newline found in string literal, at column 41 of «rdfs:label \"group psychotherapy@en ;»"),
    ("an unbound prefix", _LABEL, _LABEL.replace("rdfs:", "rdfz:"),
     "Prefix \"rdfz:\" not bound, at column 5 of «rdfz:label \"group psychotherapy\"@en ;»"),
    ("a property with no object", _LABEL, "rdfs:label ;",
     "expected an object (an IRI, a prefixed name, a literal or a blank node), at column 16 of «rdfs:label ;»"),
])
def test_a_turtle_syntax_error_names_the_line_of_the_mistake_and_quotes_it(tmp_path, case, old, new, expected):
    from prc_kg.errors import InputError
    from prc_kg.ontology.source import parse_file

    text = _MODALITIES.read_text(encoding="utf-8")
    assert text.count(old) == 1
    line = text[: text.index(old)].count("\n") + 1
    bad = tmp_path / "modalities.ttl"
    bad.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        parse_file(bad)
    assert caught.value.line == line, case
    assert str(caught.value) == f"{bad}:{line}: turtle syntax error: {expected}"
    assert "b'" not in str(caught.value) and "\\n" not in str(caught.value)


def test_a_statement_left_open_before_a_comment_and_a_blank_line_points_at_its_last_term(tmp_path):
    from prc_kg.errors import InputError
    from prc_kg.ontology.source import parse_file

    bad = tmp_path / "open.ttl"
    bad.write_text('@prefix ex: <https://example.org/> .\n\nex:a ex:p "x; # not the end" # a comment; "quoted"\n'
                   "\n# another comment\nex:b ex:p ex:c .\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        parse_file(bad)
    assert caught.value.line == 3
    assert "«ex:a ex:p \"x; # not the end\" # a comment; \"quoted\"»; what follows is «ex:b ex:p ex:c .»" in str(
        caught.value)


# -- what a finding means: the label beside the IRI and a hint of what is expected --------------------------------

def _findings(g: Graph, rule: str) -> list:
    return [v for v in run_qc(g).violations if v.rule == rule and v.entity == str(BAD)]


@pytest.fixture
def planted(release_graph) -> Graph:
    g = Graph()
    g += release_graph
    _class(g)
    return g


def test_a_misspelt_parent_is_answered_with_the_term_it_most_likely_meant(planted):
    _remove(planted, RDFS.subClassOf)
    planted.add((BAD, RDFS.subClassOf, _prc("TherapistInterventon")))
    [v] = _findings(planted, "dangling_reference")
    assert v.label == "planted fault"
    assert v.hint == ('prc:TherapistInterventon is declared nowhere; did you mean prc:TherapistIntervention '
                      '"therapist intervention"?')


def test_a_name_far_from_every_term_gets_no_guess(planted):
    planted.add((BAD, RDFS.seeAlso, _prc("SomethingQuiteUnheardOf")))
    [v] = _findings(planted, "dangling_reference")
    assert v.hint == "prc:SomethingQuiteUnheardOf is declared nowhere"


@pytest.mark.parametrize(("parent", "expected"), [
    (PRC.TherapistIntervention, ('expected it to open with "A therapist intervention …" (its parent is '
                                'prc:TherapistIntervention "therapist intervention")')),
    (_prc("Interpretation"), ('expected it to open with "An interpretation …" (its parent is prc:Interpretation '
                             '"interpretation")')),
])
def test_a_definition_off_the_genus_is_told_how_it_should_open(planted, parent, expected):
    planted.set((BAD, RDFS.subClassOf, parent))
    planted.set((BAD, SKOS.definition, Literal("Something else entirely.", lang="en")))
    [v] = _findings(planted, "definition_parent_label")
    assert v.hint == expected
    planted.remove((BAD, SKOS.definition, None))
    [v] = _findings(planted, "missing_definition")
    assert v.hint.startswith(expected.replace("expected it to open with", "add skos:definition, opening with"))


def test_a_misspelt_property_tag_or_item_code_is_answered_with_the_nearest_known_one(planted):
    planted.add((BAD, URIRef(str(SKOS) + "defintion"), Literal("x", lang="en")))
    planted.set((BAD, PRC.provenanceTag, Literal("PCR")))  # two letters swapped: one slip, nearer PRC than PHI
    planted.add((BAD, PRC.itemXref, Literal("APS:TYPE-ITN")))
    assert [v.hint for v in _findings(planted, "undeclared_property")] == [
        "skos:defintion is not a declared property; did you mean skos:definition?"]
    assert [v.hint for v in _findings(planted, "invalid_provenance_tag")] == [
        "expected one of APS, BK, CPPS, DIS, LIT, PHI, PIL, PIRS, PQS, PRC, WAI; did you mean PRC?"]
    assert [v.hint for v in _findings(planted, "dangling_item_xref")] == [
        "no item has the code APS:TYPE-ITN; did you mean APS:TYPE-INT?"]


def test_a_duplicated_label_names_the_other_term_and_fixed_hints_come_from_the_check_file(planted):
    planted.set((BAD, RDFS.label, Literal("Interpretation", lang="en")))
    [v] = _findings(planted, "duplicate_label")
    assert (v.label, v.hint) == ("Interpretation", "also the label of prc:Interpretation")
    planted.remove((BAD, PRC.inManualSection, None))
    [v] = _findings(planted, "component_without_section")
    assert v.hint == "add prc:inManualSection prc:Section1 … prc:Section5, the section(s) that teach it"
    assert v.text().endswith('\n\t"Interpretation" — add prc:inManualSection prc:Section1 … prc:Section5, the '
                             "section(s) that teach it")


def test_edit_distance_counts_typing_slips():
    from prc_kg.checks.qchints import closest, edit_distance

    assert edit_distance("TherapistInterventon", "TherapistIntervention", 5) == 1
    assert edit_distance("PCR", "PRC", 5) == 1  # a swap of neighbours is one slip
    assert edit_distance("kitten", "sitting", 1) == 2  # cut off above the limit
    assert closest("Interpretaion", ["Interpretation", "Interpretations", "Intervention"]) == "Interpretation"
    assert closest("Support", ["Supervision", "Suggestion"]) is None


@pytest.mark.slow
def test_build_says_when_qc_has_errors_and_exits_1_with_the_files_written(tmp_path, capsys):
    from conftest import copy_ontology

    from prc_kg.cli.main import main

    onto = copy_ontology(tmp_path)
    module = onto / "modules" / "modalities.ttl"
    text = module.read_text(encoding="utf-8")
    module.write_text(text.replace("prc:MaritalPsychotherapy a owl:Class ;\n    rdfs:subClassOf prc:Psychotherapy ;",
                                   "prc:MaritalPsychotherapy a owl:Class ;\n    rdfs:subClassOf prc:Psychoterapy ;"),
                      encoding="utf-8")
    out_dir = tmp_path / "build"
    assert main(["build", "--ontology", str(onto), "--out", str(out_dir)]) == 1
    out = capsys.readouterr().out
    block = text[: text.index("prc:MaritalPsychotherapy a owl:Class")].count("\n") + 1
    checks = len(load_checks())
    assert (f"QC FAILED: {checks} checks; 1 ERROR, 0 WARN, 0 INFO. The files above are written, but `prc-kg release` "
            "refuses an ontology with QC errors; `prc-kg qc` lists every finding.\n"
            "ERROR\tdangling_reference\thttps://w3id.org/prc-kg/ontology/MaritalPsychotherapy\t"
            f"{RDFS.subClassOf}  https://w3id.org/prc-kg/ontology/Psychoterapy  at {module}:{block}\n"
            '\t"marital psychotherapy" — prc:Psychoterapy is declared nowhere; did you mean prc:Psychotherapy '
            '"psychotherapy"?\n') in out
    assert (out_dir / "prc-kg.ttl").exists() and f"wrote {out_dir / 'prc-kg.ttl'}" in out
    assert main(["build", "--out", str(tmp_path / "clean")]) == 0
    assert f"\nQC: {checks} checks; 0 ERROR, " in capsys.readouterr().out


def test_an_rdf_xml_syntax_error_quotes_its_line_as_text(built, tmp_path):
    from prc_kg.errors import InputError
    from prc_kg.ontology.source import parse_file

    lines = built.rdfxml.read_text(encoding="utf-8").split("\n")
    number = next(i for i, line in enumerate(lines, 1) if "<rdfs:label xml:lang=\"en\">" in line)
    lines[number - 1] = lines[number - 1].replace("</rdfs:label>", "</rdfs:labl>")
    bad = tmp_path / "release.owl"
    bad.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        parse_file(bad)
    assert caught.value.line == number
    assert "xml syntax error: mismatched tag, at column " in str(caught.value)
    assert str(caught.value).endswith(f"of «{lines[number - 1].strip()}»")
