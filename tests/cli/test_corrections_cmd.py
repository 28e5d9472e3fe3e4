"""``hipflex session edit|delete|undo`` and ``hipflex pain`` through the real entry point."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hipflex.storage.db import open_database

from .test_history_cmd import seed

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HIPFLEX_DATABASE_URL", raising=False)
    monkeypatch.delenv("HIPFLEX_DATA_DIR", raising=False)


def stored(data_dir: Path, session_id: str):  # type: ignore[no-untyped-def]
    with open_database(data_dir) as database:
        return database.repository.get_session(session_id)


def test_edit_pain_note_and_demo_by_a_short_id(cli: Run, tmp_path: Path) -> None:
    session_id = seed(tmp_path, datetime.now(UTC) - timedelta(hours=1))
    short = session_id[:6]
    code, out, err = cli(
        "session", "edit", short, "--pain-before", "7", "--pain-after", "none",
        "--note", "typo fixed", "--demo", "--data-dir", str(tmp_path),
    )  # fmt: skip
    assert code == 0, err
    assert "Saved: the session of" in out and "pain 7 → –" in out and "demo" in out
    session = stored(tmp_path, session_id)
    assert (session.pain_before, session.pain_after, session.demo) == (7, None, True)
    assert [n.text for n in session.notes] == ["typo fixed"]
    code, _, err = cli("session", "edit", short, "--not-demo", "--data-dir", str(tmp_path))
    assert code == 0, err
    assert stored(tmp_path, session_id).demo is False


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--pain-before", "11"], "--pain-before: pain must be a whole number from 0 to 10"),
        (["--pain-after", "four"], "--pain-after: pain must be a whole number"),
        ([], "nothing to change"),
    ],
)
def test_bad_edits_exit_2_and_change_nothing(
    cli: Run, tmp_path: Path, args: list[str], words: str
) -> None:
    session_id = seed(tmp_path, datetime.now(UTC) - timedelta(hours=1))
    before = stored(tmp_path, session_id)
    code, _out, err = cli("session", "edit", session_id[:8], *args, "--data-dir", str(tmp_path))
    assert code == 2 and words in err and "Traceback" not in err
    assert stored(tmp_path, session_id) == before


def test_unknown_and_ambiguous_ids_are_clear_errors(cli: Run, tmp_path: Path) -> None:
    seed(tmp_path, datetime.now(UTC) - timedelta(hours=1))
    code, _, err = cli("session", "edit", "zzzzzz", "--note", "x", "--data-dir", str(tmp_path))
    assert code == 2 and "no session with an id starting 'zzzzzz'" in err
    assert "hipflex history" in err


def test_delete_asks_and_no_keeps_the_session(
    cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session_id = seed(tmp_path, datetime.now(UTC) - timedelta(hours=1))
    monkeypatch.setattr(sys, "stdin", io.StringIO("n\n"))
    code, out, _ = cli("session", "delete", session_id[:8], "--data-dir", str(tmp_path))
    assert code == 1 and "Delete the session of" in out and "Nothing deleted." in out
    assert stored(tmp_path, session_id) is not None
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # no answer at all means no
    code, out, _ = cli("session", "delete", session_id[:8], "--data-dir", str(tmp_path))
    assert code == 1 and stored(tmp_path, session_id) is not None


def test_delete_then_undo(cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keep = seed(tmp_path, datetime.now(UTC) - timedelta(days=1))
    gone = seed(tmp_path, datetime.now(UTC) - timedelta(hours=1))
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))
    code, out, err = cli("session", "delete", gone[:8], "--data-dir", str(tmp_path))
    assert code == 0, err
    assert "Deleted the session of" in out and "`hipflex session undo` within 15 minutes" in out
    code, out, _ = cli("history", "--json", "--data-dir", str(tmp_path))
    assert [s["id"] for s in json.loads(out)] == [keep]
    code, out, _ = cli("insights", "--json", "--data-dir", str(tmp_path))
    assert json.loads(out)["sessions"] == 1  # the deleted one is out of every figure at once
    code, out, err = cli("session", "undo", "--data-dir", str(tmp_path))
    assert code == 0 and "Restored the session of" in out
    code, out, _ = cli("history", "--json", "--data-dir", str(tmp_path))
    assert [s["id"] for s in json.loads(out)] == [gone, keep]
    code, _, err = cli("session", "undo", "--data-dir", str(tmp_path))
    assert code == 2 and "nothing to undo" in err


def test_delete_with_yes_does_not_ask(cli: Run, tmp_path: Path) -> None:
    session_id = seed(tmp_path, datetime.now(UTC) - timedelta(hours=1))
    code, out, err = cli("session", "delete", session_id, "--yes", "--data-dir", str(tmp_path))
    assert code == 0, err
    assert "Delete the session" not in out and "Deleted the session" in out
    assert stored(tmp_path, session_id) is None


def test_pain_checkin(cli: Run, tmp_path: Path) -> None:
    code, out, err = cli("pain", "4", "--note", "stiff after sitting", "--data-dir", str(tmp_path))
    assert code == 0, err
    assert "Pain 4/10 recorded for" in out and "stiff after sitting" in out
    code, out, err = cli("pain", "3", "--data-dir", str(tmp_path))  # the same day: replaces
    assert code == 0, err
    with open_database(tmp_path) as database:
        [checkin] = database.repository.pain_checkins_between()
    assert (checkin.value, checkin.note) == (3, None)
    code, out, _ = cli("insights", "--json", "--data-dir", str(tmp_path))
    assert json.loads(out)["pain"]["checkins"] == 1


@pytest.mark.parametrize("value", ["11", "-1", "four"])
def test_pain_out_of_range_exits_2(cli: Run, tmp_path: Path, value: str) -> None:
    code, _, err = cli("pain", value, "--data-dir", str(tmp_path))
    assert code == 2 and "Traceback" not in err
    assert not (tmp_path / "hipflex.db").exists()
