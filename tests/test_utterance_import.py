"""`prc-kg import-utterances`: coded transcripts in through a layout file, the contract's graph out;
bad rows and bad layouts refused by row and column (or line and key), with nothing written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import DATA, ROOT, copy_ontology
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from prc_kg.api import KnowledgeGraph
from prc_kg.checks.shacl import validate
from prc_kg.cli.main import main
from prc_kg.errors import InputError
from prc_kg.instances.utterance_rows import CorpusError
from prc_kg.instances.utterances import import_utterances

UTT = DATA / "utterances"
LAYOUTS = ROOT / "examples" / "layouts"
PRC = "https://w3id.org/prc-kg/ontology/"
SOSA = "http://www.w3.org/ns/sosa/"
CORPUS = "https://w3id.org/prc-kg/data/corpus/"
XSD = "http://www.w3.org/2001/XMLSchema#"


def _p(name: str) -> URIRef:
    return URIRef(PRC + name)


def _graph(path: Path) -> Graph:
    return Graph().parse(path, format="nt")


def _diff(got: Graph, expected: Graph) -> str:
    missing = sorted(expected - got)
    extra = sorted(got - expected)
    return "\n".join([*(f"missing: {t}" for t in missing), *(f"extra:   {t}" for t in extra)])


# -- the graph, triple by triple -------------------------------------------------------------------------------

EXPECTED_PRC_KG = """
@base <https://w3id.org/prc-kg/data/corpus/prc-kg/> .
@prefix prc: <https://w3id.org/prc-kg/ontology/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix sosa: <http://www.w3.org/ns/sosa/> .

<https://w3id.org/prc-kg/data/corpus/prc-kg> a owl:NamedIndividual, prc:CodedCorpus ; rdfs:label "corpus prc-kg" .

<attribute/quality> a owl:DatatypeProperty ; rdfs:subPropertyOf prc:conversationAttribute ; rdfs:label "quality" ;
    rdfs:range xsd:string .
<attribute/topic> a owl:DatatypeProperty ; rdfs:subPropertyOf prc:conversationAttribute ; rdfs:label "topic" ;
    rdfs:range xsd:string .

<conversation/c1> a owl:NamedIndividual, prc:Session ; rdfs:label "conversation c1 of corpus prc-kg" ;
    prc:inCorpus <https://w3id.org/prc-kg/data/corpus/prc-kg> ;
    <attribute/quality> "high" ; <attribute/topic> "exercise" .
<conversation/c1/therapist> a owl:NamedIndividual, prc:Psychotherapist ;
    rdfs:label "therapist of conversation c1 of corpus prc-kg" .
<conversation/c1/patient> a owl:NamedIndividual, prc:Patient ; rdfs:label "patient of conversation c1 of corpus prc-kg" .

<annotator/r1> a owl:NamedIndividual, prc:Rater ; rdfs:label "annotator r1 of corpus prc-kg" .
<annotator/r2> a owl:NamedIndividual, prc:Rater ; rdfs:label "annotator r2 of corpus prc-kg" .

<conversation/c1/utterance/1> a owl:NamedIndividual, prc:TurnOfSpeech, prc:TherapistTurn ;
    rdfs:label "utterance 1 of conversation c1 of corpus prc-kg" ;
    prc:partOfSession <conversation/c1> ; prc:tosNumber "1"^^xsd:integer ; prc:utteranceId "1" ;
    prc:positionInSession "1"^^xsd:integer ;
    prc:spokenBy <conversation/c1/therapist> ; prc:text "How has the week been?" ; prc:timestamp "00:00:01" ;
    prc:immediatelyFollowedBy <conversation/c1/utterance/2> .
<conversation/c1/utterance/2> a owl:NamedIndividual, prc:TurnOfSpeech, prc:PatientTurn ;
    rdfs:label "utterance 2 of conversation c1 of corpus prc-kg" ;
    prc:partOfSession <conversation/c1> ; prc:tosNumber "2"^^xsd:integer ; prc:utteranceId "2" ;
    prc:positionInSession "2"^^xsd:integer ;
    prc:spokenBy <conversation/c1/patient> ; prc:text "I went running twice." ; prc:timestamp "00:00:04" .

<conversation/c1/utterance/1/annotation/MITI_BEHAVIOUR/r1> a owl:NamedIndividual, prc:CodeAnnotation ;
    sosa:hasFeatureOfInterest <conversation/c1/utterance/1> ; sosa:observedProperty prc:MITI_BEHAVIOUR ;
    prc:assignedCode prc:MITI_Q ; sosa:madeBySensor <annotator/r1> ; prc:sourceCode "MITI:Q" .
<conversation/c1/utterance/1/annotation/MITI_BEHAVIOUR/r2> a owl:NamedIndividual, prc:CodeAnnotation ;
    sosa:hasFeatureOfInterest <conversation/c1/utterance/1> ; sosa:observedProperty prc:MITI_BEHAVIOUR ;
    prc:assignedCode prc:MITI_Q ; sosa:madeBySensor <annotator/r2> ; prc:sourceCode "MITI:Q" .
<conversation/c1/utterance/1/annotation/MISC_QUESTION/r1> a owl:NamedIndividual, prc:CodeAnnotation ;
    sosa:hasFeatureOfInterest <conversation/c1/utterance/1> ; sosa:observedProperty prc:MISC_QUESTION ;
    prc:assignedCode prc:MISC_OQ ; sosa:madeBySensor <annotator/r1> ; prc:sourceCode "MISC:OQ" .
<conversation/c1/utterance/1/annotation/MISC_QUESTION/r2> a owl:NamedIndividual, prc:CodeAnnotation ;
    sosa:hasFeatureOfInterest <conversation/c1/utterance/1> ; sosa:observedProperty prc:MISC_QUESTION ;
    prc:assignedCode prc:MISC_CQ ; sosa:madeBySensor <annotator/r2> ; prc:sourceCode "MISC:CQ" .
<conversation/c1/utterance/2/annotation/MISC_CLIENT/r1> a owl:NamedIndividual, prc:CodeAnnotation ;
    sosa:hasFeatureOfInterest <conversation/c1/utterance/2> ; sosa:observedProperty prc:MISC_CLIENT ;
    prc:assignedCode prc:MISC_CT ; sosa:madeBySensor <annotator/r1> ; prc:sourceCode "MISC:CT" .
"""


def test_own_format_gives_exactly_the_expected_graph(tmp_path, terms):
    """Two annotators on the first utterance (each a cell of two codes), one on the second: 87 triples."""
    result = import_utterances(UTT / "prc-kg.csv", LAYOUTS / "prc-kg.yaml", tmp_path / "out.nt", terms)
    expected = Graph().parse(data=EXPECTED_PRC_KG, format="turtle")
    got = _graph(tmp_path / "out.nt")
    assert set(got) == set(expected), _diff(got, expected)
    assert (result.corpus, result.rows, result.conversations, result.utterances, result.annotations,
            result.annotators, result.triples) == ("prc-kg", 3, 1, 2, 5, 2, 87)


def test_no_text_leaves_out_the_words_and_nothing_else(tmp_path, terms):
    import_utterances(UTT / "prc-kg.csv", LAYOUTS / "prc-kg.yaml", tmp_path / "out.nt", terms, text=False)
    expected = Graph().parse(data=EXPECTED_PRC_KG, format="turtle")
    expected.remove((None, _p("text"), None))
    got = _graph(tmp_path / "out.nt")
    assert set(got) == set(expected), _diff(got, expected)
    data = (tmp_path / "out.nt").read_text(encoding="utf-8")
    assert "week" not in data and "running" not in data


def test_the_same_file_gives_the_same_bytes(tmp_path, terms):
    for name in ("a.nt", "b.nt"):
        import_utterances(UTT / "annomi-two-annotators.csv", LAYOUTS / "annomi.yaml", tmp_path / name, terms,
                          corpus="same")
    assert (tmp_path / "a.nt").read_bytes() == (tmp_path / "b.nt").read_bytes()


def _codes_of(g: Graph, utterance: URIRef) -> set[tuple[str, str, str]]:
    """(dimension, code, annotator or #k) of every annotation of ``utterance``."""
    out = set()
    for a in g.subjects(URIRef(SOSA + "hasFeatureOfInterest"), utterance):
        who = g.value(a, URIRef(SOSA + "madeBySensor"))
        k = g.value(a, _p("annotationIndex"))
        out.add((str(g.value(a, URIRef(SOSA + "observedProperty")))[len(PRC):],
                 str(g.value(a, _p("assignedCode")))[len(PRC):],
                 str(who).rsplit("/", 1)[-1] if who is not None else f"#{k}"))
    return out


def _absent(who: str, *dimensions: str) -> set[tuple[str, str, str]]:
    """The absence codes ``who`` gives where the flags of ``dimensions`` (REFLECTION, QUESTION, INPUT) say False."""
    return {(f"MISIMPLE_{d}-TYPE", f"MISIMPLE_NO-{d}", who) for d in dimensions}


def test_annomi_full_file_keeps_every_annotator_and_subtype(tmp_path, terms):
    """Each therapist row says of each behaviour whether it is there: a False flag is the absence code
    (2 per therapist row here, 5 therapist rows: 10 besides the 15 codes of the columns)."""
    result = import_utterances(UTT / "annomi-two-annotators.csv", LAYOUTS / "annomi.yaml", tmp_path / "o.nt",
                               terms, corpus="mi")
    assert (result.rows, result.conversations, result.utterances, result.annotations, result.annotators) == \
        (10, 2, 6, 25, 2)
    g = _graph(tmp_path / "o.nt")
    c1 = CORPUS + "mi/conversation/1"
    assert _codes_of(g, URIRef(c1 + "/utterance/0")) == {
        ("MISIMPLE_MAIN", "MISIMPLE_QUESTION", "a"), ("MISIMPLE_MAIN", "MISIMPLE_QUESTION", "b"),
        ("MISIMPLE_QUESTION-TYPE", "MISIMPLE_OPEN", "a"), ("MISIMPLE_QUESTION-TYPE", "MISIMPLE_CLOSED", "b"),
        *_absent("a", "REFLECTION", "INPUT"), *_absent("b", "REFLECTION", "INPUT")}
    assert _codes_of(g, URIRef(c1 + "/utterance/2")) == {
        ("MISIMPLE_MAIN", "MISIMPLE_REFLECTION", "a"), ("MISIMPLE_MAIN", "MISIMPLE_REFLECTION", "b"),
        ("MISIMPLE_REFLECTION-TYPE", "MISIMPLE_COMPLEX", "a"), ("MISIMPLE_REFLECTION-TYPE", "MISIMPLE_SIMPLE", "b"),
        *_absent("a", "QUESTION", "INPUT"), *_absent("b", "QUESTION", "INPUT")}
    assert _codes_of(g, URIRef(CORPUS + "mi/conversation/2/utterance/0")) == {
        ("MISIMPLE_MAIN", "MISIMPLE_INPUT", "a"), ("MISIMPLE_INPUT-TYPE", "MISIMPLE_ADVICE", "a"),
        *_absent("a", "REFLECTION", "QUESTION")}
    # the absence annotation keeps the flag cell as written; client rows (flags n/a) get none
    absent = URIRef(c1 + "/utterance/0/annotation/MISIMPLE_REFLECTION-TYPE/a")
    assert g.value(absent, _p("sourceCode")) == Literal("False")
    assert _codes_of(g, URIRef(c1 + "/utterance/1")) == {("MISIMPLE_CLIENT", "MISIMPLE_SUSTAIN", w) for w in "ab"}
    # order from 0 in the file, positions from 1; the order as written is kept
    first = URIRef(c1 + "/utterance/0")
    assert g.value(first, _p("tosNumber")) == Literal(1, datatype=URIRef(XSD + "integer"))
    assert g.value(first, _p("utteranceId")) == Literal("0")
    assert (first, _p("immediatelyFollowedBy"), URIRef(c1 + "/utterance/1")) in g
    assert g.value(URIRef(c1), URIRef(CORPUS + "mi/attribute/mi_quality")) == Literal("high")
    assert g.value(URIRef(CORPUS + "mi/conversation/2"), URIRef(CORPUS + "mi/attribute/mi_quality")) == Literal("low")
    assert (URIRef(CORPUS + "mi"), _p("constructedForTeaching"), None) not in g


def test_without_absent_a_false_flag_records_nothing(tmp_path, terms):
    """A layout whose flag columns name no absence code reads the flags only to check them."""
    layout = tmp_path / "annomi.yaml"
    text = (LAYOUTS / "annomi.yaml").read_text(encoding="utf-8")
    layout.write_text("".join(line for line in text.splitlines(keepends=True) if "absent:" not in line),
                      encoding="utf-8")
    result = import_utterances(UTT / "annomi-two-annotators.csv", layout, tmp_path / "o.nt", terms, corpus="mi")
    assert result.annotations == 15
    g = _graph(tmp_path / "o.nt")
    assert {c for _, c, _ in _codes_of(g, URIRef(CORPUS + "mi/conversation/2/utterance/0"))} == {
        "MISIMPLE_INPUT", "MISIMPLE_ADVICE"}


ITEM_FLAG_LAYOUT = """layout: 1
columns: {conversation: c, order: n, speaker: s}
codes:
  behaviour: {values: item-codes}
  kind: {values: item-codes, exists: has_kind, absent: MISIMPLE:NO-REFLECTION}
"""


def test_an_absence_code_on_an_item_code_column_and_its_clash_with_another_column(tmp_path, terms):
    """`absent` on a column of item codes: a False flag on a therapist row gives the absence code, a
    False flag on a client row nothing; a row whose other column already codes the reflection type
    is refused, naming the flag column."""
    layout = tmp_path / "l.yaml"
    layout.write_text(ITEM_FLAG_LAYOUT, encoding="utf-8")
    data = tmp_path / "d.csv"
    data.write_text("c,n,s,behaviour,kind,has_kind\nx,1,therapist,MISIMPLE:QUESTION,n/a,false\n"
                    "x,2,client,MISIMPLE:CHANGE,,FALSE\n", encoding="utf-8")
    import_utterances(data, layout, tmp_path / "o.nt", terms, corpus="k")
    g = _graph(tmp_path / "o.nt")
    base = CORPUS + "k/conversation/x/utterance/"
    assert _codes_of(g, URIRef(base + "1")) == {("MISIMPLE_MAIN", "MISIMPLE_QUESTION", "#1"),
                                                ("MISIMPLE_REFLECTION-TYPE", "MISIMPLE_NO-REFLECTION", "#1")}
    assert g.value(URIRef(base + "1/annotation/MISIMPLE_REFLECTION-TYPE/1"), _p("sourceCode")) == Literal("false")
    assert _codes_of(g, URIRef(base + "2")) == {("MISIMPLE_CLIENT", "MISIMPLE_CHANGE", "#1")}
    data.write_text("c,n,s,behaviour,kind,has_kind\nx,1,therapist,MISIMPLE:COMPLEX,n/a,False\n", encoding="utf-8")
    with pytest.raises(CorpusError) as caught:
        import_utterances(data, layout, tmp_path / "o2.nt", terms, corpus="k")
    assert caught.value.problems == [
        ("row 2, column has_kind: 'False' (MISIMPLE:NO-REFLECTION) is a second code of dimension "
         "MISIMPLE:REFLECTION-TYPE on this row ('MISIMPLE:COMPLEX' in column behaviour); one code per dimension "
         "and annotator")]
    assert not (tmp_path / "o2.nt").exists()


def test_annomi_simple_file_without_annotators_imports_with_the_same_layout(tmp_path, terms):
    result = import_utterances(UTT / "annomi-simple.csv", LAYOUTS / "annomi.yaml", tmp_path / "s.nt", terms)
    assert (result.rows, result.conversations, result.utterances, result.annotations, result.annotators) == \
        (5, 2, 5, 5, 0)
    g = _graph(tmp_path / "s.nt")
    v5, v6 = URIRef(CORPUS + "annomi-simple/conversation/5"), URIRef(CORPUS + "annomi-simple/conversation/6")
    assert _codes_of(g, URIRef(f"{v5}/utterance/1")) == {("MISIMPLE_CLIENT", "MISIMPLE_CHANGE", "#1")}
    assert not list(g.triples((None, URIRef(SOSA + "madeBySensor"), None)))
    url = URIRef(CORPUS + "annomi-simple/attribute/video_url")
    assert g.value(v5, url) == Literal("https://example.org/demo/5", datatype=URIRef(XSD + "anyURI"))
    assert g.value(url, URIRef("http://www.w3.org/2000/01/rdf-schema#range")) == URIRef(XSD + "anyURI")
    assert g.value(v6, url) is None  # an empty attribute cell is no value, on every row of conversation 6


def test_miti_abbreviations_in_a_tsv_file(tmp_path, terms):
    """OQ is a question and an open question; '+' and '-' are client language; case does not matter;
    NC leaves the row uncoded."""
    result = import_utterances(UTT / "miti.tsv", LAYOUTS / "miti.yaml", tmp_path / "m.nt", terms)
    assert (result.utterances, result.annotations) == (6, 6)
    g = _graph(tmp_path / "m.nt")
    v = CORPUS + "miti/conversation/m1/utterance/"
    assert _codes_of(g, URIRef(v + "10")) == {("MITI_BEHAVIOUR", "MITI_Q", "k"), ("MISC_QUESTION", "MISC_OQ", "k")}
    assert _codes_of(g, URIRef(v + "11")) == {("MISC_CLIENT", "MISC_CT", "k")}
    assert _codes_of(g, URIRef(v + "12")) == {("MITI_BEHAVIOUR", "MITI_CR", "k")}
    assert _codes_of(g, URIRef(v + "13")) == {("MISC_CLIENT", "MISC_ST", "k")}
    assert _codes_of(g, URIRef(v + "14")) == {("MITI_BEHAVIOUR", "MITI_PERSUADE-WP", "k")}
    assert _codes_of(g, URIRef(v + "15")) == set()
    sources = {str(o) for o in g.objects(None, _p("sourceCode"))}
    assert sources == {"OQ", "+", "cr", "-", "PWP"}
    assert (URIRef(v + "11"), RDF.type, _p("PatientTurn")) in g
    assert not list(g.triples((None, _p("text"), None)))  # the file has no text column
    assert g.value(URIRef(CORPUS + "miti/conversation/m1"), URIRef(CORPUS + "miti/attribute/empathy")) == \
        Literal("4.5", datatype=URIRef(XSD + "decimal"))


def test_rows_without_annotator_are_numbered_annotations(tmp_path, terms):
    """Two rows of utterance 7 (no annotator column): annotations 1 and 2; an id with a space is
    percent-encoded in IRIs and kept as written in labels."""
    import_utterances(UTT / "prc-kg-anonymous.csv", LAYOUTS / "prc-kg.yaml", tmp_path / "a.nt", terms,
                      corpus="anon")
    g = _graph(tmp_path / "a.nt")
    v = CORPUS + "anon/conversation/s%201"
    assert _codes_of(g, URIRef(v + "/utterance/7")) == {("MITI_BEHAVIOUR", "MITI_CR", "#1"),
                                                        ("MITI_BEHAVIOUR", "MITI_SR", "#2")}
    assert (URIRef(v + "/utterance/7/annotation/MITI_BEHAVIOUR/2"), _p("annotationIndex"),
            Literal(2, datatype=URIRef(XSD + "integer"))) in g
    assert g.value(URIRef(v), URIRef("http://www.w3.org/2000/01/rdf-schema#label")) == \
        Literal("conversation s 1 of corpus anon")
    assert g.value(URIRef(v + "/utterance/8"), _p("tosNumber")) == Literal(2, datatype=URIRef(XSD + "integer"))
    assert _codes_of(g, URIRef(v + "/utterance/8")) == set()



def test_the_example_corpus_imports_with_its_disagreements(tmp_path, terms):
    """examples/corpus/mi-constructed.csv: five conversations, annotator b on three of them, five
    utterances where a and b differ (worked out when the corpus was written). 214 annotations: 131 codes
    in the code columns and 83 absence codes, one per false flag on its 43 therapist rows."""
    corpus = ROOT / "examples" / "corpus"
    result = import_utterances(corpus / "mi-constructed.csv", corpus / "mi-constructed.yaml", tmp_path / "c.nt",
                               terms)
    assert (result.rows, result.conversations, result.utterances, result.annotations, result.annotators) == \
        (85, 5, 53, 214, 2)
    g = _graph(tmp_path / "c.nt")
    base = CORPUS + "mi-constructed"
    assert g.value(URIRef(base), _p("constructedForTeaching")) == Literal(True)
    differ = set()
    for conv in range(1, 6):
        for n in range(12):
            codes = _codes_of(g, URIRef(f"{base}/conversation/{conv}/utterance/{n}"))
            by = {who: {(d, c) for d, c, w in codes if w == who} for who in ("a", "b")}
            if by["b"] and by["a"] != by["b"]:
                differ.add((conv, n))
    assert differ == {(1, 4), (1, 10), (2, 1), (4, 1), (4, 8)}
    quality = URIRef(base + "/attribute/mi_quality")
    assert sorted(str(o) for o in g.objects(None, quality)) == ["high", "high", "high", "low", "low"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["annomi-two-annotators.csv", "annomi-simple.csv"])
def test_imported_corpora_pass_the_shapes(tmp_path, terms, release_graph, name):
    """With annotators and without (numbered annotations): the corpus, its conversations and attributes,
    turns and annotations all pass the SHACL shapes."""
    import_utterances(UTT / name, LAYOUTS / "annomi.yaml", tmp_path / "c.nt", terms, corpus="mi")
    assert validate(_graph(tmp_path / "c.nt"), release_graph) == []


# -- bad rows: named by row and column, nothing written ------------------------------------------------------------

OWN = "conversation,utterance,speaker,annotator,text,codes,quality\n"
GOOD = "c1,1,therapist,r1,Hello.,MITI:Q,high\nc1,2,patient,r1,Hi.,MISC:FN,high\n"
ANNOMI = (UTT / "annomi-two-annotators.csv").read_text(encoding="utf-8")
ANNOMI_ROW = "1,high,walking more,2,therapist,00:00:09,Part of you wants to move more.,a,False,n/a,True,complex,False,"


def _annomi(old: str, new: str) -> str:
    assert old in ANNOMI, old
    return ANNOMI.replace(old, new, 1)


BAD_ROWS = [
    ("unknown code, with the allowed ones", "prc-kg", OWN + GOOD + "c1,3,therapist,r1,So.,MITI:XX,high\n",
     ["row 4, column codes: unknown code 'MITI:XX'; expected an item code of an utterance coding dimension: ",
      "MITI:CR", "MISC:OQ"]),
    ("unknown mapped value", "annomi", _annomi(",question,n/a\n1,high,walking more,1,", ",questoin,n/a\n1,high,walking more,1,"),
     [("row 2, column main_therapist_behaviour: unknown code 'questoin'; expected one of the layout's values: "
      "reflection, question, therapist_input, other (or, where nothing is coded, '', 'n/a')")]),
    ("therapist code on a patient row", "prc-kg", OWN + GOOD + "c1,3,patient,r1,So.,MITI:SR,high\n",
     [("row 4, column codes: 'MITI:SR' (MITI:SR) codes therapist turns (dimension MITI:BEHAVIOUR), but this row is "
      "a patient turn (speaker 'patient')")]),
    ("patient code on a therapist row", "annomi",
     _annomi("1,high,walking more,2,therapist,00:00:09,Part of you wants to move more.,a,False,n/a,True,complex,"
             "False,n/a,reflection,n/a", "1,high,walking more,2,therapist,00:00:09,Part of you wants to move more.,a,"
             "False,n/a,True,complex,False,n/a,reflection,change"),
     [("row 4, column client_talk_type: 'change' (MISIMPLE:CHANGE) codes patient turns (dimension MISIMPLE:CLIENT), "
      "but this row is a therapist turn (speaker 'therapist')")]),
    ("two codes of one dimension in one cell", "prc-kg", OWN + GOOD + "c1,3,therapist,r1,So.,MITI:Q;MITI:SR,high\n",
     [("row 4, column codes: 'MITI:SR' is a second code of dimension MITI:BEHAVIOUR on this row ('MITI:Q' in this "
      "cell)")]),
    ("summary group given as a code", "prc-kg", OWN + GOOD + "c1,3,therapist,r1,So.,MITI:R,high\n",
     [("row 4, column codes: 'MITI:R': MITI:R is a summary group of dimension MITI:BEHAVIOUR, counting MITI:CR, "
      "MITI:SR together; it is not assigned to an utterance: use one of those")]),
    ("non-integer order", "prc-kg", OWN + GOOD + "c1,3.0,therapist,r1,So.,MITI:Q,high\n",
     [("row 4, column utterance: expected a whole number (0 or more) giving the utterance's place in its "
      "conversation, got '3.0'")]),
    ("unknown speaker", "prc-kg", OWN + GOOD + "c1,3,doctor,r1,So.,MITI:Q,high\n",
     [("row 4, column speaker: expected one of client, counsellor, counselor, patient, therapist (the layout's "
      "speakers), got 'doctor'")]),
    ("missing conversation id", "prc-kg", OWN + GOOD + ",3,therapist,r1,So.,MITI:Q,high\n",
     ["row 4, column conversation: expected a conversation id, got nothing"]),
    ("short row", "prc-kg", OWN + GOOD + "c1,3,therapist\n", ["row 4: expected 7 values, found 3"]),
    ("control character in the text", "prc-kg", OWN + GOOD + "c1,3,therapist,r1,So\x07,MITI:Q,high\n",
     ["row 4, column text: character U+0007 (a control character) at position 3 cannot be written in XML 1.0"]),
    ("flag that disagrees with its sub-type", "annomi", _annomi(ANNOMI_ROW + "n/a,reflection",
                                                                ANNOMI_ROW.replace("True,complex", "False,complex")
                                                                + "n/a,reflection"),
     [("row 4, column reflection_subtype: reflection_subtype gives a code, but reflection_exists is 'False' on this "
      "row")]),
    ("attribute of the wrong type", "annomi",
     ("transcript_id,mi_quality,topic,video_url,utterance_id,interlocutor,timestamp,utterance_text,"
     "main_therapist_behaviour,client_talk_type\n1,high,t,javascript:alert(1),0,therapist,,Hi.,other,n/a\n"),
     [("row 2, column video_url: expected an http:// or https:// address without spaces (attribute type anyURI), "
      "got 'javascript:alert(1)'")]),
    ("order repeated with other words", "prc-kg", OWN + GOOD + "c1,2,patient,r2,Hello there.,MISC:FN,high\n",
     [("row 4, column text: utterance 2 of conversation c1 has other words here than on row 3; the rows of one "
      "utterance (one per annotator) must agree on its speaker, text and timestamp")]),
    ("order repeated with another speaker", "prc-kg", OWN + GOOD + "c1,2,therapist,r2,Hi.,MITI:Q,high\n",
     ["row 4, column speaker: utterance 2 of conversation c1 is a therapist turn here but a patient turn on row 3"]),
    ("order missing (a gap)", "prc-kg", OWN + GOOD + "c1,5,therapist,r1,So.,MITI:Q,high\n",
     [("row 4, column utterance: conversation c1 has no utterances 3 to 4 (it goes from 2 to 5); the utterances of "
      "a conversation are numbered without gaps")]),
    ("attribute that changes within a conversation", "prc-kg", OWN + GOOD + "c1,3,therapist,r1,So.,MITI:Q,low\n",
     [("row 4, column quality: conversation c1 has quality 'high' on row 2 but 'low' here; a conversation "
      "attribute is the same on every row of the conversation")]),
    ("annotator coding an utterance twice", "prc-kg", OWN + GOOD + "c1,1,therapist,r1,Hello.,MITI:SR,high\n",
     ["rows 2, 4, column annotator: annotator r1 codes utterance 1 of conversation c1 more than once"]),
    ("column the layout does not name", "prc-kg", OWN.replace(",quality", ",quality,mood") + "c1,1,therapist,r1,Hi.,,x,y\n",
     ["1 [header]: column(s) 'mood' not named in the layout ", "(name each under codes, attributes or ignore)"]),
    ("layout column missing from the file", "annomi", "transcript_id,utterance_id,interlocutor\n1,0,client\n",
     [("1 [header]: column(s) client_talk_type, main_therapist_behaviour, mi_quality, timestamp, topic, "
      "utterance_text of the layout "), " missing"]),
    ("header only", "prc-kg", OWN, [": the file has a header but no rows"]),
]


@pytest.mark.parametrize(("kind", "layout", "content", "expected"), BAD_ROWS, ids=[row[0] for row in BAD_ROWS])
def test_bad_rows_are_named_and_nothing_is_written(tmp_path, terms, kind, layout, content, expected):
    data = tmp_path / "corpus.csv"
    data.write_text(content, encoding="utf-8")
    out = tmp_path / "out" / "corpus.nt"
    with pytest.raises(InputError) as caught:
        import_utterances(data, LAYOUTS / f"{layout}.yaml", out, terms)
    message = str(caught.value)
    assert message.startswith(str(data))
    for fragment in expected:
        assert fragment in message
    assert not out.exists() and not list(tmp_path.glob("out/*"))


def test_many_bad_rows_give_a_short_message(tmp_path, terms):
    data = tmp_path / "c.csv"
    data.write_text(OWN + "".join(f"c1,{n},therapist,r1,So.,MITI:NO,high\n" for n in range(1, 1001)), encoding="utf-8")
    with pytest.raises(CorpusError) as caught:
        import_utterances(data, LAYOUTS / "prc-kg.yaml", tmp_path / "o.nt", terms)
    assert len(caught.value.problems) == 25
    assert "1000 problem(s); nothing was imported" in str(caught.value)
    assert "… and 975 more problems" in str(caught.value)


def test_a_failed_import_leaves_the_earlier_output(tmp_path, terms):
    out = tmp_path / "o.nt"
    import_utterances(UTT / "prc-kg.csv", LAYOUTS / "prc-kg.yaml", out, terms)
    before = out.read_bytes()
    data = tmp_path / "prc-kg.csv"
    data.write_text(OWN + GOOD + "c1,9,therapist,r1,So.,MITI:Q,high\n", encoding="utf-8")
    with pytest.raises(CorpusError):
        import_utterances(data, LAYOUTS / "prc-kg.yaml", out, terms)
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.nt", "prc-kg.csv"]


def test_a_corpus_name_that_cannot_be_part_of_an_iri_is_refused(tmp_path, terms):
    with pytest.raises(InputError, match="the corpus name 'my corpus' is not a name of letters"):
        import_utterances(UTT / "prc-kg.csv", LAYOUTS / "prc-kg.yaml", tmp_path / "o.nt", terms,
                          corpus="my corpus")


# -- bad layouts: named by line and key ---------------------------------------------------------------------------

PRC_KG_LAYOUT = (LAYOUTS / "prc-kg.yaml").read_text(encoding="utf-8")
ANNOMI_LAYOUT = (LAYOUTS / "annomi.yaml").read_text(encoding="utf-8")

BAD_LAYOUTS = [  # (kind, layout, old, new, field, message, the text on the line named: new's last line by default)
    ("unknown top-level key", PRC_KG_LAYOUT, "constructed: false", "constructed: false\ncolour: blue",
     "colour", "unknown key 'colour'; expected one of layout, name, description, constructed, delimiter", None),
    ("unknown key of a code column", PRC_KG_LAYOUT, "    separator: \";\"", "    separator: \";\"\n    sep: x",
     "codes.codes.sep", "unknown key 'sep'; expected one of values, separator, optional, exists", None),
    ("unknown role", PRC_KG_LAYOUT, "  speaker: speaker", "  speaker: speaker\n  coder: coder",
     "columns.coder", "unknown key 'coder'; expected one of conversation, order, speaker", None),
    ("code the ontology does not have", ANNOMI_LAYOUT, "reflection: MISIMPLE:REFLECTION",
     "reflection: MISIMPLE:REFLEXION", "codes.main_therapist_behaviour.values.reflection",
     ("'MISIMPLE:REFLEXION' is not a code of an utterance coding dimension in the ontology; did you mean "
     "MISIMPLE:REFLECTION"), None),
    ("two codes of one dimension for one value", ANNOMI_LAYOUT, "reflection: MISIMPLE:REFLECTION",
     "reflection: [MISIMPLE:REFLECTION, MISIMPLE:OTHER]", "codes.main_therapist_behaviour.values.reflection",
     "'reflection' maps to two codes of dimension MISIMPLE:MAIN", None),
    ("a value mapped to a summary group", ANNOMI_LAYOUT, "reflection: MISIMPLE:REFLECTION", "reflection: MITI:R",
     "codes.main_therapist_behaviour.values.reflection", "MITI:R is a summary group of dimension MITI:BEHAVIOUR",
     None),
    ("a column both code and attribute", ANNOMI_LAYOUT, "  topic: string", "  client_talk_type: string",
     "attributes.client_talk_type", "column 'client_talk_type' is named as a code column and as an attribute", None),
    ("a value that is also not applicable", ANNOMI_LAYOUT, "      other: MISIMPLE:OTHER",
     "      other: MISIMPLE:OTHER\n      n/a: MISIMPLE:OTHER", "codes.main_therapist_behaviour.values.n/a",
     "value 'n/a' is also listed under not_applicable", None),
    ("unknown attribute type", ANNOMI_LAYOUT, "  topic: string", "  topic: text", "attributes.topic",
     "expected the type of attribute 'topic': one of string, integer, decimal, boolean, date, anyURI, got 'text'",
     None),
    ("speaker role that is not therapist or patient", ANNOMI_LAYOUT, "client: patient", "client: doctor",
     "speakers.client", "expected therapist or patient as the role of speaker value 'client', got 'doctor'", None),
    ("required role missing", ANNOMI_LAYOUT, "  speaker: interlocutor\n", "", "columns",
     "the layout must name the speaker column", "columns:"),
    ("another format version", ANNOMI_LAYOUT, "layout: 1", "layout: 2", "layout",
     "expected 'layout: 1' (the version of the layout format), got 2", None),
    ("absence code without a flag column", ANNOMI_LAYOUT, "    exists: reflection_exists\n    absent: MISIMPLE:NO-REFLECTION",
     "    absent: MISIMPLE:NO-REFLECTION", "codes.reflection_subtype.absent",
     "it needs the flag column too ('exists: FLAG_COLUMN')", None),
    ("absence code the ontology does not have", ANNOMI_LAYOUT, "absent: MISIMPLE:NO-REFLECTION",
     "absent: MISIMPLE:NO-REFLEXION", "codes.reflection_subtype.absent",
     ("'MISIMPLE:NO-REFLEXION' is not a code of an utterance coding dimension in the ontology; did you mean "
      "MISIMPLE:NO-REFLECTION"), None),
    ("absence code of another dimension", ANNOMI_LAYOUT, "absent: MISIMPLE:NO-REFLECTION",
     "absent: MISIMPLE:NO-QUESTION", "codes.reflection_subtype.absent",
     ("MISIMPLE:NO-QUESTION is a code of dimension MISIMPLE:QUESTION-TYPE, but this column codes "
      "MISIMPLE:REFLECTION-TYPE; 'absent' takes the absence code of the column's own dimension "
      "(MISIMPLE:NO-REFLECTION)"), None),
    ("a behaviour given as the absence code", ANNOMI_LAYOUT, "absent: MISIMPLE:NO-REFLECTION",
     "absent: MISIMPLE:SIMPLE", "codes.reflection_subtype.absent",
     ("MISIMPLE:SIMPLE is not an absence code (prc:absenceCode true in the ontology): 'absent' takes a code that "
      "records that the behaviour is missing, one of MISIMPLE:NO-INPUT, MISIMPLE:NO-QUESTION, "
      "MISIMPLE:NO-REFLECTION"), None),
    ("optional not a boolean", ANNOMI_LAYOUT, "optional: true}", "optional: maybe}", "columns.annotator.optional",
     "expected true or false, got 'maybe'", "annotator: {column: annotator_id, optional: maybe}"),
]


@pytest.mark.parametrize(("kind", "template", "old", "new", "field", "expected", "at"), BAD_LAYOUTS,
                         ids=[row[0] for row in BAD_LAYOUTS])
def test_bad_layouts_are_named_by_line_and_key(tmp_path, terms, kind, template, old, new, field, expected,
                                               at):
    assert old in template, old
    text = template.replace(old, new, 1)
    layout = tmp_path / "layout.yaml"
    layout.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        import_utterances(UTT / "annomi-simple.csv", layout, tmp_path / "o.nt", terms)
    marker = at or new.split("\n")[-1]
    assert (caught.value.path, caught.value.field) == (layout, field)
    assert expected in caught.value.message
    assert caught.value.line == text[:text.index(marker)].count("\n") + 1
    assert not (tmp_path / "o.nt").exists()


# -- the command and the store ------------------------------------------------------------------------------------

@pytest.mark.slow
def test_the_command_writes_beside_the_ontology_and_load_picks_the_corpus_up(tmp_path, capsys):
    tree = tmp_path / "tree"
    onto = copy_ontology(tree)
    shutil.copytree(ROOT / "examples", tree / "examples")
    assert main(["import-utterances", str(UTT / "annomi-simple.csv"), "--layout", str(LAYOUTS / "annomi.yaml"),
                 "--ontology", str(onto), "--corpus", "demo", "--no-text"]) == 0
    said = capsys.readouterr().out
    nt = tree / "build" / "utterances" / "demo.nt"
    assert (f"imported 5 rows of {UTT / 'annomi-simple.csv'} as corpus demo: 2 conversations, 5 utterances, "
            "5 annotations (without the text)") in said
    assert f"wrote {nt} (" in said
    assert main(["load", "--store", str(tmp_path / "store"), "--ontology", str(onto), "--examples",
                 str(tree / "examples")]) == 0
    assert f"data files from {tree / 'build' / 'utterances'}: demo.nt" in capsys.readouterr().out
    rows = KnowledgeGraph.from_store(tmp_path / "store").query(
        f"SELECT ?code (COUNT(?a) AS ?n) WHERE {{ ?a a <{PRC}CodeAnnotation> ; <{PRC}assignedCode> ?code }} "
        "GROUP BY ?code ORDER BY ?code")
    assert [(r["code"][len(PRC):], r["n"]) for r in rows] == [
        ("MISIMPLE_CHANGE", 1), ("MISIMPLE_INPUT", 1), ("MISIMPLE_QUESTION", 1), ("MISIMPLE_REFLECTION", 1),
        ("MISIMPLE_SUSTAIN", 1)]


def test_the_command_never_writes_over_its_input_or_into_the_sources(tmp_path, capsys):
    data = tmp_path / "corpus.csv"
    shutil.copy(UTT / "prc-kg.csv", data)
    before = data.read_bytes()
    layout = ["--layout", str(LAYOUTS / "prc-kg.yaml")]
    assert main(["import-utterances", str(data), *layout, "--out", str(data)]) == 2
    assert f"{data}: is the same file as the input {data}" in capsys.readouterr().err
    assert main(["import-utterances", str(data), *layout, "--out", str(LAYOUTS / "prc-kg.yaml")]) == 2
    assert "is the same file as the input" in capsys.readouterr().err
    assert main(["import-utterances", str(data), *layout, "--out", str(ROOT / "ontology" / "x.nt")]) == 2
    assert "which this command reads" in capsys.readouterr().err
    assert data.read_bytes() == before
    assert not (ROOT / "ontology" / "x.nt").exists()
