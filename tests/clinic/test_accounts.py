"""Accounts: passwords, login lock-out, session cookies (rotation, revocation), invites."""

from __future__ import annotations

from collections.abc import Callable
from http.cookies import SimpleCookie

import pytest
from fastapi import FastAPI
from tests.clinic.conftest import (
    PASSWORD,
    ClinicWorld,
    create_invite,
    csrf_of,
    new_client,
    redeem,
)

from hipflex.domain.clock import FakeClock
from hipflex.services.clinic.passwords import password_problem


@pytest.fixture(scope="module")
def world(world_factory: Callable[[str], ClinicWorld]) -> ClinicWorld:
    return world_factory("acc")


def login(app: FastAPI, email: str, password: str) -> tuple[object, object]:
    client = new_client(app)
    page = client.get("/login")
    response = client.post(
        "/login", data={"csrf_token": csrf_of(page.text), "email": email, "password": password}
    )
    return client, response


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", "at least 8 characters"),
        ("password", "most common"),
        ("Password1", "most common"),
        ("qwertyuiop", "most common"),
        ("ßßßßßßßßßßß", "repeated"),
        ("pat@example.org", "e-mail"),
        ("a long phrase nobody uses", None),
        ("Ünïcödé-pässwörd", None),
    ],
)
def test_password_rules(password: str, problem: str | None) -> None:
    found = password_problem(password, email="pat@example.org", name="Pat")
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def test_session_cookie_is_host_prefixed_secure_httponly_lax(
    app: FastAPI, world: ClinicWorld
) -> None:
    _, response = login(app, world.clinician.email, PASSWORD)
    assert response.status_code == 303
    cookie = SimpleCookie()
    cookie.load(response.headers["set-cookie"])
    morsel = cookie["__Host-hipflex-session"]
    assert morsel["secure"] and morsel["httponly"]
    assert morsel["samesite"] == "lax"
    assert morsel["path"] == "/"
    assert not morsel["domain"]


def test_wrong_password_is_refused_without_saying_which_part(
    app: FastAPI, world: ClinicWorld
) -> None:
    _, wrong_password = login(app, world.clinician.email, "not the password")
    _, unknown = login(app, "nobody@acc.test", "not the password")
    for response in (wrong_password, unknown):
        assert response.status_code == 401
        assert "wrong e-mail or password" in response.text
        assert "__Host-hipflex-session" not in response.headers.get("set-cookie", "")


def test_login_rotates_the_session_id_and_ends_the_old_one(
    app: FastAPI, world: ClinicWorld
) -> None:
    client, _ = login(app, world.other_clinician.email, PASSWORD)
    old = client.cookies.get("__Host-hipflex-session")
    page = client.get("/login?next=/dashboard")
    assert page.status_code == 303  # already logged in
    second = client.post(
        "/login",
        data={"csrf_token": client.cookies.get("__Host-hipflex-csrf"), "email": world.other_clinician.email,
              "password": PASSWORD},
    )  # fmt: skip
    assert second.status_code == 303
    new = client.cookies.get("__Host-hipflex-session")
    assert new and old and new != old
    stale = new_client(app)
    stale.cookies.set("__Host-hipflex-session", old, domain="clinic.test")
    assert stale.get("/dashboard").status_code == 303  # the old id no longer logs in


def test_login_brings_the_person_back_to_the_address_they_asked_for(
    app: FastAPI, world: ClinicWorld
) -> None:
    client = new_client(app)
    asked = client.get("/device?code=BCDF-GHJK")
    assert asked.status_code == 303
    assert asked.headers["location"] == "/login?next=%2Fdevice%3Fcode%3DBCDF-GHJK"
    login_page = client.get(asked.headers["location"])
    assert 'value="/device?code=BCDF-GHJK"' in login_page.text
    back = client.post(
        "/login",
        data={"csrf_token": client.cookies.get("__Host-hipflex-csrf"), "email": world.patient.email,
              "password": PASSWORD, "next": "/device?code=BCDF-GHJK"},
    )  # fmt: skip
    assert back.status_code == 303 and back.headers["location"] == "/device?code=BCDF-GHJK"
    # Never somewhere else: another host is refused as the address to come back to.
    elsewhere = client.get("/login?next=//evil.example/x")
    assert elsewhere.status_code == 303 and elsewhere.headers["location"] == "/me"


def test_logout_revokes_the_session_server_side(app: FastAPI, world: ClinicWorld) -> None:
    client, _ = login(app, world.clinician.email, PASSWORD)
    token = client.cookies.get("__Host-hipflex-session")
    account = client.get("/account")
    assert client.post("/logout", data={"csrf_token": csrf_of(account.text)}).status_code == 303
    replay = new_client(app)
    replay.cookies.set("__Host-hipflex-session", token, domain="clinic.test")
    assert replay.get("/api/v1/me").status_code == 401


def _this_browser_session_id(account_html: str) -> str:
    item = next(li for li in account_html.split("<li>") if "(this browser)" in li)
    return item.split("/account/sessions/")[1].split("/")[0]


def test_one_session_can_be_revoked_from_another(app: FastAPI, world: ClinicWorld) -> None:
    phone, _ = login(app, world.patient.email, PASSWORD)
    phone_session = _this_browser_session_id(phone.get("/account").text)  # type: ignore[attr-defined]
    laptop = world.patient
    assert laptop.post(f"/account/sessions/{phone_session}/revoke").status_code == 303
    assert phone.get("/api/v1/me").status_code == 401  # type: ignore[attr-defined]
    assert laptop.client.get("/api/v1/me").status_code == 200
    # Nobody else's session can be revoked: not found.
    stranger = world.clinician.post(
        f"/account/sessions/{_this_browser_session_id(laptop.client.get('/account').text)}/revoke"
    )
    assert stranger.status_code == 404


def test_lock_out_after_five_failures_even_with_the_right_password(
    app: FastAPI, world_factory: Callable[[str], ClinicWorld], clock: FakeClock
) -> None:
    world = world_factory("lock")
    for _ in range(5):
        _, response = login(app, world.admin.email, "guess guess guess")
        assert response.status_code == 401
    _, locked = login(app, world.admin.email, PASSWORD)
    assert locked.status_code == 429
    assert "too many failed attempts" in locked.text
    assert int(locked.headers["retry-after"]) > 0
    clock.advance(16 * 60)
    _, again = login(app, world.admin.email, PASSWORD)
    assert again.status_code == 303


def test_invite_is_single_use_and_get_does_not_use_it(app: FastAPI, world: ClinicWorld) -> None:
    token = create_invite(world.clinician, "patient", "Once")
    for _ in range(3):  # looking at the invite page changes nothing
        assert new_client(app).get(f"/invite/{token}").status_code == 200
    person = redeem(app, token, "once@acc.test", "Once")
    assert person.client.get("/me").status_code == 200
    again = new_client(app)
    page = again.get(f"/invite/{token}")
    assert page.status_code == 401
    assert "already used, revoked or has expired" in page.text
    response = again.post(
        f"/invite/{token}",
        data={"csrf_token": again.cookies.get("__Host-hipflex-csrf"), "email": "twice@acc.test",
              "display_name": "Twice", "password": PASSWORD},
    )  # fmt: skip
    assert response.status_code == 401


def test_invite_refuses_common_password_and_keeps_the_form(
    app: FastAPI, world: ClinicWorld
) -> None:
    token = create_invite(world.clinician, "patient", "Weak")
    client = new_client(app)
    page = client.get(f"/invite/{token}")
    response = client.post(
        f"/invite/{token}",
        data={"csrf_token": csrf_of(page.text), "email": "weak@acc.test",
              "display_name": "Weak", "password": "password123"},
    )  # fmt: skip
    assert response.status_code == 422
    assert "most common" in response.text
    assert 'value="weak@acc.test"' in response.text
    assert client.get(f"/invite/{token}").status_code == 200  # still usable


def test_invite_for_a_taken_email_is_refused(app: FastAPI, world: ClinicWorld) -> None:
    token = create_invite(world.clinician, "patient", "Copy")
    client = new_client(app)
    page = client.get(f"/invite/{token}")
    response = client.post(
        f"/invite/{token}",
        data={"csrf_token": csrf_of(page.text), "email": world.patient.email.upper(),
              "display_name": "Copy", "password": PASSWORD},
    )  # fmt: skip
    assert response.status_code == 409
    assert "already exists" in response.text


def test_redeem_without_the_pre_login_csrf_cookie_is_refused(
    app: FastAPI, world: ClinicWorld
) -> None:
    token = create_invite(world.clinician, "patient", "Forged")
    response = new_client(app).post(
        f"/invite/{token}",
        data={"csrf_token": "guessed", "email": "forged@acc.test", "display_name": "F",
              "password": PASSWORD},
    )  # fmt: skip
    assert response.status_code == 403
    assert new_client(app).get(f"/invite/{token}").status_code == 200


def test_cross_origin_post_is_refused(app: FastAPI, world: ClinicWorld) -> None:
    response = world.clinician.client.post(
        "/invites",
        data={"csrf_token": world.clinician.csrf, "role": "patient", "display_name": "X"},
        headers={"origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert "cross-origin" in response.text


def test_foreign_host_is_refused(app: FastAPI) -> None:
    client = new_client(app)
    assert client.get("/login", headers={"host": "evil.example"}).status_code == 403


def test_device_token_is_shown_once_works_and_can_be_revoked(
    app: FastAPI, world: ClinicWorld
) -> None:
    patient = world.patient
    page = patient.post("/account/devices", {"name": "kitchen laptop"})
    assert page.status_code == 200
    token = page.text.split('aria-label="device token"')[0].rsplit('value="', 1)[1].split('"')[0]
    device = new_client(app)
    bearer = {"authorization": f"Bearer {token}"}
    assert device.get("/api/v1/me", headers=bearer).json()["id"] == patient.id
    again = patient.client.get("/account").text
    assert token not in again  # never shown again
    token_id = again.split("/account/devices/")[1].split("/")[0]
    assert patient.post(f"/account/devices/{token_id}/revoke").status_code == 303
    refused = device.get("/api/v1/me", headers=bearer)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"


def test_staff_cannot_create_device_tokens(world: ClinicWorld) -> None:
    assert world.clinician.post("/account/devices", {"name": "x"}).status_code == 403


def test_disabling_a_clinician_ends_their_sessions(
    app: FastAPI, world_factory: Callable[[str], ClinicWorld]
) -> None:
    world = world_factory("disable")
    target = world.other_clinician
    assert target.client.get("/dashboard").status_code == 200
    assert world.admin.post(f"/admin/staff/{target.id}/disable").status_code == 303
    assert target.client.get("/dashboard").status_code == 303
    _, response = login(app, target.email, PASSWORD)
    assert response.status_code == 401
    assert world.admin.post(f"/admin/staff/{target.id}/enable").status_code == 303
    _, response = login(app, target.email, PASSWORD)
    assert response.status_code == 303
    own = world.admin.post(f"/admin/staff/{world.admin.id}/disable")
    assert own.status_code == 409


def test_change_password_keeps_this_session_and_ends_others(
    app: FastAPI, world_factory: Callable[[str], ClinicWorld]
) -> None:
    world = world_factory("pw")
    other, _ = login(app, world.patient.email, PASSWORD)
    response = world.patient.post(
        "/account/password", {"current": PASSWORD, "new": "a new long phrase"}
    )
    assert response.status_code == 200
    assert "Password changed" in response.text
    assert world.patient.client.get("/me").status_code == 200
    assert other.get("/me").status_code == 303  # type: ignore[attr-defined]
    _, response = login(app, world.patient.email, "a new long phrase")
    assert response.status_code == 303
    wrong = world.patient.post("/account/password", {"current": "nope nope", "new": "x" * 12})
    assert wrong.status_code == 401


def test_invite_expires_after_seven_days(
    app: FastAPI, world_factory: Callable[[str], ClinicWorld], clock: FakeClock
) -> None:
    world = world_factory("expiry")
    token = create_invite(world.clinician, "patient", "Late")
    clock.advance(7 * 86400 + 1)
    page = new_client(app).get(f"/invite/{token}")
    assert page.status_code == 401
    assert "expired" in page.text
    # Staff sessions ended on their own after 12 idle hours.
    assert world.clinician.client.get("/dashboard").status_code == 303


def test_invite_redemption_is_rate_limited_per_address(
    app: FastAPI, world_factory: Callable[[str], ClinicWorld], clock: FakeClock
) -> None:
    world = world_factory("guess")
    good = create_invite(world.clinician, "patient", "Real")
    guesser = new_client(app)
    csrf = csrf_of(guesser.get("/login").text)
    for attempt in range(10):
        response = guesser.post(
            f"/invite/guess-{attempt}",
            data={
                "csrf_token": csrf,
                "email": "g@x.test",
                "display_name": "G",
                "password": PASSWORD,
            },
        )
        assert response.status_code == 401
    locked = guesser.get(f"/invite/{good}")
    assert locked.status_code == 429
    assert "too many failed attempts" in locked.text.lower()
    clock.advance(16 * 60)
    assert guesser.get(f"/invite/{good}").status_code == 200


def test_a_post_with_origin_null_is_refused(world: ClinicWorld) -> None:
    """What Chromium sends under Referrer-Policy: no-referrer; the clinic sends same-origin."""
    response = world.clinician.client.post(
        "/invites",
        data={"csrf_token": world.clinician.csrf, "role": "patient", "display_name": "X"},
        headers={"origin": "null"},
    )
    assert response.status_code == 403
    assert world.clinician.client.get("/dashboard").headers["referrer-policy"] == "same-origin"
