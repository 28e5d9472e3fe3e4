"""Imported rows are first-class: the app's own writes work on them (issue 10.8)."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

from fastapi.testclient import TestClient

from hipflex.storage.db import open_database
from hipflex.storage.exchange import import_file


def test_a_check_in_on_a_session_whose_imported_pain_has_its_own_id(
    client: TestClient, data_dir: Path, tmp_path: Path
) -> None:
    session_id, foreign_pain_id = str(uuid.uuid4()), str(uuid.uuid4())
    session = {
        "id": session_id,
        "protocol_name": "kneeling-hip-flexor",
        "protocol_title": "Half-kneeling hip flexor stretch",
        "hold_target_s": 30.0,
        "holds_planned": 8,
        "started_at": "2026-03-01T07:00:00+00:00",
        "ended_at": "2026-03-01T07:10:00+00:00",
        "status": "completed",
        "source": "timer",
        "pain_ratings": [
            {"id": foreign_pain_id, "moment": "after", "value": 6,
             "recorded_at": "2026-03-01T07:10:00+00:00"},
        ],
    }  # fmt: skip
    path = tmp_path / "other-tool.json"
    document = {"format": "hipflex-history", "format_version": 1, "sessions": [session]}
    path.write_text(json.dumps(document))
    with open_database(data_dir) as db:
        import_file(db.repository, path)
    page = client.get("/settings").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert token
    response = client.post(
        f"/api/sessions/{session_id}/checkin",
        json={"pain_after": 2},
        headers={"X-CSRF-Token": token.group(1)},
    )
    assert response.status_code == 200, response.text
    with open_database(data_dir) as db:
        record = db.repository.get_session(session_id)
    assert record is not None and record.pain_after == 2
    assert [p.id for p in record.pain_ratings] == [foreign_pain_id]
