"""`prc-kg build`: release files in three syntaxes, the same bytes on every run, loadable elsewhere."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from rdflib import Graph
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF

from prc_kg.vocab import MODULE_IRI_PREFIX, ONTOLOGY_IRI


def _build(out: Path, seed: str) -> None:
    env = dict(os.environ, PYTHONHASHSEED=seed)
    subprocess.run([sys.executable, "-m", "prc_kg.cli.main", "build", "--out", str(out)], check=True,
                   capture_output=True, env=env, cwd=ROOT)


@pytest.mark.slow
def test_build_is_byte_identical_across_runs(tmp_path):
    _build(tmp_path / "a", "1")
    _build(tmp_path / "b", "2")
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == ["examples.ttl", "prc-kg-with-examples.owl", "prc-kg.jsonld", "prc-kg.owl", "prc-kg.ttl"]
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


@pytest.mark.slow
def test_three_syntaxes_hold_the_same_graph(built, release_graph):
    graphs = [Graph().parse(built.turtle, format="turtle"), Graph().parse(built.rdfxml, format="xml"),
              Graph().parse(built.jsonld, format="json-ld")]
    for g in graphs:
        assert isomorphic(g, release_graph)


def test_release_is_one_ontology_without_module_imports(built):
    g = Graph().parse(built.turtle, format="turtle")
    assert list(g.subjects(RDF.type, OWL.Ontology)) == [ONTOLOGY_IRI]
    assert not [o for o in g.objects(ONTOLOGY_IRI, OWL.imports) if str(o).startswith(MODULE_IRI_PREFIX)]
    assert g.value(ONTOLOGY_IRI, OWL.versionIRI) is not None


def test_owlready2_loads_the_rdfxml_release(built, release_graph):
    import owlready2

    world = owlready2.World()
    onto = world.get_ontology(built.rdfxml.resolve().as_uri()).load()
    classes = {c.iri for c in world.classes()}
    assert "https://w3id.org/prc-kg/ontology/InterpretationOfDefense" in classes
    expected = {str(c) for c in release_graph.subjects(RDF.type, OWL.Class) if not (c is None)}
    assert {c for c in expected if c.startswith("https://w3id.org/prc-kg/")} <= classes
    assert len(list(onto.individuals())) > 50
    world.close()


@pytest.mark.slow
def test_build_command_prints_the_summary(tmp_path, capsys):
    from prc_kg.cli.main import main

    assert main(["build", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "classes with a definition:" in out and "(100.0%)" in out
    assert "Section 3: what psychotherapists say" in out
