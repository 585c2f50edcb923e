"""The knowledge graph in a store: ontology, mappings, examples, imported ratings and materialised inferences."""

from __future__ import annotations

import gc
from collections.abc import Iterable
from pathlib import Path

from rdflib import Graph

from ..ontology.build import canonical
from ..ontology.mappings import has_mappings, load_mappings, mapping_file
from ..ontology.source import default_ontology_dir
from ..progress import stepped
from .backends import EmbeddedStore
from .inference import materialise
from .storedir import replace_store
from .textindex import build_index


@stepped(lambda *args, **kwargs: "building the store in memory" if (args[3:4] or [kwargs.get("store_dir")])[0] is None
         else f"loading the store {(args[3:4] or [kwargs.get('store_dir')])[0]}")
def load_dataset(ontology: Graph, examples: Graph | None = None, extra_files: list[Path] | None = None,
                 store_dir: Path | None = None, mappings: Graph | Path | None = None,
                 keep_apart: Iterable[tuple[str, Path]] = ()) -> tuple[EmbeddedStore, int]:
    """Fill an embedded store (in memory, or persistent in ``store_dir``) and materialise inferences.

    A persistent store gets its full-text index of turn and commentary texts (textindex.py) in the
    same folder. It replaces only a store prc-kg made (or an empty folder), never ``store_dir``
    when it is, contains or lies inside one of ``keep_apart`` (name, path: the sources in use) or
    the current folder (InputError, nothing changed).

    The SKOS mappings to other ontologies and between instrument items are loaded too, so queries can
    cross coding systems: ``mappings`` (a graph, or an SSSOM TSV file checked against ``ontology``), or
    else this checkout's mapping set unless ``ontology`` already carries it (the release graph does).
    Returns the store and the number of inferred triples added.
    """
    if store_dir is None:
        return _fill(EmbeddedStore(None), ontology, examples, extra_files, mappings)
    return _replace_store(Path(store_dir), lambda tmp: _fill(EmbeddedStore(tmp), ontology, examples, extra_files,
                                                             mappings), keep_apart)


def _fill(store: EmbeddedStore, ontology: Graph, examples: Graph | None, extra_files: list[Path] | None,
          mappings: Graph | Path | None) -> tuple[EmbeddedStore, int]:
    store.load_graph(ontology)
    mapping_graph = _mapping_graph(ontology, mappings)
    if mapping_graph is not None:
        store.load_graph(mapping_graph)
    if examples is not None:
        store.load_graph(canonical(examples))
    for path in extra_files or []:
        store.load_file(path)
    added = materialise(store.ox, ontology)
    store.flush()
    if store.path is not None:  # the new store folder, before it is swapped in: store and index move together
        build_index(store.ox, store.path)
    return store, added


def _replace_store(store_dir: Path, fill, keep_apart: Iterable[tuple[str, Path]] = ()) -> tuple[EmbeddedStore, int]:
    """Build the new store in a sibling folder and swap it in only when it is complete, so a bad
    data file leaves the old store as it was (Oxigraph cannot roll back a bulk load)."""
    def build(tmp: Path) -> int:
        try:
            store, added = fill(tmp)
            del store
        finally:
            gc.collect()  # closes the RocksDB files before the folder moves or is removed
        return added

    added = replace_store(store_dir, build, keep_apart)
    return EmbeddedStore(store_dir), added


def _mapping_graph(ontology: Graph, mappings: Graph | Path | None) -> Graph | None:
    if isinstance(mappings, Graph):
        return mappings
    if mappings is not None:
        return load_mappings(Path(mappings), ontology)
    default = mapping_file(default_ontology_dir())
    if has_mappings(ontology) or not default.exists():
        return None
    return load_mappings(default, ontology)
