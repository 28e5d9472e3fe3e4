"""Turn the HTML entities Typer's doc generator writes (its Rich-to-HTML step escapes
``'``, ``"``, ``<`` and ``&``) back into the characters, so docs/cli.md reads as plain
Markdown. Code spans are left as Typer wrote them (entities never appear there); in prose a
``<`` that would open an HTML tag (``<`` + a letter or ``/``) stays escaped.

Usage: python scripts/clean_cli_docs.py FILE  (rewrites FILE in place)
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
CODE = re.compile(r"(```.*?```|`[^`\n]*`)", re.S)  # Markdown shows these as written


def clean(text: str) -> str:
    """``text`` with entities decoded outside code; a tag-like ``<`` in prose stays ``&lt;``."""
    parts = CODE.split(text)
    return "".join(
        part if index % 2 else TAG_START.sub("&lt;", html.unescape(part))
        for index, part in enumerate(parts)
    )


def main(path: str) -> None:
    target = Path(path)
    target.write_text(clean(target.read_text()))


if __name__ == "__main__":
    main(sys.argv[1])
