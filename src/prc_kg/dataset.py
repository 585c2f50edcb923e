"""The knowledge graph in a store: ontology, examples, imported ratings and materialised inferences."""

from __future__ import annotations

import tempfile
from pathlib import Path

from rdflib import Graph

from .files import write_files_atomically
from .inference import materialise
from .release import canonical, serialise
from .store import EmbeddedStore


def load_dataset(ontology: Graph, examples: Graph | None = None, extra_files: list[Path] | None = None,
                 store_dir: Path | None = None) -> tuple[EmbeddedStore, int]:
    """Fill an embedded store (in memory, or persistent in ``store_dir``) and materialise inferences.

    Returns the store and the number of inferred triples added.
    """
    store = EmbeddedStore(store_dir)
    if len(store):
        store.ox.clear()
    with tempfile.TemporaryDirectory(prefix="prc-kg-load-") as tmp:
        parts = {Path(tmp) / "ontology.nt": serialise(ontology, "nt")}
        if examples is not None:
            parts[Path(tmp) / "examples.nt"] = serialise(canonical(examples), "nt")
        write_files_atomically(parts)
        for path in parts:
            store.load_file(path, trusted=True)  # just serialised by rdflib from checked sources
    for path in extra_files or []:
        store.load_file(path)
    added = materialise(store.ox, ontology)
    store.flush()
    return store, added
