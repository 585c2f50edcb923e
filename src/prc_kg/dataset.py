"""The knowledge graph in a store: ontology, examples, imported ratings and materialised inferences."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from .inference import materialise
from .release import canonical
from .store import EmbeddedStore


def load_dataset(ontology: Graph, examples: Graph | None = None, extra_files: list[Path] | None = None,
                 store_dir: Path | None = None) -> tuple[EmbeddedStore, int]:
    """Fill an embedded store (in memory, or persistent in ``store_dir``) and materialise inferences.

    Returns the store and the number of inferred triples added.
    """
    store = EmbeddedStore(store_dir)
    if len(store):
        store.ox.clear()
    store.load_graph(ontology)
    if examples is not None:
        store.load_graph(canonical(examples))
    for path in extra_files or []:
        store.load_file(path)
    added = materialise(store.ox, ontology)
    store.flush()
    return store, added
