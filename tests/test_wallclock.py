"""The seeding helper keeps "a few minutes ago" on today's local date, even just after midnight."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.wallclock import earlier_today, local_midnight


def test_a_few_minutes_ago_in_the_afternoon_is_just_that() -> None:
    now = datetime(2026, 3, 11, 15, 0, tzinfo=UTC)
    assert earlier_today(timedelta(minutes=10), now=now) == now - timedelta(minutes=10)


def test_just_after_midnight_it_stays_on_today() -> None:
    midnight = local_midnight(datetime(2026, 3, 11, 15, 0, tzinfo=UTC))
    now = midnight + timedelta(minutes=3)
    seeded = earlier_today(timedelta(minutes=10), now=now)
    assert seeded == midnight
    assert seeded.astimezone().date() == now.astimezone().date()


def test_days_ago_moves_whole_days() -> None:
    midnight = local_midnight(datetime(2026, 3, 11, 15, 0, tzinfo=UTC))
    now = midnight + timedelta(minutes=3)
    seeded = earlier_today(timedelta(minutes=10), days_ago=1, now=now)
    assert seeded == midnight - timedelta(days=1)
