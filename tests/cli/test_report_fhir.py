"""``hipflex report --fhir`` through the real entry point, in process."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle

from hipflex.domain.protocol import Side
from hipflex.insights.synthetic import synthetic_session
from hipflex.storage.db import open_database

Cli = Callable[..., tuple[int, str, str]]


def seed(data_dir: Path) -> None:
    """Five days ending today plus one 40 days ago; the camera on two days; pain on all."""
    today = datetime.now(UTC).replace(hour=7, minute=0, second=0, microsecond=0)
    days = [40, 4, 3, 2, 1, 0]
    sessions = [
        synthetic_session(
            today - timedelta(days=back),
            extension_deg={Side.RIGHT: 11.0, Side.LEFT: 9.0} if back in (2, 0) else None,
            pain_before=4,
            pain_after=2,
        )
        for back in days
    ]
    with open_database(data_dir) as database:
        database.repository.import_sessions(sessions)


def read(path: Path) -> Bundle:
    return Bundle.model_validate_json(path.read_text(encoding="utf-8"))


def test_report_fhir_writes_a_valid_bundle_of_the_window(
    cli: Cli, tmp_path: Path, data_dir: Path
) -> None:
    seed(data_dir)
    target = tmp_path / "export.json"
    code, out, err = cli("report", "--fhir", str(target), "--name", "Ada Lovelace")
    assert code == 0, err
    assert f"Wrote {target}: FHIR R4B bundle, 5 sessions" in out
    bundle = read(target)
    kinds = Counter(e.resource.get_resource_type() for e in bundle.entry or [])
    # The session 40 days ago is outside the default 4 weeks.
    assert kinds["Procedure"] == 5
    assert kinds["Device"] == 1
    assert kinds["Observation"] == 5 * 2 + 2 * 2  # pain before/after, hip extension per side
    patient = bundle.entry[0].resource  # type: ignore[index]
    assert patient.name[0].text == "Ada Lovelace"
    first_ids = [e.resource.id for e in bundle.entry or []]

    code, _, err = cli("report", "--fhir", str(target), "--weeks", "8")
    assert code == 0, err
    again = read(target)
    assert sum(1 for e in again.entry or [] if e.resource.get_resource_type() == "Procedure") == 6
    # The same records keep the same ids from one export to the next.
    assert set(first_ids) <= {e.resource.id for e in again.entry or []}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "export.json"]


def test_report_writes_pdf_and_fhir_together(cli: Cli, tmp_path: Path, data_dir: Path) -> None:
    seed(data_dir)
    pdf, bundle = tmp_path / "physio.pdf", tmp_path / "physio.json"
    code, out, err = cli("report", "--out", str(pdf), "--fhir", str(bundle))
    assert code == 0, err
    assert pdf.read_bytes().startswith(b"%PDF")
    assert read(bundle).type == "collection"
    assert out.count("Wrote ") == 2


def test_report_fhir_on_an_empty_history(cli: Cli, tmp_path: Path, data_dir: Path) -> None:
    target = tmp_path / "empty.json"
    code, out, err = cli("report", "--fhir", str(target))
    assert code == 0, err
    assert "0 sessions" in out
    kinds = [e.resource.get_resource_type() for e in read(target).entry or []]
    assert kinds == ["Patient", "CarePlan", "ServiceRequest"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "nothing to write"),
        (("--fhir", "{tmp}/export.txt"), "use a .json file name"),
        (("--fhir", "{tmp}/missing/export.json"), "does not exist"),
        (("--fhir", "{tmp}/a-file/export.json"), "is not a folder"),
        (("--fhir", "{tmp}"), "use a .json file name"),
        # A bad --out is found before anything is written.
        (("--fhir", "{tmp}/ok.json", "--out", "{tmp}/report.txt"), "use a .pdf or .html"),
    ],
)
def test_bad_targets_exit_2_with_a_clear_message(
    cli: Cli, tmp_path: Path, data_dir: Path, args: tuple[str, ...], message: str
) -> None:
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    code, _, err = cli("report", *(a.format(tmp=tmp_path) for a in args))
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert not (tmp_path / "ok.json").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc, which is Linux's")
def test_an_unwritable_folder_exits_2(cli: Cli, data_dir: Path) -> None:
    # /proc refuses new files even to root (these tests may run as root, where chmod does not).
    code, _, err = cli("report", "--fhir", "/proc/hipflex-export.json")
    assert code == 2
    assert "cannot write /proc/hipflex-export.json" in err
    assert "Traceback" not in err
