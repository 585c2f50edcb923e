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
}


def test_main_has_no_errors(release_graph, examples):
    report = run_qc(release_graph, instances=examples.graph)  # as `prc-kg qc` runs it: with the examples
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
    assert report.read_text().startswith("Level\tRule Name\tSubject\tProperty\tValue\tLocation\n")
    assert f"\t{module}:{block}\n" in report.read_text()
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
