"""Atomic writes: all or nothing, and one wording when a file cannot be written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hipflex.errors import CannotWriteError
from hipflex.files import atomic_file, write_atomically


def test_writes_text_and_bytes_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    write_atomically(target, "héllo")
    assert target.read_text(encoding="utf-8") == "héllo"
    write_atomically(target, b"\x00bytes")
    assert target.read_bytes() == b"\x00bytes"
    assert os.listdir(tmp_path) == ["out.txt"]
    assert target.stat().st_mode & 0o077 == 0  # health records: the owner's only


def test_a_failure_midway_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "export.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_file(target) as stream:
        stream.write("half of the new")
        raise RuntimeError("the writer failed")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["export.csv"]


@pytest.mark.parametrize("where", ["missing/x.ics", "folder"])
def test_cannot_write_says_path_and_reason(tmp_path: Path, where: str) -> None:
    (tmp_path / "folder").mkdir()
    target = tmp_path / where
    with pytest.raises(CannotWriteError) as raised:
        write_atomically(target, "x", hint="choose another folder")
    assert raised.value.message.startswith(f"cannot write {target}: ")
    assert raised.value.hint == "choose another folder"
    assert sorted(os.listdir(tmp_path)) == ["folder"]
    assert os.listdir(tmp_path / "folder") == []
