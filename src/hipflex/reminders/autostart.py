"""``hipflex remind install|uninstall``: start the reminder loop at login.

* **Linux**: a systemd user unit, ``$XDG_CONFIG_HOME/systemd/user/hipflex-remind.service``
  (``~/.config/...`` by default), then ``systemctl --user daemon-reload`` and
  ``enable --now`` when ``systemctl`` exists and a user manager answers. Without one (a
  container, a distribution without systemd) the file is still written and the command says how
  to start the loop by hand; that is not an error.
* **macOS**: a LaunchAgent, ``~/Library/LaunchAgents/org.hipflex.remind.plist`` (RunAtLoad,
  restarted if it crashes, log in ``~/Library/Logs/hipflex-remind.log``), then
  ``launchctl load -w`` when ``launchctl`` exists.
* **Windows**: ``hipflex-remind.cmd`` in the Startup folder
  (``%APPDATA%\\Microsoft\\Windows\\Start Menu\\Programs\\Startup``), which starts the loop
  minimised at login. (Task Scheduler could run it without a window, but needs more ceremony
  for no gain here.)
"""

from __future__ import annotations

import os
import plistlib
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hipflex.errors import CannotWriteError, HipflexError
from hipflex.files import write_atomically

UNIT_NAME = "hipflex-remind.service"
LAUNCH_AGENT_LABEL = "org.hipflex.remind"
WINDOWS_SCRIPT = "hipflex-remind.cmd"
COMMAND_TIMEOUT_S = 20.0

Runner = Callable[..., "subprocess.CompletedProcess[str]"]
Which = Callable[[str], str | None]


class AutostartError(HipflexError):
    """The login entry cannot be written or removed."""


@dataclass
class AutostartResult:
    """What install/uninstall did, for the person to read."""

    path: Path
    changed: bool
    done: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Environment:
    """Where and how to install; the defaults are this computer (tests pass their own)."""

    platform: str = sys.platform
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    home: Path = field(default_factory=Path.home)
    run: Runner = subprocess.run
    which: Which = shutil.which


def remind_command(data_dir: Path | None = None) -> list[str]:
    """The command line that runs the reminder loop with this installation of hipflex."""
    bin_dir = Path(sys.executable).parent
    script = bin_dir / ("hipflex.exe" if sys.platform == "win32" else "hipflex")
    if script.exists():
        base = [str(script)]
    else:
        base = [sys.executable, "-c", "from hipflex.cli.app import main; main()"]
    args = [*base, "remind", "run"]
    if data_dir is not None:
        args += ["--data-dir", str(data_dir.absolute())]
    return args


def entry_path(where: Environment) -> Path:
    """Where the login entry lives on this platform."""
    if where.platform == "darwin":
        return where.home / "Library" / "LaunchAgents" / f"{LAUNCH_AGENT_LABEL}.plist"
    if where.platform == "win32":
        appdata = Path(where.env.get("APPDATA") or where.home / "AppData" / "Roaming")
        startup = appdata / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup"
        return startup / WINDOWS_SCRIPT
    config = where.env.get("XDG_CONFIG_HOME") or str(where.home / ".config")
    return Path(config) / "systemd" / "user" / UNIT_NAME


def systemd_unit(command: Sequence[str]) -> str:
    """The user unit's text."""
    exec_start = " ".join(_systemd_quote(arg) for arg in command)
    return (
        "[Unit]\n"
        "Description=hipflex stretch and sitting-break reminders\n"
        "After=graphical-session.target\n"
        "\n"
        "[Service]\n"
        "Type=simple\n"
        f"ExecStart={exec_start}\n"
        "Restart=on-failure\n"
        "RestartSec=30\n"
        "\n"
        "[Install]\n"
        "WantedBy=default.target\n"
    )


def launch_agent(command: Sequence[str], home: Path) -> bytes:
    """The LaunchAgent plist."""
    log = str(home / "Library" / "Logs" / "hipflex-remind.log")
    plist: dict[str, Any] = {
        "Label": LAUNCH_AGENT_LABEL,
        "ProgramArguments": list(command),
        "RunAtLoad": True,
        "KeepAlive": {"SuccessfulExit": False},
        "StandardOutPath": log,
        "StandardErrorPath": log,
    }
    return plistlib.dumps(plist)


def windows_script(command: Sequence[str]) -> str:
    """The Startup-folder batch file (CRLF line ends)."""
    quoted = " ".join(f'"{arg}"' for arg in command)
    return f'@echo off\r\nstart "hipflex reminders" /min {quoted}\r\n'


def install(command: Sequence[str], where: Environment | None = None) -> AutostartResult:
    """Write the login entry for ``command`` and start it where the platform allows."""
    where = where or Environment()
    path = entry_path(where)
    if where.platform == "darwin":
        content: bytes = launch_agent(command, where.home)
    elif where.platform == "win32":
        content = windows_script(command).encode("utf-8")
    else:
        content = systemd_unit(command).encode("utf-8")
    changed = not path.exists() or path.read_bytes() != content
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CannotWriteError(path, exc) from None
    write_atomically(path, content)
    result = AutostartResult(path=path, changed=changed, done=[f"wrote {path}"])
    if where.platform == "darwin":
        _try(where, ["launchctl", "unload", str(path)], result, quiet=True)
        _try(where, ["launchctl", "load", "-w", str(path)], result)
    elif where.platform == "win32":
        result.done.append("it starts at your next login")
    else:
        if _try(where, ["systemctl", "--user", "daemon-reload"], result):
            _try(where, ["systemctl", "--user", "enable", "--now", UNIT_NAME], result)
    if result.warnings:
        result.warnings.append("start it now by hand with: " + " ".join(command))
    return result


def uninstall(where: Environment | None = None) -> AutostartResult:
    """Stop and remove the login entry; nothing to remove is not an error."""
    where = where or Environment()
    path = entry_path(where)
    result = AutostartResult(path=path, changed=path.exists())
    if not path.exists():
        result.done.append(f"nothing to remove ({path} does not exist)")
        return result
    if where.platform == "darwin":
        _try(where, ["launchctl", "unload", "-w", str(path)], result)
    elif where.platform != "win32":
        _try(where, ["systemctl", "--user", "disable", "--now", UNIT_NAME], result)
    try:
        path.unlink()
    except OSError as exc:
        raise AutostartError(f"cannot remove {path}: {exc.strerror or exc}") from None
    result.done.append(f"removed {path}")
    if where.platform not in ("darwin", "win32"):
        _try(where, ["systemctl", "--user", "daemon-reload"], result)
    return result


def _try(
    where: Environment, args: list[str], result: AutostartResult, *, quiet: bool = False
) -> bool:
    """Run a service-manager command; a missing tool or a failure is a warning, not an error."""
    if where.which(args[0]) is None:
        if not quiet:
            result.warnings.append(f"{args[0]} not found: skipped `{' '.join(args)}`")
        return False
    try:
        completed = where.run(
            args, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        if not quiet:
            result.warnings.append(f"`{' '.join(args)}` failed: {exc}")
        return False
    if completed.returncode != 0:
        if not quiet:
            reason = (completed.stderr or completed.stdout or "").strip().splitlines()
            detail = reason[0] if reason else f"exit {completed.returncode}"
            result.warnings.append(f"`{' '.join(args)}` failed: {detail}")
        return False
    result.done.append(f"ran `{' '.join(args)}`")
    return True


def _systemd_quote(arg: str) -> str:
    # systemd splits ExecStart like a shell but expands % specifiers: double them.
    escaped = arg.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
    return f'"{escaped}"'
