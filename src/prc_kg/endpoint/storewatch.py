"""Notice when `prc-kg load` has replaced the store a running endpoint reads.

`load --store DIR` builds the new store beside the old one and swaps the folders, so the folder at
DIR is a new one (another inode) while the endpoint still holds the old one open, deleted ratings
included. Before each query the endpoint compares the folder at the path with the one it opened
(device and inode numbers) and, when they differ, opens the new store read-only for the next query
processes and says so on standard error. If the new folder cannot be opened (gone, or not a store),
queries are answered 503 with the reason until it can."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


class StoreWatch:
    """The store at ``path`` as it is now: ``current()`` gives (store or None, generation, problem)."""

    def __init__(self, path: Path, store: ox.Store, opener: Callable[[str], ox.Store] = ox.Store.read_only):
        self.path, self.store, self.opener = Path(path), store, opener
        self.generation = 0
        self._seen = _identity(self.path)
        self._problem: str | None = None
        self._lock = threading.Lock()

    def current(self) -> tuple[ox.Store | None, int, str | None]:
        now = _identity(self.path)
        with self._lock:
            if now == self._seen and self._problem is None:
                return self.store, self.generation, None
            self._seen = now  # replaced, or still unusable: try (again) to open what is there
            if now is None:
                return self._fail(f"the store folder {self.path} is gone since the server started")
            try:
                store = self.opener(str(self.path))
            except OSError as exc:
                return self._fail(f"the store folder {self.path} was replaced by one that cannot be opened ({exc})")
            self.store, self._problem = store, None
            self.generation += 1
            print(f"prc-kg serve: the store at {self.path} was replaced (by `prc-kg load`?); "
                  f"answering from the new one ({len(store)} triples) from now on", file=sys.stderr, flush=True)
            return self.store, self.generation, None

    def _fail(self, why: str) -> tuple[None, int, str]:
        problem = f"{why}; restart `prc-kg serve` once `prc-kg load --store {self.path}` has finished"
        if problem != self._problem:  # said once, not on every query
            print(f"prc-kg serve: {problem}", file=sys.stderr, flush=True)
            self.generation += 1  # the query processes hold the old store: none of them is used again
        self._problem = problem
        return None, self.generation, problem


__all__ = ["StoreWatch"]
