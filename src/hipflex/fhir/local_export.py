"""``hipflex report --fhir``: the local history of the last weeks as a FHIR Bundle file.

The use case behind the CLI option: read the window of sessions the report covers, derive the
dose from the chosen protocol, build the bundle and write it atomically (a temp file in the same
folder, then a rename), so a failed export never leaves a half-written file.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hipflex.domain.records import SessionRecord
from hipflex.errors import HipflexError

# This installation's patient key (a uuid), made on the first export: the Patient id (and so
# every reference to it) stays the same from one export to the next.
PATIENT_KEY_FILE = "fhir-patient-id"


class FhirExportError(HipflexError):
    """The bundle cannot be written (bad file name, missing folder, no permission)."""


@dataclass(frozen=True)
class ExportResult:
    """What was written: the file, the sessions in it and the resources in the bundle."""

    path: Path
    sessions: int
    resources: int


def check_target(path: Path) -> None:
    """Fail early, before reading the history, on a path that cannot take the bundle."""
    if path.suffix.lower() != ".json":
        raise FhirExportError(f"{path}: a FHIR bundle is JSON; use a .json file name")
    if path.is_dir():
        raise FhirExportError(f"cannot write {path}: it is a folder")
    if not path.parent.is_dir():
        problem = "is not a folder" if path.parent.exists() else "does not exist"
        raise FhirExportError(
            f"cannot write {path}: {path.parent} {problem}",
            hint="choose a path in a folder you can write to",
        )


def local_patient_key(data_dir: Path) -> str:
    """This installation's patient key, made and kept in the data dir on first use."""
    path = data_dir / PATIENT_KEY_FILE
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        key = str(uuid.uuid4())
        try:
            with path.open("x", encoding="utf-8") as stream:  # "x": another export may race
                stream.write(key + "\n")
        except FileExistsError:
            return local_patient_key(data_dir)
        except OSError as exc:
            raise FhirExportError(f"cannot write {path}: {exc.strerror or exc}") from None
        return key
    except OSError as exc:
        raise FhirExportError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise FhirExportError(
            f"{path}: not a patient id (a uuid)",
            hint="delete the file to make a new one; the exported Patient id then changes",
        ) from None


def export_local_bundle(
    path: Path,
    *,
    data_dir: Path | None,
    weeks: int,
    protocol_name: str | None,
    patient_name: str | None,
    now: datetime,
    include: Callable[[SessionRecord], bool] | None = None,
) -> ExportResult:
    """Write the sessions of the last ``weeks`` × 7 local days ending ``now`` (aware) as a
    FHIR R4B Bundle to ``path``. ``include`` leaves sessions out (for example demo ones)."""
    from hipflex.fhir.bundle import build_bundle, bundle_json, every_session
    from hipflex.fhir.inputs import PatientInput, dose_from_protocol
    from hipflex.insights.stats import local_day
    from hipflex.protocols.loader import load_protocol
    from hipflex.reminders.timezones import resolve_timezone
    from hipflex.settings import load_settings, resolve_data_dir
    from hipflex.storage.db import open_database

    check_target(path)
    directory = resolve_data_dir(data_dir)
    settings = load_settings(directory)
    protocol = load_protocol(protocol_name or settings.default_protocol, directory)
    tz = resolve_timezone(settings.reminders.timezone)
    today = now.astimezone(tz).date()
    first_day = today - timedelta(days=7 * weeks - 1)
    since = datetime.combine(first_day - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    with open_database(directory) as database:
        stored = database.repository.sessions_between(since, None)
        check_ins = database.repository.pain_checkins_between(first_day, today)
    window = [s for s in stored if first_day <= local_day(s.started_at, tz) <= today]
    chosen = include or every_session
    bundle = build_bundle(
        patient=PatientInput(local_patient_key(directory), patient_name),
        protocol=protocol,
        sessions=window,
        generated_at=now,
        dose=dose_from_protocol(protocol),
        include=chosen,
        check_ins=check_ins,
    )
    write_atomically(path, bundle_json(bundle))
    return ExportResult(path, sum(1 for s in window if chosen(s)), len(bundle.entry or ()))


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temp file in the same folder and a rename."""
    try:
        handle, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".fhir-", suffix=".tmp")
    except OSError as exc:
        raise FhirExportError(
            f"cannot write {path}: {exc.strerror or exc}",
            hint="choose a path in a folder you can write to",
        ) from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise FhirExportError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
