"""Honest case data: every turn, segment and commentary of a real case says whether prc-kg reconstructed
it (and from what) or its source gives it word for word (and where), the loader refuses one that does
not, and the QC check catches one in any graph."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from prc_kg.checks.qc import run_qc
from prc_kg.errors import InputError
from prc_kg.instances.cases import CaseBuilder
from prc_kg.instances.yamlfile import read_yaml
from prc_kg.vocab import DATA, PRC, SRC

ANNIE = DATA["case/annie"]
# the domain reference beside the checkout, or beside the folder of worktrees the checkout sits in
REFERENCES = [ROOT.parent / "shared" / "domain" / "prc-taxonomy.md",
              ROOT.parent.parent / "shared" / "domain" / "prc-taxonomy.md"]
MARKS = (PRC.isReconstruction, PRC.reconstructedFrom, PRC.verbatimFrom)


def _statements(g: Graph, case: URIRef) -> set[URIRef]:
    """The turns, segments and commentaries of a case, found the way the QC check finds them."""
    treatment = g.value(case, PRC.documentsTreatment)
    sessions = set(g.subjects(PRC.partOfTreatment, treatment))
    moments = {m for s in sessions for m in g.subjects(PRC.partOfSession, s)}
    anchors = moments | sessions | {case}
    notes = {c for c in g.subjects(RDF.type, PRC.Commentary) if set(g.objects(c, PRC.annotates)) & anchors}
    return moments | notes


def test_every_statement_of_annie_says_where_its_wording_comes_from(examples):
    g = examples.graph
    statements = _statements(g, ANNIE)
    rebuilt = {s for s in statements if g.value(s, PRC.isReconstruction) == Literal(True)}
    verbatim = {s for s in statements if g.value(s, PRC.isReconstruction) == Literal(False)}
    assert rebuilt | verbatim == statements and not rebuilt & verbatim
    # the four turn-level commentaries and the remark on the case are prc-kg's; the five topic anchors
    # and the session-level summary are the reference's own words
    assert sorted(str(s).removeprefix(str(ANNIE)) for s in rebuilt) == [
        "/commentary/1", "/session/1/commentary/1", "/session/1/commentary/2", "/session/1/commentary/3",
        "/session/1/commentary/4"]
    assert len(verbatim) == 6
    for s in rebuilt:
        assert "domain reference (§3.1)" in str(g.value(s, PRC.reconstructedFrom))
        assert g.value(s, PRC.verbatimFrom) is None
    for s in verbatim:
        assert str(g.value(s, PRC.verbatimFrom)).startswith("domain reference §3.1, session 1 summary")
    for s in statements:
        assert set(g.objects(s, DCTERMS.source)) == {SRC.Reference, SRC.P10}


def test_annie_is_attributed_only_the_sources_the_reference_gives_it(examples):
    """The NYPSI course page (X1) names Annie's sessions for its first class, but that the course's old
    analysis is this case is the reference's inference: nothing of the case rests on it."""
    g = examples.graph
    assert set(g.objects(ANNIE, DCTERMS.source)) == {SRC.P10, SRC.P2, SRC.P5}
    used = {o for s in _statements(g, ANNIE) | {ANNIE} for o in g.objects(s, DCTERMS.source)}
    assert SRC.X1 not in used


def test_reconstructed_commentaries_claim_no_more_than_the_reference(examples):
    """Phrases the earlier commentaries added to the reference (how she felt, what made the meeting
    helpful, the order of the assessment tasks) are gone; each reconstruction names its turn's topic."""
    g = examples.graph
    texts = {str(s).rsplit("/", 1)[-1] if "/session/" in str(s) else "case": str(g.value(s, PRC.text))
             for s in _statements(g, ANNIE) if (s, RDF.type, PRC.Commentary) in g}
    added = ["without feeling judged", "unhurried", "practical worry", "as a partner", "builds the alliance",
             "what made this first meeting helpful", "the first of the assessment tasks", "at this point"]
    assert [(k, a) for k, text in texts.items() for a in added if a in text] == []
    assert "why she needs help" in texts["1"] and "her sexual life" in texts["2"]
    assert "her finances" in texts["3"] and "the nature of the treatment" in texts["4"]


@pytest.mark.skipif(not any(p.exists() for p in REFERENCES), reason="the domain reference (shared/) is not beside "
                                                                     "this checkout")
def test_words_marked_as_the_sources_are_the_references_word_for_word():
    reference = next(p for p in REFERENCES if p.exists()).read_text(encoding="utf-8")
    flat = " ".join(reference.split()).lower()
    quoted = []
    for case in read_yaml(ROOT / "examples" / "cases" / "annie.yaml", "cases/1")["cases"]:
        for session in case.get("sessions") or []:
            for entry in (session.get("turns") or []) + (session.get("commentaries") or []):
                if "verbatim_from" in entry:
                    quoted.append(entry.get("text") or entry["summary"])
    assert len(quoted) == 6
    missing = [q for q in quoted if " ".join(q.split()).lower() not in flat]
    assert missing == []


def test_qc_fails_on_annie_without_the_marks_and_passes_with_them(release_graph, examples):
    """What `prc-kg qc` said of the case before its statements were marked: every turn, segment and
    commentary of the real case is an error; the vignettes, invented as a whole, are never in question."""
    marked = [v for v in run_qc(release_graph, instances=examples.graph).violations
              if v.rule == "case_statement_unmarked"]
    assert marked == []
    stripped = Graph()
    stripped += examples.graph
    for prop in MARKS:
        stripped.remove((None, prop, None))
    fired = [v for v in run_qc(release_graph, instances=stripped).violations if v.rule == "case_statement_unmarked"]
    assert {v.entity for v in fired} == {str(s) for s in _statements(examples.graph, ANNIE)}
    assert len(fired) == 11 and {v.level for v in fired} == {"ERROR"}
    # a reconstruction that does not say from what is caught too
    half = Graph()
    half += examples.graph
    note = DATA["case/annie/session/1/commentary/1"]
    half.remove((note, PRC.reconstructedFrom, None))
    fired = [(v.entity, v.property, v.value) for v in run_qc(release_graph, instances=half).violations
             if v.rule == "case_statement_unmarked"]
    assert fired == [(str(note), str(PRC.reconstructedFrom), "reconstructed, but not said from what")]


# -- the loader: a real case's statement must be marked; a constructed one must not be --------------

REAL = """prc-kg: cases/1
cases:
  - id: real-test
    title: A real test case
    constructed: false
    tag: PRC
    source: [P10]
    sessions:
      - number: 1
        turns:
          - tos: 3
            speaker: unknown
            summary: a topic
            verbatim_from: the list of topics
            source: [P10]
        commentaries:
          - on: [3]
            illustrates: [Support]
            evaluation: helpful
            text: Our reading of the turn.
            reconstructed_from: a summary of the session
            source: [Reference]
"""

BAD_REAL = [
    ("turn without a mark", ("            verbatim_from: the list of topics\n            source: [P10]\n", ""),
     11, "reconstructed_from", "a turn of a real case must say where its wording comes from"),
    ("commentary without a mark", ("            reconstructed_from: a summary of the session\n", ""),
     17, "reconstructed_from", "a commentary of a real case must say where its wording comes from"),
    ("both marks", ("            verbatim_from: the list of topics\n",
                    "            verbatim_from: the list of topics\n            reconstructed_from: x\n"),
     14, "verbatim_from", "not both"),
    ("mark without a source", ("            reconstructed_from: a summary of the session\n            source: [Reference]\n",
                               "            reconstructed_from: a summary of the session\n"),
     17, "source", "expected a list of source ids"),
    ("mark on a constructed case", ("    constructed: false\n", "    constructed: true\n"), 14, "verbatim_from",
     "only a statement of a real case"),
]


@pytest.mark.parametrize("name,edit,line,field,message", BAD_REAL, ids=[b[0] for b in BAD_REAL])
def test_loader_refuses_a_real_case_statement_without_a_mark(tmp_path, terms, name, edit, line, field, message):
    path = tmp_path / "real.yaml"
    assert edit[0] in REAL
    path.write_text(REAL.replace(edit[0], edit[1], 1), encoding="utf-8")
    with pytest.raises(InputError) as err:
        CaseBuilder(terms).add_file(path)
    assert (err.value.line, err.value.field) == (line, field), err.value
    assert message in err.value.message


def test_loader_writes_the_marks(tmp_path, terms):
    path = tmp_path / "real.yaml"
    path.write_text(REAL, encoding="utf-8")
    builder = CaseBuilder(terms)
    builder.add_file(path)
    g = builder.g
    turn, note = DATA["case/real-test/session/1/tos/3"], DATA["case/real-test/session/1/commentary/1"]
    assert (turn, PRC.isReconstruction, Literal(False)) in g
    assert (turn, PRC.verbatimFrom, Literal("the list of topics")) in g and (turn, DCTERMS.source, SRC.P10) in g
    assert (note, PRC.isReconstruction, Literal(True)) in g
    assert (note, PRC.reconstructedFrom, Literal("a summary of the session")) in g
    assert (note, DCTERMS.source, SRC.Reference) in g
    assert not re.search("verbatim|reconstruct", " ".join(str(p) for p in g.predicates(DATA["case/real-test"])))


# -- the views label a reconstruction wherever it is shown -------------------------------------------

def test_case_view_labels_reconstructed_turns_and_commentaries(kg_store):
    from prc_kg.analysis.projection import case_graphs
    from prc_kg.views.pages import case_page

    data = case_page(case_graphs(kg_store)).datasets["data:case/annie"]
    notes = {n["id"].removeprefix("data:case/annie"): n for n in data.nodes if n["group"] == "commentary"}
    rebuilt = sorted(k for k, n in notes.items() if n["label"].endswith(" (reconstructed)"))
    assert rebuilt == ["/commentary/1", "/session/1/commentary/1", "/session/1/commentary/2",
                       "/session/1/commentary/3", "/session/1/commentary/4"]
    for key in rebuilt:
        node = notes[key]
        assert node["info"]["wording"].startswith("reconstructed by prc-kg from the ")
        assert node["shapeProperties"] == {"borderDashes": [5, 4]}
        assert any(t.startswith("reconstructed by prc-kg") for t in node["tip"])
    whole = notes["/session/1/commentary/5"]
    assert whole["label"] == "helpful commentary" and whole["info"]["wording"].startswith("as worded in domain reference")
    moments = [n for n in data.nodes if n["group"] == "moment"]
    assert [n["label"] for n in moments if "(reconstructed)" in n["label"]] == []
    assert all(n["info"]["wording"].startswith("as worded in ") for n in moments)
    vignette = case_page(case_graphs(kg_store)).datasets["data:case/v1-first-interview-panic"]
    assert all(n["info"].get("wording", "") == "" for n in vignette.nodes)


def test_release_docs_label_reconstructed_examples(release_graph, examples):
    from prc_kg.views.docpage import render_page

    html = render_page(release_graph, examples.graph, URIRef("https://w3id.org/prc-kg/ontology"), "0.0.0",
                       "2026-01-01", "", []).decode("utf-8")
    why_now = html[html.index('id="c-WhyNow"'):]
    why_now = why_now[: why_now.index("</article>")]
    item = why_now[why_now.index("commentary 1 on Annie"):]
    item = item[: item.index("</li>")]
    assert "The session opens at TOS 14" in item
    assert '<em class="reconstructed">(reconstructed by prc-kg from the session 1 summary in the domain reference' in item


def test_wording_labels_are_escaped():
    from prc_kg.analysis.wording import Wording
    from prc_kg.views.transcriptdata import Commentary
    from prc_kg.views.transcripts import _note

    hostile = "<img src=x onerror=alert(1)> & 'quotes'"
    html = _note(Commentary("urn:x", "helpful", "text", wording=Wording(True, hostile)), {})
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt; &amp; &#x27;quotes&#x27;" in html
    assert Wording(False, "").label() == "as worded in its source"


def test_library_query_tells_the_sources_words_from_prc_kgs(kg_store):
    """`prc-kg query case_statement_wording`: Annie's statements in order, each marked; expected rows
    worked out from examples/cases/annie.yaml (five topic anchors and the session summary verbatim,
    four turn commentaries and the remark on the case reconstructed)."""
    from conftest import run_library_query

    result = run_library_query(kg_store, "case_statement_wording")
    rows = [dict(zip(result.variables, row)) for row in result.rows]
    got = [(r["kind"].value, r["tos"] and int(r["tos"].value), r["reconstructed"].value) for r in rows]
    assert got == [("commentary on the session", None, "false"),
                   ("turn", 14, "false"), ("commentary", 14, "true"),
                   ("segment", 70, "false"), ("commentary", 70, "true"),
                   ("turn", 105, "false"), ("commentary", 105, "true"),
                   ("turn", 114, "false"), ("commentary", 114, "true"),
                   ("turn", None, "false"),
                   ("commentary on the case", None, "true")]
    assert rows[1]["words"].value == "why she needs help"
    assert all(r["basis"] is not None for r in rows)
    vignette = run_library_query(kg_store, "case_statement_wording", case="data:case/v1-first-interview-panic")
    assert vignette.rows and all(row[result.variables.index("reconstructed")] is None for row in vignette.rows)
