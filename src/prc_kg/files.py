"""Files in and out: human-written inputs read as UTF-8 with a clear error, and outputs written
atomically, so a reader sees the old files or the new ones, never a half-written file."""

from __future__ import annotations

import codecs
import os
import tempfile
from pathlib import Path

from .errors import InputError

UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")


def not_utf8(raw: bytes, start: int, where: str = "offset", base: int = 0) -> str:
    """Why bytes failed to decode, naming UTF-16 outright: spreadsheet programs and Windows editors
    save "Unicode text" as UTF-16, and a bare "byte 0xff" does not tell the user what to change.
    ``raw`` is the file's text from offset ``base`` on (the whole file, a line, or a chunk)."""
    if base == 0 and raw.startswith(UTF16_MARKS):
        order = "little" if raw.startswith(b"\xff\xfe") else "big"
        return f"not UTF-8: the file is UTF-16 ({order}-endian byte-order mark); save it as UTF-8"
    position = base + start if where == "offset" else start + 1
    return f"not UTF-8 (byte 0x{raw[start]:02x} at {where} {position}); save the file as UTF-8"


def utf8_error(path: Path) -> InputError:
    """The error for the first byte of ``path`` that is not UTF-8, found by streaming the file (for
    readers that decode as they go and learn of a bad byte without its place)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, offset = 1, 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 16):
            pending = decoder.getstate()[0]
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                data = pending + chunk
                return InputError(path, not_utf8(data, exc.start, base=offset - len(pending)),
                                  line=line + data[: exc.start].count(b"\n") - pending.count(b"\n"))
            line += chunk.count(b"\n")
            offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return InputError(path, "not UTF-8 (the file ends inside a character); save the file as UTF-8", line=line)
    return InputError(path, "not UTF-8; save the file as UTF-8")


def _too_large(path: Path, size: int | None, expected: str, max_mb: int, too_big: str) -> InputError:
    shown = f"{size / (1 << 20):.0f} MB" if size is not None else f"more than {max_mb} MB"
    return InputError(path, f"file is {shown}; expected {expected} of at most {max_mb} MB"
                      + (f"; {too_big}" if too_big else ""))


def check_size(path: Path, expected: str, max_mb: int, too_big: str = "") -> None:
    """Refuse a file read row by row whose size alone shows it is not what the reader expects (a
    missing or unreadable file is left to the reader, which names it)."""
    try:
        size = Path(path).stat().st_size
    except OSError:
        return
    if size > max_mb << 20:
        raise _too_large(path, size, expected, max_mb, too_big)


def read_utf8(path: Path, expected: str, max_mb: int = 16, too_big: str = "") -> str:
    """A human-written input file as text without a UTF-8 byte-order mark (Windows editors write
    one; it is not part of the document), or an error saying it is missing, empty, too large or not
    UTF-8. The size is checked before anything is parsed, and at most ``max_mb`` MB are ever read,
    since the parsers behind (rdflib, PyYAML) take minutes and gigabytes on a file of hundreds of MB."""
    limit = max_mb << 20
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            raw = fh.read(limit + 1) if size <= limit else b""
    except IsADirectoryError:
        raise InputError(path, f"is a folder; expected {expected}") from None
    except FileNotFoundError:
        raise InputError(path, f"file not found; expected {expected}") from None
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror}") from exc
    if size > limit or len(raw) > limit:
        raise _too_large(path, size if size > limit else None, expected, max_mb, too_big)
    if not raw.strip():
        raise InputError(path, f"file is empty; expected {expected}")
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
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
