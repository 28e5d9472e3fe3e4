"""Local-only safety: Host and Origin checks, CSRF, security headers, hostile WebSocket input."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from tests.web.conftest import BASE, ORIGIN, WS_URL, is_type, receive_until, send

from hipflex.domain.events import SessionStatus
from hipflex.protocols.loader import load_protocol
from hipflex.settings import UserSettings, load_settings
from hipflex.storage.db import open_database
from hipflex.web import create_app
from hipflex.web.camera_bridge import MAX_FRAME_BYTES
from hipflex.web.security import host_allowed, host_name, origin_matches, same_origin_post
from hipflex.web.wire import MAX_TEXT_MESSAGE_BYTES


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("127.0.0.1:8765", True),
        ("localhost:8765", True),
        ("LOCALHOST", True),
        ("[::1]:8765", True),
        ("evil.example:8765", False),
        ("127.0.0.1.evil.example", False),
        ("", False),
        (None, False),
    ],
)
def test_host_allowed(host: str | None, allowed: bool) -> None:
    assert host_allowed(host, {"127.0.0.1", "localhost", "[::1]"}) is allowed


def test_host_name() -> None:
    assert host_name("[::1]:80") == "[::1]"
    assert host_name("Example.COM:1") == "example.com"


@pytest.mark.parametrize(
    ("origin", "host", "same"),
    [
        ("http://127.0.0.1:8765", "127.0.0.1:8765", True),
        ("http://127.0.0.1:9999", "127.0.0.1:8765", False),
        ("https://127.0.0.1:8765", "127.0.0.1:8765", False),
        ("http://evil.example", "127.0.0.1:8765", False),
        ("null", "127.0.0.1:8765", False),
        (None, "127.0.0.1:8765", False),
    ],
)
def test_origin_matches(origin: str | None, host: str, same: bool) -> None:
    assert origin_matches(origin, host) is same


def test_foreign_host_is_refused(client: TestClient) -> None:
    # DNS rebinding: a foreign name that resolves to 127.0.0.1.
    for path in ("/", "/history", "/api/health", "/static/css/app.css"):
        response = client.get(path, headers={"host": "evil.example:8765"})
        assert response.status_code == 403
        assert "hipflex" not in response.text.lower() or "unknown host" in response.text


def test_security_headers(client: TestClient) -> None:
    response = client.get("/")
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


def _seeded_session(data_dir: Path) -> str:
    with open_database(data_dir) as db:
        start = datetime.now(UTC)
        session_id = db.repository.start_session(
            load_protocol("kneeling-hip-flexor"), "timer", start
        )
        db.repository.finish_session(session_id, SessionStatus.COMPLETED, start)
    return session_id


def _nothing_saved(data_dir: Path, session_id: str) -> None:
    assert not (data_dir / "settings.json").exists()
    assert load_settings(data_dir) == UserSettings()
    with open_database(data_dir) as db:
        record = db.repository.get_session(session_id)
    assert record is not None
    assert record.pain_ratings == () and record.notes == ()


def test_state_changes_need_the_csrf_token(client: TestClient, data_dir: Path) -> None:
    session_id = _seeded_session(data_dir)
    form = {"default_protocol": "prone-hip-flexor", "camera_index": "0"}
    assert client.post("/settings", data=form).status_code == 403
    assert client.post("/settings", data={**form, "csrf_token": "wrong"}).status_code == 403
    assert client.post("/protocols/default", data={"name": "prone-hip-flexor"}).status_code == 403
    check_in = f"/api/sessions/{session_id}/checkin"
    body = {"pain_after": 1, "note": "forged"}
    assert client.post(check_in, json=body).status_code == 403
    wrong = client.post(check_in, json=body, headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    _nothing_saved(data_dir, session_id)


def test_cross_origin_post_is_refused_even_with_the_token(
    client: TestClient, data_dir: Path
) -> None:
    session_id = _seeded_session(data_dir)
    page = client.get("/settings").text
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    evil = {"origin": "http://evil.example"}
    response = client.post(
        "/settings",
        data={"csrf_token": token, "default_protocol": "prone-hip-flexor", "camera_index": "0"},
        headers=evil,
    )
    assert response.status_code == 403
    forged = client.post(
        f"/api/sessions/{session_id}/checkin",
        json={"pain_after": 1},
        headers={**evil, "X-CSRF-Token": token},
    )
    assert forged.status_code == 403
    _nothing_saved(data_dir, session_id)


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "http://evil.example"},
        {"origin": "http://127.0.0.1:1234"},
        {},
    ],
)
def test_cross_origin_websocket_is_refused(
    client: TestClient, data_dir: Path, headers: dict[str, str]
) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as refused,
        client.websocket_connect(WS_URL, headers=headers) as ws,
    ):
        send(ws, {"type": "start"})
    assert refused.value.code == 1008
    with open_database(data_dir) as db:
        assert db.repository.recent_sessions(5) == []  # no session was started


def test_websocket_with_a_foreign_host_is_refused(client: TestClient) -> None:
    with (
        pytest.raises(WebSocketDisconnect),
        client.websocket_connect(
            "ws://evil.example:8765/ws/session", headers={"origin": "http://evil.example:8765"}
        ),
    ):
        pass


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "JSON object"),
        ('{"no": "type"}', "JSON object"),
        ('{"type": "dance"}', "type"),
        ('{"type": "start", "pain_before": 11}', "pain_before"),
        ('{"type": "start", "pain_before": "3"}', "pain_before"),
        ('{"type": "start", "protocol": "../../x.toml"}', "protocol"),
        ('{"type": "start", "extra": 1}', "extra"),
        ('{"type": "pause"}', "no session yet"),
        ("x" * (MAX_TEXT_MESSAGE_BYTES + 1), "too long"),
    ],
)
def test_garbage_messages_get_an_error_and_the_connection_survives(
    client: TestClient, message: str, reason: str
) -> None:
    with client.websocket_connect(WS_URL, headers=ORIGIN) as ws:
        ws.send_text(message)
        error, _ = receive_until(ws, is_type("error"))
        assert reason in error["message"]
        send(ws, {"type": "start"})
        receive_until(ws, is_type("started"))
        send(ws, {"type": "quit"})


def test_unknown_protocol_over_the_socket(client: TestClient) -> None:
    with client.websocket_connect(WS_URL, headers=ORIGIN) as ws:
        send(ws, {"type": "start", "protocol": "no-such-thing"})
        error, _ = receive_until(ws, is_type("error"))
        assert "unknown protocol" in error["message"]
        send(ws, {"type": "start"})  # the slot was released
        receive_until(ws, is_type("started"))
        send(ws, {"type": "quit"})


def test_frames_outside_a_camera_session_are_refused(client: TestClient) -> None:
    with client.websocket_connect(WS_URL, headers=ORIGIN) as ws:
        ws.send_bytes(b"\x00\x00\x00\x01garbage")
        error, _ = receive_until(ws, is_type("error"))
        assert "no server-side camera session" in error["message"]


def test_oversized_and_garbage_frames(client: TestClient) -> None:
    with client.websocket_connect(WS_URL, headers=ORIGIN) as ws:
        send(ws, {"type": "start", "camera": True})
        receive_until(ws, is_type("started"))
        ws.send_bytes(b"\x00\x00\x00\x01" + b"\xff" * (MAX_FRAME_BYTES + 10))
        error, _ = receive_until(ws, is_type("error"))
        assert "too large" in error["message"]
        ws.send_bytes(b"\x00\x00")
        error, _ = receive_until(ws, is_type("error"))
        assert "too short" in error["message"]
        send(ws, {"type": "quit"})


def test_a_flood_of_bad_messages_closes_the_connection(client: TestClient) -> None:
    with client.websocket_connect(WS_URL, headers=ORIGIN) as ws:
        for _ in range(30):
            ws.send_text("{")
        with pytest.raises(WebSocketDisconnect):
            for _ in range(100):
                ws.receive_json()


def test_second_start_on_one_connection_is_refused(client: TestClient) -> None:
    with client.websocket_connect(WS_URL, headers=ORIGIN) as ws:
        send(ws, {"type": "start"})
        receive_until(ws, is_type("started"))
        ws.send_text(json.dumps({"type": "start"}))
        error, _ = receive_until(ws, is_type("error"))
        assert "already runs" in error["message"]
        send(ws, {"type": "quit"})


# --- Origin: null, Sec-Fetch-Site, HTTPS and a reverse proxy (issue 9.1, issue 12) ---


def _token(client: TestClient) -> str:
    page = client.get("/protocols").text
    return page.split('name="csrf-token" content="')[1].split('"')[0]


@pytest.mark.parametrize(
    ("origin", "site", "secure", "allowed"),
    [
        ("http://127.0.0.1:8765", "same-origin", False, True),
        ("http://127.0.0.1:8765", None, False, True),  # an older browser without Sec-Fetch-*
        (None, None, False, True),  # not a browser page: the CSRF token decides
        ("null", "same-origin", False, True),  # Chromium under Referrer-Policy: no-referrer
        ("null", None, False, False),  # sandboxed frame or file: page
        ("null", "cross-site", False, False),
        ("null", "same-site", False, False),
        ("http://127.0.0.1:8765", "cross-site", False, False),  # a lie no browser tells
        ("http://127.0.0.1:9999", "same-site", False, False),  # another app on this machine
        (None, "cross-site", False, False),
        ("http://evil.example", None, False, False),
        ("https://127.0.0.1:8765", "same-origin", False, False),
        ("https://127.0.0.1:8765", "same-origin", True, True),
        ("http://127.0.0.1:8765", "same-origin", True, False),
        (None, "none", False, True),  # typed or bookmarked by the person
    ],
)
def test_same_origin_post(
    origin: str | None, site: str | None, secure: bool, allowed: bool
) -> None:
    ok, reason = same_origin_post(origin, site, "127.0.0.1:8765", secure=secure)
    assert ok is allowed
    assert (reason == "") is allowed
    if not allowed:
        assert "cross-origin request refused" in reason


def test_referrer_policy_lets_our_pages_send_their_origin_and_the_model_compile(
    client: TestClient,
) -> None:
    response = client.get("/")
    assert response.headers["referrer-policy"] == "same-origin"
    csp = response.headers["content-security-policy"]
    assert "script-src 'self' 'wasm-unsafe-eval';" in csp  # WebAssembly, never JS eval
    assert "'unsafe-eval'" not in csp.replace("'wasm-unsafe-eval'", "")
    assert "connect-src 'self';" in csp  # the page's own WebSocket, and nothing else


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"origin": "null", "sec-fetch-site": "same-origin"}, 303),
        ({"origin": "null"}, 403),
        ({"origin": "null", "sec-fetch-site": "cross-site"}, 403),
        ({"origin": BASE, "sec-fetch-site": "cross-site"}, 403),
        ({"origin": BASE, "sec-fetch-site": "same-origin"}, 303),
    ],
)
def test_make_default_with_origin_null_needs_sec_fetch_site_same_origin(
    client: TestClient, headers: dict[str, str], status: int
) -> None:
    response = client.post(
        "/protocols/default",
        data={"csrf_token": _token(client), "name": "prone-hip-flexor"},
        headers=headers,
        follow_redirects=False,
    )
    assert response.status_code == status
    # Even a same-origin-looking post needs the token.
    if status == 303:
        without = client.post(
            "/protocols/default",
            data={"name": "prone-hip-flexor"},
            headers=headers,
            follow_redirects=False,
        )
        assert without.status_code == 403


def _proxied(data_dir: Path, trusted_proxy: bool, peer: str) -> TestClient:
    app = create_app(
        data_dir,
        allowed_hosts={"127.0.0.1", "hipflex.home.arpa"},
        trusted_proxy=trusted_proxy,
    )
    return TestClient(app, base_url="http://hipflex.home.arpa", client=(peer, 50000))


HTTPS_PAGE = {"origin": "https://hipflex.home.arpa", "x-forwarded-proto": "https"}


@pytest.mark.parametrize(
    ("trusted_proxy", "peer", "status"),
    [
        (True, "127.0.0.1", 303),  # Caddy on this computer says the browser used HTTPS
        (True, "::1", 303),
        (True, "192.168.1.5", 403),  # a proxy elsewhere is not believed
        (False, "127.0.0.1", 403),  # no proxy configured: the header is ignored
    ],
)
def test_forwarded_proto_is_trusted_only_from_a_loopback_proxy(
    data_dir: Path, trusted_proxy: bool, peer: str, status: int
) -> None:
    with _proxied(data_dir, trusted_proxy, peer) as proxied:
        response = proxied.post(
            "/protocols/default",
            data={"csrf_token": _token(proxied), "name": "prone-hip-flexor"},
            headers=HTTPS_PAGE,
            follow_redirects=False,
        )
        assert response.status_code == status


def test_behind_a_proxy_the_page_gets_wss_and_the_websocket_opens(data_dir: Path) -> None:
    with _proxied(data_dir, True, "127.0.0.1") as proxied:
        page = proxied.get("/", headers={"x-forwarded-proto": "https"})
        # 'self' on an https page allows wss: to its own host (CSP Level 3).
        assert "connect-src 'self';" in page.headers["content-security-policy"]
        with proxied.websocket_connect(
            "ws://hipflex.home.arpa/ws/session", headers=HTTPS_PAGE
        ) as ws:
            ws.send_text(json.dumps({"type": "start"}))
            receive_until(ws, is_type("started"))
            ws.send_text(json.dumps({"type": "quit"}))
        # X-Forwarded-Host is never used: the Host header is what is checked.
        refused = proxied.get(
            "/", headers={"host": "evil.example", "x-forwarded-host": "hipflex.home.arpa"}
        )
        assert refused.status_code == 403


def test_configured_names_are_accepted_and_others_refused(data_dir: Path) -> None:
    app = create_app(data_dir, allowed_hosts={"127.0.0.1", "laptop.local"})
    with TestClient(app, base_url="http://laptop.local:8765") as lan:
        assert lan.get("/").status_code == 200
        assert lan.get("/", headers={"host": "other.local:8765"}).status_code == 403
        response = lan.post(
            "/protocols/default",
            data={"csrf_token": _token(lan), "name": "prone-hip-flexor"},
            headers={"origin": "http://laptop.local:8765", "sec-fetch-site": "same-origin"},
            follow_redirects=False,
        )
        assert response.status_code == 303
