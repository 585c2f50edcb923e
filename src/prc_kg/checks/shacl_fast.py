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
from rdflib.namespace import RDFS

from .shacl import Violation
from .shacl_mixin import mixed_in
from .shacl_shapes import Shape, UnsupportedShape, top_shapes
from .shacl_sparql import Check, Compiler, all_prefixes, term
from .shacl_store import FOCUS, WRITTEN, ValidationStore

_W = "urn:prc-kg:shacl:"

_TEMPLATE = re.compile(r"\{[?$](\w+)\}")


def compile_shapes(shapes: Graph) -> list[tuple[Shape, list[Check]]]:
    """Every targeted shape with its checks; UnsupportedShape names what is not known."""
    compiler = Compiler()
    out = []
    for index, shape in enumerate(top_shapes(shapes)):
        checks = compiler.checks(shape, index)
        for check in checks:
            if check.message is None:
                raise UnsupportedShape(f"{check.shape.name}: a result without sh:message (pySHACL writes its "
                                       "own text there; give the shape an sh:message)")
        out.append((shape, checks))
    return out


def _head(shape: Shape, check: Check | None = None) -> str:
    prefixes = {**all_prefixes(shape), **(check.prefixes if check else {})}
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(prefixes.items()))


def _literal_props(store: ox.Store, shape: Shape) -> list[str]:
    """Properties whose range is a subclass of a target class of ``shape`` (their literals are focus nodes)."""
    classes = [param for kind, param in shape.targets if kind == "targetClass"]
    if not classes:
        return []
    values = " ".join(term(c) for c in classes)
    query = (f"SELECT DISTINCT ?p WHERE {{ VALUES ?c {{ {values} }} ?p <{RDFS.range}>/<{RDFS.subClassOf}>* ?c }}")
    return sorted(f"<{row['p'].value}>" for row in store.query(query) if isinstance(row["p"], ox.NamedNode))


def _find_focus(store: ox.Store, compiler: Compiler, shape: Shape, index: int) -> None:
    """Write the focus nodes of ``shape`` into the FOCUS graph, once, for all its checks to start from."""
    pattern = compiler.targets(shape, _literal_props(store, shape))
    store.update(_head(shape) + f"INSERT {{ GRAPH <{FOCUS}> {{ <urn:prc-kg:shacl:shape{index}> "
                 f"<urn:prc-kg:shacl:focus> ?this }} }} WHERE {{ {pattern} }}")


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
            value = _text(row["value"]) if _bound(row, "value") else focus
            if check.last and isinstance(row["value"], ox.Literal):
                value = _lexical(store, row["mid"], check.last, row["value"]) or value
        path = check.path
        message = check.message or ""
        if check.path_from_row:
            path = _text(row["path"]) if _bound(row, "path") else path
            message = _fill(message, row)
        found.append(Violation(check.shape.severity, focus, path, value, message))
    return found


def _lexical(store: ox.Store, subject, predicate: str, value: ox.Literal) -> str | None:
    """The lexical form rdflib gives a literal the store canonicalised (a WRITTEN record), else None."""
    query = (f"SELECT ?s ?o ?lex WHERE {{ GRAPH <{WRITTEN.value}> {{ ?r <{_W}o> ?o ; <{_W}s> ?s ; <{_W}p> <{predicate}> ; "
             f"<{_W}lexical> ?lex }} }}")
    for row in store.query(query, substitutions={ox.Variable("s"): subject, ox.Variable("o"): value}):
        return row["lex"].value
    return None


def _fill(message: str, row) -> str:
    """A message template's {?var} and {$var} replaced by the row's bindings, as pySHACL does."""
    return _TEMPLATE.sub(lambda m: _text(row[m.group(1)]) if _bound(row, m.group(1)) else m.group(0), message)


def _bound(row, name: str) -> bool:
    try:
        return row[name] is not None
    except (KeyError, IndexError):
        return False


def build_store(instances: Graph, ontology: Graph, data_files: Sequence[Path] = ()) -> ValidationStore:
    """The store the checks run on: ontology, instances and streamed N-Triples files, RDFS-closed."""
    store = ValidationStore()
    store.add_graph(mixed_in(ontology))
    ontology_triples = store.size()
    store.add_graph(instances)
    for path in data_files:
        store.add_file(Path(path))
    store.loaded = store.size() - ontology_triples
    store.close_rdfs()
    return store


def validate_fast(instances: Graph, ontology: Graph, shapes: Graph,
                  data_files: Sequence[Path] = ()) -> tuple[list[Violation], int]:
    """Every result, sorted as pySHACL's are, and how many instance triples were validated."""
    compiled = compile_shapes(shapes)  # refuse an unknown feature before loading anything
    store = build_store(instances, ontology, data_files)
    compiler = Compiler()
    found: set[Violation] = set()
    for index, (shape, checks) in enumerate(compiled):
        _find_focus(store.ox, compiler, shape, index)
        if not store.ox.query(f"ASK {{ {compiler.focus(index)} }}"):
            continue  # no focus node: nothing to check
        for check in checks:
            found.update(_results(store.ox, check, _head(shape, check) + check.query))
    return sorted(found, key=lambda v: (v.focus, v.path, v.message, v.value)), store.loaded
