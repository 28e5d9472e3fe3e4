"""What is wrong with a protocol file, in plain words, at its line: ``FILE:LINE: field: problem``.

pydantic's messages speak of its own types ("Tuple should have at least 1 item after
validation"); a physiotherapist editing a TOML file needs "must have at least 1 item".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from hipflex.domain.protocol import NAME_PATTERN
from hipflex.errors import ProtocolError

# Marks a TOML date or time in the data handed to validation (JSON has no such type).
TOML_TIME_MARK = "__toml_date_or_time__"

_TABLE_HEADER = re.compile(r"^\s*\[([A-Za-z0-9_.-]+)\]\s*(#.*)?$")
_KEY_LINE = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")

_NAME_RULE = (
    "must be lowercase letters, digits and hyphens, starting with a letter or digit, "
    f"at most 63 characters (pattern {NAME_PATTERN})"
)
_TYPE_WORDS = {
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "string_type": "must be text in quotes",
    "bool_type": "must be true or false",
    "list_type": "must be a list in [ ]",
    "tuple_type": "must be a list in [ ]",
    "model_type": "must be a table",
    "model_attributes_type": "must be a table",
    "dict_type": "must be a table",
    "missing": "required field is missing",
    "extra_forbidden": "unknown field",
}
_LIMIT_WORDS = {
    "greater_than_equal": ("ge", "must be at least"),
    "greater_than": ("gt", "must be more than"),
    "less_than_equal": ("le", "must be at most"),
    "less_than": ("lt", "must be less than"),
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a protocol file."""

    line: int
    field: str
    text: str

    def render(self, source: str) -> str:
        return f"{source}:{self.line}: {self.field}: {self.text}"


class ProtocolFileError(ProtocolError):
    """A protocol file's problems, in file (line) order, one ``FILE:LINE: field: problem``
    per line of the message."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.problems = tuple(sorted(problems, key=lambda problem: problem.line))
        super().__init__("\n".join(problem.render(source) for problem in self.problems))


def problems_from(exc: ValidationError, text: str) -> list[Problem]:
    """The validation errors of the TOML ``text`` as plain-word problems at their lines."""
    errors = exc.errors()
    locations = [tuple(error.get("loc", ())) for error in errors]
    problems = []
    for error, loc in zip(errors, locations, strict=True):
        if error["type"] == "too_short" and any(
            len(other) > len(loc) and other[: len(loc)] == loc for other in locations
        ):
            continue  # a list whose items were refused is not also "too short"
        field = ".".join(str(part) for part in loc) or "protocol"
        problems.append(Problem(locate(text, loc), field, plain_words(error)))
    return problems


def plain_words(error: ErrorDetails) -> str:
    """What one pydantic error means, for a person editing the file."""
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    if kind in _TYPE_WORDS:
        words = _TYPE_WORDS[kind]
        if kind.endswith(("_type", "_parsing", "_from_float")):
            words += _not_what(error.get("input"))
        return words
    if kind in _LIMIT_WORDS:
        key, words = _LIMIT_WORDS[kind]
        return f"{words} {ctx.get(key)}"
    if kind in ("too_short", "too_long"):
        count = ctx.get("min_length" if kind == "too_short" else "max_length", 0)
        least = "at least" if kind == "too_short" else "at most"
        return f"must have {least} {count} item{'' if count == 1 else 's'}"
    if kind == "string_too_short":
        count = ctx.get("min_length", 1)
        return "must not be empty" if count == 1 else f"must be at least {count} characters"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == NAME_PATTERN:
            return _NAME_RULE
        return f"must match the pattern {ctx.get('pattern')}"
    if kind in ("enum", "literal_error"):
        return f"must be {ctx.get('expected')}"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    return str(error["msg"])


def _not_what(value: object) -> str:
    if isinstance(value, bool):
        return ", not true or false"
    if isinstance(value, str):
        return ", not text"
    if isinstance(value, dict) and TOML_TIME_MARK in value:
        return ", not a date or time"
    if isinstance(value, list):
        return ", not a list"
    if isinstance(value, dict):
        return ", not a table"
    return ""


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
