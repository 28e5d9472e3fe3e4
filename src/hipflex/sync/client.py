"""The clinic's device API, over HTTP (httpx). Every failure becomes one of four errors:

- :class:`Unreachable`: no answer, a timeout, or a 5xx/429: try again later;
- :class:`Revoked`: 401, the clinic no longer accepts this device's token;
- :class:`Refused`: any other 4xx for one item (a payload the clinic will never take);
- :class:`LinkFailed`: pairing went wrong (code expired or used).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from hipflex import __version__
from hipflex.errors import HipflexError

TIMEOUT_S = 10.0


class SyncError(HipflexError):
    """Something the sync could not do; the message says what, in plain words."""


class Unreachable(SyncError):
    pass


class Revoked(SyncError):
    pass


class Refused(SyncError):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class LinkFailed(SyncError):
    pass


@dataclass(frozen=True)
class CodeGrant:
    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_in_s: int
    interval_s: int


@dataclass(frozen=True)
class Linked:
    token: str
    patient_name: str
    clinic_name: str


class ClinicClient:
    """One clinic, one (optional) device token."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout_s: float = TIMEOUT_S,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        headers = {"user-agent": f"hipflex/{__version__}", "accept": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        self._http = httpx.Client(
            base_url=self.base_url, headers=headers, timeout=timeout_s, transport=transport
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ClinicClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ---- linking ----------------------------------------------------------------------------

    def request_code(self, name: str) -> CodeGrant:
        body = self._call("POST", "/api/v1/device/codes", {"name": name}).json()
        return CodeGrant(
            device_code=body["device_code"],
            user_code=body["user_code"],
            verification_uri=body["verification_uri"],
            verification_uri_complete=body["verification_uri_complete"],
            expires_in_s=int(body["expires_in"]),
            interval_s=int(body["interval"]),
        )

    def claim(self, device_code: str) -> Linked | None:
        """None while the person has not confirmed the code yet."""
        try:
            response = self._call("POST", "/api/v1/device/token", {"device_code": device_code})
        except Refused as exc:
            raise LinkFailed(str(exc)) from None
        if response.status_code == 202:
            return None
        body = response.json()
        return Linked(body["token"], body.get("patient_name") or "", body.get("clinic_name") or "")

    def link_with_invite(
        self, invite: str, *, email: str, display_name: str, password: str, name: str
    ) -> Linked:
        """Make the patient's account from their invite; the app is linked at once."""
        body = {
            "invite": invite,
            "email": email,
            "display_name": display_name,
            "password": password,
            "name": name,
        }
        try:
            answer = self._call("POST", "/api/v1/device/invite", body).json()
        except Revoked:
            raise LinkFailed(
                "the invite is unknown, expired or already used",
                hint="ask your clinic for a new invite, or log in on its site and run "
                "hipflex clinic link with the clinic's address",
            ) from None
        except Refused as exc:
            raise LinkFailed(exc.message) from None
        return Linked(
            answer["token"], answer.get("patient_name") or "", answer.get("clinic_name") or ""
        )

    def unlink(self) -> None:
        self._call("POST", "/api/v1/device/unlink", None)

    # ---- data -------------------------------------------------------------------------------

    def push_session(self, payload: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/api/v1/device/sessions", payload).json()
        return result

    def push_checkin(self, payload: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "/api/v1/device/checkins", payload).json()
        return result

    def prescription(self) -> dict[str, Any] | None:
        """The current prescription, or None when there is none."""
        try:
            result: dict[str, Any] = self._call("GET", "/api/v1/me/prescription", None).json()
        except Refused as exc:
            if exc.status == 404:
                return None
            raise
        return result

    def _call(self, method: str, path: str, body: Any) -> httpx.Response:
        try:
            response = self._http.request(method, path, json=body)
        except httpx.TransportError as exc:
            raise Unreachable(f"the clinic at {self.base_url} is not reachable ({exc})") from None
        status = response.status_code
        if status < 400:
            return response
        detail = _detail(response)
        if status == 401:
            raise Revoked(
                f"the clinic no longer accepts this computer's link ({detail})",
                hint="run hipflex clinic link URL again to link it anew",
            )
        if status == 429 or status >= 500:
            raise Unreachable(f"the clinic answered {status}: {detail}")
        raise Refused(f"the clinic refused it ({status}): {detail}", status)


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        return response.text[:200]
    if isinstance(detail, list):
        return "; ".join(
            f"{'.'.join(str(p) for p in d.get('loc', [])[1:])}: {d.get('msg', '')}".strip(": ")
            for d in detail
            if isinstance(d, dict)
        )
    return str(detail)[:300]
