"""Stores and the query CLI: persistent store, materialised inferences (checked against HermiT),
parameters bound as RDF terms, clear errors."""

from __future__ import annotations

import shutil

import pyoxigraph as ox
import pytest

from prc_kg.cli.main import main
from prc_kg.store.backends import EmbeddedStore, bind_with_values
from prc_kg.store.dataset import load_dataset
from prc_kg.store.inference import defined_classes
from prc_kg.vocab import PRC

DEFINED = {"InterpretationOfDefense", "TransferenceInterpretation", "InterpretationOfConflict",
           "ClarificationOfConflict", "SkilfulIntervention", "ExploratoryIntervention", "AddressingTheRelationship"}


def test_defined_classes_are_read_from_the_ontology(release_graph):
    assert {str(d.cls).rsplit("/", 1)[-1] for d in defined_classes(release_graph)} == DEFINED


@pytest.mark.java
@pytest.mark.slow
def test_materialised_memberships_match_hermit(release_graph, examples, tmp_path):
    """What the store materialises for the defined classes is what HermiT infers, turn for turn."""
    if shutil.which("java") is None:
        pytest.skip("needs Java for HermiT")
    from prc_kg.ontology.build import canonical, serialise
    from prc_kg.ontology.reasoning import run_hermit

    path = tmp_path / "all.owl"
    path.write_bytes(serialise(canonical(release_graph + examples.graph), "xml"))
    hermit = {(i, c) for i, c in run_hermit(path).entailed_types
              if c.rsplit("/", 1)[-1] in DEFINED and "/data/" in i}
    store, _ = load_dataset(release_graph, examples.graph)
    ours = set()
    for name in DEFINED:
        for row in store.query(f"SELECT ?x WHERE {{ ?x a <{PRC._NS}{name}> }}").rows:
            ours.add((row[0].value, f"{PRC._NS}{name}"))
    assert len(hermit) > 50, "HermiT should classify many example turns into the defined classes"
    assert ours == hermit


def test_subclass_closure_is_materialised(kg_store):
    rows = kg_store.query("PREFIX prc: <https://w3id.org/prc-kg/ontology/> "
                          "ASK { <https://w3id.org/prc-kg/data/case/annie/treatment> a prc:Psychotherapy }")
    assert rows.boolean is True


@pytest.mark.slow
def test_persistent_store_reopens_with_the_same_graph(tmp_path, capsys):
    folder = tmp_path / "store"
    assert main(["load", "--store", str(folder), "--data"]) == 0
    assert "loaded" in capsys.readouterr().out
    size = len(EmbeddedStore(folder, read_only=True))
    assert size > 10_000
    assert main(["query", "cq01_session_intervention_types", "--store", str(folder), "--format", "csv"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "type,label,tos" and any(line.endswith(",14") and "EncourageElaboration" in line for line in out)


def test_hostile_parameter_value_is_one_harmless_literal(kg_store):
    hostile = 'x" } DROP ALL #'
    text = bind_with_values("SELECT ?v WHERE { BIND(?v AS ?w) }", {"v": ox.Literal(hostile)})
    size = len(kg_store)
    result = kg_store.query(text)
    assert [r[0].value for r in result.rows] == [hostile]
    assert len(kg_store) == size


def test_parameters_are_bound_past_a_hash_in_an_iri_or_a_string(kg_store):
    """A '#' in a PREFIX IRI (rdf-schema#) or in a string is no comment: the VALUES block still goes
    into the WHERE block (it was reported as "the query has no WHERE block")."""
    text = ('PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?label WHERE { ?s rdfs:label ?label '
            'FILTER(?label != "# WHERE {") }')
    rows = kg_store.query(text, {"s": ox.NamedNode(PRC._NS + "Section1")}).rows
    assert len(rows) == 1 and rows[0][0].value
    assert "VALUES ?s" not in bind_with_values(text, {"s": ox.NamedNode("urn:x")}).split("WHERE")[0]


@pytest.mark.slow
def test_cli_errors_name_the_query_and_the_problem(tmp_path, capsys):
    assert main(["query", "no_such_query"]) == 2
    assert "no query named 'no_such_query'" in capsys.readouterr().err
    assert main(["query", "cq01_session_intervention_types", "--param", "colour=red"]) == 2
    err = capsys.readouterr().err
    assert "cq01_session_intervention_types.rq" in err and "unknown parameter(s) colour" in err
    assert main(["query", "cq01_session_intervention_types", "--param", 'session=x" } DROP ALL #']) == 2
    assert "expects iri" in capsys.readouterr().err
    bad = tmp_path / "bad.rq"
    bad.write_text("# title: broken\nSELECT ?x WHERE { ?x ?y }\n", encoding="utf-8")
    assert main(["query", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.rq" in err and "syntax error" in err.lower()


def test_queries_lists_the_library(capsys):
    assert main(["queries"]) == 0
    out = capsys.readouterr().out
    assert "cq01_session_intervention_types" in out and "[session:iri]" in out
