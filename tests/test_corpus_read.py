"""Reading coded corpora back from a store: order, ids, attributes, annotators, the primary code
rule, and the synthetic corpus writer held to the hand-written files of the contract's shape."""

from __future__ import annotations

import hashlib

import pyoxigraph as ox
import pytest
from conftest import ROOT
from corpus_store import CODES_FILE, UTTERANCES, store_of

from prc_kg.analysis.corpus import Annotation, UnknownName, Utterance, natural_key, primary_codes, read_corpus
from prc_kg.store.backends import EmbeddedStore

AGREE, ANON = UTTERANCES / "analysis-agree.ttl", UTTERANCES / "analysis-anon.ttl"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


@pytest.fixture(scope="module")
def store():
    return store_of(AGREE, ANON)


def test_conversations_come_back_in_order_with_ids_attributes_and_annotators(store):
    agree, anon = read_corpus(store)
    assert (agree.corpus, agree.conversation_id) == ("agree", "c1")
    assert agree.iri == "https://w3id.org/prc-kg/data/corpus/agree/conversation/c1"
    assert agree.attributes == {"mi_quality": "high", "topic": "reducing alcohol"}
    assert [u.position for u in agree.utterances] == list(range(1, 12))
    assert [u.utterance_id for u in agree.utterances] == [str(n) for n in range(11)]
    assert "".join(u.speaker[0] for u in agree.utterances) == "tptpttpttpt"
    first = agree.utterances[0]
    assert (first.text, first.timestamp) == ("So drinking less has been on your mind.", "00:00:04")
    assert first.annotations == (
        Annotation("MISIMPLE:MAIN", "MISIMPLE:REFLECTION", "a1"), Annotation("MISIMPLE:MAIN", "MISIMPLE:REFLECTION", "a2"),
        Annotation("MISIMPLE:MAIN", "MISIMPLE:REFLECTION", "a3"),
        Annotation("MISIMPLE:REFLECTION-TYPE", "MISIMPLE:COMPLEX", "a1"),
        Annotation("MISIMPLE:REFLECTION-TYPE", "MISIMPLE:COMPLEX", "a2"),
        Annotation("MISIMPLE:REFLECTION-TYPE", "MISIMPLE:SIMPLE", "a3"))
    # a percent-encoded id is decoded; an integer attribute is its lexical form; no text, no timestamp
    assert (anon.corpus, anon.conversation_id, anon.attributes) == ("anon", "x 1", {"mi_quality": "low", "minutes": "12"})
    assert [u.utterance_id for u in anon.utterances] == ["12", "13", "14"]
    assert (anon.utterances[1].text, anon.utterances[1].timestamp) == (None, None)
    assert [a.annotator for a in anon.utterances[0].annotations] == ["#1", "#2"]


def test_one_corpus_by_name_and_unknown_names_listed(store):
    assert [c.corpus for c in read_corpus(store, "anon")] == ["anon"]
    with pytest.raises(UnknownName, match="no corpus 'nope' in the store; known corpora: agree, anon"):
        read_corpus(store, "nope")
    with pytest.raises(UnknownName, match="holds no coded corpus"):
        read_corpus(EmbeddedStore(), "agree")
    assert read_corpus(EmbeddedStore()) == []


def test_item_codes_come_from_the_iris_when_the_ontology_is_not_loaded(store):
    bare = read_corpus(store_of(AGREE, codes=False))
    assert [u.annotations for u in bare[0].utterances] == [u.annotations for u in read_corpus(store, "agree")[0].utterances]


def _utterance(*annotations: tuple[str, str]) -> Utterance:
    return Utterance("u", 1, "1", "therapist", None, None,
                     tuple(Annotation("D", code, who) for code, who in annotations))


def test_primary_code_is_the_majority_then_the_first_annotator_of_a_tied_code(store):
    agree, anon = read_corpus(store)
    assert primary_codes(agree.utterances[8]) == {"MISIMPLE:MAIN": "MISIMPLE:QUESTION"}  # a1 question, a2 reflection
    assert primary_codes(agree.utterances[5]) == {"MISIMPLE:MAIN": "MISIMPLE:INPUT"}  # 2 of 3, though a1 said question
    assert primary_codes(agree.utterances[0]) == {"MISIMPLE:MAIN": "MISIMPLE:REFLECTION",
                                                  "MISIMPLE:REFLECTION-TYPE": "MISIMPLE:COMPLEX"}
    assert primary_codes(anon.utterances[0]) == {"MISIMPLE:MAIN": "MISIMPLE:INPUT"}  # #1 before #2
    # numbers inside ids compare as numbers: a2 sorts before a10, #2 before #10
    assert primary_codes(_utterance(("X", "a10"), ("Y", "a2"))) == {"D": "Y"}
    assert primary_codes(_utterance(("X", "#10"), ("Y", "#2"))) == {"D": "Y"}
    assert primary_codes(_utterance(("X", "b"), ("Y", "a"), ("X", "c"), ("Y", "d"), ("Z", "0"))) == {"D": "Y"}
    assert sorted(["a10", "a2", "a1"], key=natural_key) == ["a1", "a2", "a10"]


def _triples(path) -> set[ox.Triple]:
    fmt = ox.RdfFormat.TURTLE if path.suffix == ".ttl" else ox.RdfFormat.N_TRIPLES
    return set(ox.parse(path=str(path), format=fmt))


AGREE_SCRIPT = [  # (order, speaker, text, timestamp, {annotator: main or client value}, reflection type)
    ("0", "therapist", "So drinking less has been on your mind.", "00:00:04",
     {"a1": "reflection", "a2": "reflection", "a3": "reflection"}, {"a1": "complex", "a2": "complex", "a3": "simple"}),
    ("1", "patient", "Yes, I want to get a handle on it.", "00:00:09", {"a1": "change", "a2": "change"}, {}),
    ("2", "therapist", "It matters to you.", None, {"a1": "reflection", "a2": "reflection", "a3": "question"}, {}),
    ("3", "patient", "I guess.", None, {"a1": "neutral", "a2": "neutral"}, {}),
    ("4", "therapist", "What would be different if you drank less?", None,
     {"a1": "question", "a2": "question", "a3": "question"}, {}),
    ("5", "therapist", "Some people find a drink-free day each week helps.", None,
     {"a1": "question", "a2": "therapist_input", "a3": "therapist_input"}, {}),
    ("6", "patient", "Weekends are when I see my friends, though.", None, {"a1": "sustain", "a2": "neutral"}, {}),
    ("7", "therapist", "The guideline is no more than fourteen units a week.", None,
     {"a1": "therapist_input", "a2": "therapist_input", "a3": "therapist_input"}, {}),
    ("8", "therapist", "Seeing friends is important to you.", None, {"a1": "question", "a2": "reflection"}, {}),
    ("9", "patient", "It is. But I could meet them for coffee instead.", None, {"a1": "change", "a2": "change"}, {}),
    ("10", "therapist", "Okay.", None, {"a3": "other"}, {}),
]


def test_the_corpus_writer_writes_the_shape_of_the_hand_written_files(tmp_path):
    from corpus_gen import CLIENT, MAIN, Dialogue, Turn, corpus_ntriples

    turns = []
    for order, speaker, text, stamp, codes, subtypes in AGREE_SCRIPT:
        annotations = [("MISIMPLE:MAIN" if speaker == "therapist" else "MISIMPLE:CLIENT",
                        (MAIN if speaker == "therapist" else CLIENT)[value], value, who) for who, value in codes.items()]
        annotations += [("MISIMPLE:REFLECTION-TYPE", f"MISIMPLE:{value.upper()}", value, who)
                        for who, value in subtypes.items()]
        turns.append(Turn(order, speaker, annotations, text, stamp))
    out = tmp_path / "agree.nt"
    with open(out, "w", encoding="utf-8") as fh:
        corpus_ntriples("agree", [Dialogue("c1", {"mi_quality": "high", "topic": "reducing alcohol"}, turns)],
                        {"mi_quality": "string", "topic": "string"}, fh)
    assert _triples(out) == _triples(AGREE)


def test_the_synthetic_corpus_is_the_same_for_the_same_seed(tmp_path):
    from corpus_gen import CSV_COLUMNS, write_corpus_csv, write_corpus_nt

    counts = write_corpus_nt(tmp_path / "a.nt", conversations=6, utterances=120, seed=3)
    write_corpus_nt(tmp_path / "b.nt", conversations=6, utterances=120, seed=3)
    write_corpus_nt(tmp_path / "c.nt", conversations=6, utterances=120, seed=4)
    digest = {name: hashlib.sha256((tmp_path / name).read_bytes()).hexdigest() for name in ("a.nt", "b.nt", "c.nt")}
    assert digest["a.nt"] == digest["b.nt"] != digest["c.nt"]
    conversations = read_corpus(store_of(tmp_path / "a.nt", codes=False))
    assert (counts["conversations"], counts["utterances"]) == (6, 120) == (
        len(conversations), sum(len(c.utterances) for c in conversations))
    assert counts["annotations"] == sum(len(u.annotations) for c in conversations for u in c.utterances)
    rows = write_corpus_csv(tmp_path / "a.csv", conversations=6, utterances=120, seed=3)
    lines = (tmp_path / "a.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].split(",") == list(CSV_COLUMNS) and len(lines) == rows["rows"] + 1
    assert rows["annotations"] == counts["annotations"]


def test_the_hand_written_codes_are_the_ontologys(release_graph):
    """The code triples the fast tests load (and the synthetic corpus writes) are the ontology's own."""
    from corpus_gen import ontology_lines

    real = set(ox.parse(release_graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES))
    mine = {t for t in _triples(CODES_FILE) if t.predicate.value != RDFS_LABEL}
    assert mine - real == set()
    assert set(ox.parse("".join(ontology_lines()), format=ox.RdfFormat.N_TRIPLES)) == mine


def test_the_synthetic_csv_imports_to_the_synthetic_triples(terms, tmp_path):
    """The benchmark corpus written as a CSV in the annomi layout and imported gives the same triples
    as the corpus written directly (less the code triples the writer adds for a bare store)."""
    utterances = pytest.importorskip("prc_kg.instances.utterances")
    layout = ROOT / "examples" / "layouts" / "annomi.yaml"
    if not layout.exists():
        pytest.skip("the annomi layout is not in this checkout")
    from corpus_gen import ontology_lines, write_corpus_csv, write_corpus_nt

    write_corpus_csv(tmp_path / "synthetic.csv", conversations=5, utterances=200, seed=2)
    write_corpus_nt(tmp_path / "direct.nt", conversations=5, utterances=200, seed=2)
    utterances.import_utterances(tmp_path / "synthetic.csv", layout, tmp_path / "imported.nt", terms)
    codes = set(ox.parse("".join(ontology_lines()), format=ox.RdfFormat.N_TRIPLES))
    assert _triples(tmp_path / "imported.nt") == _triples(tmp_path / "direct.nt") - codes


def test_a_subtype_whose_main_code_lost_is_dropped_with_the_ontologys_links():
    """a1: question, open; a2: reflection, complex. Question wins the main dimension on the tie (a1
    first), so complex, given only by the outvoted a2, is no primary code once the links say a
    complex reflection is a reflection. In MITI and MISC: a1 simple reflection, a2 question and
    open question (MISC): the open question goes with the question that lost."""
    from prc_kg.analysis.codes import read_code_index

    index = read_code_index(store_of())
    split = Utterance("u", 1, "1", "therapist", None, None, (
        Annotation("MISIMPLE:MAIN", "MISIMPLE:QUESTION", "a1"), Annotation("MISIMPLE:QUESTION-TYPE", "MISIMPLE:OPEN", "a1"),
        Annotation("MISIMPLE:MAIN", "MISIMPLE:REFLECTION", "a2"),
        Annotation("MISIMPLE:REFLECTION-TYPE", "MISIMPLE:COMPLEX", "a2")))
    assert primary_codes(split) == {"MISIMPLE:MAIN": "MISIMPLE:QUESTION", "MISIMPLE:QUESTION-TYPE": "MISIMPLE:OPEN",
                                    "MISIMPLE:REFLECTION-TYPE": "MISIMPLE:COMPLEX"}
    assert primary_codes(split, index) == {"MISIMPLE:MAIN": "MISIMPLE:QUESTION",
                                           "MISIMPLE:QUESTION-TYPE": "MISIMPLE:OPEN"}
    miti = [Annotation("MITI:BEHAVIOUR", "MITI:SR", "a1"), Annotation("MITI:BEHAVIOUR", "MITI:Q", "a2"),
            Annotation("MISC:QUESTION", "MISC:OQ", "a2")]
    assert primary_codes(Utterance("u", 1, "1", "therapist", None, None, tuple(miti)), index) == {
        "MITI:BEHAVIOUR": "MITI:SR"}
    agreeing = [Annotation("MITI:BEHAVIOUR", "MITI:Q", "a1"), *miti[1:]]
    assert primary_codes(Utterance("u", 1, "1", "therapist", None, None, tuple(agreeing)), index) == {
        "MITI:BEHAVIOUR": "MITI:Q", "MISC:QUESTION": "MISC:OQ"}


def test_an_input_subtype_goes_with_the_therapist_input_that_lost():
    """a1: reflection, complex; a2: therapist input, advice. Reflection wins on the tie (a1 first);
    the ontology puts advice under therapist input, so the outvoted advice is no primary code."""
    from prc_kg.analysis.codes import read_code_index

    index = read_code_index(store_of())
    split = Utterance("u", 1, "1", "therapist", None, None, (
        Annotation("MISIMPLE:MAIN", "MISIMPLE:REFLECTION", "a1"),
        Annotation("MISIMPLE:REFLECTION-TYPE", "MISIMPLE:COMPLEX", "a1"),
        Annotation("MISIMPLE:MAIN", "MISIMPLE:INPUT", "a2"), Annotation("MISIMPLE:INPUT-TYPE", "MISIMPLE:ADVICE", "a2")))
    assert primary_codes(split, index) == {"MISIMPLE:MAIN": "MISIMPLE:REFLECTION",
                                           "MISIMPLE:REFLECTION-TYPE": "MISIMPLE:COMPLEX"}


def test_a_question_holding_a_complex_reflection_keeps_both_when_its_annotator_says_so():
    """Corpora that mark each behaviour present (a main behaviour plus reflection and question
    sub-types) can code one utterance as a question that also holds a complex reflection; the
    annotator who gave the complex reflection gave the winning main code too, so both stay."""
    from prc_kg.analysis.codes import read_code_index

    index = read_code_index(store_of())
    both = Utterance("u", 1, "1", "therapist", None, None, (
        Annotation("MISIMPLE:MAIN", "MISIMPLE:QUESTION", "a1"), Annotation("MISIMPLE:QUESTION-TYPE", "MISIMPLE:OPEN", "a1"),
        Annotation("MISIMPLE:REFLECTION-TYPE", "MISIMPLE:COMPLEX", "a1")))
    assert primary_codes(both, index) == {"MISIMPLE:MAIN": "MISIMPLE:QUESTION", "MISIMPLE:QUESTION-TYPE": "MISIMPLE:OPEN",
                                          "MISIMPLE:REFLECTION-TYPE": "MISIMPLE:COMPLEX"}
