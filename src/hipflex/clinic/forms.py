"""Reading HTML form fields: text only, bounded, never a file upload in disguise."""

from __future__ import annotations

from datetime import date

from starlette.datastructures import FormData

MAX_FIELD_CHARS = 20_000


def form_text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value[:MAX_FIELD_CHARS] if isinstance(value, str) else ""


def form_list(form: FormData, name: str) -> list[str]:
    return [v for v in form.getlist(name) if isinstance(v, str)]


def form_int(form: FormData, name: str, problems: list[str], label: str) -> int:
    text = form_text(form, name).strip()
    try:
        return int(text)
    except ValueError:
        problems.append(f"{label}: enter a whole number")
        return 0


def form_date(form: FormData, name: str, problems: list[str], label: str) -> date | None:
    text = form_text(form, name).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(f"{label}: enter a date (YYYY-MM-DD)")
        return None
