"""Where ``hipflex serve`` listens, which names browsers may use for it, and the warning when
that is more than this computer.

Loopback is the default and needs nothing. ``--host`` beyond loopback makes hipflex reachable
from other devices (a phone on the home Wi-Fi, see docs/https.md); the Host and Origin checks
then accept the names given, and nothing else.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass

from hipflex.web.context import LOOPBACK_HOSTS

# A DNS name or an IP literal, without a scheme, port, path or wildcard.
_NAME = re.compile(
    r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$"
)


class ListenError(ValueError):
    """A ``--host`` or ``--name`` that cannot be used; the text says why."""


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip("[]"))
    except ValueError:
        return None


def host_header_name(name: str) -> str:
    """The name as a browser writes it in the Host header: IPv6 literals in brackets."""
    name = name.strip().lower()
    address = _ip(name)
    if address is not None and address.version == 6:
        return f"[{address.compressed}]"
    return address.compressed if address is not None else name


def check_name(name: str) -> str:
    """``name`` normalised, or :class:`ListenError` if it is not a plain host name or IP."""
    cleaned = name.strip().lower().rstrip(".")
    if _ip(cleaned) is not None:
        return host_header_name(cleaned)
    if not _NAME.match(cleaned):
        raise ListenError(
            f"{name!r} is not a host name or IP address (give it without http://, port or path)"
        )
    return cleaned


def is_loopback(host: str) -> bool:
    """True for names and addresses only this computer can reach."""
    name = host.strip().lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    address = _ip(name)
    return address is not None and address.is_loopback


def is_wildcard(host: str) -> bool:
    """True for ``0.0.0.0`` / ``::``: every network interface of this computer."""
    address = _ip(host.strip().lower())
    return address is not None and address.is_unspecified


@dataclass(frozen=True)
class ListenPlan:
    """What to bind, the Host names to accept, and the names to show in URLs."""

    bind_host: str
    allowed_hosts: frozenset[str]
    url_names: tuple[str, ...]  # where hipflex itself answers (the first one is opened)
    extra_names: tuple[str, ...]  # other names browsers use (a reverse proxy's, an alias)
    exposed: bool


def plan_listening(
    host: str,
    names: Iterable[str] = (),
    *,
    resolved: Iterable[str] = (),
    machine_names: Iterable[str] = (),
) -> ListenPlan:
    """Plan for ``--host host --name n...``.

    ``resolved`` are the addresses ``host`` resolves to (a name), ``machine_names`` this
    computer's own names and addresses (used for a wildcard ``host``).
    """
    bind = check_name(host) if not is_wildcard(host) else host.strip()
    extra = [check_name(name) for name in names]
    allowed = set(LOOPBACK_HOSTS) | set(extra)
    if is_wildcard(host):
        url_names = [host_header_name(name) for name in machine_names if name] or ["127.0.0.1"]
    else:
        url_names = [bind]
        allowed |= {host_header_name(address) for address in resolved}
    allowed |= set(url_names)
    return ListenPlan(
        bind_host=bind.strip("[]"),
        allowed_hosts=frozenset(allowed),
        url_names=tuple(dict.fromkeys(url_names)),
        extra_names=tuple(dict.fromkeys(extra)),
        exposed=not is_loopback(host),
    )


def exposure_warning(plan: ListenPlan, *, tls: bool) -> list[str]:
    """The lines to print when other devices can reach hipflex (none for loopback)."""
    if not plan.exposed:
        return []
    where = "every network interface" if is_wildcard(plan.bind_host) else plan.bind_host
    lines = [
        f"WARNING: hipflex is listening on {where}: other devices on your network can reach it.",
        "  There is no login: anyone who can reach it can read and change your history.",
        "  Do this only on a network you trust (your own Wi-Fi), and stop hipflex when done.",
    ]
    if not tls:
        lines.append(
            "  Without HTTPS the traffic is not encrypted and phones will not open the camera:"
            " see docs/https.md (Caddy or mkcert)."
        )
    return lines
