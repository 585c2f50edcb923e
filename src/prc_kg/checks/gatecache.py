"""Each gate runs once per change: its outcome is kept in ``paths.cache_dir()/gates/KEY.json``, where
KEY is the SHA-256 of the gate's name and of the bytes of every file of the sources it reads
(``Gate.reads``, groups of ``GateSources``: the ontology folder, its shapes, the QC checks, the
examples folder, the data files, the allow-lists, the imported corpora), the prc-kg version and its
code that reads and checks them (``CODE``; fileio/filehash.py). So ``prc-kg validate`` followed by ``prc-kg release`` runs SHACL once, and a
second run of either reruns nothing until one of those files changes.

What validate and release give the gates differs only in the ontology header: release stamps its
version and date (owl:versionInfo, owl:versionIRI) into it. The ontology gate (QC) reads the header
(``ontology_header.rq``), so its key holds the stamp; the instance gates (privacy, SHACL) check the
instance data against the ontology's classes and properties, not its header, so theirs does not, and
the two commands share those results. The key is computed from file bytes before anything is parsed,
so a run that finds every gate's outcome cached reads no RDF at all.

Only outcomes a gate returned are kept; a checker that raised (reported as a failed gate) or bad input
(InputError) is never cached, so it runs again next time.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .. import paths
from ..fileio.filehash import FileHasher, fingerprint, publish_file, tree_files, versions

FOLDER = "gates"
FORMAT = 1
# The code a gate's outcome depends on: the checks, and what reads their inputs (the ontology source, the
# examples, RDF files, the store QC runs in). A change in the views, the endpoint or the CLI reruns none.
CODE = ("checks", "instances", "ontology", "store", "fileio")
ENGINES = ("pyshacl", "rdflib", "owlrl", "pyoxigraph")  # what the gates run on: their versions are in the key


@dataclass(frozen=True)
class GateSources:
    """Where the gates' inputs are read from (None: the project's default folder), and the release
    stamp (version and date) the ontology gates see; the files of these make each gate's key."""

    ontology_dir: Path | None = None
    examples_dir: Path | None = None
    shapes_dir: Path | None = None
    qc_dir: Path | None = None
    data: Sequence[Path] = ()
    allow: Sequence[Path] = ()
    corpora: Sequence[Path] = ()
    stamp: str = ""  # release VERSION DATE; empty for validate
    options: str = ""  # anything else that changes an outcome (such as a chosen engine): part of every key
    hasher: FileHasher | None = field(default=None, compare=False)

    def groups(self) -> dict[str, list[Path]]:
        def files(paths_: Sequence[Path]) -> list[Path]:
            return [Path(os.path.abspath(p)) for p in paths_]

        def tree(folder: Path | None, default: Path) -> list[Path]:
            return tree_files(Path(os.path.abspath(folder or default)))

        return {"ontology": tree(self.ontology_dir, paths.ontology_dir()),
                "shapes": tree(self.shapes_dir, paths.shapes_dir()), "qc": tree(self.qc_dir, paths.qc_dir()),
                "examples": tree(self.examples_dir, paths.examples_dir()),
                "data": files(self.data), "allow": files(self.allow), "corpora": files(self.corpora)}


class GateCache:
    """The cached outcomes of the gates for one set of sources (keys computed once per run)."""

    def __init__(self, sources: GateSources, root: Path | None = None):
        self.sources = sources
        self.root = Path(root or paths.cache_dir()) / FOLDER
        self._groups: dict[str, list[Path]] | None = None
        self._hasher = sources.hasher or FileHasher()

    def key(self, name: str, reads: Sequence[str], reads_header: bool) -> str:
        """The key of gate ``name``: the files of the groups it ``reads``, the options, and the release
        stamp if it ``reads_header``."""
        if self._groups is None:
            self._groups = self.sources.groups()
        unknown = set(reads) - set(self._groups)
        if unknown:
            raise ValueError(f"gate {name} reads unknown source groups {sorted(unknown)}")
        extra = {"gate": name, "format": str(FORMAT), "options": self.sources.options,
                 "stamp": self.sources.stamp if reads_header else "", **versions(*ENGINES)}
        key = fingerprint({g: self._groups[g] for g in reads}, extra, self._hasher, code=CODE)
        self._hasher.save()
        return key

    def load(self, name: str, reads: Sequence[str], reads_header: bool) -> tuple[dict, str] | tuple[None, str]:
        """The kept outcome of gate ``name`` (a dict as ``store`` wrote it) and its key, or None."""
        key = self.key(name, reads, reads_header)
        try:
            doc = json.loads((self.root / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None, key
        if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("gate") != name:
            return None, key
        return doc, key

    def store(self, key: str, name: str, outcome: dict, seconds: float) -> None:
        doc = {"format": FORMAT, "gate": name, "seconds": seconds, "outcome": outcome}
        try:
            publish_file(self.root / f"{key}.json", json.dumps(doc, indent=1).encode("utf-8"), replace=True)
        except OSError:
            pass  # a cache that cannot be written costs a rerun next time, nothing else
