"""Atomic output: a set of files is replaced whole or not at all."""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

import pytest

from prc_kg.fileio.files import OutputError, write_files_atomically


def test_a_failed_move_puts_back_the_files_already_replaced(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text("old a")
    (tmp_path / "c.txt").write_text("old c")
    replace = os.replace

    def failing(src, dst):  # the last move fails (say the disk went away): the first must be undone
        if Path(dst).name == "c.txt":
            raise OSError(errno.EIO, "Input/output error", str(src), None, str(dst))
        replace(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(OutputError, match=re.escape(f"{tmp_path / 'c.txt'}: Input/output error; nothing was replaced")):
        write_files_atomically({tmp_path / "a.txt": b"new a", tmp_path / "b.txt": b"new b", tmp_path / "c.txt": b"c"})
    monkeypatch.undo()
    assert (tmp_path / "a.txt").read_text() == "old a"
    assert (tmp_path / "c.txt").read_text() == "old c"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "c.txt"]


def test_a_folder_where_an_output_file_belongs_is_refused_before_anything_is_written(tmp_path):
    (tmp_path / "a.txt").write_text("old a")
    (tmp_path / "c").mkdir()
    with pytest.raises(OutputError, match="c: is a folder, not a regular file"):
        write_files_atomically({tmp_path / "a.txt": b"new a", tmp_path / "c": b"c"})
    assert (tmp_path / "a.txt").read_text() == "old a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "c"]


def test_outputs_get_the_permissions_of_any_new_file_not_mkstemps_0600(tmp_path):
    umask = os.umask(0o022)
    try:
        write_files_atomically({tmp_path / "x.html": b"<p>x</p>"})
    finally:
        os.umask(umask)
    assert (tmp_path / "x.html").stat().st_mode & 0o777 == 0o644
