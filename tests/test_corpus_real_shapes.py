"""A constructed file with the shapes met in the public expert-annotated MI corpus, taken through
what a researcher runs: import with the shipped layout, load, then profile, transitions and
agreement, against hand-worked figures.

The shapes (tests/data/utterances/annomi-real-shapes.csv, words our own): the full file's column
order; one conversation coded by three annotators with numeric ids, the other by one; a
conversation that opens with the client; two therapist turns in a row; a timestamp earlier than
the one before; a topic naming two topics and ending in a space; an address with a query; quotes
doubled inside a quoted cell; a therapist turn whose main code is input while its question flag is
set. And the simplified file (annomi-simple.csv: main behaviour and client talk only)."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT
from corpus_store import UTTERANCES
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
    """Conversation 20: six utterances, three annotators: 2+1+2+1+3+1 codes each = 30, and an absence
    code for each False flag on a therapist row, 2+2+1 each = 15; conversation 21: seven utterances, one
    annotator: 1+2+1+2+2+1+1 = 10, and 2+2+2+3 = 9 absence codes. 64 in all."""
    folder, shapes, _ = imported
    assert (shapes.rows, shapes.conversations, shapes.utterances, shapes.annotations, shapes.annotators) == (
        25, 2, 13, 64, 4)
    from rdflib import Graph

    g = Graph().parse(folder / "shapes.nt")
    topic = URIRef(DATA + "attribute/topic")
    assert g.value(URIRef(DATA + "conversation/21"), topic) == Literal(
        "smoking cessation; reducing alcohol consumption")  # the trailing space is not part of the value
    text = g.value(URIRef(DATA + "conversation/20/utterance/4"), URIRef("https://w3id.org/prc-kg/ontology/text"))
    assert str(text).startswith('Some people swap every other drink for water, "just to slow down".')
    assert "£40" in str(g.value(URIRef(DATA + "conversation/20/utterance/1"),
                                URIRef("https://w3id.org/prc-kg/ontology/text")))


def test_profile_leaves_blank_what_the_simplified_codes_cannot_tell(store_dir, capsys):
    """20: question (3 of 3; open 2 of 3), reflection (complex 2 of 3), input (2 of 3, advice 2 of 3;
    its open question kept: annotator 0 gave it and the winning input); client neutral 2 of 3,
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
