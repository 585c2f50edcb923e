"""Atomic output: a reader sees the old files or the new ones, never a half-written file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_files_atomically(outputs: dict[Path, bytes]) -> None:
    """Write every file to a temporary sibling first, then move them all into place.

    If any write fails, nothing is replaced and the temporaries are removed.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for path, data in outputs.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            staged.append((Path(tmp), path))
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, path in staged:
        os.replace(tmp, path)
