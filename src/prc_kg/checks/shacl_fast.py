"""The fast SHACL engine: the shapes compiled to SPARQL (shacl_sparql.py) and run on an Oxigraph store
of ontology + instance data with the RDFS closure (shacl_store.py).

pySHACL evaluates shape by shape in Python over rdflib and took 215 s on the examples plus 100k
rating triples; here each constraint is one query the store answers over all focus nodes at once.
It reports what pySHACL reports (focus, path, value, message, severity), which
tests/test_shacl_engines.py checks on a planted-fault corpus.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from .shacl import Violation
from .shacl_mixin import mixed_in
from .shacl_shapes import UnsupportedShape, top_shapes
from .shacl_sparql import Check, Compiler, all_prefixes
from .shacl_store import ValidationStore

_TEMPLATE = re.compile(r"\{[?$](\w+)\}")


def compile_shapes(shapes: Graph) -> list[tuple[Check, str]]:
    """Every check of every targeted shape with its full query text; UnsupportedShape names what is not known."""
    compiler = Compiler()
    out = []
    for shape in top_shapes(shapes):
        head = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(all_prefixes(shape).items()))
        for check in compiler.checks(shape):
            if check.message is None:
                raise UnsupportedShape(f"{check.shape.name}: a result without sh:message (pySHACL writes its "
                                       "own text there; give the shape an sh:message)")
            out.append((check, head + check.query))
    return out


def _text(node) -> str:
    return "" if node is None else node.value


def _results(store: ox.Store, check: Check, query: str) -> list[Violation]:
    found = []
    for row in store.query(query):
        focus = _text(row["this"])
        if check.value == "focus":
            value = focus
        elif check.value == "none":
            value = ""
        else:
            value = _text(row["lexical"]) if _bound(row, "lexical") \
                else _text(row["value"]) if _bound(row, "value") else focus
        path = check.path
        message = check.message or ""
        if check.path_from_row:
            path = _text(row["path"]) if _bound(row, "path") else path
            message = _TEMPLATE.sub(lambda m: _text(row[m.group(1)]) if _bound(row, m.group(1)) else m.group(0),
                                    message)
        found.append(Violation(check.shape.severity, focus, path, value, message))
    return found


def _bound(row, name: str) -> bool:
    try:
        return row[name] is not None
    except (KeyError, IndexError):
        return False


def build_store(instances: Graph, ontology: Graph, data_files: Sequence[Path] = ()) -> ValidationStore:
    """The store the checks run on: ontology, instances and streamed N-Triples files, RDFS-closed."""
    store = ValidationStore()
    store.add_graph(mixed_in(ontology))
    store.add_graph(instances)
    for path in data_files:
        store.add_file(Path(path))
    store.close_rdfs()
    return store


def validate_fast(instances: Graph, ontology: Graph, shapes: Graph,
                  data_files: Sequence[Path] = ()) -> tuple[list[Violation], int]:
    """Every result, sorted as pySHACL's are, and how many triples were read (before inference)."""
    checks = compile_shapes(shapes)  # refuse an unknown feature before loading anything
    store = build_store(instances, ontology, data_files)
    found = {v for check, query in checks for v in _results(store.ox, check, query)}
    return sorted(found, key=lambda v: (v.focus, v.path, v.message, v.value)), store.loaded
