"""A small made-up history with known values, built the way storage returns records (uuid ids)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from hipflex.domain.events import HoldOutcome, SessionStatus
from hipflex.domain.protocol import Protocol, Side
from hipflex.domain.records import (
    HoldRecord,
    NoteRecord,
    PainMoment,
    PainRecord,
    SessionRecord,
    Source,
)
from hipflex.protocols.loader import load_protocol

TEST_NAMESPACE = uuid.UUID("0d7b8a43-5d1c-4f4e-8f4a-2b1f5c3e9a77")
T0 = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)


def record_id(*parts: object) -> str:
    """A uuid string derived from ``parts``, as storage would have (the same on every run)."""
    return str(uuid.uuid5(TEST_NAMESPACE, "/".join(str(p) for p in parts)))


@dataclass(frozen=True)
class HoldSpec:
    side: Side
    counted_s: float = 30.0
    outcome: HoldOutcome = HoldOutcome.COMPLETED
    source: Source = Source.TIMER
    extension_max_deg: float | None = None


def make_session(
    name: str,
    started_at: datetime,
    holds: Sequence[HoldSpec],
    *,
    status: SessionStatus = SessionStatus.COMPLETED,
    source: Source = Source.TIMER,
    pain_before: int | None = None,
    pain_after: int | None = None,
    notes: Sequence[str] = (),
    protocol_name: str = "kneeling-hip-flexor",
    protocol_title: str = "Half-kneeling hip flexor stretch",
    holds_planned: int = 8,
) -> SessionRecord:
    """One session; holds follow each other (30 s hold + 15 s rest)."""
    session_id = record_id("session", name)
    records = []
    cursor = started_at + timedelta(seconds=10)
    for rep, spec in enumerate(holds, start=1):
        records.append(
            HoldRecord(
                id=record_id("hold", name, rep),
                session_id=session_id,
                side=spec.side,
                rep=rep,
                target_s=30.0,
                counted_s=spec.counted_s,
                started_at=cursor,
                ended_at=cursor + timedelta(seconds=30),
                outcome=spec.outcome,
                source=spec.source,
                hip_extension_max_deg=spec.extension_max_deg,
                hip_extension_median_deg=(
                    None if spec.extension_max_deg is None else spec.extension_max_deg - 2
                ),
            )
        )
        cursor += timedelta(seconds=45)
    pain = [
        PainRecord(record_id("pain", name, moment.value), session_id, moment, value, at)
        for moment, value, at in (
            (PainMoment.BEFORE, pain_before, started_at),
            (PainMoment.AFTER, pain_after, cursor),
        )
        if value is not None
    ]
    return SessionRecord(
        id=session_id,
        protocol_name=protocol_name,
        protocol_title=protocol_title,
        hold_target_s=30.0,
        holds_planned=holds_planned,
        started_at=started_at,
        ended_at=None if status is SessionStatus.IN_PROGRESS else cursor,
        status=status,
        source=source,
        holds=tuple(records),
        pain_ratings=tuple(pain),
        notes=tuple(
            NoteRecord(record_id("note", name, i), session_id, text, cursor)
            for i, text in enumerate(notes)
        ),
    )


@pytest.fixture
def protocol(tmp_path_factory: pytest.TempPathFactory) -> Protocol:
    return load_protocol("kneeling-hip-flexor", tmp_path_factory.mktemp("data"))


@pytest.fixture
def history() -> dict[str, SessionRecord]:
    """Four sessions covering the cases the export distinguishes.

    camera: completed, both sides measured (right best 12.34°, left best 9.87°), pain 5 → 3,
            two notes. timer: partial (a skipped hold), pain after only. video: in progress,
            right side only, measured 14°. other: another protocol, timer, pain before only.
    """
    right_cam = [Side.RIGHT] * 4
    left_cam = [Side.LEFT] * 4
    camera = make_session(
        "camera",
        T0,
        [
            *(
                HoldSpec(s, source=Source.CAMERA, extension_max_deg=12.34 - i)
                for i, s in enumerate(right_cam)
            ),
            *(
                HoldSpec(s, 29.5, source=Source.CAMERA, extension_max_deg=9.87 - i)
                for i, s in enumerate(left_cam)
            ),
        ],
        source=Source.CAMERA,
        pain_before=5,
        pain_after=3,
        notes=("Felt looser today.", "Left knee on a cushion."),
    )
    timer = make_session(
        "timer",
        T0 + timedelta(days=1),
        [
            HoldSpec(Side.RIGHT),
            HoldSpec(Side.RIGHT, 12.0, HoldOutcome.SKIPPED),
            HoldSpec(Side.LEFT),
        ],
        status=SessionStatus.PARTIAL,
        pain_after=2,
    )
    video = make_session(
        "video",
        T0 + timedelta(days=2),
        [HoldSpec(Side.RIGHT, source=Source.VIDEO, extension_max_deg=14.0)],
        status=SessionStatus.IN_PROGRESS,
        source=Source.VIDEO,
    )
    other = make_session(
        "other",
        T0 + timedelta(days=3),
        [HoldSpec(Side.RIGHT), HoldSpec(Side.LEFT)],
        protocol_name="prone-hip-flexor",
        protocol_title="Prone hip flexor stretch",
        pain_before=1,
        holds_planned=2,
    )
    return {"camera": camera, "timer": timer, "video": video, "other": other}
