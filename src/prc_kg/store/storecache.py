"""The store a command opens when it is given no ``--store``: built from the sources once, kept in
``paths.cache_dir()/stores/KEY`` and reused while the sources are unchanged.

KEY is the SHA-256 of the bytes of every file that goes into the graph (the ontology folder, the
examples folder, the data files, in order), the pyoxigraph and rdflib versions, the prc-kg version
and the code that reads them (``CODE``; fileio/filehash.py), so editing a module, an example, an
imported data file or prc-kg itself gives a new key and a new store, while touching a file does
not. Reading the sources costs seconds (rdflib parses the ontology and the examples); a cached store
opens in a few milliseconds.

A store is built in a temporary folder beside the entries and renamed into place when complete, so
a reader never sees half a store; when two processes build the same entry at once, the second
rename fails and that process drops its copy and opens the winner's. Entries are opened read-only.
Only folders this module made are removed: leftovers of killed builds (their process is gone) and,
beyond the newest ``KEEP`` entries, old ones not used for a day.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pyoxigraph as ox

from .. import paths
from ..errors import PrcKgError
from ..fileio.filehash import fingerprint, publish_file, tree_files, versions
from ..fileio.folders import process_alive
from .backends import EmbeddedStore

STORES = "stores"
ENTRY_MARKER = "prc-kg-cache.json"  # written last into a complete entry: what makes a folder ours
MADE_BY = "prc-kg store cache"
FORMAT = 1
KEEP = 3
STALE_SECONDS = 24 * 3600
CODE = ("instances", "ontology", "store", "fileio")  # the code that reads the sources into a store


def source_files(ontology_dir: Path | None, examples_dir: Path | None,
                 data_files: Sequence[Path]) -> dict[str, list[Path]]:
    """The files a graph from the sources is made of, by group (every file of the two folders:
    the catalog may only name files inside the ontology folder)."""
    return {"ontology": tree_files(Path(os.path.abspath(ontology_dir or paths.ontology_dir()))),
            "examples": tree_files(Path(os.path.abspath(examples_dir or paths.examples_dir()))),
            "data": [Path(os.path.abspath(p)) for p in data_files]}


def store_key(ontology_dir: Path | None, examples_dir: Path | None, data_files: Sequence[Path]) -> str:
    return fingerprint(source_files(ontology_dir, examples_dir, data_files),
                       {"store format": str(FORMAT), "pyoxigraph": ox.__version__, **versions("rdflib")}, code=CODE)


def sources_store(read_sources: Callable[[], tuple], ontology_dir: Path | None, examples_dir: Path | None,
                  data_files: Sequence[Path], cache: bool | None = None) -> tuple[EmbeddedStore, bool | None]:
    """The store of a graph from the sources (api.KnowledgeGraph): the cached one (and whether it was
    built now), or with ``cache`` False (None: unless PRC_KG_NO_CACHE is set), or when the cache folder
    cannot be written, one built in memory (None). ``read_sources`` gives (source, merged ontology graph, examples), read only to build."""
    if cache is False or (cache is None and paths.caches_disabled()) or not _writable(paths.cache_dir()):
        from .dataset import load_dataset  # rdflib: only when the sources are read

        _, ontology, examples = read_sources()
        return load_dataset(ontology, examples.graph, list(data_files))[0], None

    def build(folder: Path) -> None:
        from .dataset import load_dataset

        _, ontology, examples = read_sources()
        load_dataset(ontology, examples.graph, list(data_files), store_dir=folder)  # its open handle is dropped

    return cached_store(ontology_dir, examples_dir, data_files, build)


def cached_store(ontology_dir: Path | None, examples_dir: Path | None, data_files: Sequence[Path],
                 build: Callable[[Path], None], root: Path | None = None) -> tuple[EmbeddedStore, bool]:
    """The cached store for these sources (read-only), built with ``build(folder)`` when there is none
    yet; returns it and whether it was built now. ``build`` must leave a complete, closed store."""
    root = Path(root or paths.cache_dir()) / STORES
    entry = root / store_key(ontology_dir, examples_dir, data_files)
    built = False
    if not _complete(entry):
        if os.path.lexists(entry):  # found before seconds are spent building what could not be put there
            raise _in_the_way(entry)
        root.mkdir(parents=True, exist_ok=True)
        _tidy(root)
        tmp = root / f".building-{os.getpid()}-{time.time_ns()}"
        try:
            build(tmp)
            gc.collect()  # closes the RocksDB files before the folder moves
            publish_file(tmp / ENTRY_MARKER, json.dumps({"made by": MADE_BY, "format": FORMAT,
                                                         "process": os.getpid()}).encode("utf-8"))
            try:
                os.rename(tmp, entry)
                built = True
            except OSError as exc:
                if not _complete(entry):  # not a rival's finished entry
                    if os.path.lexists(entry):  # put there while we built
                        raise _in_the_way(entry) from exc
                    raise
        finally:
            if tmp.exists():  # ours: a failed build, or a rival published the same entry first
                shutil.rmtree(tmp, ignore_errors=True)
    with contextlib.suppress(OSError):
        os.utime(entry / ENTRY_MARKER)  # last use, for pruning
    return EmbeddedStore(entry, read_only=True), built


def _in_the_way(entry: Path) -> PrcKgError:
    """Something not ours under an entry's name: left alone, and said so."""
    return PrcKgError(f"{entry}: is in the way of the store cache and is not a complete prc-kg store "
                      f"(no valid {ENTRY_MARKER}), so it was left as it is; move it away, set "
                      "PRC_KG_CACHE to another folder, or run with --no-cache")


def _writable(folder: Path) -> bool:
    """Whether the cache folder can be made and written (not on a read-only disk, not below a file):
    without it the graph is built in memory, as with --no-cache, and the command still runs."""
    try:
        Path(folder, STORES).mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(Path(folder, STORES), os.W_OK)


def _complete(entry: Path) -> bool:
    try:
        doc = json.loads((entry / ENTRY_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and doc.get("made by") == MADE_BY and doc.get("format") == FORMAT


def _tidy(root: Path) -> None:
    """Remove what killed builds left (``.building-PID-…`` whose process is gone) and old entries:
    only the newest KEEP are kept, and an older one only while used within the last day."""
    for path in root.glob(".building-*"):
        try:
            pid = int(path.name.split("-")[1])
        except (IndexError, ValueError):
            continue
        if not process_alive(pid):
            shutil.rmtree(path, ignore_errors=True)
    entries = []
    for path in root.iterdir():
        if not path.name.startswith(".") and _complete(path):
            with contextlib.suppress(OSError):
                entries.append(((path / ENTRY_MARKER).stat().st_mtime, path))
    entries.sort(reverse=True)
    now = time.time()
    for used, path in entries[KEEP:]:
        if now - used > STALE_SECONDS:
            shutil.rmtree(path, ignore_errors=True)
