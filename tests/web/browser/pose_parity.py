"""The same photo through the browser model and the Python wheel: landmarks and verdicts.

Shared by the parity test and ``bench/web_latency.py``-style explorations: nothing here asserts.
"""

from __future__ import annotations

import base64
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hipflex.domain.form_thresholds import FormThresholds
from hipflex.vision.form import measure_form
from hipflex.vision.form_rules import classify
from hipflex.vision.mediapipe_source import MAX_POSE_SIDE_PX, PoseEstimator, read_image
from hipflex.vision.pose import Landmark, Pose

L = Landmark
# The landmarks the form check reads: shoulders, hips, knees, ankles, heels, toes.
BODY_LANDMARKS = (
    L.LEFT_SHOULDER,
    L.RIGHT_SHOULDER,
    L.LEFT_HIP,
    L.RIGHT_HIP,
    L.LEFT_KNEE,
    L.RIGHT_KNEE,
    L.LEFT_ANKLE,
    L.RIGHT_ANKLE,
    L.LEFT_HEEL,
    L.RIGHT_HEEL,
    L.LEFT_FOOT_INDEX,
    L.RIGHT_FOOT_INDEX,
)

# Runs in the page: the photo (a data URL) drawn on a canvas at most MAX_POSE_SIDE_PX on its long
# side, as the Python adapter scales photos, then one static-image pass of the browser model.
BROWSER_ESTIMATE_JS = """
async ([dataUrls, maxSidePx]) => {
  const { BrowserPose, landmarkMessage } = await import("/static/js/pose/browser_pose.js");
  const pose = window.__parityPose || (window.__parityPose = await BrowserPose.load({ staticImages: true }));
  const results = [];
  for (const url of dataUrls) {
    const image = new Image();
    image.src = url;
    await image.decode();
    const scale = Math.min(1, maxSidePx / Math.max(image.naturalWidth, image.naturalHeight));
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(image.naturalWidth * scale));
    canvas.height = Math.max(1, Math.round(image.naturalHeight * scale));
    const g = canvas.getContext("2d");
    g.imageSmoothingQuality = "high";
    g.drawImage(image, 0, 0, canvas.width, canvas.height);
    const result = await pose.estimate(canvas);
    results.push({ landmarks: result.landmarks, inferenceMs: result.inferenceMs,
                   cpuInference: pose.cpuInference,
                   message: JSON.stringify(landmarkMessage(result)) });
  }
  return results;
}
"""


def data_url(path: Path) -> str:
    mime = "image/png" if path.suffix.lower() == ".png" else "image/jpeg"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"


def pose_from_normalised(rows: list[list[float]], width_px: int, height_px: int) -> Pose:
    values = np.array(rows, dtype=np.float64)
    return Pose(
        image_xy_px=values[:, :2] * np.array([width_px, height_px], dtype=np.float64),
        depth_z_px=values[:, 2] * width_px,
        visibility=np.clip(values[:, 3], 0.0, 1.0),
        world_xyz_m=None,
        timestamp_s=0.0,
        image_width_px=width_px,
        image_height_px=height_px,
    )


def in_position(pose: Pose | None) -> bool:
    """The server's verdict, through the vision package's public functions only."""
    measurement = None if pose is None else measure_form(pose)
    return classify(measurement, FormThresholds()).status.in_position


def leg_length_px(pose: Pose) -> float:
    def length(hip: L, knee: L, ankle: L) -> float:
        return float(
            np.linalg.norm(pose.xy(hip) - pose.xy(knee))
            + np.linalg.norm(pose.xy(knee) - pose.xy(ankle))
        )

    return max(
        length(L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),
        length(L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE),
        1e-6,
    )


def body_gaps(browser: Pose, python: Pose) -> list[float]:
    """Distance between the two poses' body landmarks, in leg lengths (Python's pose)."""
    indices = [int(landmark) for landmark in BODY_LANDMARKS]
    gaps = np.linalg.norm(browser.image_xy_px[indices] - python.image_xy_px[indices], axis=1)
    return [float(gap) / leg_length_px(python) for gap in gaps]


@dataclass(frozen=True)
class PhotoParity:
    name: str
    browser: Pose | None
    python: Pose | None
    browser_inference_ms: float
    message: str  # what the page would send the server for this frame

    @property
    def distance(self) -> float | None:
        """Median body-landmark gap, in leg lengths."""
        if self.browser is None or self.python is None:
            return None
        return statistics.median(body_gaps(self.browser, self.python))

    @property
    def max_distance(self) -> float | None:
        """Largest body-landmark gap, in leg lengths."""
        if self.browser is None or self.python is None:
            return None
        return max(body_gaps(self.browser, self.python))

    @property
    def in_position_browser(self) -> bool:
        return in_position(self.browser)

    @property
    def in_position_python(self) -> bool:
        return in_position(self.python)


def run_parity(page: Any, photos: list[Path]) -> list[PhotoParity]:
    """Each photo through the page's model (``page`` is on a hipflex page) and the wheel."""
    browser_results = page.evaluate(
        BROWSER_ESTIMATE_JS, [[data_url(path) for path in photos], MAX_POSE_SIDE_PX]
    )
    parity: list[PhotoParity] = []
    with PoseEstimator(static_images=True) as estimator:
        for path, result in zip(photos, browser_results, strict=True):
            image = read_image(path)
            height_px, width_px = image.shape[:2]
            python = estimator.estimate(image, 0.0)
            rows = result["landmarks"]
            browser = None if rows is None else pose_from_normalised(rows, width_px, height_px)
            parity.append(
                PhotoParity(
                    path.name, browser, python, float(result["inferenceMs"]), result["message"]
                )
            )
    return parity
