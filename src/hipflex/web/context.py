"""What every route needs, built once per app: data dir, history, clocks, the live sessions."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hipflex.domain.clock import Clock, ScaledClock
from hipflex.domain.protocol import Protocol
from hipflex.protocols.loader import load_protocol
from hipflex.services.guided_session import (
    GuidedSession,
    SessionMode,
    SessionRequest,
    resolve_protocol,
)
from hipflex.services.page_cache import PageCache
from hipflex.settings import UserSettings, load_settings, save_settings
from hipflex.storage.db import Database
from hipflex.storage.repository import Repository
from hipflex.web.camera_bridge import EstimatorFactory
from hipflex.web.live_registry import LiveRegistry

# Hosts a browser on this computer uses to reach the app. Anything else in the Host header is
# a DNS-rebinding attempt (a foreign name resolving to 127.0.0.1) and is refused.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})


@dataclass
class WebContext:
    """Shared state of one running app. ``clock`` is the wall clock (made by the app
    factory); ``speed`` > 1 runs session clocks faster (tests and demos)."""

    data_dir: Path
    database: Database
    clock: Clock
    speed: float = 1.0
    allowed_hosts: frozenset[str] = LOOPBACK_HOSTS
    estimator_factory: EstimatorFactory | None = None
    server_pose: bool = True  # the page may send JPEG frames when its own model cannot run
    clock_factory: Callable[[], Clock] | None = None
    csrf_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    live: LiveRegistry = field(default_factory=LiveRegistry)
    page_cache: PageCache = field(default_factory=PageCache)  # Today and History figures
    # What a session could not save (a full disk), for the page and the shutdown message.
    unsaved: list[str] = field(default_factory=list)

    @property
    def repository(self) -> Repository:
        return self.database.repository

    def new_clock(self) -> Clock:
        """A clock for one session: the real one, or one ``speed`` times faster."""
        if self.clock_factory is not None:
            return self.clock_factory()
        return self.clock if self.speed == 1.0 else ScaledClock(self.speed, base=self.clock)

    def settings(self) -> UserSettings:
        return load_settings(self.data_dir)

    def save_settings(self, settings: UserSettings) -> None:
        save_settings(self.data_dir, settings)

    def protocol_for_session(self, name: str | None) -> Protocol:
        """The protocol to run, with the person's rest length applied when they set one."""
        return resolve_protocol(self.settings(), name, self._load_protocol, SessionMode.TIMER)

    def open_session(self, protocol: str | None, *, camera: bool) -> GuidedSession:
        """A guided session for the page (nothing recorded until it begins)."""
        request = SessionRequest(
            protocol,
            SessionMode.CAMERA if camera else SessionMode.TIMER,
            demo=self.speed != 1.0,
        )
        return GuidedSession.open(
            request,
            self.settings(),
            self._load_protocol,
            self.repository,
            self.clock,
            clock=self.new_clock(),
        )

    def _load_protocol(self, name: str) -> Protocol:
        return load_protocol(name, self.data_dir)
