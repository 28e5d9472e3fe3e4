"""Sending in the background while ``hipflex serve`` runs: a daemon thread that pushes what is
due every ``every_s`` seconds (the outbox's own back-off decides what is due) and fetches the
prescription every ``pull_every_s``. Quiet: it never raises; ``last`` says what happened."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from hipflex.domain.clock import Clock
from hipflex.errors import HipflexError
from hipflex.storage.db import Database
from hipflex.storage.outbox import Outbox
from hipflex.sync.client import ClinicClient, SyncError
from hipflex.sync.pull import pull
from hipflex.sync.push import PushResult, push
from hipflex.sync.token_file import load_token

PUSH_EVERY_S = 30.0
PULL_EVERY_S = 600.0


@dataclass
class SyncWorker:
    database: Database
    data_dir: Path
    clock: Clock
    every_s: float = PUSH_EVERY_S
    pull_every_s: float = PULL_EVERY_S
    last: PushResult | None = None
    last_error: str | None = None
    _last_pull: datetime | None = None

    def cycle(self) -> PushResult | None:
        """One round: None when not linked (or the link was revoked)."""
        outbox = Outbox(self.database.engine)
        link = outbox.link()
        try:
            token = load_token(self.data_dir)
        except HipflexError as exc:
            self.last_error = exc.message
            return None
        if link is None or token is None or link.revoked_at is not None:
            return None
        now = self.clock.now()
        with ClinicClient(link.clinic_url, token) as client:
            result = push(outbox, self.database.repository, client, now)
            self.last, self.last_error = result, result.error
            due_pull = (
                self._last_pull is None
                or (now - self._last_pull).total_seconds() >= self.pull_every_s
            )
            if result.error is None and due_pull:
                try:
                    pull(outbox, client, self.data_dir, now)
                    self._last_pull = now
                except (SyncError, HipflexError) as exc:
                    self.last_error = exc.message
        return result

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.cycle()
            except Exception as exc:  # a background helper must not die
                self.last_error = f"{type(exc).__name__}: {exc}"
            stop.wait(self.every_s)


def start_background_sync(
    data_dir: Path | None, clock: Clock, every_s: float = PUSH_EVERY_S
) -> tuple[SyncWorker, threading.Event, threading.Thread] | None:
    """Start the worker in a daemon thread when this data dir is linked to a clinic; None
    when it is not (nothing runs). Stop it with the returned event."""
    from hipflex.settings import resolve_data_dir
    from hipflex.storage.db import open_database

    directory = resolve_data_dir(data_dir)
    database = open_database(directory)
    if Outbox(database.engine).link() is None:
        database.close()
        return None
    worker = SyncWorker(database, directory, clock, every_s=every_s)
    stop = threading.Event()

    def run() -> None:
        try:
            worker.run(stop)
        finally:
            database.close()

    thread = threading.Thread(target=run, name="hipflex-clinic-sync", daemon=True)
    thread.start()
    return worker, stop, thread
