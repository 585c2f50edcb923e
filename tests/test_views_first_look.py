"""What a first-time visitor sees before touching anything, in Chromium at 1400×1000 with the
network blocked (issue 14): the taxonomy's roots and sections legible, case turns coloured by who
speaks, a taxonomy example link landing on its very turn, and tables that sort on a header click.
Screenshots of each first view go to build/screenshots/first-look-*.png."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest
from test_browser import DRAWN, SCREENSHOTS, Visit, html  # noqa: F401  (html: a fixture)

from prc_kg.views.htmlpage import Dataset, GraphPage, render_graph_page
from prc_kg.views.registry import nav

pytestmark = [pytest.mark.browser, pytest.mark.slow]

VIEWPORT = (1400, 1000)
ROOTS = ("prc:ProcessComponent", "prc:Psychotherapy", "prc:Instrument")
SECTIONS = ("prc:HelpSeekingAndChange", "prc:AllianceComponent", "prc:TherapistContribution",
            "prc:PatientContribution", "prc:InteractionPhenomenon")
TURN = "data:case/v3-transference-skilful/session/4/tos/2"  # therapist: "I noticed you looked at the clock…"
OTHER_TURN = "data:case/v5-parallel-process/session/64/tos/2"


def _payload(path) -> dict:
    text = path.read_text(encoding="utf-8")
    return json.loads(re.search(r'<script type="application/json" id="prc-data">(.*?)</script>', text, re.DOTALL)[1])


def _open(browser, path, fragment: str = "") -> Visit:
    visit = Visit(browser, path.resolve().as_uri() + fragment, VIEWPORT)
    visit.page.wait_for_selector(DRAWN, state="attached", timeout=30_000)
    return visit


LABELS = """(ids) => { const net = window.prcNetwork, scale = net.getScale();
  const canvas = document.querySelector('#network canvas');
  return ids.map((id) => { const node = net.body.nodes[id], box = net.getBoundingBox(id);
    const a = net.canvasToDOM({x: box.left, y: box.top}), b = net.canvasToDOM({x: box.right, y: box.bottom});
    return {id, px: node.options.font.size * scale,
            drawn: node.labelModule.visible() && !window.prcMutedLabels().includes(id),
            box: [a.x, a.y, b.x, b.y], inside: a.x >= 0 && a.y >= 0 && b.x <= canvas.clientWidth
              && b.y <= canvas.clientHeight}; }); }"""


def _settle(page) -> None:
    """Wait two animation frames: the drawing a click asked for, and the one after decluttering."""
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_taxonomy_roots_and_sections_are_legible_before_any_interaction(browser, html):  # noqa: F811
    data = _payload(html / "taxonomy.html")["datasets"]["taxonomy"]
    sections = sorted({e["to"] for e in data["edges"] if e["from"] == "prc:ProcessComponent"})
    assert set(SECTIONS) <= set(sections)  # the five manual sections, and the cross-cutting notions
    first = [*ROOTS, *sections]
    visit = _open(browser, html / "taxonomy.html")
    labels = visit.page.evaluate(LABELS, first)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    visit.page.screenshot(path=str(SCREENSHOTS / "first-look-taxonomy.png"))
    for label in labels:
        assert label["px"] >= 11 and label["drawn"] and label["inside"], label
    for i, a in enumerate(labels):  # legible means not written over each other either
        for b in labels[i + 1:]:
            assert not _overlap(a["box"], b["box"]), (a["id"], b["id"])
    # the classes below them wait for a zoom: two clicks on + bring the next ring to a readable size
    deeper = [n["id"] for n in data["nodes"] if n["id"] not in first]
    hidden = visit.page.evaluate(LABELS, deeper)
    assert not any(label["drawn"] for label in hidden)
    scale = visit.page.evaluate("window.prcNetwork.getScale()")
    visit.page.click("#zoom-in")
    assert visit.page.evaluate("window.prcNetwork.getScale()") == pytest.approx(1.5 * scale)
    visit.page.click("#zoom-in")
    _settle(visit.page)
    ring = visit.page.evaluate(LABELS, [e["to"] for e in data["edges"] if e["from"] == "prc:TherapistContribution"])
    assert all(label["px"] >= 11 for label in ring)
    shown = [label for label in ring if label["drawn"]]
    assert len(shown) >= len(ring) / 2  # the others are crowded out by a label they would be written over
    everything = [label for label in visit.page.evaluate(LABELS, [n["id"] for n in data["nodes"]]) if label["drawn"]]
    for label in ring:
        assert label["drawn"] or any(_overlap(label["box"], other["box"]) for other in everything), label
    visit.page.click("#zoom-out")
    assert visit.page.evaluate("window.prcNetwork.getScale()") == pytest.approx(1.5 * scale)
    visit.page.click("#zoom-fit")
    assert visit.page.evaluate("window.prcNetwork.getScale()") == pytest.approx(scale)
    assert visit.errors == [] and visit.blocked == []
    visit.page.close()


PIXEL = """(ids) => { const net = window.prcNetwork, canvas = document.querySelector('#network canvas');
  const ratio = canvas.width / canvas.clientWidth, ctx = canvas.getContext('2d'), pos = net.getPositions(ids);
  return ids.map((id) => { const p = net.canvasToDOM(pos[id]);
    const d = ctx.getImageData(Math.round(p.x * ratio), Math.round(p.y * ratio), 1, 1).data;
    return '#' + [d[0], d[1], d[2]].map((v) => v.toString(16).padStart(2, '0')).join(''); }); }"""


def test_case_turns_are_drawn_in_their_speakers_colour(browser, html):  # noqa: F811
    case = "data:case/v3-transference-skilful"
    nodes = _payload(html / "case.html")["datasets"][case]["nodes"]
    turns = {n["id"]: n["info"]["speaker"] for n in nodes if n["group"] == "moment"}
    assert sorted(set(turns.values())) == ["patient", "therapist"]
    visit = _open(browser, html / "case.html", "#" + quote(case, safe=""))
    assert visit.page.evaluate("document.body.dataset.dataset") == case
    colours = dict(zip(turns, visit.page.evaluate(PIXEL, list(turns)), strict=True))
    visit.page.screenshot(path=str(SCREENSHOTS / "first-look-case-vignette.png"))
    for turn, speaker in turns.items():
        assert colours[turn] == {"therapist": "#ef6c00", "patient": "#00897b"}[speaker], turn
    assert visit.errors == [] and visit.blocked == []
    visit.page.close()


def test_a_taxonomy_example_link_selects_its_turn_and_the_page_follows_the_hash(browser, html):  # noqa: F811
    data = _payload(html / "taxonomy.html")["datasets"]["taxonomy"]
    cls = next(n for n in data["nodes"] for k, v in n["info"].items() if k.startswith("examples")
               and any(isinstance(e, dict) and e["link"] == TURN for e in v))
    visit = _open(browser, html / "taxonomy.html")
    assert visit.page.evaluate(f"window.prcSearch({json.dumps(cls['label'])})") == cls["id"]
    visit.page.click(f"#details a[href='case.html#{quote(TURN, safe='')}']")
    visit.page.wait_for_url("**/case.html#*")
    visit.page.wait_for_selector(DRAWN, state="attached", timeout=30_000)
    page = visit.page
    assert page.locator("#details").get_attribute("data-selected") == TURN
    assert page.evaluate("window.prcNetwork.getSelectedNodes()") == [TURN]
    assert page.evaluate("document.body.dataset.dataset") == "data:case/v3-transference-skilful"
    assert "looked at the clock" in page.locator("#details").inner_text()
    assert page.evaluate(LABELS, [TURN])[0]["inside"], "the selected turn is off screen"
    page.screenshot(path=str(SCREENSHOTS / "first-look-case-from-taxonomy.png"))
    # a new # on the same page (typed, or back and forward) opens that turn's case and selects it
    page.evaluate(f"location.hash = {json.dumps('#' + quote(OTHER_TURN, safe=''))}")
    page.wait_for_selector(f"#details[data-selected='{OTHER_TURN}']", state="attached", timeout=10_000)
    assert page.evaluate("document.body.dataset.dataset") == "data:case/v5-parallel-process"
    assert page.evaluate("window.prcNetwork.getSelectedNodes()") == [OTHER_TURN]
    page.go_back()
    page.wait_for_selector(f"#details[data-selected='{TURN}']", state="attached", timeout=10_000)
    assert page.evaluate("document.body.dataset.dataset") == "data:case/v3-transference-skilful"
    assert visit.errors == [] and visit.blocked == []
    page.close()


def _column(page, n: int) -> list[str]:
    return page.locator(f"#table tbody tr td:nth-child({n})").all_inner_texts()


def test_findings_label_the_busiest_constructs_first_and_never_write_labels_over_each_other(browser, html):  # noqa: F811
    nodes = _payload(html / "findings.html")["datasets"]["findings"]["nodes"]
    edges = _payload(html / "findings.html")["datasets"]["findings"]["edges"]
    degree = {n["id"]: sum(n["id"] in (e["from"], e["to"]) for e in edges) for n in nodes}
    busiest = sorted(degree, key=lambda n: (-degree[n], n))[:6]
    visit = _open(browser, html / "findings.html")
    shown = [label for label in visit.page.evaluate(LABELS, list(degree)) if label["drawn"]]
    assert {label["id"] for label in shown if label["px"] >= 11} >= set(busiest)
    assert all(label["inside"] for label in shown)
    for i, a in enumerate(shown):
        for b in shown[i + 1:]:
            assert not _overlap(a["box"], b["box"]), (a["id"], b["id"])
    muted = visit.page.evaluate("window.prcMutedLabels()")
    assert muted, "nothing was crowded out: this test no longer shows decluttering at work"
    # a crowded-out label comes back when its node is selected (and its neighbour's gives way)
    label = next(n["label"] for n in nodes if n["id"] == muted[0])
    assert visit.page.evaluate(f"window.prcSearch({json.dumps(label)})") == muted[0]
    visit.page.click("#zoom-fit")  # back to the first view, the node still selected
    _settle(visit.page)
    assert visit.page.evaluate(LABELS, [muted[0]])[0]["drawn"]
    assert visit.errors == [] and visit.blocked == []
    visit.page.close()


def test_findings_table_is_led_by_labels_and_sorts_on_a_header_click(browser, html):  # noqa: F811
    visit = _open(browser, html / "findings.html")
    page = visit.page
    page.screenshot(path=str(SCREENSHOTS / "first-look-findings.png"))
    headers = page.locator("#table th").all_inner_texts()
    assert headers[:3] == ["subject", "relation", "object"]
    assert not any(cell.startswith("data:") for cell in _column(page, 1))
    evidence = headers.index("evidence") + 1
    before = _column(page, evidence)
    assert before != sorted(before)
    page.click(f"#table th:nth-child({evidence})")
    assert _column(page, evidence) == sorted(before)
    assert page.locator(f"#table th:nth-child({evidence})").get_attribute("aria-sort") == "ascending"
    page.click(f"#table th:nth-child({evidence})")
    assert _column(page, evidence) == sorted(before, reverse=True)
    assert page.locator(f"#table th:nth-child({evidence})").get_attribute("aria-sort") == "descending"
    # each row moves as a whole: the sorted rows are the rows of the page's data, cell for cell
    rows = page.locator("#table tbody tr").all_inner_texts()
    original = [r["cells"] for r in _payload(html / "findings.html")["datasets"]["findings"]["table"]["rows"]]
    assert sorted(rows) == sorted("\t".join(cells) for cells in original)
    assert visit.errors == [] and visit.blocked == []
    page.close()


def test_numbers_sort_as_numbers_and_blanks_last(browser, tmp_path):
    table = {"title": "t", "columns": ["name", "n"],
             "rows": [{"strong": False, "cells": [name, n]}
                      for name, n in (("a", "10"), ("b", "9"), ("c", ""), ("d", "100"), ("e", "2.5"), ("f", "–"))]}
    page = GraphPage("sorting", "Sorting", "a table", {"d": Dataset("d", [{"id": "x", "label": "x", "x": 0, "y": 0}],
                                                                     [], table)})
    path = tmp_path / "sorting.html"
    path.write_text(render_graph_page(page, nav()), encoding="utf-8")
    visit = _open(browser, path)
    visit.page.click("#table th:nth-child(2)")
    assert _column(visit.page, 2) == ["2.5", "9", "10", "100", "", "–"]
    assert _column(visit.page, 1) == ["e", "b", "a", "d", "c", "f"]
    visit.page.click("#table th:nth-child(2)")
    assert _column(visit.page, 2) == ["100", "10", "9", "2.5", "", "–"]
    visit.page.press("#table th:nth-child(1)", "Enter")  # a heading sorts from the keyboard too
    assert _column(visit.page, 1) == ["a", "b", "c", "d", "e", "f"]
    assert visit.errors == [] and visit.blocked == []
    visit.page.close()
