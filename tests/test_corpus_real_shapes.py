"""A constructed file with the shapes met in the public expert-annotated MI corpus, taken through
what a researcher runs: import with the shipped layout, load, then profile, transitions and
agreement, against hand-worked figures.

The shapes (tests/data/utterances/annomi-real-shapes.csv, words our own): the full file's column
order; one conversation coded by three annotators with numeric ids, the other by one; a
conversation that opens with the client; two therapist turns in a row; a timestamp earlier than
the one before; a topic naming two topics and ending in a space; an address with a query; quotes
doubled inside a quoted cell; a therapist turn whose main code is input while its question flag is
set; every therapist row saying of each behaviour whether it is there (False flags: the absence codes
no reflection, no question, no input), and on one turn one annotator of three hearing a complex
reflection besides the input and the question where the two others hear none. And the simplified
file (annomi-simple.csv: main behaviour and client talk only)."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT
from corpus_store import UTTERANCES, store_of
from rdflib import Literal, URIRef

from prc_kg.cli.main import main
from prc_kg.instances.utterances import import_utterances
from prc_kg.store.dataset import load_dataset

LAYOUT = ROOT / "examples" / "layouts" / "annomi.yaml"
SHAPES = UTTERANCES / "annomi-real-shapes.csv"
DATA = "https://w3id.org/prc-kg/data/corpus/annomi-real-shapes/"


@pytest.fixture(scope="module")
def imported(terms, tmp_path_factory):
    folder = tmp_path_factory.mktemp("real-shapes")
    shapes = import_utterances(SHAPES, LAYOUT, folder / "shapes.nt", terms)
    simple = import_utterances(UTTERANCES / "annomi-simple.csv", LAYOUT, folder / "simple.nt", terms)
    return folder, shapes, simple


@pytest.fixture(scope="module")
def store_dir(release_graph, imported):
    folder, _, _ = imported
    store, _ = load_dataset(release_graph, None, [folder / "shapes.nt", folder / "simple.nt"], folder / "store")
    del store  # closes the store, so the commands can open it
    return folder / "store"


def run_json(capsys, *args: str) -> tuple[list[dict], str]:
    assert main(list(args)) == 0
    out, err = capsys.readouterr()
    return json.loads(out), err


def test_the_shapes_import_with_every_annotation_and_the_cells_as_written(imported):
    """Conversation 20: six utterances, three annotators: 2+1+2+1+3+1 codes each and annotator 0's
    complex reflection on utterance 4 = 31, and an absence code for each False flag on a therapist
    row, 2+2+1 for annotators 1 and 2, 2+2+0 for annotator 0 = 14; conversation 21: seven utterances,
    one annotator: 1+2+1+2+2+1+1 = 10, and 2+2+2+3 = 9 absence codes. 64 in all."""
    folder, shapes, _ = imported
    assert (shapes.rows, shapes.conversations, shapes.utterances, shapes.annotations, shapes.annotators) == (
        25, 2, 13, 64, 4)
    from rdflib import Graph

    g = Graph().parse(folder / "shapes.nt")
    topic = URIRef(DATA + "attribute/topic")
    assert g.value(URIRef(DATA + "conversation/21"), topic) == Literal(
        "smoking cessation; reducing alcohol consumption")  # the trailing space is not part of the value
    text = g.value(URIRef(DATA + "conversation/20/utterance/4"), URIRef("https://w3id.org/prc-kg/ontology/text"))
    assert 'Some people swap every other drink for water, "just to slow down".' in str(text)
    assert "£40" in str(g.value(URIRef(DATA + "conversation/20/utterance/1"),
                                URIRef("https://w3id.org/prc-kg/ontology/text")))


def test_profile_leaves_blank_what_the_simplified_codes_cannot_tell(store_dir, capsys):
    """20: question (3 of 3; open 2 of 3), reflection (complex 2 of 3), input (2 of 3, advice 2 of 3;
    its open question kept: annotator 0 gave it and the winning input; no reflection 2 of 3, so the
    complex reflection annotator 0 heard there is not counted); client neutral 2 of 3,
    change, change 2 of 3. R 1, Q 2: R:Q 0.5; %CR 100; %OQ 100; %CT 100. 21: three advice turns,
    one other; sustain, change. The simplified set has no code for affirming or for advice without
    permission: MI-adherent and non-adherent are blank, not 0, and the simplified file has no
    reflection or question type either."""
    rows, err = run_json(capsys, "profile", "--store", str(store_dir), "--format", "json")
    by_name = {r["name"]: r for r in rows}
    c20, c21 = by_name["annomi-real-shapes/20"], by_name["annomi-real-shapes/21"]
    assert {k: c20[k] for k in ("R", "Q", "SR", "CR", "OQ", "CQ", "CT", "ST")} == {
        "R": 1, "Q": 2, "SR": 0, "CR": 1, "OQ": 2, "CQ": 0, "CT": 2, "ST": 0}
    assert (c20["R:Q"], c20["%CR"], c20["%OQ"], c20["%CT"]) == (0.5, 100.0, 100.0, 100.0)
    assert (c21["R"], c21["Q"], c21["R:Q"], c21["CT"], c21["ST"], c21["%CT"]) == (0, 0, None, 1, 1, 50.0)
    for row in rows:
        assert row["MI-adherent"] is None and row["MI-non-adherent"] is None
    simple = by_name["annomi-simple/5"]
    assert (simple["R"], simple["Q"], simple["CT"]) == (1, 1, 1)
    assert (simple["SR"], simple["CR"], simple["OQ"], simple["CQ"], simple["%CR"]) == (None,) * 5
    assert c21["SR"] == 0  # its corpus codes reflection types, so none is a real 0 there
    assert "left blank: SR, CR, OQ, CQ, MI-adherent, MI-non-adherent" in err and "blank is not zero" in err

    codes, _ = run_json(capsys, "profile", "--store", str(store_dir), "--corpus", "annomi-real-shapes", "--codes",
                        "--format", "json")
    advice = [r for r in codes if r["name"] == "annomi-real-shapes/21" and r["code"] == "MISIMPLE:ADVICE"]
    assert [(r["utterances"], r["per 100 utterances of the speaker"]) for r in advice] == [(3, 75.0)]


def test_two_therapist_turns_in_a_row_each_pair_with_the_next_client_turn(store_dir, capsys):
    """21: input → sustain; input, input → change (both); other has no client turn after it.
    20: question → neutral, reflection → change, input → change."""
    rows, err = run_json(capsys, "transitions", "--store", str(store_dir), "--corpus", "annomi-real-shapes",
                         "--by", "mi_quality", "--dimension", "MISIMPLE:MAIN", "--dimension", "MISIMPLE:CLIENT",
                         "--format", "json")
    cell = {(r["stratum"], r["antecedent (t)"], r["consequent"]): (r["n_AB"], r["n_A"], r["N"]) for r in rows}
    assert cell[("low", "MISIMPLE:INPUT", "MISIMPLE:CHANGE")] == (2, 3, 3)
    assert cell[("low", "MISIMPLE:INPUT", "MISIMPLE:SUSTAIN")] == (1, 3, 3)
    assert cell[("all", "MISIMPLE:INPUT", "MISIMPLE:CHANGE")] == (3, 4, 6)
    assert cell[("high", "MISIMPLE:QUESTION", "MISIMPLE:NEUTRAL")] == (1, 1, 3)
    assert "6 pairs from 2 conversations" in err and "without a next patient utterance after them: 1" in err


def test_agreement_of_the_three_annotators_by_hand(store_dir, capsys):
    """Main behaviour on utterances 0, 2, 4 of conversation 20: [Q Q Q], [R R R], [I Q I].
    Agreeing pairs 1, 1, 1/3: observed 7/9. Fleiss: P̄ 7/9, P_e (4² + 3² + 2²)/9² = 29/81,
    kappa (7/9 − 29/81)/(1 − 29/81) = 34/52. Krippendorff (nominal): coincidences QQ 3, RR 3,
    II 1, IQ = QI 1; n_Q 4, n_R 3, n_I 2, n 9; D_o 2/9, D_e 2·(12 + 8 + 6)/(9·8) = 52/72;
    alpha 1 − (2/9)/(52/72) = 36/52."""
    rows, _ = run_json(capsys, "agreement", "--store", str(store_dir), "--corpus", "annomi-real-shapes",
                       "--bootstrap", "0", "--format", "json")
    main_row = next(r for r in rows if r["dimension"] == "MISIMPLE:MAIN" and r["code"] == "(all codes)")
    assert (main_row["units"], main_row["annotations"], main_row["per unit"]) == (3, 9, 3)
    assert main_row["observed"] == pytest.approx(7 / 9)
    assert main_row["kappa"] == pytest.approx(34 / 52) and main_row["alpha"] == pytest.approx(36 / 52)


# -- the absence codes: a False flag is a judgement -------------------------------------------------

ABSENCE = ("MISIMPLE:NO-REFLECTION", "MISIMPLE:NO-QUESTION", "MISIMPLE:NO-INPUT")


def test_agreement_on_the_reflection_type_counts_the_annotators_who_found_none(store_dir, capsys):
    """Reflection type on utterances 0, 2, 4 of conversation 20 (C complex, S simple, N no reflection):
    [N N N], [C S C], [C N N]. Agreeing pairs 1, 1/3, 1/3: observed 5/9. Fleiss: P̄ 5/9; p_C 3/9,
    p_S 1/9, p_N 5/9, P_e 35/81; kappa (45 − 35)/(81 − 35) = 10/46. Krippendorff: agreeing values
    A = 3 + 1 + 1 = 5 of n = 9; alpha 1 − (n − 1)(n − A)/(n² − Σn_c²) = 1 − 8·4/(81 − 35) = 14/46.
    Complex against the rest: [0 3], [2 1], [1 2]: P̄ 5/9 and P_e (1/3)² + (2/3)² = 5/9, so kappa is
    exactly 0 (the library's −2.5e−16 is reported as 0); alpha 1 − 8·4/(81 − 45) = 1/9."""
    rows, err = run_json(capsys, "agreement", "--store", str(store_dir), "--corpus", "annomi-real-shapes",
                         "--bootstrap", "0", "--format", "json")
    by = {(r["dimension"], r["code"]): r for r in rows}
    whole = by[("MISIMPLE:REFLECTION-TYPE", "(all codes)")]
    assert (whole["units"], whole["annotations"], whole["per unit"]) == (3, 9, 3)
    assert whole["observed"] == pytest.approx(5 / 9)
    assert whole["kappa"] == pytest.approx(10 / 46) and whole["alpha"] == pytest.approx(14 / 46)
    absent = by[("MISIMPLE:REFLECTION-TYPE", "MISIMPLE:NO-REFLECTION")]
    assert absent["share"] == pytest.approx(5 / 9)
    complex_ = by[("MISIMPLE:REFLECTION-TYPE", "MISIMPLE:COMPLEX")]
    assert complex_["kappa"] == 0.0 and complex_["alpha"] == pytest.approx(1 / 9)
    assert "absence codes count as codes: MISIMPLE:NO-INPUT, MISIMPLE:NO-QUESTION, MISIMPLE:NO-REFLECTION" in err
    assert main(["agreement", "--store", str(store_dir), "--corpus", "annomi-real-shapes", "--bootstrap", "0",
                 "--format", "csv"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("MISIMPLE:REFLECTION-TYPE,MISIMPLE:COMPLEX,"))
    assert line.split(",")[8] == "0.0"


def test_without_absent_the_reflection_type_rests_on_one_utterance(terms, tmp_path):
    """The same file through the layout without `absent`: only annotators who flagged a reflection
    count, so utterance 4 ([C]) is no unit and [C S C] the only one: P̄ 1/3, P_e (2/3)² + (1/3)² = 5/9,
    kappa (3 − 5)/(9 − 5) = −1/2; alpha 1 − 2·2/(9 − 5) = 0."""
    from prc_kg.analysis.agreement import agreement
    from prc_kg.analysis.corpus import read_corpus
    from prc_kg.store.backends import EmbeddedStore

    layout = tmp_path / "annomi.yaml"
    layout.write_text("".join(line for line in LAYOUT.read_text(encoding="utf-8").splitlines(keepends=True)
                              if "absent:" not in line), encoding="utf-8")
    result = import_utterances(SHAPES, layout, tmp_path / "before.nt", terms)
    assert result.annotations == 64 - 14 - 9
    store = EmbeddedStore()
    store.load_file(tmp_path / "before.nt")
    (whole,) = [a for a in agreement(read_corpus(store), bootstrap=0)
                if a.dimension == "MISIMPLE:REFLECTION-TYPE" and a.code is None]
    assert (whole.units, whole.annotations) == (1, 3)
    assert whole.fleiss_kappa == pytest.approx(-1 / 2) and whole.alpha == 0.0


def _utterance(conversations, conversation: str, order: str):
    found = next(c for c in conversations if c.conversation_id == conversation)
    return next(u for u in found.utterances if u.utterance_id == order)


def test_no_reflection_wins_the_vote_and_no_subtype_is_primary(imported):
    """Utterance 4 of conversation 20: complex (annotator 0), no reflection (1 and 2): no reflection is
    the primary code of the reflection type; on utterance 0 all three found no reflection and no input."""
    from prc_kg.analysis.codes import read_code_index
    from prc_kg.analysis.corpus import behaviour_codes, primary_codes, read_corpus

    folder, _, _ = imported
    store = store_of()
    store.load_file(folder / "shapes.nt")
    conversations, index = read_corpus(store), read_code_index(store)
    assert index.absence == frozenset(ABSENCE)
    four = primary_codes(_utterance(conversations, "20", "4"), index)
    assert four == {"MISIMPLE:MAIN": "MISIMPLE:INPUT", "MISIMPLE:INPUT-TYPE": "MISIMPLE:ADVICE",
                    "MISIMPLE:QUESTION-TYPE": "MISIMPLE:OPEN", "MISIMPLE:REFLECTION-TYPE": "MISIMPLE:NO-REFLECTION"}
    assert behaviour_codes(four, index) == {"MISIMPLE:MAIN": "MISIMPLE:INPUT", "MISIMPLE:INPUT-TYPE": "MISIMPLE:ADVICE",
                                            "MISIMPLE:QUESTION-TYPE": "MISIMPLE:OPEN"}
    zero = primary_codes(_utterance(conversations, "20", "0"), index)
    assert (zero["MISIMPLE:REFLECTION-TYPE"], zero["MISIMPLE:INPUT-TYPE"]) == ABSENCE[0:3:2]


def test_transitions_leave_the_absence_codes_out_and_change_no_other_row(store_dir, capsys):
    """Every dimension: complex → change once (utterance 2 → 3 of conversation 20; on utterance 4 no
    reflection won). Counting the absence codes (--absence-codes) only adds their own rows: no
    reflection → change 3 of 5 (20: 4 → 5; 21: 3, 4 → 5), and every other row is the same."""
    args = ("transitions", "--store", str(store_dir), "--corpus", "annomi-real-shapes", "--format", "json")
    rows, err = run_json(capsys, *args)
    counted, err_counted = run_json(capsys, *args, "--absence-codes")
    key = ("n_AB", "n_A", "n_B", "N", "P(B|A)", "P(B)", "z")
    plain = {(r["antecedent (t)"], r["consequent"]): tuple(r[k] for k in key) for r in rows}
    every = {(r["antecedent (t)"], r["consequent"]): tuple(r[k] for k in key) for r in counted}
    assert not {a for a, _ in plain} & set(ABSENCE)
    assert {k: v for k, v in every.items() if k[0] not in ABSENCE} == plain
    assert plain[("MISIMPLE:COMPLEX", "MISIMPLE:CHANGE")][:4] == (1, 1, 4, 6)
    assert every[("MISIMPLE:NO-REFLECTION", "MISIMPLE:CHANGE")][:4] == (3, 5, 4, 6)
    assert "absence codes left out: MISIMPLE:NO-INPUT, MISIMPLE:NO-QUESTION, MISIMPLE:NO-REFLECTION" in err
    assert "absence codes counted as codes (--absence-codes)" in err_counted


def test_profiles_count_no_absence_code_by_default(store_dir, capsys):
    """Conversation 21: four therapist turns, none holding a reflection or a question, and one of them
    ('Good.') no input either: no reflection 4, no question 4, no input 1 when asked for; none by default."""
    args = ("profile", "--store", str(store_dir), "--corpus", "annomi-real-shapes", "--codes", "--format", "json")
    rows, err = run_json(capsys, *args)
    assert not [r for r in rows if r["code"] in ABSENCE]
    assert "absence codes left out" in err
    counted, _ = run_json(capsys, *args, "--absence-codes")
    c21 = {r["code"]: r["utterances"] for r in counted if r["name"] == "annomi-real-shapes/21" and r["code"] in ABSENCE}
    assert c21 == {"MISIMPLE:NO-REFLECTION": 4, "MISIMPLE:NO-QUESTION": 4, "MISIMPLE:NO-INPUT": 1}


def test_the_transcript_shows_an_absence_code_only_where_annotators_disagree(imported):
    """Utterance 4 of conversation 20 (turn 5): reflection type in dispute, complex (annotator 0)
    against no reflection (1, 2); utterance 0 (turn 1): all three found no reflection and no input, so
    neither is shown; conversation 21 (one annotator) shows none at all."""
    from test_transcripts import Tree, chips

    from prc_kg.views.transcriptdata import page_file, read_transcripts
    from prc_kg.views.transcripts import transcripts_view

    folder, _, _ = imported
    store = store_of()
    store.load_file(folder / "shapes.nt")
    view = transcripts_view(read_transcripts(store))
    doc = Tree(view.pages[page_file(DATA + "conversation/20")].inner_html).root
    five = doc.by_id("turn-5")
    disputes = {d.one("span", "dim").text(): d for d in five.all("span", "dispute")}
    assert sorted(disputes) == ["INPUT-TYPE ≠", "MAIN ≠", "REFLECTION-TYPE ≠"]
    reflection = [(name, "absent" in cls) for name, cls in chips(disputes["REFLECTION-TYPE ≠"])]
    assert reflection == [("COMPLEX 0", False), ("NO-REFLECTION 1, 2", True)]
    one = doc.by_id("turn-1")
    assert sorted(name for name, _ in chips(one)) == ["CLOSED 2", "OPEN 0, 1", "QUESTION ×3"]
    other = Tree(view.pages[page_file(DATA + "conversation/21")].inner_html).root
    assert not [name for name, _ in chips(other) if name.startswith("NO-")]
