"""Round trip through the store: what prc-kg writes comes back out of Oxigraph unchanged, and a dump
of the store validates exactly as the data loaded into it.

pyoxigraph 0.5.13 stores an ``xsd:positiveInteger`` (or ``xsd:int``, ``xsd:nonNegativeInteger``…)
literal as ``xsd:integer`` and writes numbers in their canonical lexical form, so prc-kg's writers use
``xsd:integer`` in canonical form and the shapes check positive integers by value (sh:minInclusive 1).
Before, a dump of the examples failed ``sh:datatype xsd:positiveInteger`` 762 times.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, Namespace
from rdflib.namespace import RDF, XSD

from prc_kg.checks.shacl import validate
from prc_kg.instances.ratings import import_ratings
from prc_kg.instances.study import StudyDesign, write_study
from prc_kg.instances.utterances import import_utterances
from prc_kg.ontology.build import canonical
from prc_kg.ontology.terms import TermIndex
from prc_kg.store.backends import EmbeddedStore

ROOT = Path(__file__).resolve().parents[1]
PRC = Namespace("https://w3id.org/prc-kg/ontology/")
DATA = Namespace("https://w3id.org/prc-kg/data/test/")


def _through_store(graph: Graph | None = None, files: tuple[Path, ...] = ()) -> Graph:
    """Load as ``prc-kg load`` does (a graph via ``load_graph``, a file via ``load_file``) and dump."""
    store = EmbeddedStore()
    if graph is not None:
        store.load_graph(canonical(graph))
    for path in files:
        store.load_file(path)
    data = store.ox.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    return Graph().parse(data=data, format="nt")


def _changed(source: Graph, dump: Graph) -> str:
    lost, gained = set(source) - set(dump), set(dump) - set(source)
    return f"lost {sorted(lost)[:3]} … ({len(lost)}), gained {sorted(gained)[:3]} … ({len(gained)})"


# -- the writers' output comes back unchanged ---------------------------------------------------------

def test_examples_come_back_out_of_the_store_unchanged(examples):
    dump = _through_store(examples.graph)
    assert set(dump) == set(examples.graph), _changed(examples.graph, dump)


def test_imported_ratings_come_back_out_of_the_store_unchanged(release_graph, tmp_path: Path):
    csv_path, nt_path = tmp_path / "study.csv", tmp_path / "ratings.nt"
    write_study(StudyDesign(dyads=1, sessions=2, segments=4), csv_path)
    import_ratings(csv_path, nt_path, TermIndex(release_graph))
    source = Graph().parse(nt_path, format="nt")
    numbers = set(source.objects(None, PRC.sessionNumber)) | set(source.objects(None, PRC.segmentNumber))
    assert numbers and {n.datatype for n in numbers} == {XSD.integer}
    dump = _through_store(files=(nt_path,))
    assert set(dump) == set(source), _changed(source, dump)


def test_imported_utterances_come_back_out_of_the_store_unchanged(release_graph, tmp_path: Path):
    out = tmp_path / "corpus.nt"
    import_utterances(ROOT / "tests" / "data" / "utterances" / "annomi-two-annotators.csv",
                      ROOT / "examples" / "layouts" / "annomi.yaml", out, TermIndex(release_graph))
    source = Graph().parse(out, format="nt")
    assert {n.datatype for n in source.objects(None, PRC.tosNumber)} == {XSD.integer}
    dump = _through_store(files=(out,))
    assert set(dump) == set(source), _changed(source, dump)


def test_the_store_folds_positive_integer_into_integer():
    """Pins the pyoxigraph behaviour the datatype choice rests on: if a later pyoxigraph keeps
    xsd:positiveInteger, the writers could go back to it (the shapes accept both)."""
    g = Graph()
    g.add((DATA.s, PRC.sessionNumber, Literal("3", datatype=XSD.positiveInteger)))
    assert set(_through_store(g)) == {(DATA.s, PRC.sessionNumber, Literal("3", datatype=XSD.integer))}


# -- a dump validates exactly as its source -----------------------------------------------------------

def _faults() -> Graph:
    """A treatment whose sessions and turns carry every kind of number a file may hold: good ones as
    written now (xsd:integer) and before (xsd:positiveInteger), zero, a negative, a decimal, a string."""
    g = Graph()
    g.add((DATA.treatment, RDF.type, PRC.Psychotherapy))
    numbers = {"ok-int": Literal("2", datatype=XSD.integer), "ok-legacy": Literal("3", datatype=XSD.positiveInteger),
               "zero": Literal("0", datatype=XSD.integer), "negative": Literal("-4", datatype=XSD.integer),
               "decimal": Literal("1.5", datatype=XSD.decimal), "text": Literal("five")}
    for name, number in numbers.items():
        session, turn = DATA[f"session/{name}"], DATA[f"turn/{name}"]
        g.add((session, RDF.type, PRC.Session))
        g.add((session, PRC.partOfTreatment, DATA.treatment))
        g.add((session, PRC.sessionNumber, number))
        g.add((turn, RDF.type, PRC.TurnOfSpeech))
        g.add((turn, PRC.partOfSession, session))
        g.add((turn, PRC.speakerNotRecorded, Literal(True)))
        g.add((turn, PRC.positionInSession, number))
        g.add((turn, PRC.tosNumber, number))
    return g


def _numbers_reports(violations) -> set[tuple[str, str, str, str]]:
    """(focus, path, message, severity) of the reports on the test's nodes."""
    return {(v.focus, v.path, v.message, v.severity) for v in violations if v.focus.startswith(str(DATA))}


@pytest.mark.slow
def test_a_dump_reports_the_same_number_faults_as_its_source(release_graph):
    source = _faults()
    dump = _through_store(source)
    from_source, from_dump = validate(source, release_graph), validate(dump, release_graph)
    assert set(from_dump) == set(from_source)
    reported = {(focus.rsplit("/", 1)[-1], path.rsplit("/", 1)[-1]) for focus, path, _, _ in _numbers_reports(from_source)
                if path.endswith(("sessionNumber", "positionInSession", "tosNumber"))}
    # zero, negative, decimal and text numbers are reported on all three properties; good ones are not
    assert reported == {(name, p) for name in ("zero", "negative", "decimal", "text")
                        for p in ("sessionNumber", "positionInSession", "tosNumber")}


@pytest.mark.slow
def test_a_dump_of_the_examples_validates_as_the_examples_do(examples, release_graph):
    """The examples are clean from the source and from a dump (was: 762 false violations from a dump)."""
    assert validate(examples.graph, release_graph) == []
    assert validate(_through_store(examples.graph), release_graph) == []


@pytest.mark.java
@pytest.mark.slow
@pytest.mark.skipif(shutil.which("java") is None, reason="needs a Java runtime")
def test_hermit_reads_an_integer_number_against_the_positive_integer_range(release_graph, tmp_path: Path):
    """The ontology's ranges stay xsd:positiveInteger: an xsd:integer 2 is in that value space, 0 is not."""
    from prc_kg.ontology.build import serialise
    from prc_kg.ontology.reasoning import run_hermit

    path = tmp_path / "numbers.owl"
    for number, consistent in ((Literal("2", datatype=XSD.integer), True), (Literal("0", datatype=XSD.integer), False)):
        g = Graph()
        g += release_graph
        g.add((DATA.session, RDF.type, PRC.Session))
        g.add((DATA.session, PRC.sessionNumber, number))
        path.write_bytes(serialise(g, "xml"))
        assert run_hermit(path).consistent is consistent, number
