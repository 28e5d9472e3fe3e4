"""Rich views of a session: instruction, a big countdown, progress per side, what is next."""

from __future__ import annotations

from rich.align import Align
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from hipflex.domain.events import Phase
from hipflex.domain.session import SessionView

# A 5-row block font for the countdown, legible from across a room.
_GLYPHS = {
    "0": ["███", "█ █", "█ █", "█ █", "███"],
    "1": [" █ ", "██ ", " █ ", " █ ", "███"],
    "2": ["███", "  █", "███", "█  ", "███"],
    "3": ["███", "  █", "███", "  █", "███"],
    "4": ["█ █", "█ █", "███", "  █", "  █"],
    "5": ["███", "█  ", "███", "  █", "███"],
    "6": ["███", "█  ", "███", "█ █", "███"],
    "7": ["███", "  █", " █ ", " █ ", " █ "],
    "8": ["███", "█ █", "███", "█ █", "███"],
    "9": ["███", "█ █", "███", "  █", "███"],
    ":": ["   ", " █ ", "   ", " █ ", "   "],
}

PHASE_WORDS = {
    Phase.GET_READY: "Get ready",
    Phase.HOLD: "Hold",
    Phase.REST: "Rest",
    Phase.SWITCH_SIDE: "Switch sides",
    Phase.DONE: "Done",
}
_PHASE_STYLE = {
    Phase.GET_READY: "bold yellow",
    Phase.HOLD: "bold green",
    Phase.REST: "bold cyan",
    Phase.SWITCH_SIDE: "bold magenta",
    Phase.DONE: "bold",
}

KEYS_HELP = "space pause/resume · n skip · q quit (what is done is saved)"
CONFIRM_QUIT = "Quit now? Press q or y to quit (what is done is saved), any other key to go on."


def big_number(seconds: int) -> str:
    """``seconds`` as block digits, five lines tall."""
    text = _clock_text(seconds)
    rows = ["  ".join(_GLYPHS[ch][row] for ch in text) for row in range(5)]
    return "\n".join(rows)


def _clock_text(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}" if seconds >= 60 else str(seconds)


def _reps_bar(done: int, total: int) -> str:
    return "●" * done + "○" * max(0, total - done)


def session_panel(
    view: SessionView,
    title: str,
    form_text: str | None = None,
    *,
    confirm_quit: bool = False,
    console: Console | None = None,
) -> Panel:
    """The whole live view for one moment of a session.

    With a ``console``, the view is made to fit its height: in a short terminal the blank
    lines go first, then the block digits shrink to one line, so what comes next and the
    keys stay on screen (Rich would cut the bottom off)."""
    panel = _panel(view, title, form_text, confirm_quit, roomy=True, big=True)
    if console is None:
        return panel
    for roomy, big in ((True, True), (False, True), (False, False)):
        panel = _panel(view, title, form_text, confirm_quit, roomy=roomy, big=big)
        if len(console.render_lines(panel, pad=False)) <= console.size.height:
            break
    return panel


def _panel(
    view: SessionView,
    title: str,
    form_text: str | None,
    confirm_quit: bool,
    *,
    roomy: bool,
    big: bool,
) -> Panel:
    label, style = PHASE_WORDS[view.phase].upper(), _PHASE_STYLE[view.phase]
    if view.paused:
        label, style = "PAUSED", "bold red"
    seconds = int(view.remaining_s + 0.999)
    header = f"{label} · {view.side.value} side · hold {view.rep} of {view.reps}"
    if not big:
        header += f" · {_clock_text(seconds)}"
    progress = Table.grid(padding=(0, 2))
    for side, done in view.reps_done.items():
        progress.add_row(f"{side.value.capitalize()} side", _reps_bar(done, view.reps))
    blank: list[RenderableType] = [Text("")] if roomy else []
    parts: list[RenderableType] = [Text(header, style=style)]
    if big:
        parts += [*blank, Align.center(Text(big_number(seconds), style=style)), *blank]
    parts.append(Text(view.instruction))
    if view.phase is Phase.HOLD and view.form_ok is not None:
        status = "good form: counting" if view.form_ok else "not counting: adjust your position"
        colour = "green" if view.form_ok else "yellow"
        parts.append(Text(f"Camera: {form_text or status}", style=colour))
    parts += [*blank, progress, Text(f"Next: {view.next_up}", style="dim")]
    if confirm_quit:
        parts.append(Text(CONFIRM_QUIT, style="bold red"))
    else:
        parts.append(Text(KEYS_HELP, style="dim"))
    return Panel(Group(*parts), title=title, border_style=style.split()[-1])
