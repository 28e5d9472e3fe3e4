"""Fixtures every test folder may use. ``postgres_server`` starts lazily: only test sessions
that ask for it pay for a PostgreSQL cluster (see tests/pg.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.pg import PostgresServer, start_postgres


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL server per test session, on 127.0.0.1, stopped at the end."""
    try:
        server = start_postgres()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()
