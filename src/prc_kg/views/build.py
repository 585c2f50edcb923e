"""Build the HTML views of a store into one folder, all or nothing, with an overview page. Which
views exist, and in what order, is the view registry's (viewregistry.VIEWS)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from pathlib import Path

from ..fileio.files import write_files_atomically
from ..progress import stepped
from ..store.backends import Store
from . import registry as viewregistry
from .htmlpage import FolderView, GraphPage, PlainPage, render_folder_page, render_graph_page, render_plain_page
from .registry import DEFAULT_ITEMS, View, ViewOptions


@dataclass(frozen=True)
class ViewSummary:
    name: str
    file: str
    datasets: int
    nodes: int  # summed over the page's datasets
    edges: int
    note: str = ""
    network: bool = True  # a network view; a plain or folder page has no nodes to count, only its note

    @property
    def holds(self) -> str:
        """What the page holds, in the words that fit it: nodes and edges of a network, else its note
        (series of charts, transcript pages) rather than a misleading "0 nodes, 0 edges"."""
        if self.network:
            graphs = f" in {self.datasets} graphs" if self.datasets > 1 else ""
            return f"{self.nodes} nodes, {self.edges} edges{graphs}" + (f", {self.note}" if self.note else "")
        return self.note or f"{self.datasets} page(s)"


@stepped(lambda view, *args: f"building the {view.name} view")
def _page(view: View, store: Store, options: ViewOptions) -> GraphPage | PlainPage | FolderView:
    page = view.build(store, options)
    if (page.name != view.name or isinstance(page, GraphPage) != view.network
            or isinstance(page, FolderView) != view.folder):
        raise TypeError(f"view {view.name} (registered with network={view.network}, folder={view.folder}) built a "
                        f"{type(page).__name__} named {page.name}")
    return page


def graph_pages(store: Store, views: Iterable[str] | None = None, threshold: float = 3.0,
                alpha: float = 0.05) -> dict[str, GraphPage]:
    """The network views among `views` (all when None) as pages, not yet rendered."""
    options = ViewOptions(threshold, alpha)
    return {v.name: _page(v, store, options) for v in viewregistry.select(views) if v.network}


def _summary(view: View, page: GraphPage | PlainPage | FolderView) -> ViewSummary:
    if isinstance(page, PlainPage | FolderView):
        return ViewSummary(view.name, view.file, page.datasets, 0, 0, page.note, network=False)
    return ViewSummary(view.name, view.file, len(page.datasets),
                       sum(len(d.nodes) for d in page.datasets.values()),
                       sum(len(d.edges) for d in page.datasets.values()))


def _index(summaries: list[ViewSummary]) -> str:
    """One row per view: its name, what it shows (the registry's line) and what it holds."""
    views = {v.name: v for v in viewregistry.VIEWS}
    rows = "".join(f'<tr><td><a href="{escape(s.file)}">{escape(views[s.name].nav_title)}</a></td>'
                   f"<td>{escape(views[s.name].description)}</td><td>{escape(s.holds)}</td></tr>" for s in summaries)
    return ("<p>Interactive views of the prc-kg knowledge graph. Each page is self-contained and works offline.</p>"
            "<table><tr><th>view</th><th>what it shows</th><th>what it holds</th></tr>"
            f"{rows}</table>\n")


def build_views(store: Store, out_dir: Path, views: Iterable[str] | None = None, threshold: float = 3.0,
                alpha: float = 0.05, items: Iterable[str] = DEFAULT_ITEMS) -> list[ViewSummary]:
    """Write the chosen views (all when None) and index.html into out_dir; a failure writes none of them."""
    chosen = viewregistry.select(views)
    options = ViewOptions(threshold, alpha, tuple(items))
    nav = viewregistry.nav()
    outputs: dict[Path, bytes] = {}
    summaries = []
    folders: list[FolderView] = []
    for view in chosen:
        page = _page(view, store, options)
        if isinstance(page, FolderView):
            folders.append(page)
            for file, sub in page.pages.items():
                outputs[out_dir / page.name / file] = render_folder_page(page.name, file, sub, nav).encode("utf-8")
        else:
            html = (render_graph_page(page, nav) if isinstance(page, GraphPage)
                    else render_plain_page(page.name, page.title, page.inner_html, nav))
            outputs[out_dir / view.file] = html.encode("utf-8")
        summaries.append(_summary(view, page))
    name = viewregistry.OVERVIEW[0]
    outputs[out_dir / f"{name}.html"] = render_plain_page(name, "prc-kg views", _index(summaries), nav).encode("utf-8")
    write_files_atomically(outputs)
    for view in folders:
        _remove_old_pages(out_dir / view.name, view)
    return summaries


def _remove_old_pages(folder: Path, view: FolderView) -> None:
    """The pages a folder view wrote on an earlier run for items no longer in the graph (a
    conversation deleted from the store): only files whose names the view's own pattern matches."""
    if not view.owned:
        return
    pattern = re.compile(view.owned)
    for path in sorted(folder.glob("*.html")):
        if path.name not in view.pages and pattern.fullmatch(path.name) and path.is_file() and not path.is_symlink():
            path.unlink()
