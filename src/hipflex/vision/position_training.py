"""Fitting and cross-validating the position classifier (training only: needs scikit-learn,
from the ``dev`` extra; the app itself only reads the fitted JSON).

The data are landmark recordings of labelled photos (``hipflex-landmarks/1`` with a
``label``) plus the synthetic stick figures of :mod:`hipflex.vision.synthetic_shapes`.

**Leave one source out.** Photos are grouped by their *source*: the name part after ``pos_`` /
``neg_`` (and after ``frame_`` for video frames) up to the next ``_``. A source is one
repository, so one photographer, studio or person: ``fedb`` (free-exercise-db), ``vcproj``
(two clips of one stock agency), ``yogaandroid``, ``ammarstack``... Photos of the same person
doing the positive and the negative shape share a source, so the model is never tested on a
person it was fitted on. For each source the model is re-fitted on every other source plus
the synthetic figures, and the held-out photos are scored with it; the scores are pooled.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hipflex.domain.form_thresholds import FormThresholds
from hipflex.vision.form import FormMeasurement, measure_form
from hipflex.vision.position import (
    FEATURES,
    PositionCheck,
    PositionModel,
    check_position,
    position_features,
)
from hipflex.vision.replay import ReplaySource
from hipflex.vision.synthetic_shapes import shape_examples

SYNTHETIC_SOURCE = "synthetic"
# Model settings, chosen on the leave-one-source-out score (bench/eval_images.py --sweep).
REGULARISATION_C = 3.0
SYNTHETIC_PER_SHAPE = 12


def source_of(file_name: str) -> str:
    """The source group of a shared photo's file name (see the module doc)."""
    stem = file_name.split("_", 1)[1] if "_" in file_name else file_name
    if stem.startswith("frame_"):
        stem = stem[len("frame_") :]
    return stem.split("_")[0].split(".")[0]


@dataclass(frozen=True)
class Example:
    """One labelled body: its measurement (``None`` when no person was found)."""

    name: str
    source: str
    in_position: bool
    measurement: FormMeasurement | None


def examples_from_recordings(
    recordings: Mapping[str, Mapping[str, Any]], thresholds: FormThresholds
) -> list[Example]:
    """Labelled photo recordings (by file name) as examples."""
    examples = []
    for name, recording in sorted(recordings.items()):
        frame = next(iter(ReplaySource(dict(recording))))
        measurement = None
        if frame.pose is not None:
            measurement = measure_form(frame.pose, thresholds.min_visibility)
        label = bool(recording["label"]["in_position"])
        examples.append(Example(name, source_of(name), label, measurement))
    return examples


def synthetic_examples(
    thresholds: FormThresholds, per_shape: int = SYNTHETIC_PER_SHAPE
) -> list[Example]:
    """The jittered stick figures, both facings and both knee labels."""
    return [
        Example(
            f"{name} #{index}",
            SYNTHETIC_SOURCE,
            label,
            measure_form(pose, thresholds.min_visibility),
        )
        for index, (name, pose, label) in enumerate(shape_examples(per_shape))
    ]


def fit_model(
    examples: Iterable[Example],
    thresholds: FormThresholds,
    *,
    c_regularisation: float = REGULARISATION_C,
) -> PositionModel:
    """Fit the logistic regression on every example with a measurement.

    Examples a rule already refuses are left out: the model only ever sees what passes the
    rules, so it spends itself on the fine line.
    """
    from sklearn.linear_model import LogisticRegression

    from hipflex.vision.position import position_guard

    rows: list[list[float]] = []
    labels: list[int] = []
    for example in examples:
        m = example.measurement
        if m is None or position_guard(m, thresholds) is not None:
            continue
        features = position_features(m, thresholds)
        rows.append([features[name] for name in FEATURES])
        labels.append(int(example.in_position))
    data = np.asarray(rows, dtype=np.float64)
    mean = data.mean(axis=0)
    scale = data.std(axis=0)
    scale[scale < 1e-9] = 1.0
    classifier = LogisticRegression(C=c_regularisation, class_weight="balanced", max_iter=5000).fit(
        (data - mean) / scale, np.asarray(labels)
    )
    return PositionModel(
        FEATURES,
        tuple(float(v) for v in mean),
        tuple(float(v) for v in scale),
        tuple(float(v) for v in classifier.coef_[0]),
        float(classifier.intercept_[0]),
        {
            "examples": len(labels),
            "in_position": int(sum(labels)),
            "c_regularisation": c_regularisation,
            "class_weight": "balanced",
        },
    )


def predict(
    example: Example, thresholds: FormThresholds, model: PositionModel
) -> PositionCheck | None:
    """The stateless (photo) verdict; ``None`` when nobody was found."""
    if example.measurement is None:
        return None
    return check_position(example.measurement, thresholds, model)


@dataclass
class Scores:
    """Counts and figures of ``in_position`` predictions against labels."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    wrong: list[str] = field(default_factory=list)

    def add(self, name: str, truth: bool, predicted: bool) -> None:
        self.tp += truth and predicted
        self.fp += predicted and not truth
        self.fn += truth and not predicted
        self.tn += not truth and not predicted
        if truth != predicted:
            self.wrong.append(name)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def leave_one_source_out(
    examples: list[Example],
    thresholds: FormThresholds,
    *,
    c_regularisation: float = REGULARISATION_C,
    synthetic: list[Example] | None = None,
) -> dict[str, PositionCheck | None]:
    """Each example's verdict from a model fitted without its source (see the module doc)."""
    synthetic = synthetic_examples(thresholds) if synthetic is None else synthetic
    verdicts: dict[str, PositionCheck | None] = {}
    for source in sorted({e.source for e in examples}):
        training = [e for e in examples if e.source != source] + synthetic
        model = fit_model(training, thresholds, c_regularisation=c_regularisation)
        for example in examples:
            if example.source == source:
                verdicts[example.name] = predict(example, thresholds, model)
    return verdicts


def score(examples: list[Example], verdicts: Mapping[str, PositionCheck | None]) -> Scores:
    """Pool the verdicts against the labels."""
    scores = Scores()
    for example in examples:
        verdict = verdicts[example.name]
        scores.add(example.name, example.in_position, verdict is not None and verdict.in_position)
    return scores


def load_recordings(folder: Path) -> dict[str, dict[str, Any]]:
    """Every ``*.json`` landmark recording in ``folder``, by its source file name."""
    recordings: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        recordings[str(data["source"])] = data
    return recordings


def main(argv: list[str] | None = None) -> int:
    """``python -m hipflex.vision.position_training FIXTURES_DIR MODEL_JSON``: fit on every
    labelled recording plus the synthetic figures and write the model."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print(main.__doc__, file=sys.stderr)
        return 2
    thresholds = FormThresholds()
    examples = examples_from_recordings(load_recordings(Path(args[0])), thresholds)
    model = fit_model(examples + synthetic_examples(thresholds), thresholds)
    model.info["photos"] = len(examples)
    Path(args[1]).write_text(json.dumps(model.to_dict(), indent=1) + "\n", encoding="utf-8")
    print(
        f"{args[1]}: fitted on {model.info['examples']} bodies that pass the rules "
        f"({len(examples)} photos and the synthetic figures)"
    )
    return 0


__all__ = [
    "Example",
    "Scores",
    "examples_from_recordings",
    "fit_model",
    "leave_one_source_out",
    "load_recordings",
    "predict",
    "score",
    "source_of",
    "synthetic_examples",
]


if __name__ == "__main__":
    raise SystemExit(main())
