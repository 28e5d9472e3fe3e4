"""Reads for figures over the whole history, computed in SQL: a page over five years of
sessions loads a few small rows per session, never every hold.

Each query returns what the matching pure computation would derive from full records (the
tests check them against each other on generated histories): the starts of completed
sessions (streaks), pain means (``stats``), each session's pain ratings, the best hip
extension per session and side, and one page of the session list. Deleted sessions are never
counted; demos only when asked.

:meth:`HistoryQueriesMixin.history_revision` says whether anything was committed since it was
last asked (by this process or another), so a page can cache what it computed.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, and_, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from hipflex.domain.events import SessionStatus
from hipflex.domain.protocol import Side
from hipflex.domain.records import SessionRecord
from hipflex.domain.summaries import SessionPain
from hipflex.insights.stats import PainSummary
from hipflex.insights.trends import ExtensionPoint
from hipflex.storage.tables import HoldRow, PainRatingRow, SessionRow

_INFINITY = float("inf")
_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])


class HistoryQueriesMixin:
    """Aggregate reads of :class:`~hipflex.storage.repository.Repository`."""

    _sessions: sessionmaker[Session]

    def completed_session_starts(self, include_demo: bool = False) -> list[datetime]:
        """When each completed session started, oldest first (streaks need only these)."""
        query = _counted(select(SessionRow.started_at), include_demo).where(
            SessionRow.status == SessionStatus.COMPLETED.value
        )
        with self._sessions() as db:
            return list(db.scalars(query.order_by(SessionRow.started_at)))

    def pain_means(self, include_demo: bool = False) -> PainSummary:
        """Mean pain before and after, over the sessions that have each rating."""
        query = _counted(
            select(PainRatingRow.moment, func.avg(PainRatingRow.value), func.count())
            .join(SessionRow, SessionRow.id == PainRatingRow.session_id)
            .group_by(PainRatingRow.moment),
            include_demo,
        )
        with self._sessions() as db:
            found = {moment: (mean, count) for moment, mean, count in db.execute(query)}
        before_mean, before_count = found.get("before", (None, 0))
        after_mean, after_count = found.get("after", (None, 0))
        return PainSummary(
            before_mean=None if before_mean is None else float(before_mean),
            after_mean=None if after_mean is None else float(after_mean),
            before_count=before_count,
            after_count=after_count,
        )

    def session_pain(
        self, since: datetime | None = None, include_demo: bool = False
    ) -> list[SessionPain]:
        """Sessions started at or after ``since`` that have a pain rating, oldest first."""
        query = _rated_sessions(include_demo).order_by(SessionRow.started_at, SessionRow.id)
        if since is not None:
            query = query.where(SessionRow.started_at >= since)
        with self._sessions() as db:
            return [SessionPain(*row) for row in db.execute(query)]

    def last_session_pain(self, include_demo: bool = True) -> SessionPain | None:
        """The most recently started session that has a pain rating, or None."""
        query = _rated_sessions(include_demo)
        query = query.order_by(SessionRow.started_at.desc(), SessionRow.id.desc()).limit(1)
        with self._sessions() as db:
            row = db.execute(query).first()
        return None if row is None else SessionPain(*row)

    def extension_maxima(
        self, since: datetime | None = None, include_demo: bool = False
    ) -> list[ExtensionPoint]:
        """Per session (started at or after ``since``) and side, the largest finite hip
        extension any hold reached; oldest first, sides in name order within a session."""
        value = HoldRow.hip_extension_max_deg
        query = (
            select(SessionRow.started_at, SessionRow.id, HoldRow.side, func.max(value))
            .join(HoldRow, HoldRow.session_id == SessionRow.id)
            .where(and_(value > -_INFINITY, value < _INFINITY))
            .group_by(SessionRow.id, SessionRow.started_at, HoldRow.side)
            .order_by(SessionRow.started_at, SessionRow.id, HoldRow.side)
        )
        if since is not None:
            query = query.where(SessionRow.started_at >= since)
        with self._sessions() as db:
            return [
                ExtensionPoint(at, session_id, Side(side), float(deg or 0.0))
                for at, session_id, side, deg in db.execute(_counted(query, include_demo))
            ]

    def count_sessions(self) -> int:
        """Sessions in the history (demos included, deleted ones not): the list's length."""
        query = select(func.count()).select_from(SessionRow).where(SessionRow.deleted_at.is_(None))
        with self._sessions() as db:
            return int(db.scalar(query) or 0)

    def sessions_page(self, page: int, per_page: int) -> list[SessionRecord]:
        """Page ``page`` (1 = the newest) of the session list, ``per_page`` sessions, newest
        first, with everything attached; only that page's holds are loaded."""
        from hipflex.storage.repository import _live, _with_children

        if page < 1 or per_page < 1:
            raise ValueError(f"page and per_page must be at least 1, got {page}, {per_page}")
        query = _live().order_by(SessionRow.started_at.desc(), SessionRow.id)
        query = query.offset((page - 1) * per_page).limit(per_page)
        return self._read(_with_children(query))  # type: ignore[attr-defined,no-any-return]

    def history_revision(self) -> int | None:
        """A number that changes whenever anything was committed to the history since the
        last call, by any connection or process; None when it cannot be known (PostgreSQL,
        an in-memory database): then nothing may be cached."""
        probe = getattr(self, "_revision_probe", None)
        if probe is None:
            probe = _RevisionProbe(self._sessions.kw["bind"])
            self._revision_probe = probe
        return probe.revision()

    def close(self) -> None:
        """Close the revision probe's own connection (the engine's pool does not hold it)."""
        probe = getattr(self, "_revision_probe", None)
        if probe is not None:
            probe.close()


class _RevisionProbe:
    """SQLite's ``PRAGMA data_version`` on a connection of its own that never writes: the
    value changes when any *other* connection (this process's pool, another terminal)
    commits. Its own connection, so no write through the pool goes unseen."""

    def __init__(self, engine: Engine) -> None:
        self._lock = threading.Lock()
        self._connection: Any = None
        database = engine.url.database
        if engine.dialect.name == "sqlite" and database not in (None, "", ":memory:"):
            proxy = engine.raw_connection()
            proxy.detach()  # kept for the probe alone, outside the pool
            self._connection = proxy

    def revision(self) -> int | None:
        with self._lock:
            if self._connection is None:
                return None
            try:
                cursor = self._connection.cursor()
                cursor.execute("PRAGMA data_version")
                (value,) = cursor.fetchone()
                cursor.close()
            except sqlite3.Error:
                return None
        return int(value)

    def close(self) -> None:
        """Close the connection; from then on the revision is unknown (nothing is cached)."""
        with self._lock:
            connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()


def _rated_sessions(include_demo: bool) -> Select[Any]:
    """(id, started_at, pain before, pain after) of the sessions with any rating."""
    before, after = (
        select(PainRatingRow.session_id, PainRatingRow.value)
        .where(PainRatingRow.moment == moment)
        .subquery()
        for moment in ("before", "after")
    )
    query = (
        select(SessionRow.id, SessionRow.started_at, before.c.value, after.c.value)
        .outerjoin(before, before.c.session_id == SessionRow.id)
        .outerjoin(after, after.c.session_id == SessionRow.id)
        .where(before.c.value.is_not(None) | after.c.value.is_not(None))
    )
    return _counted(query, include_demo)


def _counted(query: _Query, include_demo: bool) -> _Query:
    """Only live sessions, and demos only with ``include_demo``."""
    query = query.where(SessionRow.deleted_at.is_(None))
    return query if include_demo else query.where(SessionRow.demo.is_(False))
