"""The folder of a persistent store: marked as made by prc-kg, so ``load --store`` replaces only a
store (or an empty folder), never a folder of the user's own files.

The marker is ``prc-kg-store.json`` inside the store, a few lines of JSON::

    {"made by": "prc-kg load --store", "format": 1, "made": "2026-12-06T19:40:00Z",
     "prc-kg": "0.1.0", "process": 12345}

``format`` is the version of this layout (an Oxigraph store with the marker beside its files),
``made`` when the store was built (UTC), ``process`` the process that built it (a temporary store
left by a run that was killed is recognised by it and removed by the next run).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from .. import __version__
from ..fileio.folders import (
    FolderKind,
    Report,
    check_apart,
    check_replaceable,
    clean_leftovers,
    replace_folder,
    report_on_stderr,
)

T = TypeVar("T")
MARKER = "prc-kg-store.json"
FORMAT = 1
MADE_BY = "prc-kg load --store"
EXPECTED = "a store made by `prc-kg load --store`, an empty folder or a new path"


def write_marker(folder: Path) -> None:
    doc = {"made by": MADE_BY, "format": FORMAT, "prc-kg": __version__, "process": os.getpid(),
           "made": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    with open(Path(folder) / MARKER, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(doc, indent=1) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def read_marker(folder: Path) -> dict | None:
    """The marker of a store prc-kg made, or None (no marker, or a file of that name it did not write)."""
    try:
        doc = json.loads((Path(folder) / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("made by") != MADE_BY or not isinstance(doc.get("format"), int):
        return None
    return doc


def is_store(folder: Path) -> bool:
    return read_marker(folder) is not None


def _older_store(folder: Path) -> str | None:
    """Why an unmarked folder that holds an Oxigraph (RocksDB) store is refused, and what to do."""
    if (folder / "CURRENT").is_file() and (folder / "IDENTITY").is_file() and any(folder.glob("MANIFEST-*")):
        return (f"holds a store without the {MARKER} marker (made by an earlier prc-kg or another program), "
                "so prc-kg will not replace it: delete the folder yourself and load again, or load into a new path")
    if (folder / MARKER).exists():
        return f"holds a {MARKER} that prc-kg did not write"
    return None


STORE = FolderKind("store", MARKER, is_store, EXPECTED)


def replace_store(store_dir: Path, build: Callable[[Path], T], keep_apart: Iterable[tuple[str, Path]] = (),
                  report: Report = report_on_stderr) -> T:
    """Build a store with ``build(tmp)`` (the marker is already in ``tmp``) and swap it in at
    ``store_dir``; refused (InputError) when ``store_dir`` is a folder prc-kg did not make, or is,
    contains or lies inside one of ``keep_apart`` or the current folder."""
    def build_marked(tmp: Path) -> T:
        write_marker(tmp)
        return build(tmp)

    return replace_folder(Path(store_dir), build_marked, STORE, keep_apart=keep_apart, explain=_older_store,
                          report=report)


def tidy(store_dir: Path, report: Report = report_on_stderr) -> None:
    """Before a store is opened: clean what killed runs left beside it, and put back a store one
    left moved aside."""
    clean_leftovers(Path(os.path.realpath(store_dir)), STORE, report)


def check_target(store_dir: Path, keep_apart: Iterable[tuple[str, Path]] = ()) -> None:
    """Refuse a store folder before any work (``replace_store`` checks again when it swaps)."""
    real = Path(os.path.realpath(store_dir))
    check_apart(real, keep_apart, Path(store_dir), EXPECTED)
    check_replaceable(real, STORE, Path(store_dir), _older_store)
