"""SHACL validation of instance data (examples, imported ratings) against ``ontology/shapes``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Namespace
from rdflib.namespace import RDF

from .. import paths
from ..errors import PrcKgError
from ..ontology.source import parse_file

SH = Namespace("http://www.w3.org/ns/shacl#")


def default_shapes_dir() -> Path:
    return paths.shapes_dir()


@dataclass(frozen=True)
class Violation:
    severity: str
    focus: str
    path: str
    value: str
    message: str

    def __str__(self) -> str:
        where = f" {self.path}" if self.path else ""
        value = f" = {self.value}" if self.value else ""
        return f"{self.severity}: {self.focus}{where}{value}: {self.message}"


def load_shapes(folder: Path | None = None) -> Graph:
    shapes = Graph()
    for path in sorted((Path(folder) if folder else default_shapes_dir()).glob("*.ttl")):
        shapes += parse_file(path)
    return shapes


ENGINES = ("fast", "pyshacl")
"""fast: the shapes compiled to SPARQL on Oxigraph (shacl_fast.py); pyshacl: the reference implementation."""


def validate(data: Graph, ontology: Graph, shapes: Graph | None = None, *, engine: str = "fast",
             data_files: Sequence[Path] = ()) -> list[Violation]:
    """Run the shapes with RDFS inference over ontology + data (+ ``data_files``, N-Triples streamed into the
    fast engine's store); return every result, sorted. Both engines give the same results."""
    return run(data, ontology, shapes, engine=engine, data_files=data_files)[0]


def run(data: Graph, ontology: Graph, shapes: Graph | None = None, *, engine: str = "fast",
        data_files: Sequence[Path] = ()) -> tuple[list[Violation], int]:
    """``validate`` and how many instance triples (the data without the ontology) were validated."""
    shapes = shapes if shapes is not None else load_shapes()
    if engine == "fast":
        from .shacl_fast import validate_fast

        return validate_fast(data, ontology, shapes, data_files)
    if engine != "pyshacl":
        raise PrcKgError(f"unknown SHACL engine '{engine}'; expected one of {', '.join(ENGINES)}")
    if data_files:
        data = data + Graph()
        for path in data_files:
            data += parse_file(Path(path))  # whole, in memory: the size cap of parse_file holds
    return validate_pyshacl(data, ontology, shapes), len(data)


def validate_pyshacl(data: Graph, ontology: Graph, shapes: Graph) -> list[Violation]:
    """pySHACL, the reference: the ontology mixed in, as the fast engine's store holds it."""
    import pyshacl

    from .shacl_shapes import path_text

    _conforms, results, _ = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=ontology,
        inference="rdfs", advanced=True, allow_warnings=True,
    )
    out = []
    for r in results.subjects(RDF.type, SH.ValidationResult):
        severity = str(results.value(r, SH.resultSeverity)).rsplit("#", 1)[-1]
        path = results.value(r, SH.resultPath)
        out.append(Violation(
            severity=severity,
            focus=str(results.value(r, SH.focusNode)),
            path=path_text(results, path) if path is not None else "",
            value=_str(results.value(r, SH.value)),  # not `or ""`: Literal("0") is false
            message=_str(results.value(r, SH.resultMessage)),
        ))
    return sorted(set(out), key=lambda v: (v.focus, v.path, v.message, v.value))


def _str(node) -> str:
    return "" if node is None else str(node)
