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
import threading
import time
from collections.abc import Callable
from pathlib import Path

from rdflib import Graph

from .build import canonical, serialise
from .reasoncache import cached_hermit
from .reasoning import DEFAULT_TIMEOUT, ReasonerReport, allow_hermit, stop_hermit

ENGINES = ("fast", "hermit")


def hermit_on_graph(graph: Graph, timeout: float = DEFAULT_TIMEOUT, use_cache: bool = True,
                    quick: bool = False) -> tuple[ReasonerReport, bool]:
    """HermiT on ``graph`` written as RDF/XML (deterministic bytes, so the cache key is stable); ``quick``
    for the short run on the ontology alone (reasoning.run_hermit)."""
    with tempfile.TemporaryDirectory(prefix="prc-kg-reason-") as tmp:
        path = Path(tmp) / "prc-kg.owl"
        path.write_bytes(serialise(graph, "xml"))
        return cached_hermit(path, timeout, use_cache, quick)


def reason(ontology: Graph, instances: Graph | Callable[[], Graph] | None = None, engine: str = "fast",
           timeout: float = DEFAULT_TIMEOUT, use_cache: bool = True) -> ReasonerReport:
    """Check and classify ``ontology`` (a release graph) with ``instances`` if given; see the module text.

    ``instances`` may be a function that reads them: the fast way calls it while HermiT runs.
    The report's message names the engine behind each part and whether HermiT's answer was cached.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown reasoning engine {engine!r}; expected one of {', '.join(ENGINES)}")
    if instances is None or engine == "hermit":
        if callable(instances):
            instances = instances()
        graph = ontology if instances is None else canonical(ontology + instances)
        report, cached = hermit_on_graph(graph, timeout, use_cache)
        if cached:
            report.message += " (answer kept from an earlier run on the same input)"
        return report
    return _fast(ontology, instances, timeout, use_cache)


class _Background(threading.Thread):
    """HermiT on the ontology in a thread: Java works while Python reads the instances and runs the rules."""

    def __init__(self, ontology: Graph, timeout: float, use_cache: bool):
        super().__init__(daemon=True, name="prc-kg-hermit")
        self.args = (ontology, timeout, use_cache, True)  # the ontology alone: a short run
        self.result: tuple[ReasonerReport, bool] | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = hermit_on_graph(*self.args)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller by answer(), who re-raises it
            self.error = exc

    def answer(self) -> tuple[ReasonerReport, bool]:
        self.join()
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


def _fast(ontology: Graph, instances: Graph | Callable[[], Graph], timeout: float, use_cache: bool) -> ReasonerReport:
    from .rlreasoning import rl_reason

    allow_hermit()
    hermit = _Background(ontology, timeout, use_cache)
    hermit.start()
    try:
        graph = instances() if callable(instances) else instances
        start = time.perf_counter()
        rl = rl_reason(ontology, graph)
        rl_seconds = time.perf_counter() - start
        tbox, cached = hermit.answer()
    except BaseException:
        stop_hermit()  # interrupted, or the instances could not be read: no Java left running
        hermit.join()
        allow_hermit()  # for the next run in this process
        raise
    if not tbox.consistent:
        tbox.message += "; the instances were not checked"
        return tbox
    if _misses(rl.entailed_types, tbox.inferred_subclass_of):
        # HermiT inferred a subclass axiom whose consequences the rules did not reach: run them again with it
        start = time.perf_counter()
        rl = rl_reason(ontology, graph, tbox.inferred_subclass_of)
        rl_seconds += time.perf_counter() - start
    rl.add_subclass_axioms(tbox.inferred_subclass_of)  # so new memberships are listed most specific first, as HermiT's
    told = "ontology consistent" + (" (answer kept from an earlier run on the same ontology)" if cached
                                    else f" ({tbox.seconds:.2f} s)")
    verdict = f"{len(rl.clashes)} clash(es) in the instances" if rl.clashes else "no clash in the instances"
    return ReasonerReport(
        consistent=not rl.clashes, seconds=(0.0 if cached else tbox.seconds) + rl_seconds,
        unsatisfiable=tbox.unsatisfiable, inferred_subclass_of=tbox.inferred_subclass_of,
        inferred_types=rl.inferred_types(), entailed_types=rl.entailed_types, clashes=list(rl.clashes),
        message=f"HermiT: {told}; OWL 2 RL (reasonable): {verdict} ({rl_seconds:.2f} s)")


def _misses(entailed: set[tuple[str, str]], subclass_of: list[tuple[str, str]]) -> bool:
    """Whether some individual of C is not yet of D for an inferred C SubClassOf D (else adding the
    axioms to the rules' input would entail nothing new: their materialisation is a fixpoint)."""
    by_class: dict[str, set[str]] = {}
    for ind, cls in entailed:
        by_class.setdefault(cls, set()).add(ind)
    return any(not by_class.get(c, set()) <= by_class.get(d, set()) for c, d in subclass_of)
