"""The local export: a patient key kept in the data dir, and a file written whole or not at all."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from hipflex.fhir import local_export
from hipflex.fhir.local_export import (
    PATIENT_KEY_FILE,
    FhirExportError,
    check_target,
    local_patient_key,
    write_atomically,
)


def test_patient_key_is_made_once_and_kept(tmp_path: Path) -> None:
    first = local_patient_key(tmp_path)
    assert uuid.UUID(first)
    assert (tmp_path / PATIENT_KEY_FILE).read_text(encoding="utf-8").strip() == first
    assert local_patient_key(tmp_path) == first


def test_a_damaged_patient_key_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / PATIENT_KEY_FILE).write_text("not-a-uuid\n", encoding="utf-8")
    with pytest.raises(FhirExportError, match="not a patient id") as caught:
        local_patient_key(tmp_path)
    assert caught.value.hint and "delete the file" in caught.value.hint


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("bundle.xml", "use a .json file name"),
        ("missing/bundle.json", "missing does not exist"),
        ("a-file/bundle.json", "a-file is not a folder"),
        ("a-folder.json", "it is a folder"),
    ],
)
def test_unusable_targets_are_refused_up_front(tmp_path: Path, name: str, problem: str) -> None:
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    (tmp_path / "a-folder.json").mkdir()
    with pytest.raises(FhirExportError, match=problem):
        check_target(tmp_path / name)


def test_write_replaces_the_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "bundle.json"
    target.write_text("old", encoding="utf-8")
    write_atomically(target, '{"resourceType": "Bundle"}')
    assert target.read_text(encoding="utf-8") == '{"resourceType": "Bundle"}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle.json"]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "bundle.json"
    target.write_text("old", encoding="utf-8")

    def refuse(self: Path, other: Path) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(local_export.Path, "replace", refuse)
    with pytest.raises(FhirExportError, match="No space left on device"):
        write_atomically(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle.json"]
