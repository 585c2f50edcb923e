"""Fingerprints of input files for the caches in ``paths.cache_dir()``: SHA-256 of each file's bytes,
never of a parsed graph, so deciding whether a cached store or gate run is still good costs a read of
the files and no parsing.

A file's size, inode, mtime and ctime are only a pre-check: when all four match what was recorded
when its hash was last computed, and the file was already older than that moment by a margin, the
recorded hash is reused; otherwise the bytes are hashed again. The margin is git's answer to "racy"
files: a file written in the same clock tick as the record could change again without its mtime
moving, so such a record is never trusted. Touching a file (new mtime, same bytes) therefore costs a
re-hash, never a rebuild; the hash decides.

Cache entries are written as a temporary sibling and renamed into place (``publish_file``), so two
processes building the same entry at once both succeed and one copy wins whole.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from .. import __version__, paths
from .files import not_regular_input

MEMO_FILE = "file-hashes.json"
MEMO_MADE_BY = "prc-kg file hashes"  # in the record: a file of that name without it is not ours
MEMO_LIMIT = 20_000  # files whose hashes the record keeps at most
RACY_NS = 2_000_000_000  # a record younger than this after the file's mtime is not trusted
_SKIPPED_PARTS = {"__pycache__", ".git", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
CODE_ROOT = paths.PACKAGE_DIR  # the code whose bytes are part of every key
_code: dict[tuple[str, ...] | None, str] = {}


def tree_files(folder: Path, suffixes: Sequence[str] = ()) -> list[Path]:
    """The regular files below ``folder`` (sorted; caches, hidden files and ``~`` backups left out), or
    only those ending in one of ``suffixes``; a missing folder has none."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_PARTS and not d.startswith("."))
        for name in files:
            if name.startswith(".") or name.endswith("~") or (suffixes and not name.endswith(tuple(suffixes))):
                continue
            path = Path(root) / name
            if path.is_file():
                found.append(path)
    return sorted(found)


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes (hex); a missing or unreadable file raises OSError."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


class FileHasher:
    """Hashes files, reusing the hashes recorded in ``cache_dir()/file-hashes.json`` for files whose
    stat has not changed since (see the module text); ``save`` writes the record back, but never over
    a file of that name that is not a record prc-kg wrote (PRC_KG_CACHE may name a folder of the user's)."""

    def __init__(self, memo: Path | None = None):
        self.memo = Path(memo) if memo else paths.cache_dir() / MEMO_FILE
        self._known: dict[str, list] = {}
        self._foreign = False  # a file of the record's name that prc-kg did not write: left alone
        try:
            record = json.loads(self.memo.read_text(encoding="utf-8"))
        except FileNotFoundError:
            record = {"made by": MEMO_MADE_BY}
        except (OSError, ValueError):
            record = None
        if isinstance(record, dict) and record.get("made by") == MEMO_MADE_BY:
            files = record.get("files")
            self._known = files if isinstance(files, dict) else {}
        else:
            self._foreign = True
        self._changed = False
        self._started = _now_ns()

    def digest(self, path: Path) -> str:
        path = Path(os.path.abspath(path))
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):  # a FIFO would be used up by hashing it, /dev/zero never ends
            raise not_regular_input(path, st.st_mode)
        stamp = [st.st_size, st.st_ino, st.st_mtime_ns, st.st_ctime_ns]
        known = self._known.get(str(path))
        if (isinstance(known, list) and len(known) == 6 and known[:4] == stamp
                and known[5] - max(st.st_mtime_ns, st.st_ctime_ns) > RACY_NS):
            return known[4]
        digest = sha256_file(path)
        self._known[str(path)] = [*stamp, digest, _now_ns()]
        self._changed = True
        return digest

    def save(self) -> None:
        """Write the record (atomically; a failure to write only costs a re-hash next time)."""
        if not self._changed or self._foreign:
            return
        if len(self._known) > MEMO_LIMIT:  # bounded: keep what this process hashed
            self._known = {path: row for path, row in self._known.items() if row[5] >= self._started}
        with contextlib.suppress(OSError):
            record = {"made by": MEMO_MADE_BY, "files": self._known}
            publish_file(self.memo, json.dumps(record, sort_keys=True).encode("utf-8"), replace=True)
        self._changed = False


def versions(*distributions: str) -> dict[str, str]:
    """The installed versions of the libraries a cached result came from, for its key (a new pySHACL
    or rdflib may answer differently): read from the names of their ``NAME-VERSION.dist-info`` folders
    on sys.path, as importlib.metadata would but at the cost of one listing per folder."""
    found: dict[str, str] = {}
    wanted = {name.lower().replace("-", "_"): name for name in distributions}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for folder in names:
            if folder.endswith(".dist-info") and "-" in folder:
                name, version = folder[: -len(".dist-info")].split("-", 1)
                key = wanted.get(name.lower().replace("-", "_"))
                if key is not None and f"version of {key}" not in found:
                    found[f"version of {key}"] = version
    return {f"version of {name}": found.get(f"version of {name}", "not found") for name in distributions}


def _now_ns() -> int:
    import time

    return time.time_ns()


def code_files(packages: Sequence[str] | None = None) -> list[Path]:
    """The files of the prc_kg package that make a cached result: its top-level modules and every file
    of ``packages`` (such as ``("checks", "store")``: their word lists and SPARQL files too), or all of
    the package (None)."""
    if packages is None:
        return tree_files(CODE_ROOT)
    top = [p for p in sorted(CODE_ROOT.glob("*.py")) if p.is_file()]
    return top + [p for name in packages for p in tree_files(CODE_ROOT / name)]


def fingerprint(groups: dict[str, Iterable[Path]], extra: dict[str, str] | None = None,
                hasher: FileHasher | None = None, *, code: Sequence[str] | None = None) -> str:
    """One hex key for named groups of files (their names, order and bytes), ``extra`` values (such as
    a gate's name or an engine version), the prc-kg version and the bytes of the package's code that
    made the result (``code``: its subpackages, see ``code_files``; None: all of it). A missing file is
    part of the key too (as missing), so creating it changes it."""
    own = hasher is None
    hasher = hasher or FileHasher()
    parts: dict[str, object] = {"prc-kg": __version__, **(extra or {})}
    for name, files in sorted(groups.items()):
        parts[f"files:{name}"] = [[str(p), _digest_or_missing(hasher, p)] for p in files]
    parts["code"] = code_fingerprint(hasher, code)
    if own:
        hasher.save()
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode("utf-8")).hexdigest()


def code_fingerprint(hasher: FileHasher, packages: Sequence[str] | None = None) -> str:
    """The hash of the package's code files (``code_files``: relative names and bytes), once a process."""
    chosen = None if packages is None else tuple(packages)
    if chosen not in _code:
        listing = [[str(p.relative_to(CODE_ROOT)), hasher.digest(p)] for p in code_files(chosen)]
        _code[chosen] = hashlib.sha256(json.dumps(listing).encode("utf-8")).hexdigest()
    return _code[chosen]


def _digest_or_missing(hasher: FileHasher, path: Path) -> str:
    try:
        return hasher.digest(path)
    except FileNotFoundError:
        return "missing"


def publish_file(path: Path, data: bytes, *, replace: bool = False) -> bool:
    """Write a cache entry whole: a temporary sibling renamed into place. Without ``replace``, an entry
    another process published first is kept and ours discarded (False); True when ours is in place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        if replace:
            os.replace(tmp, path)
            return True
        try:
            os.link(tmp, path)  # fails if the entry exists: the first one published wins
            return True
        except FileExistsError:
            return False
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
