"""Atomic output: a set of files is replaced whole or not at all."""

from __future__ import annotations

import os

import pytest

from prc_kg.files import write_files_atomically


def test_a_failed_move_puts_back_the_files_already_replaced(tmp_path):
    (tmp_path / "a.txt").write_text("old a")
    (tmp_path / "c").mkdir()  # a folder where a file should go: its move fails last
    with pytest.raises(OSError):
        write_files_atomically({tmp_path / "a.txt": b"new a", tmp_path / "b.txt": b"new b", tmp_path / "c": b"c"})
    assert (tmp_path / "a.txt").read_text() == "old a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "c"]


def test_outputs_get_the_permissions_of_any_new_file_not_mkstemps_0600(tmp_path):
    umask = os.umask(0o022)
    try:
        write_files_atomically({tmp_path / "x.html": b"<p>x</p>"})
    finally:
        os.umask(umask)
    assert (tmp_path / "x.html").stat().st_mode & 0o777 == 0o644
