"""Computed pages kept until the history changes, so 20 open tabs cost one computation.

The web keeps the Today and History pages' HTML here. A page depends on the history, the
day and the settings. The caller passes the
history's revision (:meth:`~hipflex.storage.history_queries.HistoryQueriesMixin.history_revision`,
which changes with every commit from any process) and a key naming the rest (the day, the time
zone, the protocol, the page). An entry is used only while both match, so a hold recorded in
another terminal shows on the next load. Without a revision (PostgreSQL) nothing is cached.

One computation at a time: when many requests miss together (after a hold is saved), the
first computes and the others wait for its result instead of all computing at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")
DEFAULT_ENTRIES = 32  # the pages of a few days, time zones and list pages


class PageCache:
    """Values by key, each valid for one history revision; least recently used evicted."""

    def __init__(self, entries: int = DEFAULT_ENTRIES) -> None:
        if entries < 1:
            raise ValueError("a cache needs room for at least one entry")
        self._entries: OrderedDict[Hashable, tuple[int, Any]] = OrderedDict()
        self._size = entries
        self._lock = threading.Lock()
        self._computing = threading.Lock()
        self.computed = 0  # computations run (the tests count them)

    def get(self, key: Hashable, revision: int | None, compute: Callable[[], T]) -> T:
        """The value for ``key`` at ``revision``, computing it when missing or stale."""
        if revision is None:
            return self._compute(compute)
        found = self._lookup(key, revision)
        if found is not None:
            return found[0]  # type: ignore[no-any-return]
        with self._computing:
            found = self._lookup(key, revision)  # another request may have just computed it
            if found is not None:
                return found[0]  # type: ignore[no-any-return]
            value = self._compute(compute)
            with self._lock:
                self._entries[key] = (revision, value)
                self._entries.move_to_end(key)
                while len(self._entries) > self._size:
                    self._entries.popitem(last=False)
            return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def _lookup(self, key: Hashable, revision: int) -> tuple[Any] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != revision:
                return None
            self._entries.move_to_end(key)
            return (entry[1],)

    def _compute(self, compute: Callable[[], T]) -> T:
        value = compute()
        with self._lock:
            self.computed += 1
        return value
