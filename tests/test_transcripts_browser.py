"""The transcript view in Debian's Chromium (as tests/test_browser.py drives it): pages opened from
disk with every non-file request blocked, no console error, commentaries opened by their marker,
the in-page search, the index filter, and the taxonomy's link landing on the turn."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_browser import SCREENSHOTS, Visit
from test_transcripts import CORPUS, V

from prc_kg.views.build import build_views
from prc_kg.views.transcriptdata import page_file

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DRAWN = "body[data-drawn='yes']"
ANNIE = "https://w3id.org/prc-kg/data/case/annie/session/1"
FOUR_TYPES = "https://w3id.org/prc-kg/data/case/v3-four-types/session/3"
IN_VIEW = """(id) => { const r = document.getElementById(id).getBoundingClientRect();
  return r.top >= 0 && r.bottom <= window.innerHeight; }"""


@pytest.fixture(scope="module")
def html(tmp_path_factory) -> Path:
    from prc_kg import KnowledgeGraph

    kg = KnowledgeGraph.from_sources(data=[CORPUS / "view-corpus.nt", CORPUS / "view-notext.nt"])
    out = tmp_path_factory.mktemp("transcripts-browser")
    build_views(kg.store, out, ("taxonomy", "transcripts"))
    return out


def _open(browser, path: Path, height: int = 900) -> Visit:
    visit = Visit(browser, path)
    visit.page.set_viewport_size({"width": 1400, "height": height})
    visit.page.wait_for_load_state("load")
    return visit


@pytest.mark.parametrize("session", ["index", V + "1", ANNIE, FOUR_TYPES,
                                     "https://w3id.org/prc-kg/data/corpus/quiet/conversation/q1"])
def test_pages_load_offline_without_errors(browser, html, session):
    file = "index.html" if session == "index" else page_file(session)
    visit = _open(browser, html / "transcripts" / file)
    if session == V + "1":  # the turn whose words hold a script element shows them as text and runs nothing
        assert visit.page.inner_text("#turn-2 .text") == "I want to quit <script>alert(\"x\")</script> & 'soon', really."
        assert visit.page.evaluate("document.scripts.length") == 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        visit.page.screenshot(path=str(SCREENSHOTS / "transcript.png"), full_page=True)
    assert visit.page.evaluate("window.__alerts") == []
    assert visit.errors == [] and visit.blocked == []
    visit.page.close()


def test_clicking_a_commentary_marker_shows_it_beside_its_turn(browser, html):
    visit = _open(browser, html / "transcripts" / page_file(ANNIE))
    text = visit.page.locator("#turn-14 .notes .note-text")
    assert not text.is_visible()
    # the label that prc-kg reconstructed the remark shows while the commentary is still closed
    assert visit.page.locator("#turn-14 .notes summary .recon").inner_text() == "reconstructed"
    assert visit.page.locator("#turn-14 .body .wording.verbatim").is_visible()
    visit.page.click("#turn-14 .notes summary")
    assert text.is_visible() and text.inner_text().startswith("The session opens at TOS 14 on why she needs help.")
    assert visit.page.locator("#turn-14 .notes .wording.reconstructed").inner_text().startswith(
        "reconstructed by prc-kg from the session 1 summary")
    assert visit.page.locator("#turn-14 .notes .ev").inner_text() == "helpful commentary"
    note, turn = visit.page.locator("#turn-14 .notes details").bounding_box(), visit.page.locator("#turn-14 .text")
    assert note["x"] > turn.bounding_box()["x"] + turn.bounding_box()["width"]  # beside the words, to the right
    assert not visit.page.locator("#turn-105 .notes .note-text").is_visible()  # the others stay closed
    visit.page.click("#turn-14 .notes summary")
    assert not text.is_visible()
    assert visit.errors == [] and visit.blocked == []
    visit.page.close()


def test_search_highlights_a_word_and_jumps_to_its_turns(browser, html):
    visit = _open(browser, html / "transcripts" / page_file(FOUR_TYPES), height=420)
    assert not visit.page.evaluate(IN_VIEW, "turn-6")
    visit.page.fill("#find-q", "SMILE")
    visit.page.press("#find-q", "Enter")
    # "smiled" in turn 3, "smiled" and "smile" in turn 6, whatever the case
    assert visit.page.locator("mark").all_inner_texts() == ["smile", "smile", "smile"]
    assert visit.page.locator("#turn-3 mark, #turn-6 mark").count() == 3
    assert visit.page.evaluate("document.body.dataset.foundTurn") == "turn-3"
    visit.page.click("#find-next")
    assert visit.page.evaluate("document.body.dataset.foundTurn") == "turn-6"
    assert visit.page.evaluate(IN_VIEW, "turn-6") and visit.page.evaluate("window.scrollY") > 0
    assert visit.page.inner_text("#find-status") == "2 of 3 (turn-6)"
    assert visit.page.locator(".turn.found").count() == 1 and visit.page.locator("#turn-6.found").count() == 1
    visit.page.press("#find-q", "Enter")
    visit.page.press("#find-q", "Enter")  # past the last match, back to the first
    assert visit.page.inner_text("#find-status") == "1 of 3 (turn-3)"
    visit.page.press("#find-q", "Shift+Enter")
    assert visit.page.inner_text("#find-status") == "3 of 3 (turn-6)"
    # the words are put back as they were, and a word found nowhere says so
    assert visit.page.evaluate("window.prcFind('zebra', 1)") is None
    assert visit.page.locator("mark").count() == 0 and visit.page.inner_text("#find-status") == "not found"
    assert visit.page.inner_text("#turn-6 .text").startswith("So in the room you smiled and agreed")
    assert visit.errors == [] and visit.blocked == []
    visit.page.close()


def test_search_finds_markup_as_plain_words(browser, html):
    visit = _open(browser, html / "transcripts" / page_file(V + "1"))
    assert visit.page.evaluate("window.prcFind('<script>', 1)") == "turn-2"
    assert visit.page.locator("mark").inner_text() == "<script>"
    assert visit.page.evaluate("document.querySelectorAll('.turn script').length") == 0
    assert visit.page.evaluate("window.__alerts") == [] and visit.errors == []
    visit.page.close()


def test_index_filter_narrows_the_list(browser, html):
    visit = _open(browser, html / "transcripts" / "index.html")
    visit.page.fill("#filter-q", "viewtest high")
    assert visit.page.locator("table.sessions tr:visible td a").all_inner_texts() == ["conversation 1"]
    assert visit.page.locator("section.group:visible").count() == 1
    assert visit.page.inner_text("#filter-status") == "1 of 76 shown"
    visit.page.fill("#filter-q", "")
    assert visit.page.locator("table.sessions tr:visible td a").count() == 76  # 3 corpus conversations, Annie's session 1 and 72 vignettes
    visit.page.click("text=conversation 2 b")
    visit.page.wait_for_url("**/" + page_file(V + "2%20b"))
    assert visit.errors == [] and visit.blocked == []
    visit.page.close()


def test_the_taxonomy_link_lands_on_the_turn(browser, html):
    visit = _open(browser, html / "taxonomy.html")
    visit.page.wait_for_selector(DRAWN, state="attached", timeout=30_000)
    assert visit.page.evaluate("window.prcSearch('why-now enquiry')") == "prc:WhyNow"
    link = visit.page.locator("#details a[href^='transcripts/']").first
    assert link.get_attribute("href") == f"transcripts/{page_file(ANNIE)}#turn-14"
    link.click()
    visit.page.wait_for_url(f"**/{page_file(ANNIE)}#turn-14")
    visit.page.wait_for_load_state("load")
    assert visit.page.evaluate("document.querySelector(':target').id") == "turn-14"
    assert visit.page.evaluate(IN_VIEW, "turn-14")
    assert visit.errors == [] and visit.blocked == []
    visit.page.close()
