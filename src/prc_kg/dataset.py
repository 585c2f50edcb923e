"""The knowledge graph in a store: ontology, mappings, examples, imported ratings and materialised inferences."""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
from pathlib import Path

from rdflib import Graph

from .inference import materialise
from .mappings import has_mappings, load_mappings, mapping_file
from .ontology import default_ontology_dir
from .release import canonical
from .store import EmbeddedStore


def load_dataset(ontology: Graph, examples: Graph | None = None, extra_files: list[Path] | None = None,
                 store_dir: Path | None = None, mappings: Graph | Path | None = None) -> tuple[EmbeddedStore, int]:
    """Fill an embedded store (in memory, or persistent in ``store_dir``) and materialise inferences.

    The SKOS mappings to other ontologies and between instrument items are loaded too, so queries can
    cross coding systems: ``mappings`` (a graph, or an SSSOM TSV file checked against ``ontology``), or
    else this checkout's mapping set unless ``ontology`` already carries it (the release graph does).
    Returns the store and the number of inferred triples added.
    """
    if store_dir is None:
        return _fill(EmbeddedStore(None), ontology, examples, extra_files, mappings)
    return _replace_store(Path(store_dir), lambda tmp: _fill(EmbeddedStore(tmp), ontology, examples, extra_files,
                                                             mappings))


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
    return store, added


def _replace_store(store_dir: Path, fill) -> tuple[EmbeddedStore, int]:
    """Build the new store in a sibling folder and swap it in only when it is complete, so a bad
    data file leaves the old store as it was (Oxigraph cannot roll back a bulk load)."""
    store_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{store_dir.name}.new-", dir=store_dir.parent))
    try:
        store, added = fill(tmp)
        del store
        gc.collect()  # closes the RocksDB files before the folder moves
    except BaseException:
        gc.collect()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = store_dir.with_name(f".{store_dir.name}.old-{os.getpid()}")
    if store_dir.exists():
        os.replace(store_dir, old)
    os.replace(tmp, store_dir)
    shutil.rmtree(old, ignore_errors=True)
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
