"""Load and validate protocol files; errors read ``FILE:LINE: field: problem``.

Shipped protocols live in ``builtin/``; a person's own files go in ``DATA_DIR/protocols/``.
A person's file with the same name as a shipped one replaces it for that person.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hipflex.domain.protocol import Protocol
from hipflex.errors import ProtocolError

BUILTIN_DIR = Path(__file__).parent / "builtin"
DEFAULT_PROTOCOL = "kneeling-hip-flexor"

_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_TABLE_HEADER = re.compile(r"^\s*\[([A-Za-z0-9_.-]+)\]\s*(#.*)?$")
_KEY_LINE = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")


@dataclass(frozen=True)
class ProtocolEntry:
    """A protocol found on disk, or the problem that stops it loading."""

    name: str
    path: Path
    builtin: bool
    protocol: Protocol | None
    error: str | None = None


def parse_protocol(text: str, source: str) -> Protocol:
    """Validate TOML ``text``; ``source`` names the file in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_POSITION.search(str(exc))
        line = match.group(1) if match else "1"
        problem = _TOML_POSITION.sub("", str(exc)).strip()
        raise ProtocolError(f"{source}:{line}: toml: {problem}") from None
    try:
        return Protocol.model_validate(data)
    except ValidationError as exc:
        lines = [_format_error(err, text, source) for err in exc.errors()]
        raise ProtocolError("\n".join(lines)) from None


def load_protocol_file(path: Path) -> Protocol:
    """Read and validate one protocol file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProtocolError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"{path}: cannot read: {exc}") from None
    return parse_protocol(text, str(path))


def discover(data_dir: Path | None = None) -> list[ProtocolEntry]:
    """All protocols, shipped ones first; a person's file replaces a shipped one of its name."""
    entries: dict[str, ProtocolEntry] = {}
    for path, builtin in _protocol_files(data_dir):
        try:
            protocol = load_protocol_file(path)
        except ProtocolError as exc:
            entries[f"{path.stem}@{path}"] = ProtocolEntry(
                path.stem, path, builtin, None, exc.message
            )
            continue
        entries[protocol.name] = ProtocolEntry(protocol.name, path, builtin, protocol)
    return list(entries.values())


def load_protocol(name: str, data_dir: Path | None = None) -> Protocol:
    """The protocol called ``name``; an unknown name lists the known ones."""
    candidate = Path(name)
    if candidate.suffix == ".toml" and candidate.exists():
        return load_protocol_file(candidate)
    entries = discover(data_dir)
    for entry in entries:
        if entry.name == name and entry.protocol is not None:
            return entry.protocol
        if entry.name == name and entry.error is not None:
            raise ProtocolError(entry.error)
    known = ", ".join(sorted(e.name for e in entries if e.protocol is not None))
    raise ProtocolError(f"unknown protocol {name!r}; known protocols: {known}")


def _protocol_files(data_dir: Path | None) -> list[tuple[Path, bool]]:
    files = [(p, True) for p in sorted(BUILTIN_DIR.glob("*.toml"))]
    if data_dir is not None:
        user_dir = data_dir / "protocols"
        if user_dir.is_dir():
            files += [(p, False) for p in sorted(user_dir.glob("*.toml"))]
    return files


def _format_error(err: Any, text: str, source: str) -> str:
    loc = tuple(err.get("loc", ()))
    field = ".".join(str(part) for part in loc) or "protocol"
    problem = str(err.get("msg", "invalid value"))
    if err.get("type") == "missing":
        problem = "required field is missing"
    elif err.get("type") == "extra_forbidden":
        problem = "unknown field"
    return f"{source}:{locate(text, loc)}: {field}: {problem}"


def locate(text: str, loc: tuple[Any, ...]) -> int:
    """The 1-based line of the key at ``loc`` (e.g. ``("form", "enter_s")``) in TOML ``text``.

    Falls back to the table's header, then to line 1. Array items point at their key's line
    or, for multi-line arrays, at the item's own line.
    """
    keys = [part for part in loc if isinstance(part, str)]
    index = next((part for part in loc if isinstance(part, int)), None)
    if not keys:
        return 1
    *tables, key = keys
    table = ".".join(tables)
    current = ""
    header_line = 1
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        header = _TABLE_HEADER.match(line)
        if header:
            current = header.group(1)
            if current == table:
                header_line = number
            continue
        match = _KEY_LINE.match(line)
        if match and current == table and match.group(1) == key:
            return _item_line(lines, number, index) if index is not None else number
    return header_line


def _item_line(lines: list[str], key_line: int, index: int) -> int:
    # In a multi-line array, item i usually sits on its own line after the key.
    first = lines[key_line - 1]
    if first.rstrip().endswith("[") or first.rstrip().endswith("= ["):
        target = key_line + 1 + index
        if target <= len(lines):
            return target
    return key_line
