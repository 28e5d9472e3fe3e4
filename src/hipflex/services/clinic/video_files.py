"""Where uploaded videos and annotated results live: the clinic's data dir, outside any web
root, under names the server chooses (never the uploader's file name).

    DATA_DIR/videos/uploads/<uuid>.video        an upload, until analysed (or kept)
    DATA_DIR/videos/results/<sha256>-<version>.mp4    the annotated video
    DATA_DIR/videos/work/<sha256>-<version>/    one analysis in progress (replaced on retry)

Workers on other machines need the same directory (a shared mount); see docs/clinic-videos.md.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

SAFE_VERSION = re.compile(r"[^A-Za-z0-9_.-]")
DEFAULT_MAX_UPLOAD_MB = 200
DEFAULT_MAX_DURATION_S = 600.0


@dataclass(frozen=True)
class VideoSettings:
    """The clinic's video settings (``hipflex clinic serve`` / ``worker`` options)."""

    data_dir: Path
    keep_videos: bool = False  # keep uploads after analysis (default: removed once analysed)
    max_bytes: int = DEFAULT_MAX_UPLOAD_MB * 1_000_000
    max_duration_s: float = DEFAULT_MAX_DURATION_S


class VideoFiles:
    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "videos"
        self.uploads = self.root / "uploads"
        self.results = self.root / "results"
        self.work = self.root / "work"

    def ensure(self) -> VideoFiles:
        for folder in (self.uploads, self.results, self.work):
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self

    def new_upload_name(self) -> str:
        return f"{uuid.uuid4()}.video"

    def upload_path(self, stored_name: str) -> Path:
        return self.uploads / Path(stored_name).name  # a name, never a path from outside

    def result_name(self, sha256: str, analyzer_version: str) -> str:
        return f"{sha256}-{SAFE_VERSION.sub('_', analyzer_version)}.mp4"

    def result_path(self, annotated_name: str) -> Path:
        return self.results / Path(annotated_name).name

    def work_dir(self, sha256: str, analyzer_version: str) -> Path:
        """A fresh directory for one attempt (what a killed attempt left is removed)."""
        folder = self.work / f"{sha256}-{SAFE_VERSION.sub('_', analyzer_version)}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True, mode=0o700)
        return folder

    def remove_upload(self, stored_name: str) -> None:
        self.upload_path(stored_name).unlink(missing_ok=True)


def sha256_of(path: Path, chunk_bytes: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()
