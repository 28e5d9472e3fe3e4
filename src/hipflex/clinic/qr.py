"""Invite links as QR codes (segno), rendered as inline SVG: no image files, no JavaScript."""

from __future__ import annotations

import segno
from markupsafe import Markup


def qr_svg(text: str, title: str) -> Markup:
    """An accessible inline ``<svg>`` QR code of ``text`` (error correction M, 4-module border)."""
    code = segno.make(text, error="m", micro=False)
    svg = code.svg_inline(
        scale=4,
        border=4,
        dark="#1d2630",
        light="#ffffff",
        title=title,
        svgclass="qr",
        lineclass=None,
        omitsize=True,
    )
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))
