"""Error answers are as safe as the others: 500s carry the security headers, 422s do not echo
a huge body back, and nothing from the Host header reaches the Content-Security-Policy."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.web.conftest import BASE

from hipflex.web import create_app
from hipflex.web.validation_errors import MAX_ERRORS, capped

SECURITY_HEADERS = (
    "content-security-policy",
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
    "cross-origin-opener-policy",
)
CHECK_IN = "/api/sessions/no-such-session/checkin"


def security_headers(headers: dict[str, str]) -> dict[str, str]:
    return {name: headers.get(name, "") for name in SECURITY_HEADERS}


def test_a_500_carries_the_same_security_headers_as_a_page(data_dir: Path) -> None:
    app = create_app(data_dir)

    def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/broken", broken)
    with TestClient(app, base_url=BASE, raise_server_exceptions=False) as client:
        page = client.get("/")
        failed = client.get("/broken")
    assert failed.status_code == 500
    assert failed.text == "Internal Server Error"  # no traceback, no detail
    assert all(security_headers(dict(page.headers)).values())
    assert security_headers(dict(failed.headers)) == security_headers(dict(page.headers))


def test_a_500_still_reaches_the_log(data_dir: Path) -> None:
    app = create_app(data_dir)

    def broken() -> None:
        raise RuntimeError("a bug to log")

    app.add_api_route("/broken", broken)
    with TestClient(app, base_url=BASE) as client:  # re-raises what the server raised
        try:
            client.get("/broken")
        except RuntimeError as exc:
            assert str(exc) == "a bug to log"
        else:
            raise AssertionError("the error was swallowed")


def test_a_422_does_not_echo_a_multi_megabyte_body(client: TestClient) -> None:
    note = "x" * 5_000_000
    response = client.post(CHECK_IN, json={"note": note}, headers={"x-csrf-token": "t"})
    assert response.status_code == 422
    assert len(response.content) < 2_000, len(response.content)
    [error] = response.json()["detail"]
    assert error["type"] == "string_too_long"
    assert error["loc"] == ["body", "note"]
    assert error["input"] == "x" * 100 + "… (5,000,000 characters)"
    assert error["ctx"] == {"max_length": 2000}  # short values are kept as they are
    assert all(security_headers(dict(response.headers)).values())


def test_a_422_lists_a_few_errors_and_counts_the_rest(client: TestClient) -> None:
    # 5,000 unknown fields, each with a long name and value: 5,000 errors, about 10 MB.
    body = {f"field-{i}-" + "k" * 1000: "v" * 1000 for i in range(5_000)}
    response = client.post(
        CHECK_IN,
        content=json.dumps(body),
        headers={"x-csrf-token": "t", "content-type": "application/json"},
    )
    assert response.status_code == 422
    answer = response.json()
    assert len(answer["detail"]) == MAX_ERRORS
    assert answer["more_errors"] == 5_000 - MAX_ERRORS
    assert all(error["type"] == "extra_forbidden" for error in answer["detail"])
    assert len(response.content) < 20_000, len(response.content)


def test_a_422_for_an_invalid_json_body_stays_small(client: TestClient) -> None:
    response = client.post(
        CHECK_IN,
        content=b"[" + b"1," * 2_000_000,
        headers={"x-csrf-token": "t", "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert len(response.content) < 2_000, len(response.content)
    assert response.json()["detail"][0]["type"] == "json_invalid"


def test_capped_keeps_short_values_and_cuts_long_ones() -> None:
    assert capped("short") == "short"
    assert capped(7) == 7
    assert capped(["a"] * 10) == ["a"] * 10
    assert capped(["a"] * 100) == json.dumps(["a"] * 100)[:100] + "… (500 characters)"


def test_the_host_header_never_reaches_the_csp(app: FastAPI) -> None:
    with TestClient(app, base_url=BASE) as client:
        plain = client.get("/")
        # The Host check looks at the name; what follows the colon is the browser's to send.
        hostile = client.get("/", headers={"host": "127.0.0.1:8765; script-src *"})
        other_name = client.get("/", headers={"host": "localhost:9"})
    assert hostile.status_code == 200
    policies = {
        response.headers["content-security-policy"] for response in (plain, hostile, other_name)
    }
    assert len(policies) == 1, policies  # the same policy whatever the Host says
    [policy] = policies
    assert "script-src *" not in policy and "8765" not in policy and "127.0.0.1" not in policy
    assert "connect-src 'self';" in policy
