"""What the composition root (``cli/app.py``) hands every command: the wall clock.

Commands never read the time themselves; they take ``ctx: typer.Context`` and ask
:func:`wall_clock`, so a test (or a demo) can run any command at any time of day.
"""

from __future__ import annotations

from dataclasses import dataclass

import typer

from hipflex.domain.clock import Clock


@dataclass(frozen=True)
class CliRuntime:
    clock: Clock


def wall_clock(ctx: typer.Context) -> Clock:
    """The clock the ``hipflex`` command was started with."""
    runtime = ctx.find_object(CliRuntime)
    if runtime is None:
        raise RuntimeError(
            "hipflex commands run under the hipflex app (cli.app), which sets the clock"
        )
    return runtime.clock
