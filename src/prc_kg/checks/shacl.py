"""SHACL validation of instance data (examples, imported ratings) against ``ontology/shapes``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Namespace
from rdflib.namespace import RDF

from .. import paths
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


def validate(data: Graph, ontology: Graph, shapes: Graph | None = None) -> list[Violation]:
    """Run the shapes with RDFS inference over ontology + data; return every result, sorted."""
    import pyshacl

    _conforms, results, _ = pyshacl.validate(
        data, shacl_graph=shapes if shapes is not None else load_shapes(), ont_graph=ontology,
        inference="rdfs", advanced=True, allow_warnings=True,
    )
    out = []
    for r in results.subjects(RDF.type, SH.ValidationResult):
        severity = str(results.value(r, SH.resultSeverity)).rsplit("#", 1)[-1]
        out.append(Violation(
            severity=severity,
            focus=str(results.value(r, SH.focusNode)),
            path=str(results.value(r, SH.resultPath) or ""),
            value=str(results.value(r, SH.value) or ""),
            message=str(results.value(r, SH.resultMessage) or ""),
        ))
    return sorted(set(out), key=lambda v: (v.focus, v.path, v.message, v.value))
