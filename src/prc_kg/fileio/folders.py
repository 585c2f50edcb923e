"""Folders prc-kg makes whole (a store, a release): built complete under a temporary name beside
their own and swapped in with one step, so their name holds the old folder or the new one at every
moment; a folder prc-kg did not make is never replaced, and what an interrupted run left behind is
removed (or put back) by the next run.

Temporaries are named ``.NAME.new-PID-XXXXXXXX`` (being built) and ``.NAME.old-PID-XXXXXXXX`` (the
old folder moved aside, only where the OS cannot exchange two folders in one step). The name says
what they belong to and which process made them, so a later run touches only those whose process
has ended, and removes only those that are empty or hold the marker file of what prc-kg makes
(the store's marker, a release's manifest). The marker is removed last, so a removal cut short
still leaves a folder the next run recognises.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import re
import secrets
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from ..errors import InputError

T = TypeVar("T")
Report = Callable[[str], None]


def report_on_stderr(note: str) -> None:
    """The default way to say what was cleaned up: one line on standard error, as other notes."""
    print(f"prc-kg: {note}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class FolderKind:
    """What prc-kg makes in a folder: ``marker`` is the file that shows a folder is one of these
    (``is_ours`` reads it), ``what`` names it in messages, ``expected`` says what may be replaced."""

    what: str
    marker: str
    is_ours: Callable[[Path], bool]
    expected: str


# -- swapping two folders in one step --------------------------------------------------------------------

_AT_FDCWD = -100
_RENAME_EXCHANGE = 1 << 1
# The OS or the file system cannot exchange (old kernel, no glibc wrapper, a file system without
# RENAME_EXCHANGE, a seccomp profile that denies the call): fall back to two renames.
_CANNOT_EXCHANGE = {errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM}


@functools.cache
def _renameat2():
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2  # glibc 2.28 and later
    except (OSError, AttributeError):
        return None
    fn.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    fn.restype = ctypes.c_int
    return fn


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False where the OS
    cannot, and nothing has moved."""
    fn = _renameat2()
    if fn is None:
        return False
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in _CANNOT_EXCHANGE:
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def _put_in_place(new: Path, target: Path) -> Path | None:
    """Move the complete folder ``new`` to ``target``'s name; return where the old folder now is."""
    if not os.path.lexists(target):
        os.rename(new, target)
        return None
    if exchange(new, target):
        return new
    old = target.with_name(f".{target.name}.old-{os.getpid()}-{secrets.token_hex(4)}")
    os.rename(target, old)  # from here to the next rename the name is empty; a later run restores it
    try:
        os.rename(new, target)
    except BaseException:
        os.rename(old, target)
        raise
    return old


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM while folders move, so they land after the move and its cleanup."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


# -- what a folder holds ----------------------------------------------------------------------------------

def is_empty(folder: Path) -> bool:
    with os.scandir(folder) as entries:
        return next(entries, None) is None


def foreign_contents(folder: Path, limit: int = 3) -> str:
    """``holds 3 files or folders that prc-kg did not make (a, b, …)``, for a refusal."""
    names = sorted(os.listdir(folder))
    shown = ", ".join(names[:limit]) + (", …" if len(names) > limit else "")
    return (f"holds {len(names)} file{'s' if len(names) != 1 else ''} or folder{'s' if len(names) != 1 else ''} "
            f"that prc-kg did not make ({shown})")


def remove(folder: Path, marker: str) -> None:
    """Delete a folder prc-kg made, its marker last: cut short, it is still recognisable as ours."""
    for entry in sorted(os.listdir(folder), key=lambda name: name == marker):
        path = folder / entry
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    folder.rmdir()


def _discard(folder: Path, marker: str) -> None:
    """``remove`` on a failure path: whatever it cannot delete is left for the next run to clean."""
    try:
        if os.path.lexists(folder):
            remove(folder, marker)
    except OSError:
        pass


def default_modes() -> tuple[int, int]:
    """The modes a plain ``mkdir`` and ``open`` give (folder, file), under the current umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o777 & ~umask, 0o666 & ~umask


def write_file(path: Path, data: bytes, mode: int) -> None:
    """A new file in a folder being built, on disk before the folder is swapped in."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def carry_over(old: Path, new: Path, skip: Callable[[Path], bool]) -> None:
    """Put what ``old`` holds (but ``skip``) into the folder being built, as hard links where the
    file system allows (the same files, no copy), so replacing a folder keeps what the user added."""
    if not old.is_dir():
        return
    for path in sorted(old.iterdir()):
        if skip(path):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.copytree(path, new / path.name, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(path, new / path.name)


def _link_or_copy(src: Path | str, dst: Path | str) -> None:
    if os.path.islink(src):
        os.symlink(os.readlink(src), dst)
        return
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# -- leftovers of interrupted runs ------------------------------------------------------------------------

def process_alive(pid: int) -> bool:
    """Whether process ``pid`` is still running (a zombie has ended; a pid we may not signal is alive)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def _leftover_pattern(target: Path) -> re.Pattern[str]:
    return re.compile(rf"\.{re.escape(target.name)}\.(?P<kind>new|old)-(?P<pid>\d+)(?:-(?P<tag>[a-z0-9_]{{8}}))?")


def clean_leftovers(target: Path, kind: FolderKind, report: Report = report_on_stderr) -> None:
    """Remove what runs that have ended left beside ``target``, and put the old folder back at its
    name when a run was stopped between moving it aside and moving the new one in."""
    parent = target.parent
    if not parent.is_dir():
        return
    pattern = _leftover_pattern(target)
    moved_aside: list[tuple[Path, int]] = []
    for path in sorted(parent.iterdir()):
        found = pattern.fullmatch(path.name)
        if found is None or not path.is_dir() or path.is_symlink():
            continue
        pid = int(found["pid"])
        if found["kind"] == "new" and found["tag"] is None:
            continue  # ".NAME.new-12345678" from prc-kg before 0.x had no pid: see _older_leftovers
        if process_alive(pid):
            continue  # another run still working on it
        if found["kind"] == "old":
            moved_aside.append((path, pid))
        else:
            _remove_leftover(path, pid, f"an unfinished {kind.what}", kind, report)
    for path, pid in sorted(moved_aside, key=lambda item: item[0].stat().st_mtime, reverse=True):
        if not os.path.lexists(target) or (target.is_dir() and not target.is_symlink() and is_empty(target)):
            os.replace(path, target)
            report(f"restored {target} from {path.name}: process {pid} was stopped while it swapped in a new "
                   f"{kind.what}, and had moved the old one aside")
        else:
            _remove_leftover(path, pid, f"the {kind.what} process {pid} replaced", kind, report)
    _older_leftovers(target, kind, report)


def _remove_leftover(path: Path, pid: int, what: str, kind: FolderKind, report: Report) -> None:
    if is_empty(path) or kind.is_ours(path):
        remove(path, kind.marker)
        report(f"removed {path}: {what}, left by process {pid}, which has ended")
    else:
        report(f"left {path} in place: it is named like a temporary folder of prc-kg but holds no "
               f"{kind.marker}; delete it yourself if it is not needed")


def _older_leftovers(target: Path, kind: FolderKind, report: Report) -> None:
    """Temporaries of prc-kg versions that did not name their process: reported, never deleted."""
    for path in sorted(target.parent.glob(f".{glob_escape(target.name)}.new-*")):
        if re.fullmatch(rf"\.{re.escape(target.name)}\.new-[a-z0-9_]{{8}}", path.name) and path.is_dir():
            report(f"left {path} in place: an unfinished {kind.what} from an earlier prc-kg version that did not "
                   "record its process; delete it yourself if no prc-kg is running")


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


# -- refusing what prc-kg must not replace ----------------------------------------------------------------

def check_apart(target: Path, sources: Iterable[tuple[str, Path]], given: Path, expected: str) -> None:
    """Refuse a folder to be replaced that is, contains or lies inside one of the ``sources`` (the
    folders and files in use), or that is or contains the current folder."""
    real = Path(os.path.realpath(target))
    try:
        cwd: Path | None = Path.cwd().resolve()
    except OSError:  # the current folder was deleted: nothing to protect there
        cwd = None
    if real == cwd:
        raise InputError(given, f"is the current folder; expected {expected}")
    for label, source in sources:
        src = Path(os.path.realpath(source))
        if real == src:
            raise InputError(given, f"is the {label} in use; expected {expected}")
        if real in src.parents:
            raise InputError(given, f"contains the {label} in use ({source}); expected {expected}")
        if src in real.parents:
            raise InputError(given, f"lies inside the {label} in use ({source}); expected {expected}")
    if cwd is not None and real in cwd.parents:
        raise InputError(given, f"contains the current folder; expected {expected}")


def check_replaceable(target: Path, kind: FolderKind, given: Path,
                      explain: Callable[[Path], str | None] | None = None) -> None:
    """Refuse ``target`` unless it is missing, an empty folder, or a folder with ``kind``'s marker;
    ``explain`` may give a better reason for a folder that is none of these."""
    if os.path.islink(given) and not os.path.exists(given):
        raise InputError(given, f"is a symbolic link to nothing ({os.readlink(given)}); expected {kind.expected}")
    if not os.path.lexists(target):
        return
    if not target.is_dir():
        raise InputError(given, f"is not a folder; expected {kind.expected}")
    if is_empty(target) or kind.is_ours(target):
        return
    reason = (explain(target) if explain else None) or foreign_contents(target)
    raise InputError(given, f"{reason}; expected {kind.expected}")


# -- building a folder and swapping it in -----------------------------------------------------------------

def replace_folder(target: Path, build: Callable[[Path], T], kind: FolderKind, *,
                   keep_apart: Iterable[tuple[str, Path]] = (), folder_mode: int | None = None,
                   explain: Callable[[Path], str | None] | None = None, report: Report = report_on_stderr) -> T:
    """Build a new folder with ``build(tmp)`` beside ``target`` and swap it in once complete.

    Refused (InputError) before anything is built: a target that is not apart from the sources or
    not replaceable (see ``check_replaceable``); dead leftovers beside it are cleaned first, so a
    folder left moved aside is back at its name and checked like any other. On any failure, Ctrl-C and SIGTERM
    included, the temporary folder is removed and ``target`` is as it was. Symbolic links in
    ``target`` are followed: the folder they lead to is the one replaced.
    """
    given = Path(target)
    real = Path(os.path.realpath(given))
    keep_apart = list(keep_apart)
    check_apart(real, keep_apart, given, kind.expected)
    clean_leftovers(real, kind, report)
    check_replaceable(real, kind, given, explain)
    real.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{real.name}.new-{os.getpid()}-", dir=real.parent))
    try:
        if folder_mode is not None:
            os.chmod(tmp, folder_mode)
        result = build(tmp)
        _sync_folder(tmp)
    except BaseException:
        with signals_held():
            _discard(tmp, kind.marker)
        raise
    with signals_held():
        old = _put_in_place(tmp, real)
        _sync_folder(real.parent)
        if old is not None:
            _discard(old, kind.marker)  # what cannot go now is cleaned by the next run
    return result
