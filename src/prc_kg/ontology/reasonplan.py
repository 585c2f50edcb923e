"""`prc-kg reason`'s two ways: HermiT on everything, or HermiT on the ontology and OWL 2 RL on the instances.

``engine="hermit"`` is the complete judge: HermiT reads ontology and instances together (seconds of
Java per run, kept in the cache against the exact input). ``engine="fast"`` (the default) splits the
work where each engine is sound and quick: HermiT judges the ontology's consistency and classifies its
classes (its answer cached against the exact RDF/XML of the ontology, so it reruns only when the
ontology changes); ``reasonable`` applies that classification to the instances under the OWL 2 RL
rules and ``rlreasoning`` checks them for clashes. What the fast way cannot see is listed in
``rlreasoning``'s docstring; ``--engine hermit`` sees it.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from rdflib import Graph

from .build import canonical, serialise
from .reasoncache import cached_hermit
from .reasoning import DEFAULT_TIMEOUT, ReasonerReport

ENGINES = ("fast", "hermit")


def hermit_on_graph(graph: Graph, timeout: float = DEFAULT_TIMEOUT, use_cache: bool = True) -> tuple[ReasonerReport, bool]:
    """HermiT on ``graph`` written as RDF/XML (deterministic bytes, so the cache key is stable)."""
    with tempfile.TemporaryDirectory(prefix="prc-kg-reason-") as tmp:
        path = Path(tmp) / "prc-kg.owl"
        path.write_bytes(serialise(graph, "xml"))
        return cached_hermit(path, timeout, use_cache)


def reason(ontology: Graph, instances: Graph | None = None, engine: str = "fast",
           timeout: float = DEFAULT_TIMEOUT, use_cache: bool = True) -> ReasonerReport:
    """Check and classify ``ontology`` (a release graph) with ``instances`` if given; see the module text.

    The report's message names the engine behind each part and whether HermiT's answer was cached.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown reasoning engine {engine!r}; expected one of {', '.join(ENGINES)}")
    if instances is None or engine == "hermit":
        graph = ontology if instances is None else canonical(ontology + instances)
        report, cached = hermit_on_graph(graph, timeout, use_cache)
        if cached:
            report.message += " (answer kept from an earlier run on the same input)"
        return report
    return _fast(ontology, instances, timeout, use_cache)


def _fast(ontology: Graph, instances: Graph, timeout: float, use_cache: bool) -> ReasonerReport:
    from .rlreasoning import rl_reason

    tbox, cached = hermit_on_graph(ontology, timeout, use_cache)
    if not tbox.consistent:
        tbox.message += "; the instances were not checked"
        return tbox
    start = time.perf_counter()
    rl = rl_reason(ontology, instances, tbox.inferred_subclass_of)
    rl_seconds = time.perf_counter() - start
    hermit = "HermiT: ontology consistent" + (" (answer kept from an earlier run on the same ontology)" if cached
                                              else f" ({tbox.seconds:.2f} s)")
    verdict = (f"{len(rl.clashes)} clash(es) in the instances" if rl.clashes
               else "no clash in the instances")
    message = f"{hermit}; OWL 2 RL (reasonable): {verdict} ({rl_seconds:.2f} s)"
    return ReasonerReport(
        consistent=not rl.clashes, seconds=(0.0 if cached else tbox.seconds) + rl_seconds,
        unsatisfiable=tbox.unsatisfiable, inferred_subclass_of=tbox.inferred_subclass_of,
        inferred_types=rl.inferred_types(), entailed_types=rl.entailed_types,
        clashes=list(rl.clashes), message=message)
