"""The release documentation page in Debian's Chromium, opened from disk with every request that is
not to a file blocked: the search box filters the terms by label, IRI or definition and its
matches link to their entries; the class tree opens and closes and its entries link to the terms;
a label with markup in it is shown as text. The first view is saved as a screenshot."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS
from test_browser import Visit as BrowserVisit

from prc_kg.views.docpage import render_page
from prc_kg.vocab import ONTOLOGY_IRI, PRC_IRI

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path(os.environ.get("PRC_KG_SHOTS", Path(__file__).resolve().parents[1] / "build" / "screenshots"))
HOSTILE = "<img src=x onerror=alert(1)> hostile term"



@pytest.fixture(scope="module")
def doc(release_graph, examples, tmp_path_factory) -> Path:
    """The page as `prc-kg release` writes it, with one extra class whose label is markup."""
    g = release_graph + Graph()  # a copy: the session's graph stays as it is
    hostile = URIRef(PRC_IRI + "HostileTerm")
    g.add((hostile, RDF.type, OWL.Class))
    g.add((hostile, RDFS.label, Literal(HOSTILE, lang="en")))
    g.add((hostile, SKOS.definition, Literal("A term whose label is markup.", lang="en")))
    page = tmp_path_factory.mktemp("docpage") / "index.html"
    page.write_bytes(render_page(g, examples.graph, ONTOLOGY_IRI, "0.0.1", "2026-01-01", "## [0.0.1]\n- a change\n",
                                 [("prc-kg-0.0.1.ttl", 1000)]))
    return page


class Visit(BrowserVisit):
    """The page at 1400×1000 with the network blocked (test_browser's Visit), and a check that nothing
    was fetched, logged as an error or alerted."""

    def __init__(self, browser, path: Path):
        super().__init__(browser, path, (1400, 1000))

    def done(self) -> None:
        assert self.errors == [] and self.blocked == []
        assert self.page.evaluate("window.__alerts") == []
        self.page.close()


def _in_view(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and -2 <= box["y"] < 1000  # a scrolled-to anchor may sit a fraction of a pixel above


def test_search_filters_by_label_iri_and_definition(browser, doc):
    v = Visit(browser, doc)
    page = v.page
    search = page.locator("#term-search")
    assert search.is_visible() and _in_view(page, "#term-search")  # in the first view, shown by the script
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "release-docs.png"))
    total = page.locator("[data-search]").count()
    assert page.locator("#search-count").text_content() == f"{total} terms"

    search.fill("transference interpretation")  # by label: both words, in any place
    results = page.locator("#search-results li a")
    assert results.first.text_content() == "transference interpretation"  # a label match comes first
    count = page.locator("#search-count").text_content()
    assert count.endswith(f"of {total} terms match") and int(count.split()[0]) == results.count()
    assert page.locator("#c-TransferenceInterpretation").is_visible()
    assert page.locator("#c-Session").is_hidden()  # entries that do not match are hidden

    results.first.click()
    assert page.evaluate("location.hash") == "#c-TransferenceInterpretation"
    assert _in_view(page, "#c-TransferenceInterpretation")

    search.fill("prc:EncourageElaboration")  # by prefixed name, as the IRI's end
    assert [a.text_content() for a in results.all()] == [page.locator("#c-EncourageElaboration").get_attribute(
        "data-label")]
    search.fill("https://w3id.org/prc-kg/ontology/Session")  # by full IRI
    assert "session" in [a.text_content() for a in results.all()]
    search.fill("asks for more")  # by words of a definition ("A therapist intervention that asks for more …")
    assert page.locator("#c-EncourageElaboration").get_attribute("data-label") in [
        a.text_content() for a in results.all()]
    search.fill("immediatelyFollowedBy")  # properties are terms too
    assert any(a.get_attribute("href") == "#p-immediatelyFollowedBy" for a in results.all())

    search.fill("prc:Session")
    search.press("Enter")  # goes to the first match
    assert page.evaluate("location.hash") == "#c-Session" and _in_view(page, "#c-Session")

    search.fill("no such term anywhere")
    assert results.count() == 0 and page.locator("#search-count").text_content() == f"0 of {total} terms match"
    search.fill("")
    assert page.locator("#c-Session").is_visible() and results.count() == 0
    v.done()


def test_class_tree_opens_closes_and_links_to_terms(browser, doc):
    v = Visit(browser, doc)
    page = v.page
    tree = page.locator("#class-tree")
    roots = tree.locator("ul.tree > li > details > summary > a")
    names = [a.text_content() for a in roots.all()]
    assert "psychotherapy process component" in names and "psychotherapy" in names
    # the roots are open, so the sections show; a deep class is folded away at first
    section = tree.locator("a[href='#c-TherapistContribution']").first
    deep = tree.locator("a[href='#c-TransferenceInterpretation']").first
    assert section.is_visible() and not deep.is_visible()
    page.locator("button[data-tree='open']").click()
    assert deep.is_visible()
    deep.click()
    assert page.evaluate("location.hash") == "#c-TransferenceInterpretation"
    assert _in_view(page, "#c-TransferenceInterpretation")
    page.locator("button[data-tree='close']").click()
    assert not section.is_visible()  # all folded, the roots too
    root = tree.locator("summary", has=page.locator("a[href='#c-ProcessComponent']"))
    root.locator("span.count").click()  # a click on the summary (beside the link) opens one branch
    assert section.is_visible() and not deep.is_visible()
    v.done()


def test_a_label_with_markup_is_text_in_results_and_tree(browser, doc):
    v = Visit(browser, doc)
    page = v.page
    page.locator("#term-search").fill("hostile term")
    result = page.locator("#search-results li a")
    assert result.count() == 1 and result.first.text_content() == HOSTILE
    assert page.locator("img").count() == 0
    assert page.locator("#class-tree a[href='#c-HostileTerm']").text_content() == HOSTILE
    v.done()
