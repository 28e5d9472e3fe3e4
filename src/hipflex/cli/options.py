"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Where hipflex keeps its history and settings "
        "(default: $HIPFLEX_DATA_DIR or the platform's user data dir).",
        show_default=False,
    ),
]

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

IncludeDemoOption = Annotated[
    bool,
    typer.Option(
        "--include-demo", help="Count demo sessions (e.g. --speed runs) in the figures too."
    ),
]
