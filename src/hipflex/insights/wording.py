"""Words for numbers: "1 rep", "2 reps", never "1 reps" or "session(s)"."""

from __future__ import annotations


def plural(count: int, word: str, many: str | None = None) -> str:
    """``"1 rep"``, ``"3 reps"``; ``many`` for a word whose plural is not word + s."""
    return f"{count} {word if count == 1 else (many or word + 's')}"
