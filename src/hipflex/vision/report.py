"""A self-contained HTML report of one analysis (plots inline as SVG, photo as base64 PNG)."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hipflex.vision.form_rules import FormStatus

if TYPE_CHECKING:
    from hipflex.vision.analysis import AnalysisResult

FAULT_ORDER = tuple(status.value for status in FormStatus if status.is_fault)


def _svg(fig: Any) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _side_label(side: str) -> str:
    return "side not told" if side == "unknown" else f"{side} knee down"


def _plots(timeline: dict[str, list[Any]], summary: dict[str, Any]) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = timeline["t_s"]
    nan = float("nan")
    hip = [nan if v is None else v for v in timeline["hip_extension_deg"]]
    trunk = [nan if v is None else v for v in timeline["trunk_forward_deg"]]
    figures: list[tuple[str, str]] = []

    fig, ax = plt.subplots(figsize=(9, 3.2))
    ax.plot(t, hip, label="hip extension, in position (°)", color="#1f77b4")
    ax.plot(t, trunk, label="trunk lean, + forward (°)", color="#ff7f0e", alpha=0.8)
    ax.axhline(0, color="#999", lw=0.8)
    good = [s == "good" for s in timeline["status"]]
    ax.fill_between(
        t,
        0,
        1,
        where=good,
        transform=ax.get_xaxis_transform(),
        color="#2ca02c",
        alpha=0.12,
        label="good form",
    )
    ax.set_xlabel("time (s)")
    ax.set_ylabel("degrees")
    ax.legend(loc="upper right", fontsize=8)
    figures.append(("Hip extension and trunk angle over time", _svg(fig)))
    plt.close(fig)

    by_side = summary.get("time_by_side_s", {})
    if by_side:
        fig, ax = plt.subplots(figsize=(5, 2.6))
        sides = sorted(by_side)
        ax.barh(
            [f"{_side_label(s)}, in position" for s in sides],
            [by_side[s]["in_position_s"] for s in sides],
            color="#aaa",
        )
        ax.barh(
            [f"{_side_label(s)}, good form" for s in sides],
            [by_side[s]["good_form_s"] for s in sides],
            color="#2ca02c",
        )
        ax.set_xlabel("seconds")
        figures.append(("Time in position and in good form, by kneeling side", _svg(fig)))
        plt.close(fig)

    dt = (t[1] - t[0]) if len(t) > 1 else 0.0
    fig, ax = plt.subplots(figsize=(9, 2.4))
    for row, fault in enumerate(FAULT_ORDER):
        spans = [(ti, dt) for ti, s in zip(t, timeline["status"], strict=True) if s == fault]
        if spans:
            ax.broken_barh(spans, (row - 0.4, 0.8), color="#ff8c00")
    ax.set_yticks(range(len(FAULT_ORDER)), [_FAULT_LABELS[f] for f in FAULT_ORDER], fontsize=8)
    ax.set_xlim(0, max(t[-1] if t else 1.0, 1.0))
    ax.set_xlabel("time (s)")
    figures.append(("Faults timeline", _svg(fig)))
    plt.close(fig)
    return figures


_FAULT_LABELS = {status.value: status.label for status in FormStatus}


def _deg(value: object, suffix: str = "") -> str:
    return "not measured" if value is None else f"{float(str(value)):.0f}°{suffix}"


def _seconds(value: object) -> str:
    return "0 s" if not value else f"{float(str(value)):.1f} s"


def _percent(value: object) -> str:
    return "not measured" if value is None else f"{float(str(value)) * 100:.0f}%"


def _side(value: object) -> str:
    return f"{value} knee down" if value else "cannot tell from this view"


def _trunk(value: object) -> str:
    if value is None:
        return "not measured"
    degrees = float(str(value))
    return f"{abs(degrees):.0f}° {'forward' if degrees >= 0 else 'back'}"


def _faults(names: list[str] | dict[str, float]) -> str:
    if not names:
        return "none"
    if isinstance(names, dict):
        return ", ".join(f"{_FAULT_LABELS.get(n, n)} {_seconds(s)}" for n, s in names.items())
    return ", ".join(_FAULT_LABELS.get(n, n) for n in names)


def photo_rows(s: dict[str, Any]) -> list[tuple[str, str]]:
    """The photo summary as (label, value) rows a person can read."""
    if s["in_position"]:
        verdict = "In position: " + ("good form" if s["status"] == "good" else s["message"])
    else:
        verdict = f"Not in position: {s['message']}"
    confidence = _percent(s.get("position_confidence"))
    if s.get("position_reason"):
        doubt = "unsure: " if s["in_position"] else ""
        confidence += f" ({doubt}{s['position_reason']})"
    people = s.get("people_found", 1)
    found = f"{s.get('found_by') or 'as is'}"
    if people > 1:
        found += f"; {people} people in the photo, the largest and most central one is checked"
    rows = [
        ("Result", verdict),
        ("How sure the camera is of the position", confidence),
        ("Kneeling side", _side(s.get("kneeling_side")) if s["in_position"] else "not in position"),
        ("Hip extension of the kneeling leg", _deg(s.get("hip_extension_deg"))),
        ("Trunk", _trunk(s.get("trunk_forward_deg"))),
        ("Front knee angle", _deg(s.get("front_knee_deg"))),
        ("Faults", _faults(s.get("faults", []))),
        ("Person found", found),
    ]
    return rows


def video_rows(s: dict[str, Any], duration_s: float) -> list[tuple[str, str]]:
    """The video summary as (label, value) rows a person can read."""
    rows = [
        ("In position", f"{_seconds(s['in_position'])} of {duration_s:.1f} s"),
        ("Good form (hold seconds that count)", _seconds(s["good_form_s"])),
        ("Kneeling side", _side(s.get("kneeling_side"))),
    ]
    for side, figures in sorted(s.get("time_by_side_s", {}).items()):
        label = "Side not told" if side == "unknown" else f"{side.capitalize()} knee down"
        rows.append(
            (
                label,
                f"in position {_seconds(figures['in_position_s'])}, "
                f"good form {_seconds(figures['good_form_s'])}",
            )
        )
    rows += [
        ("Highest hip extension in position", _deg(s.get("max_hip_extension_deg"))),
        (
            "Hip extension in good form",
            "no good-form frames"
            if s.get("max_hip_extension_good_form_deg") is None
            else f"highest {_deg(s['max_hip_extension_good_form_deg'])}, "
            f"median {_deg(s.get('median_hip_extension_good_form_deg'))}",
        ),
        ("Faults (time shown)", _faults(s.get("faults", {}))),
        ("Mean position confidence", _percent(s.get("mean_position_confidence"))),
        ("Pose readings with a person", _readings(s)),
    ]
    return rows


def _readings(s: dict[str, Any]) -> str:
    """ "112 of 130 (13 a second)": the pose is read on some frames only (see analyze)."""
    found = s.get("person_frames", 0)
    if s.get("pose_readings") is None:
        return f"{found}"
    return f"{found} of {s['pose_readings']} ({s['pose_rate_hz']:g} a second)"


def render_report(analysis: AnalysisResult, preview_jpeg: bytes | None = None) -> str:
    """The HTML page for ``analysis``, written for a person; it references no external file."""
    summary = analysis.summary
    if analysis.kind == "image":
        rows = photo_rows(summary)
        what = "Photo"
    else:
        rows = video_rows(summary, analysis.duration_s)
        what = f"Video, {analysis.duration_s:.1f} s ({analysis.frames} frames)"
        if summary.get("annotated_fps") is not None:
            what += (
                f"; the annotated video has the {summary['annotated_frames']} frames whose "
                f"pose was read, at {summary['annotated_fps']:g} frames per second"
            )
    table = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    body: list[str] = [
        f"<h1>Half-kneeling hip flexor stretch: {html.escape(Path(analysis.source).name)}</h1>",
        f"<p>{html.escape(what)}, analysed at {analysis.processing_fps:.1f} frames per second.</p>",
    ]
    for warning in summary.get("warnings", []):
        body.append(f"<p class=warn>Warning: {html.escape(warning)}</p>")
    body.append(f"<table>{table}</table>")
    if preview_jpeg is not None:
        data = base64.b64encode(preview_jpeg).decode("ascii")
        body.append(f'<img alt="annotated photo" src="data:image/jpeg;base64,{data}">')
        body.append(
            "<p class=note>On the picture: the blue line is the back (kneeling) shin, the "
            "yellow line the front shin; the box lists the angles and which knee is down.</p>"
        )
    if analysis.kind == "video" and analysis.timeline.get("t_s"):
        for title, svg in _plots(analysis.timeline, summary):
            body.append(f"<h2>{html.escape(title)}</h2><figure>{svg}</figure>")
    body.append(
        "<p class=note>Angles are measured in the picture from one camera (typical error "
        "4-7°). The camera sees the line from shoulders to hips, not the curve of the lower "
        "back. Hold seconds count only in good form.</p>"
    )
    style = (
        "body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;color:#222}"
        "table{border-collapse:collapse}th,td{border:1px solid #ddd;padding:4px 8px;"
        "text-align:left}th{font-weight:600}img{max-width:100%}figure{margin:0}"
        ".note{color:#666}.warn{background:#fff3cd;padding:6px 10px;border-radius:4px}"
    )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>hipflex analysis</title><style>{style}</style></head><body>"
        + "".join(body)
        + "</body></html>"
    )
