"""The one list of HTML views. Each view is registered here once, with its name, nav title, a
one-line description and the function that builds its page from a store; the page navigation,
``prc-kg viz --views``, the overview page and the browser tests all read this list, so adding a
view is one registration here plus the module that draws its page."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the builders import what they draw with when called: every command reads this list
    from ..store.backends import Store
    from .htmlpage import FolderView, GraphPage, PlainPage

DEFAULT_ITEMS = ("APS:PAT-PROD", "APS:PAT-REFL", "APS:PAT-FEEL", "APS:TYPE-INT", "APS:QUAL-GOOD")
OVERVIEW = ("index", "Overview")  # always written, first in the navigation, never chosen with --views
FOLDER = "transcripts"  # the transcripts' folder (transcripts.FOLDER, checked by tests/test_caches.py)


@dataclass(frozen=True)
class ViewOptions:
    """The settings a view may read; each view ignores the ones it does not use."""

    threshold: float = 3.0  # a rated segment carries a code when its mean rating reaches this
    alpha: float = 0.05  # significance level of the transitions
    items: tuple[str, ...] = DEFAULT_ITEMS  # item codes for the trajectories


@dataclass(frozen=True)
class View:
    name: str  # file stem and the word for --views
    nav_title: str
    description: str  # one line, for --help
    build: Callable[[Store, ViewOptions], GraphPage | PlainPage | FolderView]
    network: bool = True  # draws a network (a GraphPage) rather than a plain page of charts
    folder: bool = False  # many pages in a folder of their own (a FolderView), entered by its index.html

    @property
    def file(self) -> str:
        """The page the navigation links to, relative to the views' folder."""
        return f"{self.name}/index.html" if self.folder else self.name + ".html"


def _taxonomy(store: Store, _options: ViewOptions) -> GraphPage:
    from ..analysis import projection
    from .pages import taxonomy_page
    from .transcriptdata import example_links

    return taxonomy_page(projection.taxonomy_graph(store), example_links(store, FOLDER))


def _case(store: Store, _options: ViewOptions) -> GraphPage:
    from ..analysis import projection
    from .pages import case_page

    return case_page(projection.case_graphs(store))


def _findings(store: Store, _options: ViewOptions) -> GraphPage:
    from ..analysis import projection
    from .pages import findings_page

    return findings_page(projection.findings_graph(store))


def _transitions(store: Store, options: ViewOptions) -> GraphPage:
    from ..analysis.sequences import rated_pairs, turn_pairs
    from .transitions import transitions_page

    sources = [p for p in (rated_pairs(store, options.threshold), turn_pairs(store)) if p.groups]
    return transitions_page(sources, options.alpha)


def _trajectories(store: Store, options: ViewOptions) -> PlainPage:
    from ..analysis.sequences import trajectories
    from .charts import trajectories_html
    from .htmlpage import PlainPage

    series = trajectories(store, list(options.items))
    return PlainPage("trajectories", "Rating trajectories per dyad", trajectories_html(series),
                     datasets=len({t.dyad for t in series}), note=f"{len(series)} series (SVG charts)")


def _transcripts(store: Store, _options: ViewOptions) -> FolderView:
    from .transcriptdata import read_transcripts
    from .transcripts import transcripts_view

    return transcripts_view(read_transcripts(store))


VIEWS: tuple[View, ...] = (
    View("taxonomy", "Taxonomy", "the class hierarchy, instruments and what they score", _taxonomy),
    View("case", "Cases", "each case's sessions, turns, codes and commentary", _case),
    View("findings", "Findings", "constructs linked by the research findings on them", _findings),
    View("transitions", "What follows what", "lag-1 transitions from therapist codes to the patient's next",
         _transitions),
    View("trajectories", "Trajectories", "SVG charts of chosen items rated over the sessions of each dyad", _trajectories,
         network=False),
    View(FOLDER, "Transcripts", "each conversation and case session as a transcript with codes and commentaries",
         _transcripts, network=False, folder=True),
)


def names() -> tuple[str, ...]:
    return tuple(v.name for v in VIEWS)


def nav() -> tuple[tuple[str, str], ...]:
    """(file, title) of every page, the overview first: the navigation bar of every view."""
    return ((OVERVIEW[0] + ".html", OVERVIEW[1]), *((v.file, v.nav_title) for v in VIEWS))


def select(chosen: Iterable[str] | None = None) -> list[View]:
    """The registered views among `chosen` (all when None), in registry order; ValueError names unknown ones."""
    if chosen is None:
        return list(VIEWS)
    wanted = tuple(chosen)
    unknown = [v for v in wanted if v not in names()]
    if unknown:
        raise ValueError(f"unknown view(s) {', '.join(unknown)}; expected some of {', '.join(names())}")
    return [v for v in VIEWS if v.name in wanted]
