"""`prc-kg agreement`, `transitions` and `profile`, and the same through the Python API, on a store
loaded as `prc-kg load` loads one: the real ontology (its coding module, not the tests' copy of
the codes), the inferences, and small coded corpora."""

from __future__ import annotations

import csv
import io
import json

import pytest
from corpus_store import UTTERANCES, dialogue, write_corpus

from prc_kg import KnowledgeGraph
from prc_kg.cli.main import main
from prc_kg.store.dataset import load_dataset

SEQ = [dialogue("s1", {"mi_quality": "high"}, "T:OQ P:CT T:CR P:CT T:SR T:CQ P:FN T:I P:ST T:CR P:CT"),
       dialogue("s2", {"mi_quality": "low"}, "T:I P:ST T:CQ P:FN T:SR P:ST T:I P:FN T:-")]


@pytest.fixture(scope="module")
def store_dir(release_graph, tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus-cli")
    seq = write_corpus(folder / "seq.nt", "seq", SEQ)
    files = [UTTERANCES / "analysis-agree.ttl", UTTERANCES / "analysis-anon.ttl", seq]
    store, _ = load_dataset(release_graph, None, files, folder / "store")
    del store  # closes the store, so the commands can open it
    return folder / "store"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_agreement_as_json_gives_the_hand_worked_figures(store_dir, capsys):
    code, out, err = run(capsys, "agreement", "--store", str(store_dir), "--corpus", "agree", "--format", "json",
                         "--bootstrap", "100")
    assert code == 0
    rows = {(r["dimension"], r["code"]): r for r in json.loads(out)}
    main_row = rows[("MISIMPLE:MAIN", "(all codes)")]
    assert (main_row["units"], main_row["Fleiss units"], main_row["per unit"]) == (6, 5, 3)
    assert main_row["kappa"] == pytest.approx(0.6) and main_row["alpha"] == pytest.approx(0.5)
    assert rows[("MISIMPLE:MAIN", "MISIMPLE:REFLECTION")]["alpha"] == pytest.approx(17 / 33)
    assert "100 replicates, seed 1" in err  # notes go to standard error beside JSON


def test_agreement_table_is_the_same_every_time_and_has_its_notes(store_dir, capsys):
    args = ("agreement", "--store", str(store_dir), "--corpus", "agree", "--bootstrap", "200", "--seed", "5")
    first, second = run(capsys, *args), run(capsys, *args)
    assert first == second and first[0] == 0
    assert "(all codes)" in first[1] and "MISIMPLE:REFLECTION-TYPE" in first[1]
    assert "note: low, high: 95% percentile bootstrap interval over units, 200 replicates, seed 5" in first[1]


def test_agreement_says_what_is_missing(store_dir, capsys):
    code, _, err = run(capsys, "agreement", "--store", str(store_dir), "--corpus", "nope")
    assert code == 2 and "no corpus 'nope' in the store; known corpora: agree, anon, seq" in err
    code, out, _ = run(capsys, "agreement", "--store", str(store_dir), "--corpus", "seq")
    assert code == 1 and "no utterance in corpus seq is coded by two annotators on one dimension" in out


def test_transitions_as_csv(store_dir, capsys):
    code, out, err = run(capsys, "transitions", "--store", str(store_dir), "--corpus", "seq", "--dimension",
                         "MISIMPLE:MAIN", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    row = next(r for r in rows if r["antecedent (t)"] == "MISIMPLE:REFLECTION" and r["consequent"] == "MISIMPLE:CHANGE")
    assert [row[k] for k in ("stratum", "n_AB", "n_A", "n_B", "N")] == ["all", "2", "4", "3", "10"]
    assert float(row["p (exact)"]) == pytest.approx(0.5)
    assert "10 pairs from 2 conversations; 0 left out" in err and "therapist utterances without a next patient utterance after them: 1" in err


def test_transitions_by_stratum_reverse_and_lag(store_dir, capsys):
    code, out, _ = run(capsys, "transitions", "--store", str(store_dir), "--corpus", "seq", "--from", "patient",
                       "--to", "therapist", "--lag", "2", "--by", "mi_quality", "--format", "json")
    assert code == 0
    assert {r["stratum"] for r in json.loads(out)} == {"all", "high", "low"}
    code, out, _ = run(capsys, "transitions", "--store", str(store_dir), "--corpus", "seq", "--by", "mi_quality",
                       "--table", "differences")
    assert code == 0 and "Breslow–Day" in out
    code, out, _ = run(capsys, "transitions", "--store", str(store_dir), "--corpus", "seq", "--table",
                       "random-effects", "--format", "json")
    assert code == 0 and all(r["conversations"] == 2 for r in json.loads(out))


def test_transitions_name_what_is_unknown(store_dir, capsys):
    code, _, err = run(capsys, "transitions", "--store", str(store_dir), "--corpus", "seq", "--by", "quality")
    assert code == 2 and "known attributes: mi_quality" in err
    code, _, err = run(capsys, "transitions", "--store", str(store_dir), "--corpus", "seq", "--dimension", "X:Y")
    assert code == 2 and "known dimensions: MISIMPLE:CLIENT, MISIMPLE:MAIN" in err
    code, _, err = run(capsys, "transitions", "--store", str(store_dir), "--table", "differences")
    assert code == 2 and "--by" in err


def test_profile_scores_with_the_manuals_thresholds(store_dir, capsys):
    code, out, _ = run(capsys, "profile", "--store", str(store_dir), "--corpus", "seq", "--by", "mi_quality",
                       "--format", "json")
    assert code == 0
    rows = {(r["level"], r["name"]): r for r in json.loads(out)}
    s1 = rows[("conversation", "seq/s1")]
    assert (s1["mi_quality"], s1["R"], s1["Q"], s1["R:Q"], s1["R:Q level"]) == ("high", 3, 2, 1.5, "fair")
    assert s1["%CR"] == pytest.approx(200 / 3) and s1["%CR level"] == "good"
    assert rows[("stratum", "low")]["%CR level"] == "below fair" and rows[("all", "all")]["conversations"] == 2
    code, out, _ = run(capsys, "profile", "--store", str(store_dir), "--corpus", "seq")
    assert "MITI 4.2 proficiency thresholds (the manual's): R:Q at least 1 fair, 2 good" in out
    assert "on a tie, the code of the annotator whose id sorts first" in out
    code, out, _ = run(capsys, "profile", "--store", str(store_dir), "--corpus", "seq", "--codes", "--format", "csv")
    rates = {(r["name"], r["code"]): r for r in csv.DictReader(io.StringIO(out))}
    assert float(rates[("seq/s1", "MISIMPLE:CHANGE")]["per 100 utterances of the speaker"]) == pytest.approx(60.0)


def test_the_api_gives_what_the_commands_print(store_dir):
    graph = KnowledgeGraph.from_store(store_dir)
    assert [c.conversation_id for c in graph.corpus("seq")] == ["s1", "s2"]
    row = next(r for r in graph.agreement(corpus="agree", bootstrap=0) if r.code is None
               and r.dimension == "MISIMPLE:CLIENT")
    assert row.fleiss_kappa == pytest.approx(11 / 19) and row.alpha == pytest.approx(12 / 19)
    result = graph.speaker_transitions(dimensions=["MISIMPLE:MAIN"], corpus="seq", by="mi_quality")
    t = next(t for t in result.transitions() if (t.antecedent, t.consequent) == ("MISIMPLE:REFLECTION",
                                                                                "MISIMPLE:CHANGE"))
    assert (t.n_ab, t.n) == (2, 10) and "MISIMPLE:REFLECTION" in result.pairs.labels
    assert graph.code_profiles(by="mi_quality", corpus="seq").strata[0].r_to_q == pytest.approx(1.5)
