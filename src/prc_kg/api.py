"""The front door: a knowledge graph opened from the sources, a store folder or an endpoint, with the
CLI's queries, validation and views as methods, so a notebook gets what ``prc-kg`` gives. The CLI
parses arguments and calls this; the same checks guard the user's files either way."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from .errors import InputError, PrcKgError
from .store.backends import QueryError, Store, Term
from .store.rows import Rows

if TYPE_CHECKING:
    from .analysis.agreement import Agreement
    from .analysis.corpus import Conversation
    from .analysis.profiles import ProfileReport
    from .analysis.speaker_transitions import SpeakerTransitions
    from .checks.gates import GateResult, GateRun
    from .ontology.diff import OntologyDiff


def data_dir(ontology: Path | None = None) -> Path:
    """``build/ratings`` beside the ontology folder given, else in the project's build folder (this
    checkout's by default; the current folder's with the data shipped in the wheel), where ``prc-kg
    import`` writes and the graph looks for imported ratings: not the current folder of a checkout,
    so the same call gives the same graph from any folder."""
    from . import paths

    if ontology:
        return Path(os.path.abspath(ontology)).parent / "build" / "ratings"
    return paths.build_dir() / "ratings"


def utterances_dir(ontology: Path | None = None) -> Path:
    """``build/utterances`` beside the sources in use (as ``data_dir``), where ``prc-kg import-utterances``
    writes a corpus ``C`` as ``C.nt``."""
    return data_dir(ontology).parent / "utterances"


def default_corpus_files(ontology: Path | None = None) -> list[Path]:
    """The imported corpora: ``*.nt`` in ``utterances_dir``; privacy-check and release check them."""
    return sorted(utterances_dir(ontology).glob("*.nt"))


def default_data_files(ontology: Path | None = None) -> list[Path]:
    """The data files a graph from the sources holds when none are named: ``*.nt`` in ``data_dir``
    (imported ratings), then in ``utterances_dir`` (imported coded corpora)."""
    return sorted(data_dir(ontology).glob("*.nt")) + sorted(utterances_dir(ontology).glob("*.nt"))


def ontology_files(ontology: Path | None = None) -> list[Path]:
    """The ontology's main file and the module files its catalog names (some may lie outside the folder):
    inputs no output may replace."""
    from .ontology.source import CATALOG_FILE, MAIN_FILE, default_ontology_dir, read_catalog

    folder = Path(ontology or default_ontology_dir())
    return [folder / MAIN_FILE, folder / CATALOG_FILE, *read_catalog(folder).values()]


def diff_ontologies(old: Path | str, new: Path | str) -> OntologyDiff:
    """Term by term changes between two release files, release folders or source trees (``prc-kg diff``);
    render with ``prc_kg.ontology.diffreport``."""
    from .ontology.diff import diff_paths

    return diff_paths(Path(old), Path(new))


def iri(text: str) -> ox.NamedNode:
    """An IRI for a parameter of SPARQL text: full, in <...>, or a prefixed name (prc:, data:, …)."""
    from .store.querylib import to_term

    return to_term(text, "iri", Path("iri"), "iri")


def _term(value) -> Term:
    """A Python value as an RDF term, for a parameter of SPARQL text (a str is a plain literal: use
    ``iri()`` for an IRI)."""
    if isinstance(value, (ox.NamedNode, ox.BlankNode, ox.Literal)):
        return value
    xsd = "http://www.w3.org/2001/XMLSchema#"
    for kind, name in ((bool, "boolean"), (int, "integer"), (float, "double"), (Decimal, "decimal")):
        if isinstance(value, kind):
            text = str(value).lower() if kind is bool else str(value)
            return ox.Literal(text, datatype=ox.NamedNode(xsd + name))
    if isinstance(value, str):
        return ox.Literal(value)
    raise PrcKgError(f"cannot bind {value!r}: expected a str, number, bool or pyoxigraph term")


def _text(value) -> str:
    """A value for a library query parameter, as it would be typed after ``--param NAME=``."""
    return f"<{value.value}>" if isinstance(value, ox.NamedNode) else getattr(value, "value", str(value))


def _is_sparql(text: str) -> bool:
    """SPARQL text, not a query name or a ``.rq`` file: it has a space, a line break or a brace."""
    stripped = text.strip()
    if stripped.endswith(".rq") and "\n" not in stripped:
        return False
    return any(c.isspace() or c == "{" for c in stripped)


@dataclass
class Validation:
    """What ``prc-kg validate`` reports: the instance gates of gates.py (the privacy check, SHACL) over
    the examples and the further data files, as a release runs them. ``ok`` when every gate passed."""

    run: GateRun

    @property
    def ok(self) -> bool:
        return self.run.ok

    @property
    def results(self) -> list[GateResult]:
        return self.run.results

    def lines(self) -> list[str]:
        """The report as ``prc-kg validate`` prints it: each gate's lines, then its summary."""
        return [line for result in self.run.results for line in (*result.outcome.lines, result.outcome.summary)]


class KnowledgeGraph:
    """The knowledge graph, in memory from the sources, in a store folder, or behind an endpoint.

    ``from_sources``, ``from_store`` and ``from_endpoint`` open it at once, so a wrong path fails on
    that line; ``open`` (what the CLI uses) waits for the first use, so a mistyped query name is
    reported before any source is read."""

    def __init__(self, opener: Callable[[], Store], *, kind: str, ontology: Path | None = None,
                 examples: Path | None = None, store_dir: Path | None = None, queries: Path | None = None):
        self._opener, self._store, self._sources = opener, None, None
        self.cache_built: bool | None = None  # from the sources: whether the cached store was built (None: no cache)
        self._index = None  # a temporary text index for a graph without a store folder (see search)
        self.kind = kind  # "sources", "store" or "endpoint"
        self.ontology_dir, self.examples_dir, self.store_dir, self.queries_dir = ontology, examples, store_dir, queries

    # -- opening ------------------------------------------------------------------------------------

    @classmethod
    def open(cls, *, ontology: Path | None = None, examples: Path | None = None, data: Iterable[Path] | None = None,
             store: Path | None = None, endpoint: str | None = None, queries: Path | None = None,
             cache: bool | None = None) -> KnowledgeGraph:
        """The endpoint if given, else the store folder if given, else the graph of the ontology, the
        examples and ``data`` (default: the imported ratings, ``default_data_files``): a store kept in
        ``paths.cache_dir()`` against the hashes of those files (store/storecache.py), or with ``cache``
        False (None: unless ``PRC_KG_NO_CACHE`` is set) built in memory; opened on first use."""
        folders = {"ontology": ontology, "examples": examples, "queries": queries}
        if endpoint:
            from .store.backends import RemoteStore

            return cls(lambda: RemoteStore(endpoint), kind="endpoint", **folders)
        if store:
            return cls(lambda: _open_store(Path(store)), kind="store", store_dir=Path(store), **folders)
        graph = cls(lambda: graph._build(data, cache), kind="sources", **folders)
        return graph

    @classmethod
    def from_sources(cls, ontology: Path | None = None, examples: Path | None = None,
                     data: Iterable[Path] | None = None, *, queries: Path | None = None,
                     cache: bool | None = None) -> KnowledgeGraph:
        """The graph of the sources, as ``prc-kg query`` opens it without --store: the ontology folder,
        the examples folder and ``data`` N-Triples files (default: ``*.nt`` in build/ratings beside the
        ontology folder, where ``prc-kg import`` writes), with the inferences materialised; read from the
        cached store of these files (built on first use) unless ``cache`` is False (see ``open``)."""
        return cls.open(ontology=ontology, examples=examples, data=data, queries=queries, cache=cache)._opened()

    @classmethod
    def from_store(cls, path: Path | str, *, queries: Path | None = None) -> KnowledgeGraph:
        """A store folder made by ``prc-kg load --store``, read-only."""
        return cls.open(store=Path(path), queries=queries)._opened()

    @classmethod
    def from_endpoint(cls, url: str, *, queries: Path | None = None) -> KnowledgeGraph:
        """A SPARQL 1.1 endpoint (http or https), such as ``prc-kg serve``."""
        return cls.open(endpoint=url, queries=queries)._opened()

    def _opened(self) -> KnowledgeGraph:
        self.store  # noqa: B018 - opening is the point: errors show where the graph was opened
        return self

    @property
    def store(self) -> Store:
        """The store queries run on (an EmbeddedStore, or a RemoteStore for an endpoint)."""
        if self._store is None:
            self._store = self._opener()
        return self._store

    def sources(self):
        """The ontology source, its merged release graph and the examples (read once)."""
        if self._sources is None:
            from .instances.examples import load_examples
            from .ontology.build import merged_release_graph
            from .ontology.source import load_source

            source = load_source(self.ontology_dir)
            ontology = merged_release_graph(source)
            self._sources = source, ontology, load_examples(ontology, self.examples_dir)
        return self._sources

    def _build(self, data: Iterable[Path] | None, cache: bool | None = None):
        from .store.storecache import sources_store

        files = default_data_files(self.ontology_dir) if data is None else [Path(p) for p in data]
        store, self.cache_built = sources_store(self.sources, self.ontology_dir, self.examples_dir, files, cache)
        return store

    # -- queries ------------------------------------------------------------------------------------

    def queries(self) -> dict:
        """The query library (name → querylib.QueryFile, with title, question and params)."""
        from .store.querylib import load_library

        return load_library(self.queries_dir)

    def query(self, text: str, /, **params) -> Rows:
        """Run a library query by name, a ``.rq`` file, or SPARQL text. Library parameters are given as
        on the command line (``session="data:case/annie/session/1"``); parameters of SPARQL text are
        Python values or pyoxigraph terms (``iri("data:…")`` for an IRI), bound, never pasted in."""
        if not _is_sparql(text):
            return self.library_query(text, **params)
        return Rows(self.store.query(text, {name: _term(value) for name, value in params.items()}))

    def library_query(self, name, /, **params) -> Rows:
        """A library query by name, a ``.rq`` file, or a querylib.QueryFile (``parse_query`` of text read
        elsewhere, e.g. standard input), as ``prc-kg query NAME --param …``; a bad name, parameter or
        query is an InputError naming the query file."""
        from .store.querylib import QueryFile, find_query

        q = name if isinstance(name, QueryFile) else find_query(name, self.queries_dir)
        bindings = q.bindings({key: _text(value) for key, value in params.items()})
        try:
            return Rows(self.store.query(q.text, bindings))
        except QueryError as exc:
            raise InputError(q.path, str(exc)) from exc

    # -- coded corpora ------------------------------------------------------------------------------

    def corpus(self, corpus: str | None = None) -> list[Conversation]:
        """The conversations of a coded corpus (all corpora when None), utterances and annotations in
        order (analysis.corpus.read_corpus); an unknown corpus raises UnknownName listing the known."""
        from .analysis.corpus import read_corpus

        return read_corpus(self.store, corpus)

    def agreement(self, corpus: str | None = None, bootstrap: int = 1000, seed: int = 1,
                  confidence: float = 0.95) -> list[Agreement]:
        """Agreement between annotators per coding dimension and per code: Fleiss' kappa and
        Krippendorff's alpha with bootstrap intervals, as ``prc-kg agreement``."""
        from .analysis.agreement import agreement

        return agreement(self.corpus(corpus), bootstrap, seed, confidence)

    def speaker_transitions(self, source: str = "therapist", target: str = "patient", lag: int = 1,
                            by: str | None = None, dimensions: Iterable[str] | None = None,
                            corpus: str | None = None, absence: bool = False) -> SpeakerTransitions:
        """What follows what from one speaker's utterances to the other's (lag ``lag``), per
        conversation and per value of attribute ``by``, as ``prc-kg transitions``; ``absence``
        keeps the absence codes (no reflection, …) as codes (``--absence-codes``)."""
        from .analysis.codes import read_code_index
        from .analysis.speaker_transitions import speaker_transitions

        return speaker_transitions(self.corpus(corpus), source, target, lag, list(dimensions or []) or None, by,
                                   read_code_index(self.store), absence)

    def code_profiles(self, by: str | None = None, corpus: str | None = None,
                      absence: bool = False) -> ProfileReport:
        """Code counts, rates and MI summary scores per conversation, per value of ``by`` and over
        all, as ``prc-kg profile``; ``absence`` counts the absence codes too (``--absence-codes``)."""
        from .analysis.codes import read_code_index
        from .analysis.profiles import code_profiles

        return code_profiles(self.corpus(corpus), read_code_index(self.store), by, absence)

    # -- full-text search ---------------------------------------------------------------------------

    def search(self, text: str, limit: int = 20, *, fts: bool = False) -> list:
        """Turns and commentaries whose text holds the words of ``text``, best first (bm25), as
        ``textindex.Hit`` (iri, conversation_iri, label, snippet): ``prc-kg search``. A graph opened from
        a store uses the index ``load`` built beside it; a graph built from the sources gets an index of
        its own in a temporary folder on the first search (removed with the graph); an endpoint has
        none (PrcKgError). The IRIs feed SPARQL, e.g. in a ``VALUES ?utterance { … }`` block."""
        from .store import textindex

        if self.kind == "store":
            self.store  # noqa: B018 - opening tidies what a killed load left and checks the folder
            return textindex.search(self.store_dir, text, limit, fts=fts)
        if self.kind == "endpoint":
            raise PrcKgError("search reads the text index of a store folder; an endpoint has none: open the "
                             "graph with KnowledgeGraph.from_store, or filter ?text with CONTAINS in SPARQL")
        cached = getattr(self.store, "path", None)  # the cached store of the sources has its index beside it
        if cached is not None and (cached / textindex.INDEX_FILE).is_file():
            return textindex.search_file(cached / textindex.INDEX_FILE, text, limit, fts=fts)
        if self._index is None:
            import tempfile

            self._index = tempfile.TemporaryDirectory(prefix="prc-kg-text-index-")
            textindex.build_index(self.store.ox, Path(self._index.name))
        return textindex.search_file(Path(self._index.name) / textindex.INDEX_FILE, text, limit, fts=fts)

    # -- checks and views ---------------------------------------------------------------------------

    def validate(self, data: Iterable[Path] = (), allow: Iterable[Path] = (), *,
                 progress: Callable | None = None, engine: str = "fast") -> Validation:
        """The instance gates (privacy, SHACL) over the examples and ``data`` (further RDF files; N-Triples
        streamed), allow-lists of the examples plus ``allow``: ``prc-kg validate``. ``engine``: "fast" or
        "pyshacl" (SHACL's reference). ``progress`` receives each step (a ``prc_kg.progress.Event``)."""
        if progress is not None:
            from .progress import reporting

            with reporting(progress):
                return self.validate(data, allow, engine=engine)
        from .checks.validation import run_instance_gates

        if self.kind != "sources":
            raise PrcKgError(f"validate checks the sources; this graph was opened from a {self.kind}: "
                             "open it with KnowledgeGraph.from_sources")
        return Validation(run_instance_gates(self.sources, self.ontology_dir, self.examples_dir, data, allow, engine))

    def source_folders(self) -> list[tuple[str, Path]]:
        """The folders this graph reads (named), which no output may be, lie in, or hold."""
        from .instances.examples import default_examples_dir
        from .ontology.source import default_ontology_dir

        found = [("ontology folder", Path(self.ontology_dir or default_ontology_dir())),
                 ("examples folder", Path(self.examples_dir or default_examples_dir()))]
        if self.queries_dir:
            found.append(("queries folder", Path(self.queries_dir)))
        if self.store_dir:
            found.append(("store folder", self.store_dir))
        return found

    def import_utterances(self, path: Path | str, layout: Path | str, output: Path | str | None = None, *,
                          corpus: str | None = None, text: bool = True,
                          progress: Callable[[int], None] | None = None):
        """Import a corpus of coded utterances (CSV/TSV) read through a layout file, as ``prc-kg
        import-utterances``: all or nothing, never over an input or into a source folder. ``output``
        defaults to ``build/utterances/CORPUS.nt`` (``utterances_dir``), where the graph looks for
        corpora; ``corpus`` to the file's stem. Returns utterances.UtteranceImportResult."""
        from .fileio.outputs import check_outputs
        from .instances.utterances import import_utterances
        from .ontology.terms import TermIndex

        path, layout = Path(path), Path(layout)
        name = corpus if corpus is not None else path.stem
        target = Path(output) if output is not None else utterances_dir(self.ontology_dir) / f"{name}.nt"
        check_outputs([target], [], [path, layout, *ontology_files(self.ontology_dir)], self.source_folders())
        if self._sources is not None:
            ontology = self._sources[1]
        else:
            from .ontology.build import merged_release_graph
            from .ontology.source import load_source

            ontology = merged_release_graph(load_source(self.ontology_dir))
        return import_utterances(path, layout, target, TermIndex(ontology), corpus=name, text=text, progress=progress)

    def build_views(self, out: Path | str, views: Iterable[str] | None = None, threshold: float = 3.0,
                    alpha: float = 0.05, items: Iterable[str] | None = None) -> list:
        """Write the HTML views (all by default) and index.html into ``out``, as ``prc-kg viz``: all or
        none, and never into or over a source folder or an input. Returns viz.ViewSummary per page."""
        from .fileio.outputs import check_outputs
        from .views.build import build_views
        from .views.registry import DEFAULT_ITEMS, OVERVIEW, select

        out = Path(out)
        try:
            chosen = select(views)
        except ValueError as exc:
            raise PrcKgError(str(exc)) from exc
        if not chosen:
            raise PrcKgError("no view chosen; leave views out for all of them")
        pages = [out / view.file for view in chosen] + [out / f"{OVERVIEW[0]}.html"]
        check_outputs(pages, [out], ontology_files(self.ontology_dir), self.source_folders())
        return build_views(self.store, out, [view.name for view in chosen], threshold, alpha, tuple(DEFAULT_ITEMS if items is None else items))


def _open_store(path: Path) -> Store:
    """A store folder, after putting back what a killed ``load`` left moved aside."""
    from .store.backends import open_store
    from .store.storedir import tidy

    tidy(path)
    if not path.is_dir():
        raise InputError(path, f"no store here; create it with `prc-kg load --store {path}`")
    try:
        return open_store(path)
    except OSError as exc:
        raise InputError(path, f"not a store made by `prc-kg load --store` ({exc})") from exc
