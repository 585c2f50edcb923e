"""``prc-kg validate``'s run of the instance gates over the sources (api.KnowledgeGraph.validate): the
key of each gate's cached outcome is made from the files first (gatecache.py), and the ontology, the
examples and the ``--data`` files are parsed only when a gate has to run."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from .gatecache import GateSources
from .gates import VALIDATE_GATES, GateInputs, GateRun, run_gates, shapes_beside


def run_instance_gates(read_sources: Callable[[], tuple], ontology_dir: Path | None, examples_dir: Path | None,
                       data: Iterable[Path] = (), allow: Iterable[Path] = (), engine: str = "fast") -> GateRun:
    """The instance gates (privacy, SHACL) over the examples and ``data`` (further RDF files), with the
    examples' allow-list plus ``allow``; ``read_sources`` gives (source, merged ontology, examples).
    With the fast SHACL engine, N-Triples data is streamed into its store, never parsed whole (no size
    cap), and goes to the privacy check as a streamed corpus."""
    data, allow = [Path(p) for p in data], [Path(p) for p in allow]
    streamed = [p for p in data if p.suffix.lower() == ".nt" and engine == "fast"]

    def inputs() -> GateInputs:
        from ..ontology.source import parse_file

        source, ontology, examples = read_sources()
        graphs = [(path, parse_file(path)) for path in data if path not in streamed]
        instances = examples.graph
        for _, graph in graphs:
            instances = instances + graph  # a new graph: the examples (and the store built from them) stay as read
        return GateInputs(ontology, instances, len(examples.files) + len(data), examples_dir, graphs, allow,
                          shapes_beside(source), corpora=streamed, streamed=streamed, engine=engine)

    folder = Path(ontology_dir) if ontology_dir else None
    shapes = folder / "shapes" if folder and (folder / "shapes").is_dir() else None  # as shapes_beside finds it
    return run_gates(VALIDATE_GATES, inputs, sources=GateSources(folder, examples_dir, shapes, None, data, allow,
                                                                   corpora=streamed, options=f"engine={engine}"))
