"""A history in memory: the guided session's ports without storage."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

import pytest

from hipflex.domain.events import HoldCompleted, SessionStatus
from hipflex.domain.protocol import Protocol
from hipflex.domain.records import PainMoment, SessionRecord, Source
from hipflex.vision.pose import Frame
from hipflex.vision.synthetic import kneeling_pose


@dataclass
class StoredHold:
    hold: HoldCompleted
    source: Source
    hip_extension_max_deg: float | None
    hip_extension_median_deg: float | None
    faults: dict[str, float] | None


@dataclass
class StoredSession:
    protocol: Protocol
    source: Source
    started_at: datetime
    demo: bool = False
    status: SessionStatus = SessionStatus.IN_PROGRESS
    ended_at: datetime | None = None
    holds: list[StoredHold] = field(default_factory=list)
    pain: dict[PainMoment, tuple[int, datetime]] = field(default_factory=dict)
    notes: list[tuple[str, datetime]] = field(default_factory=list)


class MemoryHistory:
    """Implements the ``HistoryWriter`` port (and ``get_session`` for check-ins)."""

    def __init__(self) -> None:
        self.sessions: dict[str, StoredSession] = {}

    @property
    def only(self) -> StoredSession:
        [session] = self.sessions.values()
        return session

    def start_session(
        self, protocol: Protocol, source: Source, started_at: datetime, demo: bool = False
    ) -> str:
        session_id = f"s{len(self.sessions) + 1}"
        self.sessions[session_id] = StoredSession(protocol, Source(source), started_at, demo)
        return session_id

    def record_hold(
        self,
        session_id: str,
        hold: HoldCompleted,
        source: Source,
        hip_extension_max_deg: float | None = None,
        hip_extension_median_deg: float | None = None,
        faults: dict[str, float] | None = None,
    ) -> str:
        stored = StoredHold(
            hold, Source(source), hip_extension_max_deg, hip_extension_median_deg, faults
        )
        self.sessions[session_id].holds.append(stored)
        return f"h{len(self.sessions[session_id].holds)}"

    def finish_session(self, session_id: str, status: SessionStatus, ended_at: datetime) -> None:
        self.sessions[session_id].status = status
        self.sessions[session_id].ended_at = ended_at

    def record_pain(self, session_id: str, moment: PainMoment, value: int, at: datetime) -> str:
        assert isinstance(moment, PainMoment)
        self.sessions[session_id].pain[moment] = (value, at)
        return f"p-{moment.value}"

    def add_note(self, session_id: str, text: str, at: datetime) -> str:
        self.sessions[session_id].notes.append((text, at))
        return "n"

    def get_session(self, session_id: str) -> SessionRecord | None:
        stored = self.sessions.get(session_id)
        if stored is None:
            return None
        return SessionRecord(
            id=session_id,
            protocol_name=stored.protocol.name,
            protocol_title=stored.protocol.title,
            hold_target_s=float(stored.protocol.hold_s),
            holds_planned=stored.protocol.reps * len(stored.protocol.sides),
            started_at=stored.started_at,
            ended_at=stored.ended_at,
            status=stored.status,
            source=stored.source,
        )


@pytest.fixture
def history() -> MemoryHistory:
    return MemoryHistory()


def frames(
    seconds: float, start_s: float = 0.0, fps: float = 10.0, **pose: object
) -> Iterator[Frame]:
    """Synthetic frames of a half-kneeling person (``pose`` as for ``kneeling_pose``);
    ``person=False`` for frames where nobody is seen."""
    present = pose.pop("person", True)
    count = round(seconds * fps)
    for index in range(count):
        t = round(start_s + index / fps, 6)
        body = kneeling_pose(timestamp_s=t, **pose) if present else None  # type: ignore[arg-type]
        yield Frame(t, body, None, index)
