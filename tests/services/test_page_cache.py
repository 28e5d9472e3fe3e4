"""The page cache: an entry lives as long as the history's revision, one computation at a
time, nothing cached without a revision."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from hipflex.services.page_cache import PageCache


def counter() -> tuple[list[int], Callable[[], int]]:
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    return calls, compute


def test_an_entry_is_used_while_the_revision_holds() -> None:
    cache = PageCache()
    calls, compute = counter()
    assert cache.get("today", 1, compute) == 1
    assert cache.get("today", 1, compute) == 1
    assert cache.get("today", 2, compute) == 2
    assert cache.get("other", 2, compute) == 3
    assert (len(calls), cache.computed) == (3, 3)


def test_without_a_revision_nothing_is_cached() -> None:
    cache = PageCache()
    calls, compute = counter()
    for _ in range(3):
        cache.get("today", None, compute)
    assert len(calls) == 3


def test_the_least_recently_used_entry_goes_first() -> None:
    cache = PageCache(entries=2)
    calls, compute = counter()
    cache.get("a", 1, compute)
    cache.get("b", 1, compute)
    cache.get("a", 1, compute)  # a is now the most recent
    cache.get("c", 1, compute)  # evicts b
    cache.get("a", 1, compute)
    assert len(calls) == 3
    cache.get("b", 1, compute)
    assert len(calls) == 4
    with pytest.raises(ValueError):
        PageCache(entries=0)


def test_a_failed_computation_is_not_cached() -> None:
    cache = PageCache()

    def fail() -> int:
        raise ValueError("page 9 does not exist")

    for _ in range(2):
        with pytest.raises(ValueError, match="page 9"):
            cache.get("history", 1, fail)
    assert cache.get("history", 1, lambda: 5) == 5


def test_many_misses_at_once_compute_once() -> None:
    cache = PageCache()
    calls: list[int] = []

    def slow() -> str:
        calls.append(1)
        time.sleep(0.05)
        return "page"

    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get("history", 7, slow)))
        for _ in range(10)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["page"] * 10
    assert len(calls) == 1
