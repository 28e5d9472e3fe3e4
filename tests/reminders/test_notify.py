from __future__ import annotations

import io
import logging
import threading
from datetime import UTC, datetime

import pytest

from hipflex.reminders.notify import (
    DesktopSender,
    NotificationFailed,
    ReminderActions,
    ReminderNotifier,
    TerminalSender,
    session_url,
)
from hipflex.reminders.schedule import Reminder, ReminderKind

REMINDER = Reminder(ReminderKind.DAILY, datetime(2026, 6, 1, 6, tzinfo=UTC))


def terminal(stream: io.StringIO) -> TerminalSender:
    return TerminalSender(stream, lambda: datetime(2026, 6, 1, 8, 0, tzinfo=UTC))


class FailingSender:
    def __init__(self) -> None:
        self.calls = 0

    def send(self, reminder: Reminder) -> None:
        self.calls += 1
        raise NotificationFailed("org.freedesktop.Notifications: service crashed")


class WorkingSender:
    def __init__(self) -> None:
        self.sent: list[Reminder] = []

    def send(self, reminder: Reminder) -> None:
        self.sent.append(reminder)


def test_terminal_fallback_rings_the_bell_and_writes_a_line() -> None:
    stream = io.StringIO()
    terminal(stream).send(REMINDER)
    assert stream.getvalue() == (
        "\a2026-06-01 08:00 Time for your hip flexor stretch: "
        "Half-kneeling stretch: 4 × 30 s on each side. Click to start.\n"
    )


def test_failing_service_falls_back_and_keeps_going(caplog: pytest.LogCaptureFixture) -> None:
    stream = io.StringIO()
    failing = FailingSender()
    notifier = ReminderNotifier(failing, terminal(stream))
    with caplog.at_level(logging.WARNING):
        channels = [notifier.notify(REMINDER) for _ in range(3)]
    assert channels == ["terminal"] * 3
    assert failing.calls == 3  # the desktop is tried again each time: it may come back
    assert stream.getvalue().count("\a") == 3
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "service crashed" in warnings[0].getMessage()


def test_working_service_is_used() -> None:
    stream = io.StringIO()
    desktop = WorkingSender()
    assert ReminderNotifier(desktop, terminal(stream)).notify(REMINDER) == "desktop"
    assert desktop.sent == [REMINDER]
    assert stream.getvalue() == ""


def test_even_a_broken_terminal_does_not_raise() -> None:
    class Broken:
        def send(self, reminder: Reminder) -> None:
            raise OSError("stdout closed")

    assert ReminderNotifier(None, Broken()).notify(REMINDER) == "terminal"


def test_real_library_without_a_notification_service_is_reported_as_failed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No session bus: desktop-notifier only logs; the adapter must notice and raise.
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", "/nonexistent")
    pressed = threading.Event()
    sender = DesktopSender(ReminderActions(pressed.set, pressed.set, pressed.set), timeout_s=5)
    stream = io.StringIO()
    try:
        with pytest.raises(NotificationFailed):
            sender.send(REMINDER)
        assert ReminderNotifier(sender, terminal(stream)).notify(REMINDER) == "terminal"
    finally:
        sender.close()
    assert "\a" in stream.getvalue()
    assert not pressed.is_set()


def test_session_url() -> None:
    assert session_url(8123) == "http://127.0.0.1:8123/session"
