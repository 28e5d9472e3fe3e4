"""Fixtures for storage tests: a protocol, holds, and databases in memory or in a tmp dir."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hipflex.domain.events import HoldCompleted, HoldOutcome
from hipflex.domain.protocol import Protocol, Side
from hipflex.storage.db import Database, open_database

T0 = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HIPFLEX_DATABASE_URL", raising=False)


@pytest.fixture
def protocol() -> Protocol:
    return Protocol(
        name="kneeling-hip-flexor",
        title="Half-kneeling hip flexor stretch",
        steps=("Kneel on your {side} knee.",),
        hold_s=30,
        reps=4,
    )


def make_hold(
    index: int,
    side: Side = Side.RIGHT,
    counted_s: float = 30.0,
    outcome: HoldOutcome = HoldOutcome.COMPLETED,
    start: datetime = T0,
) -> HoldCompleted:
    """The ``index``-th hold of a session started at ``start``: one a minute, 30 s each."""
    begin = start + timedelta(minutes=index)
    return HoldCompleted(
        side=side,
        rep=index % 4 + 1,
        target_s=30.0,
        counted_s=counted_s,
        started_at=begin,
        ended_at=begin + timedelta(seconds=30),
        outcome=outcome,
    )


@pytest.fixture
def memory_db() -> Iterator[Database]:
    database = open_database(url="sqlite://")
    yield database
    database.close()


@pytest.fixture
def file_db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(tmp_path / "data")
    yield database
    database.close()
