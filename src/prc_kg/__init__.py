"""prc-kg: a knowledge graph of the psychotherapy process, after the PRC educational manual.

The front door for Python (``api``)::

    from prc_kg import KnowledgeGraph
    kg = KnowledgeGraph.from_sources()            # or .from_store(DIR), .from_endpoint(URL)
    for row in kg.query("cq01_session_intervention_types"):
        print(row)

The library is layered; each package imports only the ones below it (checked by import-linter,
``tests/test_architecture.py``): ``cli`` → ``api`` → ``release`` → ``checks`` → ``instances``,
``views`` → ``endpoint``, ``analysis`` → ``store`` → ``ontology`` → ``fileio`` → ``paths``, ``vocab``
→ ``errors``, ``progress``, ``prefixes``. The names below are imported on first use, so ``import prc_kg`` stays cheap.
"""

__version__ = "0.1.0"

_FRONT_DOOR = {"KnowledgeGraph": "api", "Validation": "api", "iri": "api", "Rows": "store.rows",
               "PrcKgError": "errors", "InputError": "errors"}
__all__ = ["InputError", "KnowledgeGraph", "PrcKgError", "Rows", "Validation", "__version__", "iri"]


def __getattr__(name: str):
    if name in _FRONT_DOOR:
        from importlib import import_module

        value = getattr(import_module(f".{_FRONT_DOOR[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_FRONT_DOOR})
