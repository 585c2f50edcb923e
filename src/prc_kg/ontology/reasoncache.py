"""HermiT's answer kept against the hash of the exact OWL input it read.

Classifying the ontology with HermiT costs seconds of Java; the answer depends only on the RDF/XML
bytes HermiT reads (and on the reasoner's version), so it is kept in ``paths.cache_dir()`` under the
SHA-256 of those bytes and reused while they do not change. Any change to the ontology changes the
bytes (the release graph is serialised deterministically), so a stale answer cannot be read.
Entries are published whole (``publish_file``): of two processes that build the same entry at once,
the second finds it there and discards its own copy. A cache folder that cannot be written only means
HermiT runs again next time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import asdict
from pathlib import Path

from ..fileio.filehash import publish_file
from ..fileio.files import read_utf8
from ..paths import cache_dir, caches_disabled
from .reasoning import DEFAULT_TIMEOUT, MAX_MB, Clash, ReasonerReport, run_hermit

FORMAT = 1  # bump when ReasonerReport's fields or their meaning change: old entries are then never read
FOLDER = "hermit"


def _key(rdfxml: bytes) -> str:
    """SHA-256 of the input bytes, the owlready2 version (which ships HermiT) and the code that reads
    HermiT's answer (``reasoning.py``), so an upgrade or a change of that code is a new entry."""
    import owlready2

    from . import reasoning

    h = hashlib.sha256()
    h.update(f"prc-kg hermit cache {FORMAT} owlready2 {owlready2.VERSION}\n".encode())
    h.update(hashlib.sha256(Path(reasoning.__file__).read_bytes()).digest())
    h.update(rdfxml)
    return h.hexdigest()


def entry_path(rdfxml: bytes) -> Path:
    """Where HermiT's answer for these exact bytes is (or would be) kept."""
    return cache_dir() / FOLDER / f"{_key(rdfxml)}.json"


def _to_json(report: ReasonerReport) -> bytes:
    data = asdict(report)
    data["entailed_types"] = sorted(report.entailed_types)
    return json.dumps(data, sort_keys=True).encode("utf-8")


def _from_json(raw: bytes) -> ReasonerReport | None:
    """The report in a cache entry, or None for an entry that is unreadable (it is then rebuilt)."""
    try:
        data = json.loads(raw)
        return ReasonerReport(
            consistent=bool(data["consistent"]), seconds=float(data["seconds"]),
            unsatisfiable=list(data["unsatisfiable"]),
            inferred_subclass_of=[tuple(p) for p in data["inferred_subclass_of"]],
            inferred_types=[tuple(p) for p in data["inferred_types"]],
            entailed_types={tuple(p) for p in data["entailed_types"]},
            clashes=[Clash(**c) for c in data["clashes"]], message=str(data["message"]))
    except (ValueError, KeyError, TypeError):
        return None


def cached_hermit(rdfxml_path: Path, timeout: float = DEFAULT_TIMEOUT, use_cache: bool = True,
                  quick: bool = False) -> tuple[ReasonerReport, bool]:
    """HermiT's report on the RDF/XML file and whether it came from the cache (never with
    ``use_cache`` False or ``PRC_KG_NO_CACHE`` set: then nothing is read from it or kept).

    Only an answer HermiT gave is kept (an entry exists only for bytes that passed
    ``check_local_rdfxml``); a timeout or a missing Java is raised as by ``run_hermit``.
    """
    rdfxml_path = Path(rdfxml_path)
    raw = read_utf8(rdfxml_path, "an RDF/XML file", max_mb=MAX_MB).encode("utf-8")  # errors as run_hermit's
    if not use_cache or caches_disabled():
        return run_hermit(rdfxml_path, timeout, quick), False
    entry = entry_path(raw)
    if entry.is_file():
        report = _from_json(entry.read_bytes())
        if report is not None:
            return report, True
        with contextlib.suppress(OSError):
            entry.unlink(missing_ok=True)  # an unreadable entry (a disk fault) is rebuilt below
    report = run_hermit(rdfxml_path, timeout, quick)
    with contextlib.suppress(OSError):  # a cache that cannot be written costs a rerun next time, nothing else
        publish_file(entry, _to_json(report))  # a rival's entry for the same bytes is kept
    return report, False

