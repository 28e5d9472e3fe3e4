"""Load and validate protocol files; errors read ``FILE:LINE: field: problem``.

Shipped protocols live in ``builtin/``; a person's own files go in ``DATA_DIR/protocols/``.
A person's file with the same name as a shipped one replaces it for that person.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hipflex.domain.protocol import Protocol
from hipflex.errors import ProtocolError
from hipflex.protocols.problems import (
    TOML_TIME_MARK,
    Problem,
    ProtocolFileError,
    locate,
    problems_from,
)

BUILTIN_DIR = Path(__file__).parent / "builtin"
DEFAULT_PROTOCOL = "kneeling-hip-flexor"
# A protocol file is a few kilobytes; this keeps a stray huge file from costing memory.
MAX_FILE_BYTES = 256 * 1024
# A protocol nests at most a table in a table, or a list in a table; deeper is a broken file.
MAX_NESTING = 8

_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


@dataclass(frozen=True)
class ProtocolEntry:
    """A protocol found on disk, or the problems that stop it loading."""

    name: str
    path: Path
    builtin: bool
    protocol: Protocol | None
    error: str | None = None  # every problem, FILE:LINE: field: problem, one per line
    problems: tuple[Problem, ...] = ()

    @property
    def summary(self) -> str | None:
        """The first problem and how many more, in one line without the file's path."""
        if self.error is None:
            return None
        if not self.problems:
            return self.error.splitlines()[0].removeprefix(f"{self.path}: ")
        first, more = self.problems[0], len(self.problems) - 1
        text = f"line {first.line}: {first.field}: {first.text}"
        if more:
            text += f" (and {more} more problem{'' if more == 1 else 's'})"
        return text


def parse_protocol(text: str, source: str) -> Protocol:
    """Validate TOML ``text``; ``source`` names the file in error messages.

    Values are taken as written, never coerced (``reps = true`` or ``"3"`` is an error), and
    templates may hold only the documented placeholders (see ``domain.protocol``).
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_POSITION.search(str(exc))
        line = int(match.group(1)) if match else 1
        what = _TOML_POSITION.sub("", str(exc)).strip()
        raise ProtocolFileError(source, [Problem(line, "toml", what)]) from None
    except RecursionError:  # tomllib recurses once per nested array or inline table
        too_deep = Problem(_too_deep_line(text), "toml", _TOO_DEEP)
        raise ProtocolFileError(source, [too_deep]) from None
    problems: list[Problem] = []
    plain = _json_ready(data, (), problems, text)
    if problems:
        raise ProtocolFileError(source, problems)
    try:
        # Strict JSON-mode validation: enums and lists from their TOML values, and no
        # coercion (true is not 1, 3.0 is not 3, "3" is not 3).
        return Protocol.model_validate_json(json.dumps(plain), strict=True)
    except ValidationError as exc:
        raise ProtocolFileError(source, problems_from(exc, text)) from None


_TOO_DEEP = f"nested more than {MAX_NESTING} levels deep"


def _json_ready(value: Any, path: tuple[Any, ...], problems: list[Problem], text: str) -> Any:
    """TOML data as JSON data: dates and times marked (no protocol field takes one), and
    too-deep nesting and non-finite numbers reported as problems."""
    field = ".".join(part for part in path if isinstance(part, str)) or "toml"
    if len(path) > MAX_NESTING:
        problems.append(Problem(locate(text, path), field, _TOO_DEEP))
        return None
    if isinstance(value, dict):
        return {key: _json_ready(item, (*path, key), problems, text) for key, item in value.items()}
    if isinstance(value, list):
        return [
            _json_ready(item, (*path, index), problems, text) for index, item in enumerate(value)
        ]
    if isinstance(value, datetime | date | time):
        return {TOML_TIME_MARK: value.isoformat()}
    if isinstance(value, float) and not math.isfinite(value):
        problems.append(Problem(locate(text, path), field, "must be a finite number"))
        return None
    return value


def _too_deep_line(text: str) -> int:
    """The line where brackets nest deeper than MAX_NESTING (strings and comments skipped)."""
    depth, line, index, quote = 0, 1, 0, ""
    while index < len(text):
        char = text[index]
        if char == "\n":
            line += 1
        if quote:
            if char == "\\" and not quote.startswith("'"):
                line += text[index + 1 : index + 2] == "\n"
                index += 2
                continue
            if text.startswith(quote, index):
                index, quote = index + len(quote), ""
                continue
        elif char == "#":
            newline = text.find("\n", index)
            index = len(text) if newline < 0 else newline
            continue
        elif text.startswith(('"""', "'''"), index):
            quote = text[index : index + 3]
            index += 3
            continue
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return line
        elif char in "]}":
            depth -= 1
        index += 1
    return 1


def load_protocol_file(path: Path) -> Protocol:
    """Read and validate one protocol file."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ProtocolError(
                f"{path}: {size:,} bytes is over the limit of {MAX_FILE_BYTES:,} bytes for a "
                "protocol file"
            )
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
            problems = exc.problems if isinstance(exc, ProtocolFileError) else ()
            entries[f"{path.stem}@{path}"] = ProtocolEntry(
                path.stem, path, builtin, None, exc.message, problems
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
