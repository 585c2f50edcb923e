"""The gates data must pass before it is shared: ONE ordered list that `prc-kg validate` and
`prc-kg release` both run.

With two lists, release ran QC and SHACL but not the privacy check that validate ran, and wrote a
release holding a phone number. Here each gate says what it checks, the ontology or the instance
data; validate runs the instance gates and release runs them all, both taken from ``GATES``, so a
gate added to the list is run by every command that should run it.

The list is in order of cost, cheapest first: a command that only needs to know whether all pass
(release) may skip a costly gate once a check has failed. A gate's bad input (a QC file without a
header, a CSV that does not parse) is an InputError that stops the command with its file and line;
anything else a gate raises is reported as that gate failing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rdflib import Graph

from .. import paths
from ..errors import PrcKgError
from ..ontology.source import OntologySource
from ..progress import step, stepped
from .gatecache import GateCache, GateSources

ONTOLOGY = "ontology"
INSTANCES = "instances"
ALL_SOURCES = ("ontology", "shapes", "qc", "examples", "data", "allow", "corpora")


@dataclass(frozen=True)
class GateInputs:
    """What the gates look at: the (merged) ontology graph, the instance data and where it came from."""

    ontology: Graph
    instances: Graph
    instance_files: int  # how many files the instance data was read from (examples and --data)
    examples: Path | None = None  # the examples folder, its YAML and CSV files checked line by line
    data: Sequence[tuple[Path, Graph]] = ()  # further RDF data, checked by subject and property
    allow: Sequence[Path] = ()  # further allow-lists of pseudonyms, besides the examples folder's
    shapes_dir: Path | None = None  # None: ontology/shapes of this checkout
    qc_dir: Path | None = None  # None: queries/qc of this checkout
    corpora: Sequence[Path] = ()  # imported corpora (N-Triples, streamed): checked for identifiers only
    streamed: Sequence[Path] = ()  # N-Triples data, streamed into the SHACL store (never parsed whole)
    engine: str = "fast"  # the SHACL engine: "fast" (shapes as SPARQL on Oxigraph) or "pyshacl" (the reference)


@dataclass(frozen=True)
class Outcome:
    """What one gate found: pass or fail, a short detail, the line a check command prints last,
    every line worth showing (warnings too) and the lines that make it fail."""

    ok: bool
    detail: str
    summary: str
    lines: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Gate:
    """A named check, what it checks (ONTOLOGY or INSTANCES), whether it is slow, and how many of its
    problems a refusal lists (None: every one, as each is a spot the user must fix)."""

    name: str
    checks: str
    costly: bool
    run: Callable[[GateInputs], Outcome]
    limit: int | None = 10
    reads: tuple[str, ...] = ALL_SOURCES  # the GateSources groups its outcome depends on (its cache key)


@dataclass(frozen=True)
class GateResult:
    """A gate's outcome with its name and how long it took (timing is printed, never written);
    ``cached``: the outcome of an earlier run on the same inputs (gatecache.py), found in ``seconds``;
    ``crashed``: the checker raised, so the outcome is a report of that, never cached."""

    gate: Gate
    outcome: Outcome
    seconds: float
    cached: bool = False
    crashed: bool = False

    @property
    def name(self) -> str:
        return self.gate.name

    @property
    def ok(self) -> bool:
        return self.outcome.ok

    def reason(self) -> str:
        """The detail, then the problems one per line below it (the first few, or all for privacy)."""
        return self.outcome.detail + listing(self.outcome.problems, self.gate.limit)


@dataclass
class GateRun:
    """The results of the gates that ran, in list order, and the names of those skipped."""

    results: list[GateResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.skipped and all(r.ok for r in self.results)

    @property
    def failed(self) -> list[GateResult]:
        return [r for r in self.results if not r.ok]


def listing(lines: Iterable[str], limit: int | None = 10) -> str:
    """Problems one per line under the check's name; a long list is cut at ``limit`` to stay readable."""
    items = list(lines)
    shown = items if limit is None else items[:limit]
    more = len(items) - len(shown)
    return "".join(f"\n    {line}" for line in shown) + (f"\n    … and {more} more" if more else "")


def shapes_beside(source: OntologySource) -> Path | None:
    """The shapes beside the ontology in use (a scratch copy has its own), else None for the default."""
    folder = source.main_path.parent / "shapes"
    return folder if folder.is_dir() else None


# -- the gates ---------------------------------------------------------------------------------------------

def _qc(inputs: GateInputs) -> Outcome:
    """The QC checks on the ontology with the instance data, as `prc-kg qc` runs them: the checks on
    findings (typed relation, direct edges, moderator levels) have nothing to look at without it."""
    from .qc import LEVELS, run_qc

    report = run_qc(inputs.ontology, inputs.qc_dir, instances=inputs.instances)
    counts = ", ".join(f"{report.count(level)} {level}" for level in LEVELS)
    lines = tuple(f"{v.level} {v.rule} {v.entity} {v.property}".strip() + (f" ({v.hint})" if v.hint else "")
                  for v in report.violations)
    errors = tuple(line for v, line in zip(report.violations, lines, strict=True) if v.level == "ERROR")
    detail = f"{len(report.checks)} checks; {counts}" if report.ok else counts
    return Outcome(report.ok, detail, f"QC: {len(report.checks)} checks; {counts}", lines, errors)


def _privacy(inputs: GateInputs) -> Outcome:
    from .privacy import allowlist_for, check_graph, check_paths, example_files

    allow = allowlist_for(inputs.examples, inputs.allow)
    report = check_paths([*example_files(inputs.examples), *inputs.corpora], allow)
    for path, graph in inputs.data:
        report.findings += check_graph(graph, allow, str(path))
        report.files.append(path)
    found = tuple(str(f) for f in report.findings)
    summary = report.summary()
    return Outcome(not found, summary.removeprefix("privacy: "), summary, found, found)


def _shacl(inputs: GateInputs) -> Outcome:
    from .shacl import load_shapes, run

    found, triples = run(inputs.instances, inputs.ontology, load_shapes(inputs.shapes_dir), engine=inputs.engine,
                         data_files=inputs.streamed)
    violations = tuple(str(v) for v in found if v.severity == "Violation")
    detail = f"{len(violations)} violations, {len(found) - len(violations)} warnings"
    summary = f"SHACL: {triples} instance triples from {inputs.instance_files} files ({inputs.engine} engine); {detail}"
    return Outcome(not violations, detail, summary, tuple(str(v) for v in found), violations)


QC = Gate("QC", ONTOLOGY, costly=False, run=_qc, reads=("ontology", "qc", "examples", "data"))
PRIVACY = Gate("privacy", INSTANCES, costly=False, run=_privacy, limit=None,
               reads=("examples", "data", "allow", "corpora"))
SHACL = Gate("SHACL on the examples", INSTANCES, costly=True, run=_shacl, reads=("ontology", "shapes", "examples", "data"))

GATES: tuple[Gate, ...] = (QC, PRIVACY, SHACL)
"""Every gate, cheapest first: what a release must pass."""

RELEASE_GATES: tuple[Gate, ...] = GATES
VALIDATE_GATES: tuple[Gate, ...] = tuple(g for g in GATES if g.checks == INSTANCES)
"""The gates on instance data: what `prc-kg validate` runs (a part of the release's, in the same order)."""


@stepped(lambda gate, inputs: f"checking: {gate.name}")
def run_gate(gate: Gate, inputs: GateInputs) -> GateResult:
    start = time.perf_counter()
    crashed = False
    try:
        outcome = gate.run(inputs)
    except PrcKgError:
        raise  # bad input: the command stops and names the file and line
    except Exception as exc:  # noqa: BLE001 - a checker blowing up is a failed gate, reported as such
        text = f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
        outcome, crashed = Outcome(False, text, f"{gate.name}: {text}"), True
    return GateResult(gate, outcome, time.perf_counter() - start, crashed=crashed)


def run_gates(gates: Sequence[Gate], inputs: GateInputs | Callable[[], GateInputs], *,
              skip_costly_after_failure: bool = False, failed_before: bool = False,
              sources: GateSources | None = None) -> GateRun:
    """Run each gate once, in order. With ``skip_costly_after_failure``, a costly gate is skipped once
    a check has failed (``failed_before``: one the caller ran itself), as the answer is already no.

    With ``sources`` (where ``inputs`` were read from), a gate whose inputs are unchanged since it last
    ran gives that run's outcome (gatecache.py; not with ``PRC_KG_NO_CACHE``). ``inputs`` may be a
    function that reads them, called only when some gate has to run."""
    names = [g.name for g in gates]
    if len(set(names)) != len(names):
        raise ValueError(f"a gate is listed twice: {names}")
    cache = GateCache(sources) if sources is not None and not paths.caches_disabled() else None
    read: list[GateInputs] = []

    def inputs_now() -> GateInputs:
        if not read:
            read.append(inputs() if callable(inputs) else inputs)
        return read[0]

    run = GateRun()
    for gate in gates:
        if skip_costly_after_failure and gate.costly and (failed_before or run.failed):
            run.skipped.append(gate.name)
            continue
        start = time.perf_counter()
        kept, key = cache.load(gate.name, gate.reads, gate.checks == ONTOLOGY) if cache else (None, "")
        if kept is not None:
            with step(f"checking: {gate.name} (inputs unchanged: the result of its last run)"):
                pass
            run.results.append(GateResult(gate, _outcome(kept["outcome"]), time.perf_counter() - start, cached=True))
            continue
        result = run_gate(gate, inputs_now())
        if cache and not result.crashed:
            cache.store(key, gate.name, asdict(result.outcome), result.seconds)
        run.results.append(result)
    return run


def _outcome(kept: dict) -> Outcome:
    return Outcome(bool(kept["ok"]), str(kept["detail"]), str(kept["summary"]), tuple(kept["lines"]),
                   tuple(kept["problems"]))
