"""The outbox in the history database (SQLite): what gets queued, versions, back-off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tests.sync.conftest import record_session

from hipflex.services.checkins import check_in_pain
from hipflex.storage.db import Database
from hipflex.storage.outbox import Outbox, OutboxKind
from hipflex.sync.push import backoff

NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


@pytest.fixture
def outbox(home: Database) -> Outbox:
    box = Outbox(home.engine)
    box.set_link("https://clinic.example.org", "Physio North", "Pat", NOW)
    return box


def test_nothing_is_queued_without_a_link(home: Database) -> None:
    record_session(home, NOW)
    check_in_pain(home.repository, 3, NOW, UTC)
    assert Outbox(home.engine).items() == []


def test_every_save_queues_its_item_once_with_a_new_version(home: Database, outbox: Outbox) -> None:
    session_id = record_session(home, NOW, pain_before=4, pain_after=2, note="ok")
    items = outbox.items()
    assert [(i.kind, i.item_id) for i in items] == [(OutboxKind.SESSION, session_id)]
    # pain before, finish, pain after, note: four saves, one row
    assert items[0].version == 4
    checkin = check_in_pain(home.repository, 3, NOW, UTC)
    again = check_in_pain(home.repository, 5, NOW + timedelta(hours=1), UTC)
    assert again.id == checkin.id
    kinds = {(i.kind, i.item_id): i.version for i in outbox.items()}
    assert kinds[(OutboxKind.CHECKIN, checkin.id)] == 2


def test_a_save_during_a_push_is_sent_again(home: Database, outbox: Outbox) -> None:
    session_id = record_session(home, NOW)
    (sending,) = outbox.items()
    home.repository.add_note(session_id, "added while sending", NOW)
    assert not outbox.sent(sending)  # acknowledged an older version: the row stays
    (left,) = outbox.items()
    assert left.version == sending.version + 1
    assert outbox.sent(left)
    assert outbox.items() == []


def test_a_save_while_a_retry_is_decided_stays_due_at_once(home: Database, outbox: Outbox) -> None:
    # The sender read version n (say, a session still in progress) and decides to try again
    # later; meanwhile the session was finished (version n + 1): that one must not wait.
    session_id = record_session(home, NOW)
    (read,) = outbox.items()
    home.repository.add_note(session_id, "finished while the sender looked", NOW)
    outbox.retry_later(read, "the session is still in progress", NOW + timedelta(minutes=5))
    assert [i.item_id for i in outbox.due(NOW)] == [session_id]
    (left,) = outbox.items()
    assert left.attempts == 0 and left.last_error is None
    # without a newer save, the retry is scheduled as asked
    outbox.retry_later(left, "unreachable", NOW + timedelta(minutes=5))
    assert outbox.due(NOW) == []
    assert [i.item_id for i in outbox.due(NOW + timedelta(minutes=5))] == [session_id]


def test_back_off_grows_and_is_capped() -> None:
    waits = [backoff(n).total_seconds() for n in range(10)]
    assert waits[:4] == [30, 60, 120, 240]
    assert waits == sorted(waits) and max(waits) == 3600
    assert backoff(10_000) == timedelta(hours=1)


def test_refused_items_wait_until_saved_again(home: Database, outbox: Outbox) -> None:
    session_id = record_session(home, NOW)
    (item,) = outbox.items()
    outbox.refused(item, "the clinic refused it (422): holds: too many", NOW)
    assert outbox.due(None) == []
    counts = outbox.counts()
    assert (counts.pending, counts.failed) == (0, 1)
    home.repository.add_note(session_id, "fixed", NOW)
    assert [i.item_id for i in outbox.due(NOW)] == [session_id]


def test_a_link_to_another_clinic_starts_with_an_empty_queue(
    home: Database, outbox: Outbox
) -> None:
    record_session(home, NOW)
    assert outbox.items()
    outbox.set_link("https://clinic.example.org", "Physio North", "Pat", NOW)  # again
    assert outbox.items()  # the same clinic: kept
    outbox.set_link("https://other.example.org", "Other", "Pat", NOW)
    assert outbox.items() == []
    outbox.forget_link()
    record_session(home, NOW)
    assert outbox.items() == [] and outbox.link() is None


def test_an_interrupted_session_is_queued_when_found(home: Database) -> None:
    from sqlalchemy import update

    from hipflex.storage.tables import SessionRow

    outbox = Outbox(home.engine)
    outbox.set_link("https://clinic.example.org", "Physio North", "Pat", NOW)
    session_id = record_session(home, NOW)
    outbox.sent(outbox.items()[0])
    with home.engine.begin() as conn:  # as if its process had died mid-session
        conn.execute(
            update(SessionRow)
            .where(SessionRow.id == session_id)
            .values(status="in_progress", ended_at=None, pid=2**22 + 7)
        )
    assert home.repository.recover_interrupted() == [session_id]
    assert [i.item_id for i in outbox.items()] == [session_id]
