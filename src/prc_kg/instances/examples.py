"""All example files of a folder, loaded into one instance graph checked against the ontology."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from .. import paths
from ..errors import InputError
from ..ontology.terms import TermIndex
from ..progress import stepped
from ..vocab import PREFIXES
from .cases import CaseBuilder
from .findings import FindingBuilder

CASE_FOLDERS = ("cases", "vignettes")
FINDING_FOLDERS = ("findings",)


def default_examples_dir() -> Path:
    return paths.examples_dir()


@dataclass
class ExampleSet:
    graph: Graph
    files: list[Path]
    cases: int
    findings: int


@stepped("reading the example instances")
def load_examples(ontology: Graph, folder: Path | None = None) -> ExampleSet:
    """Read every case, vignette and findings YAML file under ``folder`` (sorted, so output is stable)."""
    folder = Path(folder) if folder else default_examples_dir()
    if not folder.is_dir():
        # A mistyped --examples would otherwise build a release with no examples and say nothing.
        raise InputError(folder, "examples folder not found; expected a folder holding "
                         + ", ".join(f"{sub}/" for sub in (*CASE_FOLDERS, *FINDING_FOLDERS)))
    graph = Graph()
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns)
    terms = TermIndex(ontology)
    cases, findings = CaseBuilder(terms, graph), FindingBuilder(terms, graph)
    files: list[Path] = []
    n_cases = n_findings = 0
    for sub in CASE_FOLDERS:
        for path in sorted((folder / sub).glob("*.yaml")):
            n_cases += cases.add_file(path)
            files.append(path)
    findings.case_ids = set(cases.seen_ids)
    for sub in FINDING_FOLDERS:
        for path in sorted((folder / sub).glob("*.yaml")):
            n_findings += findings.add_file(path)
            files.append(path)
    return ExampleSet(graph, files, n_cases, n_findings)
