"""Showing a reminder: desktop notifications (desktop-notifier), else a terminal bell.

This is the only module that imports ``desktop_notifier``. It sends through the freedesktop
notification service over D-Bus on Linux, the Notification Center on macOS (only from an app
bundle; a plain Python there gets the terminal fallback) and WinRT toasts on Windows.

desktop-notifier never raises when a notification cannot be shown: it logs a warning and does
not call ``on_dispatched``. So a notification counts as shown only when ``on_dispatched`` ran
within the timeout; anything else (no D-Bus session, a crashing service, a hang) uses the
fallback for that reminder, and the next reminder tries the desktop again.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TextIO

from hipflex.reminders.schedule import Reminder

logger = logging.getLogger(__name__)
APP_NAME = "hipflex"
SEND_TIMEOUT_S = 5.0


class NotificationFailed(Exception):
    """The notification service refused, failed or did not answer in time."""


class Sender(Protocol):
    """Something that shows a reminder or raises :class:`NotificationFailed`."""

    def send(self, reminder: Reminder) -> None: ...


@dataclass(frozen=True)
class ReminderActions:
    """What the notification's click and buttons do."""

    open_session: Callable[[], None]
    snooze: Callable[[], None]
    skip_today: Callable[[], None]
    snooze_label: str = "Snooze"


def session_url(port: int) -> str:
    """The web app's session page."""
    return f"http://127.0.0.1:{port}/session"


def open_in_browser(url: str) -> Callable[[], None]:
    """An action that opens ``url`` in the default browser (logs when there is none)."""

    def _open() -> None:
        if not webbrowser.open(url):
            logger.info("no browser to open %s", url)

    return _open


class TerminalSender:
    """The fallback that always works: a terminal bell and one log line."""

    def __init__(self, stream: TextIO, local_now: Callable[[], datetime]) -> None:
        self._stream = stream
        self._local_now = local_now

    def send(self, reminder: Reminder) -> None:
        at = self._local_now().strftime("%Y-%m-%d %H:%M")
        late = (
            f" (caught up {reminder.late_by_s / 60:.0f} min late)"
            if reminder.late_by_s > 90
            else ""
        )
        self._stream.write(f"\a{at} {reminder.title}: {reminder.message}{late}\n")
        self._stream.flush()
        logger.info("reminder shown in the terminal: %s", reminder.kind.value)


class DesktopSender:
    """desktop-notifier on a private asyncio loop (its callbacks need one running)."""

    def __init__(self, actions: ReminderActions, timeout_s: float = SEND_TIMEOUT_S) -> None:
        from desktop_notifier import DesktopNotifier

        self._actions = actions
        self._timeout_s = timeout_s
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="hipflex-notify", daemon=True
        )
        self._thread.start()
        self._notifier = DesktopNotifier(app_name=APP_NAME)

    def send(self, reminder: Reminder) -> None:
        from desktop_notifier import Button

        shown = threading.Event()
        coroutine = self._notifier.send(
            title=reminder.title,
            message=reminder.message,
            buttons=[
                Button(title=self._actions.snooze_label, on_pressed=self._actions.snooze),
                Button(title="Not today", on_pressed=self._actions.skip_today),
            ],
            on_clicked=self._actions.open_session,
            on_dispatched=shown.set,
        )
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            future.result(timeout=self._timeout_s)
        except Exception as exc:  # a hang (TimeoutError) or a bug below us: fall back
            future.cancel()
            raise NotificationFailed(f"{type(exc).__name__}: {exc}") from exc
        if not shown.is_set():
            raise NotificationFailed("the notification service did not show it")

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=2)


def desktop_available() -> bool:
    """False where desktop-notifier can only pretend (a plain Python on macOS, old Windows)."""
    from desktop_notifier.backends.dummy import DummyNotificationCenter
    from desktop_notifier.main import get_backend_class

    return get_backend_class() is not DummyNotificationCenter


class ReminderNotifier:
    """Shows each reminder on the desktop when it can, in the terminal when it cannot.

    Never raises: a reminder daemon that dies over a notification service helps nobody.
    Returns the channel used, ``"desktop"`` or ``"terminal"``.
    """

    def __init__(self, desktop: Sender | None, terminal: Sender) -> None:
        self._desktop = desktop
        self._terminal = terminal
        self._desktop_failures = 0

    def notify(self, reminder: Reminder) -> str:
        if self._desktop is not None:
            try:
                self._desktop.send(reminder)
            except Exception as exc:
                self._desktop_failures += 1
                # The first failure explains itself; repeats stay quiet in the log.
                level = logging.WARNING if self._desktop_failures == 1 else logging.DEBUG
                logger.log(level, "desktop notification failed (%s); using the terminal", exc)
            else:
                self._desktop_failures = 0
                return "desktop"
        try:
            self._terminal.send(reminder)
        except Exception:
            logger.exception("could not show the reminder even in the terminal")
        return "terminal"


def make_notifier(
    actions: ReminderActions,
    stream: TextIO,
    local_now: Callable[[], datetime],
    *,
    use_desktop: bool = True,
    **desktop_options: Any,
) -> tuple[ReminderNotifier, DesktopSender | None]:
    """The notifier for ``hipflex remind``, and the desktop sender to close on exit."""
    desktop: DesktopSender | None = None
    if use_desktop:
        try:
            if desktop_available():
                desktop = DesktopSender(actions, **desktop_options)
            else:
                logger.warning("no desktop notifications here; reminders ring in the terminal")
        except Exception as exc:  # import or backend set-up failure
            logger.warning("desktop notifications unavailable (%s); using the terminal", exc)
    return ReminderNotifier(desktop, TerminalSender(stream, local_now)), desktop
