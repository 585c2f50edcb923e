"""Outputs never destroy what they land on: not a device, FIFO or link; not on a full disk (the old
file stays, the message names it, no temporary is left); not after a killed run (its leftovers are
cleaned by the next write). The refusals of outputs over inputs and in source folders, and of text
XML cannot carry, are rows of tests/test_bad_input.py (SAFETY_OUTPUTS)."""

from __future__ import annotations

import errno
import os
import re
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from prc_kg.cli.main import main
from prc_kg.errors import PrcKgError
from prc_kg.fileio.files import OutputError, streamed_output, write_files_atomically
from prc_kg.fileio.outputs import check_outputs
from prc_kg.ontology.build import serialise

SRC = Path(__file__).resolve().parents[1] / "src"
DATA = Path(__file__).resolve().parent / "data"


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- outputs that are not regular files --------------------------------------------------------------

def test_a_fifo_given_as_output_is_refused_and_stays_a_fifo(tmp_path, capsys):
    fifo = tmp_path / "ratings.csv"
    os.mkfifo(fifo)
    assert main(["generate-study", "--out", str(fifo)]) == 2
    assert f"{fifo}: is a FIFO (named pipe), not a regular file; prc-kg writes only regular files" \
        in capsys.readouterr().err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert names(tmp_path) == ["ratings.csv"]


def _char_device(tmp_path: Path) -> Path:
    """A character device like /dev/null made in tmp (root only), else /dev/null itself."""
    device = tmp_path / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, OSError):
        return Path("/dev/null")
    return device


def test_a_character_device_given_as_report_is_refused_and_left_a_device(tmp_path, capsys):
    device = _char_device(tmp_path)
    before = os.lstat(device)
    assert main(["qc", "--report", str(device)]) == 2
    assert f"{device}: is a character device, not a regular file" in capsys.readouterr().err
    after = os.lstat(device)
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


def test_a_link_given_as_output_is_refused_naming_where_it_points(tmp_path):
    target = tmp_path / "elsewhere.html"
    target.write_text("kept")
    link = tmp_path / "index.html"
    link.symlink_to(target)
    said = f"{link}: is a symbolic link to {target}; prc-kg writes only regular files"
    with pytest.raises(OutputError, match=re.escape(said)):
        write_files_atomically({tmp_path / "a.html": b"a", link: b"new"})
    assert link.is_symlink() and target.read_text() == "kept"
    assert names(tmp_path) == ["elsewhere.html", "index.html"]


def test_an_output_that_becomes_a_fifo_while_the_files_are_written_is_refused_at_the_move(tmp_path, monkeypatch):
    """The last line of defence: the check is made again just before each file is moved into place."""
    (tmp_path / "a.txt").write_text("old a")
    late = tmp_path / "b.txt"
    fsync = os.fsync

    def fsync_then_swap(fd):
        fsync(fd)
        if not late.exists():
            os.mkfifo(late)  # someone puts a FIFO where an output goes, after the first check

    monkeypatch.setattr(os, "fsync", fsync_then_swap)
    with pytest.raises(OutputError, match=re.escape(f"{late}: is a FIFO")):
        write_files_atomically({tmp_path / "a.txt": b"new a", late: b"new b"})
    assert (tmp_path / "a.txt").read_text() == "old a"
    assert stat.S_ISFIFO(os.lstat(late).st_mode)
    assert names(tmp_path) == ["a.txt", "b.txt"]


def test_outputs_by_another_name_or_link_are_compared_as_files(tmp_path):
    data = tmp_path / "in" / "ratings.csv"
    data.parent.mkdir()
    data.write_text("x")
    (tmp_path / "alias.csv").symlink_to(data)
    ontology = tmp_path / "ontology"
    ontology.mkdir()
    (tmp_path / "build").symlink_to(ontology)
    for out, said in ((tmp_path / "in" / ".." / "in" / "ratings.csv", f"is the same file as the input {data}"),
                      (tmp_path / "alias.csv", f"is the same file as the input {data}")):
        with pytest.raises(OutputError, match=re.escape(said)):
            check_outputs(files=[out], inputs=[data])
    with pytest.raises(OutputError, match="is the ontology folder this command reads"):
        check_outputs(folders=[tmp_path / "build"], sources=[("ontology folder", ontology)])
    check_outputs(files=[tmp_path / "out" / "ratings.nt"], folders=[tmp_path / "out"], inputs=[data],
                  sources=[("ontology folder", ontology)])  # an ordinary output passes


# -- a full disk, an interrupt --------------------------------------------------------------------------

def _fail_writes(monkeypatch, victim: Path, error: BaseException) -> None:
    """os.write to the temporary file of ``victim`` writes a few bytes, then fails as a full disk does."""
    write = os.write

    def failing(fd, data):
        if not os.readlink(f"/proc/self/fd/{fd}").startswith(str(victim.parent / f".{victim.name}.prckg-")):
            return write(fd, data)
        if len(data) > 8:
            return write(fd, bytes(data[:8]))
        raise error

    monkeypatch.setattr(os, "write", failing)


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO])
def test_a_failed_write_names_the_output_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch, code):
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc to tell the temporary files from others")
    old = tmp_path / "prc-kg.ttl"
    old.write_text("old release")
    _fail_writes(monkeypatch, old, OSError(code, os.strerror(code)))
    with pytest.raises(OutputError) as caught:
        write_files_atomically({tmp_path / "a.owl": b"written first", old: b"new release " * 100})
    assert str(caught.value) == f"{old}: {os.strerror(code)}; nothing was replaced"
    assert old.read_text() == "old release"
    assert names(tmp_path) == ["prc-kg.ttl"]


def test_an_interrupt_while_writing_removes_the_temporaries(tmp_path, monkeypatch):
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc to tell the temporary files from others")
    old = tmp_path / "index.html"
    old.write_text("old")
    _fail_writes(monkeypatch, old, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        write_files_atomically({old: b"new page " * 10})
    assert old.read_text() == "old"
    assert names(tmp_path) == ["index.html"]


@pytest.fixture
def small_disk(tmp_path):
    """A real 64 kB file system (tmpfs; needs root): skipped where it cannot be mounted."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True,
                          check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_a_real_full_disk_names_the_output_and_leaves_the_old_file_and_no_temporary(small_disk, capsys):
    out = small_disk / "ratings.csv"
    out.write_text("an earlier study\n")
    assert main(["generate-study", "--out", str(out)]) == 2  # about 400 kB of ratings
    assert f"prc-kg: {out}: No space left on device; nothing was replaced" in capsys.readouterr().err
    assert out.read_text() == "an earlier study\n"
    assert names(small_disk) == ["ratings.csv"]


# -- leftovers of killed runs ------------------------------------------------------------------------------

def _dead_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                           check=True)
    return int(child.stdout)


def test_temporaries_of_a_dead_process_are_removed_by_the_next_write_and_nothing_else(tmp_path):
    dead, alive = _dead_pid(), os.getppid()
    litter = [f".index.html.prckg-{dead}-abcd1234.tmp", f".case.html.prckg-{dead}-x_9z0000.tmp"]
    kept = [f".index.html.prckg-{alive}-abcd1234.tmp",  # a write still running in another process
            ".notes.2019.bak", f".index.html.{dead}.bak", "index.html.tmp"]  # the user's own files
    for name in litter + kept:
        (tmp_path / name).write_text("x")
    write_files_atomically({tmp_path / "index.html": b"new"})
    assert names(tmp_path) == sorted(kept + ["index.html"])


KILLED_WRITE = textwrap.dedent("""
    import os, pathlib, signal, sys
    from prc_kg.fileio.files import write_files_atomically
    folder, when = pathlib.Path(sys.argv[1]), sys.argv[2]
    replace, unlink = os.replace, pathlib.Path.unlink
    def kill_on_second_move(src, dst, moves=[]):
        moves.append(dst)
        if len(moves) == 2:
            os.kill(os.getpid(), signal.SIGKILL)
        replace(src, dst)
    def kill_on_backup_removal(self, missing_ok=False):
        if self.name.endswith(".bak") and self.exists():
            os.kill(os.getpid(), signal.SIGKILL)
        unlink(self, missing_ok=missing_ok)
    if when == "moving":
        os.replace = kill_on_second_move
    else:
        pathlib.Path.unlink = kill_on_backup_removal
    write_files_atomically({folder / "a.txt": b"new a", folder / "b.txt": b"new b"})
""")


def _killed_write(folder: Path, when: str) -> None:
    (folder / "a.txt").write_text("old a")
    (folder / "b.txt").write_text("old b")
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run([sys.executable, "-c", KILLED_WRITE, str(folder), when], env=env, capture_output=True,
                          check=False)
    assert done.returncode == -9, done.stderr.decode()


def test_a_write_killed_while_moving_files_into_place_is_rolled_back_by_the_next_write(tmp_path, caplog):
    _killed_write(tmp_path, "moving")
    # the killed run left a mixed set (a.txt new, b.txt old), the backups of both and the temporary of b.txt
    assert (tmp_path / "a.txt").read_text() == "new a" and (tmp_path / "b.txt").read_text() == "old b"
    assert len([n for n in names(tmp_path) if ".prckg-" in n]) == 3
    write_files_atomically({tmp_path / "c.txt": b"c"})
    assert (tmp_path / "a.txt").read_text() == "old a" and (tmp_path / "b.txt").read_text() == "old b"
    assert names(tmp_path) == ["a.txt", "b.txt", "c.txt"]
    assert f"put back {tmp_path / 'a.txt'} from an interrupted write" in caplog.text  # said, not done silently


def test_a_write_killed_after_its_moves_keeps_the_new_files_and_the_next_write_removes_the_backups(tmp_path):
    _killed_write(tmp_path, "cleaning up")
    assert (tmp_path / "a.txt").read_text() == "new a" and (tmp_path / "b.txt").read_text() == "new b"
    assert [n for n in names(tmp_path) if ".prckg-" in n]
    write_files_atomically({tmp_path / "c.txt": b"c"})
    assert (tmp_path / "a.txt").read_text() == "new a" and (tmp_path / "b.txt").read_text() == "new b"
    assert names(tmp_path) == ["a.txt", "b.txt", "c.txt"]


# -- text XML cannot carry --------------------------------------------------------------------------------

def test_the_rdfxml_writer_refuses_a_literal_xml_cannot_carry_instead_of_writing_it():
    """The inputs are checked where they are read; the writer checks again, so a graph built some other
    way never gives an RDF/XML file no XML parser reads (a NUL) or a silent "?" (a lone surrogate)."""
    for text, code in (("a\x00b", "U+0000"), ("a\ud800b", "U+D800")):
        g = Graph()
        g.add((URIRef("https://example.org/s"), URIRef("https://example.org/p"), Literal(text)))
        with pytest.raises(PrcKgError, match=re.escape(f"cannot write RDF/XML: the literal of <https://example.org/s> "
                                                       f"<https://example.org/p>: character {code} (")):
            serialise(g, "xml")
    g = Graph()
    g.add((URIRef("https://example.org/s"), URIRef("https://example.org/p"), Literal("tab\tline\nend\r")))
    assert b"tab\tline" in serialise(g, "xml")


# -- streamed outputs (the ratings import writes its N-Triples as it goes) ---------------------------

def test_a_streamed_output_failing_midway_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    out = tmp_path / "ratings.nt"
    out.write_text("old\n")
    with pytest.raises(RuntimeError), streamed_output(out) as fh:
        fh.write("half of the new file\n")
        raise RuntimeError("the source ran dry")
    assert out.read_text() == "old\n"
    assert names(tmp_path) == ["ratings.nt"]


def test_an_import_cleans_what_a_killed_import_left_beside_its_output_and_writes_a_shared_file(tmp_path):
    out = tmp_path / "ratings.nt"
    leftover = tmp_path / f".ratings.nt.prckg-{_dead_pid()}-k1ll3d00.tmp"
    leftover.write_text("<a> <b> <c")  # what a SIGKILL during the stream leaves
    assert main(["import", str(DATA / "ratings" / "two_raters.csv"), "--out", str(out)]) == 0
    assert names(tmp_path) == ["ratings.nt"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
