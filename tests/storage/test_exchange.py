"""Export → import gives the same history; imports are idempotent and all-or-nothing."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from hipflex.domain.events import HoldOutcome, SessionStatus
from hipflex.domain.protocol import Protocol, Side
from hipflex.domain.records import SessionRecord
from hipflex.errors import ImportFileError
from hipflex.storage.db import Database, open_database
from hipflex.storage.exchange import CSV_COLUMNS, export_history, import_file

from .conftest import T0, make_hold

NOTE = 'Left hip "pinchy", then fine,\nsecond line of the note'


@pytest.fixture
def source_db(protocol: Protocol) -> Iterator[Database]:
    database = open_database(url="sqlite://")
    repo = database.repository
    full = repo.start_session(protocol, "camera", T0)
    for index, side in enumerate([Side.RIGHT] * 4 + [Side.LEFT] * 4):
        repo.record_hold(
            full,
            make_hold(index, side, counted_s=29.875),
            "camera",
            hip_extension_max_deg=12.25 if index else None,
            hip_extension_median_deg=9.5 if index else None,
            faults={"back_arch": 1.5, "front_knee_past_toes": 0.25} if index == 2 else None,
        )
    repo.record_pain(full, "before", 6, T0)
    repo.record_pain(full, "after", 2, T0 + timedelta(minutes=10))
    repo.add_note(full, NOTE, T0 + timedelta(minutes=10))
    repo.add_note(full, "second note", T0 + timedelta(minutes=11))
    repo.finish_session(full, SessionStatus.COMPLETED, T0 + timedelta(minutes=10))
    stopped = repo.start_session(protocol, "timer", T0 + timedelta(days=1))
    repo.finish_session(stopped, SessionStatus.PARTIAL, T0 + timedelta(days=1, seconds=20))
    skipped = repo.start_session(protocol, "timer", T0 + timedelta(days=2))
    repo.record_hold(skipped, make_hold(0, counted_s=0, outcome=HoldOutcome.SKIPPED), "timer")
    repo.record_pain(skipped, "after", 0, T0 + timedelta(days=2))
    yield database
    database.close()


def _export(database: Database, fmt: str, path: Path) -> Path:
    buffer = io.StringIO()
    export_history(database.repository, fmt, buffer)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _everything(database: Database) -> list[SessionRecord]:
    return database.repository.sessions_between(None, None)


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_round_trip_into_a_fresh_database_gives_the_same_history(
    source_db: Database, tmp_path: Path, fmt: str
) -> None:
    exported = _export(source_db, fmt, tmp_path / f"history.{fmt}")
    with open_database(tmp_path / "fresh") as fresh:
        result = import_file(fresh.repository, exported)
        assert _everything(fresh) == _everything(source_db)
    assert result.counts.added == {"sessions": 3, "holds": 9, "pain_ratings": 3, "notes": 2}
    assert sum(result.counts.skipped.values()) == 0


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_importing_twice_adds_nothing(source_db: Database, tmp_path: Path, fmt: str) -> None:
    exported = _export(source_db, fmt, tmp_path / f"history.{fmt}")
    with open_database(tmp_path / "fresh") as fresh:
        import_file(fresh.repository, exported)
        before = _everything(fresh)
        again = import_file(fresh.repository, exported)
        assert _everything(fresh) == before
    assert again.counts.total_added == 0
    assert again.counts.skipped == {"sessions": 3, "holds": 9, "pain_ratings": 3, "notes": 2}


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_importing_back_into_the_source_adds_nothing(
    source_db: Database, tmp_path: Path, fmt: str
) -> None:
    before = _everything(source_db)
    result = import_file(source_db.repository, _export(source_db, fmt, tmp_path / f"h.{fmt}"))
    assert result.counts.total_added == 0
    assert _everything(source_db) == before


def test_import_adds_only_what_is_new(
    source_db: Database, tmp_path: Path, protocol: Protocol
) -> None:
    exported = _export(source_db, "json", tmp_path / "history.json")
    with open_database(tmp_path / "other") as other:
        import_file(other.repository, exported)
        extra = other.repository.start_session(protocol, "timer", T0 + timedelta(days=5))
        other.repository.record_hold(extra, make_hold(0, start=T0 + timedelta(days=5)), "timer")
        both = _export(other, "csv", tmp_path / "both.csv")
    result = import_file(source_db.repository, both)
    assert result.counts.added == {"sessions": 1, "holds": 1, "pain_ratings": 0, "notes": 0}
    assert len(_everything(source_db)) == 4


def test_csv_has_one_row_per_hold_with_session_fields_repeated(
    source_db: Database, tmp_path: Path
) -> None:
    exported = _export(source_db, "csv", tmp_path / "history.csv")
    with exported.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 8 + 1 + 1  # 8 holds, a session without holds, a session with one
    first_session = [r for r in rows if r["session_id"] == rows[0]["session_id"]]
    assert {(r["pain_before"], r["pain_after"]) for r in first_session} == {("6", "2")}
    assert json.loads(first_session[0]["notes"])[0]["text"] == NOTE
    assert json.loads(first_session[2]["faults"]) == {
        "back_arch": 1.5,
        "front_knee_past_toes": 0.25,
    }
    assert rows[8]["hold_id"] == "" and rows[8]["session_status"] == "partial"


def test_json_is_nested_and_versioned(source_db: Database, tmp_path: Path) -> None:
    document = json.loads(_export(source_db, "json", tmp_path / "h.json").read_text())
    assert (document["format"], document["format_version"]) == ("hipflex-history", 2)
    first = document["sessions"][0]
    assert len(first["holds"]) == 8 and first["holds"][0]["counted_s"] == 29.875
    assert {p["moment"]: p["value"] for p in first["pain_ratings"]} == {"before": 6, "after": 2}
    assert first["started_at"] == "2026-03-02T07:30:00+00:00"


# -- malformed files: a clear error naming the file (and line), and nothing imported -----------


def _csv_rows(source_db: Database, tmp_path: Path) -> list[dict[str, str]]:
    with _export(source_db, "csv", tmp_path / "good.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def _write_csv(
    path: Path, rows: list[dict[str, str]], columns: tuple[str, ...] = CSV_COLUMNS
) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _physical_line_of_row(path: Path, row_index: int) -> int:
    """1-based line where data row ``row_index`` starts (notes span several lines)."""
    reader = csv.reader(io.StringIO(path.read_text(), newline=""))
    next(reader)
    line = reader.line_num + 1
    for index, _ in enumerate(reader):
        if index == row_index:
            return line
        line = reader.line_num + 1
    raise AssertionError("no such row")


CSV_BREAKAGES: list[tuple[str, int, str, str]] = [
    # (column, data row index, bad value, expected words)
    ("counted_s", 5, "lots", "counted_s"),
    ("counted_s", 9, "-3", "counted_s"),
    ("side", 3, "middle", "side"),
    ("pain_before", 0, "11", "pain_before"),
    ("pain_after", 9, "2.5", "pain_after"),
    ("hold_started_at", 4, "2026-03-02 07:30", "hold_started_at"),
    ("session_started_at", 8, "yesterday", "session_started_at"),
    ("outcome", 7, "finished", "outcome"),
    ("faults", 2, "{not json", "faults"),
    ("notes", 0, "[{}]", "notes"),
    ("hold_id", 6, "not-a-uuid", "hold_id"),
]


@pytest.mark.parametrize(("column", "row_index", "bad", "words"), CSV_BREAKAGES)
def test_a_malformed_csv_names_file_line_and_column_and_imports_nothing(
    source_db: Database, tmp_path: Path, column: str, row_index: int, bad: str, words: str
) -> None:
    rows = _csv_rows(source_db, tmp_path)
    if column in ("pain_before", "notes"):  # session-wide: break every row of that session
        for row in rows:
            if row["session_id"] == rows[row_index]["session_id"]:
                row[column] = bad
    else:
        rows[row_index][column] = bad
    broken = _write_csv(tmp_path / "broken.csv", rows)
    line = _physical_line_of_row(broken, row_index)
    if column in ("pain_before", "notes"):
        line = _physical_line_of_row(broken, 0)
    with open_database(tmp_path / "fresh") as fresh:
        with pytest.raises(ImportFileError) as caught:
            import_file(fresh.repository, broken)
        assert _everything(fresh) == []
    assert caught.value.message.startswith(f"{broken}:{line}: {words}"), caught.value.message


def test_csv_rows_of_one_session_must_agree(source_db: Database, tmp_path: Path) -> None:
    rows = _csv_rows(source_db, tmp_path)
    rows[3]["protocol_title"] = "Something else"
    broken = _write_csv(tmp_path / "broken.csv", rows)
    with open_database(tmp_path / "fresh") as fresh:
        with pytest.raises(ImportFileError, match=r"protocol_title: .* differs .* line 2"):
            import_file(fresh.repository, broken)
        assert _everything(fresh) == []


def test_a_csv_with_other_columns_is_refused(source_db: Database, tmp_path: Path) -> None:
    rows = _csv_rows(source_db, tmp_path)
    broken = _write_csv(tmp_path / "broken.csv", rows, CSV_COLUMNS[:-1])
    with pytest.raises(ImportFileError, match=r"broken.csv:1: header: .*missing faults"):
        import_file(source_db.repository, broken)


def _json_doc(source_db: Database, tmp_path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_export(source_db, "json", tmp_path / "g.json").read_text())
    return data


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = document
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return change


JSON_BREAKAGES = [
    ("sessions.2.holds.0.side", "middle", "sessions[2].holds[0].side"),
    ("sessions.0.holds.3.counted_s", "30", "sessions[0].holds[3].counted_s"),
    ("sessions.0.pain_ratings.0.value", 11, "sessions[0].pain_ratings[0].value"),
    ("sessions.0.pain_ratings.0.value", 4.5, "sessions[0].pain_ratings[0].value"),
    ("sessions.1.started_at", "2026-03-03T07:30:00", "sessions[1].started_at"),
    ("sessions.1.status", "abandoned", "sessions[1].status"),
    ("sessions.0.holds.0.id", "123", "sessions[0].holds[0].id"),
    ("sessions.0.surprise", 1, "sessions[0].surprise"),
    ("format_version", 3, "newer hipflex"),
    ("format", "something-else", "format"),
]


@pytest.mark.parametrize(("path", "value", "words"), JSON_BREAKAGES)
def test_a_malformed_json_names_file_and_field_and_imports_nothing(
    source_db: Database, tmp_path: Path, path: str, value: Any, words: str
) -> None:
    document = _json_doc(source_db, tmp_path)
    _set(path, value)(document)
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(document))
    with open_database(tmp_path / "fresh") as fresh:
        with pytest.raises(ImportFileError) as caught:
            import_file(fresh.repository, broken)
        assert _everything(fresh) == []
    assert caught.value.message.startswith(f"{broken}: ")
    assert words in caught.value.message


@pytest.mark.parametrize(
    ("content", "words"),
    [("", "empty"), ("{not json", "broken.json"), ("[]", "broken.json"), ("\xff", "broken.json")],
)
def test_unreadable_json_is_refused(tmp_path: Path, content: str, words: str) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text(content, encoding="latin-1")
    with open_database(tmp_path / "fresh") as fresh:
        with pytest.raises(ImportFileError, match=words):
            import_file(fresh.repository, broken)
        assert _everything(fresh) == []


def test_a_missing_file_is_a_user_error(memory_db: Database, tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="no such file"):
        import_file(memory_db.repository, tmp_path / "nope.json")


def test_duplicate_ids_in_a_file_are_refused(source_db: Database, tmp_path: Path) -> None:
    document = _json_doc(source_db, tmp_path)
    document["sessions"][1]["id"] = document["sessions"][0]["id"]
    broken = tmp_path / "dup.json"
    broken.write_text(json.dumps(document))
    with open_database(tmp_path / "fresh") as fresh:
        with pytest.raises(ImportFileError, match="appears more than once"):
            import_file(fresh.repository, broken)
        assert _everything(fresh) == []


def test_a_conflict_with_stored_rows_rolls_back_the_whole_import(
    source_db: Database, tmp_path: Path
) -> None:
    # A hold the database has under one session, claimed by another session in the file.
    document = _json_doc(source_db, tmp_path)
    stolen = document["sessions"][0]["holds"][0]
    document["sessions"][0]["id"] = str(uuid.uuid4())  # a new session, importable on its own
    document["sessions"][0]["holds"] = [
        h | {"id": str(uuid.uuid4())} for h in document["sessions"][0]["holds"]
    ]
    document["sessions"][0]["pain_ratings"] = []
    document["sessions"][0]["notes"] = []
    document["sessions"][2]["id"] = str(uuid.uuid4())
    document["sessions"][2]["holds"] = [stolen]
    document["sessions"][2]["pain_ratings"] = []
    broken = tmp_path / "conflict.json"
    broken.write_text(json.dumps(document))
    before = _everything(source_db)
    with pytest.raises(ImportFileError, match="nothing was imported"):
        import_file(source_db.repository, broken)
    assert _everything(source_db) == before


def test_csv_line_numbers_count_cells_that_span_lines(source_db: Database, tmp_path: Path) -> None:
    rows = _csv_rows(source_db, tmp_path)
    for row in rows[:8]:  # the first session: a title on two lines, on each of its 8 rows
        row["protocol_title"] = "Half-kneeling\nhip flexor stretch"
    rows[9]["counted_s"] = "-1"
    broken = _write_csv(tmp_path / "broken.csv", rows)
    # header: line 1; 8 rows of 2 lines: 2-17; row 8: line 18; row 9: line 19
    assert _physical_line_of_row(broken, 9) == 1 + 8 * 2 + 1 + 1
    with pytest.raises(ImportFileError, match=r"broken.csv:19: counted_s"):
        import_file(source_db.repository, broken)
