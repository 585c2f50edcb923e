"""The knowledge graph in a store: ontology, mappings, examples, imported ratings and materialised inferences."""

from __future__ import annotations

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
    store = EmbeddedStore(store_dir)
    if len(store):
        store.ox.clear()
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


def _mapping_graph(ontology: Graph, mappings: Graph | Path | None) -> Graph | None:
    if isinstance(mappings, Graph):
        return mappings
    if mappings is not None:
        return load_mappings(Path(mappings), ontology)
    default = mapping_file(default_ontology_dir())
    if has_mappings(ontology) or not default.exists():
        return None
    return load_mappings(default, ontology)
