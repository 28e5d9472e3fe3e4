"""Export the history to JSON or CSV, and import such a file back (idempotently).

An import validates the whole file first, then adds every new row in one transaction: a
malformed file raises :class:`~hipflex.errors.ImportFileError` naming the file (and, for CSV,
the line and column) and nothing is imported. Rows are matched by their uuid, so importing a
file twice adds nothing the second time.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import SQLAlchemyError

from hipflex import __version__
from hipflex.domain.records import PainCheckInRecord, PainMoment, SessionRecord
from hipflex.errors import ImportFileError
from hipflex.storage.exchange_schema import (
    FORMAT_NAME,
    FORMAT_VERSION,
    CheckInIn,
    HistoryFileIn,
    HoldIn,
    NoteIn,
    PainIn,
    SessionFieldsIn,
    number_text,
    to_checkin_record,
    to_session_record,
)
from hipflex.storage.repository import ImportCounts, Repository, pain_rating_id

FORMATS = ("json", "csv")
_M = TypeVar("_M", bound=BaseModel)

# CSV column → model field. Session and pain/notes columns repeat on each of a session's rows.
_SESSION_COLUMNS = {
    "session_id": "id",
    "protocol_name": "protocol_name",
    "protocol_title": "protocol_title",
    "hold_target_s": "hold_target_s",
    "holds_planned": "holds_planned",
    "session_started_at": "started_at",
    "session_ended_at": "ended_at",
    "session_status": "status",
    "session_source": "source",
    "pid": "pid",
    "host": "host",
    "session_demo": "demo",
}
_EXTRA_COLUMNS = ("pain_before", "pain_before_at", "pain_after", "pain_after_at", "notes")
# A pain check-in is a row of its own: these filled, every session and hold column empty.
_CHECKIN_COLUMNS = {
    "checkin_id": "id",
    "checkin_day": "day",
    "checkin_value": "value",
    "checkin_recorded_at": "recorded_at",
    "checkin_note": "note",
}
# Columns added after the first version: a CSV without them still imports.
_OPTIONAL_COLUMNS = frozenset({"session_demo", *_CHECKIN_COLUMNS})
_HOLD_COLUMNS = {
    "hold_id": "id",
    "side": "side",
    "rep": "rep",
    "target_s": "target_s",
    "counted_s": "counted_s",
    "hold_started_at": "started_at",
    "hold_ended_at": "ended_at",
    "outcome": "outcome",
    "hold_source": "source",
    "hip_extension_max_deg": "hip_extension_max_deg",
    "hip_extension_median_deg": "hip_extension_median_deg",
    "faults": "faults",
}
_SHARED_COLUMNS = (*_SESSION_COLUMNS, *_EXTRA_COLUMNS)
CSV_COLUMNS: tuple[str, ...] = (*_SHARED_COLUMNS, *_CHECKIN_COLUMNS, *_HOLD_COLUMNS)


@dataclass(frozen=True)
class HistoryContents:
    """What an export file holds: sessions (with their parts) and pain check-ins."""

    sessions: list[SessionRecord]
    checkins: list[PainCheckInRecord] = field(default_factory=list)


# -- export -----------------------------------------------------------------------------------


def history_to_json(
    sessions: Sequence[SessionRecord],
    exported_at: datetime,
    checkins: Sequence[PainCheckInRecord] = (),
) -> dict[str, Any]:
    """The JSON export document for ``sessions`` (nested, with a format version)."""
    return {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "exported_at": _time(exported_at),
        "hipflex_version": __version__,
        "sessions": [session_to_json(s) for s in sessions],
        "pain_checkins": [checkin_to_json(c) for c in checkins],
    }


def write_json(
    sessions: Sequence[SessionRecord],
    out: TextIO,
    exported_at: datetime,
    checkins: Sequence[PainCheckInRecord] = (),
) -> None:
    """Write the JSON export of ``sessions`` (and pain check-ins) to ``out``."""
    document = history_to_json(sessions, exported_at, checkins)
    json.dump(document, out, indent=2, ensure_ascii=False)
    out.write("\n")


def write_csv(
    sessions: Sequence[SessionRecord], out: TextIO, checkins: Sequence[PainCheckInRecord] = ()
) -> None:
    """Write one CSV row per hold (a session without holds gets one row with empty hold
    columns); session fields, pain ratings and notes repeat on each of its rows. Each pain
    check-in gets a row of its own after the sessions."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    no_checkin = [""] * len(_CHECKIN_COLUMNS)
    for session in sessions:
        common = [*_session_csv(session), *no_checkin]
        if not session.holds:
            writer.writerow([*common, *([""] * len(_HOLD_COLUMNS))])
        for hold in session.holds:
            faults = "" if hold.faults is None else json.dumps(dict(hold.faults), sort_keys=True)
            writer.writerow(
                [
                    *common,
                    hold.id,
                    hold.side.value,
                    str(hold.rep),
                    number_text(hold.target_s),
                    number_text(hold.counted_s),
                    _time(hold.started_at),
                    _time(hold.ended_at),
                    hold.outcome.value,
                    hold.source.value,
                    number_text(hold.hip_extension_max_deg),
                    number_text(hold.hip_extension_median_deg),
                    faults,
                ]
            )
    for checkin in checkins:
        writer.writerow(
            [
                *([""] * len(_SHARED_COLUMNS)),
                checkin.id,
                checkin.day.isoformat(),
                str(checkin.value),
                _time(checkin.recorded_at),
                checkin.note or "",
                *([""] * len(_HOLD_COLUMNS)),
            ]
        )


def export_history(repository: Repository, fmt: str, out: TextIO) -> int:
    """Write the whole history, oldest first, as ``fmt`` (json or csv); returns the sessions."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use json or csv")
    sessions = repository.sessions_between(None, None)
    checkins = repository.pain_checkins_between(None, None)
    if fmt == "json":
        write_json(sessions, out, datetime.now(UTC), checkins)
    else:
        write_csv(sessions, out, checkins)
    return len(sessions)


def _time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def session_to_json(session: SessionRecord) -> dict[str, Any]:
    """One session as in the JSON export (holds, pain ratings and notes nested)."""
    return {
        "id": session.id,
        "protocol_name": session.protocol_name,
        "protocol_title": session.protocol_title,
        "hold_target_s": session.hold_target_s,
        "holds_planned": session.holds_planned,
        "started_at": _time(session.started_at),
        "ended_at": _time(session.ended_at) if session.ended_at else None,
        "status": session.status.value,
        "source": session.source.value,
        "pid": session.pid,
        "host": session.host,
        "demo": session.demo,
        "holds": [
            {
                "id": h.id,
                "side": h.side.value,
                "rep": h.rep,
                "target_s": h.target_s,
                "counted_s": h.counted_s,
                "started_at": _time(h.started_at),
                "ended_at": _time(h.ended_at),
                "outcome": h.outcome.value,
                "source": h.source.value,
                "hip_extension_max_deg": h.hip_extension_max_deg,
                "hip_extension_median_deg": h.hip_extension_median_deg,
                "faults": dict(h.faults) if h.faults is not None else None,
            }
            for h in session.holds
        ],
        "pain_ratings": [
            {
                "id": p.id,
                "moment": p.moment.value,
                "value": p.value,
                "recorded_at": _time(p.recorded_at),
            }
            for p in session.pain_ratings
        ],
        "notes": [
            {"id": n.id, "text": n.text, "created_at": _time(n.created_at)} for n in session.notes
        ],
    }


def checkin_to_json(checkin: PainCheckInRecord) -> dict[str, Any]:
    """One pain check-in as in the JSON export."""
    return {
        "id": checkin.id,
        "day": checkin.day.isoformat(),
        "value": checkin.value,
        "recorded_at": _time(checkin.recorded_at),
        "note": checkin.note,
    }


def _session_csv(session: SessionRecord) -> list[str]:
    pain = {p.moment: p for p in session.pain_ratings}
    before, after = pain.get(PainMoment.BEFORE), pain.get(PainMoment.AFTER)
    notes = [{"id": n.id, "text": n.text, "created_at": _time(n.created_at)} for n in session.notes]
    return [
        session.id,
        session.protocol_name,
        session.protocol_title,
        number_text(session.hold_target_s),
        str(session.holds_planned),
        _time(session.started_at),
        _time(session.ended_at) if session.ended_at else "",
        session.status.value,
        session.source.value,
        "" if session.pid is None else str(session.pid),
        session.host or "",
        "true" if session.demo else "false",
        str(before.value) if before else "",
        _time(before.recorded_at) if before else "",
        str(after.value) if after else "",
        _time(after.recorded_at) if after else "",
        json.dumps(notes, ensure_ascii=False) if notes else "",
    ]


# -- import -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    """What an import did: rows added and rows already there, per kind."""

    path: Path
    sessions: int  # sessions in the file
    counts: ImportCounts = field(default_factory=ImportCounts)


def import_file(repository: Repository, path: Path) -> ImportResult:
    """Validate ``path`` (our JSON or CSV export) and add what is new, all or nothing."""
    contents = read_history(path)
    return import_records(repository, contents.sessions, path, contents.checkins)


def import_records(
    repository: Repository,
    records: Sequence[SessionRecord],
    path: Path,
    checkins: Sequence[PainCheckInRecord] = (),
) -> ImportResult:
    """Add the new rows of ``records`` and ``checkins`` (read from ``path``) in one
    transaction."""
    try:
        counts = repository.import_sessions(records, checkins)
    except ValueError as exc:
        raise ImportFileError(f"{path}: {exc}; nothing was imported") from None
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).splitlines()[0]
        raise ImportFileError(
            f"{path}: conflicts with the stored history ({reason}); nothing was imported"
        ) from None
    return ImportResult(path=path, sessions=len(records), counts=counts)


def read_history_file(path: Path) -> list[SessionRecord]:
    """The sessions of a JSON or CSV export (see :func:`read_history` for check-ins too)."""
    return read_history(path).sessions


def read_history(path: Path) -> HistoryContents:
    """Parse and validate a JSON or CSV export; ``ImportFileError`` on any problem."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ImportFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFileError(f"{path}: cannot read: {exc}") from None
    if not text.strip():
        raise ImportFileError(f"{path}: the file is empty")
    suffix = path.suffix.lower()
    is_json = suffix == ".json" or (suffix != ".csv" and text.lstrip().startswith("{"))
    contents = _parse_json(text, path) if is_json else _parse_csv(text, path)
    _check_unique_ids(contents.sessions, path)
    return contents


def _parse_json(text: str, path: Path) -> HistoryContents:
    try:
        document = HistoryFileIn.model_validate_json(text, strict=True)
    except ValidationError as exc:
        raise ImportFileError(f"{path}: {_describe(exc, _json_location)}") from None
    return HistoryContents(
        [
            to_session_record(s, s.holds, s.pain_ratings, s.notes)  # nested parts validated
            for s in document.sessions
        ],
        [to_checkin_record(c) for c in document.pain_checkins],
    )


def _parse_csv(text: str, path: Path) -> HistoryContents:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    missing = [c for c in CSV_COLUMNS if c not in header and c not in _OPTIONAL_COLUMNS]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if missing or unknown or len(set(header)) != len(header):
        problems = [f"missing {', '.join(missing)}" if missing else ""]
        problems.append(f"unknown {', '.join(unknown)}" if unknown else "")
        detail = "; ".join(p for p in problems if p) or "repeated columns"
        raise ImportFileError(f"{path}:1: header: not a hipflex CSV export ({detail})")
    sessions: dict[str, _CsvSession] = {}
    checkins: dict[str, tuple[int, PainCheckInRecord]] = {}  # day → (line, check-in)
    absent = dict.fromkeys(_OPTIONAL_COLUMNS - set(header), "")
    line = reader.line_num + 1
    for values in reader:
        if not any(v.strip() for v in values):
            line = reader.line_num + 1
            continue
        if len(values) != len(header):
            raise ImportFileError(
                f"{path}:{line}: row has {len(values)} fields, the header has {len(header)}"
            )
        row = {**absent, **dict(zip(header, values, strict=True))}
        try:
            if not row["session_id"].strip() and row["checkin_id"].strip():
                _add_csv_checkin(checkins, row, line)
            else:
                _add_csv_row(sessions, row, line)
        except _RowError as exc:
            raise ImportFileError(f"{path}:{line}: {exc}") from None
        line = reader.line_num + 1
    return HistoryContents(
        [to_session_record(s.fields, s.holds, s.pain_ratings, s.notes) for s in sessions.values()],
        [checkin for _, checkin in checkins.values()],
    )


@dataclass
class _CsvSession:
    first_line: int
    shared: tuple[str, ...]  # the raw session, pain and notes columns, equal on every row
    fields: SessionFieldsIn
    pain_ratings: list[PainIn]
    notes: list[NoteIn]
    holds: list[HoldIn] = field(default_factory=list)


class _RowError(Exception):
    pass


def _add_csv_row(sessions: dict[str, _CsvSession], row: dict[str, str], line: int) -> None:
    shared = tuple(row[c] for c in _SHARED_COLUMNS)
    known = sessions.get(row["session_id"])
    if known is None:
        picked = _pick(row, _SESSION_COLUMNS)
        if picked["demo"] is None:  # an older export, or left empty: not a demo
            picked["demo"] = False
        fields = _validate(SessionFieldsIn, picked, _SESSION_COLUMNS)
        session_id = str(fields.id)
        pain = [p for moment in PainMoment if (p := _csv_pain(row, moment, session_id)) is not None]
        known = _CsvSession(line, shared, fields, pain, _csv_notes(row["notes"]))
        sessions[row["session_id"]] = known
    elif shared != known.shared:
        column, first = next(
            (c, b) for c, a, b in zip(_SHARED_COLUMNS, shared, known.shared, strict=True) if a != b
        )
        raise _RowError(
            f"{column}: {row[column]!r} differs from {first!r} on line {known.first_line}, "
            "the same session"
        )
    hold_values = _pick(row, _HOLD_COLUMNS)
    if any(v is not None for v in hold_values.values()):
        if hold_values.get("faults") is not None:
            hold_values["faults"] = _json_cell(str(hold_values["faults"]), "faults")
        known.holds.append(_validate(HoldIn, hold_values, _HOLD_COLUMNS))


def _add_csv_checkin(
    checkins: dict[str, tuple[int, PainCheckInRecord]], row: dict[str, str], line: int
) -> None:
    filled = [c for c in (*_SHARED_COLUMNS, *_HOLD_COLUMNS) if row[c].strip()]
    if filled:
        raise _RowError(f"{filled[0]}: must be empty on a pain check-in row")
    checkin = to_checkin_record(
        _validate(CheckInIn, _pick(row, _CHECKIN_COLUMNS), _CHECKIN_COLUMNS)
    )
    day = checkin.day.isoformat()
    if day in checkins:
        raise _RowError(
            f"checkin_day: a second check-in for {day} (first on line {checkins[day][0]})"
        )
    checkins[day] = (line, checkin)


def _csv_pain(row: dict[str, str], moment: PainMoment, session_id: str) -> PainIn | None:
    value, at = row[f"pain_{moment.value}"].strip(), row[f"pain_{moment.value}_at"].strip()
    if not value and not at:
        return None
    columns = {f"pain_{moment.value}": "value", f"pain_{moment.value}_at": "recorded_at"}
    data = {
        "id": pain_rating_id(session_id, moment),
        "moment": moment.value,
        "value": value or None,
        "recorded_at": at or None,
    }
    return _validate(PainIn, data, columns)


def _csv_notes(cell: str) -> list[NoteIn]:
    if not cell.strip():
        return []
    data = _json_cell(cell, "notes")
    if not isinstance(data, list):
        raise _RowError("notes: must be a JSON list of {id, text, created_at}")
    notes: list[NoteIn] = []
    for index, item in enumerate(data):
        try:
            notes.append(NoteIn.model_validate(item))
        except ValidationError as exc:
            raise _RowError(f"notes[{index}]: {_describe(exc, _json_location)}") from None
    return notes


def _json_cell(cell: str, column: str) -> Any:
    try:
        return json.loads(cell)
    except json.JSONDecodeError as exc:
        raise _RowError(f"{column}: not valid JSON ({exc.msg})") from None


def _pick(row: dict[str, str], columns: dict[str, str]) -> dict[str, Any]:
    return {name: (row[column].strip() or None) for column, name in columns.items()}


def _validate(model: type[_M], data: dict[str, Any], columns: dict[str, str]) -> _M:
    by_field = {name: column for column, name in columns.items()}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _RowError(
            _describe(exc, lambda loc: by_field.get(str(loc[0]), str(loc[0])) if loc else "row")
        ) from None


def _describe(exc: ValidationError, location: Any) -> str:
    parts = [f"{location(err['loc'])}: {err['msg']}" for err in exc.errors()[:3]]
    more = exc.error_count() - len(parts)
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def _json_location(loc: Iterable[int | str]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "document"


def _check_unique_ids(records: Sequence[SessionRecord], path: Path) -> None:
    seen: set[str] = set()
    for record in records:
        ids = [record.id, *(h.id for h in record.holds), *(n.id for n in record.notes)]
        for row_id in ids:
            if row_id in seen:
                raise ImportFileError(f"{path}: id {row_id} appears more than once")
            seen.add(row_id)
