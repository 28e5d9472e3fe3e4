"""``hipflex clinic`` commands, in-process through the real ``main()``, on a real database."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from tests.clinic.conftest import PASSWORD, csrf_of
from tests.pg import PostgresServer

from hipflex.cli.app import main
from hipflex.clinic.app import create_clinic_app
from hipflex.storage.clinic.database import create_clinic_engine
from hipflex.storage.clinic.store import ClinicStore


@pytest.fixture
def cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["hipflex", *args])
        monkeypatch.setenv("COLUMNS", "200")
        try:
            main()
            code = 0
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
def database_url(postgres_server: PostgresServer) -> Iterator[str]:
    name = postgres_server.create_database("cli")
    yield postgres_server.url(name).replace("postgresql+psycopg://", "postgresql://")
    postgres_server.drop_database(name)


def test_init_prints_a_one_time_admin_invite_that_works(
    cli: Callable[..., tuple[int, str, str]], database_url: str
) -> None:
    code, out, err = cli(
        "clinic", "init", "--name", "Physio North", "--timezone", "Europe/Oslo",
        "--database-url", database_url, "--public-url", "https://physio.example.org/",
    )  # fmt: skip
    assert code == 0, err
    assert "Physio North" in out and "Europe/Oslo" in out
    link = re.search(r"https://physio\.example\.org/invite/(\S+)", out)
    assert link, out
    engine = create_clinic_engine(database_url)
    app = create_clinic_app(ClinicStore(engine), "https://physio.example.org")
    client = TestClient(app, base_url="https://physio.example.org", follow_redirects=False)
    page = client.get(f"/invite/{link.group(1)}")
    assert page.status_code == 200 and "as <strong>admin</strong>" in page.text
    response = client.post(
        f"/invite/{link.group(1)}",
        data={"csrf_token": csrf_of(page.text), "email": "boss@physio.example.org",
              "display_name": "Boss", "password": PASSWORD},
    )  # fmt: skip
    assert response.headers["location"] == "/admin"
    engine.dispose()
    # No default accounts: the only account is the one just made from the invite.
    code, out, err = cli("clinic", "init", "--name", "Physio North", "--database-url", database_url)
    assert code == 2 and "already exists" in err and "Traceback" not in err
    code, out, err = cli("clinic", "admin-invite", "Physio North", "--database-url", database_url)
    assert code == 0 and "/invite/" in out
    code, out, err = cli("clinic", "admin-invite", "Nope", "--database-url", database_url)
    assert code == 2 and "no clinic named 'Nope'" in err
    code, out, _ = cli("clinic", "migrate", "--database-url", database_url)
    assert code == 0 and "up to date" in out


def test_bad_input_gets_clear_errors(
    cli: Callable[..., tuple[int, str, str]], database_url: str
) -> None:
    code, _, err = cli("clinic", "serve", "--database-url", database_url)
    assert code == 2 and "hipflex clinic init" in err  # empty database: nothing served
    code, _, err = cli("clinic", "init", "--database-url", "sqlite:///x.db")
    assert code == 2 and "needs PostgreSQL" in err
    code, _, err = cli("clinic", "init", "--database-url", "postgresql://u:p@127.0.0.1:1/none")
    assert code == 2 and "cannot reach the clinic database" in err
    assert "p@" not in err  # the password is never printed
    code, _, err = cli(
        "clinic", "init", "--database-url", database_url, "--timezone", "Mars/Olympus"
    )
    assert code == 2 and "unknown zone" in err
    code, _, err = cli("clinic", "init", "--database-url", database_url, "--public-url", "ftp://x")
    assert code == 2 and "--public-url" in err
    code, _, err = cli("clinic", "serve", "--database-url", database_url)
    assert code == 2 and "no clinic schema yet" in err  # the refused inits left it empty
    code, _, err = cli("clinic", "init")
    assert code == 2 and "HIPFLEX_CLINIC_DATABASE_URL" in err
