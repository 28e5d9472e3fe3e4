"""What one hold achieved: good-form time, hip extension reached, faults seen."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from hipflex.domain.form_thresholds import FormThresholds
from hipflex.domain.records import HoldFormSummary
from hipflex.vision.tracker import FormState


@dataclass(frozen=True)
class HoldMetrics:
    """Summary of the frames of one hold. Seconds are frame-time, not wall-clock time.

    ``faults_s`` maps a fault status value (``"leaning_forward"`` ...) to the seconds it
    was shown. Hip extension figures are over good-form frames only (``None`` if none).
    """

    good_form_s: float
    in_position_s: float
    max_hip_extension_deg: float | None
    median_hip_extension_deg: float | None
    faults_s: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "good_form_s": round(self.good_form_s, 2),
            "in_position_s": round(self.in_position_s, 2),
            "max_hip_extension_deg": _round(self.max_hip_extension_deg),
            "median_hip_extension_deg": _round(self.median_hip_extension_deg),
            "faults_s": {name: round(s, 2) for name, s in self.faults_s.items()},
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


class HoldMetricsRecorder:
    """Collects :class:`FormState` updates during a hold.

    The coach calls :meth:`reset` when a hold starts, :meth:`add` with every tracker state,
    and :meth:`result` when the hold ends. Each interval between two states is credited to
    the earlier state (as the tracker counts time). Hip extension is kept from good-form
    frames only, so a hold on the wrong knee (a fault) stores no angle for this side.
    """

    def __init__(self, thresholds: FormThresholds | None = None) -> None:
        self._max_gap_s = (thresholds or FormThresholds()).max_counted_gap_s
        self.reset()

    def reset(self) -> None:
        """Start a new hold."""
        self._previous: FormState | None = None
        self._good_s = 0.0
        self._in_position_s = 0.0
        self._faults_s: dict[str, float] = {}
        self._good_hip_extension_deg: list[float] = []

    def add(self, state: FormState) -> None:
        """Record one tracker state."""
        previous = self._previous
        if previous is not None:
            dt_s = min(max(state.timestamp_s - previous.timestamp_s, 0.0), self._max_gap_s)
            if previous.good:
                self._good_s += dt_s
            if previous.in_position:
                self._in_position_s += dt_s
            if previous.status.is_fault:
                name = previous.status.value
                self._faults_s[name] = self._faults_s.get(name, 0.0) + dt_s
        if state.good and state.measurement is not None:
            self._good_hip_extension_deg.append(state.measurement.hip_extension_deg)
        self._previous = state

    def summary(self) -> HoldFormSummary:
        """The hold's form figures as the history stores them."""
        result = self.result()
        return HoldFormSummary(
            hip_extension_max_deg=_round(result.max_hip_extension_deg),
            hip_extension_median_deg=_round(result.median_hip_extension_deg),
            faults={name: round(s, 1) for name, s in result.faults_s.items()} or None,
        )

    def result(self) -> HoldMetrics:
        """The summary so far."""
        values = self._good_hip_extension_deg
        return HoldMetrics(
            good_form_s=self._good_s,
            in_position_s=self._in_position_s,
            max_hip_extension_deg=max(values) if values else None,
            median_hip_extension_deg=statistics.median(values) if values else None,
            faults_s=dict(self._faults_s),
        )
