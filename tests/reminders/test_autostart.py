from __future__ import annotations

import plistlib
import subprocess
from pathlib import Path
from typing import Any

import pytest

from hipflex.errors import CannotWriteError
from hipflex.reminders.autostart import (
    Environment,
    install,
    remind_command,
    uninstall,
)

COMMAND = ["/opt/venv/bin/hipflex", "remind", "run", "--data-dir", "/home/a b/100% data"]


class FakeSystemctl:
    def __init__(self, returncode: int = 0) -> None:
        self.calls: list[list[str]] = []
        self.returncode = returncode

    def __call__(self, args: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        self.calls.append(args)
        return subprocess.CompletedProcess(args, self.returncode, "", "Failed to connect to bus")


def linux(tmp_path: Path, run: FakeSystemctl, *, has_systemctl: bool = True) -> Environment:
    return Environment(
        platform="linux",
        env={"XDG_CONFIG_HOME": str(tmp_path / "config")},
        home=tmp_path / "home",
        run=run,
        which=lambda name: f"/usr/bin/{name}" if has_systemctl else None,
    )


def test_linux_writes_a_user_unit_under_xdg_config_home_and_enables_it(tmp_path: Path) -> None:
    run = FakeSystemctl()
    result = install(COMMAND, linux(tmp_path, run))
    unit = tmp_path / "config" / "systemd" / "user" / "hipflex-remind.service"
    assert result.path == unit
    text = unit.read_text()
    assert (
        'ExecStart="/opt/venv/bin/hipflex" "remind" "run" "--data-dir" "/home/a b/100%% data"'
        in text
    )
    assert "WantedBy=default.target" in text
    assert run.calls == [
        ["systemctl", "--user", "daemon-reload"],
        ["systemctl", "--user", "enable", "--now", "hipflex-remind.service"],
    ]
    assert result.warnings == []


def test_linux_without_systemctl_still_writes_the_unit_and_says_so(tmp_path: Path) -> None:
    run = FakeSystemctl()
    result = install(COMMAND, linux(tmp_path, run, has_systemctl=False))
    assert result.path.exists()
    assert run.calls == []
    assert any("systemctl not found" in w for w in result.warnings)
    assert any("start it now by hand" in w for w in result.warnings)


def test_linux_with_no_user_bus_warns_but_does_not_fail(tmp_path: Path) -> None:
    result = install(COMMAND, linux(tmp_path, FakeSystemctl(returncode=1)))
    assert result.path.exists()
    assert any("Failed to connect to bus" in w for w in result.warnings)


def test_uninstall_removes_the_unit_and_is_idempotent(tmp_path: Path) -> None:
    run = FakeSystemctl()
    where = linux(tmp_path, run)
    install(COMMAND, where)
    result = uninstall(where)
    assert not result.path.exists()
    assert ["systemctl", "--user", "disable", "--now", "hipflex-remind.service"] in run.calls
    again = uninstall(where)
    assert not again.changed
    assert "nothing to remove" in again.done[0]


def test_macos_writes_a_launch_agent(tmp_path: Path) -> None:
    run = FakeSystemctl()
    where = Environment(
        platform="darwin", env={}, home=tmp_path, run=run, which=lambda n: f"/bin/{n}"
    )
    result = install(COMMAND, where)
    assert result.path == tmp_path / "Library" / "LaunchAgents" / "org.hipflex.remind.plist"
    plist = plistlib.loads(result.path.read_bytes())
    assert plist["ProgramArguments"] == COMMAND
    assert plist["RunAtLoad"] is True
    assert ["launchctl", "load", "-w", str(result.path)] in run.calls


def test_windows_writes_a_startup_script(tmp_path: Path) -> None:
    where = Environment(
        platform="win32",
        env={"APPDATA": str(tmp_path / "Roaming")},
        home=tmp_path,
        run=FakeSystemctl(),
        which=lambda _n: None,
    )
    result = install(COMMAND, where)
    assert result.path.parent.name == "Startup"
    assert result.path.read_bytes().startswith(b"@echo off\r\nstart ")


def test_unwritable_config_dir_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "config"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(CannotWriteError, match="cannot write"):
        install(COMMAND, linux(tmp_path, FakeSystemctl()))


def test_remind_command_runs_this_installation(tmp_path: Path) -> None:
    command = remind_command(tmp_path)
    assert command[-4:] == ["remind", "run", "--data-dir", str(tmp_path)]
