"""The vendored copy of @mediapipe/pose: built from node_modules, complete or not at all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hipflex.web.pose_assets import (
    MANIFEST_NAME,
    NEEDED_FILES,
    PACKAGE_NAME,
    PoseAssetsError,
    installed,
    main,
    pinned_version,
    vendor,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


def fake_package(directory: Path, version: str = "1.2.3") -> Path:
    directory.mkdir(parents=True)
    (directory / "package.json").write_text(json.dumps({"name": PACKAGE_NAME, "version": version}))
    for index, name in enumerate(NEEDED_FILES):
        (directory / name).write_bytes(b"x" * index)
    (directory / "pose_landmark_heavy.tflite").write_bytes(b"not needed")
    return directory


def test_vendor_copies_only_the_needed_files_and_writes_a_manifest(tmp_path: Path) -> None:
    package = fake_package(tmp_path / "pkg")
    dest = tmp_path / "vendor"
    assets = vendor(package, dest, expected_version="1.2.3")
    assert assets.version == "1.2.3"
    assert sorted(path.name for path in dest.iterdir()) == sorted([*NEEDED_FILES, MANIFEST_NAME])
    assert installed(dest) == assets
    manifest = json.loads((dest / MANIFEST_NAME).read_text())
    assert manifest["files"]["pose.js"]["sha256"] == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"  # empty file
    )


def test_an_incomplete_copy_is_not_installed(tmp_path: Path) -> None:
    dest = tmp_path / "vendor"
    assert installed(dest) is None
    vendor(fake_package(tmp_path / "pkg"), dest)
    (dest / "pose_landmark_full.tflite").write_bytes(b"a different size")
    assert installed(dest) is None
    (dest / "pose_landmark_full.tflite").unlink()
    assert installed(dest) is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("wrong_version", "package-lock.json pins"),
        ("missing_file", "missing pose_web.binarypb"),
        ("not_the_package", "does not name"),
        ("no_package", "not an installed"),
    ],
)
def test_vendor_refuses_a_package_that_is_not_the_pinned_one(
    tmp_path: Path, change: str, reason: str
) -> None:
    package = fake_package(
        tmp_path / "pkg", version="9.9.9" if change == "wrong_version" else "1.2.3"
    )
    if change == "missing_file":
        (package / "pose_web.binarypb").unlink()
    if change == "not_the_package":
        (package / "package.json").write_text(json.dumps({"name": "left-pad", "version": "1"}))
    if change == "no_package":
        (package / "package.json").unlink()
    with pytest.raises(PoseAssetsError, match=reason):
        vendor(package, tmp_path / "vendor", expected_version="1.2.3")
    assert installed(tmp_path / "vendor") is None


def test_the_lockfile_pins_an_exact_version_that_package_json_asks_for() -> None:
    lock_version = pinned_version(REPO_ROOT / "package-lock.json")
    wanted = json.loads((REPO_ROOT / "package.json").read_text())["dependencies"][PACKAGE_NAME]
    assert wanted == lock_version  # exact: no ^ or ~ range


def test_main_reports_errors_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([]) == 2
    assert main([str(tmp_path / "nothing")]) == 1
    assert "not an installed" in capsys.readouterr().err
