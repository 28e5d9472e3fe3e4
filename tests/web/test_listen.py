"""Where ``hipflex serve`` listens, the Host names it accepts, and the exposure warning."""

from __future__ import annotations

import pytest

from hipflex.web.listen import (
    ListenError,
    check_name,
    exposure_warning,
    host_header_name,
    is_loopback,
    is_wildcard,
    plan_listening,
)

LOOPBACK = {"127.0.0.1", "localhost", "[::1]"}


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("app.localhost", True),
        ("LOCALHOST", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("mylaptop.local", False),
        ("localhost.evil.example", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_is_wildcard() -> None:
    assert is_wildcard("0.0.0.0") and is_wildcard("::")
    assert not is_wildcard("127.0.0.1") and not is_wildcard("laptop.local")


@pytest.mark.parametrize(
    ("name", "normalised"),
    [
        ("Hipflex.Home.Arpa", "hipflex.home.arpa"),
        ("hipflex.home.arpa.", "hipflex.home.arpa"),
        ("192.168.1.20", "192.168.1.20"),
        ("fe80::1", "[fe80::1]"),
        ("[FE80:0:0::1]", "[fe80::1]"),
        ("laptop", "laptop"),
    ],
)
def test_names_are_normalised_as_browsers_send_them(name: str, normalised: str) -> None:
    assert check_name(name) == normalised


@pytest.mark.parametrize(
    "name",
    ["https://hipflex.home.arpa", "hipflex.home.arpa:8443", "*.home.arpa", "a/b", "", "-bad.name"],
)
def test_names_that_are_not_host_names_are_refused(name: str) -> None:
    with pytest.raises(ListenError, match="not a host name"):
        check_name(name)


def test_loopback_default_accepts_only_loopback_names() -> None:
    plan = plan_listening("127.0.0.1")
    assert plan.allowed_hosts == LOOPBACK
    assert plan.url_names == ("127.0.0.1",)
    assert not plan.exposed
    assert exposure_warning(plan, tls=False) == []


def test_a_reverse_proxy_name_on_loopback_is_not_exposed() -> None:
    plan = plan_listening("127.0.0.1", ["hipflex.home.arpa"])
    assert plan.allowed_hosts == LOOPBACK | {"hipflex.home.arpa"}
    assert plan.extra_names == ("hipflex.home.arpa",)
    assert not plan.exposed


def test_a_lan_name_adds_the_name_and_its_addresses() -> None:
    plan = plan_listening("Laptop.local", resolved=["192.168.1.20", "fe80::1"])
    assert plan.bind_host == "laptop.local"
    assert plan.allowed_hosts == LOOPBACK | {"laptop.local", "192.168.1.20", "[fe80::1]"}
    assert plan.url_names == ("laptop.local",)
    assert plan.exposed


def test_every_interface_accepts_this_computers_names_only() -> None:
    plan = plan_listening("0.0.0.0", ["hipflex.example"], machine_names=["laptop", "10.0.0.7"])
    assert plan.bind_host == "0.0.0.0"
    assert plan.allowed_hosts == LOOPBACK | {"laptop", "10.0.0.7", "hipflex.example"}
    assert plan.url_names == ("laptop", "10.0.0.7")
    assert "0.0.0.0" not in plan.allowed_hosts  # never a Host a browser should send
    assert plan.exposed


def test_the_exposure_warning_is_loud_and_says_what_to_do() -> None:
    plan = plan_listening("192.168.1.20")
    lines = exposure_warning(plan, tls=False)
    assert lines[0].startswith("WARNING: hipflex is listening on 192.168.1.20")
    text = "\n".join(lines)
    assert "no login" in text and "network you trust" in text
    assert "docs/https.md" in text and "camera" in text
    with_tls = "\n".join(exposure_warning(plan, tls=True))
    assert "no login" in with_tls and "docs/https.md" not in with_tls
    everywhere = exposure_warning(plan_listening("::"), tls=True)
    assert "every network interface" in everywhere[0]


def test_host_header_name() -> None:
    assert host_header_name("::1") == "[::1]"
    assert host_header_name("10.0.0.1") == "10.0.0.1"
    assert host_header_name("Name") == "name"
