"""How well the camera recognises the half-kneeling position on ../shared/media.

Run: .venv/bin/python bench/eval_images.py [--sweep] [--refresh]

Prints, for the labelled photos (labels.csv):
- the plain (pooled) score of the shipped model, fitted on every photo: optimistic;
- the leave-one-source-out (LOSO) score: for each source (see position_training.source_of)
  the classifier is re-fitted without it and scored on it. This is the figure that counts,
  and every threshold and model setting is chosen on it (``--sweep`` prints the grid);
- per-source recall, the misclassified files with the reason, how people were found;
and for the clips with per-span labels (video_labels.csv, doubtful spans left out), the
fraction of labelled seconds classified correctly and in-position seconds against the labels.

Landmarks come from bench/media_landmarks.py (MediaPipe once, then cached in bench/out/).
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from hipflex.domain.form_thresholds import FormThresholds
from hipflex.vision.position import PositionCheck
from hipflex.vision.position_training import (
    REGULARISATION_C,
    Example,
    Scores,
    examples_from_recordings,
    fit_model,
    leave_one_source_out,
    predict,
    score,
    synthetic_examples,
)
from hipflex.vision.replay import ReplaySource
from hipflex.vision.tracker import FormTracker
from media_landmarks import MEDIA, photo_recordings, video_recording

SWEEP_C = (0.1, 0.3, 1.0, 3.0, 10.0)
SWEEP_CUT = (0.4, 0.5, 0.6, 0.7)
GOAL_F1, GOAL_PRECISION = 0.90, 0.95


def _line(title: str, s: Scores) -> str:
    return (
        f"{title:<34} P {s.precision:.3f}  R {s.recall:.3f}  F1 {s.f1:.3f}   "
        f"(TP {s.tp} FP {s.fp} FN {s.fn} TN {s.tn})"
    )


def _detail(example: Example, verdict: PositionCheck | None) -> str:
    m = example.measurement
    if m is None or verdict is None:
        return "no person found"
    why = verdict.reason or (verdict.missing.value if verdict.missing else "")
    return (
        f"confidence {verdict.confidence:.2f}{'; ' + why if why else ''} "
        f"[back knee {m.back_knee_height:.2f} leg ({m.back_knee_height_3d:.2f} in 3D), "
        f"back shin {m.back_shin_rise_3d_deg:+.0f}°, front knee {m.front_knee_height:.2f}, "
        f"hip {m.hip_height:.2f}, trunk {m.trunk_forward_deg:+.0f}°, "
        f"frontal {m.frontal_ratio:.2f}]"
    )


def per_source(examples: list[Example], verdicts: Mapping[str, PositionCheck | None]) -> None:
    groups: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for example in examples:
        verdict = verdicts[example.name]
        groups[example.source].append(
            (example.in_position, verdict is not None and verdict.in_position)
        )
    print("per source (LOSO): positives found, negatives refused")
    for source, rows in sorted(groups.items()):
        positives = [p for t, p in rows if t]
        negatives = [p for t, p in rows if not t]
        found = f"{sum(positives)}/{len(positives)}" if positives else "-"
        refused = f"{sum(not p for p in negatives)}/{len(negatives)}" if negatives else "-"
        flag = "" if (not positives or all(positives)) and not any(negatives) else "  <-"
        print(f"  {source:<16} recall {found:>6}   negatives {refused:>6}{flag}")


def sweep(examples: list[Example], synthetic: list[Example]) -> None:
    print("settings grid (LOSO), chosen: best F1 with precision >= 0.95")
    best: tuple[float, float, float] | None = None
    for c in SWEEP_C:
        for cut in SWEEP_CUT:
            th = FormThresholds(position_min_probability=cut)
            s = score(
                examples,
                leave_one_source_out(examples, th, c_regularisation=c, synthetic=synthetic),
            )
            print(f"  C {c:<5} cut {cut:.1f}   {_line('', s).strip()}")
            if s.precision >= GOAL_PRECISION and (best is None or s.f1 > best[0]):
                best = (s.f1, c, cut)
    if best is not None:
        print(f"  best: C {best[1]}, cut {best[2]} (F1 {best[0]:.3f})")


def photos(do_sweep: bool, refresh: bool) -> Scores:
    th = FormThresholds()
    recordings = photo_recordings(refresh=refresh)
    examples = examples_from_recordings(recordings, th)
    synthetic = synthetic_examples(th)
    positives = sum(e.in_position for e in examples)
    print(
        f"photos: {len(examples)} ({positives} in position, {len(examples) - positives} not), "
        f"{len({e.source for e in examples})} sources; "
        f"+ {len(synthetic)} synthetic figures in training"
    )
    attempts: dict[str, int] = defaultdict(int)
    several = []
    for name, recording in recordings.items():
        attempts[str(recording["search"]["attempt"])] += 1
        if recording["search"]["people_found"] > 1:
            several.append(f"{name} ({recording['search']['people_found']})")
    print("person found by attempt: " + ", ".join(f"{k}: {v}" for k, v in attempts.items()))
    print(f"several people found in {len(several)}: " + ", ".join(several))

    model = fit_model(examples + synthetic, th, c_regularisation=REGULARISATION_C)
    pooled_verdicts = {e.name: predict(e, th, model) for e in examples}
    pooled = score(examples, pooled_verdicts)
    verdicts = leave_one_source_out(examples, th, synthetic=synthetic)
    loso = score(examples, verdicts)
    print(_line("pooled (fitted on every photo)", pooled))
    print(_line("leave-one-source-out", loso))
    goal = "met" if loso.f1 >= GOAL_F1 and loso.precision >= GOAL_PRECISION else "NOT met"
    print(f"goal LOSO F1 >= {GOAL_F1} with precision >= {GOAL_PRECISION}: {goal}")
    per_source(examples, verdicts)
    print(f"misclassified (LOSO) ({len(loso.wrong)}):")
    by_name = {e.name: e for e in examples}
    for name in loso.wrong:
        example = by_name[name]
        label = "in position" if example.in_position else "not in position"
        print(f"  {name}: labelled {label}; {_detail(example, verdicts[name])}")
    if do_sweep:
        sweep(examples, synthetic)
    return loso


def _video_labels() -> dict[str, list[tuple[float, float, str]]]:
    spans: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
    with (MEDIA / "video_labels.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            spans[row["file"]].append(
                (float(row["start_s"]), float(row["end_s"]), row["in_position"])
            )
    return spans


def _label_at(spans: list[tuple[float, float, str]], t: float) -> str | None:
    for start, end, label in spans:
        if start <= t < end:
            return label
    return None


def video_figures(recording: dict[str, Any], spans: list[tuple[float, float, str]]) -> str:
    """Fraction of labelled seconds right and in-position seconds against the labels, for
    the tracker's (debounced, what a person sees) and the per-frame verdicts."""
    tracker = FormTracker(FormThresholds())
    dt = 1.0 / float(recording["fps"])
    labelled = truth_in = 0.0
    right = {"tracker": 0.0, "per frame": 0.0}
    seen_in = {"tracker": 0.0, "per frame": 0.0}
    for frame in ReplaySource(recording):
        state = tracker.update(frame.pose, frame.timestamp_s)
        label = _label_at(spans, frame.timestamp_s)
        if label not in ("0", "1"):
            continue  # doubtful, or past the last span
        truth = label == "1"
        labelled += dt
        truth_in += dt * truth
        for key, verdict in (
            ("tracker", state.in_position),
            ("per frame", state.raw_status.in_position),
        ):
            right[key] += dt * (verdict == truth)
            seen_in[key] += dt * verdict
    parts = []
    for key in ("tracker", "per frame"):
        off = f" ({(seen_in[key] - truth_in) / truth_in * 100:+.0f}%)" if truth_in else ""
        parts.append(
            f"{key}: {right[key] / labelled * 100:3.0f}% right, in position "
            f"{seen_in[key]:4.1f} s{off}"
        )
    return f"{labelled:5.1f} labelled s, {truth_in:4.1f} s in position | " + " | ".join(parts)


def videos(refresh: bool) -> None:
    print("labelled clips (doubtful spans left out):")
    for name, spans in sorted(_video_labels().items()):
        print(f"  {name:<24} {video_figures(video_recording(name, refresh=refresh), spans)}")


def main() -> int:
    if not (MEDIA / "labels.csv").is_file():
        print(f"no media at {MEDIA}", file=sys.stderr)
        return 1
    args = sys.argv[1:]
    photos("--sweep" in args, "--refresh" in args)
    videos("--refresh" in args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
