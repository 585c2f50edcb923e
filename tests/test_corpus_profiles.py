"""Code profiles: counts, rates per 100 utterances and the MI summary scores, counted through the
ontology's links (exact matches and broader codes), against hand-worked figures."""

from __future__ import annotations

import pytest
from corpus_store import dialogue, store_of, write_corpus

from prc_kg.analysis.codes import read_code_index
from prc_kg.analysis.corpus import UnknownName, read_corpus
from prc_kg.analysis.profiles import code_profiles, level

# seq s1 (high): therapist OQ, CR, SR, CQ, I, CR; patient CT, CT, FN, ST, CT.
# seq s2 (low): therapist I, CQ, SR, I, (uncoded); patient ST, FN, ST, FN.
# miti m1 (no attribute): therapist affirm; question that is also an open question (MISC); confront;
#   simple and complex reflection; seeking collaboration; persuade; patient change talk, sustain talk.
SCRIPTS = [("seq", "s1", {"mi_quality": "high"}, "T:OQ P:CT T:CR P:CT T:SR T:CQ P:FN T:I P:ST T:CR P:CT"),
           ("seq", "s2", {"mi_quality": "low"}, "T:I P:ST T:CQ P:FN T:SR P:ST T:I P:FN T:-"),
           ("miti", "m1", {}, ("T:MITI:AF T:MITI:Q+MISC:OQ T:MITI:CONFRONT P:MISC:CT T:MITI:SR T:MITI:CR P:MISC:ST "
                              "T:MITI:SEEK T:MITI:PERSUADE"))]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("profiles")
    return [write_corpus(folder / f"{corpus}.nt", corpus,
                         [dialogue(cid, attributes, script) for c, cid, attributes, script in SCRIPTS if c == corpus])
            for corpus in ("miti", "seq")]


@pytest.fixture(scope="module")
def store(files):
    return store_of(*files)


def test_codes_count_toward_categories_through_exact_matches_and_broader_codes(store):
    index = read_code_index(store)
    assert index.reaches("MISIMPLE:COMPLEX") == {"MISIMPLE:COMPLEX", "MITI:CR", "MITI:R", "MISIMPLE:REFLECTION"}
    assert index.reaches("MISC:OQ") == {"MISC:OQ", "MISIMPLE:OPEN", "MITI:Q", "MISIMPLE:QUESTION"}
    assert index.reaches("MITI:AF") == {"MITI:AF", "MITI:MIA"}
    assert index.reaches("MISIMPLE:ADVICE") == {"MISIMPLE:ADVICE", "MISIMPLE:INPUT"}
    assert index.label("MITI:CR") == "complex reflection" and index.label("X:Y") == "X:Y"
    assert index.dimension["MISC:OQ"] == "MISC:QUESTION" and index.role["MISIMPLE:CLIENT"] == "patient"


def test_profiles_per_conversation_by_hand(store):
    """s1: 6 therapist and 5 patient utterances; reflection 3 (50 per 100 therapist utterances),
    change 3 (60 per 100 patient utterances). R = 3, Q = 2: R:Q 1.5 (fair); CR 2 of 3 reflections
    with a type: 66.7 % (good); open 1 of 2 questions with a type: 50 %; change 3 of 4: 75 %.
    m1: the question coded MITI:Q and MISC:OQ counts once: R = 2, Q = 1, R:Q 2 (good), %CR 50
    (good), %OQ 100, %CT 50; adherent: affirm, seeking collaboration; non-adherent: confront,
    persuade. The simplified MI set of s1 has no code for either, so s1 leaves them uncounted."""
    report = code_profiles(read_corpus(store), read_code_index(store))
    m1, s1, s2 = report.conversations
    assert [p.name for p in report.conversations] == ["miti/m1", "seq/s1", "seq/s2"] and report.linked
    assert (s1.utterances, s1.therapist, s1.patient) == (11, 6, 5)
    rates = {(c.code, c.speaker): (c.count, c.rate) for c in s1.codes}
    assert rates[("MISIMPLE:REFLECTION", "therapist")] == (3, pytest.approx(50.0))
    assert rates[("MISIMPLE:CHANGE", "patient")] == (3, pytest.approx(60.0))
    assert rates[("MISIMPLE:COMPLEX", "therapist")] == (2, pytest.approx(100 / 3))
    assert s1.summary == {"R": 3, "Q": 2, "SR": 1, "CR": 2, "OQ": 1, "CQ": 1, "CT": 3, "ST": 1, "MIA": None,
                          "MINA": None}
    assert s1.unmeasured == ("MIA", "MINA") and m1.unmeasured == ()
    assert s1.scores() == pytest.approx({"R:Q": 1.5, "%CR": 200 / 3, "%OQ": 50.0, "%CT": 75.0})
    assert (level("R:Q", s1.r_to_q), level("%CR", s1.percent_cr)) == ("fair", "good")
    assert m1.summary == {"R": 2, "Q": 1, "SR": 1, "CR": 1, "OQ": 1, "CQ": 0, "CT": 1, "ST": 1, "MIA": 2, "MINA": 2}
    assert m1.scores() == pytest.approx({"R:Q": 2.0, "%CR": 50.0, "%OQ": 100.0, "%CT": 50.0})
    assert (level("R:Q", m1.r_to_q), level("%CR", m1.percent_cr)) == ("good", "good")
    assert {(c.code, c.count) for c in m1.codes} >= {("MITI:Q", 1), ("MISC:OQ", 1)}
    # s2: one simple reflection, no complex: %CR 0 (below fair); R:Q 1 (fair); no change talk: 0 %
    assert s2.scores() == pytest.approx({"R:Q": 1.0, "%CR": 0.0, "%OQ": 0.0, "%CT": 0.0})
    assert (level("R:Q", s2.r_to_q), level("%CR", s2.percent_cr), level("%OQ", 50.0)) == ("fair", "below fair", None)


def test_profiles_per_stratum_and_over_all(store):
    report = code_profiles(read_corpus(store), read_code_index(store), by="mi_quality")
    assert [(p.name, p.conversations) for p in report.strata] == [("high", 1), ("low", 1)]
    assert report.strata[0].summary == report.conversations[1].summary
    total = report.total
    assert (total.name, total.conversations, total.utterances, total.therapist, total.patient) == ("all", 3, 29, 18, 11)
    assert (total.summary["R"], total.summary["Q"], total.summary["CR"], total.summary["SR"]) == (6, 4, 3, 3)
    assert total.r_to_q == pytest.approx(1.5) and total.percent_cr == pytest.approx(50.0)
    # m1 counts two adherent utterances, but the seq conversations cannot: the total leaves it open
    assert (total.summary["MIA"], total.summary["MINA"]) == (None, None)
    with pytest.raises(UnknownName, match="known attributes: mi_quality"):
        code_profiles(read_corpus(store), read_code_index(store), by="topic")


def test_without_the_ontologys_links_only_the_codes_themselves_count(files):
    bare = store_of(*files, codes=False)
    report = code_profiles(read_corpus(bare, "seq"), read_code_index(bare))
    assert not report.linked and report.total.summary["R"] == 0
    assert report.total.r_to_q is None and report.total.percent_cr is None
    assert sum(c.count for c in report.total.codes if c.code == "MISIMPLE:REFLECTION") == 4


def test_an_utterance_counts_once_when_annotators_split_on_the_main_code(tmp_path):
    """a1: question, open; a2: reflection, complex (one utterance). The tie goes to a1's question;
    a2's complex reflection type is dropped with it, so the utterance is a question, not also a
    reflection."""
    from corpus_gen import Dialogue, Turn

    turn = Turn("0", "therapist", [("MISIMPLE:MAIN", "MISIMPLE:QUESTION", "question", "a1"),
                                   ("MISIMPLE:QUESTION-TYPE", "MISIMPLE:OPEN", "open", "a1"),
                                   ("MISIMPLE:MAIN", "MISIMPLE:REFLECTION", "reflection", "a2"),
                                   ("MISIMPLE:REFLECTION-TYPE", "MISIMPLE:COMPLEX", "complex", "a2")])
    store = store_of(write_corpus(tmp_path / "split.nt", "split", [Dialogue("1", {}, [turn])]))
    total = code_profiles(read_corpus(store), read_code_index(store)).total
    assert (total.summary["R"], total.summary["CR"], total.summary["Q"], total.summary["OQ"]) == (0, 0, 1, 1)
    assert {c.code for c in total.codes} == {"MISIMPLE:QUESTION", "MISIMPLE:OPEN"}


def test_categories_the_corpus_codes_cannot_reach_are_not_coded_rather_than_zero(store):
    """The simplified MI set has no affirm, seeking collaboration or confront: its MI-adherent and
    non-adherent counts are unknown, not zero; a MITI corpus can give them."""
    index = read_code_index(store)
    simplified = code_profiles(read_corpus(store, "seq"), index)
    assert simplified.total.unmeasured == ("MIA", "MINA")
    assert (simplified.total.summary["MIA"], simplified.total.summary["MINA"]) == (None, None)
    miti = code_profiles(read_corpus(store, "miti"), index)
    assert miti.total.unmeasured == () and (miti.total.summary["MIA"], miti.total.summary["MINA"]) == (2, 2)


def test_the_profile_command_leaves_not_coded_categories_empty(files, tmp_path):
    import json
    import subprocess
    import sys

    from conftest import ROOT

    store_dir = tmp_path / "store"
    subprocess.run([sys.executable, "-m", "prc_kg.cli", "load", "--store", str(store_dir), "--data", str(files[1])],
                   check=True, capture_output=True, cwd=ROOT)
    out = subprocess.run([sys.executable, "-m", "prc_kg.cli", "profile", "--store", str(store_dir), "--format", "json"],
                         check=True, capture_output=True, text=True, cwd=ROOT)
    rows = json.loads(out.stdout)
    rows = rows.get("rows", rows) if isinstance(rows, dict) else rows
    total = next(r for r in rows if r["level"] == "all")
    assert total["MI-adherent"] is None and total["MI-non-adherent"] is None and total["R"] == 4
    assert "left blank: MI-adherent, MI-non-adherent" in out.stderr + out.stdout
