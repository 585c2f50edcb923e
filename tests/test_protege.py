"""Protégé compatibility through OWLAPI 5 (the library Protégé runs on), both directions: the source
opens in Protégé offline, from the main file or any module alone, and a source Protégé saved gives
the same release as the one people wrote."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from prc_kg.checks.qc import run_qc
from prc_kg.ontology.bnodes import same_graph
from prc_kg.ontology.build import build_release, merged_release_graph, serialise
from prc_kg.ontology.locations import source_locations
from prc_kg.ontology.normalise import normalise
from prc_kg.ontology.source import CATALOG_FILE, default_ontology_dir, load_source
from prc_kg.vocab import PRC, PRC_IRI


def _summary(stdout: str) -> str:
    return [line for line in stdout.splitlines() if line.startswith("SUMMARY")][-1]


@pytest.mark.java
@pytest.mark.slow
def test_source_opens_without_unparsed_triples_guesses_or_dl_violations(owlapi_checker):
    result = owlapi_checker(str(default_ontology_dir() / "prc-kg.ttl"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "problems=0" in _summary(result.stdout)
    assert "ontologies=12" in _summary(result.stdout)


@pytest.mark.java
@pytest.mark.slow
def test_rdfxml_release_opens_cleanly(owlapi_checker, built):
    result = owlapi_checker(str(built.rdfxml))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "problems=0" in _summary(result.stdout)


@pytest.mark.java
@pytest.mark.slow
def test_build_and_qc_work_after_a_protege_style_save(owlapi_checker, tmp_path):
    """OWLAPI adds a class and rewrites every module in its own Turtle layout, as Protégé's save does."""
    saved = tmp_path / "saved"
    result = owlapi_checker(str(default_ontology_dir() / "prc-kg.ttl"), "--resave", str(saved), "--add-class")
    assert result.returncode == 0, result.stdout + result.stderr
    original = (default_ontology_dir() / "modules" / "therapist.ttl").read_text(encoding="utf-8")
    assert (saved / "modules" / "therapist.ttl").read_text(encoding="utf-8") != original

    source = load_source(saved)
    paths, graph = build_release(source, tmp_path / "build")
    new = URIRef(PRC_IRI + "ReflectionOfFeeling")
    assert (new, RDFS.subClassOf, PRC.TherapistIntervention) in graph
    report = run_qc(graph)
    assert report.count("ERROR") == 0, [v for v in report.violations if v.level == "ERROR"]
    assert len(Graph().parse(paths.turtle)) == len(graph)
    # QC findings still point at the line in OWLAPI's layout
    where = source_locations(source)
    assert {str(s) for s in graph.subjects() if isinstance(s, URIRef)} <= set(where)
    path, line = where[str(new)].rsplit(":", 1)
    assert Path(path) == saved / "modules" / "therapist.ttl"
    opening = Path(path).read_text(encoding="utf-8").splitlines()[int(line) - 1]
    assert opening.split()[0] in (f"<{new}>", "prc:ReflectionOfFeeling", ":ReflectionOfFeeling"), opening


@pytest.mark.java
@pytest.mark.slow
def test_ontology_with_examples_stays_owl2_dl(owlapi_checker, source, examples, tmp_path):
    """The findings' direct edges join construct classes with object properties (punning: OWL 2 DL reads
    the class IRI as an individual in the assertion); OWLAPI must parse every triple of the file the
    reasoner reads and find no OWL 2 DL violation."""
    from prc_kg.ontology.build import WITH_EXAMPLES_OWL

    build_release(source, tmp_path, examples.graph)
    path = tmp_path / WITH_EXAMPLES_OWL
    edge = ('<rdf:Description rdf:about="https://w3id.org/prc-kg/ontology/TherapistCompetence">', "predictsDecrease")
    text = path.read_text(encoding="utf-8")
    assert all(part in text for part in edge)
    result = owlapi_checker(str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "problems=0" in _summary(result.stdout)


# --- What a Protégé save changes, and the build undoing it -------------------------------------------

_PREFIXES = """@prefix : <http://example.org/t#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
# One of each construct a save rewrites, as a person writes it.
WRITTEN = _PREFIXES + """<http://example.org/t> a owl:Ontology .
:A a owl:Class . :B a owl:Class . :C a owl:Class . :D a owl:Class . :E a owl:Class .
:p a owl:ObjectProperty . :q a owl:ObjectProperty . :r a owl:ObjectProperty .
:level a owl:DatatypeProperty ; rdfs:range [ a rdfs:Datatype ; owl:oneOf ( "low" "mid" "high" ) ] .
:score a owl:DatatypeProperty ; rdfs:range xsd:decimal .
:note a owl:DatatypeProperty .
:r owl:propertyChainAxiom ( :q :p ) .
:A owl:equivalentClass [ a owl:Class ; owl:unionOf ( :C :B ) ] .
[] a owl:Axiom ; owl:annotatedSource :A ; owl:annotatedProperty owl:equivalentClass ;
   owl:annotatedTarget [ a owl:Class ; owl:unionOf ( :C :B ) ] ; rdfs:comment "why" .
[] a owl:AllDisjointClasses ; owl:members ( :D :B :C ) .
[] a owl:AllDisjointClasses ; owl:members ( :E :A ) .
:E owl:equivalentClass [ a owl:Class ; owl:intersectionOf ( :D [ a owl:Restriction ; owl:onProperty :p ;
   owl:someValuesFrom [ a owl:Class ; owl:unionOf ( :C :A ) ] ] ) ] .
:E owl:disjointWith :D .
[] a owl:Axiom ; owl:annotatedSource :E ; owl:annotatedProperty owl:disjointWith ; owl:annotatedTarget :D ;
   rdfs:comment "because" .
[] a owl:AllDisjointClasses ; owl:members ( [ a owl:Class ; owl:complementOf :A ] :C ) .
[] a owl:AllDisjointProperties ; owl:members ( :q :p ) .
:q owl:inverseOf :p .
:x a owl:NamedIndividual , :A ; :score "3"^^xsd:decimal , "2.50"^^xsd:decimal ; :note "x"^^xsd:string .
:y a owl:NamedIndividual . :z a owl:NamedIndividual .
[] a owl:AllDifferent ; owl:members ( :z :y :x ) .
[] a owl:AllDifferent ; owl:distinctMembers ( :z :x ) .
"""
# What OWLAPI 5.1.20 (Debian's libowlapi-java) writes for it, copied from its Turtle output: literal list
# cells typed rdf:List, sets reordered, two-member n-ary axioms as pairs, symmetric triples (and their
# axiom annotations) turned to run from the IRI that sorts first, the annotated axiom's anonymous target
# shared, "3"^^xsd:decimal written 3 (an integer) and "x"^^xsd:string written "x".
OWLAPI_SAVED = _PREFIXES + """<http://example.org/t> rdf:type owl:Ontology .
:p rdf:type owl:ObjectProperty ; owl:propertyDisjointWith :q . :q rdf:type owl:ObjectProperty ; owl:inverseOf :p .
:r rdf:type owl:ObjectProperty ; owl:propertyChainAxiom ( :q :p ) .
:level rdf:type owl:DatatypeProperty ; rdfs:range [ rdf:type rdfs:Datatype ;
   owl:oneOf [ rdf:type rdf:List ; rdf:first "high" ; rdf:rest [ rdf:type rdf:List ; rdf:first "low" ;
               rdf:rest [ rdf:type rdf:List ; rdf:first "mid" ; rdf:rest rdf:nil ] ] ] ] .
:note rdf:type owl:DatatypeProperty .
:score rdf:type owl:DatatypeProperty ; rdfs:range xsd:decimal .
:A rdf:type owl:Class ; owl:equivalentClass _:u ; owl:disjointWith :E .
_:u rdf:type owl:Class ; owl:unionOf ( :B :C ) .
[ rdf:type owl:Axiom ; owl:annotatedSource :A ; owl:annotatedProperty owl:equivalentClass ;
  owl:annotatedTarget _:u ; rdfs:comment "why" ] .
:B rdf:type owl:Class . :D rdf:type owl:Class ; owl:disjointWith :E .
[ rdf:type owl:Axiom ; owl:annotatedSource :D ; owl:annotatedProperty owl:disjointWith ; owl:annotatedTarget :E ;
  rdfs:comment "because" ] .
:C rdf:type owl:Class ; owl:disjointWith [ rdf:type owl:Class ; owl:complementOf :A ] .
:E rdf:type owl:Class ; owl:equivalentClass [ owl:intersectionOf ( :D [ rdf:type owl:Restriction ;
   owl:onProperty :p ; owl:someValuesFrom [ rdf:type owl:Class ; owl:unionOf ( :A :C ) ] ] ) ;
   rdf:type owl:Class ] .
:x rdf:type owl:NamedIndividual , :A ; owl:differentFrom :z ; :note "x" ; :score 2.50 , 3 .
:y rdf:type owl:NamedIndividual . :z rdf:type owl:NamedIndividual .
[ rdf:type owl:AllDisjointClasses ; owl:members ( :B :C :D ) ] .
[ rdf:type owl:AllDifferent ; owl:distinctMembers ( :x :y :z ) ] .
"""


def _turtle(text: str) -> Graph:
    return Graph().parse(data=text, format="turtle")


def test_a_protege_save_and_the_written_source_normalise_to_one_graph():
    written, saved = _turtle(WRITTEN), _turtle(OWLAPI_SAVED)
    assert not same_graph(written, saved)
    assert same_graph(normalise(written), normalise(saved))
    assert same_graph(normalise(normalise(saved)), normalise(saved))


def test_normalising_keeps_order_where_it_means_something_and_drops_no_statement_of_meaning():
    g = normalise(_turtle(WRITTEN))
    chain = g.value(URIRef("http://example.org/t#r"), OWL.propertyChainAxiom)
    assert [str(g.value(chain, RDF.first)), str(g.value(g.value(chain, RDF.rest), RDF.first))] == [
        "http://example.org/t#q", "http://example.org/t#p"]
    assert (None, RDF.type, RDF.List) not in g
    assert len(list(g.subjects(RDF.type, OWL.AllDisjointClasses))) == 1  # the pair became owl:disjointWith
    assert (URIRef("http://example.org/t#A"), OWL.disjointWith, URIRef("http://example.org/t#E")) in g
    values = {o.n3() for o in g.objects(URIRef("http://example.org/t#x"), URIRef("http://example.org/t#score"))}
    assert values == {'"3"^^<http://www.w3.org/2001/XMLSchema#decimal>', '"2.50"^^<http://www.w3.org/2001/XMLSchema#decimal>'}


def test_the_release_reads_back_from_json_ld_when_the_source_has_list_types(tmp_path):
    """The issue's blocker: rdflib's JSON-LD writer drops ``rdf:type rdf:List``, so the release's
    read-back check refused every source OWLAPI had written list types into."""
    onto = tmp_path / "ontology"
    shutil.copytree(default_ontology_dir(), onto)
    core = onto / "modules" / "core.ttl"
    core.write_text(core.read_text(encoding="utf-8") + """
prc:scaleMin rdfs:range [ rdf:type rdfs:Datatype ; owl:oneOf [ rdf:type rdf:List ; rdf:first "0"^^xsd:decimal ;
    rdf:rest [ rdf:type rdf:List ; rdf:first "1"^^xsd:decimal ; rdf:rest rdf:nil ] ] ] .
""", encoding="utf-8")
    source = load_source(onto)
    assert (None, RDF.type, RDF.List) in source.merged()
    graph = merged_release_graph(source)
    back = Graph().parse(data=serialise(graph, "json-ld"), format="json-ld")
    assert same_graph(back, graph)


# --- Catalogs: every folder Protégé may open a file from resolves the imports locally ----------------

_CATALOG_NS = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"


def _catalog(folder: Path) -> dict[str, Path]:
    """A catalog's <uri> entries resolved against its folder, as Protégé's XML catalog reader does."""
    root = ET.parse(folder / CATALOG_FILE).getroot()
    return {el.get("name"): (folder / el.get("uri")).resolve() for el in root.iter(f"{_CATALOG_NS}uri")}


def _folders_with_rdf() -> list[Path]:
    return sorted({p.parent for p in default_ontology_dir().rglob("*.ttl")})


def test_every_folder_with_ontology_files_has_a_catalog_naming_every_ontology_of_the_source(source):
    files = {str(iri): path.resolve() for iri, path in source.files.items()}
    folders = _folders_with_rdf()
    assert {f.name for f in folders} >= {"ontology", "modules", "shapes"}
    for folder in folders:
        entries = _catalog(folder)
        # the root catalog is the build's and lists the modules; the others list the main file too
        expected = files if folder != default_ontology_dir() else {i: p for i, p in files.items() if "/module/" in i}
        assert entries == expected, folder


def test_every_import_of_every_file_resolves_through_its_own_folders_catalog():
    for path in sorted(default_ontology_dir().rglob("*.ttl")):
        g = Graph().parse(path, format="turtle")
        entries = _catalog(path.parent)
        for imported in g.objects(None, OWL.imports):
            assert str(imported) in entries, f"{path}: no catalog entry for {imported}"
            target = Graph().parse(entries[str(imported)], format="turtle")
            assert (imported, RDF.type, OWL.Ontology) in target


def _sources(stdout: str) -> dict[str, str]:
    return dict(line.split("\t")[1:3] for line in stdout.splitlines() if line.startswith("SOURCE\t"))


@pytest.mark.java
@pytest.mark.slow
def test_each_module_opened_alone_resolves_its_imports_from_local_files_offline(owlapi_checker, tmp_path):
    """OWLAPI opens each module as Protégé does (catalog of the module's own folder, through an IRI
    mapper) while every connection the JVM tries is recorded and refused (``--offline``). The check is
    honest because of the control below: the same module without its catalog fails, and the attempt to
    fetch core from w3id.org is recorded, so a resolution that went to the network could not pass."""
    modules = default_ontology_dir() / "modules"
    inside = default_ontology_dir().resolve()
    for module in sorted(modules.glob("*.ttl")):
        result = owlapi_checker(str(module), "--offline")
        assert result.returncode == 0, (module, result.stdout + result.stderr)
        assert "NETWORK" not in result.stdout
        loaded = _sources(result.stdout)
        assert len(loaded) >= 2 or module.name == "core.ttl", (module, loaded)
        for iri, document in loaded.items():
            assert document.startswith("file:"), (module, iri, document)
            assert Path(document.removeprefix("file:")).resolve().is_relative_to(inside), document

    alone = tmp_path / "no-catalog"
    alone.mkdir()
    for module in modules.glob("*.ttl"):
        shutil.copy(module, alone / module.name)
    result = owlapi_checker(str(alone / "therapist.ttl"), "--offline")
    assert result.returncode != 0
    assert "NETWORK\thttps://w3id.org/prc-kg/ontology/module/core" in result.stdout


@pytest.mark.java
@pytest.mark.slow
def test_owlapi_saves_the_constructs_as_the_build_expects(owlapi_checker, tmp_path):
    """OWLAPI itself re-saves the written form: what it writes differs from the source and from
    nothing the normaliser knows (the hand-copied OWLAPI_SAVED above is what this version writes)."""
    (tmp_path / "t.ttl").write_text(WRITTEN, encoding="utf-8")
    (tmp_path / CATALOG_FILE).write_text('<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog"/>\n')
    result = owlapi_checker(str(tmp_path / "t.ttl"), "--offline", "--resave", str(tmp_path / "saved"))
    assert "RESAVED" in result.stdout, result.stdout + result.stderr
    saved = Graph().parse(tmp_path / "saved" / "t.ttl", format="turtle")
    assert (None, RDF.type, RDF.List) in saved
    assert not same_graph(saved, _turtle(WRITTEN))
    assert same_graph(normalise(saved), normalise(_turtle(WRITTEN)))
    assert same_graph(normalise(saved), normalise(_turtle(OWLAPI_SAVED)))


@pytest.mark.java
@pytest.mark.slow
def test_make_demo_chain_passes_on_sources_protege_saved_and_releases_the_same_graph(owlapi_checker, tmp_path):
    """Every module re-saved through OWLAPI, then build, qc, validate, import, load, release and reason
    through the CLI as ``make demo`` runs them, on the re-saved folder: all pass, and the release is the
    graph built from the sources as written (the build's files byte for byte)."""
    saved = tmp_path / "ontology"
    shutil.copytree(default_ontology_dir(), saved)  # shapes, mappings, catalogs: files Protégé does not save
    result = owlapi_checker(str(default_ontology_dir() / "prc-kg.ttl"), "--offline", "--resave", str(saved))
    assert result.returncode == 0, result.stdout + result.stderr
    owl_files = [saved / "prc-kg.ttl", *sorted((saved / "modules").glob("*.ttl"))]
    assert len(owl_files) == 12
    for path in owl_files:
        assert "Generated by the OWL API" in path.read_text(encoding="utf-8"), path

    build, store, release = tmp_path / "build", tmp_path / "store", tmp_path / "release"
    ratings = build / "ratings" / "ratings.nt"
    steps = [
        ["build", "--ontology", str(saved), "--out", str(build)],
        ["qc", "--ontology", str(saved)],
        ["validate", "--ontology", str(saved)],
        ["import", "examples/study/ratings.csv", "--ontology", str(saved), "--out", str(ratings)],
        ["load", "--ontology", str(saved), "--store", str(store), "--data", str(ratings)],
        ["release", "--ontology", str(saved), "--out", str(release), "--data"],
        ["reason", "--file", str(build / "prc-kg-with-examples.owl"), "--show", "5"],
    ]
    root = Path(__file__).resolve().parents[1]
    for step in steps:
        run = subprocess.run([sys.executable, "-m", "prc_kg.cli.main", *step], cwd=root, capture_output=True,
                             text=True, timeout=1800, check=False)
        assert run.returncode == 0, (step[0], run.stdout[-3000:], run.stderr[-3000:])

    original = tmp_path / "original"
    build_release(load_source(default_ontology_dir()), original)
    for name in ("prc-kg.ttl", "prc-kg.owl", "prc-kg.jsonld"):
        assert (build / name).read_bytes() == (original / name).read_bytes(), name
    (folder,) = release.iterdir()
    (released,) = folder.glob("prc-kg-*[0-9].ttl")
    assert same_graph(Graph().parse(released, format="turtle"), merged_release_graph(load_source(default_ontology_dir())))


def test_a_failed_read_back_names_the_kind_of_statement_lost():
    """Without the normaliser the release said only "reads back 5692 triples, not the 5712"; it now
    names what went missing."""
    from prc_kg.release.bundle import _rdflib_check

    typed = _turtle(OWLAPI_SAVED)
    ok, detail = _rdflib_check(serialise(typed, "json-ld"), "json-ld", typed)
    assert not ok
    assert "lost 3 × rdf:type rdf:List" in detail, detail
    ok, detail = _rdflib_check(serialise(normalise(typed), "json-ld"), "json-ld", normalise(typed))
    assert ok, detail
