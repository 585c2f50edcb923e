"""Self-contained HTML pages: vis-network (the copy pyvis ships), our script and style are inlined,
and the graph travels as JSON inside the page, so a page opened from disk works with no network.

Data reaches the page in two ways only: escaped by ``html.escape`` into the markup, or as JSON in
a ``<script type="application/json">`` block with ``<``, ``>`` and ``&`` written as JSON escapes,
which the script then puts on screen with ``textContent``. No label can become markup either way.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from html import escape
from importlib.resources import files

TIP_CHARS = 280  # a tooltip line is cut here; the details panel shows the whole text
# Labels drawn smaller than this (screen pixels) wait for a zoom on the pages that label their main
# nodes first (taxonomy, findings).
MIN_LABEL_PX = 9.0
Nav = Sequence[tuple[str, str]]  # (file, title) of every page, in order: the registry's viewregistry.nav()


def clip(text: str, n: int = TIP_CHARS) -> str:
    """A text cut to n characters with a visible "…" (tooltips)."""
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


@dataclass
class Dataset:
    """One graph the page can show (a page with several has a chooser: one per case, per dyad…)."""

    title: str
    nodes: list[dict]
    edges: list[dict]
    table: dict | None = None


@dataclass
class GraphPage:
    name: str  # file stem, e.g. "taxonomy"
    title: str
    description: str
    datasets: dict[str, Dataset]
    legend: list[dict] = field(default_factory=list)
    filters: list[dict] = field(default_factory=list)
    hint: str = "Click a node or an edge to see its details."
    # Labels that would be drawn smaller than this many screen pixels are left out until one zooms
    # in, so a page can label its main nodes first (vis-network's default is 5).
    min_label_px: float = 5.0
    # Hide, at each zoom, the labels that would be written over a more important one (bigger, or
    # the selected node's); for pages of a few hundred nodes (it compares every pair drawn).
    declutter: bool = False

    def payload(self) -> dict:
        largest = max((len(d.nodes) for d in self.datasets.values()), default=0)
        return {"datasets": {k: {"title": d.title, "nodes": d.nodes, "edges": d.edges, "table": d.table}
                             for k, d in self.datasets.items()},
                "datasetOrder": list(self.datasets), "legend": self.legend, "filters": self.filters,
                "hint": self.hint, "large": largest > 2000, "minLabelPx": self.min_label_px,
                "declutter": self.declutter}


@dataclass
class PlainPage:
    """A page without a graph (charts); `inner_html` must already be escaped. `datasets` and `note`
    are what the overview page says about it."""

    name: str  # file stem
    title: str
    inner_html: str
    datasets: int = 0
    note: str = ""


@dataclass
class FolderPage:
    """One page of a folder view; `inner_html` must already be escaped, `style` and `script` are ours."""

    title: str
    inner_html: str
    style: str = ""
    script: str = ""


@dataclass
class FolderView:
    """A view of many pages in a folder of its own (``name/index.html`` plus one page per item).
    `datasets` and `note` are what the overview page says about it."""

    name: str  # the folder
    pages: dict[str, FolderPage]  # file name inside the folder -> page; "index.html" among them
    datasets: int = 0
    note: str = ""
    owned: str = ""  # a regular expression for the names of the pages it writes: older ones left over are removed


@cache
def _asset(name: str) -> str:
    if name == "vis-network.min.js":
        return (files("pyvis") / "lib" / "vis-9.1.2" / "vis-network.min.js").read_text(encoding="utf-8")
    return (files("prc_kg.views") / "web" / name).read_text(encoding="utf-8")


def script_json(data: object) -> str:
    """JSON that is safe inside a <script> element: it can never close the element or open a comment."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    for raw, escaped in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"),
                         ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


def asset(name: str) -> str:
    """One of our scripts or style sheets (views/web/NAME), to inline into a page."""
    return _asset(name)


def _nav(current: str, nav: Nav) -> str:
    return " · ".join(f'<a href="{href}">{escape(text)}</a>' if href != current else f"<b>{escape(text)}</b>"
                      for href, text in nav)


def page_shell(title: str, body: str, head_extra: str = "") -> str:
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            f'script-src \'unsafe-inline\'; style-src \'unsafe-inline\'; img-src data:">\n'
            f"<title>{escape(title)} · prc-kg</title>\n<style>\n{_asset('graph.css')}</style>\n{head_extra}</head>\n"
            f"<body>\n{body}</body>\n</html>\n")


def render_graph_page(page: GraphPage, nav: Nav) -> str:
    body = f"""<header>
<h1>{escape(page.title)}</h1>
<form id="search-form" role="search"><input id="search" type="search" placeholder="Search labels" aria-label="Search labels">
<button type="submit">Find</button></form><span id="search-result"></span>
<select id="dataset" aria-label="Choose what to show"></select>
<nav>{_nav(page.name + ".html", nav)}</nav>
</header>
<main>
<div id="canvas-wrap"><div id="network" aria-label="{escape(page.title)}"></div>
<div id="zoom" role="group" aria-label="Zoom"><button type="button" id="zoom-in" title="Zoom in" aria-label="Zoom in">+</button>
<button type="button" id="zoom-out" title="Zoom out" aria-label="Zoom out">&minus;</button>
<button type="button" id="zoom-fit" title="Show everything" aria-label="Show everything">fit</button></div></div>
<aside>
<p class="description">{escape(page.description)}</p>
<p id="status"></p>
<div id="filters"></div>
<div id="legend"></div>
<div id="details"></div>
</aside>
</main>
<section id="table"></section>
<div id="tooltip" hidden></div>
<script type="application/json" id="prc-data">{script_json(page.payload())}</script>
<script>{_asset("vis-network.min.js")}</script>
<script>{_asset("graph.js")}</script>
"""
    return page_shell(page.title, body)


def render_plain_page(name: str, title: str, inner_html: str, nav: Nav) -> str:
    """A page without a graph (overview, charts): `inner_html` must already be escaped."""
    body = (f"<header>\n<h1>{escape(title)}</h1>\n<nav>{_nav(name + '.html', nav)}</nav>\n</header>\n"
            f'<div class="plain">\n{inner_html}</div>\n')
    return page_shell(title, body,
                      "<style>.plain{padding:12px 18px;max-width:1100px}.plain table{border-collapse:collapse}"
                      ".plain td,.plain th{border:1px solid #d5dae1;padding:3px 8px;text-align:left}</style>\n")


def render_folder_page(folder: str, file: str, page: FolderPage, nav: Nav) -> str:
    """A page one folder down from the other views: its navigation links go up a level, and the
    folder's index is the current page of the bar."""
    up = [("../" + href, text) for href, text in nav]
    current = f"../{folder}/{file}" if file == "index.html" else ""
    body = (f"<header>\n<h1>{escape(page.title)}</h1>\n<nav>{_nav(current, up)}</nav>\n</header>\n"
            f"{page.inner_html}" + (f"<script>{page.script}</script>\n" if page.script else ""))
    return page_shell(page.title, body, f"<style>\n{page.style}</style>\n" if page.style else "")
