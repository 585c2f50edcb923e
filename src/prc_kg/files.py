"""Files in and out: human-written inputs read as UTF-8 with a clear error, and outputs written
atomically, so a reader sees the old files or the new ones, never a half-written file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import InputError

UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")


def not_utf8(raw: bytes, start: int, where: str = "offset") -> str:
    """Why bytes failed to decode, naming UTF-16 outright: spreadsheet programs and Windows editors
    save "Unicode text" as UTF-16, and a bare "byte 0xff" does not tell the user what to change."""
    if raw.startswith(UTF16_MARKS):
        order = "little" if raw.startswith(b"\xff\xfe") else "big"
        return f"not UTF-8: the file is UTF-16 ({order}-endian byte-order mark); save it as UTF-8"
    position = start if where == "offset" else start + 1
    return f"not UTF-8 (byte 0x{raw[start]:02x} at {where} {position}); save the file as UTF-8"


def read_utf8(path: Path, expected: str) -> str:
    """A human-written input file as text, or an error saying it is missing, empty or not UTF-8."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror}") from exc
    if not raw.strip():
        raise InputError(path, f"file is empty; expected {expected}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(path, not_utf8(raw, exc.start), line=raw[: exc.start].count(b"\n") + 1) from exc


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_files_atomically(outputs: dict[Path, bytes]) -> None:
    """Write every file to a temporary sibling first, then move them all into place.

    If any write fails, nothing is replaced and the temporaries are removed. If a move fails (say a
    target is a folder), the files already moved are put back from hard-link backups, so readers
    still see the complete old set.
    """
    staged: list[tuple[Path, Path]] = []
    mode = _default_mode()
    try:
        for path, data in outputs.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            os.fchmod(fd, mode)  # mkstemp makes 0600 files; outputs are meant to be shared like any other file
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            staged.append((Path(tmp), path))
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    _move_into_place(staged)


def _move_into_place(staged: list[tuple[Path, Path]]) -> None:
    backups: dict[Path, Path | None] = {}
    try:
        for tmp, path in staged:
            backup = None
            if path.is_file():
                backup = path.with_name(f".{path.name}.{os.getpid()}.bak")
                backup.unlink(missing_ok=True)
                os.link(path, backup)
            backups[path] = backup
            os.replace(tmp, path)
    except BaseException:
        for path, backup in backups.items():
            if backup is not None:
                os.replace(backup, path)
            elif path.is_file():
                path.unlink()
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    for backup in backups.values():
        if backup is not None:
            backup.unlink(missing_ok=True)
