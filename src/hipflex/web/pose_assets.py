"""MediaPipe Pose for the browser: which files of the npm package the page needs, and where.

The npm package ``@mediapipe/pose`` (pinned in package.json / package-lock.json) is installed
by ``make run`` / ``make test`` with ``npm ci``. Only the files the page loads are copied from
``node_modules`` into ``static/vendor/mediapipe-pose/`` (git-ignored), with a manifest; the app
serves them from its own origin, so nothing comes from a CDN and nothing is downloaded while a
session runs. A wheel built after ``make`` carries the copy; without it (no npm on the
machine) the manifest is missing and the page uses the server-side pose path instead.

``make web-assets`` (re)builds the copy (``scripts/vendor-pose-assets`` calls :func:`main`).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

PACKAGE_NAME = "@mediapipe/pose"
VENDOR_DIR = Path(__file__).with_name("static") / "vendor" / "mediapipe-pose"
MANIFEST_NAME = "manifest.json"
# The URL the page loads them from (StaticFiles serves static/ at /static).
VENDOR_URL = "/static/vendor/mediapipe-pose/"

# What pose.js asks ``locateFile`` for with modelComplexity 1 (the same
# pose_landmark_full.tflite the Python wheel runs), in both WASM builds (SIMD and plain).
NEEDED_FILES = (
    "pose.js",
    "pose_web.binarypb",
    "pose_solution_packed_assets_loader.js",
    "pose_solution_packed_assets.data",
    "pose_solution_simd_wasm_bin.js",
    "pose_solution_simd_wasm_bin.wasm",
    "pose_solution_simd_wasm_bin.data",
    "pose_solution_wasm_bin.js",
    "pose_solution_wasm_bin.wasm",
    "pose_landmark_full.tflite",
)


class PoseAssetsError(Exception):
    """The npm package is missing or is not the pinned version."""


@dataclass(frozen=True)
class PoseAssets:
    """An installed copy: the package version and each file's size in bytes."""

    version: str
    file_bytes: dict[str, int]

    @property
    def total_bytes(self) -> int:
        return sum(self.file_bytes.values())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pinned_version(lockfile: Path) -> str:
    """The version of ``@mediapipe/pose`` that ``package-lock.json`` pins."""
    try:
        lock = json.loads(lockfile.read_text(encoding="utf-8"))
        return str(lock["packages"][f"node_modules/{PACKAGE_NAME}"]["version"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise PoseAssetsError(f"{lockfile}: no pinned {PACKAGE_NAME} ({exc})") from None


def vendor(
    package_dir: Path, dest: Path = VENDOR_DIR, *, expected_version: str | None = None
) -> PoseAssets:
    """Copy the needed files from ``package_dir`` (node_modules/@mediapipe/pose) to ``dest``.

    The manifest is written last, so a copy interrupted half-way is never taken as complete.
    """
    try:
        meta = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PoseAssetsError(f"{package_dir}: not an installed {PACKAGE_NAME} ({exc})") from None
    version = str(meta.get("version", ""))
    if meta.get("name") != PACKAGE_NAME or not version:
        raise PoseAssetsError(f"{package_dir}: package.json does not name {PACKAGE_NAME}")
    if expected_version is not None and version != expected_version:
        raise PoseAssetsError(
            f"{package_dir}: version {version} installed, package-lock.json pins "
            f"{expected_version} (run npm ci)"
        )
    missing = [name for name in NEEDED_FILES if not (package_dir / name).is_file()]
    if missing:
        raise PoseAssetsError(f"{package_dir}: missing {', '.join(missing)}")
    dest.mkdir(parents=True, exist_ok=True)
    (dest / MANIFEST_NAME).unlink(missing_ok=True)
    files: dict[str, dict[str, object]] = {}
    for name in NEEDED_FILES:
        target = dest / name
        shutil.copyfile(package_dir / name, target)
        files[name] = {"bytes": target.stat().st_size, "sha256": _sha256(target)}
    manifest = {"package": PACKAGE_NAME, "version": version, "files": files}
    (dest / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return PoseAssets(version, {name: int(str(info["bytes"])) for name, info in files.items()})


def installed(dest: Path = VENDOR_DIR) -> PoseAssets | None:
    """The copy in ``dest`` when it is complete (manifest present, every file of its size)."""
    try:
        manifest = json.loads((dest / MANIFEST_NAME).read_text(encoding="utf-8"))
        version = str(manifest["version"])
        sizes = {name: int(manifest["files"][name]["bytes"]) for name in NEEDED_FILES}
    except (OSError, ValueError, KeyError, TypeError):
        return None
    for name, size in sizes.items():
        path = dest / name
        if not path.is_file() or path.stat().st_size != size:
            return None
    return PoseAssets(version, sizes)


def main(argv: list[str]) -> int:
    """``scripts/vendor-pose-assets PACKAGE_DIR [LOCKFILE]``: build the vendored copy."""
    if not argv:
        print("usage: scripts/vendor-pose-assets PACKAGE_DIR [LOCKFILE]", file=sys.stderr)
        return 2
    try:
        expected = pinned_version(Path(argv[1])) if len(argv) > 1 else None
        assets = vendor(Path(argv[0]), expected_version=expected)
    except (PoseAssetsError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"{PACKAGE_NAME} {assets.version}: {len(assets.file_bytes)} files, "
        f"{assets.total_bytes / 1e6:.1f} MB in {VENDOR_DIR}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
