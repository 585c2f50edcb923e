"""The views in a real browser: Debian's Chromium driven by Playwright, pages opened from disk
with every non-file request blocked. Screenshots go to build/screenshots/."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import ROOT

from prc_kg.views.build import build_views
from prc_kg.views.htmlpage import render_graph_page
from prc_kg.views.pages import random_graph_page
from prc_kg.views.registry import OVERVIEW, VIEWS, nav

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCREENSHOTS = ROOT / "build" / "screenshots"
# A selector, not wait_for_function: the views' CSP forbids eval, and Playwright evals a string
# predicate on every poll after the first, so a page still drawing failed instead of being waited for.
DRAWN = "body[data-drawn='yes']"
INK = """() => { const c = document.querySelector('#network canvas'); const d = c.getContext('2d')
  .getImageData(0, 0, c.width, c.height).data; let ink = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (d[i] < 230 || d[i + 1] < 230 || d[i + 2] < 230)) ink++;
  return ink; }"""



class Visit:
    """A page with the network blocked, and everything it tried to fetch or complained about."""

    def __init__(self, browser, path: Path | str, viewport: tuple[int, int] = (1400, 900)):
        self.page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
        self.errors: list[str] = []
        self.blocked: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.add_init_script("window.__alerts = []; window.alert = (m) => window.__alerts.push(String(m));")
        self.page.route("**/*", self._route)
        self.page.goto(path if isinstance(path, str) else path.resolve().as_uri())

    def _route(self, route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()


@pytest.fixture(scope="module")
def html(kg_store, tmp_path_factory):
    out = tmp_path_factory.mktemp("browser-html")
    build_views(kg_store, out)
    return out


@pytest.mark.parametrize("name", [v.name for v in VIEWS if v.network])
def test_graph_views_draw_offline_without_errors(browser, html, name):
    visit = Visit(browser, html / f"{name}.html")
    visit.page.wait_for_selector(DRAWN, state="attached", timeout=30_000)
    assert visit.page.evaluate(INK) > 500, "the network canvas is blank"
    status = visit.page.text_content("#status")
    assert status and " nodes, " in status
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    visit.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    assert visit.errors == [] and visit.blocked == []
    visit.page.close()


@pytest.mark.parametrize("name", [OVERVIEW[0]] + [v.name for v in VIEWS if not v.network])
def test_plain_pages_load_offline_without_errors(browser, html, name):
    file = next((v.file for v in VIEWS if v.name == name), f"{name}.html")
    up = "../" * file.count("/")  # a folder view's index links up to the other views
    visit = Visit(browser, html / file)
    visit.page.wait_for_load_state("load")
    if name == "trajectories":
        assert visit.page.locator("svg polyline").count() == 15
    for view in VIEWS:
        if view.name != name:  # a page names itself in bold, not as a link
            expected = 2 if name == OVERVIEW[0] else 1  # the overview links each view from its nav and its table
            assert visit.page.locator(f"a[href='{up}{view.file}']").count() >= expected, view.file
    visit.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    assert visit.errors == [] and visit.blocked == []
    visit.page.close()


def test_search_box_finds_a_class_and_its_examples_are_one_click_away(browser, html):
    visit = Visit(browser, html / "taxonomy.html")
    visit.page.wait_for_selector(DRAWN, state="attached", timeout=30_000)
    visit.page.fill("#search", "interpretation of defense")
    visit.page.press("#search", "Enter")
    details = visit.page.locator("#details")
    assert details.get_attribute("data-selected") == "prc:InterpretationOfDefense"
    assert "defenses" in details.inner_text()
    assert visit.page.evaluate("window.prcNetwork.getSelectedNodes()") == ["prc:InterpretationOfDefense"]
    link = details.locator("a[href^='case.html#']").first
    target = unquote(link.get_attribute("href").split("#", 1)[1])  # the example itself: a turn or commentary
    link.click()
    visit.page.wait_for_url("**/case.html#*")  # the taxonomy page is drawn too: wait for the case page
    visit.page.wait_for_selector(DRAWN, state="attached", timeout=30_000)
    assert visit.page.locator("#details").get_attribute("data-selected") == target
    assert target.startswith(visit.page.evaluate("document.body.dataset.dataset") + "/")  # its case is shown
    assert visit.errors == []
    visit.page.close()


def test_section_filter_hides_and_shows_a_section(browser, html):
    visit = Visit(browser, html / "taxonomy.html")
    visit.page.wait_for_selector(DRAWN, state="attached", timeout=30_000)
    box = visit.page.locator("#filters input[value='section 3']")
    box.uncheck()
    assert visit.page.evaluate("window.prcSearch('interpretation of defense')") is None
    box.check()
    assert visit.page.evaluate("window.prcSearch('interpretation of defense')") == "prc:InterpretationOfDefense"
    visit.page.close()


def test_hostile_labels_render_as_text_and_run_nothing(browser, hostile_views):
    visit = Visit(browser, hostile_views / "taxonomy.html")
    visit.page.wait_for_selector(DRAWN, state="attached", timeout=30_000)
    found = visit.page.evaluate("window.prcSearch('<img src=x')")
    assert found == "prc:InterpretationOfDefense"
    assert visit.page.locator("#details h2").inner_text() == "<img src=x onerror=alert(1)>"
    visit.page.mouse.move(700, 450)
    assert visit.page.evaluate("document.querySelectorAll('img').length") == 0
    assert visit.page.evaluate("window.__alerts") == []
    assert visit.errors == [] and visit.blocked == []
    visit.page.close()


@pytest.mark.parametrize("n", [1000, 10000])
def test_large_views_are_drawn_still(browser, tmp_path, n):
    """Positions come from Python and physics is off, so the picture is drawn once and stays put.
    How fast, against pyvis's own defaults, is measured in benchmarks/viz_render.py."""
    path = tmp_path / f"random-{n}.html"
    path.write_text(render_graph_page(random_graph_page(n), nav()), encoding="utf-8")
    visit = Visit(browser, path)
    visit.page.wait_for_selector(DRAWN, state="attached", timeout=60_000)
    first = visit.page.evaluate("JSON.stringify(window.prcNetwork.getPositions(['n0', 'n1']))")
    visit.page.wait_for_timeout(300)
    assert visit.page.evaluate("JSON.stringify(window.prcNetwork.getPositions(['n0', 'n1']))") == first
    assert visit.page.evaluate(INK) > 500
    assert visit.page.text_content("#status").startswith(f"{n} nodes, {2 * n} edges")
    if n == 1000:
        visit.page.screenshot(path=str(SCREENSHOTS / "random-1000.png"))
    assert visit.errors == [] and visit.blocked == []
    visit.page.close()
