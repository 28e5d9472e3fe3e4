"""Precision, recall and F1 of ``in_position`` over ../shared/media/images against labels.csv.

Run: .venv/bin/python bench/eval_images.py
Thresholds are the defaults of FormThresholds (the protocol's [form] table); no per-file tuning.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from hipflex.domain.form_thresholds import FormThresholds
from hipflex.vision.form import measure_form
from hipflex.vision.form_rules import classify
from hipflex.vision.mediapipe_source import ImageFilesSource

MEDIA = Path(__file__).resolve().parents[1] / ".." / "shared" / "media"


def main() -> int:
    if not (MEDIA / "labels.csv").is_file():
        print(f"no media at {MEDIA}", file=sys.stderr)
        return 1
    labels = {row["file"]: row for row in csv.DictReader((MEDIA / "labels.csv").open())}
    paths = sorted(p for p in (MEDIA / "images").iterdir() if p.name in labels)
    th = FormThresholds()
    tp = fp = fn = tn = 0
    wrong: list[str] = []
    side_checked = side_right = 0
    for path, frame in zip(paths, ImageFilesSource(paths, keep_images=False), strict=True):
        m = None if frame.pose is None else measure_form(frame.pose, th.min_visibility)
        result = classify(m, th)
        predicted = result.status.in_position
        truth = labels[path.name]["in_position"] == "1"
        tp += predicted and truth
        fp += predicted and not truth
        fn += truth and not predicted
        tn += not truth and not predicted
        if predicted != truth:
            detail = (
                "no pose"
                if m is None
                else (
                    f"back knee {m.back_knee_height:.2f} leg, front knee {m.front_knee_height:.2f}, "
                    f"hip {m.hip_height:.2f}, shin {m.front_shin_deg:+.0f} deg, "
                    f"trunk {m.trunk_forward_deg:+.0f} deg"
                )
            )
            wrong.append(
                f"  {path.name}: labelled {int(truth)}, got {result.status.value} ({detail})"
            )
        side = labels[path.name].get("kneeling_side") or "unknown"
        if truth and side != "unknown" and m is not None and m.side_confidence >= 0.6:
            side_checked += 1
            side_right += m.kneeling_side.value == side
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(f"images: {len(paths)} ({tp + fn} positive, {tn + fp} negative)")
    print(f"TP {tp}  FP {fp}  FN {fn}  TN {tn}")
    print(f"precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}")
    print(f"kneeling side (labelled, confident): {side_right}/{side_checked} right")
    print(f"misclassified ({len(wrong)}):")
    print("\n".join(wrong) if wrong else "  none")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
