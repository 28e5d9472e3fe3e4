"""A self-contained HTML report of one analysis (plots inline as SVG, photo as base64 PNG)."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hipflex.vision.analysis import AnalysisResult

FAULT_ORDER = (
    "leaning_forward",
    "arching_back",
    "slide_hips_forward",
    "front_knee_too_bent",
    "front_knee_too_open",
    "front_shin_tilted",
)


def _svg(fig: Any) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg") :]


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
    ax.plot(t, hip, label="hip extension (in position)", color="#1f77b4")
    ax.plot(t, trunk, label="trunk lean (+ forward)", color="#ff7f0e", alpha=0.8)
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
            [f"{s} in position" for s in sides],
            [by_side[s]["in_position_s"] for s in sides],
            color="#aaa",
        )
        ax.barh(
            [f"{s} good form" for s in sides],
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
    ax.set_yticks(range(len(FAULT_ORDER)), [f.replace("_", " ") for f in FAULT_ORDER], fontsize=8)
    ax.set_xlim(0, max(t[-1] if t else 1.0, 1.0))
    ax.set_xlabel("time (s)")
    figures.append(("Faults timeline", _svg(fig)))
    plt.close(fig)
    return figures


def render_report(analysis: AnalysisResult, preview_jpeg: bytes | None = None) -> str:
    """The HTML page for ``analysis``; it references no external file."""
    summary = analysis.summary
    rows = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
        for k, v in summary.items()
    )
    body: list[str] = [
        f"<h1>hipflex analysis: {html.escape(Path(analysis.source).name)}</h1>",
        f"<p>{analysis.kind}, {analysis.frames} frame(s), {analysis.duration_s:.1f} s, "
        f"processed at {analysis.processing_fps:.1f} frames/s.</p>",
        f"<table>{rows}</table>",
    ]
    if preview_jpeg is not None:
        data = base64.b64encode(preview_jpeg).decode("ascii")
        body.append(f'<img alt="annotated photo" src="data:image/jpeg;base64,{data}">')
    if analysis.kind == "video" and analysis.timeline.get("t_s"):
        for title, svg in _plots(analysis.timeline, summary):
            body.append(f"<h2>{html.escape(title)}</h2><figure>{svg}</figure>")
    body.append(
        "<p class=note>Angles are measured in the image plane from one camera (typical error "
        "4-7 degrees). The camera sees the trunk line, not the curve of the lower back.</p>"
    )
    style = (
        "body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;color:#222}"
        "table{border-collapse:collapse}th,td{border:1px solid #ddd;padding:4px 8px;"
        "text-align:left}img{max-width:100%}figure{margin:0}.note{color:#666}"
    )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>hipflex analysis</title><style>{style}</style></head><body>"
        + "".join(body)
        + "</body></html>"
    )
