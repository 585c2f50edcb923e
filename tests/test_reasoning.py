"""`prc-kg reason`: HermiT finds the ontology consistent, classifies coded turns, names what breaks it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from prc_kg.errors import JavaMissingError
from prc_kg.ontology.build import serialise
from prc_kg.ontology.reasoning import run_hermit
from prc_kg.vocab import PRC, PRC_IRI

DATA = "https://w3id.org/prc-kg/data/test/"
needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="needs a Java runtime (.ci/run installs one)")


def _variant(release_graph, tmp_path, triples) -> str:
    g = Graph()
    g += release_graph
    for t in triples:
        g.add(t)
    path = tmp_path / "variant.owl"
    path.write_bytes(serialise(g, "xml"))
    return path


@pytest.mark.java
@needs_java
def test_ontology_is_consistent_with_no_unsatisfiable_class(built):
    report = run_hermit(built.rdfxml)
    assert report.consistent, report.message
    assert report.unsatisfiable == []


@pytest.mark.java
@needs_java
def test_coded_turn_is_classified_as_interpretation_of_defense(release_graph, tmp_path):
    turn, aim = URIRef(DATA + "turn7"), URIRef(DATA + "turn7-aim")
    other, other_aim = URIRef(DATA + "turn9"), URIRef(DATA + "turn9-aim")
    path = _variant(release_graph, tmp_path, [
        (turn, RDF.type, OWL.NamedIndividual), (turn, RDF.type, PRC.TherapistTurn), (turn, RDF.type, PRC.Interpretation),
        (aim, RDF.type, OWL.NamedIndividual), (aim, RDF.type, PRC.PatientsDefense), (turn, PRC.hasAim, aim),
        # a clarification with the same aim is not an interpretation of defense
        (other, RDF.type, OWL.NamedIndividual), (other, RDF.type, URIRef(PRC_IRI + "Clarification")),
        (other_aim, RDF.type, OWL.NamedIndividual), (other_aim, RDF.type, PRC.PatientsDefense), (other, PRC.hasAim, other_aim),
    ])
    report = run_hermit(path)
    assert report.consistent
    inferred = set(report.inferred_types)
    assert (str(turn), str(PRC.InterpretationOfDefense)) in inferred
    assert (str(other), str(PRC.InterpretationOfDefense)) not in inferred


@pytest.mark.java
@needs_java
def test_violated_disjointness_is_reported_with_the_offending_classes(release_graph, tmp_path):
    seg = URIRef(DATA + "segment3")
    path = _variant(release_graph, tmp_path, [
        (seg, RDF.type, OWL.NamedIndividual), (seg, RDF.type, PRC.TherapistSegment), (seg, RDF.type, PRC.PatientSegment),
    ])
    report = run_hermit(path)
    assert not report.consistent
    assert [(c.individual, {c.class_a, c.class_b}) for c in report.clashes] == [
        (str(seg), {str(PRC.TherapistSegment), str(PRC.PatientSegment)})]


@pytest.mark.java
@needs_java
def test_unsatisfiable_class_is_named(release_graph, tmp_path):
    bad = URIRef("https://w3id.org/prc-kg/ontology/SpeakerOfBoth")
    path = _variant(release_graph, tmp_path, [
        (bad, RDF.type, OWL.Class), (bad, RDFS.subClassOf, PRC.TherapistSegment),
        (bad, RDFS.subClassOf, PRC.PatientSegment),
    ])
    report = run_hermit(path)
    assert report.consistent
    assert report.unsatisfiable == [str(bad)]


def test_missing_java_is_not_reported_as_inconsistency(built, monkeypatch, capsys):
    import owlready2

    from prc_kg.cli.main import main

    monkeypatch.setattr(owlready2, "JAVA_EXE", "no-such-java-binary")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(JavaMissingError, match="no Java runtime found"):
        run_hermit(built.rdfxml)
    assert main(["reason", "--file", str(built.rdfxml)]) == 3
    assert "no Java runtime found" in capsys.readouterr().err


# --- the fast way: HermiT judges the ontology (cached), OWL 2 RL (reasonable) the instances ---------

OWL_THING = str(OWL.Thing)


def _memberships(report) -> set[tuple[str, str]]:
    return {(i, c) for i, c in report.entailed_types if c != OWL_THING}


@pytest.fixture(scope="module")
def examples_graph(release_graph):
    from prc_kg.instances.examples import load_examples

    return load_examples(release_graph, None).graph


@pytest.mark.slow
@pytest.mark.java
@needs_java
def test_fast_and_hermit_agree_on_every_class_membership_of_the_shipped_examples(release_graph, examples_graph):
    from prc_kg.ontology.reasonplan import reason

    full = reason(release_graph, examples_graph, engine="hermit", use_cache=False)
    fast = reason(release_graph, examples_graph, engine="fast", use_cache=False)
    assert full.consistent and fast.consistent, (full.message, fast.message)
    assert "OWL 2 RL" in fast.message
    assert _memberships(fast) == _memberships(full)
    assert len(_memberships(full)) > 5000  # every individual of ontology and examples, not an empty match
    assert fast.inferred_types == sorted(full.inferred_types)  # the same 136 new memberships, most specific
    assert (fast.unsatisfiable, fast.inferred_subclass_of) == (full.unsatisfiable, sorted(full.inferred_subclass_of))


def P(name: str) -> URIRef:
    return URIRef(PRC_IRI + name)


def _planted(kind: str) -> list[tuple]:
    """Instance data with one kind of inconsistency, written as a user's data file would hold it."""
    from rdflib import Literal
    from rdflib.namespace import XSD

    x, y = URIRef(DATA + "x"), URIRef(DATA + "y")
    named = [(x, RDF.type, OWL.NamedIndividual)]
    return named + {
        "cax-adc": [(x, RDF.type, P("TherapistSegment")), (x, RDF.type, P("PatientSegment"))],
        "eq-diff1": [(x, RDF.type, P("Commentary")), (x, P("hasEvaluation"), P("Helpful")),
                     (x, P("hasEvaluation"), P("Unhelpful"))],
        "prp-fp": [(x, RDF.type, P("Session")), (x, P("sessionNumber"), Literal(1)), (x, P("sessionNumber"), Literal(2))],
        "dt-range": [(x, RDF.type, P("Session")), (x, P("sessionNumber"), Literal("0", datatype=XSD.positiveInteger))],
        "domain-union": [(x, RDF.type, P("Rating")), (x, P("itemCode"), Literal("APS:1"))],
        "oneOf-closure": [(y, RDF.type, OWL.NamedIndividual), (y, RDF.type, P("CommentaryEvaluation"))]
        + [(y, OWL.differentFrom, v) for v in (P("Helpful"), P("Unhelpful"), P("Mixed"))],
    }[kind]


RL_KINDS = ["cax-adc", "eq-diff1", "prp-fp", "dt-range", "domain-union"]


@pytest.mark.parametrize("kind", RL_KINDS)
def test_owl2rl_names_the_planted_clash_in_instance_data(release_graph, kind):
    from prc_kg.ontology.rlreasoning import rl_reason

    instances = Graph()
    for t in _planted(kind):
        instances.add(t)
    result = rl_reason(release_graph, instances)
    assert [(c.individual, c.rule) for c in result.clashes] == [(DATA + "x", kind)], result.clashes


def test_owl2rl_finds_no_clash_in_the_shipped_examples(release_graph, examples_graph):
    from prc_kg.ontology.rlreasoning import rl_reason

    result = rl_reason(release_graph, examples_graph)
    assert result.clashes == []
    assert (DATA, "") not in result.entailed_types and len(result.entailed_types) > 5000


@pytest.mark.slow
@pytest.mark.java
@needs_java
@pytest.mark.parametrize("kind", RL_KINDS)
def test_hermit_agrees_each_planted_rl_clash_is_an_inconsistency(release_graph, kind):
    """What the fast way reports as a clash, the complete judge finds inconsistent too (no false alarm)."""
    from prc_kg.ontology.reasonplan import reason

    instances = Graph()
    for t in _planted(kind):
        instances.add(t)
    fast = reason(release_graph, instances, engine="fast")
    full = reason(release_graph, instances, engine="hermit", use_cache=False)
    assert not fast.consistent and [str(c) for c in fast.clashes]
    assert not full.consistent, full.message


@pytest.mark.slow
@pytest.mark.java
@needs_java
def test_a_clash_beyond_owl2rl_is_seen_by_engine_hermit_only(release_graph):
    """The documented limit of the fast way: an individual of the closed class CommentaryEvaluation
    (owl:oneOf) declared different from each of its three members has no model, which takes the
    oneOf's superclass direction to see: OWL 2 RL has no rule for it, HermiT (``--engine hermit``) finds it."""
    from prc_kg.ontology.reasonplan import reason

    instances = Graph()
    for t in _planted("oneOf-closure"):
        instances.add(t)
    assert reason(release_graph, instances, engine="fast").consistent
    assert not reason(release_graph, instances, engine="hermit", use_cache=False).consistent


# --- HermiT's answer kept against the exact input -----------------------------------------------------

def test_hermit_answer_is_reused_for_the_same_bytes_and_recomputed_when_they_change(tmp_path, monkeypatch):
    from prc_kg.ontology import reasoncache
    from prc_kg.ontology.reasoning import ReasonerReport

    runs: list[str] = []

    def fake_hermit(path, timeout, quick=False):
        runs.append(Path(path).read_text(encoding="utf-8"))
        return ReasonerReport(consistent=True, seconds=1.5, inferred_subclass_of=[("a", "b")],
                              entailed_types={("i", "c")}, message="HermiT: consistent")

    monkeypatch.setattr(reasoncache, "run_hermit", fake_hermit)
    monkeypatch.setenv("PRC_KG_CACHE", str(tmp_path / "cache"))
    owl = tmp_path / "o.owl"
    owl.write_text("<rdf:RDF/>", encoding="utf-8")
    _, cached1 = reasoncache.cached_hermit(owl)
    second, cached2 = reasoncache.cached_hermit(owl)
    assert (cached1, cached2, len(runs)) == (False, True, 1)
    assert (second.inferred_subclass_of, second.entailed_types, second.consistent) == ([("a", "b")], {("i", "c")}, True)
    owl.write_text("<rdf:RDF />", encoding="utf-8")  # one byte more: another input, HermiT runs again
    assert reasoncache.cached_hermit(owl)[1] is False and len(runs) == 2
    reasoncache.cached_hermit(owl, use_cache=False)
    assert len(runs) == 3
    monkeypatch.setenv("PRC_KG_NO_CACHE", "1")  # the switch every cache obeys: HermiT runs
    assert reasoncache.cached_hermit(owl)[1] is False and len(runs) == 4
    monkeypatch.delenv("PRC_KG_NO_CACHE")
    assert reasoncache.cached_hermit(owl)[1] is True and len(runs) == 4
    entry = reasoncache.entry_path(owl.read_bytes())
    entry.write_text("{not json", encoding="utf-8")  # a damaged entry is rebuilt, not trusted
    assert reasoncache.cached_hermit(owl)[1] is False and len(runs) == 5
    assert reasoncache.cached_hermit(owl)[1] is True
    assert len(list(entry.parent.iterdir())) == 2  # one entry per input, no temporary file left


def test_hermit_answer_is_not_kept_when_hermit_fails(tmp_path, monkeypatch):
    from prc_kg.ontology import reasoncache
    from prc_kg.ontology.reasoning import ReasonerTimeout

    def timeout(path, seconds, quick=False):
        raise ReasonerTimeout(seconds)

    monkeypatch.setattr(reasoncache, "run_hermit", timeout)
    monkeypatch.setenv("PRC_KG_CACHE", str(tmp_path / "cache"))
    owl = tmp_path / "o.owl"
    owl.write_text("<rdf:RDF/>", encoding="utf-8")
    with pytest.raises(ReasonerTimeout):
        reasoncache.cached_hermit(owl, 1.0)
    assert not reasoncache.entry_path(owl.read_bytes()).exists()


def test_a_cache_folder_that_cannot_be_written_only_costs_a_rerun(tmp_path, monkeypatch):
    from prc_kg.ontology import reasoncache
    from prc_kg.ontology.reasoning import ReasonerReport

    runs: list[Path] = []

    def fake_hermit(path, timeout, quick=False):
        runs.append(path)
        return ReasonerReport(consistent=True, seconds=0.1, message="HermiT: consistent")

    monkeypatch.setattr(reasoncache, "run_hermit", fake_hermit)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("PRC_KG_CACHE", str(blocker / "cache"))  # below a regular file: cannot be made
    owl = tmp_path / "o.owl"
    owl.write_text("<rdf:RDF/>", encoding="utf-8")
    first, cached1 = reasoncache.cached_hermit(owl)
    _, cached2 = reasoncache.cached_hermit(owl)
    assert (first.consistent, cached1, cached2, len(runs)) == (True, False, False, 2)
    assert blocker.read_text(encoding="utf-8") == "not a folder"


@pytest.mark.slow
@pytest.mark.java
@needs_java
def test_reason_command_with_examples_fast_then_cached(capsys):
    from prc_kg.cli.main import main

    assert main(["reason", "--with-examples", "--show", "1"]) == 0
    first = capsys.readouterr().out
    assert main(["reason", "--with-examples", "--show", "1"]) == 0
    second = capsys.readouterr().out
    assert "OWL 2 RL (reasonable): no clash in the instances" in first
    assert "answer kept from an earlier run on the same ontology" in second
    assert "inferred class memberships not asserted: 136" in second


def test_unreadable_instances_stop_the_background_hermit(release_graph, tmp_path, monkeypatch):
    """The fast way starts HermiT on the ontology before it reads the instances: a bad instance file
    is reported as itself, and no Java process or thread is left running behind it."""
    import threading

    from prc_kg.errors import InputError
    from prc_kg.ontology import reasoning
    from prc_kg.ontology.reasonplan import reason

    monkeypatch.setenv("PRC_KG_CACHE", str(tmp_path / "cache"))

    def unreadable():
        raise InputError(tmp_path / "cases.yaml", "line 3: expected a mapping")

    with pytest.raises(InputError, match="cases.yaml.*expected a mapping"):
        reason(release_graph, unreadable, engine="fast")
    for thread in [t for t in threading.enumerate() if t.name == "prc-kg-hermit"]:
        thread.join()
    assert reasoning._LIVE == set()
    assert not list((tmp_path / "cache").glob("hermit/*.json"))  # HermiT was stopped: no answer kept
    assert not reasoning._STOPPED.is_set()  # the next run in this process may start HermiT again


TINY = """@prefix : <https://example.org/> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
:A a owl:Class . :B a owl:Class ; owl:complementOf :A . :N a owl:Class ; rdfs:subClassOf owl:Nothing .
:irr a owl:ObjectProperty , owl:IrreflexiveProperty . :asy a owl:ObjectProperty , owl:AsymmetricProperty .
:p a owl:ObjectProperty ; owl:propertyDisjointWith :q . :q a owl:ObjectProperty .
:sub a owl:ObjectProperty ; rdfs:subPropertyOf :irr .
"""


@pytest.mark.parametrize(("data", "rule"), [
    (":x a owl:NamedIndividual , :A , :B .", "cls-com"),
    (":x a owl:NamedIndividual , :N .", "cls-nothing2"),
    (":x a owl:NamedIndividual ; :sub :x .", "prp-irp"),  # through the sub-property
    (":x a owl:NamedIndividual ; :asy :y . :y a owl:NamedIndividual ; :asy :x .", "prp-asyp"),
    (":x a owl:NamedIndividual ; :p :y ; :q :y . :y a owl:NamedIndividual .", "prp-pdw"),
])
def test_owl2rl_rules_beyond_what_the_ontology_uses(data, rule):
    """The clash rules no prc-kg axiom needs today, on a tiny ontology, so they stay right for the day one does."""
    from prc_kg.ontology.rlreasoning import rl_reason

    prefixes = TINY.split(":A a")[0]
    instances = Graph().parse(data=prefixes + data, format="turtle")
    result = rl_reason(Graph().parse(data=TINY, format="turtle"), instances)
    assert [c.rule for c in result.clashes if c.individual == "https://example.org/x"] == [rule], result.clashes
    clean = Graph().parse(data=prefixes + ":x a owl:NamedIndividual , :A ; :asy :y ; :p :y .", format="turtle")
    assert rl_reason(Graph().parse(data=TINY, format="turtle"), clean).clashes == []


def test_only_the_fast_plans_run_on_the_ontology_alone_asks_for_the_quick_compiler(monkeypatch):
    """The quick compiler makes HermiT's short run on the ontology faster and its long run on ontology
    and examples slower (benchmarks/README.md, "Reasoning"): the flag follows the run, and the
    environment variable still replaces every flag."""
    from prc_kg.ontology import reasoning

    seen = []

    class Done(Exception):
        pass

    def popen(command, **kwargs):
        seen.append(command)
        raise Done

    monkeypatch.delenv(reasoning.JVM_FLAGS_ENV, raising=False)
    monkeypatch.setattr(reasoning.subprocess, "Popen", popen)
    for quick in (True, False):
        with pytest.raises(Done):
            reasoning._TimedSubprocess(5, quick).check_output(["java", "-cp", "x", "Main"])
    monkeypatch.setenv(reasoning.JVM_FLAGS_ENV, "-Xmx1g")
    with pytest.raises(Done):
        reasoning._TimedSubprocess(5, True).check_output(["java", "-cp", "x", "Main"])
    assert [reasoning.QUICK_JIT in c for c in seen] == [True, False, False]
    assert all("-XX:+UseSerialGC" in c for c in seen[:2]) and seen[2][:2] == ["java", "-Xmx1g"]
