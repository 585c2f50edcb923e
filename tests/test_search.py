"""Full-text search (`prc-kg search`, KnowledgeGraph.search, store/textindex.py) on constructed
utterances in the import's data shape (tests/data/utterances/search-*.nt) and the examples' case turns:
what is found and in which order, phrases, diacritics, operators typed as words, output that cannot
drive a terminal, and an index that always belongs to the store beside it (rebuilt by every load,
swapped in with it, refused when missing or foreign)."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import DATA

from prc_kg.api import KnowledgeGraph
from prc_kg.cli.main import main
from prc_kg.cli.search import format_hits
from prc_kg.errors import InputError, PrcKgError
from prc_kg.store import textindex
from prc_kg.store.storedir import read_marker
from prc_kg.store.textindex import INDEX_FILE, NoIndexError, search, words_query

DEMO = DATA / "utterances" / "search-demo.nt"
LATER = DATA / "utterances" / "search-reload.nt"
C1 = "https://w3id.org/prc-kg/data/corpus/searchdemo/conversation/c1"
C2 = "https://w3id.org/prc-kg/data/corpus/searchdemo/conversation/c2"
U = {n: f"{C1}/utterance/{n}" for n in range(1, 9)} | {n: f"{C2}/utterance/{n}" for n in (10, 11)}
CLOCK_SESSION = "https://w3id.org/prc-kg/data/case/v3-transference-skilful/session/4"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """The examples plus the constructed corpus, loaded as `prc-kg load` does."""
    folder = tmp_path_factory.mktemp("search") / "store"
    assert main(["load", "--store", str(folder), "--data", str(DEMO)]) == 0
    return folder


def iris(hits, everywhere: bool = False) -> list[str]:
    """The hits' IRIs in order: those of the constructed corpora (the examples' turns also hold
    everyday words), or ``everywhere``."""
    return [h.iri for h in hits if everywhere or "/corpus/search" in h.iri]


# -- what is found ------------------------------------------------------------------------------------------

def test_a_hit_names_the_utterance_its_conversation_and_label_with_the_words_marked(store):
    hits = search(store, '"cut down"')  # a phrase is marked whole
    assert hits == [textindex.Hit(U[5], C1, "utterance 5 of conversation c1 of corpus searchdemo",
                                  "You would like to ⟦cut down⟧ before the summer.")]


def test_words_must_all_occur_in_any_order_and_a_quoted_phrase_in_its_order(store):
    assert sorted(iris(search(store, "cut down"))) == [U[5], U[6]]  # u6: "Down the road they cut …"
    assert sorted(iris(search(store, "down cut"))) == [U[5], U[6]]
    assert iris(search(store, '"cut down"')) == [U[5]]
    assert iris(search(store, '"down cut"')) == []
    assert iris(search(store, "cut down summer")) == [U[5]]


def test_ranking_is_bm25_more_occurrences_in_a_shorter_turn_first(store):
    # u2 says "drink" 3 times in 6 words, u4 once in 18; u3's "drinking" is another word (no stemming)
    assert iris(search(store, "drink")) == [U[2], U[4]]
    assert iris(search(store, "drink*")) == [U[2], U[3], U[4]]  # u3 has "drinking" once in 8 words
    assert iris(search(store, "drink", limit=1)) == [U[2]]


def test_ties_are_ordered_by_iri_so_the_same_store_gives_the_same_list(store):
    first = iris(search(store, "the", limit=1000), everywhere=True)
    assert first == iris(search(store, "the", limit=1000), everywhere=True)
    assert len(first) > 5


def test_case_and_diacritics_do_not_matter_either_way(store):
    for query in ("cafe", "CAFÉ", "café", "ca va", "ÇA VA", "naive", "naïve", "vendredi"):
        assert iris(search(store, query)) == [U[8]], query
    assert "⟦café⟧" in search(store, "cafe")[0].snippet


def test_fts5_operators_typed_by_a_user_are_searched_as_words(store):
    hits = search(store, '"AND OR NEAR(')  # unpaired quote, bracket, operators: the three words
    assert iris(hits) == [U[10]]
    assert "⟦AND⟧, ⟦OR⟧, NOT ⟦and⟧ ⟦NEAR⟧(things)" in hits[0].snippet
    assert iris(search(store, "NOT")) == [U[10]]
    assert iris(search(store, "text: ^week* -things")) == []  # "text" is in no turn: no column filter
    assert iris(search(store, '"quoted"')) == [U[10]]
    assert words_query('a "b c" d* (e) NEAR(') == '"a" "b c" "d" * "(e)" "NEAR("'


def test_fts_syntax_on_request_and_a_clear_message_when_it_is_wrong(store, capsys):
    assert sorted(iris(search(store, "drink OR smoking", fts=True))) == [U[2], U[4], U[11]]
    assert iris(search(store, "smoking NOT doctor", fts=True)) == []
    with pytest.raises(InputError, match=r"not a valid FTS5 query .*'NEAR\('; leave out --fts"):
        search(store, "NEAR(", fts=True)
    assert main(["search", "NEAR(", "--fts", "--store", str(store)]) == 2
    err = capsys.readouterr().err
    assert "not a valid FTS5 query" in err and "Traceback" not in err


def test_a_query_without_words_is_refused(store, capsys):
    with pytest.raises(InputError, match=r"no words to search for in '\(\( \*'"):
        search(store, "(( *")
    assert main(["search", '"" ,', "--store", str(store)]) == 2
    assert "no words to search for" in capsys.readouterr().err
    with pytest.raises(PrcKgError, match="limit: expected a whole number of 1 or more"):
        search(store, "drink", limit=0)


def test_the_examples_case_turns_and_commentaries_are_found(store):
    hits = search(store, "clock")
    assert {f"{CLOCK_SESSION}/tos/1", f"{CLOCK_SESSION}/tos/2"} <= set(iris(hits, everywhere=True))
    turn = next(h for h in hits if h.iri == f"{CLOCK_SESSION}/tos/1")
    assert turn.conversation_iri == CLOCK_SESSION
    assert turn.label == "From a glance at the clock to a transference interpretation, session 4, TOS 1"
    assert turn.snippet == "(looks at the ⟦clock⟧) Anyway, it's nothing important, just some stuff with my brother."
    [commentary] = search(store, "wordless gesture")  # a commentary: its session is the turn's it annotates
    assert commentary.iri == f"{CLOCK_SESSION}/commentary/1" and commentary.conversation_iri == CLOCK_SESSION


# -- nothing reaches the terminal as a control sequence -----------------------------------------------------

def test_escape_sequences_in_the_text_and_label_are_shown_not_run(store):
    [hit] = search(store, "lights")
    assert hit.snippet == ("I saw \\x1b[31mcrimson\\x1b[0m ⟦lights⟧ and a \\u202edesrever\\u202c sign, then the "
                           "bell\\x07 rang\\x9b2J twice.")
    assert hit.label == "utterance 7 of conversation c1 of corpus searchdemo \\x1b]0;owned\\x07"
    for fmt in ("table", "csv", "json"):
        out = format_hits([hit], fmt)
        assert not any(c in out for c in "\x1b\x07\x9b\u202e\u202c"), fmt
    coloured = format_hits([hit], "table", color=True)  # on a terminal: only our own bold on and off
    assert coloured.count("\x1b") == 2 and "\x1b[1mlights\x1b[22m" in coloured


def test_the_cli_prints_iri_conversation_and_snippet_in_three_formats(store, capsys):
    assert main(["search", "drink", "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert out == (f"<{U[2]}>\n    in <{C1}>\n    I ⟦drink⟧. I ⟦drink⟧. I ⟦drink⟧.\n"
                   f"<{U[4]}>\n    in <{C1}>\n    Sometimes at the weekend I ⟦drink⟧ with friends after the football "
                   "and then we all go home late.\n(2 hits)\n")
    assert main(["search", "drink", "--store", str(store), "--format", "csv", "--limit", "1"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows == [["iri", "conversation", "label", "snippet"],
                    [U[2], C1, "utterance 2 of conversation c1 of corpus searchdemo", "I ⟦drink⟧. I ⟦drink⟧. I ⟦drink⟧."]]
    assert main(["search", "smoking", "--store", str(store), "--format", "json"]) == 0
    assert [h["iri"] for h in json.loads(capsys.readouterr().out)] == [U[11]]
    assert main(["search", "porcupine", "--store", str(store)]) == 0
    assert capsys.readouterr().out == "no hits\n"
    with pytest.raises(SystemExit):
        main(["search", "drink", "--store", str(store), "--limit", "0"])


# -- hits feed SPARQL ---------------------------------------------------------------------------------------

CODES = """PREFIX prc: <https://w3id.org/prc-kg/ontology/>
PREFIX sosa: <http://www.w3.org/ns/sosa/>
SELECT ?utterance ?code WHERE {
  VALUES ?utterance { %s }
  ?annotation sosa:hasFeatureOfInterest ?utterance ; prc:assignedCode ?code .
} ORDER BY ?utterance
"""


def test_two_steps_search_then_sparql_on_the_iris(store, tmp_path, capsys):
    kg = KnowledgeGraph.from_store(store)
    hits = kg.search("cut down")
    rows = kg.query(CODES % " ".join(f"<{h.iri}>" for h in hits))
    assert [(r["utterance"], r["code"]) for r in rows] == [
        (U[5], "https://w3id.org/prc-kg/ontology/MISIMPLE_REFLECTION")]
    # the same on the command line: the CSV's IRIs pasted into a VALUES block of a .rq file
    assert main(["search", "cut down", "--store", str(store), "--format", "csv"]) == 0
    found = [row["iri"] for row in csv.DictReader(io.StringIO(capsys.readouterr().out))]
    query = tmp_path / "codes.rq"
    query.write_text("# title: codes of the hits\n" + CODES % " ".join(f"<{i}>" for i in found), encoding="utf-8")
    assert main(["query", str(query), "--store", str(store), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == f"{U[5]},https://w3id.org/prc-kg/ontology/MISIMPLE_REFLECTION"


def test_a_graph_from_the_sources_searches_an_index_of_its_own_and_an_endpoint_has_none(store):
    kg = KnowledgeGraph.from_sources(data=[DEMO])
    assert kg.search("drink") == search(store, "drink")
    assert iris(kg.search("cafe")) == [U[8]]
    with pytest.raises(PrcKgError, match="an endpoint has none"):
        KnowledgeGraph.open(endpoint="http://127.0.0.1:9/sparql").search("drink")


# -- the index belongs to its store --------------------------------------------------------------------------

def test_every_load_rebuilds_the_index_with_the_store(tmp_path, capsys):
    folder = tmp_path / "store"
    assert main(["load", "--store", str(folder), "--data", str(DEMO)]) == 0
    before = (folder / INDEX_FILE).stat().st_ino, read_marker(folder)
    assert iris(search(folder, "porcupine")) == []
    assert main(["load", "--store", str(folder), "--data", str(DEMO), str(LATER)]) == 0
    assert iris(search(folder, "porcupine")) == [
        "https://w3id.org/prc-kg/data/corpus/searchlater/conversation/x9/utterance/1"]
    assert iris(search(folder, "drink")) == [U[2], U[4]]
    assert ((folder / INDEX_FILE).stat().st_ino, read_marker(folder)) != before
    capsys.readouterr()
    assert main(["load", "--store", str(folder), "--data", str(LATER)]) == 0
    assert iris(search(folder, "drink")) == [] and len(search(folder, "porcupine")) == 1
    assert textindex.indexed(folder) == textindex.IndexSummary(turns=354, commentaries=149)  # 353 examples' + 1
    assert "text index for `prc-kg search`: 354 turns and 149 commentaries" in capsys.readouterr().out


def test_a_store_from_before_search_gets_a_clear_message(store, tmp_path, capsys):
    older = tmp_path / "older"
    shutil.copytree(store, older)
    (older / INDEX_FILE).unlink()  # what `load` wrote before this version
    with pytest.raises(NoIndexError):
        search(older, "drink")
    assert main(["search", "drink", "--store", str(older)]) == 2
    err = capsys.readouterr().err
    assert err == (f"prc-kg: {older}: this store has no text index (text-index.sqlite): it was made by an earlier "
                   f"prc-kg, before search; rebuild the store with `prc-kg load --store {older}`\n")
    assert main(["load", "--store", str(older), "--data", str(DEMO)]) == 0  # still a store load replaces
    assert iris(search(older, "drink")) == [U[2], U[4]]


def test_an_index_copied_from_another_store_is_refused(store, tmp_path):
    other = tmp_path / "other"
    assert main(["load", "--store", str(other), "--data", str(LATER)]) == 0
    shutil.copy(store / INDEX_FILE, other / INDEX_FILE)
    with pytest.raises(InputError, match="built with another store than the one beside it"):
        search(other, "drink")


def test_a_folder_holding_only_an_index_file_is_not_a_store(tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / INDEX_FILE).write_bytes(b"my own file")
    assert main(["search", "drink", "--store", str(mine)]) == 2
    assert main(["load", "--store", str(mine), "--data"]) == 2  # load still refuses a folder of one's own files
    assert "holds 1 file or folder that prc-kg did not make (text-index.sqlite)" in capsys.readouterr().err
    assert (mine / INDEX_FILE).read_bytes() == b"my own file"


def test_the_index_is_a_read_only_fts5_table_over_the_texts(store):
    con = sqlite3.connect(f"{(store / INDEX_FILE).as_uri()}?mode=ro", uri=True)
    try:
        [(sql,)] = con.execute("SELECT sql FROM sqlite_master WHERE name = 'doc_fts'").fetchall()
        assert "fts5" in sql and "unicode61 remove_diacritics 2" in sql
        assert con.execute("SELECT COUNT(*) FROM doc WHERE kind = 'turn'").fetchone() == (353 + 10,)
    finally:
        con.close()


def test_the_endpoint_serves_sparql_and_never_the_index_file(store):
    from prc_kg.endpoint.server import Limits, make_server, serve_in_thread
    from prc_kg.store.backends import EmbeddedStore

    server = make_server(EmbeddedStore(store, read_only=True).ox, "127.0.0.1", 0, Limits(timeout=5, max_rows=10))
    serve_in_thread(server)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        for path in ("/text-index.sqlite", "/sparql/../text-index.sqlite", "/%2e%2e/text-index.sqlite",
                     "/store/text-index.sqlite", "/prc-kg-store.json"):
            with pytest.raises(urllib.error.HTTPError) as caught:
                urllib.request.urlopen(base + path, timeout=10)
            assert caught.value.code == 404, path
            assert b"SQLite" not in caught.value.read()
    finally:
        server.shutdown()
        server.server_close()


# -- a killed load leaves the old store and its index --------------------------------------------------------

KILL_AT_INDEX = """
import os, signal, sys
import prc_kg.store.dataset as dataset
when, argv = sys.argv[1], sys.argv[2:]
original = dataset.build_index
def build_index(store, folder):
    if when == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    if when == "midway":  # after the first rows reached SQLite, before the FTS index is made
        import prc_kg.store.textindex as ti
        rows = ti._documents
        def some_then_die(st):
            for i, row in enumerate(rows(st)):
                if i == 5:
                    os.kill(os.getpid(), signal.SIGKILL)
                yield row
        ti._documents = some_then_die
    result = original(store, folder)
    if when == "after":
        os.kill(os.getpid(), signal.SIGKILL)
    return result
dataset.build_index = build_index
from prc_kg.cli.main import main
sys.exit(main(argv))
"""


@pytest.mark.slow
@pytest.mark.parametrize("when", ["before", "midway", "after"])
def test_a_load_killed_while_indexing_leaves_the_old_store_and_index_pair(when, store, tmp_path):
    folder = tmp_path / "w" / "store"
    shutil.copytree(store, folder)
    old = read_marker(folder), (folder / INDEX_FILE).read_bytes()
    proc = subprocess.run([sys.executable, "-c", KILL_AT_INDEX, when, "load", "--store", str(folder),
                           "--data", str(LATER)], check=False, capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert proc.returncode == -signal.SIGKILL, proc.stdout + proc.stderr
    assert (read_marker(folder), (folder / INDEX_FILE).read_bytes()) == old
    assert len(list(folder.parent.glob(".store.new-*"))) == 1  # the half-built pair, left by the kill
    kg = KnowledgeGraph.from_store(folder)  # the next run cleans it up, and searches the old pair
    assert os.listdir(folder.parent) == ["store"]
    assert iris(kg.search("drink")) == [U[2], U[4]] and kg.search("porcupine") == []
