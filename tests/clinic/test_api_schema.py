"""schemathesis against the REST API's OpenAPI schema, in-process, with bounded examples:
no 5xx, and every response matches the schema (status codes, content types, bodies).

Run as a clinician (browser session + CSRF header) and as a patient's device (bearer token),
so both kinds of caller reach every operation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance
from tests.clinic.conftest import PUBLIC_URL, T0, ClinicWorld, session_body

# Not checked: "schema-valid data is accepted". Rules across fields (a session ends after it
# starts, holds have distinct ids, reps 1-20 on a prescription) are the server's to check and
# answer with 422; a schema cannot say them. Every other schemathesis check runs.
# For the device caller, "ignored auth" is also left out: it drops the cookie scheme (which a
# device does not use) and sees the bearer token still accepted. Requests without any
# credentials are refused with 401 in test_access.py.
EXCLUDED = {
    "clinician": [positive_data_acceptance],
    "device": [positive_data_acceptance, ignored_auth],
}
MAX_EXAMPLES = 15  # per operation and caller: ~13 operations × 2 callers × 15 requests


@pytest.fixture(scope="module")
def callers(app: FastAPI, world_factory: Callable[[str], ClinicWorld]) -> dict[str, dict[str, str]]:
    world = world_factory("schema")
    response = world.clinician.post_json(
        f"/api/v1/patients/{world.patient.id}/prescriptions",
        {"protocol_name": "kneeling-hip-flexor", "hold_s": 30, "reps": 3,
         "sides": ["right"], "start_date": T0.date().isoformat()},
    )  # fmt: skip
    assert response.status_code == 201
    world.patient.post_json(
        "/api/v1/sessions", session_body("7d0c7f64-54b3-4b0e-9e55-0d7f1c1b2a01", T0)
    )
    page = world.patient.post("/account/devices", {"name": "schemathesis"})
    token = page.text.split('aria-label="device token"')[0].rsplit('value="', 1)[1].split('"')[0]
    cookie = world.clinician.client.cookies.get("__Host-hipflex-session")
    return {
        "clinician": {
            "cookie": f"__Host-hipflex-session={cookie}",
            "x-csrf-token": world.clinician.csrf,
        },
        "device": {"authorization": f"Bearer {token}"},
    }


BOUNDED = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


def operations(app: FastAPI) -> list[Any]:
    schema = schemathesis.openapi.from_dict(app.openapi())
    schema.app = app  # call the app in-process, as schemathesis.openapi.from_asgi does
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("caller", ["clinician", "device"])
def test_api_conforms_to_its_schema(
    app: FastAPI, callers: dict[str, dict[str, str]], caller: str
) -> None:
    # schemathesis's own pytest plugin (schema.parametrize) does not run under this pytest
    # version; driving each operation's Hypothesis strategy by hand does the same checks.
    found = operations(app)
    assert len(found) >= 12
    for operation in found:

        @given(case=operation.as_strategy())
        @BOUNDED
        def check(case: Any) -> None:
            case.call_and_validate(
                base_url=PUBLIC_URL,
                headers=callers[caller],
                excluded_checks=EXCLUDED[caller],
            )

        try:
            check()
        except Exception as exc:
            raise AssertionError(f"{operation.label} as {caller}: {exc}") from exc


def test_schema_describes_the_api(app: FastAPI) -> None:
    spec = app.openapi()
    paths = set(spec["paths"])
    assert "/api/v1/sessions" in paths and "/api/v1/patients/{patient_id}/prescriptions" in paths
    assert not any(not p.startswith("/api/v1/") for p in paths), "pages leaked into the API schema"
    fhir = spec["paths"]["/api/v1/patients/{patient_id}/fhir"]["get"]["responses"]
    assert list(fhir["200"]["content"]) == ["application/fhir+json"]
    assert list(fhir["404"]["content"]) == ["application/json"]
    schemes = spec["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
