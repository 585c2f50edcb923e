"""Files in and out: human-written inputs read as UTF-8 with a clear error, and outputs written
atomically, so a reader sees the old files or the new ones, never a half-written file."""

from __future__ import annotations

import codecs
import contextlib
import logging
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from ..errors import InputError

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


class OutputError(InputError):
    """An output that cannot be written where it was asked for (not a regular file, no space, no
    permission): names the output file. Exit 2, like any other bad argument."""


_KINDS = {stat.S_IFDIR: "a folder", stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFCHR: "a character device",
          stat.S_IFBLK: "a block device", stat.S_IFSOCK: "a socket"}


def not_regular_input(path: Path, mode: int) -> InputError:
    """The error for an input that exists but is not a regular file (``mode`` from its stat)."""
    if stat.S_ISDIR(mode):
        return InputError(path, "is a folder; expected a file")
    kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
    return InputError(path, f"is {kind}, not a regular file; prc-kg reads an input more than once (its hash "
                            "keys the caches, then the checks and the graph read it), which a pipe or a device "
                            "cannot give: save the data to a file and give that file's path")


def check_regular_input(path: Path) -> None:
    """Refuse an input that is missing or not a regular file (links followed), naming what it is."""
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        raise InputError(path, "file not found") from None
    if not stat.S_ISREG(mode):
        raise not_regular_input(path, mode)


def check_regular_or_absent(path: Path) -> None:
    """Refuse an existing output path that is not a regular file. Writing "over" a device, a FIFO or
    a link would replace it with a regular file (as root, ``/dev/null`` itself); a link is refused,
    not followed, so an output never lands somewhere its name does not say."""
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return
    if stat.S_ISREG(info.st_mode):
        return
    if stat.S_ISLNK(info.st_mode):
        raise OutputError(path, f"is a symbolic link to {os.readlink(path)}; prc-kg writes only regular files "
                                "and does not replace links: give the path of a regular file, or a new name")
    kind = _KINDS.get(stat.S_IFMT(info.st_mode), "not a regular file")
    raise OutputError(path, f"is {kind}, not a regular file; prc-kg writes only regular files: "
                            "give the path of a regular file, or a new name")


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _output_error(exc: OSError, path: Path) -> OutputError:
    """An OSError met while writing ``path``, naming the output (not its temporary sibling) and,
    when it was a folder that could not be made, that folder."""
    failed = Path(str(exc.filename)) if exc.filename is not None else path
    reason = exc.strerror or str(exc)
    if failed in path.parents:
        return OutputError(failed, f"{reason} (making the folder for {path}); nothing was replaced")
    return OutputError(path, f"{reason}; nothing was replaced")


# What write_files_atomically leaves while it runs: .NAME.prckg-PID-XXXXXXXX.tmp and .NAME.prckg-PID.bak
# (the marker keeps a user's own ".notes.2019.bak" from ever looking like ours)
_LITTER = re.compile(r"\.(?P<name>.+)\.prckg-(?P<pid>\d+)(?:-(?P<tmp>[a-z0-9_]+)\.tmp|\.bak)")
log = logging.getLogger("prc_kg")


def _backup_name(path: Path, pid: int) -> Path:
    return path.with_name(f".{path.name}.prckg-{pid}.bak")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # an earlier process with this pid is dead, but so may be a call in this one: leave it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def clean_litter(folder: Path) -> list[str]:
    """Finish what a killed write left in ``folder``: its temporaries are removed, and its backups
    either put back (it died while moving files into place, so the old set is restored as its own
    rollback would have) or removed (its moves were done). Only files of processes no longer
    running on this machine are touched. Returns what was done, one line each."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    runs: dict[int, dict[str, list[str]]] = {}
    for name in names:
        match = _LITTER.fullmatch(name)
        if match and not _alive(int(match["pid"])):
            run = runs.setdefault(int(match["pid"]), {"tmp": [], "bak": []})
            run["tmp" if match["tmp"] else "bak"].append(match["name"])
    done: list[str] = []
    for pid, run in sorted(runs.items()):
        with contextlib.suppress(OSError):
            for name in run["bak"]:
                backup, target = _backup_name(folder / name, pid), folder / name
                if run["tmp"] and not (target.exists() and os.path.samefile(backup, target)):
                    os.replace(backup, target)
                    done.append(f"put back {target} from an interrupted write (process {pid})")
                else:
                    backup.unlink()
            for name in names:
                match = _LITTER.fullmatch(name)
                if match and match["tmp"] and int(match["pid"]) == pid:
                    (folder / name).unlink(missing_ok=True)
                    done.append(f"removed {folder / name}, left by an interrupted write (process {pid})")
    for line in done:
        log.warning("prc-kg: %s", line)
    return done


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _stage(path: Path, data: bytes, mode: int, staged: list[tuple[Path, Path]], cleaned: set[Path]) -> None:
    """Write ``data`` to a temporary sibling of ``path`` (its name carries our pid, so a later run
    can tell a leftover of a killed run from a write in progress)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.parent not in cleaned:
            clean_litter(path.parent)
            cleaned.add(path.parent)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.prckg-{os.getpid()}-", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _output_error(exc, path) from exc
    staged.append((Path(tmp), path))
    try:
        os.fchmod(fd, mode)  # mkstemp makes 0600 files; outputs are meant to be shared like any other file
        _write_all(fd, data)
        os.fsync(fd)
    except OSError as exc:  # no space (ENOSPC), quota (EDQUOT), read-only file system (EROFS), I/O error
        raise _output_error(exc, path) from exc
    finally:
        os.close(fd)


def write_files_atomically(outputs: dict[Path, bytes]) -> None:
    """Write every file to a temporary sibling first, then move them all into place.

    An existing output that is not a regular file is refused before anything is written, and again
    just before it is replaced. If any write fails (a full disk, an interrupt), nothing is replaced
    and the temporaries are removed; an OSError becomes an OutputError naming the output. If a move
    fails, the files already moved are put back from hard-link backups, so readers still see the
    complete old set. Leftovers of killed runs in the folders written to are cleaned first.
    """
    for path in outputs:
        check_regular_or_absent(path)
    staged: list[tuple[Path, Path]] = []
    mode = _default_mode()
    try:
        cleaned: set[Path] = set()
        for path, data in outputs.items():
            _stage(Path(path), data, mode, staged, cleaned)
    except BaseException:
        _remove(tmp for tmp, _ in staged)
        raise
    _move_into_place(staged)


@contextlib.contextmanager
def streamed_output(path: Path) -> Iterator[TextIO]:
    """A text output too large to hold in memory, written as it is produced into a temporary sibling
    and moved into place only when complete: the same checks, names, permissions and clean-up as
    ``write_files_atomically``, so a killed or failed run leaves the old file and nothing else."""
    path = Path(path)
    check_regular_or_absent(path)
    staged: list[tuple[Path, Path]] = []
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        clean_litter(path.parent)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.prckg-{os.getpid()}-", suffix=".tmp", dir=path.parent)
        staged.append((Path(tmp), path))
        os.fchmod(fd, _default_mode())
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
    except OSError as exc:
        _remove(tmp for tmp, _ in staged)
        raise _output_error(exc, path) from exc
    except BaseException:
        _remove(tmp for tmp, _ in staged)
        raise
    _move_into_place(staged)


def _remove(paths) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


def _move_into_place(staged: list[tuple[Path, Path]]) -> None:
    backups: dict[Path, Path | None] = {}  # the files moved so far, with the backup of each old file
    path, pending = None, None
    try:
        for tmp, path in staged:
            check_regular_or_absent(path)  # what was checked before the writes may have changed since
            pending = None
            if path.is_file():
                pending = _backup_name(path, os.getpid())
                pending.unlink(missing_ok=True)
                os.link(path, pending)
            os.replace(tmp, path)
            backups[path], pending = pending, None
    except BaseException as exc:
        _remove([pending] if pending is not None else [])  # its file was not replaced
        for done, backup in backups.items():
            with contextlib.suppress(OSError):
                if backup is not None:
                    os.replace(backup, done)
                elif done.is_file():
                    done.unlink()
        _remove(tmp for tmp, _ in staged)
        if isinstance(exc, OSError) and path is not None:
            raise _output_error(exc, path) from exc
        raise
    _remove(backup for backup in backups.values() if backup is not None)
