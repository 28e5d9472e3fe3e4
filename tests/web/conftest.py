"""Fixtures for the web app: an app over a temporary data dir, a client, WebSocket helpers."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hipflex.domain.clock import FakeClock
from hipflex.web import create_app

BASE = "http://127.0.0.1:8765"
WS_URL = "ws://127.0.0.1:8765/ws/session"
ORIGIN = {"origin": BASE}

Message = dict[str, Any]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "data"
    directory.mkdir()
    return directory


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(data_dir: Path) -> FastAPI:
    """A fast app: session clocks run 2000 times faster than real time."""
    return create_app(data_dir, speed=2000)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE) as test_client:
        yield test_client


@pytest.fixture
def clocked_app(data_dir: Path, fake_clock: FakeClock) -> FastAPI:
    """An app whose sessions run on a clock the test moves by hand."""
    return create_app(data_dir, clock_factory=lambda: fake_clock)


@pytest.fixture
def clocked_client(clocked_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(clocked_app, base_url=BASE) as test_client:
        yield test_client


def send(ws: Any, message: Message) -> None:
    ws.send_text(json.dumps(message))


def receive_until(
    ws: Any, predicate: Callable[[Message], bool], limit: int = 5000
) -> tuple[Message, list[Message]]:
    """Read messages until one matches; returns it and everything read before it."""
    seen: list[Message] = []
    for _ in range(limit):
        message = ws.receive_json()
        if predicate(message):
            return message, seen
        seen.append(message)
    raise AssertionError(f"no matching message in {limit}: last {seen[-5:]}")


def is_event(name: str) -> Callable[[Message], bool]:
    return lambda m: m.get("type") == "event" and m.get("event") == name


def is_type(name: str) -> Callable[[Message], bool]:
    return lambda m: m.get("type") == name


def advance_until(
    ws: Any,
    clock: FakeClock,
    predicate: Callable[[Message], bool],
    step_s: float = 1.0,
    max_steps: int = 2000,
) -> tuple[Message, list[Message]]:
    """Move the fake clock ``step_s`` at a time until the server sends a matching message."""
    seen: list[Message] = []
    for _ in range(max_steps):
        clock.advance(step_s)
        deadline = time.monotonic() + 0.5
        # The server ticks every 0.1 s real time; wait for the state that follows the move.
        while time.monotonic() < deadline:
            message = ws.receive_json()
            if predicate(message):
                return message, seen
            seen.append(message)
            if message.get("type") == "state":
                break
    raise AssertionError(f"no matching message after {max_steps} steps")
