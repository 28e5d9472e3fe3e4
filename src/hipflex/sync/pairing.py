"""Linking this computer to a patient account: the device-code flow, then the token stored.

``link`` asks the clinic for a code pair, hands the short code to ``show`` (the terminal
prints it), polls until the patient has confirmed it on the clinic's site (or it expires),
then keeps the token in the data dir (0600) and starts the outbox.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from hipflex.errors import HipflexError
from hipflex.storage.outbox import Outbox
from hipflex.sync.client import ClinicClient, CodeGrant, LinkFailed, Revoked, Unreachable
from hipflex.sync.token_file import forget_token, load_token, save_token


@dataclass(frozen=True)
class LinkResult:
    clinic_name: str
    patient_name: str
    token_path: Path


def clinic_url(text: str) -> str:
    """``https://clinic.example.org`` from what the person typed (a path is dropped)."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise HipflexError(
            f"not a clinic address: {text!r}", hint="give it like https://clinic.example.org"
        )
    return f"{parts.scheme}://{parts.netloc}"


def link(
    url: str,
    data_dir: Path,
    outbox: Outbox,
    *,
    show: Callable[[CodeGrant], None],
    sleep: Callable[[float], None],
    now: Callable[[], datetime],
    client_factory: Callable[[str, str | None], ClinicClient] = ClinicClient,
) -> LinkResult:
    base = clinic_url(url)
    with client_factory(base, None) as client:
        grant = client.request_code(f"hipflex on {socket.gethostname()}"[:120])
        show(grant)
        started = now()
        while True:
            sleep(grant.interval_s)
            try:
                linked = client.claim(grant.device_code)
            except Unreachable:
                linked = None  # a blip: keep polling until the code expires
            if linked is not None:
                break
            if (now() - started).total_seconds() > grant.expires_in_s:
                raise LinkFailed(
                    "the code expired before it was confirmed", hint="run hipflex clinic link again"
                )
    path = save_token(data_dir, linked.token)
    outbox.set_link(base, linked.clinic_name, linked.patient_name, now())
    return LinkResult(linked.clinic_name, linked.patient_name, path)


def invite_token(url: str) -> str | None:
    """The token of an invite link (``https://clinic.example.org/invite/TOKEN``), or None."""
    path = urlsplit(url.strip()).path.rstrip("/")
    head, _, token = path.rpartition("/")
    return token if head.endswith("/invite") and token else None


def link_with_invite(
    invite_url: str,
    data_dir: Path,
    outbox: Outbox,
    *,
    email: str,
    display_name: str,
    password: str,
    now: Callable[[], datetime],
    client_factory: Callable[[str, str | None], ClinicClient] = ClinicClient,
) -> LinkResult:
    """Redeem the patient's invite from the app: the account is made and the app linked."""
    token = invite_token(invite_url)
    if token is None:
        raise HipflexError(f"not an invite link: {invite_url!r}")
    base = clinic_url(invite_url)
    with client_factory(base, None) as client:
        linked = client.link_with_invite(
            token,
            email=email,
            display_name=display_name,
            password=password,
            name=f"hipflex on {socket.gethostname()}"[:120],
        )
    path = save_token(data_dir, linked.token)
    outbox.set_link(base, linked.clinic_name, linked.patient_name, now())
    return LinkResult(linked.clinic_name, linked.patient_name, path)


def unlink(
    data_dir: Path,
    outbox: Outbox,
    client_factory: Callable[[str, str | None], ClinicClient] = ClinicClient,
) -> str | None:
    """Revoke the token at the clinic, then forget it here. Returns a warning when the clinic
    could not be told (it is forgotten here anyway; the patient can revoke it on the site)."""
    current = outbox.link()
    token = load_token(data_dir)
    warning = None
    if current is not None and token is not None:
        with client_factory(current.clinic_url, token) as client:
            try:
                client.unlink()
            except Revoked:
                pass  # already revoked: nothing to do there
            except Unreachable as exc:
                warning = (
                    f"{exc.message}; the link is forgotten here, but revoke the device on your "
                    "Account page at the clinic too"
                )
    forget_token(data_dir)
    outbox.forget_link()
    return warning
