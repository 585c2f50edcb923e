"""The ontology source: it parses, imports resolve offline, and bad files are named precisely."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import copy_ontology
from rdflib.namespace import OWL, RDF

from prc_kg.errors import InputError
from prc_kg.ontology.source import load_source, read_catalog
from prc_kg.vocab import ONTOLOGY_IRI, PRC


def test_every_module_in_the_catalog_is_loaded(source):
    catalog = read_catalog(source.main_path.parent)
    loaded = {str(iri) for iri in source.graphs}
    assert set(catalog) <= loaded
    assert source.ontology_iri == ONTOLOGY_IRI
    assert len(source.graphs) == len(catalog) + 1


def test_header_has_dated_version_licence_title_creator(source):
    g = source.graphs[ONTOLOGY_IRI]
    version = g.value(ONTOLOGY_IRI, OWL.versionIRI)
    assert version is not None and str(version).rsplit("/", 1)[-1][:4].isdigit()
    for prop in ("title", "description", "license", "creator", "bibliographicCitation"):
        assert any(p.endswith("/" + prop) for p in map(str, g.predicates(ONTOLOGY_IRI, None))), prop


def test_code_names_only_terms_the_ontology_defines(release_graph):
    for name in PRC.__annotations__:
        term = getattr(PRC, name)
        assert (term, RDF.type, None) in release_graph, f"{term} is used by the code but not declared"


def test_syntax_error_names_file_and_line(tmp_path):
    onto = copy_ontology(tmp_path)
    module = onto / "modules" / "patient.ttl"
    lines = module.read_text(encoding="utf-8").splitlines()
    lines.insert(20, "prc:Broken a owl:Class ;; rdfs:label .")
    module.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_source(onto)
    assert err.value.path.name == "patient.ttl"
    assert err.value.line == 21


def test_empty_and_non_utf8_files_are_rejected(tmp_path):
    onto = copy_ontology(tmp_path)
    (onto / "modules" / "alliance.ttl").write_bytes(b"")
    with pytest.raises(InputError, match="alliance.ttl: file is empty"):
        load_source(onto)
    (onto / "modules" / "alliance.ttl").write_bytes(b"# caf\xe9\n")
    with pytest.raises(InputError, match=r"alliance.ttl:1: not UTF-8"):
        load_source(onto)


def test_import_without_catalog_entry_is_named(tmp_path):
    onto = copy_ontology(tmp_path)
    catalog = onto / "catalog-v001.xml"
    text = catalog.read_text(encoding="utf-8")
    catalog.write_text("\n".join(l for l in text.splitlines() if "module/modalities" not in l), encoding="utf-8")
    with pytest.raises(InputError, match="no catalog entry for imported ontology <.*module/modalities>"):
        load_source(onto)


def test_missing_main_file(tmp_path: Path):
    with pytest.raises(InputError, match="ontology main file not found"):
        load_source(tmp_path)
