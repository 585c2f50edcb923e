"""HermiT through owlready2: consistency, unsatisfiable classes, inferred class hierarchy.

owlready2 reads RDF/XML, not Turtle, so the reasoner runs on the RDF/XML release file. A
missing Java is reported as such (``JavaMissingError``), never as an inconsistent ontology.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from ..errors import InputError, JavaMissingError, PrcKgError
from ..fileio.files import read_utf8
from ..fileio.rdfread import parse_rdf
from ..progress import stepped

NOTHING = str(OWL.Nothing)
MAX_MB = 64  # largest RDF/XML file the reasoner reads
# The serial collector suits HermiT's short single-threaded runs (less CPU and a third of the memory, same
# answers). The quick compiler alone (no C2) pays back only on the shortest: the ontology alone classified
# in 2.36 instead of 2.66 s, but the ontology with the examples took 13.9 instead of 11.3 s on a quiet
# machine (benchmarks/README.md, "Reasoning"), so only the fast plan's run on the ontology asks for it.
# Unrecognised options are ignored, for JVMs without them. PRC_KG_HERMIT_JVM_FLAGS replaces them
# (space-separated; empty for the JVM's defaults).
JVM_FLAGS = ("-XX:+IgnoreUnrecognizedVMOptions", "-XX:+UseSerialGC")
QUICK_JIT = "-XX:TieredStopAtLevel=1"
JVM_FLAGS_ENV = "PRC_KG_HERMIT_JVM_FLAGS"
DEFAULT_TIMEOUT = 600.0  # seconds; the whole ontology with the examples classifies in well under a minute


class ReasonerTimeout(PrcKgError):
    """HermiT did not finish within the time limit; the Java process was killed. Not the same as an
    inconsistent ontology: the ontology was not checked."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        super().__init__(f"HermiT did not finish within {seconds:g} s and was stopped; the ontology was not checked. "
                         "Raise the limit with `prc-kg reason --timeout SECONDS` if it needs longer")


@dataclass
class Clash:
    """An individual asserted (directly or through told superclasses) to be in two disjoint classes."""

    individual: str
    class_a: str
    class_b: str

    def __str__(self) -> str:
        return f"{self.individual} is asserted to be both {self.class_a} and {self.class_b}, which are disjoint"


@dataclass
class ReasonerReport:
    consistent: bool
    seconds: float
    unsatisfiable: list[str] = field(default_factory=list)
    inferred_subclass_of: list[tuple[str, str]] = field(default_factory=list)
    inferred_types: list[tuple[str, str]] = field(default_factory=list)
    entailed_types: set[tuple[str, str]] = field(default_factory=set)
    clashes: list = field(default_factory=list)  # Clash from HermiT's run; rlreasoning.RuleClash from OWL 2 RL
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.consistent and not self.unsatisfiable


def java_executable() -> str:
    """The Java that owlready2 will call, or JavaMissingError saying how to get one."""
    import owlready2

    java = shutil.which(owlready2.JAVA_EXE) or shutil.which("java")
    if java is None:
        raise JavaMissingError(
            "no Java runtime found: the HermiT reasoner needs one "
            "(Debian/Ubuntu: apt-get install -y default-jre-headless). The ontology was not checked."
        )
    try:
        subprocess.run([java, "-version"], capture_output=True, check=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        raise JavaMissingError(f"Java at {java} does not run ({exc}); the ontology was not checked.") from exc
    return java


@stepped(lambda path, *a, **k: f"HermiT reasoning over {Path(path).name} (Java)")
def run_hermit(rdfxml_path: Path, timeout: float = DEFAULT_TIMEOUT, quick: bool = False) -> ReasonerReport:
    """Classify the ontology in ``rdfxml_path`` with HermiT in a fresh owlready2 world; HermiT is
    killed and ``ReasonerTimeout`` raised after ``timeout`` seconds. ``quick``: a short run (the
    ontology alone), for which the JVM's quick compiler alone is faster."""
    import owlready2

    check_local_rdfxml(rdfxml_path)
    owlready2.JAVA_EXE = java_executable()
    world = owlready2.World()
    onto = world.get_ontology(Path(rdfxml_path).resolve().as_uri()).load(only_local=True)
    told = _subclass_pairs(world)
    told_types = _type_pairs(world)
    start = time.perf_counter()
    try:
        with onto, _java_time_limit(owlready2.sync_reasoner_hermit, timeout, quick):
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    except owlready2.OwlReadyInconsistentOntologyError:
        seconds = time.perf_counter() - start
        clashes = find_disjointness_clashes(rdfxml_path)
        return ReasonerReport(
            consistent=False, seconds=seconds, clashes=clashes,
            message="HermiT: the ontology is inconsistent (no model exists)",
        )
    except owlready2.OwlReadyJavaError as exc:
        raise PrcKgError(f"HermiT failed on {rdfxml_path}: {_tail(str(exc))}") from exc
    seconds = time.perf_counter() - start
    unsat = sorted(c.iri for c in world.inconsistent_classes() if c.iri != NOTHING)
    inferred = sorted(_subclass_pairs(world) - told)
    inferred_types = sorted(_type_pairs(world) - told_types)
    entailed = {(ind.iri, cls.iri) for ind in world.individuals() for cls in ind.INDIRECT_is_a if hasattr(cls, "iri")}
    world.close()
    return ReasonerReport(consistent=True, seconds=seconds, unsatisfiable=unsat,
                          inferred_subclass_of=inferred, inferred_types=inferred_types,
                          entailed_types=entailed, message="HermiT: consistent")


def check_local_rdfxml(path: Path) -> Graph:
    """Refuse an RDF/XML file owlready2 could not read offline and in bounded time: a DOCTYPE (entity
    expansion) or an ``owl:imports``, which owlready2 would fetch from the network."""
    path = Path(path)
    data = read_utf8(path, "an RDF/XML file", max_mb=MAX_MB)
    try:
        g = parse_rdf(path, data, "xml")
    except InputError:
        raise
    except Exception as exc:  # rdflib raises several unrelated types for bad syntax
        raise InputError(path, f"RDF/XML syntax error: {' '.join(str(exc).split())[:300]}") from exc
    imported = sorted(str(o) for o in g.objects(None, OWL.imports))
    if imported:
        raise InputError(path, f"owl:imports <{imported[0]}>: the reasoner reads one file and would fetch imports "
                               "from the network; merge the imported ontology into the file (as `prc-kg build` "
                               "does) and remove the import")
    return g


_LIVE: set[subprocess.Popen] = set()  # HermiT processes running now, for stop_hermit
_STOPPED = threading.Event()  # set by stop_hermit: a HermiT about to start in another thread does not


def stop_hermit() -> None:
    """Kill every HermiT process this process started that is still running, and let none start until
    ``allow_hermit``: the caller was interrupted while HermiT ran in another thread, whose run then fails."""
    _STOPPED.set()
    for proc in list(_LIVE):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def allow_hermit() -> None:
    """Undo ``stop_hermit`` before a new run."""
    _STOPPED.clear()


class _TimedSubprocess:
    """Stands in for the ``subprocess`` module inside owlready2's reasoning code, which runs Java
    with ``check_output`` and no time limit: the same call, in a session of its own, killed with
    its whole process group after ``seconds`` (or on Ctrl-C)."""

    def __init__(self, seconds: float, quick: bool = False):
        self.seconds, self.quick = seconds, quick

    def __getattr__(self, name: str):
        return getattr(subprocess, name)

    def check_output(self, command: list[str], stderr=None, **kwargs) -> bytes:
        if _STOPPED.is_set():
            _remove_input(command)
            raise PrcKgError("HermiT was not started: the run was interrupted")
        flags = os.environ.get(JVM_FLAGS_ENV)
        default = (*JVM_FLAGS, QUICK_JIT) if self.quick else JVM_FLAGS
        command = [command[0], *(default if flags is None else flags.split()), *command[1:]]
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, start_new_session=True, **kwargs)
        _LIVE.add(proc)
        try:
            output, _ = proc.communicate(timeout=self.seconds)
        except BaseException as exc:
            _kill_group(proc)
            _remove_input(command)
            if isinstance(exc, subprocess.TimeoutExpired):
                raise ReasonerTimeout(self.seconds) from None
            raise
        finally:
            _LIVE.discard(proc)
        if proc.returncode:
            _remove_input(command)
            raise subprocess.CalledProcessError(proc.returncode, command, output)
        return output


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate()  # reaps the child and closes the pipe


def _remove_input(command: list[str]) -> None:
    """owlready2 deletes the N-Triples copy it gives HermiT only on success; remove it on failure."""
    if "-I" in command:
        path = Path(command[command.index("-I") + 1].removeprefix("file:///").removeprefix("file://"))
        path = path if path.is_absolute() else Path("/") / path
        if path.parent == Path(tempfile.gettempdir()):
            path.unlink(missing_ok=True)


@contextmanager
def _java_time_limit(reasoner, seconds: float, quick: bool = False) -> Iterator[None]:
    """Swap ``subprocess`` in the module that defines ``reasoner`` for ``_TimedSubprocess``."""
    namespace = reasoner.__globals__
    real = namespace["subprocess"]
    namespace["subprocess"] = _TimedSubprocess(seconds, quick)
    try:
        yield
    finally:
        namespace["subprocess"] = real


def _tail(text: str, lines: int = 8) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _subclass_pairs(world) -> set[tuple[str, str]]:
    pairs = set()
    for cls in world.classes():
        for parent in cls.is_a:
            if hasattr(parent, "iri") and parent.iri != "http://www.w3.org/2002/07/owl#Thing":
                pairs.add((cls.iri, parent.iri))
    return pairs


def _type_pairs(world) -> set[tuple[str, str]]:
    pairs = set()
    for ind in world.individuals():
        for cls in ind.is_a:
            if hasattr(cls, "iri"):
                pairs.add((ind.iri, cls.iri))
    return pairs


def find_disjointness_clashes(path: Path) -> list[Clash]:
    """Name the individuals whose told types fall in two disjoint classes.

    HermiT only says "inconsistent"; this structural pass over the asserted axioms points at the
    offending individual and classes in the common case of a violated disjointness.
    """
    g = Graph()
    g.parse(path, format="xml")
    disjoint: set[frozenset[URIRef]] = set()
    for a, b in g.subject_objects(OWL.disjointWith):
        disjoint.add(frozenset((a, b)))
    for axiom in g.subjects(RDF.type, OWL.AllDisjointClasses):
        members = list(g.items(g.value(axiom, OWL.members)))
        disjoint.update(frozenset((x, y)) for i, x in enumerate(members) for y in members[i + 1:])

    def ancestors(cls: URIRef) -> set[URIRef]:
        seen, todo = {cls}, [cls]
        while todo:
            for parent in g.objects(todo.pop(), RDFS.subClassOf):
                if isinstance(parent, URIRef) and parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return seen

    clashes = []
    for ind in sorted(set(g.subjects(RDF.type, OWL.NamedIndividual))):
        types = {t for t in g.objects(ind, RDF.type) if isinstance(t, URIRef) and t != OWL.NamedIndividual}
        closure = {a: t for t in sorted(types) for a in ancestors(t)}
        for pair in sorted(disjoint, key=lambda p: sorted(p)):
            a, b = sorted(pair)
            if a in closure and b in closure:
                clashes.append(Clash(str(ind), str(a), str(b)))
    return clashes
