"""Build the HTML views of a store into one folder, all or nothing, with an overview page."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path

from . import projection
from .charts import trajectories_html
from .files import write_files_atomically
from .htmlpage import GraphPage, render_graph_page, render_plain_page
from .sequences import rated_pairs, trajectories, turn_pairs
from .store import Store
from .views import case_page, findings_page, taxonomy_page, transitions_page

VIEWS = ("taxonomy", "case", "findings", "transitions", "trajectories")
DEFAULT_ITEMS = ("APS:PAT-PROD", "APS:PAT-REFL", "APS:PAT-FEEL", "APS:TYPE-INT", "APS:QUAL-GOOD")


@dataclass(frozen=True)
class ViewSummary:
    name: str
    file: str
    datasets: int
    nodes: int  # summed over the page's datasets
    edges: int
    note: str = ""


def graph_pages(store: Store, views: tuple[str, ...] = VIEWS, threshold: float = 3.0,
                alpha: float = 0.05) -> dict[str, GraphPage]:
    pages: dict[str, GraphPage] = {}
    if "taxonomy" in views:
        pages["taxonomy"] = taxonomy_page(projection.taxonomy_graph(store))
    if "case" in views:
        pages["case"] = case_page(projection.case_graphs(store))
    if "findings" in views:
        pages["findings"] = findings_page(projection.findings_graph(store))
    if "transitions" in views:
        sources = [p for p in (rated_pairs(store, threshold), turn_pairs(store)) if p.groups]
        pages["transitions"] = transitions_page(sources, alpha)
    return pages


def _summary(page: GraphPage) -> ViewSummary:
    return ViewSummary(page.name, page.name + ".html", len(page.datasets),
                       sum(len(d.nodes) for d in page.datasets.values()),
                       sum(len(d.edges) for d in page.datasets.values()))


def _index(summaries: list[ViewSummary]) -> str:
    rows = "".join(f'<tr><td><a href="{escape(s.file)}">{escape(s.name)}</a></td><td>{s.datasets}</td>'
                   f"<td>{s.nodes}</td><td>{s.edges}</td><td>{escape(s.note)}</td></tr>" for s in summaries)
    return ("<p>Interactive views of the prc-kg knowledge graph. Each page is self-contained and works offline.</p>"
            "<table><tr><th>view</th><th>graphs</th><th>nodes</th><th>edges</th><th>note</th></tr>"
            f"{rows}</table>\n")


def build_views(store: Store, out_dir: Path, views: tuple[str, ...] = VIEWS, threshold: float = 3.0,
                alpha: float = 0.05, items: tuple[str, ...] = DEFAULT_ITEMS) -> list[ViewSummary]:
    """Write the chosen views and index.html into out_dir; a failure writes none of them."""
    unknown = [v for v in views if v not in VIEWS]
    if unknown:
        raise ValueError(f"unknown view(s) {', '.join(unknown)}; expected some of {', '.join(VIEWS)}")
    outputs: dict[Path, bytes] = {}
    summaries = []
    for name, page in graph_pages(store, views, threshold, alpha).items():
        outputs[out_dir / f"{name}.html"] = render_graph_page(page).encode("utf-8")
        summaries.append(_summary(page))
    if "trajectories" in views:
        series = trajectories(store, list(items))
        outputs[out_dir / "trajectories.html"] = render_plain_page(
            "trajectories", "Rating trajectories per dyad", trajectories_html(series)).encode("utf-8")
        summaries.append(ViewSummary("trajectories", "trajectories.html", len({t.dyad for t in series}), 0, 0,
                                     f"{len(series)} series (SVG charts)"))
    outputs[out_dir / "index.html"] = render_plain_page("index", "prc-kg views", _index(summaries)).encode("utf-8")
    write_files_atomically(outputs)
    return summaries
